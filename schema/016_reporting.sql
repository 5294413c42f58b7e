-- 016_reporting.sql — views for operators' reports (docs/reporting.md has
-- an example query for each). They complement mailbox_usage,
-- inbound_per_hour, queue_summary, queue_delivery_results_daily and
-- block_log_daily. The "last 24 h / 7 days" views filter on the indexed
-- time columns (inbound_messages.received_at, block_log.at), so they read
-- a week of rows, never the whole history.

-- Usage per domain: accounts, quota handed out, bytes and messages stored.
CREATE VIEW domain_usage AS
    SELECT d.name AS domain, count(a.id) AS accounts,
           coalesce(sum(a.quota_bytes), 0)::bigint AS quota_bytes,
           coalesce(sum(u.bytes), 0)::bigint AS used_bytes,
           coalesce(sum(u.messages), 0)::bigint AS messages
      FROM domains d
      LEFT JOIN accounts a ON a.domain_id = d.id
      LEFT JOIN (SELECT account_id, sum(bytes) AS bytes, sum(messages) AS messages
                   FROM mailboxes GROUP BY account_id) u ON u.account_id = a.id
     GROUP BY d.name;

-- The outbound queue per state (queue_summary splits it by domain too).
CREATE VIEW queue_by_state AS
    SELECT r.state, count(*) AS recipients, count(DISTINCT r.message_id) AS messages,
           min(m.created_at) AS oldest
      FROM queue_recipients r JOIN queue_messages m ON m.id = r.message_id
     GROUP BY r.state;

-- What happened to mail per day: messages accepted (inbound, any protocol)
-- and remote recipients sent, bounced (failed) or expired, by the day their
-- last attempt ended. Remote rows count while the queue keeps them.
CREATE VIEW delivery_outcomes_daily AS
    WITH inbound AS (
        SELECT received_at::date AS day, count(*) AS accepted,
               sum(cardinality(recipients)) AS accepted_recipients
          FROM inbound_messages GROUP BY 1
    ), remote AS (
        SELECT updated_at::date AS day,
               count(*) FILTER (WHERE state = 'sent') AS sent,
               count(*) FILTER (WHERE state = 'failed') AS failed,
               count(*) FILTER (WHERE state = 'expired') AS expired
          FROM queue_recipients WHERE state IN ('sent', 'failed', 'expired') GROUP BY 1
    )
    SELECT coalesce(i.day, r.day) AS day,
           coalesce(i.accepted, 0) AS accepted,
           coalesce(i.accepted_recipients, 0)::bigint AS accepted_recipients,
           coalesce(r.sent, 0) AS sent, coalesce(r.failed, 0) AS failed,
           coalesce(r.expired, 0) AS expired
      FROM inbound i FULL JOIN remote r ON r.day = i.day;

-- Policy refusals (block_log) by check and reason over the last week.
CREATE VIEW rejects_by_reason AS
    SELECT check_name, reason,
           count(*) FILTER (WHERE at > now() - interval '24 hours') AS last_24h,
           count(*) AS last_7d, max(at) AS last_at
      FROM block_log
     WHERE at > now() - interval '7 days'
     GROUP BY check_name, reason;

-- Envelope senders of accepted mail over the last week ('' is the null sender).
CREATE VIEW top_senders AS
    SELECT mail_from AS sender,
           count(*) FILTER (WHERE received_at > now() - interval '24 hours') AS last_24h,
           count(*) AS last_7d, sum(size)::bigint AS bytes_7d
      FROM inbound_messages
     WHERE received_at > now() - interval '7 days'
     GROUP BY mail_from;

-- Envelope recipients of accepted mail over the last week.
CREATE VIEW top_recipients AS
    SELECT lower(r.recipient) AS recipient,
           count(*) FILTER (WHERE i.received_at > now() - interval '24 hours') AS last_24h,
           count(*) AS last_7d
      FROM inbound_messages i CROSS JOIN LATERAL unnest(i.recipients) AS r(recipient)
     WHERE i.received_at > now() - interval '7 days'
     GROUP BY 1;
