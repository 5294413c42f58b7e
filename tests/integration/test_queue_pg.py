"""
The outbound queue's SQL (schema/005_queue.sql) against a real PostgreSQL:
queueing, claims with leases and SKIP LOCKED, per-recipient results, the
retry schedule, expiry, NOTIFY and claim latency with a large queue.

These drive the SQL functions directly with psycopg2 (tests/harness/
queue_sql.py), from several connections standing in for delivery runners
on several nodes. The statements the runner's C code sends are checked in
test_outbound_delivery.py.
"""

import select
import statistics
import threading
import time

import psycopg2
import pytest

from queue_sql import claim, enqueue, result, store_contents


def connect(pg):
    conn = psycopg2.connect(pg.conninfo)
    conn.autocommit = True
    return conn


def row(conn, rid):
    with conn.cursor() as cur:
        cur.execute("SELECT state, attempts, lease_node, last_code, last_error,"
                    " extract(epoch FROM next_attempt_at - now())::float8"
                    " FROM queue_recipients WHERE id = %s", (rid,))
        return cur.fetchone()


def test_queue_rows_and_summary(db):
    enqueue(db, [("Q1", "alice@example.test", ["a@Remote-A.test", "b@remote-a.test"]),
                 ("Q2", "", ["c@remote-b.test"])])
    with db.cursor() as cur:
        cur.execute("SELECT m.queue_id, m.sender, m.size > 0, r.recipient, r.domain, r.state,"
                    " r.attempts, r.next_attempt_at <= now(), m.expires_at > now() + '23h'"
                    " FROM queue_recipients r JOIN queue_messages m ON m.id = r.message_id"
                    " ORDER BY r.id")
        assert cur.fetchall() == [
            ("Q1", "alice@example.test", True, "a@Remote-A.test", "remote-a.test", "queued", 0,
             True, True),
            ("Q1", "alice@example.test", True, "b@remote-a.test", "remote-a.test", "queued", 0,
             True, True),
            ("Q2", "", True, "c@remote-b.test", "remote-b.test", "queued", 0, True, True)]
        # the content is stored once, by reference
        cur.execute("SELECT count(DISTINCT content_id) FROM queue_messages")
        assert cur.fetchone()[0] == 1
        cur.execute("SELECT domain, state, recipients, messages FROM queue_summary"
                    " ORDER BY domain")
        assert cur.fetchall() == [("remote-a.test", "queued", 2, 1),
                                  ("remote-b.test", "queued", 1, 1)]


def test_bad_recipient_and_missing_content_refused(db):
    with pytest.raises(psycopg2.Error):
        enqueue(db, [("QX", "a@example.test", ["no-domain"])])
    with db.cursor() as cur:
        with pytest.raises(psycopg2.Error):
            cur.execute("SELECT petrel_queue_add('n', 60, '{QY}', '{\"\"}', %s, '{1}',"
                        " '{x@remote.test}')", ([psycopg2.Binary(b"\0" * 32)],))
        cur.execute("SELECT count(*) FROM queue_recipients")
        assert cur.fetchone()[0] == 0


def test_batch_is_one_domain_oldest_first(db):
    # separate transactions: remote-b's message is the oldest
    enqueue(db, [("B1", "s@example.test", ["x@remote-b.test"])])
    enqueue(db, [("A1", "s@example.test", ["a1@remote-a.test", "x2@remote-b.test"]),
                 ("A2", "s@example.test", ["a2@remote-a.test"])])
    enqueue(db, [("B2", "s@example.test", ["y@remote-b.test", "z@remote-b.test"])])
    batch = claim(db, "node1/1")
    assert {r[4] for r in batch} == {"remote-b.test"}
    assert [(r[1], r[3]) for r in batch] == [
        ("B1", "x@remote-b.test"), ("A1", "x2@remote-b.test"),
        ("B2", "y@remote-b.test"), ("B2", "z@remote-b.test")]
    assert all(r[7] == 0 and r[6] > 0 for r in batch)
    assert row(db, batch[0][0])[:3] == ("delivering", 0, "node1/1")
    batch2 = claim(db, "node1/1", max_rows=1)
    assert [(r[1], r[3]) for r in batch2] == [("A1", "a1@remote-a.test")]
    assert [(r[1], r[3]) for r in claim(db, "node1/1")] == [("A2", "a2@remote-a.test")]
    assert claim(db, "node1/1") == []


def test_concurrent_claims_are_disjoint(pg, db):
    enqueue(db, [(f"M{i}", "s@example.test", [f"r{i}-{j}@d{(i + j) % 7}.test" for j in range(3)])
                 for i in range(300)])
    # two open transactions at the same time: SKIP LOCKED keeps them apart
    c1, c2 = psycopg2.connect(pg.conninfo), psycopg2.connect(pg.conninfo)
    try:
        b1, b2 = claim(c1, "node1/1", 20), claim(c2, "node2/1", 20)
        assert b1 and b2
        assert len({r[4] for r in b1}) == 1 and len({r[4] for r in b2}) == 1
        assert not {r[0] for r in b1} & {r[0] for r in b2}
        c1.commit()
        c2.commit()
    finally:
        c1.close()
        c2.close()
    # then two runners drain the queue as fast as they can
    seen = {"node1/1": [], "node2/1": []}

    def runner(holder):
        conn = connect(pg)
        try:
            while True:
                batch = claim(conn, holder, 25)
                if not batch:
                    return
                assert len({r[4] for r in batch}) == 1
                seen[holder] += [r[0] for r in batch]
                assert len(result(conn, "sent", holder, [r[0] for r in batch], 250, "ok")) \
                    == len(batch)
        finally:
            conn.close()

    threads = [threading.Thread(target=runner, args=(h,)) for h in seen]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    ids = seen["node1/1"] + seen["node2/1"]
    assert len(ids) == len(set(ids)) == 900 - len(b1) - len(b2)
    assert seen["node1/1"] and seen["node2/1"]
    with db.cursor() as cur:
        cur.execute("SELECT state, count(*) FROM queue_recipients GROUP BY state ORDER BY 1")
        assert cur.fetchall() == [("delivering", len(b1) + len(b2)), ("sent", len(ids))]


def test_lease_expiry_takeover_and_late_result_refused(db):
    enqueue(db, [("L1", "s@example.test", ["a@remote.test", "b@remote.test"])])
    first = claim(db, "node1/1", lease=1)
    ids = [r[0] for r in first]
    assert len(ids) == 2
    assert claim(db, "node2/1") == []          # still leased
    assert result(db, "sent", "node2/1", ids, 250, "ok") == {}   # not the holder
    time.sleep(1.2)
    # the lease is over: the holder may not report any more, another may claim
    assert result(db, "sent", "node1/1", ids[:1], 250, "ok") == {}
    second = claim(db, "node2/1")
    assert sorted(r[0] for r in second) == sorted(ids)
    assert row(db, ids[0])[:3] == ("delivering", 0, "node2/1")
    # the slow first holder reports late: refused, nothing changes
    assert result(db, "sent", "node1/1", ids, 250, "ok") == {}
    assert result(db, "failed", "node1/1", ids, 550, "no") == {}
    assert result(db, "defer", "node1/1", ids, 451, "later") == {}
    assert row(db, ids[0])[:3] == ("delivering", 0, "node2/1")
    assert result(db, "sent", "node2/1", ids, 250, "2.0.0 ok") == {i: "sent" for i in ids}
    assert row(db, ids[0])[:4] == ("sent", 1, None, 250)
    # a result is recorded once
    assert result(db, "sent", "node2/1", ids, 250, "ok") == {}


def test_failed_is_final(db):
    enqueue(db, [("F1", "s@example.test", ["a@remote.test"])])
    rid = claim(db, "n/1")[0][0]
    assert result(db, "failed", "n/1", [rid], 550, "5.1.1 no such user") == {rid: "failed"}
    assert row(db, rid)[:5] == ("failed", 1, None, 550, "5.1.1 no such user")
    with db.cursor() as cur:
        cur.execute("SELECT petrel_queue_retry(NULL)")
        assert cur.fetchone()[0] == 0
    assert claim(db, "n/1") == []


def test_defer_follows_schedule(db):
    enqueue(db, [("D1", "s@example.test", ["a@remote.test"])])
    steps = []
    for _ in range(4):
        batch = claim(db, "n/1")
        assert len(batch) == 1
        rid = batch[0][0]
        assert result(db, "defer", "n/1", [rid], 421, "4.7.0 try later") == {rid: "deferred"}
        state, attempts, lease, code, error, wait = row(db, rid)
        assert (state, lease, code, error) == ("deferred", None, 421, "4.7.0 try later")
        steps.append((attempts, round(wait)))
        assert claim(db, "n/1") == []          # not due yet
        with db.cursor() as cur:               # operator: retry now
            cur.execute("SELECT petrel_queue_retry(ARRAY['D1'])")
            assert cur.fetchone()[0] == 1
    # the n-th attempt waits the schedule's n-th step (60, 120, 300); the last repeats
    assert steps == [(1, 60), (2, 120), (3, 300), (4, 300)]


def test_defer_needs_a_schedule(db):
    enqueue(db, [("S1", "s@example.test", ["a@remote.test"])])
    rid = claim(db, "n/1")[0][0]
    for bad in ([], [60, 0], [None]):
        with pytest.raises(psycopg2.Error, match="retry schedule"):
            result(db, "defer", "n/1", [rid], 451, "x", schedule=bad or "{}")
    assert row(db, rid)[0] == "delivering"


def test_expiry(db):
    enqueue(db, [("E1", "s@example.test", ["a@remote.test"])], lifetime=1)
    enqueue(db, [("E2", "s@example.test", ["b@other.test"])], lifetime=100)
    a = claim(db, "n/1")[0][0]
    b = claim(db, "n/1")[0][0]
    # a deferral never waits past the message's expiry
    assert result(db, "defer", "n/1", [b], 451, "later", schedule=[3600]) == {b: "deferred"}
    assert 95 <= row(db, b)[5] <= 100
    time.sleep(1.2)
    assert result(db, "defer", "n/1", [a], 451, "still later") == {a: "expired"}
    assert row(db, a)[:5] == ("expired", 1, None, 451, "still later")
    assert claim(db, "n/1") == []


def test_notify_when_due(pg, db):
    listener = connect(pg)
    try:
        with listener.cursor() as cur:
            cur.execute("LISTEN petrel_queue")
        enqueue(db, [("N1", "s@example.test", ["a@remote-a.test", "b@remote-b.test",
                                               "c@remote-a.test"])])
        assert sorted(wait_notifies(listener)) == ["remote-a.test", "remote-b.test"]
        # claims and deferrals make nothing due now: no NOTIFY
        ids = [r[0] for r in claim(db, "n/1") + claim(db, "n/1")]
        assert len(ids) == 3
        assert len(result(db, "defer", "n/1", ids, 451, "later")) == 3
        assert wait_notifies(listener, timeout=0.5) == []
        # an operator retry does
        with db.cursor() as cur:
            cur.execute("SELECT petrel_queue_retry(ARRAY['N1'])")
        assert sorted(wait_notifies(listener)) == ["remote-a.test", "remote-b.test"]
    finally:
        listener.close()


def wait_notifies(conn, timeout=3.0):
    """Payloads of the notifications that arrive within timeout (after the first)."""
    deadline = time.monotonic() + timeout
    while not conn.notifies and time.monotonic() < deadline:
        select.select([conn], [], [], max(0.0, deadline - time.monotonic()))
        conn.poll()
    time.sleep(0.1)
    conn.poll()
    payloads = [n.payload for n in conn.notifies]
    conn.notifies.clear()
    return payloads


def fill_queue(conn, count, start, domains):
    """count recipients (one message each) over domains, in one statement."""
    with conn.cursor() as cur:
        sha = store_contents(cur, [b"Subject: bulk\r\n\r\nbody\r\n"])[0]
        cur.execute(
            "SELECT petrel_queue_add('bulk', 86400,"
            " ARRAY(SELECT 'BULK' || g FROM generate_series(%(s)s, %(e)s) g),"
            " array_fill(''::text, ARRAY[%(n)s]), array_fill(%(sha)s::bytea, ARRAY[%(n)s]),"
            " ARRAY(SELECT g FROM generate_series(1, %(n)s) g),"
            " ARRAY(SELECT 'r' || g || '@d' || (g %% %(d)s) || '.test'"
            "        FROM generate_series(%(s)s, %(e)s) g))",
            dict(s=start, e=start + count - 1, n=count, sha=psycopg2.Binary(sha), d=domains))


def claim_latency(conn, rounds=15):
    """Median and worst time (ms) of claiming and committing a 50-row batch."""
    times = []
    for _ in range(rounds):
        t = time.perf_counter()
        assert len(claim(conn, "bench/1", 50)) > 0
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times), max(times)


def test_claim_latency_flat_with_100k_waiting(pg, db):
    conn = connect(pg)       # one long-lived connection, as a runner's pool has
    try:
        fill_queue(db, 1000, 1, 20)
        small = claim_latency(conn)
        fill_queue(db, 100000, 1001, 500)
        with db.cursor() as cur:
            cur.execute("SELECT count(*) FROM queue_recipients WHERE state = 'queued'")
            waiting = cur.fetchone()[0]
        assert waiting > 100000
        large = claim_latency(conn)
        with db.cursor() as cur:
            cur.execute("ANALYZE queue_recipients")
        analyzed = claim_latency(conn)
    finally:
        conn.close()
    print(f"\nclaim of 50 (median / worst ms): ~1,000 waiting {small[0]:.2f} / {small[1]:.2f};"
          f" {waiting} waiting {large[0]:.2f} / {large[1]:.2f};"
          f" after ANALYZE {analyzed[0]:.2f} / {analyzed[1]:.2f}")
    # flat: a scan of the waiting rows would take far longer at 100k
    for median, _worst in (large, analyzed):
        assert median < max(5 * small[0], 10.0)


