"""SELECT builds its view of the mailbox from the UIDs PostgreSQL returns
(petrel_mailbox_select, schema/004_imap_speed.sql): one range when the
mailbox has no holes, gaps and islands otherwise. A fresh session's view
must match the messages in the database in every shape: contiguous,
with holes, a single message, empty."""
import imaplib
import re

import petrel_harness as h
from conftest import PASSWORD

NODE_LISTENERS = ("smtp", "imap")
NODE_SETTINGS = {"auth_failure_delay": "0"}
USER = "bob@example.test"

UID_RE = re.compile(rb"^(\d+) \(UID (\d+)\)$")


def view(node):
    """(EXISTS, UIDNEXT, UIDs in sequence order) seen by a new session."""
    imap = imaplib.IMAP4("127.0.0.1", node.port("imap"))
    imap.login(USER, PASSWORD)
    typ, data = imap.select("INBOX")
    assert typ == "OK"
    exists = int(data[0])
    uidnext = int(imap.untagged_responses["UIDNEXT"][-1])
    uids = []
    if exists:
        typ, data = imap.fetch("1:*", "(UID)")
        assert typ == "OK"
        pairs = [UID_RE.match(item).groups() for item in data]
        assert [int(seq) for seq, _ in pairs] == list(range(1, exists + 1))
        uids = [int(uid) for _, uid in pairs]
    imap.logout()
    return exists, uidnext, uids


def expunge(node, uids):
    imap = imaplib.IMAP4("127.0.0.1", node.port("imap"))
    imap.login(USER, PASSWORD)
    imap.select("INBOX")
    assert imap.uid("STORE", ",".join(map(str, uids)), "+FLAGS.SILENT", r"(\Deleted)")[0] == "OK"
    assert imap.expunge()[0] == "OK"
    imap.logout()


def db_uids(pg):
    return [int(r[0]) for r in pg.sql(
        "SELECT m.uid FROM messages m JOIN mailboxes b ON b.account_id = m.account_id "
        "AND b.id = m.mailbox_id JOIN accounts a ON a.id = b.account_id "
        "JOIN domains d ON d.id = a.domain_id "
        "WHERE a.localpart || '@' || d.name = %s AND b.name = 'INBOX' ORDER BY m.uid",
        (USER,))]


def test_select_view_in_every_shape(node, pg):
    assert view(node)[0] == 0                       # empty
    for i in range(6):
        h.smtp_send(node.port("smtp"), "sender@remote.test", [USER],
                    h.make_message(subject=f"select uids {i}"))
    h.wait_for(lambda: view(node)[0] == 6, timeout=15)
    exists, uidnext, uids = view(node)              # contiguous: one range
    assert uids == db_uids(pg) and len(uids) == 6
    assert uids == list(range(uids[0], uids[0] + 6)) and uidnext == uids[-1] + 1

    expunge(node, [uids[1], uids[3]])               # holes: several ranges
    want = [uids[0], uids[2], uids[4], uids[5]]
    assert view(node) == (4, uidnext, want) and db_uids(pg) == want

    expunge(node, [uids[0], uids[2], uids[4]])      # one message left
    assert view(node) == (1, uidnext, [uids[5]]) and db_uids(pg) == [uids[5]]

    expunge(node, [uids[5]])                        # empty again
    assert view(node) == (0, uidnext, [])
