"""SEARCH, UID SEARCH, ESEARCH (RETURN MIN/MAX/COUNT/ALL/SAVE), SORT and
THREAD against a real node with imaplib, on a mailbox filled through SMTP:
RFC 3501 keys (flags, headers, body words through the full-text index,
sizes, sequence sets with "*"), CHARSET handling, CONDSTORE MODSEQ, and the
bad-input cases (unknown keys, deep nesting, huge sequence sets) that must
get a BAD while the session keeps serving."""
import imaplib
import re

import pytest

import petrel_harness as h
from conftest import PASSWORD

NODE_LISTENERS = ("smtp", "imap")
NODE_SETTINGS = {"auth_failure_delay": "0"}
USER = "alice@example.test"

# (subject, sender, body, extra headers); delivered in this order, so
# message n has UID n and sequence number n.
MESSAGES = [
    ("Quarterly report", "carol@remote.test",
     "The numbers are in the attached spreadsheet.", [], "<q1@remote.test>"),
    ("Re: Quarterly report", "dave@remote.test", "Thanks, the numbers look great.",
     ["In-Reply-To: <q1@remote.test>", "References: <q1@remote.test>"], "<q2@remote.test>"),
    ("Lunch", "carol@remote.test", "Pizza tomorrow?\n" + "padding line\n" * 400, [],
     "<l1@remote.test>"),
    ("=?utf-8?q?Gr=C3=BC=C3=9Fe_aus_K=C3=B6ln?=", "erin@remote.test", "Hallo Welt", [],
     "<g1@remote.test>"),
    ("Fwd: Lunch", "dave@remote.test", "See below, pizza again.", [], "<l2@remote.test>"),
]


@pytest.fixture(scope="module")
def filled(node):
    port = node.port("smtp")
    for subject, sender, body, headers, mid in MESSAGES:
        msg = h.make_message(subject=subject, sender=sender, to=USER, body=body,
                             headers=headers, message_id=mid)
        h.smtp_send(port, sender, [USER], msg)
    return node


@pytest.fixture
def imap(filled):
    client = imaplib.IMAP4("127.0.0.1", filled.port("imap"))
    client.login(USER, PASSWORD)
    typ, _ = client.select("INBOX")
    assert typ == "OK"
    yield client
    try:
        client.logout()
    except (imaplib.IMAP4.error, OSError):
        pass


def search(imap, *criteria):
    typ, data = imap.search(None, *criteria)
    assert typ == "OK", data
    return [int(x) for x in data[0].split()]


def esearch(imap, *args, uid=False):
    name = "UID" if uid else "SEARCH"
    cmd = ("SEARCH",) + args if uid else args
    typ, data = imap._simple_command(name, *cmd)
    assert typ == "OK", data
    typ, data = imap._untagged_response(typ, data, "ESEARCH")
    return data[0].decode() if data and data[0] else ""


def expect_bad(imap, *args):
    with pytest.raises(imaplib.IMAP4.error) as e:
        imap._simple_command(*args)
    return str(e.value)


def test_flag_and_header_keys(imap):
    assert search(imap, "ALL") == [1, 2, 3, 4, 5]
    assert search(imap, "UNSEEN") == [1, 2, 3, 4, 5]
    assert search(imap, "FROM", "carol") == [1, 3]
    assert search(imap, "SUBJECT", "lunch") == [3, 5]
    assert search(imap, "OR", "FROM", "erin", "SUBJECT", "quarterly") == [1, 2, 4]
    assert search(imap, "NOT", "FROM", "carol") == [2, 4, 5]
    assert search(imap, "HEADER", "In-Reply-To", "q1@remote") == [2]
    assert search(imap, "LARGER", "4000") == [3]
    assert search(imap, "SMALLER", "4000") == [1, 2, 4, 5]
    assert search(imap, "2:*", "FROM", "dave") == [2, 5]
    assert search(imap, "*:4") == [4, 5]          # reversed range
    assert search(imap, "UID", "4:100") == [4, 5]  # UIDs past the end
    assert search(imap, "SINCE", "1-Jan-2020", "BEFORE", "1-Jan-2100") == [1, 2, 3, 4, 5]
    assert search(imap, "SENTON", "20-Nov-2025") == [1, 2, 3, 4, 5]


def test_body_and_text_use_the_index(imap):
    assert search(imap, "BODY", "pizza") == [3, 5]
    assert search(imap, "BODY", "numbers") == [1, 2]
    assert search(imap, "TEXT", "spreadsheet") == [1]
    assert search(imap, "TEXT", "erin@remote.test") == [4]   # header text too
    assert search(imap, "BODY", "nonexistentword") == []


def test_charset_utf8_and_badcharset(imap):
    typ, data = imap.search("UTF-8", "SUBJECT", '"K\u00f6ln"'.encode("utf-8"))
    assert typ == "OK" and data[0].split() == [b"4"]
    typ, data = imap.search("KOI8-R", "ALL")
    assert typ == "NO" and b"BADCHARSET" in data[0]
    assert search(imap, "ALL") == [1, 2, 3, 4, 5]


def test_uid_search_and_flags(imap):
    typ, _ = imap.store("2", "+FLAGS", "(\\Flagged)")
    if typ != "OK":
        pytest.skip("STORE not available")
    try:
        typ, data = imap.uid("SEARCH", "FLAGGED")
        assert typ == "OK" and data[0].split() == [b"2"]
        assert search(imap, "UNFLAGGED") == [1, 3, 4, 5]
    finally:
        imap.store("2", "-FLAGS", "(\\Flagged)")


def test_esearch_return_options(imap):
    out = esearch(imap, "RETURN", "(MIN MAX COUNT)", "FROM", "dave")
    assert re.search(r"\(TAG \"[^\"]+\"\) MIN 2 MAX 5 COUNT 2$", out), out
    out = esearch(imap, "RETURN", "()", "ALL")
    assert out.endswith("ALL 1:5"), out
    out = esearch(imap, "RETURN", "(COUNT)", "BODY", "nonexistentword")
    assert out.endswith("COUNT 0"), out
    out = esearch(imap, "RETURN", "(ALL)", "SUBJECT", "lunch", uid=True)
    assert " UID ALL 3,5" in out, out


def test_searchres_save_and_dollar(imap):
    typ, data = imap._simple_command("SEARCH", "RETURN", "(SAVE)", "FROM", "carol")
    assert typ == "OK"
    assert "ESEARCH" not in imap.untagged_responses     # SAVE alone: no answer
    assert search(imap, "$") == [1, 3]
    assert search(imap, "NOT", "$") == [2, 4, 5]
    typ, data = imap.uid("SEARCH", "UID", "$")
    assert data[0].split() == [b"1", b"3"]


def test_modseq_search_enables_condstore(imap):
    typ, data = imap.search(None, "MODSEQ", "1")
    assert typ == "OK"
    assert re.fullmatch(rb"1 2 3 4 5 \(MODSEQ \d+\)", data[0]), data


def test_sort(imap):
    def sort(*criteria):
        typ, data = imap.sort("(" + " ".join(criteria) + ")", "UTF-8", "ALL")
        assert typ == "OK", data
        return [int(x) for x in data[0].split()]

    assert sort("SUBJECT") == [4, 3, 5, 1, 2]
    assert sort("REVERSE", "ARRIVAL") == [5, 4, 3, 2, 1]
    assert sort("SIZE")[-1] == 3
    assert sort("FROM", "REVERSE", "ARRIVAL") == [3, 1, 5, 2, 4]
    assert sort("TO", "ARRIVAL") == [1, 2, 3, 4, 5]
    typ, data = imap.uid("SORT", "(REVERSE SUBJECT)", "UTF-8", "FROM", "dave")
    assert data[0].split() == [b"2", b"5"]
    typ, data = imap._simple_command("SORT", "RETURN", "(ALL COUNT)", "(REVERSE ARRIVAL)",
                                     "UTF-8", "ALL")
    typ, data = imap._untagged_response(typ, data, "ESEARCH")
    assert data[0].decode().endswith("COUNT 5 ALL 5,4,3,2,1"), data


def test_thread(imap):
    typ, data = imap.thread("REFERENCES", "UTF-8", "ALL")
    assert typ == "OK"
    assert data[0] == b"(1 2)(3 5)(4)"
    typ, data = imap.thread("ORDEREDSUBJECT", "UTF-8", "ALL")
    assert typ == "OK"
    assert set(re.findall(rb"\([^()]*\)", data[0])) == {b"(1 2)", b"(3 5)", b"(4)"}
    with pytest.raises(imaplib.IMAP4.error):
        imap.thread("NOSUCHALGO", "UTF-8", "ALL")


def test_bad_input_keeps_the_session(imap):
    assert "BAD" in expect_bad(imap, "SEARCH", "NOSUCHKEY")
    assert "BAD" in expect_bad(imap, "SEARCH", "SINCE", "32-Foo-2020")
    assert "BAD" in expect_bad(imap, "SEARCH", "(" * 100 + "ALL" + ")" * 100)
    assert "BAD" in expect_bad(imap, "SEARCH", *(["NOT"] * 200 + ["ALL"]))
    assert "BAD" in expect_bad(imap, "SEARCH", " ".join(["OR SEEN"] * 500) + " SEEN")
    huge = ",".join(str(n) for n in range(1, 200001, 2))     # 100,000 elements
    assert "BAD" in expect_bad(imap, "SEARCH", huge)
    assert "BAD" in expect_bad(imap, "SORT", "(NOSUCHCRITERION)", "UTF-8", "ALL")
    assert search(imap, ",".join(str(n) for n in range(1, 4000))) == [1, 2, 3, 4, 5]
    assert search(imap, "ALL") == [1, 2, 3, 4, 5]


def test_search_in_wrong_state(filled):
    client = imaplib.IMAP4("127.0.0.1", filled.port("imap"))
    client.login(USER, PASSWORD)
    client.send(b"w1 SEARCH ALL\r\n")      # imaplib itself refuses the state
    assert client.readline() == b"w1 BAD No mailbox selected\r\n"
    client.select("INBOX")
    assert search(client, "ALL") == [1, 2, 3, 4, 5]
    client.logout()


def test_empty_mailbox(filled):
    client = imaplib.IMAP4("127.0.0.1", filled.port("imap"))
    client.login("bob@example.test", PASSWORD)
    client.select("INBOX")
    assert search(client, "ALL") == []
    assert search(client, "1:*") == []
    out = esearch(client, "RETURN", "(MIN MAX COUNT)", "ALL")
    assert out.endswith("COUNT 0"), out
    typ, data = client.thread("REFERENCES", "UTF-8", "ALL")
    assert typ == "OK"
    client.logout()
