#!/usr/bin/python3
"""
bench_smtp_inbound.py — inbound SMTP throughput and idle-connection memory.

Starts a throwaway PostgreSQL (fsync=on, synchronous_commit=on: the
defaults) and one petrel-node, then:

  1. throughput: Postfix's smtp-source sends N messages of SIZE bytes from
     SESSIONS concurrent connections, twice: over connections kept open
     (smtp-source -d: the SESSIONS connections carry all messages) and with
     a new connection per message. Every message must be in the database
     afterwards (counted in inbound_messages), and the rate is N / wall
     time. CPU seconds of the node and of PostgreSQL are reported per
     message too.
  2. memory: IDLE connections are opened and greeted with EHLO; the growth
     of the node processes' summed RSS divided by IDLE is the cost of one
     idle SMTP session.

Run directly for the figures (and options), or through ctest -L bench:
  /usr/bin/python3 tests/bench/bench_smtp_inbound.py --messages 20000
"""

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "harness"))

from petrel_harness import (Node, Postgres, children_of, petrelctl,  # noqa: E402
                            raise_nofile_limit)


def cpu_seconds(pids):
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        except (OSError, IndexError, ValueError):
            pass
    return total / os.sysconf("SC_CLK_TCK")


def rss_kib(pids):
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total


def postgres_pids(pg):
    out = subprocess.run(["pgrep", "-f", f"postgres.*{pg.socket_dir}|postgres: "],
                         capture_output=True, text=True).stdout.split()
    return [int(p) for p in out]


def start_petrel(tmp):
    pg = Postgres(tmp / "pg")
    node = Node(pg, tmp / "node", workers=os.cpu_count() or 2, listeners=("smtp",),
                tls=False, log_level="warning")
    petrelctl(node.config_path, "db", "migrate")
    petrelctl(node.config_path, "domain", "add", "example.test")
    petrelctl(node.config_path, "account", "add", "bench@example.test", "--password-stdin",
              input="bench-password\n")
    petrelctl(node.config_path, "settings", "set", "smtp_max_connections_per_ip", "0")
    node.start()
    return pg, node


def throughput(pg, node, messages, sessions, size, persistent, host="127.0.0.1",
               sender="sender@remote.test"):
    port = node.port("smtp")
    source = shutil.which("smtp-source") or "/usr/sbin/smtp-source"
    cmd = [source, "-s", str(sessions), "-l", str(size), "-f", sender,
           "-t", "bench@example.test"] + (["-d"] if persistent else [])
    # warm-up: connections, caches, plans
    subprocess.run(cmd + ["-m", "500", f"{host}:{port}"], check=True)
    before = pg.value("SELECT count(*) FROM inbound_messages")
    pids_node = [node.pid] + node.worker_pids()
    pids_pg = postgres_pids(pg)
    cpu_node0, cpu_pg0 = cpu_seconds(pids_node), cpu_seconds(pids_pg)
    start = time.monotonic()
    subprocess.run(cmd + ["-m", str(messages), f"{host}:{port}"], check=True)
    elapsed = time.monotonic() - start
    cpu_node = cpu_seconds(pids_node) - cpu_node0
    cpu_pg = cpu_seconds(pids_pg) - cpu_pg0
    stored = pg.value("SELECT count(*) FROM inbound_messages") - before
    mode = "persistent" if persistent else "reconnect"
    return {
        f"{mode}_stored": stored, f"{mode}_seconds": round(elapsed, 2),
        f"{mode}_msgs_per_sec": round(messages / elapsed),
        f"{mode}_node_cpu_ms_per_msg": round(cpu_node * 1000 / messages, 3),
        f"{mode}_pg_cpu_ms_per_msg": round(cpu_pg * 1000 / messages, 3),
    }


def idle_memory(node, count):
    raise_nofile_limit(count + 1000)
    port = node.port("smtp")
    pids = [node.pid] + node.worker_pids()
    # let the workers' allocators settle after the throughput run
    time.sleep(1)
    before = rss_kib(pids)
    socks = []
    for _ in range(count):
        s = socket.create_connection(("127.0.0.1", port))
        s.sendall(b"EHLO idle.test\r\n")
        socks.append(s)
    for s in socks:
        data = b""
        while not data.endswith(b"250 CHUNKING\r\n"):
            chunk = s.recv(4096)
            if not chunk:
                raise RuntimeError("idle connection closed: " + data.decode(errors="replace"))
            data += chunk
    time.sleep(0.5)
    after = rss_kib(pids)
    for s in socks:
        s.close()
    return {"idle_connections": count, "rss_before_kib": before, "rss_after_kib": after,
            "kib_per_idle_connection": round((after - before) / count, 2)}


def run(messages=20000, sessions=20, size=4096, idle=2000):
    with tempfile.TemporaryDirectory(prefix="petrel-bench-") as tmp:
        pg, node = start_petrel(Path(tmp))
        try:
            result = {"messages": messages, "sessions": sessions, "size": size}
            result.update(throughput(pg, node, messages, sessions, size, persistent=True))
            result.update(throughput(pg, node, messages, sessions, size, persistent=False))
            result.update(idle_memory(node, idle))
        finally:
            node.stop()
            pg.stop()
    return result


def test_smtp_inbound_benchmark():
    result = run(messages=int(os.environ.get("PETREL_BENCH_MESSAGES", "20000")))
    print("\nbench_smtp_inbound:", result)
    assert result["persistent_stored"] == result["messages"]
    assert result["reconnect_stored"] == result["messages"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=20000)
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--size", type=int, default=4096)
    parser.add_argument("--idle", type=int, default=2000)
    args = parser.parse_args()
    result = run(args.messages, args.sessions, args.size, args.idle)
    for key, value in result.items():
        print(f"{key:36} {value}")
    ok = result["persistent_stored"] == result["reconnect_stored"] == result["messages"]
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
