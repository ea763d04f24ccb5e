-- Several Shopee partner apps (issue 17, part 1). One row per app: its Shopee
-- partner_id, a name operators know it by, WHERE its key lives (never the key: a
-- Secrets Manager ARN or name in AWS, `env:NAME` for a local environment variable),
-- the Shopee host it calls, and its own request rate (NULL: the deployment's
-- PARTNER_REQUESTS_PER_SECOND; either way its own budget row, shopee-partner-<id>).
-- Every shop belongs to one partner. A shop whose partner_id is NULL predates this
-- migration and is synced under the deployment's default partner (SHOPEE_PARTNER_*),
-- which the deploy step writes in here and assigns (adsync.services.partners).
CREATE TABLE apishopee_partners (
    id                  bigint PRIMARY KEY CHECK (id BETWEEN 1 AND 4294967295),
    name                text             NOT NULL UNIQUE CHECK (name <> ''),
    secret_ref          text             NOT NULL CHECK (secret_ref <> ''),
    base_url            text             NOT NULL CHECK (base_url ~ '^https?://'),
    requests_per_second double precision CHECK (requests_per_second > 0),
    created_at          timestamptz      NOT NULL,
    updated_at          timestamptz      NOT NULL
);

ALTER TABLE apishopee_shops
    ADD COLUMN partner_id bigint REFERENCES apishopee_partners (id) ON DELETE RESTRICT;
CREATE INDEX apishopee_shops_partner_id_idx ON apishopee_shops (partner_id);
