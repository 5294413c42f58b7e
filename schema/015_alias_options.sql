-- 015_alias_options.sql — distribution-list options and the indexes the
-- web admin's paged lists need.
--
-- reject_external: a list that only takes mail from inside. A message to
-- the alias from a sender that neither authenticated nor writes from the
-- alias's own domain is refused at RCPT (550 5.7.1). The flag is the
-- alias's, so every (alias, target) row of one alias carries the same
-- value; the admin layer writes them together.

ALTER TABLE aliases ADD COLUMN reject_external boolean NOT NULL DEFAULT false;

-- Whether mail to p_address (as given at RCPT) is restricted to internal
-- senders. A function so its plan is made once per connection.
CREATE FUNCTION petrel_alias_reject_external(p_address text)
RETURNS boolean LANGUAGE plpgsql STABLE AS $$
DECLARE
    v_local  text := lower(substring(p_address FROM '^(.*)@[^@]*$'));
    v_domain text := lower(substring(p_address FROM '@([^@]*)$'));
BEGIN
    RETURN EXISTS (SELECT 1 FROM aliases al JOIN domains d ON d.id = al.domain_id
                    WHERE d.name = v_domain AND al.localpart = v_local
                      AND al.reject_external);
END $$;

-- An account's aliases ("which aliases point here?") for a page of accounts.
CREATE INDEX aliases_target ON aliases (target);

-- Paged account lists of one domain sorted by these columns read the
-- index in order and stop after the page (address uses the unique key).
CREATE INDEX accounts_display_name ON accounts (domain_id, display_name, localpart);
CREATE INDEX accounts_created_at ON accounts (domain_id, created_at, localpart);
