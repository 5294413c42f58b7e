"""
test_http_server.py — the HTTP layer on the admin listener (node/http-session.c,
node/admin-server.c, node/admin-static.c): keep-alive, pipelining, chunked
bodies, HEAD, Expect: 100-continue, the limits (400, 413, 431, 408 for a
slowloris client, idle close), static files and path traversal attempts,
/health and /ready, security headers, HTTPS, and banned clients.

Most requests go over raw sockets, so malformed and undecoded paths reach
the server exactly as written.
"""

import http.client
import json
import os
import socket
import ssl
import struct
import time

import pytest

import petrel_harness as h
from admin_client import AdminClient

NODE_LISTENERS = ("admin",)
NODE_SETTINGS = {
    "http_request_timeout": "2s",
    "http_keepalive_timeout": "3s",
    "http_max_body_size": "4K",
    "http_max_header_size": "2K",
    "http_max_requests": "20",
}

BIG = bytes(range(256)) * 4096 + b"end"     # streamed: larger than one batch

SECURITY_HEADERS = {
    "content-security-policy": "default-src 'self'",
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
}


def connect(node, src=None, timeout=10):
    addr = (src, 0) if src else None
    return socket.create_connection(("127.0.0.1", node.port("admin")), timeout=timeout,
                                    source_address=addr)


class Reader:
    """Reads HTTP/1.1 responses off a socket, one at a time."""

    def __init__(self, sock):
        self.sock = sock
        self.buf = b""

    def _fill(self):
        chunk = self.sock.recv(65536)
        if not chunk:
            raise EOFError("connection closed")
        self.buf += chunk

    def response(self, head_only=False):
        """(status, {lower-case header: value}, body)."""
        while b"\r\n\r\n" not in self.buf:
            self._fill()
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        headers = {}
        for line in lines[1:]:
            name, value = line.split(":", 1)
            headers[name.strip().lower()] = value.strip()
        if head_only or status in (100, 204, 304):
            return status, headers, b""
        if headers.get("transfer-encoding") == "chunked":
            return status, headers, self._chunked()
        length = int(headers.get("content-length", "0"))
        while len(self.buf) < length:
            self._fill()
        body, self.buf = self.buf[:length], self.buf[length:]
        return status, headers, body

    def _chunked(self):
        body = b""
        while True:
            while b"\r\n" not in self.buf:
                self._fill()
            size_line, self.buf = self.buf.split(b"\r\n", 1)
            size = int(size_line, 16)
            while len(self.buf) < size + 2:
                self._fill()
            body += self.buf[:size]
            self.buf = self.buf[size + 2:]
            if size == 0:
                return body

    def closed(self, timeout):
        """True when the server closes the connection within timeout."""
        self.sock.settimeout(timeout)
        try:
            while True:
                self._fill()
        except EOFError:
            return True
        except (socket.timeout, TimeoutError):
            return False
        except ConnectionResetError:
            return True


def exchange(node, data, src=None, head_only=False):
    """Send data on a fresh connection; the first response."""
    with connect(node, src) as sock:
        sock.sendall(data)
        return Reader(sock).response(head_only=head_only)


def get(node, path, src=None):
    return exchange(node, f"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n".encode(), src=src)


def assert_serving(node):
    status, _, body = get(node, "/health")
    assert status == 200 and json.loads(body) == {"status": "ok"}


def test_health_and_security_headers(node):
    status, headers, body = get(node, "/health")
    assert status == 200 and json.loads(body)["status"] == "ok"
    for name, value in SECURITY_HEADERS.items():
        assert headers.get(name) == value, (name, headers)
    assert "date" in headers
    # also on error answers, the session's own included
    status, headers, _ = get(node, "/no-such-file.png")
    assert status == 404 and headers["x-frame-options"] == "DENY"
    status, headers, _ = exchange(node, b"BLAH\r\n\r\n")
    assert status == 400 and headers["content-security-policy"] == "default-src 'self'"
    # the API is never cached
    status, headers, body = get(node, "/api/v1/me")
    assert status == 401 and headers["cache-control"] == "no-store"
    assert json.loads(body)["error"]["code"]


def test_keepalive_serves_several_requests_on_one_connection(node):
    conn = http.client.HTTPConnection("127.0.0.1", node.port("admin"), timeout=10)
    conn.connect()
    sock = conn.sock
    for path in ("/health", "/ready", "/health", "/index.html", "/health"):
        conn.request("GET", path)
        resp = conn.getresponse()
        resp.read()
        assert resp.status == 200, path
        assert resp.getheader("Connection") is None
    assert conn.sock is sock          # never reconnected
    conn.close()


def test_max_requests_per_connection(node):
    with connect(node) as sock:
        sock.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n" * 21)
        r = Reader(sock)
        for i in range(19):
            assert "connection" not in r.response()[1], i
        status, headers, _ = r.response()
        assert status == 200 and headers["connection"] == "close"
        # the 21st request is not answered
        assert r.closed(5) and r.buf == b""


def test_pipelined_requests_are_answered_in_order(node):
    with connect(node) as sock:
        sock.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n"
                     b"GET /nothing-here.css HTTP/1.1\r\nHost: x\r\n\r\n"
                     b"HEAD /index.html HTTP/1.1\r\nHost: x\r\n\r\n"
                     b"GET /ready HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        r = Reader(sock)
        assert r.response()[0] == 200
        assert r.response()[0] == 404
        status, headers, _ = r.response(head_only=True)
        assert status == 200 and int(headers["content-length"]) > 0
        status, headers, body = r.response()
        assert status == 200 and json.loads(body)["status"] == "ready"
        assert headers["connection"] == "close"
        assert r.closed(5)


def test_head_sends_the_head_only(node):
    _, get_headers, body = get(node, "/index.html")
    with connect(node) as sock:
        # a GET right behind the HEAD: any stray body bytes would corrupt it
        sock.sendall(b"HEAD /index.html HTTP/1.1\r\nHost: x\r\n\r\n"
                     b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
        r = Reader(sock)
        status, headers, _ = r.response(head_only=True)
        assert status == 200
        assert headers["content-length"] == get_headers["content-length"] == str(len(body))
        assert headers["content-type"].startswith("text/html")
        status, _, body2 = r.response()
        assert status == 200 and json.loads(body2)["status"] == "ok"


def test_chunked_request_body_reaches_the_api(node):
    body = json.dumps({"login": "nobody", "password": "wrong"}).encode()
    chunks = b"".join(b"%x\r\n%s\r\n" % (len(body[i:i + 7]), body[i:i + 7])
                      for i in range(0, len(body), 7)) + b"0\r\n\r\n"
    status, _, answer = exchange(node, b"POST /api/v1/auth HTTP/1.1\r\nHost: x\r\n"
                                       b"Content-Type: application/json\r\n"
                                       b"Transfer-Encoding: chunked\r\n\r\n" + chunks)
    # well-formed JSON arrived: a failed login, not a malformed request
    assert status in (401, 403, 422), answer
    # the same body cut short is malformed JSON for the API
    broken = b"5\r\n{\"log\r\n0\r\n\r\n"
    status, _, answer = exchange(node, b"POST /api/v1/auth HTTP/1.1\r\nHost: x\r\n"
                                       b"Content-Type: application/json\r\n"
                                       b"Transfer-Encoding: chunked\r\n\r\n" + broken)
    assert status == 400, answer


def test_expect_100_continue(node):
    body = json.dumps({"login": "nobody", "password": "wrong"}).encode()
    with connect(node) as sock:
        sock.sendall(b"POST /api/v1/auth HTTP/1.1\r\nHost: x\r\n"
                     b"Content-Type: application/json\r\nExpect: 100-continue\r\n"
                     b"Content-Length: %d\r\n\r\n" % len(body))
        r = Reader(sock)
        status, _, _ = r.response(head_only=True)
        assert status == 100
        sock.sendall(body)
        status, _, _ = r.response()
        assert status in (401, 403, 422)
    # a body over the limit is refused before it is sent
    with connect(node) as sock:
        sock.sendall(b"POST /api/v1/auth HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n"
                     b"Content-Length: 100000\r\n\r\n")
        r = Reader(sock)
        status, headers, _ = r.response()
        assert status == 413 and headers["connection"] == "close"


@pytest.mark.parametrize("request_bytes", [
    b"GARBAGE\r\n\r\n",
    b"GET / HTTP/1.1\r\nNo colon here\r\n\r\n",
    b"GET / HTTP/7.0\r\n\r\n",
    b"POST /api/v1/auth HTTP/1.1\r\nContent-Length: xyz\r\n\r\n",
    b"POST /api/v1/auth HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nnothex\r\n",
    b"GET relative/path HTTP/1.1\r\n\r\n",
])
def test_malformed_requests_get_400_and_close(node, request_bytes):
    with connect(node) as sock:
        sock.sendall(request_bytes)
        r = Reader(sock)
        status, headers, body = r.response()
        assert status == 400, request_bytes
        assert json.loads(body)["error"]["code"] == "bad_request"
        assert headers["connection"] == "close"
        assert r.closed(5)
    assert_serving(node)


def test_oversize_body_gets_413(node):
    big = b"x" * 5000
    status, headers, body = exchange(node, b"POST /api/v1/auth HTTP/1.1\r\nHost: x\r\n"
                                           b"Content-Length: 5000\r\n\r\n" + big)
    assert status == 413 and json.loads(body)["error"]["code"] == "too_large"
    assert headers["connection"] == "close"
    chunked = b"".join(b"400\r\n" + b"y" * 1024 + b"\r\n" for _ in range(5)) + b"0\r\n\r\n"
    status, _, _ = exchange(node, b"POST /api/v1/auth HTTP/1.1\r\nHost: x\r\n"
                                  b"Transfer-Encoding: chunked\r\n\r\n" + chunked)
    assert status == 413
    # just under the limit is fine (the API then judges the body)
    status, _, _ = exchange(node, b"POST /api/v1/auth HTTP/1.1\r\nHost: x\r\n"
                                  b"Content-Type: application/json\r\n"
                                  b"Content-Length: 4000\r\n\r\n" + b" " * 4000)
    assert status not in (413, 431)
    assert_serving(node)


def test_huge_headers_get_431(node):
    status, headers, body = exchange(node, b"GET /health HTTP/1.1\r\nHost: x\r\nX-Big: " +
                                     b"a" * 3000 + b"\r\n\r\n")
    assert status == 431 and json.loads(body)["error"]["code"] == "headers_too_large"
    many = b"".join(b"X-%d: v\r\n" % i for i in range(400))
    status, _, _ = exchange(node, b"GET /health HTTP/1.1\r\n" + many + b"\r\n")
    assert status == 431
    assert_serving(node)


def test_slowloris_gets_408_while_others_are_served(node):
    with connect(node) as slow:
        started = time.monotonic()
        slow.sendall(b"GET /health HTTP/1.1\r\n")
        header = b"X-Slow: " + b"a" * 40
        got = b""
        slow.settimeout(0.5)
        for byte in header:
            try:
                slow.sendall(bytes([byte]))
            except (BrokenPipeError, ConnectionResetError):
                break
            # other clients are served meanwhile
            assert_serving(node)
            try:
                got += slow.recv(4096)
            except (socket.timeout, TimeoutError):
                continue
            break
        elapsed = time.monotonic() - started
        assert got.startswith(b"HTTP/1.1 408 "), got
        assert b"request_timeout" in got or Reader(slow).closed(2)
        # http_request_timeout is 2 s: cut off then, not at the idle timeout
        assert 1.5 <= elapsed < 3.5, elapsed
        reader = Reader(slow)
        reader.buf = got
        assert reader.closed(3)
    assert_serving(node)


def test_idle_keepalive_connection_is_closed(node):
    with connect(node) as sock:
        sock.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
        r = Reader(sock)
        assert r.response()[0] == 200
        started = time.monotonic()
        assert r.closed(8)
        # http_keepalive_timeout is 3 s
        assert 2.0 <= time.monotonic() - started < 6.0
    assert_serving(node)


@pytest.fixture(scope="module")
def static_node(pg, tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("static")
    www = tmp_path / "www"
    (www / "js").mkdir(parents=True)
    (www / "index.html").write_text("<!doctype html><title>ui</title>")
    (www / "js" / "app.js").write_text("console.log('app');")
    (www / "style.css").write_text("body{}")
    (www / "big.bin").write_bytes(BIG)
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "also-secret.txt").write_text("TOP-SECRET")
    os.symlink(secret, www / "link.txt")
    os.symlink(outside, www / "linkdir")
    os.symlink(www / "style.css", www / "inside-link.css")
    node = h.Node(pg, tmp_path / "node", node_id="static", listeners=("admin",), www=www)
    try:
        yield node.start()
    finally:
        node.cleanup()


def test_static_files(static_node):
    status, headers, body = get(static_node, "/js/app.js")
    assert status == 200 and body == b"console.log('app');"
    assert headers["content-type"].startswith("text/javascript")
    status, headers, body = get(static_node, "/style.css")
    assert status == 200 and headers["content-type"].startswith("text/css")
    # "/" and the UI's own routes (no dot) answer index.html
    for path in ("/", "/accounts", "/domains/example.test/settings/", "/js"):
        status, headers, body = get(static_node, path)
        assert status == 200 and b"<title>ui</title>" in body, path
        assert headers["content-type"].startswith("text/html")
    # a missing file with an extension is a 404, not the UI
    assert get(static_node, "/missing.js")[0] == 404
    # a symlink that stays inside is followed
    assert get(static_node, "/inside-link.css")[2] == b"body{}"
    # other methods are refused
    status, _, _ = exchange(static_node, b"DELETE /index.html HTTP/1.1\r\nHost: x\r\n\r\n")
    assert status == 405


def test_large_file_is_streamed(static_node):
    with connect(static_node) as sock:
        sock.sendall(b"GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\n"
                     b"HEAD /big.bin HTTP/1.1\r\nHost: x\r\n\r\n"
                     b"GET /style.css HTTP/1.1\r\nHost: x\r\n\r\n")
        r = Reader(sock)
        status, headers, body = r.response()
        assert status == 200 and headers["transfer-encoding"] == "chunked"
        assert body == BIG
        status, headers, _ = r.response(head_only=True)
        assert status == 200 and headers["transfer-encoding"] == "chunked"
        # nothing of the HEAD's body came: the next answer parses
        assert r.response()[2] == b"body{}"
    # an HTTP/1.0 client gets the stream until the connection closes
    with connect(static_node) as sock:
        sock.sendall(b"GET /big.bin HTTP/1.0\r\n\r\n")
        r = Reader(sock)
        status, headers, _ = r.response(head_only=True)
        assert status == 200 and headers["connection"] == "close"
        assert "content-length" not in headers and "transfer-encoding" not in headers
        assert r.closed(10) and r.buf == BIG
    # a client that stops reading mid-stream does not stop the others
    with connect(static_node) as slow:
        slow.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        slow.sendall(b"GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\n")
        time.sleep(0.3)
        assert_serving(static_node)


@pytest.mark.parametrize("path", [
    "/../secret.txt",
    "/js/../../secret.txt",
    "/%2e%2e/secret.txt",
    "/%2E%2E%2Fsecret.txt",
    "/..%2fsecret.txt",
    "/js/..%2f..%2fsecret.txt",
    "/js%2f..%2f..%2fsecret.txt",
    "/.%2e/outside/also-secret.txt",
    "/..%5csecret.txt",
    "/link.txt",
    "/linkdir/also-secret.txt",
    "/linkdir",
    "/index.html%00.png",
    "//../secret.txt",
])
def test_path_traversal_is_impossible(static_node, path):
    with connect(static_node) as sock:
        sock.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        r = Reader(sock)
        status, _, body = r.response()
    assert status in (400, 404), (path, status)
    assert b"TOP-SECRET" not in body
    assert_serving(static_node)


def test_https_on_the_admin_listener(make_node):
    node = make_node(node_id="tlsadmin", listeners=("admin",), admin_tls=True)
    assert node.admin_url().startswith("https://")
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    conn = http.client.HTTPSConnection("127.0.0.1", node.port("admin"), timeout=10, context=ctx)
    for _ in range(2):
        conn.request("GET", "/health")
        resp = conn.getresponse()
        assert resp.status == 200 and json.loads(resp.read())["status"] == "ok"
        assert resp.getheader("X-Frame-Options") == "DENY"
    conn.close()
    # plain HTTP is not understood on the TLS port
    with pytest.raises((http.client.HTTPException, ConnectionError, OSError)):
        plain = http.client.HTTPConnection("127.0.0.1", node.port("admin"), timeout=5)
        plain.request("GET", "/health")
        status = plain.getresponse().status
        raise AssertionError(f"plain HTTP answered {status}")


def test_implicit_tls_clients_gone_before_the_handshake(make_node):
    """Clients that close (or send a few plain bytes and close) before any
    TLS handshake, on every implicit-TLS listener: the session is torn
    down cleanly (a handshake failing inside the session constructor once
    freed the session under it), no worker dies, and each listener serves
    the next client."""
    listeners = ("admin", "smtps", "imaps", "pop3s")
    node = make_node(node_id="tlsgone", listeners=listeners, admin_tls=True)
    for name in listeners:
        for i in range(30):
            with socket.create_connection(("127.0.0.1", node.port(name)), timeout=5) as sock:
                if i % 3 == 1:
                    sock.sendall(b"GET / HTTP/1.0\r\n\r\n")
                elif i % 3 == 2:
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    for name in listeners:
        with socket.create_connection(("127.0.0.1", node.port(name)), timeout=10) as raw:
            with ctx.wrap_socket(raw) as tls:
                if name == "admin":
                    tls.sendall(b"GET /health HTTP/1.0\r\n\r\n")
                assert tls.recv(64), name
    assert "event=worker_died" not in node.log_text()
    assert node.running()


def test_banned_client_is_refused(node, pg):
    src = "127.0.42.7"
    pg.sql("INSERT INTO bans (ip, reason, expires_at) "
           "VALUES (%s, 'test', now() + interval '1 hour')", (src,))
    try:
        # the workers learn about a new ban through NOTIFY, a moment later
        deadline = time.monotonic() + 5
        while True:
            status, headers, body = get(node, "/health", src=src)
            if status == 403 or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        assert status == 403
        assert json.loads(body)["error"]["code"] == "banned"
        assert headers["connection"] == "close"
        assert headers["x-frame-options"] == "DENY"
        # even the API is refused, and other clients are served
        assert get(node, "/api/v1/me", src=src)[0] == 403
        assert get(node, "/health", src="127.0.42.8")[0] == 200
    finally:
        pg.sql("DELETE FROM bans WHERE ip = %s", (src,))


def test_metrics_from_trusted_networks_only(node, ctl):
    status, headers, body = get(node, "/metrics")
    assert status == 200 and headers["content-type"].startswith("text/plain")
    assert b"# TYPE" in body
    ctl("settings", "set", "metrics_trusted_networks", "10.0.0.0/8")
    try:
        deadline = time.monotonic() + 5
        while get(node, "/metrics")[0] == 200 and time.monotonic() < deadline:
            time.sleep(0.1)
        status, _, body = get(node, "/metrics")
        assert status == 401, body
        status, _, _ = exchange(node, b"GET /metrics HTTP/1.1\r\nHost: x\r\n"
                                      b"Authorization: Bearer not-a-token\r\n\r\n")
        assert status == 401
        # a superadmin's token opens it, a domain admin's does not
        ctl("admin", "add", "metroot", "--role", "superadmin", "--password-stdin",
            input="Root-Secret-1\n")
        ctl("admin", "add", "metdom", "--role", "domain", "--domain", "example.test",
            "--password-stdin", input="Dom-Secret-2\n")
        for login, password, expected in (("metroot", "Root-Secret-1", 200),
                                          ("metdom", "Dom-Secret-2", 403)):
            client = AdminClient(node.admin_url())
            client.login(login, password)
            status, _, _ = exchange(node, b"GET /metrics HTTP/1.1\r\nHost: x\r\n"
                                          b"Authorization: Bearer %s\r\n\r\n"
                                          % client.token.encode())
            assert status == expected, login
    finally:
        ctl("settings", "unset", "metrics_trusted_networks")


def test_ready_follows_the_database(node, pg):
    """Last in the module: it stops and restarts PostgreSQL."""
    assert get(node, "/ready")[0] == 200
    pg._shutdown(30)
    try:
        h.wait_for(lambda: get(node, "/ready")[0] == 503, timeout=30,
                   message="/ready to answer 503 without PostgreSQL")
        status, _, body = get(node, "/ready")
        assert json.loads(body)["error"]["code"] == "not_ready"
        assert_serving(node)          # /health does not depend on it
    finally:
        pg.start()
    h.wait_for(lambda: get(node, "/ready")[0] == 200, timeout=60,
               message="/ready to answer 200 again after PostgreSQL restarted")
