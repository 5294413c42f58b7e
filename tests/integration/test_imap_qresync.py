"""QRESYNC resynchronisation at SELECT (RFC 7162 3.2.5): a client that
remembers UIDVALIDITY and HIGHESTMODSEQ is told, in one round trip, which
of its UIDs were expunged meanwhile (VANISHED (EARLIER), from the kept
tombstones) and which messages changed flags — and nothing else."""
import re
import socket

import petrel_harness as h
from conftest import PASSWORD

NODE_LISTENERS = ("smtp", "imap")
USER = "bob@example.test"


class Session:
    def __init__(self, node):
        self.sock = socket.create_connection(("127.0.0.1", node.port("imap")), timeout=10)
        self.file = self.sock.makefile("rb")
        self.n = 0
        self.file.readline()
        self.ok(f"LOGIN {USER} {PASSWORD}")

    def run(self, text):
        self.n += 1
        tag = f"q{self.n}".encode()
        self.sock.sendall(tag + b" " + text.encode() + b"\r\n")
        lines = []
        while True:
            line = self.file.readline().rstrip(b"\r\n")
            if line.startswith(tag + b" "):
                return line[len(tag) + 1:].decode(), [l.decode() for l in lines]
            lines.append(line)

    def ok(self, text):
        status, lines = self.run(text)
        assert status.startswith("OK"), (text, status, lines)
        return lines

    def close(self):
        self.run("LOGOUT")
        self.sock.close()


def code(lines, name):
    for line in lines:
        m = re.search(rf"\[{name} (\d+)\]", line)
        if m:
            return int(m.group(1))
    raise AssertionError((name, lines))


def test_select_qresync_reports_vanished_and_changed(node):
    for i in range(5):
        h.smtp_send(node.port("smtp"), "q@remote.test", [USER],
                    h.make_message(subject=f"qresync {i}", to=USER))
    a = Session(node)
    a.ok("ENABLE QRESYNC")
    lines = a.ok("SELECT INBOX")
    uidvalidity, modseq = code(lines, "UIDVALIDITY"), code(lines, "HIGHESTMODSEQ")
    uids = [int(x) for x in re.findall(r"\d+", next(
        l for l in a.ok("UID SEARCH ALL") if l.startswith("* SEARCH")))]
    assert len(uids) == 5
    a.close()

    # meanwhile another client flags the second and expunges the fourth
    b = Session(node)
    b.ok("SELECT INBOX")
    b.ok(f"UID STORE {uids[1]} +FLAGS.SILENT (\\Flagged)")
    b.ok(f"UID STORE {uids[3]} +FLAGS.SILENT (\\Deleted)")
    b.ok("EXPUNGE")
    b.close()

    c = Session(node)
    status, _ = c.run(f"SELECT INBOX (QRESYNC ({uidvalidity} {modseq}))")
    assert status.startswith("BAD"), status            # QRESYNC must be enabled first
    c.ok("ENABLE QRESYNC")
    lines = c.ok(f"SELECT INBOX (QRESYNC ({uidvalidity} {modseq} {uids[0]}:{uids[4]}))")
    assert f"* VANISHED (EARLIER) {uids[3]}" in lines, lines
    fetches = [l for l in lines if " FETCH " in l]
    assert len(fetches) == 1, lines
    assert f"UID {uids[1]} " in fetches[0] and "\\Flagged" in fetches[0]
    assert "MODSEQ" in fetches[0]
    assert "* 4 EXISTS" in lines
    c.ok("UNSELECT")

    # known UIDs limit what is reported; an up-to-date modseq reports nothing
    lines = c.ok(f"SELECT INBOX (QRESYNC ({uidvalidity} {modseq} {uids[0]}))")
    assert not any("VANISHED" in l for l in lines), lines
    current = code(lines, "HIGHESTMODSEQ")
    lines = c.ok(f"SELECT INBOX (QRESYNC ({uidvalidity} {current}))")
    assert not any("VANISHED" in l or " FETCH " in l for l in lines), lines
    # another UIDVALIDITY: the client must resync fully, nothing is reported
    lines = c.ok(f"SELECT INBOX (QRESYNC ({uidvalidity + 1} {modseq}))")
    assert not any("VANISHED" in l or " FETCH " in l for l in lines), lines
    for bad in ("(QRESYNC)", "(QRESYNC (1))", "(QRESYNC (x 1))", "(QRESYNC (1 1 1:*))",
                "(BOGUS)"):
        status, _ = c.run(f"SELECT INBOX {bad}")
        assert status.startswith("BAD"), (bad, status)
    c.ok("SELECT INBOX")
    c.close()
