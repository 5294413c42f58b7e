"""The outbound SMTP client (node/smtp-client.c) against real servers:
aiosmtpd (SmtpSink), Postfix's smtp-sink, scripted sockets for exact
protocol situations, and hostile servers. Driven through the test tool
smtp-client-send, which prints one line per recipient result."""

import contextlib
import shutil
import socket
import subprocess
import tempfile
import threading
from pathlib import Path

import pytest

import mail_peers
import petrel_harness as h

# SmtpSink(auth=...) requires AUTH without TLS on purpose (loopback smarthost)
pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")

TOOL = h.BUILD_DIR / "node" / "smtp-client-send"
BODY = (b"From: a@x.test\r\nTo: b@y.test\r\nSubject: client test\r\n\r\n"
        b"first line\r\n.starts with a dot\r\n..two dots\r\n.\r\nend\xc3\xa9\r\n")


class Run:
    def __init__(self, proc):
        self.stdout, self.stderr, self.rc = proc.stdout, proc.stderr, proc.returncode
        self.results, self.done, self.maxrss = {}, None, None
        for line in proc.stdout.splitlines():
            kind, _, rest = line.partition(" ")
            if kind == "rcpt":
                msg, rcpt, code, text = rest.split(" ", 3)
                self.results[(int(msg), rcpt)] = (int(code), text)
            elif kind == "done":
                self.done = rest
            elif kind == "maxrss":
                self.maxrss = int(rest)

    def codes(self):
        return {k: v[0] for k, v in self.results.items()}


def send(tmp_path, hosts, port, rcpts, body=BODY, extra=(), timeout=60):
    """Run smtp-client-send; hosts are "ip" or "name=ip,ip"."""
    msg = tmp_path / "msg.eml"
    msg.write_bytes(body)
    args = [str(TOOL), "--port", str(port), "--from", "sender@petrel.test",
            "--file", str(msg)]
    for host in hosts:
        args += ["--host", host]
    for rcpt in rcpts:
        args += ["--to", rcpt]
    proc = subprocess.run(args + list(extra), capture_output=True, text=True, timeout=timeout,
                          errors="replace")
    run = Run(proc)
    assert run.rc == 0, proc.stderr
    assert "AddressSanitizer" not in proc.stderr and "LeakSanitizer" not in proc.stderr, \
        proc.stderr
    assert run.done is not None, proc.stdout
    return run


class Scripted:
    """A TCP server on host:port that runs script(sock) for every
    connection in a thread; received bytes are kept in self.received."""

    def __init__(self, host, port, script):
        self.script, self.received, self.connections = script, [], 0
        self.srv = socket.socket()
        self.srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.srv.bind((host, port))
        self.srv.listen(16)
        self.srv.settimeout(0.2)
        self.stop_event = threading.Event()
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while not self.stop_event.is_set():
            try:
                conn, _ = self.srv.accept()
            except OSError:
                continue
            self.connections += 1
            threading.Thread(target=self._run, args=(conn,), daemon=True).start()
        self.srv.close()

    def _run(self, conn):
        conn.settimeout(20)
        with contextlib.suppress(OSError), conn:
            self.script(self, conn)

    def recv_until(self, conn, marker):
        data = b""
        while marker not in data:
            chunk = conn.recv(65536)
            if not chunk:
                raise OSError("closed")
            data += chunk
        self.received.append(data)
        return data

    def stop(self):
        self.stop_event.set()


@pytest.fixture
def two_hosts():
    """A port free on 127.0.0.2 and 127.0.0.3."""
    return mail_peers.free_port_all(["127.0.0.2", "127.0.0.3"])


@pytest.fixture
def scripted(two_hosts):
    servers = []

    def start(script, host="127.0.0.2"):
        srv = Scripted(host, two_hosts, script)
        servers.append(srv)
        return srv
    yield start
    for srv in servers:
        srv.stop()


def ehlo_script(extensions):
    """Greeting and EHLO with the given extension lines."""
    def greet(srv, conn):
        conn.sendall(b"220 scripted ESMTP\r\n")
        srv.recv_until(conn, b"\r\n")
        lines = ["scripted"] + extensions
        reply = "".join(f"250-{x}\r\n" for x in lines[:-1]) + f"250 {lines[-1]}\r\n"
        conn.sendall(reply.encode())
    return greet


def serve_transactions(srv, conn):
    """Accept every command one at a time until QUIT."""
    while True:
        line = srv.recv_until(conn, b"\r\n")
        if line.startswith(b"QUIT"):
            conn.sendall(b"221 bye\r\n")
            return
        if line.startswith(b"DATA"):
            conn.sendall(b"354 go\r\n")
            srv.recv_until(conn, b"\r\n.\r\n")
        conn.sendall(b"250 ok\r\n")


# --------------------------------------------------------------------------- routing

def test_first_host_down_second_delivers(tmp_path, two_hosts):
    with mail_peers.SmtpSink(host="127.0.0.3", port=two_hosts) as sink:
        run = send(tmp_path, ["mx1.test=127.0.0.2", "mx2.test=127.0.0.3"], two_hosts,
                   ["b@y.test"])
        assert run.done == "ok"
        assert run.codes() == {(0, "b@y.test"): 250}
        assert len(sink.messages) == 1 and sink.messages[0]["host"] == "127.0.0.3"


def test_all_hosts_down_defers_every_message(tmp_path, two_hosts):
    run = send(tmp_path, ["mx1.test=127.0.0.2", "mx2.test=127.0.0.3"], two_hosts,
               ["b@y.test", "c@y.test"], extra=["--count", "3"])
    assert run.done.startswith("error 4.4.1 connection to mx2.test [127.0.0.3] failed")
    assert len(run.results) == 6
    for code, text in run.results.values():
        assert code == 451 and "mx2.test [127.0.0.3]" in text and "refused" in text


def test_host_without_address_is_skipped(tmp_path, two_hosts):
    with mail_peers.SmtpSink(host="127.0.0.2", port=two_hosts) as sink:
        run = send(tmp_path, ["noaddr.test=", "127.0.0.2"], two_hosts, ["b@y.test"])
        assert run.done == "ok" and len(sink.messages) == 1
    run = send(tmp_path, ["noaddr.test="], two_hosts, ["b@y.test"])
    assert run.done == "error 4.4.4 no mail host has an address"
    assert run.codes() == {(0, "b@y.test"): 451}


def test_bad_greeting_goes_to_next_host(tmp_path, two_hosts, scripted):
    scripted(lambda srv, conn: conn.sendall(b"554 5.7.1 go away\r\n"))
    with mail_peers.SmtpSink(host="127.0.0.3", port=two_hosts) as sink:
        run = send(tmp_path, ["127.0.0.2", "127.0.0.3"], two_hosts, ["b@y.test"])
        assert run.done == "ok" and run.codes() == {(0, "b@y.test"): 250}
        assert len(sink.messages) == 1


def test_malformed_greeting_goes_to_next_host(tmp_path, two_hosts, scripted):
    scripted(lambda srv, conn: conn.sendall(b"220-hello\r\n554 mixed codes\r\n"))
    with mail_peers.SmtpSink(host="127.0.0.3", port=two_hosts) as sink:
        run = send(tmp_path, ["127.0.0.2", "127.0.0.3"], two_hosts, ["b@y.test"])
        assert run.done == "ok" and len(sink.messages) == 1
    assert "bad reply: reply lines carry different codes" in run.stderr


# --------------------------------------------------------------------------- content

def test_multi_message_multi_rcpt_byte_exact(tmp_path, two_hosts):
    with mail_peers.SmtpSink(host="127.0.0.2", port=two_hosts) as sink:
        run = send(tmp_path, ["127.0.0.2"], two_hosts, ["b@y.test", "c@y.test"],
                   extra=["--count", "3"])
        assert run.done == "ok"
        assert set(run.codes().values()) == {250} and len(run.results) == 6
        assert sink.sessions == 1
        assert len(sink.messages) == 3
        for m in sink.messages:
            assert m["data"] == BODY
            assert m["rcpt_tos"] == ["b@y.test", "c@y.test"]
            assert m["mail_from"] == "sender@petrel.test"
            assert f"SIZE={len(BODY)}" in m["mail_options"]


def test_body_without_final_crlf_gets_one(tmp_path, two_hosts):
    with mail_peers.SmtpSink(host="127.0.0.2", port=two_hosts) as sink:
        run = send(tmp_path, ["127.0.0.2"], two_hosts, ["b@y.test"],
                   body=b"Subject: x\r\n\r\n.no newline")
        assert run.done == "ok"
        assert sink.messages[0]["data"] == b"Subject: x\r\n\r\n.no newline\r\n"


def test_large_message_chunked(tmp_path, two_hosts):
    line = b"." + b"x" * 98 + b"\r\n"
    body = b"Subject: big\r\n\r\n" + line * 60000   # 6 MB, every line dot-stuffed
    with mail_peers.SmtpSink(host="127.0.0.2", port=two_hosts) as sink:
        run = send(tmp_path, ["127.0.0.2"], two_hosts, ["b@y.test"], body=body)
        assert run.done == "ok"
        assert sink.messages[0]["data"] == body


def test_pipelined_with_smtp_sink(tmp_path, two_hosts):
    # smtp-sink runs as nobody: the dump directory must be reachable for it
    dump = Path(tempfile.mkdtemp(prefix="petrel-smtp-sink-"))
    dump.chmod(0o777)
    with mail_peers.PostfixSink(host="127.0.0.2", port=two_hosts,
                                options=["-d", f"{dump}/%M."]):
        run = send(tmp_path, ["127.0.0.2"], two_hosts, ["b@y.test", "c@y.test", "d@y.test"],
                   extra=["--count", "4"])
        assert run.done == "ok"
        assert len(run.results) == 12 and set(run.codes().values()) == {250}
    dumped = b"".join(p.read_bytes() for p in dump.iterdir())
    shutil.rmtree(dump)
    # smtp-sink stores lines with LF and removes the dot-stuffing
    assert dumped.count(BODY.replace(b"\r\n", b"\n")) == 4


def test_pipelining_sends_mail_rcpt_data_in_one_go(tmp_path, scripted, two_hosts):
    def script(srv, conn):
        ehlo_script(["PIPELINING", "8BITMIME"])(srv, conn)
        # No reply before DATA arrived: a client waiting for the MAIL reply
        # would stall here until its timeout.
        got = srv.recv_until(conn, b"DATA\r\n")
        assert got.count(b"RCPT TO:") == 2 and got.startswith(b"MAIL FROM:")
        conn.sendall(b"250 ok\r\n250 ok\r\n550 5.1.1 no\r\n354 go\r\n")
        srv.recv_until(conn, b"\r\n.\r\n")
        conn.sendall(b"250 2.0.0 queued\r\n")
        srv.recv_until(conn, b"QUIT\r\n")
        conn.sendall(b"221 bye\r\n")
    srv = scripted(script)
    run = send(tmp_path, ["127.0.0.2"], two_hosts, ["b@y.test", "bad@y.test"],
               extra=["--timeouts", "5,5,5,5"])
    assert run.done == "ok"
    assert run.results[(0, "b@y.test")] == (250, "2.0.0 queued")
    assert run.results[(0, "bad@y.test")] == (550, "5.1.1 no")
    assert b"BODY=8BITMIME" not in srv.received[0]


# --------------------------------------------------------------------------- refusals

def test_per_recipient_4xx_5xx(tmp_path, two_hosts):
    def rcpt_reply(address):
        return {"busy@y.test": "450 4.2.1 Mailbox busy",
                "nobody@y.test": "550 5.1.1 No such user"}.get(address)
    with mail_peers.SmtpSink(host="127.0.0.2", port=two_hosts, rcpt_reply=rcpt_reply) as sink:
        run = send(tmp_path, ["127.0.0.2"], two_hosts,
                   ["busy@y.test", "ok@y.test", "nobody@y.test"], extra=["--count", "2"])
        assert run.done == "ok"
        for m in (0, 1):
            assert run.results[(m, "busy@y.test")] == (450, "4.2.1 Mailbox busy")
            assert run.results[(m, "nobody@y.test")] == (550, "5.1.1 No such user")
            assert run.results[(m, "ok@y.test")][0] == 250
        assert [m["rcpt_tos"] for m in sink.messages] == [["ok@y.test"], ["ok@y.test"]]


def test_all_recipients_refused_then_next_message(tmp_path, two_hosts):
    with mail_peers.PostfixSink(host="127.0.0.2", port=two_hosts, options=["-r", "RCPT"]):
        run = send(tmp_path, ["127.0.0.2"], two_hosts, ["b@y.test", "c@y.test"],
                   extra=["--count", "3"])
    assert run.done == "ok"
    assert len(run.results) == 6 and {c // 100 for c in run.codes().values()} == {4}


def test_all_recipients_refused_without_pipelining(tmp_path, two_hosts):
    with mail_peers.PostfixSink(host="127.0.0.2", port=two_hosts,
                                options=["-p", "-r", "RCPT"]):
        run = send(tmp_path, ["127.0.0.2"], two_hosts, ["b@y.test"], extra=["--count", "2"])
    assert run.done == "ok"
    assert len(run.results) == 2 and {c // 100 for c in run.codes().values()} == {4}


def test_5xx_at_data_command(tmp_path, two_hosts):
    with mail_peers.PostfixSink(host="127.0.0.2", port=two_hosts, options=["-f", "DATA"]):
        run = send(tmp_path, ["127.0.0.2"], two_hosts, ["b@y.test", "c@y.test"],
                   extra=["--count", "2"])
    assert run.done == "ok"
    assert len(run.results) == 4 and {c // 100 for c in run.codes().values()} == {5}


def test_5xx_at_end_of_data(tmp_path, two_hosts):
    with mail_peers.SmtpSink(host="127.0.0.2", port=two_hosts,
                             data_reply=lambda env: "554 5.6.0 Content refused"):
        run = send(tmp_path, ["127.0.0.2"], two_hosts, ["b@y.test", "c@y.test"])
    assert run.done == "ok"
    assert set(run.results.values()) == {(554, "5.6.0 Content refused")}


def test_5xx_to_mail_goes_to_every_rcpt(tmp_path, scripted, two_hosts):
    def script(srv, conn):
        ehlo_script(["SIZE"])(srv, conn)
        srv.recv_until(conn, b"\r\n")
        conn.sendall(b"553 5.1.8 sender refused\r\n")
        srv.recv_until(conn, b"QUIT\r\n")
        conn.sendall(b"221 bye\r\n")
    srv = scripted(script)
    run = send(tmp_path, ["127.0.0.2"], two_hosts, ["b@y.test", "c@y.test"])
    assert run.done == "ok"
    assert set(run.results.values()) == {(553, "5.1.8 sender refused")}
    assert b"RCPT" not in b"".join(srv.received)


def test_size_limit_refused_without_sending(tmp_path, scripted, two_hosts):
    def script(srv, conn):
        ehlo_script(["SIZE 100", "PIPELINING"])(srv, conn)
        srv.recv_until(conn, b"\r\n")
        conn.sendall(b"221 bye\r\n")
    srv = scripted(script)
    run = send(tmp_path, ["127.0.0.2"], two_hosts, ["b@y.test", "c@y.test"])
    assert run.done == "ok"
    for code, text in run.results.values():
        assert code == 552 and text.startswith("5.3.4 message size") and "limit 100" in text
    assert srv.received[-1] == b"QUIT\r\n"


def test_smtputf8_not_offered(tmp_path, scripted, two_hosts):
    def script(srv, conn):
        ehlo_script(["8BITMIME"])(srv, conn)
        srv.recv_until(conn, b"\r\n")
        conn.sendall(b"221 bye\r\n")
    srv = scripted(script)
    run = send(tmp_path, ["127.0.0.2"], two_hosts, ["jörg@y.test"], extra=["--smtputf8"])
    assert run.results[(0, "jörg@y.test")] == \
        (550, "5.6.7 SMTPUTF8 not supported by 127.0.0.2 [127.0.0.2]")
    assert srv.received[-1] == b"QUIT\r\n"


def test_8bitmime_and_smtputf8_parameters(tmp_path, two_hosts):
    with mail_peers.SmtpSink(host="127.0.0.2", port=two_hosts) as sink:
        run = send(tmp_path, ["127.0.0.2"], two_hosts, ["jörg@y.test"],
                   extra=["--eightbit", "--smtputf8"])
        assert run.done == "ok"
        m = sink.messages[0]
        assert "BODY=8BITMIME" in m["mail_options"] and "SMTPUTF8" in m["mail_options"]
        assert m["rcpt_tos"] == ["jörg@y.test"] and m["data"] == BODY


def test_connection_lost_after_data_defers(tmp_path, scripted, two_hosts):
    def script(srv, conn):
        ehlo_script(["PIPELINING"])(srv, conn)
        srv.recv_until(conn, b"DATA\r\n")
        conn.sendall(b"250 ok\r\n250 ok\r\n354 go\r\n")
        srv.recv_until(conn, b"\r\n.\r\n")
        conn.shutdown(socket.SHUT_RDWR)
    scripted(script)
    with mail_peers.SmtpSink(host="127.0.0.3", port=two_hosts) as sink:
        run = send(tmp_path, ["127.0.0.2", "127.0.0.3"], two_hosts, ["b@y.test"],
                   extra=["--count", "2"])
        # messages were handed out: no second host, everything deferred
        assert sink.messages == []
    assert run.done.startswith("error 4.4.2 connection to 127.0.0.2 [127.0.0.2] lost")
    assert run.codes() == {(0, "b@y.test"): 451, (1, "b@y.test"): 451}


# --------------------------------------------------------------------------- TLS, AUTH

def test_starttls_may(tmp_path, two_hosts):
    with mail_peers.SmtpSink(host="127.0.0.2", port=two_hosts,
                             tls=mail_peers.sink_tls_context()) as sink:
        run = send(tmp_path, ["mx.test=127.0.0.2"], two_hosts, ["b@y.test"],
                   extra=["--tls", "may", "--count", "2"])
        assert run.done == "ok"
        assert [m["tls"] for m in sink.messages] == [True, True]
        assert sink.messages[0]["data"] == BODY
    assert 'tls="TLSv1.' in run.stderr


def test_starttls_may_without_tls_is_plaintext(tmp_path, two_hosts):
    with mail_peers.SmtpSink(host="127.0.0.2", port=two_hosts) as sink:
        run = send(tmp_path, ["127.0.0.2"], two_hosts, ["b@y.test"], extra=["--tls", "may"])
        assert run.done == "ok" and sink.messages[0]["tls"] is False


def test_starttls_encrypt(tmp_path, two_hosts):
    with mail_peers.SmtpSink(host="127.0.0.2", port=two_hosts, require_tls=True,
                             tls=mail_peers.sink_tls_context()) as sink:
        run = send(tmp_path, ["127.0.0.2"], two_hosts, ["b@y.test"],
                   extra=["--tls", "encrypt"])
        assert run.done == "ok" and sink.messages[0]["tls"] is True


def test_starttls_encrypt_host_without_tls(tmp_path, two_hosts):
    with mail_peers.SmtpSink(host="127.0.0.2", port=two_hosts) as sink:
        run = send(tmp_path, ["mx.test=127.0.0.2"], two_hosts, ["b@y.test"],
                   extra=["--tls", "encrypt"])
        assert sink.messages == []
    code, text = run.results[(0, "b@y.test")]
    assert code == 451 and text == \
        "4.7.4 mx.test [127.0.0.2] does not offer STARTTLS, which is required"
    assert run.done.startswith("error 4.7.4")


def test_tls_handshake_failure_goes_to_next_host(tmp_path, scripted, two_hosts):
    def script(srv, conn):
        ehlo_script(["STARTTLS"])(srv, conn)
        srv.recv_until(conn, b"STARTTLS\r\n")
        conn.sendall(b"220 go ahead\r\n")
        conn.recv(100)
        conn.sendall(b"this is not TLS\r\n" * 10)
    scripted(script)
    with mail_peers.SmtpSink(host="127.0.0.3", port=two_hosts,
                             tls=mail_peers.sink_tls_context()) as sink:
        run = send(tmp_path, ["127.0.0.2", "127.0.0.3"], two_hosts, ["b@y.test"],
                   extra=["--tls", "encrypt"])
        assert run.done == "ok" and sink.messages[0]["tls"] is True
    assert "tls error" in run.stderr


def test_auth_to_smarthost(tmp_path, two_hosts):
    with mail_peers.SmtpSink(host="127.0.0.2", port=two_hosts,
                             auth={"relay": "s3cret"}) as sink:
        run = send(tmp_path, ["smarthost.test=127.0.0.2"], two_hosts, ["b@y.test"],
                   extra=["--auth", "relay:s3cret"])
        assert run.done == "ok" and len(sink.messages) == 1
        bad = send(tmp_path, ["smarthost.test=127.0.0.2"], two_hosts, ["b@y.test"],
                   extra=["--auth", "relay:wrong"])
        assert len(sink.messages) == 1
        # without credentials the smarthost refuses the transaction itself
        none = send(tmp_path, ["smarthost.test=127.0.0.2"], two_hosts, ["b@y.test"])
    code, text = bad.results[(0, "b@y.test")]
    assert code == 451 and "answered AUTH with: 535" in text
    assert none.results[(0, "b@y.test")][0] == 530


def test_auth_login(tmp_path, scripted, two_hosts):
    def script(srv, conn):
        ehlo_script(["AUTH LOGIN CRAM-MD5"])(srv, conn)
        srv.recv_until(conn, b"AUTH LOGIN\r\n")
        conn.sendall(b"334 VXNlcm5hbWU6\r\n")
        user = srv.recv_until(conn, b"\r\n")
        conn.sendall(b"334 UGFzc3dvcmQ6\r\n")
        password = srv.recv_until(conn, b"\r\n")
        if (user, password) != (b"cmVsYXk=\r\n", b"czNjcmV0\r\n"):
            conn.sendall(b"535 5.7.8 no\r\n")
            return
        conn.sendall(b"235 2.7.0 ok\r\n")
        serve_transactions(srv, conn)
    scripted(script)
    run = send(tmp_path, ["127.0.0.2"], two_hosts, ["b@y.test"],
               extra=["--auth", "relay:s3cret"])
    assert run.done == "ok" and run.results[(0, "b@y.test")] == (250, "ok")


# --------------------------------------------------------------------------- hostile

def test_huge_greeting_is_cut_off(tmp_path, two_hosts):
    baseline = send(tmp_path, ["127.0.0.2"], two_hosts, ["b@y.test"])
    port, stop = mail_peers.silent_server(port=two_hosts, greeting=b"2" * (10 * 1024 * 1024))
    try:
        run = send(tmp_path, ["127.0.0.2"], two_hosts, ["b@y.test"],
                   extra=["--max-reply", "65536", "--timeouts", "5,5,5,5"])
    finally:
        stop()
    assert run.done.endswith("sent a bad reply: reply line too long")
    assert run.results[(0, "b@y.test")][0] == 451
    # memory: nowhere near the 10 MB the server sent
    assert run.maxrss - baseline.maxrss < 4 * 1024, (run.maxrss, baseline.maxrss)


def test_huge_multiline_greeting_is_cut_off(tmp_path, two_hosts):
    port, stop = mail_peers.silent_server(port=two_hosts,
                                          greeting=b"220-spam spam spam\r\n" * 500000)
    try:
        run = send(tmp_path, ["127.0.0.2"], two_hosts, ["b@y.test"],
                   extra=["--max-reply", "65536", "--timeouts", "5,5,5,5"])
    finally:
        stop()
    assert run.done.endswith("sent a bad reply: reply too large")


def test_silent_server_times_out(tmp_path, two_hosts):
    port, stop = mail_peers.silent_server(port=two_hosts)
    try:
        run = send(tmp_path, ["127.0.0.2"], two_hosts, ["b@y.test"], extra=["--count", "2",
                   "--timeouts", "5,1,5,5"], timeout=20)
    finally:
        stop()
    assert run.done == "error 4.4.2 connection to 127.0.0.2 [127.0.0.2] timed out"
    assert run.codes() == {(0, "b@y.test"): 451, (1, "b@y.test"): 451}


def test_silent_after_data_times_out(tmp_path, scripted, two_hosts):
    def script(srv, conn):
        ehlo_script(["PIPELINING"])(srv, conn)
        srv.recv_until(conn, b"DATA\r\n")
        conn.sendall(b"250 ok\r\n250 ok\r\n354 go\r\n")
        srv.recv_until(conn, b"\r\n.\r\n")
        srv.stop_event.wait(10)
    scripted(script)
    run = send(tmp_path, ["127.0.0.2"], two_hosts, ["b@y.test"],
               extra=["--timeouts", "5,5,5,1"], timeout=20)
    assert run.results[(0, "b@y.test")] == \
        (451, "4.4.2 connection to 127.0.0.2 [127.0.0.2] timed out")
