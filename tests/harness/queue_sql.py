"""
The outbound queue driven through its SQL functions (schema/005_queue.sql,
006) with psycopg2, for tests and benchmarks that need queue rows without
going through SMTP: store contents and queue messages the way submission
does (petrel_store_contents + petrel_queue_add), claim them and record
results in the caller's transaction (so no runner sees them waiting), and
read the SQL text the queue-pg/ C wrappers send.
"""

import hashlib
import re
from pathlib import Path

import psycopg2

DEFAULT_RAW = b"Subject: queued\r\n\r\nbody\r\n"
SCHEDULE = [60, 120, 300]


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


def enqueue(conn, messages, lifetime=86400, node="node1"):
    """Queue messages [(queue_id, sender, [rcpts][, raw])] in conn's
    transaction (raw: bytes with CRLF line ends; default DEFAULT_RAW)."""
    with conn.cursor() as cur:
        shas = store_contents(cur, [m[3] if len(m) > 3 else DEFAULT_RAW for m in messages])
        msgs, rcpts = [], []
        for n, m in enumerate(messages, 1):
            msgs += [n] * len(m[2])
            rcpts += m[2]
        cur.execute("SELECT petrel_queue_add(%s, %s, %s, %s, %s, %s, %s)",
                    (node, lifetime, [m[0] for m in messages], [m[1] for m in messages],
                     [psycopg2.Binary(s) for s in shas], msgs, rcpts))


def enqueue_committed(conninfo, messages, lifetime=86400, node="node1"):
    """enqueue() in a transaction of its own, committed: runners see the
    rows (NOTIFY) at once."""
    conn = psycopg2.connect(conninfo)
    try:
        with conn:
            enqueue(conn, messages, lifetime, node)
    finally:
        conn.close()


def claim(conn, holder, max_rows=100, lease=60):
    """petrel_queue_claim: rows (recipient_id, queue_id, sender, recipient,
    domain, content_id, size, attempts) of one domain."""
    with conn.cursor() as cur:
        cur.execute("SELECT recipient_id, queue_id, sender, recipient, domain, content_id,"
                    " size, attempts FROM petrel_queue_claim(%s, %s, %s)",
                    (holder, max_rows, lease))
        return cur.fetchall()


def result(conn, fn, holder, ids, code, text, schedule=None):
    """Call petrel_queue_<fn> (sent, failed, defer); the accepted {id:
    state}. schedule: a list (default SCHEDULE) or an array literal."""
    with conn.cursor() as cur:
        if fn == "defer":
            cur.execute("SELECT * FROM petrel_queue_defer(%s, %s::bigint[], %s, %s, %s::int[])",
                        (holder, list(ids), code, text, schedule or SCHEDULE))
        else:
            cur.execute(f"SELECT * FROM petrel_queue_{fn}(%s, %s::bigint[], %s, %s)",
                        (holder, list(ids), code, text))
        return dict(cur.fetchall())


def c_statements(files):
    """The SQL text of queue-pg/ C wrappers (file names): adjacent string
    literals that call a petrel_queue_* function."""
    src = Path(__file__).resolve().parents[2] / "queue-pg"
    found = []
    for path in (src / f for f in files):
        for run in re.finditer(r'"(?:[^"\\]|\\.)*"(?:\s*"(?:[^"\\]|\\.)*")*', path.read_text()):
            text = "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', run.group(0)))
            if "petrel_queue_" in text:
                found.append(text)
    return found
