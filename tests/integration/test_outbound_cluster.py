"""
Delivery runners of several nodes on one queue: every message delivered
exactly once, claims of a SIGKILLed node taken over after its lease, and a
SIGTERMed node giving back what it had not attempted.
"""

import collections
import re
import signal
import threading
import time
import uuid

import pytest

import mail_peers as mp
import petrel_harness as h
from queue_sql import enqueue_committed as enqueue

HOST = "127.0.0.2"
PORT = mp.free_port_all([HOST])
DOMAINS = [f"d{i}.test" for i in range(4)] + ["kill.test", "drain.test"]
DNS = mp.Dnsmasq(mx=[(d, f"mx.{d}", 10) for d in DOMAINS],
                 a=[(f"mx.{d}", HOST) for d in DOMAINS])


@pytest.fixture(scope="module", autouse=True)
def dns(ctl):
    ctl("settings", "set", "outbound_port", str(PORT))
    ctl("settings", "set", "queue_retry_schedule", "1s")
    DNS.start()
    yield DNS
    DNS.stop()


def start_node(make_node, node_id):
    return make_node(node_id, extra=mp.node_dns_config(DNS), log_level="info")


def messages(domain, count, tag="c"):
    out = []
    for _ in range(count):
        qid = tag.upper() + uuid.uuid4().hex[:15].upper()
        out.append((qid, "sender@remote.test", [f"rcpt@{domain}"],
                    h.make_message(subject="cluster", to=f"rcpt@{domain}", token=qid.lower())))
    return out


def tokens(sink):
    """Queue ids (as tokens) of the messages a sink accepted, with counts."""
    return collections.Counter(
        re.search(rb"X-Petrel-Token: (\w+)", m["data"]).group(1).decode().upper()
        for m in sink.messages)


def states(pg, domain):
    return dict(pg.sql("SELECT state, count(*) FROM queue_recipients WHERE domain = %s "
                       "GROUP BY state", (domain,)))


def test_two_nodes_deliver_each_message_exactly_once(pg, make_node, mail_setup):
    with mp.SmtpSink(HOST, PORT) as sink:
        a = start_node(make_node, "nodeA")
        b = start_node(make_node, "nodeB")
        queued = []
        for i in range(20):                    # 2,000 messages in 20 transactions
            batch = messages(DOMAINS[i % 4], 100)
            enqueue(pg.conninfo, batch)
            queued += [m[0] for m in batch]
        sink.wait_messages(2000, timeout=120)
        mp.wait_queue_state(pg, "sent", 2000, timeout=60)
        time.sleep(1)                          # a duplicate would arrive now
        got = tokens(sink)
        assert sorted(got) == sorted(queued)
        assert [q for q, n in got.items() if n > 1] == []
        holders = a.log_text().count("event=delivered") + b.log_text().count("event=delivered")
        assert holders == 2000
        # both nodes took part
        assert "event=delivered" in a.log_text() and "event=delivered" in b.log_text()
    pg.sql("TRUNCATE queue_recipients, queue_messages")


def test_killed_node_claims_are_taken_over_after_lease(pg, ctl, make_node, mail_setup):
    ctl("settings", "set", "queue_lease_time", "10s")
    killed = threading.Event()

    def data_reply(envelope):
        # node A's DATA hangs until A is killed, and is then refused, so
        # only node B's deliveries count
        if not killed.is_set():
            killed.wait(30)
            return "451 4.3.0 sender went away"
        return None

    try:
        with mp.SmtpSink(HOST, PORT, data_reply=data_reply) as sink:
            a = start_node(make_node, "nodeA")
            batch = messages("kill.test", 5, tag="k")
            enqueue(pg.conninfo, batch)
            h.wait_for(lambda: pg.value("SELECT count(*) FROM queue_recipients WHERE "
                                        "domain = 'kill.test' AND state = 'delivering' "
                                        "AND lease_node LIKE 'nodeA/%%'") == 5, timeout=20)
            a.kill()
            killed.set()
            claimed_at = time.monotonic()
            b = start_node(make_node, "nodeB")
            sink.wait_messages(5, timeout=60)
            mp.wait_queue_state(pg, "sent", 5, timeout=30)
            assert time.monotonic() - claimed_at >= 5, "taken over before the lease ended"
            assert sorted(tokens(sink)) == sorted(m[0] for m in batch)
            assert "event=delivered to=<rcpt@kill.test>" in b.log_text()
            b.stop()
    finally:
        ctl("settings", "unset", "queue_lease_time")
        pg.sql("TRUNCATE queue_recipients, queue_messages")


def test_sigterm_releases_unattempted_claims(pg, ctl, make_node, mail_setup):
    """One connection per worker and one message per connection: on
    SIGTERM the message in flight finishes, the rest go back to 'queued'
    without an attempt counted, and the node exits."""
    for name, value in (("outbound_concurrency", "1"), ("outbound_domain_concurrency", "1"),
                        ("outbound_messages_per_connection", "1")):
        ctl("settings", "set", name, value)
    sending = threading.Event()

    def data_reply(envelope):
        sending.set()
        time.sleep(2)

    try:
        with mp.SmtpSink(HOST, PORT, data_reply=data_reply) as sink:
            node = make_node("nodeD", extra=mp.node_dns_config(DNS), log_level="info",
                             workers=1)
            batch = messages("drain.test", 6, tag="d")
            enqueue(pg.conninfo, batch)
            assert sending.wait(20)
            node.signal(signal.SIGTERM)
            h.wait_for(lambda: not node.running(), timeout=20, message="node did not exit")
            assert len(sink.messages) == 1
            assert states(pg, "drain.test") == {"sent": 1, "queued": 5}
            assert pg.value("SELECT count(*) FROM queue_recipients WHERE domain = 'drain.test'"
                            " AND state = 'queued' AND attempts = 0 AND lease_node IS NULL"
                            " AND next_attempt_at <= now()") == 5
            assert "event=released recipients=5" in node.log_text()
    finally:
        for name in ("outbound_concurrency", "outbound_domain_concurrency",
                     "outbound_messages_per_connection"):
            ctl("settings", "unset", name)
        pg.sql("TRUNCATE queue_recipients, queue_messages")
