"""
Delivery status notifications (node/outbound-bounce.c, schema/007_dsn.sql,
queue-pg/pgq-dsn.c) against a real PostgreSQL and real nodes.

Queue rows are put in the state a delivery runner would leave them in
through the queue's SQL functions (tests/harness/queue_sql.py), each
message queued, claimed and given its result in one transaction so the
nodes' runners cannot take it first; the DSNs are then read from the
sender's INBOX with imaplib, or from the queue when the sender is remote.
The last test goes end to end: a runner gets a 550 from a real sink.
"""
import email
import imaplib
import itertools
import os
import time

import psycopg2
import pytest

import mail_peers as mp
import petrel_harness as h
import queue_sql as q
from conftest import PASSWORD
from queue_sql import enqueue_committed as enqueue

SINK_HOST = "127.0.0.2"
PORT = mp.free_port_all([SINK_HOST])
DNS = mp.Dnsmasq(mx=[("sink.test", "mx.sink.test", 10)], a=[("mx.sink.test", SINK_HOST)])

NODE_LISTENERS = ("smtp", "imap")
NODE_LOG_LEVEL = "info"
NODE_EXTRA = mp.node_dns_config(DNS)
NODE_SETTINGS = {"outbound_port": str(PORT), "outbound_helo_timeout": "5s",
                 "outbound_command_timeout": "10s"}
HOLDER = "test-runner"
_qids = itertools.count(1)


def new_qid():
    return f"DSNTEST{os.getpid() % 10000:04d}{next(_qids):05d}"


def original(subject):
    return (f"From: Alice <alice@example.test>\r\nTo: bob@remote-a.test\r\n"
            f"Subject: {subject}\r\nMessage-ID: <{subject.replace(' ', '.')}@example.test>\r\n"
            f"\r\nHello.\r\n").encode()


@pytest.fixture(scope="module", autouse=True)
def dns():
    DNS.start()
    yield DNS
    DNS.stop()


def queue_held(db, qid, sender, rcpts, subject="DSN test"):
    """Queue one message and claim its recipients for HOLDER (an hour's
    lease), in one transaction; {recipient: recipient_id}."""
    db.autocommit = False
    try:
        q.enqueue(db, [(qid, sender, rcpts, original(subject))])
        with db.cursor() as cur:
            cur.execute("UPDATE queue_recipients r SET state = 'delivering', lease_node = %s,"
                        " lease_until = now() + interval '1 hour'"
                        " FROM queue_messages m WHERE m.id = r.message_id AND m.queue_id = %s"
                        " RETURNING r.recipient, r.id", (HOLDER, qid))
            ids = dict(cur.fetchall())
        db.commit()
    finally:
        db.autocommit = True
    return ids


def queue_failed(db, messages, text="5.1.1 <x>: Recipient address rejected", code=550,
                 subject="DSN test"):
    """Queue messages [(queue id, sender, rcpts)] whose recipients (all of
    one domain) failed with (code, text)."""
    db.autocommit = False
    try:
        q.enqueue(db, [m + (original(subject),) for m in messages])
        rows = q.claim(db, HOLDER, max_rows=10000, lease=3600)
        assert {r[1] for r in rows} == {m[0] for m in messages}
        assert q.result(db, "failed", HOLDER, [r[0] for r in rows], code, text)
        db.commit()
    finally:
        db.autocommit = True
    return [r[0] for r in rows]


def imap_login(node, user):
    imap = imaplib.IMAP4("127.0.0.1", node.port("imap"))
    imap.login(user, PASSWORD)
    imap.select("INBOX", readonly=True)
    return imap


def dsns_in_inbox(node, qid, user="alice@example.test"):
    """The DSNs in user's INBOX about queue id qid, as (message, raw)."""
    imap = imap_login(node, user)
    try:
        typ, data = imap.uid("SEARCH", None, "HEADER", "Auto-Submitted", "auto-replied")
        assert typ == "OK"
        found = []
        for uid in data[0].split():
            typ, fetched = imap.uid("FETCH", uid, "(BODY.PEEK[])")
            raw = fetched[0][1]
            msg = email.message_from_bytes(raw)
            if msg.get_content_type() == "multipart/report":
                status = msg.get_payload()[1].get_payload()
                if status[0]["X-Petrel-Queue-ID"] == qid:
                    found.append((msg, raw))
        return found
    finally:
        imap.logout()


def wait_dsns(node, qid, count=1, user="alice@example.test", timeout=20):
    h.wait_for(lambda: len(dsns_in_inbox(node, qid, user)) >= count, timeout=timeout,
               message=f"{count} DSN(s) about {qid} in {user}'s INBOX")
    return dsns_in_inbox(node, qid, user)


def recipient_blocks(msg):
    """The per-recipient blocks of the delivery-status part, by address."""
    blocks = msg.get_payload()[1].get_payload()[1:]
    return {b["Final-Recipient"].split(";", 1)[1].strip(): b for b in blocks}


def flags(pg, qid):
    return dict((r, (n, w)) for r, n, w in pg.sql(
        "SELECT r.recipient, r.notified, r.delay_warned FROM queue_recipients r"
        " JOIN queue_messages m ON m.id = r.message_id WHERE m.queue_id = %s", (qid,)))


def test_failure_dsn_to_local_sender(node, db, pg):
    qid = new_qid()
    ids = queue_held(db, qid, "alice@example.test",
                     ["bob@remote-a.test", "carol@remote-a.test"], subject="Lunch plans")
    assert q.result(db, "failed", HOLDER, [ids["bob@remote-a.test"]], 550,
                    "5.1.1 <bob@remote-a.test>: Recipient address rejected")
    [(msg, raw)] = wait_dsns(node, qid)
    assert msg["Subject"] == "Undelivered Mail Returned to Sender"
    assert msg["From"].startswith("Mail Delivery System <MAILER-DAEMON@")
    assert msg["To"] == "<alice@example.test>"
    assert msg["Auto-Submitted"] == "auto-replied"
    assert msg.get_param("report-type") == "delivery-status"
    parts = msg.get_payload()
    assert [p.get_content_type() for p in parts] == [
        "text/plain", "message/delivery-status", "text/rfc822-headers"]
    assert "bob@remote-a.test" in parts[0].get_payload()
    blocks = recipient_blocks(msg)
    assert list(blocks) == ["bob@remote-a.test"]    # carol is still being tried
    bob = blocks["bob@remote-a.test"]
    assert bob["Action"] == "failed"
    assert bob["Status"] == "5.1.1"
    assert bob["Diagnostic-Code"].startswith("smtp; 550 5.1.1 <bob@remote-a.test>:")
    assert parts[1].get_payload()[0]["Reporting-MTA"].startswith("dns; ")
    assert "Subject: Lunch plans" in parts[2].get_payload()
    assert b"\r\n" in raw and b"\n" not in raw.replace(b"\r\n", b"")
    # sent from the null sender, recorded as such
    assert pg.value("SELECT mail_from FROM inbound_messages WHERE protocol = 'dsn'"
                    " AND recipients = '{alice@example.test}' ORDER BY received_at DESC"
                    " LIMIT 1") == ""
    assert flags(pg, qid) == {"bob@remote-a.test": (True, False),
                              "carol@remote-a.test": (False, False)}

    # carol fails later: one more DSN, about carol only; bob is not repeated
    assert q.result(db, "failed", HOLDER, [ids["carol@remote-a.test"]], 554,
                    "554 5.7.1 Relay access denied")
    dsns = wait_dsns(node, qid, 2)
    time.sleep(4)   # two more job runs
    dsns = dsns_in_inbox(node, qid)
    assert len(dsns) == 2
    assert [list(recipient_blocks(m)) for m, _ in dsns] == [
        ["bob@remote-a.test"], ["carol@remote-a.test"]]
    assert recipient_blocks(dsns[1][0])["carol@remote-a.test"]["Status"] == "5.7.1"
    assert "event=dsn_sent kind=failure queue_id=" + qid in node.log_text()
    assert pg.sql("SELECT state, recipients FROM queue_delivery_results_daily"
                  " WHERE domain = 'remote-a.test'") == [("failed", 2)]


def test_expired_gets_4_4_7(node, db, pg):
    qid = new_qid()
    db.autocommit = False
    try:
        q.enqueue(db, [(qid, "alice@example.test", ["dave@remote-b.test"], original("Old news"))],
                  lifetime=0)
        rows = q.claim(db, HOLDER, lease=3600)
        assert q.result(db, "defer", HOLDER, [r[0] for r in rows], 421,
                        "421 4.4.2 Connection timed out") == {rows[0][0]: "expired"}
        db.commit()
    finally:
        db.autocommit = True
    [(msg, _)] = wait_dsns(node, qid)
    assert msg["Subject"] == "Undelivered Mail Returned to Sender"
    dave = recipient_blocks(msg)["dave@remote-b.test"]
    assert (dave["Action"], dave["Status"]) == ("failed", "4.4.7")
    assert dave["Diagnostic-Code"] == "smtp; 421 4.4.2 Connection timed out"
    assert "Subject: Old news" in msg.get_payload()[2].get_payload()
    assert flags(pg, qid) == {"dave@remote-b.test": (True, False)}


def test_delay_warning_once(node, db, pg, settings):
    qid = new_qid()
    ids = queue_held(db, qid, "alice@example.test", ["erin@remote-c.test"],
                     subject="Slow one")
    settings.set("queue_delay_warning", "2s")
    [(msg, _)] = wait_dsns(node, qid)
    assert msg["Subject"] == "Delayed Mail (still being retried)"
    erin = recipient_blocks(msg)["erin@remote-c.test"]
    assert (erin["Action"], erin["Status"]) == ("delayed", "4.0.0")
    assert erin["Will-Retry-Until"]
    assert flags(pg, qid) == {"erin@remote-c.test": (False, True)}
    time.sleep(5)
    assert len(dsns_in_inbox(node, qid)) == 1    # not repeated
    # a later failure still gets its failure DSN
    assert q.result(db, "failed", HOLDER, [ids["erin@remote-c.test"]], 550, "5.2.1 disabled")
    dsns = wait_dsns(node, qid, 2)
    assert recipient_blocks(dsns[1][0])["erin@remote-c.test"]["Action"] == "failed"


def test_null_sender_gets_nothing(node, db, pg, settings):
    before = pg.value("SELECT count(*) FROM inbound_messages WHERE protocol = 'dsn'")
    failed = new_qid()
    queue_failed(db, [(failed, "", ["frank@remote-d.test"])])
    waiting = new_qid()
    queue_held(db, waiting, "", ["gina@remote-d.test"])
    settings.set("queue_delay_warning", "1s")
    h.wait_for(lambda: flags(pg, failed) == {"frank@remote-d.test": (True, False)},
               timeout=15, message="null-sender failure marked")
    h.wait_for(lambda: pg.value("SELECT delay_done FROM queue_messages WHERE queue_id = %s",
                                (waiting,)), timeout=15, message="null-sender delay marked")
    time.sleep(3)
    assert pg.value("SELECT count(*) FROM inbound_messages WHERE protocol = 'dsn'") == before
    assert pg.value("SELECT count(*) FROM queue_messages WHERE sender = ''"
                    " AND queue_id NOT IN (%s, %s)", (failed, waiting)) == 0


def test_remote_sender_dsn_is_queued_with_null_sender(node, db, pg):
    qid = new_qid()
    queue_failed(db, [(qid, "Someone@Remote-E.test", ["hank@remote-f.test"])],
                 subject="From afar")
    h.wait_for(lambda: flags(pg, qid) == {"hank@remote-f.test": (True, False)}, timeout=20,
               message="remote sender's notice done")
    rows = pg.sql("SELECT m.sender, r.recipient, r.domain, convert_from(c.raw, 'UTF8')"
                  " FROM queue_messages m JOIN queue_recipients r ON r.message_id = m.id"
                  " JOIN message_contents c ON c.id = m.content_id"
                  " WHERE m.queue_id <> %s", (qid,))
    assert len(rows) == 1
    sender, rcpt, domain, raw = rows[0]
    assert (sender, rcpt, domain) == ("", "Someone@Remote-E.test", "remote-e.test")
    msg = email.message_from_string(raw)
    assert msg.get_content_type() == "multipart/report"
    assert recipient_blocks(msg)["hank@remote-f.test"]["Status"] == "5.1.1"


def test_hostile_input_and_unknown_sender(node, db, pg):
    """A reply text that tries to add header fields and a huge one stay in
    their fields; an unknown local sender gets no DSN but its rows are
    marked; the job keeps serving the next notice."""
    hostile = new_qid()
    queue_failed(db, [(hostile, "alice@example.test", ["ivy@remote-g.test"])],
                 text="5.1.1 no\r\nBcc: mallory@evil.test\r\n\r\n--x\r\nSubject: pwned "
                      + "A" * 10000)
    ghost = new_qid()
    queue_failed(db, [(ghost, "ghost@example.test", ["jay@remote-g.test"])])
    [(msg, raw)] = wait_dsns(node, hostile)
    assert msg["Bcc"] is None and msg["Subject"] == "Undelivered Mail Returned to Sender"
    assert max(len(line) for line in raw.split(b"\r\n")) <= 998
    ivy = recipient_blocks(msg)["ivy@remote-g.test"]
    assert ivy["Status"] == "5.1.1" and "Bcc: mallory" in ivy["Diagnostic-Code"]
    h.wait_for(lambda: flags(pg, ghost) == {"jay@remote-g.test": (True, False)}, timeout=20,
               message="unknown sender's notice done")
    assert "event=dsn_dropped queue_id=" + ghost in node.log_text()
    after = new_qid()
    queue_failed(db, [(after, "alice@example.test", ["kim@remote-g.test"])])
    wait_dsns(node, after)


def test_two_nodes_send_each_dsn_once(node, db, pg, make_node):
    other = make_node("node2", log_level="info")
    # more than one job batch (50), so both nodes claim at the same time
    qids = [new_qid() for _ in range(150)]
    queue_failed(db, [(qid, "bob@example.test", [f"x{qid.lower()}@remote-h.test"])
                      for qid in qids])
    h.wait_for(lambda: pg.value(
        "SELECT count(*) FROM queue_recipients WHERE notified") >= len(qids), timeout=30,
        message="all notices done")
    time.sleep(3)
    imap = imap_login(node, "bob@example.test")
    try:
        typ, data = imap.uid("SEARCH", None, "HEADER", "Auto-Submitted", "auto-replied")
        uids = data[0].split()
        seen = []
        for uid in uids:
            typ, fetched = imap.uid("FETCH", uid, "(BODY.PEEK[])")
            msg = email.message_from_bytes(fetched[0][1])
            seen.append(msg.get_payload()[1].get_payload()[0]["X-Petrel-Queue-ID"])
    finally:
        imap.logout()
    assert sorted(seen) == sorted(qids)
    logs = node.log_text() + other.log_text()
    assert sum(logs.count("event=dsn_sent kind=failure queue_id=" + qid) for qid in qids) \
        == len(qids)
    assert "event=dsn_sent" in node.log_text() and "event=dsn_sent" in other.log_text()
    other.stop()


def test_lost_lease_rolls_the_dsn_back(pg, db):
    """petrel_queue_notice_done refuses a holder without the lease, so the
    DSN stored in the same transaction is never committed (all in one
    uncommitted transaction, out of the nodes' sight)."""
    qid = new_qid()
    db.autocommit = False
    try:
        q.enqueue(db, [(qid, "alice@example.test", ["lee@remote-i.test"], original("x"))])
        rows = q.claim(db, HOLDER, lease=3600)
        q.result(db, "failed", HOLDER, [r[0] for r in rows], 550, "5.1.1 no")
        with db.cursor() as cur:
            cur.execute("SELECT message_id, recipient_id FROM"
                        " petrel_queue_notice_claim('node-a/dsn', 10, 60, 0)")
            [(mid, rid)] = cur.fetchall()
            cur.execute("SAVEPOINT s")
            with pytest.raises(psycopg2.Error) as err:
                cur.execute("SELECT petrel_queue_notice_done('node-b/dsn', %s, %s, '{}')",
                            (mid, [rid]))
            assert err.value.pgcode == "P0410" and "lease" in str(err.value)
            cur.execute("ROLLBACK TO SAVEPOINT s")
            cur.execute("SELECT petrel_queue_notice_done('node-a/dsn', %s, %s, '{}')",
                        (mid, [rid]))
            cur.execute("SELECT notified FROM queue_recipients WHERE id = %s", (rid,))
            assert cur.fetchone() == (True,)
            # done means done: a second call is refused too
            with pytest.raises(psycopg2.Error):
                cur.execute("SELECT petrel_queue_notice_done('node-a/dsn', %s, %s, '{}')",
                            (mid, [rid]))
    finally:
        db.rollback()
        db.autocommit = True


def test_end_to_end_550_from_a_real_sink(node, db, pg):
    """A runner meets a 550 at RCPT from a real receiving server; the
    sender finds the DSN in her INBOX."""
    sink = mp.SmtpSink(host=SINK_HOST, port=PORT,
                       rcpt_reply=lambda address: "550 5.1.1 No such user here")
    with sink:
        qid = new_qid()
        enqueue(pg.conninfo, [(qid, "alice@example.test", ["nobody@sink.test"],
                          original("Hello sink"))])
        [(msg, _)] = wait_dsns(node, qid, timeout=30)
    block = recipient_blocks(msg)["nobody@sink.test"]
    assert (block["Action"], block["Status"]) == ("failed", "5.1.1")
    assert block["Diagnostic-Code"] == "smtp; 550 5.1.1 No such user here"
    assert "Subject: Hello sink" in msg.get_payload()[2].get_payload()
