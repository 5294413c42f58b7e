-- 014_admin.sql — the web admin's administrators and their tokens.
--
-- An administrator is a superadmin (everything) or a domain admin (only
-- the domains listed in admin_domains). Tokens are random 32-byte strings
-- handed to the browser; only their SHA-256 is stored, so a leaked table
-- does not leak sessions. An access token and the refresh token issued
-- with it share pair_id, so logging out revokes both. Setup tokens
-- (admin_id NULL) create the first superadmin.

CREATE TABLE admins (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    login         text NOT NULL UNIQUE CHECK (login <> ''),
    password_hash text NOT NULL,
    role          text NOT NULL CHECK (role IN ('superadmin', 'domain')),
    created_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE admin_domains (
    admin_id  bigint NOT NULL REFERENCES admins(id) ON DELETE CASCADE,
    domain_id bigint NOT NULL REFERENCES domains(id) ON DELETE CASCADE,
    PRIMARY KEY (admin_id, domain_id)
);
CREATE INDEX admin_domains_domain ON admin_domains (domain_id);

CREATE TABLE admin_tokens (
    token_hash bytea PRIMARY KEY,
    admin_id   bigint REFERENCES admins(id) ON DELETE CASCADE,
    kind       text NOT NULL CHECK (kind IN ('access', 'refresh', 'setup')),
    pair_id    uuid,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    CHECK ((kind = 'setup') = (admin_id IS NULL))
);
CREATE INDEX admin_tokens_pair ON admin_tokens (pair_id);
CREATE INDEX admin_tokens_expires ON admin_tokens (expires_at);
