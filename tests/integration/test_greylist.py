"""
Greylisting (node/smtp-check-greylist.c, schema/012): a first attempt is
answered 451 on one node and the retry after greylist_delay passes on
another node (the state is in PostgreSQL); a retry too early or after the
retry window is greylisted again; a client network that passed
greylist_auto_whitelist times skips it; ignored sender domains and
domains without greylist_enable skip it; greylisted attempts store and
queue nothing; the clean-up job removes expired records; `petrelctl
greylist list|flush`.

Each test connects from its own 127.0.N.0/24 network (the triplet's
network), so the tests do not see each other's triplets.
"""

import smtplib
import time
import uuid

import pytest

import petrel_harness as h

DELAY = 2
NODE_SETTINGS = {
    "greylist_delay": str(DELAY),
    "greylist_retry_window": "60",
    "greylist_auto_whitelist": "2",
    "greylist_cleanup_interval": "10",
}


@pytest.fixture(scope="module", autouse=True)
def domains(ctl, mail_setup):
    """Greylisting on for example.test only; other.test keeps the server's
    "no"."""
    ctl("settings", "set", "greylist_enable", "yes", "--domain", "example.test")
    ctl("domain", "add", "other.test")
    ctl("account", "add", "carol@other.test", "--password-stdin", input="Pw-carol-1\n")


@pytest.fixture(scope="module")
def node2(pg, node, tmp_path_factory):
    n = h.Node(pg, tmp_path_factory.mktemp("node2"), node_id="node2",
               listeners=("smtp",), log_level="info")
    try:
        n.start()
        yield n
    finally:
        n.cleanup()


def connect(port, src):
    client = smtplib.SMTP("127.0.0.1", port, local_hostname="client.test", timeout=30,
                          source_address=(src, 0))
    client.ehlo()
    return client


def rcpt_reply(port, src, sender, rcpt):
    """(code, text) of RCPT in a fresh session."""
    client = connect(port, src)
    try:
        assert client.mail(sender)[0] == 250
        code, text = client.rcpt(rcpt)
        return code, text.decode()
    finally:
        client.close()


def send(port, src, sender, rcpt, token):
    return h.smtp_send(port, sender, [rcpt], h.make_message(subject=f"grey {token}", token=token),
                       source_address=(src, 0))


def stored(pg, token):
    return pg.value("SELECT count(*) FROM message_contents WHERE position(%s::bytea in raw) > 0",
                    (token.encode(),))


def triplet(pg, network, sender, rcpt):
    rows = pg.sql("SELECT attempts, passes, whitelisted_until IS NOT NULL FROM greylist "
                  "WHERE network = %s::cidr AND sender = %s AND recipient = %s",
                  (network, sender, rcpt))
    return rows[0] if rows else None


def test_first_attempt_451_then_retry_passes_on_other_node(pg, node, node2):
    token = uuid.uuid4().hex
    client = connect(node.port("smtp"), "127.0.1.1")
    try:
        assert client.mail("sender@remote.test")[0] == 250
        code, text = client.rcpt("bob@example.test")
        assert code == 451
        assert text.decode() == (f"4.7.1 <bob@example.test>: Greylisted, try again in "
                                 f"{DELAY} seconds")
        # the greylisted attempt is never stored nor queued, and the
        # session keeps serving
        code, _ = client.docmd("DATA")
        assert code in (503, 554)
        assert client.noop()[0] == 250
        assert client.rset()[0] == 250
    finally:
        client.close()
    assert stored(pg, token) == 0
    assert pg.value("SELECT count(*) FROM queue_messages") == 0
    assert triplet(pg, "127.0.1.0/24", "sender@remote.test", "bob@example.test") == \
        (1, 0, False)
    time.sleep(DELAY + 0.3)
    # the retry comes from another address of the same /24, to the other node
    res = send(node2.port("smtp"), "127.0.1.2", "sender@remote.test", "bob@example.test", token)
    assert res.code == 250
    assert stored(pg, token) == 1
    assert triplet(pg, "127.0.1.0/24", "sender@remote.test", "bob@example.test") == \
        (1, 1, True)
    # whitelisted now: the next message passes at once, on either node
    assert send(node.port("smtp"), "127.0.1.3", "sender@remote.test", "bob@example.test",
                uuid.uuid4().hex).code == 250


def test_retry_too_early_is_greylisted_again(pg, node):
    port = node.port("smtp")
    code, _ = rcpt_reply(port, "127.0.2.1", "early@remote.test", "bob@example.test")
    assert code == 451
    code, text = rcpt_reply(port, "127.0.2.1", "early@remote.test", "bob@example.test")
    assert code == 451
    seconds = int(text.split("try again in ")[1].split()[0])
    assert 0 <= seconds <= DELAY
    assert triplet(pg, "127.0.2.0/24", "early@remote.test", "bob@example.test") == \
        (2, 0, False)


def test_retry_after_window_starts_over(pg, node):
    port = node.port("smtp")
    assert rcpt_reply(port, "127.0.3.1", "late@remote.test", "bob@example.test")[0] == 451
    # the retry window (60 s) is over: as if the first attempt was 2 min ago
    pg.sql("UPDATE greylist SET first_seen = now() - interval '2 minutes' "
           "WHERE network = '127.0.3.0/24'")
    code, text = rcpt_reply(port, "127.0.3.1", "late@remote.test", "bob@example.test")
    assert code == 451 and f"try again in {DELAY} seconds" in text
    assert triplet(pg, "127.0.3.0/24", "late@remote.test", "bob@example.test") == \
        (1, 0, False)
    time.sleep(DELAY + 0.3)
    assert rcpt_reply(port, "127.0.3.1", "late@remote.test", "bob@example.test")[0] == 250


def test_null_sender_is_greylisted_with_empty_sender(pg, node):
    port = node.port("smtp")
    assert rcpt_reply(port, "127.0.4.1", "<>", "alice@example.test")[0] == 451
    assert triplet(pg, "127.0.4.0/24", "", "alice@example.test") == (1, 0, False)


def test_network_auto_whitelisted_after_passes(pg, node, ctl):
    port = node.port("smtp")
    for rcpt in ("alice@example.test", "bob@example.test"):
        assert rcpt_reply(port, "127.0.5.1", "auto@remote.test", rcpt)[0] == 451
    time.sleep(DELAY + 0.3)
    for rcpt in ("alice@example.test", "bob@example.test"):
        assert rcpt_reply(port, "127.0.5.1", "auto@remote.test", rcpt)[0] == 250
    # greylist_auto_whitelist = 2: a new triplet of the network passes at once
    assert rcpt_reply(port, "127.0.5.77", "someone@else.test", "user@example.test")[0] == 250
    assert triplet(pg, "127.0.5.0/24", "someone@else.test", "user@example.test") is None
    listed = ctl("greylist", "list", json=True)
    nets = [e for e in listed if e["network"] == "127.0.5.0/24" and e["sender"] is None]
    assert nets and nets[0]["state"] == "whitelisted" and nets[0]["passes"] == 2
    # another network is still greylisted
    assert rcpt_reply(port, "127.0.6.1", "someone@else.test", "user@example.test")[0] == 451


def test_whitelisted_network_is_remembered_by_the_worker(pg, node):
    """A worker remembers a whitelisted network for a minute: within one
    session (one worker) a later recipient passes without asking
    PostgreSQL, even after the network's row is gone; a new network is
    still asked (and greylisted)."""
    pg.sql("INSERT INTO greylist_networks (network, passes, whitelisted_until, expires_at)"
           " VALUES ('127.0.10.0/24', 5, now() + interval '1 day', now() + interval '1 day')")
    client = connect(node.port("smtp"), "127.0.10.1")
    try:
        assert client.mail("memory@remote.test")[0] == 250
        assert client.rcpt("alice@example.test")[0] == 250
        pg.sql("DELETE FROM greylist_networks WHERE network = '127.0.10.0/24'")
        assert client.rcpt("bob@example.test")[0] == 250
    finally:
        client.close()
    assert triplet(pg, "127.0.10.0/24", "memory@remote.test", "bob@example.test") is None
    assert rcpt_reply(node.port("smtp"), "127.0.11.1", "memory@remote.test",
                      "bob@example.test")[0] == 451


def test_ignored_sender_domains(pg, node, settings):
    settings.set("greylist_ignore_sender_domains", "friend.test, .trusted.test")
    port = node.port("smtp")
    assert rcpt_reply(port, "127.0.7.1", "a@friend.test", "bob@example.test")[0] == 250
    assert rcpt_reply(port, "127.0.7.1", "a@mx.trusted.test", "bob@example.test")[0] == 250
    # ".trusted.test" is for its subdomains only
    assert rcpt_reply(port, "127.0.7.1", "a@trusted.test", "bob@example.test")[0] == 451
    assert pg.value("SELECT count(*) FROM greylist WHERE network = '127.0.7.0/24'") == 1


def test_enable_is_per_recipient_domain(pg, node):
    token = uuid.uuid4().hex
    res = send(node.port("smtp"), "127.0.8.1", "x@remote.test", "carol@other.test", token)
    assert res.code == 250 and stored(pg, token) == 1
    assert pg.value("SELECT count(*) FROM greylist WHERE network = '127.0.8.0/24'") == 0
    assert rcpt_reply(node.port("smtp"), "127.0.8.1", "x@remote.test",
                      "bob@example.test")[0] == 451


def test_cleanup_job_removes_expired_records(pg, node):
    pg.sql("INSERT INTO greylist (network, sender, recipient, expires_at) VALUES "
           "('192.0.2.0/24', 'old@remote.test', 'bob@example.test', now() - interval '1 s'), "
           "('192.0.3.0/24', 'new@remote.test', 'bob@example.test', now() + interval '1 h')")
    pg.sql("INSERT INTO greylist_networks (network, passes, expires_at) VALUES "
           "('192.0.2.0/24', 1, now() - interval '1 s')")
    deadline = time.monotonic() + 25       # greylist_cleanup_interval is 10 s
    while time.monotonic() < deadline:
        if pg.value("SELECT count(*) FROM greylist WHERE network = '192.0.2.0/24'") == 0:
            break
        time.sleep(0.5)
    assert pg.value("SELECT count(*) FROM greylist WHERE network = '192.0.2.0/24'") == 0
    assert pg.value("SELECT count(*) FROM greylist_networks WHERE network = '192.0.2.0/24'") == 0
    assert pg.value("SELECT count(*) FROM greylist WHERE network = '192.0.3.0/24'") == 1
    assert "event=greylist_cleanup removed=" in node.log_text()


def test_ctl_greylist_list_and_flush(pg, node, ctl):
    port = node.port("smtp")
    assert rcpt_reply(port, "127.0.9.1", "ctl@remote.test", "bob@example.test")[0] == 451
    listed = ctl("greylist", "list", json=True)
    mine = [e for e in listed if e["network"] == "127.0.9.0/24"]
    assert len(mine) == 1
    assert mine[0]["sender"] == "ctl@remote.test" and mine[0]["state"] == "greylisted"
    assert mine[0]["attempts"] == 1
    assert "127.0.9.0/24" in ctl("greylist", "list").stdout
    # nothing was last seen an hour ago
    before = pg.value("SELECT count(*) FROM greylist")
    out = ctl("greylist", "flush", "--older", "1h", json=True)
    assert out["ok"] and pg.value("SELECT count(*) FROM greylist") == before
    res = ctl("greylist", "flush", "--older", "soon", check=False)
    assert res.returncode != 0 and res.stdout == ""
    assert len(res.stderr.strip().splitlines()) == 1
    assert res.stderr.startswith("petrelctl: ")
    res = ctl("greylist", "flush")
    assert res.returncode == 0 and "greylist records deleted" in res.stdout
    assert pg.value("SELECT count(*) FROM greylist") == 0
    assert pg.value("SELECT count(*) FROM greylist_networks") == 0
    # flushed: the triplet is new again
    assert rcpt_reply(port, "127.0.9.1", "ctl@remote.test", "bob@example.test")[0] == 451
