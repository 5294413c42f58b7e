"""IMAP session basics with Python's imaplib: greeting and CAPABILITY,
LOGIN/AUTHENTICATE (and their refusals), ENABLE, SELECT/EXAMINE of the
standard folders, mailbox CREATE/RENAME/DELETE, IDLE woken by a delivery
through SMTP, and failed logins recorded in PostgreSQL."""
import imaplib
import socket
import ssl
import time

import petrel_harness as h
from conftest import PASSWORD

NODE_LISTENERS = ("smtp", "imap", "imaps")
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


def test_imaps_greeting_and_login(node):
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    imap = imaplib.IMAP4_SSL("127.0.0.1", node.port("imaps"), ssl_context=context)
    assert "AUTH=PLAIN" in imap.capabilities
    assert "STARTTLS" not in imap.capabilities
    assert imap.login("alice@example.test", PASSWORD)[0] == "OK"
    assert imap.select("INBOX")[0] == "OK"
    imap.logout()


def test_starttls_then_login(node):
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    imap = imaplib.IMAP4("127.0.0.1", node.port("imap"))
    assert "STARTTLS" in imap.capabilities
    assert imap.starttls(ssl_context=context)[0] == "OK"
    assert imap.login("bob@example.test", PASSWORD)[0] == "OK"
    imap.logout()


def test_ten_failed_logins_then_a_good_one(node, pg):
    imap = imaplib.IMAP4("127.0.0.1", node.port("imap"))
    before = pg.value("SELECT count(*) FROM auth_failures WHERE username = 'bob@example.test'")
    for _ in range(10):
        typ, data = imap._simple_command("LOGIN", "bob@example.test", "nope")
        assert typ == "NO" and b"AUTHENTICATIONFAILED" in data[0], data
    deadline = time.monotonic() + 5      # recorded asynchronously
    while True:
        after = pg.value("SELECT count(*) FROM auth_failures "
                         "WHERE username = 'bob@example.test'")
        if after - before >= 10 or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert after - before == 10
    assert imap.login("bob@example.test", PASSWORD)[0] == "OK"
    imap.logout()


def test_literal_limits_and_mismatch(node):
    raw = socket.create_connection(("127.0.0.1", node.port("imap")), timeout=10)
    f = raw.makefile("rb")
    f.readline()
    # a synchronizing literal over imap_max_literal_size (64K) is refused
    raw.sendall(b"l1 LOGIN {100000}\r\n")
    assert f.readline().startswith(b"l1 BAD")
    # a non-synchronizing one too; its bytes are then skipped, not parsed
    raw.sendall(b"l2 LOGIN {70000+}\r\n" + b"x" * 70000 + b"\r\nl3 NOOP\r\n")
    assert f.readline().startswith(b"l2 BAD")
    assert f.readline().startswith(b"l3 OK")
    # a literal shorter than announced swallows what follows as its content
    raw.sendall(b"l4 LOGIN {5+}\r\nab\r\nl5 NOOP\r\n")
    raw.sendall(b"\r\nl6 NOOP\r\n")
    lines = [f.readline() for _ in range(3)]
    assert lines[0].startswith(b"l4 BAD"), lines   # "5 NOOP" is no LOGIN argument
    assert lines[1] == b"* BAD Empty command line\r\n", lines
    assert lines[2].startswith(b"l6 OK"), lines
    raw.close()


def test_unterminated_literal_does_not_wedge_the_server(node):
    raw = socket.create_connection(("127.0.0.1", node.port("imap")), timeout=10)
    f = raw.makefile("rb")
    f.readline()
    raw.sendall(b"u1 LOGIN {20}\r\n")
    assert f.readline().startswith(b"+")
    raw.sendall(b"only-part")
    raw.close()             # the server drops the half command with the connection
    imap = login(node, "alice@example.test")
    assert imap.noop()[0] == "OK"
    imap.logout()


def test_master_user_login(node, ctl):
    ctl.add_account("admin@example.test", PASSWORD, "--master")
    ctl.add_account("plain@example.test", PASSWORD)
    imap = imaplib.IMAP4("127.0.0.1", node.port("imap"))
    assert imap.login("alice@example.test*admin@example.test", PASSWORD)[0] == "OK"
    imap.select("INBOX")
    imap.logout()
    for user, password in (("alice@example.test*admin@example.test", "wrong"),
                           ("alice@example.test*plain@example.test", PASSWORD),
                           ("nobody@example.test*admin@example.test", PASSWORD)):
        imap = imaplib.IMAP4("127.0.0.1", node.port("imap"))
        typ, data = imap._simple_command("LOGIN", user, password)
        assert typ == "NO", (user, data)
        imap.logout()


def test_blocked_account_cannot_log_in(node, ctl):
    ctl.add_account("blocked@example.test", PASSWORD)
    ctl("account", "block", "blocked@example.test")
    time.sleep(1.5)      # nodes drop cached logins on the directory NOTIFY
    imap = imaplib.IMAP4("127.0.0.1", node.port("imap"))
    typ, data = imap._simple_command("LOGIN", "blocked@example.test", PASSWORD)
    assert typ == "NO", data
    ctl("account", "unblock", "blocked@example.test")
    time.sleep(1.5)
    assert imap.login("blocked@example.test", PASSWORD)[0] == "OK"
    imap.logout()


def test_logout_after_a_change_still_gets_its_ok(node):
    raw = socket.create_connection(("127.0.0.1", node.port("imap")), timeout=10)
    f = raw.makefile("rb")
    f.readline()
    raw.sendall(b"a LOGIN alice@example.test " + PASSWORD.encode() + b"\r\nb SELECT INBOX\r\n")
    while not f.readline().startswith(b"b OK"):
        pass
    h.smtp_send(node.port("smtp"), "sender@remote.test", ["alice@example.test"],
                h.make_message(subject="arrives before logout", to="alice@example.test"))
    time.sleep(0.5)          # the NOTIFY has marked the mailbox as changed
    raw.sendall(b"c LOGOUT\r\n")
    lines = f.read().split(b"\r\n")
    assert b"* BYE Logging out" in lines and b"c OK Logout completed" in lines, lines
    assert not any(l.endswith(b" EXISTS") for l in lines), lines   # nothing after BYE
    raw.close()


def test_rename_inbox_moves_its_messages(node):
    for i in range(2):
        h.smtp_send(node.port("smtp"), "sender@remote.test", ["user@example.test"],
                    h.make_message(subject=f"before rename {i}", to="user@example.test"))
    imap = login(node, "user@example.test")
    typ, data = imap.status("INBOX", "(MESSAGES)")
    before = int(data[0].split()[-1].rstrip(b")"))
    assert before >= 2
    # RFC 9051 6.3.6: RENAME INBOX moves its messages to the new mailbox and
    # leaves INBOX in place, empty
    assert imap.rename("INBOX", "Old-Inbox")[0] == "OK"
    assert imap.status("INBOX", "(MESSAGES)")[1][0].endswith(b"(MESSAGES 0)")
    assert imap.status("Old-Inbox", "(MESSAGES)")[1][0].endswith(b"(MESSAGES %d)" % before)
    assert imap.select("INBOX")[0] == "OK"
    imap.logout()
