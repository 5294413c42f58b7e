#!/usr/bin/python3
"""
bench_policy.py — inbound SMTP throughput with the inbound policy off and
on, in one run (issue 5: on must stay at least 70 % of off).

Starts a throwaway PostgreSQL (fsync=on), dnsmasq (SPF and DMARC records
of the sender domain) and one petrel-node listening on every address, then
Postfix's smtp-source sends N messages of SIZE bytes from SESSIONS
connections to the host's non-loopback address (so the client is not
loopback, which SPF would pass without a lookup):

  off  no policy settings (the foundation benchmark's configuration)
  on   greylisting (the client network auto-whitelisted, as for a known
       sender: every RCPT still costs the greylist upsert), 20 black/white
       list entries that do not match, 50 staged SMTP rules over every
       stage that do not match (so every one is tested), SPF, DKIM and
       DMARC checks (a TXT lookup each, through c-ares to dnsmasq, whose
       answers carry a one-hour TTL as real zones do: the node remembers
       them)

Both runs use connections kept open (smtp-source -d), then both with a
new connection per message. msgs/s = N / wall time, every message stored.

  /usr/bin/python3 tests/bench/bench_policy.py --messages 20000
"""

import argparse
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "harness"))

import mail_peers as mp  # noqa: E402
from petrel_harness import Node, Postgres, free_port, petrelctl  # noqa: E402

from bench_smtp_inbound import throughput  # noqa: E402

SENDER = "sender@remote.test"
STAGES = ("connect", "helo", "mail", "rcpt", "headers", "complete")
ATTRIBUTE = {"connect": "client_ip", "helo": "helo", "mail": "sender", "rcpt": "recipient",
             "headers": "subject", "complete": "header:X-Mailer"}


def start_petrel(tmp, client):
    # TTLs as published in the wild (an hour); the node remembers answers
    dns = mp.Dnsmasq(txt=[("remote.test", f"v=spf1 ip4:{client} -all"),
                          ("_dmarc.remote.test", "v=DMARC1; p=none")], ttl=3600).start()
    pg = Postgres(tmp / "pg")
    port = free_port()
    # every address: the client reaches it at the host's own address
    node = Node(pg, tmp / "node", workers=os.cpu_count() or 2, listeners={"smtp": port},
                tls=False, log_level="warning",
                extra={**mp.node_dns_config(dns), "listen": {"smtp": f"0.0.0.0:{port}"}})
    ctl = node.config_path
    petrelctl(ctl, "db", "migrate")
    petrelctl(ctl, "domain", "add", "example.test")
    petrelctl(ctl, "account", "add", "bench@example.test", "--password-stdin",
              input="bench-password\n")
    petrelctl(ctl, "settings", "set", "smtp_max_connections_per_ip", "0")
    node.start()
    return dns, pg, node


def policy_on(pg, node, client):
    """Turn every check on; nothing matches, so every check does its work."""
    ctl = node.config_path
    for i in range(10):
        petrelctl(ctl, "blacklist", "add", f"198.51.100.{i + 1}")
        petrelctl(ctl, "blacklist", "add", f"spam{i}@elsewhere.test")
    for i in range(50):
        stage = STAGES[i % len(STAGES)]
        petrelctl(ctl, "rule", "add", f"bench{i}", stage, "weight", "1", "if",
                  ATTRIBUTE[stage], "matches", rf"^(nomatch{i}|x+y)\d+$")
    # the client's network passed greylisting before: whitelisted, refreshed on use
    pg.sql("INSERT INTO greylist_networks (network, passes, whitelisted_until, expires_at)"
           " VALUES (network(set_masklen(%s::inet, 24)), 5, now() + interval '1 day',"
           " now() + interval '1 day')", (client,))
    for name, value in (("greylist_enable", "yes"), ("spf_check", "yes"),
                        ("dkim_verify", "yes"), ("dmarc_check", "yes")):
        petrelctl(ctl, "settings", "set", name, value)


def run(messages=20000, sessions=20, size=4096):
    client = mp.host_ipv4()
    if client is None:
        raise SystemExit("no non-loopback IPv4 address to send from")
    result = {"messages": messages, "sessions": sessions, "size": size, "client": client}
    with tempfile.TemporaryDirectory(prefix="petrel-bench-") as tmp:
        dns, pg, node = start_petrel(Path(tmp), client)
        try:
            for persistent in (True, False):
                off = throughput(pg, node, messages, sessions, size, persistent, host=client,
                                 sender=SENDER)
                result.update({f"off_{k}": v for k, v in off.items()})
            policy_on(pg, node, client)
            for persistent in (True, False):
                on = throughput(pg, node, messages, sessions, size, persistent, host=client,
                                sender=SENDER)
                result.update({f"on_{k}": v for k, v in on.items()})
            result["greylist_passes"] = pg.value("SELECT coalesce(sum(passes), 0)"
                                                 " FROM greylist_networks")
            result["spf_pass_stored"] = pg.value(
                "SELECT count(*) FROM message_contents WHERE position('spf=pass'::bytea"
                " IN raw) > 0")
        finally:
            node.stop()
            pg.stop()
            dns.stop()
    for mode in ("persistent", "reconnect"):
        result[f"{mode}_on_vs_off_percent"] = round(
            100 * result[f"on_{mode}_msgs_per_sec"] / result[f"off_{mode}_msgs_per_sec"])
    return result


def test_policy_benchmark():
    result = run(messages=int(os.environ.get("PETREL_BENCH_MESSAGES", "20000")))
    print("\nbench_policy:", result)
    assert all(result[f"{p}_{m}_stored"] == result["messages"]
               for p in ("off", "on") for m in ("persistent", "reconnect"))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=20000)
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--size", type=int, default=4096)
    args = parser.parse_args()
    result = run(args.messages, args.sessions, args.size)
    for key, value in result.items():
        print(f"{key:44} {value}")
    stored_all = all(result[f"{p}_{m}_stored"] == args.messages
                     for p in ("off", "on") for m in ("persistent", "reconnect"))
    return 0 if stored_all else 1


if __name__ == "__main__":
    sys.exit(main())
