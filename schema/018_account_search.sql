-- 018: paged account lists of a large domain (the web admin's
-- /api/v1/accounts?domain=...&page=...) stay fast at any page and with a
-- search.
--
-- A page is cut from account ids alone: these indexes carry the id, so
-- the cut is an index-only scan of the domain's entries in sort order,
-- and only the page's rows are read from the table.
CREATE INDEX accounts_domain_localpart_id ON accounts (domain_id, localpart) INCLUDE (id);
DROP INDEX accounts_display_name;
CREATE INDEX accounts_display_name ON accounts (domain_id, display_name, localpart) INCLUDE (id);
DROP INDEX accounts_created_at;
CREATE INDEX accounts_created_at ON accounts (domain_id, created_at, localpart) INCLUDE (id);

-- The search ("q=") is a substring of the address or the display name:
-- trigram indexes answer LIKE '%text%' without reading every account.
-- pg_trgm ships with PostgreSQL and is a trusted extension: the database
-- owner may create it.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX accounts_localpart_trgm ON accounts USING gin (localpart gin_trgm_ops);
CREATE INDEX accounts_display_name_trgm ON accounts USING gin (lower(display_name) gin_trgm_ops);
