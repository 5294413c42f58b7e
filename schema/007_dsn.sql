-- 007_dsn.sql — delivery status notifications of the outbound queue
-- (node/outbound-bounce.c, queue-pg/pgq-notice.c).
--
-- The sender of a queued message is told once:
--   * failure: recipients that failed (5xx) or expired, not yet notified;
--   * delay:   recipients still waiting (queued, deferred, delivering) once
--              the message is older than the queue_delay_warning setting,
--              not yet warned; one warning per message.
-- A notice job in every node claims messages with something to report
-- under a lease (notice_holder, notice_until), builds the DSN and, in ONE
-- transaction, stores or queues it and calls petrel_queue_notice_done,
-- which only the lease holder may call: a holder whose lease was taken
-- over gets an error, its DSN rolls back with it, and the sender is never
-- told twice. A message with the null sender never gets a DSN (RFC 5321
-- 6.1: no bounce of a bounce); its rows are marked here without one.

ALTER TABLE queue_recipients ADD COLUMN notified boolean NOT NULL DEFAULT false;
ALTER TABLE queue_messages
    ADD COLUMN notice_holder text,
    ADD COLUMN notice_until  timestamptz,
    -- the delay warning has been sent (or was not needed): only messages
    -- without it are looked at for one
    ADD COLUMN delay_done    boolean NOT NULL DEFAULT false;

-- Only the backlog of notices is indexed, so claiming costs the same
-- however large the queue is.
CREATE INDEX queue_recipients_unnotified ON queue_recipients (message_id)
    WHERE state IN ('failed', 'expired') AND NOT notified;
CREATE INDEX queue_messages_delay_pending ON queue_messages (created_at)
    WHERE NOT delay_done;

-- Claim up to p_max messages with something to report for p_holder for
-- p_lease seconds; p_delay is queue_delay_warning in seconds (0: no delay
-- warnings). One row per recipient to report, ordered by message; the
-- message's columns repeat, except its header bytes (at most 64 KB),
-- which only the first row of each message carries. action is 'failed'
-- or 'delayed'; times are Unix seconds.
--
-- Only the heads of the two partial indexes are read (the oldest
-- failures, the oldest messages not yet warned; at most 10 p_max rows
-- each), so a claim costs the same however large the queue or the
-- backlog is. What needs no notice there is marked on the way: failures
-- and old messages of the null sender, and old messages with nothing
-- waiting any more; the head then moves on.
CREATE FUNCTION petrel_queue_notice_claim(p_holder text, p_max int, p_lease int, p_delay int)
RETURNS TABLE (message_id bigint, queue_id text, sender text, arrival bigint, expires bigint,
               headers bytea, recipient_id bigint, recipient text, action text, state text,
               last_code integer, last_error text, attempts integer, last_attempt bigint)
LANGUAGE plpgsql SET plan_cache_mode = force_custom_plan AS $$
DECLARE
    v_scan int := greatest(p_max, 1) * 10;
    v_old  timestamptz := now() - make_interval(secs => p_delay);
    v_fail bigint[];
    v_late bigint[] := '{}';
    v_ids  bigint[];
BEGIN
    v_fail := ARRAY(SELECT DISTINCT h.message_id
                      FROM (SELECT r.message_id FROM queue_recipients r
                             WHERE r.state IN ('failed', 'expired') AND NOT r.notified
                             ORDER BY r.message_id LIMIT v_scan) AS h);
    UPDATE queue_recipients r SET notified = true
     WHERE r.id = ANY (ARRAY(SELECT r2.id FROM queue_recipients r2
                      JOIN queue_messages m ON m.id = r2.message_id
                     WHERE r2.message_id = ANY (v_fail) AND m.sender = ''
                       AND r2.state IN ('failed', 'expired') AND NOT r2.notified
                       FOR UPDATE OF r2 SKIP LOCKED));
    IF p_delay > 0 THEN
        v_late := ARRAY(SELECT m.id FROM queue_messages m
                         WHERE NOT m.delay_done AND m.created_at <= v_old
                         ORDER BY m.created_at LIMIT v_scan);
        UPDATE queue_messages m SET delay_done = true
         WHERE m.id = ANY (ARRAY(SELECT m2.id FROM queue_messages m2
                          CROSS JOIN LATERAL (SELECT count(*) AS n FROM (
                                SELECT 1 FROM queue_recipients r
                                 WHERE r.message_id = m2.id AND NOT r.delay_warned
                                   AND r.state IN ('queued', 'deferred', 'delivering')
                                 LIMIT 1) AS w) AS waiting
                         WHERE m2.id = ANY (v_late) AND (m2.sender = '' OR waiting.n = 0)
                           FOR UPDATE OF m2 SKIP LOCKED));
    END IF;
    -- (probes of one index row per message: an EXISTS under OR would be
    -- planned as a hash of the whole backlog)
    SELECT coalesce(array_agg(c.id), '{}') INTO v_ids
      FROM (SELECT m.id FROM queue_messages m
              CROSS JOIN LATERAL (SELECT count(*) AS n FROM (
                    SELECT 1 FROM queue_recipients r
                     WHERE r.message_id = m.id AND NOT r.notified
                       AND r.state IN ('failed', 'expired') LIMIT 1) AS f) AS failed
             WHERE m.id = ANY (v_fail || v_late) AND m.sender <> ''
               AND (m.notice_until IS NULL OR m.notice_until < now())
               AND ((NOT m.delay_done AND m.created_at <= v_old AND p_delay > 0)
                    OR failed.n > 0)
             ORDER BY m.id LIMIT p_max FOR UPDATE OF m SKIP LOCKED) AS c;
    IF cardinality(v_ids) = 0 THEN
        RETURN;
    END IF;
    UPDATE queue_messages m
       SET notice_holder = p_holder, notice_until = now() + make_interval(secs => p_lease)
     WHERE m.id = ANY (v_ids);
    RETURN QUERY
    WITH rows AS (
        SELECT r.message_id AS mid, r.id AS rid, r.recipient, r.state, r.last_code,
               r.last_error, r.attempts, r.updated_at,
               CASE WHEN r.state IN ('failed', 'expired') THEN 'failed' ELSE 'delayed' END
                   AS action
          FROM queue_recipients r JOIN queue_messages m ON m.id = r.message_id
         WHERE r.message_id = ANY (v_ids)
           AND ((r.state IN ('failed', 'expired') AND NOT r.notified)
                OR (p_delay > 0 AND NOT m.delay_done AND NOT r.delay_warned
                    AND m.created_at <= now() - make_interval(secs => p_delay)
                    AND r.state IN ('queued', 'deferred', 'delivering'))))
    SELECT m.id, m.queue_id, m.sender, extract(epoch FROM m.created_at)::bigint,
           extract(epoch FROM m.expires_at)::bigint,
           CASE WHEN row_number() OVER (PARTITION BY m.id ORDER BY x.rid) = 1
                THEN (SELECT substring(c.raw FROM 1 FOR least(c.header_size, 65536))
                        FROM message_contents c WHERE c.id = m.content_id) END,
           x.rid, x.recipient, x.action, x.state, x.last_code, x.last_error, x.attempts,
           extract(epoch FROM x.updated_at)::bigint
      FROM rows x JOIN queue_messages m ON m.id = x.mid
     ORDER BY m.id, x.rid;
END $$;

-- The DSN for message p_message_id was stored or queued in this same
-- transaction: mark p_failed_ids notified and p_delayed_ids warned, and
-- give the lease back. Raises (rolling the DSN back with it) unless
-- p_holder still holds the message's lease.
CREATE FUNCTION petrel_queue_notice_done(p_holder text, p_message_id bigint,
                                         p_failed_ids bigint[], p_delayed_ids bigint[])
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    UPDATE queue_messages m
       SET notice_holder = NULL, notice_until = NULL,
           delay_done = m.delay_done OR cardinality(p_delayed_ids) > 0
     WHERE m.id = p_message_id AND m.notice_holder = p_holder AND m.notice_until > now();
    IF NOT FOUND THEN
        RAISE EXCEPTION 'petrel_queue_notice_done: the notice lease of message % is lost',
            p_message_id USING ERRCODE = 'P0410';
    END IF;
    UPDATE queue_recipients r SET notified = true
     WHERE r.id = ANY (p_failed_ids) AND r.message_id = p_message_id;
    UPDATE queue_recipients r SET delay_warned = true
     WHERE r.id = ANY (p_delayed_ids) AND r.message_id = p_message_id;
END $$;

-- Operators: delivery results per day (the day a recipient's last attempt
-- ended), by destination domain and final state.
CREATE VIEW queue_delivery_results_daily AS
    SELECT date_trunc('day', r.updated_at)::date AS day, r.domain, r.state,
           count(*) AS recipients
      FROM queue_recipients r
     WHERE r.state IN ('sent', 'failed', 'expired')
     GROUP BY 1, 2, 3;
