-- name: ensure_bucket
INSERT INTO apishopee_rate_budget (name, rate_per_second, burst, tokens, updated_at)
VALUES (:name, :rate, :burst, :burst, :now)
ON CONFLICT (name) DO UPDATE SET rate_per_second = EXCLUDED.rate_per_second,
                                 burst = EXCLUDED.burst;

-- name: take_token
-- Refill by elapsed time, then take one token if there is one and no pause is on.
-- Always returns one row: whether a token was taken, how many are left, the pause.
WITH current AS (
    SELECT name, paused_until,
           LEAST(burst, tokens + rate_per_second
                 * GREATEST(0, EXTRACT(EPOCH FROM (CAST(:now AS timestamptz) - updated_at))))
               AS available
    FROM apishopee_rate_budget
    WHERE name = :name
    FOR UPDATE
), taken AS (
    UPDATE apishopee_rate_budget AS b
    SET tokens = c.available - 1, updated_at = :now
    FROM current AS c
    WHERE b.name = c.name AND c.available >= 1
      AND (c.paused_until IS NULL OR c.paused_until <= :now)
    RETURNING b.name
)
SELECT EXISTS (SELECT 1 FROM taken) AS taken, c.available, c.paused_until
FROM current AS c;

-- name: back_off
-- Shopee throttled the whole app: pause everyone, longer each time it happens again
-- within :strike_window_seconds of the last pause. Returns when the pause ends.
WITH current AS (
    SELECT name,
           CASE WHEN last_pause_at > CAST(:now AS timestamptz)
                                     - make_interval(secs => :strike_window_seconds)
                THEN strikes + 1 ELSE 1 END AS strikes
    FROM apishopee_rate_budget
    WHERE name = :name
    FOR UPDATE
)
UPDATE apishopee_rate_budget AS b
SET strikes = c.strikes,
    last_pause_at = :now,
    paused_until = GREATEST(
        COALESCE(b.paused_until, :now),
        CAST(:now AS timestamptz) + make_interval(
            secs => LEAST(:max_seconds, :base_seconds * power(2, c.strikes - 1)))),
    tokens = 0,
    updated_at = :now
FROM current AS c
WHERE b.name = c.name
RETURNING b.paused_until;

-- name: pause_until
-- The daily quota is spent: nobody calls until it resets.
UPDATE apishopee_rate_budget
SET paused_until = GREATEST(COALESCE(paused_until, :until), :until), tokens = 0, updated_at = :now
WHERE name = :name;
