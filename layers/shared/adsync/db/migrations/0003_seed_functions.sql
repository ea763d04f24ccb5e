-- The seed system's operator functions, kept so that its README's SQL runs unchanged.
-- They only record jobs (pending, not yet sent): the reconciler (every minute) sends
-- them to the queue of their priority. process_next_sync_job() and
-- process_sync_queue_batch(n) are gone: the SQS-driven worker replaced them.

-- One running job per shop, across sync types: a second claim for the same shop fails
-- on this index and is deferred (Shopee throttles per shop; see ARCHITECTURE.md §2.5).
CREATE UNIQUE INDEX apishopee_ads_sync_queue_one_running_per_shop
    ON apishopee_ads_sync_queue (shop_id) WHERE status = 'processing';

CREATE FUNCTION enqueue_all_shops_sync(p_sync_type text, p_priority integer DEFAULT 1)
RETURNS integer LANGUAGE sql AS $$
    WITH inserted AS (
        INSERT INTO apishopee_ads_sync_queue (shop_id, sync_type, priority)
        SELECT shop_id, p_sync_type, p_priority
        FROM apishopee_shops
        WHERE status = 'active' AND access_token IS NOT NULL
        ON CONFLICT DO NOTHING
        RETURNING 1
    )
    SELECT count(*)::integer FROM inserted;
$$;

CREATE FUNCTION backfill_all_shops_ads_day(p_days_ago integer DEFAULT 1)
RETURNS integer LANGUAGE sql AS $$
    WITH inserted AS (
        INSERT INTO apishopee_ads_sync_queue (shop_id, sync_type, priority, days_ago, target_day)
        SELECT shop_id, 'backfill_day', 0, p_days_ago,
               -- the shop's local day, as enqueue computes it (adsync/regions.py)
               (now() AT TIME ZONE
                   CASE upper(region)
                       WHEN 'SG' THEN 'UTC-8' WHEN 'MY' THEN 'UTC-8' WHEN 'PH' THEN 'UTC-8'
                       WHEN 'TW' THEN 'UTC-8' WHEN 'BR' THEN 'UTC+3' WHEN 'MX' THEN 'UTC+6'
                       WHEN 'CO' THEN 'UTC+5' WHEN 'CL' THEN 'UTC+4' ELSE 'UTC-7'
                   END)::date - p_days_ago
        FROM apishopee_shops
        WHERE status = 'active' AND access_token IS NOT NULL
        ON CONFLICT DO NOTHING
        RETURNING 1
    )
    SELECT count(*)::integer FROM inserted;
$$;

CREATE FUNCTION cleanup_old_sync_queue(p_days integer DEFAULT 7)
RETURNS integer LANGUAGE sql AS $$
    WITH deleted AS (
        DELETE FROM apishopee_ads_sync_queue
        WHERE status IN ('completed', 'failed') AND created_at < now() - make_interval(days => p_days)
        RETURNING 1
    )
    SELECT count(*)::integer FROM deleted;
$$;
