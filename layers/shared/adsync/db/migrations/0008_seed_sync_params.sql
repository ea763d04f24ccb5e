-- The seed README's hand-written backfill still works: it names the day in
-- `sync_params` ({"days_ago": N}), one row per day. The column is kept (the seed's
-- name), its days_ago fills ours, and rows whose day is not fixed yet (target_day NULL:
-- the worker takes "today minus days_ago" in the shop's zone when the job starts) are
-- kept apart by days_ago in the one-live-job index, so seven such rows are seven jobs.

ALTER TABLE apishopee_ads_sync_queue ADD COLUMN sync_params jsonb;

CREATE FUNCTION apishopee_ads_sync_queue_seed_params() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.days_ago IS NULL AND jsonb_typeof(NEW.sync_params -> 'days_ago') = 'number' THEN
        NEW.days_ago := (NEW.sync_params ->> 'days_ago')::integer;
    END IF;
    RETURN NEW;
END;
$$;

CREATE TRIGGER apishopee_ads_sync_queue_seed_params
    BEFORE INSERT ON apishopee_ads_sync_queue
    FOR EACH ROW
    WHEN (NEW.sync_params IS NOT NULL)
    EXECUTE FUNCTION apishopee_ads_sync_queue_seed_params();

-- Same key as before for every row with a target day; rows without one (realtime,
-- lookback, hand-written backfills) are told apart by days_ago.
CREATE UNIQUE INDEX apishopee_ads_sync_queue_live_day_uq
    ON apishopee_ads_sync_queue (
        shop_id, sync_type, COALESCE(target_day, DATE '1970-01-01' + COALESCE(days_ago, 0))
    )
    WHERE status IN ('pending', 'processing');
DROP INDEX apishopee_ads_sync_queue_live_uq;
