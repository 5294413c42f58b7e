-- 003_insert_speed.sql — cheaper message insertion (IMAP APPEND, SMTP/LMTP
-- delivery), same durability: everything is still committed before the
-- client hears OK.
--
--  * Deferred word index: the GIN index of message_search cost a third of
--    an insertion. New search text now goes to message_search_pending
--    (no word index) in the storing transaction, and a singleton
--    background job (petrel_search_index, run by the nodes' maintenance)
--    moves it into message_search in bulk. SEARCH reads both tables
--    through the view message_search_all, so a just-delivered message is
--    found at once; the pending table stays small, and the indexed one
--    still answers through its GIN index (the WHERE clause is pushed into
--    each branch of the UNION ALL).
--  * Set-based APPEND: petrel_append_batch stores a whole batch of
--    messages for one mailbox with one lock, one quota check, one
--    UPDATE of the mailbox row and multi-row INSERTs, and skips all keyword
--    work when no message has keywords.
--  * Set-based delivery: petrel_deliver_batch stores a group commit's
--    messages the same way, one UPDATE per target mailbox. The mailbox
--    locks are held until the commit is durable, so every statement saved
--    inside them is throughput for all deliveries to that mailbox.

CREATE TABLE message_search_pending (
    content_id  bigint PRIMARY KEY REFERENCES message_contents(id) ON DELETE CASCADE,
    headers     text NOT NULL,
    body        text NOT NULL
);

CREATE VIEW message_search_all AS
    SELECT content_id, headers, body FROM message_search
    UNION ALL
    SELECT content_id, headers, body FROM message_search_pending;

-- Move at most p_limit pending rows into the indexed table, oldest first;
-- returns how many moved. One statement: a concurrent SEARCH sees each row
-- in exactly one of the two tables.
CREATE FUNCTION petrel_search_index(p_limit int)
RETURNS bigint LANGUAGE sql AS $$
    WITH moved AS (
        DELETE FROM message_search_pending p
         WHERE p.content_id IN (SELECT q.content_id FROM message_search_pending q
                                 ORDER BY q.content_id LIMIT p_limit
                                   FOR UPDATE SKIP LOCKED)
        RETURNING p.content_id, p.headers, p.body),
    ins AS (
        INSERT INTO message_search (content_id, headers, body)
        SELECT content_id, headers, body FROM moved
        ON CONFLICT (content_id) DO NOTHING
        RETURNING 1)
    SELECT count(*) FROM moved;
$$;

-- Store the contents of a batch not stored yet (by sha256), with their
-- search text. The caller finds the ids by sha256 in its next statement,
-- which also sees contents a concurrent transaction committed meanwhile.
-- (plpgsql, not sql: its statement plan is cached across calls.)
CREATE FUNCTION petrel_store_contents(
    p_sha256 bytea[], p_raw bytea[], p_header_size int[],
    p_envelope text[], p_bodystructure text[], p_body text[], p_sent_date timestamptz[],
    p_subject text[], p_from text[], p_to text[], p_cc text[],
    p_message_id text[], p_in_reply_to text[], p_refs text[],
    p_sort_subject text[], p_sort_from text[], p_sort_to text[], p_sort_cc text[],
    p_search_headers text[], p_search_body text[])
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    -- a content twice in the batch is inserted once: DO NOTHING skips the
    -- second row as a conflict with the first
    WITH ins AS (
        INSERT INTO message_contents (sha256, size, header_size, raw, envelope, bodystructure,
                                      body, sent_date, subject, from_addr, to_addr, cc_addr,
                                      message_id, in_reply_to, refs, sort_subject, sort_from,
                                      sort_to, sort_cc)
        SELECT i.sha256, length(i.raw), i.header_size, i.raw, i.envelope, i.bodystructure,
               i.body, i.sent_date, i.subject, i.from_addr, i.to_addr, i.cc_addr,
               i.message_id, i.in_reply_to, i.refs, i.sort_subject, i.sort_from, i.sort_to,
               i.sort_cc
          FROM unnest(p_sha256, p_raw, p_header_size, p_envelope, p_bodystructure, p_body,
                      p_sent_date, p_subject, p_from, p_to, p_cc, p_message_id,
                      p_in_reply_to, p_refs, p_sort_subject, p_sort_from, p_sort_to,
                      p_sort_cc)
               AS i(sha256, raw, header_size, envelope, bodystructure, body, sent_date,
                    subject, from_addr, to_addr, cc_addr, message_id, in_reply_to, refs,
                    sort_subject, sort_from, sort_to, sort_cc)
        ON CONFLICT (sha256) DO NOTHING
        RETURNING id, sha256)
    INSERT INTO message_search_pending (content_id, headers, body)
    SELECT ins.id, s.headers, s.body
      FROM ins JOIN unnest(p_sha256, p_search_headers, p_search_body) AS s(sha256, headers, body)
           USING (sha256)
    ON CONFLICT (content_id) DO NOTHING;
END $$;

-- (The batch functions look contents up by sha256 in a LATERAL subquery
-- with OFFSET 0: a per-row index lookup whatever the statistics. plpgsql
-- caches its plans, and a join planned while message_contents was small
-- would stay a scan of the whole table as it grows.)

-- APPEND a batch of messages to one mailbox in UID order: one lock, one
-- quota check, one mailbox update; consecutive UIDs and modseqs as if
-- appended one by one. p_keywords holds each message's keywords
-- space-separated ('' for none); p_internal_dates are seconds since the
-- epoch, NULL for now. Returns the mailbox's UIDVALIDITY and the new UIDs
-- in input order.
CREATE FUNCTION petrel_append_batch(
    p_account bigint, p_mailbox bigint, p_flags smallint[], p_keywords text[],
    p_internal_dates float8[],
    p_sha256 bytea[], p_raw bytea[], p_header_size int[],
    p_envelope text[], p_bodystructure text[], p_body text[], p_sent_date timestamptz[],
    p_subject text[], p_from text[], p_to text[], p_cc text[],
    p_message_id text[], p_in_reply_to text[], p_refs text[],
    p_sort_subject text[], p_sort_from text[], p_sort_to text[], p_sort_cc text[],
    p_search_headers text[], p_search_body text[])
RETURNS TABLE (uidvalidity bigint, uid bigint)
LANGUAGE plpgsql AS $$
DECLARE
    v_modseq  bigint := petrel_mailbox_lock(p_account, p_mailbox);
    v_count   int := cardinality(p_raw);
    v_bytes   bigint;
    v_first   bigint;
    v_uidv    bigint;
    v_keyword boolean;
BEGIN
    SELECT coalesce(sum(length(r)), 0) INTO v_bytes FROM unnest(p_raw) AS r;
    PERFORM petrel_quota_check(p_account, v_bytes);
    PERFORM petrel_store_contents(p_sha256, p_raw, p_header_size, p_envelope, p_bodystructure,
                                  p_body, p_sent_date, p_subject, p_from, p_to, p_cc,
                                  p_message_id, p_in_reply_to, p_refs, p_sort_subject,
                                  p_sort_from, p_sort_to, p_sort_cc, p_search_headers,
                                  p_search_body);
    v_keyword := EXISTS (SELECT 1 FROM unnest(p_keywords) AS k WHERE k <> '');
    UPDATE mailboxes mb
       SET uidnext = mb.uidnext + v_count, highestmodseq = v_modseq + v_count - 1,
           messages = mb.messages + v_count, bytes = mb.bytes + v_bytes,
           keywords = CASE WHEN v_keyword THEN petrel_keywords_add(mb.keywords, ARRAY(
                          SELECT w.k FROM unnest(p_keywords) WITH ORDINALITY AS s(list, n),
                                 unnest(string_to_array(s.list, ' ')) WITH ORDINALITY AS w(k, o)
                           ORDER BY s.n, w.o))
                      ELSE mb.keywords END
     WHERE mb.account_id = p_account AND mb.id = p_mailbox
    RETURNING mb.uidnext - v_count, mb.uidvalidity INTO v_first, v_uidv;
    INSERT INTO messages (account_id, mailbox_id, uid, content_id, size, flags, keywords,
                          modseq, internal_date)
    SELECT p_account, p_mailbox, v_first + i.n - 1, c.id, c.size, i.flags,
           CASE WHEN i.keywords = '' THEN '{}'
                ELSE petrel_keywords_add('{}', string_to_array(i.keywords, ' ')) END,
           v_modseq + i.n - 1, coalesce(to_timestamp(i.internal_date), now())
      FROM unnest(p_sha256, p_flags, p_keywords, p_internal_dates) WITH ORDINALITY
           AS i(sha256, flags, keywords, internal_date, n)
      CROSS JOIN LATERAL (SELECT c.id, c.size FROM message_contents c
                          WHERE c.sha256 = i.sha256 OFFSET 0) AS c;
    RETURN QUERY SELECT v_uidv, v_first + n - 1 FROM generate_series(1, v_count) AS n;
END $$;

-- Deliver a batch of accepted messages (SMTP/LMTP group commit) whose
-- target mailboxes the caller has locked (petrel_lock_mailboxes): the
-- recipients as (message, address) pairs, the targets as (message,
-- account, mailbox) triples, messages numbered from 1, then the
-- per-message arrays p_queue_ids .. p_search_body. A mailbox gets its
-- messages in message order with consecutive UIDs and modseqs; a target
-- mailbox deleted meanwhile is skipped, as petrel_deliver (002) did.
CREATE FUNCTION petrel_deliver_batch(
    p_rcpt_msgs int[], p_rcpts text[],
    p_target_msgs int[], p_account_ids bigint[], p_mailbox_ids bigint[],
    p_queue_ids text[], p_node_ids text[], p_protocols text[], p_client_ips inet[],
    p_helos text[], p_mail_froms text[],
    p_sha256 bytea[], p_raw bytea[], p_header_size int[],
    p_envelope text[], p_bodystructure text[], p_body text[], p_sent_date timestamptz[],
    p_subject text[], p_from text[], p_to text[], p_cc text[],
    p_message_id text[], p_in_reply_to text[], p_refs text[],
    p_sort_subject text[], p_sort_from text[], p_sort_to text[], p_sort_cc text[],
    p_search_headers text[], p_search_body text[])
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    PERFORM petrel_store_contents(p_sha256, p_raw, p_header_size, p_envelope, p_bodystructure,
                                  p_body, p_sent_date, p_subject, p_from, p_to, p_cc,
                                  p_message_id, p_in_reply_to, p_refs, p_sort_subject,
                                  p_sort_from, p_sort_to, p_sort_cc, p_search_headers,
                                  p_search_body);
    WITH target AS (
        SELECT t.a, t.b, c.id AS content, c.size,
               row_number() OVER (PARTITION BY t.a, t.b ORDER BY t.msg, t.o) AS k,
               count(*) OVER (PARTITION BY t.a, t.b) AS count,
               sum(c.size) OVER (PARTITION BY t.a, t.b) AS bytes
          FROM unnest(p_target_msgs, p_account_ids, p_mailbox_ids) WITH ORDINALITY
               AS t(msg, a, b, o)
          CROSS JOIN LATERAL (SELECT c.id, c.size FROM message_contents c
                              WHERE c.sha256 = p_sha256[t.msg] OFFSET 0) AS c),
    mailbox AS (
        UPDATE mailboxes m
           SET uidnext = m.uidnext + g.count, highestmodseq = m.highestmodseq + g.count,
               messages = m.messages + g.count, bytes = m.bytes + g.bytes
          FROM (SELECT DISTINCT a, b, count, bytes FROM target) AS g
         WHERE m.account_id = g.a AND m.id = g.b
        RETURNING m.account_id, m.id, m.uidnext - g.count AS first,
                  m.highestmodseq - g.count AS modseq)
    INSERT INTO messages (account_id, mailbox_id, uid, content_id, size, modseq)
    SELECT t.a, t.b, mb.first + t.k - 1, t.content, t.size, mb.modseq + t.k
      FROM target t JOIN mailbox mb ON mb.account_id = t.a AND mb.id = t.b;

    INSERT INTO inbound_messages (queue_id, node_id, protocol, client_ip, helo, mail_from,
                                  recipients, size, content_id)
    SELECT i.queue_id, i.node_id, i.protocol, i.client_ip, i.helo, i.mail_from,
           ARRAY(SELECT r.rcpt FROM unnest(p_rcpt_msgs, p_rcpts) WITH ORDINALITY AS r(msg, rcpt, o)
                  WHERE r.msg = i.n ORDER BY r.o),
           c.size, c.id
      FROM unnest(p_queue_ids, p_node_ids, p_protocols, p_client_ips, p_helos, p_mail_froms,
                  p_sha256) WITH ORDINALITY
           AS i(queue_id, node_id, protocol, client_ip, helo, mail_from, sha256, n)
      CROSS JOIN LATERAL (SELECT c.id, c.size FROM message_contents c
                          WHERE c.sha256 = i.sha256 OFFSET 0) AS c;
END $$;

-- The one-message functions of 002, replaced by the batch functions.
DROP FUNCTION petrel_store_content(bytea, bytea, int, text, text, text, timestamptz, text, text,
                                   text, text, text, text, text, text, text, text, text, text,
                                   text);
DROP FUNCTION petrel_deliver(text, text, text, inet, text, text, text[], bytea, bytea, int,
                             text, text, text, timestamptz, text, text, text, text, text, text,
                             text, text, text, text, text, text, text, bigint[], bigint[]);
DROP FUNCTION petrel_append(bigint, bigint, smallint, text[], timestamptz, bytea, bytea, int,
                            text, text, text, timestamptz, text, text, text, text, text, text,
                            text, text, text, text, text, text, text);
