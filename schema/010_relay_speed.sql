-- 010_relay_speed.sql — cheaper relaying (issue 4's submission benchmark).
--
-- Content that only passes through the queue (relayed mail with no local
-- copy) is stored without search text: nobody will SEARCH it, and the
-- word index (petrel_search_index, 003) was a quarter of PostgreSQL's
-- work per relayed message. The node sends NULL search text for it.
-- Should the same bytes later be stored again with search text (a local
-- delivery or APPEND of identical content), they get it then: the rows
-- a batch meant to make searchable but found already stored are checked
-- and given a pending search row when they have none.

CREATE OR REPLACE FUNCTION petrel_store_contents(
    p_sha256 bytea[], p_raw bytea[], p_header_size int[],
    p_envelope text[], p_bodystructure text[], p_body text[], p_sent_date timestamptz[],
    p_subject text[], p_from text[], p_to text[], p_cc text[],
    p_message_id text[], p_in_reply_to text[], p_refs text[],
    p_sort_subject text[], p_sort_from text[], p_sort_to text[], p_sort_cc text[],
    p_search_headers text[], p_search_body text[])
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    v_added bigint;
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
     WHERE s.headers IS NOT NULL
    ON CONFLICT (content_id) DO NOTHING;
    GET DIAGNOSTICS v_added = ROW_COUNT;
    IF v_added = (SELECT count(DISTINCT s.sha256)
                    FROM unnest(p_sha256, p_search_headers) AS s(sha256, headers)
                   WHERE s.headers IS NOT NULL) THEN
        RETURN;
    END IF;
    -- Some searchable contents were stored already: each has its search
    -- row in one of the two tables unless it was stored unsearchable.
    -- (A row moving between the tables meanwhile is seen in one of them:
    -- petrel_search_index moves it in one statement.)
    INSERT INTO message_search_pending (content_id, headers, body)
    SELECT c.id, s.headers, s.body
      FROM unnest(p_sha256, p_search_headers, p_search_body) AS s(sha256, headers, body)
      CROSS JOIN LATERAL (SELECT c.id FROM message_contents c
                          WHERE c.sha256 = s.sha256 OFFSET 0) AS c
     WHERE s.headers IS NOT NULL
       AND NOT EXISTS (SELECT 1 FROM message_search_all a WHERE a.content_id = c.id)
    ON CONFLICT (content_id) DO NOTHING;
END $$;

-- The batch functions' statements read arrays through unnest and find
-- rows through unique-index lookups (LATERAL ... OFFSET 0), so one
-- generic plan serves every batch size. Left to choose, the plan cache
-- kept re-planning them on every call (a custom plan always looks cheaper
-- when it knows the array sizes): planning was a quarter of PostgreSQL's
-- CPU per relayed message. (Not the queue claim: its plans must follow
-- the queue's size, see 005.)
ALTER FUNCTION petrel_store_contents(bytea[], bytea[], int[], text[], text[], text[],
                                     timestamptz[], text[], text[], text[], text[], text[],
                                     text[], text[], text[], text[], text[], text[], text[],
                                     text[])
    SET plan_cache_mode = force_generic_plan;
ALTER FUNCTION petrel_deliver_batch(int[], text[], int[], bigint[], bigint[], text[], text[],
                                    text[], inet[], text[], text[], bytea[], bytea[], int[],
                                    text[], text[], text[], timestamptz[], text[], text[],
                                    text[], text[], text[], text[], text[], text[], text[],
                                    text[], text[], text[], text[])
    SET plan_cache_mode = force_generic_plan;
ALTER FUNCTION petrel_queue_add(text, int, text[], text[], bytea[], int[], text[])
    SET plan_cache_mode = force_generic_plan;

-- Whether p_address is the account's own address or an alias of it (the
-- submission sender check): the split at the last '@' lets both lookups
-- use the unique indexes. A function so that its plan is made once per
-- connection, not on every MAIL FROM.
CREATE FUNCTION petrel_sender_owned(p_account bigint, p_address text)
RETURNS boolean LANGUAGE plpgsql STABLE AS $$
DECLARE
    v_local  text := lower(substring(p_address FROM '^(.*)@[^@]*$'));
    v_domain text := lower(substring(p_address FROM '@([^@]*)$'));
    v_me     text;
BEGIN
    SELECT a.localpart || '@' || d.name INTO v_me
      FROM accounts a JOIN domains d ON d.id = a.domain_id
     WHERE a.id = p_account;
    IF v_me IS NULL THEN
        RETURN false;
    END IF;
    RETURN v_me = v_local || '@' || v_domain
        OR EXISTS (SELECT 1 FROM aliases al JOIN domains d ON d.id = al.domain_id
                    WHERE d.name = v_domain AND al.localpart = v_local AND al.localpart <> ''
                      AND lower(al.target) = v_me);
END $$;
