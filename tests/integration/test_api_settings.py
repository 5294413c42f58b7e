"""The admin API's settings at the server, domain and account scope: each
shows the value stored there, the default, the effective value and where
it came from (account > domain > server > default); PUT stores a value the
registry accepts (422 with its parse error otherwise) and the nodes use it;
DELETE inherits again; a domain admin reaches only its domain's and
accounts' settings."""

import smtplib

import pytest

import petrel_harness as h
from admin_client import admin_pair

NODE_LISTENERS = ("smtp", "admin")
QEP = "quota_exceeded_permanent"


@pytest.fixture(scope="module")
def api(node, ctl):
    ctl("domain", "add", "other.test")
    ctl.add_account("carol@other.test")
    return admin_pair(node, ctl)


def test_server_settings_list_and_page(api):
    root, _ = api
    status, body, _ = root.get("/settings?per_page=1000")
    assert status == 200, body
    names = [s["name"] for s in body["items"]]
    assert body["total"] == len(names) > 50 and names == sorted(names)
    item = next(s for s in body["items"] if s["name"] == "smtp_max_recipients")
    assert item == {"name": "smtp_max_recipients", "value": None, "default": "100",
                    "effective": "100", "source": "default", "type": "int",
                    "description": item["description"]} and item["description"]
    ban = next(s for s in body["items"] if s["name"] == "ban_failures")
    assert (ban["value"], ban["effective"], ban["source"]) == ("0", "0", "server")

    status, page2, _ = root.get("/settings?per_page=10&page=2")
    assert [s["name"] for s in page2["items"]] == names[10:20] and page2["total"] == len(names)
    status, desc, _ = root.get("/settings?per_page=3&sort=-name")
    assert [s["name"] for s in desc["items"]] == names[::-1][:3]
    status, found, _ = root.get("/settings?q=SMTP_MAX_RECIP")
    assert [s["name"] for s in found["items"]] == ["smtp_max_recipients"]
    assert found["total"] == 1


def rcpt_codes(node, count):
    with smtplib.SMTP("127.0.0.1", node.port("smtp"), local_hostname="client.test") as s:
        s.ehlo()
        s.mail("someone@outside.test")
        return [s.rcpt("alice@example.test")[0] for _ in range(count)]


def test_put_reaches_the_node_and_delete_inherits(api, node):
    root, _ = api
    status, body, _ = root.put("/settings/smtp_max_recipients", {"value": 2})
    assert status == 200, body
    assert (body["value"], body["effective"], body["source"]) == ("2", "2", "server")
    h.wait_for(lambda: rcpt_codes(node, 3) == [250, 250, 452],
               message="the node applies smtp_max_recipients=2")
    status, body, _ = root.delete("/settings/smtp_max_recipients")
    assert status == 204, body
    status, body, _ = root.get("/settings/smtp_max_recipients")
    assert (body["value"], body["effective"], body["source"]) == (None, "100", "default")
    h.wait_for(lambda: rcpt_codes(node, 3) == [250, 250, 250],
               message="the node is back at the default")
    status, body, _ = root.delete("/settings/smtp_max_recipients")
    assert status == 404, body


def test_inheritance_and_sources(api):
    root, _ = api
    assert root.put(f"/settings/{QEP}", {"value": True})[0] == 200
    assert root.put(f"/domains/example.test/settings/{QEP}", {"value": "no"})[0] == 200
    status, body, _ = root.put(f"/accounts/alice@example.test/settings/{QEP}", {"value": "yes"})
    assert status == 200 and (body["value"], body["source"]) == ("yes", "account"), body

    def show(path):
        status, body, _ = root.get(path)
        assert status == 200, body
        return body["value"], body["effective"], body["source"]

    assert show(f"/accounts/alice@example.test/settings/{QEP}") == ("yes", "yes", "account")
    assert show(f"/accounts/bob@example.test/settings/{QEP}") == (None, "no", "domain")
    assert show(f"/domains/example.test/settings/{QEP}") == ("no", "no", "domain")
    assert show(f"/domains/other.test/settings/{QEP}") == (None, "yes", "server")
    assert show(f"/accounts/carol@other.test/settings/{QEP}") == (None, "yes", "server")
    status, body, _ = root.get("/accounts/alice@example.test/settings?q=quota_exceeded")
    assert status == 200 and body["items"][0]["source"] == "account"

    assert root.delete(f"/accounts/alice@example.test/settings/{QEP}")[0] == 204
    assert show(f"/accounts/alice@example.test/settings/{QEP}") == (None, "no", "domain")
    assert root.delete(f"/domains/example.test/settings/{QEP}")[0] == 204
    assert show(f"/accounts/alice@example.test/settings/{QEP}") == (None, "yes", "server")
    assert root.delete(f"/settings/{QEP}")[0] == 204
    assert show(f"/accounts/alice@example.test/settings/{QEP}") == (None, "no", "default")


def test_bad_input(api):
    root, _ = api
    for value in ("lots", 0, 100001, "12abc"):
        status, body, _ = root.put("/settings/smtp_max_recipients", {"value": value})
        assert status == 422 and body["error"]["field"] == "value", (value, body)
        assert body["error"]["message"], body
    for payload in ({}, {"value": [1]}, {"value": None}, {"value": {"a": 1}}):
        status, body, _ = root.put("/settings/smtp_max_recipients", payload)
        assert status == 422 and body["error"]["field"] == "value", (payload, body)
    status, body, _ = root.put(f"/settings/{QEP}", {"value": "perhaps"})
    assert status == 422 and body["error"]["field"] == "value", body
    status, body, _ = root.get("/settings/smtp_max_recipients")
    assert body["source"] == "default"

    for path in ("/settings/no_such_setting", "/domains/nowhere.test/settings",
                 "/domains/nowhere.test/settings/smtp_max_recipients",
                 "/accounts/ghost@example.test/settings",
                 "/accounts/ghost@example.test/settings/smtp_max_recipients"):
        status, body, _ = root.get(path)
        assert status == 404 and body["error"]["code"] == "not_found", (path, body)
    status, body, _ = root.put("/settings/no_such_setting", {"value": "1"})
    assert status == 404, body
    status, body, _ = root.put("/accounts/ghost@example.test/settings/smtp_max_recipients",
                               {"value": "5"})
    assert status == 404, body
    status, body, _ = root.get("/settings?sort=value")
    assert status == 422 and body["error"]["field"] == "sort"
    assert root.get("/me")[0] == 200


def test_domain_admin_reaches_only_its_domain(api):
    root, dom = api
    for method, path in (("get", "/settings"), ("get", "/settings/smtp_max_recipients"),
                         ("put", "/settings/smtp_max_recipients"),
                         ("delete", "/settings/smtp_max_recipients"),
                         ("get", "/domains/other.test/settings"),
                         ("put", "/domains/other.test/settings/smtp_max_recipients"),
                         ("get", "/accounts/carol@other.test/settings"),
                         ("delete", "/accounts/carol@other.test/settings/smtp_max_recipients")):
        kw = {"body": {"value": "5"}} if method == "put" else {}
        status, body, _ = getattr(dom, method)(path, **kw)
        assert status == 403 and body["error"]["code"] == "forbidden", (method, path, body)
    status, body, _ = root.get("/domains/other.test/settings/smtp_max_recipients")
    assert body["source"] == "default"

    status, body, _ = dom.put("/domains/example.test/settings/recipient_delimiter",
                              {"value": "-"})
    assert status == 200 and (body["value"], body["source"]) == ("-", "domain"), body
    status, body, _ = dom.get("/accounts/bob@example.test/settings/recipient_delimiter")
    assert status == 200 and (body["effective"], body["source"]) == ("-", "domain")
    assert dom.delete("/domains/example.test/settings/recipient_delimiter")[0] == 204
