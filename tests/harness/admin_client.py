"""
admin_client.py — a small client for the web admin's JSON API (/api/v1)
used by the integration tests.

    c = AdminClient(node.admin_url())          # "http://127.0.0.1:PORT"
    c.login("root", "secret")                  # keeps the access token
    status, body, headers = c.get("/domains")
    status, body, headers = c.patch("/domains/x.test", {...},
                                    content_type="application/merge-patch+json")

Paths are relative to /api/v1 unless they start with "/api/" or are
absolute URLs' paths such as "/metrics" given with raw=True. Bodies are
JSON-encoded unless they are bytes or str (sent as is, for malformed-input
tests). Every call opens a fresh connection (HTTP or HTTPS without
certificate verification) so a test's failure never poisons the next.
"""

import http.client
import json
import ssl
import urllib.parse

API_PREFIX = "/api/v1"


class AdminClient:
    def __init__(self, base_url, timeout=30):
        url = urllib.parse.urlsplit(base_url)
        self.scheme = url.scheme or "http"
        self.host = url.hostname or "127.0.0.1"
        self.port = url.port or (443 if self.scheme == "https" else 80)
        self.timeout = timeout
        self.token = None
        self.refresh_token = None
        self.last_login = None

    def _connection(self):
        if self.scheme == "https":
            ctx = ssl.create_default_context()
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
            return http.client.HTTPSConnection(self.host, self.port, timeout=self.timeout,
                                               context=ctx)
        return http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)

    def request(self, method, path, body=None, content_type=None, token=..., headers=None,
                raw=False):
        """(status, parsed JSON or None, headers as a lower-case dict)."""
        if not raw and not path.startswith("/api/"):
            path = API_PREFIX + path
        send_headers = dict(headers or {})
        token = self.token if token is ... else token
        if token is not None:
            send_headers["Authorization"] = "Bearer " + token
        data = None
        if body is not None:
            if isinstance(body, (bytes, str)):
                data = body.encode() if isinstance(body, str) else body
            else:
                data = json.dumps(body).encode()
            send_headers["Content-Type"] = content_type or "application/json"
        elif content_type is not None:
            send_headers["Content-Type"] = content_type
        conn = self._connection()
        try:
            conn.request(method, path, body=data, headers=send_headers)
            resp = conn.getresponse()
            payload = resp.read()
            resp_headers = {k.lower(): v for k, v in resp.getheaders()}
        finally:
            conn.close()
        parsed = None
        if payload and "json" in resp_headers.get("content-type", ""):
            parsed = json.loads(payload)
        elif payload:
            parsed = payload.decode("utf-8", "replace")
        return resp.status, parsed, resp_headers

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, body=None, **kw):
        return self.request("POST", path, body, **kw)

    def put(self, path, body=None, **kw):
        return self.request("PUT", path, body, **kw)

    def patch(self, path, body=None, **kw):
        return self.request("PATCH", path, body, **kw)

    def delete(self, path, body=None, **kw):
        return self.request("DELETE", path, body, **kw)

    def login(self, login, password, check=True):
        """POST /auth; keeps the tokens. Returns (status, body, headers)."""
        status, body, headers = self.post("/auth", {"login": login, "password": password},
                                          token=None)
        if status == 200:
            self.token = body["access_token"]
            self.refresh_token = body["refresh_token"]
            self.last_login = body
        elif check:
            raise AssertionError(f"login {login} failed: {status} {body}")
        return status, body, headers

    def refresh(self):
        status, body, headers = self.post("/auth/refresh",
                                          {"refresh_token": self.refresh_token}, token=None)
        if status == 200:
            self.token = body["access_token"]
            self.refresh_token = body["refresh_token"]
        return status, body, headers


ROOT, ROOT_PW = "root", "Root-Secret-1"
DOMADMIN, DOMADMIN_PW = "exadmin", "Dom-Secret-2"


def admin_pair(node, ctl, domain="example.test"):
    """Create a superadmin (ROOT) and a domain admin of domain (DOMADMIN)
    with petrelctl, and return (root, dom) clients logged in as them."""
    ctl("admin", "add", ROOT, "--role", "superadmin", "--password-stdin", input=ROOT_PW + "\n")
    ctl("admin", "add", DOMADMIN, "--role", "domain", "--domain", domain,
        "--password-stdin", input=DOMADMIN_PW + "\n")
    root = AdminClient(node.admin_url())
    root.login(ROOT, ROOT_PW)
    dom = AdminClient(node.admin_url())
    dom.login(DOMADMIN, DOMADMIN_PW)
    return root, dom
