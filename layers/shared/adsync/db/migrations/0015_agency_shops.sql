-- Agencies (issue 17, parts 2-4): main-account authorizations, authorization expiry,
-- and a lasting tier per shop.
--
-- main_account_id: the main account whose one code brought the shop (shopee-ads-api.md
--   §3.2); NULL for a shop-account authorization. Until a shop's first refresh it holds
--   the pair shared by every shop of that main account; each shop refreshes with its own
--   shop_id (§3.3) and then has a pair of its own.
-- authorization_expires_at: get_shop_info's expire_time (§3.4): after it nothing can
--   refresh the tokens and the seller must authorize again. NULL: not known yet.
-- authorization_checked_at: when get_shop_info was last asked (at onboarding, then
--   rarely: services/authorization.py says how often).
-- tier: priority and cadence (adsync/tiers.py is the one description of each tier; the
--   CHECK repeats its names so that a hand-written UPDATE cannot store another one, and
--   a test compares the two).
ALTER TABLE apishopee_shops
    ADD COLUMN main_account_id bigint,
    ADD COLUMN authorization_expires_at timestamptz,
    ADD COLUMN authorization_checked_at timestamptz,
    ADD COLUMN tier text NOT NULL DEFAULT 'normal'
        CONSTRAINT apishopee_shops_tier_check CHECK (tier IN ('critical', 'normal', 'off_peak'));

CREATE INDEX apishopee_shops_authorization_expires_idx
    ON apishopee_shops (authorization_expires_at) WHERE status = 'active';
