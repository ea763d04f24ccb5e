-- name: ensure_bucket
-- A new budget starts rested: its first `burst` calls may start at once.
INSERT INTO apishopee_rate_budget (name, rate_per_second, burst, next_slot_at, updated_at)
SELECT :name, rate, burst, CAST(:now AS timestamptz) - make_interval(secs => (burst - 1) / rate),
       :now
FROM (SELECT CAST(:rate AS double precision) AS rate,
             CAST(:burst AS double precision) AS burst) AS given
ON CONFLICT (name) DO UPDATE SET rate_per_second = EXCLUDED.rate_per_second,
                                 burst = EXCLUDED.burst;

-- name: reserve_slot
-- The next :count free slots within :max_wait_seconds (GCRA: migration 0016). One row:
-- how many were reserved (0: none), the first as the schedule has it (`first_slot`,
-- maybe in the past) and when it may start (`slot`); no row when the budget is missing.
SELECT reserved, count, first_slot, slot
FROM apishopee_reserve_slots(:name, CAST(:now AS timestamptz), CAST(:count AS integer),
                             CAST(:max_wait_seconds AS double precision));

-- name: back_off
-- Shopee throttled the whole app: pause everyone, longer each time it happens again
-- within :strike_window_seconds of the last pause. Returns when the pause ends.
-- Throttles reported while a pause is still running are the same episode (the calls
-- that were in flight when it began): they do not escalate it.
WITH current AS (
    SELECT name,
           CASE WHEN paused_until > CAST(:now AS timestamptz) THEN strikes
                WHEN last_pause_at > CAST(:now AS timestamptz)
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
    updated_at = :now
FROM current AS c
WHERE b.name = c.name
RETURNING b.paused_until;

-- name: pause_until
-- The daily quota is spent: nobody calls until it resets.
UPDATE apishopee_rate_budget
SET paused_until = GREATEST(COALESCE(paused_until, :until), :until), updated_at = :now
WHERE name = :name;
