"""
SPF, DKIM, DMARC and Authentication-Results: (node/smtp-check-auth.c,
policy-spf.c, policy-dkim-verify.c, policy-dmarc.c) against dnsmasq
serving the test domains' SPF, DKIM key and DMARC TXT records.

libspf2 passes every loopback client ("localhost is always allowed"), so
the client connects from the host's non-loopback address (the node
listens on 127.0.0.1); without such an address the module is skipped.
Messages are signed with python3-dkim (Debian) using a key made here.
"""

import base64
import smtplib
import subprocess
import time

import pytest

import mail_peers as mp
import petrel_harness as h

dkim = pytest.importorskip("dkim")


CLIENT = mp.host_ipv4()
if CLIENT is None:
    pytest.skip("no non-loopback IPv4 address for the SPF client", allow_module_level=True)


def _dkim_key():
    pem = subprocess.run(["openssl", "genrsa", "-traditional", "1024"], capture_output=True,
                         check=True).stdout
    der = subprocess.run(["openssl", "rsa", "-pubout", "-outform", "DER"], input=pem,
                         capture_output=True, check=True).stdout
    return pem, base64.b64encode(der).decode()


PRIVATE_KEY, PUBLIC_KEY = _dkim_key()


DNS = mp.Dnsmasq(silent=["silent.test"], txt=[
    ("pass.test", f"v=spf1 ip4:{CLIENT} -all"),
    ("fail.test", "v=spf1 ip4:192.0.2.250 -all"),
    ("soft.test", "v=spf1 ~all"),
    ("inc.test", "v=spf1 include:pass.test -all"),
    ("viamx.test", "v=spf1 a:nothere.viamx.test mx -all"),
    ("signed.test", f"v=spf1 ip4:{CLIENT} -all"),
    ("s1._domainkey.signed.test", f"v=DKIM1; k=rsa; p={PUBLIC_KEY}"),
    ("_dmarc.signed.test", "v=DMARC1; p=reject"),
    ("rejdom.test", "v=spf1 ~all"),
    ("_dmarc.rejdom.test", "v=DMARC1; p=reject"),
    ("quardom.test", "v=spf1 ~all"),
    ("_dmarc.quardom.test", "v=DMARC1; p=quarantine"),
    ("sub.orgdom.test", "v=spf1 ~all"),
    ("_dmarc.orgdom.test", "v=DMARC1; p=reject"),
], mx=[("viamx.test", "mx.viamx.test", 10)], a=[("mx.viamx.test", CLIENT)])

NODE_LISTENERS = ("smtp",)
NODE_EXTRA = {"dns": {"servers": DNS.servers}}
NODE_SETTINGS = {"spf_check": "yes", "spf_reject_fail": "yes", "dkim_verify": "yes",
                 "dmarc_check": "yes", "dmarc_enforce": "yes", "policy_dns_timeout": "2s"}


@pytest.fixture(scope="module", autouse=True)
def dns():
    DNS.start()
    yield DNS
    DNS.stop()


@pytest.fixture
def override(ctl):
    """override(name, value): a runtime setting change, put back to the
    module's NODE_SETTINGS value (or unset) when the test ends."""
    changed = []

    def set_setting(name, value):
        ctl("settings", "set", name, value)
        changed.append(name)
        time.sleep(1.5)       # nodes pick settings up through LISTEN/NOTIFY

    yield set_setting
    for name in reversed(changed):
        if name in NODE_SETTINGS:
            ctl("settings", "set", name, NODE_SETTINGS[name])
        else:
            ctl("settings", "unset", name, check=False)
    if changed:
        time.sleep(1.5)


def stored(pg, token):
    """(mailbox name, header bytes) of the one stored copy."""
    rows = pg.sql("SELECT mb.name, c.raw FROM message_contents c"
                  "  JOIN messages m ON m.content_id = c.id"
                  "  JOIN mailboxes mb ON mb.account_id = m.account_id AND mb.id = m.mailbox_id"
                  " WHERE position(%s::bytea in c.raw) > 0", (token.encode(),))
    assert len(rows) == 1, rows
    return rows[0][0], bytes(rows[0][1]).split(b"\r\n\r\n", 1)[0].decode()


def auth_results(header):
    """The Authentication-Results: value, unfolded."""
    lines = header.split("\r\n")
    for i, line in enumerate(lines):
        if line.lower().startswith("authentication-results:"):
            value = line.split(":", 1)[1]
            for cont in lines[i + 1:]:
                if not cont.startswith(("\t", " ")):
                    break
                value += " " + cont.strip()
            return " ".join(value.split())
    return None


def sign(msg, domain="signed.test", selector="s1"):
    return dkim.sign(msg, selector.encode(), domain.encode(), PRIVATE_KEY,
                     include_headers=[b"from", b"to", b"subject", b"message-id"]) + msg


def send(node, sender, msg=None, from_domain=None):
    msg = msg or h.make_message(sender=f"someone@{from_domain or sender.split('@')[-1]}")
    result = h.smtp_send(node.port("smtp"), sender, ["user@example.test"], msg,
                         source_address=(CLIENT, 0))
    return result, h.token_of(msg)


def test_spf_pass_none_softfail(node, pg):
    for sender, word in [("a@pass.test", "pass"), ("a@inc.test", "pass"),
                         ("a@viamx.test", "pass"), ("a@soft.test", "softfail"),
                         ("a@none.test", "none")]:
        result, token = send(node, sender)
        assert result.code == 250, sender
        ar = auth_results(stored(pg, token)[1])
        assert ar is not None and ar.startswith("mx.example.test;"), ar
        assert f"spf={word} smtp.mailfrom={sender.split('@')[1]}" in ar, (sender, ar)


def test_spf_fail_is_refused(node, pg):
    with pytest.raises(smtplib.SMTPSenderRefused) as refused:
        send(node, "a@fail.test")
    assert refused.value.smtp_code == 550
    assert "5.7.23 SPF validation failed for fail.test" in refused.value.smtp_error.decode()
    result, _ = send(node, "a@pass.test")       # still serving
    assert result.code == 250


def test_spf_fail_accepted_when_not_enforced(node, pg, override):
    override("spf_reject_fail", "no")
    override("dmarc_check", "no")
    result, token = send(node, "a@fail.test")
    assert result.code == 250
    assert "spf=fail smtp.mailfrom=fail.test" in auth_results(stored(pg, token)[1])


def test_dkim_pass_and_dmarc_pass(node, pg):
    msg = sign(h.make_message(sender="news@signed.test", subject="signed"))
    result, token = send(node, "bounce@signed.test", msg)
    assert result.code == 250
    folder, header = stored(pg, token)
    ar = auth_results(header)
    assert "dkim=pass header.d=signed.test header.s=s1" in ar, ar
    assert "dmarc=pass" in ar and "header.from=signed.test" in ar, ar
    assert folder == "INBOX"


def test_altered_message_fails_dkim_and_dmarc_rejects(node, pg):
    msg = sign(h.make_message(sender="news@signed.test", subject="signed"))
    altered = msg.replace(b"Test body for", b"Tampered body for")
    result, _ = send(node, "bounce@soft.test", altered)
    assert result.code == 550
    assert "5.7.1 Email rejected per DMARC policy for signed.test" in result.text


def test_altered_message_records_dkim_fail(node, pg, override):
    override("dmarc_enforce", "no")
    msg = sign(h.make_message(sender="news@signed.test", subject="altered"))
    altered = msg.replace(b"Test body for", b"Tampered body for")
    result, token = send(node, "bounce@soft.test", altered)
    assert result.code == 250
    ar = auth_results(stored(pg, token)[1])
    assert "dkim=fail header.d=signed.test header.s=s1" in ar, ar
    assert "dmarc=fail (p=reject) header.from=signed.test" in ar, ar


def test_unsigned_mail_dmarc_reject_and_org_domain(node, pg):
    for sender in ("a@rejdom.test", "a@sub.orgdom.test"):
        result, _ = send(node, sender)
        assert result.code == 550, sender
        assert "DMARC policy" in result.text
    h.wait_for(lambda: pg.value("SELECT count(*) FROM block_log WHERE check_name = 'auth'"
                                " AND stage = 'complete'") >= 2, timeout=5,
               message="the refusals are not in block_log")
    result, token = send(node, "a@pass.test")
    assert result.code == 250
    assert "dkim=none" in auth_results(stored(pg, token)[1])


def test_dmarc_quarantine_files_into_junk(node, pg):
    result, token = send(node, "a@quardom.test")
    assert result.code == 250
    folder, header = stored(pg, token)
    assert folder == "Junk"
    assert "dmarc=fail (p=quarantine) header.from=quardom.test" in auth_results(header)


def test_silent_dns_skips_checks(node, pg):
    started = time.monotonic()
    msg = sign(h.make_message(sender="news@silent.test"), domain="silent.test")
    result, token = send(node, "a@silent.test", msg)
    assert result.code == 250
    assert time.monotonic() - started < 20
    _, header = stored(pg, token)
    assert auth_results(header) is None       # nothing could be evaluated
    log = node.log_text()
    assert "event=spf_skipped" in log and "SPF lookups timed out" in log
    assert "event=dkim_skipped" in log
    result, _ = send(node, "a@pass.test")     # the session keeps serving
    assert result.code == 250


def test_forged_results_are_removed(node, pg):
    msg = h.make_message(sender="someone@pass.test", headers=[
        "Authentication-Results: mx.example.test; dkim=pass header.d=bank.test",
        "Authentication-Results: other.test; spf=pass smtp.mailfrom=other.test",
        "Authentication-Results: (comment)\r\n MX.EXAMPLE.TEST; dmarc=pass"])
    result, token = send(node, "a@pass.test", msg)
    assert result.code == 250
    header = stored(pg, token)[1]
    assert "bank.test" not in header and "dmarc=pass" not in header
    assert "Authentication-Results: other.test; spf=pass" in header   # not ours: kept
    assert header.count("Authentication-Results: mx.example.test;") == 1
    assert "spf=pass smtp.mailfrom=pass.test" in auth_results(header)
    assert "event=auth_results_removed" in node.log_text()
