"""The admin API's operations resources with real traffic: SMTP rules and
delivery rules (a rule created over HTTP refuses mail at once; disabled
by PATCH it stops; bad regex 422), DKIM keys (generated rsa/ed25519, shown
with their DNS record, deleted), the nodes registry, and the traffic
statistics (mail received and refused shows up in /stats). Every bad
input answers with its status and the server keeps serving; a domain
admin gets 403 on every route."""

import json
import smtplib
import time

import pytest

import petrel_harness as h
from admin_client import admin_pair

NODE_LISTENERS = ("smtp", "admin")
SETTLE_SECONDS = 0.5      # rules and lists reach the workers by NOTIFY


@pytest.fixture(scope="module")
def api(node, ctl):
    return admin_pair(node, ctl)


def send(node, sender, rcpt="bob@example.test"):
    return h.smtp_send(node.port("smtp"), sender, [rcpt], h.make_message(sender=sender))


def still_serving(client):
    status, body, _ = client.get("/nodes")
    assert status == 200, body


PROMO_RULE = {
    "name": "no-promo", "stage": "mail", "action": "reject",
    "argument": "550 5.7.1 No promotions", "priority": 7, "comment": "from the web",
    "conditions": [{"attribute": "sender", "operator": "matches", "value": "^promo[0-9]+@"}],
}


def test_smtp_rule_lifecycle(api, node):
    root, _ = api
    status, body, _ = root.post("/rules", PROMO_RULE)
    assert status == 201, body
    assert body["name"] == "no-promo" and body["stage"] == "mail" and body["enabled"] is True
    assert body["priority"] == 7 and body["weight"] == 0 and body["id"] > 0
    assert body["conditions"] == PROMO_RULE["conditions"]
    time.sleep(SETTLE_SECONDS)
    with pytest.raises(smtplib.SMTPSenderRefused) as err:
        send(node, "promo42@remote.test")
    assert err.value.smtp_code == 550 and b"No promotions" in err.value.smtp_error

    status, body, _ = root.get("/rules")
    assert status == 200 and body["total"] == 1 and body["items"][0]["name"] == "no-promo"
    rule_id = body["items"][0]["id"]
    assert root.get(f"/rules/{rule_id}")[1]["name"] == "no-promo"     # by id too

    status, body, _ = root.patch("/rules/no-promo", {"enabled": False,
                                                     "argument": "550 5.7.1 Still no"})
    assert status == 200, body
    assert body["enabled"] is False and body["argument"] == "550 5.7.1 Still no"
    assert body["conditions"] == PROMO_RULE["conditions"] and body["id"] == rule_id
    time.sleep(SETTLE_SECONDS)
    assert send(node, "promo42@remote.test").code == 250

    status, body, _ = root.patch("/rules/no-promo", [
        {"op": "replace", "path": "/conditions/0/value", "value": "(unclosed"}],
        content_type="application/json-patch+json")
    assert status == 422 and "regex error" in body["error"]["message"], body
    status, body, _ = root.patch("/rules/no-promo", {"name": "renamed"})
    assert status == 422 and body["error"]["field"] == "name"
    assert root.get("/rules/no-promo")[1]["argument"] == "550 5.7.1 Still no"

    status, body, _ = root.delete("/rules/no-promo")
    assert status == 204, body
    for method in ("GET", "DELETE", "PATCH"):
        status, body, _ = root.request(method, "/rules/no-promo",
                                       {"enabled": True} if method == "PATCH" else None)
        assert status == 404 and "no such rule no-promo" in body["error"]["message"]
    still_serving(root)


@pytest.mark.parametrize("change,words", [
    ({"conditions": [{"attribute": "sender", "operator": "matches", "value": "(abc"}]},
     "rule bad: regex error at offset 4: missing closing parenthesis"),
    ({"stage": "sometimes"}, "unknown stage 'sometimes'"),
    ({"argument": "451 4.7.1 no"}, "the reply of reject must be"),
    ({"name": "123"}, "a rule name is 1-64 letters"),
    ({"conditions": [{"attribute": "sender"}]}, "conditions[0] needs"),
    ({"priority": "high"}, "priority"),
])
def test_bad_smtp_rules_refused(api, pg, change, words):
    root, _ = api
    body = dict(PROMO_RULE, name="bad", **change) if "name" not in change else \
        dict(PROMO_RULE, **change)
    status, answer, _ = root.post("/rules", body)
    assert status == 422 and words in answer["error"]["message"], answer
    assert pg.value("SELECT count(*) FROM smtp_rules") == 0
    still_serving(root)


def test_duplicate_rule_conflicts(api):
    root, _ = api
    assert root.post("/rules", dict(PROMO_RULE, name="twice"))[0] == 201
    status, body, _ = root.post("/rules", dict(PROMO_RULE, name="twice"))
    assert status == 409 and "rule twice already exists" in body["error"]["message"]
    assert root.delete("/rules/twice")[0] == 204


def test_delivery_rules(api, pg):
    root, _ = api
    rule = {"name": "to-junk", "action": "move", "argument": "Junk",
            "conditions": [{"attribute": "subject", "operator": "contains", "value": "spam"}]}
    status, body, _ = root.post("/delivery-rules", rule)
    assert status == 201, body
    assert body["action"] == "move" and "stage" not in body and "weight" not in body
    assert pg.value("SELECT count(*) FROM delivery_rule_conditions") == 1
    status, body, _ = root.put("/delivery-rules/to-junk", dict(rule, conditions=[
        {"attribute": "from", "operator": "contains", "value": "news"},
        {"attribute": "size", "operator": "greater", "value": "1000"}]))
    assert status == 200 and len(body["conditions"]) == 2, body
    assert root.get("/delivery-rules")[1]["total"] == 1
    status, body, _ = root.post("/delivery-rules", dict(rule, name="bad", conditions=[
        {"attribute": "subject", "operator": "matches", "value": "[a-"}]))
    assert status == 422 and "missing terminating ]" in body["error"]["message"]
    status, body, _ = root.post("/delivery-rules", dict(rule, name="bad", action="explode"))
    assert status == 422 and "unknown action 'explode'" in body["error"]["message"]
    assert root.delete("/delivery-rules/to-junk")[0] == 204
    assert root.get("/delivery-rules/to-junk")[0] == 404
    still_serving(root)


def test_rule_first_bad_member_is_the_answer(api, pg):
    root, _ = api
    for change, field in [({"name": 5, "action": 6}, "name"),
                          ({"action": 6, "stage": 7}, "action"),
                          ({"argument": 1, "comment": 2, "enabled": "yes"}, "argument"),
                          ({"comment": 2, "enabled": "yes", "priority": "x"}, "comment")]:
        status, body, _ = root.post("/rules", {**PROMO_RULE, "name": "bad", **change})
        assert status == 422 and body["error"]["field"] == field, (change, body)
    assert pg.value("SELECT count(*) FROM smtp_rules") == 0
    still_serving(root)


def rule_names(client, path, query):
    status, body, _ = client.get(path + query)
    assert status == 200, (path, query, body)
    return [r["name"] for r in body["items"]], body["total"]


def test_rules_search_and_sort(api):
    """Disabled rules (no traffic is touched): q matches a column or a
    condition and the total counts the matches; -field reverses."""
    root, _ = api
    made = [
        {"name": "alpha-rule", "priority": 30, "stage": "mail", "action": "reject",
         "argument": "550 5.7.1 Go away", "comment": "Temporary block",
         "conditions": [{"attribute": "sender", "operator": "matches", "value": "^bulk@"}]},
        {"name": "beta-rule", "priority": 10, "stage": "rcpt", "action": "tempfail",
         "argument": "451 4.7.1 Later",
         "conditions": [{"attribute": "recipient", "operator": "contains", "value": "TRAP"}]},
        {"name": "gamma-rule", "priority": 20, "stage": "helo", "action": "weight",
         "weight": 5, "conditions": []},
    ]
    for rule in made:
        status, body, _ = root.post("/rules", dict(rule, enabled=False))
        assert status == 201, body

    by_priority = ["beta-rule", "gamma-rule", "alpha-rule"]
    assert rule_names(root, "/rules", "") == (by_priority, 3)
    assert rule_names(root, "/rules", "?sort=-priority") == (by_priority[::-1], 3)
    assert rule_names(root, "/rules", "?sort=name")[0] == ["alpha-rule", "beta-rule",
                                                           "gamma-rule"]
    assert rule_names(root, "/rules", "?sort=-name")[0] == ["gamma-rule", "beta-rule",
                                                            "alpha-rule"]
    assert rule_names(root, "/rules", "?sort=id")[0] == ["alpha-rule", "beta-rule",
                                                         "gamma-rule"]
    assert rule_names(root, "/rules", "?sort=-id")[0] == ["gamma-rule", "beta-rule",
                                                          "alpha-rule"]
    assert rule_names(root, "/rules", "?q=TEMPORARY") == (["alpha-rule"], 1)   # comment
    assert rule_names(root, "/rules", "?q=trap") == (["beta-rule"], 1)         # condition
    assert rule_names(root, "/rules", "?q=later") == (["beta-rule"], 1)        # argument
    assert rule_names(root, "/rules", "?q=HELO") == (["gamma-rule"], 1)        # stage
    assert rule_names(root, "/rules", "?q=-rule&sort=-priority&per_page=2&page=2") == \
        (["beta-rule"], 3)
    assert rule_names(root, "/rules", "?q=nowhere-at-all") == ([], 0)
    for bad in ("weight", "-bogus"):
        status, body, _ = root.get(f"/rules?sort={bad}")
        assert status == 422 and body["error"]["field"] == "sort", (bad, body)
    for rule in made:
        assert root.delete("/rules/" + rule["name"])[0] == 204
    still_serving(root)


def test_delivery_rules_search_and_sort(api):
    root, _ = api
    made = [
        {"name": "junk-mover", "priority": 5, "action": "move", "argument": "Junk",
         "conditions": [{"attribute": "subject", "operator": "contains",
                         "value": "Spam-Word"}]},
        {"name": "flagger", "priority": 50, "action": "flag",
         "conditions": [{"attribute": "from", "operator": "contains", "value": "boss"}]},
    ]
    for rule in made:
        status, body, _ = root.post("/delivery-rules", dict(rule, enabled=False))
        assert status == 201, body

    assert rule_names(root, "/delivery-rules", "") == (["junk-mover", "flagger"], 2)
    assert rule_names(root, "/delivery-rules", "?sort=-priority") == \
        (["flagger", "junk-mover"], 2)
    assert rule_names(root, "/delivery-rules", "?sort=name")[0] == ["flagger", "junk-mover"]
    assert rule_names(root, "/delivery-rules", "?sort=-name")[0] == ["junk-mover", "flagger"]
    assert rule_names(root, "/delivery-rules", "?q=spam-WORD") == (["junk-mover"], 1)
    assert rule_names(root, "/delivery-rules", "?q=BOSS") == (["flagger"], 1)
    assert rule_names(root, "/delivery-rules", "?q=junk") == (["junk-mover"], 1)
    assert rule_names(root, "/delivery-rules", "?q=nowhere-at-all") == ([], 0)
    status, body, _ = root.get("/delivery-rules?sort=stage")
    assert status == 422 and body["error"]["field"] == "sort", body
    for rule in made:
        assert root.delete("/delivery-rules/" + rule["name"])[0] == 204
    still_serving(root)


def test_dkim_generate_show_delete(api):
    root, _ = api
    status, body, _ = root.post("/dkim", {"domain": "Example.test", "selector": "s1",
                                          "algorithm": "ed25519"})
    assert status == 201, body
    assert (body["domain"], body["selector"], body["algorithm"]) == \
        ("example.test", "s1", "ed25519-sha256")
    assert body["dns_name"] == "s1._domainkey.example.test."
    assert body["dns_record"] == "v=DKIM1; k=ed25519; p=" + body["public_key"]
    assert "private_key" not in body

    status, body, _ = root.post("/dkim", {"domain": "example.test"})        # rsa, default
    assert status == 201, body
    assert body["algorithm"] == "rsa-sha256" and body["selector"].startswith("petrel-")
    assert body["dns_record"].startswith("v=DKIM1; k=rsa; p=MII")
    rsa_selector = body["selector"]

    status, body, _ = root.get("/dkim?domain=example.test")
    assert status == 200 and body["total"] == 2
    assert sorted(k["selector"] for k in body["items"]) == sorted(["s1", rsa_selector])
    assert root.get("/dkim?per_page=1&page=2")[1]["total"] == 2
    status, body, _ = root.get("/dkim/example.test/s1")
    assert status == 200 and body["dns_name"] == "s1._domainkey.example.test."

    for bad, code, words in [
        ({"domain": "example.test", "selector": "s1"}, 409, "already has a DKIM key"),
        ({"domain": "nowhere.test"}, 404, "no such domain nowhere.test"),
        ({"domain": "example.test", "algorithm": "dsa"}, 422, "rsa or ed25519"),
        ({"domain": "example.test", "selector": "bad selector!"}, 422, "invalid selector"),
        ({"selector": "s2"}, 422, "domain is required"),
    ]:
        status, body, _ = root.post("/dkim", bad)
        assert status == code and words in body["error"]["message"], (bad, body)
    status, body, _ = root.get("/dkim?domain=nowhere.test")
    assert status == 404 and body["error"]["field"] == "domain", body
    status, body, _ = root.get("/dkim?domain=bad..name")
    assert status == 422 and body["error"]["field"] == "domain", body
    status, body, _ = root.post("/dkim", {"domain": 5, "selector": 6, "algorithm": 7})
    assert status == 422 and body["error"]["field"] == "domain", body
    status, body, _ = root.post("/dkim", {"domain": "example.test", "selector": 6,
                                          "algorithm": 7})
    assert status == 422 and body["error"]["field"] == "selector", body

    assert root.delete("/dkim/example.test/s1")[0] == 204
    status, body, _ = root.get("/dkim/example.test/s1")
    assert status == 404 and "no DKIM key with selector s1" in body["error"]["message"]
    assert root.delete("/dkim/example.test/s1")[0] == 404
    assert root.delete(f"/dkim/example.test/{rsa_selector}")[0] == 204
    still_serving(root)


def test_dkim_search_and_sort(api, ctl):
    root, _ = api
    ctl("domain", "add", "keys.test")
    made = [("example.test", "zz-sel"), ("keys.test", "aa-sel"), ("keys.test", "mm-sel")]
    for domain, selector in made:
        status, body, _ = root.post("/dkim", {"domain": domain, "selector": selector,
                                              "algorithm": "ed25519"})
        assert status == 201, body

    def keys(query):
        status, body, _ = root.get("/dkim" + query)
        assert status == 200, (query, body)
        return [(k["domain"], k["selector"]) for k in body["items"]], body["total"]

    assert keys("") == (made, 3)                            # by domain, then selector
    assert keys("?sort=-domain") == (made[::-1], 3)
    assert keys("?sort=selector")[0] == [made[1], made[2], made[0]]
    assert keys("?sort=-selector")[0] == [made[0], made[2], made[1]]
    assert keys("?sort=created_at")[0] == made
    assert keys("?sort=-created_at")[0] == made[::-1]
    assert keys("?q=KEYS") == (made[1:], 2)
    assert keys("?q=MM-s") == ([made[2]], 1)
    assert keys("?q=ed25519") == (made, 3)                  # the algorithm
    assert keys("?q=keys&sort=-selector&per_page=1&page=2") == ([made[1]], 2)
    assert keys("?q=keys&domain=example.test") == ([], 0)
    assert keys("?q=nowhere-at-all") == ([], 0)
    for bad in ("algorithm", "-bogus"):
        status, body, _ = root.get(f"/dkim?sort={bad}")
        assert status == 422 and body["error"]["field"] == "sort", (bad, body)
    for domain, selector in made:
        assert root.delete(f"/dkim/{domain}/{selector}")[0] == 204
    still_serving(root)


def test_nodes(api, node):
    root, _ = api
    status, body, _ = root.get("/nodes")
    assert status == 200, body
    assert body["total"] == 1
    (n,) = body["items"]
    assert n["id"] == node.node_id and n["host"] and n["version"]
    assert n["started_at"].endswith("Z") and n["last_seen"].endswith("Z")
    assert 0 <= n["uptime_seconds"] < 3600 and isinstance(n["sessions"], dict)


def test_stats(api, node, ctl):
    root, _ = api
    send(node, "stats-sender@remote.test")
    send(node, "stats-sender@remote.test", "alice@example.test")
    ctl("blacklist", "add", "refused@remote.test")
    time.sleep(SETTLE_SECONDS)
    with pytest.raises(smtplib.SMTPSenderRefused):
        send(node, "refused@remote.test")

    status, body, _ = root.get("/stats")
    assert status == 200, body
    assert body["hours"] == 24 and len(body["traffic"]) == 24
    assert body["traffic"][-1]["received"] >= 2 and body["traffic"][-1]["hour"].endswith("Z")
    assert body["traffic"][0]["received"] == 0
    assert {"address": "stats-sender@remote.test", "count": 2} in body["top_senders"]
    recipients = {r["address"]: r["count"] for r in body["top_recipients"]}
    assert recipients["bob@example.test"] >= 1 and recipients["alice@example.test"] >= 1
    rejects = [r for r in body["rejects_by_reason"] if r["check"] == "lists"]
    assert rejects and rejects[0]["count"] >= 1, body["rejects_by_reason"]
    assert set(body["queue"]) == {"queued", "deferred", "delivering", "done"}

    status, body, _ = root.get("/stats?hours=2")
    assert status == 200 and len(body["traffic"]) == 2
    for bad in ("0", "abc", "100000"):
        status, body, _ = root.get(f"/stats?hours={bad}")
        assert status == 422 and body["error"]["field"] == "hours", body
    still_serving(root)


@pytest.mark.parametrize("method,path", [
    ("GET", "/rules"), ("POST", "/rules"), ("GET", "/rules/x"), ("PATCH", "/rules/x"),
    ("DELETE", "/rules/x"), ("GET", "/delivery-rules"), ("POST", "/delivery-rules"),
    ("GET", "/dkim"), ("POST", "/dkim"), ("GET", "/dkim/example.test/s1"),
    ("DELETE", "/dkim/example.test/s1"), ("GET", "/nodes"), ("GET", "/stats"),
])
def test_domain_admin_forbidden(api, method, path):
    root, dom = api
    body = {"name": "x"} if method in ("POST", "PATCH") else None
    status, answer, _ = dom.request(method, path, body)
    assert status == 403, (method, path, answer)
    still_serving(root)


def test_openapi_document_is_served_without_a_token(api):
    """/api/v1/openapi.json is docs/openapi.json, the document
    node/test-admin-openapi.c checks against the registered routes."""
    root, _ = api
    status, body, headers = root.get("/openapi.json", token=None)
    assert status == 200 and headers["content-type"].startswith("application/json")
    with open(h.REPO_DIR / "docs" / "openapi.json", encoding="utf-8") as doc:
        assert body == json.load(doc)
    assert body["openapi"].startswith("3.") and "/accounts" in body["paths"]
