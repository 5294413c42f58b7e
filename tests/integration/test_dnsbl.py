"""
DNSBL checks (node/smtp-check-dnsbl.c) against dnsmasq serving blocklist
zones: a client listed on fewer zones than dnsbl_threshold gets its mail
delivered with X-Blacklisted: naming the zones, one listed on enough
zones is refused at MAIL with 554 5.7.1, and a zone whose DNS server
never answers is skipped after policy_dns_timeout with a logged reason.

The test client connects from 127.0.0.1 (listed on bl1 only) or
127.0.0.2 (listed on bl1 and bl2). The first tests use the module's
NODE_SETTINGS; the later ones set what they need (the settings fixture
unsets its changes afterwards).
"""

import smtplib
import time

import pytest

import mail_peers as mp
import petrel_harness as h


DNS = mp.Dnsmasq(silent=["silent.test"], a=[
    ("1.0.0.127.bl1.test", "127.0.0.2"),
    ("2.0.0.127.bl1.test", "127.0.0.2"),
    ("2.0.0.127.bl2.test", "127.0.0.10"),
    ("1.0.0.127.bl3.test", "127.255.255.254"),    # "query refused", not a listing
])

NODE_LISTENERS = ("smtp",)
NODE_EXTRA = {"dns": {"servers": DNS.servers}}
NODE_SETTINGS = {"dnsbl_zones": "bl1.test, bl2.test, bl3.test", "dnsbl_threshold": "2"}


@pytest.fixture(scope="module", autouse=True)
def dns():
    DNS.start()
    yield DNS
    DNS.stop()


def stored_raw(pg, token):
    rows = pg.sql("SELECT c.raw FROM message_contents c WHERE position(%s::bytea in c.raw) > 0",
                  (token.encode(),))
    assert len(rows) == 1, rows
    return bytes(rows[0][0])


def send(node, subject, source=None):
    msg = h.make_message(subject=subject)
    result = h.smtp_send(node.port("smtp"), "sender@remote.test", ["user@example.test"], msg,
                         source_address=(source, 0) if source else None)
    return result, h.token_of(msg)


def test_listed_below_threshold_gets_header(node, pg):
    result, token = send(node, "below threshold")
    assert result.code == 250
    raw = stored_raw(pg, token)
    header = raw.split(b"\r\n\r\n", 1)[0]
    assert b"\r\nX-Blacklisted: bl1.test\r\n" in header
    assert b"bl3.test" not in header        # 127.255.255.x is no listing


def test_listed_at_threshold_is_refused(node, pg):
    with pytest.raises(smtplib.SMTPSenderRefused) as refused:
        send(node, "refused", source="127.0.0.2")
    assert refused.value.smtp_code == 554
    text = refused.value.smtp_error.decode()
    assert "5.7.1 Service unavailable; client [127.0.0.2] blocked using bl1.test, bl2.test" \
        in text
    h.wait_for(lambda: pg.value("SELECT count(*) FROM block_log WHERE client_ip = '127.0.0.2'"
                                " AND check_name = 'dnsbl'") >= 1, timeout=5,
               message="the refusal is not in block_log")
    # the server keeps serving: the next client is fine
    result, _ = send(node, "after refusal")
    assert result.code == 250


def test_not_listed_gets_no_header(node, pg, settings):
    settings.set("dnsbl_zones", "bl2.test")
    result, token = send(node, "clean")
    assert result.code == 250
    assert b"X-Blacklisted" not in stored_raw(pg, token)


def test_silent_dns_server_skips_the_check(node, pg, settings):
    settings.set("dnsbl_zones", "bl1.test, silent.test")
    settings.set("dnsbl_threshold", "1")
    settings.set("policy_dns_timeout", "1s")
    started = time.monotonic()
    result, token = send(node, "silent dns")
    assert result.code == 250               # not refused although bl1 lists it
    assert time.monotonic() - started < 10
    assert b"X-Blacklisted" not in stored_raw(pg, token)
    h.wait_for(lambda: "event=dnsbl_skipped" in node.log_text(), timeout=5)
    assert "timed out" in node.log_text()
    result, _ = send(node, "still serving")
    assert result.code == 250
