#!/usr/bin/python3
"""
bench_outbound.py — outbound mail end to end, and claim latency with a
large queue.

Starts a throwaway PostgreSQL (fsync=on, synchronous_commit=on: the
defaults), dnsmasq (MX of the bench domains -> 127.0.0.2), Postfix's
smtp-sink on 127.0.0.2 as the remote server, and one petrel-node (one
worker per CPU), then:

  1. throughput: CLIENTS processes submit N messages of SIZE bytes on the
     submission port (STARTTLS, AUTH PLAIN, then MAIL/RCPT/DATA pipelined
     in one write per message) to remote recipients spread over DOMAINS
     destination domains. The clock runs from the first submission until
     every queue row is 'sent' (accepted, queued, delivered over SMTP,
     results recorded): msgs/s = N / that time. Submission alone is timed
     too, and CPU seconds of the node and of PostgreSQL per message.
  2. claim latency: with the node stopped, petrel_queue_claim is timed
     (median of repeated claims, each rolled back) with a few due rows
     alone, then with 100,000 rows waiting for a later retry, then with
     100,000 due rows of a domain the claim skips (a domain at its limit),
     and claiming from that busy domain itself.

Run directly for the figures, or through ctest -L bench:
  /usr/bin/python3 tests/bench/bench_outbound.py --messages 20000
"""

import argparse
import multiprocessing
import os
import socket
import ssl
import statistics
import sys
import tempfile
import time
from base64 import b64encode
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "harness"))

import psycopg2  # noqa: E402

import mail_peers as mp  # noqa: E402
from petrel_harness import (Node, Postgres, make_message, petrelctl,  # noqa: E402
                            wait_for)

from bench_smtp_inbound import cpu_seconds, postgres_pids  # noqa: E402

USER, PASSWORD = "bench@example.test", "bench-password"
SINK_HOST = "127.0.0.2"


def start_petrel(tmp, domains):
    port = mp.free_port_all([SINK_HOST])
    dns = mp.Dnsmasq(mx=[(d, f"mx.{d}", 10) for d in domains],
                     a=[(f"mx.{d}", SINK_HOST) for d in domains]).start()
    sink = mp.PostfixSink(SINK_HOST, port, backlog=1024).start()
    pg = Postgres(tmp / "pg")
    node = Node(pg, tmp / "node", workers=os.cpu_count() or 2,
                listeners=("smtp", "submission"), log_level="warning",
                extra=mp.node_dns_config(dns))
    ctl = node.config_path
    petrelctl(ctl, "db", "migrate")
    petrelctl(ctl, "domain", "add", "example.test")
    petrelctl(ctl, "account", "add", USER, "--password-stdin", input=PASSWORD + "\n")
    for name, value in (("smtp_max_connections_per_ip", "0"), ("outbound_port", str(port)),
                        ("dkim_sign", "no")):
        petrelctl(ctl, "settings", "set", name, value)
    node.start()
    return dns, sink, pg, node


def _reply(f):
    """One (possibly multi-line) SMTP reply: its code."""
    while True:
        line = f.readline()
        if not line:
            raise RuntimeError("connection closed")
        if line[3:4] != b"-":
            return int(line[:3])


def submit(args):
    """One client: AUTH on the submission port, then count messages with
    MAIL/RCPT/DATA pipelined. Returns how many were accepted."""
    port, count, size, domains, index = args
    sock = socket.create_connection(("127.0.0.1", port))
    f = sock.makefile("rb")
    assert _reply(f) == 220
    sock.sendall(b"EHLO bench.test\r\n")
    _reply(f)
    sock.sendall(b"STARTTLS\r\n")
    assert _reply(f) == 220
    ctx = ssl.create_default_context()
    ctx.check_hostname, ctx.verify_mode = False, ssl.CERT_NONE
    sock = ctx.wrap_socket(sock)
    f = sock.makefile("rb")
    sock.sendall(b"EHLO bench.test\r\n")
    _reply(f)
    sock.sendall(b"AUTH PLAIN " + b64encode(f"\0{USER}\0{PASSWORD}".encode()) + b"\r\n")
    assert _reply(f) == 235
    body = make_message(size=size, sender=USER, to="r@" + domains[0]).replace(b"\r\n.", b"\r\n..")
    ok = 0
    for i in range(count):
        to = f"r{index}@{domains[(index + i) % len(domains)]}"
        sock.sendall(f"MAIL FROM:<{USER}>\r\nRCPT TO:<{to}>\r\nDATA\r\n".encode())
        codes = [_reply(f), _reply(f), _reply(f)]
        if codes != [250, 250, 354]:
            raise RuntimeError(f"refused: {codes}")
        sock.sendall(body + b".\r\n")
        ok += _reply(f) == 250
    sock.sendall(b"QUIT\r\n")
    sock.close()
    return ok


def throughput(pg, node, messages, clients, size, domains):
    port = node.port("submission")
    pids_node, pids_pg = [node.pid] + node.worker_pids(), postgres_pids(pg)
    cpu_node0, cpu_pg0 = cpu_seconds(pids_node), cpu_seconds(pids_pg)
    per = messages // clients
    sent_before = pg.value("SELECT count(*) FROM queue_recipients WHERE state = 'sent'")
    start = time.monotonic()
    with multiprocessing.Pool(clients) as pool:
        accepted = sum(pool.map(submit, [(port, per, size, domains, i) for i in range(clients)]))
    submitted = time.monotonic() - start
    wait_for(lambda: pg.value("SELECT count(*) FROM queue_recipients WHERE state = 'sent'")
             >= sent_before + accepted, timeout=600, interval=0.05, message="not every message was sent")
    elapsed = time.monotonic() - start
    total = per * clients
    return {
        "messages": total, "accepted": accepted, "clients": clients, "size": size,
        "domains": len(domains),
        "submit_seconds": round(submitted, 2), "submit_msgs_per_sec": round(total / submitted),
        "end_to_end_seconds": round(elapsed, 2),
        "end_to_end_msgs_per_sec": round(total / elapsed),
        "node_cpu_ms_per_msg": round((cpu_seconds(pids_node) - cpu_node0) * 1000 / total, 3),
        "pg_cpu_ms_per_msg": round((cpu_seconds(pids_pg) - cpu_pg0) * 1000 / total, 3),
        "not_sent": pg.value("SELECT count(*) FROM queue_recipients WHERE state <> 'sent'"),
    }


def _claim_ms(conn, skip, repeat=30):
    """Median milliseconds of a claim of 100 (rolled back each time)."""
    times = []
    with conn.cursor() as cur:
        for _ in range(repeat):
            t = time.perf_counter()
            cur.execute("SELECT count(*) FROM petrel_queue_claim('bench/0/1', 100, 60, %s)",
                        (skip,))
            got = cur.fetchone()[0]
            times.append((time.perf_counter() - t) * 1000)
            conn.rollback()
    return round(statistics.median(times), 2), got


def _add_rows(conn, domain, count, due):
    with conn.cursor() as cur:
        cur.execute("SELECT min(id) FROM message_contents")
        content = cur.fetchone()[0]
        cur.execute(
            "WITH m AS (INSERT INTO queue_messages (queue_id, node_id, sender, content_id, size,"
            " expires_at) SELECT 'W' || %s || g, 'bench', 's@remote.test', %s, 100,"
            " now() + interval '1 day' FROM generate_series(1, %s) g RETURNING id)"
            " INSERT INTO queue_recipients (message_id, recipient, domain, state,"
            " next_attempt_at) SELECT id, 'r@' || %s, %s, 'deferred',"
            " now() + CASE WHEN %s THEN interval '-1 hour' ELSE interval '1 hour' END FROM m",
            (domain, content, count, domain, domain, due))
    conn.commit()


def claim_latency(pg, rows):
    conn = psycopg2.connect(pg.conninfo)
    try:
        with conn.cursor() as cur:
            cur.execute("TRUNCATE queue_recipients, queue_messages")
        conn.commit()
        _add_rows(conn, "due.bench", 200, True)
        result = {}
        result["claim_ms_small_queue"] = _claim_ms(conn, [])[0]
        _add_rows(conn, "later.bench", rows, False)
        result[f"claim_ms_{rows}_waiting"] = _claim_ms(conn, [])[0]
        _add_rows(conn, "busy.bench", rows, True)
        ms, got = _claim_ms(conn, ["busy.bench"])
        result[f"claim_ms_{rows}_due_of_skipped_domain"] = ms
        assert got == 100, "the skip claim found nothing"
        result[f"claim_ms_from_domain_with_{rows}_due"] = _claim_ms(conn, ["due.bench"])[0]
        return result
    finally:
        conn.close()


def run(messages=20000, clients=16, size=4096, ndomains=8, rows=100000):
    domains = [f"d{i}.bench" for i in range(ndomains)]
    with tempfile.TemporaryDirectory(prefix="petrel-bench-") as tmp:
        dns, sink, pg, node = start_petrel(Path(tmp), domains)
        try:
            # warm-up: connections, caches, plans
            throughput(pg, node, 500, 4, size, domains)
            result = throughput(pg, node, messages, clients, size, domains)
            node.stop()
            result.update(claim_latency(pg, rows))
        finally:
            if node.running():
                node.stop()
            pg.stop()
            sink.stop()
            dns.stop()
    return result


def test_outbound_benchmark():
    result = run(messages=int(os.environ.get("PETREL_BENCH_MESSAGES", "20000")))
    print("\nbench_outbound:", result)
    assert result["accepted"] == result["messages"] and result["not_sent"] == 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=20000)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--size", type=int, default=4096)
    parser.add_argument("--domains", type=int, default=8)
    parser.add_argument("--rows", type=int, default=100000)
    args = parser.parse_args()
    result = run(args.messages, args.clients, args.size, args.domains, args.rows)
    for key, value in result.items():
        print(f"{key:44} {value}")
    return 0 if result["not_sent"] == 0 and result["accepted"] == result["messages"] else 1


if __name__ == "__main__":
    sys.exit(main())
