-- 001_init.sql — the foundation schema.
--
-- Everything a Petrel node knows lives here: domains, accounts, aliases,
-- cluster-wide settings, mailboxes, messages and the nodes registry.
--
-- Keys are designed for later distribution by account (Citus-style): every
-- per-mailbox table carries account_id as the first column of its primary
-- key. Message content is stored once (content addressed by SHA-256) and
-- referenced from each mailbox that holds it; what IMAP needs to answer
-- FETCH ENVELOPE/BODYSTRUCTURE and SEARCH/SORT on headers is parsed once at
-- delivery and stored beside the bytes.
--
-- petrelctl applies this file inside one transaction and records it in
-- schema_migrations; it is never edited after release — later changes are
-- new numbered files.

CREATE TABLE domains (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name        text NOT NULL UNIQUE CHECK (name = lower(name) AND name <> ''),
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE accounts (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    domain_id     bigint NOT NULL REFERENCES domains(id) ON DELETE CASCADE,
    localpart     text NOT NULL CHECK (localpart = lower(localpart) AND localpart <> ''),
    password_hash text NOT NULL,          -- '{CRYPT}$y$…' (Dovecot scheme prefix + crypt(3) hash)
    display_name  text NOT NULL DEFAULT '',
    quota_bytes   bigint NOT NULL DEFAULT 0 CHECK (quota_bytes >= 0),   -- 0 = unlimited
    status        text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'blocked')),
    is_master     boolean NOT NULL DEFAULT false,
    created_at    timestamptz NOT NULL DEFAULT now(),
    UNIQUE (domain_id, localpart)
);

-- One row per (address, target). localpart '' is the domain's catch-all.
-- A target is a full address, local (expanded again) or remote. Several rows
-- with one localpart make a distribution list.
CREATE TABLE aliases (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    domain_id   bigint NOT NULL REFERENCES domains(id) ON DELETE CASCADE,
    localpart   text NOT NULL CHECK (localpart = lower(localpart)),
    target      text NOT NULL CHECK (target <> '' AND position('@' in target) > 1),
    created_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (domain_id, localpart, target)
);

-- Cluster-wide settings with inheritance server -> domain -> account.
-- scope_id is 0 for the server scope, else domains.id or accounts.id.
CREATE TABLE settings (
    scope       text NOT NULL CHECK (scope IN ('server', 'domain', 'account')),
    scope_id    bigint NOT NULL DEFAULT 0,
    name        text NOT NULL,
    value       text NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (scope, scope_id, name),
    CHECK ((scope = 'server') = (scope_id = 0))
);

-- Nodes pick up setting changes without restart: they LISTEN on this channel.
CREATE FUNCTION petrel_settings_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('petrel_settings', '');
    RETURN NULL;
END $$;
CREATE TRIGGER settings_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON settings
    FOR EACH STATEMENT EXECUTE FUNCTION petrel_settings_notify();

-- Settings of a deleted domain or account go with it.
CREATE FUNCTION petrel_settings_cleanup() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM settings WHERE scope = TG_ARGV[0] AND scope_id = OLD.id;
    RETURN NULL;
END $$;
CREATE TRIGGER domain_settings_cleanup AFTER DELETE ON domains
    FOR EACH ROW EXECUTE FUNCTION petrel_settings_cleanup('domain');
CREATE TRIGGER account_settings_cleanup AFTER DELETE ON accounts
    FOR EACH ROW EXECUTE FUNCTION petrel_settings_cleanup('account');

-- Nodes cache recipient lookups; any change to the directory tables tells
-- every node to forget them.
CREATE FUNCTION petrel_directory_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('petrel_directory', '');
    RETURN NULL;
END $$;
CREATE TRIGGER domains_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON domains
    FOR EACH STATEMENT EXECUTE FUNCTION petrel_directory_notify();
CREATE TRIGGER accounts_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON accounts
    FOR EACH STATEMENT EXECUTE FUNCTION petrel_directory_notify();
CREATE TRIGGER aliases_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON aliases
    FOR EACH STATEMENT EXECUTE FUNCTION petrel_directory_notify();

-- UIDVALIDITY values: unique per mailbox incarnation, seeded with the epoch
-- so a recreated database never reuses a value a client may have cached.
CREATE SEQUENCE mailbox_uidvalidity_seq MAXVALUE 4294967295;
SELECT setval('mailbox_uidvalidity_seq', extract(epoch FROM now())::bigint);

CREATE TABLE mailboxes (
    account_id     bigint NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    id             bigint GENERATED ALWAYS AS IDENTITY,
    name           text NOT NULL,           -- UTF-8, '/' separates hierarchy levels
    special_use    text CHECK (special_use IN ('\All', '\Archive', '\Drafts', '\Flagged',
                                               '\Junk', '\Sent', '\Trash')),
    uidvalidity    bigint NOT NULL DEFAULT nextval('mailbox_uidvalidity_seq'),
    uidnext        bigint NOT NULL DEFAULT 1,
    highestmodseq  bigint NOT NULL DEFAULT 1,
    messages       integer NOT NULL DEFAULT 0,   -- kept by delivery/expunge, for STATUS and quota
    bytes          bigint NOT NULL DEFAULT 0,
    subscribed     boolean NOT NULL DEFAULT true,
    created_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (account_id, id),
    UNIQUE (account_id, name)
);

-- Every new account gets the standard folders.
CREATE FUNCTION petrel_account_folders() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO mailboxes (account_id, name, special_use) VALUES
        (NEW.id, 'INBOX', NULL),
        (NEW.id, 'Sent', '\Sent'),
        (NEW.id, 'Drafts', '\Drafts'),
        (NEW.id, 'Trash', '\Trash'),
        (NEW.id, 'Junk', '\Junk'),
        (NEW.id, 'Archive', '\Archive');
    RETURN NULL;
END $$;
CREATE TRIGGER account_folders AFTER INSERT ON accounts
    FOR EACH ROW EXECUTE FUNCTION petrel_account_folders();

-- Message bytes, stored once however many mailboxes hold them.
CREATE TABLE message_contents (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    sha256         bytea NOT NULL UNIQUE,
    size           integer NOT NULL,        -- RFC822.SIZE: bytes as stored (CRLF line ends)
    header_size    integer NOT NULL,        -- offset of the body
    raw            bytea COMPRESSION lz4 NOT NULL,
    envelope       text NOT NULL,           -- IMAP ENVELOPE, pre-rendered
    bodystructure  text NOT NULL,           -- IMAP BODYSTRUCTURE (extensible form)
    body           text NOT NULL,           -- IMAP BODY (non-extensible form)
    sent_date      timestamptz,             -- Date: header; NULL when missing or unparsable
    subject        text NOT NULL DEFAULT '',-- decoded (RFC 2047) for SEARCH SUBJECT
    from_addr      text NOT NULL DEFAULT '',-- decoded header text for SEARCH FROM/TO/CC
    to_addr        text NOT NULL DEFAULT '',
    cc_addr        text NOT NULL DEFAULT '',
    message_id     text NOT NULL DEFAULT '',
    in_reply_to    text NOT NULL DEFAULT '',
    refs           text NOT NULL DEFAULT '',-- References:, for THREAD
    sort_subject   text NOT NULL DEFAULT '',-- RFC 5256 base subject
    sort_from      text NOT NULL DEFAULT '',-- RFC 5256 first addr-mailbox of From/To/Cc
    sort_to        text NOT NULL DEFAULT '',
    sort_cc        text NOT NULL DEFAULT '',
    created_at     timestamptz NOT NULL DEFAULT now()
);

-- One row per message per mailbox. flags bits: \Seen 1, \Answered 2,
-- \Flagged 4, \Deleted 8, \Draft 16.
CREATE TABLE messages (
    account_id     bigint NOT NULL,
    mailbox_id     bigint NOT NULL,
    uid            bigint NOT NULL,
    content_id     bigint NOT NULL REFERENCES message_contents(id),
    size           integer NOT NULL,        -- copy of content size: quota and STATUS SIZE without a join
    flags          smallint NOT NULL DEFAULT 0,
    keywords       text[] NOT NULL DEFAULT '{}',
    modseq         bigint NOT NULL,
    internal_date  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (account_id, mailbox_id, uid),
    FOREIGN KEY (account_id, mailbox_id) REFERENCES mailboxes(account_id, id) ON DELETE CASCADE
);
CREATE INDEX messages_modseq ON messages (account_id, mailbox_id, modseq);
CREATE INDEX messages_content ON messages (content_id);

-- Every message accepted over SMTP/LMTP: the operator's inbound log and the
-- source of delivery statistics.
CREATE TABLE inbound_messages (
    queue_id     text PRIMARY KEY,
    received_at  timestamptz NOT NULL DEFAULT now(),
    node_id      text NOT NULL,
    protocol     text NOT NULL,
    client_ip    inet,
    helo         text NOT NULL DEFAULT '',
    mail_from    text NOT NULL,
    recipients   text[] NOT NULL,
    size         integer NOT NULL,
    content_id   bigint NOT NULL
);
CREATE INDEX inbound_messages_received ON inbound_messages (received_at);

-- Running nodes record themselves here and refresh last_seen.
CREATE TABLE nodes (
    id          text PRIMARY KEY,
    hostname    text NOT NULL,
    version     text NOT NULL,
    pid         integer NOT NULL,
    started_at  timestamptz NOT NULL,
    last_seen   timestamptz NOT NULL,
    sessions    jsonb NOT NULL DEFAULT '{}'   -- open sessions per protocol
);

-- Where an address delivers. One call answers RCPT: the domain is local or
-- not, the address is an account, an alias (expanded recursively, each
-- address visited once so loops end), a sub-address (user+ext) or caught by
-- the domain's catch-all. Rows:
--   kind 'account'  one per distinct local account (INBOX id, quota, usage)
--   kind 'remote'   one per remote target
--   kind 'nodomain' the domain is not served here
--   kind 'unknown'  nothing matched
--   kind 'loop'     only loops: every path came back to a visited address
CREATE FUNCTION petrel_resolve_rcpt(p_address text, p_delimiter text, p_max_depth int)
RETURNS TABLE (kind text, account_id bigint, mailbox_id bigint, domain_id bigint,
               address text, quota_bytes bigint, used_bytes bigint, status text)
LANGUAGE plpgsql STABLE AS $$
DECLARE
    v_work     text[] := ARRAY[lower(p_address)];
    v_next     text[];
    v_seen     text[] := '{}';
    v_accounts bigint[] := '{}';
    v_remote   text[] := '{}';
    v_addr     text;
    v_local    text;
    v_domain   text;
    v_dom_id   bigint;
    v_acct     bigint;
    v_targets  text[];
    v_base     text;
    v_depth    int := 0;
    v_looped   boolean := false;
BEGIN
    v_domain := split_part(lower(p_address), '@', 2);
    IF NOT EXISTS (SELECT 1 FROM domains d WHERE d.name = v_domain) THEN
        RETURN QUERY SELECT 'nodomain'::text, NULL::bigint, NULL::bigint, NULL::bigint,
                            lower(p_address), NULL::bigint, NULL::bigint, NULL::text;
        RETURN;
    END IF;
    WHILE array_length(v_work, 1) > 0 AND v_depth <= p_max_depth LOOP
        v_next := '{}';
        FOREACH v_addr IN ARRAY v_work LOOP
            IF v_addr = ANY (v_seen) THEN
                v_looped := true;
                CONTINUE;
            END IF;
            v_seen := v_seen || v_addr;
            v_local := substring(v_addr FROM '^(.*)@[^@]*$');
            v_domain := substring(v_addr FROM '@([^@]*)$');
            SELECT d.id INTO v_dom_id FROM domains d WHERE d.name = v_domain;
            IF v_dom_id IS NULL THEN
                v_remote := v_remote || v_addr;
                CONTINUE;
            END IF;
            SELECT a.id INTO v_acct FROM accounts a
             WHERE a.domain_id = v_dom_id AND a.localpart = v_local;
            SELECT array_agg(al.target) INTO v_targets FROM aliases al
             WHERE al.domain_id = v_dom_id AND al.localpart = v_local;
            IF v_acct IS NOT NULL THEN
                IF NOT v_acct = ANY (v_accounts) THEN
                    v_accounts := v_accounts || v_acct;
                END IF;
                -- An alias beside an account adds copies (alias user -> user, other).
                v_next := v_next || coalesce(array_remove(v_targets, v_addr), '{}');
                CONTINUE;
            END IF;
            IF v_targets IS NOT NULL THEN
                v_next := v_next || v_targets;
                CONTINUE;
            END IF;
            IF p_delimiter <> '' AND position(p_delimiter in v_local) > 1 THEN
                v_base := split_part(v_local, p_delimiter, 1) || '@' || v_domain;
                v_next := v_next || v_base;
                CONTINUE;
            END IF;
            SELECT array_agg(al.target) INTO v_targets FROM aliases al
             WHERE al.domain_id = v_dom_id AND al.localpart = '';
            IF v_targets IS NOT NULL THEN
                v_next := v_next || v_targets;
            END IF;
        END LOOP;
        v_work := v_next;
        v_depth := v_depth + 1;
    END LOOP;
    IF array_length(v_work, 1) > 0 THEN
        v_looped := true;       -- depth limit reached: treat as a loop
    END IF;

    IF cardinality(v_accounts) = 0 AND cardinality(v_remote) = 0 THEN
        RETURN QUERY SELECT CASE WHEN v_looped THEN 'loop' ELSE 'unknown' END,
                            NULL::bigint, NULL::bigint, NULL::bigint, lower(p_address),
                            NULL::bigint, NULL::bigint, NULL::text;
        RETURN;
    END IF;
    RETURN QUERY
        SELECT 'account'::text, a.id, m.id, d.id, a.localpart || '@' || d.name,
               a.quota_bytes,
               (SELECT coalesce(sum(mb.bytes), 0)::bigint FROM mailboxes mb WHERE mb.account_id = a.id),
               a.status
          FROM accounts a
          JOIN domains d ON d.id = a.domain_id
          JOIN mailboxes m ON m.account_id = a.id AND m.name = 'INBOX'
         WHERE a.id = ANY (v_accounts);
    RETURN QUERY SELECT 'remote'::text, NULL::bigint, NULL::bigint, NULL::bigint, r,
                        NULL::bigint, NULL::bigint, NULL::text
                   FROM unnest(v_remote) AS r;
END $$;

-- Lock the mailbox rows a delivery batch will touch, in one global order, so
-- concurrent batches from several workers and nodes never deadlock.
-- (count(*) makes the locking subquery run to the end; ORDER BY under FOR
-- UPDATE locks rows in sorted order.) Returns how many rows it locked.
CREATE FUNCTION petrel_lock_mailboxes(p_account_ids bigint[], p_mailbox_ids bigint[])
RETURNS bigint LANGUAGE sql AS $$
    SELECT count(*) FROM (
        SELECT 1 FROM mailboxes m
          JOIN unnest(p_account_ids, p_mailbox_ids) AS t(a, b)
            ON m.account_id = t.a AND m.id = t.b
         ORDER BY m.account_id, m.id
           FOR UPDATE OF m) AS locked;
$$;

-- Store one accepted message: the content once (deduplicated by hash), one
-- row per target mailbox with the next UID and modseq, the inbound log row.
-- Mailboxes deleted since RCPT are skipped. Returns the content id.
CREATE FUNCTION petrel_deliver(
    p_queue_id text, p_node_id text, p_protocol text, p_client_ip inet, p_helo text,
    p_mail_from text, p_recipients text[],
    p_sha256 bytea, p_raw bytea, p_header_size int,
    p_envelope text, p_bodystructure text, p_body text, p_sent_date timestamptz,
    p_subject text, p_from text, p_to text, p_cc text,
    p_message_id text, p_in_reply_to text, p_refs text,
    p_sort_subject text, p_sort_from text, p_sort_to text, p_sort_cc text,
    p_account_ids bigint[], p_mailbox_ids bigint[])
RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    v_content bigint;
    v_size    int := length(p_raw);
BEGIN
    INSERT INTO message_contents (sha256, size, header_size, raw, envelope, bodystructure, body,
                                  sent_date, subject, from_addr, to_addr, cc_addr, message_id,
                                  in_reply_to, refs, sort_subject, sort_from, sort_to, sort_cc)
    VALUES (p_sha256, v_size, p_header_size, p_raw, p_envelope, p_bodystructure, p_body,
            p_sent_date, p_subject, p_from, p_to, p_cc, p_message_id,
            p_in_reply_to, p_refs, p_sort_subject, p_sort_from, p_sort_to, p_sort_cc)
    ON CONFLICT (sha256) DO NOTHING
    RETURNING id INTO v_content;
    IF v_content IS NULL THEN
        SELECT id INTO v_content FROM message_contents WHERE sha256 = p_sha256;
    END IF;

    WITH target AS (
        UPDATE mailboxes m
           SET uidnext = m.uidnext + 1,
               highestmodseq = m.highestmodseq + 1,
               messages = m.messages + 1,
               bytes = m.bytes + v_size
          FROM unnest(p_account_ids, p_mailbox_ids) AS t(a, b)
         WHERE m.account_id = t.a AND m.id = t.b
        RETURNING m.account_id, m.id, m.uidnext - 1 AS uid, m.highestmodseq AS modseq)
    INSERT INTO messages (account_id, mailbox_id, uid, content_id, size, modseq)
    SELECT account_id, id, uid, v_content, v_size, modseq FROM target;

    INSERT INTO inbound_messages (queue_id, node_id, protocol, client_ip, helo, mail_from,
                                  recipients, size, content_id)
    VALUES (p_queue_id, p_node_id, p_protocol, p_client_ip, p_helo, p_mail_from,
            p_recipients, v_size, v_content);
    RETURN v_content;
END $$;

-- Reporting: what an operator asks first.
CREATE VIEW mailbox_usage AS
    SELECT d.name AS domain, a.localpart || '@' || d.name AS account,
           a.quota_bytes, coalesce(sum(m.bytes), 0)::bigint AS used_bytes,
           coalesce(sum(m.messages), 0)::bigint AS messages
      FROM accounts a
      JOIN domains d ON d.id = a.domain_id
      LEFT JOIN mailboxes m ON m.account_id = a.id
     GROUP BY d.name, a.localpart, a.quota_bytes;

CREATE VIEW inbound_per_hour AS
    SELECT date_trunc('hour', received_at) AS hour, protocol,
           count(*) AS messages, sum(cardinality(recipients)) AS recipients,
           sum(size)::bigint AS bytes
      FROM inbound_messages
     GROUP BY 1, 2;
