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
-- GCRA: the caller's slot is the next free one, no earlier than the end of a pause and
-- at most `burst` - 1 slots in the past after an idle spell (so `burst` calls may start
-- at once); the next caller's slot comes 1/rate later. Nothing is reserved when the
-- slot is more than :max_wait_seconds away.
-- Always returns one row: whether the slot was reserved, and the slot.
WITH current AS (
    SELECT name, rate_per_second,
           GREATEST(next_slot_at,
                    CAST(:now AS timestamptz)
                        - make_interval(secs => (burst - 1) / rate_per_second),
                    COALESCE(paused_until, next_slot_at)) AS base
    FROM apishopee_rate_budget
    WHERE name = :name
    FOR UPDATE
), reserved AS (
    UPDATE apishopee_rate_budget AS b
    SET next_slot_at = c.base + make_interval(secs => 1.0 / c.rate_per_second), updated_at = :now
    FROM current AS c
    WHERE b.name = c.name
      AND c.base <= CAST(:now AS timestamptz) + make_interval(secs => :max_wait_seconds)
    RETURNING b.name
)
SELECT EXISTS (SELECT 1 FROM reserved) AS reserved,
       GREATEST(c.base, CAST(:now AS timestamptz)) AS slot
FROM current AS c;

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
