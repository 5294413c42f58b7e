"""
IMAP SEARCH / SORT / THREAD SQL (storage-pg/store-imap-search.c) against a
real PostgreSQL with the real schema.

The SQL comes from the builder itself: storage-pg/test-store-imap-search
--dump turns each command line into the SELECT and parameters the node
would send. They run here with the parameters untyped (PREPARE without
types, so PostgreSQL infers them exactly as for libpq's PQsendQueryParams
with no paramTypes), over a small mailbox whose expected answers are
written out by hand: every statement must be valid SQL and return exactly
the right UIDs in the right order.
"""

import json
import subprocess
import sys
from pathlib import Path

import psycopg2
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "harness"))

import petrel_harness as h  # noqa: E402

DRIVER = h.BUILD_DIR / "storage-pg" / "test-store-imap-search"

# The session's view: sequence number n is VIEW[n-1]. UID 12 exists but
# arrived after the view was taken, so no search may return it.
VIEW = [1, 2, 3, 5, 8, 9]

# uid, flags, keywords, size, internal date (SQL), modseq, sent date,
# subject, from, to, cc, sort subject/from/to/cc, search headers, body
MESSAGES = [
    dict(uid=1, flags=1, keywords=["$Forwarded"], size=100,
         internal="2020-01-01 10:00:00+00", modseq=10, sent="2019-12-31 23:30:00-01",
         subject="Hello World", from_="Alice Example <alice@example.test>",
         to="bob@example.test", cc="", sort_subject="hello world",
         sort_from="alice@example.test", sort_to="bob@example.test", sort_cc="",
         headers="From: Alice Example <alice@example.test>\nTo: bob@example.test\n"
                 "Subject: Hello World\nX-Spam: no\n",
         body="The quick brown fox jumps over the lazy dog",
         message_id="<m1@example.test>", in_reply_to="", refs=""),
    dict(uid=2, flags=3, keywords=["Work"], size=2000,
         internal="2020-01-02 00:00:00+00", modseq=20, sent=None,
         subject="Re: Hello World", from_="bob@example.test", to="Alice <alice@example.test>",
         cc="", sort_subject="Hello World", sort_from="Bob@example.test",
         sort_to="alice@example.test", sort_cc="",
         headers="From: bob@example.test\nTo: Alice <alice@example.test>\n"
                 "Bcc: carol@example.test\nSubject: Re: Hello World\n",
         body="50% off sale_now! price \\ backslash",
         message_id="<m2@example.test>", in_reply_to="<m1@example.test>",
         refs="<m1@example.test>"),
    dict(uid=3, flags=12, keywords=["work"], size=500,
         internal="2021-06-15 12:00:00+00", modseq=15, sent="2021-06-14 08:00:00+00",
         subject="Meeting", from_="Carol <carol@example.test>", to="team@example.test",
         cc="dave@example.test", sort_subject="banana", sort_from="carol@example.test",
         sort_to="team@example.test", sort_cc="dave@example.test",
         headers="From: Carol <carol@example.test>\nCc: dave@example.test\n"
                 "Subject: Meeting\n",
         body="Z\u00fcrich r\u00e9sum\u00e9 meeting tomorrow",
         message_id="<m3@example.test>", in_reply_to="", refs=""),
    dict(uid=5, flags=16, keywords=[], size=50,
         internal="now() - interval '10 minutes'", modseq=30, sent=None,
         subject="draft", from_="", to="", cc="", sort_subject="Apple", sort_from="",
         sort_to="", sort_cc="", headers="Subject: draft\nX-Spam: yes\n", body="",
         message_id="", in_reply_to="", refs=""),
    dict(uid=8, flags=0, keywords=[], size=10000,
         internal="now() - interval '2 days'", modseq=25, sent=None,
         subject="foo_bar", from_="eve@example.test", to="", cc="", sort_subject="foo_bar",
         sort_from="eve@example.test", sort_to="", sort_cc="",
         headers="From: eve@example.test\nSubject: foo_bar\n",
         body="user@example.com wrote: hello-world",
         message_id="<m8@example.test>", in_reply_to="", refs=""),
    dict(uid=9, flags=0, keywords=[], size=75,
         internal="2020-01-01 23:59:59+00", modseq=5, sent=None,
         subject="% percent", from_="", to="", cc="", sort_subject="%", sort_from="",
         sort_to="", sort_cc="", headers="Subject: % percent\n", body="ellohay <b>bold</b>",
         message_id="", in_reply_to="", refs=""),
    dict(uid=12, flags=0, keywords=[], size=1, internal="now()", modseq=40, sent=None,
         subject="late", from_="alice@example.test", to="", cc="", sort_subject="late",
         sort_from="", sort_to="", sort_cc="", headers="Subject: late\n",
         body="quick fox", message_id="", in_reply_to="", refs=""),
]

ALL = VIEW
SEARCHES = [
    ("ALL", ALL),
    ("SEEN", [1, 2]), ("UNSEEN", [3, 5, 8, 9]), ("NOT SEEN", [3, 5, 8, 9]),
    ("ANSWERED", [2]), ("UNANSWERED", [1, 3, 5, 8, 9]),
    ("DELETED", [3]), ("UNDELETED", [1, 2, 5, 8, 9]),
    ("FLAGGED", [3]), ("UNFLAGGED", [1, 2, 5, 8, 9]),
    ("DRAFT", [5]), ("UNDRAFT", [1, 2, 3, 8, 9]),
    ("RECENT", []), ("NEW", []), ("OLD", ALL),
    ("KEYWORD work", [2, 3]), ("UNKEYWORD WORK", [1, 5, 8, 9]),
    ("KEYWORD $forwarded", [1]), ("KEYWORD nothere", []),
    ("FROM alice", [1]), ("FROM EXAMPLE.TEST", [1, 2, 3, 8]), ("TO bob", [1]),
    ("CC dave", [3]), ("SUBJECT hello", [1, 2]), ("SUBJECT \"%\"", [9]),
    ("SUBJECT \"_\"", [8]), ("SUBJECT \"\"", ALL),
    ("SUBJECT \"'; DROP TABLE messages; --\"", []),
    ("BCC carol", [2]), ("BCC alice", []),
    ("HEADER X-Spam yes", [5]), ("HEADER x-spam \"\"", [1, 5]), ("HEADER X-SPAM NO", [1]),
    ("BODY fox", [1]), ("BODY \"QUICK brown\"", [1]), ("BODY \"brown quick\"", []),
    ("BODY \"qui\"", [1]), ("BODY \"50%\"", [2]), ("BODY sale_now", [2]),
    ("BODY \"\\\\\"", [2]), ("BODY \"!\"", [2]), ("BODY \"z\u00fcrich\"", [3]),
    ("BODY \"r\u00e9sum\u00e9 meet\"", [3]), ("BODY hello", [8]), ("BODY \"\"", ALL),
    ("BODY \"<b>\"", [9]), ("NOT BODY \"<b>\"", [1, 2, 3, 5, 8]), ("BODY ellohay", [9]),
    ("NOT BODY fox", [2, 3, 5, 8, 9]), ("BODY \"it's\"", []), ("BODY \"o'brien\\\\x\"", []),
    ("TEXT x-spam", [1, 5]), ("TEXT fox", [1]), ("TEXT hello", [1, 2, 8]),
    ("TEXT \"\"", ALL),
    ("LARGER 500", [2, 8]), ("SMALLER 100", [5, 9]), ("LARGER 0 SMALLER 101", [1, 5, 9]),
    ("BEFORE 2-Jan-2020", [1, 9]), ("ON 2-Jan-2020", [2]), ("ON 1-Jan-2020", [1, 9]),
    ("SINCE 2-Jan-2020", [2, 3, 5, 8]),
    ("SENTBEFORE 1-Jan-2020", []), ("SENTON 1-Jan-2020", [1, 9]),
    ("SENTSINCE 1-Jun-2021", [3, 5, 8]), ("SENTON 14-Jun-2021", [3]),
    ("MODSEQ 20", [2, 5, 8]), ("MODSEQ \"/flags/\\\\seen\" all 16", [2, 5, 8]),
    ("OLDER 3600", [1, 2, 3, 8, 9]), ("YOUNGER 3600", [5]), ("YOUNGER 259200", [5, 8]),
    ("UID 2:4", [2, 3]), ("UID 5:*", [5, 8, 9]), ("UID 10:11", []), ("UID *", [9]),
    ("2,4:5", [2, 5, 8]), ("1:*", ALL), ("*", [9]), ("NOT 1:3", [5, 8, 9]),
    ("UID 1,3,8:9", [1, 3, 8, 9]),
    ("OR SEEN DELETED", [1, 2, 3]), ("NOT (SEEN FLAGGED)", ALL),
    ("OR (FROM alice) (OR DRAFT UID 9)", [1, 5, 9]), ("NOT OR SEEN DRAFT", [3, 8, 9]),
    ("SEEN NOT ANSWERED", [1]), ("RETURN (MIN MAX) CHARSET UTF-8 UNSEEN", [3, 5, 8, 9]),
]

SORTS = [
    ("(SIZE) UTF-8 ALL", [5, 9, 1, 3, 2, 8]),
    ("(REVERSE SIZE) UTF-8 ALL", [8, 2, 3, 1, 9, 5]),
    ("(ARRIVAL) UTF-8 ALL", [1, 9, 2, 3, 8, 5]),
    ("(REVERSE ARRIVAL) UTF-8 UNSEEN", [5, 8, 3, 9]),
    # i;ascii-casemap: "%" < "Apple" < "banana" < "foo_bar" < "hello world"
    # = "Hello World" (tie: UID ascending).
    ("(SUBJECT) UTF-8 ALL", [9, 5, 3, 8, 1, 2]),
    ("(REVERSE SUBJECT) UTF-8 ALL", [1, 2, 8, 3, 5, 9]),
    # "" < alice < Bob < carol < eve
    ("(FROM) UTF-8 ALL", [5, 9, 1, 2, 3, 8]),
    ("(TO) UTF-8 ALL", [5, 8, 9, 2, 1, 3]),
    ("(CC SIZE) UTF-8 ALL", [5, 9, 1, 2, 8, 3]),
    # sent dates: 1 2020-01-01 00:30, 9 2020-01-01 23:59:59 (internal),
    # 2 2020-01-02 (internal), 3 2021-06-14, 8 now-2d, 5 now-10min
    ("(DATE) UTF-8 ALL", [1, 9, 2, 3, 8, 5]),
    ("(REVERSE DATE) UTF-8 SMALLER 600", [5, 3, 9, 1]),
    ("(SIZE) UTF-8 NOT ALL", []),
]


@pytest.fixture(scope="module")
def mailbox(pg):
    if not DRIVER.exists():
        pytest.skip(f"{DRIVER} not built")
    conn = psycopg2.connect(pg.conninfo)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("INSERT INTO domains (name) VALUES ('search.test') RETURNING id")
        domain = cur.fetchone()[0]
        cur.execute("INSERT INTO accounts (domain_id, localpart, password_hash) "
                    "VALUES (%s, 'user', 'x') RETURNING id", (domain,))
        account = cur.fetchone()[0]
        cur.execute("SELECT name, id FROM mailboxes WHERE account_id = %s", (account,))
        boxes = dict(cur.fetchall())
        for m in MESSAGES:
            _insert(cur, account, boxes["INBOX"], m)
        # The same content in another mailbox: never part of INBOX's results.
        _insert(cur, account, boxes["Archive"], dict(MESSAGES[0], uid=1, flags=0),
                content_only_ref=True)
    yield conn, account, boxes["INBOX"]
    conn.close()


def _insert(cur, account, mailbox, m, content_only_ref=False):
    sha = f"{m['uid']}-{m['subject']}-{mailbox}".encode()
    if content_only_ref:
        cur.execute("SELECT m.content_id FROM messages m WHERE m.account_id = %s "
                    "AND m.uid = %s ORDER BY m.mailbox_id LIMIT 1", (account, m["uid"]))
        content = cur.fetchone()[0]
    else:
        cur.execute(
            "INSERT INTO message_contents (sha256, size, header_size, raw, envelope,"
            " bodystructure, body, sent_date, subject, from_addr, to_addr, cc_addr,"
            " message_id, in_reply_to, refs, sort_subject, sort_from, sort_to, sort_cc)"
            " VALUES (sha256(%s), %s, 0, %s, '', '', '', %s, %s, %s, %s, %s, %s, %s, %s,"
            " %s, %s, %s, %s) RETURNING id",
            (sha, m["size"], b"x", m["sent"], m["subject"], m["from_"], m["to"], m["cc"],
             m["message_id"], m["in_reply_to"], m["refs"], m["sort_subject"],
             m["sort_from"], m["sort_to"], m["sort_cc"]))
        content = cur.fetchone()[0]
        # odd UIDs have their text word-indexed, even ones still wait for
        # the indexing job (schema/003): SEARCH must find both
        table = "message_search_pending" if m["uid"] % 2 == 0 else "message_search"
        cur.execute(f"INSERT INTO {table} (content_id, headers, body) VALUES (%s, %s, %s)",
                    (content, m["headers"], m["body"]))
    internal = m["internal"]
    internal_sql = internal if internal.startswith("now()") else "%s::timestamptz"
    params = [account, mailbox, m["uid"], content, m["size"], m["flags"], m["keywords"],
              m["modseq"]]
    if not internal.startswith("now()"):
        params.append(internal)
    cur.execute("INSERT INTO messages (account_id, mailbox_id, uid, content_id, size, flags,"
                " keywords, modseq, internal_date) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, "
                + internal_sql + ")", params)


def build(account, mailbox, lines):
    """The builder's SQL and parameters for each command line."""
    out = subprocess.run([str(DRIVER), "--dump", str(account), str(mailbox),
                          ",".join(map(str, VIEW))],
                         input="\n".join(lines) + "\n", capture_output=True, text=True,
                         check=True, timeout=60)
    built = [json.loads(line) for line in out.stdout.splitlines()]
    assert len(built) == len(lines), out.stderr
    return built


def run(conn, built):
    """Run one built statement with untyped parameters, as libpq would."""
    assert "error" not in built, built
    sql, params = built["sql"], built["params"]
    assert "%s" not in sql
    with conn.cursor() as cur:
        cur.execute("PREPARE petrel_search AS " + sql)
        try:
            cur.execute("EXECUTE petrel_search (" + ", ".join(["%s"] * len(params)) + ")",
                        params)
            return cur.fetchall()
        finally:
            cur.execute("DEALLOCATE petrel_search")


def test_search_keys(mailbox):
    conn, account, inbox = mailbox
    lines = ["SEARCH " + text for text, _ in SEARCHES]
    failures = []
    for (text, expected), built in zip(SEARCHES, build(account, inbox, lines)):
        rows = run(conn, built)
        uids = [r[0] for r in rows]
        if uids != expected:
            failures.append(f"SEARCH {text}: got {uids}, expected {expected}\n  {built['sql']}")
    assert not failures, "\n".join(failures)


def test_highest_modseq(mailbox):
    conn, account, inbox = mailbox
    built = build(account, inbox, ["SEARCH MODSEQ 20", "SEARCH UID 1:3"])
    assert built[0]["modseq"] is True and built[1]["modseq"] is False
    assert max(r[1] for r in run(conn, built[0])) == 30
    assert max(r[1] for r in run(conn, built[1])) == 20


def test_sort(mailbox):
    conn, account, inbox = mailbox
    lines = ["SORT " + text for text, _ in SORTS]
    failures = []
    for (text, expected), built in zip(SORTS, build(account, inbox, lines)):
        uids = [r[0] for r in run(conn, built)]
        if uids != expected:
            failures.append(f"SORT {text}: got {uids}, expected {expected}\n  {built['sql']}")
    assert not failures, "\n".join(failures)


def test_thread_rows(mailbox):
    conn, account, inbox = mailbox
    built = build(account, inbox, ["THREAD REFERENCES UTF-8 SUBJECT hello",
                                   "THREAD ORDEREDSUBJECT US-ASCII UID 9"])
    rows = run(conn, built[0])
    assert rows == [
        (1, "<m1@example.test>", "", "", "Hello World", 1577838600),
        (2, "<m2@example.test>", "<m1@example.test>", "<m1@example.test>", "Re: Hello World",
         1577923200),
    ]
    assert run(conn, built[1]) == [(9, "", "", "", "% percent", 1577923199)]


def test_refused_before_sql(mailbox):
    _, account, inbox = mailbox
    built = build(account, inbox, ["SEARCH $", "SEARCH FOO", "SEARCH CHARSET KOI8-R ALL"])
    assert [b.get("error") for b in built] == ["no saved search result", "Unknown search key",
                                              "Unsupported charset"]


# Last: the node's indexing job also moves the even UIDs' pending rows of the
# tests above.
def test_search_index_job(node, pg):
    """Delivered search text waits in message_search_pending, and the nodes'
    indexing job moves all of it into the word-indexed message_search."""
    h.smtp_send(node.port("smtp"), "sender@remote.test", ["user@example.test"],
                h.make_message(subject="index job", body="unmistakable zebracorn words\r\n"))
    content = pg.value("SELECT id FROM message_contents WHERE subject = 'index job'")
    assert content is not None
    h.wait_for(lambda: pg.value("SELECT count(*) FROM message_search_pending") == 0,
               timeout=20, message="pending search text was not indexed")
    assert pg.value("SELECT body FROM message_search WHERE content_id = %s",
                    (content,)).startswith("unmistakable zebracorn")
    assert pg.value("SELECT count(*) FROM message_search_all WHERE content_id = %s",
                    (content,)) == 1
