"""
Outbound queue rows made directly in PostgreSQL, the way submission
queues them (petrel_store_contents + petrel_queue_add), for tests and
benchmarks of the delivery runners without going through SMTP.
"""

import hashlib

import psycopg2


def store_contents(cur, raws):
    """Store each raw message as a message content; their sha256s."""
    shas = [hashlib.sha256(raw).digest() for raw in raws]
    n = len(raws)
    cur.execute(
        "SELECT petrel_store_contents(%s::bytea[], %s::bytea[], %s::int[], %s::text[],"
        " %s::text[], %s::text[], %s::timestamptz[], %s::text[], %s::text[], %s::text[],"
        " %s::text[], %s::text[], %s::text[], %s::text[], %s::text[], %s::text[],"
        " %s::text[], %s::text[], %s::text[], %s::text[])",
        ([psycopg2.Binary(s) for s in shas], [psycopg2.Binary(r) for r in raws],
         [r.index(b"\r\n\r\n") + 4 for r in raws], ["NIL"] * n, ["NIL"] * n, ["NIL"] * n,
         [None] * n) + ([""] * n,) * 13)
    return shas


def enqueue(conninfo, messages, lifetime=86400, node="node1"):
    """Queue messages [(queue_id, sender, [rcpts], raw)] in one transaction
    (raw: bytes with CRLF line ends)."""
    conn = psycopg2.connect(conninfo)
    try:
        with conn, conn.cursor() as cur:
            shas = store_contents(cur, [m[3] for m in messages])
            msgs, rcpts = [], []
            for n, m in enumerate(messages, 1):
                msgs += [n] * len(m[2])
                rcpts += m[2]
            cur.execute("SELECT petrel_queue_add(%s, %s, %s, %s, %s, %s, %s)",
                        (node, lifetime, [m[0] for m in messages], [m[1] for m in messages],
                         [psycopg2.Binary(s) for s in shas], msgs, rcpts))
    finally:
        conn.close()
