-- 011_block_log.sql — every inbound refusal a policy check decided
-- (ban, blacklist, DNSBL, SPF/DMARC, SMTP rule, milter, weight
-- threshold): the operator's answer to "why was this mail refused?".
-- Written by the node's policy pipeline (node/smtp-policy.c) outside the
-- session's own transactions; temporary refusals (greylisting) are not
-- logged here.

CREATE TABLE block_log (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at          timestamptz NOT NULL DEFAULT now(),
    node_id     text NOT NULL,
    client_ip   inet,
    helo        text,
    sender      text,                  -- NULL before MAIL FROM
    recipient   text,                  -- the refused recipient at RCPT
    stage       text NOT NULL CHECK (stage IN ('connect', 'helo', 'mail', 'rcpt', 'headers',
                                                'complete')),
    check_name  text NOT NULL,         -- bans, lists, dnsbl, rules, milter, ...
    reason      text NOT NULL,         -- e.g. "rule 12 no-exe", "listed at zen.example"
    reply       text NOT NULL          -- what the client was told
);
CREATE INDEX block_log_at ON block_log (at);

-- Refusals per day and reason, newest first:
--   SELECT * FROM block_log_daily WHERE day > now() - interval '7 days';
CREATE VIEW block_log_daily AS
    SELECT date_trunc('day', at) AS day, check_name, reason, count(*) AS refusals
      FROM block_log
     GROUP BY 1, 2, 3;
