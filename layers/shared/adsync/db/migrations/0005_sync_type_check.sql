-- An operator's INSERT with a sync type the worker does not know fails at once, with
-- the constraint's name in the error, instead of failing later in the worker.
ALTER TABLE apishopee_ads_sync_queue
    ADD CONSTRAINT apishopee_ads_sync_queue_sync_type_check
    CHECK (sync_type IN ('realtime', 'backfill_day', 'backfill_full', 'lookback'));
