"""The admin API's /api/v1/domains: create, list (paged, searched, sorted,
filtered to a domain admin's domains), get with account and alias counts,
rename by merge patch and JSON Patch, delete (refused while accounts
remain unless ?force=true); bad input answers with the status and the
field, and the server keeps serving."""

import pytest

from admin_client import ROOT, ROOT_PW, AdminClient, admin_pair

NODE_LISTENERS = ("smtp", "admin")


@pytest.fixture(scope="module")
def api(node, ctl):
    ctl("domain", "add", "other.test")
    return admin_pair(node, ctl)


def still_serving(client):
    status, body, _ = client.get("/me")
    assert status == 200, body


def test_create_get_and_counts(api, ctl):
    root, _ = api
    status, body, _ = root.post("/domains", {"name": "New.Test"})
    assert status == 201, body
    assert body["name"] == "new.test" and body["accounts"] == 0 and body["aliases"] == 0
    assert body["created_at"].endswith("Z")
    ctl("account", "add", "a@new.test", "--password-stdin", input="Pw-1234\n")
    ctl("alias", "add", "list@new.test", "a@new.test", "b@elsewhere.test")
    status, body, _ = root.get("/domains/NEW.test")
    assert status == 200
    assert body["accounts"] == 1 and body["aliases"] == 2
    status, body, _ = root.post("/domains", {"name": "new.test"})
    assert status == 409 and body["error"]["code"] == "conflict"
    status, body, _ = root.post("/domains", {"name": "bad_name!"})
    assert status == 422 and body["error"]["field"] == "name"
    status, body, _ = root.post("/domains", {"name": 42})
    assert status == 422 and body["error"]["field"] == "name"
    status, body, _ = root.post("/domains", {})
    assert status == 422 and body["error"]["field"] == "name"
    assert root.get("/domains/missing.test")[0] == 404
    still_serving(root)


def test_list_paging_search_sort(api):
    root, _ = api
    for i in range(5):
        assert root.post("/domains", {"name": f"page{i}.test"})[0] == 201
    status, body, _ = root.get("/domains?q=page&per_page=2&page=2&sort=-name")
    assert status == 200, body
    assert [d["name"] for d in body["items"]] == ["page2.test", "page1.test"]
    assert body["total"] == 5 and body["page"] == 2 and body["per_page"] == 2
    status, body, _ = root.get("/domains?q=page&per_page=2&page=9")
    assert body["items"] == [] and body["total"] == 5
    names = [d["name"] for d in root.get("/domains?per_page=1000")[1]["items"]]
    assert names == sorted(names) and "example.test" in names
    for query, field in (("per_page=0", "per_page"), ("per_page=1001", "per_page"),
                         ("page=x", "page"), ("sort=password", "sort")):
        status, body, _ = root.get("/domains?" + query)
        assert status == 422 and body["error"]["field"] == field, (query, body)
    # percent-decoded search
    status, body, _ = root.get("/domains?q=%70age3")
    assert [d["name"] for d in body["items"]] == ["page3.test"]
    still_serving(root)


def test_rename_by_merge_patch_and_json_patch(api, ctl):
    root, _ = api
    assert root.post("/domains", {"name": "old.test"})[0] == 201
    ctl("account", "add", "u@old.test", "--password-stdin", input="Pw-1234\n")
    status, body, _ = root.patch("/domains/old.test", {"name": "renamed.test"},
                                 content_type="application/merge-patch+json")
    assert status == 200, body
    assert body["name"] == "renamed.test" and body["accounts"] == 1
    assert root.get("/domains/old.test")[0] == 404
    status, body, _ = root.patch("/domains/renamed.test",
                                 [{"op": "test", "path": "/name", "value": "renamed.test"},
                                  {"op": "replace", "path": "/name", "value": "again.test"}],
                                 content_type="application/json-patch+json")
    assert status == 200 and body["name"] == "again.test", body
    status, body, _ = root.patch("/domains/again.test",
                                 [{"op": "test", "path": "/name", "value": "nope.test"}],
                                 content_type="application/json-patch+json")
    assert status == 409 and body["error"]["code"] == "test_failed"
    status, body, _ = root.patch("/domains/again.test", [{"op": "jump"}],
                                 content_type="application/json-patch+json")
    assert status == 400
    status, body, _ = root.patch("/domains/again.test", {"accounts": 7})
    assert status == 422 and body["error"]["field"] == "accounts"
    status, body, _ = root.patch("/domains/again.test", {"name": "example.test"})
    assert status == 409
    status, body, _ = root.patch("/domains/again.test", "name=x", content_type="text/plain")
    assert status == 415
    still_serving(root)


def test_delete(api, ctl):
    root, _ = api
    assert root.post("/domains", {"name": "gone.test"})[0] == 201
    ctl("account", "add", "u@gone.test", "--password-stdin", input="Pw-1234\n")
    status, body, _ = root.delete("/domains/gone.test")
    assert status == 409 and "still has 1 account" in body["error"]["message"]
    status, body, _ = root.delete("/domains/gone.test?force=true")
    assert status == 204 and body is None
    assert root.get("/domains/gone.test")[0] == 404
    assert root.delete("/domains/gone.test")[0] == 404


def test_domain_admin_sees_only_its_domains(api):
    root, dom = api
    status, body, _ = dom.get("/domains")
    assert status == 200 and [d["name"] for d in body["items"]] == ["example.test"]
    assert body["total"] == 1
    assert dom.get("/domains/example.test")[0] == 200
    assert dom.get("/domains/other.test")[0] == 403
    assert dom.patch("/domains/other.test", {"name": "x.test"})[0] == 403
    assert dom.patch("/domains/example.test", {"name": "x.test"})[0] == 403
    assert dom.post("/domains", {"name": "mine.test"})[0] == 403
    assert dom.delete("/domains/example.test")[0] == 403
    assert root.get("/domains/other.test")[0] == 200
    still_serving(dom)


def test_admins_crud(api):
    root, dom = api
    status, body, _ = root.post("/admins", {"login": "helper", "password": "Helper-Pw-1",
                                            "role": "domain", "domains": ["other.test"]})
    assert status == 201, body
    assert body["role"] == "domain" and body["domains"] == ["other.test"]
    assert "password" not in body
    base = f"{root.scheme}://{root.host}:{root.port}"
    helper = AdminClient(base)
    helper.login("helper", "Helper-Pw-1")
    assert [d["name"] for d in helper.get("/domains")[1]["items"]] == ["other.test"]
    status, body, _ = root.patch("/admins/helper", {"domains": ["other.test", "example.test"]})
    assert status == 200 and body["domains"] == ["example.test", "other.test"], body
    status, body, _ = root.patch("/admins/helper", {"password": "Helper-Pw-2"})
    assert status == 200
    assert AdminClient(base).login("helper", "Helper-Pw-2", check=False)[0] == 200
    status, body, _ = root.get("/admins?q=help")
    assert [a["login"] for a in body["items"]] == ["helper"] and body["total"] == 1
    for bad, field in (({"login": "x", "password": "y", "role": "god"}, "role"),
                       ({"login": "x", "password": "y", "role": "domain"}, "domains"),
                       ({"login": "x", "password": "y", "role": "domain",
                         "domains": "example.test"}, "domains"),
                       ({"login": "x"}, "password"),
                       ({"login": "x", "password": "y", "domains": ["example.test"]}, "role"),
                       ({"login": ROOT, "password": "y", "role": "superadmin"}, "login")):
        status, body, _ = root.post("/admins", bad)
        assert status in (409, 422) and body["error"]["field"] == field, (bad, body)
    assert root.patch("/admins/helper", {"login": "other"})[0] == 422
    status, body, _ = root.patch("/admins/" + ROOT, {"role": "domain", "domains": ["example.test"]})
    assert status == 409 and body["error"]["field"] == "role", body
    assert dom.get("/admins")[0] == 403
    assert root.delete("/admins/helper")[0] == 204
    assert root.get("/admins/helper")[0] == 404
    assert helper.get("/me")[0] == 401
    still_serving(root)


def test_database_down_answers_503_then_recovers(api, pg):
    root, _ = api
    assert root.get("/domains")[0] == 200
    pg._shutdown(30)
    try:
        for path in ("/domains", "/me"):
            status, body, _ = root.get(path)
            assert status == 503, (path, body)
            assert body["error"]["code"] == "unavailable"
    finally:
        pg.start()
    # each admin thread reconnects on its next request
    for _ in range(4):
        status, body, _ = root.get("/domains")
        assert status == 200, body


def test_too_many_pending_requests_answer_503(api, settings):
    import concurrent.futures

    root, _ = api
    settings.set("admin_max_pending", "1")
    # logins hash a password (slow by design), so parallel ones overlap
    with concurrent.futures.ThreadPoolExecutor(max_workers=12) as pool:
        results = list(pool.map(lambda _: AdminClient(
            f"{root.scheme}://{root.host}:{root.port}").login(ROOT, ROOT_PW, check=False),
            range(24)))
    statuses = sorted(status for status, _, _ in results)
    assert 200 in statuses and 503 in statuses, statuses
    for status, body, headers in results:
        if status == 503:
            assert body["error"]["code"] == "busy" and headers["retry-after"] == "1"
    still_serving(root)   # one at a time is still served
