-- 008_dkim.sql — DKIM signing keys of the local domains.
--
-- `petrelctl dkim generate DOMAIN` adds a row; nodes sign outgoing mail
-- whose From: domain has keys with EVERY key of that domain (an RSA and an
-- Ed25519 key side by side is the RFC 8463 migration path). The private key
-- is PEM (PKCS#8), which libopendkim loads for both algorithms; public_key
-- is exactly the text of the DNS TXT record's p= tag: base64 of the DER
-- SubjectPublicKeyInfo for RSA, base64 of the raw 32-byte key for Ed25519
-- (RFC 8463 section 4.2).
--
-- Nodes cache keys per worker; any change notifies 'petrel_settings', the
-- channel nodes already listen on for signing-related configuration (the
-- dkim_sign setting), so one reload drops both.

CREATE TABLE dkim_keys (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    domain_id    bigint NOT NULL REFERENCES domains(id) ON DELETE CASCADE,
    selector     text NOT NULL CHECK (selector ~ '^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$'
                                      AND length(selector) <= 63),
    algorithm    text NOT NULL CHECK (algorithm IN ('rsa-sha256', 'ed25519-sha256')),
    private_key  text NOT NULL,
    public_key   text NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    UNIQUE (domain_id, selector)
);

CREATE TRIGGER dkim_keys_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON dkim_keys
    FOR EACH STATEMENT EXECUTE FUNCTION petrel_settings_notify();
