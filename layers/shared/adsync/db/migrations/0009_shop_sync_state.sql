-- What the last realtime sync of a shop saw, so the next one asks Shopee only what can
-- have changed (services/realtime.py): the shop-local day, a digest of the shop-level
-- hourly reply, a digest of each campaign's hourly rows that day, the campaigns active
-- the day before, and when the campaign list and settings were last read in full.
ALTER TABLE apishopee_shops ADD COLUMN sync_state jsonb;
