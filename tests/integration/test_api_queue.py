"""The admin API's /api/v1/queue with real traffic: mail submitted (SMTP
AUTH) to a remote domain whose MX refuses connections stays deferred; the
queue is listed (state filter, search, paging, sort), summarised, shown,
retried, flushed and deleted over HTTP. Unknown ids answer 404, a bad
state 422, a domain admin 403 on every route, and the server keeps
serving after each refusal."""

import smtplib

import pytest

import mail_peers as mp
import petrel_harness as h
from admin_client import admin_pair
from conftest import PASSWORD

DNS = mp.Dnsmasq(a=[("down.test", "127.0.0.1")])
DEAD_PORT = h.free_port()            # nothing listens: every attempt is refused

NODE_LISTENERS = ("smtp", "submission", "admin")
NODE_EXTRA = mp.node_dns_config(DNS)
NODE_SETTINGS = {"outbound_port": str(DEAD_PORT), "queue_retry_schedule": "1h"}


@pytest.fixture(scope="module", autouse=True)
def dns():
    DNS.start()
    yield DNS
    DNS.stop()


@pytest.fixture(scope="module")
def api(node, ctl):
    return admin_pair(node, ctl)


def submit(node, user, rcpt, subject):
    """Submit one message as user (AUTH PLAIN after STARTTLS)."""
    client = smtplib.SMTP("127.0.0.1", node.port("submission"), local_hostname="client.test",
                          timeout=30)
    try:
        client.starttls(context=h.unverified_tls_context())
        client.login(user, PASSWORD)
        client.sendmail(user, [rcpt], h.make_message(subject=subject, sender=user))
    finally:
        client.quit()


def attempts(pg, rcpt):
    return pg.value("SELECT attempts FROM queue_recipients WHERE recipient = %s AND state ="
                    " 'deferred'", (rcpt,))


def wait_deferred(pg, rcpt, tries=1):
    h.wait_for(lambda: (attempts(pg, rcpt) or 0) >= tries, timeout=30,
               message=f"{rcpt} not deferred after {tries} attempts")


@pytest.fixture(scope="module")
def queued(api, node, pg, mail_setup):
    submit(node, "user@example.test", "x@down.test", "first")
    submit(node, "alice@example.test", "y@down.test", "second")
    wait_deferred(pg, "x@down.test")
    wait_deferred(pg, "y@down.test")
    root, _ = api
    status, body, _ = root.get("/queue?sort=queued_at")
    assert status == 200, body
    return {m["sender"]: m["id"] for m in body["items"]}


def still_serving(client):
    status, body, _ = client.get("/queue/summary")
    assert status == 200, body


def test_list_filters_search_paging(api, queued):
    root, _ = api
    status, body, _ = root.get("/queue")
    assert status == 200, body
    assert body["total"] == 2 and body["page"] == 1 and body["per_page"] == 50
    first = {m["sender"]: m for m in body["items"]}["user@example.test"]
    assert first["recipient_count"] == 1 and first["pending"] == 1 and first["size"] > 0
    assert first["next_attempt"].endswith("Z") and first["last_error"]

    status, body, _ = root.get("/queue?sort=-queued_at&per_page=1&page=1")
    assert status == 200 and body["total"] == 2
    assert [m["sender"] for m in body["items"]] == ["alice@example.test"]
    status, body, _ = root.get("/queue?sort=queued_at&per_page=1&page=2")
    assert [m["sender"] for m in body["items"]] == ["alice@example.test"]

    status, body, _ = root.get("/queue?q=ALICE")
    assert status == 200 and [m["id"] for m in body["items"]] == [queued["alice@example.test"]]
    status, body, _ = root.get("/queue?q=x%40down")        # a recipient
    assert [m["id"] for m in body["items"]] == [queued["user@example.test"]]
    status, body, _ = root.get("/queue?q=" + queued["user@example.test"])
    assert body["total"] == 1
    status, body, _ = root.get("/queue?state=deferred")
    assert body["total"] == 2
    status, body, _ = root.get("/queue?state=sent")
    assert body["total"] == 0 and body["items"] == []

    status, body, _ = root.get("/queue?state=bogus")
    assert status == 422 and "invalid state 'bogus'" in body["error"]["message"]
    assert body["error"]["field"] == "state"
    status, body, _ = root.get("/queue?sort=size")
    assert status == 422 and body["error"]["field"] == "sort"
    still_serving(root)


def test_list_search_total_and_reverse(api, queued):
    root, _ = api
    oldest = [queued["user@example.test"], queued["alice@example.test"]]

    def ids(query):
        status, body, _ = root.get("/queue" + query)
        assert status == 200, (query, body)
        return [m["id"] for m in body["items"]], body["total"]

    assert ids("?sort=queued_at") == (oldest, 2)
    assert ids("?sort=-queued_at") == (oldest[::-1], 2)
    assert ids("?q=DOWN.test&sort=-queued_at") == (oldest[::-1], 2)
    assert ids("?q=y%40down&sort=-queued_at") == ([oldest[1]], 1)
    assert ids("?q=nowhere-at-all") == ([], 0)
    for bad in ("-size", "-bogus", "sender"):
        status, body, _ = root.get(f"/queue?sort={bad}")
        assert status == 422 and body["error"]["field"] == "sort", (bad, body)
    still_serving(root)


def test_summary(api, queued):
    root, _ = api
    status, body, _ = root.get("/queue/summary")
    assert status == 200, body
    assert body["messages"] == 2 and body["recipients"] == 2
    assert body["states"] == {"queued": 0, "deferred": 2, "delivering": 0, "done": 0}
    assert body["top_domains"] == [{"domain": "down.test", "waiting": 2}]


def test_show_and_unknown(api, queued):
    root, _ = api
    status, body, _ = root.get("/queue/" + queued["user@example.test"])
    assert status == 200, body
    assert body["id"] == queued["user@example.test"] and body["sender"] == "user@example.test"
    (rcpt,) = body["recipients"]
    assert rcpt["recipient"] == "x@down.test" and rcpt["state"] == "deferred"
    assert rcpt["attempts"] >= 1 and rcpt["last_error"] and rcpt["next_attempt"].endswith("Z")
    assert rcpt["lease_node"] is None

    status, body, _ = root.get("/queue/NOSUCHID")
    assert status == 404 and "no such queued message NOSUCHID" in body["error"]["message"]
    status, body, _ = root.post("/queue/NOSUCHID/retry")
    assert status == 404, body
    status, body, _ = root.delete("/queue/NOSUCHID")
    assert status == 404, body
    still_serving(root)


def test_retry_makes_another_attempt(api, queued, pg):
    root, _ = api
    before = attempts(pg, "x@down.test")
    status, body, _ = root.post("/queue/" + queued["user@example.test"] + "/retry")
    assert status == 200 and body == {"retried": 1}
    wait_deferred(pg, "x@down.test", before + 1)
    assert attempts(pg, "y@down.test") == 1          # the other message was left alone


def test_flush_retries_everything(api, queued, pg):
    root, _ = api
    x, y = attempts(pg, "x@down.test"), attempts(pg, "y@down.test")
    status, body, _ = root.post("/queue/flush")
    assert status == 200 and body == {"retried": 2}
    wait_deferred(pg, "x@down.test", x + 1)
    wait_deferred(pg, "y@down.test", y + 1)


def test_delete(api, queued, pg):
    root, _ = api
    queue_id = queued["alice@example.test"]
    wait_deferred(pg, "y@down.test")
    status, body, _ = root.delete("/queue/" + queue_id)
    assert status == 204, body
    status, body, _ = root.get("/queue/" + queue_id)
    assert status == 404
    status, body, _ = root.get("/queue")
    assert [m["id"] for m in body["items"]] == [queued["user@example.test"]]
    status, body, _ = root.delete("/queue/" + queue_id)
    assert status == 404
    still_serving(root)


@pytest.mark.parametrize("method,path", [
    ("GET", "/queue"), ("GET", "/queue/summary"), ("GET", "/queue/X1"),
    ("POST", "/queue/X1/retry"), ("POST", "/queue/flush"), ("DELETE", "/queue/X1"),
])
def test_domain_admin_forbidden(api, queued, method, path):
    root, dom = api
    status, body, _ = dom.request(method, path)
    assert status == 403, (method, path, body)
    assert body["error"]["code"]
    still_serving(root)
