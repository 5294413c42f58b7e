"""
Real peers for outbound-delivery tests: a DNS server and receiving SMTP
servers on loopback.

  Dnsmasq     dnsmasq answering MX/A/AAAA/TXT for test domains (and NXDOMAIN
              for any other name under .test), on 127.0.0.1:<free port>;
              point petrel-node at it with node_dns_config(dns).
  SmtpSink    a Python aiosmtpd server (Debian python3-aiosmtpd) in a thread
              that records every message it accepts and can be told to
              answer RCPT or DATA with 4xx/5xx.
  PostfixSink Postfix's smtp-sink: fast, for benchmarks and canned 4xx/5xx.

Loopback addresses other than 127.0.0.1 (127.0.0.2, 127.0.0.3 ...) stand
for different mail hosts; they all share one free port, which the node is
told through the outbound_port setting.
"""

import contextlib
import os
import shutil
import socket
import ssl
import subprocess
import threading

import petrel_harness as h

DNSMASQ = "/usr/sbin/dnsmasq"
SMTP_SINK = "/usr/sbin/smtp-sink"


def free_port_all(hosts):
    """A TCP port free on every one of hosts (for sinks on several
    loopback addresses at the same port)."""
    for _ in range(200):
        port = h.free_port()
        ok = True
        for host in hosts:
            with socket.socket() as s:
                try:
                    s.bind((host, port))
                except OSError:
                    ok = False
                    break
        if ok:
            return port
    raise RuntimeError("no common free port")


class Dnsmasq:
    """dnsmasq with records given as lists:

      mx=[(domain, exchange, preference)]   exchange "." is a null MX
      a=[(name, ipv4)]  aaaa=[(name, ipv6)]  txt=[(name, text)]
      ptr=[(ipv4, name)]  the reverse name of an address
      silent=[zone]     names under zone go to a server that never answers
      ttl=N             the TTL of every answer (default 0: nothing is
                        remembered, so tests may change records at will)

    Every other name under the local zones (default: test) is NXDOMAIN.
    dns.servers is the value for the node's [dns] servers key."""

    def __init__(self, mx=(), a=(), aaaa=(), txt=(), zones=("test",), port=None, silent=(),
                 ptr=(), ttl=0):
        self.mx, self.a, self.aaaa, self.txt = list(mx), list(a), list(aaaa), list(txt)
        self.ptr = list(ptr)
        self.zones, self.silent = zones, list(silent)
        self.ttl = ttl
        self._silent_udp = None
        self.port = port or h.free_port()
        self.proc = None

    @property
    def servers(self):
        return f"127.0.0.1:{self.port}"

    def _args(self):
        args = [DNSMASQ, "--keep-in-foreground", "--conf-file=/dev/null", "--no-resolv",
                "--no-hosts", "--no-poll", "--bind-interfaces", "--listen-address=127.0.0.1",
                f"--port={self.port}", "--pid-file=", "--cache-size=0", "--log-facility=-",
                f"--local-ttl={self.ttl}"]
        if os.geteuid() == 0:
            args += ["--user=root", "--group=root"]
        args += [f"--local=/{z}/" for z in self.zones]
        args += [f"--mx-host={d},{x},{p}" for d, x, p in self.mx]
        args += [f"--host-record={n},{ip}" for n, ip in self.a + self.aaaa]
        args += [f"--txt-record={n},{t}" for n, t in self.txt]
        args += [f"--ptr-record={'.'.join(reversed(ip.split('.')))}.in-addr.arpa,{name}"
                 for ip, name in self.ptr]
        if self.silent and self._silent_udp is None:
            self._silent_udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            self._silent_udp.bind(("127.0.0.1", 0))     # reads nothing, answers nothing
        if self.silent:
            port = self._silent_udp.getsockname()[1]
            args += [f"--server=/{z}/127.0.0.1#{port}" for z in self.silent]
        return args

    def start(self):
        if shutil.which(DNSMASQ) is None:
            raise RuntimeError("dnsmasq is not installed (scripts/test installs dnsmasq-base)")
        self.proc = h._spawn(self._args(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        h.wait_for(self._answers, timeout=10, message="dnsmasq did not start")
        return self

    def _answers(self):
        if self.proc.poll() is not None:
            raise RuntimeError("dnsmasq exited: " + self.proc.stderr.read().decode())
        query = (b"\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00"
                 b"\x05probe\x04test\x00\x00\x01\x00\x01")
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.settimeout(0.2)
            try:
                s.sendto(query, ("127.0.0.1", self.port))
                return s.recv(512)[:2] == b"\x12\x34"
            except OSError:
                return False

    def restart(self, **records):
        """Change records (mx=, a=, ...) and restart on the same port."""
        for k, v in records.items():
            setattr(self, k, list(v))
        self.stop()
        self.start()

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(5)
        self.proc = None
        if self._silent_udp is not None:
            self._silent_udp.close()
            self._silent_udp = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


def host_ipv4():
    """This host's first non-loopback IPv4 address (None if it has none):
    a client address SPF does not pass without a lookup, as it does
    loopback."""
    out = subprocess.run(["ip", "-4", "-o", "addr", "show", "scope", "global"],
                         capture_output=True, text=True).stdout.split()
    for i, word in enumerate(out):
        if word == "inet":
            return out[i + 1].split("/")[0]
    return None


def node_dns_config(dns):
    """The `extra` for h.Node / make_node that points the node at dns."""
    return {"dns": {"servers": dns.servers}}


class SmtpSink:
    """An aiosmtpd receiving server on host:port in a background thread.

    sink.messages: list of dicts {mail_from, rcpt_tos, data (bytes),
    mail_options, rcpt_options, peer}. rcpt_reply(address) and
    data_reply(envelope) may return a reply string (e.g. "450 4.2.0 Busy")
    to refuse; None accepts. tls: an ssl.SSLContext to offer STARTTLS;
    require_tls refuses MAIL before STARTTLS."""

    def __init__(self, host="127.0.0.2", port=None, rcpt_reply=None, data_reply=None,
                 tls=None, require_tls=False, ident="sink", auth=None):
        self.auth = auth  # {user: password}: AUTH required (also without TLS)
        self.host = host
        self.port = port or free_port_all([host])
        self.rcpt_reply = rcpt_reply
        self.data_reply = data_reply
        self.tls = tls
        self.require_tls = require_tls
        self.ident = ident
        self.messages = []
        self.sessions = 0
        self.lock = threading.Lock()
        self.controller = None

    # aiosmtpd handler hooks
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        reply = self.rcpt_reply(address) if self.rcpt_reply else None
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):
        reply = self.data_reply(envelope) if self.data_reply else None
        if reply:
            return reply
        with self.lock:
            self.messages.append({
                "mail_from": envelope.mail_from, "rcpt_tos": list(envelope.rcpt_tos),
                "data": envelope.original_content or envelope.content,
                "mail_options": list(envelope.mail_options), "peer": session.peer,
                "tls": session.ssl is not None, "host": self.host})
        return "250 2.0.0 OK queued"

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        session.host_name = hostname
        with self.lock:
            self.sessions += 1
        return responses

    def start(self):
        from aiosmtpd.controller import Controller
        kw = {"hostname": self.host, "port": self.port, "ident": self.ident,
              "decode_data": False, "enable_SMTPUTF8": True,
              "data_size_limit": 64 * 1024 * 1024}
        if self.tls is not None:
            kw["tls_context"] = self.tls
            kw["require_starttls"] = self.require_tls
        if self.auth is not None:
            from aiosmtpd.smtp import AuthResult

            def check(server, session, envelope, mechanism, data):
                ok = self.auth.get(data.login.decode()) == data.password.decode()
                return AuthResult(success=ok, handled=False)
            kw.update(authenticator=check, auth_required=True, auth_require_tls=False)
        self.controller = Controller(self, **kw)
        self.controller.start()
        return self

    def stop(self):
        if self.controller is not None:
            with contextlib.suppress(Exception):
                self.controller.stop()
        self.controller = None

    def wait_messages(self, count, timeout=30):
        h.wait_for(lambda: len(self.messages) >= count, timeout=timeout,
                   message=f"{self.host}:{self.port} got {len(self.messages)} of {count} messages")
        return self.messages

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


def sink_tls_context():
    """A server context with the harness's self-signed certificate."""
    cert, key = h.session_cert()
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(cert, key)
    return ctx


class PostfixSink:
    """Postfix smtp-sink on host:port. options: extra flags, e.g.
    ["-r", "RCPT"] (4xx to RCPT), ["-f", "DATA"] (5xx to DATA),
    ["-q", "MAIL"] (disconnect after MAIL)."""

    def __init__(self, host="127.0.0.2", port=None, options=(), backlog=256):
        self.host = host
        self.port = port or free_port_all([host])
        self.options = list(options)
        self.backlog = backlog
        self.proc = None

    def start(self):
        if shutil.which(SMTP_SINK) is None:
            raise RuntimeError("smtp-sink is not installed (scripts/test installs postfix)")
        args = [SMTP_SINK, "-m", "1000"] + self.options
        if os.geteuid() == 0:
            args += ["-u", "nobody"]
        args += [f"{self.host}:{self.port}", str(self.backlog)]
        self.proc = h._spawn(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        h.wait_for(self._listening, timeout=10, message="smtp-sink did not start")
        return self

    def _listening(self):
        if self.proc.poll() is not None:
            raise RuntimeError("smtp-sink exited: " + self.proc.stderr.read().decode())
        with contextlib.suppress(OSError), socket.create_connection((self.host, self.port), 1):
            return True
        return False

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(5)
        self.proc = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


def wait_queue_state(pg, state, count, timeout=30):
    """Wait until count recipients in queue_recipients have state."""
    h.wait_for(lambda: int(pg.value("SELECT count(*) FROM queue_recipients WHERE state = %s",
                                     (state,))) >= count,
               timeout=timeout, message=f"fewer than {count} queue recipients {state}")


def silent_server(host="127.0.0.2", port=None, greeting=None):
    """A TCP server that accepts and then never answers (greeting None) or
    sends greeting (bytes, e.g. 10 MB) and then nothing. Returns
    (port, stop)."""
    port = port or free_port_all([host])
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((host, port))
    srv.listen(64)
    srv.settimeout(0.2)
    stop = threading.Event()
    conns = []

    def serve():
        while not stop.is_set():
            try:
                c, _ = srv.accept()
            except OSError:
                continue
            conns.append(c)
            if greeting:
                threading.Thread(target=_send_quietly, args=(c, greeting), daemon=True).start()
        srv.close()
        for c in conns:
            with contextlib.suppress(OSError):
                c.close()

    threading.Thread(target=serve, daemon=True).start()
    return port, stop.set


def _send_quietly(conn, data):
    with contextlib.suppress(OSError):
        conn.sendall(data)
