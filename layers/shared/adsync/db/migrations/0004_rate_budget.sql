-- A request budget shared by every worker: a token bucket per name (one per Shopee
-- partner app). `paused_until` stops everyone at once after Shopee says the whole app
-- is over its rate (ads.rate_limit.exceed_partner_api) or its daily quota (error_limit);
-- `strikes` makes pauses that follow each other closely grow (5 s, 10 s, 20 s ...).
CREATE TABLE apishopee_rate_budget (
    name            text             PRIMARY KEY,
    rate_per_second double precision NOT NULL CHECK (rate_per_second > 0),
    burst           double precision NOT NULL CHECK (burst >= 1),
    tokens          double precision NOT NULL,
    updated_at      timestamptz      NOT NULL,
    paused_until    timestamptz,
    strikes         integer          NOT NULL DEFAULT 0,
    last_pause_at   timestamptz
);
