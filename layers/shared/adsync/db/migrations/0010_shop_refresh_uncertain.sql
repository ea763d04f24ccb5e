-- When a token refresh for the shop got no reply (a timeout, a dropped connection):
-- Shopee may have rotated the pair, or never seen the call. The shop stays active on
-- its current access token; the next refresh is one deliberate retry, whose answer
-- decides (a new pair clears this; a refusal parks the shop). NULL: no doubt.
ALTER TABLE apishopee_shops ADD COLUMN refresh_uncertain_since timestamptz;
