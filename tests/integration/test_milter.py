"""The node's milter client (issue 5, Milters) against a real libmilter
filter: tests/tools/test-milter (built with the node). Each verdict and
modification a milter can give, a milter that hangs or closes mid-message
(fail open and fail closed), two milters in order — and after each, the
SMTP session keeps serving."""

import smtplib
import socket
import time

import pytest

import petrel_harness as h

M1_PORT = h.free_port()
M2_PORT = h.free_port()
DEAD_PORT = h.free_port()     # nothing ever listens here
M1 = f"inet:127.0.0.1:{M1_PORT}"
M2 = f"inet:127.0.0.1:{M2_PORT}"

NODE_SETTINGS = {
    "milters": M1,
    "milter_command_timeout": "1s",
    "milter_connect_timeout": "2s",
    "smtp_rule_trace": "yes",
}
SENDER = "sender@remote.test"
RCPT = "user@example.test"


def milter_binary():
    return h.BUILD_DIR / "node" / "test-milter"


def start_test_milter(name, port):
    proc = h._spawn([milter_binary(), "--socket", f"inet:{port}@127.0.0.1", "--name", name],
                    stdout=None, stderr=None)

    def listening():
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    h.wait_for(listening, timeout=10, message=f"test-milter {name} on port {port}")
    return proc


@pytest.fixture(scope="module", autouse=True)
def milters(ctl, mail_setup):
    """Started before the node: its readiness probe is an SMTP session
    that already calls m1."""
    ctl.add_account("milter-reject@example.test")
    procs = [start_test_milter("m1", M1_PORT), start_test_milter("m2", M2_PORT)]
    yield procs
    for p in procs:
        p.kill()
        p.wait()


@pytest.fixture(scope="module", autouse=True)
def settings_loaded(node):
    """Workers accept sessions before their first settings load: wait for
    both so the first test's session knows the milters."""
    h.wait_for(lambda: node.log_path.read_text(errors="replace").count("event=settings_loaded")
               >= 2, timeout=10, message="settings loaded by both workers")


def send(node, subject, session=None, rcpts=(RCPT,)):
    msg = h.make_message(subject=subject, sender=SENDER, to=rcpts[0])
    if session is not None:
        return session.send(SENDER, list(rcpts), msg), h.token_of(msg)
    return h.smtp_send(node.port("smtp"), SENDER, list(rcpts), msg), h.token_of(msg)


def stored(pg, token):
    """(mailbox name, raw bytes) of each stored copy with token."""
    return [(row[1], bytes(pg.value("SELECT raw FROM message_contents WHERE id = %s",
                                    (row[3],))))
            for row in h.stored_by_token(pg, token)]


def header_values(raw, name):
    head = raw.split(b"\r\n\r\n", 1)[0].decode()
    return [line.split(":", 1)[1].strip() for line in head.split("\r\n")
            if line.lower().startswith(name.lower() + ":")]


def assert_serving(session, pg):
    """The same SMTP session still takes mail after whatever happened."""
    res, token = send(None, "still serving", session=session)
    assert res.code == 250, res
    h.wait_for(lambda: stored(pg, token), timeout=10, message="follow-up message stored")


# --------------------------------------------------------------------------- verdicts

def test_accept_adds_headers_and_sees_every_stage(node, milters, pg):
    res, token = send(node, "hello milter")
    assert res.code == 250, res
    (folder, raw), = stored(pg, token)
    assert folder == "INBOX"
    assert header_values(raw, "X-Test-Milter") == ["m1"]
    seen, = header_values(raw, "X-Test-Milter-Seen")
    # CONNECT, HELO, MAIL, RCPT, the client's 9 header fields and the body
    assert seen.startswith("client=[127.0.0.1] helo=client.test from=<sender@remote.test> "
                           "rcpts=1 headers=9 body="), seen
    assert int(seen.rsplit("=", 1)[1]) == len(raw.split(b"\r\n\r\n", 1)[1])


def test_reject_tempfail_replycode_discard_keep_session(node, milters, pg):
    session = h.SmtpSession(node.port("smtp"))
    try:
        res, token = send(node, "please reject-me", session=session)
        assert (res.code, res.text) == (554, "5.7.1 test-milter m1 rejects this message"), res
        res, token2 = send(node, "please tempfail-me", session=session)
        assert res.code == 451 and res.text.startswith("4.7.1"), res
        res, token3 = send(node, "please replycode-me", session=session)
        assert (res.code, res.text) == (451, "4.3.2 test-milter is busy"), res
        res, token4 = send(node, "please discard-me", session=session)
        assert res.code == 250, res
        assert_serving(session, pg)
        for t in (token, token2, token3, token4):
            assert stored(pg, t) == [], f"{t} must not be stored"
        rows = pg.sql("SELECT check_name, reason FROM block_log WHERE reply LIKE %s",
                      ("%test-milter m1 rejects%",))
        assert rows and rows[0][0] == "milter", rows
    finally:
        session.close()


def test_reject_at_rcpt(node, milters, pg):
    with pytest.raises(smtplib.SMTPRecipientsRefused) as e:
        send(node, "rcpt check", rcpts=("milter-reject@example.test",))
    code, text = e.value.recipients["milter-reject@example.test"]
    assert (code, text) == (550, b"5.7.1 test-milter refuses this recipient")
    # in one session: the refused recipient, RSET (the milter gets ABORT),
    # then a whole message the milter sees from MAIL on
    session = h.SmtpSession(node.port("smtp"))
    try:
        with pytest.raises(smtplib.SMTPRecipientsRefused):
            send(node, "refused", session=session, rcpts=("milter-reject@example.test",))
        res, token = send(node, "after the abort", session=session)
        assert res.code == 250, res
        (folder, raw), = stored(pg, token)
        seen, = header_values(raw, "X-Test-Milter-Seen")
        assert "from=<sender@remote.test> rcpts=1 " in seen, seen
    finally:
        session.close()


def test_replace_body_change_and_insert_headers(node, milters, pg):
    res, token = send(node, "replace-body change-subject insert-header spam-score")
    assert res.code == 250, res
    # the token is in the header only now: the body was replaced
    (folder, raw), = stored(pg, token)
    head, body = raw.split(b"\r\n\r\n", 1)
    assert body == b"Body replaced by test-milter\r\n"
    assert header_values(raw, "Subject") == ["changed by milter"]
    assert header_values(raw, "X-Spam-Score") == ["7.5"]
    # inserted as the first field of the client's header, after our Received:
    fields = head.decode().split("\r\n")
    first_client = next(i for i, f in enumerate(fields) if not f.startswith(("Received", "\t")))
    assert fields[first_client] == "X-Test-Milter-First: m1", fields


def test_quarantine_files_into_junk(node, milters, pg):
    res, token = send(node, "quarantine-me")
    assert res.code == 250, res
    (folder, raw), = stored(pg, token)
    assert folder == "Junk"


def test_two_milters_in_order(node, milters, pg, settings):
    settings.set("milters", f"{M1}, {M2}")
    res, token = send(node, "two milters")
    assert res.code == 250, res
    (folder, raw), = stored(pg, token)
    assert header_values(raw, "X-Test-Milter") == ["m1", "m2"]
    seen1, seen2 = header_values(raw, "X-Test-Milter-Seen")
    # m2 ran after m1 and saw the two fields m1 added
    assert "headers=9 " in seen1 and "headers=11 " in seen2, (seen1, seen2)
    # the first one's refusal ends the message: its reply is the answer
    res, token = send(node, "reject-me")
    assert (res.code, res.text) == (554, "5.7.1 test-milter m1 rejects this message")


# --------------------------------------------------------------------------- failures

def test_hang_fails_open(node, milters, pg, settings):
    settings.set("milters", f"{M1} default_action=accept")
    session = h.SmtpSession(node.port("smtp"))
    try:
        started = time.monotonic()
        res, token = send(node, "hang-me", session=session)
        assert res.code == 250, res
        assert 0.9 < time.monotonic() - started < 10
        (folder, raw), = stored(pg, token)
        assert header_values(raw, "X-Test-Milter") == []
        assert_serving(session, pg)
    finally:
        session.close()
    res, token = send(node, "after the hang")     # a new session: a new connection
    (folder, raw), = stored(pg, token)
    assert header_values(raw, "X-Test-Milter") == ["m1"]


@pytest.mark.parametrize("action,code,enhanced", [("tempfail", 451, "4.7.1"),
                                                  ("reject", 554, "5.7.1")])
def test_hang_fails_closed(node, milters, pg, settings, action, code, enhanced):
    settings.set("milters", M1, wait=False)
    settings.set("milter_default_action", action)
    session = h.SmtpSession(node.port("smtp"))
    try:
        res, token = send(node, "hang-me", session=session)
        assert (res.code, res.text.split()[0]) == (code, enhanced), res
        assert stored(pg, token) == []
        assert session.client.noop()[0] == 250
    finally:
        session.close()


def test_client_leaves_while_milter_hangs(node, milters, pg, settings):
    """The session ends while the milter's answer is still due: the answer
    (here the timeout) finds the session gone, and the node goes on."""
    settings.set("milters", M1)     # fail closed (milter_default_action)
    timeouts = node.log_path.read_text(errors="replace").count("command timeout")
    msg = h.make_message(subject="hang-me", sender=SENDER)
    with socket.create_connection(("127.0.0.1", node.port("smtp")), timeout=10) as sock:
        f = sock.makefile("rb")
        f.readline()
        for line in (b"EHLO client.test", b"MAIL FROM:<sender@remote.test>",
                     b"RCPT TO:<user@example.test>", b"DATA"):
            sock.sendall(line + b"\r\n")
            reply = f.readline()
            while reply[3:4] == b"-":
                reply = f.readline()
            assert reply[:1] in (b"2", b"3"), reply
        sock.sendall(msg + b".\r\n")
    h.wait_for(lambda: node.log_path.read_text(errors="replace").count("command timeout")
               > timeouts,
               timeout=10, message="the hung milter timed out")
    res, token = send(node, "after the client left")
    assert res.code == 250, res
    assert header_values(stored(pg, token)[0][1], "X-Test-Milter") == ["m1"]
    assert stored(pg, h.token_of(msg)) == []


def test_close_mid_message(node, milters, pg, settings):
    port = h.free_port()
    proc = start_test_milter("m3", port)
    try:
        settings.set("milters", f"inet:127.0.0.1:{port} default_action=tempfail")
        session = h.SmtpSession(node.port("smtp"))
        try:
            res, token = send(node, "close-me", session=session)
            assert res.code == 451 and res.text.startswith("4.7.1"), res
            assert proc.wait(5) == 0
            assert stored(pg, token) == []
            assert session.client.noop()[0] == 250
            # the milter is gone for this session: fail closed again, now at MAIL
            with pytest.raises(smtplib.SMTPSenderRefused) as e:
                send(node, "once more", session=session)
            assert e.value.smtp_code == 451, e.value
        finally:
            session.close()
    finally:
        proc.kill()
        proc.wait()


def test_unreachable_milter(node, milters, pg, settings):
    settings.set("milters", f"inet:127.0.0.1:{DEAD_PORT} default_action=accept, {M1}")
    res, token = send(node, "past a dead milter")
    assert res.code == 250, res
    (folder, raw), = stored(pg, token)
    assert header_values(raw, "X-Test-Milter") == ["m1"]
    settings.set("milters", f"inet:127.0.0.1:{DEAD_PORT}")     # default: tempfail
    with pytest.raises(smtplib.SMTPException):
        send(node, "dead milter, fail closed")


def test_bad_milters_setting(node, milters, pg, settings):
    settings.set("milters", "tcp:nowhere")
    with pytest.raises(smtplib.SMTPException):
        send(node, "bad setting")
    assert "milter_setting_invalid" in node.log_path.read_text(errors="replace")
    settings.set("milters", M1)
    res, token = send(node, "good setting again")
    assert res.code == 250, res
