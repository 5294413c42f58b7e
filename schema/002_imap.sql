-- 002_imap.sql — what IMAP and POP3 need beyond the foundation.
--
--  * Full-text search: the decoded header and body text of each stored
--    content, indexed with PostgreSQL full-text search, so SEARCH BODY/TEXT
--    never scans message bytes in the node.
--  * Expunge tombstones: the UIDs removed from a mailbox and the modseq of
--    their removal, so QRESYNC clients get VANISHED (RFC 7162).
--  * Change notification: any change of a mailbox's highestmodseq or
--    uidnext (delivery, APPEND, STORE, EXPUNGE, COPY, MOVE) notifies the
--    channel petrel_mailbox with "account_id mailbox_id", so IDLE sessions on
--    every node see it at once.
--  * The message operations themselves as functions (flags, expunge,
--    copy/move, append, rename), each taking its mailbox locks in one global
--    order, so concurrent sessions on different nodes never deadlock and
--    UIDs and modseqs stay strictly increasing.
--  * Failed logins, recorded for the operator and the brute-force bans.

-- Set per content at delivery/APPEND by the node (lib-mail/message-text).
CREATE TABLE message_search (
    content_id  bigint PRIMARY KEY REFERENCES message_contents(id) ON DELETE CASCADE,
    headers     text NOT NULL,      -- unfolded "Name: decoded value" lines
    body        text NOT NULL       -- decoded text of the text/* parts, capped
);
-- Word index for SEARCH BODY/TEXT; the node rechecks with ILIKE for the
-- exact substring, so the index only narrows the candidates.
CREATE INDEX message_search_body ON message_search
    USING gin (to_tsvector('simple', body));

-- IMAP SEARCH HEADER: does one of the header lines named p_field contain
-- p_value (case-insensitively)? An empty p_value matches any such line.
CREATE FUNCTION petrel_header_matches(p_headers text, p_field text, p_value text)
RETURNS boolean LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT EXISTS (
        SELECT 1 FROM regexp_split_to_table(p_headers, E'\n') AS line
         WHERE lower(split_part(line, ':', 1)) = lower(p_field)
           AND strpos(lower(substr(line, strpos(line, ':') + 1)), lower(p_value)) > 0);
$$;

-- When a message was put into its mailbox (delivery, APPEND, COPY, MOVE):
-- autoexpunge counts from here, not from the internal date a client chose.
ALTER TABLE messages ADD COLUMN saved_at timestamptz NOT NULL DEFAULT now();

-- Keywords ever set in a mailbox, for the FLAGS response at SELECT without
-- reading every message (kept by the functions below).
ALTER TABLE mailboxes ADD COLUMN keywords text[] NOT NULL DEFAULT '{}';

-- Cheap UNSEEN counts and first-unseen at SELECT, and EXPUNGE candidates.
CREATE INDEX messages_unseen ON messages (account_id, mailbox_id, uid) WHERE (flags & 1) = 0;
CREATE INDEX messages_deleted ON messages (account_id, mailbox_id, uid) WHERE (flags & 8) <> 0;

CREATE TABLE expunged_messages (
    account_id  bigint NOT NULL,
    mailbox_id  bigint NOT NULL,
    uid         bigint NOT NULL,
    modseq      bigint NOT NULL,
    PRIMARY KEY (account_id, mailbox_id, uid),
    FOREIGN KEY (account_id, mailbox_id) REFERENCES mailboxes(account_id, id) ON DELETE CASCADE
);
CREATE INDEX expunged_messages_modseq ON expunged_messages (account_id, mailbox_id, modseq);

CREATE FUNCTION petrel_mailbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    v_row mailboxes;
BEGIN
    IF TG_OP = 'DELETE' THEN
        v_row := OLD;
    ELSE
        v_row := NEW;
    END IF;
    -- Identical payloads in one transaction are sent once.
    PERFORM pg_notify('petrel_mailbox', v_row.account_id || ' ' || v_row.id);
    RETURN NULL;
END $$;
CREATE TRIGGER mailbox_changed AFTER UPDATE OF highestmodseq, uidnext ON mailboxes
    FOR EACH ROW WHEN (OLD.highestmodseq IS DISTINCT FROM NEW.highestmodseq
                       OR OLD.uidnext IS DISTINCT FROM NEW.uidnext)
    EXECUTE FUNCTION petrel_mailbox_notify();
CREATE TRIGGER mailbox_deleted AFTER DELETE ON mailboxes
    FOR EACH ROW EXECUTE FUNCTION petrel_mailbox_notify();

-- Every failed login (IMAP, POP3, SMTP AUTH, admin), for the operator and
-- for the brute-force bans.
CREATE TABLE auth_failures (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at         timestamptz NOT NULL DEFAULT now(),
    node_id    text NOT NULL,
    protocol   text NOT NULL,
    client_ip  inet,
    username   text NOT NULL,
    reason     text NOT NULL       -- 'password', 'unknown-user', 'blocked', 'master'
);
CREATE INDEX auth_failures_ip ON auth_failures (client_ip, at);
CREATE INDEX auth_failures_at ON auth_failures (at);

-- Store message bytes once (deduplicated by hash) with their parsed
-- metadata and search text; returns the content id.
CREATE FUNCTION petrel_store_content(
    p_sha256 bytea, p_raw bytea, p_header_size int,
    p_envelope text, p_bodystructure text, p_body text, p_sent_date timestamptz,
    p_subject text, p_from text, p_to text, p_cc text,
    p_message_id text, p_in_reply_to text, p_refs text,
    p_sort_subject text, p_sort_from text, p_sort_to text, p_sort_cc text,
    p_search_headers text, p_search_body text)
RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    v_content bigint;
BEGIN
    INSERT INTO message_contents (sha256, size, header_size, raw, envelope, bodystructure, body,
                                  sent_date, subject, from_addr, to_addr, cc_addr, message_id,
                                  in_reply_to, refs, sort_subject, sort_from, sort_to, sort_cc)
    VALUES (p_sha256, length(p_raw), p_header_size, p_raw, p_envelope, p_bodystructure, p_body,
            p_sent_date, p_subject, p_from, p_to, p_cc, p_message_id,
            p_in_reply_to, p_refs, p_sort_subject, p_sort_from, p_sort_to, p_sort_cc)
    ON CONFLICT (sha256) DO NOTHING
    RETURNING id INTO v_content;
    IF v_content IS NULL THEN
        SELECT id INTO v_content FROM message_contents WHERE sha256 = p_sha256;
    ELSE
        INSERT INTO message_search (content_id, headers, body)
        VALUES (v_content, p_search_headers, p_search_body);
    END IF;
    RETURN v_content;
END $$;

-- Delivery now stores the search text too (same contract as in 001).
DROP FUNCTION petrel_deliver(text, text, text, inet, text, text, text[], bytea, bytea, int,
                             text, text, text, timestamptz, text, text, text, text, text, text,
                             text, text, text, text, text, bigint[], bigint[]);
CREATE FUNCTION petrel_deliver(
    p_queue_id text, p_node_id text, p_protocol text, p_client_ip inet, p_helo text,
    p_mail_from text, p_recipients text[],
    p_sha256 bytea, p_raw bytea, p_header_size int,
    p_envelope text, p_bodystructure text, p_body text, p_sent_date timestamptz,
    p_subject text, p_from text, p_to text, p_cc text,
    p_message_id text, p_in_reply_to text, p_refs text,
    p_sort_subject text, p_sort_from text, p_sort_to text, p_sort_cc text,
    p_search_headers text, p_search_body text,
    p_account_ids bigint[], p_mailbox_ids bigint[])
RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    v_content bigint;
    v_size    int := length(p_raw);
BEGIN
    v_content := petrel_store_content(p_sha256, p_raw, p_header_size, p_envelope,
                                      p_bodystructure, p_body, p_sent_date, p_subject, p_from,
                                      p_to, p_cc, p_message_id, p_in_reply_to, p_refs,
                                      p_sort_subject, p_sort_from, p_sort_to, p_sort_cc,
                                      p_search_headers, p_search_body);
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

-- Errors the node turns into IMAP response codes.
--   PTNMB  the mailbox does not exist (any more)      -> NO [NONEXISTENT]
--   PTQTA  the account's quota would be exceeded     -> NO [OVERQUOTA]
--   PTEXI  the target mailbox name already exists    -> NO [ALREADYEXISTS]
--   PTCHL  the mailbox has children                   -> NO [HASCHILDREN]
--   PTINV  the operation is not allowed on this name  -> NO [CANNOT]

-- Lock one mailbox row and return its next modseq; PTNMB when it is gone.
CREATE FUNCTION petrel_mailbox_lock(p_account bigint, p_mailbox bigint)
RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    v_modseq bigint;
BEGIN
    SELECT highestmodseq + 1 INTO v_modseq FROM mailboxes
     WHERE account_id = p_account AND id = p_mailbox FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'mailbox does not exist' USING ERRCODE = 'PTNMB';
    END IF;
    RETURN v_modseq;
END $$;

-- Would adding p_bytes exceed the account's quota? Raises PTQTA.
CREATE FUNCTION petrel_quota_check(p_account bigint, p_bytes bigint)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    v_quota bigint;
    v_used  bigint;
BEGIN
    SELECT quota_bytes INTO v_quota FROM accounts WHERE id = p_account;
    IF v_quota > 0 THEN
        SELECT coalesce(sum(bytes), 0) INTO v_used FROM mailboxes WHERE account_id = p_account;
        IF v_used + p_bytes > v_quota THEN
            RAISE EXCEPTION 'quota exceeded' USING ERRCODE = 'PTQTA';
        END IF;
    END IF;
END $$;

-- Keyword lists: case-insensitive set union and difference, order kept.
CREATE FUNCTION petrel_keywords_add(p_have text[], p_add text[])
RETURNS text[] LANGUAGE sql IMMUTABLE AS $$
    SELECT p_have || coalesce(array_agg(k ORDER BY o), '{}')
      FROM (SELECT DISTINCT ON (lower(k)) k, o FROM unnest(p_add) WITH ORDINALITY AS a(k, o)
             ORDER BY lower(k), o) AS n
     WHERE NOT EXISTS (SELECT 1 FROM unnest(p_have) h WHERE lower(h) = lower(n.k));
$$;
CREATE FUNCTION petrel_keywords_remove(p_have text[], p_remove text[])
RETURNS text[] LANGUAGE sql IMMUTABLE AS $$
    SELECT coalesce(array_agg(h ORDER BY o), '{}')
      FROM unnest(p_have) WITH ORDINALITY AS a(h, o)
     WHERE NOT EXISTS (SELECT 1 FROM unnest(p_remove) r WHERE lower(r) = lower(a.h));
$$;

-- STORE: p_mode 0 replaces, 1 adds, 2 removes p_flags (bits) and
-- p_keywords. Every message of p_uids is returned with its state after the
-- command and a status: 'changed' (it got the new modseq), 'unchanged'
-- (nothing to change), 'conflict' (modseq above p_unchangedsince, RFC 7162).
-- All messages changed by one command share one new modseq.
CREATE FUNCTION petrel_store_flags(p_account bigint, p_mailbox bigint, p_uids int8multirange,
                                   p_mode int, p_flags smallint, p_keywords text[],
                                   p_unchangedsince bigint)
RETURNS TABLE (uid bigint, flags smallint, keywords text[], modseq bigint, status text)
LANGUAGE plpgsql AS $$
DECLARE
    v_modseq bigint := petrel_mailbox_lock(p_account, p_mailbox);
BEGIN
    RETURN QUERY
    WITH target AS (
        SELECT m.uid, m.flags AS old_flags, m.keywords AS old_kw, m.modseq AS old_modseq,
               CASE p_mode WHEN 0 THEN p_flags
                           WHEN 1 THEN m.flags | p_flags
                           ELSE m.flags & ~p_flags END::smallint AS new_flags,
               CASE p_mode WHEN 0 THEN petrel_keywords_add('{}', p_keywords)
                           WHEN 1 THEN petrel_keywords_add(m.keywords, p_keywords)
                           ELSE petrel_keywords_remove(m.keywords, p_keywords) END AS new_kw
          FROM messages m
         WHERE m.account_id = p_account AND m.mailbox_id = p_mailbox
           AND m.uid >= lower(p_uids) AND m.uid < upper(p_uids) AND m.uid <@ p_uids
           FOR UPDATE),
    upd AS (
        UPDATE messages m SET flags = t.new_flags, keywords = t.new_kw, modseq = v_modseq
          FROM target t
         WHERE m.account_id = p_account AND m.mailbox_id = p_mailbox AND m.uid = t.uid
           AND (t.new_flags <> t.old_flags OR t.new_kw <> t.old_kw)
           AND (p_unchangedsince IS NULL OR t.old_modseq <= p_unchangedsince)
        RETURNING m.uid)
    SELECT t.uid,
           CASE WHEN u.uid IS NULL THEN t.old_flags ELSE t.new_flags END,
           CASE WHEN u.uid IS NULL THEN t.old_kw ELSE t.new_kw END,
           CASE WHEN u.uid IS NULL THEN t.old_modseq ELSE v_modseq END,
           CASE WHEN u.uid IS NOT NULL THEN 'changed'
                WHEN p_unchangedsince IS NOT NULL AND t.old_modseq > p_unchangedsince
                     THEN 'conflict'
                ELSE 'unchanged' END
      FROM target t LEFT JOIN upd u ON u.uid = t.uid
     ORDER BY t.uid;

    UPDATE mailboxes SET highestmodseq = v_modseq
     WHERE account_id = p_account AND id = p_mailbox
       AND EXISTS (SELECT 1 FROM messages m WHERE m.account_id = p_account
                      AND m.mailbox_id = p_mailbox AND m.modseq = v_modseq);
    IF p_mode <> 2 AND cardinality(p_keywords) > 0 THEN
        UPDATE mailboxes mb SET keywords = petrel_keywords_add(mb.keywords, p_keywords)
         WHERE mb.account_id = p_account AND mb.id = p_mailbox;
    END IF;
END $$;

-- Remove the given messages from a mailbox its caller has locked (see
-- petrel_mailbox_lock), leaving tombstones with modseq p_modseq. Returns
-- the UIDs removed, ascending.
CREATE FUNCTION petrel_remove_messages(p_account bigint, p_mailbox bigint, p_uids bigint[],
                                       p_modseq bigint)
RETURNS bigint[] LANGUAGE plpgsql AS $$
DECLARE
    v_uids  bigint[];
    v_count int;
    v_bytes bigint;
BEGIN
    WITH del AS (
        DELETE FROM messages m
         WHERE m.account_id = p_account AND m.mailbox_id = p_mailbox AND m.uid = ANY (p_uids)
        RETURNING m.uid, m.size),
    tomb AS (
        INSERT INTO expunged_messages (account_id, mailbox_id, uid, modseq)
        SELECT p_account, p_mailbox, uid, p_modseq FROM del
        ON CONFLICT (account_id, mailbox_id, uid) DO UPDATE SET modseq = excluded.modseq)
    SELECT array_agg(uid ORDER BY uid), count(*), coalesce(sum(size), 0)
      INTO v_uids, v_count, v_bytes FROM del;
    IF v_count > 0 THEN
        UPDATE mailboxes SET highestmodseq = p_modseq, messages = messages - v_count,
                             bytes = bytes - v_bytes
         WHERE account_id = p_account AND id = p_mailbox;
    END IF;
    RETURN coalesce(v_uids, '{}');
END $$;

-- EXPUNGE (p_uids NULL) and UID EXPUNGE: remove the \Deleted messages.
CREATE FUNCTION petrel_expunge(p_account bigint, p_mailbox bigint, p_uids int8multirange)
RETURNS SETOF bigint LANGUAGE plpgsql AS $$
DECLARE
    v_modseq bigint := petrel_mailbox_lock(p_account, p_mailbox);
    v_uids   bigint[];
BEGIN
    SELECT array_agg(m.uid) INTO v_uids FROM messages m
     WHERE m.account_id = p_account AND m.mailbox_id = p_mailbox AND (m.flags & 8) <> 0
       AND (p_uids IS NULL OR (m.uid >= lower(p_uids) AND m.uid < upper(p_uids)
                               AND m.uid <@ p_uids));
    IF v_uids IS NULL THEN
        RETURN;
    END IF;
    RETURN QUERY SELECT unnest(petrel_remove_messages(p_account, p_mailbox, v_uids, v_modseq));
END $$;

-- COPY and MOVE (RFC 6851): the messages of p_uids get consecutive new UIDs
-- in the destination, in UID order; flags, keywords and internal date go
-- with them. Returns the destination UIDVALIDITY and the UID pairs.
CREATE FUNCTION petrel_copy(p_account bigint, p_src bigint, p_dst bigint,
                            p_uids int8multirange, p_move boolean)
RETURNS TABLE (uidvalidity bigint, src_uid bigint, dst_uid bigint)
LANGUAGE plpgsql AS $$
DECLARE
    v_next   bigint;
    v_modseq bigint;
    v_uidv   bigint;
    v_src    bigint[];
    v_count  int;
    v_bytes  bigint;
BEGIN
    IF petrel_lock_mailboxes(ARRAY[p_account, p_account], ARRAY[p_src, p_dst]) = 0 THEN
        RAISE EXCEPTION 'mailbox does not exist' USING ERRCODE = 'PTNMB';
    END IF;
    SELECT mb.uidnext, mb.highestmodseq + 1, mb.uidvalidity INTO v_next, v_modseq, v_uidv
      FROM mailboxes mb WHERE mb.account_id = p_account AND mb.id = p_dst;
    IF NOT FOUND OR NOT EXISTS (SELECT 1 FROM mailboxes mb
                                 WHERE mb.account_id = p_account AND mb.id = p_src) THEN
        RAISE EXCEPTION 'mailbox does not exist' USING ERRCODE = 'PTNMB';
    END IF;
    SELECT array_agg(m.uid ORDER BY m.uid), count(*), coalesce(sum(m.size), 0)
      INTO v_src, v_count, v_bytes
      FROM messages m
     WHERE m.account_id = p_account AND m.mailbox_id = p_src
       AND m.uid >= lower(p_uids) AND m.uid < upper(p_uids) AND m.uid <@ p_uids;
    IF v_count = 0 THEN
        RETURN;
    END IF;
    IF NOT p_move THEN
        PERFORM petrel_quota_check(p_account, v_bytes);
    END IF;

    INSERT INTO messages (account_id, mailbox_id, uid, content_id, size, flags, keywords,
                          modseq, internal_date)
    SELECT p_account, p_dst, v_next + s.n - 1, m.content_id, m.size, m.flags, m.keywords,
           v_modseq, m.internal_date
      FROM unnest(v_src) WITH ORDINALITY AS s(uid, n)
      JOIN messages m ON m.account_id = p_account AND m.mailbox_id = p_src AND m.uid = s.uid;
    UPDATE mailboxes SET uidnext = uidnext + v_count, highestmodseq = v_modseq,
                         messages = messages + v_count, bytes = bytes + v_bytes,
                         keywords = petrel_keywords_add(keywords, coalesce(
                             (SELECT array_agg(DISTINCT k) FROM messages m, unnest(m.keywords) k
                               WHERE m.account_id = p_account AND m.mailbox_id = p_dst
                                 AND m.uid >= v_next AND cardinality(m.keywords) > 0),
                             '{}'))
     WHERE account_id = p_account AND id = p_dst;

    IF p_move THEN
        PERFORM petrel_remove_messages(p_account, p_src, v_src,
                                       CASE WHEN p_src = p_dst THEN v_modseq
                                            ELSE petrel_mailbox_lock(p_account, p_src) END);
    END IF;
    RETURN QUERY SELECT v_uidv, s.uid, v_next + s.n - 1
                   FROM unnest(v_src) WITH ORDINALITY AS s(uid, n);
END $$;

-- APPEND one message: quota check, content stored once, the next UID.
CREATE FUNCTION petrel_append(
    p_account bigint, p_mailbox bigint, p_flags smallint, p_keywords text[],
    p_internal_date timestamptz,
    p_sha256 bytea, p_raw bytea, p_header_size int,
    p_envelope text, p_bodystructure text, p_body text, p_sent_date timestamptz,
    p_subject text, p_from text, p_to text, p_cc text,
    p_message_id text, p_in_reply_to text, p_refs text,
    p_sort_subject text, p_sort_from text, p_sort_to text, p_sort_cc text,
    p_search_headers text, p_search_body text)
RETURNS TABLE (uidvalidity bigint, uid bigint)
LANGUAGE plpgsql AS $$
DECLARE
    v_modseq  bigint := petrel_mailbox_lock(p_account, p_mailbox);
    v_size    int := length(p_raw);
    v_content bigint;
    v_uid     bigint;
    v_uidv    bigint;
BEGIN
    PERFORM petrel_quota_check(p_account, v_size);
    v_content := petrel_store_content(p_sha256, p_raw, p_header_size, p_envelope,
                                      p_bodystructure, p_body, p_sent_date, p_subject, p_from,
                                      p_to, p_cc, p_message_id, p_in_reply_to, p_refs,
                                      p_sort_subject, p_sort_from, p_sort_to, p_sort_cc,
                                      p_search_headers, p_search_body);
    UPDATE mailboxes mb
       SET uidnext = mb.uidnext + 1, highestmodseq = v_modseq,
           messages = mb.messages + 1, bytes = mb.bytes + v_size,
           keywords = petrel_keywords_add(mb.keywords, p_keywords)
     WHERE mb.account_id = p_account AND mb.id = p_mailbox
    RETURNING mb.uidnext - 1, mb.uidvalidity INTO v_uid, v_uidv;
    INSERT INTO messages (account_id, mailbox_id, uid, content_id, size, flags, keywords,
                          modseq, internal_date)
    VALUES (p_account, p_mailbox, v_uid, v_content, v_size, p_flags,
            petrel_keywords_add('{}', p_keywords), v_modseq,
            coalesce(p_internal_date, now()));
    RETURN QUERY SELECT v_uidv, v_uid;
END $$;

-- The missing parents of a mailbox name ("a/b/c" needs "a" and "a/b").
CREATE FUNCTION petrel_mailbox_parents(p_account bigint, p_name text)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    v_parts text[] := string_to_array(p_name, '/');
BEGIN
    FOR i IN 1 .. cardinality(v_parts) - 1 LOOP
        INSERT INTO mailboxes (account_id, name)
        VALUES (p_account, array_to_string(v_parts[1:i], '/'))
        ON CONFLICT (account_id, name) DO NOTHING;
    END LOOP;
END $$;

-- CREATE: the mailbox and any missing parents. PTEXI when the name itself
-- exists.
CREATE FUNCTION petrel_mailbox_create(p_account bigint, p_name text, p_special_use text)
RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    v_id bigint;
BEGIN
    PERFORM petrel_mailbox_parents(p_account, p_name);
    INSERT INTO mailboxes (account_id, name, special_use)
    VALUES (p_account, p_name, p_special_use)
    ON CONFLICT (account_id, name) DO NOTHING
    RETURNING id INTO v_id;
    IF v_id IS NULL THEN
        RAISE EXCEPTION 'mailbox already exists' USING ERRCODE = 'PTEXI';
    END IF;
    RETURN v_id;
END $$;

-- DELETE: not INBOX, not while it has children (RFC 9051 [HASCHILDREN]).
CREATE FUNCTION petrel_mailbox_delete(p_account bigint, p_name text)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF p_name = 'INBOX' THEN
        RAISE EXCEPTION 'INBOX cannot be deleted' USING ERRCODE = 'PTINV';
    END IF;
    IF EXISTS (SELECT 1 FROM mailboxes WHERE account_id = p_account
                  AND left(name, length(p_name) + 1) = p_name || '/') THEN
        RAISE EXCEPTION 'mailbox has children' USING ERRCODE = 'PTCHL';
    END IF;
    DELETE FROM mailboxes WHERE account_id = p_account AND name = p_name;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'mailbox does not exist' USING ERRCODE = 'PTNMB';
    END IF;
END $$;

-- RENAME with its children. Renaming INBOX moves its messages into a new
-- mailbox and leaves INBOX empty (RFC 9051 6.3.6); INBOX's children stay.
CREATE FUNCTION petrel_mailbox_rename(p_account bigint, p_old text, p_new text)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    v_inbox  mailboxes;
    v_new    bigint;
    v_modseq bigint;
BEGIN
    IF p_new = 'INBOX' OR left(p_new, length(p_old) + 1) = p_old || '/' THEN
        RAISE EXCEPTION 'cannot rename to that name' USING ERRCODE = 'PTINV';
    END IF;
    IF EXISTS (SELECT 1 FROM mailboxes WHERE account_id = p_account AND name = p_new) THEN
        RAISE EXCEPTION 'mailbox already exists' USING ERRCODE = 'PTEXI';
    END IF;
    IF p_old = 'INBOX' THEN
        SELECT * INTO v_inbox FROM mailboxes WHERE account_id = p_account AND name = 'INBOX';
        v_modseq := petrel_mailbox_lock(p_account, v_inbox.id);
        v_new := petrel_mailbox_create(p_account, p_new, NULL);
        UPDATE mailboxes SET uidnext = v_inbox.uidnext, highestmodseq = v_inbox.highestmodseq,
                             messages = v_inbox.messages, bytes = v_inbox.bytes
         WHERE account_id = p_account AND id = v_new;
        INSERT INTO expunged_messages (account_id, mailbox_id, uid, modseq)
        SELECT p_account, v_inbox.id, uid, v_modseq FROM messages
         WHERE account_id = p_account AND mailbox_id = v_inbox.id
        ON CONFLICT (account_id, mailbox_id, uid) DO UPDATE SET modseq = excluded.modseq;
        UPDATE messages SET mailbox_id = v_new
         WHERE account_id = p_account AND mailbox_id = v_inbox.id;
        UPDATE mailboxes SET highestmodseq = v_modseq, messages = 0, bytes = 0
         WHERE account_id = p_account AND id = v_inbox.id;
        RETURN;
    END IF;
    PERFORM petrel_mailbox_parents(p_account, p_new);
    UPDATE mailboxes SET name = p_new || substr(name, length(p_old) + 1)
     WHERE account_id = p_account
       AND (name = p_old OR left(name, length(p_old) + 1) = p_old || '/');
    IF NOT FOUND THEN
        RAISE EXCEPTION 'mailbox does not exist' USING ERRCODE = 'PTNMB';
    END IF;
END $$;

-- Autoexpunge (run by one node at a time under an advisory lock): remove
-- messages saved into \Trash and \Junk mailboxes more than the domain's
-- autoexpunge_days ago (p_default_days when no setting names a value; 0 =
-- never). At most p_limit messages per call; returns how many went.
CREATE FUNCTION petrel_autoexpunge(p_default_days int, p_limit int)
RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    r       record;
    v_total bigint := 0;
    v_uids  bigint[];
BEGIN
    FOR r IN
        SELECT mb.account_id, mb.id, days.value AS days
          FROM mailboxes mb
          JOIN accounts a ON a.id = mb.account_id
          CROSS JOIN LATERAL (
              SELECT coalesce(
                  (SELECT s.value::int FROM settings s WHERE s.scope = 'domain'
                      AND s.scope_id = a.domain_id AND s.name = 'autoexpunge_days'),
                  (SELECT s.value::int FROM settings s WHERE s.scope = 'server'
                      AND s.scope_id = 0 AND s.name = 'autoexpunge_days'),
                  p_default_days) AS value) AS days
         WHERE mb.special_use IN ('\Trash', '\Junk') AND days.value > 0 AND mb.messages > 0
    LOOP
        EXIT WHEN v_total >= p_limit;
        SELECT array_agg(m.uid) INTO v_uids FROM (
            SELECT m.uid FROM messages m
             WHERE m.account_id = r.account_id AND m.mailbox_id = r.id
               AND m.saved_at < now() - make_interval(days => r.days)
             ORDER BY m.uid LIMIT p_limit - v_total) AS m;
        IF v_uids IS NOT NULL THEN
            v_total := v_total + cardinality(petrel_remove_messages(
                r.account_id, r.id, v_uids, petrel_mailbox_lock(r.account_id, r.id)));
        END IF;
    END LOOP;
    RETURN v_total;
END $$;
