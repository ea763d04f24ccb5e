-- Product GMS tables (migration 0012): batched idempotent upserts on natural keys, and
-- the shop's GMS state.

-- name: write_gms_day
-- One GMS day in ONE statement (one round trip, atomic without a transaction): the
-- shop's GMS state (:status, 'active' or Shopee's refusal code) and the rows of
-- :campaign_rows and :item_rows (JSON arrays; empty when Shopee refused).
WITH state AS (
    UPDATE apishopee_shops
    SET gms_status = :status, gms_checked_at = :now
    WHERE shop_id = :shop_id
    RETURNING 1
), campaigns AS (
    INSERT INTO apishopee_ads_gms_campaign_daily AS t
        (shop_id, campaign_id, performance_date,
         -- include: ads.sql product_metrics_columns
         synced_at)
    SELECT :shop_id, u.*, :now
    FROM jsonb_to_recordset(CAST(:campaign_rows AS jsonb)) AS u(
        campaign_id bigint, performance_date date,
        -- include: ads.sql product_metrics_types
    )
    ON CONFLICT (shop_id, campaign_id, performance_date) DO UPDATE SET
        -- include: ads.sql product_metrics_update
    -- include: ads.sql product_metrics_changed
    RETURNING 1
), items AS (
    INSERT INTO apishopee_ads_gms_item_daily AS t
        (shop_id, campaign_id, item_id, performance_date,
         -- include: ads.sql product_metrics_columns
         synced_at)
    SELECT :shop_id, u.*, :now
    FROM jsonb_to_recordset(CAST(:item_rows AS jsonb)) AS u(
        campaign_id bigint, item_id bigint, performance_date date,
        -- include: ads.sql product_metrics_types
    )
    ON CONFLICT (shop_id, campaign_id, item_id, performance_date) DO UPDATE SET
        -- include: ads.sql product_metrics_update
    -- include: ads.sql product_metrics_changed
    RETURNING 1
)
SELECT (SELECT count(*) FROM campaigns) + (SELECT count(*) FROM items) AS rows;

-- name: upsert_gms_deleted_items
-- :item_ids is a JSON array of the ids the list shows now.
INSERT INTO apishopee_ads_gms_deleted_item AS t
    (shop_id, campaign_id, item_id, first_seen_at, last_seen_at)
SELECT :shop_id, :campaign_id, CAST(i.item_id AS bigint), :now, :now
FROM jsonb_array_elements_text(CAST(:item_ids AS jsonb)) AS i (item_id)
ON CONFLICT (shop_id, campaign_id, item_id) DO UPDATE SET last_seen_at = EXCLUDED.last_seen_at;

-- name: gms_campaign_day
SELECT * FROM apishopee_ads_gms_campaign_daily
WHERE shop_id = :shop_id AND campaign_id = :campaign_id AND performance_date = :day;

-- name: count_gms_rows
SELECT
    (SELECT count(*) FROM apishopee_ads_gms_campaign_daily) AS gms_campaign_daily,
    (SELECT count(*) FROM apishopee_ads_gms_item_daily) AS gms_item_daily,
    (SELECT count(*) FROM apishopee_ads_gms_deleted_item) AS gms_deleted_items;
