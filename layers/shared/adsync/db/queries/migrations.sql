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
