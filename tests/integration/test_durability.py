"""Durability: messages sent while a worker is SIGKILLed every 200 ms.
Every message that got a 250 is in the database exactly once; nothing is
half-stored; mailbox counters and UIDs stay consistent."""

import os
import random
import secrets
import signal
import threading
import time

import petrel_harness as h

TOTAL = 2000
THREADS = 8
KILL_INTERVAL = 0.2
ACCOUNTS = ("user@example.test", "alice@example.test", "bob@example.test")
NODE_WORKERS = 2
NODE_LOG_LEVEL = "info"


def test_sigkill_workers_while_receiving(pg, node, mail_setup):
    node.wait_workers()
    run = secrets.token_hex(4)
    acked = {}        # token -> (queue_id, rcpt)
    attempted = set()
    errors = []
    lock = threading.Lock()
    stop = threading.Event()
    kills = []
    deadline = time.monotonic() + 360

    def killer():
        rnd = random.Random(7)
        while not stop.is_set() and time.monotonic() < deadline:
            stop.wait(KILL_INTERVAL)
            pids = node.worker_pids()
            if pids and not stop.is_set():
                pid = rnd.choice(pids)
                try:
                    os.kill(pid, signal.SIGKILL)
                    kills.append(pid)
                except ProcessLookupError:
                    pass

    def sender(tid):
        session = h.SmtpSession(node.port("smtp"), timeout=10)
        try:
            for i in range(TOTAL // THREADS):
                if time.monotonic() > deadline:
                    return
                token = f"{run}-{tid}-{i}"
                rcpt = ACCOUNTS[(tid + i) % len(ACCOUNTS)]
                msg = h.make_message(token=token, size=1024 + (i % 7) * 512, to=rcpt)
                with lock:
                    attempted.add(token)
                try:
                    res = session.send("load@remote.test", [rcpt], msg)
                except Exception as exc:  # noqa: BLE001 - dropped connections are expected
                    with lock:
                        errors.append(type(exc).__name__)
                    continue
                if res.code == 250:
                    with lock:
                        acked[token] = (res.queue_id, rcpt)
                else:
                    with lock:
                        errors.append(f"reply {res.code}")
        finally:
            session.close()

    kill_thread = threading.Thread(target=killer, daemon=True)
    senders = [threading.Thread(target=sender, args=(t,), daemon=True) for t in range(THREADS)]
    started = time.monotonic()
    kill_thread.start()
    for t in senders:
        t.start()
    for t in senders:
        t.join(timeout=max(deadline - time.monotonic(), 1) + 60)
    stop.set()
    kill_thread.join(timeout=10)
    elapsed = time.monotonic() - started
    summary = (f"{len(attempted)} attempted, {len(acked)} acknowledged, {len(errors)} errors "
               f"({sorted(set(errors))[:6]}), {len(kills)} workers killed in {elapsed:.1f}s")
    print(summary)
    assert not any(t.is_alive() for t in senders), "senders hung: " + summary

    node.wait_workers(timeout=90)
    stored = h.tokens_in_db(pg)
    ours = {t: rows for t, rows in stored.items() if t.startswith(run + "-")}
    lost = [t for t in acked if t not in ours]
    duplicated = [t for t, rows in ours.items() if len(rows) != 1]
    wrong_rows = [t for t, rows in ours.items() if len(rows) == 1 and rows[0][1] != 1]
    unacked_stored = [t for t in ours if t not in acked]
    print(f"{len(unacked_stored)} messages stored without an acknowledgement (allowed)")
    assert not lost, f"{len(lost)} acknowledged messages lost, e.g. {lost[:5]}; " + summary
    assert not duplicated, f"{len(duplicated)} stored more than once, e.g. {duplicated[:5]}"
    assert not wrong_rows, f"{len(wrong_rows)} with a wrong number of mailbox rows"

    orphans = pg.value("SELECT count(*) FROM message_contents c"
                       " WHERE NOT EXISTS (SELECT 1 FROM messages m WHERE m.content_id = c.id)")
    assert orphans == 0, f"{orphans} contents without any mailbox row (half-stored)"
    qids = [v[0] for v in acked.values()]
    assert pg.value("SELECT count(*) FROM inbound_messages WHERE queue_id = ANY(%s)",
                    (qids,)) == len(qids)
    errors_ = h.mailbox_consistency_errors(pg)
    assert not errors_, errors_

    # integrity holds; now the node must also have kept up under the kills
    assert len(kills) >= 10, "the killer should have killed workers: " + summary
    assert len(attempted) == TOTAL, "not every message was attempted before the deadline: " + summary
    assert len(acked) >= TOTAL // 4, "too few messages got through: " + summary

    # and the node is healthy afterwards
    msg = h.make_message()
    assert h.smtp_send(node.port("smtp"), "s@remote.test", ["user@example.test"], msg).code == 250
