"""POP3 sessions with Python's poplib (RFC 1939, CAPA RFC 2449, STLS RFC
2595, AUTH RFC 5034): greeting and CAPA, USER/PASS and AUTH PLAIN/LOGIN
(failures recorded in auth_failures), STAT/LIST/UIDL on an empty and a
filled INBOX, RETR (dot-stuffing, a message larger than the output bound)
and TOP, DELE/RSET, QUIT's UPDATE removing exactly the deleted messages,
STLS and POP3S, and bad input answered with -ERR while the session keeps
serving."""
import base64
import poplib
import secrets
import socket
import time

import pytest

import petrel_harness as h
from conftest import PASSWORD

NODE_LISTENERS = ("smtp", "pop3", "pop3s")
NODE_SETTINGS = {"auth_failure_delay": "0"}


def fresh_account(ctl):
    """A new account, so each test starts with an INBOX of its own."""
    address = f"pop{secrets.token_hex(4)}@example.test"
    ctl.add_account(address)
    return address


def connect(node):
    return poplib.POP3("127.0.0.1", node.port("pop3"), timeout=30)


def login(node, user):
    pop = connect(node)
    pop.user(user)
    pop.pass_(PASSWORD)
    return pop


def deliver(node, rcpt, **kw):
    h.smtp_send(node.port("smtp"), "sender@remote.test", [rcpt], h.make_message(to=rcpt, **kw))


def inbox(pg, address):
    """(uid, size, flags, raw bytes) of the INBOX messages, by UID."""
    rows = pg.sql(
        "SELECT m.uid, m.size, m.flags, c.raw FROM messages m "
        "JOIN message_contents c ON c.id = m.content_id "
        "JOIN mailboxes mb ON mb.account_id = m.account_id AND mb.id = m.mailbox_id "
        "JOIN accounts a ON a.id = m.account_id JOIN domains d ON d.id = a.domain_id "
        "WHERE a.localpart || '@' || d.name = %s AND mb.name = 'INBOX' ORDER BY m.uid",
        (address,))
    return [(uid, size, flags, bytes(raw)) for uid, size, flags, raw in rows]


def uidvalidity(pg, address):
    return pg.value(
        "SELECT mb.uidvalidity FROM mailboxes mb JOIN accounts a ON a.id = mb.account_id "
        "JOIN domains d ON d.id = a.domain_id "
        "WHERE a.localpart || '@' || d.name = %s AND mb.name = 'INBOX'", (address,))


def failures_recorded(pg, username):
    """Whether a failed POP3 login of username is in auth_failures (the
    record is written alongside the answer, so allow it a moment)."""
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        if pg.value("SELECT count(*) FROM auth_failures WHERE username = %s "
                    "AND protocol = 'pop3'", (username,)) >= 1:
            return True
        time.sleep(0.1)
    return False


def expect_err(func, *args):
    with pytest.raises(poplib.error_proto) as e:
        func(*args)
    text = e.value.args[0]
    assert text.startswith(b"-ERR"), text
    return text


class Raw:
    """A POP3 connection at the byte level, for replies poplib hides."""

    def __init__(self, node, port_name="pop3"):
        self.sock = socket.create_connection(("127.0.0.1", node.port(port_name)), timeout=30)
        self.f = self.sock.makefile("rb")
        assert self.f.readline().startswith(b"+OK")

    def cmd(self, line):
        self.sock.sendall(line + b"\r\n")
        return self.f.readline()

    def multiline(self):
        lines = []
        while True:
            line = self.f.readline()
            assert line, "connection closed"
            if line == b".\r\n":
                return lines
            lines.append(line)

    def close(self):
        self.sock.close()


def test_greeting_and_capa(node):
    pop = connect(node)
    assert pop.getwelcome().startswith(b"+OK")
    caps = pop.capa()
    for name in ("USER", "UIDL", "TOP", "PIPELINING", "RESP-CODES", "STLS"):
        assert name in caps, caps
    assert caps["SASL"] == ["PLAIN", "LOGIN"]
    pop.user("user@example.test")
    pop.pass_(PASSWORD)
    caps = pop.capa()
    assert "UIDL" in caps and "TOP" in caps
    assert "USER" not in caps and "STLS" not in caps and "SASL" not in caps
    assert pop.quit().startswith(b"+OK")


def test_user_pass_bad_then_good(node, pg):
    pop = connect(node)
    assert b"USER first" in expect_err(pop.pass_, PASSWORD)
    pop.user("alice@example.test")
    assert b"[AUTH]" in expect_err(pop.pass_, "wrong password")
    assert failures_recorded(pg, "alice@example.test")
    # a failed PASS needs a new USER
    assert b"USER first" in expect_err(pop.pass_, PASSWORD)
    pop.user("alice@example.test")
    assert pop.pass_(PASSWORD).startswith(b"+OK")
    pop.stat()
    pop.quit()


def test_auth_plain_with_initial_response(node):
    pop = connect(node)
    ir = base64.b64encode(b"\0bob@example.test\0" + PASSWORD.encode()).decode()
    assert pop._shortcmd("AUTH PLAIN " + ir).startswith(b"+OK")
    pop.stat()
    pop.quit()


def test_auth_plain_wrong_password_and_login_exchange(node, pg):
    raw = Raw(node)
    bad = base64.b64encode(b"\0bob@example.test\0nope").decode().encode()
    assert raw.cmd(b"AUTH PLAIN " + bad).startswith(b"-ERR [AUTH]")
    assert failures_recorded(pg, "bob@example.test")
    # cancelled exchange, then one that works (LOGIN, challenge by challenge)
    assert raw.cmd(b"AUTH PLAIN") == b"+ \r\n"
    assert raw.cmd(b"*").startswith(b"-ERR Authentication cancelled")
    assert raw.cmd(b"AUTH LOGIN") == b"+ VXNlcm5hbWU6\r\n"
    assert raw.cmd(base64.b64encode(b"bob@example.test")) == b"+ UGFzc3dvcmQ6\r\n"
    assert raw.cmd(base64.b64encode(PASSWORD.encode())).startswith(b"+OK")
    assert raw.cmd(b"STAT").startswith(b"+OK")
    assert raw.cmd(b"AUTH PLAIN").startswith(b"-ERR Already logged in")
    raw.close()


def test_auth_unsupported_mechanism_and_listing(node):
    raw = Raw(node)
    assert raw.cmd(b"AUTH CRAM-MD5").startswith(b"-ERR Unsupported")
    assert raw.cmd(b"AUTH").startswith(b"+OK")
    assert raw.multiline() == [b"PLAIN\r\n", b"LOGIN\r\n"]
    assert raw.cmd(b"NOOP").startswith(b"-ERR Not logged in")
    raw.close()


def test_empty_maildrop(node, ctl):
    address = fresh_account(ctl)
    pop = login(node, address)
    assert pop.stat() == (0, 0)
    resp, listing, _ = pop.list()
    assert resp.startswith(b"+OK") and listing == []
    assert pop.uidl()[1] == []
    assert b"No such message" in expect_err(pop.retr, 1)
    pop.quit()


def test_stat_list_uidl_retr(node, ctl, pg):
    address = fresh_account(ctl)
    deliver(node, address, subject="first")
    deliver(node, address, subject="dots",
            body="a normal line\r\n.starts with a dot\r\n..two dots\r\n.\r\nend\r\n")
    stored = inbox(pg, address)
    assert len(stored) == 2
    uidv = uidvalidity(pg, address)

    pop = login(node, address)
    assert pop.stat() == (2, sum(size for _, size, _, _ in stored))
    _, listing, _ = pop.list()
    assert listing == [b"%d %d" % (i + 1, m[1]) for i, m in enumerate(stored)]
    assert pop.list(2) == b"+OK 2 %d" % stored[1][1]
    _, uidls, _ = pop.uidl()
    assert uidls == [b"%d %d.%d" % (i + 1, uidv, m[0]) for i, m in enumerate(stored)]
    assert pop.uidl(1) == b"+OK 1 %d.%d" % (uidv, stored[0][0])
    for i, (_, size, _, raw) in enumerate(stored):
        resp, lines, _ = pop.retr(i + 1)
        assert resp.startswith(b"+OK %d octets" % size)
        assert b"\r\n".join(lines) + b"\r\n" == raw
    pop.quit()
    # retrieved messages are marked \Seen by QUIT
    assert all(flags & 1 for _, _, flags, _ in inbox(pg, address))


def test_retr_is_dot_stuffed_on_the_wire(node, ctl, pg):
    address = fresh_account(ctl)
    deliver(node, address, body=".hidden\r\nplain\r\n.\r\n")
    raw = Raw(node)
    raw.cmd(b"USER " + address.encode())
    assert raw.cmd(b"PASS " + PASSWORD.encode()).startswith(b"+OK")
    assert raw.cmd(b"RETR 1").startswith(b"+OK")
    lines = raw.multiline()
    assert b"..hidden\r\n" in lines and b"..\r\n" in lines
    assert b".hidden\r\n" not in lines
    raw.close()


def test_retr_of_a_message_above_the_output_bound(node, ctl, pg):
    address = fresh_account(ctl)
    deliver(node, address, size=3 * 1024 * 1024)
    (_, size, _, stored), = inbox(pg, address)
    pop = login(node, address)
    resp, lines, _ = pop.retr(1)
    assert b"\r\n".join(lines) + b"\r\n" == stored
    assert pop.noop().startswith(b"+OK")
    pop.quit()


def test_top(node, ctl, pg):
    address = fresh_account(ctl)
    deliver(node, address, body="line one\r\nline two\r\nline three\r\n")
    (_, _, _, raw), = inbox(pg, address)
    header, body = raw.split(b"\r\n\r\n", 1)
    pop = login(node, address)
    _, lines, _ = pop.top(1, 0)
    assert b"\r\n".join(lines) == header + b"\r\n"
    _, lines, _ = pop.top(1, 2)
    assert lines[-3:] == [b"", b"line one", b"line two"]
    assert b"\r\n".join(lines[:-3]) == header
    _, lines, _ = pop.top(1, 1000)
    assert b"\r\n".join(lines) + b"\r\n" == raw
    pop.quit()
    # TOP does not mark the message \Seen
    assert inbox(pg, address)[0][2] & 1 == 0


def test_dele_and_rset(node, ctl, pg):
    address = fresh_account(ctl)
    for n in range(3):
        deliver(node, address, subject=f"m{n}")
    pop = login(node, address)
    count, octets = pop.stat()
    assert count == 3
    assert pop.dele(2).startswith(b"+OK")
    assert pop.stat()[0] == 2
    assert [l.split()[0] for l in pop.list()[1]] == [b"1", b"3"]
    assert b"deleted" in expect_err(pop.dele, 2)
    assert b"deleted" in expect_err(pop.retr, 2)
    assert b"deleted" in expect_err(pop.list, 2)
    assert pop.rset().startswith(b"+OK")
    assert pop.stat() == (count, octets)
    pop.quit()
    assert len(inbox(pg, address)) == 3


def test_dele_quit_removes_only_deleted(node, ctl, pg):
    address = fresh_account(ctl)
    for n in range(3):
        deliver(node, address, subject=f"m{n}")
    before = inbox(pg, address)
    pop = login(node, address)
    uidls = pop.uidl()[1]
    pop.dele(1)
    pop.dele(3)
    assert pop.quit().startswith(b"+OK")
    after = inbox(pg, address)
    assert [m[0] for m in after] == [before[1][0]]
    assert after[0][2] & 8 == 0     # the kept message is not left \Deleted
    pop = login(node, address)
    assert pop.stat() == (1, before[1][1])
    assert pop.uidl()[1] == [b"1 " + uidls[1].split()[1]]   # UIDL is stable
    pop.quit()


def test_dele_without_quit_changes_nothing(node, ctl, pg):
    address = fresh_account(ctl)
    deliver(node, address)
    pop = login(node, address)
    pop.dele(1)
    pop.sock.close()    # the connection goes away without QUIT
    pop = login(node, address)
    assert pop.stat()[0] == 1
    pop.quit()
    assert len(inbox(pg, address)) == 1


def test_maildrop_is_a_snapshot(node, ctl):
    address = fresh_account(ctl)
    deliver(node, address)
    pop = login(node, address)
    deliver(node, address)
    assert pop.stat()[0] == 1           # message numbers stay fixed
    pop.quit()
    pop = login(node, address)
    assert pop.stat()[0] == 2
    pop.quit()


def test_invalid_message_numbers(node, ctl):
    address = fresh_account(ctl)
    deliver(node, address)
    raw = Raw(node)
    raw.cmd(b"USER " + address.encode())
    assert raw.cmd(b"PASS " + PASSWORD.encode()).startswith(b"+OK")
    assert raw.cmd(b"RETR 2").startswith(b"-ERR No such message")
    assert raw.cmd(b"RETR 0").startswith(b"-ERR Invalid message number")
    assert raw.cmd(b"DELE x").startswith(b"-ERR Invalid message number")
    assert raw.cmd(b"LIST 99999999999").startswith(b"-ERR Invalid message number")
    assert raw.cmd(b"TOP 1").startswith(b"-ERR Missing argument")
    assert raw.cmd(b"TOP 1 -1").startswith(b"-ERR Invalid line count")
    assert raw.cmd(b"RETR").startswith(b"-ERR Missing argument")
    assert raw.cmd(b"STAT").startswith(b"+OK 1 ")
    raw.close()


def test_bad_commands_keep_the_session(node):
    raw = Raw(node)
    assert raw.cmd(b"STAT").startswith(b"-ERR Not logged in")
    assert raw.cmd(b"RETR 1").startswith(b"-ERR Not logged in")
    assert raw.cmd(b"FROBNICATE").startswith(b"-ERR Unknown command")
    assert raw.cmd(b"APOP user 0123456789abcdef").startswith(b"-ERR Unknown command")
    assert raw.cmd(b"NOOP " + b"x" * 300).startswith(b"-ERR Command line too long")
    # longer than the input buffer: discarded up to its end, then answered
    assert raw.cmd(b"USER " + b"y" * 20000).startswith(b"-ERR Command line too long")
    assert raw.cmd(b"USER \x01").startswith(b"-ERR Invalid characters")
    assert raw.cmd(b"UTF8").startswith(b"-ERR UTF8 is not supported")
    raw.cmd(b"USER user@example.test")
    assert raw.cmd(b"PASS " + PASSWORD.encode()).startswith(b"+OK")
    assert raw.cmd(b"USER user@example.test").startswith(b"-ERR Already logged in")
    assert raw.cmd(b"STLS").startswith(b"-ERR Already logged in")
    assert raw.cmd(b"NOOP").startswith(b"+OK")
    assert raw.cmd(b"QUIT").startswith(b"+OK")
    assert raw.f.readline() == b""
    raw.close()


def test_pipelined_commands(node):
    raw = Raw(node)
    raw.sock.sendall(b"USER user@example.test\r\nPASS " + PASSWORD.encode() +
                     b"\r\nSTAT\r\nNOOP\r\nQUIT\r\n")
    replies = [raw.f.readline() for _ in range(5)]
    assert all(r.startswith(b"+OK") for r in replies), replies
    raw.close()


def test_too_many_bad_commands_close_the_session(node):
    raw = Raw(node)
    for _ in range(19):
        assert raw.cmd(b"BOGUS").startswith(b"-ERR")
    assert raw.cmd(b"BOGUS").startswith(b"-ERR")
    assert raw.f.readline().startswith(b"-ERR Too many bad commands")
    assert raw.f.readline() == b""
    raw.close()


def test_stls(node):
    pop = connect(node)
    pop.stls(context=h.unverified_tls_context())
    caps = pop.capa()
    assert "STLS" not in caps and "USER" in caps
    assert b"already" in expect_err(pop._shortcmd, "STLS")
    pop.user("user@example.test")
    pop.pass_(PASSWORD)
    pop.stat()
    pop.quit()


def test_pop3s(node):
    pop = poplib.POP3_SSL("127.0.0.1", node.port("pop3s"), timeout=30,
                          context=h.unverified_tls_context())
    assert "STLS" not in pop.capa()
    ir = base64.b64encode(b"\0user@example.test\0" + PASSWORD.encode()).decode()
    assert pop._shortcmd("AUTH PLAIN " + ir).startswith(b"+OK")
    pop.stat()
    pop.quit()


def test_cleartext_refused_without_tls(node, settings):
    settings.set("auth_cleartext_loopback", "no")
    pop = connect(node)
    caps = pop.capa()
    assert "USER" not in caps and "SASL" not in caps and "STLS" in caps
    assert b"STLS" in expect_err(pop.user, "user@example.test")
    ir = base64.b64encode(b"\0user@example.test\0" + PASSWORD.encode()).decode()
    assert b"[AUTH]" in expect_err(pop._shortcmd, "AUTH PLAIN " + ir)
    pop.stls(context=h.unverified_tls_context())
    pop.user("user@example.test")
    assert pop.pass_(PASSWORD).startswith(b"+OK")
    pop.quit()
