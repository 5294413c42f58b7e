-- 017: the greylist verdict says when the client's whole network is
-- whitelisted ('network-whitelisted' instead of 'whitelisted'), so a node
-- may remember that for a minute and skip the round trip for the next
-- recipients and messages from that client. The rest of the function is
-- as in 012 (restated: a migration never changes).
CREATE OR REPLACE FUNCTION petrel_greylist_check(p_ip inet, p_sender text, p_rcpt text,
    p_v4_prefix int, p_v6_prefix int, p_delay int, p_window int, p_lifetime int,
    p_auto int)
RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    v_net cidr := network(set_masklen(p_ip,
        CASE WHEN family(p_ip) = 4 THEN p_v4_prefix ELSE p_v6_prefix END));
    v_until timestamptz := now() + make_interval(secs => p_lifetime);
    -- whitelistings are refreshed when a hundredth of their lifetime has
    -- passed, not on every message: the common case only reads
    v_stale timestamptz := v_until - make_interval(secs => p_lifetime / 100);
    v_white timestamptz;
    v_row greylist%ROWTYPE;
    v_passes int;
BEGIN
    -- greylist state is not mail: a crash may forget its last moments (a
    -- client is greylisted once more), so its commit waits for no flush
    PERFORM set_config('synchronous_commit', 'off', true);
    SELECT n.whitelisted_until INTO v_white FROM greylist_networks n WHERE n.network = v_net;
    IF v_white > now() THEN
        IF v_white < v_stale THEN
            UPDATE greylist_networks SET whitelisted_until = v_until, expires_at = v_until
             WHERE network = v_net;
        END IF;
        RETURN 'network-whitelisted';
    END IF;
    SELECT g.whitelisted_until INTO v_white FROM greylist g
     WHERE g.network = v_net AND g.sender = p_sender AND g.recipient = p_rcpt;
    IF v_white > now() THEN
        IF v_white < v_stale THEN
            UPDATE greylist SET last_seen = now(), whitelisted_until = v_until,
                   expires_at = v_until
             WHERE network = v_net AND sender = p_sender AND recipient = p_rcpt;
        END IF;
        RETURN 'whitelisted';
    END IF;

    INSERT INTO greylist (network, sender, recipient, expires_at)
    VALUES (v_net, p_sender, p_rcpt, now() + make_interval(secs => p_window))
    ON CONFLICT (network, sender, recipient) DO NOTHING;
    IF FOUND THEN
        RETURN 'new:' || p_delay;
    END IF;

    -- the row exists (maybe inserted by another node a moment ago): decide
    -- under its row lock, so two nodes never both count the same pass
    SELECT * INTO v_row FROM greylist
     WHERE network = v_net AND sender = p_sender AND recipient = p_rcpt FOR UPDATE;
    IF v_row.whitelisted_until > now() THEN
        UPDATE greylist SET last_seen = now(), passes = passes + 1,
               whitelisted_until = v_until, expires_at = v_until
         WHERE network = v_net AND sender = p_sender AND recipient = p_rcpt;
        RETURN 'whitelisted';
    END IF;
    IF v_row.whitelisted_until IS NOT NULL
       OR now() > v_row.first_seen + make_interval(secs => p_window) THEN
        -- whitelisting or retry window over: start over
        UPDATE greylist SET first_seen = now(), last_seen = now(), attempts = 1, passes = 0,
               whitelisted_until = NULL, expires_at = now() + make_interval(secs => p_window)
         WHERE network = v_net AND sender = p_sender AND recipient = p_rcpt;
        RETURN 'new:' || p_delay;
    END IF;
    IF now() < v_row.first_seen + make_interval(secs => p_delay) THEN
        UPDATE greylist SET last_seen = now(), attempts = attempts + 1
         WHERE network = v_net AND sender = p_sender AND recipient = p_rcpt;
        RETURN 'early:' || ceil(extract(epoch FROM
            v_row.first_seen + make_interval(secs => p_delay) - now()))::int;
    END IF;

    UPDATE greylist SET last_seen = now(), passes = 1, whitelisted_until = v_until,
           expires_at = v_until
     WHERE network = v_net AND sender = p_sender AND recipient = p_rcpt;
    INSERT INTO greylist_networks AS n (network, passes, expires_at)
    VALUES (v_net, 1, v_until)
    ON CONFLICT (network) DO UPDATE SET passes = n.passes + 1, expires_at = v_until
    RETURNING passes INTO v_passes;
    IF p_auto > 0 AND v_passes >= p_auto THEN
        UPDATE greylist_networks SET whitelisted_until = v_until WHERE network = v_net;
    END IF;
    RETURN 'pass';
END $$;
