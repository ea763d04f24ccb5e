-- The realtime sync's writes (services/realtime.py): the rows of every step since the
-- last save, the job's cursor or its completion, and, on completion, the shop's sync
-- state, all in ONE statement (one round trip, atomic). Rows are written only if the
-- job is still ours (the job CTE matched); the reply says whether it was.

-- name: commit_realtime
WITH job AS (
    UPDATE apishopee_ads_sync_queue
    SET cursor = CASE WHEN CAST(:complete AS boolean) THEN cursor
                      ELSE CAST(:cursor AS jsonb) END,
        status = CASE WHEN CAST(:complete AS boolean) THEN 'completed' ELSE status END,
        completed_at = CASE WHEN CAST(:complete AS boolean) THEN CAST(:now AS timestamptz)
                            ELSE completed_at END,
        lease_expires_at = CASE WHEN CAST(:complete AS boolean) THEN NULL
                                ELSE lease_expires_at END,
        error_message = CASE WHEN CAST(:complete AS boolean) THEN NULL ELSE error_message END,
        stats = CASE WHEN CAST(:complete AS boolean) THEN CAST(:stats AS jsonb) ELSE stats END,
        updated_at = :now
    WHERE id = :job_id AND dispatch_id = CAST(:dispatch_id AS uuid) AND status = 'processing'
    RETURNING id
), shop AS (
    UPDATE apishopee_shops
    SET sync_state = CAST(:sync_state AS jsonb), last_synced_at = :now,
        campaign_count = COALESCE(CAST(:campaign_count AS integer), campaign_count),
        updated_at = :now
    WHERE shop_id = :shop_id AND CAST(:complete AS boolean) AND EXISTS (SELECT 1 FROM job)
    RETURNING 1
), campaigns AS (
    INSERT INTO apishopee_ads_campaign_data AS t
        (shop_id, campaign_id, ad_type, ad_name, campaign_status, campaign_placement, bidding_method,
         campaign_budget, start_time, end_time, item_count, roas_target, raw, synced_at)
    SELECT :shop_id, u.*, :now
    FROM jsonb_to_recordset(CAST(:campaign_rows AS jsonb)) AS u(
        campaign_id bigint, ad_type text, ad_name text, campaign_status text,
        campaign_placement text, bidding_method text, campaign_budget numeric,
        start_time timestamptz, end_time timestamptz, item_count integer, roas_target numeric,
        raw jsonb
    )
    WHERE EXISTS (SELECT 1 FROM job)
    ON CONFLICT (shop_id, campaign_id) DO UPDATE SET
        ad_type = EXCLUDED.ad_type, ad_name = EXCLUDED.ad_name,
        campaign_status = EXCLUDED.campaign_status,
        campaign_placement = EXCLUDED.campaign_placement,
        bidding_method = EXCLUDED.bidding_method, campaign_budget = EXCLUDED.campaign_budget,
        start_time = EXCLUDED.start_time, end_time = EXCLUDED.end_time,
        item_count = EXCLUDED.item_count, roas_target = EXCLUDED.roas_target,
        raw = EXCLUDED.raw, synced_at = EXCLUDED.synced_at
    RETURNING 1
),
campaign_hourly AS (
    INSERT INTO apishopee_ads_performance_hourly AS t
        (shop_id, campaign_id, performance_date, hour, impression, clicks, ctr, expense,
         broad_order, direct_order, broad_order_amount, direct_order_amount, broad_gmv,
         direct_gmv, broad_roi, direct_roi, broad_cir, direct_cir, cr, direct_cr, cpc, cpdc,
         synced_at)
    SELECT :shop_id, u.*, :now
    FROM jsonb_to_recordset(CAST(:campaign_hourly_rows AS jsonb)) AS u(
        campaign_id bigint, performance_date date, hour smallint, impression bigint,
        clicks bigint, ctr numeric, expense numeric, broad_order bigint, direct_order bigint,
        broad_order_amount bigint, direct_order_amount bigint, broad_gmv numeric,
        direct_gmv numeric, broad_roi numeric, direct_roi numeric, broad_cir numeric,
        direct_cir numeric, cr numeric, direct_cr numeric, cpc numeric, cpdc numeric
    )
    WHERE EXISTS (SELECT 1 FROM job)
    ON CONFLICT (shop_id, campaign_id, performance_date, hour) DO UPDATE SET
        impression = EXCLUDED.impression,
        clicks = EXCLUDED.clicks,
        ctr = EXCLUDED.ctr,
        expense = EXCLUDED.expense,
        broad_order = EXCLUDED.broad_order,
        direct_order = EXCLUDED.direct_order,
        broad_order_amount = EXCLUDED.broad_order_amount,
        direct_order_amount = EXCLUDED.direct_order_amount,
        broad_gmv = EXCLUDED.broad_gmv,
        direct_gmv = EXCLUDED.direct_gmv,
        broad_roi = EXCLUDED.broad_roi,
        direct_roi = EXCLUDED.direct_roi,
        broad_cir = EXCLUDED.broad_cir,
        direct_cir = EXCLUDED.direct_cir,
        cr = EXCLUDED.cr,
        direct_cr = EXCLUDED.direct_cr,
        cpc = EXCLUDED.cpc,
        cpdc = EXCLUDED.cpdc,
        synced_at = EXCLUDED.synced_at
    RETURNING 1
),
campaign_daily AS (
    INSERT INTO apishopee_ads_performance_daily AS t
        (shop_id, campaign_id, performance_date, impression, clicks, ctr, expense, broad_order,
         direct_order, broad_order_amount, direct_order_amount, broad_gmv, direct_gmv,
         broad_roi, direct_roi, broad_cir, direct_cir, cr, direct_cr, cpc, cpdc, synced_at)
    SELECT :shop_id, u.*, :now
    FROM jsonb_to_recordset(CAST(:campaign_daily_rows AS jsonb)) AS u(
        campaign_id bigint, performance_date date, impression bigint, clicks bigint,
        ctr numeric, expense numeric, broad_order bigint, direct_order bigint,
        broad_order_amount bigint, direct_order_amount bigint, broad_gmv numeric,
        direct_gmv numeric, broad_roi numeric, direct_roi numeric, broad_cir numeric,
        direct_cir numeric, cr numeric, direct_cr numeric, cpc numeric, cpdc numeric
    )
    WHERE EXISTS (SELECT 1 FROM job)
    ON CONFLICT (shop_id, campaign_id, performance_date) DO UPDATE SET
        impression = EXCLUDED.impression,
        clicks = EXCLUDED.clicks,
        ctr = EXCLUDED.ctr,
        expense = EXCLUDED.expense,
        broad_order = EXCLUDED.broad_order,
        direct_order = EXCLUDED.direct_order,
        broad_order_amount = EXCLUDED.broad_order_amount,
        direct_order_amount = EXCLUDED.direct_order_amount,
        broad_gmv = EXCLUDED.broad_gmv,
        direct_gmv = EXCLUDED.direct_gmv,
        broad_roi = EXCLUDED.broad_roi,
        direct_roi = EXCLUDED.direct_roi,
        broad_cir = EXCLUDED.broad_cir,
        direct_cir = EXCLUDED.direct_cir,
        cr = EXCLUDED.cr,
        direct_cr = EXCLUDED.direct_cr,
        cpc = EXCLUDED.cpc,
        cpdc = EXCLUDED.cpdc,
        synced_at = EXCLUDED.synced_at
    RETURNING 1
),
shop_hourly AS (
    INSERT INTO apishopee_ads_shop_performance_hourly AS t
        (shop_id, performance_date, hour, impression, clicks, ctr, direct_order, broad_order,
         direct_conversions, broad_conversions, direct_item_sold, broad_item_sold, direct_gmv,
         broad_gmv, expense, cost_per_conversion, direct_roas, broad_roas, synced_at)
    SELECT :shop_id, u.*, :now
    FROM jsonb_to_recordset(CAST(:shop_hourly_rows AS jsonb)) AS u(
        performance_date date, hour smallint, impression bigint, clicks bigint, ctr numeric,
        direct_order bigint, broad_order bigint, direct_conversions numeric,
        broad_conversions numeric, direct_item_sold bigint, broad_item_sold bigint,
        direct_gmv numeric, broad_gmv numeric, expense numeric, cost_per_conversion numeric,
        direct_roas numeric, broad_roas numeric
    )
    WHERE EXISTS (SELECT 1 FROM job)
    ON CONFLICT (shop_id, performance_date, hour) DO UPDATE SET
        impression = EXCLUDED.impression,
        clicks = EXCLUDED.clicks,
        ctr = EXCLUDED.ctr,
        direct_order = EXCLUDED.direct_order,
        broad_order = EXCLUDED.broad_order,
        direct_conversions = EXCLUDED.direct_conversions,
        broad_conversions = EXCLUDED.broad_conversions,
        direct_item_sold = EXCLUDED.direct_item_sold,
        broad_item_sold = EXCLUDED.broad_item_sold,
        direct_gmv = EXCLUDED.direct_gmv,
        broad_gmv = EXCLUDED.broad_gmv,
        expense = EXCLUDED.expense,
        cost_per_conversion = EXCLUDED.cost_per_conversion,
        direct_roas = EXCLUDED.direct_roas,
        broad_roas = EXCLUDED.broad_roas,
        synced_at = EXCLUDED.synced_at
    RETURNING 1
),
shop_daily AS (
    INSERT INTO apishopee_ads_shop_performance_daily AS t
        (shop_id, performance_date, impression, clicks, ctr, direct_order, broad_order,
         direct_conversions, broad_conversions, direct_item_sold, broad_item_sold, direct_gmv,
         broad_gmv, expense, cost_per_conversion, direct_roas, broad_roas, synced_at)
    SELECT :shop_id, u.*, :now
    FROM jsonb_to_recordset(CAST(:shop_daily_rows AS jsonb)) AS u(
        performance_date date, impression bigint, clicks bigint, ctr numeric,
        direct_order bigint, broad_order bigint, direct_conversions numeric,
        broad_conversions numeric, direct_item_sold bigint, broad_item_sold bigint,
        direct_gmv numeric, broad_gmv numeric, expense numeric, cost_per_conversion numeric,
        direct_roas numeric, broad_roas numeric
    )
    WHERE EXISTS (SELECT 1 FROM job)
    ON CONFLICT (shop_id, performance_date) DO UPDATE SET
        impression = EXCLUDED.impression,
        clicks = EXCLUDED.clicks,
        ctr = EXCLUDED.ctr,
        direct_order = EXCLUDED.direct_order,
        broad_order = EXCLUDED.broad_order,
        direct_conversions = EXCLUDED.direct_conversions,
        broad_conversions = EXCLUDED.broad_conversions,
        direct_item_sold = EXCLUDED.direct_item_sold,
        broad_item_sold = EXCLUDED.broad_item_sold,
        direct_gmv = EXCLUDED.direct_gmv,
        broad_gmv = EXCLUDED.broad_gmv,
        expense = EXCLUDED.expense,
        cost_per_conversion = EXCLUDED.cost_per_conversion,
        direct_roas = EXCLUDED.direct_roas,
        broad_roas = EXCLUDED.broad_roas,
        synced_at = EXCLUDED.synced_at
    RETURNING 1
)
SELECT EXISTS (SELECT 1 FROM job) AS ours;

-- name: campaign_schedules
-- Start and end of every campaign of the shop we hold settings for.
SELECT campaign_id, start_time, end_time FROM apishopee_ads_campaign_data
WHERE shop_id = :shop_id;
