-- 012_greylist_lists_bans.sql — inbound policy state shared by every node
-- and by petrel-milter: greylisting, white/black lists, brute-force bans.
--
-- Each check the node makes is one function call (one round trip): the
-- settings it needs are parameters, so the SQL never parses settings.

-- ---- greylisting ----
-- One row per (client network, envelope sender, recipient) triplet; the
-- network is the client address cut to greylist_ipv4_prefix /
-- greylist_ipv6_prefix, the null sender is ''. expires_at is when the row
-- means nothing any more (end of the retry window while greylisted, end of
-- the whitelisting once passed), so the clean-up needs no settings.
CREATE TABLE greylist (
    network           cidr NOT NULL,
    sender            text NOT NULL,
    recipient         text NOT NULL,
    first_seen        timestamptz NOT NULL DEFAULT now(),
    last_seen         timestamptz NOT NULL DEFAULT now(),
    attempts          int NOT NULL DEFAULT 1,      -- tries answered 451
    passes            int NOT NULL DEFAULT 0,      -- messages let through
    whitelisted_until timestamptz,                 -- NULL while greylisted
    expires_at        timestamptz NOT NULL,
    PRIMARY KEY (network, sender, recipient)
);
CREATE INDEX greylist_expires ON greylist (expires_at);

-- Client networks counted towards the auto-whitelist: passes counts the
-- triplets of the network that passed greylisting (a retry after the
-- delay); at greylist_auto_whitelist the whole network skips greylisting
-- until whitelisted_until, refreshed on use.
CREATE TABLE greylist_networks (
    network           cidr PRIMARY KEY,
    passes            int NOT NULL DEFAULT 0,
    whitelisted_until timestamptz,
    expires_at        timestamptz NOT NULL
);
CREATE INDEX greylist_networks_expires ON greylist_networks (expires_at);

-- The verdict for one delivery attempt, as text:
--   'whitelisted'  the network is auto-whitelisted or the triplet passed
--                  before (whitelisting refreshed, at most every
--                  hundredth of p_lifetime): let it through
--   'pass'         a retry after p_delay within p_window: let it through,
--                  the triplet is whitelisted for p_lifetime from now on
--   'new:N'        first sight (or a retry after the window, which starts
--                  over): answer 451, a retry passes in N seconds
--   'early:N'      a retry before the delay: 451, N seconds still to wait
-- Durations are seconds; p_auto 0 never auto-whitelists a network.
CREATE FUNCTION petrel_greylist_check(p_ip inet, p_sender text, p_rcpt text,
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
    SELECT n.whitelisted_until INTO v_white FROM greylist_networks n WHERE n.network = v_net;
    IF v_white > now() THEN
        IF v_white < v_stale THEN
            UPDATE greylist_networks SET whitelisted_until = v_until, expires_at = v_until
             WHERE network = v_net;
        END IF;
        RETURN 'whitelisted';
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

-- Remove what expired: greylist triplets and networks past expires_at, and
-- ban rows ended more than 30 days ago (the longest ban_window, so a lifted
-- ban still bounds the failure count). Returns the rows removed. The node
-- runs it as a singleton job under an advisory lock.
CREATE FUNCTION petrel_greylist_cleanup() RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    v_triplets bigint;
    v_networks bigint;
    v_bans bigint;
BEGIN
    DELETE FROM greylist WHERE expires_at < now();
    GET DIAGNOSTICS v_triplets = ROW_COUNT;
    DELETE FROM greylist_networks WHERE expires_at < now();
    GET DIAGNOSTICS v_networks = ROW_COUNT;
    DELETE FROM bans WHERE expires_at < now() - interval '30 days';
    GET DIAGNOSTICS v_bans = ROW_COUNT;
    RETURN v_triplets + v_networks + v_bans;
END $$;

-- ---- white and black lists (Proxmox-style objects) ----
-- type 'ip': value is a network in CIDR notation (a single address is /32
-- or /128), also kept as cidr for matching; 'address': a sender address,
-- lower case; 'domain': a sender domain, lower case, "example.com" itself
-- or ".example.com" for its subdomains; 'regex': a PostgreSQL regular
-- expression matched case-insensitively against the whole sender address.
-- White means "skip every SMTP check", black "refuse".
CREATE TABLE policy_lists (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind       text NOT NULL CHECK (kind IN ('white', 'black')),
    type       text NOT NULL CHECK (type IN ('ip', 'address', 'domain', 'regex')),
    value      text NOT NULL CHECK (length(value) BETWEEN 1 AND 512),
    network    cidr,
    comment    text NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (kind, type, value),
    CHECK ((type = 'ip') = (network IS NOT NULL))
);
CREATE INDEX policy_lists_network ON policy_lists USING gist (network inet_ops)
    WHERE type = 'ip';

-- The entry deciding for a client address and/or a sender (either may be
-- NULL to test only the other): at most one row, a white entry before a
-- black one (a white entry is the exception to a black one), then the
-- most specific (ip, address, domain, regex). PostgreSQL's regex engine
-- does not backtrack exponentially and values and senders are short, so
-- the regex matching stays bounded. (plpgsql with one generic plan: as an
-- SQL function it was inlined and planned again on every call, which cost
-- more than the lookup; the table is small, its plan a scan either way.)
CREATE FUNCTION petrel_policy_lookup(p_ip inet, p_sender text)
RETURNS TABLE (kind text, type text, value text, comment text)
LANGUAGE plpgsql STABLE SET plan_cache_mode = force_generic_plan AS $$
BEGIN
    RETURN QUERY
    SELECT l.kind, l.type, l.value, l.comment
      FROM policy_lists l
     WHERE (l.type = 'ip' AND p_ip IS NOT NULL AND l.network >>= p_ip)
        OR (p_sender IS NOT NULL AND (
              (l.type = 'address' AND l.value = lower(p_sender))
           OR (l.type = 'domain' AND position('@' IN p_sender) > 0 AND (
                  l.value = lower(split_part(p_sender, '@', -1))
               OR (left(l.value, 1) = '.'
                   AND lower(split_part(p_sender, '@', -1)) LIKE '%' || l.value)))
           OR (l.type = 'regex' AND p_sender ~* l.value)))
     ORDER BY l.kind = 'white' DESC,
              array_position(ARRAY['ip', 'address', 'domain', 'regex'], l.type), l.id
     LIMIT 1;
END $$;

-- ---- brute-force bans ----
-- A client address refused by every node (SMTP, IMAP, POP3) until
-- expires_at. Lifting a ban ends it now instead of deleting the row, so
-- the failures that caused it are not counted again.
CREATE TABLE bans (
    ip         inet PRIMARY KEY,
    reason     text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL
);
CREATE INDEX bans_expires ON bans (expires_at);

-- Record a failed login and, when the address has now failed p_failures
-- times within p_window seconds (counting only since its last ban ended),
-- ban it for p_duration seconds, in the same transaction. p_failures 0
-- disables bans. Returns whether this failure banned the address.
CREATE FUNCTION petrel_auth_failure(p_node text, p_protocol text, p_ip inet, p_user text,
    p_reason text, p_failures int, p_window int, p_duration int)
RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE
    v_since timestamptz;
    v_count bigint;
BEGIN
    INSERT INTO auth_failures (node_id, protocol, client_ip, username, reason)
    VALUES (p_node, p_protocol, p_ip, p_user, p_reason);
    IF p_ip IS NULL OR p_failures <= 0 THEN
        RETURN false;
    END IF;
    SELECT greatest(now() - make_interval(secs => p_window),
                    coalesce(max(b.expires_at), '-infinity'))
      INTO v_since FROM bans b WHERE b.ip = p_ip;
    SELECT count(*) INTO v_count FROM auth_failures
     WHERE client_ip = p_ip AND at > v_since;
    IF v_count < p_failures THEN
        RETURN false;
    END IF;
    INSERT INTO bans AS b (ip, reason, expires_at)
    VALUES (p_ip, format('%s failed logins within %s s (last: %s %s)', v_count, p_window,
                         p_protocol, p_user),
            now() + make_interval(secs => p_duration))
    ON CONFLICT (ip) DO UPDATE SET reason = EXCLUDED.reason, created_at = now(),
                                   expires_at = EXCLUDED.expires_at;
    RETURN true;
END $$;

-- The ban refusing p_ip now: no row when there is none.
CREATE FUNCTION petrel_ban_check(p_ip inet)
RETURNS TABLE (reason text, expires_at timestamptz)
LANGUAGE sql STABLE AS $$
    SELECT b.reason, b.expires_at FROM bans b WHERE b.ip = p_ip AND b.expires_at > now()
$$;

-- ---- change notifications ----
-- Nodes keep whether any list entries and bans exist (node/policy-rules-
-- cache.c), so a check with nothing to look up costs no round trip; every
-- change tells them to look again.
CREATE FUNCTION petrel_policy_lists_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('petrel_policy_lists', TG_TABLE_NAME);
    RETURN NULL;
END $$;
CREATE TRIGGER policy_lists_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
    ON policy_lists FOR EACH STATEMENT EXECUTE FUNCTION petrel_policy_lists_notify();
CREATE TRIGGER bans_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
    ON bans FOR EACH STATEMENT EXECUTE FUNCTION petrel_policy_lists_notify();
