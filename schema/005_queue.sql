-- 005_queue.sql — the outbound queue (queue-pg/).
--
-- A message for remote recipients is one queue_messages row (envelope
-- sender, the content stored once in message_contents) and one
-- queue_recipients row per recipient, which carries the delivery state:
--
--   queued -> delivering -> sent | failed (5xx) | deferred (4xx) | expired
--   deferred -> delivering -> ...
--
-- Delivery runners in every worker of every node claim batches of due
-- recipients with FOR UPDATE SKIP LOCKED; a claim is a lease (holder,
-- lease_until). A holder that dies leaves its rows 'delivering' with an
-- expired lease, and the next claim takes them over. Only the current
-- lease holder may record a result, so a slow holder whose lease was taken
-- over cannot report a second outcome.
--
-- A batch is for ONE destination domain (the domain of the oldest due
-- recipient, then more due recipients of that domain), so one SMTP
-- connection carries many messages and RCPTs. Partial indexes hold only due
-- rows: claiming costs the same with 100 or 100,000 rows waiting.
--
-- Runners LISTEN on 'petrel_queue' (payload: the destination domain); a
-- NOTIFY is sent when recipients become due now (insertion, operator
-- retry). Rows deferred to a later time wake nobody: runners poll at the
-- next due time (petrel_queue_next_due).

CREATE TABLE queue_messages (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    queue_id    text NOT NULL UNIQUE,          -- as the accepting node generated it
    node_id     text NOT NULL,                 -- the node that accepted it
    sender      text NOT NULL,                 -- envelope sender, '' = null sender
    content_id  bigint NOT NULL REFERENCES message_contents(id),
    size        integer NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL
);

CREATE TABLE queue_recipients (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    message_id       bigint NOT NULL REFERENCES queue_messages(id) ON DELETE CASCADE,
    recipient        text NOT NULL,
    domain           text NOT NULL CHECK (domain = lower(domain) AND domain <> ''),
    state            text NOT NULL DEFAULT 'queued'
                     CHECK (state IN ('queued', 'delivering', 'deferred', 'sent', 'failed',
                                      'expired')),
    attempts         integer NOT NULL DEFAULT 0,   -- finished delivery attempts
    next_attempt_at  timestamptz NOT NULL DEFAULT now(),
    lease_node       text,                         -- claim holder while 'delivering'
    lease_until      timestamptz,
    last_code        integer,                      -- SMTP reply code of the last attempt
    last_error       text NOT NULL DEFAULT '',     -- reply text of the last failed attempt
    delay_warned     boolean NOT NULL DEFAULT false,
    updated_at       timestamptz NOT NULL DEFAULT now(),
    CHECK ((state = 'delivering') = (lease_node IS NOT NULL AND lease_until IS NOT NULL))
);
CREATE INDEX queue_recipients_message ON queue_recipients (message_id);
-- the oldest due recipient, and more of its domain
CREATE INDEX queue_recipients_due ON queue_recipients (next_attempt_at)
    WHERE state IN ('queued', 'deferred');
CREATE INDEX queue_recipients_due_domain ON queue_recipients (domain, next_attempt_at)
    WHERE state IN ('queued', 'deferred');
-- claims of a dead holder, once their lease is over
CREATE INDEX queue_recipients_lease ON queue_recipients (domain, lease_until)
    WHERE state = 'delivering';
CREATE INDEX queue_recipients_lease_until ON queue_recipients (lease_until)
    WHERE state = 'delivering';

-- One NOTIFY per domain that has recipients due now among the statement's
-- rows (PostgreSQL folds duplicates within a transaction anyway).
CREATE FUNCTION petrel_queue_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('petrel_queue', d.domain)
       FROM (SELECT DISTINCT n.domain FROM queue_new n
              WHERE n.state IN ('queued', 'deferred') AND n.next_attempt_at <= now()) AS d;
    RETURN NULL;
END $$;
CREATE TRIGGER queue_recipients_inserted AFTER INSERT ON queue_recipients
    REFERENCING NEW TABLE AS queue_new
    FOR EACH STATEMENT EXECUTE FUNCTION petrel_queue_notify();
CREATE TRIGGER queue_recipients_updated AFTER UPDATE ON queue_recipients
    REFERENCING NEW TABLE AS queue_new
    FOR EACH STATEMENT EXECUTE FUNCTION petrel_queue_notify();

-- Queue a batch of accepted messages whose contents the same transaction
-- stored (petrel_store_contents): per-message arrays p_queue_ids,
-- p_senders, p_sha256; the recipients as (message, address) pairs,
-- messages numbered from 1, as petrel_deliver_batch takes them. Each
-- recipient is due at once; the message expires p_lifetime seconds from
-- now.
CREATE FUNCTION petrel_queue_add(
    p_node_id text, p_lifetime int, p_queue_ids text[], p_senders text[], p_sha256 bytea[],
    p_rcpt_msgs int[], p_rcpts text[])
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    v_ids   bigint[];
    v_qids  text[];
BEGIN
    WITH msg AS (
        INSERT INTO queue_messages (queue_id, node_id, sender, content_id, size, expires_at)
        SELECT i.queue_id, p_node_id, i.sender, c.id, c.size,
               now() + make_interval(secs => p_lifetime)
          FROM unnest(p_queue_ids, p_senders, p_sha256) AS i(queue_id, sender, sha256)
          CROSS JOIN LATERAL (SELECT c.id, c.size FROM message_contents c
                              WHERE c.sha256 = i.sha256 OFFSET 0) AS c
        RETURNING id, queue_id)
    SELECT array_agg(msg.id), array_agg(msg.queue_id) INTO v_ids, v_qids FROM msg;
    IF coalesce(cardinality(v_ids), 0) <> cardinality(p_queue_ids) THEN
        RAISE EXCEPTION 'petrel_queue_add: a message content is not stored';
    END IF;
    INSERT INTO queue_recipients (message_id, recipient, domain)
    SELECT m.id, r.rcpt, lower(substring(r.rcpt FROM '@([^@]+)$'))
      FROM unnest(p_rcpt_msgs, p_rcpts) WITH ORDINALITY AS r(n, rcpt, o)
      JOIN unnest(v_ids, v_qids) AS m(id, queue_id) ON m.queue_id = p_queue_ids[r.n]
     ORDER BY r.o;
END $$;

-- Claim up to p_max due recipients of one destination domain for
-- p_holder (a runner: node id and worker) for p_lease seconds: due rows
-- are queued/deferred ones whose time has come and delivering ones whose
-- lease is over (their holder died). The domain is that of the oldest
-- such row; the rows come back ordered by message so a runner sends each
-- message once with all its RCPTs. (Planned afresh on every call: plpgsql
-- would otherwise keep, on a runner's long-lived connection, plans made
-- while the queue was small — measured: a claim from 2 ms to 50 ms at
-- 100,000 waiting rows until the next ANALYZE.)
CREATE FUNCTION petrel_queue_claim(p_holder text, p_max int, p_lease int)
RETURNS TABLE (recipient_id bigint, queue_id text, sender text, recipient text, domain text,
               content_id bigint, size integer, attempts integer)
LANGUAGE plpgsql SET plan_cache_mode = force_custom_plan AS $$
DECLARE
    v_domain text;
    v_ids    bigint[];
BEGIN
    -- lost claims first: they have waited longest
    SELECT r.domain INTO v_domain FROM queue_recipients r
     WHERE r.state = 'delivering' AND r.lease_until < now()
     ORDER BY r.lease_until LIMIT 1 FOR UPDATE SKIP LOCKED;
    IF v_domain IS NULL THEN
        SELECT r.domain INTO v_domain FROM queue_recipients r
         WHERE r.state IN ('queued', 'deferred') AND r.next_attempt_at <= now()
         ORDER BY r.next_attempt_at LIMIT 1 FOR UPDATE SKIP LOCKED;
    END IF;
    IF v_domain IS NULL OR p_max < 1 THEN
        RETURN;
    END IF;
    -- two index range scans, each stopping after p_max rows (an OR of both
    -- conditions would read and sort every due row of the domain)
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
    RETURN QUERY
    WITH claimed AS (
        UPDATE queue_recipients r
           SET state = 'delivering', lease_node = p_holder,
               lease_until = now() + make_interval(secs => p_lease), updated_at = now()
         WHERE r.id = ANY (v_ids)
        RETURNING r.id, r.message_id, r.recipient, r.domain, r.attempts)
    SELECT c.id, m.queue_id, m.sender, c.recipient, c.domain, m.content_id, m.size, c.attempts
      FROM claimed c JOIN queue_messages m ON m.id = c.message_id
     ORDER BY c.message_id, c.id;
END $$;

-- Result functions: p_ids are recipients one attempt ended for with the
-- same reply (p_code, p_text). Each returns the rows it accepted — those
-- p_holder still holds under an unexpired lease — with their new state;
-- the others belong to someone else now and are left alone.

CREATE FUNCTION petrel_queue_sent(p_holder text, p_ids bigint[], p_code int, p_text text)
RETURNS TABLE (recipient_id bigint, state text) LANGUAGE sql AS $$
    UPDATE queue_recipients r
       SET state = 'sent', attempts = r.attempts + 1, last_code = p_code,
           lease_node = NULL, lease_until = NULL, updated_at = now()
     WHERE r.id = ANY (p_ids) AND r.state = 'delivering' AND r.lease_node = p_holder
       AND r.lease_until > now()
    RETURNING r.id, r.state;
$$;

-- 5xx: a permanent failure.
CREATE FUNCTION petrel_queue_failed(p_holder text, p_ids bigint[], p_code int, p_text text)
RETURNS TABLE (recipient_id bigint, state text) LANGUAGE sql AS $$
    UPDATE queue_recipients r
       SET state = 'failed', attempts = r.attempts + 1, last_code = p_code,
           last_error = p_text, lease_node = NULL, lease_until = NULL, updated_at = now()
     WHERE r.id = ANY (p_ids) AND r.state = 'delivering' AND r.lease_node = p_holder
       AND r.lease_until > now()
    RETURNING r.id, r.state;
$$;

-- 4xx (or no answer): try again after the schedule's step for this
-- attempt (p_schedule[n] seconds after the n-th attempt; the last step
-- repeats), but never after the message's expiry; a message past its
-- expiry is 'expired' instead.
CREATE FUNCTION petrel_queue_defer(p_holder text, p_ids bigint[], p_code int, p_text text,
                                   p_schedule int[])
RETURNS TABLE (recipient_id bigint, state text) LANGUAGE plpgsql AS $$
BEGIN
    IF coalesce(cardinality(p_schedule), 0) = 0 OR (1 > ANY (p_schedule)) IS NOT FALSE THEN
        RAISE EXCEPTION 'petrel_queue_defer: the retry schedule needs positive steps';
    END IF;
    RETURN QUERY
    UPDATE queue_recipients r
       SET state = CASE WHEN m.expires_at <= now() THEN 'expired' ELSE 'deferred' END,
           attempts = r.attempts + 1, last_code = p_code, last_error = p_text,
           next_attempt_at = least(m.expires_at, now() + make_interval(secs =>
               p_schedule[least(r.attempts + 1, cardinality(p_schedule))])),
           lease_node = NULL, lease_until = NULL, updated_at = now()
      FROM queue_messages m
     WHERE m.id = r.message_id AND r.id = ANY (p_ids) AND r.state = 'delivering'
       AND r.lease_node = p_holder AND r.lease_until > now()
    RETURNING r.id, r.state;
END $$;

-- Operator "retry now" (petrelctl queue retry/flush): waiting recipients
-- of the given messages (NULL: all) become due and wake the runners.
CREATE FUNCTION petrel_queue_retry(p_queue_ids text[])
RETURNS bigint LANGUAGE sql AS $$
    WITH due AS (
        UPDATE queue_recipients r
           SET next_attempt_at = now(), updated_at = now()
          FROM queue_messages m
         WHERE m.id = r.message_id AND r.state IN ('queued', 'deferred')
           AND (p_queue_ids IS NULL OR m.queue_id = ANY (p_queue_ids))
        RETURNING 1)
    SELECT count(*) FROM due;
$$;

-- When a runner should look again without a NOTIFY: the earliest time a
-- waiting recipient or a lease falls due; NULL when nothing waits.
CREATE FUNCTION petrel_queue_next_due()
RETURNS timestamptz LANGUAGE sql STABLE AS $$
    SELECT least((SELECT min(next_attempt_at) FROM queue_recipients
                   WHERE state IN ('queued', 'deferred')),
                 (SELECT min(lease_until) FROM queue_recipients WHERE state = 'delivering'));
$$;

-- Operators: the queue by destination domain and state.
CREATE VIEW queue_summary AS
    SELECT r.domain, r.state, count(*) AS recipients,
           count(DISTINCT r.message_id) AS messages,
           min(m.created_at) AS oldest,
           min(r.next_attempt_at) FILTER (WHERE r.state IN ('queued', 'deferred'))
               AS next_attempt
      FROM queue_recipients r JOIN queue_messages m ON m.id = r.message_id
     GROUP BY r.domain, r.state;
