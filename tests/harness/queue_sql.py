"""
The outbound queue driven through its SQL functions (schema/005_queue.sql)
inside the caller's transaction, for tests that need queue rows in a given
state without a delivery runner: queue messages, claim them and record
results, then commit, so no runner ever sees them waiting.

Every function takes a psycopg2 connection; the contents are stored with
queue_rows.store_contents.
"""

import psycopg2

from queue_rows import store_contents


def enqueue(conn, messages, lifetime=86400, node="node1"):
    """Queue messages [(queue_id, sender, [rcpts], raw)] in conn's
    transaction."""
    with conn.cursor() as cur:
        shas = store_contents(cur, [m[3] for m in messages])
        msgs, rcpts = [], []
        for n, m in enumerate(messages, 1):
            msgs += [n] * len(m[2])
            rcpts += m[2]
        cur.execute("SELECT petrel_queue_add(%s, %s, %s, %s, %s, %s, %s)",
                    (node, lifetime, [m[0] for m in messages], [m[1] for m in messages],
                     [psycopg2.Binary(s) for s in shas], msgs, rcpts))


def claim(conn, holder, max_rows=100, lease=60):
    """petrel_queue_claim: rows (recipient_id, queue_id, sender, recipient,
    domain, content_id, size, attempts) of one domain."""
    with conn.cursor() as cur:
        cur.execute("SELECT recipient_id, queue_id, sender, recipient, domain, content_id,"
                    " size, attempts FROM petrel_queue_claim(%s, %s, %s)",
                    (holder, max_rows, lease))
        return cur.fetchall()


def result(conn, fn, holder, ids, code, text, schedule=(60, 120, 300)):
    """Call petrel_queue_<fn> (sent, failed, defer); the accepted {id: state}."""
    with conn.cursor() as cur:
        if fn == "defer":
            cur.execute("SELECT * FROM petrel_queue_defer(%s, %s::bigint[], %s, %s, %s::int[])",
                        (holder, list(ids), code, text, list(schedule)))
        else:
            cur.execute(f"SELECT * FROM petrel_queue_{fn}(%s, %s::bigint[], %s, %s)",
                        (holder, list(ids), code, text))
        return dict(cur.fetchall())
