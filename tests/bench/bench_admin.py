#!/usr/bin/python3
"""
bench_admin.py — latency of the admin listener (issue 6).

Starts a throwaway PostgreSQL and one petrel-node (smtp + admin), then:

  1. ready: GET /ready over one keep-alive connection, REQUESTS times,
     while Postfix's smtp-source keeps SMTP sessions busy delivering
     (the load of bench_smtp_inbound.py); p50/p99 in ms, target p99 < 5 ms.
  2. accounts: a domain with ACCOUNTS accounts (one INSERT ... SELECT
     generate_series reusing one precomputed password hash), a superadmin
     logs in (POST /api/v1/auth), then GET /api/v1/accounts at random
     pages, with q= search and with sort=-address; p99 per kind, target
     < 50 ms.

Run directly for the figures (and options), or through ctest -L bench:
  /usr/bin/python3 tests/bench/bench_admin.py --accounts 100000
"""

import argparse
import http.client
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "harness"))

from petrel_harness import Node, Postgres, petrelctl, wait_for  # noqa: E402

ADMIN_PASSWORD = "Bench-admin-password-1"
READY_P99_MS = 5.0
ACCOUNTS_P99_MS = 50.0


def percentile(samples, p):
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p / 100))]


def summary(name, samples):
    return {f"{name}_requests": len(samples),
            f"{name}_p50_ms": round(percentile(samples, 50), 3),
            f"{name}_p99_ms": round(percentile(samples, 99), 3)}


def start_petrel(tmp):
    pg = Postgres(tmp / "pg")
    node = Node(pg, tmp / "node", workers=os.cpu_count() or 2, listeners=("smtp", "admin"),
                tls=False, log_level="warning")
    petrelctl(node.config_path, "db", "migrate")
    petrelctl(node.config_path, "domain", "add", "example.test")
    petrelctl(node.config_path, "account", "add", "bench@example.test", "--password-stdin",
              input="bench-password\n")
    petrelctl(node.config_path, "admin", "add", "bench", "--role", "superadmin",
              "--password-stdin", input=ADMIN_PASSWORD + "\n")
    petrelctl(node.config_path, "settings", "set", "smtp_max_connections_per_ip", "0")
    node.start(wait_listeners=("smtp",))
    wait_for(lambda: _status(node, "GET", "/ready") == 200, message="admin /ready not 200")
    return pg, node


def _status(node, method, path):
    try:
        conn = http.client.HTTPConnection("127.0.0.1", node.port("admin"), timeout=5)
        conn.request(method, path)
        status = conn.getresponse().status
        conn.close()
        return status
    except OSError:
        return None


def timed_get(conn, path, headers=None):
    start = time.perf_counter()
    conn.request("GET", path, headers=headers or {})
    resp = conn.getresponse()
    body = resp.read()
    elapsed = (time.perf_counter() - start) * 1000
    if resp.status != 200:
        raise RuntimeError(f"GET {path}: {resp.status} {body[:200]!r}")
    return elapsed, body


def ready_under_load(node, requests, sessions):
    source = shutil.which("smtp-source") or "/usr/sbin/smtp-source"
    load = subprocess.Popen([source, "-s", str(sessions), "-l", "4096", "-d",
                             "-f", "sender@remote.test", "-t", "bench@example.test",
                             "-m", "1000000", f"127.0.0.1:{node.port('smtp')}"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(1)      # the SMTP load is in full swing
        conn = http.client.HTTPConnection("127.0.0.1", node.port("admin"), timeout=10)
        samples = [timed_get(conn, "/ready")[0] for _ in range(requests)]
        conn.close()
        if load.poll() is not None:
            raise RuntimeError("the SMTP load ended before the measurement")
    finally:
        load.kill()
        load.wait()
    return summary("ready_under_smtp_load", samples)


def make_accounts(pg, count):
    pg.sql("INSERT INTO domains (name) VALUES ('big.test')")
    start = time.monotonic()
    pg.sql("INSERT INTO accounts (domain_id, localpart, password_hash, display_name)"
           " SELECT (SELECT id FROM domains WHERE name = 'big.test'), 'user' || n,"
           "        (SELECT password_hash FROM accounts LIMIT 1), 'User ' || n"
           "   FROM generate_series(1, %s) AS n", (count,))
    pg.sql("ANALYZE")
    return round(time.monotonic() - start, 1)


def login(conn):
    conn.request("POST", "/api/v1/auth", body=json.dumps(
        {"login": "bench", "password": ADMIN_PASSWORD}),
        headers={"Content-Type": "application/json"})
    resp = conn.getresponse()
    body = json.loads(resp.read())
    if resp.status != 200:
        raise RuntimeError(f"login: {resp.status} {body}")
    return {"Authorization": f"Bearer {body['access_token']}"}


def accounts_pages(node, count, requests, per_page=50):
    conn = http.client.HTTPConnection("127.0.0.1", node.port("admin"), timeout=10)
    auth = login(conn)
    pages = count // per_page
    rnd = random.Random(6)
    base = f"/api/v1/accounts?domain=big.test&per_page={per_page}"
    kinds = {
        "accounts_page": lambda: f"{base}&page={rnd.randint(1, pages)}",
        "accounts_search": lambda: f"{base}&q=user{rnd.randint(1, count)}&page=1",
        "accounts_sorted": lambda: f"{base}&sort=-address&page={rnd.randint(1, pages)}",
    }
    result = {}
    elapsed, body = timed_get(conn, f"{base}&page=1", auth)
    total = json.loads(body)["total"]
    if total != count:
        raise RuntimeError(f"/accounts total {total}, expected {count}")
    for name, path in kinds.items():
        result.update(summary(name, [timed_get(conn, path(), auth)[0] for _ in range(requests)]))
    conn.close()
    return result


def run(requests=2000, sessions=20, accounts=100000, api_requests=300):
    with tempfile.TemporaryDirectory(prefix="petrel-bench-") as tmp:
        pg, node = start_petrel(Path(tmp))
        try:
            result = ready_under_load(node, requests, sessions)
            result["accounts"] = accounts
            result["accounts_insert_seconds"] = make_accounts(pg, accounts)
            result.update(accounts_pages(node, accounts, api_requests))
        finally:
            node.stop()
            pg.stop()
    return result


def within_targets(result):
    return (result["ready_under_smtp_load_p99_ms"] < READY_P99_MS and
            all(result[f"{k}_p99_ms"] < ACCOUNTS_P99_MS
                for k in ("accounts_page", "accounts_search", "accounts_sorted")))


def test_admin_benchmark():
    result = run(accounts=int(os.environ.get("PETREL_BENCH_ACCOUNTS", "100000")))
    print("\nbench_admin:", result)
    assert within_targets(result), result


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=2000, help="GET /ready requests")
    parser.add_argument("--sessions", type=int, default=20, help="concurrent SMTP sessions")
    parser.add_argument("--accounts", type=int, default=100000)
    parser.add_argument("--api-requests", type=int, default=300, help="per /accounts kind")
    args = parser.parse_args()
    result = run(args.requests, args.sessions, args.accounts, args.api_requests)
    for key, value in result.items():
        print(f"{key:36} {value}")
    return 0 if within_targets(result) else 1


if __name__ == "__main__":
    sys.exit(main())
