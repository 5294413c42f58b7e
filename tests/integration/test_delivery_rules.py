"""
Delivery-time global rules (schema/013_rules.sql, `petrelctl delivery-rule
add|del|list`, applied by node/smtp-check-delivery-rules.c at the end of
DATA for every message with local recipients, over SMTP and LMTP):
conditions on subject, from, to, body, date, size and the milter's spam
score; move files the message into a folder, copy adds a copy in one,
mark_read/flag/keyword mark it, reject refuses it. Bad input: regexes that do not compile and
operators that do not fit the field are refused by petrelctl.
"""

import socket
import time
import uuid

import pytest

import petrel_harness as h

NODE_LISTENERS = ("smtp", "lmtp")
SETTLE_SECONDS = 0.5     # rules reach the workers by NOTIFY


@pytest.fixture
def drules(ctl):
    names = []

    def add(name, *words):
        ctl("delivery-rule", "add", name, *words)
        names.append(name)
        time.sleep(SETTLE_SECONDS)

    yield add
    for name in names:
        ctl("delivery-rule", "del", name, check=False)
    time.sleep(SETTLE_SECONDS)


def send(node, token, subject="hello", body="just text", headers=(), sender="a@remote.test",
         lmtp=False, rcpts=("user@example.test",)):
    """(code, text) of the final reply; refusals at DATA come back too."""
    msg = h.make_message(subject=subject, token=token, body=body, headers=list(headers),
                         sender=sender)
    try:
        res = h.smtp_send(node.port("lmtp" if lmtp else "smtp"), sender, list(rcpts), msg,
                          timeout=15, lmtp=lmtp)
        return res.code, res.text
    except Exception as exc:   # smtplib raises on a refused DATA
        return getattr(exc, "smtp_code", None), str(getattr(exc, "smtp_error", exc))


def folder_of(pg, token):
    rows = h.wait_for(lambda: h.stored_by_token(pg, token), timeout=5)
    return [(r[0], r[1]) for r in rows]


def test_move_by_subject(node, drules, pg):
    drules("invoices", "move", "Junk", "if", "subject", "starts_with", "invoice")
    token = uuid.uuid4().hex
    assert send(node, token, subject="Invoice 2026-11")[0] == 250
    assert folder_of(pg, token) == [("user@example.test", "Junk")]
    other = uuid.uuid4().hex
    assert send(node, other, subject="Meeting")[0] == 250
    assert folder_of(pg, other) == [("user@example.test", "INBOX")]


def test_move_by_spam_score_and_from(node, drules, pg):
    drules("spammy", "move", "Junk", "if", "spam_score", "greater", "5",
           "and", "from", "contains", "@bulk.test")
    token = uuid.uuid4().hex
    assert send(node, token, headers=["X-Spam-Score: 7.5"], sender="x@bulk.test")[0] == 250
    assert folder_of(pg, token) == [("user@example.test", "Junk")]
    low = uuid.uuid4().hex
    assert send(node, low, headers=["X-Spam-Score: 1.0"], sender="x@bulk.test")[0] == 250
    assert folder_of(pg, low) == [("user@example.test", "INBOX")]
    none = uuid.uuid4().hex
    assert send(node, none, sender="x@bulk.test")[0] == 250
    assert folder_of(pg, none) == [("user@example.test", "INBOX")]


def test_reject_by_body_and_block_log(node, drules, pg):
    drules("lottery", "reject", "550 5.7.1 No lotteries here", "if", "body", "matches",
           r"you (have )?won")
    token = uuid.uuid4().hex
    code, text = send(node, token, body="Congratulations, you have WON the lottery!\r\n")
    assert code == 550 and "No lotteries here" in text
    time.sleep(0.3)
    assert h.stored_by_token(pg, token) == []
    h.wait_for(lambda: pg.value("SELECT count(*) FROM block_log WHERE stage = 'complete'"
                                " AND reason = 'delivery rule lottery'") == 1, timeout=5)
    ok = uuid.uuid4().hex
    assert send(node, ok, body="See you at lunch\r\n")[0] == 250


def test_size_and_date(node, drules, pg):
    drules("big-old", "move", "Junk", "if", "size", "greater", "10K",
           "and", "date", "contains", "2025")
    token = uuid.uuid4().hex
    assert send(node, token, body="y" * 20000)[0] == 250
    assert folder_of(pg, token) == [("user@example.test", "Junk")]
    small = uuid.uuid4().hex
    assert send(node, small)[0] == 250
    assert folder_of(pg, small) == [("user@example.test", "INBOX")]


def marks(pg, token):
    """(flags, keywords) of the stored copies of the message with token."""
    h.wait_for(lambda: h.stored_by_token(pg, token), timeout=5)
    return pg.sql("SELECT m.flags, m.keywords FROM messages m"
                  " JOIN message_contents c ON c.id = m.content_id"
                  " WHERE position(%s::bytea in c.raw) > 0", (token.encode(),))


def test_mark_read_flag_keyword(node, drules, pg):
    drules("urgent", "flag", "if", "subject", "contains", "urgent")
    drules("robots", "mark_read", "if", "from", "starts_with", "Sender <noreply@")
    drules("tagged", "keyword", "$Invoice", "if", "subject", "contains", "invoice")
    drules("tagged2", "keyword", "Billing", "if", "subject", "contains", "invoice")
    token = uuid.uuid4().hex
    assert send(node, token, subject="URGENT invoice", sender="noreply@remote.test")[0] == 250
    assert marks(pg, token) == [(0x01 | 0x04, ["$Invoice", "Billing"])]
    keywords = pg.value("SELECT mb.keywords FROM mailboxes mb JOIN accounts a"
                        " ON a.id = mb.account_id WHERE a.localpart = 'user'"
                        " AND mb.name = 'INBOX'")
    assert "$Invoice" in keywords and "Billing" in keywords
    plain = uuid.uuid4().hex
    assert send(node, plain, subject="lunch")[0] == 250
    assert marks(pg, plain) == [(0, [])]


def test_list_json(ctl, drules):
    drules("listed", "keyword", "$Invoice", "priority=3", "if", "to", "not_contains", "boss")
    rows = [r for r in ctl("delivery-rule", "list", json=True) if r["name"] == "listed"]
    assert rows and rows[0]["action"] == "keyword" and rows[0]["argument"] == "$Invoice"
    assert rows[0]["priority"] == 3
    assert rows[0]["conditions"] == [
        {"attribute": "to", "operator": "not_contains", "value": "boss"}]


@pytest.mark.parametrize("words, error", [
    (("move", "Junk", "if", "subject", "matches", "[a-"),
     "rule bad: regex error at offset 3: missing terminating ] for character class"),
    (("move", "Junk", "if", "size", "contains", "1"),
     "rule bad: size is a number: use greater or less"),
    (("move", "Junk", "if", "cc", "contains", "x"),
     "rule bad: unknown field 'cc' (subject, from, to, body, date, size, spam_score)"),
    (("explode",), "rule bad: unknown action 'explode' (move, copy, mark_read, flag, "
     "keyword, reject)"),
    (("move", "Junk", "if", "subject"), "'if' needs ATTRIBUTE OPERATOR VALUE"),
])
def test_bad_rules_refused(node, ctl, pg, words, error):
    res = ctl("delivery-rule", "add", "bad", *words, check=False)
    assert res.returncode != 0
    assert res.stderr.splitlines() == [f"petrelctl: {error}"]
    assert pg.value("SELECT count(*) FROM delivery_rules WHERE name = 'bad'") == 0
    token = uuid.uuid4().hex
    assert send(node, token)[0] == 250


def test_del_unknown(ctl):
    res = ctl("delivery-rule", "del", "nothing-here", check=False)
    assert res.returncode == 1
    assert res.stderr.strip() == "petrelctl: no such rule nothing-here"


def test_copy_keeps_the_inbox_copy(node, drules, pg):
    drules("archive", "copy", "Archive", "if", "subject", "contains", "report")
    token = uuid.uuid4().hex
    assert send(node, token, subject="Weekly report",
                rcpts=("user@example.test", "alice@example.test"))[0] == 250
    assert sorted(folder_of(pg, token)) == [
        ("alice@example.test", "Archive"), ("alice@example.test", "INBOX"),
        ("user@example.test", "Archive"), ("user@example.test", "INBOX")]


def test_move_and_copy_together(node, drules, pg):
    drules("to-junk", "move", "Junk", "if", "subject", "contains", "both-ways")
    drules("and-archive", "copy", "Archive", "if", "subject", "contains", "both-ways")
    token = uuid.uuid4().hex
    assert send(node, token, subject="both-ways")[0] == 250
    assert sorted(folder_of(pg, token)) == [("user@example.test", "Archive"),
                                            ("user@example.test", "Junk")]


def test_missing_folder_keeps_inbox(node, drules, pg):
    drules("nowhere", "move", "No Such Folder", "if", "subject", "contains", "lost-folder")
    token = uuid.uuid4().hex
    assert send(node, token, subject="lost-folder")[0] == 250
    assert folder_of(pg, token) == [("user@example.test", "INBOX")]


def lmtp_exchange(node, msg, rcpts):
    """The final replies of one LMTP transaction, one line per recipient."""
    sock = socket.create_connection(("127.0.0.1", node.port("lmtp")), timeout=15)
    f = sock.makefile("rb")

    def reply():
        while True:
            line = f.readline().decode()
            if line[3:4] != "-":
                return line.strip()
    try:
        assert reply().startswith("220")
        sock.sendall(b"LHLO client.test\r\n")
        assert reply().startswith("250")
        sock.sendall(b"MAIL FROM:<a@remote.test>\r\n")
        assert reply().startswith("250")
        for rcpt in rcpts:
            sock.sendall(f"RCPT TO:<{rcpt}>\r\n".encode())
            assert reply().startswith("250")
        sock.sendall(b"DATA\r\n")
        assert reply().startswith("354")
        sock.sendall(msg + b".\r\n")
        finals = [reply() for _ in rcpts]
        sock.sendall(b"NOOP\r\n")
        assert reply().startswith("250")       # the session still serves
        return finals
    finally:
        sock.close()


def test_rules_apply_to_lmtp(node, drules, pg):
    """Global rules file every delivery, also mail handed over by LMTP, and
    an LMTP refusal answers for each recipient."""
    drules("lmtp-move", "move", "Junk", "if", "subject", "contains", "via-lmtp")
    drules("lmtp-reject", "reject", "550 5.7.1 Not over LMTP either", "if", "subject",
           "contains", "refuse-lmtp")
    token = uuid.uuid4().hex
    assert send(node, token, subject="via-lmtp", lmtp=True)[0] == 250
    assert folder_of(pg, token) == [("user@example.test", "Junk")]
    refused = uuid.uuid4().hex
    finals = lmtp_exchange(node, h.make_message(subject="refuse-lmtp", token=refused),
                           ["user@example.test", "alice@example.test"])
    assert len(finals) == 2 and all(f.startswith("550 5.7.1 Not over LMTP either")
                                    for f in finals), finals
    assert h.stored_by_token(pg, refused) == []


def test_rules_apply_to_whitelisted_senders(node, drules, ctl, pg):
    """A whitelist skips the SMTP checks, not the filing of mail."""
    ctl("whitelist", "add", "friend@remote.test")
    try:
        drules("friend-junk", "move", "Junk", "if", "subject", "contains", "white-filed")
        time.sleep(SETTLE_SECONDS)
        token = uuid.uuid4().hex
        assert send(node, token, subject="white-filed", sender="friend@remote.test")[0] == 250
        assert folder_of(pg, token) == [("user@example.test", "Junk")]
    finally:
        ctl("whitelist", "del", "friend@remote.test")
