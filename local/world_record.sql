-- What a local database was last synced from (local/world_record.py): one row.

-- name: create
CREATE TABLE IF NOT EXISTS adsync_local_world (
    id boolean PRIMARY KEY DEFAULT true CHECK (id),
    source text NOT NULL
);

-- name: get
SELECT source FROM adsync_local_world;

-- name: put
INSERT INTO adsync_local_world (source) VALUES (:source)
ON CONFLICT (id) DO UPDATE SET source = EXCLUDED.source;
