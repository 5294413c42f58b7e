#!/usr/bin/python3
"""
bench_imap_idle.py — memory of idle IMAP connections (LOGIN, SELECT, IDLE).

CONNECTIONS connections (default 10,000; non-blocking sockets on one
selector, at most CONCURRENCY of them between connect and IDLE at a time)
each log in to one of ACCOUNTS accounts, SELECT INBOX and IDLE. The
server's memory is summed over its processes (VmRSS and, better, Pss
from /proc/<pid>/smaps_rollup) before the connections are opened (after a
warm-up round of WARMUP connections) and once all of them idle; the growth
divided by CONNECTIONS is the cost of one idle session.
Target (issue 3): < 10 KiB per idle connection.

Then one message is delivered to the first account (LMTP for the Petrel
started here, APPEND otherwise) and every connection idling on it must
see "* n EXISTS" (the delay is reported).

By default a PostgreSQL and a petrel-node are started here. With
--host/--port/--users/--password an existing server is used; give
--server-process NAME (e.g. imap for Dovecot) or the master's PID to sum
the memory of those processes; start that server afresh, as memory a
process once used for connections is reused and not counted again.

  /usr/bin/python3 tests/bench/bench_imap_idle.py --connections 10000
"""

import errno
import os
import selectors
import socket
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import imap_load as L  # noqa: E402

TARGET_KIB = 10.0
GREETING, LOGIN, SELECT, IDLE_WAIT, IDLING = range(5)


class Conn:
    __slots__ = ("sock", "user", "state", "buf", "exists_at", "connecting")

    def __init__(self, sock, user):
        self.sock, self.user = sock, user
        self.state, self.buf, self.exists_at, self.connecting = GREETING, b"", None, True


class IdleLoad:
    """Non-blocking LOGIN/SELECT/IDLE for many connections on one selector."""

    def __init__(self, target):
        self.target = target
        self.sel = selectors.DefaultSelector()
        self.conns = []
        self.pending = 0          # between connect and "+ idling"
        self.failures = []

    def open(self, user):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setblocking(False)
        err = s.connect_ex((self.target.host, self.target.port))
        if err not in (0, errno.EINPROGRESS):
            s.close()
            raise OSError(err, os.strerror(err))
        c = Conn(s, user)
        self.sel.register(s, selectors.EVENT_READ, c)
        self.conns.append(c)
        self.pending += 1
        return c

    def _send(self, c, data):
        c.sock.send(data)          # a few bytes on a fresh socket: never partial

    def _fail(self, c, why):
        self.failures.append(f"{c.user}: {why}")
        self.sel.unregister(c.sock)
        c.sock.close()
        self.conns.remove(c)
        if c.state != IDLING:
            self.pending -= 1

    def _line(self, c, line):
        if c.state == GREETING:
            if line.startswith(b"* OK"):
                self._send(c, b"a LOGIN " + L.quote(c.user) + b" " +
                           L.quote(self.target.password) + b"\r\n")
                c.state = LOGIN
            else:
                self._fail(c, line)
        elif c.state == LOGIN and line.startswith(b"a "):
            if line.startswith(b"a OK"):
                self._send(c, b"b SELECT INBOX\r\n")
                c.state = SELECT
            else:
                self._fail(c, line)
        elif c.state == SELECT and line.startswith(b"b "):
            if line.startswith(b"b OK"):
                self._send(c, b"c IDLE\r\n")
                c.state = IDLE_WAIT
            else:
                self._fail(c, line)
        elif c.state == IDLE_WAIT:
            if line.startswith(b"+"):
                c.state = IDLING
                self.pending -= 1
            elif line.startswith(b"c "):
                self._fail(c, line)
        elif c.state == IDLING and line.endswith(b" EXISTS") and c.exists_at is None:
            c.exists_at = time.monotonic()

    def poll(self, timeout):
        for key, _ in self.sel.select(timeout):
            c = key.data
            try:
                data = c.sock.recv(65536)
            except OSError as exc:
                self._fail(c, repr(exc))
                continue
            if not data:
                self._fail(c, "closed by the server: %r" % c.buf[:200])
                continue
            c.buf += data
            while b"\r\n" in c.buf:
                line, c.buf = c.buf.split(b"\r\n", 1)
                self._line(c, line)
                if c.sock.fileno() < 0:
                    break

    def open_all(self, count, concurrency, timeout):
        users = self.target.users
        deadline = time.monotonic() + timeout
        opened = 0
        while opened < count or self.pending:
            while opened < count and self.pending < concurrency:
                self.open(users[opened % len(users)])
                opened += 1
            self.poll(0.05)
            if time.monotonic() > deadline:
                raise L.ImapError(f"{self.pending} connections not idling after {timeout}s; "
                                  f"failures: {self.failures[:5]}")

    def close_all(self):
        for c in self.conns:
            self.sel.unregister(c.sock)
            c.sock.close()
        self.conns = []


def server_pids(target, process):
    """The self-started node's processes; else those named process (e.g.
    imap for Dovecot), or pid process and its descendants when a number."""
    if target.petrel:
        return target.server_pids()
    if not process:
        return []
    if process.isdigit():
        pids, todo = [], [int(process)]
        while todo:
            pid = todo.pop()
            pids.append(pid)
            todo += L.children_of(pid)
        return pids
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if Path(f"/proc/{entry}/comm").read_text().strip() == process:
                    pids.append(int(entry))
            except OSError:
                pass
    return pids


def deliver_one(target):
    user = target.users[0]
    msg = L.bench_message(999999, 600, user)
    t0 = time.monotonic()
    if target.lmtp_port is not None:
        L.lmtp_deliver(target.host, target.lmtp_port, [([user], msg)], connections=1)
    else:
        c = target.connect()
        c.login(user, target.password)
        c.append("INBOX", [msg])
        c.close()
    return t0


def run(args):
    L.raise_nofile_limit(args.connections + 2000)
    with tempfile.TemporaryDirectory(prefix="petrel-bench-") as tmp:
        with L.open_target(args, tmp, nofile=args.connections + 2000) as target:
            load = IdleLoad(target)
            load.open_all(args.warmup, args.concurrency, args.timeout)
            load.close_all()
            time.sleep(2)            # sessions closed, allocator settled
            pids = server_pids(target, args.server_process)
            rss0, pss0 = L.memory_kib(pids)
            t = time.monotonic()
            load.open_all(args.connections, args.concurrency, args.timeout)
            open_seconds = time.monotonic() - t
            time.sleep(2)
            load.poll(0)
            pids = server_pids(target, args.server_process)
            rss1, pss1 = L.memory_kib(pids)
            idling = sum(1 for c in load.conns if c.state == IDLING)
            watchers = [c for c in load.conns if c.user == target.users[0]]
            t0 = deliver_one(target)
            deadline = time.monotonic() + args.timeout
            while time.monotonic() < deadline and any(c.exists_at is None for c in watchers):
                load.poll(0.05)
            seen = [c.exists_at - t0 for c in watchers if c.exists_at is not None]
            load.close_all()
            n = args.connections
            rows = [("connections idling / asked",
                     f"{idling} / {n}  ({len(load.failures)} failed)"),
                    ("accounts", len(target.users)),
                    ("seconds to open all", f"{open_seconds:.1f} ({n / open_seconds:.0f}/s)"),
                    ("server processes", len(pids)),
                    ("RSS before / after KiB", f"{rss0} / {rss1}"),
                    ("PSS before / after KiB", f"{pss0} / {pss1}"),
                    ("RSS KiB per connection", f"{(rss1 - rss0) / n:.2f}"),
                    ("PSS KiB per connection", f"{(pss1 - pss0) / n:.2f}  (target < {TARGET_KIB})"),
                    ("EXISTS seen after delivery", f"{len(seen)} / {len(watchers)}"),
                    ("EXISTS delay ms max", f"{1000 * max(seen):.0f}" if seen else "-")]
            L.print_summary("bench_imap_idle", target, rows)
            for f in load.failures[:10]:
                print("failure:", f)
            return {"idling": idling, "connections": n, "pss_per_conn": (pss1 - pss0) / n,
                    "measured": bool(pids), "seen": len(seen), "watchers": len(watchers)}


def parser():
    p = L.arg_parser(__doc__, accounts=100)
    p.add_argument("--connections", type=int, default=10000)
    p.add_argument("--concurrency", type=int, default=256,
                   help="connections between connect and IDLE at a time")
    p.add_argument("--warmup", type=int, default=200, help="connections of the warm-up round")
    p.add_argument("--timeout", type=float, default=300.0)
    p.add_argument("--server-process", metavar="NAME|PID",
                   help="external server: the processes whose memory counts (all with "
                   "that name, or that pid and its descendants)")
    return p


def test_imap_idle_benchmark():
    args = L.bench_namespace(parser(), connections=int(os.environ.get("PETREL_BENCH_IDLE", "2000")))
    result = run(args)
    assert result["idling"] == result["connections"]
    assert result["seen"] == result["watchers"] > 0


def main():
    args = parser().parse_args()
    result = run(args)
    ok = (result["idling"] == result["connections"] and result["seen"] == result["watchers"]
          and (not result["measured"] or result["pss_per_conn"] < TARGET_KIB))
    return 0 if ok or not args.check else 1


if __name__ == "__main__":
    sys.exit(main())
