"""Autoexpunge: messages saved in \\Trash or \\Junk longer ago than the
domain's autoexpunge_days are removed by one node's singleton job (a
transaction-level advisory lock), leaving tombstones so QRESYNC clients
learn of them; other mailboxes and newer messages stay. With two nodes
scheduling the job, each run is done once."""
import time

import petrel_harness as h

NODE_LISTENERS = ("smtp", "imap")
NODE_SETTINGS = {"autoexpunge_interval": "10"}
USER = "user@example.test"


def mailbox_id(pg, name):
    return pg.value("SELECT b.id FROM mailboxes b JOIN accounts a ON a.id = b.account_id "
                    f"WHERE a.localpart = 'user' AND b.name = '{name}'")


def count(pg, name):
    return pg.value(f"SELECT count(*) FROM messages WHERE mailbox_id = {mailbox_id(pg, name)}")


def test_old_trash_and_junk_are_expunged(node, pg, ctl, make_node):
    ctl("settings", "set", "autoexpunge_days", "2", "--domain", "example.test")
    second = make_node("node2", listeners=("imap",), log_level="info")   # also schedules it
    for i in range(4):
        h.smtp_send(node.port("smtp"), "a@remote.test", [USER],
                    h.make_message(subject=f"old {i}", to=USER))
    account = pg.value("SELECT id FROM accounts WHERE localpart = 'user'")
    inbox = mailbox_id(pg, "INBOX")
    for target, uids in (("Trash", "{[1,2]}"), ("Junk", "{[3,4]}")):
        pg.sql(f"SELECT petrel_copy({account}, {inbox}, {mailbox_id(pg, target)}, "
               f"'{uids}'::int8multirange, false)")
    # two of the Trash copies and one of the Junk copies are old, and so is
    # everything in the INBOX (which is never autoexpunged)
    pg.sql(f"UPDATE messages SET saved_at = now() - interval '3 days' "
           f"WHERE (mailbox_id = {mailbox_id(pg, 'Trash')} AND uid <= 2) "
           f"OR (mailbox_id = {mailbox_id(pg, 'Junk')} AND uid = 1) "
           f"OR mailbox_id = {inbox}")
    assert (count(pg, "Trash"), count(pg, "Junk")) == (2, 2)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if (count(pg, "Trash"), count(pg, "Junk")) == (0, 1):
            break
        time.sleep(0.5)
    assert (count(pg, "Trash"), count(pg, "Junk")) == (0, 1)
    assert count(pg, "INBOX") == 4
    tombstones = pg.value("SELECT count(*) FROM expunged_messages "
                          f"WHERE mailbox_id IN ({mailbox_id(pg, 'Trash')}, "
                          f"{mailbox_id(pg, 'Junk')})")
    assert tombstones == 3
    assert "event=autoexpunge" in node.log_text() + second.log_text()
