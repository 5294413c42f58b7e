-- 009_rcpt_domain.sql — petrel_resolve_rcpt takes the domain after the
-- LAST '@', as everywhere else: a quoted local part may itself contain
-- '@' ("user@elsewhere"@example.test is a mailbox of example.test, not of
-- elsewhere). 001 split at the first one, which made such an address look
-- like a foreign domain: refused for an ordinary client, but queued for
-- relaying — back to our own domain — for an authenticated one.
-- Unchanged otherwise.

CREATE OR REPLACE FUNCTION petrel_resolve_rcpt(p_address text, p_delimiter text, p_max_depth int)
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
    v_domain := substring(lower(p_address) FROM '@([^@]*)$');
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
