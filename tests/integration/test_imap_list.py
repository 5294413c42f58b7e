"""IMAP LIST and friends over a raw socket: LIST patterns (% * and a
reference), INBOX children, LIST-EXTENDED selection and return options,
LIST-STATUS, SPECIAL-USE attributes of the default folders, non-ASCII
names in modified UTF-7 and with UTF8=ACCEPT, LSUB after (UN)SUBSCRIBE,
NAMESPACE, STATUS (SIZE, DELETED, a missing mailbox) and QUOTA."""
import re
import socket

import petrel_harness as h
from conftest import PASSWORD

NODE_LISTENERS = ("smtp", "imap")
NODE_SETTINGS = {"auth_failure_delay": "0"}


class Raw:
    """A line-level IMAP client: run() returns (untagged, tagged line);
    a literal in a response is folded into its line."""

    def __init__(self, node, user=None):
        self.sock = socket.create_connection(("127.0.0.1", node.port("imap")), timeout=20)
        self.f = self.sock.makefile("rb")
        self.n = 0
        assert self.line().startswith("* OK")
        if user:
            assert self.run(f'LOGIN {user} "{PASSWORD}"')[1].split()[1] == "OK"

    def line(self):
        data = self.f.readline()
        m = re.search(rb"\{(\d+)\}\r\n$", data)
        while m:
            data = data[:m.start()] + b'"' + self.f.read(int(m.group(1))) + b'"'
            rest = self.f.readline()
            data += rest
            m = re.search(rb"\{(\d+)\}\r\n$", rest)
        return data.decode("utf-8").rstrip("\r\n")

    def run(self, command):
        self.n += 1
        tag = f"t{self.n}"
        self.sock.sendall(f"{tag} {command}\r\n".encode("utf-8"))
        untagged = []
        while True:
            line = self.line()
            if line.startswith(tag + " "):
                return untagged, line
            untagged.append(line)

    def ok(self, command):
        untagged, tagged = self.run(command)
        assert tagged.split()[1] == "OK", (command, tagged)
        return untagged

    def close(self):
        self.sock.close()


def names(lines, kind="LIST"):
    """{name: attributes} of * LIST lines."""
    out = {}
    for line in lines:
        m = re.match(r'\* ' + kind + r' \(([^)]*)\) "/" "?(.*?)"?( \(.*\))?$', line)
        if m:
            out[m.group(2)] = set(m.group(1).split())
    return out


def test_list_all_and_special_use(node):
    c = Raw(node, "user@example.test")
    boxes = names(c.ok('LIST "" "*"'))
    assert set(boxes) >= {"INBOX", "Sent", "Drafts", "Trash", "Junk", "Archive"}
    assert "\\Sent" in boxes["Sent"] and "\\Drafts" in boxes["Drafts"]
    assert "\\Trash" in boxes["Trash"] and "\\Junk" in boxes["Junk"]
    assert "\\Archive" in boxes["Archive"]
    assert boxes["INBOX"] == {"\\HasNoChildren"}
    # LIST "" "" gives the delimiter only
    assert c.ok('LIST "" ""') == ['* LIST (\\Noselect) "/" ""']
    # selection SPECIAL-USE: only those five
    special = names(c.ok('LIST (SPECIAL-USE) "" "*"'))
    assert set(special) == {"Sent", "Drafts", "Trash", "Junk", "Archive"}
    c.close()


def test_percent_star_reference_and_inbox_children(node):
    c = Raw(node, "alice@example.test")
    for name in ("INBOX/Lists", "INBOX/Lists/pg", "Work", "Work/2026", "Work/2026/Q1"):
        c.ok(f'CREATE "{name}"')
    top = names(c.ok('LIST "" "%"'))
    assert "Work" in top and "Work/2026" not in top
    assert top["INBOX"] == {"\\HasChildren"}
    assert top["Work"] == {"\\HasChildren"}
    assert top["Sent"] >= {"\\HasNoChildren", "\\Sent"}
    assert set(names(c.ok('LIST "Work/" "%"'))) == {"Work/2026"}
    assert set(names(c.ok('LIST "Work/" "*"'))) == {"Work/2026", "Work/2026/Q1"}
    assert set(names(c.ok('LIST "" "inbox/*"'))) == {"INBOX/Lists", "INBOX/Lists/pg"}
    assert set(names(c.ok('LIST "" "Wo%/%"'))) == {"Work/2026"}
    assert set(names(c.ok('LIST "" "nothing*"'))) == set()
    # pattern list (LIST-EXTENDED)
    assert set(names(c.ok('LIST "" ("Sent" "Work/%")'))) == {"Sent", "Work/2026"}
    # bad syntax is BAD, the session keeps going
    assert c.run('LIST "" ')[1].split()[1] == "BAD"
    assert c.run('LIST (BOGUS) "" "*"')[1].split()[1] == "BAD"
    assert c.run('LIST (RECURSIVEMATCH) "" "*"')[1].split()[1] == "BAD"
    assert c.run('LIST "" "*" RETURN (FOO)')[1].split()[1] == "BAD"
    assert c.run('LIST "" "*" RETURN (STATUS (BOGUS))')[1].split()[1] == "BAD"
    assert "Work" in names(c.ok('LIST "" "%"'))
    c.close()


def test_subscribed_lsub_and_recursivematch(node):
    c = Raw(node, "bob@example.test")
    c.ok('CREATE "Fruit/Apple"')
    c.ok('CREATE "Fruit/Pear"')
    for name in ("INBOX", "Sent", "Drafts", "Trash", "Junk", "Archive", "Fruit",
                 "Fruit/Apple", "Fruit/Pear"):
        c.ok(f'UNSUBSCRIBE "{name}"')
    c.ok('SUBSCRIBE "Fruit/Apple"')
    c.ok('SUBSCRIBE "INBOX"')
    assert set(names(c.ok('LSUB "" "*"'), "LSUB")) == {"INBOX", "Fruit/Apple"}
    # LSUB with %: the unsubscribed parent appears as \Noselect
    lsub = names(c.ok('LSUB "" "%"'), "LSUB")
    assert set(lsub) == {"INBOX", "Fruit"} and "\\Noselect" in lsub["Fruit"]
    sub = names(c.ok('LIST (SUBSCRIBED) "" "*"'))
    assert set(sub) == {"INBOX", "Fruit/Apple"}
    assert all("\\Subscribed" in a for a in sub.values())
    lines = c.ok('LIST (SUBSCRIBED RECURSIVEMATCH) "" "%"')
    assert '* LIST (\\HasChildren) "/" "Fruit" ("CHILDINFO" ("SUBSCRIBED"))' in lines
    assert set(names(lines)) == {"INBOX", "Fruit"}
    ret = names(c.ok('LIST "" "Fruit/*" RETURN (SUBSCRIBED CHILDREN)'))
    assert ret == {"Fruit/Apple": {"\\HasNoChildren", "\\Subscribed"},
                   "Fruit/Pear": {"\\HasNoChildren"}}
    c.ok('UNSUBSCRIBE "Fruit/Apple"')
    assert set(names(c.ok('LSUB "" "*"'), "LSUB")) == {"INBOX"}
    c.close()


def test_list_status_and_status(node, pg):
    msg = h.make_message(subject="list-status", size=3000)
    h.smtp_send(node.port("smtp"), "a@remote.test", ["user@example.test"], msg)
    h.wait_for(lambda: pg.value(
        "SELECT messages FROM mailboxes mb JOIN accounts a ON a.id = mb.account_id "
        "WHERE a.localpart = 'user' AND mb.name = 'INBOX'") >= 1)
    c = Raw(node, "user@example.test")
    row = pg.sql("SELECT mb.messages, mb.bytes, mb.uidnext, mb.uidvalidity, mb.highestmodseq "
                 "FROM mailboxes mb JOIN accounts a ON a.id = mb.account_id "
                 "WHERE a.localpart = 'user' AND mb.name = 'INBOX'")[0]
    lines = c.ok('LIST "" "%" RETURN (STATUS (MESSAGES UNSEEN SIZE))')
    assert (f'* STATUS "INBOX" (MESSAGES {row[0]} UNSEEN {row[0]} SIZE {row[1]})'
            in lines)
    assert '* STATUS "Sent" (MESSAGES 0 UNSEEN 0 SIZE 0)' in lines
    idx = lines.index('* STATUS "Sent" (MESSAGES 0 UNSEEN 0 SIZE 0)')
    assert lines[idx - 1].endswith('"Sent"')   # each STATUS follows its LIST
    st = c.ok("STATUS INBOX (MESSAGES UIDNEXT UIDVALIDITY UNSEEN DELETED SIZE "
              "HIGHESTMODSEQ RECENT)")
    assert st == [f'* STATUS "INBOX" (MESSAGES {row[0]} UIDNEXT {row[2]} UIDVALIDITY '
                  f'{row[3]} UNSEEN {row[0]} DELETED 0 SIZE {row[1]} HIGHESTMODSEQ '
                  f'{row[4]} RECENT 0)']
    # \Deleted and \Seen counted
    pg.sql("UPDATE messages SET flags = 9 WHERE account_id = (SELECT id FROM accounts "
           "WHERE localpart = 'user') AND mailbox_id = (SELECT mb.id FROM mailboxes mb "
           "JOIN accounts a ON a.id = mb.account_id WHERE a.localpart = 'user' AND "
           "mb.name = 'INBOX') AND uid = (SELECT min(uid) FROM messages m JOIN mailboxes mb "
           "ON mb.id = m.mailbox_id JOIN accounts a ON a.id = mb.account_id "
           "WHERE a.localpart = 'user' AND mb.name = 'INBOX')")
    st = c.ok("STATUS inbox (UNSEEN DELETED)")
    assert st == [f'* STATUS "INBOX" (UNSEEN {row[0] - 1} DELETED 1)']
    _, tagged = c.run("STATUS Nowhere (MESSAGES)")
    assert tagged.split()[1:3] == ["NO", "[NONEXISTENT]"]
    assert c.run("STATUS INBOX (BOGUS)")[1].split()[1] == "BAD"
    assert c.run("STATUS INBOX ()")[1].split()[1] == "BAD"
    assert c.run("STATUS INBOX")[1].split()[1] == "BAD"
    assert c.ok("STATUS Sent (MESSAGES)") == ['* STATUS "Sent" (MESSAGES 0)']
    c.close()


def test_non_ascii_names_utf7_and_utf8(node):
    c = Raw(node, "alice@example.test")
    c.ok('CREATE "Entw&APw-rfe"')          # "Entwürfe" in modified UTF-7
    assert "Entw&APw-rfe" in names(c.ok('LIST "" "Entw*"'))
    assert c.ok('STATUS "Entw&APw-rfe" (MESSAGES)') == ['* STATUS "Entw&APw-rfe" (MESSAGES 0)']
    c.ok("ENABLE UTF8=ACCEPT")
    listed = names(c.ok('LIST "" "Entw*"'))
    assert set(listed) == {"Entwürfe"}
    c.ok('CREATE "Grüße/Über"')
    assert set(names(c.ok('LIST "" "Grüße/%"'))) == {"Grüße/Über"}
    c.close()
    c = Raw(node, "alice@example.test")
    assert set(names(c.ok('LIST "" "Gr*"'))) == {"Gr&APwA3w-e", "Gr&APwA3w-e/&ANw-ber"}
    c.close()


def test_namespace(node):
    c = Raw(node, "user@example.test")
    assert c.ok("NAMESPACE") == ['* NAMESPACE (("" "/")) NIL NIL']
    c.close()


def test_quota(node, ctl):
    c = Raw(node, "bob@example.test")
    assert c.ok("GETQUOTAROOT INBOX") == ['* QUOTAROOT "INBOX" ""', '* QUOTA "" ()']
    ctl("account", "quota", "bob@example.test", "10M")
    used = c.ok("GETQUOTAROOT INBOX")
    assert used[0] == '* QUOTAROOT "INBOX" ""'
    m = re.fullmatch(r'\* QUOTA "" \(STORAGE (\d+) 10240\)', used[1])
    assert m, used
    assert c.ok('GETQUOTA ""') == [used[1]]
    _, tagged = c.run('GETQUOTA "other"')
    assert tagged.split()[1] == "NO"
    _, tagged = c.run("GETQUOTAROOT Nowhere")
    assert tagged.split()[1:3] == ["NO", "[NONEXISTENT]"]
    _, tagged = c.run('SETQUOTA "" (STORAGE 100)')
    assert tagged.split()[1:3] == ["NO", "[NOPERM]"]
    ctl("account", "quota", "bob@example.test", "0")
    assert c.ok('GETQUOTA ""') == ['* QUOTA "" ()']
    c.close()
