#!/usr/bin/python3
"""
bench_imap_mixed.py — IMAP throughput and latency of a mixed client load.

CLIENTS concurrent clients (threads spread over PROCS processes, raw
sockets) each loop over one session of 7 commands on its own account:
LOGIN, SELECT INBOX, FETCH a random window of 50 (FLAGS ENVELOPE), STORE
+FLAGS or -FLAGS (\\Seen) on one random message, SEARCH UNSEEN, NOOP,
LOGOUT. After a warm-up, commands/s (all 7 count) and latency percentiles
per command and overall are measured for DURATION seconds, with the CPU
seconds of the node, of PostgreSQL and of the clients themselves.
Target (issue 3, 2 cores with PostgreSQL on the same machine):
>= 3,600 commands/s with p99 < 50 ms.

By default a PostgreSQL (fsync on) and a petrel-node are started here,
ACCOUNTS accounts created and their INBOXes filled with MESSAGES messages
each. With --host/--port/--users/--password an existing server (e.g.
Dovecot) is measured instead; its mailboxes are filled with APPEND
(--populate none when they already hold the messages).

  /usr/bin/python3 tests/bench/bench_imap_mixed.py --duration 30
  /usr/bin/python3 tests/bench/bench_imap_mixed.py --host 127.0.0.1 --port 10143 \\
      --users 'bench%d@example.test' --password secret
"""

import multiprocessing
import os
import random
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import imap_load as L  # noqa: E402

COMMANDS = ("LOGIN", "SELECT", "FETCH", "STORE", "SEARCH", "NOOP", "LOGOUT")
TARGET_RATE = 3600
TARGET_P99_MS = 50.0


def one_session(host, port, user, password, window, rnd, record):
    """One LOGIN..LOGOUT loop; record(name, t_start, seconds, ok)."""
    c = L.ImapClient(host, port, timeout=60)
    try:
        def timed(name, line):
            t = time.perf_counter()
            status, untagged = c.command(line, check=False)
            record(name, t, time.perf_counter() - t, status == b"OK")
            return status, untagged

        status, _ = timed("LOGIN", b"LOGIN " + L.quote(user) + b" " + L.quote(password))
        if status != b"OK":
            return
        status, untagged = timed("SELECT", b"SELECT INBOX")
        exists = 0
        for line in untagged:
            if line.endswith(b" EXISTS"):
                exists = int(line.split()[1])
        if exists:
            first = rnd.randint(1, max(1, exists - window + 1))
            last = min(exists, first + window - 1)
            timed("FETCH", b"FETCH %d:%d (FLAGS ENVELOPE)" % (first, last))
            sign = b"+" if rnd.random() < 0.5 else b"-"
            timed("STORE", b"STORE %d %sFLAGS (\\Seen)" % (rnd.randint(1, exists), sign))
        timed("SEARCH", b"SEARCH UNSEEN")
        timed("NOOP", b"NOOP")
        timed("LOGOUT", b"LOGOUT")
    finally:
        c.sock.close()


def client_process(spec):
    """Runs spec['users'] client threads until spec['end']; returns the
    latencies measured in [spec['begin'], spec['end']) per command."""
    lat = {name: [] for name in COMMANDS}
    failed = {name: 0 for name in COMMANDS}
    errors = []
    lock = threading.Lock()
    begin, end = spec["begin"], spec["end"]

    def record(name, t_start, seconds, ok):
        if begin <= t_start < end:
            lat[name].append(seconds)
            if not ok:
                failed[name] += 1

    def loop(index, user):
        rnd = random.Random(spec["seed"] + index)
        while time.perf_counter() < end:
            try:
                one_session(spec["host"], spec["port"], user, spec["password"],
                            spec["window"], rnd, record)
            except (OSError, L.ImapError) as exc:
                with lock:
                    errors.append(f"{user}: {exc!r}")
                time.sleep(0.1)

    def sleep_until(t):
        while time.perf_counter() < t:
            time.sleep(0.005)

    cpu = []

    def sample_cpu():               # this process's CPU over the measured window
        for t in (begin, end):
            sleep_until(t)
            cpu.append(time.process_time())

    sleep_until(spec["start"])
    threads = [threading.Thread(target=loop, args=(i, u)) for i, u in enumerate(spec["users"])]
    threads.append(threading.Thread(target=sample_cpu))
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return {"lat": lat, "failed": failed, "errors": errors[:20], "error_count": len(errors),
            "cpu": cpu[1] - cpu[0]}


def measure(target, clients, procs, duration, warmup, window):
    users = [target.users[i % len(target.users)] for i in range(clients)]
    procs = max(1, min(procs, clients))
    now = time.perf_counter()        # CLOCK_MONOTONIC: shared with the children
    start = now + 1.0
    begin, end = start + warmup, start + warmup + duration
    specs = [{"host": target.host, "port": target.port, "password": target.password,
              "users": users[p::procs], "seed": 1000 * p, "window": window,
              "start": start, "begin": begin, "end": end} for p in range(procs)]
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(procs) as pool:
        pending = pool.map_async(client_process, specs)
        while time.perf_counter() < begin:
            time.sleep(0.01)
        L.pg_statements_reset(target)
        node0, pg0 = L.cpu_seconds(target.server_pids()), L.cpu_seconds(target.pg_pids())
        busy0 = L.machine_busy_seconds()
        while time.perf_counter() < end:
            time.sleep(0.01)
        cpu = {"node": L.cpu_seconds(target.server_pids()) - node0,
               "pg": L.cpu_seconds(target.pg_pids()) - pg0,
               "machine": L.machine_busy_seconds() - busy0}
        results = pending.get(timeout=duration + 120)
    return results, cpu


def run(args):
    with tempfile.TemporaryDirectory(prefix="petrel-bench-") as tmp:
        with L.open_target(args, tmp) as target:
            users = target.users[:max(1, min(len(target.users), args.clients))]
            if args.populate != "none":
                L.populate(target, users, args.messages, args.populate)
            results, cpu = measure(target, args.clients, args.procs,
                                   args.duration, args.warmup, args.window)
            result = summarize(target, args, results, cpu)
            L.pg_statements_print(target)
            return result


def summarize(target, args, results, cpu):
    rows, total = [], []
    failed = 0
    for name in COMMANDS:
        values = [v for r in results for v in r["lat"][name]]
        failed += sum(r["failed"][name] for r in results)
        total += values
        q = L.latency_ms(values)
        rows.append((f"{name} ms p50/p95/p99/max", f"{q['p50']} / {q['p95']} / {q['p99']} / "
                     f"{q['max']}  (n={q['n']})"))
    q = L.latency_ms(total)
    seconds = args.duration
    rate = len(total) / seconds
    client = sum(r["cpu"] for r in results)
    errors = sum(r["error_count"] for r in results)
    head = [("clients / processes", f"{args.clients} / {args.procs}"),
            ("messages per mailbox", args.messages),
            ("measured seconds (warm-up)", f"{seconds} ({args.warmup})"),
            ("commands/s", f"{rate:.0f}  (target >= {TARGET_RATE})"),
            ("sessions/s", f"{len(total) / len(COMMANDS) / seconds:.0f}"),
            ("all ms p50/p95/p99/max", f"{q['p50']} / {q['p95']} / {q['p99']} / {q['max']}"
             f"  (target p99 < {TARGET_P99_MS})"),
            ("failed replies (NO/BAD)", failed),
            ("connection errors", errors)]
    other = cpu["machine"] - cpu["node"] - cpu["pg"] - client
    usage = [("CPU % node / pg / client / other",
              " / ".join(f"{100 * v / seconds:.0f}" for v in
                         (cpu["node"], cpu["pg"], client, other)) +
              f"  (machine {100 * cpu['machine'] / seconds:.0f} of {100 * os.cpu_count()})")]
    if not target.petrel:           # the server's share is in "other"
        usage[0] = ("CPU % client / rest of the machine",
                    f"{100 * client / seconds:.0f} / "
                    f"{100 * (cpu['machine'] - client) / seconds:.0f}"
                    f"  (of {100 * os.cpu_count()})")
    if total and target.petrel:
        usage.append(("CPU us/command node / pg / client",
                      " / ".join(f"{1e6 * v / len(total):.0f}"
                                 for v in (cpu["node"], cpu["pg"], client))))
    L.print_summary("bench_imap_mixed", target, head + rows + usage)
    for r in results:
        for e in r["errors"]:
            print("error:", e)
    return {"rate": rate, "p99_ms": q["p99"], "failed": failed, "errors": errors,
            "commands": len(total)}


def parser():
    p = L.arg_parser(__doc__, accounts=20)
    p.add_argument("--clients", type=int, default=20)
    p.add_argument("--procs", type=int, default=min(2, os.cpu_count() or 1),
                   help="client processes the threads are spread over")
    p.add_argument("--messages", type=int, default=1000, help="messages per mailbox")
    p.add_argument("--window", type=int, default=50, help="messages per FETCH")
    p.add_argument("--duration", type=float, default=30.0)
    p.add_argument("--warmup", type=float, default=5.0)
    return p


def test_imap_mixed_benchmark():
    args = L.bench_namespace(parser(), duration=float(os.environ.get("PETREL_BENCH_SECONDS", "10")),
                             messages=int(os.environ.get("PETREL_BENCH_MESSAGES", "1000")))
    result = run(args)
    assert result["commands"] > 0
    assert result["failed"] == 0 and result["errors"] == 0


def main():
    args = parser().parse_args()
    result = run(args)
    ok = (result["rate"] >= TARGET_RATE and result["p99_ms"] < TARGET_P99_MS
          and result["failed"] == 0 and result["errors"] == 0)
    return 0 if ok or not args.check else 1


if __name__ == "__main__":
    sys.exit(main())
