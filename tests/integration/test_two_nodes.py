"""Two nodes on one database receiving concurrently: every acknowledged
message is stored exactly once, nothing is lost or duplicated, UIDs stay
unique and dense."""

import secrets
import threading
import time

import petrel_harness as h

THREADS_PER_NODE = 10
MESSAGES_PER_THREAD = 50
ACCOUNTS = ("user@example.test", "alice@example.test", "bob@example.test")


def test_two_nodes_concurrent_delivery(pg, ctl, mail_setup, make_node):
    nodes = [make_node("node1", log_level="info"), make_node("node2", log_level="info")]
    run = secrets.token_hex(4)
    acked = {}            # token -> (queue_id, rcpts, node_id)
    failures = []
    lock = threading.Lock()
    deadline = time.monotonic() + 300

    def sender(node, tid):
        session = h.SmtpSession(node.port("smtp"), timeout=30)
        try:
            for i in range(MESSAGES_PER_THREAD):
                if time.monotonic() > deadline:
                    with lock:
                        failures.append((node.node_id, tid, i, "deadline"))
                    return
                token = f"{run}-{node.node_id}-{tid}-{i}"
                rcpts = [ACCOUNTS[(tid + i) % 3]]
                if i % 5 == 0:
                    rcpts.append(ACCOUNTS[(tid + i + 1) % 3])
                msg = h.make_message(token=token, size=2048, to=rcpts[0])
                try:
                    res = session.send("load@remote.test", rcpts, msg)
                except Exception as exc:  # noqa: BLE001 - collected and asserted below
                    with lock:
                        failures.append((token, repr(exc)))
                    continue
                with lock:
                    if res.code == 250:
                        acked[token] = (res.queue_id, rcpts, node.node_id)
                    else:
                        failures.append((token, str(res)))
        finally:
            session.close()

    threads = [threading.Thread(target=sender, args=(n, t), daemon=True)
               for n in nodes for t in range(THREADS_PER_NODE)]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=max(deadline - time.monotonic(), 1) + 30)
    elapsed = time.monotonic() - started
    assert not any(t.is_alive() for t in threads), "senders did not finish"
    total = len(nodes) * THREADS_PER_NODE * MESSAGES_PER_THREAD
    assert not failures, f"{len(failures)} failures, first: {failures[:5]}"
    assert len(acked) == total
    print(f"{total} messages through two nodes in {elapsed:.1f}s ({total / elapsed:.0f}/s)")

    # every acknowledged message stored exactly once, one row per recipient
    stored = h.tokens_in_db(pg)
    problems = []
    for token, (qid, rcpts, _node) in acked.items():
        rows = stored.get(token, [])
        if len(rows) != 1:
            problems.append(f"{token}: {len(rows)} content rows")
        elif rows[0][1] != len(rcpts):
            problems.append(f"{token}: {rows[0][1]} message rows for {len(rcpts)} recipients")
    extra = set(stored) - set(acked)
    assert not problems, f"{len(problems)} problems, first: {problems[:10]}"
    assert not extra, f"stored without acknowledgement: {sorted(extra)[:10]}"

    # queue ids unique, one inbound row each, both nodes took part
    qids = [v[0] for v in acked.values()]
    assert all(qids) and len(set(qids)) == len(qids), "queue ids must be unique"
    rows = pg.sql("SELECT node_id, count(*) FROM inbound_messages WHERE queue_id = ANY(%s)"
                  " GROUP BY node_id ORDER BY node_id", (qids,))
    per_node = {n.node_id: THREADS_PER_NODE * MESSAGES_PER_THREAD for n in nodes}
    assert dict(rows) == per_node

    # mailbox counters, dense UIDs, unique modseqs
    errors = h.mailbox_consistency_errors(pg)
    assert not errors, errors
    for address in ACCOUNTS:
        local = address.split("@")[0]
        n = pg.value("SELECT count(*) FROM messages m JOIN accounts a ON a.id = m.account_id"
                     " WHERE a.localpart = %s", (local,))
        want = sum(1 for v in acked.values() if address in v[1])
        assert n == want, f"{address}: {n} rows, {want} acknowledged"

    # both nodes registered themselves
    registered = {r[0] for r in pg.sql("SELECT id FROM nodes")}
    assert {"node1", "node2"} <= registered
    for n in nodes:
        assert n.running()
