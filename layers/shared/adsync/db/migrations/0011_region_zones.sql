-- Each marketplace's IANA time zone, for SQL that needs a shop's local day. This table
-- is a copy: adsync/regions.py is the one source, and apply_migrations upserts it from
-- there on every run, after the files. Nothing here lists a region.
CREATE TABLE apishopee_regions (
    region    text PRIMARY KEY,   -- upper case, as adsync/regions.py spells it
    time_zone text NOT NULL       -- IANA name, e.g. America/Santiago (observes DST)
);

-- backfill_all_shops_ads_day at a given instant: the shop's local day at p_now, in its
-- zone, minus p_days_ago. Like enqueue, it skips an active shop whose region no table
-- knows (0003's version gave it UTC+7's day).
CREATE FUNCTION backfill_all_shops_ads_day(p_days_ago integer, p_now timestamptz)
RETURNS integer LANGUAGE sql AS $$
    WITH inserted AS (
        INSERT INTO apishopee_ads_sync_queue (shop_id, sync_type, priority, days_ago, target_day)
        SELECT s.shop_id, 'backfill_day', 0, p_days_ago,
               (p_now AT TIME ZONE r.time_zone)::date - p_days_ago
        FROM apishopee_shops AS s
        JOIN apishopee_regions AS r ON r.region = upper(s.region)
        WHERE s.status = 'active' AND s.access_token IS NOT NULL
        ON CONFLICT DO NOTHING
        RETURNING 1
    )
    SELECT count(*)::integer FROM inserted;
$$;

-- The seed's operator function (0003), same signature: now it reads the zone table.
CREATE OR REPLACE FUNCTION backfill_all_shops_ads_day(p_days_ago integer DEFAULT 1)
RETURNS integer LANGUAGE sql AS $$
    SELECT backfill_all_shops_ads_day(p_days_ago, now());
$$;
