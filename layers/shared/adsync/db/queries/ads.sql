-- name: upsert_campaign_daily
-- One statement per batch: the arrays are columns of the same length.
INSERT INTO apishopee_ads_performance_daily AS t
    (shop_id, campaign_id, performance_date, impression, clicks, ctr, expense,
     broad_order, direct_order, broad_order_amount, direct_order_amount, broad_gmv, direct_gmv,
     broad_roi, direct_roi, broad_cir, direct_cir, cr, direct_cr, cpc, cpdc, synced_at)
SELECT u.*, :synced_at
FROM unnest(
    CAST(:shop_id AS bigint[]), CAST(:campaign_id AS bigint[]), CAST(:performance_date AS date[]),
    CAST(:impression AS bigint[]), CAST(:clicks AS bigint[]), CAST(:ctr AS numeric[]),
    CAST(:expense AS numeric[]), CAST(:broad_order AS bigint[]), CAST(:direct_order AS bigint[]),
    CAST(:broad_order_amount AS bigint[]), CAST(:direct_order_amount AS bigint[]),
    CAST(:broad_gmv AS numeric[]), CAST(:direct_gmv AS numeric[]),
    CAST(:broad_roi AS numeric[]), CAST(:direct_roi AS numeric[]),
    CAST(:broad_cir AS numeric[]), CAST(:direct_cir AS numeric[]),
    CAST(:cr AS numeric[]), CAST(:direct_cr AS numeric[]),
    CAST(:cpc AS numeric[]), CAST(:cpdc AS numeric[])
) AS u
ON CONFLICT (shop_id, campaign_id, performance_date) DO UPDATE SET
    impression = EXCLUDED.impression, clicks = EXCLUDED.clicks, ctr = EXCLUDED.ctr,
    expense = EXCLUDED.expense, broad_order = EXCLUDED.broad_order,
    direct_order = EXCLUDED.direct_order, broad_order_amount = EXCLUDED.broad_order_amount,
    direct_order_amount = EXCLUDED.direct_order_amount, broad_gmv = EXCLUDED.broad_gmv,
    direct_gmv = EXCLUDED.direct_gmv, broad_roi = EXCLUDED.broad_roi,
    direct_roi = EXCLUDED.direct_roi, broad_cir = EXCLUDED.broad_cir,
    direct_cir = EXCLUDED.direct_cir, cr = EXCLUDED.cr, direct_cr = EXCLUDED.direct_cr,
    cpc = EXCLUDED.cpc, cpdc = EXCLUDED.cpdc, synced_at = EXCLUDED.synced_at;

-- name: count_campaign_daily
SELECT count(*) AS rows FROM apishopee_ads_performance_daily;
