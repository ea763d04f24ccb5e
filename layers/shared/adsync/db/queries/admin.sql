-- Operator console statements (adsync.services.admin). Every time comes in as a
-- parameter; filters left NULL match everything. Tokens are never selected.

-- name: jobs_by_status_and_type
SELECT status, sync_type, count(*) AS count
FROM apishopee_ads_sync_queue
GROUP BY status, sync_type
ORDER BY status, sync_type;

-- name: waiting_by_priority
-- Due pending jobs per priority: sent ones wait in their queue since they were sent (or
-- became due); unsent ones wait for the reconciler.
SELECT priority,
       count(*) FILTER (WHERE dispatched_at IS NOT NULL) AS sent,
       count(*) FILTER (WHERE dispatched_at IS NULL) AS unsent,
       min(GREATEST(COALESCE(dispatched_at, created_at), scheduled_at)) AS oldest_since
FROM apishopee_ads_sync_queue
WHERE status = 'pending' AND scheduled_at <= :now
GROUP BY priority;

-- name: stuck_jobs
-- Processing jobs whose lease has expired: their Lambda died (or was killed) mid-job.
SELECT id, shop_id, sync_type, priority, started_at, lease_expires_at, retry_count,
       count(*) OVER () AS total
FROM apishopee_ads_sync_queue
WHERE status = 'processing' AND lease_expires_at < :now
ORDER BY lease_expires_at
LIMIT :limit;

-- name: freshness
-- Age of every active shop's last successful sync (never synced: since it was added), and
-- how its realtime sync gets today's daily rows (services/activity.py, ActivityState).
WITH ages AS (
    SELECT EXTRACT(EPOCH FROM (CAST(:now AS timestamptz)
                               - COALESCE(last_synced_at, created_at)))::float8 AS age,
           last_synced_at,
           -- include: shops.sql daily_rows
           AS daily_rows
    FROM apishopee_shops
    WHERE status = 'active' AND access_token IS NOT NULL
)
SELECT count(*) AS shops,
       count(*) FILTER (WHERE last_synced_at IS NULL) AS never_synced,
       count(*) FILTER (WHERE daily_rows = 'from_hours') AS daily_from_hours,
       count(*) FILTER (WHERE daily_rows = 'differed') AS daily_disagreed,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY age) AS p50,
       percentile_cont(0.95) WITHIN GROUP (ORDER BY age) AS p95,
       max(age) AS max
FROM ages;

-- name: freshness_histogram
-- Shops per age bucket; bucket n holds ages in [bounds[n], bounds[n+1]) (0: below the first).
SELECT width_bucket(
           EXTRACT(EPOCH FROM (CAST(:now AS timestamptz)
                               - COALESCE(last_synced_at, created_at)))::float8,
           CAST(:bounds AS float8[])) AS bucket,
       count(*) AS count
FROM apishopee_shops
WHERE status = 'active' AND access_token IS NOT NULL
GROUP BY bucket
ORDER BY bucket;

-- name: stalest_shops
SELECT shop_id, region, shop_name, last_synced_at, created_at
FROM apishopee_shops
WHERE status = 'active' AND access_token IS NOT NULL
ORDER BY COALESCE(last_synced_at, created_at), shop_id
LIMIT :limit;

-- name: budgets
SELECT name, rate_per_second, burst, next_slot_at, paused_until, strikes, last_pause_at
FROM apishopee_rate_budget
ORDER BY name;

-- name: set_budget_pause
-- An operator's pause (:paused_until) or resume (NULL, and the throttle strikes forgiven).
UPDATE apishopee_rate_budget
SET paused_until = CAST(:paused_until AS timestamptz),
    strikes = CASE WHEN CAST(:paused_until AS timestamptz) IS NULL THEN 0 ELSE strikes END,
    updated_at = :now
WHERE name = :name
RETURNING name, rate_per_second, burst, next_slot_at, paused_until, strikes, last_pause_at;

-- name: list_jobs
SELECT id, shop_id, sync_type, priority, status, retry_count, max_retries, days_ago,
       target_day, scheduled_at, created_at, started_at, completed_at, dispatched_at,
       lease_expires_at, error_message, cursor, stats
FROM apishopee_ads_sync_queue
WHERE (CAST(:status AS text) IS NULL OR status = CAST(:status AS text))
  AND (CAST(:shop_id AS bigint) IS NULL OR shop_id = CAST(:shop_id AS bigint))
  AND (CAST(:sync_type AS text) IS NULL OR sync_type = CAST(:sync_type AS text))
  AND (CAST(:since AS timestamptz) IS NULL OR created_at >= CAST(:since AS timestamptz))
  AND (CAST(:job_id AS bigint) IS NULL OR id = CAST(:job_id AS bigint))
ORDER BY id DESC
LIMIT :limit;

-- name: retry_failed
-- The redrive: failed jobs back to pending with their attempts restored. The reset
-- trigger gives each a new dispatch id (older messages go stale); the caller sends
-- them, else the reconciler does. A job whose shop already has a live job of the same
-- kind and day is left failed (the live one covers it), as is all but the newest of
-- several failed twins.
WITH matching AS (
    SELECT id, shop_id, sync_type, target_day
    FROM apishopee_ads_sync_queue AS q
    WHERE status = 'failed'
      AND (CAST(:job_ids AS bigint[]) IS NULL OR id = ANY(CAST(:job_ids AS bigint[])))
      AND (CAST(:shop_id AS bigint) IS NULL OR shop_id = CAST(:shop_id AS bigint))
      AND (CAST(:error AS text) IS NULL
           OR strpos(lower(error_message), lower(CAST(:error AS text))) > 0)
      AND (CAST(:since AS timestamptz) IS NULL
           OR completed_at >= CAST(:since AS timestamptz))
    FOR UPDATE SKIP LOCKED
), picked AS (
    SELECT DISTINCT ON (shop_id, sync_type, COALESCE(target_day, DATE '1970-01-01')) m.id
    FROM matching AS m
    WHERE NOT EXISTS (
        SELECT 1 FROM apishopee_ads_sync_queue AS live
        WHERE live.shop_id = m.shop_id AND live.sync_type = m.sync_type
          AND COALESCE(live.target_day, DATE '1970-01-01')
              = COALESCE(m.target_day, DATE '1970-01-01')
          AND live.status IN ('pending', 'processing'))
    ORDER BY shop_id, sync_type, COALESCE(target_day, DATE '1970-01-01'), m.id DESC
), updated AS (
    UPDATE apishopee_ads_sync_queue AS q
    SET status = 'pending', retry_count = 0, scheduled_at = :now, updated_at = :now
    FROM picked
    WHERE q.id = picked.id
    RETURNING q.id AS job_id, q.shop_id, q.priority, q.dispatch_id::text AS dispatch_id
)
SELECT m.matched, u.job_id, u.shop_id, u.priority, u.dispatch_id
FROM (SELECT count(*) AS matched FROM matching) AS m
LEFT JOIN updated AS u ON true
ORDER BY u.priority DESC, u.job_id;

-- name: reset_stuck
-- Processing jobs whose lease expired before :lease_dead_before go back to pending with
-- a new dispatch id, keeping their cursor (the sync resumes where it stopped) and their
-- attempts (an operator's reset spends none).
UPDATE apishopee_ads_sync_queue AS q
SET status = 'pending', dispatch_id = gen_random_uuid(), dispatched_at = NULL,
    dispatched_priority = NULL, lease_expires_at = NULL, scheduled_at = :now,
    updated_at = :now
WHERE q.id IN (
    SELECT id FROM apishopee_ads_sync_queue
    WHERE status = 'processing' AND lease_expires_at < :lease_dead_before
      AND (CAST(:shop_id AS bigint) IS NULL OR shop_id = CAST(:shop_id AS bigint))
    FOR UPDATE SKIP LOCKED
)
RETURNING q.id AS job_id, q.shop_id, q.priority, q.dispatch_id::text AS dispatch_id;

-- name: set_shop_status
-- Pause (from active) or resume (from paused); any other state is left alone.
UPDATE apishopee_shops
SET status = :status, status_reason = :reason, updated_at = :now
WHERE shop_id = :shop_id AND status = :from_status
RETURNING shop_id;

-- name: shop_status
SELECT shop_id, status FROM apishopee_shops WHERE shop_id = :shop_id;

-- name: tables_exist
SELECT to_regclass('apishopee_ads_sync_queue') IS NOT NULL
       AND to_regclass('apishopee_shops') IS NOT NULL AS ready;
