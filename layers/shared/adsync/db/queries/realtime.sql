-- The realtime sync's writes (services/realtime.py): the rows of every step since the
-- last save, the job's cursor or its completion, and, on completion, the shop's sync
-- state, all in ONE statement (one round trip, atomic). Rows are written only if the
-- job is still ours (the job CTE matched); the reply says whether it was.

-- name: commit_realtime
WITH job AS (
    UPDATE apishopee_ads_sync_queue
    SET cursor = CASE WHEN CAST(:complete AS boolean) THEN cursor
                      ELSE CAST(:cursor AS jsonb) END,
        status = CASE WHEN CAST(:complete AS boolean) THEN 'completed' ELSE status END,
        completed_at = CASE WHEN CAST(:complete AS boolean) THEN CAST(:now AS timestamptz)
                            ELSE completed_at END,
        lease_expires_at = CASE WHEN CAST(:complete AS boolean) THEN NULL
                                ELSE lease_expires_at END,
        error_message = CASE WHEN CAST(:complete AS boolean) THEN NULL ELSE error_message END,
        stats = CASE WHEN CAST(:complete AS boolean) THEN CAST(:stats AS jsonb) ELSE stats END,
        updated_at = :now
    WHERE id = :job_id AND dispatch_id = CAST(:dispatch_id AS uuid) AND status = 'processing'
    RETURNING id
), shop AS (
    UPDATE apishopee_shops
    SET sync_state = CAST(:sync_state AS jsonb), last_synced_at = :now,
        campaign_count = COALESCE(CAST(:campaign_count AS integer), campaign_count),
        updated_at = :now
    WHERE shop_id = :shop_id AND CAST(:complete AS boolean) AND EXISTS (SELECT 1 FROM job)
    RETURNING 1
), campaigns AS (
    -- include: ads.sql campaign_rows
    WHERE EXISTS (SELECT 1 FROM job)
    -- include: ads.sql campaign_conflict
    RETURNING 1
),
campaign_hourly AS (
    -- include: ads.sql campaign_hourly_rows
    WHERE EXISTS (SELECT 1 FROM job)
    -- include: ads.sql campaign_hourly_conflict
    RETURNING 1
),
campaign_daily AS (
    -- include: ads.sql campaign_daily_rows
    WHERE EXISTS (SELECT 1 FROM job)
    -- include: ads.sql campaign_daily_conflict
    RETURNING 1
),
shop_hourly AS (
    -- include: ads.sql shop_hourly_rows
    WHERE EXISTS (SELECT 1 FROM job)
    -- include: ads.sql shop_hourly_conflict
    RETURNING 1
),
shop_daily AS (
    -- include: ads.sql shop_daily_rows
    WHERE EXISTS (SELECT 1 FROM job)
    -- include: ads.sql shop_daily_conflict
    RETURNING 1
)
SELECT EXISTS (SELECT 1 FROM job) AS ours;

-- name: campaign_schedules
-- Start and end of every campaign of the shop we hold settings for.
SELECT campaign_id, start_time, end_time FROM apishopee_ads_campaign_data
WHERE shop_id = :shop_id;
