-- 013_rules.sql — staged SMTP rules (Traffic Inspector model) and
-- delivery-time global rules (Tegu model).
--
-- An SMTP rule is bound to one stage of the SMTP session; when all of its
-- conditions hold (AND) its action runs. Rules run by priority (lower
-- first), then id. A delivery rule tests the stored message of a local
-- delivery (before user filters) and files, flags or refuses it.
--
-- Conditions are rows of (attribute, operator, value), in order; the
-- value of a regex operator is a PCRE2 pattern that petrelctl compiled
-- before saving it. Every change NOTIFYs 'petrel_rules' so all nodes
-- reload their compiled rules without restart.

CREATE TABLE smtp_rules (
    id          bigserial PRIMARY KEY,
    name        text NOT NULL UNIQUE,
    priority    int NOT NULL DEFAULT 100,
    stage       text NOT NULL
                CHECK (stage IN ('connect', 'helo', 'mail', 'rcpt', 'headers', 'complete')),
    enabled     boolean NOT NULL DEFAULT true,
    -- accept: skip the remaining checks; reject/tempfail: refuse with
    -- action_arg ("CODE X.Y.Z text", 5xx resp. 4xx); weight: add weight;
    -- add_header: action_arg "Name: value"; tag_subject: action_arg is the
    -- tag; discard: 250 but nothing stored; redirect: action_arg address.
    action      text NOT NULL
                CHECK (action IN ('accept', 'reject', 'tempfail', 'weight', 'add_header',
                                  'tag_subject', 'discard', 'redirect')),
    action_arg  text NOT NULL DEFAULT '',
    weight      int NOT NULL DEFAULT 0,
    comment     text NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);

-- attribute: client_ip, client_name, helo, sender, recipient, subject,
-- header:NAME, received_ip, size.
CREATE TABLE smtp_rule_conditions (
    rule_id     bigint NOT NULL REFERENCES smtp_rules (id) ON DELETE CASCADE,
    position    int NOT NULL,
    attribute   text NOT NULL,
    operator    text NOT NULL
                CHECK (operator IN ('matches', 'not_matches', 'contains', 'not_contains',
                                    'starts_with', 'greater', 'less')),
    value       text NOT NULL,
    PRIMARY KEY (rule_id, position)
);

CREATE TABLE delivery_rules (
    id          bigserial PRIMARY KEY,
    name        text NOT NULL UNIQUE,
    priority    int NOT NULL DEFAULT 100,
    enabled     boolean NOT NULL DEFAULT true,
    -- move/copy: action_arg folder; keyword: action_arg keyword;
    -- reject: action_arg reply ("CODE X.Y.Z text"); mark_read, flag: none.
    action      text NOT NULL
                CHECK (action IN ('move', 'copy', 'mark_read', 'flag', 'keyword', 'reject')),
    action_arg  text NOT NULL DEFAULT '',
    comment     text NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);

-- field: subject, from, to, body, date, size, spam_score.
CREATE TABLE delivery_rule_conditions (
    rule_id     bigint NOT NULL REFERENCES delivery_rules (id) ON DELETE CASCADE,
    position    int NOT NULL,
    field       text NOT NULL
                CHECK (field IN ('subject', 'from', 'to', 'body', 'date', 'size', 'spam_score')),
    operator    text NOT NULL
                CHECK (operator IN ('matches', 'not_matches', 'contains', 'not_contains',
                                    'starts_with', 'greater', 'less')),
    value       text NOT NULL,
    PRIMARY KEY (rule_id, position)
);

CREATE FUNCTION petrel_rules_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('petrel_rules', '');
    RETURN NULL;
END $$;
CREATE TRIGGER smtp_rules_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
    ON smtp_rules FOR EACH STATEMENT EXECUTE FUNCTION petrel_rules_notify();
CREATE TRIGGER smtp_rule_conditions_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
    ON smtp_rule_conditions FOR EACH STATEMENT EXECUTE FUNCTION petrel_rules_notify();
CREATE TRIGGER delivery_rules_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
    ON delivery_rules FOR EACH STATEMENT EXECUTE FUNCTION petrel_rules_notify();
CREATE TRIGGER delivery_rule_conditions_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
    ON delivery_rule_conditions FOR EACH STATEMENT EXECUTE FUNCTION petrel_rules_notify();

-- Delivery rules' mark_read, flag and keyword actions: called by the group
-- commit right after petrel_deliver_batch, in the same transaction, with
-- one entry per (target mailbox, message content) to mark. Only the rows
-- this transaction inserted are touched; p_keywords are blank-separated
-- IMAP keywords, also added to the mailbox's keyword list (FLAGS).
CREATE FUNCTION petrel_deliver_mark(p_account_ids bigint[], p_mailbox_ids bigint[],
                                    p_sha256 bytea[], p_flags int[], p_keywords text[])
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    WITH t AS (
        SELECT t.a, t.b, c.id AS content, t.flags,
               string_to_array(nullif(t.kw, ''), ' ') AS kw
          FROM unnest(p_account_ids, p_mailbox_ids, p_sha256, p_flags, p_keywords)
               AS t(a, b, sha256, flags, kw)
          JOIN message_contents c ON c.sha256 = t.sha256)
    UPDATE messages m
       SET flags = m.flags | t.flags,
           keywords = petrel_keywords_add(m.keywords, coalesce(t.kw, '{}'))
      FROM t
     WHERE m.account_id = t.a AND m.mailbox_id = t.b AND m.content_id = t.content
       AND m.xmin = pg_current_xact_id()::xid;
    -- one row per mailbox: UPDATE ... FROM applies only one match per row
    UPDATE mailboxes mb
       SET keywords = petrel_keywords_add(mb.keywords, g.kw)
      FROM (SELECT t.a, t.b, array_agg(k) AS kw
              FROM unnest(p_account_ids, p_mailbox_ids, p_keywords) AS t(a, b, kws),
                   unnest(string_to_array(nullif(t.kws, ''), ' ')) AS k
             GROUP BY t.a, t.b) AS g
     WHERE mb.account_id = g.a AND mb.id = g.b;
END $$;
