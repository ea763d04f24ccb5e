-- name: eligible_shops
-- Shops the schedules sync: active and holding a token, up to the last moment of their
-- authorization (after it nothing can refresh their tokens). Biggest first (never
-- synced counts as big: its size is unknown); enqueue spreads them over the tick.
SELECT shop_id, region, tier, campaign_count FROM apishopee_shops
WHERE status = 'active' AND access_token IS NOT NULL
  AND (authorization_expires_at IS NULL OR authorization_expires_at > :now)
ORDER BY campaign_count DESC NULLS FIRST, shop_id;

-- name: get_shop
SELECT shop_id, region, status, shop_name, access_token, refresh_token,
       access_token_expires_at, last_synced_at, sync_state, refresh_uncertain_since,
       gms_status, gms_checked_at,
       tier, main_account_id, authorization_expires_at, authorization_checked_at, partner_id
FROM apishopee_shops WHERE shop_id = :shop_id;

-- name: upsert_shop
-- A (re-)authorization: new tokens, and what it says of the authorization (a
-- shop-account code clears main_account_id: the shop no longer shares a pair).
INSERT INTO apishopee_shops
    (shop_id, region, shop_name, access_token, refresh_token, access_token_expires_at,
     refresh_token_expires_at, status, status_reason, created_at, updated_at,
     main_account_id, authorization_expires_at, authorization_checked_at)
VALUES (:shop_id, :region, :shop_name, :access_token, :refresh_token, :access_expires_at,
        :refresh_expires_at, 'active', NULL, :now, :now,
        :main_account_id, :authorization_expires_at, :authorization_checked_at)
ON CONFLICT (shop_id) DO UPDATE SET
    main_account_id = EXCLUDED.main_account_id,
    authorization_expires_at = EXCLUDED.authorization_expires_at,
    authorization_checked_at = EXCLUDED.authorization_checked_at,
    region = EXCLUDED.region,
    shop_name = COALESCE(EXCLUDED.shop_name, apishopee_shops.shop_name),
    access_token = EXCLUDED.access_token,
    refresh_token = EXCLUDED.refresh_token,
    access_token_expires_at = EXCLUDED.access_token_expires_at,
    refresh_token_expires_at = EXCLUDED.refresh_token_expires_at,
    refresh_uncertain_since = NULL,
    status = 'active', status_reason = NULL, updated_at = :now;

-- name: mark_synced
UPDATE apishopee_shops
SET last_synced_at = :now, campaign_count = :campaign_count, updated_at = :now
WHERE shop_id = :shop_id;

-- name: mark_needs_reauth
UPDATE apishopee_shops
SET status = 'needs_reauth', status_reason = :reason, updated_at = :now
WHERE shop_id = :shop_id;

-- name: oldest_sync
-- The staleness of the worst active shop: its last successful sync (or, never synced,
-- when it was added).
SELECT min(COALESCE(last_synced_at, created_at)) AS oldest
FROM apishopee_shops WHERE status = 'active' AND access_token IS NOT NULL;

-- name: lock_shop_for_refresh
-- Inside a transaction: one refresher per shop at a time (refresh tokens are single
-- use). Others wait here, then read the pair the first one stored. NO KEY UPDATE:
-- excludes other refreshers but not the FK checks of job inserts for this shop.
SELECT shop_id, region, status, shop_name, access_token, refresh_token,
       access_token_expires_at, last_synced_at, refresh_uncertain_since,
       tier, main_account_id, authorization_expires_at, authorization_checked_at
FROM apishopee_shops WHERE shop_id = :shop_id
FOR NO KEY UPDATE;

-- name: store_refreshed_tokens
UPDATE apishopee_shops
SET access_token = :access_token, refresh_token = :refresh_token,
    access_token_expires_at = :access_expires_at,
    refresh_token_expires_at = :refresh_expires_at, refresh_uncertain_since = NULL,
    updated_at = :now
WHERE shop_id = :shop_id;

-- name: mark_refresh_uncertain
-- A refresh got no reply. The first such moment is kept until an answer settles it.
UPDATE apishopee_shops
SET refresh_uncertain_since = COALESCE(refresh_uncertain_since, :now), updated_at = :now
WHERE shop_id = :shop_id;

-- name: list_shops
-- Every shop for operators; tokens are not selected.
SELECT shop_id, region, status, status_reason, shop_name,
       access_token IS NOT NULL AS has_token, access_token_expires_at,
       refresh_token_expires_at, last_synced_at, campaign_count,
       tier, main_account_id, authorization_expires_at,
       -- include: daily_rows
       AS daily_rows
FROM apishopee_shops
ORDER BY shop_id;

-- name: daily_rows
-- How a shop's realtime sync gets today's daily rows (services/activity.py, its
-- ActivityState in sync_state): 'from_hours' (Shopee's agreed with the sums of their
-- hours at the last check), 'differed' (asked every cycle: they did not), 'unchecked'
-- (asked: never compared yet, e.g. no row of 2 hours or more so far).
CASE WHEN COALESCE((sync_state ->> 'daily_agreed')::boolean, false) THEN 'from_hours'
     WHEN sync_state ->> 'daily_checked_at' IS NOT NULL THEN 'differed'
     ELSE 'unchecked' END

-- name: record_authorization
-- get_shop_info's answer (§3.4): the authorization's end, and when we asked; its name
-- when the shop has none yet (an operator's name is kept).
UPDATE apishopee_shops
SET authorization_expires_at = :expires_at, authorization_checked_at = :now,
    shop_name = COALESCE(shop_name, :shop_name), updated_at = :now
WHERE shop_id = :shop_id;

-- name: set_tier
-- RETURNING: no row = no such shop; changed says whether it had another tier.
UPDATE apishopee_shops AS s
SET tier = :tier, updated_at = CASE WHEN prev.tier = :tier THEN s.updated_at ELSE :now END
FROM (SELECT shop_id, tier FROM apishopee_shops WHERE shop_id = :shop_id FOR UPDATE) AS prev
WHERE s.shop_id = prev.shop_id
RETURNING prev.tier <> :tier AS changed;

-- name: expiring_authorizations
-- Active shops whose authorization ends before :until (already ended included: they
-- need the seller as much), soonest first.
SELECT shop_id, region, shop_name, main_account_id, authorization_expires_at
FROM apishopee_shops
WHERE status = 'active' AND authorization_expires_at < :until
ORDER BY authorization_expires_at, shop_id;
