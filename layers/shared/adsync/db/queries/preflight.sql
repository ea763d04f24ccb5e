-- name: server_facts
-- What the deploy checks before migrating: the server's version and how many client
-- connections it admits (max_connections minus the slots kept for superusers and, on
-- PostgreSQL 16+, for roles granted pg_use_reserved_connections).
SELECT current_setting('server_version_num')::integer AS version_num,
       current_setting('server_version') AS version,
       current_setting('max_connections')::integer AS max_connections,
       current_setting('superuser_reserved_connections')::integer
         + COALESCE(current_setting('reserved_connections', true)::integer, 0)
         AS reserved_connections;
