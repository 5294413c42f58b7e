"""The admin API's authentication: password login, token expiry and
refresh (rotation), logout, tokens valid across nodes, 401/403/404/405/
400/422 answers (the server keeps serving after each), shared bans after
failed logins (SMTP refuses the address too), the one-time setup link,
and petrelctl's admin verbs with their errors."""

import socket
import time

import pytest

from admin_client import AdminClient

NODE_LISTENERS = ("smtp", "admin")
ROOT, ROOT_PW = "root", "Root-Secret-1"
DOMADMIN, DOMADMIN_PW = "exadmin", "Dom-Secret-2"


def add_admin(ctl, login, password, *options, check=True):
    return ctl("admin", "add", login, *options, "--password-stdin", input=password + "\n",
               check=check)


@pytest.fixture(scope="module")
def admins(node, ctl):
    ctl("domain", "add", "other.test")
    add_admin(ctl, ROOT, ROOT_PW, "--role", "superadmin")
    add_admin(ctl, DOMADMIN, DOMADMIN_PW, "--role", "domain", "--domain", "example.test")
    return node


def client(node):
    return AdminClient(node.admin_url())


def logged_in(node, login=ROOT, password=ROOT_PW):
    c = client(node)
    c.login(login, password)
    return c


def still_serving(node):
    c = logged_in(node)
    status, body, _ = c.get("/me")
    assert status == 200 and body["login"] == ROOT, body


def error_of(body):
    assert isinstance(body, dict) and "error" in body, body
    return body["error"]


def test_login_and_me(admins):
    c = client(admins)
    status, body, _ = c.login(ROOT, ROOT_PW)
    assert status == 200
    assert body["token_type"] == "Bearer"
    assert len(body["access_token"]) == 43 and body["access_token"] != body["refresh_token"]
    assert body["expires_in"] == 15 * 60 and body["refresh_expires_in"] == 30 * 86400
    assert body["admin"] == {"login": ROOT, "role": "superadmin", "domains": []}
    status, me, _ = c.get("/me")
    assert status == 200 and me == body["admin"]
    d = logged_in(admins, DOMADMIN, DOMADMIN_PW)
    status, me, _ = d.get("/me")
    assert me == {"login": DOMADMIN, "role": "domain", "domains": ["example.test"]}


def test_tokens_are_stored_hashed(admins, pg):
    c = logged_in(admins)
    stored = pg.value("SELECT count(*) FROM admin_tokens WHERE token_hash = "
                      "sha256(convert_to(%s, 'UTF8'))", (c.token,))
    assert stored == 1
    plain = pg.value("SELECT count(*) FROM admin_tokens WHERE encode(token_hash, 'escape') "
                     "LIKE %s", ("%" + c.token + "%",))
    assert plain == 0


def test_wrong_password_and_unknown_login(admins):
    c = client(admins)
    for login, password in ((ROOT, "wrong"), ("nobody", ROOT_PW)):
        status, body, _ = c.login(login, password, check=False)
        assert status == 401, body
        assert error_of(body)["code"] == "invalid_credentials"
    still_serving(admins)


def test_missing_and_garbage_tokens(admins):
    c = client(admins)
    for token in (None, "garbage", "x" * 43, ""):
        status, body, headers = c.get("/me", token=token)
        assert status == 401, (token, body)
        assert headers.get("www-authenticate", "").startswith("Bearer"), headers
        assert error_of(body)["code"] == "unauthorized"
    status, body, _ = c.get("/me", headers={"Authorization": "Basic cm9vdDpx"}, token=None)
    assert status == 401
    still_serving(admins)


def test_access_token_expiry_then_refresh(admins, settings):
    settings.set("admin_access_token_ttl", "1")
    c = logged_in(admins)
    assert c.last_login["expires_in"] == 1
    assert c.get("/me")[0] == 200
    time.sleep(2.2)
    status, body, _ = c.get("/me")
    assert status == 401, body
    status, body, _ = c.refresh()
    assert status == 200, body
    assert c.get("/me")[0] == 200


def test_refresh_rotation(admins):
    c = logged_in(admins)
    old_access, old_refresh = c.token, c.refresh_token
    status, body, _ = c.refresh()
    assert status == 200 and c.refresh_token != old_refresh and c.token != old_access
    # the old pair is revoked: its refresh token is single-use, and its
    # access token is gone too
    status, body, _ = c.post("/auth/refresh", {"refresh_token": old_refresh}, token=None)
    assert status == 401 and error_of(body)["field"] == "refresh_token"
    assert c.get("/me", token=old_access)[0] == 401
    assert c.get("/me")[0] == 200
    # an access token is no refresh token
    status, _, _ = c.post("/auth/refresh", {"refresh_token": c.token}, token=None)
    assert status == 401


def test_logout_revokes_both(admins):
    c = logged_in(admins)
    refresh = c.refresh_token
    status, body, _ = c.post("/auth/logout")
    assert status == 204 and body is None
    assert c.get("/me")[0] == 401
    status, _, _ = c.post("/auth/refresh", {"refresh_token": refresh}, token=None)
    assert status == 401
    assert c.post("/auth/logout")[0] == 401


def test_token_works_on_a_second_node(admins, make_node):
    c = logged_in(admins)
    second = make_node("node2", listeners=("smtp", "admin"))
    other = AdminClient(second.admin_url())
    other.token = c.token
    status, body, _ = other.get("/me")
    assert status == 200 and body["login"] == ROOT
    other.refresh_token = c.refresh_token
    assert other.refresh()[0] == 200
    # the first node sees the rotation done on the second
    assert c.get("/me")[0] == 401


def test_domain_admin_limits(admins):
    d = logged_in(admins, DOMADMIN, DOMADMIN_PW)
    for method, path, body in (("GET", "/admins", None),
                               ("POST", "/admins", {"login": "x", "password": "y"}),
                               ("POST", "/domains", {"name": "new.test"}),
                               ("GET", "/domains/other.test", None),
                               ("DELETE", "/domains/example.test", None),
                               ("PATCH", "/domains/other.test", {})):
        status, reply, _ = d.request(method, path, body)
        assert status == 403, (method, path, reply)
        assert error_of(reply)["code"] == "forbidden"
    status, reply, _ = d.get("/domains")
    assert status == 200
    assert [item["name"] for item in reply["items"]] == ["example.test"]
    assert reply["total"] == 1
    status, reply, _ = d.get("/domains/example.test")
    assert status == 200 and reply["name"] == "example.test"
    still_serving(admins)


def test_malformed_and_mistyped_input(admins):
    c = client(admins)
    status, body, _ = c.post("/auth", "{\"login\": ", token=None)
    assert status == 400 and error_of(body)["code"] == "malformed_json", body
    status, body, _ = c.post("/auth", {"login": 5, "password": "x"}, token=None)
    assert status == 422 and error_of(body)["field"] == "login", body
    status, body, _ = c.post("/auth", {"login": ROOT}, token=None)
    assert status == 422 and error_of(body)["field"] == "password", body
    status, body, _ = c.post("/auth", [1, 2], token=None)
    assert status == 400, body
    still_serving(admins)


def test_unknown_route_and_wrong_method(admins):
    c = logged_in(admins)
    for path in ("/nothing", "/me/more", "/domains/a/b/c/d"):
        status, body, _ = c.get(path)
        assert status == 404, (path, body)
        assert error_of(body)["code"] == "not_found"
    status, body, headers = c.request("PUT", "/auth")
    assert status == 405, body
    assert headers["allow"] == "POST"
    status, body, headers = c.request("DELETE", "/me")
    assert status == 405 and headers["allow"] == "GET"
    still_serving(admins)


def test_setup_link_flow(admins, ctl, pg):
    # with a superadmin present the link is refused
    res = ctl("admin", "setup-link", check=False)
    assert res.returncode == 1 and "superadmin already exists" in res.stderr
    # a fresh cluster: no superadmin yet (move ours aside)
    pg.sql("UPDATE admins SET role = 'domain' WHERE login = %s", (ROOT,))
    pg.sql("INSERT INTO admin_domains (admin_id, domain_id) SELECT a.id, d.id FROM admins a, "
           "domains d WHERE a.login = %s AND d.name = 'example.test'", (ROOT,))
    try:
        out = ctl("admin", "setup-link", "--url", "https://mail.example.test:9999/",
                  json=True)
        assert out["url"].startswith("https://mail.example.test:9999/setup#token=")
        assert out["expires_in"] == 86400
        token = out["url"].split("#token=", 1)[1]
        c = client(admins)
        status, body, _ = c.get("/setup?token=" + token, token=None)
        assert status == 200 and body == {"valid": True}
        status, body, _ = c.get("/setup?token=wrong", token=None)
        assert status == 404
        status, body, _ = c.post("/setup", {"token": token, "login": "first",
                                            "password": "First-Pass-1"}, token=None)
        assert status == 200, body
        assert body["admin"]["role"] == "superadmin"
        c.token = body["access_token"]
        assert c.get("/me")[1]["login"] == "first"
        assert logged_in(admins, "first", "First-Pass-1").get("/me")[0] == 200
        # the link is used up
        assert c.get("/setup?token=" + token, token=None)[0] == 404
        status, body, _ = c.post("/setup", {"token": token, "login": "second",
                                            "password": "Second-Pass-1"}, token=None)
        assert status == 404, body
    finally:
        pg.sql("DELETE FROM admins WHERE login = 'first'")
        pg.sql("DELETE FROM admin_domains WHERE admin_id = (SELECT id FROM admins "
               "WHERE login = %s)", (ROOT,))
        pg.sql("UPDATE admins SET role = 'superadmin' WHERE login = %s", (ROOT,))
    still_serving(admins)


def test_ctl_admin_verbs(admins, ctl):
    add_admin(ctl, "ops", "Ops-Pass-1", "--role", "domain", "--domain", "example.test,other.test")
    rows = {row["login"]: row for row in ctl("admin", "list", json=True)}
    assert rows["ops"]["role"] == "domain"
    assert rows["ops"]["domains"] == ["example.test", "other.test"]
    assert rows[ROOT]["role"] == "superadmin"
    assert logged_in(admins, "ops", "Ops-Pass-1").get("/me")[0] == 200
    ctl("admin", "passwd", "ops", "--password-stdin", input="Ops-Pass-2\n")
    assert client(admins).login("ops", "Ops-Pass-1", check=False)[0] == 401
    assert client(admins).login("ops", "Ops-Pass-2", check=False)[0] == 200
    ctl("admin", "del", "ops")
    assert "ops" not in {row["login"] for row in ctl("admin", "list", json=True)}


@pytest.mark.parametrize("args, message", [
    (("add", "dup", "--role", "domain"), "needs at least one domain"),
    (("add", "dup", "--role", "domain", "--domain", "missing.test"), "no such domain"),
    (("add", ROOT), "already exists"),
    (("add", "bad login"), "may not contain spaces"),
    (("add", "x", "--role", "king"), "--role is superadmin or domain"),
    (("del", "nobody"), "no such admin nobody"),
    (("passwd", "nobody", "--password-stdin"), "no such admin nobody"),
])
def test_ctl_admin_errors(admins, ctl, args, message):
    password_args = () if "--password-stdin" in args or args[0] != "add" else \
        ("--password-stdin",)
    res = ctl("admin", *args, *password_args, input="Pass-Word-1\n", check=False)
    assert res.returncode != 0
    assert message in res.stderr, res.stderr


def test_last_superadmin_stays(admins, ctl):
    res = ctl("admin", "del", ROOT, check=False)
    assert res.returncode == 1 and "last superadmin" in res.stderr
    res = add_admin(ctl, "empty", "", check=False)
    assert res.returncode == 1 and "password is empty" in res.stderr


def smtp_greeting(node):
    with socket.create_connection(("127.0.0.1", node.port("smtp")), timeout=10) as s:
        s.settimeout(10)
        data = b""
        while b"\n" not in data:
            chunk = s.recv(1024)
            if not chunk:
                break
            data += chunk
        return data.decode(errors="replace")


def test_failed_logins_ban_the_client(admins, ctl, pg, settings):
    # only this test's failures count (earlier tests failed on purpose)
    pg.sql("DELETE FROM auth_failures")
    settings.set("ban_failures", "10")
    try:
        assert smtp_greeting(admins).startswith("220")
        c = client(admins)
        for _ in range(10):
            assert c.login(ROOT, "wrong", check=False)[0] == 401
        status, body, _ = c.login(ROOT, ROOT_PW, check=False)
        assert status == 403 and error_of(body)["code"] == "banned", body
        bans = ctl("ban", "list", json=True)
        assert any(b["ip"] == "127.0.0.1" for b in bans), bans
        time.sleep(1.5)   # nodes learn of the ban by NOTIFY
        assert not smtp_greeting(admins).startswith("220")
    finally:
        ctl("ban", "del", "127.0.0.1", check=False)
    time.sleep(1.5)
    assert client(admins).login(ROOT, ROOT_PW, check=False)[0] == 200
