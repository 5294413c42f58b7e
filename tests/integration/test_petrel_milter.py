"""petrel-milter under a real Postfix (Debian postfix, a private instance
on loopback with smtpd_milters pointing at it): bans, black and white
lists and greylisting, with the state in the test's PostgreSQL — the same
tables the nodes use."""

import os
import shutil
import smtplib
import socket
import subprocess
import tempfile
import time

import pytest

import petrel_harness as h

MILTER_PORT = h.free_port()
POSTFIX_PORT = h.free_port()
GREYLIST_DELAY = 2

MAIN_CF = """\
compatibility_level = 3.6
queue_directory = {d}/queue
data_directory = {d}/data
command_directory = /usr/sbin
daemon_directory = /usr/lib/postfix/sbin
meta_directory = /etc/postfix
shlib_directory = /usr/lib/postfix
mail_owner = postfix
setgid_group = postdrop
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
myhostname = postfix.example.test
mydestination =
relay_domains = example.test, nogrey.test
transport_maps = inline:{{example.test=discard:, nogrey.test=discard:}}
alias_maps =
alias_database =
smtputf8_enable = no
smtpd_milters = inet:127.0.0.1:{milter_port}
milter_default_action = tempfail
maillog_file_prefixes = {d}
maillog_file = {d}/maillog
"""

MASTER_CF = """\
127.0.0.1:{port} inet n - n - - smtpd
cleanup unix n - n - 0 cleanup
qmgr unix n - n 300 1 qmgr
rewrite unix - - n - - trivial-rewrite
bounce unix - - n - 0 bounce
defer unix - - n - 0 bounce
trace unix - - n - 0 bounce
verify unix - - n - 1 verify
flush unix n - n 1000? 0 flush
proxymap unix - - n - - proxymap
smtp unix - - n - - smtp
error unix - - n - - error
retry unix - - n - - error
discard unix - - n - - discard
anvil unix - - n - 1 anvil
scache unix - - n - 1 scache
postlog unix-dgram n - n - 1 postlogd
"""


def postfix(conf, command):
    return subprocess.run(["postfix", "-c", conf, command], capture_output=True, text=True,
                          timeout=60)


def listening(port):
    def probe():
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    return probe


@pytest.fixture(scope="module")
def petrel_milter(pg, ctl, mail_setup, tmp_path_factory):
    # the milter reads settings every 10 s: set them before it starts
    ctl("settings", "set", "greylist_enable", "yes")
    ctl("settings", "set", "greylist_delay", str(GREYLIST_DELAY))
    ctl("domain", "add", "nogrey.test")
    ctl("settings", "set", "greylist_enable", "no", "--domain", "nogrey.test")
    log_path = tmp_path_factory.mktemp("petrel-milter") / "petrel-milter.log"
    with open(log_path, "wb") as log:
        proc = h._spawn([h.BUILD_DIR / "milter" / "petrel-milter", "--config", pg.ctl_config,
                         "--socket", f"inet:{MILTER_PORT}@127.0.0.1"], stderr=log)
    proc.log_path = log_path
    h.wait_for(listening(MILTER_PORT), timeout=10, message="petrel-milter listening")
    yield proc
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@pytest.fixture(scope="module")
def mta(petrel_milter):
    if shutil.which("postfix") is None:
        pytest.fail("postfix is not installed (scripts/test installs it)")
    # postfix's own user must reach its queue: not under pytest's 0700 dirs
    d = tempfile.mkdtemp(prefix="petrel-postfix-")
    os.chmod(d, 0o755)
    conf = os.path.join(d, "conf")
    for sub in ("conf", "queue", "data"):
        os.mkdir(os.path.join(d, sub))
    shutil.chown(os.path.join(d, "data"), "postfix")
    with open(os.path.join(conf, "main.cf"), "w") as f:
        f.write(MAIN_CF.format(d=d, milter_port=MILTER_PORT))
    with open(os.path.join(conf, "master.cf"), "w") as f:
        f.write(MASTER_CF.format(port=POSTFIX_PORT))
    started = postfix(conf, "start")
    try:
        h.wait_for(listening(POSTFIX_PORT), timeout=20,
                   message=f"postfix on {POSTFIX_PORT}: {started.stderr}")
        yield d
    finally:
        postfix(conf, "stop")
        shutil.rmtree(d, ignore_errors=True)


def transact(sender, rcpt, source="127.0.0.1"):
    """One SMTP transaction through Postfix: (step, code, text) of the first
    reply that is not a success, or ("data", 250, ...) when all passed."""
    try:
        c = smtplib.SMTP("127.0.0.1", POSTFIX_PORT, local_hostname="client.test",
                         source_address=(source, 0), timeout=30)
    except smtplib.SMTPConnectError as e:
        return ("connect", e.smtp_code, e.smtp_error.decode())
    try:
        for step, call in (("ehlo", lambda: c.ehlo()), ("mail", lambda: c.mail(sender)),
                           ("rcpt", lambda: c.rcpt(rcpt)),
                           ("data", lambda: c.data(h.make_message(sender=sender, to=rcpt)))):
            code, text = call()
            if code >= 400 or step == "data":
                return (step, code, text.decode())
    finally:
        c.close()


def test_greylisting_first_451_retry_passes(mta, pg):
    step, code, text = transact("first@remote.test", "user@example.test")
    assert (step, code) == ("rcpt", 451), (step, code, text)
    assert text.startswith("4.7.1 Greylisted, try again in"), text
    assert pg.value("SELECT count(*) FROM greylist WHERE sender = 'first@remote.test'"
                    " AND recipient = 'user@example.test'") == 1
    # too early: still greylisted
    assert transact("first@remote.test", "user@example.test")[1] == 451
    time.sleep(GREYLIST_DELAY + 0.5)
    assert transact("first@remote.test", "user@example.test")[:2] == ("data", 250)
    # whitelisted from now on
    assert transact("first@remote.test", "user@example.test")[:2] == ("data", 250)


def milter_logged(proc, text):
    """Postfix puts its own text on a connection refused at CONNECT; the
    milter's log says why."""
    h.wait_for(lambda: text in proc.log_path.read_text(errors="replace"), timeout=5,
               message=f"petrel-milter log line {text!r}")


def test_greylisting_follows_the_recipient_domain(mta, pg):
    """greylist_enable is off for nogrey.test (domain scope)."""
    assert transact("other@remote.test", "anyone@nogrey.test")[:2] == ("data", 250)
    assert pg.value("SELECT count(*) FROM greylist WHERE recipient = 'anyone@nogrey.test'") == 0


def test_ban_refuses_client_until_lifted(mta, petrel_milter, pg, ctl):
    pg.sql("INSERT INTO bans (ip, reason, expires_at)"
           " VALUES ('127.0.0.2', 'test ban', now() + interval '1 hour')")
    step, code, text = transact("banned@remote.test", "user@example.test", source="127.0.0.2")
    assert (step, code) == ("connect", 554), (step, code, text)
    milter_logged(petrel_milter, 'event=refused ip=127.0.0.2 reason="banned: test ban"')
    ctl("ban", "del", "127.0.0.2")
    # lifted: the client reaches greylisting now
    step, code, text = transact("banned@remote.test", "user@example.test", source="127.0.0.2")
    assert (step, code) == ("rcpt", 451) and "Greylisted" in text, (step, code, text)


def test_black_and_white_lists(mta, petrel_milter, pg, ctl):
    ctl("blacklist", "add", "spammer@bad.test")
    ctl("blacklist", "add", "127.0.0.3/32")
    ctl("whitelist", "add", "127.0.0.4/32")
    step, code, text = transact("spammer@bad.test", "user@example.test")
    assert (step, code) == ("mail", 550) and "blacklisted" in text, (step, code, text)
    step, code, text = transact("someone@remote.test", "user@example.test", source="127.0.0.3")
    assert (step, code) == ("connect", 554), (step, code, text)
    milter_logged(petrel_milter, 'event=refused ip=127.0.0.3 reason="black list: ip 127.0.0.3/32"')
    # white: no greylisting on the first attempt
    assert transact("fresh@remote.test", "user@example.test", source="127.0.0.4")[:2] == \
        ("data", 250)


def test_bad_command_lines_fail_clearly(tmp_path):
    exe = h.BUILD_DIR / "milter" / "petrel-milter"
    r = subprocess.run([exe], capture_output=True, text=True, timeout=10)
    assert r.returncode == 2 and r.stderr.startswith("usage: petrel-milter"), r
    r = subprocess.run([exe, "--config", tmp_path / "missing.conf", "--socket",
                        "inet:1@127.0.0.1"], capture_output=True, text=True, timeout=10)
    assert r.returncode == 1 and "missing.conf" in r.stderr, r
    assert len(r.stderr.strip().splitlines()) == 1, r.stderr
