"""IMAP APPEND: single and MULTIAPPEND (all or nothing), flags and internal
date (checked in the messages table), APPENDUID, [TRYCREATE],
[OVERQUOTA], literal limits (imap_append_max_size for APPEND,
imap_max_literal_size for everything else), a literal shorter than
announced, pipelined APPENDs stored together (each answered in order),
and EXISTS for an APPEND to the selected mailbox. After every refusal
the session must keep serving."""
import imaplib
import re
import select
import socket

import petrel_harness as h
from conftest import PASSWORD

NODE_LISTENERS = ("smtp", "imap")
NODE_SETTINGS = {"auth_failure_delay": "0", "imap_append_max_size": "64K"}


class Raw:
    def __init__(self, node, user):
        self.sock = socket.create_connection(("127.0.0.1", node.port("imap")), timeout=20)
        self.f = self.sock.makefile("rb")
        assert self.f.readline().startswith(b"* OK")
        self.send(f'l LOGIN {user} "{PASSWORD}"\r\n'.encode())
        assert self.until(b"l ")[-1].startswith(b"l OK")

    def send(self, data):
        self.sock.sendall(data)

    def until(self, prefix):
        """Lines up to and including the first one starting with prefix."""
        lines = []
        while True:
            line = self.f.readline()
            assert line, "connection closed"
            lines.append(line.rstrip(b"\r\n"))
            if line.startswith(prefix):
                return lines

    def tagged(self, tag):
        return self.until(tag.encode() + b" ")[-1].decode()

    def close(self):
        self.sock.close()


def msg(subject, size=4096):
    return h.make_message(subject=subject, size=size).replace(b"\r\n", b"\n").replace(
        b"\n", b"\r\n")


def mailbox_rows(pg, user, mailbox):
    return pg.sql("SELECT m.uid, m.flags, m.keywords, "
                  "to_char(m.internal_date AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS'), m.size "
                  "FROM messages m JOIN mailboxes mb ON mb.id = m.mailbox_id "
                  "JOIN accounts a ON a.id = mb.account_id "
                  "WHERE a.localpart = %s AND mb.name = %s ORDER BY m.uid", (user, mailbox))


def appenduid(line):
    m = re.search(r"\[APPENDUID (\d+) ([\d:,]+)\]", line)
    assert m, line
    return int(m.group(1)), m.group(2)


def test_append_with_flags_and_date(node, pg):
    imap = imaplib.IMAP4("127.0.0.1", node.port("imap"))
    imap.login("user@example.test", PASSWORD)
    body = msg("flags-and-date")
    typ, data = imap.append("INBOX", r"(\Seen \Flagged $Work)",
                            '"17-Jul-1996 02:44:25 -0700"', body)
    assert typ == "OK", data
    uidv, uid = appenduid(data[0].decode())
    rows = mailbox_rows(pg, "user", "INBOX")
    row = [r for r in rows if r[0] == int(uid)][0]
    assert row[1] == 1 | 4
    assert row[2] == ["$Work"]
    assert row[3] == "1996-07-17 09:44:25"
    assert row[4] == len(body)
    assert pg.value("SELECT uidvalidity FROM mailboxes mb JOIN accounts a ON "
                    "a.id = mb.account_id WHERE a.localpart = 'user' AND "
                    "mb.name = 'INBOX'") == uidv
    # no flags, no date: now
    typ, data = imap.append("Sent", None, None, msg("plain"))
    assert typ == "OK"
    row = mailbox_rows(pg, "user", "Sent")[-1]
    assert row[1] == 0 and row[2] == []
    imap.logout()


def test_multiappend_all_or_nothing(node, pg):
    c = Raw(node, "alice@example.test")
    a, b = msg("multi-1", 1000), msg("multi-2", 2000)
    before = len(mailbox_rows(pg, "alice", "Drafts"))
    c.send(b"m1 APPEND Drafts (\\Draft) {%d+}\r\n%s (\\Seen) \"1-Feb-2020 10:00:00 +0000\" "
           b"{%d+}\r\n%s\r\n" % (len(a), a, len(b), b))
    line = c.tagged("m1")
    assert line.startswith("m1 OK"), line
    _, uids = appenduid(line)
    first, last = (int(x) for x in uids.split(":"))
    assert last == first + 1
    rows = mailbox_rows(pg, "alice", "Drafts")
    assert len(rows) == before + 2
    assert rows[-2][1] == 0x10 and rows[-1][1] == 1
    assert rows[-1][3] == "2020-02-01 10:00:00"
    # the second message has a bad flag: nothing is stored
    c.send(b"m2 APPEND Drafts {%d+}\r\n%s (\\Bogus) {%d+}\r\n%s\r\n" % (len(a), a, len(b), b))
    assert c.tagged("m2").startswith("m2 BAD")
    # bad date, bad keyword, empty message, no message
    c.send(b"m3 APPEND Drafts \"31-Feb-2020 10:00:00 +0000\" {3+}\r\nabc\r\n")
    assert c.tagged("m3").startswith("m3 BAD")
    c.send(b"m4 APPEND Drafts (foo]bar) {3+}\r\nabc\r\n")
    assert c.tagged("m4").startswith("m4 BAD")
    c.send(b"m5 APPEND Drafts {0+}\r\n\r\n")
    assert c.tagged("m5").startswith("m5 NO")
    c.send(b"m6 APPEND Drafts\r\n")
    assert c.tagged("m6").startswith("m6 BAD")
    c.send(b"m7 APPEND Drafts (\\Seen)\r\n")
    assert c.tagged("m7").startswith("m7 BAD")
    assert len(mailbox_rows(pg, "alice", "Drafts")) == before + 2
    c.send(b"m8 NOOP\r\n")
    assert c.tagged("m8").startswith("m8 OK")
    c.close()


def test_append_trycreate_and_utf7_name(node, pg):
    c = Raw(node, "alice@example.test")
    body = msg("nowhere", 500)
    c.send(b"t1 APPEND Nowhere {%d+}\r\n%s\r\n" % (len(body), body))
    assert c.tagged("t1").startswith("t1 NO [TRYCREATE]")
    c.send(b'c1 CREATE "Entw&APw-rfe"\r\n')
    assert c.tagged("c1").startswith("c1 OK")
    c.send(b'a1 APPEND "Entw&APw-rfe" {%d+}\r\n%s\r\n' % (len(body), body))
    assert c.tagged("a1").startswith("a1 OK [APPENDUID")
    assert len(mailbox_rows(pg, "alice", "Entwürfe")) == 1
    c.close()


def test_append_over_quota(node, pg, ctl):
    c = Raw(node, "bob@example.test")
    used = pg.value("SELECT coalesce(sum(mb.bytes), 0) FROM mailboxes mb JOIN accounts a "
                    "ON a.id = mb.account_id WHERE a.localpart = 'bob'")
    body = msg("quota", 4096)
    ctl("account", "quota", "bob@example.test", str(used + 3 * len(body) + len(body) // 2))
    try:
        big = msg("too big", 60000)
        c.send(b"q1 APPEND INBOX {%d+}\r\n%s\r\n" % (len(big), big))
        assert c.tagged("q1").startswith("q1 NO [OVERQUOTA]")
        # five pipelined APPENDs stored together: three fit, then the
        # quota is reached; each command gets its own answer, in order
        data = b"".join(b"p%d APPEND INBOX {%d+}\r\n%s\r\n" % (i, len(body), body)
                        for i in range(5))
        c.send(data)
        lines = [l.decode() for l in c.until(b"p4 ") if l.startswith(b"p")]
        assert [l.split()[0] for l in lines] == ["p0", "p1", "p2", "p3", "p4"]
        assert [l.split()[1] for l in lines] == ["OK", "OK", "OK", "NO", "NO"]
        assert "[OVERQUOTA]" in lines[3]
        c.send(b"n NOOP\r\n")
        assert c.tagged("n").startswith("n OK")
    finally:
        ctl("account", "quota", "bob@example.test", "0")
    c.close()


def test_pipelined_appends_in_order(node, pg):
    c = Raw(node, "user@example.test")
    before = len(mailbox_rows(pg, "user", "Archive"))
    body = msg("pipelined", 4096)
    targets = ["Archive"] * 6 + ["Junk"] * 2 + ["Archive"] * 4
    data = b"".join(b"b%d APPEND %s (\\Seen) {%d+}\r\n%s\r\n" % (i, t.encode(), len(body), body)
                    for i, t in enumerate(targets))
    c.send(data + b"z NOOP\r\n")
    lines = [l.decode() for l in c.until(b"z ")]
    tagged = [l for l in lines if l.startswith("b")]
    assert [l.split()[0] for l in tagged] == [f"b{i}" for i in range(len(targets))]
    assert all(l.split()[1] == "OK" for l in tagged), tagged
    uids = [int(appenduid(l)[1]) for l, t in zip(tagged, targets) if t == "Archive"]
    assert uids == list(range(uids[0], uids[0] + 10))
    assert len(mailbox_rows(pg, "user", "Archive")) == before + 10
    # a bad command among them is answered in its place
    data = (b"g1 APPEND Archive {%d+}\r\n%s\r\n" % (len(body), body) +
            b"g2 APPEND Archive (\\Nope) {%d+}\r\n%s\r\n" % (len(body), body) +
            b"g3 APPEND Archive {%d+}\r\n%s\r\n" % (len(body), body))
    c.send(data)
    tagged = [l.decode() for l in c.until(b"g3 ") if l.startswith(b"g")]
    assert [l.split()[:2] for l in tagged] == [["g1", "OK"], ["g2", "BAD"], ["g3", "OK"]]
    c.close()


def test_append_to_selected_mailbox_sends_exists(node):
    c = Raw(node, "alice@example.test")
    c.send(b"s SELECT Trash\r\n")
    lines = c.until(b"s ")
    exists = [int(l.split()[1]) for l in lines if l.endswith(b" EXISTS")][0]
    body = msg("selected", 800)
    c.send(b"a APPEND Trash {%d+}\r\n%s\r\n" % (len(body), body))
    lines = c.until(b"a ")
    assert lines[-1].startswith(b"a OK")
    assert b"* %d EXISTS" % (exists + 1) in lines[:-1]
    c.close()


def test_literal_limits(node, pg):
    c = Raw(node, "bob@example.test")
    before = len(mailbox_rows(pg, "bob", "INBOX"))
    # synchronizing literal over imap_append_max_size: refused, no "+"
    c.send(b"L1 APPEND INBOX {70000}\r\n")
    line = c.f.readline()
    assert line.startswith(b"L1 BAD") or line.startswith(b"L1 NO"), line
    c.send(b"L2 NOOP\r\n")
    assert c.tagged("L2").startswith("L2 OK")
    # non-synchronizing: the bytes are read and dropped
    c.send(b"L3 APPEND INBOX {70000+}\r\n" + b"x" * 70000 + b"\r\nL4 NOOP\r\n")
    lines = c.until(b"L4 ")
    assert any(l.startswith(b"L3 BAD") or l.startswith(b"L3 NO") for l in lines), lines
    assert lines[-1].startswith(b"L4 OK")
    # within the limit it works
    ok = msg("limit", 60000)
    c.send(b"L5 APPEND INBOX {%d}\r\n" % len(ok))
    assert c.f.readline().startswith(b"+")
    c.send(ok + b"\r\n")
    assert c.tagged("L5").startswith("L5 OK")
    # another command's literal over imap_max_literal_size (64K)
    c.send(b"L6 SELECT {70000}\r\n")
    line = c.f.readline()
    assert line.startswith(b"L6 BAD"), line
    c.send(b"L7 SELECT {70000+}\r\n" + b"y" * 70000 + b"\r\nL8 NOOP\r\n")
    lines = c.until(b"L8 ")
    assert any(l.startswith(b"L7 BAD") for l in lines), lines
    assert lines[-1].startswith(b"L8 OK")
    assert len(mailbox_rows(pg, "bob", "INBOX")) == before + 1
    c.close()


def test_literal_shorter_than_announced(node, pg):
    c = Raw(node, "bob@example.test")
    before = len(mailbox_rows(pg, "bob", "INBOX"))
    # 100 bytes announced, 40 sent, then what looks like a new command:
    # it is literal content, so no answer may come for "x1"
    c.send(b"S1 APPEND INBOX {100+}\r\n" + b"Subject: short\r\n\r\n" + b"a" * 22 +
           b"x1 NOOP\r\n")
    readable, _, _ = select.select([c.sock], [], [], 0.5)
    assert not readable, c.sock.recv(1000)
    # complete the 100 bytes, then junk where SP or CRLF must follow
    c.send(b"b" * 51 + b"junk\r\nS2 NOOP\r\n")
    lines = c.until(b"S2 ")
    s1 = [l for l in lines if l.startswith(b"S1 ")]
    assert len(s1) == 1 and s1[0].split()[1] == b"BAD", lines
    assert lines[-1].startswith(b"S2 OK")
    assert not any(l.startswith(b"x1") for l in lines)
    assert len(mailbox_rows(pg, "bob", "INBOX")) == before
    # completed exactly, it is a message like any other
    c.send(b"S3 APPEND INBOX {10+}\r\nSubject: x\r\nS4 NOOP\r\n")
    lines = c.until(b"S4 ")
    assert lines[-2].startswith(b"S3 OK") and lines[-1].startswith(b"S4 OK")
    assert len(mailbox_rows(pg, "bob", "INBOX")) == before + 1
    c.close()


def test_client_gone_during_batch(node, pg):
    """The client closes while its pipelined APPENDs are being stored: the
    node stays up, and every command was stored whole or not at all."""
    before = len(mailbox_rows(pg, "alice", "Junk"))
    body = msg("gone", 4096)
    for _ in range(3):
        c = Raw(node, "alice@example.test")
        c.send(b"".join(b"g%d APPEND Junk (\\Seen) {%d+}\r\n%s (\\Flagged) {%d+}\r\n%s\r\n"
                        % (i, len(body), body, len(body), body) for i in range(8)))
        c.close()
    c = Raw(node, "alice@example.test")
    c.send(b"n NOOP\r\n")
    assert c.tagged("n").startswith("n OK")
    c.close()
    h.wait_for(lambda: pg.value("SELECT count(*) FROM pg_stat_activity WHERE state = 'active' "
                                "AND pid <> pg_backend_pid() "
                                "AND query LIKE '%%petrel_append%%'") == 0)
    rows = mailbox_rows(pg, "alice", "Junk")[before:]
    assert len(rows) % 2 == 0 and len(rows) <= 48
    assert all(rows[i][1] == 1 and rows[i + 1][1] == 4 for i in range(0, len(rows), 2))
