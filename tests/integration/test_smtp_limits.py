"""Bad input and limits: each case gets its clear protocol error and the
node keeps serving other clients."""

import os
import select
import signal
import socket
import time

import pytest

import petrel_harness as h

SIZE_LIMIT = 100 * 1024
NODE_SETTINGS = {
    "message_size_limit": "100K",
    "smtp_data_timeout": "2s",
}


def still_serves(pg, node, source=None):
    """A fresh client delivers a message and it is stored."""
    msg = h.make_message(subject="still serving")
    res = h.smtp_send(node.port("smtp"), "s@remote.test", ["user@example.test"], msg,
                      source_address=(source, 0) if source else None, timeout=30)
    assert res.code == 250, res
    token = h.token_of(msg)
    assert len(h.stored_by_token(pg, token)) == 1


def nothing_stored(pg, token):
    assert pg.value("SELECT count(*) FROM message_contents WHERE position(%s::bytea in raw) > 0",
                    (token.encode(),)) == 0


def read_all_replies(c, timeout=5):
    """Replies until the server closes or stays silent for timeout."""
    out = []
    while True:
        try:
            out.append(c.read_reply(timeout=timeout))
        except (h.ConnectionClosed, ConnectionResetError):
            out.append(None)      # None marks the close
            return out
        except socket.timeout:
            return out


# --------------------------------------------------------------------- line limits

def test_line_over_1000_bytes(pg, node, mail_setup):
    with h.RawClient(node.port("smtp")) as c:
        c.ehlo()
        r = c.cmd("MAIL FROM:<" + "a" * 1200 + "@remote.test>")
        assert (r.code, r.enhanced) == (500, "5.5.2"), r
        assert c.cmd("NOOP").code == 250, "the session goes on after a long line"
        # A 1 MB line sent in pieces: one error, memory stays bounded, the
        # session goes on.
        piece = b"X" * 65536
        for _ in range(16):
            c.send(piece)
        c.send(b"\r\nNOOP\r\n")
        r = c.read_reply(timeout=10)
        assert (r.code, r.enhanced) == (500, "5.5.2"), r
        assert c.read_reply().code == 250
        assert c.cmd("MAIL FROM:<s@remote.test>").code == 250
    still_serves(pg, node)


def test_line_of_exactly_1000_bytes_is_fine(node, mail_setup):
    with h.RawClient(node.port("smtp")) as c:
        c.ehlo()
        cmd = b"NOOP " + b"n" * (1000 - 2 - 5)
        assert len(cmd + b"\r\n") == 1000
        assert c.cmd(cmd).code == 250


def test_binary_garbage(pg, node, mail_setup):
    with h.RawClient(node.port("smtp")) as c:
        c.ehlo()
        r = c.cmd(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\x00garbage\xff\xfe")
        assert (r.code, r.enhanced) == (500, "5.5.2"), r
        r = c.cmd(b"NOOP\x00")
        assert r.code == 500, r
        assert c.cmd("NOOP").code == 250
    still_serves(pg, node)


def test_garbage_before_ehlo_and_tls_hello(pg, node, mail_setup):
    with h.RawClient(node.port("smtp")) as c:
        c.send(os.urandom(3000).replace(b"\n", b"") + b"\r\n")
        replies = read_all_replies(c, timeout=3)
        assert replies and replies[0] is not None and replies[0].code == 500, replies
    still_serves(pg, node)


def test_hard_error_limit(pg, node, mail_setup):
    """smtp_hard_error_limit (20) bad commands, then 421 and close. One
    command at a time, so nothing unread is left when the server closes."""
    codes = []
    with h.RawClient(node.port("smtp")) as c:
        c.ehlo()
        for _ in range(30):
            try:
                c.send(b"BOGUS command\r\n")
                codes.append(c.read_reply(timeout=10).code)
            except (h.ConnectionClosed, BrokenPipeError, ConnectionResetError):
                codes.append(None)
                break
            if codes[-1] == 421:
                codes.append(None if c.wait_closed(5) else "open")
                break
        assert 421 in codes, codes
        assert codes[-1] is None, f"the server closes after 421: {codes}"
        assert codes.count(502) <= 20, codes
    still_serves(pg, node)


def test_unknown_command(node, mail_setup):
    with h.RawClient(node.port("smtp")) as c:
        c.ehlo()
        r = c.cmd("FROBNICATE now")
        assert (r.code, r.enhanced) == (502, "5.5.2"), r
        assert c.cmd("NOOP").code == 250


# ---------------------------------------------------------------------- sequencing

def test_commands_before_ehlo(pg, node, mail_setup):
    with h.RawClient(node.port("smtp")) as c:
        for line in ("MAIL FROM:<s@remote.test>", "RCPT TO:<user@example.test>", "DATA"):
            r = c.cmd(line)
            assert (r.code, r.enhanced) == (503, "5.5.1"), (line, r)
        assert c.ehlo().code == 250
        assert c.cmd("MAIL FROM:<s@remote.test>").code == 250
    with h.RawClient(node.port("smtp")) as c:
        c.send(b"BDAT 3 LAST\r\nabc")
        r = c.read_reply()
        assert (r.code, r.enhanced) == (503, "5.5.1"), r
        r = c.ehlo()
        assert r.code == 250, f"a rejected BDAT must still consume its chunk (RFC 3030): {r}"
    still_serves(pg, node)


def test_mail_without_rcpt_then_data(node, mail_setup):
    with h.RawClient(node.port("smtp")) as c:
        c.ehlo()
        r = c.cmd("RCPT TO:<user@example.test>")
        assert (r.code, r.enhanced) == (503, "5.5.1"), "RCPT before MAIL"
        assert c.cmd("MAIL FROM:<s@remote.test>").code == 250
        r = c.cmd("MAIL FROM:<s@remote.test>")
        assert (r.code, r.enhanced) == (503, "5.5.1"), "nested MAIL"
        r = c.cmd("DATA")
        assert (r.code, r.enhanced) == (503, "5.5.1"), r
        r = c.cmd("RCPT TO:<nobody@example.test>")
        assert r.code == 550
        r = c.cmd("DATA")
        assert r.code in (503, 554), "DATA with no accepted recipient"
        assert c.cmd("RSET").code == 250


def test_syntax_errors(node, mail_setup):
    with h.RawClient(node.port("smtp")) as c:
        c.ehlo()
        for line in ("MAIL FROM:", "MAIL FROM:<unterminated", "MAIL TO:<s@remote.test>",
                     "MAIL FROM:<s@remote.test> BOGUS=1"):
            r = c.cmd(line)
            assert 500 <= r.code <= 555, (line, r)
        assert c.cmd("MAIL FROM:<>").code == 250, "null reverse-path is valid"
        r = c.cmd("RCPT TO:<no-at-sign>")
        assert 500 <= r.code <= 555, r
        assert c.cmd("EHLO").code == 501


# -------------------------------------------------------------------------- sizes

def test_ehlo_advertises_configured_size(node, mail_setup):
    with h.RawClient(node.port("smtp")) as c:
        r = c.ehlo()
        sizes = [line.split() for line in r.lines if line.upper().startswith("SIZE")]
        assert sizes and sizes[0][1] == str(SIZE_LIMIT), r.lines


def test_mail_size_parameter_over_limit(node, mail_setup):
    with h.RawClient(node.port("smtp")) as c:
        c.ehlo()
        r = c.cmd(f"MAIL FROM:<s@remote.test> SIZE={SIZE_LIMIT + 1}")
        assert (r.code, r.enhanced) == (552, "5.3.4"), r
        assert c.cmd(f"MAIL FROM:<s@remote.test> SIZE={SIZE_LIMIT // 2}").code == 250


def test_data_over_size_limit(pg, node, mail_setup):
    msg = h.make_message(size=2 * SIZE_LIMIT, subject="too big")
    token = h.token_of(msg)
    with h.RawClient(node.port("smtp")) as c:
        c.ehlo()
        assert c.cmd("MAIL FROM:<s@remote.test>").code == 250
        assert c.cmd("RCPT TO:<user@example.test>").code == 250
        assert c.cmd("DATA").code == 354
        c.send(msg + b".\r\n")
        r = c.read_reply(timeout=30)
        assert (r.code, r.enhanced) == (552, "5.3.4"), r
        # the session goes on
        assert c.cmd("MAIL FROM:<s@remote.test>").code == 250
    nothing_stored(pg, token)
    still_serves(pg, node)


def test_bdat_over_size_limit(pg, node, mail_setup):
    msg = h.make_message(size=2 * SIZE_LIMIT, subject="too big bdat")
    token = h.token_of(msg)
    with h.RawClient(node.port("smtp")) as c:
        c.ehlo()
        assert c.cmd("MAIL FROM:<s@remote.test>").code == 250
        assert c.cmd("RCPT TO:<user@example.test>").code == 250
        half = len(msg) // 2
        c.send(f"BDAT {half}\r\n".encode() + msg[:half])
        r1 = c.read_reply(timeout=30)
        if r1.code == 250:
            c.send(f"BDAT {len(msg) - half} LAST\r\n".encode() + msg[half:])
            r = c.read_reply(timeout=30)
        else:
            r = r1
        assert (r.code, r.enhanced) == (552, "5.3.4"), r
    nothing_stored(pg, token)
    still_serves(pg, node)


def test_too_many_recipients(pg, node, mail_setup):
    msg = h.make_message(subject="many rcpts")
    token = h.token_of(msg)
    with h.RawClient(node.port("smtp")) as c:
        c.ehlo()
        assert c.cmd("MAIL FROM:<s@remote.test>").code == 250
        c.send(b"".join(f"RCPT TO:<user+{i}@example.test>\r\n".encode() for i in range(101)))
        replies = [c.read_reply() for _ in range(101)]
        assert [r.code for r in replies[:100]] == [250] * 100, \
            [str(r) for r in replies if r.code != 250][:3]
        assert (replies[100].code, replies[100].enhanced) == (452, "4.5.3"), replies[100]
        assert c.cmd("DATA").code == 354
        c.send(msg + b".\r\n")
        assert c.read_reply().code == 250
    rows = h.stored_by_token(pg, token)
    assert [r[0] for r in rows] == ["user@example.test"], "one copy per mailbox"


# ------------------------------------------------------------------------ timeouts

def test_client_stops_mid_data(pg, node, mail_setup):
    msg = h.make_message(size=20000, subject="stalled")
    token = h.token_of(msg)
    with h.RawClient(node.port("smtp")) as c:
        c.ehlo()
        assert c.cmd("MAIL FROM:<s@remote.test>").code == 250
        assert c.cmd("RCPT TO:<user@example.test>").code == 250
        assert c.cmd("DATA").code == 354
        c.send(msg[: len(msg) // 2])
        started = time.monotonic()
        replies = read_all_replies(c, timeout=15)
        elapsed = time.monotonic() - started
        assert replies and replies[-1] is None, f"connection should be closed: {replies}"
        real = [r for r in replies if r]
        assert real and (real[0].code, real[0].enhanced) == (421, "4.4.2"), replies
        assert 1.0 <= elapsed <= 10, f"closed after {elapsed:.1f}s with smtp_data_timeout=2s"
    nothing_stored(pg, token)
    still_serves(pg, node)


def test_session_time_limit_bounds_a_trickling_client(pg, node, mail_setup, settings):
    # Each byte restarts the data timeout; the total session limit still ends it.
    settings.set("smtp_session_timeout", "3s")
    msg = h.make_message(subject="trickle")
    token = h.token_of(msg)
    with h.RawClient(node.port("smtp")) as c:
        c.ehlo()
        assert c.cmd("MAIL FROM:<s@remote.test>").code == 250
        assert c.cmd("RCPT TO:<user@example.test>").code == 250
        assert c.cmd("DATA").code == 354
        started = time.monotonic()
        replies = []
        for i in range(40):                      # at most 20 s of trickling
            try:
                c.send(msg[i:i + 1])
            except OSError:
                break
            replies = read_all_replies(c, timeout=0.5)
            if replies:
                break
        elapsed = time.monotonic() - started
        assert replies and replies[0] is not None, replies
        assert (replies[0].code, replies[0].enhanced) == (421, "4.4.2"), replies
        assert elapsed <= 10, f"closed after {elapsed:.1f}s with smtp_session_timeout=3s"
    nothing_stored(pg, token)
    still_serves(pg, node)


def test_command_timeout(pg, node, mail_setup, settings):
    settings.set("smtp_command_timeout", "2s")
    with h.RawClient(node.port("smtp")) as c:
        c.ehlo()
        started = time.monotonic()
        replies = read_all_replies(c, timeout=15)
        elapsed = time.monotonic() - started
        assert replies and replies[-1] is None, replies
        assert replies[0] is not None and (replies[0].code, replies[0].enhanced) == (421, "4.4.2")
        assert elapsed <= 10, elapsed
    still_serves(pg, node)


# ------------------------------------------------------------------ connection limits

def test_connections_per_ip_limit(pg, node, mail_setup):
    limit = 50                     # smtp_max_connections_per_ip default
    total = 1000
    assert h.raise_nofile_limit(total + 500) >= total + 100
    socks, banners, rejected, other = [], 0, 0, []
    try:
        for _ in range(total):
            s = socket.create_connection(("127.0.0.1", node.port("smtp")), timeout=20)
            s.setblocking(False)
            socks.append(s)
        pending = {s.fileno(): [s, b""] for s in socks}
        deadline = time.monotonic() + 60
        poller = select.poll()
        for fd in pending:
            poller.register(fd, select.POLLIN)
        while pending and time.monotonic() < deadline:
            for fd, _ev in poller.poll(500):
                s, buf = pending[fd]
                try:
                    chunk = s.recv(4096)
                except (ConnectionResetError, BlockingIOError):
                    chunk = b""
                buf += chunk
                if b"\n" in buf or not chunk:
                    poller.unregister(fd)
                    del pending[fd]
                    if buf.startswith(b"220"):
                        banners += 1
                    elif buf.startswith(b"421"):
                        rejected += 1
                        assert b"4.7.0" in buf, buf
                    else:
                        other.append(buf[:80])
                else:
                    pending[fd][1] = buf
        summary = (f"{banners} banners, {rejected} rejected with 421, {len(pending)} silent, "
                   f"other: {other[:5]}")
        assert banners <= limit, summary
        assert banners >= 1, summary
        assert banners + rejected == total, summary

        # another IP is not affected while these are open
        still_serves(pg, node, source="127.0.0.2")
    finally:
        for s in socks:
            s.close()
    # and once they are closed, 127.0.0.1 is served again
    h.wait_for(lambda: h.RawClient(node.port("smtp")).banner.code == 220, timeout=10,
               message="127.0.0.1 served again after closing")
    still_serves(pg, node)


# ------------------------------------------------------------------- worker killed

def test_worker_killed_mid_data(pg, node, mail_setup):
    msg = h.make_message(size=50000, subject="worker dies")
    token = h.token_of(msg)
    before = node.wait_workers()
    c = h.RawClient(node.port("smtp"))
    try:
        c.ehlo()
        assert c.cmd("MAIL FROM:<s@remote.test>").code == 250
        assert c.cmd("RCPT TO:<user@example.test>").code == 250
        assert c.cmd("DATA").code == 354
        c.send(msg[:30000])
        time.sleep(0.2)
        victim = h.worker_for_connection(node, c.sock)
        assert victim in before, f"cannot find the worker serving the connection ({before})"
        os.kill(victim, signal.SIGKILL)
        dropped = False
        try:
            c.send(msg[30000:] + b".\r\n")
            r = c.read_reply(timeout=10)
        except (h.ConnectionClosed, ConnectionResetError, BrokenPipeError):
            dropped = True
        assert dropped, f"the connection should drop, got {r}"
    finally:
        c.close()
    nothing_stored(pg, token)
    after = node.wait_workers(exclude=[victim], timeout=15)
    assert victim not in after and len(after) == node.workers
    assert node.running(), "the master survives"
    still_serves(pg, node)
    for _ in range(5):
        still_serves(pg, node)


@pytest.mark.parametrize("rounds", [3])
def test_all_workers_killed(pg, node, mail_setup, rounds):
    for _ in range(rounds):
        pids = node.wait_workers()
        for pid in pids:
            os.kill(pid, signal.SIGKILL)
        node.wait_workers(exclude=pids, timeout=20)
        still_serves(pg, node)
