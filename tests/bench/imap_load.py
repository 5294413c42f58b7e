"""
imap_load.py — shared parts of the IMAP benchmarks (bench_imap_*.py).

  ImapClient      a minimal blocking IMAP client on a raw socket: a buffered
                  line reader that inlines literals, pipelined commands,
                  MULTIAPPEND with LITERAL+, and drain() which reads a large
                  literal-free response (UID FETCH 1:* (FLAGS)) without
                  splitting it into lines, so Python is not what is measured
  lmtp_deliver    fills mailboxes of a Petrel node through LMTP (pipelined
                  when the server offers PIPELINING), several connections
  imap_populate   fills one mailbox through IMAP APPEND (works against any
                  server, e.g. Dovecot for comparison)
  Target          what a benchmark talks to: a Petrel node with its own
                  PostgreSQL started here (default), or an external IMAP
                  server given by --host/--port/--users/--password
  figures         percentiles, CPU seconds and memory (RSS, PSS) of pids,
                  the machine description printed with every summary
"""

import argparse
import concurrent.futures
import contextlib
import os
import re
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "harness"))

from petrel_harness import (PG_BIN, Node, Postgres, children_of, petrelctl,  # noqa: E402
                            raise_nofile_limit)

DEFAULT_PASSWORD = "bench-password"
DOMAIN = "example.test"
_LITERAL_AT_END = re.compile(rb"\{(\d+)\+?\}$")


class ImapError(Exception):
    pass


# ---------------------------------------------------------------------------
# Client

class ImapClient:
    """One IMAP connection. command() sends a line and returns
    (status, untagged lines); each line is bytes without CRLF, literals
    inlined after their {n} marker."""

    def __init__(self, host, port, timeout=120):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = bytearray()
        self.pos = 0
        self.tag_no = 0
        self.greeting = self.read_line()
        self.caps = self._caps_of(self.greeting)

    @staticmethod
    def _caps_of(line):
        m = re.search(rb"\[CAPABILITY ([^\]]*)\]", line)
        return set(m.group(1).upper().split()) if m else set()

    def next_tag(self):
        self.tag_no += 1
        return b"a%d" % self.tag_no

    def send(self, data):
        self.sock.sendall(data)

    def _fill_keep(self):
        chunk = self.sock.recv(65536)   # below malloc's mmap threshold
        if not chunk:
            raise ImapError("connection closed by the server (pending %r)" % bytes(self.buf[-200:]))
        self.buf += chunk

    def read_line(self):
        """One response line, literals included."""
        if self.pos > (1 << 20):
            del self.buf[:self.pos]
            self.pos = 0
        start = scan = text = self.pos      # text: where the line's text resumes after a literal
        while True:
            end = self.buf.find(b"\r\n", scan)
            if end < 0:
                scan = max(scan, len(self.buf) - 1)
                self._fill_keep()
                continue
            m = _LITERAL_AT_END.search(self.buf, max(end - 24, text), end)
            if m is None:
                self.pos = end + 2
                return bytes(self.buf[start:end])
            need = end + 2 + int(m.group(1))
            while len(self.buf) < need:
                self._fill_keep()
            scan = text = need

    def read_tagged(self, tag):
        """Lines up to the tagged reply of tag: (status, untagged, tagged line)."""
        untagged = []
        prefix = tag + b" "
        while True:
            line = self.read_line()
            if line.startswith(prefix):
                return line[len(prefix):].split(b" ", 1)[0], untagged, line
            untagged.append(line)

    def command(self, text, check=True):
        tag = self.next_tag()
        self.send(tag + b" " + (text.encode() if isinstance(text, str) else text) + b"\r\n")
        status, untagged, line = self.read_tagged(tag)
        if check and status != b"OK":
            raise ImapError(f"{text!r}: {line.decode(errors='replace')}")
        return status, untagged

    def login(self, user, password):
        self.command(b"LOGIN " + quote(user) + b" " + quote(password))

    def select(self, mailbox="INBOX"):
        status, untagged = self.command(b"SELECT " + quote(mailbox))
        exists = 0
        for line in untagged:
            m = re.match(rb"\* (\d+) EXISTS", line)
            if m:
                exists = int(m.group(1))
        return exists

    def drain(self, text):
        """Send a command whose response has no literals and may be huge;
        returns (status, number of untagged lines, bytes read) without
        splitting the response into lines."""
        tag = self.next_tag()
        self.send(tag + b" " + text + b"\r\n")
        marker = b"\r\n" + tag + b" "
        chunks = [b"\r\n" + bytes(self.buf[self.pos:])]
        self.buf.clear()
        self.pos = 0
        window = chunks[0]
        while True:
            i = window.find(marker)
            if i >= 0 and window.find(b"\r\n", i + len(marker)) >= 0:
                break
            chunk = self.sock.recv(1 << 20)
            if not chunk:
                raise ImapError("connection closed during " + text.decode(errors="replace"))
            chunks.append(chunk)
            window = window[-1024:] + chunk
        data = b"".join(chunks)
        i = data.rfind(marker)
        j = data.find(b"\r\n", i + len(marker))
        self.buf += data[j + 2:]
        status = data[i + len(marker):j].split(b" ", 1)[0]
        return status, data.count(b"\r\n* ", 0, i + 2), len(data) - 2

    def append(self, mailbox, messages):
        """Store messages in mailbox: one MULTIAPPEND when offered, else one
        APPEND per message (pipelined with LITERAL+, else synchronizing)."""
        plus = "LITERAL+" in self.caps
        if "MULTIAPPEND" in self.caps:
            batches = [messages]
        else:
            batches = [[m] for m in messages]
        tags = []
        for batch in batches:
            tag = self.next_tag()
            head = tag + b" APPEND " + quote(mailbox)
            if plus:                 # the whole command in one write
                self.send(b"".join(b"%s {%d+}\r\n%s" % (head if i == 0 else b"", len(m), m)
                                   for i, m in enumerate(batch)) + b"\r\n")
                tags.append(tag)
                continue
            for msg in batch:
                self.send(head + b" {%d}\r\n" % len(msg))
                line = self.read_line()
                if not line.startswith(b"+"):
                    raise ImapError("APPEND literal refused: " + line.decode(errors="replace"))
                self.send(msg)
                head = b""
            self.send(b"\r\n")
            self._expect_ok(tag)
        for tag in tags:
            self._expect_ok(tag)

    def _expect_ok(self, tag):
        status, _, line = self.read_tagged(tag)
        if status != b"OK":
            raise ImapError(line.decode(errors="replace"))

    def close(self):
        with contextlib.suppress(OSError, ImapError):
            self.sock.settimeout(2)
            self.command(b"LOGOUT", check=False)
        with contextlib.suppress(OSError):
            self.sock.close()


def quote(value):
    if isinstance(value, str):
        value = value.encode()
    return b'"' + value.replace(b"\\", b"\\\\").replace(b'"', b'\\"') + b'"'


# ---------------------------------------------------------------------------
# Messages and filling mailboxes

_WORDS = ("report quarterly meeting invoice lunch friday project draft review budget "
          "release notes travel plans kernel update database cluster backup").split()


def bench_message(i, size=600, to="bench@example.test"):
    """A distinct small message (its content is unique, so a
    content-addressed store keeps each one)."""
    subject = " ".join(_WORDS[(i * k) % len(_WORDS)] for k in (1, 3, 7)) + f" #{i}"
    head = (f"From: Sender {i % 97} <sender{i % 97}@remote.test>\r\n"
            f"To: <{to}>\r\n"
            f"Cc: <team{i % 13}@remote.test>\r\n"
            f"Subject: {subject}\r\n"
            f"Date: Thu, 20 Nov 2025 {10 + i % 12:02d}:{i % 60:02d}:00 +0000\r\n"
            f"Message-ID: <bench.{i}.{os.getpid()}.{time.monotonic_ns()}@remote.test>\r\n"
            "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n").encode()
    line = b"Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod.\r\n"
    body = b"Message %d.\r\n" % i + line * max(0, (size - len(head)) // len(line))
    return head + body


class SmtpCode(int):
    """A reply code that remembers its last line (for error messages)."""

    def __new__(cls, line):
        code = super().__new__(cls, int(line[:3]))
        code.line = line.decode(errors="replace").rstrip()
        return code

    def __repr__(self):
        return repr(self.line)


def _smtp_reply(sock, buf):
    """(code, rest of buffer) of one possibly multi-line SMTP reply."""
    while True:
        while b"\n" not in buf:
            chunk = sock.recv(65536)
            if not chunk:
                raise ImapError("LMTP connection closed")
            buf += chunk
        line, buf = buf.split(b"\n", 1)
        if len(line) < 4 or line[3:4] != b"-":
            return SmtpCode(line), buf


def _lmtp_session(host, port, jobs, lock, limit):
    """Deliver up to limit (rcpts, message) pairs taken from jobs on one
    connection (sessions have a command limit); False when jobs ran out."""
    sock = socket.create_connection((host, port), timeout=120)
    code, buf = _smtp_reply(sock, b"")
    sock.sendall(b"LHLO bench.test\r\n")
    lhlo = b""
    while True:                      # read LHLO lines to see PIPELINING
        while b"\n" not in buf:
            buf += sock.recv(65536)
        line, buf = buf.split(b"\n", 1)
        lhlo += line
        if line[3:4] != b"-":
            break
    pipelining = b"PIPELINING" in lhlo.upper()
    for _ in range(limit):
        with lock:
            job = next(jobs, None)
        if job is None:
            break
        rcpts, msg = job
        cmds = [b"MAIL FROM:<bench@remote.test>\r\n"] + \
               [b"RCPT TO:<%s>\r\n" % r.encode() for r in rcpts] + [b"DATA\r\n"]
        replies = []
        if pipelining:
            sock.sendall(b"".join(cmds))
        for c in cmds:
            if not pipelining:
                sock.sendall(c)
            code, buf = _smtp_reply(sock, buf)
            replies.append(code)
        if replies[-1] != 354 or any(c != 250 for c in replies[:-1]):
            raise ImapError(f"LMTP refused the transaction: {replies}")
        sock.sendall(msg + b".\r\n")
        for _ in rcpts:
            code, buf = _smtp_reply(sock, buf)
            if code != 250:
                raise ImapError(f"LMTP delivery to {rcpts[0]} (of {len(rcpts)}) "
                                f"failed: {code!r}")
    else:
        job = True
    sock.sendall(b"QUIT\r\n")
    sock.close()
    return job is not None


def _lmtp_worker(host, port, jobs, lock):
    while _lmtp_session(host, port, jobs, lock, 500):
        pass


def lmtp_deliver(host, port, jobs, connections=4):
    """Deliver an iterable of (rcpts, message bytes) over LMTP. Messages
    must use CRLF and have no line starting with '.'."""
    it = iter(jobs)
    lock = threading.Lock()
    with concurrent.futures.ThreadPoolExecutor(connections) as pool:
        for f in [pool.submit(_lmtp_worker, host, port, it, lock) for _ in range(connections)]:
            f.result()


def imap_populate(target, user, count, start=0, batch=500, connections=2, size=600):
    """Append count messages to user's INBOX over IMAP (MULTIAPPEND batches
    on a few connections)."""
    ranges = [(b, min(b + batch, start + count)) for b in range(start, start + count, batch)]
    it = iter(ranges)
    lock = threading.Lock()

    def work():
        c = target.connect()
        c.login(user, target.password)
        while True:
            with lock:
                r = next(it, None)
            if r is None:
                break
            c.append("INBOX", [bench_message(i, size, user) for i in range(*r)])
        c.close()

    with concurrent.futures.ThreadPoolExecutor(connections) as pool:
        for f in [pool.submit(work) for _ in range(connections)]:
            f.result()


def append_works(target, user):
    """True when the server stores an APPEND (Petrel answers NO while the
    command is still being written)."""
    c = target.connect()
    try:
        c.login(user, target.password)
        c.command(b"CREATE \"bench-probe\"", check=False)
        try:
            c.append("bench-probe", [bench_message(0)])
            ok = True
        except ImapError:
            ok = False
        c.command(b"DELETE \"bench-probe\"", check=False)
        return ok
    finally:
        c.close()


def populate(target, users, count, method="auto", size=600, log=print):
    """Give each user's INBOX count messages (on top of what is there).
    method: append (IMAP), lmtp (Petrel only), auto (the faster of the two
    that works). Returns (method used, seconds)."""
    if method == "auto":
        # LMTP stores a message for 50 recipients in one transaction: fastest
        # for many mailboxes; MULTIAPPEND is faster for a single one.
        if target.lmtp_port is None:
            method = "append"
        elif len(users) > 1 or not append_works(target, users[0]):
            method = "lmtp"
        else:
            method = "append"
    try:
        seconds = _populate(target, users, count, method, size)
    except (OSError, ImapError):
        if target.node is not None:
            print(target.node.log_tail(30), file=sys.stderr)
        raise
    log(f"populated {len(users)} mailbox(es) with {count} messages each by {method} "
        f"in {seconds:.1f} s ({len(users) * count / seconds:.0f} msg/s)")
    return method, seconds


def _populate(target, users, count, method, size):
    t0 = time.monotonic()
    if method == "lmtp":
        if target.lmtp_port is None:
            raise ImapError("LMTP population needs the self-started Petrel")
        # one transaction per message and up to 50 recipients: stored once
        groups = [users[i:i + 50] for i in range(0, len(users), 50)]
        jobs = ((g, bench_message(i, size, g[0])) for i in range(count) for g in groups)
        lmtp_deliver(target.host, target.lmtp_port, jobs, connections=8)
    else:
        conns = max(1, min(4, 8 // max(len(users), 1)))
        with concurrent.futures.ThreadPoolExecutor(min(len(users), 8)) as pool:
            futures = [pool.submit(imap_populate, target, u, count, 0, 500, conns, size)
                       for u in users]
            for f in futures:
                f.result()
    return time.monotonic() - t0


# ---------------------------------------------------------------------------
# The server under test

class Target:
    """host, port, users, password; for a self-started Petrel also pg, node,
    lmtp_port."""

    def __init__(self, host, port, users, password, pg=None, node=None, lmtp_port=None):
        self.host, self.port, self.users, self.password = host, port, users, password
        self.pg, self.node, self.lmtp_port = pg, node, lmtp_port

    @property
    def petrel(self):
        return self.node is not None

    def connect(self, timeout=120):
        return ImapClient(self.host, self.port, timeout)

    def server_pids(self):
        """Master and workers of the self-started node ([] for external)."""
        return [self.node.pid] + self.node.worker_pids() if self.node else []

    def pg_pids(self):
        if self.pg is None or self.pg.proc is None:
            return []
        return [self.pg.proc.pid] + children_of(self.pg.proc.pid)

    def describe(self):
        if self.petrel:
            version = self.pg.value("SHOW server_version")
            return (f"Petrel {self.node.workers} workers ({os.environ.get('PETREL_BUILD_DIR', '')})"
                    f", PostgreSQL {version} (fsync on)")
        return f"external {self.host}:{self.port}"


def add_target_args(parser, accounts):
    g = parser.add_argument_group("server (default: start PostgreSQL and a Petrel node here)")
    g.add_argument("--host", help="external IMAP server: nothing is started")
    g.add_argument("--port", type=int, default=143)
    g.add_argument("--users", help="comma-separated logins, or a pattern with %%d "
                   "expanded to 1..--accounts (default bench%%d@example.test)")
    g.add_argument("--password", default=DEFAULT_PASSWORD)
    g.add_argument("--accounts", type=int, default=accounts, help="accounts to use/create")
    g.add_argument("--workers", type=int, default=os.cpu_count() or 2,
                   help="petrel-node workers (self-started only)")
    g.add_argument("--populate", choices=("auto", "append", "lmtp", "none"), default="auto",
                   help="how mailboxes are filled (none: they already are)")
    g.add_argument("--setting", action="append", default=[], metavar="NAME=VALUE",
                   help="Petrel setting for the run (self-started only; repeatable)")
    g.add_argument("--pg-stats", action="store_true",
                   help="load pg_stat_statements and print the costliest statements "
                   "(self-started only)")
    parser.add_argument("--check", action="store_true",
                        help="exit 1 when a target is missed")


def user_list(users, accounts):
    pattern = users or "bench%d@" + DOMAIN
    if "%d" in pattern:
        return [pattern % (i + 1) for i in range(accounts)]
    return [u.strip() for u in pattern.split(",") if u.strip()]


@contextlib.contextmanager
def open_target(args, tmp, settings=None, nofile=4096):
    """The server of the run as a Target: external when --host is given,
    else a PostgreSQL and Petrel node started in tmp (stopped at exit)."""
    users = user_list(args.users, args.accounts)
    if args.host:
        yield Target(args.host, args.port, users, args.password)
        return
    tmp = Path(tmp)
    pg_stats = getattr(args, "pg_stats", False)
    pg = Postgres(tmp / "pg", options={"shared_preload_libraries": "pg_stat_statements"}
                  if pg_stats else None)
    node = None
    try:
        node = Node(pg, tmp / "node", workers=args.workers, listeners=("imap", "lmtp"),
                    tls=False, log_level="warning")
        petrelctl(node.config_path, "db", "migrate")
        petrelctl(node.config_path, "domain", "add", DOMAIN)
        if pg_stats:
            pg.sql("CREATE EXTENSION pg_stat_statements")

        def add(user):
            petrelctl(node.config_path, "account", "add", user, "--password-stdin",
                      input=args.password + "\n")
        with concurrent.futures.ThreadPoolExecutor(4) as pool:
            list(pool.map(add, users))
        extra = dict(item.split("=", 1) for item in getattr(args, "setting", []))
        for name, value in {"auth_failure_delay": "0", **(settings or {}), **extra}.items():
            petrelctl(node.config_path, "settings", "set", name, value)
        raise_nofile_limit(nofile)       # inherited by the node
        node.start()
        target = Target("127.0.0.1", node.port("imap"), users, args.password, pg, node,
                        node.port("lmtp"))
        target.pg_stats = pg_stats
        yield target
    finally:
        if node is not None:
            with contextlib.suppress(Exception):
                node.stop()
        pg.stop()


# ---------------------------------------------------------------------------
# Figures

def percentile(sorted_values, p):
    if not sorted_values:
        return float("nan")
    k = min(len(sorted_values) - 1, max(0, int(round(p / 100 * len(sorted_values) + 0.5)) - 1))
    return sorted_values[k]


def latency_ms(values):
    """{'n', 'p50', 'p95', 'p99', 'max'} in milliseconds of seconds values."""
    s = sorted(values)
    out = {"n": len(s)}
    for p in (50, 95, 99):
        out[f"p{p}"] = round(percentile(s, p) * 1000, 2)
    out["max"] = round(s[-1] * 1000, 2) if s else float("nan")
    return out


def cpu_seconds(pids):
    total = 0
    for pid in pids:
        with contextlib.suppress(OSError, IndexError, ValueError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def machine_busy_seconds():
    """CPU seconds all cores spent outside idle and iowait since boot."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return (sum(fields[:8]) - fields[3] - fields[4]) / os.sysconf("SC_CLK_TCK")


def memory_kib(pids):
    """(summed VmRSS, summed Pss) in KiB."""
    rss = pss = 0
    for pid in pids:
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    rss += int(line.split()[1])
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    pss += int(line.split()[1])
    return rss, pss


def pg_statements_reset(target):
    if target.petrel and getattr(target, "pg_stats", False):
        target.pg.sql("SELECT pg_stat_statements_reset()")


def pg_statements_print(target, limit=12):
    """The statements that took most PostgreSQL time since the reset."""
    if not (target.petrel and getattr(target, "pg_stats", False)):
        return
    rows = target.pg.sql(
        "SELECT calls, round(total_exec_time::numeric, 0), round(mean_exec_time::numeric, 3),"
        "       rows, regexp_replace(query, '\\s+', ' ', 'g')"
        "  FROM pg_stat_statements ORDER BY total_exec_time DESC LIMIT %s", (limit,))
    print("pg_stat_statements: calls, total ms, mean ms, rows, statement")
    for calls, total, mean, nrows, query in rows:
        print(f"  {calls:8} {total:8} {mean:8} {nrows:9}  {query[:150]}")


def machine_lines(target):
    pg_version = ""
    if not target.petrel:
        with contextlib.suppress(OSError):
            pg_version = subprocess.run([str(PG_BIN / "postgres"), "--version"],
                                        capture_output=True, text=True).stdout.strip()
    return [f"command: {' '.join(sys.argv)}",
            f"machine: nproc={os.cpu_count()} {os.uname().release} "
            f"load={os.getloadavg()[0]:.2f}" + (f" local {pg_version}" if pg_version else ""),
            f"server: {target.describe()}"]


def print_summary(title, target, rows):
    print(f"\n== {title}")
    for line in machine_lines(target):
        print(line)
    for key, value in rows:
        print(f"{key:34} {value}")


def arg_parser(doc, accounts):
    parser = argparse.ArgumentParser(description=doc.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    add_target_args(parser, accounts)
    return parser


def bench_namespace(parser, **overrides):
    """Parsed defaults with overrides (for the pytest entry points)."""
    args = parser.parse_args([])
    for k, v in overrides.items():
        setattr(args, k, v)
    return args
