"""IMAP FETCH and UID FETCH against a real node: the simple items, ENVELOPE
and BODYSTRUCTURE of a multipart message with a nested message/rfc822,
BODY[...] sections with partial ranges, BINARY and BINARY.SIZE, implicit
\\Seen (and none with .PEEK or EXAMINE), sequence sets with "*" and reversed
ranges, CHANGEDSINCE/MODSEQ and VANISHED, BAD for malformed attributes
with the session still serving, and a client that never reads a big FETCH
being disconnected while the node's memory stays bounded."""
import base64
import imaplib
import re
import socket
import time

import pytest

import petrel_harness as h
from conftest import PASSWORD

NODE_LISTENERS = ("smtp", "imap")
NODE_SETTINGS = {"auth_failure_delay": "0", "imap_output_buffer_max": "256K",
                 "imap_output_stall_timeout": "3s", "imap_fetch_batch": "7"}

ATTACHMENT = bytes(range(256)) * 4   # NUL and 8-bit bytes: literal8 for BINARY

INNER = (b"From: Inner <inner@remote.test>\r\n"
         b"To: <user@example.test>\r\n"
         b"Subject: Inner message\r\n"
         b"Content-Type: text/plain; charset=us-ascii\r\n"
         b"\r\n"
         b"Inner body line.\r\n")


def multipart_message(token):
    att = base64.encodebytes(ATTACHMENT).replace(b"\n", b"\r\n")
    return (f"From: Sender <sender@remote.test>\r\n"
            f"To: <user@example.test>\r\n"
            f"Subject: Multipart {token}\r\n"
            f"Date: Thu, 20 Nov 2025 10:00:00 +0000\r\n"
            f"Message-ID: <{token}@test.petrel>\r\n"
            f"X-Petrel-Token: {token}\r\n"
            f"MIME-Version: 1.0\r\n"
            f"Content-Type: multipart/mixed; boundary=\"outer\"\r\n"
            f"\r\n").encode() + (
        b"--outer\r\n"
        b"Content-Type: multipart/alternative; boundary=\"alt\"\r\n"
        b"\r\n"
        b"--alt\r\n"
        b"Content-Type: text/plain; charset=us-ascii\r\n"
        b"\r\n"
        b"Plain text part.\r\n"
        b"--alt\r\n"
        b"Content-Type: text/html; charset=us-ascii\r\n"
        b"\r\n"
        b"<p>HTML part</p>\r\n"
        b"--alt--\r\n"
        b"--outer\r\n"
        b"Content-Type: application/octet-stream; name=\"blob.bin\"\r\n"
        b"Content-Transfer-Encoding: base64\r\n"
        b"Content-Disposition: attachment; filename=\"blob.bin\"\r\n"
        b"\r\n" + att +
        b"--outer\r\n"
        b"Content-Type: message/rfc822\r\n"
        b"\r\n" + INNER +
        b"--outer--\r\n")


class Imap:
    """A line-level IMAP client: commands as bytes, literals read whole, so
    tests see the exact response bytes."""

    def __init__(self, node, user="user@example.test"):
        self.sock = socket.create_connection(("127.0.0.1", node.port("imap")), timeout=30)
        self.f = self.sock.makefile("rb")
        self.n = 0
        assert self.f.readline().startswith(b"* OK")
        typ, _ = self.cmd(f'LOGIN {user} "{PASSWORD}"')
        assert typ.startswith(b"OK"), typ

    def read_response(self):
        """One response, its literals inlined."""
        out = b""
        while True:
            line = self.f.readline()
            if not line:
                raise EOFError("connection closed")
            out += line
            m = re.search(rb"~?\{(\d+)\}\r\n$", line)
            if not m:
                return out
            out += self.f.read(int(m.group(1)))

    def cmd(self, text):
        """(tagged status after the tag, [untagged responses])."""
        self.n += 1
        tag = b"t%d" % self.n
        self.sock.sendall(tag + b" " + (text.encode() if isinstance(text, str) else text)
                          + b"\r\n")
        untagged = []
        while True:
            resp = self.read_response()
            if resp.startswith(tag + b" "):
                return resp[len(tag) + 1:], untagged
            untagged.append(resp)

    def ok(self, text):
        typ, untagged = self.cmd(text)
        assert typ.startswith(b"OK"), (text, typ)
        return untagged

    def fetch(self, text):
        return [r for r in self.ok(text) if re.match(rb"\* \d+ FETCH", r)]

    def close(self):
        self.sock.close()


def literal_of(resp, key):
    """The bytes of the literal after key in a FETCH response."""
    m = re.search(re.escape(key) + rb" ~?\{(\d+)\}\r\n", resp)
    assert m, (key, resp[:300])
    return resp[m.end():m.end() + int(m.group(1))]


def seq_of(resp):
    return int(re.match(rb"\* (\d+) FETCH", resp).group(1))


@pytest.fixture(scope="module")
def bob(node):
    """bob's INBOX: six plain messages then a multipart one (seq 7)."""
    port = node.port("smtp")
    plain = [h.make_message(subject=f"Plain {i}", to="bob@example.test",
                            body=f"Body of message {i} with some text.\r\n")
             for i in range(1, 7)]
    for msg in plain:
        assert h.smtp_send(port, "sender@remote.test", ["bob@example.test"], msg).code == 250
    token = "multi" + h.token_of(plain[0])
    multi = multipart_message(token)
    assert h.smtp_send(port, "sender@remote.test", ["bob@example.test"], multi).code == 250
    imap = Imap(node, "bob@example.test")
    h.wait_for(lambda: b"* 7 EXISTS" in b"".join(imap.ok("SELECT INBOX")))
    imap.close()
    return {"plain": plain, "multi": multi}


def test_simple_items(node, bob):
    imap = Imap(node, "bob@example.test")
    imap.ok("EXAMINE INBOX")
    resps = imap.fetch("FETCH 1:2 (FLAGS INTERNALDATE RFC822.SIZE UID)")
    assert [seq_of(r) for r in resps] == [1, 2]
    m = re.match(rb'\* 1 FETCH \(UID (\d+) FLAGS \(\) INTERNALDATE "(\d\d-\w{3}-\d{4} '
                 rb'\d\d:\d\d:\d\d [+-]\d{4})" RFC822.SIZE (\d+)\)\r\n$', resps[0])
    assert m, resps[0]
    body = literal_of(imap.fetch("FETCH 1 BODY.PEEK[]")[0], b"BODY[]")
    assert int(m.group(3)) == len(body)
    # the macros
    fast = imap.fetch("FETCH 1 FAST")[0]
    assert b"FLAGS" in fast and b"INTERNALDATE" in fast and b"RFC822.SIZE" in fast
    assert b"ENVELOPE" not in fast
    full = imap.fetch("FETCH 1 FULL")[0]
    assert b"ENVELOPE (" in full and b" BODY (" in full
    imap.close()


def test_envelope_and_bodystructure(node, bob):
    imap = Imap(node, "bob@example.test")
    imap.ok("EXAMINE INBOX")
    resp = imap.fetch("FETCH 7 (ENVELOPE BODYSTRUCTURE)")[0]
    assert b'ENVELOPE ("Thu, 20 Nov 2025 10:00:00 +0000" "Multipart multi' in resp
    assert b'(("Sender" NIL "sender" "remote.test"))' in resp
    bs = resp[resp.index(b"BODYSTRUCTURE ") + len(b"BODYSTRUCTURE "):]
    # mixed( alternative(plain, html), attachment, message/rfc822(inner) )
    assert bs.startswith(b'((("TEXT" "PLAIN" ("CHARSET" "us-ascii")'), bs
    assert b'("TEXT" "HTML" ("CHARSET" "us-ascii")' in bs
    assert b'"ALTERNATIVE" ("BOUNDARY" "alt")' in bs
    assert b'("APPLICATION" "OCTET-STREAM" ("NAME" "blob.bin") NIL NIL "BASE64"' in bs
    assert b'("ATTACHMENT" ("FILENAME" "blob.bin"))' in bs
    assert b'"MESSAGE" "RFC822" NIL NIL NIL "7BIT"' in bs
    assert b'"Inner message"' in bs           # the encapsulated envelope
    assert b'"MIXED" ("BOUNDARY" "outer")' in bs
    imap.close()


def test_body_sections(node, bob, pg):
    imap = Imap(node, "bob@example.test")
    imap.ok("EXAMINE INBOX")
    whole = literal_of(imap.fetch("FETCH 7 BODY.PEEK[]")[0], b"BODY[]")
    # delivery prepends trace headers; the rest is what was sent, byte for byte
    assert whole.endswith(bob["multi"])
    token = h.token_of(bob["multi"])
    (row,) = [r for r in h.stored_by_token(pg, token) if r[0] == "bob@example.test"]
    assert bytes(pg.value("SELECT raw FROM message_contents WHERE id = %s", (row[3],))) == whole

    resp = imap.fetch("FETCH 7 (BODY.PEEK[HEADER.FIELDS (SUBJECT FROM)])")[0]
    fields = literal_of(resp, b"BODY[HEADER.FIELDS (SUBJECT FROM)]")
    assert fields == (b"From: Sender <sender@remote.test>\r\n"
                      b"Subject: Multipart " + token.encode() + b"\r\n\r\n")
    resp = imap.fetch("FETCH 7 (BODY.PEEK[1.2] BODY.PEEK[3.HEADER.FIELDS (Subject)] "
                      "BODY.PEEK[3.TEXT])")[0]
    assert literal_of(resp, b"BODY[1.2]") == b"<p>HTML part</p>"
    assert literal_of(resp, b"BODY[3.HEADER.FIELDS (Subject)]") == \
        b"Subject: Inner message\r\n\r\n"
    assert literal_of(resp, b"BODY[3.TEXT]") == b"Inner body line."   # CRLF belongs to the boundary
    # partial: the response names the offset only
    resp = imap.fetch("FETCH 1 BODY.PEEK[TEXT]<0.10>")[0]
    assert literal_of(resp, b"BODY[TEXT]<0>") == b"Body of me"
    resp = imap.fetch("FETCH 1 BODY.PEEK[TEXT]<5.7>")[0]
    assert literal_of(resp, b"BODY[TEXT]<5>") == b"of mess"
    resp = imap.fetch("FETCH 1 BODY.PEEK[TEXT]<100000.10>")[0]
    assert re.search(rb'BODY\[TEXT\]<100000> (""|\{0\}\r\n)\)', resp), resp
    # RFC822.HEADER / RFC822.TEXT keep their names
    resp = imap.fetch("FETCH 1 (RFC822.HEADER RFC822.TEXT)")[0]
    assert literal_of(resp, b"RFC822.HEADER").endswith(b"\r\n\r\n")
    assert literal_of(resp, b"RFC822.TEXT") == b"Body of message 1 with some text.\r\n"
    # a part that does not exist is empty, not an error
    resp = imap.fetch("FETCH 1 BODY.PEEK[9]")[0]
    assert re.search(rb'BODY\[9\] (""|\{0\}\r\n)\)', resp), resp
    imap.close()


def test_binary(node, bob):
    imap = Imap(node, "bob@example.test")
    imap.ok("EXAMINE INBOX")
    resp = imap.fetch("FETCH 7 (BINARY.PEEK[2] BINARY.SIZE[2] BINARY.PEEK[1.1])")[0]
    assert b"BINARY[2] ~{%d}\r\n" % len(ATTACHMENT) in resp      # NUL inside: literal8
    assert literal_of(resp, b"BINARY[2]") == ATTACHMENT
    assert b"BINARY.SIZE[2] %d" % len(ATTACHMENT) in resp
    assert literal_of(resp, b"BINARY[1.1]") == b"Plain text part."
    resp = imap.fetch("FETCH 7 BINARY.PEEK[2]<256.4>")[0]
    assert literal_of(resp, b"BINARY[2]<256>") == bytes([0, 1, 2, 3])
    # BINARY takes part numbers only
    typ, _ = imap.cmd("FETCH 7 BINARY[HEADER]")
    assert typ.startswith(b"BAD")
    assert imap.fetch("FETCH 7 UID")
    imap.close()


def test_unknown_cte(node):
    port = node.port("smtp")
    msg = h.make_message(subject="Odd encoding", to="alice@example.test",
                         headers=["X-Dummy: 1"]).replace(
        b"Content-Transfer-Encoding: 7bit", b"Content-Transfer-Encoding: x-rot13")
    assert h.smtp_send(port, "sender@remote.test", ["alice@example.test"], msg).code == 250
    imap = Imap(node, "alice@example.test")
    h.wait_for(lambda: re.search(rb"\* [1-9]\d* EXISTS", b"".join(imap.ok("EXAMINE INBOX"))))
    typ, _ = imap.cmd("FETCH * BINARY.PEEK[1]")
    assert typ.startswith(b"NO [UNKNOWN-CTE]"), typ
    assert imap.fetch("FETCH * BODY.PEEK[1]")      # BODY does not decode: fine
    imap.close()


def test_implicit_seen(node, bob):
    imap = Imap(node, "bob@example.test")
    imap.ok("EXAMINE INBOX")
    # read-only: BODY[] does not set \Seen
    resp = imap.fetch("FETCH 2 BODY[]")[0]
    assert b"FLAGS" not in resp
    imap.ok("SELECT INBOX")
    resp = imap.fetch("FETCH 2 BODY.PEEK[]")[0]
    assert b"FLAGS" not in resp
    assert imap.fetch("FETCH 2 FLAGS")[0] == b"* 2 FETCH (FLAGS ())\r\n"
    resp = imap.fetch("FETCH 2 BODY[TEXT]")[0]
    assert resp.startswith(b"* 2 FETCH (FLAGS (\\Seen) BODY[TEXT] {")
    # already seen: no FLAGS this time
    assert b"FLAGS" not in imap.fetch("FETCH 2 BODY[TEXT]")[0]
    assert imap.fetch("FETCH 2 FLAGS")[0] == b"* 2 FETCH (FLAGS (\\Seen))\r\n"
    # RFC822 sets \Seen too; FLAGS comes with the messages it changed only
    resp = imap.fetch("FETCH 1:3 RFC822")
    assert [b"FLAGS (\\Seen)" in r for r in resp] == [True, False, True]
    assert all(b"UID " not in r for r in resp)
    flags = imap.fetch("FETCH 1:* FLAGS")
    assert [b"\\Seen" in r for r in flags] == [True] * 3 + [False] * 4
    imap.close()


def test_sequence_sets(node, bob):
    imap = Imap(node, "bob@example.test")
    imap.ok("EXAMINE INBOX")
    assert [seq_of(r) for r in imap.fetch("FETCH 5:2 UID")] == [2, 3, 4, 5]
    assert [seq_of(r) for r in imap.fetch("FETCH *:6 UID")] == [6, 7]
    assert [seq_of(r) for r in imap.fetch("FETCH 1,3,* UID")] == [1, 3, 7]
    uids = [int(re.search(rb"UID (\d+)", r).group(1)) for r in imap.fetch("FETCH 1:* UID")]
    assert len(uids) == 7 and uids == sorted(uids)
    # UID FETCH past the end: "*" is the last message
    resp = imap.fetch("UID FETCH %d:* FLAGS" % (uids[-1] + 1000))
    assert len(resp) == 1 and seq_of(resp[0]) == 7
    assert b"UID %d" % uids[-1] in resp[0]
    assert imap.fetch("UID FETCH %d FLAGS" % (uids[-1] + 1000)) == []
    # a sequence number past the end is an error, and the session goes on
    typ, _ = imap.cmd("FETCH 8 FLAGS")
    assert typ.startswith(b"BAD")
    assert len(imap.fetch("FETCH 1:* FLAGS")) == 7
    imap.close()


def test_empty_mailbox(node):
    imap = Imap(node, "bob@example.test")
    imap.cmd("CREATE Empty")
    imap.ok("SELECT Empty")
    typ, untagged = imap.cmd("UID FETCH 1:* FLAGS")
    assert typ.startswith(b"OK") and untagged == []
    typ, untagged = imap.cmd("FETCH 1:* BODY[]")   # "*" of nothing is nothing
    assert typ.startswith(b"OK") and untagged == []
    typ, _ = imap.cmd("FETCH 1 FLAGS")     # no messages: 1 is past the end
    assert typ.startswith(b"BAD")
    typ, untagged = imap.cmd("UID FETCH 1:100 FLAGS")
    assert typ.startswith(b"OK") and untagged == []
    imap.close()


def test_modseq_and_changedsince(node, bob):
    imap = Imap(node, "bob@example.test")
    imap.ok("SELECT INBOX")
    resps = imap.fetch("FETCH 1:* (UID MODSEQ)")
    modseqs = {seq_of(r): int(re.search(rb"MODSEQ \((\d+)\)", r).group(1)) for r in resps}
    assert len(modseqs) == 7
    top = max(modseqs.values())
    # \Seen on message 4 gives it a new modseq
    resp = imap.fetch("FETCH 4 BODY[TEXT]")[0]
    assert b"FLAGS (\\Seen)" in resp and b"MODSEQ (" in resp   # CONDSTORE is on now
    changed = imap.fetch("FETCH 1:* (FLAGS) (CHANGEDSINCE %d)" % top)
    assert [seq_of(r) for r in changed] == [4]
    assert re.search(rb"MODSEQ \((\d+)\)", changed[0])
    assert int(re.search(rb"MODSEQ \((\d+)\)", changed[0]).group(1)) > top
    assert imap.fetch("FETCH 1:* FLAGS (CHANGEDSINCE %d)" % (top + 1000)) == []
    for bad in ("FETCH 1 FLAGS (CHANGEDSINCE)", "FETCH 1 FLAGS (CHANGEDSINCE abc)",
                "FETCH 1 FLAGS (FOO)", "UID FETCH 1:* FLAGS (CHANGEDSINCE 1 VANISHED)"):
        typ, _ = imap.cmd(bad)    # VANISHED needs ENABLE QRESYNC
        assert typ.startswith(b"BAD"), (bad, typ)
    assert imap.fetch("FETCH 1 UID")
    imap.close()


def test_vanished(node, pg):
    port = node.port("smtp")
    msgs = [h.make_message(subject=f"V{i}") for i in range(3)]
    for msg in msgs:
        assert h.smtp_send(port, "s@remote.test", ["user@example.test"], msg).code == 250
    h.wait_for(lambda: h.stored_by_token(pg, h.token_of(msgs[-1])))
    (_, _, victim, _, _), = h.stored_by_token(pg, h.token_of(msgs[0]))
    # expunged before this session selects the mailbox (as another client would)
    ids = ("(SELECT a.id FROM accounts a JOIN domains d ON d.id = a.domain_id"
           " WHERE a.localpart = 'user' AND d.name = 'example.test')")
    mbox = f"(SELECT id FROM mailboxes WHERE account_id = {ids} AND name = 'INBOX')"
    pg.sql(f"SELECT * FROM petrel_store_flags({ids}, {mbox}, '{{[{victim},{victim}]}}', 1,"
           f" 8::smallint, '{{}}', NULL)")
    pg.sql(f"SELECT * FROM petrel_expunge({ids}, {mbox}, NULL)")
    imap = Imap(node)
    typ, _ = imap.cmd("UID FETCH 1:* FLAGS (CHANGEDSINCE 1 VANISHED)")
    assert typ.startswith(b"BAD")          # no mailbox selected yet
    imap.ok("ENABLE QRESYNC")
    imap.ok("SELECT INBOX")
    typ, _ = imap.cmd("FETCH 1:* FLAGS (CHANGEDSINCE 1 VANISHED)")
    assert typ.startswith(b"BAD")          # VANISHED needs UID FETCH
    typ, untagged = imap.cmd("UID FETCH 1:* FLAGS (CHANGEDSINCE 1 VANISHED)")
    assert typ.startswith(b"OK"), typ
    assert untagged[0] == b"* VANISHED (EARLIER) %d\r\n" % victim
    fetched = [r for r in untagged[1:] if b" FETCH " in r]
    assert len(fetched) == 2 and all(b"MODSEQ (" in r for r in fetched)
    # outside the asked-for set, nothing is reported
    typ, untagged = imap.cmd("UID FETCH %d:* FLAGS (CHANGEDSINCE 1 VANISHED)" % (victim + 1))
    assert typ.startswith(b"OK")
    assert not any(r.startswith(b"* VANISHED") for r in untagged)
    imap.close()


@pytest.mark.parametrize("bad", [
    "FETCH 1 (FLAGS", "FETCH 1 FROB", "FETCH 1", "FETCH 1 ()", "FETCH 1 (FLAGS ALL)",
    "FETCH 1 BODY[HEADER.FIELDS ()]", "FETCH 1 BODY[1.0]", "FETCH 1 BODY[]<0.0>",
    "FETCH 1 BODY.PEEK", "FETCH 1 BINARY.SIZE[1]<0.4>", "FETCH x FLAGS", "FETCH 0 FLAGS",
    "FETCH 1 FLAGS extra", "UID FETCH 1 BODY[MIME]",
])
def test_bad_syntax_then_session_works(node, bob, bad):
    imap = Imap(node, "bob@example.test")
    imap.ok("EXAMINE INBOX")
    typ, untagged = imap.cmd(bad)
    assert typ.startswith(b"BAD"), (bad, typ)
    assert not any(b"FETCH (" in r for r in untagged)
    assert len(imap.fetch("FETCH 1:2 FLAGS")) == 2
    imap.close()


def test_fetch_needs_selected_mailbox(node):
    imap = Imap(node, "bob@example.test")
    typ, _ = imap.cmd("FETCH 1 FLAGS")
    assert typ.startswith(b"BAD")
    imap.close()


def test_imaplib_client(node, bob):
    imap = imaplib.IMAP4("127.0.0.1", node.port("imap"))
    imap.login("bob@example.test", PASSWORD)
    imap.select("INBOX", readonly=True)
    typ, data = imap.fetch("7", "(BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
    assert typ == "OK"
    assert data[0][1].startswith(b"Subject: Multipart multi")
    typ, data = imap.uid("FETCH", "1:*", "(RFC822.SIZE)")
    assert typ == "OK" and len(data) == 7
    imap.logout()


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def node_pids(node):
    return [node.proc.pid] + h.children_of(node.proc.pid)


def test_client_that_never_reads_is_closed(node):
    port = node.port("smtp")
    big = h.make_message(size=100 * 1024, to="alice@example.test")
    smtp = h.SmtpSession(port)
    try:
        for _ in range(40):
            assert smtp.send("s@remote.test", ["alice@example.test"], big).code == 250
    finally:
        smtp.close()
    imap = Imap(node, "alice@example.test")
    h.wait_for(lambda: re.search(rb"\* (4\d|[5-9]\d) EXISTS",
                                 b"".join(imap.ok("SELECT INBOX"))), timeout=30)
    before = sum(rss_kb(p) for p in node_pids(node))

    raw = socket.socket()
    raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    raw.connect(("127.0.0.1", node.port("imap")))
    # about 12 MB of response
    raw.sendall(b'a LOGIN alice@example.test "%s"\r\nb SELECT INBOX\r\n'
                b"c FETCH 1:* (BODY.PEEK[] BODY.PEEK[TEXT] RFC822)\r\n" % PASSWORD.encode())
    time.sleep(1.0)
    # meanwhile another session keeps working
    assert len(imap.fetch("FETCH 1:3 FLAGS")) == 3
    grown = sum(rss_kb(p) for p in node_pids(node)) - before
    assert grown < 48 * 1024, grown

    def gave_up():
        return "Client does not read its output" in open(node.log_path, errors="replace").read()

    # imap_output_stall_timeout is 3s
    h.wait_for(gave_up, timeout=8, message="node did not give up on the stalled client")
    # what the node produced before giving up: its output limit (256K), one
    # batch and the kernel's socket buffers, far from the whole response
    got = b""
    raw.settimeout(10)
    while True:
        chunk = raw.recv(1 << 20)
        if not chunk:
            break
        got += chunk
    raw.close()
    assert got.endswith(b"* BYE Client does not read its output\r\n")
    assert b"c OK" not in got
    assert len(got) < 6 * 1024 * 1024, len(got)
    assert len(imap.fetch("FETCH 1:2 RFC822.SIZE")) == 2
    imap.close()
