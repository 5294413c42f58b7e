-- 006_queue_runner.sql — what the delivery runners (node/outbound-runner.c)
-- need beyond 005: a claim that skips destination domains the runner is
-- already at its limit for, set-based results for a whole batch, lease
-- renewal for slow batches and the release of unattempted claims on
-- shutdown.

-- The oldest due destination domain not in p_skip. First a bounded look
-- at the oldest due rows in time order (the common case: the oldest row's
-- domain is not skipped); when those all belong to skipped domains, a
-- skip-scan over the distinct domains of queue_recipients_due_domain,
-- one index probe per domain, so 100,000 due rows of one skipped domain
-- are never read.
CREATE FUNCTION petrel_queue_due_domain(p_skip text[])
RETURNS text LANGUAGE plpgsql STABLE SET plan_cache_mode = force_custom_plan AS $$
DECLARE
    v_domain text;
BEGIN
    SELECT o.domain INTO v_domain
      FROM (SELECT r.domain FROM queue_recipients r
             WHERE r.state IN ('queued', 'deferred') AND r.next_attempt_at <= now()
             ORDER BY r.next_attempt_at LIMIT 200) AS o
     WHERE o.domain <> ALL (p_skip) LIMIT 1;
    IF v_domain IS NOT NULL OR cardinality(p_skip) = 0 THEN
        RETURN v_domain;
    END IF;
    WITH RECURSIVE d(domain) AS (
        (SELECT r.domain FROM queue_recipients r
          WHERE r.state IN ('queued', 'deferred') ORDER BY r.domain LIMIT 1)
        UNION ALL
        SELECT (SELECT r.domain FROM queue_recipients r
                 WHERE r.state IN ('queued', 'deferred') AND r.domain > d.domain
                 ORDER BY r.domain LIMIT 1)
          FROM d WHERE d.domain IS NOT NULL)
    SELECT d.domain INTO v_domain
      FROM d CROSS JOIN LATERAL (
             SELECT min(r.next_attempt_at) AS due FROM queue_recipients r
              WHERE r.domain = d.domain AND r.state IN ('queued', 'deferred')) AS m
     WHERE d.domain IS NOT NULL AND d.domain <> ALL (p_skip) AND m.due <= now()
     ORDER BY m.due LIMIT 1;
    RETURN v_domain;
END $$;

-- Claim up to p_max due recipients of one destination domain not in
-- p_skip, as petrel_queue_claim(holder, max, lease) in 005 does, and also
-- return the id of the sender's domain when it is a local one (its
-- settings, e.g. outbound_smarthost, route the message). The domain whose
-- rows are all locked by concurrent claimers is skipped and the next one
-- tried, so a claim comes back empty only when nothing claimable is due.
CREATE FUNCTION petrel_queue_claim(p_holder text, p_max int, p_lease int, p_skip text[])
RETURNS TABLE (recipient_id bigint, queue_id text, sender text, recipient text, domain text,
               content_id bigint, size integer, attempts integer, sender_domain_id bigint)
LANGUAGE plpgsql SET plan_cache_mode = force_custom_plan AS $$
DECLARE
    v_skip   text[] := coalesce(p_skip, '{}');
    v_domain text;
    v_ids    bigint[];
BEGIN
    IF p_max < 1 THEN
        RETURN;
    END IF;
    FOR i IN 1..8 LOOP
        -- lost claims first: they have waited longest
        SELECT r.domain INTO v_domain FROM queue_recipients r
         WHERE r.state = 'delivering' AND r.lease_until < now() AND r.domain <> ALL (v_skip)
         ORDER BY r.lease_until LIMIT 1;
        IF v_domain IS NULL THEN
            v_domain := petrel_queue_due_domain(v_skip);
        END IF;
        IF v_domain IS NULL THEN
            RETURN;
        END IF;
        SELECT coalesce(array_agg(s.id), '{}') INTO v_ids
          FROM (SELECT r.id FROM queue_recipients r
                 WHERE r.domain = v_domain AND r.state = 'delivering' AND r.lease_until < now()
                 ORDER BY r.lease_until LIMIT p_max FOR UPDATE SKIP LOCKED) AS s;
        IF cardinality(v_ids) < p_max THEN
            SELECT v_ids || coalesce(array_agg(s.id), '{}') INTO v_ids
              FROM (SELECT r.id FROM queue_recipients r
                     WHERE r.domain = v_domain AND r.state IN ('queued', 'deferred')
                       AND r.next_attempt_at <= now()
                     ORDER BY r.next_attempt_at LIMIT p_max - cardinality(v_ids)
                       FOR UPDATE SKIP LOCKED) AS s;
        END IF;
        EXIT WHEN cardinality(v_ids) > 0;
        v_skip := v_skip || v_domain;
    END LOOP;
    IF coalesce(cardinality(v_ids), 0) = 0 THEN
        RETURN;
    END IF;
    RETURN QUERY
    WITH claimed AS (
        UPDATE queue_recipients r
           SET state = 'delivering', lease_node = p_holder,
               lease_until = now() + make_interval(secs => p_lease), updated_at = now()
         WHERE r.id = ANY (v_ids)
        RETURNING r.id, r.message_id, r.recipient, r.domain, r.attempts)
    SELECT c.id, m.queue_id, m.sender, c.recipient, c.domain, m.content_id, m.size, c.attempts,
           (SELECT d.id FROM domains d
             WHERE d.name = lower(substring(m.sender FROM '@([^@]+)$')))
      FROM claimed c JOIN queue_messages m ON m.id = c.message_id
     ORDER BY c.message_id, c.id;
END $$;

-- 005's three-argument claim is the same claim with nothing skipped.
CREATE OR REPLACE FUNCTION petrel_queue_claim(p_holder text, p_max int, p_lease int)
RETURNS TABLE (recipient_id bigint, queue_id text, sender text, recipient text, domain text,
               content_id bigint, size integer, attempts integer)
LANGUAGE sql AS $$
    SELECT c.recipient_id, c.queue_id, c.sender, c.recipient, c.domain, c.content_id, c.size,
           c.attempts
      FROM petrel_queue_claim(p_holder, p_max, p_lease, '{}') AS c;
$$;

-- The results of a whole batch in one statement: per recipient its new
-- state ('sent', 'failed' or 'deferred'), reply code and text. Deferred
-- ones wait the schedule's step for their attempt (as petrel_queue_defer)
-- or expire. Only rows p_holder still holds under an unexpired lease are
-- changed; those are returned with their new state.
CREATE FUNCTION petrel_queue_results(p_holder text, p_ids bigint[], p_states text[],
                                     p_codes int[], p_texts text[], p_schedule int[])
RETURNS TABLE (recipient_id bigint, state text) LANGUAGE plpgsql AS $$
BEGIN
    IF coalesce(cardinality(p_schedule), 0) = 0 OR (1 > ANY (p_schedule)) IS NOT FALSE THEN
        RAISE EXCEPTION 'petrel_queue_results: the retry schedule needs positive steps';
    END IF;
    IF EXISTS (SELECT 1 FROM unnest(p_states) s WHERE s NOT IN ('sent', 'failed', 'deferred'))
    THEN
        RAISE EXCEPTION 'petrel_queue_results: a state is not sent, failed or deferred';
    END IF;
    RETURN QUERY
    UPDATE queue_recipients r
       SET state = CASE WHEN i.state <> 'deferred' THEN i.state
                        WHEN m.expires_at <= now() THEN 'expired' ELSE 'deferred' END,
           attempts = r.attempts + 1, last_code = i.code,
           last_error = CASE WHEN i.state = 'sent' THEN r.last_error ELSE i.text END,
           next_attempt_at = CASE WHEN i.state <> 'deferred' THEN r.next_attempt_at
               ELSE least(m.expires_at, now() + make_interval(secs =>
                   p_schedule[least(r.attempts + 1, cardinality(p_schedule))])) END,
           lease_node = NULL, lease_until = NULL, updated_at = now()
      FROM unnest(p_ids, p_states, p_codes, p_texts) AS i(id, state, code, text),
           queue_messages m
     WHERE r.id = i.id AND m.id = r.message_id AND r.state = 'delivering'
       AND r.lease_node = p_holder AND r.lease_until > now()
    RETURNING r.id, r.state;
END $$;

-- A batch slower than the lease keeps its claim: extend the lease of the
-- rows p_holder still holds; returns how many.
CREATE FUNCTION petrel_queue_renew(p_holder text, p_ids bigint[], p_lease int)
RETURNS bigint LANGUAGE sql AS $$
    WITH renewed AS (
        UPDATE queue_recipients r
           SET lease_until = now() + make_interval(secs => p_lease), updated_at = now()
         WHERE r.id = ANY (p_ids) AND r.state = 'delivering' AND r.lease_node = p_holder
           AND r.lease_until > now()
        RETURNING 1)
    SELECT count(*) FROM renewed;
$$;

-- A draining runner gives back claims it never attempted: due again at
-- once (the NOTIFY trigger wakes other runners), no attempt counted.
CREATE FUNCTION petrel_queue_release(p_holder text, p_ids bigint[])
RETURNS bigint LANGUAGE sql AS $$
    WITH released AS (
        UPDATE queue_recipients r
           SET state = CASE WHEN r.attempts = 0 THEN 'queued' ELSE 'deferred' END,
               next_attempt_at = now(), lease_node = NULL, lease_until = NULL,
               updated_at = now()
         WHERE r.id = ANY (p_ids) AND r.state = 'delivering' AND r.lease_node = p_holder
        RETURNING 1)
    SELECT count(*) FROM released;
$$;
