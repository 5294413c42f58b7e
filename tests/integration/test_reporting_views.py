"""
Reporting views (schema/016_reporting.sql) and docs/reporting.md: after
real SMTP deliveries, a policy refusal and queued remote mail, every view
answers the expected rows, and every SQL example in the documentation runs.
"""
import re
import smtplib
import uuid
from pathlib import Path

import pytest

import petrel_harness as h
from queue_sql import enqueue_committed

DOCS = Path(__file__).resolve().parents[2] / "docs" / "reporting.md"
NODE_LISTENERS = ("smtp",)


@pytest.fixture(scope="module")
def traffic(pg, node, ctl):
    """Three messages from one sender (one to two recipients), a sender
    refused by the blacklist, and two queued remote recipients."""
    port = node.port("smtp")
    sender = f"top-{uuid.uuid4().hex[:6]}@remote.test"
    h.smtp_send(port, sender, ["alice@example.test", "bob@example.test"],
                h.make_message(sender=sender, to="alice@example.test"))
    for _ in range(2):
        h.smtp_send(port, sender, ["alice@example.test"], h.make_message(sender=sender))
    h.smtp_send(port, "other@remote.test", ["user@example.test"], h.make_message())
    ctl("blacklist", "add", "refused@bad.test")
    h.wait_for(lambda: pg.value("SELECT count(*) FROM policy_lists") == 1)
    for _ in range(20):     # the node reloads the lists on NOTIFY
        try:
            h.smtp_send(port, "refused@bad.test", ["user@example.test"], h.make_message())
        except smtplib.SMTPSenderRefused:
            break
    h.wait_for(lambda: pg.value("SELECT count(*) FROM block_log") >= 1,
               message="the refusal is not in block_log")
    enqueue_committed(pg.conninfo, [(f"RPT{uuid.uuid4().hex[:13].upper()}", sender,
                                     ["x@far.test", "y@far.test"])])
    return sender


def rows(pg, sql):
    return pg.sql(sql)


def test_domain_usage_counts_stored_mail(pg, traffic):
    domain, accounts, used, messages = rows(
        pg, "SELECT domain, accounts, used_bytes, messages FROM domain_usage"
            " WHERE domain = 'example.test'")[0]
    assert accounts == 3
    assert messages == 5          # alice 3, bob 1, user 1
    expected = pg.value("SELECT sum(bytes) FROM mailboxes m JOIN accounts a ON a.id = m.account_id")
    assert used == expected > 0


def test_queue_by_state_sums_the_queue(pg, traffic):
    states = dict((s, r) for s, r, _m, _o in rows(pg, "SELECT * FROM queue_by_state"))
    assert sum(states.values()) == 2
    assert set(states) <= {"queued", "delivering", "deferred", "sent", "failed", "expired"}


def test_delivery_outcomes_daily(pg, traffic):
    # finish the queued recipients the way a runner would record them
    pg.sql("UPDATE queue_recipients SET state = 'sent', lease_node = NULL, lease_until = NULL"
           " WHERE recipient = 'x@far.test'")
    pg.sql("UPDATE queue_recipients SET state = 'failed', lease_node = NULL, lease_until = NULL"
           " WHERE recipient = 'y@far.test'")
    day, accepted, recipients, sent, failed, expired = rows(
        pg, "SELECT day, accepted, accepted_recipients, sent, failed, expired"
            " FROM delivery_outcomes_daily WHERE day = current_date")[0]
    assert (accepted, recipients, sent, failed, expired) == (4, 5, 1, 1, 0)


def test_rejects_by_reason(pg, traffic):
    found = rows(pg, "SELECT check_name, last_24h, last_7d FROM rejects_by_reason")
    assert len(found) == 1
    check, last_24h, last_7d = found[0]
    assert check == "lists" and last_24h == last_7d == 1


def test_top_senders_and_recipients(pg, traffic):
    top = rows(pg, "SELECT sender, last_24h, last_7d FROM top_senders ORDER BY last_7d DESC")
    assert top[0] == (traffic, 3, 3)
    assert ("other@remote.test", 1, 1) in top
    recipients = dict((r, n) for r, n, _ in rows(pg, "SELECT * FROM top_recipients"))
    assert recipients == {"alice@example.test": 3, "bob@example.test": 1,
                          "user@example.test": 1}


def test_old_mail_leaves_the_window(pg, traffic):
    pg.sql("UPDATE inbound_messages SET received_at = now() - interval '2 days'"
           " WHERE mail_from = 'other@remote.test'")
    top = dict((s, (d, w)) for s, d, w in rows(pg, "SELECT sender, last_24h, last_7d FROM top_senders"))
    assert top["other@remote.test"] == (0, 1)


def doc_queries():
    blocks = re.findall(r"```sql\n(.*?)```", DOCS.read_text(), re.S)
    queries = []
    for block in blocks:
        no_comments = "\n".join(l for l in block.splitlines() if not l.strip().startswith("--"))
        queries += [q.strip() for q in no_comments.split(";") if q.strip()]
    return queries


def test_docs_examples_run(pg, traffic):
    queries = doc_queries()
    assert len(queries) >= 15
    for query in queries:
        pg.sql(query)      # raises on any SQL error
    # and one of them answers what it promises
    assert any("top_senders" in q for q in queries)
