"""
The delivery runner (node/outbound-runner.c, outbound-batch.c) against real
peers: dnsmasq serving the test domains' MX/A records and receiving
servers (aiosmtpd sinks, a silent server) on 127.0.0.x at one common port.

Queue rows are made directly in PostgreSQL (tests/harness/queue_sql.py)
the way submission queues them; the runners of the module's node claim
them on NOTIFY.
"""

import socket
import time
import uuid

import pytest

import mail_peers as mp
import petrel_harness as h
from queue_sql import enqueue_committed as enqueue

HOSTS = [f"127.0.0.{i}" for i in range(2, 21)]
PORT = mp.free_port_all(HOSTS)
DOWN = "127.0.0.20"           # nothing listens there


class _Dns(mp.Dnsmasq):
    """dnsmasq that forwards timeout.test to a UDP socket nobody answers."""

    def __init__(self, silent_port, **kw):
        super().__init__(**kw)
        self.silent_port = silent_port

    def _args(self):
        return super()._args() + [f"--server=/timeout.test/127.0.0.1#{self.silent_port}"]


_silent_udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
_silent_udp.bind(("127.0.0.1", 0))
DNS = _Dns(_silent_udp.getsockname()[1], mx=[
    ("two-mx.test", "mx1.two-mx.test", 10), ("two-mx.test", "mx2.two-mx.test", 20),
    ("null.test", ".", 0),
    ("retry.test", "mx.retry.test", 10), ("fail.test", "mx.fail.test", 10),
    ("many.test", "mx.many.test", 10), ("tls-req.test", "mx.tls-req.test", 10),
    ("tls-ok.test", "mx.tls-ok.test", 10), ("slow.test", "mx.slow.test", 10),
    ("fast.test", "mx.fast.test", 10), ("greet.test", "mx.greet.test", 10),
    ("mute.test", "mx.mute.test", 10), ("lease.test", "mx.lease.test", 10),
    ("direct.test", "mx.direct.test", 10), ("rate.test", "mx.rate.test", 10),
], a=[
    ("mx1.two-mx.test", DOWN), ("mx2.two-mx.test", "127.0.0.2"),
    ("a-only.test", "127.0.0.3"), ("mx.retry.test", "127.0.0.4"),
    ("mx.fail.test", "127.0.0.5"), ("mx.many.test", "127.0.0.6"),
    ("mx.tls-req.test", "127.0.0.9"), ("mx.tls-ok.test", "127.0.0.10"),
    ("mx.slow.test", "127.0.0.11"), ("mx.fast.test", "127.0.0.12"),
    ("mx.greet.test", "127.0.0.13"), ("mx.mute.test", "127.0.0.14"),
    ("mx.lease.test", "127.0.0.15"), ("mx.direct.test", "127.0.0.16"),
    ("smarthost.test", "127.0.0.8"), ("mx.rate.test", "127.0.0.17"),
])

NODE_LISTENERS = ("smtp", "lmtp")
NODE_EXTRA = {"dns": {"servers": DNS.servers}}
NODE_SETTINGS = {"outbound_port": str(PORT), "queue_retry_schedule": "1s",
                 "outbound_helo_timeout": "5s", "outbound_command_timeout": "10s"}


@pytest.fixture(scope="module", autouse=True)
def dns():
    DNS.start()
    yield DNS
    DNS.stop()
    _silent_udp.close()


def message(to, sender="sender@remote.test", subject="outbound", size=None):
    """A (queue id, sender, rcpts, raw) tuple for enqueue()."""
    to = to if isinstance(to, list) else [to]
    qid = "T" + uuid.uuid4().hex[:15].upper()
    raw = h.make_message(subject=subject, sender=sender or "mailer-daemon@remote.test",
                         to=to[0], size=size, token=qid.lower())
    return (qid, sender, to, raw)


def rows(pg, qid):
    """{recipient: (state, attempts, last_code, last_error)} of a message."""
    return {r[0]: tuple(r[1:]) for r in pg.sql(
        "SELECT r.recipient, r.state, r.attempts, r.last_code, r.last_error "
        "FROM queue_recipients r JOIN queue_messages m ON m.id = r.message_id "
        "WHERE m.queue_id = %s", (qid,))}


def wait_state(pg, qid, state, timeout=30):
    h.wait_for(lambda: rows(pg, qid) and all(v[0] == state for v in rows(pg, qid).values()),
               timeout=timeout, message=f"{qid} not {state}: {rows(pg, qid)}")
    return rows(pg, qid)


def assert_serving(node):
    """The node still answers SMTP (its workers are not stalled)."""
    with socket.create_connection(("127.0.0.1", node.port("smtp")), timeout=5) as s:
        assert s.recv(512).startswith(b"220 ")


def test_first_mx_down_delivers_to_second(pg, node):
    with mp.SmtpSink("127.0.0.2", PORT) as sink:
        m = message("bob@two-mx.test")
        enqueue(pg.conninfo, [m])
        got = sink.wait_messages(1)
        assert got[0]["rcpt_tos"] == ["bob@two-mx.test"]
        assert m[0].lower().encode() in got[0]["data"]
        assert wait_state(pg, m[0], "sent")["bob@two-mx.test"][2] == 250
    assert "event=delivered to=<bob@two-mx.test> relay=two-mx.test code=250" in node.log_text()


def test_relayed_submission_is_delivered(pg, node, settings):
    """End to end: a trusted client's mail to a remote domain is queued by
    the SMTP session and delivered by a runner."""
    settings.set("trusted_networks", "127.0.0.0/8")
    with mp.SmtpSink("127.0.0.16", PORT) as sink:
        msg = h.make_message(subject="relayed", sender="user@example.test", to="z@direct.test")
        sent = h.smtp_send(node.port("smtp"), "user@example.test", ["z@direct.test"], msg)
        assert sent.code == 250
        got = sink.wait_messages(1)
        assert got[0]["rcpt_tos"] == ["z@direct.test"]
        assert h.token_of(msg).encode() in got[0]["data"]
        wait_state(pg, sent.queue_id, "sent")


def test_domain_without_mx_is_its_own_mail_host(pg, node):
    with mp.SmtpSink("127.0.0.3", PORT) as sink:
        m = message("carol@a-only.test")
        enqueue(pg.conninfo, [m])
        sink.wait_messages(1)
        wait_state(pg, m[0], "sent")


def test_temporary_refusal_then_success_on_retry(pg, node):
    tries = []

    def refuse_first(address):
        tries.append(address)
        return "450 4.2.0 Mailbox busy" if len(tries) == 1 else None

    with mp.SmtpSink("127.0.0.4", PORT, rcpt_reply=refuse_first) as sink:
        m = message("dave@retry.test")
        enqueue(pg.conninfo, [m])
        sink.wait_messages(1)
        state, attempts, code, error = wait_state(pg, m[0], "sent")["dave@retry.test"]
        assert (attempts, code) == (2, 250)
        assert "Mailbox busy" in error     # the deferral's reply is kept
    log = node.log_text()
    assert "event=deferred to=<dave@retry.test>" in log and "code=450" in log


def test_permanent_refusal_fails_with_reply(pg, node):
    with mp.SmtpSink("127.0.0.5", PORT,
                     rcpt_reply=lambda a: "550 5.1.1 No such user here") as sink:
        m = message(["nobody@fail.test"])
        enqueue(pg.conninfo, [m])
        state, attempts, code, error = wait_state(pg, m[0], "failed")["nobody@fail.test"]
        assert (attempts, code) == (1, 550)
        assert "No such user here" in error
        assert sink.messages == []
    assert "event=bounced to=<nobody@fail.test>" in node.log_text()


@pytest.mark.parametrize("domain, code, words", [
    ("null.test", 556, "null MX"),
    ("nosuch-domain.test", 550, "not found"),
])
def test_undeliverable_domains_fail(pg, node, domain, code, words):
    m = message(f"x@{domain}")
    enqueue(pg.conninfo, [m])
    state, attempts, last_code, error = wait_state(pg, m[0], "failed")[f"x@{domain}"]
    assert last_code == code and words in error
    assert_serving(node)


def test_dns_timeout_defers(pg, node):
    m = message("y@timeout.test")
    enqueue(pg.conninfo, [m])
    h.wait_for(lambda: rows(pg, m[0])["y@timeout.test"][1] >= 1, timeout=60,
               message=f"no attempt: {rows(pg, m[0])}")
    state, attempts, code, error = rows(pg, m[0])["y@timeout.test"]
    assert state in ("deferred", "delivering") and code == 451 and "DNS" in error
    assert_serving(node)
    pg.sql("DELETE FROM queue_messages WHERE queue_id = %s", (m[0],))


def test_many_messages_share_few_connections(pg, node):
    with mp.SmtpSink("127.0.0.6", PORT) as sink:
        msgs = [message(["a@many.test", "b@many.test"]) for _ in range(40)]
        enqueue(pg.conninfo, msgs)
        sink.wait_messages(40)
        for m in msgs:
            wait_state(pg, m[0], "sent")
        # every recipient once; a message's RCPTs travel together unless two
        # workers' claims raced for its recipients (SKIP LOCKED may split them)
        got = sorted(r for g in sink.messages for r in g["rcpt_tos"])
        assert got == sorted(["a@many.test", "b@many.test"] * 40)
        together = sum(1 for g in sink.messages if len(g["rcpt_tos"]) == 2)
        assert together >= 30, [g["rcpt_tos"] for g in sink.messages]
        # one claim takes the 80 recipients; a second worker may race for some
        assert sink.sessions <= 2


def test_messages_per_connection_opens_more_connections(pg, node, settings):
    settings.set("outbound_messages_per_connection", "5")
    with mp.SmtpSink("127.0.0.6", PORT) as sink:
        msgs = [message("c@many.test") for _ in range(20)]
        enqueue(pg.conninfo, msgs)
        sink.wait_messages(20)
        for m in msgs:
            wait_state(pg, m[0], "sent")
        assert sink.sessions >= 4


def test_transport_routes_to_fixed_host(pg, node, settings):
    # routed.test has no DNS record at all: only the transport reaches it
    settings.set("outbound_transport", f"routed.test=127.0.0.7:{PORT}")
    with mp.SmtpSink("127.0.0.7", PORT) as sink:
        m = message("r@routed.test")
        enqueue(pg.conninfo, [m])
        sink.wait_messages(1)
        wait_state(pg, m[0], "sent")


def test_sender_domain_smarthost_with_auth(pg, node, settings):
    settings.set("outbound_smarthost", f"relayuser:s3cr:et@smarthost.test:{PORT}",
                 domain="example.test")
    with mp.SmtpSink("127.0.0.8", PORT, auth={"relayuser": "s3cr:et"}) as relay, \
            mp.SmtpSink("127.0.0.16", PORT) as direct:
        local = message("d@direct.test", sender="user@example.test")
        remote = message("d@direct.test", sender="someone@remote.test")
        enqueue(pg.conninfo, [local, remote])
        relay.wait_messages(1)
        direct.wait_messages(1)
        wait_state(pg, local[0], "sent")
        wait_state(pg, remote[0], "sent")
        assert relay.messages[0]["mail_from"] == "user@example.test"
        assert direct.messages[0]["mail_from"] == "someone@remote.test"


def test_smarthost_wrong_password_is_not_delivered(pg, node, settings):
    settings.set("outbound_smarthost", f"relayuser:wrong@smarthost.test:{PORT}",
                 domain="example.test")
    with mp.SmtpSink("127.0.0.8", PORT, auth={"relayuser": "right"}) as relay:
        m = message("e@direct.test", sender="user@example.test")
        enqueue(pg.conninfo, [m])
        h.wait_for(lambda: rows(pg, m[0])["e@direct.test"][1] >= 1, timeout=30)
        assert relay.messages == []
        assert rows(pg, m[0])["e@direct.test"][0] != "sent"
    pg.sql("DELETE FROM queue_messages WHERE queue_id = %s", (m[0],))


def test_tls_required_domain(pg, node, settings):
    settings.set("outbound_tls_required_domains", "tls-req.test, tls-ok.test")
    with mp.SmtpSink("127.0.0.9", PORT) as plain, \
            mp.SmtpSink("127.0.0.10", PORT, tls=mp.sink_tls_context()) as tls:
        refused = message("t@tls-req.test")
        ok = message("t@tls-ok.test")
        enqueue(pg.conninfo, [refused, ok])
        tls.wait_messages(1)
        assert tls.messages[0]["tls"] is True
        wait_state(pg, ok[0], "sent")
        h.wait_for(lambda: rows(pg, refused[0])["t@tls-req.test"][1] >= 1, timeout=30)
        state, attempts, code, error = rows(pg, refused[0])["t@tls-req.test"]
        assert code // 100 == 4 and plain.messages == []
    pg.sql("DELETE FROM queue_messages WHERE queue_id = %s", (refused[0],))


def test_slow_domain_does_not_starve_others(pg, node, settings):
    """Each worker may keep one connection to a domain and two in all; the
    older rows of a domain that never answers are skipped by the claims."""
    settings.set("outbound_domain_concurrency", "2")
    settings.set("outbound_concurrency", "4")
    settings.set("outbound_batch_max", "2")
    port, stop = mp.silent_server("127.0.0.11", PORT)
    try:
        with mp.SmtpSink("127.0.0.12", PORT) as fast:
            slow = [message("s@slow.test") for _ in range(12)]
            enqueue(pg.conninfo, slow)
            time.sleep(1)
            quick = [message("f@fast.test") for _ in range(3)]
            enqueue(pg.conninfo, quick)
            fast.wait_messages(3, timeout=4)   # well before the 5 s greeting timeout
            waiting = pg.value("SELECT count(*) FROM queue_recipients "
                               "WHERE domain = 'slow.test' AND state = 'queued'")
            assert waiting >= 8, "the slow domain got more connections than its limit"
    finally:
        stop()
        pg.sql("DELETE FROM queue_messages m USING queue_recipients r "
               "WHERE r.message_id = m.id AND r.domain = 'slow.test'")


def test_domain_rate_limit_gives_back_the_rest(pg, node, settings):
    """rate.test gets 2 messages a minute per node (1 per worker): a batch
    of 6 sends at most 2, and the rest goes back to the queue unattempted."""
    settings.set("outbound_domain_limits", "rate.test=10/2")
    with mp.SmtpSink("127.0.0.17", PORT) as sink:
        msgs = [message("q@rate.test") for _ in range(6)]
        enqueue(pg.conninfo, msgs)
        sink.wait_messages(1)
        time.sleep(3)
        assert 1 <= len(sink.messages) <= 2
        counts = dict(pg.sql("SELECT state, count(*) FROM queue_recipients "
                             "WHERE domain = 'rate.test' GROUP BY 1"))
        assert counts.get("sent", 0) == len(sink.messages)
        assert pg.value("SELECT count(*) FROM queue_recipients WHERE domain = 'rate.test' "
                        "AND state IN ('queued', 'delivering') AND attempts = 0") \
            == 6 - len(sink.messages)
    pg.sql("DELETE FROM queue_messages m USING queue_recipients r "
           "WHERE r.message_id = m.id AND r.domain = 'rate.test'")


@pytest.mark.parametrize("greeting, host, domain", [
    (b"220-" + b"x" * (10 * 1024 * 1024), "127.0.0.13", "greet.test"),
    (None, "127.0.0.14", "mute.test"),
])
def test_hostile_servers_defer_without_stalling(pg, node, greeting, host, domain):
    port, stop = mp.silent_server(host, PORT, greeting=greeting)
    try:
        m = message(f"h@{domain}")
        started = time.monotonic()
        enqueue(pg.conninfo, [m])
        h.wait_for(lambda: rows(pg, m[0])[f"h@{domain}"][1] >= 1, timeout=30)
        assert_serving(node)
        state, attempts, code, error = rows(pg, m[0])[f"h@{domain}"]
        assert code // 100 == 4 and state in ("deferred", "delivering", "queued")
        assert time.monotonic() - started < 20
    finally:
        stop()
        pg.sql("DELETE FROM queue_messages WHERE queue_id = %s", (m[0],))


def test_lease_renewed_for_slow_delivery(pg, node, settings):
    """A DATA reply slower than the lease: the runner renews its claim,
    so the result is accepted and the message is delivered once."""
    settings.set("queue_lease_time", "10s")
    settings.set("outbound_data_timeout", "60s")

    def slow(envelope):
        time.sleep(14)

    with mp.SmtpSink("127.0.0.15", PORT, data_reply=slow) as sink:
        m = message("l@lease.test")
        enqueue(pg.conninfo, [m])
        state, attempts, code, error = wait_state(pg, m[0], "sent", timeout=40)["l@lease.test"]
        assert attempts == 1 and len(sink.messages) == 1


# ------------------------------------------------------------ the runner's SQL

def test_lease_statements_as_the_c_code_sends_them(pg, mail_setup):
    """queue-pg/pgq-lease.c's statements prepared with untyped parameters
    (as libpq sends them): claim with a skip list, renew, results, release.
    No runner interferes: the rows are for a domain claimed in one
    transaction and rolled back."""
    from queue_sql import c_statements
    import re
    stmts = {re.search(r"petrel_queue_\w+", s).group(0): s
             for s in c_statements(("pgq-lease.c",))}
    assert sorted(stmts) == ["petrel_queue_claim", "petrel_queue_next_due",
                             "petrel_queue_release", "petrel_queue_renew",
                             "petrel_queue_results"]
    import psycopg2
    conn = psycopg2.connect(pg.conninfo)
    try:
        cur = conn.cursor()

        def run(name, *params):
            cur.execute("DEALLOCATE ALL")
            cur.execute(f"PREPARE q AS {stmts[name]}")
            cur.execute("EXECUTE q" + ("(" + ", ".join(["%s"] * len(params)) + ")"
                                       if params else ""), [str(p) for p in params])
            return cur.fetchall()

        from queue_sql import store_contents
        import psycopg2 as p2
        sha = store_contents(cur, [b"Subject: sql\r\n\r\nbody\r\n"])[0]
        cur.execute("SELECT petrel_queue_add('t', 3600, %s, %s, %s, %s, %s)",
                    (["SQL1", "SQL2"], ["user@example.test", "x@remote.test"],
                     [p2.Binary(sha)] * 2, [1, 1, 2], ["a@sql-a.test", "b@sql-a.test",
                                                       "c@sql-b.test"]))
        cur.execute("UPDATE queue_recipients SET next_attempt_at = now() - interval '1 day' "
                    "WHERE domain IN ('sql-a.test', 'sql-b.test')")
        # the oldest due domain overall is sql-a.test; skipping it gives sql-b.test
        skip = "{" + ",".join(r[0] for r in pg.sql(
            "SELECT DISTINCT domain FROM queue_recipients "
            "WHERE domain NOT IN ('sql-a.test', 'sql-b.test')")) + "}"
        skip_a = skip[:-1] + ("," if skip != "{}" else "") + "sql-a.test}"
        rows = run("petrel_queue_claim", "h/0/1", 10, 60, skip_a)
        assert [(r[3], r[4], r[8]) for r in rows] == [("c@sql-b.test", "sql-b.test", None)]
        rows = run("petrel_queue_claim", "h/0/1", 10, 60, skip)
        assert [(r[3], r[4]) for r in rows] == [("a@sql-a.test", "sql-a.test"),
                                                 ("b@sql-a.test", "sql-a.test")]
        cur.execute("SELECT id FROM domains WHERE name = 'example.test'")
        assert rows[0][8] == cur.fetchone()[0]     # the sender's local domain
        a, b = rows[0][0], rows[1][0]
        assert run("petrel_queue_renew", "h/0/1", f"{{{a},{b}}}", 600) == [(2,)]
        assert run("petrel_queue_renew", "other", f"{{{a},{b}}}", 600) == [(0,)]
        assert run("petrel_queue_release", "h/0/1", f"{{{b}}}") == [(1,)]
        assert run("petrel_queue_results", "h/0/1", f"{{{a},{b}}}", "{sent,failed}",
                   "{250,550}", '{"ok","no"}', "{60}") == [(a, "sent")]
        cur.execute("SELECT state, attempts, lease_node FROM queue_recipients WHERE id = %s",
                    (b,))
        assert cur.fetchone() == ("queued", 0, None)
        assert run("petrel_queue_next_due")[0][0] is not None
        with pytest.raises(psycopg2.Error, match="not sent, failed or deferred"):
            run("petrel_queue_results", "h/0/1", f"{{{b}}}", "{bogus}", "{250}", "{x}", "{60}")
    finally:
        conn.rollback()
        conn.close()
