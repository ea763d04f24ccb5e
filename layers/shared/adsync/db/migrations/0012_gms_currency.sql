-- Product GMS (GMV Max) data, the shop's GMS state, and each region's currency
-- (issue 16, parts 1 and 5).
--
-- Units (the one convention, adsync/shopee/models.py RATIOS, for every ads table):
-- money (expense, *_gmv, cpc, cpdc, cost_per_conversion) in the shop's currency, which
-- apishopee_shop_currency gives; ctr, cr, direct_cr, *_cir, *_conversions are
-- percentages (2.5 = 2.5 %); *_roi and *_roas are multiples (GMV / spend). Every ratio
-- is derived from the row's own counts when it enters the client, never Shopee's value
-- (shopee-ads-api.md §7: Shopee sends percent in some replies, fractions in others).

-- The currency of each marketplace: a copy of adsync/regions.py (MARKETS), which
-- apply_migrations writes after the files, like the zones of 0011.
ALTER TABLE apishopee_regions
    ADD COLUMN currency text CHECK (currency ~ '^[A-Z]{3}$');

-- Money of a shop's rows is in its region's currency; a shop's region never changes,
-- so the currency is a property of the shop, read here rather than copied onto every
-- row. Sum money across shops only GROUP BY currency.
CREATE VIEW apishopee_shop_currency AS
SELECT s.shop_id, upper(s.region) AS region, r.currency
FROM apishopee_shops AS s
LEFT JOIN apishopee_regions AS r ON r.region = upper(s.region);

-- What Shopee last said of the shop's GMS campaign (services/gms.py): 'active', or the
-- code that refused the report (ads_error_not_whitelisted_for_product_gms, ...). A
-- refused shop is asked again only after GMS_RECHECK: a state, not a failure.
ALTER TABLE apishopee_shops
    ADD COLUMN gms_status text,
    ADD COLUMN gms_checked_at timestamptz;

-- get_gms_campaign_performance asked one day at a time (§6.9: its report has no date).
CREATE TABLE apishopee_ads_gms_campaign_daily (
    shop_id             bigint        NOT NULL,
    campaign_id         bigint        NOT NULL,
    performance_date    date          NOT NULL,
    impression          bigint        NOT NULL DEFAULT 0,
    clicks              bigint        NOT NULL DEFAULT 0,
    ctr                 numeric(12,4) NOT NULL DEFAULT 0,
    expense             numeric(18,4) NOT NULL DEFAULT 0,
    broad_order         bigint        NOT NULL DEFAULT 0,
    direct_order        bigint        NOT NULL DEFAULT 0,
    broad_order_amount  bigint        NOT NULL DEFAULT 0,
    direct_order_amount bigint        NOT NULL DEFAULT 0,
    broad_gmv           numeric(18,4) NOT NULL DEFAULT 0,
    direct_gmv          numeric(18,4) NOT NULL DEFAULT 0,
    broad_roi           numeric(14,4) NOT NULL DEFAULT 0,
    direct_roi          numeric(14,4) NOT NULL DEFAULT 0,
    broad_cir           numeric(14,4) NOT NULL DEFAULT 0,
    direct_cir          numeric(14,4) NOT NULL DEFAULT 0,
    cr                  numeric(12,4) NOT NULL DEFAULT 0,
    direct_cr           numeric(12,4) NOT NULL DEFAULT 0,
    cpc                 numeric(18,4) NOT NULL DEFAULT 0,
    cpdc                numeric(18,4) NOT NULL DEFAULT 0,
    synced_at           timestamptz   NOT NULL,
    PRIMARY KEY (shop_id, campaign_id, performance_date)
);

-- get_gms_item_performance asked one day at a time; only items with activity.
CREATE TABLE apishopee_ads_gms_item_daily (
    LIKE apishopee_ads_gms_campaign_daily INCLUDING DEFAULTS,
    item_id bigint NOT NULL,
    PRIMARY KEY (shop_id, campaign_id, item_id, performance_date)
);

-- list_gms_user_deleted_item: items the seller removed from the GMS campaign. Their
-- rows above stay (the days they ran); a row here says since when we know.
CREATE TABLE apishopee_ads_gms_deleted_item (
    shop_id       bigint      NOT NULL,
    campaign_id   bigint      NOT NULL,
    item_id       bigint      NOT NULL,
    first_seen_at timestamptz NOT NULL,
    last_seen_at  timestamptz NOT NULL,
    PRIMARY KEY (shop_id, campaign_id, item_id)
);
