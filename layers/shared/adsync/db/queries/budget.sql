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
-- GCRA: the caller's slots are the next :count free ones (1/rate apart), no earlier than
-- the end of a pause and at most `burst` - 1 slots in the past after an idle spell (so
-- `burst` calls may start at once); the next caller's slot comes after them. Only the
-- slots within :max_wait_seconds are reserved; none when the first is further away.
-- Always returns one row: how many were reserved (0: none), the first one as the
-- schedule has it (`first_slot`, maybe in the past) and when it may start (`slot`).
WITH current AS (
    SELECT name, rate_per_second,
           GREATEST(next_slot_at,
                    CAST(:now AS timestamptz)
                        - make_interval(secs => (burst - 1) / rate_per_second),
                    COALESCE(paused_until, next_slot_at)) AS base
    FROM apishopee_rate_budget
    WHERE name = :name
    FOR UPDATE
), granted AS (
    SELECT name, rate_per_second, base,
           GREATEST(0, LEAST(CAST(:count AS integer),
                             floor(extract(epoch FROM CAST(:now AS timestamptz)
                                                      + make_interval(secs => :max_wait_seconds)
                                                      - base) * rate_per_second)::integer + 1))
               AS n
    FROM current
), reserved AS (
    UPDATE apishopee_rate_budget AS b
    SET next_slot_at = g.base + make_interval(secs => g.n / g.rate_per_second), updated_at = :now
    FROM granted AS g
    WHERE b.name = g.name AND g.n >= 1
    RETURNING b.name
)
SELECT EXISTS (SELECT 1 FROM reserved) AS reserved,
       CASE WHEN EXISTS (SELECT 1 FROM reserved) THEN g.n ELSE 0 END AS count,
       g.base AS first_slot,
       GREATEST(g.base, CAST(:now AS timestamptz)) AS slot
FROM granted AS g;

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
