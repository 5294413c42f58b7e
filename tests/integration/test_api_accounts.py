"""The admin API's /api/v1/accounts: create, get, list (paged, searched and
sorted), update by merge patch and JSON Patch, delete; a domain admin only
reaches its own domain; bad input answers with the right status and the
field, and the server keeps serving; blocking or changing a password over
the API takes effect for IMAP at once."""

import imaplib

import pytest

from admin_client import AdminClient, admin_pair
from conftest import PASSWORD

NODE_LISTENERS = ("smtp", "imap", "admin")


@pytest.fixture(scope="module")
def api(node, ctl):
    ctl("domain", "add", "other.test")
    ctl.add_account("carol@other.test")
    return admin_pair(node, ctl)


def still_serving(client):
    status, body, _ = client.get("/me")
    assert status == 200, body


def imap_login_ok(node, address, password):
    with imaplib.IMAP4("127.0.0.1", node.port("imap")) as imap:
        try:
            imap.login(address, password)
            return True
        except imaplib.IMAP4.error:
            return False


def test_create_get_update_delete(api, ctl):
    root, _ = api
    status, body, _ = root.post("/accounts", {
        "address": "New.User@Example.test", "password": "Pw-New-123",
        "display_name": "New User", "quota_bytes": 1048576})
    assert status == 201, body
    assert body["address"] == "new.user@example.test"
    assert body["display_name"] == "New User"
    assert body["quota_bytes"] == 1048576
    assert body["status"] == "active" and body["is_master"] is False
    assert body["used_bytes"] == 0 and body["messages"] == 0
    assert body["aliases"] == [] and body["created_at"].endswith("Z")
    assert "password" not in body

    ctl("alias", "add", "sales@example.test", "new.user@example.test")
    status, body, _ = root.get("/accounts/new.user%40example.test")
    assert status == 200 and body["aliases"] == ["sales@example.test"]

    status, body, _ = root.patch("/accounts/new.user@example.test",
                                 {"display_name": "Renamed", "quota_bytes": 0,
                                  "is_master": True})
    assert status == 200, body
    assert (body["display_name"], body["quota_bytes"], body["is_master"]) == \
        ("Renamed", 0, True)

    status, body, _ = root.patch("/accounts/new.user@example.test",
                                 [{"op": "replace", "path": "/status", "value": "blocked"},
                                  {"op": "replace", "path": "/is_master", "value": False}],
                                 content_type="application/json-patch+json")
    assert status == 200, body
    assert body["status"] == "blocked" and body["is_master"] is False

    status, body, _ = root.delete("/accounts/new.user@example.test")
    assert status == 204, body
    status, body, _ = root.get("/accounts/new.user@example.test")
    assert status == 404 and body["error"]["code"] == "not_found"
    ctl("alias", "del", "sales@example.test")


def test_paging_search_and_sort(api):
    root, _ = api
    for i in range(12):
        status, body, _ = root.post("/accounts", {
            "address": f"page{i:02d}@other.test", "password": "Pw-Page-1",
            "display_name": f"Pager {11 - i:02d}", "quota_bytes": i * 1000})
        assert status == 201, body

    status, body, _ = root.get("/accounts?domain=other.test&q=page&per_page=5&page=3")
    assert status == 200, body
    assert (body["total"], body["page"], body["per_page"]) == (12, 3, 5)
    assert [a["address"] for a in body["items"]] == ["page10@other.test", "page11@other.test"]

    status, body, _ = root.get("/accounts?domain=other.test&q=PAGER%2000")
    assert status == 200 and body["total"] == 1
    assert body["items"][0]["address"] == "page11@other.test"

    status, body, _ = root.get("/accounts?domain=other.test&q=page&sort=-address&per_page=2")
    assert [a["address"] for a in body["items"]] == ["page11@other.test", "page10@other.test"]
    status, body, _ = root.get("/accounts?domain=other.test&q=page&sort=display_name"
                               "&per_page=1")
    assert body["items"][0]["display_name"] == "Pager 00"
    status, body, _ = root.get("/accounts?domain=other.test&sort=-quota_bytes&per_page=1")
    assert body["items"][0]["address"] == "page11@other.test"
    for field in ("used_bytes", "-created_at"):
        status, body, _ = root.get(f"/accounts?q=page&sort={field}&per_page=50")
        assert status == 200 and body["total"] == 12, body

    # a search is a substring of the address (across the '@' too) or of
    # the display name; LIKE's wildcards in it are plain characters
    for q, expected in (("ge03@other.t", ["page03@other.test"]),
                        ("03@", ["page03@other.test"]),
                        ("@other.test", None), ("e11@x", []), ("a@b@c", []),
                        ("%25", []), ("_", []), ("page0_", []), ("%5C", [])):
        status, body, _ = root.get(f"/accounts?q={q}&per_page=100")
        got = [a["address"] for a in body["items"]]
        if expected is None:
            assert status == 200 and "page00@other.test" in got and "carol@other.test" in got \
                and all(a.endswith("@other.test") for a in got), (q, got)
        else:
            assert status == 200 and got == expected and body["total"] == len(expected), (q, got)

    # every domain: ordered by domain, then local part
    status, body, _ = root.get("/accounts?per_page=1000")
    addresses = [a["address"] for a in body["items"]]
    assert body["total"] == len(addresses) >= 16
    assert addresses == sorted(addresses, key=lambda a: (a.split("@")[1], a.split("@")[0]))

    for query, field in (("sort=password", "sort"), ("per_page=0", "per_page"),
                         ("page=x", "page")):
        status, body, _ = root.get(f"/accounts?{query}")
        assert status == 422 and body["error"]["field"] == field, (query, body)
    status, body, _ = root.get("/accounts?domain=nowhere.test")
    assert status == 404, body
    still_serving(root)


def test_bad_input(api):
    root, _ = api
    # text that is not UTF-8, in the query or the path: a clear JSON error
    for path, status_wanted, code in (("/accounts?q=%FF", 400, "malformed_query"),
                                      ("/accounts?domain=%C3", 400, "malformed_query"),
                                      ("/accounts/%FF@example.test", 404, "not_found")):
        status, body, _ = root.get(path)
        assert status == status_wanted and body["error"]["code"] == code, (path, status, body)
    good = {"address": "typed@example.test", "password": "Pw-Typed-1"}
    for field, value in (("quota_bytes", "lots"), ("display_name", 7), ("is_master", "yes"),
                         ("password", ["x"]), ("address", None)):
        status, body, _ = root.post("/accounts", {**good, field: value})
        assert status == 422, (field, body)
        assert body["error"]["field"] == field, (field, body)
    status, body, _ = root.post("/accounts", {**good, "status": "frozen"})
    assert status == 422 and body["error"]["field"] == "status"
    status, body, _ = root.post("/accounts", {"address": "nopw@example.test"})
    assert status == 422 and body["error"]["field"] == "password"
    status, body, _ = root.post("/accounts", {**good, "quota_bytes": -1})
    assert status == 422 and "negative" in body["error"]["message"]
    status, body, _ = root.post("/accounts", {**good, "address": "no-at-sign"})
    assert status == 422, body
    status, body, _ = root.post("/accounts", {**good, "address": "x@nodomain.test"})
    assert status == 404, body
    status, body, _ = root.post("/accounts", [good])
    assert status == 400, body

    status, body, _ = root.post("/accounts", {**good, "address": "alice@example.test"})
    assert status == 409 and body["error"]["code"] == "conflict", body
    status, body, _ = root.get("/accounts/ghost@example.test")
    assert status == 404, body
    status, body, _ = root.patch("/accounts/ghost@example.test", {"quota_bytes": 1})
    assert status == 404, body
    status, body, _ = root.delete("/accounts/ghost@example.test")
    assert status == 404, body
    status, body, _ = root.patch("/accounts/alice@example.test", {"used_bytes": 5})
    assert status == 422 and body["error"]["field"] == "used_bytes"
    status, body, _ = root.patch("/accounts/alice@example.test", {"quota_bytes": "1G"})
    assert status == 422 and body["error"]["field"] == "quota_bytes"

    script = "<script>alert('x')</script> & \"Bob\" <b>"
    status, body, _ = root.post("/accounts", {**good, "display_name": script})
    assert status == 201 and body["display_name"] == script
    status, body, _ = root.get("/accounts/typed@example.test")
    assert body["display_name"] == script
    status, body, _ = root.post("/accounts", {**good, "address": "ctl@example.test",
                                                      "display_name": "bad\nname"})
    assert status == 422, body
    still_serving(root)


def test_domain_admin_sees_only_its_domain(api):
    root, dom = api
    status, body, _ = dom.get("/accounts?per_page=1000")
    assert status == 200, body
    domains = {a["address"].split("@")[1] for a in body["items"]}
    assert domains == {"example.test"} and body["total"] == len(body["items"])

    for method, path, payload in (
            ("get", "/accounts?domain=other.test", None),
            ("get", "/accounts/carol@other.test", None),
            ("patch", "/accounts/carol@other.test", {"display_name": "x"}),
            ("delete", "/accounts/carol@other.test", None),
            ("post", "/accounts", {"address": "evil@other.test", "password": "Pw-1"})):
        status, body, _ = getattr(dom, method)(path, payload) if payload is not None \
            else getattr(dom, method)(path)
        assert status == 403 and body["error"]["code"] == "forbidden", (method, path, body)
    status, body, _ = root.get("/accounts/carol@other.test")
    assert status == 200 and body["display_name"] == ""

    # its own domain works, but not master users (they log in as anyone)
    status, body, _ = dom.post("/accounts", {"address": "mine@example.test",
                                                    "password": "Pw-Mine-1"})
    assert status == 201, body
    status, body, _ = dom.patch("/accounts/mine@example.test", {"is_master": True})
    assert status == 403 and body["error"]["field"] == "is_master"
    status, body, _ = dom.patch("/accounts/mine@example.test", {"display_name": "Mine"})
    assert status == 200 and body["display_name"] == "Mine"
    status, body, _ = dom.delete("/accounts/mine@example.test")
    assert status == 204


def test_domain_admin_of_a_deleted_domain_sees_nothing(api, ctl, node):
    """Deleting a domain removes its admin's grant; an admin left with no
    domains must see no accounts or aliases, not everyone's."""
    root, _ = api
    ctl("domain", "add", "gone.test")
    ctl("admin", "add", "goneadmin", "--role", "domain", "--domain", "gone.test",
        "--password-stdin", input="Gone-Secret-3\n")
    orphan = AdminClient(node.admin_url())
    orphan.login("goneadmin", "Gone-Secret-3")
    status, body, _ = root.delete("/domains/gone.test")
    assert status == 204, body
    for path in ("/accounts", "/aliases", "/domains"):
        status, body, _ = orphan.get(path)
        assert status == 200 and body["items"] == [] and body["total"] == 0, (path, body)
    status, body, _ = orphan.get("/accounts/carol@other.test")
    assert status == 403, body


def test_block_and_password_change_reach_imap(api, node):
    root, _ = api
    address = "bob@example.test"
    assert imap_login_ok(node, address, PASSWORD)
    status, body, _ = root.patch(f"/accounts/{address}", {"status": "blocked"})
    assert status == 200 and body["status"] == "blocked"
    assert not imap_login_ok(node, address, PASSWORD)
    status, body, _ = root.patch(f"/accounts/{address}", {"status": "active"})
    assert status == 200 and body["status"] == "active"
    assert imap_login_ok(node, address, PASSWORD)

    status, body, _ = root.patch(f"/accounts/{address}", {"password": "Brand-New-Pw-9"})
    assert status == 200 and "password" not in body
    assert imap_login_ok(node, address, "Brand-New-Pw-9")
    assert not imap_login_ok(node, address, PASSWORD)
    status, body, _ = root.patch(f"/accounts/{address}", {"password": ""})
    assert status == 422, body
    status, body, _ = root.patch(f"/accounts/{address}", {"password": PASSWORD})
    assert status == 200
    assert imap_login_ok(node, address, PASSWORD)
