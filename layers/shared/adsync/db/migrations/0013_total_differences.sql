-- Totals that reconcile (issue 16, part 4). After each sync, per shop-local day and
-- metric, a total is compared with the sum of its parts:
--   campaigns_vs_shop         shop daily (all CPC ads)   vs  sum of campaign daily rows
--   shop_hourly_vs_daily      shop daily                 vs  sum of shop hourly rows
--   campaign_hourly_vs_daily  sum of campaign daily rows vs  sum of campaign hourly rows
-- Only differences are kept: a (shop, day) with no row reconciles. `difference` is
-- total - parts, in the metric's unit (money in the shop's currency; units sold are
-- the shop-level *_item_sold vs the product-level *_order_amount). `within_rounding`:
-- money that differs by at most one cent per summed row (each part is rounded by
-- Shopee). Which differences are expected: docs/operations.md, "Totals that reconcile".
CREATE TABLE apishopee_ads_total_differences (
    shop_id          bigint        NOT NULL,
    performance_date date          NOT NULL,
    comparison       text          NOT NULL CHECK (comparison IN
        ('campaigns_vs_shop', 'shop_hourly_vs_daily', 'campaign_hourly_vs_daily')),
    metric           text          NOT NULL,
    total            numeric(20,4) NOT NULL,
    parts            numeric(20,4) NOT NULL,
    part_rows        integer       NOT NULL,
    difference       numeric(20,4) GENERATED ALWAYS AS (total - parts) STORED,
    within_rounding  boolean       NOT NULL,
    checked_at       timestamptz   NOT NULL,
    PRIMARY KEY (shop_id, performance_date, comparison, metric)
);

CREATE INDEX apishopee_ads_total_differences_day ON apishopee_ads_total_differences (performance_date);

-- The check and the lookback's remembered campaigns read one shop's days; the campaign
-- tables' keys start (shop, campaign, ...), which would scan the shop's whole history.
CREATE INDEX apishopee_ads_performance_daily_shop_day
    ON apishopee_ads_performance_daily (shop_id, performance_date);
CREATE INDEX apishopee_ads_performance_hourly_shop_day
    ON apishopee_ads_performance_hourly (shop_id, performance_date);
