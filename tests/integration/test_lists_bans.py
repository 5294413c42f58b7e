"""
White/black lists (node/smtp-check-lists.c, `petrelctl whitelist|blacklist`)
and brute-force bans (petrel_auth_failure(), `petrelctl ban`), schema/012.

Lists: client IPs and CIDR networks refused at connect, sender addresses,
domains and regexes refused at MAIL (the session keeps serving), white
entries skipping greylisting and black entries; bad CLI input refused with
one clear line. Bans: failed IMAP logins on node 1 ban the address on
every node, for SMTP, POP3 and IMAP (even a login sent before the
greeting); `petrelctl ban list|del` shows and lifts it.

Each test connects from its own 127.0.N.x source address.
"""

import base64
import smtplib
import socket
import time

import pytest

import petrel_harness as h
from conftest import PASSWORD

NODE_LISTENERS = ("smtp", "imap", "pop3")
NODE_SETTINGS = {
    "auth_failure_delay": "0",
    "ban_failures": "3",
    "ban_window": "1h",
    "ban_duration": "1h",
    "greylist_delay": "300",
}


@pytest.fixture(scope="module")
def node2(pg, node, tmp_path_factory):
    n = h.Node(pg, tmp_path_factory.mktemp("node2"), node_id="node2",
               listeners=("smtp", "pop3"), log_level="info")
    try:
        n.start()
        yield n
    finally:
        n.cleanup()


def greeting(port, src, send=None):
    """The first line a server sends to a client from src (send: bytes
    written at once, before the greeting), and the rest until it closes
    or 2 s pass."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=10, source_address=(src, 0))
    try:
        if send:
            sock.sendall(send)
        data = b""
        sock.settimeout(2)
        try:
            while True:
                chunk = sock.recv(4096)
                if not chunk:
                    break
                data += chunk
                if send is None and b"\r\n" in data:
                    break
        except socket.timeout:
            pass
        return data.decode("utf-8", "replace")
    finally:
        sock.close()


def settle():
    """Every worker reloads its copy of the lists on NOTIFY, within
    milliseconds of the change; give it that moment."""
    time.sleep(0.3)


def connect(port, src):
    client = smtplib.SMTP("127.0.0.1", port, local_hostname="client.test", timeout=30,
                          source_address=(src, 0))
    client.ehlo()
    return client


def send(port, src, sender, rcpt="bob@example.test"):
    return h.smtp_send(port, sender, [rcpt], h.make_message(subject="lists"),
                       source_address=(src, 0))


def one_line_error(res, text):
    assert res.returncode != 0 and res.stdout == ""
    assert res.stderr.count("\n") == 1 and res.stderr.startswith("petrelctl: ")
    assert text in res.stderr


def test_ip_and_network_blacklist(node, ctl):
    port = node.port("smtp")
    ctl("blacklist", "add", "127.0.30.5", "--comment", "one host")
    ctl("blacklist", "add", "127.0.31.0/24")
    settle()
    assert greeting(port, "127.0.30.5").startswith(
        "554 5.7.1 Client address 127.0.30.5 is blacklisted")
    assert greeting(port, "127.0.31.200").startswith("554 5.7.1 Client address 127.0.31.200")
    assert greeting(port, "127.0.30.6").startswith("220 ")
    listed = ctl("blacklist", "list", json=True)
    assert {(e["type"], e["value"], e["comment"]) for e in listed} >= {
        ("ip", "127.0.30.5/32", "one host"), ("ip", "127.0.31.0/24", "")}
    ctl("blacklist", "del", "127.0.30.5")
    settle()
    assert greeting(port, "127.0.30.5").startswith("220 ")


def test_sender_address_domain_regex_blacklist(node, ctl):
    ctl("blacklist", "add", "Spammer@Remote.test")
    ctl("blacklist", "add", "@bad.test")
    ctl("blacklist", "add", ".evil.test")
    ctl("blacklist", "add", "/^promo[0-9]+@/")
    settle()
    client = connect(node.port("smtp"), "127.0.33.1")
    try:
        for sender in ("spammer@remote.test", "x@bad.test", "x@mx.evil.test", "Promo42@any.test"):
            code, text = client.mail(sender)
            assert code == 550, sender
            assert text.decode() == f"5.7.1 Sender address <{sender}> is blacklisted"
            client.rset()
        # the session keeps serving: a good sender goes through
        assert client.mail("x@evil.test")[0] == 250
        assert client.rcpt("bob@example.test")[0] == 250
        assert client.data(h.make_message(subject="after refusals"))[0] == 250
    finally:
        client.close()


def test_white_entries_skip_greylisting_and_black(node, ctl, settings):
    settings.set("greylist_enable", "yes")
    port = node.port("smtp")
    with pytest.raises(smtplib.SMTPRecipientsRefused) as err:
        send(port, "127.0.34.1", "grey@remote.test")
    assert err.value.recipients["bob@example.test"][0] == 451
    # a white network skips every check: greylisting and a black sender
    ctl("whitelist", "add", "127.0.35.0/24")
    settle()
    assert send(port, "127.0.35.9", "grey@remote.test").code == 250
    assert send(port, "127.0.35.9", "y@bad.test").code == 250
    # a white sender skips greylisting from anywhere, and wins over its
    # black domain
    ctl("whitelist", "add", "friend@bad.test")
    settle()
    assert send(port, "127.0.36.1", "friend@bad.test").code == 250
    with pytest.raises(smtplib.SMTPSenderRefused):
        send(port, "127.0.36.1", "other@bad.test")
    listed = ctl("whitelist", "list", json=True)
    assert [(e["type"], e["value"]) for e in listed] == [
        ("ip", "127.0.35.0/24"), ("address", "friend@bad.test")]


def test_list_bad_input(ctl):
    one_line_error(ctl("blacklist", "add", "10.0.0.300", check=False),
                   "invalid IP address or CIDR network '10.0.0.300'")
    one_line_error(ctl("whitelist", "add", "10.0.0.0/33", check=False),
                   "invalid IP address or CIDR network")
    one_line_error(ctl("blacklist", "add", "/bad(regex/", check=False), "bad regex /bad(regex/")
    one_line_error(ctl("blacklist", "add", "not a domain!", check=False), "")
    ctl("blacklist", "add", "dup@remote.test")
    one_line_error(ctl("blacklist", "add", "DUP@remote.test", check=False),
                   "is already on the black list")
    one_line_error(ctl("whitelist", "del", "nobody@remote.test", check=False),
                   "is not on the white list")
    assert all(e["value"] != "10.0.0.300" for e in ctl("blacklist", "list", json=True))


def wait_banned(pg, src, timeout=5):
    """The failure is recorded (and the ban set) alongside the reply to the
    client, not before it: wait for the row."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pg.value("SELECT count(*) FROM bans WHERE ip = %s AND expires_at > now()",
                    (src,)) == 1:
            return
        time.sleep(0.05)
    raise AssertionError(f"{src} not banned after {timeout} s")


def wait_greeting(port, src, prefix, timeout=5):
    """A new ban reaches the workers' copy of "is any address banned"
    through NOTIFY, a moment after the row is written: the greeting
    changes within that moment, not necessarily at once."""
    deadline = time.monotonic() + timeout
    while True:
        reply = greeting(port, src)
        if reply.startswith(prefix) or time.monotonic() > deadline:
            return reply
        time.sleep(0.05)


def imap_fail_login(port, src):
    reply = greeting(port, src, send=b"a LOGIN bob@example.test wrong-password\r\n"
                                     b"b LOGOUT\r\n")
    assert "a NO" in reply, reply


def test_failed_imap_logins_ban_on_every_node(pg, node, node2, ctl):
    src = "127.0.40.1"
    for _ in range(2):
        imap_fail_login(node.port("imap"), src)
    assert greeting(node2.port("smtp"), src).startswith("220 ")     # not yet
    imap_fail_login(node.port("imap"), src)
    wait_banned(pg, src)
    # refused everywhere, whatever the protocol
    assert wait_greeting(node2.port("smtp"), src, "554 ").startswith(
        "554 5.7.1 Your address is banned for failed logins")
    assert wait_greeting(node2.port("pop3"), src, "-ERR ").startswith(
        "-ERR Your address is banned")
    assert wait_greeting(node.port("pop3"), src, "-ERR ").startswith(
        "-ERR Your address is banned")
    # a correct login sent before the greeting does not get through
    wait_greeting(node.port("imap"), src, "* BYE ")
    reply = greeting(node.port("imap"), src,
                     send=f"a LOGIN bob@example.test {PASSWORD}\r\n".encode())
    assert reply.startswith("* BYE Your address is banned") and "a OK" not in reply
    # other clients are served
    assert greeting(node2.port("smtp"), "127.0.40.2").startswith("220 ")
    assert greeting(node.port("imap"), "127.0.40.2").startswith("* OK ")

    listed = ctl("ban", "list", json=True)
    assert [b["ip"] for b in listed] == [src]
    assert "3 failed logins" in listed[0]["reason"]
    assert src in ctl("ban", "list").stdout
    ctl("ban", "del", src)
    assert ctl("ban", "list", json=True) == []
    assert greeting(node2.port("smtp"), src).startswith("220 ")
    reply = greeting(node.port("imap"), src,
                     send=f"a LOGIN bob@example.test {PASSWORD}\r\nb LOGOUT\r\n".encode())
    assert "a OK" in reply
    # the failures before the lift do not count again: one more is no ban
    failures = pg.value("SELECT count(*) FROM auth_failures WHERE client_ip = %s", (src,))
    imap_fail_login(node.port("imap"), src)
    deadline = time.monotonic() + 5
    while pg.value("SELECT count(*) FROM auth_failures WHERE client_ip = %s",
                   (src,)) == failures and time.monotonic() < deadline:
        time.sleep(0.05)
    assert pg.value("SELECT count(*) FROM auth_failures WHERE client_ip = %s",
                    (src,)) == failures + 1
    assert greeting(node2.port("pop3"), src).startswith("+OK ")


def test_ban_del_bad_input(ctl):
    one_line_error(ctl("ban", "del", "127.0.41.1", check=False), "127.0.41.1 is not banned")
    one_line_error(ctl("ban", "del", "10.0.0.0/8", check=False), "invalid IP address")
    one_line_error(ctl("ban", "del", "nonsense", check=False), "invalid IP address")


def test_smtp_auth_failures_ban_too(pg, node, ctl):
    src = "127.0.42.1"
    for _ in range(3):
        client = connect(node.port("smtp"), src)
        try:
            plain = base64.b64encode(b"\0bob@example.test\0wrong-password").decode()
            assert client.docmd("AUTH", "PLAIN " + plain)[0] == 535
        finally:
            client.close()
    wait_banned(pg, src)
    assert wait_greeting(node.port("smtp"), src, "554 ").startswith(
        "554 5.7.1 Your address is banned")
    ctl("ban", "del", src)
