"""petrelctl against a real PostgreSQL: every verb, --json, errors and exit
codes, settings inheritance and validation, migrations re-run."""

import json
import os
import warnings

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import crypt

import pytest

import petrel_harness as h


def one_line_error(res):
    """A failed petrelctl run: non-zero exit, exactly one non-empty line on
    stderr."""
    assert res.returncode != 0, f"expected failure, got 0; stdout={res.stdout!r}"
    lines = [line for line in res.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, f"expected one line on stderr, got {res.stderr!r}"
    return lines[0]


def records(data, *keys):
    """The list of objects in a --json answer: the answer itself when it is
    a list, else the first list-valued member (or the keyed one)."""
    if isinstance(data, list):
        return data
    assert isinstance(data, dict), f"unexpected JSON: {data!r}"
    for k in keys:
        if isinstance(data.get(k), list):
            return data[k]
    lists = [v for v in data.values() if isinstance(v, list)]
    assert len(lists) == 1, f"cannot find the list in {data!r}"
    return lists[0]


def field(obj, *names):
    for n in names:
        if n in obj:
            return obj[n]
    raise AssertionError(f"none of {names} in {obj!r}")


def addresses(data):
    out = set()
    for r in records(data, "accounts"):
        if "address" in r:
            out.add(r["address"])
        elif "email" in r:
            out.add(r["email"])
        else:
            out.add(f"{r['localpart']}@{r['domain']}")
    return out


def setting_value(data):
    if isinstance(data, dict):
        return str(field(data, "value", "effective", "effective_value"))
    return str(data)


def hash_of(pg, address):
    local, domain = address.split("@")
    return pg.value("SELECT a.password_hash FROM accounts a JOIN domains d ON d.id = a.domain_id"
                    " WHERE a.localpart = %s AND d.name = %s", (local, domain))


def account_row(pg, address):
    local, domain = address.split("@")
    rows = pg.sql("SELECT a.id, a.quota_bytes, a.status, a.display_name, a.is_master"
                  "  FROM accounts a JOIN domains d ON d.id = a.domain_id"
                  " WHERE a.localpart = %s AND d.name = %s", (local, domain))
    return rows[0] if rows else None


def password_ok(stored, password):
    assert stored.startswith("{CRYPT}"), stored
    h_ = stored[len("{CRYPT}"):]
    return crypt.crypt(password, h_) == h_


# --------------------------------------------------------------------------- db

def test_migrate_rerun_is_noop(pg, ctl):
    before = pg.sql("SELECT * FROM schema_migrations ORDER BY 1")
    assert before, "schema_migrations should record version 1"
    tables = pg.value("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
    res = ctl("db", "migrate")
    assert res.returncode == 0
    assert pg.sql("SELECT * FROM schema_migrations ORDER BY 1") == before
    assert pg.value("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'") == tables
    for t in ("domains", "accounts", "aliases", "settings", "mailboxes",
              "message_contents", "messages", "inbound_messages", "nodes"):
        assert pg.value("SELECT to_regclass(%s) IS NOT NULL", (t,)), t


def test_db_status(ctl):
    res = ctl("db", "status")
    assert res.returncode == 0
    assert "1" in res.stdout
    data = ctl("db", "status", json=True)
    assert data is not None
    json.dumps(data)


def test_db_unreachable_is_one_line_error(tmp_path):
    cfg = h.write_bootstrap_config(tmp_path / "bad.conf",
                                   f"host={tmp_path}/nowhere dbname=petrel user=petrel "
                                   f"connect_timeout=3")
    res = h.petrelctl(cfg, "domain", "list", check=False)
    one_line_error(res)


def test_config_errors(tmp_path):
    res = h.petrelctl(tmp_path / "missing.conf", "domain", "list", check=False)
    assert "missing.conf" in one_line_error(res)
    bad = tmp_path / "typo.conf"
    bad.write_text("[database]\nconninfo = host=/tmp dbname=x\nbogus_key = 1\n")
    res = h.petrelctl(bad, "domain", "list", check=False)
    assert "bogus_key" in one_line_error(res)


def test_usage_errors(ctl):
    for args in (("frobnicate",), ("domain", "explode"), ("domain",), ()):
        res = ctl(*args, check=False)
        assert res.returncode != 0, args
        assert res.stderr.strip(), args
    import subprocess
    env = {k: v for k, v in os.environ.items() if k != "PETREL_CONFIG"}
    env["PETREL_CONFIG"] = "/nonexistent/petrel.conf"
    res = subprocess.run([str(h.petrelctl_path()), "domain", "list"], capture_output=True,
                         text=True, timeout=30, env=env)
    assert "/nonexistent/petrel.conf" in one_line_error(res), "PETREL_CONFIG is the default"


# ----------------------------------------------------------------------- domains

def test_domain_add_list_del(pg, ctl):
    ctl("domain", "add", "example.org")
    assert "example.org" in ctl("domain", "list").stdout
    names = {field(r, "name", "domain") for r in records(ctl("domain", "list", json=True), "domains")}
    assert "example.org" in names

    assert "example.org" in one_line_error(ctl("domain", "add", "example.org", check=False))

    ctl("domain", "del", "example.org")
    assert pg.value("SELECT count(*) FROM domains WHERE name = 'example.org'") == 0
    names = {field(r, "name", "domain") for r in records(ctl("domain", "list", json=True), "domains")}
    assert "example.org" not in names
    one_line_error(ctl("domain", "del", "example.org", check=False))


def test_domain_names_are_normalised_or_rejected(pg, ctl):
    ctl("domain", "add", "Mixed.Example.NET")
    assert pg.value("SELECT count(*) FROM domains WHERE name = 'mixed.example.net'") == 1
    for bad in ("", "no spaces.test", "a@b.test", "-lead.test", "dot..dot.test"):
        one_line_error(ctl("domain", "add", bad, check=False))
    ctl("domain", "del", "mixed.example.net")


def test_domain_del_cascades(pg, ctl):
    ctl("domain", "add", "gone.test")
    ctl.add_account("x@gone.test")
    ctl("alias", "add", "y@gone.test", "x@gone.test")
    ctl("settings", "set", "message_size_limit", "1M", "--domain", "gone.test")
    dom = pg.value("SELECT id FROM domains WHERE name = 'gone.test'")
    line = one_line_error(ctl("domain", "del", "gone.test", check=False))
    assert "gone.test" in line
    assert pg.value("SELECT count(*) FROM accounts WHERE domain_id = %s", (dom,)) == 1, \
        "a domain with accounts is kept without --force"
    ctl("domain", "del", "gone.test", "--force")
    assert pg.value("SELECT count(*) FROM accounts WHERE domain_id = %s", (dom,)) == 0
    assert pg.value("SELECT count(*) FROM aliases WHERE domain_id = %s", (dom,)) == 0
    assert pg.value("SELECT count(*) FROM settings WHERE scope = 'domain' AND scope_id = %s",
                    (dom,)) == 0


# ---------------------------------------------------------------------- accounts

@pytest.fixture(scope="module")
def acct_domain(ctl):
    ctl("domain", "add", "accts.test")
    return "accts.test"


def test_account_add_with_options(pg, ctl, acct_domain):
    res = ctl("account", "add", "alice@accts.test", "--password-stdin", "--quota", "10M",
              "--name", "Alice Example", input="s3cret-Alice\n")
    assert res.returncode == 0
    _id, quota, status, name, master = account_row(pg, "alice@accts.test")
    assert quota == 10 * 1024 * 1024
    assert status == "active"
    assert name == "Alice Example"
    assert master is False
    stored = hash_of(pg, "alice@accts.test")
    assert stored.startswith("{CRYPT}$y$"), f"yescrypt expected, got {stored[:12]}"
    assert password_ok(stored, "s3cret-Alice")
    assert not password_ok(stored, "s3cret-alice")
    boxes = dict(pg.sql("SELECT name, special_use FROM mailboxes WHERE account_id = %s", (_id,)))
    assert boxes == {"INBOX": None, "Sent": "\\Sent", "Drafts": "\\Drafts",
                     "Trash": "\\Trash", "Junk": "\\Junk", "Archive": "\\Archive"}


def test_account_add_master_and_case(pg, ctl, acct_domain):
    ctl("account", "add", "Master@Accts.Test", "--password-stdin", "--master",
        input="m4ster-pass\n")
    row = account_row(pg, "master@accts.test")
    assert row is not None, "address should be stored in lower case"
    assert row[4] is True


def test_account_add_errors(pg, ctl, acct_domain):
    ctl.add_account("dup@accts.test")
    res = ctl("account", "add", "dup@accts.test", "--password-stdin", input="x-y-z-1\n",
              check=False)
    assert "dup@accts.test" in one_line_error(res)
    one_line_error(ctl("account", "add", "nobody@unknown-domain.test", "--password-stdin",
                       input="pw-123456\n", check=False))
    one_line_error(ctl("account", "add", "not-an-address", "--password-stdin",
                       input="pw-123456\n", check=False))
    one_line_error(ctl("account", "add", "empty@accts.test", "--password-stdin",
                       input="", check=False))
    one_line_error(ctl("account", "add", "q@accts.test", "--password-stdin", "--quota", "lots",
                       input="pw-123456\n", check=False))
    assert account_row(pg, "empty@accts.test") is None
    assert account_row(pg, "q@accts.test") is None


def test_account_utf8_localpart(pg, ctl, acct_domain):
    ctl("account", "add", "jörg@accts.test", "--password-stdin", input="pw-jörg-1\n")
    assert account_row(pg, "jörg@accts.test") is not None
    assert "jörg@accts.test" in addresses(ctl("account", "list", "accts.test", json=True))


def test_account_list(ctl, acct_domain, mail_setup):
    ctl.add_account("listed@accts.test")
    text = ctl("account", "list").stdout
    assert "listed@accts.test" in text and "user@example.test" in text
    all_ = addresses(ctl("account", "list", json=True))
    assert {"listed@accts.test", "user@example.test"} <= all_
    only = addresses(ctl("account", "list", "accts.test", json=True))
    assert "listed@accts.test" in only and "user@example.test" not in only
    one_line_error(ctl("account", "list", "unknown-domain.test", check=False))


def test_account_passwd(pg, ctl, acct_domain):
    ctl.add_account("pw@accts.test", "first-pass-1")
    old = hash_of(pg, "pw@accts.test")
    ctl("account", "passwd", "pw@accts.test", "--password-stdin", input="second-pass-2\n")
    new = hash_of(pg, "pw@accts.test")
    assert new != old
    assert password_ok(new, "second-pass-2") and not password_ok(new, "first-pass-1")
    one_line_error(ctl("account", "passwd", "ghost@accts.test", "--password-stdin",
                       input="zzz-123456\n", check=False))


def test_account_quota(pg, ctl, acct_domain):
    ctl.add_account("quota@accts.test")
    ctl("account", "quota", "quota@accts.test", "1G")
    assert account_row(pg, "quota@accts.test")[1] == 1024 ** 3
    ctl("account", "quota", "quota@accts.test", "512K")
    assert account_row(pg, "quota@accts.test")[1] == 512 * 1024
    ctl("account", "quota", "quota@accts.test", "0")
    assert account_row(pg, "quota@accts.test")[1] == 0
    one_line_error(ctl("account", "quota", "quota@accts.test", "-5", check=False))
    one_line_error(ctl("account", "quota", "quota@accts.test", "huge", check=False))
    one_line_error(ctl("account", "quota", "ghost@accts.test", "1M", check=False))


def test_account_block_unblock(pg, ctl, acct_domain):
    ctl.add_account("blk@accts.test")
    ctl("account", "block", "blk@accts.test")
    assert account_row(pg, "blk@accts.test")[2] == "blocked"
    ctl("account", "unblock", "blk@accts.test")
    assert account_row(pg, "blk@accts.test")[2] == "active"
    one_line_error(ctl("account", "block", "ghost@accts.test", check=False))


def test_account_del(pg, ctl, acct_domain):
    ctl.add_account("del@accts.test")
    acct_id = account_row(pg, "del@accts.test")[0]
    ctl("settings", "set", "smtp_max_recipients", "5", "--account", "del@accts.test")
    ctl("account", "del", "del@accts.test")
    assert account_row(pg, "del@accts.test") is None
    assert pg.value("SELECT count(*) FROM mailboxes WHERE account_id = %s", (acct_id,)) == 0
    assert pg.value("SELECT count(*) FROM settings WHERE scope = 'account' AND scope_id = %s",
                    (acct_id,)) == 0
    one_line_error(ctl("account", "del", "del@accts.test", check=False))


def test_password_not_echoed(ctl, acct_domain):
    res = ctl("account", "add", "quiet@accts.test", "--password-stdin", input="Very-Secret-99\n")
    assert "Very-Secret-99" not in res.stdout + res.stderr


# ----------------------------------------------------------------------- aliases

def alias_rows(pg, address):
    local, domain = address.split("@")
    return sorted(t for (t,) in pg.sql(
        "SELECT al.target FROM aliases al JOIN domains d ON d.id = al.domain_id"
        " WHERE al.localpart = %s AND d.name = %s", (local, domain)))


def test_alias_add_list_del(pg, ctl, acct_domain):
    ctl.add_account("t1@accts.test")
    ctl.add_account("t2@accts.test")
    ctl("alias", "add", "team@accts.test", "t1@accts.test", "t2@accts.test", "ext@remote.test")
    assert alias_rows(pg, "team@accts.test") == ["ext@remote.test", "t1@accts.test", "t2@accts.test"]
    text = ctl("alias", "list").stdout
    assert "team@accts.test" in text and "ext@remote.test" in text
    data = records(ctl("alias", "list", "accts.test", json=True), "aliases")
    flat = json.dumps(data)
    assert "team@accts.test" in flat and "t2@accts.test" in flat

    ctl("alias", "del", "team@accts.test", "ext@remote.test")
    assert alias_rows(pg, "team@accts.test") == ["t1@accts.test", "t2@accts.test"]
    ctl("alias", "del", "team@accts.test")
    assert alias_rows(pg, "team@accts.test") == []
    one_line_error(ctl("alias", "del", "team@accts.test", check=False))


def test_alias_catch_all(pg, ctl, acct_domain):
    ctl.add_account("catcher@accts.test")
    ctl("alias", "add", "@accts.test", "catcher@accts.test")
    assert pg.value("SELECT count(*) FROM aliases al JOIN domains d ON d.id = al.domain_id"
                    " WHERE d.name = 'accts.test' AND al.localpart = ''") == 1
    assert "@accts.test" in ctl("alias", "list", "accts.test").stdout
    ctl("alias", "del", "@accts.test")
    assert pg.value("SELECT count(*) FROM aliases al JOIN domains d ON d.id = al.domain_id"
                    " WHERE d.name = 'accts.test' AND al.localpart = ''") == 0


def test_alias_errors(ctl, acct_domain):
    one_line_error(ctl("alias", "add", "x@not-local.test", "t1@accts.test", check=False))
    one_line_error(ctl("alias", "add", "x@accts.test", check=False))          # no target
    one_line_error(ctl("alias", "add", "x@accts.test", "not-an-address", check=False))


# ---------------------------------------------------------------------- settings

SETTING_DEFAULTS = {
    "message_size_limit": "30M", "smtp_max_recipients": "100",
    "smtp_max_connections_per_ip": "50", "smtp_max_line_length": "1000",
    "smtp_command_timeout": "5m", "smtp_data_timeout": "3m",
    "smtp_session_timeout": "1h", "smtp_hard_error_limit": "20",
    "smtp_max_commands": "10000", "smtp_vrfy_enabled": "no",
    "quota_exceeded_permanent": "no", "recipient_delimiter": "+", "smtp_hostname": "",
}


def get_setting(ctl, name, *scope):
    return setting_value(ctl("settings", "get", name, *scope, json=True))


def test_settings_list_has_every_name(ctl):
    text = ctl("settings", "list").stdout
    data = ctl("settings", "list", json=True)
    flat = json.dumps(data)
    for name in SETTING_DEFAULTS:
        assert name in text, name
        assert name in flat, name


def test_settings_defaults(ctl):
    for name, default in SETTING_DEFAULTS.items():
        value = get_setting(ctl, name)
        assert value == default, f"{name}: {value!r} != default {default!r}"
    res = ctl("settings", "get", "message_size_limit")
    assert "30M" in res.stdout


def test_settings_inheritance(ctl, acct_domain):
    ctl.add_account("inh@accts.test")
    acct = ("--account", "inh@accts.test")
    dom = ("--domain", "accts.test")
    ctl("settings", "set", "message_size_limit", "10M")
    try:
        assert get_setting(ctl, "message_size_limit") == "10M"
        assert get_setting(ctl, "message_size_limit", *dom) == "10M"
        assert get_setting(ctl, "message_size_limit", *acct) == "10M"
        ctl("settings", "set", "message_size_limit", "20M", *dom)
        assert get_setting(ctl, "message_size_limit") == "10M"
        assert get_setting(ctl, "message_size_limit", *dom) == "20M"
        assert get_setting(ctl, "message_size_limit", *acct) == "20M"
        ctl("settings", "set", "message_size_limit", "5M", *acct)
        assert get_setting(ctl, "message_size_limit", *acct) == "5M"
        sources = [ctl("settings", "get", "message_size_limit", *scope, json=True).get("source")
                   for scope in ((), dom, acct)]
        assert sources == ["server", "domain", "account"], sources
        assert get_setting(ctl, "message_size_limit", *dom) == "20M"
        ctl("settings", "unset", "message_size_limit", *acct)
        assert get_setting(ctl, "message_size_limit", *acct) == "20M"
        ctl("settings", "unset", "message_size_limit", *dom)
        assert get_setting(ctl, "message_size_limit", *acct) == "10M"
    finally:
        ctl("settings", "unset", "message_size_limit")
    assert get_setting(ctl, "message_size_limit", *acct) == "30M"
    listed = json.dumps(ctl("settings", "list", *dom, json=True))
    assert "message_size_limit" in listed


def test_settings_stored_rows(pg, ctl, acct_domain):
    ctl("settings", "set", "smtp_max_recipients", "7", "--domain", "accts.test")
    try:
        dom_id = pg.value("SELECT id FROM domains WHERE name = 'accts.test'")
        assert pg.sql("SELECT scope, scope_id, value FROM settings WHERE name = 'smtp_max_recipients'"
                      ) == [("domain", dom_id, "7")]
    finally:
        ctl("settings", "unset", "smtp_max_recipients", "--domain", "accts.test")
    assert pg.value("SELECT count(*) FROM settings WHERE name = 'smtp_max_recipients'") == 0


@pytest.mark.parametrize("name,value", [
    ("message_size_limit", "abc"),
    ("message_size_limit", "-1"),
    ("smtp_max_recipients", "-1"),
    ("smtp_max_recipients", "ten"),
    ("smtp_vrfy_enabled", "maybe"),
    ("smtp_command_timeout", "5 lightyears"),
    ("no_such_setting", "1"),
])
def test_settings_validation(pg, ctl, name, value):
    line = one_line_error(ctl("settings", "set", name, value, check=False))
    assert name in line or value in line, line
    assert pg.value("SELECT count(*) FROM settings WHERE name = %s AND value = %s",
                    (name, value)) == 0


def test_settings_scope_errors(ctl):
    one_line_error(ctl("settings", "set", "message_size_limit", "1M", "--domain",
                       "unknown-domain.test", check=False))
    one_line_error(ctl("settings", "set", "message_size_limit", "1M", "--account",
                       "ghost@example.invalid", check=False))
    one_line_error(ctl("settings", "get", "no_such_setting", check=False))


def test_settings_accepted_forms(ctl):
    for name, value in (("smtp_vrfy_enabled", "yes"), ("smtp_data_timeout", "90s"),
                        ("smtp_session_timeout", "2h"), ("message_size_limit", "1G"),
                        ("recipient_delimiter", "-"), ("smtp_hostname", "mx1.example.test")):
        ctl("settings", "set", name, value)
        try:
            assert get_setting(ctl, name) == value
        finally:
            ctl("settings", "unset", name)


# ------------------------------------------------------------------------- nodes

def test_nodes_list(pg, ctl):
    assert records(ctl("nodes", "list", json=True), "nodes") == []
    pg.sql("INSERT INTO nodes (id, hostname, version, pid, started_at, last_seen)"
           " VALUES ('fake1', 'fake.example.test', '0.0.1', 4242, now(), now())")
    try:
        assert "fake1" in ctl("nodes", "list").stdout
        nodes = records(ctl("nodes", "list", json=True), "nodes")
        assert [field(n, "id", "node_id") for n in nodes] == ["fake1"]
        assert "fake.example.test" in json.dumps(nodes)
    finally:
        pg.sql("DELETE FROM nodes WHERE id = 'fake1'")


def test_every_json_list_parses(ctl, mail_setup):
    for args in (("domain", "list"), ("account", "list"), ("alias", "list"),
                 ("settings", "list"), ("nodes", "list"), ("db", "status")):
        data = ctl(*args, json=True)
        json.dumps(data)
