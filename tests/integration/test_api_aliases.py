"""The admin API's /api/v1/aliases: aliases and distribution lists (an alias
with several targets), created, listed, read, changed (targets replaced,
or added and removed with JSON Patch) and deleted; a domain admin only
reaches its own domain; and the list flag reject_external, enforced at
RCPT: an unauthenticated sender from outside the list's domain gets
550 5.7.1, a local or authenticated one is accepted."""

import smtplib

import pytest

import petrel_harness as h
from admin_client import admin_pair
from conftest import PASSWORD

NODE_LISTENERS = ("smtp", "submission", "imap", "admin")
MSG = b"From: x@example.test\r\nSubject: list\r\n\r\nhello list\r\n"


@pytest.fixture(scope="module")
def api(node, ctl):
    ctl("domain", "add", "other.test")
    ctl.add_account("carol@other.test")
    return admin_pair(node, ctl)


def test_list_lifecycle(api, ctl):
    root, _ = api
    status, body, _ = root.post("/aliases", {
        "address": "Team@Example.test",
        "targets": ["alice@example.test", "BOB@example.test", "friend@remote.test"]})
    assert status == 201, body
    assert body["address"] == "team@example.test"
    assert body["targets"] == ["alice@example.test", "bob@example.test", "friend@remote.test"]
    assert body["reject_external"] is False and body["created_at"].endswith("Z")

    status, body, _ = root.get("/accounts/alice@example.test")
    assert "team@example.test" in body["aliases"]

    # JSON Patch: add a member, remove another, turn the flag on
    status, body, _ = root.patch("/aliases/team@example.test", [
        {"op": "add", "path": "/targets/-", "value": "user@example.test"},
        {"op": "remove", "path": "/targets/2"},
        {"op": "replace", "path": "/reject_external", "value": True}],
        content_type="application/json-patch+json")
    assert status == 200, body
    assert body["targets"] == ["alice@example.test", "bob@example.test", "user@example.test"]
    assert body["reject_external"] is True
    # merge patch: the targets are replaced
    status, body, _ = root.patch("/aliases/team@example.test",
                                 {"targets": ["alice@example.test", "user@example.test"]},
                                 content_type="application/merge-patch+json")
    assert status == 200, body
    assert body["targets"] == ["alice@example.test", "user@example.test"]
    assert body["reject_external"] is True
    rows = ctl("alias", "list", json=True)
    team = sorted(r["target"] for r in rows if r["address"] == "team@example.test")
    assert team == ["alice@example.test", "user@example.test"]

    # a catch-all is an alias too
    status, body, _ = root.post("/aliases", {"address": "@other.test",
                                             "targets": ["carol@other.test"]})
    assert status == 201 and body["address"] == "@other.test", body
    status, body, _ = root.delete("/aliases/@other.test")
    assert status == 204, body
    status, body, _ = root.get("/aliases/@other.test")
    assert status == 404, body


def test_paging_and_search(api):
    root, _ = api
    for i in range(7):
        status, body, _ = root.post("/aliases", {"address": f"dl{i}@other.test",
                                                 "targets": [f"m{i}@far.test", "carol@other.test"]})
        assert status == 201, body
    status, body, _ = root.get("/aliases?domain=other.test&q=dl&per_page=3&page=3")
    assert status == 200, body
    assert body["total"] == 7 and [a["address"] for a in body["items"]] == ["dl6@other.test"]
    # a search on a member finds the list, with all its members
    status, body, _ = root.get("/aliases?q=m4@far")
    assert [a["address"] for a in body["items"]] == ["dl4@other.test"]
    assert body["items"][0]["targets"] == ["carol@other.test", "m4@far.test"]
    status, body, _ = root.get("/aliases?domain=other.test&q=dl&sort=-address&per_page=2")
    assert [a["address"] for a in body["items"]] == ["dl6@other.test", "dl5@other.test"]
    status, body, _ = root.get("/aliases?sort=targets")
    assert status == 422 and body["error"]["field"] == "sort"


def test_bad_input(api):
    root, _ = api
    for payload, field in (({"address": "x@example.test", "targets": "alice@example.test"},
                            "targets"),
                           ({"address": "x@example.test", "targets": []}, "targets"),
                           ({"address": "x@example.test", "targets": [3]}, "targets"),
                           ({"address": 5, "targets": ["alice@example.test"]}, "address"),
                           ({"targets": ["alice@example.test"]}, "address"),
                           ({"address": "x@example.test", "targets": ["alice@example.test"],
                             "reject_external": "yes"}, "reject_external")):
        status, body, _ = root.post("/aliases", payload)
        assert status == 422 and body["error"]["field"] == field, (payload, body)
    status, body, _ = root.post("/aliases", {"address": "x@example.test",
                                             "targets": ["not an address"]})
    assert status == 422, body
    status, body, _ = root.post("/aliases", {"address": "x@example.test",
                                             "targets": ["x@example.test"]})
    assert status == 422 and "itself" in body["error"]["message"], body
    status, body, _ = root.post("/aliases", {"address": "x@nowhere.test",
                                             "targets": ["alice@example.test"]})
    assert status == 404, body
    status, body, _ = root.post("/aliases", {"address": "dup@example.test",
                                             "targets": ["alice@example.test"]})
    assert status == 201, body
    status, body, _ = root.post("/aliases", {"address": "dup@example.test",
                                             "targets": ["bob@example.test"]})
    assert status == 409 and body["error"]["code"] == "conflict", body
    status, body, _ = root.patch("/aliases/dup@example.test", {"targets": None})
    assert status == 422 and body["error"]["field"] == "targets", body
    status, body, _ = root.patch("/aliases/dup@example.test", {"address": "new@example.test"})
    assert status == 422 and body["error"]["field"] == "address", body
    status, body, _ = root.get("/aliases/dup@example.test")
    assert status == 200 and body["targets"] == ["alice@example.test"]
    for method in ("get", "patch", "delete"):
        status, body, _ = getattr(root, method)("/aliases/ghost@example.test",
                                                **({"body": {"targets": ["a@b.test"]}}
                                                   if method == "patch" else {}))
        assert status == 404, (method, body)
    status, body, _ = root.get("/me")
    assert status == 200


def test_domain_admin_sees_only_its_domain(api):
    root, dom = api
    status, body, _ = root.post("/aliases", {"address": "theirs@other.test",
                                             "targets": ["carol@other.test"]})
    assert status == 201, body
    status, body, _ = dom.get("/aliases?per_page=1000")
    assert status == 200
    assert body["items"] and all(a["address"].endswith("@example.test") for a in body["items"])
    for method, path, payload in (
            ("get", "/aliases?domain=other.test", None),
            ("get", "/aliases/theirs@other.test", None),
            ("patch", "/aliases/theirs@other.test", {"targets": ["alice@example.test"]}),
            ("delete", "/aliases/theirs@other.test", None),
            ("post", "/aliases", {"address": "new@other.test", "targets": ["a@example.test"]})):
        kw = {"body": payload} if payload is not None else {}
        status, body, _ = getattr(dom, method)(path, **kw)
        assert status == 403 and body["error"]["code"] == "forbidden", (method, path, body)
    status, body, _ = root.get("/aliases/theirs@other.test")
    assert status == 200 and body["targets"] == ["carol@other.test"]
    status, body, _ = dom.post("/aliases", {"address": "mine@example.test",
                                            "targets": ["carol@other.test"]})
    assert status == 201, body


def rcpt_reply(node, sender, rcpt):
    with smtplib.SMTP("127.0.0.1", node.port("smtp"), local_hostname="client.test") as s:
        s.ehlo()
        s.mail(sender)
        return s.rcpt(rcpt)


def test_reject_external_is_enforced_at_rcpt(api, node, pg):
    root, _ = api
    status, body, _ = root.post("/aliases", {"address": "staff@example.test",
                                             "targets": ["alice@example.test", "bob@example.test"],
                                             "reject_external": True})
    assert status == 201 and body["reject_external"] is True, body

    code, text = h.wait_for(lambda: (lambda r: r if r[0] == 550 else None)(
        rcpt_reply(node, "spammer@outside.test", "staff@example.test")),
        message="the new list refuses external senders")
    assert b"5.7.1" in text, text
    # the same sender may still write to a plain account, and a sender of
    # the list's domain may write to the list
    assert rcpt_reply(node, "spammer@outside.test", "alice@example.test")[0] == 250
    assert rcpt_reply(node, "user@example.test", "staff@example.test")[0] == 250
    assert rcpt_reply(node, "", "staff@example.test")[0] == 550

    # an authenticated sender from anywhere is accepted, and the list delivers
    before = pg.value("SELECT count(*) FROM messages m JOIN accounts a ON a.id = m.account_id"
                      " WHERE a.localpart = 'bob'")
    with smtplib.SMTP("127.0.0.1", node.port("submission"), local_hostname="client.test") as s:
        s.starttls(context=h.unverified_tls_context())
        s.login("carol@other.test", PASSWORD)
        refused = s.sendmail("carol@other.test", ["staff@example.test"], MSG)
        assert refused == {}
    h.wait_for(lambda: pg.value("SELECT count(*) FROM messages m JOIN accounts a"
                                " ON a.id = m.account_id WHERE a.localpart = 'bob'") > before,
               message="the list's member got the message")

    # the flag off: the outside sender is accepted again
    status, body, _ = root.patch("/aliases/staff@example.test", {"reject_external": False})
    assert status == 200 and body["reject_external"] is False
    h.wait_for(lambda: rcpt_reply(node, "spammer@outside.test", "staff@example.test")[0] == 250,
               message="the list takes external mail again")
