"""The admin API's /api/v1/greylist, /lists and /bans with real traffic: a
greylisted triplet is listed and flushed; a black-list entry added over
HTTP refuses its sender at MAIL (and the refusal stops once the entry is
deleted by id); a ban is listed and lifted. Bad input answers 422 (bad
regex, bad IP, bad kind), unknown ids 404, duplicates 409, a domain admin
403 on every route; the server keeps serving after each refusal."""

import smtplib
import time

import pytest

import petrel_harness as h
from admin_client import admin_pair

NODE_LISTENERS = ("smtp", "admin")


@pytest.fixture(scope="module")
def api(node, ctl):
    return admin_pair(node, ctl)


def settle():
    """Workers reload the lists on NOTIFY within milliseconds."""
    time.sleep(0.3)


def send(node, src, sender):
    return h.smtp_send(node.port("smtp"), sender, ["bob@example.test"],
                       h.make_message(sender=sender), source_address=(src, 0))


def still_serving(client):
    status, body, _ = client.get("/bans")
    assert status == 200, body


def test_greylist_list_and_flush(api, node, settings):
    root, _ = api
    settings.set("greylist_enable", "yes")
    with pytest.raises(smtplib.SMTPRecipientsRefused) as err:
        send(node, "127.0.40.1", "grey@remote.test")
    assert err.value.recipients["bob@example.test"][0] == 451
    status, body, _ = root.get("/greylist")
    assert status == 200, body
    triplets = [e for e in body["items"] if e["sender"] is not None]
    assert body["total"] >= 1 and len(triplets) == 1
    (t,) = triplets
    assert (t["sender"], t["recipient"], t["state"]) == \
        ("grey@remote.test", "bob@example.test", "greylisted")
    assert t["network"].startswith("127.0.40.") and t["attempts"] == 1
    assert t["first_seen"].endswith("Z") and t["expires_at"].endswith("Z")

    status, body, _ = root.get("/greylist?per_page=1&page=99")
    assert status == 200 and body["items"] == [] and body["total"] >= 1
    status, body, _ = root.get("/greylist?per_page=0")
    assert status == 422, body

    status, body, _ = root.delete("/greylist")
    assert status == 200 and body["deleted"] >= 1
    status, body, _ = root.get("/greylist")
    assert body["total"] == 0 and body["items"] == []
    settings.restore()


def test_greylist_search_and_sort(api, pg):
    """q filters (any of network, sender, recipient, state, any case) and
    the total counts the matches; -field reverses the triplets' order,
    the networks staying first."""
    root, _ = api
    assert root.delete("/greylist")[0] == 200
    pg.sql("INSERT INTO greylist (network, sender, recipient, first_seen, last_seen,"
           " expires_at) VALUES"
           " ('127.0.50.0/24', 'old@far.test', 'bob@example.test', now() - interval '3 hours',"
           "  now() - interval '2 hours', now() + interval '1 hour'),"
           " ('127.0.51.0/24', 'NEW@far.test', 'bob@example.test', now() - interval '1 hour',"
           "  now() - interval '1 minute', now() + interval '3 hours'),"
           " ('127.0.52.0/24', 'mid@near.test', 'alice@example.test',"
           "  now() - interval '2 hours', now() - interval '1 hour', now() + interval '2 hours')")
    pg.sql("INSERT INTO greylist_networks (network, passes, expires_at)"
           " VALUES ('127.0.53.0/24', 3, now() + interval '1 day')")

    def senders(query):
        status, body, _ = root.get("/greylist" + query)
        assert status == 200, (query, body)
        return [e["sender"] for e in body["items"]], body["total"]

    newest = [None, "NEW@far.test", "mid@near.test", "old@far.test"]
    assert senders("") == (newest, 4)                       # without sort: newest first
    assert senders("?sort=-last_seen") == (newest, 4)
    assert senders("?sort=last_seen") == ([None] + newest[:0:-1], 4)
    assert senders("?sort=first_seen")[0] == [None, "old@far.test", "mid@near.test",
                                              "NEW@far.test"]
    assert senders("?sort=-first_seen")[0] == [None, "NEW@far.test", "mid@near.test",
                                               "old@far.test"]
    assert senders("?sort=expires_at")[0] == [None, "old@far.test", "mid@near.test",
                                              "NEW@far.test"]
    assert senders("?q=FAR.test") == (["NEW@far.test", "old@far.test"], 2)
    assert senders("?q=far.test&sort=last_seen") == (["old@far.test", "NEW@far.test"], 2)
    assert senders("?q=new") == (["NEW@far.test"], 1)
    assert senders("?q=alice%40") == (["mid@near.test"], 1)     # a recipient
    assert senders("?q=127.0.53") == ([None], 1)                # a network
    assert senders("?q=counting") == ([None], 1)                # a state
    assert senders("?q=far&per_page=1&page=2") == (["old@far.test"], 2)
    assert senders("?q=nowhere-at-all") == ([], 0)
    for bad in ("network", "-bogus", "sender"):
        status, body, _ = root.get(f"/greylist?sort={bad}")
        assert status == 422 and body["error"]["field"] == "sort", (bad, body)
    assert root.delete("/greylist")[1]["deleted"] == 4
    still_serving(root)


def test_black_list_add_refuses_then_delete(api, node):
    root, _ = api
    status, body, _ = root.post("/lists", {"kind": "black", "value": "Spammer@Remote.test",
                                           "comment": "from the web"})
    assert status == 201, body
    assert (body["kind"], body["type"], body["value"], body["comment"]) == \
        ("black", "address", "spammer@remote.test", "from the web")
    entry_id = body["id"]
    settle()
    with pytest.raises(smtplib.SMTPSenderRefused) as err:
        send(node, "127.0.41.1", "spammer@remote.test")
    assert err.value.smtp_code == 550 and b"blacklisted" in err.value.smtp_error

    status, body, _ = root.post("/lists", {"kind": "white", "value": "127.0.42.0/24"})
    assert status == 201 and body["type"] == "ip"
    status, body, _ = root.get("/lists?kind=black")
    assert status == 200 and [e["id"] for e in body["items"]] == [entry_id]
    status, body, _ = root.get("/lists")
    assert body["total"] == 2 and {e["kind"] for e in body["items"]} == {"black", "white"}
    status, body, _ = root.get("/lists?per_page=1&page=2")
    assert body["total"] == 2 and body["items"][0]["kind"] == "white"

    status, body, _ = root.delete(f"/lists/{entry_id}")
    assert status == 204, body
    settle()
    assert send(node, "127.0.41.1", "spammer@remote.test").code == 250
    status, body, _ = root.delete(f"/lists/{entry_id}")
    assert status == 404 and f"no list entry {entry_id}" in body["error"]["message"]
    still_serving(root)


@pytest.mark.parametrize("body,status,field,words", [
    ({"kind": "black", "value": "/bad(regex/"}, 422, "value", "bad regex"),
    ({"kind": "black", "value": "10.0.0.300"}, 422, "value", ""),
    ({"kind": "grey", "value": "x@remote.test"}, 422, "kind", "white or black"),
    ({"value": "x@remote.test"}, 422, "kind", "required"),
    ({"kind": "black"}, 422, "value", "required"),
    ({"kind": "black", "value": 5}, 422, "value", ""),
])
def test_list_bad_input(api, body, status, field, words):
    root, _ = api
    got, answer, _ = root.post("/lists", body)
    assert got == status, answer
    assert answer["error"]["field"] == field and words in answer["error"]["message"]
    still_serving(root)


def test_list_duplicate_and_bad_ids(api):
    root, _ = api
    assert root.post("/lists", {"kind": "black", "value": "dup@remote.test"})[0] == 201
    status, body, _ = root.post("/lists", {"kind": "black", "value": "DUP@remote.test"})
    assert status == 409 and "already on the black list" in body["error"]["message"]
    for bad in ("abc", "0", "99999"):
        status, body, _ = root.delete(f"/lists/{bad}")
        assert status == 404, (bad, body)
    status, body, _ = root.get("/lists?kind=grey")
    assert status == 422 and body["error"]["field"] == "kind"
    still_serving(root)


def test_list_first_bad_member_is_the_answer(api):
    root, _ = api
    status, body, _ = root.post("/lists", {"kind": 1, "value": 2, "comment": 3})
    assert status == 422 and body["error"]["field"] == "kind", body
    status, body, _ = root.post("/lists", {"kind": "black", "value": 2, "comment": 3})
    assert status == 422 and body["error"]["field"] == "value", body
    still_serving(root)


def test_lists_search_and_sort(api):
    root, _ = api
    ids = {}
    for kind, value, comment in [("black", "zeta@far.test", "Wave of junk"),
                                 ("white", "alpha@far.test", ""),
                                 ("black", "127.0.60.0/24", "a scanner")]:
        status, body, _ = root.post("/lists", {"kind": kind, "value": value,
                                               "comment": comment})
        assert status == 201, body
        ids[value] = body["id"]

    def values(query):
        status, body, _ = root.get("/lists" + query)
        assert status == 200, (query, body)
        return [e["value"] for e in body["items"]], body["total"]

    assert values("?q=FAR.test") == (["zeta@far.test", "alpha@far.test"], 2)
    assert values("?q=far.test&sort=-id") == (["alpha@far.test", "zeta@far.test"], 2)
    assert values("?q=far.test&sort=value") == (["alpha@far.test", "zeta@far.test"], 2)
    assert values("?q=far.test&sort=-value") == (["zeta@far.test", "alpha@far.test"], 2)
    assert values("?q=far.test&sort=created_at")[0] == ["zeta@far.test", "alpha@far.test"]
    assert values("?q=far.test&sort=-created_at")[0] == ["alpha@far.test", "zeta@far.test"]
    assert values("?q=far.test&sort=kind")[0] == ["zeta@far.test", "alpha@far.test"]
    assert values("?q=far.test&sort=-kind")[0] == ["alpha@far.test", "zeta@far.test"]
    assert values("?q=wAVE") == (["zeta@far.test"], 1)              # a comment
    assert values("?q=127.0.60") == (["127.0.60.0/24"], 1)
    assert values("?q=far&kind=white") == (["alpha@far.test"], 1)
    assert values("?q=far&per_page=1&page=2") == (["alpha@far.test"], 2)
    assert values("?q=nowhere-at-all") == ([], 0)
    for bad in ("comment", "-bogus"):
        status, body, _ = root.get(f"/lists?sort={bad}")
        assert status == 422 and body["error"]["field"] == "sort", (bad, body)
    for entry_id in ids.values():
        assert root.delete(f"/lists/{entry_id}")[0] == 204
    still_serving(root)


def test_bans_list_and_lift(api, pg):
    root, _ = api
    pg.sql("INSERT INTO bans (ip, reason, expires_at) VALUES"
           " ('127.0.43.7', 'too many failed logins', now() + interval '1 hour'),"
           " ('127.0.43.8', 'old', now() - interval '1 minute')")
    status, body, _ = root.get("/bans")
    assert status == 200, body
    assert body["total"] == 1 and body["items"][0]["ip"] == "127.0.43.7"
    assert body["items"][0]["reason"] == "too many failed logins"
    assert body["items"][0]["expires_at"].endswith("Z")

    status, body, _ = root.delete("/bans/127.0.43.7")
    assert status == 204, body
    assert root.get("/bans")[1]["total"] == 0
    assert pg.value("SELECT count(*) FROM petrel_ban_check('127.0.43.7')") == 0
    status, body, _ = root.delete("/bans/127.0.43.7")
    assert status == 404 and "is not banned" in body["error"]["message"]
    for bad in ("not-an-ip", "10.0.0.0%2F8", "300.1.1.1"):
        status, body, _ = root.delete(f"/bans/{bad}")
        assert status == 422 and "invalid IP address" in body["error"]["message"], (bad, body)
    still_serving(root)


def test_bans_search_and_sort(api, pg):
    root, _ = api
    pg.sql("INSERT INTO bans (ip, reason, created_at, expires_at) VALUES"
           " ('127.0.44.1', 'too many failed logins', now() - interval '2 hours',"
           "  now() + interval '3 hours'),"
           " ('127.0.44.2', 'Manual block', now() - interval '1 hour',"
           "  now() + interval '1 hour'),"
           " ('127.0.45.1', 'too many failed logins', now() - interval '3 hours',"
           "  now() + interval '2 hours')")

    def ips(query):
        status, body, _ = root.get("/bans?q=127.0.4" + query)
        assert status == 200, (query, body)
        return [b["ip"] for b in body["items"]], body["total"]

    newest = ["127.0.44.2", "127.0.44.1", "127.0.45.1"]
    assert ips("") == (newest, 3)                           # without sort: newest first
    assert ips("&sort=-created_at") == (newest, 3)
    assert ips("&sort=created_at") == (newest[::-1], 3)
    assert ips("&sort=expires_at")[0] == ["127.0.44.2", "127.0.45.1", "127.0.44.1"]
    assert ips("&sort=-expires_at")[0] == ["127.0.44.1", "127.0.45.1", "127.0.44.2"]
    assert ips("&sort=ip")[0] == ["127.0.44.1", "127.0.44.2", "127.0.45.1"]
    assert ips("&sort=-ip")[0] == ["127.0.45.1", "127.0.44.2", "127.0.44.1"]
    assert ips("4.") == (["127.0.44.2", "127.0.44.1"], 2)      # q=127.0.44.
    status, body, _ = root.get("/bans?q=MANUAL")              # the reason
    assert [b["ip"] for b in body["items"]] == ["127.0.44.2"] and body["total"] == 1
    status, body, _ = root.get("/bans?q=failed%20LOGINS&sort=ip&per_page=1&page=2")
    assert [b["ip"] for b in body["items"]] == ["127.0.45.1"] and body["total"] == 2
    for bad in ("reason", "-bogus"):
        status, body, _ = root.get(f"/bans?sort={bad}")
        assert status == 422 and body["error"]["field"] == "sort", (bad, body)
    for ip in newest:
        assert root.delete(f"/bans/{ip}")[0] == 204
    still_serving(root)


@pytest.mark.parametrize("method,path", [
    ("GET", "/greylist"), ("DELETE", "/greylist"), ("GET", "/lists"), ("POST", "/lists"),
    ("DELETE", "/lists/1"), ("GET", "/bans"), ("DELETE", "/bans/127.0.0.9"),
])
def test_domain_admin_forbidden(api, method, path):
    root, dom = api
    body = {"kind": "black", "value": "x@remote.test"} if method == "POST" else None
    status, answer, _ = dom.request(method, path, body)
    assert status == 403, (method, path, answer)
    still_serving(root)
