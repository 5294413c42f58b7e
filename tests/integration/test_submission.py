"""Mail submission front door: SMTP AUTH (RFC 4954) PLAIN and LOGIN on the
`submission` (STARTTLS) and `smtps` (implicit TLS) listeners and on `smtp`,
the cleartext rule, the sender ownership check, and local delivery after
AUTH. Every error is followed by a command showing the session still
serves."""

import base64
import imaplib
import shutil
import smtplib
import subprocess

import pytest

import petrel_harness as h
from conftest import PASSWORD

NODE_LISTENERS = ("smtp", "submission", "smtps", "lmtp", "imap")
USER = "user@example.test"


def b64(text):
    return base64.b64encode(text.encode()).decode()


def plain(user=USER, password=PASSWORD, authzid=""):
    return b64(f"{authzid}\0{user}\0{password}")


def connect(node, listener="submission", tls=True):
    """An EHLO'd smtplib client; STARTTLS first unless tls is False
    (smtps is always TLS)."""
    ctx = h.unverified_tls_context()
    if listener == "smtps":
        client = smtplib.SMTP_SSL("127.0.0.1", node.port("smtps"), local_hostname="client.test",
                                  timeout=30, context=ctx)
    else:
        client = smtplib.SMTP("127.0.0.1", node.port(listener), local_hostname="client.test",
                              timeout=30)
        if tls:
            client.starttls(context=ctx)
    client.ehlo()
    return client


def assert_serving(client):
    assert client.noop()[0] == 250


def auth_failures(pg, protocol, username):
    return pg.value("SELECT count(*) FROM auth_failures WHERE protocol = %s AND username = %s",
                    (protocol, username))


@pytest.fixture(scope="module")
def aliases(ctl, mail_setup):
    ctl("alias", "add", "me@example.test", USER)
    ctl("alias", "add", "team@example.test", USER, "alice@example.test")


# --------------------------------------------------------------------------- login

def test_ehlo_advertises_auth_over_tls(node):
    client = smtplib.SMTP("127.0.0.1", node.port("submission"), local_hostname="client.test",
                          timeout=30)
    try:
        client.ehlo()
        assert client.has_extn("starttls")
        client.starttls(context=h.unverified_tls_context())
        client.ehlo()
        assert client.esmtp_features.get("auth", "").split() == ["PLAIN", "LOGIN"]
    finally:
        client.close()


def test_auth_plain_submission_starttls_delivers_locally(pg, node):
    msg = h.make_message(subject="submitted", sender=USER)
    client = connect(node)
    try:
        code, text = client.docmd("AUTH", "PLAIN " + plain())
        assert (code, text) == (235, b"2.7.0 Authentication successful")
        assert client.mail(USER)[0] == 250
        assert client.rcpt("alice@example.test")[0] == 250
        code, resp = client.data(msg)
        assert code == 250 and resp.startswith(b"2.0.0"), resp
        client.quit()
    finally:
        client.close()
    assert [r[:2] for r in h.stored_by_token(pg, h.token_of(msg))] == \
        [("alice@example.test", "INBOX")]


def test_auth_login_prompts_on_smtps(pg, node):
    msg = h.make_message(subject="over smtps", sender=USER)
    client = connect(node, "smtps")
    try:
        assert client.esmtp_features.get("auth", "").split() == ["PLAIN", "LOGIN"]
        assert client.docmd("AUTH", "LOGIN") == (334, b"VXNlcm5hbWU6")
        assert client.docmd(b64(USER)) == (334, b"UGFzc3dvcmQ6")
        assert client.docmd(b64(PASSWORD))[0] == 235
        client.sendmail(USER, ["bob@example.test"], msg)
        client.quit()
    finally:
        client.close()
    assert [r[0] for r in h.stored_by_token(pg, h.token_of(msg))] == ["bob@example.test"]


def test_smtplib_login_and_plain_without_initial_response(node):
    client = connect(node, "smtps")
    try:
        assert client.docmd("AUTH", "PLAIN") == (334, b"")
        assert client.docmd(plain())[0] == 235
    finally:
        client.close()
    client = connect(node)
    try:
        assert client.login(USER, PASSWORD)[0] == 235
    finally:
        client.close()


def test_wrong_password_535_recorded(pg, node):
    before = auth_failures(pg, "submission", USER)
    client = connect(node)
    try:
        code, text = client.docmd("AUTH", "PLAIN " + plain(password="wrong-one"))
        assert (code, text) == (535, b"5.7.8 Authentication credentials invalid")
        assert_serving(client)
        assert client.docmd("AUTH", "PLAIN " + plain())[0] == 235
    finally:
        client.close()
    h.wait_for(lambda: auth_failures(pg, "submission", USER) == before + 1,
               message="auth_failures row for the submission login")


def test_wrong_password_on_smtp_recorded_as_smtp(pg, node):
    before = auth_failures(pg, "smtp", "alice@example.test")
    client = connect(node, "smtp")
    try:
        code, _ = client.docmd("AUTH", "PLAIN " + plain("alice@example.test", "nope"))
        assert code == 535
        assert_serving(client)
    finally:
        client.close()
    h.wait_for(lambda: auth_failures(pg, "smtp", "alice@example.test") == before + 1,
               message="auth_failures row for the smtp login")


def test_malformed_base64_501(node):
    client = connect(node)
    try:
        code, text = client.docmd("AUTH", "PLAIN !!not-base64!!")
        assert code == 501 and text.startswith(b"5.5.2"), text
        assert_serving(client)
        assert client.docmd("AUTH", "LOGIN") == (334, b"VXNlcm5hbWU6")
        code, text = client.docmd("%%%")
        assert code == 501 and text.startswith(b"5.5.2"), text
        assert_serving(client)
        # a PLAIN message without its separators is refused the same way
        assert client.docmd("AUTH", "PLAIN " + b64("just-a-name"))[0] == 501
        assert client.docmd("AUTH", "PLAIN " + plain())[0] == 235
    finally:
        client.close()


def test_cancel_501(node):
    client = connect(node)
    try:
        assert client.docmd("AUTH", "LOGIN")[0] == 334
        assert client.docmd("*") == (501, b"5.0.0 Authentication cancelled")
        assert_serving(client)
        assert client.docmd("AUTH", "PLAIN *") == (501, b"5.0.0 Authentication cancelled")
        assert client.docmd("AUTH", "PLAIN")[0] == 334
        assert client.docmd("*")[0] == 501
        assert client.docmd("AUTH", "PLAIN " + plain())[0] == 235
    finally:
        client.close()


def test_auth_command_errors(node):
    client = connect(node)
    try:
        assert client.docmd("AUTH", "CRAM-MD5")[0] == 504
        assert client.docmd("AUTH")[0] == 501
        assert_serving(client)
        assert client.docmd("AUTH", "PLAIN " + plain(authzid="alice@example.test"))[0] == 535
        assert client.docmd("AUTH", "PLAIN " + plain())[0] == 235
        code, text = client.docmd("AUTH", "PLAIN " + plain())
        assert code == 503 and text.startswith(b"5.5.1"), text
        assert_serving(client)
    finally:
        client.close()


def test_auth_during_transaction_503(node):
    client = connect(node, "smtp")
    try:
        assert client.mail("s@remote.test")[0] == 250
        code, _ = client.docmd("AUTH", "PLAIN " + plain())
        assert code == 503
        assert client.rset()[0] == 250
        assert client.docmd("AUTH", "PLAIN " + plain())[0] == 235
    finally:
        client.close()


def test_auth_not_on_lmtp(node):
    client = smtplib.LMTP("127.0.0.1", node.port("lmtp"), local_hostname="client.test")
    try:
        client.ehlo_or_helo_if_needed()
        assert not client.has_extn("auth")
        assert client.docmd("AUTH", "PLAIN " + plain())[0] == 502
        assert_serving(client)
    finally:
        client.close()


def test_cleartext_refused_without_loopback_exception(node, settings):
    settings.set("auth_cleartext_loopback", "no")
    client = connect(node, "smtp", tls=False)
    try:
        assert not client.has_extn("auth")
        code, text = client.docmd("AUTH", "PLAIN " + plain())
        assert (code, text) == (538, b"5.7.11 Encryption required for requested "
                                     b"authentication mechanism")
        assert_serving(client)
        client.starttls(context=h.unverified_tls_context())
        client.ehlo()
        assert client.has_extn("auth")
        assert client.docmd("AUTH", "PLAIN " + plain())[0] == 235
    finally:
        client.close()
    client = connect(node, "submission", tls=False)
    try:
        assert client.docmd("AUTH", "LOGIN")[0] == 538
        assert client.mail(USER)[0] == 530
    finally:
        client.close()


def test_cleartext_loopback_allowed_by_default(node):
    client = connect(node, "smtp", tls=False)
    try:
        assert client.has_extn("auth")
        assert client.docmd("AUTH", "PLAIN " + plain())[0] == 235
    finally:
        client.close()


# --------------------------------------------------------------------------- envelope

def test_mail_before_auth_530(node):
    for listener in ("submission", "smtps"):
        client = connect(node, listener)
        try:
            assert client.mail(USER) == (530, b"5.7.0 Authentication required")
            assert_serving(client)
            assert client.docmd("AUTH", "PLAIN " + plain())[0] == 235
            assert client.mail(USER)[0] == 250
        finally:
            client.close()


def test_inbound_smtp_still_needs_no_auth(node):
    client = connect(node, "smtp", tls=False)
    try:
        assert client.mail("s@remote.test")[0] == 250
    finally:
        client.close()


def test_sender_ownership(node, aliases):
    client = connect(node)
    try:
        assert client.docmd("AUTH", "PLAIN " + plain())[0] == 235
        code, text = client.mail("alice@example.test")
        assert code == 553 and b"5.7.1" in text and b"not owned by user" in text, text
        assert_serving(client)
        assert client.mail("someone@remote.test")[0] == 553
        for sender in (USER, "USER@Example.Test", "me@example.test", "team@example.test", ""):
            assert client.mail(sender)[0] == 250, sender
            assert client.rset()[0] == 250
    finally:
        client.close()


def test_send_as_setting(node, settings):
    settings.set("submission_allow_send_as", "yes", account=USER)
    client = connect(node)
    try:
        assert client.docmd("AUTH", "PLAIN " + plain())[0] == 235
        assert client.mail("alice@example.test")[0] == 250
    finally:
        client.close()
    client = connect(node)
    try:
        # the setting is bob's to have, not everyone's
        assert client.docmd("AUTH", "PLAIN " + plain("bob@example.test"))[0] == 235
        assert client.mail("alice@example.test")[0] == 553
    finally:
        client.close()


def queued(pg, queue_id):
    """(sender, sorted recipients) of a queued message, None when absent."""
    rows = pg.sql("SELECT m.sender, r.recipient FROM queue_messages m "
                  "JOIN queue_recipients r ON r.message_id = m.id WHERE m.queue_id = %s "
                  "ORDER BY r.recipient", (queue_id,))
    if not rows:
        return None
    return rows[0][0], [r[1] for r in rows]


def stored_raw(pg, queue_id):
    return bytes(pg.value("SELECT c.raw FROM inbound_messages i JOIN message_contents c "
                          "ON c.id = i.content_id WHERE i.queue_id = %s", (queue_id,)))


def test_authenticated_relay_queues_remote_and_delivers_local(pg, node):
    client = connect(node)
    try:
        assert client.docmd("AUTH", "PLAIN " + plain())[0] == 235
        msg = h.make_message(subject="relay both", sender=USER)
        code, text = client.docmd("MAIL", f"FROM:<{USER}>")
        assert code == 250
        for rcpt in ("someone@remote.test", "Other@Remote.Test", "alice@example.test",
                     "someone@remote.test"):
            assert client.rcpt(rcpt)[0] == 250, rcpt
        code, text = client.data(msg)
        assert code == 250, text
        qid = h.queue_id_of(text.decode())
    finally:
        client.close()
    # committed before the 250: the queue rows and the local copy are there
    assert queued(pg, qid) == (USER, ["Other@remote.test", "someone@remote.test"])
    assert pg.value("SELECT domain FROM queue_recipients r JOIN queue_messages m "
                    "ON m.id = r.message_id WHERE m.queue_id = %s LIMIT 1", (qid,)) == "remote.test"
    # one stored content, one mailbox copy (alice's); the remote copies are queue rows
    assert [n for _, n in h.tokens_in_db(pg)[h.token_of(msg)]] == [1]


def test_missing_message_id_and_date_added(pg, node):
    client = connect(node)
    try:
        assert client.docmd("AUTH", "PLAIN " + plain())[0] == 235
        bare = b"From: user@example.test\r\nSubject: bare\r\n\r\nno id, no date\r\n"
        client.mail(USER)
        client.rcpt("someone@remote.test")
        code, text = client.data(bare)
        assert code == 250
        raw = stored_raw(pg, h.queue_id_of(text.decode()))
        header = raw.split(b"\r\n\r\n", 1)[0]
        assert header.count(b"\r\nMessage-ID: <") == 1, header
        assert header.count(b"\r\nDate: ") == 1, header
        assert raw.endswith(b"\r\n\r\nno id, no date\r\n")
        # a complete message is left as it is
        full = (b"From: user@example.test\r\nDate: Mon, 23 Nov 2026 10:00:00 +0000\r\n"
                b"Message-ID: <kept@client.test>\r\nSubject: full\r\n\r\nbody\r\n")
        client.mail(USER)
        client.rcpt("someone@remote.test")
        code, text = client.data(full)
        assert code == 250
        raw = stored_raw(pg, h.queue_id_of(text.decode()))
        assert raw.count(b"Message-ID:") == 1 and b"<kept@client.test>" in raw
        assert raw.count(b"\nDate:") == 1
    finally:
        client.close()


def test_inbound_message_gets_no_headers_added(pg, node):
    """Only submission clients get the missing fields; mail from the
    Internet is stored as it came."""
    bare = b"From: x@remote.test\r\nSubject: inbound bare\r\n\r\nbody\r\n"
    res = h.smtp_send(node.port("smtp"), "x@remote.test", ["alice@example.test"], bare)
    assert res.code == 250
    raw = stored_raw(pg, res.queue_id)
    assert b"Message-ID:" not in raw and b"\nDate:" not in raw


def search_rows(pg, content_id):
    return pg.value("SELECT count(*) FROM message_search_all WHERE content_id = %s",
                    (content_id,))


def test_relayed_only_content_gets_search_text_when_a_mailbox_does(pg, node):
    """Content that only passes through the queue is stored without search
    text; the same bytes appended to a mailbox later become searchable."""
    client = connect(node)
    try:
        assert client.docmd("AUTH", "PLAIN " + plain())[0] == 235
        msg = h.make_message(subject="relayed only", sender=USER, body="quetzalword here")
        client.mail(USER)
        client.rcpt("someone@remote.test")
        code, text = client.data(msg)
        assert code == 250
        qid = h.queue_id_of(text.decode())
    finally:
        client.close()
    content = pg.value("SELECT content_id FROM inbound_messages WHERE queue_id = %s", (qid,))
    assert search_rows(pg, content) == 0
    raw = stored_raw(pg, qid)
    imap = imaplib.IMAP4("127.0.0.1", node.port("imap"))
    try:
        imap.login(USER, PASSWORD)
        assert imap.append("INBOX", None, None, raw)[0] == "OK"
        # the same content row, now with its search text
        assert pg.value("SELECT count(*) FROM message_contents WHERE sha256 = "
                        "(SELECT sha256 FROM message_contents WHERE id = %s)", (content,)) == 1
        assert search_rows(pg, content) == 1
        imap.select("INBOX")
        typ, data = imap.uid("SEARCH", "BODY", "quetzalword")
        assert typ == "OK" and len(data[0].split()) == 1, data
        # appended again: still one search row
        assert imap.append("INBOX", None, None, raw)[0] == "OK"
        assert search_rows(pg, content) == 1
    finally:
        imap.logout()


def test_ip_literal_not_relayed(node):
    client = connect(node)
    try:
        assert client.docmd("AUTH", "PLAIN " + plain())[0] == 235
        assert client.mail(USER)[0] == 250
        code, text = client.rcpt("someone@[192.0.2.1]")
        assert code == 550 and b"5.1.2" in text, text
        assert client.rcpt("someone@remote.test")[0] == 250
    finally:
        client.close()


def test_alias_with_remote_target_is_queued(pg, ctl, node):
    ctl("alias", "add", "fwd@example.test", "alice@example.test", "far@remote.test")
    try:
        res = h.smtp_send(node.port("smtp"), "x@elsewhere.test", ["fwd@example.test"],
                          h.make_message(subject="forwarded"))
        assert res.code == 250, res
        assert queued(pg, res.queue_id) == ("x@elsewhere.test", ["far@remote.test"])
    finally:
        ctl("alias", "del", "fwd@example.test")


def test_starttls_forgets_login(node):
    client = connect(node, "smtp", tls=False)
    try:
        assert client.docmd("AUTH", "PLAIN " + plain())[0] == 235
        client.starttls(context=h.unverified_tls_context())
        client.ehlo()
        # authenticated again: the earlier login was dropped with the TLS handshake
        assert client.docmd("AUTH", "PLAIN " + plain())[0] == 235
    finally:
        client.close()


# --------------------------------------------------------------------------- swaks

@pytest.mark.skipif(shutil.which("swaks") is None, reason="swaks not installed")
def test_swaks_submission(pg, node):
    if subprocess.run(["perl", "-MNet::SSLeay", "-e", "1"], capture_output=True).returncode:
        pytest.skip("swaks without TLS support (libnet-ssleay-perl missing)")
    msg = h.make_message(subject="via swaks submission", sender=USER)
    res = subprocess.run(["swaks", "--server", f"127.0.0.1:{node.port('submission')}", "--tls",
                          "--auth", "LOGIN", "--auth-user", USER, "--auth-password", PASSWORD,
                          "--from", USER, "--to", "alice@example.test",
                          "--helo", "client.test", "--data", "-"],
                         input=msg, capture_output=True, timeout=60)
    out = res.stdout.decode(errors="replace")
    assert res.returncode == 0, out + res.stderr.decode(errors="replace")
    assert "<~  235 2.7.0" in out, out
    assert [r[0] for r in h.stored_by_token(pg, h.token_of(msg))] == ["alice@example.test"]
