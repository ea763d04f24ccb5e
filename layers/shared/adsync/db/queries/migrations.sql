-- name: create_schema_migrations
CREATE TABLE IF NOT EXISTS schema_migrations (
    version    text PRIMARY KEY,
    applied_at timestamptz NOT NULL DEFAULT now()
);

-- name: lock
SELECT pg_advisory_lock(:key);

-- name: unlock
SELECT pg_advisory_unlock(:key);

-- name: applied_versions
SELECT version FROM schema_migrations ORDER BY version;

-- name: record_version
INSERT INTO schema_migrations (version) VALUES (:version);

-- name: no_statement_timeout
-- A migration or an import over months of history may run for minutes: lift the
-- statement timeout for this transaction only, whatever the session or role set.
SET LOCAL statement_timeout = 0;
