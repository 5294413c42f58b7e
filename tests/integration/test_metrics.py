"""
GET /metrics on the admin listener (node/admin-metrics.c, node/metrics.c):
the Prometheus text format parsed by prometheus_client's own parser;
counters move with real traffic — SMTP deliveries, a rejected RCPT, a
greylisted message, a failed IMAP login — and are the node's totals
whichever worker served the sessions or answers the scrape; the
PostgreSQL latency histogram is cumulative and consistent; a client
outside metrics_trusted_networks without a token is refused while the
listener keeps serving.
"""
import http.client
import imaplib
import smtplib
import socket
import time

import pytest
from prometheus_client.parser import text_string_to_metric_families

import petrel_harness as h

NODE_LISTENERS = ("smtp", "imap", "admin")
NODE_WORKERS = 2
NODE_SETTINGS = {"auth_failure_delay": "0", "greylist_delay": "60"}


@pytest.fixture(scope="module")
def admin(pg, ctl, mail_setup, tmp_path_factory):
    """A node with an admin listener; the module is skipped when this
    build has no HTTP admin listener yet (the node logs it skipped)."""
    for name, value in NODE_SETTINGS.items():
        ctl("settings", "set", name, value)
    ctl("domain", "add", "grey.test")
    ctl("account", "add", "g@grey.test", "--password-stdin", input="Pw-grey-1\n")
    ctl("settings", "set", "greylist_enable", "yes", "--domain", "grey.test")
    n = h.Node(pg, tmp_path_factory.mktemp("node"), listeners=NODE_LISTENERS,
               workers=NODE_WORKERS, log_level="info")
    try:
        n.start(wait_listeners=("smtp", "imap"))
        if "listener=admin" in n.log_tail(200) and "listener_skipped" in n.log_tail(200):
            pytest.skip("this build has no HTTP admin listener yet")
        h.wait_for(lambda: _connects(n.port("admin")), message="admin listener not up")
        yield n
    finally:
        n.cleanup()


def _connects(port):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        return True
    except OSError:
        return False


def get(port, path="/metrics", headers=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", path, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, resp.getheader("Content-Type", ""), resp.read().decode()
    finally:
        conn.close()


def scrape(node):
    """{(name, frozenset(labels.items())): value} of every sample, and the families."""
    status, ctype, text = get(node.port("admin"))
    assert status == 200, text
    assert ctype.startswith("text/plain") and "version=0.0.4" in ctype
    families = list(text_string_to_metric_families(text))
    samples = {}
    for fam in families:
        for s in fam.samples:
            samples[(s.name, frozenset(s.labels.items()))] = s.value
    return samples, {f.name: f for f in families}


def val(samples, name, **labels):
    return samples.get((name, frozenset(labels.items())), 0.0)


def test_format_and_node_info(admin):
    samples, families = scrape(admin)
    assert val(samples, "petrel_node_info", node="node1", version=_version(samples)) == 1
    assert families["petrel_messages"].type == "counter"    # parser strips _total
    assert families["petrel_sessions"].type == "gauge"
    assert families["petrel_pg_query_duration_seconds"].type == "histogram"
    for state in ("queued", "delivering", "deferred", "sent", "failed", "expired"):
        assert ("petrel_queue_messages", frozenset({"state": state}.items())) in samples


def _version(samples):
    return next(dict(k[1])["version"] for k in samples if k[0] == "petrel_node_info")


def test_deliveries_and_rejected_rcpt_move_the_counters(admin):
    before, _ = scrape(admin)
    port = admin.port("smtp")
    # several sessions: with two workers they land on either, the sum is exact
    for _ in range(3):
        h.smtp_send(port, "s@remote.test", ["alice@example.test", "bob@example.test"],
                    h.make_message())
    client = smtplib.SMTP("127.0.0.1", port, local_hostname="client.test", timeout=30)
    try:
        client.ehlo()
        assert client.mail("s@remote.test")[0] == 250
        assert client.rcpt("nobody@example.test")[0] == 550
        assert client.rcpt("user@example.test")[0] == 250    # the session keeps serving
    finally:
        client.close()
    after, _ = scrape(admin)

    def delta(name, **labels):
        return val(after, name, **labels) - val(before, name, **labels)

    assert delta("petrel_messages_total", protocol="smtp", outcome="accepted") == 3
    assert delta("petrel_messages_total", protocol="smtp", outcome="delivered") == 6
    assert delta("petrel_rejects_total", protocol="smtp", stage="rcpt", temporary="false") == 1
    assert delta("petrel_rejects_total", protocol="smtp", stage="mail", temporary="false") == 0
    assert delta("petrel_pg_query_duration_seconds_count") > 0


def test_greylisted_message_is_counted(admin):
    before, _ = scrape(admin)
    client = smtplib.SMTP("127.0.0.1", admin.port("smtp"), local_hostname="client.test",
                          timeout=30, source_address=("127.0.77.1", 0))
    try:
        client.ehlo()
        assert client.mail(f"grey-{time.time_ns()}@remote.test")[0] == 250
        code, _ = client.rcpt("g@grey.test")
        assert code == 451
    finally:
        client.close()
    after, _ = scrape(admin)
    grey = val(after, "petrel_greylist_total", outcome="greylisted") - \
        val(before, "petrel_greylist_total", outcome="greylisted")
    assert grey == 1
    assert val(after, "petrel_rejects_total", protocol="smtp", stage="rcpt", temporary="true") - \
        val(before, "petrel_rejects_total", protocol="smtp", stage="rcpt", temporary="true") == 1


def test_failed_imap_login_is_counted(admin):
    before, _ = scrape(admin)
    imap = imaplib.IMAP4("127.0.0.1", admin.port("imap"), timeout=30)
    try:
        with pytest.raises(imaplib.IMAP4.error):
            imap.login("user@example.test", "wrong-password")
        imap.logout()
    except imaplib.IMAP4.abort:
        pass
    h.wait_for(lambda: val(scrape(admin)[0], "petrel_auth_failures_total", protocol="imap")
               == val(before, "petrel_auth_failures_total", protocol="imap") + 1,
               message="petrel_auth_failures_total{protocol=imap} did not move")
    after, _ = scrape(admin)
    assert val(after, "petrel_auth_failures_total", protocol="pop3") == \
        val(before, "petrel_auth_failures_total", protocol="pop3")


def test_admin_replies_are_counted_by_class(admin):
    before, _ = scrape(admin)
    status, _, _ = get(admin.port("admin"), "/api/v1/me")     # no token
    assert status == 401
    after, _ = scrape(admin)
    # a scrape is counted once answered: the first one (2xx) and the refusal (4xx)
    assert val(after, "petrel_admin_requests_total", code="2xx") == \
        val(before, "petrel_admin_requests_total", code="2xx") + 1
    assert val(after, "petrel_admin_requests_total", code="4xx") == \
        val(before, "petrel_admin_requests_total", code="4xx") + 1


def test_histogram_buckets_are_cumulative(admin):
    samples, families = scrape(admin)
    buckets = [(float(s.labels["le"]), s.value)
               for s in families["petrel_pg_query_duration_seconds"].samples
               if s.name.endswith("_bucket")]
    assert [b for b, _ in buckets] == sorted(b for b, _ in buckets)
    assert buckets[-1][0] == float("inf") and len(buckets) == 12
    counts = [c for _, c in buckets]
    assert all(a <= b for a, b in zip(counts, counts[1:]))
    assert counts[-1] == val(samples, "petrel_pg_query_duration_seconds_count") > 0
    assert val(samples, "petrel_pg_query_duration_seconds_sum") > 0


def test_untrusted_client_without_token_is_refused(admin, settings):
    settings.set("metrics_trusted_networks", "192.0.2.0/24")
    status, _, _ = get(admin.port("admin"))
    assert status in (401, 403)
    settings.unset("metrics_trusted_networks")
    status, _, _ = get(admin.port("admin"))
    assert status == 200
