-- The ads tables' upserts. Each table's rows and ON CONFLICT clause are written once,
-- as fragments (`-- include:`), shared with realtime.sql's one-statement commit.

-- name: upsert_campaign_daily
-- One statement per batch: the rows travel as one JSON array (exact decimals).
-- include: campaign_daily_rows
-- include: campaign_daily_conflict

-- name: upsert_campaign_hourly
-- One statement per batch: the rows travel as one JSON array (exact decimals).
-- include: campaign_hourly_rows
-- include: campaign_hourly_conflict

-- name: upsert_shop_daily
-- One statement per batch: the rows travel as one JSON array (exact decimals).
-- include: shop_daily_rows
-- include: shop_daily_conflict

-- name: upsert_shop_hourly
-- One statement per batch: the rows travel as one JSON array (exact decimals).
-- include: shop_hourly_rows
-- include: shop_hourly_conflict

-- name: upsert_campaigns
-- include: campaign_rows
-- include: campaign_conflict

-- name: remembered_campaign_ids
-- Campaigns an earlier sync saw running in [start_day, end_day]: clicks on one of those
-- days (orders are attributed to a click's day, so only they can still grow), or listed
-- by Shopee since the range began and not known to be deleted. A campaign deleted since
-- is gone from the id list but keeps earning late orders (shopee-ads-api.md §6.5, §7.2).
-- Bounded: a deleted campaign is forgotten once its last click day leaves the range.
SELECT campaign_id FROM apishopee_ads_performance_daily
WHERE shop_id = :shop_id AND performance_date BETWEEN :start_day AND :end_day AND clicks > 0
UNION
SELECT campaign_id FROM apishopee_ads_campaign_data
WHERE shop_id = :shop_id AND synced_at >= :listed_since
    AND campaign_status IS DISTINCT FROM 'deleted'
ORDER BY campaign_id;

-- name: count_rows
SELECT
    (SELECT count(*) FROM apishopee_ads_campaign_data) AS campaigns,
    (SELECT count(*) FROM apishopee_ads_performance_daily) AS campaign_daily,
    (SELECT count(*) FROM apishopee_ads_performance_hourly) AS campaign_hourly,
    (SELECT count(*) FROM apishopee_ads_shop_performance_daily) AS shop_daily,
    (SELECT count(*) FROM apishopee_ads_shop_performance_hourly) AS shop_hourly;

-- name: campaign_daily_rows
-- Fragment (included): the campaign daily rows of :campaign_daily_rows, stamped :synced_at.
INSERT INTO apishopee_ads_performance_daily AS t
    (shop_id, campaign_id, performance_date,
     -- include: product_metrics_columns
     synced_at)
SELECT :shop_id, u.*, :synced_at
FROM jsonb_to_recordset(CAST(:campaign_daily_rows AS jsonb)) AS u(
    campaign_id bigint, performance_date date,
    -- include: product_metrics_types
)

-- name: campaign_daily_conflict
-- Fragment (included): what an existing row takes from the new one.
ON CONFLICT (shop_id, campaign_id, performance_date) DO UPDATE SET
    -- include: product_metrics_update
-- include: product_metrics_changed

-- name: campaign_hourly_rows
-- Fragment (included): the campaign hourly rows of :campaign_hourly_rows, stamped :synced_at.
INSERT INTO apishopee_ads_performance_hourly AS t
    (shop_id, campaign_id, performance_date, hour,
     -- include: product_metrics_columns
     synced_at)
SELECT :shop_id, u.*, :synced_at
FROM jsonb_to_recordset(CAST(:campaign_hourly_rows AS jsonb)) AS u(
    campaign_id bigint, performance_date date, hour smallint,
    -- include: product_metrics_types
)

-- name: campaign_hourly_conflict
-- Fragment (included): what an existing row takes from the new one.
ON CONFLICT (shop_id, campaign_id, performance_date, hour) DO UPDATE SET
    -- include: product_metrics_update
-- include: product_metrics_changed

-- name: shop_daily_rows
-- Fragment (included): the shop daily rows of :shop_daily_rows, stamped :synced_at.
INSERT INTO apishopee_ads_shop_performance_daily AS t
    (shop_id, performance_date, impression, clicks, ctr, direct_order, broad_order,
     direct_conversions, broad_conversions, direct_item_sold, broad_item_sold, direct_gmv,
     broad_gmv, expense, cost_per_conversion, direct_roas, broad_roas, synced_at)
SELECT :shop_id, u.*, :synced_at
FROM jsonb_to_recordset(CAST(:shop_daily_rows AS jsonb)) AS u(
    performance_date date, impression bigint, clicks bigint, ctr numeric,
    direct_order bigint, broad_order bigint, direct_conversions numeric,
    broad_conversions numeric, direct_item_sold bigint, broad_item_sold bigint,
    direct_gmv numeric, broad_gmv numeric, expense numeric, cost_per_conversion numeric,
    direct_roas numeric, broad_roas numeric
)

-- name: shop_daily_conflict
-- Fragment (included): what an existing row takes from the new one.
ON CONFLICT (shop_id, performance_date) DO UPDATE SET
    -- include: shop_metrics_update
-- include: shop_metrics_changed

-- name: shop_hourly_rows
-- Fragment (included): the shop hourly rows of :shop_hourly_rows, stamped :synced_at.
INSERT INTO apishopee_ads_shop_performance_hourly AS t
    (shop_id, performance_date, hour, impression, clicks, ctr, direct_order, broad_order,
     direct_conversions, broad_conversions, direct_item_sold, broad_item_sold, direct_gmv,
     broad_gmv, expense, cost_per_conversion, direct_roas, broad_roas, synced_at)
SELECT :shop_id, u.*, :synced_at
FROM jsonb_to_recordset(CAST(:shop_hourly_rows AS jsonb)) AS u(
    performance_date date, hour smallint, impression bigint, clicks bigint, ctr numeric,
    direct_order bigint, broad_order bigint, direct_conversions numeric,
    broad_conversions numeric, direct_item_sold bigint, broad_item_sold bigint,
    direct_gmv numeric, broad_gmv numeric, expense numeric, cost_per_conversion numeric,
    direct_roas numeric, broad_roas numeric
)

-- name: shop_hourly_conflict
-- Fragment (included): what an existing row takes from the new one.
ON CONFLICT (shop_id, performance_date, hour) DO UPDATE SET
    -- include: shop_metrics_update
-- include: shop_metrics_changed

-- name: campaign_rows
-- Fragment (included): the campaign rows of :campaign_rows, stamped :synced_at.
INSERT INTO apishopee_ads_campaign_data AS t
    (shop_id, campaign_id, ad_type, ad_name, campaign_status, campaign_placement, bidding_method,
     campaign_budget, start_time, end_time, item_count, roas_target, raw, synced_at)
SELECT :shop_id, u.*, :synced_at
FROM jsonb_to_recordset(CAST(:campaign_rows AS jsonb)) AS u(
    campaign_id bigint, ad_type text, ad_name text, campaign_status text,
    campaign_placement text, bidding_method text, campaign_budget numeric,
    start_time timestamptz, end_time timestamptz, item_count integer, roas_target numeric,
    raw jsonb
)

-- name: campaign_conflict
-- Fragment (included): what an existing row takes from the new one.
ON CONFLICT (shop_id, campaign_id) DO UPDATE SET
    ad_type = EXCLUDED.ad_type, ad_name = EXCLUDED.ad_name,
    campaign_status = EXCLUDED.campaign_status,
    campaign_placement = EXCLUDED.campaign_placement,
    bidding_method = EXCLUDED.bidding_method, campaign_budget = EXCLUDED.campaign_budget,
    start_time = EXCLUDED.start_time, end_time = EXCLUDED.end_time,
    item_count = EXCLUDED.item_count, roas_target = EXCLUDED.roas_target,
    raw = EXCLUDED.raw, synced_at = EXCLUDED.synced_at

-- name: product_metrics_columns
-- Fragment (included): the product-level metric columns, in the tables' order, then a
-- comma (the statement names what follows them).
impression, clicks, ctr, expense, broad_order, direct_order, broad_order_amount,
direct_order_amount, broad_gmv, direct_gmv, broad_roi, direct_roi, broad_cir,
direct_cir, cr, direct_cr, cpc, cpdc,

-- name: product_metrics_types
-- Fragment (included): the product-level metrics of a JSON row, in the tables' column
-- order (campaign daily/hourly here, Product GMS in gms.sql).
impression bigint, clicks bigint, ctr numeric, expense numeric, broad_order bigint,
direct_order bigint, broad_order_amount bigint, direct_order_amount bigint,
broad_gmv numeric, direct_gmv numeric, broad_roi numeric, direct_roi numeric,
broad_cir numeric, direct_cir numeric, cr numeric, direct_cr numeric, cpc numeric,
cpdc numeric

-- name: product_metrics_update
-- Fragment (included): the product-level metrics an existing row takes from the new one.
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

-- name: shop_metrics_update
-- Fragment (included): the shop-level metrics an existing row takes from the new one.
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

-- name: product_metrics_changed
-- Fragment (included, after product_metrics_update): an existing row is rewritten only when
-- one of its metrics differs. An unchanged row keeps its tuple (no new row version,
-- index entry or WAL: a realtime cycle re-reads every hour of a changed campaign) and
-- its synced_at, which so says when the row last changed.
WHERE (t.impression, t.clicks, t.ctr, t.expense, t.broad_order, t.direct_order,
    t.broad_order_amount, t.direct_order_amount, t.broad_gmv, t.direct_gmv, t.broad_roi,
    t.direct_roi, t.broad_cir, t.direct_cir, t.cr, t.direct_cr, t.cpc, t.cpdc)
    IS DISTINCT FROM (EXCLUDED.impression, EXCLUDED.clicks, EXCLUDED.ctr,
    EXCLUDED.expense, EXCLUDED.broad_order, EXCLUDED.direct_order,
    EXCLUDED.broad_order_amount, EXCLUDED.direct_order_amount, EXCLUDED.broad_gmv,
    EXCLUDED.direct_gmv, EXCLUDED.broad_roi, EXCLUDED.direct_roi, EXCLUDED.broad_cir,
    EXCLUDED.direct_cir, EXCLUDED.cr, EXCLUDED.direct_cr, EXCLUDED.cpc, EXCLUDED.cpdc)

-- name: shop_metrics_changed
-- Fragment (included, after shop_metrics_update): an existing row is rewritten only when
-- one of its metrics differs. An unchanged row keeps its tuple (no new row version,
-- index entry or WAL: a realtime cycle re-reads every hour of a changed campaign) and
-- its synced_at, which so says when the row last changed.
WHERE (t.impression, t.clicks, t.ctr, t.direct_order, t.broad_order,
    t.direct_conversions, t.broad_conversions, t.direct_item_sold, t.broad_item_sold,
    t.direct_gmv, t.broad_gmv, t.expense, t.cost_per_conversion, t.direct_roas,
    t.broad_roas)
    IS DISTINCT FROM (EXCLUDED.impression, EXCLUDED.clicks, EXCLUDED.ctr,
    EXCLUDED.direct_order, EXCLUDED.broad_order, EXCLUDED.direct_conversions,
    EXCLUDED.broad_conversions, EXCLUDED.direct_item_sold, EXCLUDED.broad_item_sold,
    EXCLUDED.direct_gmv, EXCLUDED.broad_gmv, EXCLUDED.expense,
    EXCLUDED.cost_per_conversion, EXCLUDED.direct_roas, EXCLUDED.broad_roas)
