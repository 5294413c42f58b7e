"""
Staged SMTP rules (schema/013_rules.sql, node/smtp-check-rules.c,
`petrelctl rule add|del|list|show`): every stage (connect, helo, mail,
rcpt, headers, complete) and every action (accept, reject, tempfail,
weight, add_header, tag_subject, discard, redirect) driven with swaks;
rule edits reach the running node through NOTIFY; rejects land in the
block log; the rule trace is logged; a regex that does not compile is
refused by petrelctl and a catastrophic one is bounded by the PCRE2
match limit.
"""

import subprocess
import time
import uuid

import pytest

import mail_peers as mp
import petrel_harness as h

DNS = mp.Dnsmasq(ptr=[("127.0.0.7", "bad.client.test")])
NODE_EXTRA = mp.node_dns_config(DNS)
NODE_SETTINGS = {"smtp_rule_trace": "yes", "policy_dns_timeout": "2s"}
# every worker reloads its rules on NOTIFY within milliseconds
SETTLE_SECONDS = 0.5


@pytest.fixture(scope="module", autouse=True)
def dns():
    DNS.start()
    yield DNS
    DNS.stop()


class Rules:
    """petrelctl rule add, undone after the test."""

    def __init__(self, ctl):
        self.ctl = ctl
        self.names = []

    def add(self, name, *words, wait=True):
        self.ctl("rule", "add", name, *words)
        self.names.append(name)
        if wait:
            time.sleep(SETTLE_SECONDS)

    def clear(self):
        for name in self.names:
            self.ctl("rule", "del", name, check=False)
        if self.names:
            time.sleep(SETTLE_SECONDS)
        self.names.clear()


@pytest.fixture
def rules(ctl):
    r = Rules(ctl)
    yield r
    r.clear()


def swaks(node, *args, src=None, to="user@example.test", sender="sender@remote.test"):
    """(exit status, transcript) of one swaks session to the node's smtp."""
    cmd = ["swaks", "--server", "127.0.0.1", "--port", str(node.port("smtp")),
           "--timeout", "15", "--from", sender, "--to", to, *args]
    if src:
        cmd += ["--local-interface", src]
    started = time.monotonic()
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    assert time.monotonic() - started < 15, "the session took too long"
    return res.returncode, res.stdout + res.stderr


def token_args(token, *headers):
    args = ["--add-header", f"X-Petrel-Token: {token}"]
    for header in headers:
        args += ["--add-header", header]
    return args


def stored(pg, token):
    return h.stored_by_token(pg, token)


def stored_raw(pg, token):
    return bytes(pg.value("SELECT raw FROM message_contents WHERE position(%s::bytea in raw) > 0",
                          (token.encode(),)))


def test_connect_reject_by_client_ip(node, rules):
    rules.add("conn-block", "connect", "reject", "554 5.7.1 Your network is not welcome",
              "if", "client_ip", "matches", r"^127\.0\.0\.5$")
    status, out = swaks(node, "--quit-after", "CONNECT", src="127.0.0.5")
    assert "554 5.7.1 Your network is not welcome" in out
    assert status != 0
    # another client is still served
    status, out = swaks(node, "--quit-after", "CONNECT", src="127.0.0.6")
    assert status == 0 and "<-  220 " in out


def test_connect_reject_by_client_name(node, rules):
    """client_name is the client's reverse (PTR) name, looked up only when
    a rule tests it; an address without one has the empty name."""
    rules.add("ptr-block", "connect", "reject", "554 5.7.1 Bad reverse name",
              "if", "client_name", "matches", r"^bad\.client\.test$")
    rules.add("ptr-none", "connect", "weight", "1", "if", "client_name", "matches", "^$")
    status, out = swaks(node, "--quit-after", "CONNECT", src="127.0.0.7")
    assert "554 5.7.1 Bad reverse name" in out
    status, out = swaks(node, "--quit-after", "CONNECT", src="127.0.0.8")
    assert status == 0 and "<-  220 " in out
    assert "rule=\"ptr-none\"" in node.log_text()


def test_helo_regex(node, rules):
    rules.add("bad-helo", "helo", "reject", "550 5.7.1 Bogus HELO",
              "if", "helo", "matches", r"\.invalid$")
    status, out = swaks(node, "--ehlo", "spammer.invalid", "--quit-after", "MAIL")
    assert "<** 550 5.7.1 Bogus HELO" in out
    status, out = swaks(node, "--ehlo", "good.example", "--quit-after", "MAIL")
    assert status == 0 and "Bogus HELO" not in out


def test_sender_reject_and_block_log(node, rules, pg):
    rules.add("no-spammer", "mail", "reject", "550 5.7.1 Sender refused by rule",
              "if", "sender", "matches", r"^spammer@")
    status, out = swaks(node, "--quit-after", "RCPT", sender="spammer@remote.test")
    assert "<** 550 5.7.1 Sender refused by rule" in out
    row = h.wait_for(lambda: pg.sql("SELECT stage, check_name, reason, reply, sender"
                                    " FROM block_log WHERE reason = 'rule no-spammer'"), timeout=5)
    assert row and row[0][0] == "mail" and row[0][1] == "rules"
    assert row[0][3].startswith("550 5.7.1 Sender refused")
    assert row[0][4] == "spammer@remote.test"
    status, out = swaks(node, "--quit-after", "RCPT", sender="friend@remote.test")
    assert status == 0


def test_recipient_tempfail(node, rules, pg):
    rules.add("bob-later", "rcpt", "tempfail", "451 4.7.1 Bob is busy",
              "if", "recipient", "starts_with", "bob@")
    status, out = swaks(node, "--quit-after", "RCPT", to="bob@example.test")
    assert "<** 451 4.7.1 Bob is busy" in out
    # temporary refusals are not in the block log (give a write time to land)
    time.sleep(0.5)
    assert pg.value("SELECT count(*) FROM block_log WHERE reason = 'rule bob-later'") == 0
    status, out = swaks(node, "--quit-after", "RCPT", to="alice@example.test")
    assert status == 0


def test_subject_and_header(node, rules, pg):
    rules.add("subj", "headers", "reject", "550 5.7.1 Subject refused",
              "if", "subject", "contains", "cheap pills")
    rules.add("mailer", "headers", "reject", "550 5.7.1 Mailer refused",
              "if", "header:X-Mailer", "matches", "^BulkBlaster")
    token = uuid.uuid4().hex
    status, out = swaks(node, "--header", "Subject: CHEAP PILLS today", *token_args(token))
    assert "<** 550 5.7.1 Subject refused" in out
    status, out = swaks(node, "--header", "X-Mailer: BulkBlaster 3", *token_args(token))
    assert "<** 550 5.7.1 Mailer refused" in out
    assert stored(pg, token) == []
    status, out = swaks(node, "--header", "Subject: hello", *token_args(token))
    assert status == 0 and len(stored(pg, token)) == 1


def test_received_ip(node, rules, pg):
    rules.add("via-bad-net", "headers", "reject", "550 5.7.1 Relayed through a bad network",
              "if", "received_ip", "matches", r"^203\.0\.113\.")
    token = uuid.uuid4().hex
    bad = "Received: from evil.example (evil.example [203.0.113.9]) by relay.example"
    good = "Received: from ok.example (ok.example [198.51.100.9]) by relay.example"
    status, out = swaks(node, *token_args(token, bad))
    assert "<** 550 5.7.1 Relayed through a bad network" in out
    status, out = swaks(node, *token_args(token, good))
    assert status == 0 and len(stored(pg, token)) == 1


def test_size(node, rules, pg):
    rules.add("too-big", "complete", "reject", "552 5.3.4 Too big for the rules",
              "if", "size", "greater", "20K")
    token = uuid.uuid4().hex
    status, out = swaks(node, "--body", "x" * 30000, *token_args(token))
    assert "<** 552 5.3.4 Too big for the rules" in out
    status, out = swaks(node, "--body", "small", *token_args(token))
    assert status == 0 and len(stored(pg, token)) == 1


def test_accept_skips_later_rules(node, rules, pg):
    rules.add("vip", "mail", "accept", "priority=1", "if", "sender", "matches", r"^vip@",
              wait=False)
    rules.add("nobody", "rcpt", "reject", "550 5.7.1 Closed", "priority=2")
    token = uuid.uuid4().hex
    status, out = swaks(node, *token_args(token), sender="vip@remote.test")
    assert status == 0 and len(stored(pg, token)) == 1
    status, out = swaks(node, "--quit-after", "RCPT", sender="other@remote.test")
    assert "<** 550 5.7.1 Closed" in out


def test_weight_over_threshold_rejects(node, rules, pg):
    rules.add("w-helo", "helo", "weight", "6", "if", "helo", "contains", "dynamic", wait=False)
    rules.add("w-sender", "mail", "weight", "5", "if", "sender", "contains", "promo")
    token = uuid.uuid4().hex
    # 6 + 5 >= 10 (the default threshold): refused at the end of DATA
    status, out = swaks(node, "--ehlo", "host.dynamic.example", *token_args(token),
                        sender="promo@remote.test")
    assert "<** 550 5.7.1 Message rejected as spam" in out
    # the block log is written beside the session, not before its reply
    h.wait_for(lambda: pg.value("SELECT count(*) FROM block_log WHERE stage = 'complete'"
                                " AND reason = 'rule weight 11 >= 10'") == 1, timeout=5)
    # 6 alone stays under it
    status, out = swaks(node, "--ehlo", "host.dynamic.example", *token_args(token))
    assert status == 0 and len(stored(pg, token)) == 1


def test_weight_over_threshold_tags(node, rules, pg, settings):
    settings.set("smtp_rule_weight_action", "tag", wait=False)
    rules.add("w-big", "mail", "weight", "12", "if", "sender", "contains", "promo")
    token = uuid.uuid4().hex
    status, out = swaks(node, "--header", "Subject: offer", *token_args(token),
                        sender="promo@remote.test")
    assert status == 0
    raw = stored_raw(pg, token)
    assert b"Subject: [SPAM] offer" in raw
    assert b"X-Spam-Flag: YES" in raw


def test_add_header_and_tag_subject(node, rules, pg):
    rules.add("hdr", "mail", "add_header", "X-Rule-Hit: external", wait=False)
    rules.add("tag", "rcpt", "tag_subject", "[EXT]", "if", "recipient", "matches", "^user@")
    token = uuid.uuid4().hex
    status, out = swaks(node, "--header", "Subject: report", *token_args(token))
    assert status == 0
    raw = stored_raw(pg, token)
    assert b"X-Rule-Hit: external" in raw
    assert b"Subject: [EXT] report" in raw


def test_discard(node, rules, pg):
    rules.add("drop", "headers", "discard", "if", "subject", "contains", "newsletter")
    token = uuid.uuid4().hex
    status, out = swaks(node, "--header", "Subject: Weekly newsletter", *token_args(token))
    assert status == 0 and "<-  250 2.0.0 Ok: queued as" in out
    time.sleep(0.5)
    assert stored(pg, token) == []


def test_redirect(node, rules, pg):
    rules.add("to-alice", "rcpt", "redirect", "alice@example.test",
              "if", "recipient", "matches", "^bob@")
    token = uuid.uuid4().hex
    status, out = swaks(node, *token_args(token), to="bob@example.test")
    assert status == 0
    rows = h.wait_for(lambda: stored(pg, token), timeout=5)
    assert [r[0] for r in rows] == ["alice@example.test"]


def test_edits_apply_without_restart(node, rules, ctl):
    pids = node.worker_pids()
    rules.add("closed", "mail", "reject", "550 5.7.1 Closed for now")
    status, out = swaks(node, "--quit-after", "RCPT")
    assert "<** 550 5.7.1 Closed for now" in out
    ctl("rule", "del", "closed")
    time.sleep(SETTLE_SECONDS)
    status, out = swaks(node, "--quit-after", "RCPT")
    assert status == 0
    assert node.worker_pids() == pids


def test_edits_reach_every_node(node, rules, ctl, make_node):
    node2 = make_node(node_id="node2", listeners=("smtp",), log_level="info")
    rules.add("everywhere", "mail", "reject", "550 5.7.1 Refused on every node",
              "if", "sender", "starts_with", "everywhere@")
    for n in (node, node2):
        status, out = swaks(n, "--quit-after", "RCPT", sender="everywhere@remote.test")
        assert "<** 550 5.7.1 Refused on every node" in out


def test_disabled_and_broken_rows_are_skipped(node, rules, pg):
    rules.add("off", "mail", "reject", "550 5.7.1 Off", "disabled", wait=False)
    # a row written by hand in SQL whose regex does not compile
    rid = pg.value("INSERT INTO smtp_rules (name, stage, action) VALUES"
                   " ('hand-made', 'mail', 'reject') RETURNING id")
    rules.names.append("hand-made")
    pg.sql("INSERT INTO smtp_rule_conditions VALUES (%s, 0, 'sender', 'matches', '(x')", (rid,))
    h.wait_for(lambda: 'event=rule_skipped rule="hand-made"' in node.log_text(), timeout=5)
    status, out = swaks(node, "--quit-after", "RCPT")
    assert status == 0 and "550" not in out


def test_trace_lines(node, rules):
    rules.add("traced", "mail", "weight", "1", "if", "sender", "matches", "^traced@")
    swaks(node, "--quit-after", "RCPT", sender="traced@remote.test")
    h.wait_for(lambda: 'rule="traced"' in node.log_text(), timeout=5)
    line = [ln for ln in node.log_text().splitlines() if 'rule="traced"' in ln][-1]
    assert "event=policy_trace" in line and "stage=mail" in line and "action=weight" in line


def test_list_show_json(node, rules, ctl):
    rules.add("shown", "rcpt", "reject", "550 5.7.1 No", "priority=7", "comment=for the test",
              "if", "recipient", "matches", "^x@", "and", "sender", "contains", "y", wait=False)
    rule = ctl("rule", "show", "shown", json=True)
    assert rule["stage"] == "rcpt" and rule["priority"] == 7 and rule["enabled"] is True
    assert rule["argument"] == "550 5.7.1 No" and rule["comment"] == "for the test"
    assert rule["conditions"] == [
        {"attribute": "recipient", "operator": "matches", "value": "^x@"},
        {"attribute": "sender", "operator": "contains", "value": "y"},
    ]
    assert "shown" in [r["name"] for r in ctl("rule", "list", json=True)]
    text = ctl("rule", "list").stdout
    assert "CONDITIONS" in text.splitlines()[0]
    assert "recipient matches ^x@; sender contains y" in text
    res = ctl("rule", "show", "missing", check=False)
    assert res.returncode == 1 and res.stderr.strip() == "petrelctl: no such rule missing"


@pytest.mark.parametrize("words, error", [
    (("mail", "reject", "if", "sender", "matches", "(abc"),
     "rule bad: regex error at offset 4: missing closing parenthesis"),
    (("helo", "reject", "if", "sender", "matches", "x"),
     "rule bad: attribute sender is not known yet at stage helo (from mail on)"),
    (("mail", "reject", "451 4.7.1 no"),
     "rule bad: the reply of reject must be \"5NN [X.Y.Z] text\" on one line"),
    (("connect", "add_header", "X-A: b"),
     "rule bad: action add_header changes a message: use stage mail or later"),
    (("sometimes", "accept"),
     "rule bad: unknown stage 'sometimes' (connect, helo, mail, rcpt, headers, complete)"),
])
def test_bad_rules_refused(node, ctl, pg, words, error):
    res = ctl("rule", "add", "bad", *words, check=False)
    assert res.returncode == 1
    assert res.stderr.splitlines() == [f"petrelctl: {error}"]
    assert pg.value("SELECT count(*) FROM smtp_rules WHERE name = 'bad'") == 0
    status, out = swaks(node, "--quit-after", "RCPT")
    assert status == 0


@pytest.mark.parametrize("name", ["", "123", "two words", "x" * 65])
def test_bad_rule_names_refused(ctl, pg, name):
    res = ctl("rule", "add", name, "mail", "accept", check=False)
    assert res.returncode == 2
    assert res.stderr.splitlines() == ["petrelctl: a rule name is 1-64 letters, digits, "
                                       "'.', '_' or '-', not only digits"]
    assert pg.value("SELECT count(*) FROM smtp_rules") == 0


def test_catastrophic_regex_is_bounded(node, rules, pg):
    rules.add("evil", "headers", "reject", "550 5.7.1 Matched",
              "if", "subject", "matches", "^(a|aa)+$")
    token = uuid.uuid4().hex
    started = time.monotonic()
    status, out = swaks(node, "--header", "Subject: " + "a" * 3000 + "!", *token_args(token))
    assert time.monotonic() - started < 5
    assert status == 0 and "Matched" not in out
    h.wait_for(lambda: 'event=rule_regex_limit rule="evil"' in node.log_text(), timeout=5)
    # the worker keeps serving
    status, out = swaks(node, "--header", "Subject: next", *token_args(token))
    assert status == 0 and len(stored(pg, token)) == 2
