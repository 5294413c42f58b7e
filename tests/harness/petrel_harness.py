"""
petrel_harness.py — the integration-test harness for Petrel.

Starts real parts and drives them with real clients:

  Postgres(tmpdir)    a throwaway PostgreSQL 15 (initdb once per session into
                      a template, copied per instance; unix socket only; run
                      as the unprivileged user `petrel-test` when we are root)
  petrelctl(...)      runs build/ctl/petrelctl
  Node(pg, tmpdir)    writes a bootstrap config and runs build/node/petrel-node
  RawClient           a line-level SMTP/LMTP client for byte-exact tests
  helpers             free_port, wait_for, make_message, smtp_send, ...

Every process the harness starts runs in its own process group, dies with
the test process (PR_SET_PDEATHSIG) and is killed by kill_all() at exit, so
a failing or interrupted run leaves no postgres or petrel-node behind.
Start processes from the main thread only: PR_SET_PDEATHSIG follows the
thread that forked.

Use Debian's /usr/bin/python3 (python3-pytest, python3-psycopg2).
"""

import atexit
import collections
import contextlib
import ctypes
import hashlib
import json as jsonlib
import os
import pwd
import random
import re
import resource
import secrets
import shutil
import signal
import smtplib
import socket
import ssl
import subprocess
import tempfile
import threading
import time
from pathlib import Path

REPO_DIR = Path(__file__).resolve().parents[2]
BUILD_DIR = Path(os.environ.get("PETREL_BUILD_DIR", REPO_DIR / "build"))
PG_BIN = Path(os.environ.get("PETREL_PG_BIN", "/usr/lib/postgresql/15/bin"))
PG_OS_USER = "petrel-test"
HOSTNAME = "mx.example.test"

__all__ = [
    "REPO_DIR", "BUILD_DIR", "HOSTNAME", "PG_OS_USER",
    "Postgres", "Node", "RawClient", "Reply", "SendResult",
    "HarnessError", "PetrelctlError", "NodeError", "ConnectionClosed",
    "petrelctl", "petrelctl_path", "node_path", "write_bootstrap_config",
    "free_port", "wait_for", "make_message", "smtp_send", "queue_id_of",
    "session_cert", "make_cert", "unverified_tls_context", "children_of",
    "process_uid", "listening_ports_of", "worker_for_connection",
    "raise_nofile_limit", "kill_all", "stored_by_token", "ensure_os_user",
    "SmtpSession", "tokens_in_db", "run_node_once", "mailbox_consistency_errors", "token_of",
]


class HarnessError(Exception):
    pass


class NodeError(HarnessError):
    pass


class ConnectionClosed(HarnessError):
    pass


# ---------------------------------------------------------------------------
# Processes: registry, death signal, cleanup

_libc = ctypes.CDLL(None, use_errno=True)
_PR_SET_PDEATHSIG = 1
_procs = []                 # Popen objects we started, each leading its own group
_procs_lock = threading.Lock()
_cleanups = []              # callables run by kill_all (Node.kill, ...)


def _child_setup(uid=None, gid=None):
    """preexec_fn: drop to uid/gid (when given), then ask for SIGKILL when
    the parent dies. The death signal must be set after the uid change,
    which clears it."""
    def setup():
        if uid is not None:
            os.setgroups([])
            os.setgid(gid)
            os.setuid(uid)
        _libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    return setup


# Each spawned process group is recorded in STATE_DIR, so that a later
# harness process can clean up after one that was killed outright (e.g. by
# a ctest timeout): workers orphaned by a SIGKILLed master, postgres
# clusters and their folders.
STATE_DIR = Path("/tmp/petrel-harness-state")


def _state_file(pgid):
    return STATE_DIR / f"{os.getpid()}-{pgid}.json"


def _record(pgid, exe, dirs=()):
    with contextlib.suppress(OSError):
        STATE_DIR.mkdir(mode=0o700, exist_ok=True)
        _state_file(pgid).write_text(jsonlib.dumps({"pgid": pgid, "exe": str(exe),
                                                     "dirs": [str(d) for d in dirs]}))


def _record_dir(path):
    """Remember a scratch folder for sweep_leftovers (no process)."""
    with contextlib.suppress(OSError):
        STATE_DIR.mkdir(mode=0o700, exist_ok=True)
        name = STATE_DIR / f"{os.getpid()}-dir-{Path(path).name}.json"
        name.write_text(jsonlib.dumps({"pgid": -1, "exe": "", "dirs": [str(path)]}))
        atexit.register(lambda: name.unlink() if name.exists() else None)


def _forget(pgid):
    with contextlib.suppress(OSError):
        _state_file(pgid).unlink()


def _pid_alive(pid):
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False
    except PermissionError:
        return True


def _group_members(pgid, exe):
    """Pids in process group pgid whose executable is exe."""
    out = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as f:
                stat = f.read()
            fields = stat[stat.rfind(b")") + 2:].split()
            if int(fields[2]) != pgid:
                continue
            if os.readlink(f"/proc/{entry}/exe") == exe:
                out.append(int(entry))
        except (OSError, ValueError, IndexError):
            continue
    return out


def sweep_leftovers():
    """Kill what earlier, dead harness processes left behind."""
    try:
        files = list(STATE_DIR.glob("*.json"))
    except OSError:
        return
    for f in files:
        try:
            owner = int(f.name.split("-", 1)[0])
            if owner == os.getpid() or _pid_alive(owner):
                continue
            info = jsonlib.loads(f.read_text())
        except (OSError, ValueError):
            continue
        for pid in (_group_members(info["pgid"], info["exe"]) if info["pgid"] > 0 else []):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
        for d in info.get("dirs", []):
            shutil.rmtree(d, ignore_errors=True)
        with contextlib.suppress(OSError):
            f.unlink()


_swept = False


def _spawn(cmd, uid=None, gid=None, dirs=(), **kw):
    global _swept
    if not _swept:
        _swept = True
        sweep_leftovers()
    kw.setdefault("stdin", subprocess.DEVNULL)
    proc = subprocess.Popen([str(c) for c in cmd], start_new_session=True,
                            preexec_fn=_child_setup(uid, gid), **kw)
    _record(proc.pid, os.path.realpath(str(cmd[0])), dirs)
    with _procs_lock:
        _procs.append(proc)
    return proc


def _kill_group(proc, sig=signal.SIGKILL):
    try:
        os.killpg(proc.pid, sig)
    except (ProcessLookupError, PermissionError):
        pass
    if sig == signal.SIGKILL:
        try:
            proc.kill()
        except ProcessLookupError:
            pass


def kill_all():
    """Kill everything the harness started. Safe to call more than once."""
    for fn in list(_cleanups):
        try:
            fn()
        except Exception:
            pass
    with _procs_lock:
        procs = list(_procs)
    for proc in procs:
        _kill_group(proc)
    for proc in procs:
        try:
            proc.wait(timeout=10)
        except Exception:
            pass
        _forget(proc.pid)


atexit.register(kill_all)


def children_of(pid):
    """Live (non-zombie) child pids of pid, from /proc."""
    out = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as f:
                stat = f.read()
        except OSError:
            continue
        rest = stat[stat.rfind(b")") + 2:].split()
        if len(rest) >= 2 and rest[0] != b"Z" and int(rest[1]) == pid:
            out.append(int(entry))
    return sorted(out)


def process_uid(pid):
    """Real uid of pid (None when gone)."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("Uid:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def _socket_inodes_of(pid):
    inodes = set()
    try:
        fds = os.listdir(f"/proc/{pid}/fd")
    except OSError:
        return inodes
    for fd in fds:
        try:
            link = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue
        if link.startswith("socket:["):
            inodes.add(int(link[8:-1]))
    return inodes


def _tcp_table():
    """Rows (local_ip_hex, local_port, remote_ip_hex, remote_port, state, inode)
    from /proc/net/tcp and tcp6."""
    rows = []
    for name in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(name) as f:
                lines = f.readlines()[1:]
        except OSError:
            continue
        for line in lines:
            parts = line.split()
            lip, lport = parts[1].split(":")
            rip, rport = parts[2].split(":")
            rows.append((lip, int(lport, 16), rip, int(rport, 16), parts[3], int(parts[9])))
    return rows


def listening_ports_of(pids):
    """TCP ports on which any of pids holds a listening socket."""
    inodes = set()
    for pid in pids:
        inodes |= _socket_inodes_of(pid)
    return sorted({lport for (_, lport, _, _, state, inode) in _tcp_table()
                   if state == "0A" and inode in inodes})


def worker_for_connection(node, sock):
    """The worker pid of node serving the client socket sock, or None."""
    client_port = sock.getsockname()[1]
    server_port = sock.getpeername()[1]
    inodes = {inode for (_, lport, _, rport, state, inode) in _tcp_table()
              if lport == server_port and rport == client_port and state != "0A"}
    for pid in node.worker_pids():
        if _socket_inodes_of(pid) & inodes:
            return pid
    return None


def raise_nofile_limit(want=8192):
    """Raise RLIMIT_NOFILE of this process toward want; returns the soft limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = want if hard == resource.RLIM_INFINITY else min(want, hard)
    if soft < target:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        except (ValueError, OSError):
            if os.geteuid() == 0 and hard != resource.RLIM_INFINITY and hard < want:
                resource.setrlimit(resource.RLIMIT_NOFILE, (want, want))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


# ---------------------------------------------------------------------------
# Small helpers

_ports_handed_out = set()
_ports_lock = threading.Lock()


def free_port(host="127.0.0.1"):
    """A TCP port free on host, below the ephemeral range (so client source
    ports of heavy tests never take it), never handed out twice by this
    process."""
    rnd = random.Random()
    with _ports_lock:
        for _ in range(2000):
            port = rnd.randrange(20000, 32000)
            if port in _ports_handed_out:
                continue
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
                try:
                    s.bind((host, port))
                except OSError:
                    continue
            _ports_handed_out.add(port)
            return port
    raise HarnessError("no free port found")


def wait_for(predicate, timeout=10.0, interval=0.05, message=None):
    """Call predicate until it returns something truthy (returned) or timeout
    seconds pass (HarnessError). Exceptions from predicate count as false."""
    deadline = time.monotonic() + timeout
    last_exc = None
    while True:
        try:
            value = predicate()
            if value:
                return value
        except Exception as exc:   # noqa: BLE001 - retried until the deadline
            last_exc = exc
        if time.monotonic() >= deadline:
            detail = f" (last error: {last_exc!r})" if last_exc else ""
            raise HarnessError(f"timed out after {timeout}s waiting for "
                               f"{message or getattr(predicate, '__name__', 'condition')}{detail}")
        time.sleep(interval)


def ensure_os_user(name):
    """Create a system user (with its own group) when missing; needs root."""
    try:
        return pwd.getpwnam(name)
    except KeyError:
        pass
    subprocess.run(["useradd", "--system", "--user-group", "--no-create-home",
                    "--home-dir", "/nonexistent", "--shell", "/usr/sbin/nologin", name],
                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    return pwd.getpwnam(name)   # another process may have created it meanwhile


def make_message(size=None, subject="Test message", sender="sender@remote.test",
                 to="user@example.test", token=None, body=None, headers=None,
                 eightbit=False, message_id=None):
    """An RFC 5322 message as bytes with CRLF line ends.

    token (default: random) goes into Message-ID and X-Petrel-Token so a test
    can find the stored copy. size pads the body with 76-character lines up
    to about that many bytes. body (str or bytes) replaces the generated
    body. eightbit adds a line of UTF-8 text."""
    token = token or secrets.token_hex(12)
    message_id = message_id or f"<{token}@test.petrel>"
    lines = [
        f"From: Sender <{sender}>",
        f"To: <{to}>",
        f"Subject: {subject}",
        "Date: Thu, 20 Nov 2025 10:00:00 +0000",
        f"Message-ID: {message_id}",
        f"X-Petrel-Token: {token}",
        "MIME-Version: 1.0",
        "Content-Type: text/plain; charset=" + ("utf-8" if eightbit else "us-ascii"),
        "Content-Transfer-Encoding: " + ("8bit" if eightbit else "7bit"),
    ]
    lines += list(headers or [])
    head = "\r\n".join(lines).encode("utf-8") + b"\r\n\r\n"
    if body is not None:
        data = body.encode("utf-8") if isinstance(body, str) else body
        data = data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
        if not data.endswith(b"\r\n"):
            data += b"\r\n"
        return head + data
    parts = [f"Test body for {token}.\r\n".encode()]
    if eightbit:
        parts.append("Grüße aus Köln — naïve café, 日本語テキスト.\r\n".encode("utf-8"))
    out = head + b"".join(parts)
    if size is not None and len(out) < size:
        filler = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-abcdefghijkl\r\n"
        n, rest = divmod(size - len(out), len(filler))
        out += filler * n
        if rest:
            out += b"x" * max(rest - 2, 0) + b"\r\n"
    return out


def token_of(msg):
    """The X-Petrel-Token of a message made by make_message."""
    return msg.split(b"X-Petrel-Token: ", 1)[1].split(b"\r\n", 1)[0].decode()


def queue_id_of(text):
    """The id from '2.0.0 Ok: queued as <id>' (None when absent)."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    m = re.search(r"queued as\s+<?([A-Za-z0-9._\-]+)>?", text)
    return m.group(1) if m else None


SendResult = collections.namedtuple("SendResult", "code text queue_id")


def smtp_send(port, sender, rcpts, msg, host="127.0.0.1", helo="client.test",
              timeout=60, starttls=False, mail_options=(), rcpt_options=(),
              source_address=None, lmtp=False):
    """Deliver msg in one SMTP (or LMTP) session with smtplib.

    Returns SendResult(code, text, queue_id) of the final reply to DATA
    (for LMTP: of the first recipient's reply). A refused MAIL or RCPT
    raises smtplib.SMTPSenderRefused / SMTPRecipientsRefused."""
    if isinstance(rcpts, str):
        rcpts = [rcpts]
    if lmtp:
        client = smtplib.LMTP(host, port, local_hostname=helo, source_address=source_address)
        client.sock.settimeout(timeout)
    else:
        client = smtplib.SMTP(host, port, local_hostname=helo, timeout=timeout,
                              source_address=source_address)
    try:
        client.ehlo()
        if starttls:
            client.starttls(context=unverified_tls_context())
            client.ehlo()
        code, resp = client.mail(sender, list(mail_options))
        if code != 250:
            raise smtplib.SMTPSenderRefused(code, resp, sender)
        refused = {}
        for r in rcpts:
            code, resp = client.rcpt(r, list(rcpt_options))
            if code not in (250, 251):
                refused[r] = (code, resp)
        if refused:
            raise smtplib.SMTPRecipientsRefused(refused)
        code, resp = client.data(msg)
        text = resp.decode("utf-8", "replace")
        if lmtp:
            for _ in rcpts[1:]:
                client.getreply()
        try:
            client.quit()
        except (smtplib.SMTPException, OSError):
            pass
        return SendResult(code, text, queue_id_of(text))
    finally:
        client.close()


class SmtpSession:
    """One persistent smtplib session sending many messages, one transaction
    each; after any error the connection is dropped and the next send()
    reconnects. send() returns SendResult or raises."""

    def __init__(self, port, host="127.0.0.1", timeout=30, helo="client.test"):
        self.port, self.host, self.timeout, self.helo = port, host, timeout, helo
        self.client = None

    def _connect(self):
        self.client = smtplib.SMTP(self.host, self.port, local_hostname=self.helo,
                                   timeout=self.timeout)
        self.client.ehlo()

    def send(self, sender, rcpts, msg):
        try:
            if self.client is None:
                self._connect()
            code, resp = self.client.mail(sender)
            if code != 250:
                raise smtplib.SMTPSenderRefused(code, resp, sender)
            for r in rcpts:
                code, resp = self.client.rcpt(r)
                if code != 250:
                    self.client.rset()
                    raise smtplib.SMTPRecipientsRefused({r: (code, resp)})
            code, resp = self.client.data(msg)
            text = resp.decode("utf-8", "replace")
            return SendResult(code, text, queue_id_of(text))
        except (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused):
            raise
        except Exception:
            self.close()
            raise

    def close(self):
        if self.client is not None:
            with contextlib.suppress(Exception):
                self.client.close()
            self.client = None


def tokens_in_db(pg):
    """{token: [(content_id, message_rows), ...]} for every stored content
    carrying an X-Petrel-Token header."""
    rows = pg.sql(
        "SELECT substring(encode(substring(c.raw FOR 16384), 'escape')"
        "                 FROM 'X-Petrel-Token: ([A-Za-z0-9_.-]+)'),"
        "       c.id, (SELECT count(*) FROM messages m WHERE m.content_id = c.id)"
        "  FROM message_contents c")
    out = collections.defaultdict(list)
    for token, cid, n in rows:
        if token:
            out[token].append((cid, n))
    return out


def mailbox_consistency_errors(pg):
    """Mailboxes whose counters disagree with their message rows, or whose
    UIDs are not dense and below uidnext."""
    rows = pg.sql(
        "SELECT mb.account_id, mb.id, mb.name, mb.uidnext, mb.messages, mb.bytes, mb.highestmodseq,"
        "       count(m.uid), coalesce(min(m.uid), 0), coalesce(max(m.uid), 0),"
        "       coalesce(sum(m.size), 0), count(DISTINCT m.modseq), coalesce(max(m.modseq), 0)"
        "  FROM mailboxes mb LEFT JOIN messages m"
        "    ON m.account_id = mb.account_id AND m.mailbox_id = mb.id"
        " GROUP BY mb.account_id, mb.id")
    errors = []
    for (acct, box, name, uidnext, messages, nbytes, hms,
         n, umin, umax, total, nmodseq, mmax) in rows:
        problems = []
        if messages != n:
            problems.append(f"messages={messages} but {n} rows")
        if nbytes != total:
            problems.append(f"bytes={nbytes} but rows sum to {total}")
        if n and umax - umin + 1 != n:
            problems.append(f"uids {umin}..{umax} not dense for {n} rows")
        if n and uidnext != umax + 1:
            problems.append(f"uidnext={uidnext} but max uid {umax}")
        if n and nmodseq != n:
            problems.append(f"{n - nmodseq} duplicate modseqs")
        if n and hms < mmax:
            problems.append(f"highestmodseq={hms} < max modseq {mmax}")
        if problems:
            errors.append(f"mailbox {acct}/{box} {name}: " + "; ".join(problems))
    return errors


def unverified_tls_context():
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


def stored_by_token(pg, token):
    """Rows (address, mailbox name, uid, content_id, size) of messages whose
    stored bytes contain token."""
    return pg.sql(
        "SELECT a.localpart || '@' || d.name, mb.name, m.uid, m.content_id, m.size"
        "  FROM message_contents c"
        "  JOIN messages m ON m.content_id = c.id"
        "  JOIN accounts a ON a.id = m.account_id"
        "  JOIN domains d ON d.id = a.domain_id"
        "  JOIN mailboxes mb ON mb.account_id = m.account_id AND mb.id = m.mailbox_id"
        " WHERE position(%s::bytea in c.raw) > 0"
        " ORDER BY 1, 3",
        (token.encode() if isinstance(token, str) else token,))


# ---------------------------------------------------------------------------
# TLS material

_session_cert = None
_session_dir = None


def _harness_dir():
    """A per-process scratch folder under /tmp (removed at exit)."""
    global _session_dir
    if _session_dir is None:
        _session_dir = Path(tempfile.mkdtemp(prefix="petrel-h-", dir="/tmp"))
        os.chmod(_session_dir, 0o755)
        _record_dir(_session_dir)
        atexit.register(shutil.rmtree, _session_dir, True)
    return _session_dir


def make_cert(directory, cn=HOSTNAME, name="tls"):
    """Generate a self-signed certificate; returns (cert_path, key_path)."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    cert, key = directory / f"{name}-cert.pem", directory / f"{name}-key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:prime256v1", "-nodes", "-days", "30",
                    "-subj", f"/CN={cn}", "-addext", f"subjectAltName=DNS:{cn},IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    os.chmod(cert, 0o644)
    os.chmod(key, 0o644)   # test material: readable after a privilege drop
    return str(cert), str(key)


def session_cert():
    """(cert, key) generated once per test process."""
    global _session_cert
    if _session_cert is None:
        _session_cert = make_cert(_harness_dir() / "tls")
    return _session_cert


# ---------------------------------------------------------------------------
# PostgreSQL

_pg_template = None


def _pg_ids():
    """(uid, gid) to run PostgreSQL as, or (None, None) when not root."""
    if os.geteuid() != 0:
        return None, None
    pw = ensure_os_user(PG_OS_USER)
    return pw.pw_uid, pw.pw_gid


def _mkdir_for_pg(prefix):
    path = Path(tempfile.mkdtemp(prefix=prefix, dir="/tmp"))
    uid, gid = _pg_ids()
    if uid is not None:
        os.chown(path, uid, gid)
    os.chmod(path, 0o700)
    return path


def _pg_template_dir():
    """initdb once per test process; instances copy the result."""
    global _pg_template
    if _pg_template is None:
        uid, gid = _pg_ids()
        base = _mkdir_for_pg("petrel-pgtpl-")
        _record_dir(base)
        atexit.register(shutil.rmtree, base, True)
        data = base / "data"
        res = subprocess.run([PG_BIN / "initdb", "-D", data, "-U", "petrel", "-E", "UTF8",
                              "--locale=C.UTF-8", "-A", "trust", "--no-sync"],
                             cwd=base, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                             preexec_fn=_child_setup(uid, gid), text=True)
        if res.returncode != 0:
            raise HarnessError(f"initdb failed:\n{res.stdout}")
        _pg_template = data
    return _pg_template


class Postgres:
    """A throwaway PostgreSQL 15 with database `petrel` (role `petrel`,
    superuser, trust auth) reachable only through a unix socket.

    Attributes: socket_dir, conninfo, data_dir, log_path. Methods: sql(),
    stop(), restart(). Usable as a context manager."""

    def __init__(self, tmpdir=None, start=True, options=None):
        self.tmpdir = Path(tmpdir) if tmpdir else _harness_dir()
        self.tmpdir.mkdir(parents=True, exist_ok=True)
        # The cluster lives under /tmp, not in tmpdir: the unprivileged
        # server user must traverse to it and the socket path must stay
        # short (108 bytes).
        self.base = _mkdir_for_pg("petrel-pg-")
        self.data_dir = self.base / "data"
        self.socket_dir = str(self.base)
        self.log_path = self.base / "postgres.log"
        self.conninfo = f"host={self.socket_dir} dbname=petrel user=petrel"
        self.options = dict(options or {})
        self.proc = None
        self._conn = None
        self._lock = threading.Lock()
        _cleanups.append(self._cleanup)
        if start:
            self.start()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()

    def start(self, timeout=60):
        uid, gid = _pg_ids()
        if not self.data_dir.exists():
            subprocess.run(["cp", "-a", str(_pg_template_dir()), str(self.data_dir)], check=True)
        opts = {"listen_addresses": "", "max_connections": "300",
                "unix_socket_directories": self.socket_dir}
        opts.update(self.options)
        cmd = [PG_BIN / "postgres", "-D", self.data_dir]
        for k, v in opts.items():
            cmd += ["-c", f"{k}={v}"]
        log = open(self.log_path, "ab")
        if uid is not None:
            os.chown(self.log_path, uid, gid)
        self.proc = _spawn(cmd, uid, gid, dirs=[self.base], cwd=self.base, stdout=log,
                           stderr=subprocess.STDOUT)
        log.close()
        deadline = time.monotonic() + timeout
        import psycopg2
        while True:
            if self.proc.poll() is not None:
                raise HarnessError(f"postgres exited with {self.proc.returncode}:\n{self.log_tail()}")
            try:
                conn = psycopg2.connect(host=self.socket_dir, dbname="postgres", user="petrel",
                                        connect_timeout=2)
                break
            except psycopg2.OperationalError:
                if time.monotonic() > deadline:
                    raise HarnessError(f"postgres not ready after {timeout}s:\n{self.log_tail()}")
                time.sleep(0.05)
        try:
            conn.autocommit = True
            with conn.cursor() as cur:
                cur.execute("SELECT 1 FROM pg_database WHERE datname = 'petrel'")
                if cur.fetchone() is None:
                    cur.execute("CREATE DATABASE petrel")
        finally:
            conn.close()
        return self

    def log_tail(self, lines=40):
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def _connection(self):
        import psycopg2
        if self._conn is None or self._conn.closed:
            self._conn = psycopg2.connect(self.conninfo, connect_timeout=10)
            self._conn.autocommit = True
        return self._conn

    def sql(self, query, params=()):
        """Run one statement (autocommit); returns the rows as a list of
        tuples ([] for statements without a result)."""
        import psycopg2
        with self._lock:
            for attempt in (0, 1):
                try:
                    with self._connection().cursor() as cur:
                        cur.execute(query, params)
                        return cur.fetchall() if cur.description is not None else []
                except (psycopg2.OperationalError, psycopg2.InterfaceError):
                    self._close_conn()
                    if attempt:
                        raise

    def value(self, query, params=()):
        """First column of the first row (None when no row)."""
        rows = self.sql(query, params)
        return rows[0][0] if rows else None

    def _close_conn(self):
        if self._conn is not None:
            try:
                self._conn.close()
            except Exception:
                pass
            self._conn = None

    def _shutdown(self, timeout):
        self._close_conn()
        if self.proc is None or self.proc.poll() is not None:
            return
        try:
            self.proc.send_signal(signal.SIGINT)        # fast shutdown
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            pass
        _kill_group(self.proc)
        self.proc.wait(timeout=10)

    def restart(self, timeout=30):
        """Fast shutdown and start again on the same data."""
        self._shutdown(timeout)
        return self.start()

    def stop(self, timeout=30):
        """Stop the server and remove its files (the log is kept in tmpdir)."""
        self._shutdown(timeout)
        if self.base.exists():
            try:
                shutil.copy(self.log_path, self.tmpdir / "postgres.log")
            except OSError:
                pass
            shutil.rmtree(self.base, ignore_errors=True)
        if self._cleanup in _cleanups:
            _cleanups.remove(self._cleanup)

    def _cleanup(self):
        if self.proc is not None and self.proc.poll() is None:
            _kill_group(self.proc)
        shutil.rmtree(self.base, ignore_errors=True)


# ---------------------------------------------------------------------------
# petrelctl

def petrelctl_path():
    return BUILD_DIR / "ctl" / "petrelctl"


def node_path():
    return BUILD_DIR / "node" / "petrel-node"


class PetrelctlError(HarnessError):
    def __init__(self, cmd, result):
        self.result = result
        super().__init__(f"{' '.join(map(str, cmd))} exited {result.returncode}\n"
                         f"stdout: {result.stdout}\nstderr: {result.stderr}")


def petrelctl(config_path, *args, input=None, check=True, json=False, timeout=120):
    """Run petrelctl --config config_path [--json] args...

    Returns the CompletedProcess (text mode), or with json=True and exit 0
    the parsed JSON of stdout. check=True raises PetrelctlError on a
    non-zero exit."""
    cmd = [str(petrelctl_path()), "--config", str(config_path)]
    if json:
        cmd.append("--json")
    cmd += [str(a) for a in args]
    res = subprocess.run(cmd, input=input, capture_output=True, text=True, timeout=timeout)
    if check and res.returncode != 0:
        raise PetrelctlError(cmd, res)
    if json and res.returncode == 0:
        try:
            return jsonlib.loads(res.stdout)
        except ValueError as exc:
            raise HarnessError(f"{' '.join(cmd)}: stdout is not JSON ({exc}):\n{res.stdout}")
    return res


def write_bootstrap_config(path, conninfo, node_id="node1", hostname=HOSTNAME, workers=2,
                           listen=None, tls=None, log_level="info", extra=None):
    """Write a bootstrap INI file. listen: {name: 'host:port'}; tls: (cert,
    key) or None; extra: {section: {key: value}} merged over the rest, or a
    string appended verbatim."""
    sections = collections.OrderedDict()
    sections["node"] = {"id": node_id, "hostname": hostname, "workers": str(workers)}
    sections["database"] = {"conninfo": conninfo}
    if listen:
        sections["listen"] = dict(listen)
    if tls:
        sections["tls"] = {"cert": tls[0], "key": tls[1]}
    sections["log"] = {"level": log_level}
    raw = ""
    if isinstance(extra, str):
        raw = extra
    elif extra:
        for section, values in extra.items():
            sections.setdefault(section, {})
            for k, v in values.items():
                if v is None:
                    sections[section].pop(k, None)
                else:
                    sections[section][k] = str(v)
    text = ""
    for section, values in sections.items():
        text += f"[{section}]\n" + "".join(f"{k} = {v}\n" for k, v in values.items()) + "\n"
    Path(path).write_text(text + raw)
    return str(path)


# ---------------------------------------------------------------------------
# petrel-node

_BANNERS = {
    "smtp": b"220", "submission": b"220", "lmtp": b"220", "smtps": b"220",
    "imap": b"* OK", "imaps": b"* OK", "pop3": b"+OK", "pop3s": b"+OK",
}
_IMPLICIT_TLS = {"smtps", "imaps", "pop3s"}
_QUIT = {"imap": b"a LOGOUT\r\n", "imaps": b"a LOGOUT\r\n", "pop3": b"QUIT\r\n",
         "pop3s": b"QUIT\r\n"}


def _probe_listener(name, port, timeout=2.0):
    """True when the listener accepts a connection and (for line protocols)
    sends its greeting."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as raw:
        sock = raw
        if name in _IMPLICIT_TLS:
            sock = unverified_tls_context().wrap_socket(raw)
        expect = _BANNERS.get(name)
        if expect is None:
            return True
        data = b""
        while b"\n" not in data:
            chunk = sock.recv(4096)
            if not chunk:
                return False
            data += chunk
        ok = data.startswith(expect)
        with contextlib.suppress(OSError):
            sock.sendall(_QUIT.get(name, b"QUIT\r\n"))
        return ok


class Node:
    """One petrel-node process with its own bootstrap config.

    Node(pg, tmpdir, node_id='node1', workers=2, listeners=('smtp','lmtp'),
         tls=True, log_level='debug', extra=None)
    listeners: names (ports picked with free_port) or {name: port}.
    extra: {section: {key: value}} merged into the config (None deletes).
    The "admin" listener serves plain HTTP unless admin_tls; www: its
    static folder (default: the repository's www/)."""

    instances = []
    log_paths = []          # of every node made in this process, for sanitizer_reports()

    def __init__(self, pg, tmpdir, node_id="node1", workers=2, listeners=("smtp", "lmtp"),
                 tls=True, log_level="debug", extra=None, hostname=HOSTNAME, env=None,
                 admin_tls=False, www=None):
        self.pg = pg
        self.dir = Path(tmpdir)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.node_id = node_id
        self.workers = workers
        self.hostname = hostname
        if isinstance(listeners, dict):
            self.ports = dict(listeners)
        else:
            self.ports = {name: free_port() for name in listeners}
        self.tls = session_cert() if tls is True else (tls or None)
        self.log_level = log_level
        self.extra = extra
        self.admin_tls = admin_tls
        self.www = str(www or Path(__file__).resolve().parents[2] / "www")
        self.env = dict(env or {})
        self.config_path = str(self.dir / f"{node_id}.conf")
        self.log_path = self.dir / f"{node_id}.log"
        self.proc = None
        self.pid = None
        self.write_config()
        Node.instances.append(self)
        Node.log_paths.append(self.log_path)
        _cleanups.append(self.kill)

    def write_config(self):
        write_bootstrap_config(self.config_path, self.pg.conninfo, node_id=self.node_id,
                               hostname=self.hostname, workers=self.workers,
                               listen={n: f"127.0.0.1:{p}" for n, p in self.ports.items()},
                               tls=self.tls, log_level=self.log_level,
                               extra=self._extra_with_admin())

    def _extra_with_admin(self):
        """extra, preceded by the [admin] section when that listener is on."""
        if "admin" not in self.ports:
            return self.extra
        admin = {"tls": "yes" if self.admin_tls else "no", "www": self.www}
        if isinstance(self.extra, str):
            return "[admin]\n" + "".join(f"{k} = {v}\n" for k, v in admin.items()) + \
                "\n" + self.extra
        merged = {section: dict(values) for section, values in (self.extra or {}).items()}
        merged["admin"] = {**admin, **merged.get("admin", {})}
        return merged

    def port(self, name):
        return self.ports[name]

    def admin_url(self):
        """The admin listener's base URL, e.g. "http://127.0.0.1:PORT"."""
        scheme = "https" if self.admin_tls else "http"
        return f"{scheme}://127.0.0.1:{self.ports['admin']}"

    def start(self, timeout=20, wait_listeners=None):
        """Spawn petrel-node and wait until each listener (default: all)
        accepts a connection and greets. Raises NodeError with the log tail."""
        if self.running():
            raise NodeError(f"{self.node_id} is already running")
        env = os.environ.copy()
        env.pop("NOTIFY_SOCKET", None)
        env.update(self.env)
        with open(self.log_path, "ab") as log:
            log.write(f"==== harness: starting {node_path()} --config {self.config_path}\n".encode())
            log.flush()
            self.proc = _spawn([node_path(), "--config", self.config_path], env=env,
                               stdout=log, stderr=subprocess.STDOUT, cwd=self.dir)
        self.pid = self.proc.pid
        names = list(self.ports) if wait_listeners is None else list(wait_listeners)
        deadline = time.monotonic() + timeout
        for name in names:
            while True:
                if self.proc.poll() is not None:
                    raise NodeError(f"petrel-node {self.node_id} exited with "
                                    f"{self.proc.returncode} during start:\n{self.log_tail()}")
                try:
                    if _probe_listener(name, self.ports[name]):
                        break
                except OSError:
                    pass
                if time.monotonic() > deadline:
                    self.kill()
                    raise NodeError(f"petrel-node {self.node_id}: listener {name} on port "
                                    f"{self.ports[name]} not ready after {timeout}s:\n"
                                    f"{self.log_tail()}")
                time.sleep(0.05)
        return self

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def worker_pids(self):
        """Live worker pids (children of the master)."""
        if not self.running():
            return []
        return children_of(self.pid)

    def wait_workers(self, count=None, timeout=15, exclude=()):
        """Wait until count (default: workers) workers run, none in exclude."""
        count = self.workers if count is None else count
        exclude = set(exclude)

        def ready():
            pids = self.worker_pids()
            return pids if len(pids) == count and not (set(pids) & exclude) else None
        return wait_for(ready, timeout, message=f"{count} workers of {self.node_id}")

    def reload(self):
        os.kill(self.pid, signal.SIGHUP)

    def signal(self, sig):
        os.kill(self.pid, sig)

    def stop(self, timeout=30):
        """SIGTERM and wait; returns the exit code. When it does not exit in
        time it is killed and NodeError raised."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            workers = self.worker_pids()
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.kill()
                raise NodeError(f"petrel-node {self.node_id} did not exit within {timeout}s "
                                f"of SIGTERM:\n{self.log_tail()}")
            self._kill_leftovers(workers)
        return self.proc.returncode

    def _kill_leftovers(self, pids):
        for pid in pids:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
        _kill_group(self.proc)

    def kill(self):
        """SIGKILL the master and every worker."""
        if self.proc is None or self.proc.poll() is not None:
            if self.proc is not None:
                _kill_group(self.proc)
            return
        workers = self.worker_pids()
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGKILL)
        self._kill_leftovers(workers)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=10)

    def log_text(self):
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def log_tail(self, lines=60):
        return "\n".join(self.log_text().splitlines()[-lines:])

    def cleanup(self):
        self.kill()
        if self.kill in _cleanups:
            _cleanups.remove(self.kill)
        if self in Node.instances:
            Node.instances.remove(self)


# What AddressSanitizer and UndefinedBehaviorSanitizer print (builds with
# PETREL_SANITIZE=ON): a worker that hits one aborts and is restarted by
# the master, which a test would not notice, so the logs are read.
SANITIZER_MARKERS = ("ERROR: AddressSanitizer", "runtime error:")


def sanitizer_reports():
    """[(log path, excerpt)] of every node log of this process that holds
    a sanitizer report."""
    reports = []
    for path in Node.log_paths:
        try:
            text = Path(path).read_text(errors="replace")
        except OSError:
            continue
        for marker in SANITIZER_MARKERS:
            at = text.find(marker)
            if at >= 0:
                reports.append((str(path), text[max(0, at - 200):at + 2000]))
                break
    return reports


def run_node_once(config_path, timeout=15):
    """Run petrel-node --config config_path expecting it to exit by itself.
    Returns (exit code, combined output), or (None, output) when it was
    still running after timeout (it is then killed with its workers)."""
    with tempfile.TemporaryFile() as out:
        proc = _spawn([node_path(), "--config", str(config_path)], stdout=out,
                      stderr=subprocess.STDOUT)
        try:
            rc = proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            for pid in children_of(proc.pid):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            _kill_group(proc)
            proc.wait(timeout=10)
            rc = None
        out.seek(0)
        return rc, out.read().decode("utf-8", "replace")


# ---------------------------------------------------------------------------
# A line-level SMTP/LMTP client

class Reply(collections.namedtuple("Reply", "code lines")):
    """A server reply: code (int) and the text of each line without the
    'NNN-' prefix."""

    @property
    def text(self):
        return "\n".join(self.lines)

    @property
    def enhanced(self):
        """The enhanced status code of the first line ('2.1.0'), or None."""
        m = re.match(r"([245]\.\d{1,3}\.\d{1,3})\b", self.lines[0] if self.lines else "")
        return m.group(1) if m else None

    def __str__(self):
        return f"{self.code} {self.text}"


class RawClient:
    """Bytes-exact SMTP/LMTP client: send whatever, read replies."""

    def __init__(self, port, host="127.0.0.1", timeout=15, source=None, read_banner=True):
        src = (source, 0) if source else None
        self.sock = socket.create_connection((host, port), timeout=timeout, source_address=src)
        self.timeout = timeout
        self.buf = b""
        self.banner = self.read_reply() if read_banner else None

    def send(self, data):
        if isinstance(data, str):
            data = data.encode("utf-8")
        self.sock.sendall(data)

    def _read_line(self, deadline):
        while b"\n" not in self.buf:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise socket.timeout("timed out waiting for a reply line")
            self.sock.settimeout(remaining)
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionClosed(f"connection closed (pending {self.buf[:200]!r})")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return line.rstrip(b"\r").decode("utf-8", "replace")

    def read_reply(self, timeout=None):
        deadline = time.monotonic() + (timeout or self.timeout)
        lines, code = [], None
        while True:
            line = self._read_line(deadline)
            if len(line) < 3 or not line[:3].isdigit():
                raise HarnessError(f"malformed reply line {line!r}")
            code = int(line[:3])
            lines.append(line[4:])
            if len(line) == 3 or line[3] == " ":
                return Reply(code, lines)

    def cmd(self, line, timeout=None):
        """Send one command line (CRLF added) and read its reply."""
        if isinstance(line, str):
            line = line.encode("utf-8")
        self.send(line + b"\r\n")
        return self.read_reply(timeout)

    def ehlo(self, name="client.test", verb="EHLO"):
        return self.cmd(f"{verb} {name}")

    def wait_closed(self, timeout=10):
        """True when the server closes the connection within timeout
        (replies read meanwhile are discarded), False otherwise."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.sock.settimeout(max(deadline - time.monotonic(), 0.01))
            try:
                chunk = self.sock.recv(65536)
            except socket.timeout:
                return False
            except (ConnectionResetError, BrokenPipeError):
                return True
            if not chunk:
                return True
            self.buf += chunk
        return False

    def close(self):
        with contextlib.suppress(OSError):
            self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def sha256(data):
    return hashlib.sha256(data).digest()


_IMAP_FETCH_RE = re.compile(rb"^(\d+) \((.*)\)$")


def parse_imap_fetch(item):
    """(seq, {"FLAGS": frozenset, "UID": int, "MODSEQ": int}) of one untagged
    FETCH as imaplib keeps it (b'3 (FLAGS (\\Seen) UID 7)'); absent items are
    left out."""
    m = _IMAP_FETCH_RE.match(item)
    assert m, item
    body = m.group(2).decode()
    info = {}
    flags = re.search(r"FLAGS \(([^)]*)\)", body)
    if flags:
        info["FLAGS"] = frozenset(flags.group(1).split())
    for name in ("UID", "MODSEQ"):
        found = re.search(name + r" \(?(\d+)", body)
        if found:
            info[name] = int(found.group(1))
    return int(m.group(1)), info
