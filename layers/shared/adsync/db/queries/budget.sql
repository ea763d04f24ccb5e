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

-- name: pause_bucket
UPDATE apishopee_rate_budget
SET paused_until = GREATEST(COALESCE(paused_until, :until), :until), tokens = 0, updated_at = :now
WHERE name = :name;
