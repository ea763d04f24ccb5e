-- The marketplace zone table (migration 0011): a copy of adsync/regions.py, which
-- apply_migrations hands to the database on every run.

-- name: regions_table_present
SELECT to_regclass('apishopee_regions') IS NOT NULL AS present,
       EXISTS (
           SELECT 1 FROM information_schema.columns
           WHERE table_name = 'apishopee_regions' AND column_name = 'currency'
             AND table_schema = current_schema()
       ) AS has_currency;

-- name: upsert_regions
-- :zones is {"VN": "Asia/Ho_Chi_Minh", ...}. Regions no longer in the source are
-- removed: the table holds exactly what it is given.
WITH given AS (
    SELECT region, time_zone
    FROM jsonb_each_text(CAST(:zones AS jsonb)) AS z (region, time_zone)
), upserted AS (
    INSERT INTO apishopee_regions (region, time_zone)
    SELECT region, time_zone FROM given
    ON CONFLICT (region) DO UPDATE SET time_zone = EXCLUDED.time_zone
    WHERE apishopee_regions.time_zone IS DISTINCT FROM EXCLUDED.time_zone
    RETURNING 1
)
DELETE FROM apishopee_regions
WHERE region NOT IN (SELECT region FROM given);

-- name: set_currencies
-- :currencies is {"VN": "VND", ...}, for the regions upsert_regions just wrote.
UPDATE apishopee_regions AS r
SET currency = c.currency
FROM jsonb_each_text(CAST(:currencies AS jsonb)) AS c (region, currency)
WHERE r.region = c.region AND r.currency IS DISTINCT FROM c.currency;
