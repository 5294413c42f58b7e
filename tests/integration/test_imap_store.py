"""IMAP STORE / UID STORE, EXPUNGE / UID EXPUNGE, COPY / UID COPY and MOVE /
UID MOVE with imaplib against a real node: flag and keyword changes and
their FETCH responses, CONDSTORE (MODSEQ, UNCHANGEDSINCE -> MODIFIED),
expunge renumbering, VANISHED with QRESYNC, COPYUID checked against the
target mailbox, TRYCREATE, read-only mailboxes, and bad syntax answered
with BAD while the session keeps serving. Messages arrive through SMTP."""
import imaplib
import re

import petrel_harness as h
from conftest import PASSWORD

NODE_LISTENERS = ("smtp", "imap")
NODE_SETTINGS = {"auth_failure_delay": "0"}
USER = "user@example.test"



def login(node, enable=None):
    imap = imaplib.IMAP4("127.0.0.1", node.port("imap"))
    imap.login(USER, PASSWORD)
    if enable:
        assert imap.enable(enable)[0] == "OK"
    return imap


def run(imap, *args):
    """One command; returns (status, tagged text, untagged responses)."""
    imap.untagged_responses.clear()
    try:
        typ, data = imap._simple_command(*args)
    except imaplib.IMAP4.error as e:        # imaplib raises on BAD
        if " BAD " not in str(e):
            raise
        typ, data = "BAD", [str(e).encode()]
    untagged = {k: list(v) for k, v in imap.untagged_responses.items()}
    imap.untagged_responses.clear()
    return typ, (data[-1] or b"").decode(), untagged


def fetched(untagged):
    """{seq: {"FLAGS": set, "UID": int, "MODSEQ": int}} of FETCH responses."""
    return dict(h.parse_imap_fetch(item) for item in untagged.get("FETCH", []))


def fresh_inbox(node, imap, count):
    """Empty INBOX, deliver count messages through SMTP, select it; returns
    the UIDs in sequence order."""
    imap.select("INBOX")
    if int(imap.untagged_responses["EXISTS"][-1]) > 0:
        assert run(imap, "STORE", "1:*", "+FLAGS.SILENT", r"(\Deleted)")[0] == "OK"
        assert run(imap, "EXPUNGE")[0] == "OK"
    for i in range(count):
        h.smtp_send(node.port("smtp"), "sender@remote.test", [USER],
                    h.make_message(subject=f"store test {i}"))
    h.wait_for(lambda: int(imap.select("INBOX")[1][0]) == count, timeout=15)
    return uids_in_view(imap)


def uids_in_view(imap):
    """The UIDs of the selected mailbox in sequence order (UID FETCH)."""
    typ, text, untagged = run(imap, "UID", "FETCH", "1:*", "(FLAGS)")
    assert typ == "OK", text
    by_seq = fetched(untagged)
    assert sorted(by_seq) == list(range(1, len(by_seq) + 1))
    return [by_seq[seq]["UID"] for seq in sorted(by_seq)]


ACCOUNT_SQL = ("(SELECT a.id FROM accounts a JOIN domains d ON d.id = a.domain_id "
               "WHERE a.localpart || '@' || d.name = %s)")


def db_flags(pg, mailbox="INBOX"):
    """{uid: (flag bits, keywords)} of a mailbox of USER in the database."""
    rows = pg.sql("SELECT m.uid, m.flags, m.keywords FROM messages m JOIN mailboxes b "
                  "ON b.account_id = m.account_id AND b.id = m.mailbox_id "
                  f"WHERE m.account_id = {ACCOUNT_SQL} AND b.name = %s ORDER BY m.uid",
                  (USER, mailbox))
    return {int(r[0]): (int(r[1]), list(r[2])) for r in rows}


def test_store_add_remove_replace_and_silent(node, pg):
    imap = login(node)
    uids = fresh_inbox(node, imap, 3)
    typ, _, untagged = run(imap, "STORE", "1", "+FLAGS", r"(\Seen \Flagged)")
    assert typ == "OK"
    assert fetched(untagged) == {1: {"FLAGS": {r"\Seen", r"\Flagged"}}}
    # a single flag without parentheses; message 2 has nothing to remove
    typ, _, untagged = run(imap, "STORE", "1:2", "-FLAGS", r"\Flagged")
    assert typ == "OK"
    assert fetched(untagged) == {1: {"FLAGS": {r"\Seen"}}, 2: {"FLAGS": set()}}
    typ, _, untagged = run(imap, "STORE", "1", "FLAGS", r"(\Answered \Draft)")
    assert fetched(untagged)[1]["FLAGS"] == {r"\Answered", r"\Draft"}
    typ, _, untagged = run(imap, "STORE", "3", "+FLAGS.SILENT", r"(\Seen)")
    assert typ == "OK" and "FETCH" not in untagged
    typ, _, untagged = run(imap, "UID", "STORE", str(uids[2]), "+FLAGS", r"(\Deleted)")
    assert fetched(untagged) == {3: {"FLAGS": {r"\Seen", r"\Deleted"}, "UID": uids[2]}}
    # the session's own changes were told already: a sync does not repeat them
    assert "FETCH" not in run(imap, "NOOP")[2]
    stored = db_flags(pg)
    assert stored[uids[0]][0] == 0x02 | 0x10            # \Answered \Draft
    assert stored[uids[1]][0] == 0
    assert stored[uids[2]][0] == 0x01 | 0x08            # \Seen \Deleted
    imap.logout()


def test_keywords_and_permanentflags(node, pg):
    imap = login(node)
    uids = fresh_inbox(node, imap, 2)
    imap.select("INBOX")
    assert r"\*" in imap.untagged_responses["PERMANENTFLAGS"][-1].decode()
    typ, _, untagged = run(imap, "STORE", "1", "+FLAGS", r"($Forwarded Project-X \Seen)")
    assert typ == "OK"
    assert fetched(untagged)[1]["FLAGS"] == {"$Forwarded", "Project-X", r"\Seen"}
    # new keywords are announced before the FETCH that carries them
    assert b"Project-X" in untagged["FLAGS"][-1] and b"$Forwarded" in untagged["FLAGS"][-1]
    assert b"Project-X" in untagged["PERMANENTFLAGS"][-1]
    assert db_flags(pg)[uids[0]] == (0x01, ["$Forwarded", "Project-X"])
    # keywords compare case-insensitively: no duplicate, removal works
    typ, _, untagged = run(imap, "STORE", "1", "+FLAGS", "(project-x)")
    assert fetched(untagged)[1]["FLAGS"] == {"$Forwarded", "Project-X", r"\Seen"}
    typ, _, untagged = run(imap, "STORE", "1", "-FLAGS", "($forwarded)")
    assert fetched(untagged)[1]["FLAGS"] == {"Project-X", r"\Seen"}
    # the mailbox's FLAGS now list the keyword it has seen
    imap.select("INBOX")
    assert b"Project-X" in imap.untagged_responses["FLAGS"][-1]
    # \Recent cannot be stored and is ignored, as Dovecot does
    typ, _, untagged = run(imap, "STORE", "2", "+FLAGS", r"(\Recent)")
    assert typ == "OK" and fetched(untagged)[2]["FLAGS"] == set()
    for bad in (r"(\Bogus)", "(foo%bar)", "(a*)", "(" + "k" * 60 + ")"):
        typ, text, _ = run(imap, "STORE", "2", "+FLAGS", bad)
        assert typ == "BAD", (bad, text)
    assert db_flags(pg)[uids[1]] == (0, [])
    assert run(imap, "NOOP")[0] == "OK"
    imap.logout()


def test_condstore_modseq_and_unchangedsince(node, pg):
    imap = login(node, enable="CONDSTORE")
    uids = fresh_inbox(node, imap, 3)
    _, _, untagged = run(imap, "UID", "STORE", f"{uids[0]}:{uids[2]}", "+FLAGS", "()")
    before = {v["UID"]: v["MODSEQ"] for v in fetched(untagged).values()}
    # every STORE that changes something gives a new, higher modseq
    seen = []
    for flag in (r"\Seen", r"\Flagged", r"\Answered"):
        _, _, untagged = run(imap, "UID", "STORE", str(uids[0]), "+FLAGS", f"({flag})")
        seen.append(fetched(untagged)[1]["MODSEQ"])
    assert seen == sorted(seen) and len(set(seen)) == 3 and seen[0] > before[uids[0]]
    # message 1 changed after before[uids[1]]: UNCHANGEDSINCE refuses it
    unchanged = before[uids[1]]
    typ, text, untagged = run(imap, "UID", "STORE", f"{uids[0]}:{uids[1]}",
                              f"(UNCHANGEDSINCE {unchanged})", "+FLAGS", r"(\Deleted)")
    assert typ == "OK" and f"[MODIFIED {uids[0]}]" in text, text
    got = fetched(untagged)
    assert list(got) == [2] and r"\Deleted" in got[2]["FLAGS"] and got[2]["MODSEQ"] > seen[-1]
    assert db_flags(pg)[uids[0]][0] & 0x08 == 0
    # sequence numbers in MODIFIED for STORE; .SILENT still reports MODSEQ
    typ, text, untagged = run(imap, "STORE", "3", "(UNCHANGEDSINCE 0)", "+FLAGS", r"(\Seen)")
    assert typ == "OK" and "[MODIFIED 3]" in text, text
    typ, text, untagged = run(imap, "STORE", "3", "+FLAGS.SILENT", r"(\Seen)")
    got = fetched(untagged)
    assert set(got[3]) == {"MODSEQ"} and got[3]["MODSEQ"] > seen[-1], untagged
    imap.logout()


def test_expunge_renumbers(node, pg):
    imap = login(node)
    uids = fresh_inbox(node, imap, 5)
    run(imap, "STORE", "2,4", "+FLAGS.SILENT", r"(\Deleted)")
    typ, _, untagged = run(imap, "EXPUNGE")
    assert typ == "OK"
    # ascending, each number counted after the previous removal
    assert untagged["EXPUNGE"] == [b"2", b"3"]
    assert sorted(db_flags(pg)) == [uids[0], uids[2], uids[4]]
    assert uids_in_view(imap) == [uids[0], uids[2], uids[4]]
    assert pg.value(f"SELECT count(*) FROM expunged_messages WHERE account_id = {ACCOUNT_SQL} "
                    "AND uid = ANY(%s)", (USER, [uids[1], uids[3]])) == 2
    imap.logout()


def test_uid_expunge_only_the_set(node, pg):
    imap = login(node)
    uids = fresh_inbox(node, imap, 4)
    run(imap, "STORE", "1:3", "+FLAGS.SILENT", r"(\Deleted)")
    typ, _, untagged = run(imap, "UID", "EXPUNGE", f"{uids[1]},{uids[3]}")
    assert typ == "OK" and untagged["EXPUNGE"] == [b"2"]
    assert sorted(db_flags(pg)) == [uids[0], uids[2], uids[3]]
    typ, _, untagged = run(imap, "EXPUNGE")
    assert untagged["EXPUNGE"] == [b"1", b"1"]
    assert uids_in_view(imap) == [uids[3]]
    imap.logout()


def test_qresync_expunge_gives_vanished(node, pg):
    imap = login(node, enable="QRESYNC")
    uids = fresh_inbox(node, imap, 4)
    run(imap, "STORE", "1,3", "+FLAGS.SILENT", r"(\Deleted)")
    typ, text, untagged = run(imap, "EXPUNGE")
    assert typ == "OK" and "EXPUNGE" not in untagged
    assert untagged["VANISHED"] == [f"{uids[0]},{uids[2]}".encode()]
    highest = pg.value(f"SELECT highestmodseq FROM mailboxes WHERE account_id = {ACCOUNT_SQL} "
                       "AND name = 'INBOX'", (USER,))
    assert f"[HIGHESTMODSEQ {highest}]" in text, text
    imap.logout()


def test_copy_with_copyuid(node, pg):
    imap = login(node)
    imap.create("Archive")
    uids = fresh_inbox(node, imap, 3)
    run(imap, "STORE", "2", "+FLAGS.SILENT", r"(\Flagged Kept)")
    typ, text, _ = run(imap, "COPY", "2:3", "Archive")
    assert typ == "OK", text
    m = re.search(r"\[COPYUID (\d+) (\S+) (\S+)\]", text)
    assert m, text
    assert m.group(2) == f"{uids[1]}:{uids[2]}"
    dst_first, dst_last = (int(x) for x in m.group(3).split(":"))
    assert dst_last == dst_first + 1
    assert len(uids_in_view(imap)) == 3                  # the source keeps them
    imap.select("Archive")
    assert int(m.group(1)) == int(imap.untagged_responses["UIDVALIDITY"][-1])
    assert uids_in_view(imap)[-2:] == [dst_first, dst_last]
    archive = db_flags(pg, "Archive")
    assert archive[dst_first] == (0x04, ["Kept"])        # flags travel along
    # the copies share the source's stored content
    same = pg.value("SELECT count(*) FROM messages s JOIN messages d ON "
                    "d.content_id = s.content_id AND d.account_id = s.account_id "
                    "JOIN mailboxes sb ON sb.id = s.mailbox_id AND sb.name = 'INBOX' "
                    "JOIN mailboxes db ON db.id = d.mailbox_id AND db.name = 'Archive' "
                    "WHERE s.uid = ANY(%s) AND d.uid = ANY(%s)",
                    ([uids[1], uids[2]], [dst_first, dst_last]))
    assert same == 2
    imap.logout()


def test_copy_to_missing_mailbox_is_trycreate(node):
    imap = login(node)
    fresh_inbox(node, imap, 1)
    typ, text, _ = run(imap, "COPY", "1", "Nowhere")
    assert typ == "NO" and "[TRYCREATE]" in text
    typ, text, _ = run(imap, "UID", "MOVE", "1:*", "Nowhere")
    assert typ == "NO" and "[TRYCREATE]" in text
    assert len(uids_in_view(imap)) == 1
    imap.logout()


def test_move(node, pg):
    imap = login(node)
    imap.create("Moved")
    uids = fresh_inbox(node, imap, 4)
    typ, text, untagged = run(imap, "MOVE", "2:3", "Moved")
    assert typ == "OK", text
    copyuid = untagged["COPYUID"][0].decode().split()
    assert copyuid[1] == f"{uids[1]}:{uids[2]}"
    assert untagged["EXPUNGE"] == [b"2", b"2"]
    assert uids_in_view(imap) == [uids[0], uids[3]]
    assert sorted(db_flags(pg)) == [uids[0], uids[3]]
    typ, text, untagged = run(imap, "UID", "MOVE", str(uids[3]), "Moved")
    assert typ == "OK" and untagged["EXPUNGE"] == [b"2"]
    imap.select("Moved")
    moved = uids_in_view(imap)
    assert len(moved) == 3 and moved[:2] == [int(x) for x in copyuid[2].split(":")]
    imap.logout()


def test_readonly_mailbox_refuses_changes(node, pg):
    imap = login(node)
    fresh_inbox(node, imap, 2)
    run(imap, "STORE", "1", "+FLAGS.SILENT", r"(\Deleted)")
    assert imap.select("INBOX", readonly=True)[0] == "OK"
    for cmd in (("STORE", "1", "+FLAGS", r"(\Seen)"), ("EXPUNGE",),
                ("MOVE", "1", "Archive"), ("UID", "EXPUNGE", "1:*")):
        typ, text, _ = run(imap, *cmd)
        assert typ == "NO", (cmd, text)
    assert sorted(db_flags(pg).values()) == [(0, []), (0x08, [])]
    assert run(imap, "NOOP")[0] == "OK"
    imap.logout()


def test_bad_syntax_keeps_the_session(node, pg):
    imap = login(node)
    uids = fresh_inbox(node, imap, 2)
    bad = [
        ("STORE", "1", "FLAGZ", r"(\Seen)"),
        ("STORE", "1", "+FLAGS"),
        ("STORE", "1", "+FLAGS.LOUD", r"(\Seen)"),
        ("STORE", "3", "+FLAGS", r"(\Seen)"),                # past the last message
        ("STORE", "0", "+FLAGS", r"(\Seen)"),
        ("STORE", "1", "(UNCHANGEDSINCE x)", "FLAGS", "()"),
        ("STORE", "1", "(FROB 1)", "FLAGS", "()"),
        ("STORE", "1", "(UNCHANGEDSINCE 99999999999999999999)", "FLAGS", "()"),
        ("STORE", "1", "+FLAGS", r"(\Seen)", r"\Draft"),
        ("STORE", "1", "+FLAGS", "((nested))"),
        ("COPY", "1"),
        ("COPY", "9", "INBOX"),
        ("MOVE", "1:x", "INBOX"),
        ("EXPUNGE", "1"),
        ("UID", "EXPUNGE"),
    ]
    for cmd in bad:
        typ, text, _ = run(imap, *cmd)
        assert typ == "BAD", (cmd, text)
    assert db_flags(pg) == {uids[0]: (0, []), uids[1]: (0, [])}
    # UID sets naming no message are fine: nothing happens
    assert run(imap, "UID", "STORE", "999999", "+FLAGS", r"(\Seen)")[0] == "OK"
    assert run(imap, "UID", "COPY", "999999", "INBOX")[0] == "OK"
    assert run(imap, "NOOP")[0] == "OK"
    assert uids_in_view(imap) == uids
    imap.logout()


def test_qresync_move_gives_vanished_and_highestmodseq(node, pg):
    imap = login(node, enable="QRESYNC")
    imap.create("QMoved")
    uids = fresh_inbox(node, imap, 3)
    typ, text, untagged = run(imap, "UID", "MOVE", f"{uids[0]},{uids[2]}", "QMoved")
    assert typ == "OK", text
    assert untagged["COPYUID"][0].decode().split()[1] == f"{uids[0]},{uids[2]}"
    assert untagged["VANISHED"] == [f"{uids[0]},{uids[2]}".encode()]
    assert "EXPUNGE" not in untagged
    highest = pg.value(f"SELECT highestmodseq FROM mailboxes WHERE account_id = {ACCOUNT_SQL} "
                       "AND name = 'INBOX'", (USER,))
    assert f"[HIGHESTMODSEQ {highest}]" in text, text
    assert uids_in_view(imap) == [uids[1]]
    imap.logout()


def test_copy_over_quota(node, pg):
    imap = login(node)
    imap.create("Full")
    fresh_inbox(node, imap, 2)
    used = pg.value(f"SELECT sum(bytes) FROM mailboxes WHERE account_id = {ACCOUNT_SQL}",
                    (USER,))
    pg.sql(f"UPDATE accounts SET quota_bytes = %s WHERE id = {ACCOUNT_SQL}", (used + 10, USER))
    try:
        typ, text, _ = run(imap, "COPY", "1:2", "Full")
        assert typ == "NO" and "[OVERQUOTA]" in text, text
        # MOVE adds nothing to the account's usage, so it is allowed
        typ, text, _ = run(imap, "MOVE", "1", "Full")
        assert typ == "OK", text
    finally:
        pg.sql(f"UPDATE accounts SET quota_bytes = 0 WHERE id = {ACCOUNT_SQL}", (USER,))
    assert len(uids_in_view(imap)) == 1
    imap.logout()
