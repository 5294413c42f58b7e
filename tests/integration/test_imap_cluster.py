"""IMAP across nodes: a session idling on node B learns of a message
delivered through SMTP on node A (PostgreSQL LISTEN/NOTIFY), fast; and a
flag change made on node A reaches a session on node B as an untagged
FETCH at its next NOOP."""
import socket
import statistics
import time

import petrel_harness as h
from conftest import PASSWORD

USER = "bob@example.test"


class RawImap:
    """A line-level IMAP client: imaplib (Python 3.11) has no IDLE."""

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.file = self.sock.makefile("rb")
        self.tag = 0
        assert self.readline().startswith(b"* OK")

    def readline(self, timeout=10):
        self.sock.settimeout(timeout)
        line = self.file.readline()
        if not line:
            raise ConnectionError("connection closed")
        return line.rstrip(b"\r\n")

    def command(self, text):
        self.tag += 1
        tag = f"c{self.tag}".encode()
        self.sock.sendall(tag + b" " + text.encode() + b"\r\n")
        untagged = []
        while True:
            line = self.readline()
            if line.startswith(tag + b" "):
                assert line.split()[1] == b"OK", line
                return untagged
            untagged.append(line)

    def close(self):
        self.sock.close()


def wait_for(client, predicate, timeout=5):
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        assert left > 0, "timed out"
        line = client.readline(timeout=left)
        if predicate(line):
            return line


def test_idle_on_node_b_sees_delivery_on_node_a(pg, ctl, mail_setup, make_node):
    node_a = make_node("nodeA", listeners=("smtp",), log_level="info")
    node_b = make_node("nodeB", listeners=("imap",), log_level="info")
    client = RawImap(node_b.port("imap"))
    client.command(f"LOGIN {USER} {PASSWORD}")
    exists = int(next(line for line in client.command("SELECT INBOX")
                      if line.endswith(b" EXISTS")).split()[1])
    client.sock.sendall(b"i1 IDLE\r\n")
    assert client.readline().startswith(b"+")
    latencies = []
    for i in range(5):
        msg = h.make_message(subject=f"cross-node {i}", to=USER)
        started = time.monotonic()
        h.smtp_send(node_a.port("smtp"), "far@remote.test", [USER], msg)
        acked = time.monotonic()
        line = wait_for(client, lambda l: l.endswith(b" EXISTS"))
        latencies.append(time.monotonic() - acked)
        exists += 1
        assert line == f"* {exists} EXISTS".encode(), (line, acked - started)
    client.sock.sendall(b"DONE\r\n")
    assert wait_for(client, lambda l: l.startswith(b"i1 ")) == b"i1 OK Idle completed"
    print("cross-node EXISTS after the 250 (s):", [round(x, 4) for x in latencies])
    # the target is 100 ms; allow slack for a loaded CI machine
    assert statistics.median(latencies) < 0.25, latencies
    client.close()


def test_flag_change_on_a_reaches_session_on_b(pg, ctl, mail_setup, make_node):
    node_a = make_node("nodeA", listeners=("smtp", "imap"), log_level="info")
    node_b = make_node("nodeB", listeners=("imap",), log_level="info")
    h.smtp_send(node_a.port("smtp"), "far@remote.test", [USER], h.make_message(to=USER))
    a, b = RawImap(node_a.port("imap")), RawImap(node_b.port("imap"))
    for c in (a, b):
        c.command(f"LOGIN {USER} {PASSWORD}")
        c.command("ENABLE CONDSTORE")
        c.command("SELECT INBOX")
    a.command("STORE 1 +FLAGS.SILENT (\\Flagged $Important)")
    deadline = time.monotonic() + 5
    while True:
        updates = [l for l in b.command("NOOP") if b" FETCH " in l]
        if updates or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert updates and b"\\Flagged" in updates[0] and b"$Important" in updates[0], updates
    assert b"MODSEQ" in updates[0]
    a.close()
    b.close()
