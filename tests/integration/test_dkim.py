"""DKIM signing of outgoing mail: `petrelctl dkim generate|show|list|del`
(text and --json, errors as one line on stderr), keys that an independent
verifier (python3-dkim) accepts, signatures made by Petrel's signing core
(libopendkim) verified by python3-dkim for RSA and Ed25519, and — through
the node — messages submitted with AUTH stored with signatures that verify
against the published records and break when the message is altered."""

import base64
import imaplib
import re
import smtplib
import subprocess

import dkim
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

import petrel_harness as h
from conftest import PASSWORD

NODE_LISTENERS = ("smtp", "submission", "imap")
USER = "user@example.test"
DOMAIN = "example.test"
OTHER = "other.test"


def one_line_error(res):
    assert res.returncode != 0, f"expected failure; stdout={res.stdout!r}"
    lines = [line for line in res.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, f"expected one line on stderr, got {res.stderr!r}"
    return lines[0]


ZONE_RE = re.compile(r'^(\S+) IN TXT \((( "[^"]*")(\n\t"[^"]*")*) \)$', re.M)


def zone_records(text):
    """{record name: (TXT value, [strings])} from petrelctl's zone output."""
    out = {}
    for m in ZONE_RE.finditer(text):
        strings = re.findall(r'"([^"]*)"', m.group(2))
        out[m.group(1)] = ("".join(strings), strings)
    assert out, f"no zone records in {text!r}"
    return out


def tags(record):
    return dict(part.strip().split("=", 1) for part in record.split(";") if part.strip())


def private_key(pg, domain, selector):
    pem = pg.value("SELECT k.private_key FROM dkim_keys k JOIN domains d ON d.id = k.domain_id"
                   " WHERE d.name = %s AND k.selector = %s", (domain, selector))
    return serialization.load_pem_private_key(pem.encode(), password=None)


def published(ctl, domain):
    """dnsfunc for python3-dkim answering from `petrelctl dkim show`."""
    records = {name: value for name, (value, _) in
               zone_records(ctl("dkim", "show", domain).stdout).items()}

    def dnsfunc(name, timeout=5):
        name = name.decode() if isinstance(name, bytes) else name
        return records.get(name if name.endswith(".") else name + ".", "").encode()
    return dnsfunc


def verify_all(message, dnsfunc):
    """Result of every DKIM-Signature of message, in order."""
    d = dkim.DKIM(message)
    count = len([line for line in message.split(b"\r\n") if line.startswith(b"DKIM-Signature:")])
    return [d.verify(idx=i, dnsfunc=dnsfunc) for i in range(count)]


@pytest.fixture(scope="module")
def keys(ctl, mail_setup):
    """An RSA key with the default selector and an Ed25519 key named s2."""
    ctl("domain", "add", OTHER)
    rsa_out = ctl("dkim", "generate", DOMAIN).stdout
    ed_out = ctl("dkim", "generate", DOMAIN, "--algorithm", "ed25519", "--selector", "S2").stdout
    return {"rsa": rsa_out, "ed25519": ed_out}


# --------------------------------------------------------------------------- signing core

def test_core_signatures_verify_with_python_dkim(tmp_path):
    """Petrel's signing core (libopendkim, fresh keys) against python3-dkim."""
    tool = h.BUILD_DIR / "node" / "test-dkim-sign-core"
    subprocess.run([str(tool), "--emit", str(tmp_path)], check=True, timeout=60)
    for name in ("rsa", "ed25519"):
        message = (tmp_path / f"{name}.eml").read_bytes()
        record = (tmp_path / f"{name}.txt").read_bytes()
        assert f"a={name}-sha256".encode() in message
        dnsfunc = lambda qname, timeout=5: record  # noqa: E731
        assert dkim.verify(message, dnsfunc=dnsfunc), name
        assert not dkim.verify(message.replace(b"Bob.", b"Eve."), dnsfunc=dnsfunc), name
        assert not dkim.verify(message.replace(b"Subject: DKIM", b"Subject: XKIM"),
                               dnsfunc=dnsfunc), name


# --------------------------------------------------------------------------- petrelctl

def test_generate_rsa_prints_split_record(pg, keys):
    records = zone_records(keys["rsa"])
    assert len(records) == 1
    (name, (value, strings)), = records.items()
    m = re.fullmatch(r"petrel-(\d{6})-rsa\._domainkey\.example\.test\.", name)
    assert m, name
    assert all(len(s) <= 255 for s in strings) and len(strings) >= 2
    t = tags(value)
    assert (t["v"], t["k"]) == ("DKIM1", "rsa")
    public = serialization.load_der_public_key(base64.b64decode(t["p"]))
    assert isinstance(public, rsa.RSAPublicKey) and public.key_size == 2048
    # the stored private key is the other half
    selector = name.split("._domainkey")[0]
    priv = private_key(pg, DOMAIN, selector)
    assert priv.public_key().public_numbers() == public.public_numbers()
    assert pg.value("SELECT algorithm FROM dkim_keys WHERE selector = %s",
                    (selector,)) == "rsa-sha256"


def test_generate_ed25519_raw_public_key(pg, keys):
    (name, (value, strings)), = zone_records(keys["ed25519"]).items()
    assert name == "s2._domainkey.example.test."     # selector lower-cased
    t = tags(value)
    assert t["k"] == "ed25519"
    raw = base64.b64decode(t["p"])
    assert len(raw) == 32                             # RFC 8463: the bare key
    priv = private_key(pg, DOMAIN, "s2")
    assert isinstance(priv, ed25519.Ed25519PrivateKey)
    assert priv.public_key().public_bytes(serialization.Encoding.Raw,
                                          serialization.PublicFormat.Raw) == raw


def test_published_keys_verify_python_signatures(pg, ctl, keys):
    """The stored private keys and printed records are a working pair for an
    independent implementation (python3-dkim signs, python3-dkim verifies)."""
    dnsfunc = published(ctl, DOMAIN)
    message = h.make_message(subject="python signed", sender=USER)
    for selector, algorithm in pg.sql("SELECT selector, algorithm FROM dkim_keys"
                                      " ORDER BY selector"):
        priv = private_key(pg, DOMAIN, selector)
        if algorithm == "ed25519-sha256":
            raw = priv.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                                     serialization.NoEncryption())
            pem = base64.b64encode(raw)
        else:
            pem = priv.private_bytes(serialization.Encoding.PEM,
                                     serialization.PrivateFormat.TraditionalOpenSSL,
                                     serialization.NoEncryption())
        sig = dkim.sign(message, selector.encode(), DOMAIN.encode(), pem,
                        signature_algorithm=algorithm.encode(),
                        include_headers=[b"from", b"to", b"subject"])
        assert dkim.verify(sig + message, dnsfunc=dnsfunc), selector


def test_show_and_list(ctl, keys):
    shown = ctl("dkim", "show", DOMAIN).stdout
    assert len(zone_records(shown)) == 2
    data = ctl("dkim", "show", DOMAIN, json=True)
    assert sorted(k["algorithm"] for k in data) == ["ed25519-sha256", "rsa-sha256"]
    for k in data:
        assert k["name"] == f"{k['selector']}._domainkey.{DOMAIN}."
        assert k["record"].startswith("v=DKIM1; k=") and k["domain"] == DOMAIN
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", k["created_at"])
    listed = ctl("dkim", "list").stdout
    assert listed.splitlines()[0].split() == ["DOMAIN", "SELECTOR", "ALGORITHM", "CREATED"]
    assert "s2" in listed and "ed25519-sha256" in listed
    assert ctl("dkim", "list", DOMAIN, json=True) == data
    assert ctl("dkim", "list", OTHER, json=True) == []


def test_generate_json_is_one_object(ctl, keys):
    data = ctl("dkim", "generate", OTHER, "--selector", "js", json=True)
    assert isinstance(data, dict)
    assert (data["domain"], data["selector"], data["algorithm"]) == (OTHER, "js", "rsa-sha256")
    assert data["name"] == "js._domainkey.other.test."
    ctl("dkim", "del", OTHER, "js")


def test_errors_are_one_line(ctl, keys):
    cases = [
        (("dkim", "generate", "nowhere.test"), "no such domain nowhere.test"),
        (("dkim", "generate", DOMAIN, "--selector", "s2"),
         "domain example.test already has a DKIM key with selector s2"),
        (("dkim", "generate", DOMAIN, "--algorithm", "dsa"), "--algorithm must be rsa or ed25519"),
        (("dkim", "generate", DOMAIN, "--selector", "bad selector"), "invalid selector"),
        (("dkim", "generate", DOMAIN, "--selector", "x" * 64), "invalid selector"),
        (("dkim", "show", "nowhere.test"), "no such domain nowhere.test"),
        (("dkim", "show", OTHER), "domain other.test has no DKIM keys"),
        (("dkim", "del", DOMAIN, "nope"), "domain example.test has no DKIM key with selector nope"),
        (("dkim", "del", "nowhere.test", "s2"), "no such domain nowhere.test"),
        (("dkim", "del", DOMAIN), "usage: petrelctl dkim del DOMAIN SELECTOR"),
        (("dkim", "list", "--selector", "s2"), "option --selector does not apply"),
    ]
    for args, expected in cases:
        line = one_line_error(ctl(*args, check=False))
        assert expected in line, (args, line)
    # nothing was stored by the failures
    assert len(ctl("dkim", "list", json=True)) == 2


def test_del_and_domain_cascade(pg, ctl, keys):
    ctl("domain", "add", "gone.test")
    ctl("dkim", "generate", "gone.test", "--selector", "a", "--algorithm", "ed25519")
    ctl("dkim", "generate", "gone.test", "--selector", "b", "--algorithm", "ed25519")
    assert "deleted" in ctl("dkim", "del", "gone.test", "A").stdout
    assert [k["selector"] for k in ctl("dkim", "list", "gone.test", json=True)] == ["b"]
    ctl("domain", "del", "gone.test")
    assert pg.value("SELECT count(*) FROM dkim_keys k WHERE NOT EXISTS"
                    " (SELECT 1 FROM domains d WHERE d.id = k.domain_id)") == 0
    assert len(ctl("dkim", "list", json=True)) == 2


# --------------------------------------------------------------------------- through the node

def submit(node, msg, rcpt="alice@example.test"):
    """Send msg as USER through the submission listener (STARTTLS, AUTH)."""
    client = smtplib.SMTP("127.0.0.1", node.port("submission"), local_hostname="client.test",
                          timeout=30)
    try:
        client.starttls(context=h.unverified_tls_context())
        client.ehlo()
        client.login(USER, PASSWORD)
        client.sendmail(USER, [rcpt], msg)
        client.quit()
    finally:
        client.close()


def fetch_stored(node, token, account="alice@example.test"):
    """The stored message holding token, as IMAP returns it."""
    imap = imaplib.IMAP4("127.0.0.1", node.port("imap"))
    try:
        imap.login(account, PASSWORD)
        imap.select("INBOX", readonly=True)
        found = []

        def search():
            typ, data = imap.uid("SEARCH", "HEADER", "X-Petrel-Token", token)
            found[:] = data[0].split()
            return bool(found)
        h.wait_for(search, timeout=10, message="submitted message not stored")
        typ, data = imap.uid("FETCH", found[-1], "(BODY.PEEK[])")
        return data[0][1]
    finally:
        imap.logout()


def test_submitted_mail_is_signed_with_every_key(ctl, node, keys):
    msg = h.make_message(subject="signed by petrel", sender=USER)
    submit(node, msg)
    stored = fetch_stored(node, h.token_of(msg))
    assert stored.startswith(b"DKIM-Signature:") or b"\r\nDKIM-Signature:" in stored
    assert b"a=rsa-sha256" in stored and b"a=ed25519-sha256" in stored
    dnsfunc = published(ctl, DOMAIN)
    assert verify_all(stored, dnsfunc) == [True, True]
    altered = stored.replace(b"Subject: signed by petrel", b"Subject: signed by mallory")
    assert verify_all(altered, dnsfunc) == [False, False]


def test_dkim_sign_off_for_domain_leaves_mail_unsigned(node, keys, settings):
    settings.set("dkim_sign", "no", domain=DOMAIN)
    msg = h.make_message(subject="not signed", sender=USER)
    submit(node, msg)
    assert b"DKIM-Signature:" not in fetch_stored(node, h.token_of(msg))
    settings.restore()
    msg = h.make_message(subject="signed again", sender=USER)
    submit(node, msg)
    assert b"DKIM-Signature:" in fetch_stored(node, h.token_of(msg))


def test_new_key_used_without_restart(ctl, node, keys):
    """NOTIFY drops the cached keys: a key added now signs the next message."""
    msg = h.make_message(subject="warm the cache", sender=USER)
    submit(node, msg)
    ctl("dkim", "generate", DOMAIN, "--selector", "fresh", "--algorithm", "ed25519")
    try:
        def signed_with_fresh():
            m = h.make_message(subject="after new key", sender=USER)
            submit(node, m)
            return b"s=fresh;" in fetch_stored(node, h.token_of(m))
        h.wait_for(signed_with_fresh, timeout=10, interval=0.5,
                   message="new key not picked up")
    finally:
        ctl("dkim", "del", DOMAIN, "fresh")
