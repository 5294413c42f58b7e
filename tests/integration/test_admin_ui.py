"""
The web admin in a real browser: tests/browser/scenario.mjs drives headless
Chromium (playwright-core) against a node's admin listener, and this module
does the rest between its steps (the set-up link on a database without
admins, SMTP in, IMAP login, a queued message, a rule's effect on SMTP)
and checks the effects in PostgreSQL. Screenshots of every page
land in $PETREL_BUILD_DIR/artifacts/ui/.

Protocol with the scenario: it prints "@@ NAME {json}" and waits for one
JSON line on its stdin; "-- text" lines are progress. "@@ done" = passed.
"""

import imaplib
import json
import os
import shutil
import smtplib
import subprocess
import threading
from pathlib import Path

import psycopg2

import petrel_harness as h
import queue_sql

ROOT = Path(__file__).resolve().parents[2]
BROWSER_DIR = ROOT / "tests" / "browser"
CHROMIUM = "/usr/bin/chromium"
ADMIN_LOGIN, ADMIN_PASSWORD = "root", "Ui-admin-pass-9"
SETUP_LOGIN = "first"                     # made through the set-up link
DOMAIN = "ui.test"
CAROL_PASSWORD = "Secret-pass-1"          # set by the scenario in the UI
SCENARIO_TIMEOUT = 150
# HTML and script in values that reach the pages from outside the UI (a
# client's HELO and sender, a remote server's reply, a rule's text): the
# scenario fails on any alert() or injected element
HOSTILE = '<img src=x onerror=alert("{}")><script>alert("{}")</script>'

NODE_LISTENERS = ("smtp", "imap", "admin")
# access tokens expire during the scenario: the UI must refresh them (a
# failed refresh sends it back to the login page and the scenario fails)
NODE_SETTINGS = {"admin_access_token_ttl": "3s"}
NODE_EXTRA = {"admin": {"www": str(ROOT / "www"), "tls": "no"}}

def admin_url(node):
    if hasattr(node, "admin_url"):
        return node.admin_url()
    return f"http://127.0.0.1:{node.ports['admin']}"


def artifacts_dir():
    d = h.BUILD_DIR / "artifacts" / "ui"
    shutil.rmtree(d, ignore_errors=True)
    d.mkdir(parents=True)
    return d


def imap_login(node, address, password):
    """True when IMAP LOGIN succeeds, False when it is refused."""
    imap = imaplib.IMAP4("127.0.0.1", node.ports["imap"], timeout=20)
    try:
        imap.login(address, password)
    except imaplib.IMAP4.error:
        return False
    finally:
        try:
            imap.logout()
        except (imaplib.IMAP4.error, OSError):
            pass
    return True


def defer_one_message(pg, queue_id):
    """A queued message deferred for an hour: only a retry makes it move."""
    conn = psycopg2.connect(pg.conninfo)
    try:
        with conn:
            queue_sql.enqueue(conn, [(queue_id, f"carol@{DOMAIN}", ["someone@far.invalid"])])
            rows = [r for r in queue_sql.claim(conn, "ui-test") if r[1] == queue_id]
            queue_sql.result(conn, "defer", "ui-test", [r[0] for r in rows], 451,
                             "4.4.1 not now " + HOSTILE.format("queue", "queue"),
                             schedule=[3600])
    finally:
        conn.close()


def queue_state(pg, queue_id):
    """"state:attempts:due-within-30-min" of each recipient."""
    return pg.value("SELECT string_agg(r.state || ':' || r.attempts || ':'"
                    " || (r.next_attempt_at < now() + interval '30 minutes'), ',')"
                    " FROM queue_recipients r JOIN queue_messages m ON m.id = r.message_id"
                    " WHERE m.queue_id = %s", (queue_id,))


def account_column(pg, address, column):
    local, domain = address.split("@")
    return pg.value(f"SELECT a.{column} FROM accounts a JOIN domains d ON d.id = a.domain_id"
                    " WHERE a.localpart = %s AND d.name = %s", (local, domain))


def smtp_sender_refused(node, sender):
    try:
        h.smtp_send(node.ports["smtp"], sender, ["bob@example.test"], "Subject: x\r\n\r\nx\r\n")
    except smtplib.SMTPSenderRefused as exc:
        return exc.smtp_code == 550
    return False


class Checkpoints:
    """The mail side of the scenario, one method per checkpoint."""

    def __init__(self, node, pg, ctl):
        self.node, self.pg, self.ctl = node, pg, ctl
        self.queue_id = "UITEST0000001"
        self.queued_state = None

    def setup_done(self, data):
        assert self.pg.value("SELECT role FROM admins WHERE login = %s", (data["login"],)) \
            == "superadmin"
        # the scenario goes on as a second superadmin, made by petrelctl
        self.ctl("admin", "add", ADMIN_LOGIN, "--role", "superadmin", "--password-stdin",
                 input=ADMIN_PASSWORD + "\n")
        return {}

    def send_mail(self, data):
        msg = (f"From: bob@example.test\r\nTo: {data['to']}\r\nSubject: hello from the UI test\r\n"
               "\r\nA message the dashboard must count.\r\n")
        res = h.smtp_send(self.node.ports["smtp"], "bob@example.test", [data["to"]], msg)
        assert res.code == 250, res
        # the account the UI made works, so the refusal after blocking means something
        assert imap_login(self.node, data["to"], CAROL_PASSWORD), "IMAP login of the new account failed"
        return {}

    def blocked(self, data):
        assert account_column(self.pg, data["address"], "status") == "blocked"
        assert not imap_login(self.node, data["address"], CAROL_PASSWORD), \
            "IMAP login of a blocked account succeeded"
        return {}

    def queue_message(self, _data):
        defer_one_message(self.pg, self.queue_id)
        self.queued_state = queue_state(self.pg, self.queue_id)
        assert self.queued_state and self.queued_state.startswith("deferred:") \
            and self.queued_state.endswith(":false"), self.queued_state
        return {"id": self.queue_id}

    def rule_made(self, data):
        """The SMTP rule made in the UI refuses that sender (nodes reload rules
        on a NOTIFY, so allow a moment)."""
        h.wait_for(lambda: smtp_sender_refused(self.node, data["sender"]), timeout=15, interval=0.5,
                   message="the UI's rule to refuse " + data["sender"])
        assert not smtp_sender_refused(self.node, "bob@example.test")
        return {}

    def retried(self, _data):
        # due now, or already attempted again by the node's runner
        h.wait_for(lambda: queue_state(self.pg, self.queue_id) != self.queued_state, timeout=15,
                   message="the retried message to be due")
        return {}


def run_scenario(url, setup_link, artifacts, checkpoints):
    """Run the scenario, answering its checkpoints; its final report."""
    cmd = ["node", str(BROWSER_DIR / "scenario.mjs"), "--url", url, "--login", ADMIN_LOGIN,
           "--password", ADMIN_PASSWORD, "--artifacts", str(artifacts), "--domain", DOMAIN,
           "--setup", setup_link, "--setup-login", SETUP_LOGIN]
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, bufsize=1)
    watchdog = threading.Timer(SCENARIO_TIMEOUT, proc.kill)
    watchdog.start()
    lines, done = [], None
    try:
        for line in proc.stdout:
            lines.append(line.rstrip("\n"))
            if not line.startswith("@@ "):
                continue
            name, _, payload = line[3:].strip().partition(" ")
            if name == "done":
                done = json.loads(payload)
                proc.stdin.close()
                continue
            try:
                answer = getattr(checkpoints, name.replace("-", "_"))(json.loads(payload or "{}"))
            except (AssertionError, h.HarnessError) as exc:
                answer = {"error": f"{name}: {exc}"}
            proc.stdin.write(json.dumps(answer) + "\n")
            proc.stdin.flush()
        proc.wait(timeout=30)
    finally:
        watchdog.cancel()
        if proc.poll() is None:
            proc.kill()
    stderr = proc.stderr.read()
    transcript = "\n".join(lines) + "\n" + stderr
    (artifacts / "scenario.log").write_text(transcript)
    assert proc.returncode == 0 and done, f"browser scenario failed:\n{transcript}"
    return done


def seed_hostile_values(pg, ctl):
    evil = HOSTILE.format("seed", "seed")
    pg.sql("INSERT INTO block_log (node_id, client_ip, helo, sender, recipient, stage,"
           " check_name, reason, reply) VALUES ('n', '192.0.2.9', %s, %s, %s, 'rcpt', 'rules',"
           " %s, %s)", (evil, evil + "@x.test", "bob@example.test", evil, "550 " + evil))
    ctl("rule", "add", "evil-text", "helo", "reject", "550 5.7.1 " + evil,
        "if", "helo", "contains", evil, "comment=" + evil)


def test_admin_ui_scenario(node, pg, ctl):
    assert os.path.exists(CHROMIUM), f"{CHROMIUM} is absent (scripts/test installs chromium)"
    assert (BROWSER_DIR / "node_modules" / "playwright-core").is_dir(), \
        "run `npm ci --prefix tests/browser` (scripts/test does)"
    assert pg.value("SELECT count(*) FROM admins") == 0
    url = admin_url(node)
    setup_link = ctl("admin", "setup-link", "--url", url, json=True)["url"]
    artifacts = artifacts_dir()
    seed_hostile_values(pg, ctl)
    report = run_scenario(url, setup_link, artifacts, Checkpoints(node, pg, ctl))
    assert report["refreshes"] >= 1, report
    shots = sorted(p.name for p in artifacts.glob("*.png"))
    for page in ("00-setup", "01-login", "02-dashboard", "03-domains", "04-accounts", "06-aliases",
                 "07-queue", "09-rules", "10-settings-domain", "10-settings-server", "11-dkim-dns"):
        assert f"{page}.png" in shots, shots
    # the hostile display name was stored as typed: the UI escaped nothing away
    assert account_column(pg, f"mallory@{DOMAIN}", "display_name") \
        == "<img src=x onerror=alert(1)><script>alert(2)</script>"
    # the server kept serving throughout
    assert node.running()
