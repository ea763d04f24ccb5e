-- The request budget's reservation as one function, so that the claim of a job can
-- take its first call slot in the same statement (one round trip less per job) and
-- reserve_slot (budget.sql) says the same GCRA once.
-- The caller's slots are the next p_count free ones (1/rate apart), no earlier than the
-- end of a pause and at most `burst` - 1 slots in the past after an idle spell; only
-- those within p_max_wait_seconds of p_now are reserved, none when the first is further
-- away. No row when the budget does not exist. Time comes from the caller (p_now).
CREATE FUNCTION apishopee_reserve_slots(
    p_name text, p_now timestamptz, p_count integer, p_max_wait_seconds double precision)
RETURNS TABLE (reserved boolean, count integer, first_slot timestamptz, slot timestamptz)
LANGUAGE plpgsql AS $$
DECLARE
    b    apishopee_rate_budget%ROWTYPE;
    base timestamptz;
    n    integer;
BEGIN
    SELECT * INTO b FROM apishopee_rate_budget WHERE name = p_name FOR UPDATE;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    base := GREATEST(b.next_slot_at,
                     p_now - make_interval(secs => (b.burst - 1) / b.rate_per_second),
                     COALESCE(b.paused_until, b.next_slot_at));
    n := GREATEST(0, LEAST(p_count,
                           floor(extract(epoch FROM p_now
                                                    + make_interval(secs => p_max_wait_seconds)
                                                    - base) * b.rate_per_second)::integer + 1));
    IF n >= 1 THEN
        UPDATE apishopee_rate_budget
        SET next_slot_at = base + make_interval(secs => n / b.rate_per_second), updated_at = p_now
        WHERE name = p_name;
    END IF;
    RETURN QUERY SELECT n >= 1, n, base, GREATEST(base, p_now);
END
$$;
