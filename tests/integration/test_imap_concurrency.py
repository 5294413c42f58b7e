"""Two nodes on one database, one IMAP session on each, both selected on the
same mailbox of 200 messages: both change flags and expunge at random,
with NOOPs between. Afterwards both views (UID FETCH 1:* (FLAGS MODSEQ))
must equal each other and the database, the UIDs must be unique and
ascending in sequence order, each session's own view (kept from the
EXPUNGE responses it got) must match the server's, and the modseqs a
session was told for one message must never go back."""
import imaplib
import random
import threading

import petrel_harness as h
from conftest import PASSWORD

USER = "user@example.test"
MESSAGES = 200
ITERATIONS = 200
FLAG_BITS = {r"\Seen": 0x01, r"\Answered": 0x02, r"\Flagged": 0x04, r"\Deleted": 0x08,
             r"\Draft": 0x10}
FLAG_CHOICES = [r"\Seen", r"\Answered", r"\Flagged", r"\Draft", "$Label1", "Todo"]


class OrderedIMAP(imaplib.IMAP4):
    """imaplib keeps untagged responses by kind; this also keeps their order,
    which matters once EXPUNGE renumbers the messages between FETCHes."""

    def __init__(self, *args, **kw):
        self.ordered = []
        super().__init__(*args, **kw)

    def _append_untagged(self, typ, dat):
        self.ordered.append((typ, dat))
        super()._append_untagged(typ, dat)


class Session:
    """An imaplib session that keeps its own copy of the message list and
    every (modseq, flags) it was told per UID."""

    def __init__(self, node, seed):
        self.imap = OrderedIMAP("127.0.0.1", node.port("imap"), timeout=60)
        self.imap.login(USER, PASSWORD)
        assert self.imap.enable("CONDSTORE")[0] == "OK"
        self.rng = random.Random(seed)
        self.reports = {}          # uid -> [(modseq, flags)]
        self.problems = []
        self.view = None

    def select(self):
        typ, data = self.imap.select("INBOX")
        assert typ == "OK"
        self.view = [uid for uid, _, _ in self.fetch_all()]

    def command(self, *args):
        """Run one command and apply its untagged responses to the view."""
        imap = self.imap
        imap.ordered.clear()
        typ, data = imap._simple_command(*args)
        for kind, item in imap.ordered:
            self.absorb(kind, item)
        imap.ordered.clear()
        imap.untagged_responses.clear()
        return typ, data

    def absorb(self, kind, item):
        if kind == "EXPUNGE":
            seq = int(item)
            if not 1 <= seq <= len(self.view):
                self.problems.append(f"EXPUNGE {seq} outside a view of {len(self.view)}")
            else:
                del self.view[seq - 1]
        elif kind == "EXISTS":
            if int(item) != len(self.view):
                self.problems.append(f"EXISTS {int(item)} with a view of {len(self.view)}")
        elif kind == "FETCH":
            seq, info = h.parse_imap_fetch(item)
            if "MODSEQ" not in info or "UID" not in info:
                self.problems.append(f"FETCH without UID/MODSEQ: {item!r}")
                return
            if seq > len(self.view) or self.view[seq - 1] != info["UID"]:
                self.problems.append(f"FETCH {seq} names UID {info['UID']}, view disagrees")
            if "FLAGS" in info:
                self.reports.setdefault(info["UID"], []).append((info["MODSEQ"], info["FLAGS"]))

    def fetch_all(self):
        """[(uid, flags, modseq)] in sequence order, from UID FETCH."""
        imap = self.imap
        imap.untagged_responses.clear()
        imap.ordered.clear()
        typ, data = imap._simple_command("UID", "FETCH", "1:*", "(FLAGS MODSEQ)")
        assert typ == "OK", data
        rows = []
        for item in imap.untagged_responses.get("FETCH", []):
            seq, info = h.parse_imap_fetch(item)
            rows.append((seq, info["UID"], info["FLAGS"], info["MODSEQ"]))
        imap.untagged_responses.clear()
        rows.sort()
        assert [r[0] for r in rows] == list(range(1, len(rows) + 1))
        return [(uid, flags, modseq) for _, uid, flags, modseq in rows]

    def random_uids(self):
        if not self.view:
            return "1"
        picks = self.rng.sample(self.view, min(len(self.view), self.rng.randint(1, 12)))
        return ",".join(str(u) for u in sorted(picks))

    def step(self):
        action = self.rng.random()
        if action < 0.55:
            flags = self.rng.sample(FLAG_CHOICES, self.rng.randint(0, 3))
            if self.rng.random() < 0.2:
                flags.append(r"\Deleted")
            item = self.rng.choice(["+FLAGS", "-FLAGS", "FLAGS"])
            typ, _ = self.command("UID", "STORE", self.random_uids(), item,
                                  "(" + " ".join(flags) + ")")
        elif action < 0.65:
            typ, _ = self.command("EXPUNGE")
        elif action < 0.75:
            typ, _ = self.command("UID", "EXPUNGE", self.random_uids())
        else:
            typ, _ = self.command("NOOP")
        if typ != "OK":
            self.problems.append(f"command answered {typ}")

    def check_reports(self):
        for uid, seen in self.reports.items():
            for (m1, f1), (m2, f2) in zip(seen, seen[1:]):
                if m2 < m1 or (m2 == m1 and f1 != f2):
                    self.problems.append(f"UID {uid}: MODSEQ {m1} {f1} then {m2} {f2}")


def db_view(pg):
    rows = pg.sql("SELECT m.uid, m.flags, m.keywords, m.modseq FROM messages m "
                  "JOIN mailboxes b ON b.account_id = m.account_id AND b.id = m.mailbox_id "
                  "JOIN accounts a ON a.id = m.account_id "
                  "JOIN domains d ON d.id = a.domain_id "
                  "WHERE a.localpart || '@' || d.name = %s AND b.name = 'INBOX' "
                  "ORDER BY m.uid", (USER,))
    out = []
    for uid, bits, keywords, modseq in rows:
        flags = {name for name, bit in FLAG_BITS.items() if bits & bit} | set(keywords)
        out.append((int(uid), frozenset(flags), int(modseq)))
    return out


def test_two_sessions_on_two_nodes_agree(pg, ctl, mail_setup, make_node):
    nodes = [make_node("node1", listeners=("smtp", "imap"), log_level="info"),
             make_node("node2", listeners=("smtp", "imap"), log_level="info")]
    smtp = h.SmtpSession(nodes[0].port("smtp"))
    try:
        for i in range(MESSAGES):
            res = smtp.send("sender@remote.test", [USER],
                            h.make_message(subject=f"concurrency {i}"))
            assert res.code == 250, res
    finally:
        smtp.close()
    sessions = [Session(nodes[0], 1), Session(nodes[1], 2)]
    for s in sessions:
        s.select()
        assert len(s.view) == MESSAGES

    errors = []

    def loop(s):
        try:
            for _ in range(ITERATIONS):
                s.step()
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(repr(exc))

    threads = [threading.Thread(target=loop, args=(s,), daemon=True) for s in sessions]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert not any(t.is_alive() for t in threads), "sessions did not finish"
    assert not errors, errors

    # both see everything the other did, told through NOTIFY + sync
    def settled():
        for s in sessions:
            s.command("NOOP")
        return [u for u, _, _ in db_view(pg)] == sessions[0].view == sessions[1].view

    h.wait_for(settled, timeout=15, message="both views to match the database")
    database = db_view(pg)
    views = [s.fetch_all() for s in sessions]
    for s, view in zip(sessions, views):
        uids = [u for u, _, _ in view]
        assert uids == sorted(set(uids)), "UIDs must be unique and ascending"
        assert uids == s.view, "the session's EXPUNGE responses must match its view"
        assert view == database
        s.check_reports()
        assert not s.problems, s.problems[:10]
    assert views[0] == views[1]
    told = [sum(len(r) for r in s.reports.values()) for s in sessions]
    print(f"{len(database)} of {MESSAGES} messages left; FETCH reports per session: {told}")
    # something really happened: flags changed, messages expunged
    assert 0 < len(database) < MESSAGES
    assert any(flags for _, flags, _ in database)
    for s in sessions:
        s.imap.logout()
    for n in nodes:
        assert n.stop(timeout=30) == 0     # a clean exit (sanitizer builds check leaks)
