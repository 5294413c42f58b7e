"""Open relay is impossible: an unauthenticated client outside
trusted_networks cannot get mail for other domains accepted, whatever the
address looks like — the %-hack, UUCP '!' paths, quoted local parts with
'@', source routes, trailing dots, IP literals. Each refusal is followed by
a local recipient that is still accepted, and nothing reaches the outbound
queue. Clients in trusted_networks may relay (Postfix mynetworks)."""

import smtplib

import pytest

import petrel_harness as h

NODE_LISTENERS = ("smtp", "submission")

# (RCPT argument as sent, expected code, text expected in the reply)
TRICKS = [
    ("<victim@remote.test>", 554, b"Relay access denied"),
    ("<VICTIM@REMOTE.TEST>", 554, b"Relay access denied"),
    ("<victim@remote.test.>", 554, b"Relay access denied"),
    ("<victim%remote.test@example.test>", 550, b"User unknown"),
    ("<victim%remote.test%example.test@example.test>", 550, b"User unknown"),
    ("<remote.test!victim@example.test>", 550, b"User unknown"),
    ("<remote.test!victim>", 501, b"5.1.3"),
    ('<"victim@remote.test"@example.test>', 550, b"User unknown"),
    ('<"victim@remote.test">', 501, b"5.1.3"),
    ("<@example.test:victim@remote.test>", 554, b"Relay access denied"),
    ("<@example.test,@example.test:victim@remote.test>", 554, b"Relay access denied"),
    ("<victim@remote.test@example.test>", 501, b"5.1.3"),
    ("<victim@[192.0.2.1]>", 554, b"Relay access denied"),
    ("<victim@[127.0.0.1]>", 554, b"Relay access denied"),
    ("<victim@[IPv6:2001:db8::1]>", 554, b"Relay access denied"),
    ("<victim@example.test@remote.test>", 501, b"5.1.3"),
    ("<victim@localhost>", 554, b"Relay access denied"),
    ("<victim>", 501, b"5.1.3"),
]


def open_client(node, listener="smtp"):
    client = smtplib.SMTP("127.0.0.1", node.port(listener), local_hostname="client.test",
                          timeout=30)
    client.ehlo()
    return client


def queue_rows(pg):
    return pg.value("SELECT count(*) FROM queue_recipients")


@pytest.mark.parametrize("rcpt,code,text", TRICKS, ids=[t[0] for t in TRICKS])
def test_relay_trick_refused(pg, node, rcpt, code, text):
    before = queue_rows(pg)
    client = open_client(node)
    try:
        assert client.mail("spammer@remote.test")[0] == 250
        got_code, got_text = client.docmd("RCPT", f"TO:{rcpt}")
        assert (got_code, text in got_text) == (code, True), got_text
        # the session keeps serving: a local recipient is accepted
        assert client.rcpt("alice@example.test")[0] == 250
    finally:
        client.close()
    assert queue_rows(pg) == before


def test_trick_cannot_sneak_into_a_message(pg, node):
    """A transaction mixing a local recipient with tricks delivers locally
    only: the stored envelope has the local recipient alone."""
    before = queue_rows(pg)
    client = open_client(node)
    try:
        client.mail("spammer@remote.test")
        assert client.rcpt("alice@example.test")[0] == 250
        for rcpt, _, _ in TRICKS:
            assert client.docmd("RCPT", f"TO:{rcpt}")[0] >= 500
        code, text = client.data(h.make_message(subject="mixed"))
        assert code == 250
        qid = h.queue_id_of(text.decode())
    finally:
        client.close()
    assert pg.value("SELECT recipients FROM inbound_messages WHERE queue_id = %s",
                    (qid,)) == ["alice@example.test"]
    assert queue_rows(pg) == before


def test_submission_without_auth_cannot_relay(node):
    client = open_client(node, "submission")
    try:
        code, text = client.mail("spammer@remote.test")
        assert code == 530, text
        assert client.noop()[0] == 250
    finally:
        client.close()


def test_trusted_network_may_relay(pg, node, settings):
    settings.set("trusted_networks", "192.0.2.0/24, 127.0.0.0/8")
    res = h.smtp_send(node.port("smtp"), "app@example.test", ["someone@remote.test"],
                      h.make_message(subject="from a trusted host"))
    assert res.code == 250, res
    assert pg.value("SELECT r.recipient FROM queue_recipients r JOIN queue_messages m "
                    "ON m.id = r.message_id WHERE m.queue_id = %s",
                    (res.queue_id,)) == "someone@remote.test"
    # still no %-hack or source routing for trusted clients: those stay local parts
    client = open_client(node)
    try:
        client.mail("app@example.test")
        assert client.rcpt("victim%remote.test@example.test")[0] == 550
    finally:
        client.close()


def test_untrusted_network_may_not(pg, node, settings):
    settings.set("trusted_networks", "192.0.2.0/24, ::1")
    client = open_client(node)
    try:
        client.mail("app@example.test")
        code, text = client.rcpt("someone@remote.test")
        assert code == 554 and b"Relay access denied" in text
    finally:
        client.close()


def test_malformed_trusted_networks_trusts_nobody(node, settings):
    settings.set("trusted_networks", "127.0.0.0/8, not-a-network")
    client = open_client(node)
    try:
        client.mail("app@example.test")
        assert client.rcpt("someone@remote.test")[0] == 554
    finally:
        client.close()
    assert "event=bad_setting name=trusted_networks" in node.log_text()
