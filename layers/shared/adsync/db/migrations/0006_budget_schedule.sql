-- The request budget becomes a schedule (GCRA) instead of a polled token count: each
-- call reserves the next free slot, spaced 1/rate apart, in one statement, and its
-- caller sleeps until that slot. Waiting callers no longer poll the row, and they are
-- served in the order they asked (a polled bucket can starve an unlucky one).
-- `next_slot_at` is when the next call may start if nobody jumps the queue; `burst`
-- lets that many calls start at once after an idle spell.
ALTER TABLE apishopee_rate_budget ADD COLUMN next_slot_at timestamptz;
UPDATE apishopee_rate_budget SET next_slot_at = updated_at;
ALTER TABLE apishopee_rate_budget ALTER COLUMN next_slot_at SET NOT NULL;
ALTER TABLE apishopee_rate_budget DROP COLUMN tokens;
