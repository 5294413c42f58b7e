"""petrelctl queue list|show|retry|delete|flush against a real PostgreSQL:
messages are queued with the schema's own functions (as in test_queue_pg),
then the verbs are checked in text and --json form, with their errors."""

import pytest

from test_queue_pg import claim, enqueue, result
from test_petrelctl import one_line_error

SCHEDULE = [600]



def states(db, queue_id):
    """{recipient: (state, due now)} of one message."""
    with db.cursor() as cur:
        cur.execute("SELECT r.recipient, r.state, r.next_attempt_at <= now()"
                    " FROM queue_recipients r JOIN queue_messages m ON m.id = r.message_id"
                    " WHERE m.queue_id = %s", (queue_id,))
        return {row[0]: (row[1], row[2]) for row in cur.fetchall()}


def defer_all(db, domain):
    """Claim the due recipients of domain and defer them with a 4xx."""
    rows = claim(db, "runner1")
    assert rows and all(r[4] == domain for r in rows)
    result(db, "defer", "runner1", [r[0] for r in rows], 451, "4.7.1 try later", SCHEDULE)


@pytest.fixture
def queue(db):
    """Q1: two recipients at a.test, deferred; Q2: one new at b.test and one
    at a.test being delivered."""
    enqueue(db, [("Q1", "s@example.test", ["x@a.test", "y@a.test"])])
    defer_all(db, "a.test")
    enqueue(db, [("Q2", "", ["z@b.test", "w@a.test"])])
    with db.cursor() as cur:
        cur.execute("UPDATE queue_recipients SET state = 'delivering', lease_node = 'runner2',"
                    " lease_until = now() + interval '1 minute' WHERE recipient = 'w@a.test'")
    return db


def test_list_json(ctl, queue):
    data = ctl("queue", "list", json=True)
    assert data["totals"] == {"messages": 2, "recipients": 4, "queued": 1, "deferred": 2,
                              "delivering": 1, "done": 0}
    msgs = {m["queue_id"]: m for m in data["messages"]}
    assert [m["queue_id"] for m in data["messages"]] == ["Q2", "Q1"]   # newest first
    q1 = msgs["Q1"]
    assert (q1["sender"], q1["recipients"], q1["pending"]) == ("s@example.test", 2, 2)
    assert q1["last_error"] == "4.7.1 try later"
    assert q1["next_attempt"] is not None and q1["size"] > 0
    assert msgs["Q2"]["sender"] == "" and msgs["Q2"]["last_error"] is None


def test_list_filters_and_text(ctl, queue):
    data = ctl("queue", "list", "--domain", "B.TEST", json=True)
    assert [m["queue_id"] for m in data["messages"]] == ["Q2"]
    assert data["totals"]["recipients"] == 1
    data = ctl("queue", "list", "--state", "deferred", json=True)
    assert [m["queue_id"] for m in data["messages"]] == ["Q1"]
    assert data["totals"]["deferred"] == 2 and data["totals"]["queued"] == 0
    out = ctl("queue", "list").stdout
    assert "QUEUE ID" in out and "WAITING RETRY" in out and "Q1" in out and "Q2" in out
    line = one_line_error(ctl("queue", "list", "--state", "bogus", check=False))
    assert "invalid state 'bogus'" in line


def test_show(ctl, queue):
    data = ctl("queue", "show", "Q2", json=True)
    assert data["message"]["queue_id"] == "Q2" and data["message"]["recipients"] == 2
    rcpts = {r["recipient"]: r for r in data["recipients"]}
    assert rcpts["z@b.test"]["state"] == "queued" and rcpts["z@b.test"]["last_code"] is None
    assert rcpts["w@a.test"]["lease_node"] == "runner2"
    assert rcpts["w@a.test"]["lease_until"] is not None
    data = ctl("queue", "show", "Q1", json=True)
    for r in data["recipients"]:
        assert (r["state"], r["attempts"], r["last_code"]) == ("deferred", 1, 451)
        assert r["last_error"] == "4.7.1 try later" and r["next_attempt"] is not None
    out = ctl("queue", "show", "Q1").stdout
    assert "x@a.test" in out and "451" in out


@pytest.mark.parametrize("verb", ["show", "retry", "delete"])
def test_unknown_id(ctl, queue, verb):
    res = ctl("queue", verb, "NOPE", check=False)
    assert res.returncode == 1
    assert one_line_error(res) == "petrelctl: no such queued message NOPE"
    assert res.stdout == ""


@pytest.mark.parametrize("args", [("retry",), ("retry", "Q1", "--all"), ("delete",),
                                  ("delete", "Q1", "--all"), ("flush", "--all")])
def test_target_usage(ctl, queue, args):
    res = ctl("queue", *args, check=False)
    assert res.returncode == 2
    one_line_error(res)


def test_retry_one(ctl, queue):
    assert not any(due for _s, due in states(queue, "Q1").values())
    data = ctl("queue", "retry", "Q1", json=True)
    assert data["ok"] and data["message"].startswith("2 ")
    assert states(queue, "Q1") == {"x@a.test": ("deferred", True), "y@a.test": ("deferred", True)}
    # the runners can claim them now
    claimed = {r[3] for r in claim(queue, "runner1")} | {r[3] for r in claim(queue, "runner1")}
    assert claimed == {"x@a.test", "y@a.test", "z@b.test"}


def test_retry_all_and_flush(ctl, queue):
    enqueue(queue, [("Q3", "s@example.test", ["v@c.test"])])
    with queue.cursor() as cur:
        cur.execute("UPDATE queue_recipients SET state = 'deferred',"
                    " next_attempt_at = now() + interval '1 hour' WHERE recipient = 'v@c.test'")
    assert ctl("queue", "retry", "--all", json=True)["message"].startswith("4 ")
    assert all(due for _s, due in states(queue, "Q3").values())
    assert states(queue, "Q2")["w@a.test"][0] == "delivering"
    with queue.cursor() as cur:
        cur.execute("UPDATE queue_recipients SET next_attempt_at = now() + interval '1 hour'"
                    " WHERE state = 'deferred'")
    assert ctl("queue", "flush").stdout.strip() == "4 recipients due now"
    assert all(due for _s, due in states(queue, "Q1").values())


def test_delete_one_keeps_delivering(ctl, queue):
    data = ctl("queue", "delete", "Q2", json=True)
    assert data["message"] == "1 waiting recipients and 0 messages deleted"
    assert [(r, st) for r, (st, _due) in states(queue, "Q2").items()] == \
        [("w@a.test", "delivering")]
    assert set(states(queue, "Q1")) == {"x@a.test", "y@a.test"}
    out = ctl("queue", "delete", "Q1").stdout.strip()
    assert out == "2 waiting recipients and 1 messages deleted"
    assert one_line_error(ctl("queue", "show", "Q1", check=False)).endswith("Q1")


def test_delete_all_keeps_sent(ctl, queue):
    with queue.cursor() as cur:   # so that the claim takes Q4's domain
        cur.execute("UPDATE queue_recipients SET next_attempt_at = now() + interval '1 hour'"
                    " WHERE recipient = 'z@b.test'")
    enqueue(queue, [("Q4", "s@example.test", ["u@d.test", "t@d.test"])])
    rows = claim(queue, "runner1")
    assert {r[3] for r in rows} == {"u@d.test", "t@d.test"}
    sent = [r[0] for r in rows if r[3] == "u@d.test"]
    result(queue, "sent", "runner1", sent, 250, "ok")
    result(queue, "defer", "runner1", [r[0] for r in rows if r[0] not in sent], 451, "later",
           SCHEDULE)
    data = ctl("queue", "delete", "--all", json=True)
    # Q1 x,y + Q2 z + Q4 t; Q1 goes, Q2 keeps its delivering one, Q4 its sent one
    assert data["message"] == "4 waiting recipients and 1 messages deleted"
    remaining = ctl("queue", "list", json=True)
    assert sorted(m["queue_id"] for m in remaining["messages"]) == ["Q2", "Q4"]
    assert remaining["totals"] == {"messages": 2, "recipients": 2, "queued": 0, "deferred": 0,
                                   "delivering": 1, "done": 1}
