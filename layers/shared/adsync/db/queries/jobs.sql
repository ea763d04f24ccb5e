-- Job table statements. Every time that decides behaviour comes in as :now.

-- name: insert_jobs
INSERT INTO apishopee_ads_sync_queue
    (shop_id, sync_type, priority, days_ago, target_day, scheduled_at, created_at, updated_at)
SELECT u.shop_id, :sync_type, :priority, u.days_ago, u.target_day, :now, :now, :now
FROM unnest(CAST(:shop_ids AS bigint[]), CAST(:days_ago AS integer[]), CAST(:target_days AS date[]))
    AS u(shop_id, days_ago, target_day)
ON CONFLICT DO NOTHING
RETURNING id AS job_id, shop_id, priority, dispatch_id::text AS dispatch_id;

-- name: mark_dispatched
UPDATE apishopee_ads_sync_queue
SET dispatched_at = :now, dispatched_priority = priority, updated_at = :now
WHERE id = ANY(CAST(:job_ids AS bigint[]));

-- name: claim_jobs
-- The jobs of a batch's messages (:job_ids and :dispatch_ids, one per message, in the
-- batch's order; one message is a batch of one), each claimable when it is pending and
-- due, or processing with an expired lease (its Lambda died) or with a lease an
-- interrupted run handed back (:abandoned_leases, each at the message's position in
-- :abandoned_positions; often empty), and only for the current dispatch: anything else
-- means the message is stale or early. One running job per shop (a unique index, whose
-- violation would abort the whole statement): of a shop's claimable jobs only the first
-- is claimed, and none of a shop with another job processing; those come back as
-- `claimable` but unclaimed (busy) for the caller to claim alone or defer.
-- Each claimed job's shop row comes back with it, and the call slots of the budgets the
-- container offers (:budget_* arrays, by partner id; a shop naming no partner is of
-- :default_partner_id) are reserved in the same statement: :budget_slots per claimed
-- job of that partner, at most :budget_max_slots (slot_* columns as reserve_slot
-- returns them, the same for every job of one budget). One row per message.
WITH wanted AS (
    SELECT w.job_id, w.dispatch_id, w.position
    FROM unnest(CAST(:job_ids AS bigint[]), CAST(:dispatch_ids AS uuid[]))
        WITH ORDINALITY AS w(job_id, dispatch_id, position)
), claimable AS (
    SELECT q.id, q.shop_id, w.position
    FROM wanted AS w JOIN apishopee_ads_sync_queue AS q ON q.id = w.job_id
    WHERE q.dispatch_id = w.dispatch_id
      AND q.scheduled_at <= :now
      AND (q.status = 'pending'
           OR (q.status = 'processing'
               AND (q.lease_expires_at < :now
                    OR (q.lease_expires_at, w.position) IN (
                        SELECT * FROM unnest(CAST(:abandoned_leases AS timestamptz[]),
                                             CAST(:abandoned_positions AS bigint[]))))))
    ORDER BY q.id  -- rows locked in one order: two batches naming one job never deadlock
    FOR UPDATE OF q
), chosen AS (
    SELECT DISTINCT ON (c.shop_id) c.id, c.position
    FROM claimable AS c
    WHERE NOT EXISTS (SELECT 1 FROM apishopee_ads_sync_queue AS o
                      WHERE o.shop_id = c.shop_id AND o.status = 'processing' AND o.id <> c.id)
    ORDER BY c.shop_id, c.position
), claimed AS (
    UPDATE apishopee_ads_sync_queue AS q
    SET status = 'processing', started_at = :now, lease_expires_at = :lease_expires_at,
        updated_at = :now
    FROM chosen
    WHERE q.id = chosen.id
    RETURNING chosen.position AS claimed_position, q.id, q.shop_id, q.sync_type, q.priority,
              q.status, q.retry_count, q.max_retries, q.scheduled_at,
              q.dispatch_id::text AS dispatch_id, q.days_ago, q.target_day, q.error_message,
              q.lease_expires_at, q.cursor
), offered AS (
    SELECT *
    FROM unnest(CAST(:budget_partner_ids AS bigint[]), CAST(:budget_names AS text[]),
                CAST(:budget_slots AS integer[]), CAST(:budget_max_slots AS integer[]),
                CAST(:budget_max_waits AS double precision[]))
        AS o(partner_id, name, slots_per_job, max_slots, max_wait_seconds)
), demand AS (
    SELECT o.partner_id, o.name, o.max_wait_seconds,
           LEAST(o.max_slots, o.slots_per_job * count(*))::integer AS slots
    FROM claimed AS c
    JOIN apishopee_shops AS s ON s.shop_id = c.shop_id
    JOIN offered AS o ON o.partner_id = COALESCE(s.partner_id, CAST(:default_partner_id AS bigint))
    WHERE o.slots_per_job > 0
    GROUP BY o.partner_id, o.name, o.slots_per_job, o.max_slots, o.max_wait_seconds
), budget AS (
    SELECT d.partner_id, d.name, r.*
    FROM (SELECT * FROM demand ORDER BY name) AS d,  -- budget rows locked in one order
         apishopee_reserve_slots(d.name, CAST(:now AS timestamptz), d.slots,
                                 d.max_wait_seconds) AS r
)
SELECT w.position, ca.id IS NOT NULL AS claimable, c.*,
       b.name AS slot_budget, b.reserved AS slot_reserved, b.count AS slot_count,
       b.first_slot AS slot_first_slot, b.slot AS slot_slot,
       -- every column of get_shop (shops.sql), prefixed: one shape for a Shop
       s.shop_id AS shop_shop_id, s.region AS shop_region, s.status AS shop_status,
       s.shop_name AS shop_shop_name, s.access_token AS shop_access_token,
       s.refresh_token AS shop_refresh_token,
       s.access_token_expires_at AS shop_access_token_expires_at,
       s.last_synced_at AS shop_last_synced_at, s.sync_state AS shop_sync_state,
       s.refresh_uncertain_since AS shop_refresh_uncertain_since,
       s.gms_status AS shop_gms_status, s.gms_checked_at AS shop_gms_checked_at,
       s.tier AS shop_tier, s.main_account_id AS shop_main_account_id,
       s.authorization_expires_at AS shop_authorization_expires_at,
       s.authorization_checked_at AS shop_authorization_checked_at,
       s.partner_id AS shop_partner_id
FROM wanted AS w
LEFT JOIN claimable AS ca ON ca.position = w.position
LEFT JOIN claimed AS c ON c.claimed_position = w.position
LEFT JOIN apishopee_shops AS s ON s.shop_id = c.shop_id
LEFT JOIN budget AS b ON b.partner_id = COALESCE(s.partner_id, CAST(:default_partner_id AS bigint))
ORDER BY w.position;

-- name: get_job
SELECT id, shop_id, sync_type, priority, status, retry_count, max_retries, scheduled_at,
       dispatch_id::text AS dispatch_id, days_ago, target_day, error_message,
          lease_expires_at, cursor
FROM apishopee_ads_sync_queue
WHERE id = :job_id;

-- name: complete_job
UPDATE apishopee_ads_sync_queue
SET status = 'completed', completed_at = :now, lease_expires_at = NULL,
    error_message = NULL, stats = CAST(:stats AS jsonb), updated_at = :now
WHERE id = :job_id AND dispatch_id = CAST(:dispatch_id AS uuid) AND status = 'processing'
RETURNING id;

-- name: record_failure
-- One real attempt failed. The job stays pending for its next attempt unless this
-- was the last one (or retrying cannot help), then it is failed for good.
UPDATE apishopee_ads_sync_queue
SET retry_count = retry_count + 1,
    error_message = :error_message,
    status = CASE WHEN CAST(:final AS boolean) OR retry_count + 1 >= max_retries
                  THEN 'failed' ELSE 'pending' END,
    completed_at = CASE WHEN CAST(:final AS boolean) OR retry_count + 1 >= max_retries
                        THEN CAST(:now AS timestamptz) END,
    lease_expires_at = NULL,
    updated_at = :now
WHERE id = :job_id AND dispatch_id = CAST(:dispatch_id AS uuid) AND status = 'processing'
RETURNING id, shop_id, sync_type, priority, status, retry_count, max_retries, scheduled_at,
          dispatch_id::text AS dispatch_id, days_ago, target_day, error_message,
          lease_expires_at, cursor;

-- name: mark_dead_lettered
-- The message ran out of receives. Whatever the row says (a crash may have left it
-- processing), the job is failed now; an already failed or completed row is kept.
UPDATE apishopee_ads_sync_queue
SET status = 'failed',
    error_message = COALESCE(error_message, :error_message),
    completed_at = :now, lease_expires_at = NULL, updated_at = :now
WHERE id = :job_id AND dispatch_id = CAST(:dispatch_id AS uuid)
  AND status IN ('pending', 'processing')
RETURNING id;

-- name: delete_finished_before
WITH deleted AS (
    DELETE FROM apishopee_ads_sync_queue
    WHERE status IN ('completed', 'failed') AND created_at < :cutoff
    RETURNING 1
)
SELECT count(*) AS deleted FROM deleted;

-- name: count_by_status
SELECT status, count(*) AS count FROM apishopee_ads_sync_queue GROUP BY status;

-- name: release_job
-- A deferral, not a failure: back to pending until :scheduled_at, no attempt counted.
UPDATE apishopee_ads_sync_queue
SET status = 'pending', scheduled_at = :scheduled_at, lease_expires_at = NULL, updated_at = :now
WHERE id = :job_id AND dispatch_id = CAST(:dispatch_id AS uuid) AND status = 'processing'
RETURNING id;

-- name: take_for_redispatch
-- Jobs that have no live message: due pending rows never sent (send failed, inserted
-- by hand), whose priority was changed by hand, or sent so long ago that the message
-- must be gone; and processing rows whose lease expired (their Lambda died: that
-- counts as a failed attempt, so a job that always kills its Lambda ends failed
-- instead of looping). Each gets a new dispatch id, which makes any old message
-- stale, and is marked sent in the same statement so a concurrent pass skips it.
UPDATE apishopee_ads_sync_queue AS q
SET status = CASE WHEN q.status = 'processing' AND q.retry_count + 1 >= q.max_retries
                  THEN 'failed' ELSE 'pending' END,
    retry_count = q.retry_count + CASE WHEN q.status = 'processing' THEN 1 ELSE 0 END,
    error_message = CASE WHEN q.status = 'processing'
                         THEN 'the worker stopped before finishing (lease expired)'
                         ELSE q.error_message END,
    completed_at = CASE WHEN q.status = 'processing' AND q.retry_count + 1 >= q.max_retries
                        THEN CAST(:now AS timestamptz) END,
    dispatch_id = gen_random_uuid(), dispatched_at = :now,
    dispatched_priority = q.priority, lease_expires_at = NULL, updated_at = :now
WHERE q.id IN (
    SELECT id FROM apishopee_ads_sync_queue
    WHERE (status = 'pending' AND scheduled_at <= :now
           AND (dispatched_at IS NULL
                OR dispatched_priority IS DISTINCT FROM priority
                OR dispatched_at < :lost_before))
       OR (status = 'processing' AND lease_expires_at < :lease_dead_before)
    ORDER BY priority DESC, scheduled_at
    LIMIT :limit
    FOR UPDATE SKIP LOCKED
)
RETURNING q.id AS job_id, q.shop_id, q.priority, q.dispatch_id::text AS dispatch_id, q.status;

-- name: mark_undispatched
UPDATE apishopee_ads_sync_queue
SET dispatched_at = NULL, updated_at = :now
WHERE id = ANY(CAST(:job_ids AS bigint[])) AND status = 'pending';

-- name: save_cursor
-- One step done: its rows were written in this same transaction.
UPDATE apishopee_ads_sync_queue
SET cursor = CAST(:cursor AS jsonb), updated_at = :now
WHERE id = :job_id AND dispatch_id = CAST(:dispatch_id AS uuid) AND status = 'processing'
RETURNING id;

-- name: abandon_job
-- An interrupted run could not send its job a fresh message (SQS failed too): the job
-- goes back to pending, due at :scheduled_at, with no live message, so the next
-- reconcile pass re-dispatches it. Only a row still ours (pending, or processing
-- under a lease this run may have left) moves; no attempt is counted.
UPDATE apishopee_ads_sync_queue
SET status = 'pending', lease_expires_at = NULL, dispatched_at = NULL,
    scheduled_at = GREATEST(scheduled_at, :scheduled_at), updated_at = :now
WHERE id = :job_id AND dispatch_id = CAST(:dispatch_id AS uuid)
  AND (status = 'pending'
       OR (status = 'processing'
           AND lease_expires_at = ANY(CAST(:abandoned_leases AS timestamptz[]))))
RETURNING id;

-- name: requeue_orphans
-- The local runtime restarted: every worker and every message of its previous run are
-- gone. Live jobs go back to pending with no message, for the reconciler to send; no
-- attempt is counted (their runs were killed, they did not fail).
UPDATE apishopee_ads_sync_queue
SET status = 'pending', lease_expires_at = NULL, dispatched_at = NULL, updated_at = :now
WHERE status IN ('pending', 'processing')
RETURNING id;
