#!/usr/bin/python3
"""
bench_imap_append.py — IMAP APPEND throughput from one client.

Without --host, starts a throwaway PostgreSQL (fsync=on,
synchronous_commit=on: the defaults) and one petrel-node with an imap
listener and an account bench@example.test. With --host/--port/--user/
--password it measures any IMAP server instead (Dovecot, ...).

One connection appends N messages of SIZE bytes to one mailbox, twice:

  sequential  one APPEND at a time, each waiting for its tagged reply
              (a simple client);
  pipelined   a window of WINDOW APPENDs in flight, each with a LITERAL+
              literal, not waiting for the tagged replies in between (what a
              sync tool such as imapsync or mbsync can do).

Every APPEND must be answered OK, and STATUS MESSAGES must grow by N. The
rate is N / wall time.

Run directly for the figures (and options), or through ctest -L bench:
  /usr/bin/python3 tests/bench/bench_imap_append.py --messages 20000
"""

import argparse
import os
import re
import socket
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "harness"))


def message(size, n):
    head = (f"From: Bench <bench@remote.test>\r\nTo: <bench@example.test>\r\n"
            f"Subject: append bench {n}\r\nDate: Thu, 20 Nov 2025 10:00:00 +0000\r\n"
            f"Message-ID: <bench-{n}-{time.time_ns()}@remote.test>\r\n\r\n").encode()
    line = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-abcdefghijkl\r\n"
    body = line * max((size - len(head)) // len(line), 1)
    return head + body


class Client:
    def __init__(self, host, port, user, password):
        self.sock = socket.create_connection((host, port), timeout=120)
        self.f = self.sock.makefile("rb")
        greeting = self.f.readline()
        if not greeting.startswith(b"* OK"):
            raise RuntimeError(f"greeting: {greeting!r}")
        self.n = 0
        self.caps = set()
        quoted = password.replace("\\", "\\\\").replace('"', '\\"')
        lines = self.run(f'LOGIN "{user}" "{quoted}"')
        self.run("CAPABILITY")
        for line in lines + self.last:
            m = re.search(rb"CAPABILITY ([^\]]*)", line)
            if m:
                self.caps |= set(m.group(1).decode().upper().split())

    def run(self, command):
        self.n += 1
        tag = f"c{self.n}".encode()
        self.sock.sendall(tag + b" " + command.encode() + b"\r\n")
        lines = []
        while True:
            line = self.f.readline()
            if not line:
                raise RuntimeError("connection closed")
            lines.append(line)
            if line.startswith(tag + b" "):
                if not line.startswith(tag + b" OK"):
                    raise RuntimeError(f"{command}: {line!r}")
                self.last = lines
                return lines

    def messages(self, mailbox):
        for line in self.run(f'STATUS "{mailbox}" (MESSAGES)'):
            m = re.search(rb"MESSAGES (\d+)", line)
            if m:
                return int(m.group(1))
        raise RuntimeError("no STATUS reply")

    def append_sequential(self, mailbox, msgs):
        plus = "LITERAL+" in self.caps
        for i, data in enumerate(msgs):
            tag = b"s%d" % i
            if plus:
                self.sock.sendall(b'%s APPEND "%s" {%d+}\r\n%s\r\n'
                                  % (tag, mailbox.encode(), len(data), data))
            else:
                self.sock.sendall(b'%s APPEND "%s" {%d}\r\n' % (tag, mailbox.encode(), len(data)))
                if not self.f.readline().startswith(b"+"):
                    raise RuntimeError("no continuation")
                self.sock.sendall(data + b"\r\n")
            line = self.f.readline()
            while not line.startswith(tag + b" "):
                line = self.f.readline()
            if not line.startswith(tag + b" OK"):
                raise RuntimeError(f"APPEND: {line!r}")

    def append_pipelined(self, mailbox, msgs, window):
        if "LITERAL+" not in self.caps:
            raise RuntimeError("pipelining needs LITERAL+")
        slots = threading.Semaphore(window)
        failures = []

        def reader():
            done = 0
            while done < len(msgs):
                line = self.f.readline()
                if not line:
                    failures.append("connection closed")
                    slots.release()
                    return
                if line.startswith(b"p"):
                    if not re.match(rb"p\d+ OK", line):
                        failures.append(line)
                    done += 1
                    slots.release()

        thread = threading.Thread(target=reader)
        thread.start()
        for i, data in enumerate(msgs):
            slots.acquire()
            if failures:
                break
            self.sock.sendall(b'p%d APPEND "%s" {%d+}\r\n%s\r\n'
                              % (i, mailbox.encode(), len(data), data))
        thread.join()
        if failures:
            raise RuntimeError(f"APPEND failed: {failures[:3]}")

    def close(self):
        try:
            self.run("LOGOUT")
        except (RuntimeError, OSError):
            pass
        self.sock.close()


def measure(client, mailbox, count, size, window):
    result = {"messages": count, "size": size, "window": window}
    for mode in ("sequential", "pipelined"):
        msgs = [message(size, i) for i in range(count)]
        before = client.messages(mailbox)
        start = time.monotonic()
        if mode == "sequential":
            client.append_sequential(mailbox, msgs)
        else:
            client.append_pipelined(mailbox, msgs, window)
        elapsed = time.monotonic() - start
        result[f"{mode}_stored"] = client.messages(mailbox) - before
        result[f"{mode}_seconds"] = round(elapsed, 2)
        result[f"{mode}_msgs_per_sec"] = round(count / elapsed)
    return result


def run_local(count, size, window):
    from petrel_harness import Node, Postgres, petrelctl

    with tempfile.TemporaryDirectory(prefix="petrel-bench-") as tmp:
        tmp = Path(tmp)
        pg = Postgres(tmp / "pg")
        node = Node(pg, tmp / "node", workers=2, listeners=("imap",), tls=False,
                    log_level=os.environ.get("PETREL_BENCH_LOG", "warning"))
        try:
            petrelctl(node.config_path, "db", "migrate")
            petrelctl(node.config_path, "domain", "add", "example.test")
            petrelctl(node.config_path, "account", "add", "bench@example.test",
                      "--password-stdin", input="bench-password\n")
            node.start()
            client = Client("127.0.0.1", node.port("imap"), "bench@example.test",
                            "bench-password")
            try:
                return measure(client, "INBOX", count, size, window)
            finally:
                client.close()
        finally:
            node.stop()
            pg.stop()


def test_imap_append_benchmark():
    count = int(os.environ.get("PETREL_BENCH_MESSAGES", "5000"))
    result = run_local(count, 4096, 64)
    print("\nbench_imap_append:", result)
    assert result["sequential_stored"] == count
    assert result["pipelined_stored"] == count


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=5000)
    parser.add_argument("--size", type=int, default=4096)
    parser.add_argument("--window", type=int, default=64,
                        help="APPENDs in flight when pipelining")
    parser.add_argument("--host", help="measure this server instead of a local petrel-node")
    parser.add_argument("--port", type=int, default=143)
    parser.add_argument("--user")
    parser.add_argument("--password")
    parser.add_argument("--mailbox", default="INBOX")
    args = parser.parse_args()
    if args.host:
        client = Client(args.host, args.port, args.user, args.password)
        try:
            result = measure(client, args.mailbox, args.messages, args.size, args.window)
        finally:
            client.close()
    else:
        result = run_local(args.messages, args.size, args.window)
    for key, value in result.items():
        print(f"{key:28} {value}")
    ok = result["sequential_stored"] == result["pipelined_stored"] == args.messages
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
