"""
Fixtures shared by the integration tests.

  pg          a migrated throwaway PostgreSQL (one per test module)
  ctl         petrelctl bound to a bootstrap config for that database
  mail_setup  domain example.test with accounts user, alice, bob (module)
  node        a started petrel-node (smtp + lmtp, TLS) for the module; a
              module may set NODE_SETTINGS = {name: value} (server-scope
              settings applied before the node starts), NODE_LISTENERS,
              NODE_WORKERS, NODE_LOG_LEVEL and NODE_EXTRA (bootstrap
              sections, as h.Node's extra)
  make_node   factory for extra nodes, killed when the test ends
  settings    set/unset settings at runtime, undone after the test

Every process started through the harness is killed at the end of the
session, whatever happened.
"""

import os
import sys
import time
from pathlib import Path

import psycopg2
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "harness"))

import petrel_harness as h  # noqa: E402

PASSWORD = "Correct-Horse-7"
ACCOUNTS = ("user@example.test", "alice@example.test", "bob@example.test")
SETTLE_SECONDS = 1.5     # nodes pick up settings within ~1 s (LISTEN/NOTIFY)


def pytest_sessionfinish(session, exitstatus):
    h.kill_all()
    reports = h.sanitizer_reports()
    for path, excerpt in reports:
        sys.stderr.write(f"\nsanitizer report in {path}:\n{excerpt}\n")
    if reports:
        session.exitstatus = 1


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """On failure, attach the tail of each running node's log."""
    outcome = yield
    rep = outcome.get_result()
    if rep.failed and call.when in ("setup", "call"):
        for node in list(h.Node.instances):
            tail = node.log_tail(80)
            if tail:
                rep.sections.append((f"petrel-node {node.node_id} log (tail)", tail))


class Ctl:
    """petrelctl bound to one config file: ctl('domain', 'list', json=True)."""

    def __init__(self, config_path):
        self.config_path = config_path

    def __call__(self, *args, **kw):
        return h.petrelctl(self.config_path, *args, **kw)

    def add_account(self, address, password=PASSWORD, *options):
        return self("account", "add", address, "--password-stdin", *options,
                    input=password + "\n")


class Settings:
    """Runtime setting changes that are undone when the test ends."""

    def __init__(self, ctl):
        self.ctl = ctl
        self.changed = []

    def set(self, name, value, domain=None, account=None, wait=True):
        scope = self._scope(domain, account)
        self.ctl("settings", "set", name, value, *scope)
        self.changed.append((name, scope))
        if wait:
            time.sleep(SETTLE_SECONDS)

    def unset(self, name, domain=None, account=None, wait=True):
        self.ctl("settings", "unset", name, *self._scope(domain, account))
        if wait:
            time.sleep(SETTLE_SECONDS)

    @staticmethod
    def _scope(domain, account):
        if account:
            return ("--account", account)
        if domain:
            return ("--domain", domain)
        return ()

    def restore(self):
        if not self.changed:
            return
        for name, scope in reversed(self.changed):
            self.ctl("settings", "unset", name, *scope, check=False)
        self.changed.clear()
        time.sleep(SETTLE_SECONDS)


@pytest.fixture(scope="session", autouse=True)
def _kill_everything_at_end():
    yield
    h.kill_all()


@pytest.fixture(scope="module")
def pg(tmp_path_factory):
    d = tmp_path_factory.mktemp("pg")
    db = h.Postgres(d)
    try:
        db.ctl_config = h.write_bootstrap_config(d / "ctl.conf", db.conninfo)
        h.petrelctl(db.ctl_config, "db", "migrate")
        # many tests fail logins from 127.0.0.1 on purpose: no brute-force
        # bans unless a module turns them on (NODE_SETTINGS ban_failures)
        h.petrelctl(db.ctl_config, "settings", "set", "ban_failures", "0")
        yield db
    finally:
        db.stop()


@pytest.fixture(scope="module")
def ctl(pg):
    return Ctl(pg.ctl_config)


@pytest.fixture(scope="module")
def mail_setup(ctl):
    ctl("domain", "add", "example.test")
    for address in ACCOUNTS:
        ctl.add_account(address)
    return {"domain": "example.test", "accounts": ACCOUNTS, "password": PASSWORD}


@pytest.fixture(scope="module")
def node(request, pg, ctl, mail_setup, tmp_path_factory):
    mod = request.module
    for name, value in getattr(mod, "NODE_SETTINGS", {}).items():
        ctl("settings", "set", name, value)
    n = h.Node(pg, tmp_path_factory.mktemp("node"),
               listeners=getattr(mod, "NODE_LISTENERS", ("smtp", "lmtp")),
               workers=getattr(mod, "NODE_WORKERS", 2),
               log_level=getattr(mod, "NODE_LOG_LEVEL", "debug"),
               extra=getattr(mod, "NODE_EXTRA", None))
    try:
        n.start()
        yield n
        if n.running():
            n.stop(timeout=30)
    finally:
        n.cleanup()


@pytest.fixture
def db(pg):
    """An empty queue and a connection in autocommit mode."""
    conn = psycopg2.connect(pg.conninfo)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("TRUNCATE queue_recipients, queue_messages")
    yield conn
    conn.close()


@pytest.fixture
def make_node(pg, tmp_path):
    """make_node(node_id='nodeX', start=True, **Node kwargs) -> Node."""
    made = []

    def factory(node_id="node1", start=True, **kw):
        n = h.Node(pg, tmp_path / node_id, node_id=node_id, **kw)
        made.append(n)
        if start:
            n.start()
        return n

    yield factory
    for n in made:
        n.cleanup()


@pytest.fixture
def settings(ctl):
    s = Settings(ctl)
    yield s
    s.restore()


def pytest_configure(config):
    if not h.petrelctl_path().exists():
        sys.stderr.write(f"note: {h.petrelctl_path()} does not exist (PETREL_BUILD_DIR="
                         f"{os.environ.get('PETREL_BUILD_DIR', '')})\n")
