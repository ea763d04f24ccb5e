-- The sync engine: a cursor per job (checkpointed steps) and every ads table of the
-- seed's system. Metrics keep Shopee's names; roas and acos are derived here, the same
-- way for every table, from raw counts (Shopee's own ratio units are not documented).
-- Units: money in the shop's currency; *_order_amount and *_item_sold are units sold;
-- ctr, cr, direct_cr, *_cir, *_conversions are percentages as Shopee sends them;
-- roas = broad_gmv / expense (a ratio), acos = expense / broad_gmv * 100 (percent).

ALTER TABLE apishopee_ads_sync_queue ADD COLUMN cursor jsonb;

CREATE OR REPLACE FUNCTION apishopee_ads_sync_queue_on_reset() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.dispatch_id := gen_random_uuid();
    NEW.dispatched_at := NULL;
    NEW.dispatched_priority := NULL;
    NEW.lease_expires_at := NULL;
    NEW.completed_at := NULL;
    NEW.cursor := NULL;  -- a hand reset re-runs the job from its first step
    RETURN NEW;
END;
$$;

ALTER TABLE apishopee_ads_performance_daily
    ADD COLUMN roas numeric(14,4) GENERATED ALWAYS AS
        (CASE WHEN expense > 0 THEN round(broad_gmv / expense, 4) ELSE 0 END) STORED,
    ADD COLUMN acos numeric(14,4) GENERATED ALWAYS AS
        (CASE WHEN broad_gmv > 0 THEN round(expense / broad_gmv * 100, 4) ELSE 0 END) STORED;

CREATE TABLE apishopee_ads_campaign_data (
    shop_id            bigint        NOT NULL,
    campaign_id        bigint        NOT NULL,
    ad_type            text,
    ad_name            text,
    campaign_status    text,
    campaign_placement text,
    bidding_method     text,
    campaign_budget    numeric(18,4),          -- 0 = unlimited
    start_time         timestamptz,
    end_time           timestamptz,            -- NULL = no end date
    item_count         integer,
    roas_target        numeric(14,4),
    raw                jsonb         NOT NULL,  -- the setting-info reply for this campaign
    synced_at          timestamptz   NOT NULL,
    PRIMARY KEY (shop_id, campaign_id)
);

CREATE TABLE apishopee_ads_performance_hourly (
    LIKE apishopee_ads_performance_daily INCLUDING DEFAULTS INCLUDING GENERATED,
    hour smallint NOT NULL CHECK (hour BETWEEN 0 AND 23),
    PRIMARY KEY (shop_id, campaign_id, performance_date, hour)
);

-- Shop level (all CPC ads), shop-level metric set: *_item_sold, *_conversions, *_roas.
CREATE TABLE apishopee_ads_shop_performance_daily (
    shop_id             bigint        NOT NULL,
    performance_date    date          NOT NULL,
    impression          bigint        NOT NULL DEFAULT 0,
    clicks              bigint        NOT NULL DEFAULT 0,
    ctr                 numeric(12,4) NOT NULL DEFAULT 0,
    direct_order        bigint        NOT NULL DEFAULT 0,
    broad_order         bigint        NOT NULL DEFAULT 0,
    direct_conversions  numeric(12,4) NOT NULL DEFAULT 0,
    broad_conversions   numeric(12,4) NOT NULL DEFAULT 0,
    direct_item_sold    bigint        NOT NULL DEFAULT 0,
    broad_item_sold     bigint        NOT NULL DEFAULT 0,
    direct_gmv          numeric(18,4) NOT NULL DEFAULT 0,
    broad_gmv           numeric(18,4) NOT NULL DEFAULT 0,
    expense             numeric(18,4) NOT NULL DEFAULT 0,
    cost_per_conversion numeric(18,4) NOT NULL DEFAULT 0,
    direct_roas         numeric(14,4) NOT NULL DEFAULT 0,
    broad_roas          numeric(14,4) NOT NULL DEFAULT 0,
    synced_at           timestamptz   NOT NULL,
    roas numeric(14,4) GENERATED ALWAYS AS
        (CASE WHEN expense > 0 THEN round(broad_gmv / expense, 4) ELSE 0 END) STORED,
    acos numeric(14,4) GENERATED ALWAYS AS
        (CASE WHEN broad_gmv > 0 THEN round(expense / broad_gmv * 100, 4) ELSE 0 END) STORED,
    PRIMARY KEY (shop_id, performance_date)
);

CREATE TABLE apishopee_ads_shop_performance_hourly (
    LIKE apishopee_ads_shop_performance_daily INCLUDING DEFAULTS INCLUDING GENERATED,
    hour smallint NOT NULL CHECK (hour BETWEEN 0 AND 23),
    PRIMARY KEY (shop_id, performance_date, hour)
);
