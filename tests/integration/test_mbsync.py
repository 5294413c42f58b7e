"""A real sync client against Petrel: mbsync (Debian package isync) pushes a
Maildir of 500 messages with flags into a new IMAP mailbox, pulls it into
another Maildir, carries flag changes both ways, and a repeated run
transfers nothing."""
import imaplib
import os
import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest

import petrel_harness as h
from conftest import PASSWORD

NODE_LISTENERS = ("smtp", "imap")
NODE_SETTINGS = {"auth_failure_delay": "0"}
USER = "alice@example.test"
COUNT = 500
# Maildir flag letters (D draft, F flagged, R replied, S seen) and IMAP flags
FLAG_BITS = {"D": 16, "F": 4, "R": 2, "S": 1}

pytestmark = pytest.mark.skipif(shutil.which("mbsync") is None,
                                reason="mbsync (isync) is not installed; scripts/test installs it")


def maildir(path):
    for sub in ("cur", "new", "tmp"):
        (path / sub).mkdir(parents=True, exist_ok=True)
    return path


def maildir_flags(path):
    """{Message-ID token: flag letters} of the messages in a Maildir."""
    out = {}
    for sub in ("cur", "new"):
        for f in (path / sub).iterdir():
            data = f.read_bytes()
            token = re.search(rb"X-Petrel-Token: (\w+)", data).group(1).decode()
            out[token] = f.name.split(":2,")[1] if ":2," in f.name else ""
    return out


def write_config(tmp, port):
    config = tmp / "mbsyncrc"
    config.write_text(f"""
IMAPAccount petrel
Host 127.0.0.1
Port {port}
User {USER}
Pass {PASSWORD}
SSLType None
AuthMechs LOGIN
PipelineDepth 32

IMAPStore remote
Account petrel

MaildirStore source
Path {tmp}/source/
Inbox {tmp}/source/INBOX

MaildirStore copy
Path {tmp}/copy/
Inbox {tmp}/copy/INBOX

Channel push
Far :remote:Synced
Near :source:INBOX
Create Far
Sync All
SyncState *

Channel pull
Far :remote:Synced
Near :copy:INBOX
Create Near
Sync All
SyncState *
""")
    return config


def run_mbsync(config, channel):
    result = subprocess.run(["mbsync", "-c", str(config), "-V", channel], capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout + result.stderr


def snapshot(node, pg, tmp_path):
    """What a sync could have changed: the mailbox's highest modseq and
    UIDNEXT, both Maildirs' file names, and how many writing commands
    (APPEND, STORE, EXPUNGE) the node has served."""
    box = pg.sql("SELECT b.highestmodseq, b.uidnext FROM mailboxes b "
                 "JOIN accounts a ON a.id = b.account_id "
                 "WHERE a.localpart = 'alice' AND b.name = 'Synced'")
    files = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*")
                   if p.is_file() and p.parent.name in ("cur", "new"))
    log = node.log_text()
    writes = sum(log.count(f"command=UID {c}") + log.count(f"command={c}")
                 for c in ("APPEND", "STORE", "EXPUNGE"))
    return box, files, writes


def db_flags(pg, mailbox):
    rows = pg.sql(
        "SELECT m.flags FROM messages m JOIN mailboxes b ON b.id = m.mailbox_id "
        "JOIN accounts a ON a.id = b.account_id "
        f"WHERE a.localpart = 'alice' AND b.name = '{mailbox}' ORDER BY m.uid")
    return [int(r[0]) for r in rows]


def test_mbsync_push_pull_and_flags(node, pg, tmp_path):
    source = maildir(tmp_path / "source" / "INBOX")
    maildir(tmp_path / "copy")
    letters = ["", "S", "F", "RS", "DS", "FS"]
    now = int(time.time())
    for i in range(COUNT):
        msg = h.make_message(subject=f"sync {i}", to=USER, size=2000 + 37 * i)
        name = f"{now - i}.M{i}P1.test:2,{letters[i % len(letters)]}"
        (source / "cur" / name).write_bytes(msg)
    config = write_config(tmp_path, node.port("imap"))

    out = run_mbsync(config, "push")
    flags = db_flags(pg, "Synced")
    assert len(flags) == COUNT, out
    expected = sorted(sum(FLAG_BITS[c] for c in letters[i % len(letters)]) for i in range(COUNT))
    assert sorted(flags) == expected

    out = run_mbsync(config, "pull")
    pulled = maildir_flags(tmp_path / "copy" / "INBOX")
    pushed = maildir_flags(source)
    assert len(pulled) == COUNT, out
    assert {t: "".join(sorted(f)) for t, f in pulled.items()} == \
        {t: "".join(sorted(f)) for t, f in pushed.items()}

    # a second run of each moves nothing
    before = snapshot(node, pg, tmp_path)
    for channel in ("push", "pull"):
        out = run_mbsync(config, channel)
        assert snapshot(node, pg, tmp_path) == before, out

    # flags changed on the server reach the Maildir, and the other way round
    imap = imaplib.IMAP4("127.0.0.1", node.port("imap"))
    imap.login(USER, PASSWORD)
    imap.select("Synced")
    assert imap.uid("STORE", "1:10", "+FLAGS.SILENT", "(\\Flagged)")[0] == "OK"
    imap.logout()
    out = run_mbsync(config, "pull")
    pulled = maildir_flags(tmp_path / "copy" / "INBOX")
    assert sum("F" in f for f in pulled.values()) == \
        sum("F" in f for f in pushed.values()) + \
        sum(1 for i in range(10) if "F" not in letters[i % len(letters)])
    cur = tmp_path / "copy" / "INBOX" / "cur"
    unseen = [f for f in sorted(cur.iterdir()) if "S" not in f.name.split(":2,")[1]][:5]
    for f in unseen:
        os.rename(f, str(f) + "S")      # flags stay sorted: "" -> "S", "F" -> "FS"
    out = run_mbsync(config, "pull")
    assert sum(1 for f in db_flags(pg, "Synced") if f & 1) == \
        sum(1 for i in range(COUNT) if "S" in letters[i % len(letters)]) + len(unseen), out
    before = snapshot(node, pg, tmp_path)
    out = run_mbsync(config, "pull")
    assert snapshot(node, pg, tmp_path) == before, out
