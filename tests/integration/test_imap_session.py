"""IMAP session basics with Python's imaplib: greeting and CAPABILITY,
LOGIN/AUTHENTICATE (and their refusals), ENABLE, SELECT/EXAMINE of the
standard folders, mailbox CREATE/RENAME/DELETE, IDLE woken by a delivery
through SMTP, and failed logins recorded in PostgreSQL."""
import imaplib
import socket
import time

import petrel_harness as h
from conftest import PASSWORD

NODE_LISTENERS = ("smtp", "imap")
NODE_SETTINGS = {"auth_failure_delay": "0"}


def login(node, user="user@example.test"):
    imap = imaplib.IMAP4("127.0.0.1", node.port("imap"))
    imap.login(user, PASSWORD)
    return imap


def test_greeting_and_capability(node):
    imap = imaplib.IMAP4("127.0.0.1", node.port("imap"))
    assert "IMAP4REV1" in imap.capabilities
    assert "AUTH=PLAIN" in imap.capabilities   # loopback counts as secure
    typ, data = imap.capability()
    assert typ == "OK"
    imap.logout()


def test_login_and_select_inbox(node):
    imap = login(node)
    assert "IDLE" in imap.capability()[1][0].decode().split()
    typ, data = imap.select("INBOX")
    assert typ == "OK"
    assert imap.untagged_responses.get("UIDVALIDITY")
    typ, data = imap.select("Sent", readonly=True)
    assert typ == "OK"
    imap.logout()


def test_wrong_password_is_refused_and_recorded(node, pg):
    imap = imaplib.IMAP4("127.0.0.1", node.port("imap"))
    try:
        imap.login("alice@example.test", "wrong")
        assert False, "login succeeded"
    except imaplib.IMAP4.error as e:
        assert "AUTHENTICATIONFAILED" in str(e)
    assert pg.value("SELECT count(*) FROM auth_failures WHERE username = "
                    "'alice@example.test' AND protocol = 'imap'") >= 1
    imap.login("alice@example.test", PASSWORD)   # the session keeps serving
    imap.logout()


def test_authenticate_plain(node):
    imap = imaplib.IMAP4("127.0.0.1", node.port("imap"))
    typ, _ = imap.authenticate("PLAIN",
                               lambda _: b"\0bob@example.test\0" + PASSWORD.encode())
    assert typ == "OK"
    imap.logout()


def test_commands_in_the_wrong_state(node):
    raw = socket.create_connection(("127.0.0.1", node.port("imap")))
    f = raw.makefile("rb")
    f.readline()
    raw.sendall(b"a1 SELECT INBOX\r\nA2 FROBNICATE\r\na3 NOOP\r\n")
    assert f.readline().startswith(b"a1 BAD")
    assert f.readline().startswith(b"A2 BAD")
    assert f.readline().startswith(b"a3 OK")
    raw.close()


def test_create_rename_delete(node):
    imap = login(node, "alice@example.test")
    assert imap.create("Projects/2026")[0] == "OK"
    assert imap.create("Projects/2026")[0] == "NO"
    assert imap.rename("Projects", "Work")[0] == "OK"
    assert imap.select("Work/2026")[0] == "OK"
    assert imap.delete("Work")[0] == "NO"          # has children
    assert imap.delete("Work/2026")[0] == "OK"
    assert imap.delete("Work")[0] == "OK"
    assert imap.delete("INBOX")[0] == "NO"
    assert imap.create("Entw&APw-rfe")[0] == "OK"  # modified UTF-7: "Entwürfe"
    assert imap.select("Entw&APw-rfe")[0] == "OK"
    assert imap.create("bad&Jjo")[0] == "NO"        # unterminated UTF-7
    imap.logout()


def test_idle_sees_a_delivery(node):
    imap = login(node, "bob@example.test")
    imap.select("INBOX")
    before = int(imap.untagged_responses["EXISTS"][-1])
    tag = imap._new_tag()
    imap.send(tag + b" IDLE\r\n")
    assert imap.readline().startswith(b"+")
    started = time.monotonic()
    h.smtp_send(node.port("smtp"), "sender@remote.test", ["bob@example.test"],
                h.make_message(subject="idle test"))
    line = imap.readline()
    elapsed = time.monotonic() - started
    assert line.strip() == b"* %d EXISTS" % (before + 1), line
    assert elapsed < 5
    imap.send(b"DONE\r\n")
    while True:
        line = imap.readline()
        if line.startswith(tag):
            assert b"OK" in line
            break
    imap.logout()
