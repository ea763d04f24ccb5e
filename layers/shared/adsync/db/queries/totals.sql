-- name: check_days
-- Compare totals with the sums of their parts for one shop's days (see migration 0013)
-- and leave exactly the differences in apishopee_ads_total_differences: new ones inserted,
-- changed ones updated, settled ones deleted. The metrics compared are listed once, in
-- `sides` (shop-level names: `side_rows` reads product-level *_order_amount, units sold, as
-- *_item_sold).
WITH side_rows AS (
    SELECT 'shop_daily' AS side, performance_date, impression, clicks, expense, broad_order,
           direct_order, broad_item_sold, direct_item_sold, broad_gmv, direct_gmv
    FROM apishopee_ads_shop_performance_daily
    WHERE shop_id = :shop_id AND performance_date BETWEEN :start_day AND :end_day
    UNION ALL
    SELECT 'shop_hourly', performance_date, impression, clicks, expense, broad_order,
           direct_order, broad_item_sold, direct_item_sold, broad_gmv, direct_gmv
    FROM apishopee_ads_shop_performance_hourly
    WHERE shop_id = :shop_id AND performance_date BETWEEN :start_day AND :end_day
    UNION ALL
    SELECT 'campaign_daily', performance_date, impression, clicks, expense, broad_order,
           direct_order, broad_order_amount, direct_order_amount, broad_gmv, direct_gmv
    FROM apishopee_ads_performance_daily
    WHERE shop_id = :shop_id AND performance_date BETWEEN :start_day AND :end_day
    UNION ALL
    SELECT 'campaign_hourly', performance_date, impression, clicks, expense, broad_order,
           direct_order, broad_order_amount, direct_order_amount, broad_gmv, direct_gmv
    FROM apishopee_ads_performance_hourly
    WHERE shop_id = :shop_id AND performance_date BETWEEN :start_day AND :end_day
),
sides AS (
    -- A shop's daily total is one row a day: its sums are its values.
    SELECT side, performance_date, count(*)::int AS part_rows,
           jsonb_build_object(
               'impression', sum(impression), 'clicks', sum(clicks), 'expense', sum(expense),
               'broad_order', sum(broad_order), 'direct_order', sum(direct_order),
               'broad_item_sold', sum(broad_item_sold),
               'direct_item_sold', sum(direct_item_sold),
               'broad_gmv', sum(broad_gmv), 'direct_gmv', sum(direct_gmv)) AS m
    FROM side_rows
    GROUP BY side, performance_date
),
values_ AS (
    SELECT s.side, s.performance_date, s.part_rows, kv.key AS metric,
           kv.value::text::numeric AS value
    FROM sides s, jsonb_each(s.m) AS kv
),
pairs (comparison, total_side, parts_side) AS (
    VALUES ('campaigns_vs_shop', 'shop_daily', 'campaign_daily'),
           ('shop_hourly_vs_daily', 'shop_daily', 'shop_hourly'),
           ('campaign_hourly_vs_daily', 'campaign_daily', 'campaign_hourly')
),
totals AS (
    SELECT p.comparison, v.performance_date, v.metric, v.value
    FROM pairs p JOIN values_ v ON v.side = p.total_side
),
summed AS (
    SELECT p.comparison, v.performance_date, v.metric, v.value, v.part_rows
    FROM pairs p JOIN values_ v ON v.side = p.parts_side
),
compared AS (
    SELECT comparison, performance_date, metric,
           coalesce(t.value, 0) AS total,
           coalesce(x.value, 0) AS parts,
           coalesce(x.part_rows, 0) AS part_rows
    FROM totals t FULL JOIN summed x USING (comparison, performance_date, metric)
),
differences AS (
    SELECT comparison, performance_date, metric, total, parts, part_rows,
           metric IN ('expense', 'broad_gmv', 'direct_gmv')
               AND abs(total - parts) <= 0.01 * greatest(part_rows, 1) AS within_rounding
    FROM compared
    WHERE total <> parts
),
settled AS (
    DELETE FROM apishopee_ads_total_differences r
    WHERE r.shop_id = :shop_id AND r.performance_date BETWEEN :start_day AND :end_day
        AND NOT EXISTS (
            SELECT 1 FROM differences d
            WHERE (d.comparison, d.performance_date, d.metric)
                = (r.comparison, r.performance_date, r.metric))
    RETURNING 1
)
INSERT INTO apishopee_ads_total_differences AS r
    (shop_id, performance_date, comparison, metric, total, parts, part_rows,
     within_rounding, checked_at)
SELECT :shop_id, performance_date, comparison, metric, total, parts, part_rows,
       within_rounding, :now
FROM differences
ON CONFLICT (shop_id, performance_date, comparison, metric) DO UPDATE SET
    total = EXCLUDED.total, parts = EXCLUDED.parts, part_rows = EXCLUDED.part_rows,
    within_rounding = EXCLUDED.within_rounding, checked_at = EXCLUDED.checked_at
RETURNING comparison, metric, within_rounding
;

-- name: summary
-- Differences beyond rounding since a day, by comparison, metric and region (a region
-- has one currency: money of different currencies is never summed).
SELECT d.comparison, d.metric, s.region, count(*) AS shop_days,
       count(DISTINCT d.shop_id) AS shops, sum(d.difference) AS total_difference
FROM apishopee_ads_total_differences d
JOIN apishopee_shops s USING (shop_id)
WHERE d.performance_date >= :since_day AND NOT d.within_rounding
GROUP BY d.comparison, d.metric, s.region
ORDER BY d.comparison, d.metric, s.region;
