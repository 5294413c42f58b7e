"""Inbound delivery over SMTP and LMTP with real clients (smtplib, swaks,
raw sockets), checked in the database."""

import hashlib
import secrets
import ssl
import shutil
import smtplib
import subprocess
import warnings

import pytest

import petrel_harness as h

LIST_SIZE = 50


@pytest.fixture(scope="module")
def recipients(ctl, mail_setup):
    """list@example.test -> r01..r50; catch-all domain catch.test; a UTF-8
    local part; an account with a tiny quota."""
    members = [f"r{i:02d}@example.test" for i in range(1, LIST_SIZE + 1)]
    for m in members:
        ctl.add_account(m)
    ctl("alias", "add", "list@example.test", *members)
    ctl("domain", "add", "catch.test")
    ctl.add_account("catcher@catch.test")
    ctl.add_account("named@catch.test")
    ctl("alias", "add", "@catch.test", "catcher@catch.test")
    ctl.add_account("jörg@example.test")
    ctl.add_account("full@example.test", "pw-full-1", "--quota", "1K")
    return members


def inbox_count(pg, address):
    local, domain = address.split("@")
    return pg.value("SELECT mb.messages FROM mailboxes mb JOIN accounts a ON a.id = mb.account_id"
                    " JOIN domains d ON d.id = a.domain_id"
                    " WHERE a.localpart = %s AND d.name = %s AND mb.name = 'INBOX'", (local, domain))


def raw_of(pg, token):
    rows = pg.sql("SELECT raw FROM message_contents WHERE position(%s::bytea in raw) > 0",
                  (token.encode(),))
    assert len(rows) == 1, f"expected one content row for {token}, got {len(rows)}"
    return bytes(rows[0][0])


token_of = h.token_of


def assert_queued(res):
    assert res.code == 250, res
    assert res.text.startswith("2.0.0"), res
    assert res.queue_id, f"no queue id in {res.text!r}"


# --------------------------------------------------------------------------- basics

def test_banner_and_ehlo(node):
    with h.RawClient(node.port("smtp")) as c:
        assert c.banner.code == 220
        assert c.banner.lines[0].startswith(h.HOSTNAME + " ESMTP"), c.banner
        assert "Petrel" in c.banner.text
        r = c.ehlo()
        assert r.code == 250
        ext = {line.split()[0].upper(): line for line in r.lines[1:]}
        for name in ("PIPELINING", "SIZE", "8BITMIME", "SMTPUTF8", "ENHANCEDSTATUSCODES",
                     "STARTTLS", "CHUNKING"):
            assert name in ext, f"{name} not advertised: {r.lines}"
        assert ext["SIZE"].split()[1] == str(30 * 1024 * 1024)
        r = c.cmd("HELO client.test")
        assert r.code == 250
        assert c.cmd("NOOP").code == 250
        assert c.cmd("RSET").enhanced == "2.0.0"
        assert c.cmd("VRFY user@example.test").code == 252
        r = c.cmd("QUIT")
        assert (r.code, r.enhanced) == (221, "2.0.0")
        assert c.wait_closed(5)


def test_deliver_to_user(pg, node, recipients):
    msg = h.make_message(subject="Hello user", to="user@example.test")
    token = token_of(msg)
    before = inbox_count(pg, "user@example.test")
    res = h.smtp_send(node.port("smtp"), "sender@remote.test", ["user@example.test"], msg)
    assert_queued(res)

    rows = h.stored_by_token(pg, token)
    assert [(r[0], r[1]) for r in rows] == [("user@example.test", "INBOX")]
    raw = raw_of(pg, token)
    assert raw.startswith(b"Received: "), raw[:200]
    assert raw.endswith(msg), "message bytes must be stored verbatim after the Received header"
    assert rows[0][4] == len(raw)
    content = pg.sql("SELECT size, sha256, subject FROM message_contents WHERE id = %s", (rows[0][3],))[0]
    assert content[0] == len(raw)
    assert bytes(content[1]) == hashlib.sha256(raw).digest()
    assert content[2] == "Hello user"
    assert inbox_count(pg, "user@example.test") == before + 1

    inbound = pg.sql("SELECT node_id, mail_from, recipients, size, content_id, protocol"
                     "  FROM inbound_messages WHERE queue_id = %s", (res.queue_id,))
    assert len(inbound) == 1, f"no inbound_messages row for queue id {res.queue_id}"
    node_id, mail_from, rcpts, size, content_id, proto = inbound[0]
    assert node_id == "node1"
    assert mail_from == "sender@remote.test"
    assert rcpts == ["user@example.test"]
    assert content_id == rows[0][3] and size == len(raw)
    assert proto.lower() in ("smtp", "esmtp", "esmtps")


def test_uids_increase(pg, node, recipients):
    uids = []
    for i in range(3):
        msg = h.make_message(subject=f"uid {i}", to="bob@example.test")
        assert_queued(h.smtp_send(node.port("smtp"), "s@remote.test", ["bob@example.test"], msg))
        uids.append(h.stored_by_token(pg, token_of(msg))[0][2])
    assert uids == sorted(uids) and len(set(uids)) == 3
    assert uids[2] - uids[0] == 2
    uidnext = pg.value("SELECT mb.uidnext FROM mailboxes mb JOIN accounts a ON a.id = mb.account_id"
                       " WHERE a.localpart = 'bob' AND mb.name = 'INBOX'")
    assert uidnext == uids[-1] + 1


def test_recipient_errors(node, recipients):
    with h.RawClient(node.port("smtp")) as c:
        c.ehlo()
        r = c.cmd("MAIL FROM:<sender@remote.test>")
        assert (r.code, r.enhanced) == (250, "2.1.0")
        r = c.cmd("RCPT TO:<nobody@example.test>")
        assert (r.code, r.enhanced) == (550, "5.1.1"), r
        r = c.cmd("RCPT TO:<someone@elsewhere.test>")
        assert (r.code, r.enhanced) == (554, "5.7.1"), r
        r = c.cmd("RCPT TO:<user@example.test>")
        assert (r.code, r.enhanced) == (250, "2.1.5"), r
        r = c.cmd("RCPT TO:<USER@Example.Test>")
        assert r.code == 250, "addresses are case-insensitive"
        assert c.cmd("RSET").code == 250
        assert c.cmd("QUIT").code == 221


def test_plus_addressing(pg, node, recipients):
    msg = h.make_message(to="alice+news@example.test")
    assert_queued(h.smtp_send(node.port("smtp"), "s@remote.test", ["alice+news@example.test"], msg))
    assert [r[0] for r in h.stored_by_token(pg, token_of(msg))] == ["alice@example.test"]


# ------------------------------------------------------------------ aliases, catch-all

def test_alias_fanout_stored_once(pg, node, recipients):
    msg = h.make_message(subject="To the list", to="list@example.test", size=8192)
    token = token_of(msg)
    res = h.smtp_send(node.port("smtp"), "sender@remote.test", ["list@example.test"], msg)
    assert_queued(res)
    rows = h.stored_by_token(pg, token)
    assert sorted(r[0] for r in rows) == sorted(recipients)
    assert {r[1] for r in rows} == {"INBOX"}
    assert len({r[3] for r in rows}) == 1, "content must be stored once"
    assert pg.value("SELECT count(*) FROM message_contents WHERE position(%s::bytea in raw) > 0",
                    (token.encode(),)) == 1
    assert pg.value("SELECT count(*) FROM inbound_messages WHERE queue_id = %s",
                    (res.queue_id,)) == 1


def test_alias_and_direct_recipient_deduplicated(pg, node, recipients):
    msg = h.make_message(to="list@example.test")
    res = h.smtp_send(node.port("smtp"), "sender@remote.test",
                      ["list@example.test", "r01@example.test", "user@example.test"], msg)
    assert_queued(res)
    rows = h.stored_by_token(pg, token_of(msg))
    addrs = [r[0] for r in rows]
    assert sorted(addrs) == sorted(set(recipients) | {"user@example.test"}), \
        "one copy per mailbox even when reached twice"


def test_catch_all(pg, node, recipients):
    msg = h.make_message(to="anything@catch.test")
    assert_queued(h.smtp_send(node.port("smtp"), "s@remote.test", ["anything@catch.test"], msg))
    assert [r[0] for r in h.stored_by_token(pg, token_of(msg))] == ["catcher@catch.test"]
    msg = h.make_message(to="named@catch.test")
    assert_queued(h.smtp_send(node.port("smtp"), "s@remote.test", ["named@catch.test"], msg))
    assert [r[0] for r in h.stored_by_token(pg, token_of(msg))] == ["named@catch.test"], \
        "an existing account wins over the catch-all"


# ------------------------------------------------------------------ 8-bit, UTF-8, size

def test_8bitmime(pg, node, recipients):
    msg = h.make_message(eightbit=True, subject="8-bit body")
    assert b"\xc3\xbc" in msg
    res = h.smtp_send(node.port("smtp"), "s@remote.test", ["user@example.test"], msg,
                      mail_options=["BODY=8BITMIME"])
    assert_queued(res)
    assert raw_of(pg, token_of(msg)).endswith(msg)


def test_smtputf8_address(pg, node, recipients):
    msg = h.make_message(to="jörg@example.test", sender="renée@remote.test",
                         subject="Grüße", eightbit=True)
    res = h.smtp_send(node.port("smtp"), "renée@remote.test", ["jörg@example.test"], msg,
                      mail_options=["SMTPUTF8", "BODY=8BITMIME"])
    assert_queued(res)
    assert [r[0] for r in h.stored_by_token(pg, token_of(msg))] == ["jörg@example.test"]
    assert raw_of(pg, token_of(msg)).endswith(msg)


def test_20mb_message(pg, node, recipients):
    msg = h.make_message(size=20 * 1024 * 1024, subject="big one")
    token = token_of(msg)
    res = h.smtp_send(node.port("smtp"), "s@remote.test", ["alice@example.test"], msg,
                      timeout=120, mail_options=[f"SIZE={len(msg)}"])
    assert_queued(res)
    rows = pg.sql("SELECT c.size, c.sha256 = sha256(c.raw),"
                  "       sha256(substring(c.raw FROM c.size - %s + 1)), count(m.uid)"
                  "  FROM message_contents c JOIN messages m ON m.content_id = c.id"
                  " WHERE c.message_id LIKE %s OR position(%s::bytea in substring(c.raw FOR 4096)) > 0"
                  " GROUP BY c.id", (len(msg), f"%{token}%", token.encode()))
    assert len(rows) == 1
    size, hash_ok, tail_hash, copies = rows[0]
    assert size > len(msg) and hash_ok and copies == 1
    assert bytes(tail_hash) == hashlib.sha256(msg).digest(), "20 MB body must be stored verbatim"


# ---------------------------------------------------------------------------- BDAT

def test_bdat_chunks(pg, node, recipients):
    msg = h.make_message(subject="chunked", body="line one\n.leading dot stays\nline three\n" * 50)
    token = token_of(msg)
    crlf = msg.index(b"\r\n", 200)
    # chunks of 100 bytes, 1 byte, one ending between CR and LF, one ending
    # just before a leading dot, and a last one of 1 byte
    dot = msg.index(b"\r\n.", crlf + 2) + 2
    cuts = [0, 100, 101, crlf + 1, dot, len(msg) - 1, len(msg)]
    chunks = [msg[a:b] for a, b in zip(cuts, cuts[1:])]
    with h.RawClient(node.port("smtp")) as c:
        assert "CHUNKING" in c.ehlo().text
        assert c.cmd("MAIL FROM:<s@remote.test>").code == 250
        assert c.cmd("RCPT TO:<user@example.test>").code == 250
        for chunk in chunks[:-1]:
            c.send(f"BDAT {len(chunk)}\r\n".encode() + chunk)
            r = c.read_reply()
            assert r.code == 250, r
        last = chunks[-1]
        c.send(f"BDAT {len(last)} LAST\r\n".encode() + last)
        r = c.read_reply()
        assert (r.code, r.enhanced) == (250, "2.0.0"), r
        assert h.queue_id_of(r.text)
        assert c.cmd("QUIT").code == 221
    raw = raw_of(pg, token)
    assert raw.startswith(b"Received: ")
    assert raw.endswith(msg), "BDAT data is stored as sent: no dot-unstuffing"


def test_bdat_zero_last_and_second_transaction(pg, node, recipients):
    m1 = h.make_message(subject="bdat 1")
    m2 = h.make_message(subject="bdat 2")
    with h.RawClient(node.port("smtp")) as c:
        c.ehlo()
        assert c.cmd("MAIL FROM:<s@remote.test>").code == 250
        assert c.cmd("RCPT TO:<alice@example.test>").code == 250
        c.send(f"BDAT {len(m1)}\r\n".encode() + m1)
        assert c.read_reply().code == 250
        r = c.cmd("BDAT 0 LAST")
        assert (r.code, r.enhanced) == (250, "2.0.0"), r
        # The session goes on: a second transaction, this time one chunk and
        # the command pipelined with its data.
        assert c.cmd("MAIL FROM:<s@remote.test>").code == 250
        assert c.cmd("RCPT TO:<alice@example.test>").code == 250
        c.send(f"BDAT {len(m2)} LAST\r\n".encode() + m2 + b"NOOP\r\n")
        assert c.read_reply().code == 250
        assert c.read_reply().code == 250
    assert raw_of(pg, token_of(m1)).endswith(m1)
    assert raw_of(pg, token_of(m2)).endswith(m2)


def test_bdat_without_rcpt_and_data_mixing(node, recipients):
    with h.RawClient(node.port("smtp")) as c:
        c.ehlo()
        assert c.cmd("MAIL FROM:<s@remote.test>").code == 250
        c.send(b"BDAT 5 LAST\r\nhello")
        assert c.read_reply().code == 503
        r = c.cmd("RSET")
        assert r.code == 250, f"a rejected BDAT must still consume its chunk (RFC 3030): {r}"
        assert c.cmd("MAIL FROM:<s@remote.test>").code == 250
        assert c.cmd("RCPT TO:<user@example.test>").code == 250
        c.send(b"BDAT 5\r\nhello")
        assert c.read_reply().code == 250
        r = c.cmd("DATA")
        assert r.code == 503, "DATA after BDAT in one transaction is a sequence error"
        assert c.cmd("RSET").code == 250
        assert c.cmd("NOOP").code == 250


# ----------------------------------------------------------------------- pipelining

def test_pipelining(pg, node, recipients):
    msg = h.make_message(subject="pipelined")
    with h.RawClient(node.port("smtp")) as c:
        assert "PIPELINING" in c.ehlo().text
        c.send(b"MAIL FROM:<s@remote.test>\r\n"
               b"RCPT TO:<user@example.test>\r\n"
               b"RCPT TO:<nobody@example.test>\r\n"
               b"RCPT TO:<alice@example.test>\r\n"
               b"DATA\r\n")
        codes = [c.read_reply().code for _ in range(5)]
        assert codes == [250, 250, 550, 250, 354], codes
        c.send(msg + b".\r\nMAIL FROM:<s2@remote.test>\r\nRCPT TO:<bob@example.test>\r\n"
               b"RSET\r\nNOOP\r\nQUIT\r\n")
        replies = [c.read_reply() for _ in range(6)]
        assert [r.code for r in replies] == [250, 250, 250, 250, 250, 221], replies
        assert h.queue_id_of(replies[0].text)
        assert c.wait_closed(5)
    assert sorted(r[0] for r in h.stored_by_token(pg, token_of(msg))) == \
        ["alice@example.test", "user@example.test"]


def test_pipelined_ehlo_through_data_in_one_write(pg, node, recipients):
    msg = h.make_message(subject="one write")
    with h.RawClient(node.port("smtp")) as c:
        c.send(b"EHLO client.test\r\nMAIL FROM:<s@remote.test>\r\nRCPT TO:<bob@example.test>\r\n"
               b"DATA\r\n")
        codes = [c.read_reply().code for _ in range(4)]
        assert codes == [250, 250, 250, 354]
        c.send(msg + b".\r\nQUIT\r\n")
        assert c.read_reply().code == 250
        assert c.read_reply().code == 221
    assert [r[0] for r in h.stored_by_token(pg, token_of(msg))] == ["bob@example.test"]


def test_dot_stuffing(pg, node, recipients):
    body = "first\n.starts with a dot\n..two dots\n.\nlast\n"
    msg = h.make_message(body=body)
    assert_queued(h.smtp_send(node.port("smtp"), "s@remote.test", ["user@example.test"], msg))
    assert raw_of(pg, token_of(msg)).endswith(msg), "dot-unstuffing must restore the body"


# ---------------------------------------------------------------------------- TLS

def test_starttls_then_delivery(pg, node, recipients):
    msg = h.make_message(subject="over TLS")
    client = smtplib.SMTP("127.0.0.1", node.port("smtp"), local_hostname="client.test", timeout=30)
    try:
        client.ehlo()
        assert client.has_extn("starttls")
        code, _ = client.starttls(context=h.unverified_tls_context())
        assert code == 220
        assert client.sock.version() in ("TLSv1.2", "TLSv1.3")
        client.ehlo()
        assert not client.has_extn("starttls"), "STARTTLS must not be offered twice"
        code, _ = client.mail("s@remote.test")
        assert code == 250
        code, _ = client.rcpt("user@example.test")
        assert code == 250
        code, resp = client.data(msg)
        assert code == 250 and resp.startswith(b"2.0.0"), resp
        client.quit()
    finally:
        client.close()
    assert [r[0] for r in h.stored_by_token(pg, token_of(msg))] == ["user@example.test"]


def test_starttls_large_bdat_chunk(pg, node, recipients):
    # A chunk larger than the node's input buffer leaves decrypted bytes
    # inside OpenSSL; the node must still read them without new socket input.
    msg = h.make_message(size=300_000, subject="big chunk over TLS")
    client = smtplib.SMTP("127.0.0.1", node.port("smtp"), local_hostname="client.test", timeout=30)
    try:
        client.ehlo()
        client.starttls(context=h.unverified_tls_context())
        client.ehlo()
        assert client.mail("s@remote.test")[0] == 250
        assert client.rcpt("user@example.test")[0] == 250
        client.send(b"BDAT %d LAST\r\n" % len(msg) + msg)
        code, resp = client.getreply()
        assert code == 250 and resp.startswith(b"2.0.0"), resp
        client.quit()
    finally:
        client.close()
    assert [r[0] for r in h.stored_by_token(pg, token_of(msg))] == ["user@example.test"]


def test_starttls_refuses_old_protocols(node):
    ctx = h.unverified_tls_context()
    ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        ctx.minimum_version = ctx.maximum_version = ssl.TLSVersion.TLSv1_1
    with h.RawClient(node.port("smtp")) as c:
        c.ehlo()
        assert c.cmd("STARTTLS").code == 220
        with pytest.raises(OSError):
            ctx.wrap_socket(c.sock).do_handshake()
    # the node keeps serving
    assert h.RawClient(node.port("smtp")).banner.code == 220


def test_starttls_with_pipelined_command_is_rejected_or_discarded(node):
    """Commands pipelined after STARTTLS must not be executed inside TLS
    (CVE-2011-0411 class)."""
    with h.RawClient(node.port("smtp")) as c:
        c.ehlo()
        c.send(b"STARTTLS\r\nVRFY injected@example.test\r\n")
        r = c.read_reply()
        if r.code == 220:
            tls = h.unverified_tls_context().wrap_socket(c.sock)
            tls.settimeout(5)
            tls.sendall(b"NOOP\r\n")
            data = tls.recv(4096)
            assert data.startswith(b"250"), f"the injected VRFY was answered inside TLS: {data!r}"
            tls.close()
        else:
            assert r.code in (501, 503, 554), r


# --------------------------------------------------------------------------- swaks

@pytest.mark.skipif(shutil.which("swaks") is None, reason="swaks not installed")
def test_swaks(pg, node, recipients):
    msg = h.make_message(subject="via swaks")
    token = token_of(msg)
    res = subprocess.run(["swaks", "--server", f"127.0.0.1:{node.port('smtp')}",
                          "--from", "s@remote.test", "--to", "alice@example.test",
                          "--helo", "client.test", "--data", "-"],
                         input=msg, capture_output=True, timeout=60)
    out = res.stdout.decode(errors="replace")
    assert res.returncode == 0, out + res.stderr.decode(errors="replace")
    assert "<-  250 2.0.0" in out, out
    assert [r[0] for r in h.stored_by_token(pg, token)] == ["alice@example.test"]


def _swaks_has_tls():
    return subprocess.run(["perl", "-MNet::SSLeay", "-e", "1"], capture_output=True).returncode == 0


@pytest.mark.skipif(shutil.which("swaks") is None, reason="swaks not installed")
def test_swaks_starttls(pg, node, recipients):
    if not _swaks_has_tls():
        pytest.skip("swaks without TLS support (libnet-ssleay-perl missing)")
    token = secrets.token_hex(12)
    res = subprocess.run(["swaks", "--server", f"127.0.0.1:{node.port('smtp')}", "--tls",
                          "--from", "s@remote.test", "--to", "bob@example.test",
                          "--helo", "client.test", "--header", f"X-Petrel-Token: {token}"],
                         capture_output=True, timeout=60)
    out = res.stdout.decode(errors="replace")
    assert res.returncode == 0, out + res.stderr.decode(errors="replace")
    assert " ~> MAIL FROM" in out, "the transaction should run over TLS"
    assert [r[0] for r in h.stored_by_token(pg, token)] == ["bob@example.test"]


# --------------------------------------------------------------------------- LMTP

def test_lmtp_per_recipient_replies(pg, node, recipients):
    msg = h.make_message(subject="via lmtp")
    client = smtplib.LMTP("127.0.0.1", node.port("lmtp"), local_hostname="client.test")
    client.sock.settimeout(30)
    try:
        code, banner = client.ehlo()            # LMTP.ehlo sends LHLO
        assert code == 250, banner
        assert client.has_extn("pipelining") and client.has_extn("enhancedstatuscodes")
        assert client.mail("s@remote.test")[0] == 250
        accepted = []
        for rcpt, want in (("user@example.test", 250), ("nobody@example.test", 550),
                           ("alice@example.test", 250), ("list@example.test", 250)):
            code, resp = client.rcpt(rcpt)
            assert code == want, (rcpt, code, resp)
            if code == 250:
                accepted.append(rcpt)
        code, resp = client.data(msg)
        replies = [(code, resp)] + [client.getreply() for _ in accepted[1:]]
        assert [c for c, _ in replies] == [250] * len(accepted), replies
        assert all(r.startswith(b"2.") for _, r in replies), replies
        assert client.noop()[0] == 250, "exactly one reply per accepted recipient"
        client.quit()
    finally:
        client.close()
    stored = sorted(r[0] for r in h.stored_by_token(pg, token_of(msg)))
    assert stored == sorted(["user@example.test", "alice@example.test"] + recipients)
    assert len({r[3] for r in h.stored_by_token(pg, token_of(msg))}) == 1


def test_lmtp_banner_and_ehlo_rejected(node):
    with h.RawClient(node.port("lmtp")) as c:
        assert c.banner.code == 220
        assert "LMTP" in c.banner.text
        r = c.cmd("EHLO client.test")
        assert r.code >= 500, "LMTP speaks LHLO, not EHLO"
        assert c.cmd("LHLO client.test").code == 250


def test_lmtp_quota_per_recipient(pg, node, recipients):
    _fill_quota(pg)
    with h.RawClient(node.port("lmtp")) as c:
        c.ehlo(verb="LHLO")
        assert c.cmd("MAIL FROM:<s@remote.test>").code == 250
        r = c.cmd("RCPT TO:<full@example.test>")
        assert (r.code, r.enhanced) == (452, "4.2.2"), r
        assert c.cmd("RCPT TO:<user@example.test>").code == 250


# -------------------------------------------------------------------------- quota

def _fill_quota(pg):
    pg.sql("UPDATE mailboxes SET bytes = 5000 WHERE name = 'INBOX' AND account_id ="
           " (SELECT a.id FROM accounts a JOIN domains d ON d.id = a.domain_id"
           "   WHERE a.localpart = 'full' AND d.name = 'example.test')")


def test_quota_exceeded(pg, node, recipients, settings):
    _fill_quota(pg)
    with h.RawClient(node.port("smtp")) as c:
        c.ehlo()
        assert c.cmd("MAIL FROM:<s@remote.test>").code == 250
        r = c.cmd("RCPT TO:<full@example.test>")
        assert (r.code, r.enhanced) == (452, "4.2.2"), r
    settings.set("quota_exceeded_permanent", "yes", account="full@example.test")
    with h.RawClient(node.port("smtp")) as c:
        c.ehlo()
        assert c.cmd("MAIL FROM:<s@remote.test>").code == 250
        r = c.cmd("RCPT TO:<full@example.test>")
        assert (r.code, r.enhanced) == (552, "5.2.2"), r
        r = c.cmd("RCPT TO:<user@example.test>")
        assert r.code == 250, "other recipients are unaffected"
