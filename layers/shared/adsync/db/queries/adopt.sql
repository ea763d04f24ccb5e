-- Adopting a database that holds the seed system's tables (docs/adopting-seed.md).
-- `archive_seed` runs before our migrations; the `import_*` blocks run after them and
-- copy the archived rows into our tables. Ours win on every conflict: an import never
-- overwrites a row our system wrote (fresher tokens, resynced days).

-- name: archive_seed
-- Moves, into schema seed_archive, every table of ours that exists with the seed's
-- shape (it lacks a column only ours has), the seed-only ads-sync tables beside them,
-- the views that read any of them and the functions that collide with ours or read
-- them. ALTER ... SET SCHEMA keeps every row, index, trigger and view. Moved functions
-- get search_path = seed_archive: if anything still calls one, it touches the archive,
-- never our tables. Does nothing (and creates nothing) when no table has the seed's shape.
DO $archive$
DECLARE
    -- table -> a column our migrations create and the seed's table never had
    ours CONSTANT jsonb := '{
        "apishopee_shops": "status_reason",
        "apishopee_ads_sync_queue": "dispatch_id",
        "apishopee_ads_campaign_data": "ad_name",
        "apishopee_ads_performance_daily": "broad_order_amount",
        "apishopee_ads_performance_hourly": "broad_order_amount",
        "apishopee_ads_shop_performance_daily": "cost_per_conversion",
        "apishopee_ads_shop_performance_hourly": "cost_per_conversion"
    }';
    seed_only CONSTANT text[] := ARRAY['apishopee_ads_sync_status', 'apishopee_ads_sync_progress'];
    colliding CONSTANT text[] := ARRAY['enqueue_all_shops_sync', 'backfill_all_shops_ads_day',
        'cleanup_old_sync_queue', 'process_next_sync_job', 'process_sync_queue_batch'];
    home CONSTANT regnamespace := current_schema()::regnamespace;
    moved text[];
    item record;
BEGIN
    SELECT array_agg(c.relname ORDER BY c.relname) INTO moved
    FROM jsonb_each_text(ours) AS t (table_name, our_column)
    JOIN pg_class c ON c.relname = t.table_name AND c.relnamespace = home
                   AND c.relkind IN ('r', 'p')
    WHERE NOT EXISTS (
        SELECT 1 FROM pg_attribute a
        WHERE a.attrelid = c.oid AND a.attname = t.our_column AND NOT a.attisdropped);
    IF moved IS NULL THEN
        RETURN;
    END IF;
    moved := moved || ARRAY(
        SELECT c.relname FROM pg_class c
        WHERE c.relnamespace = home AND c.relkind IN ('r', 'p') AND c.relname = ANY (seed_only)
        ORDER BY c.relname);

    CREATE SCHEMA IF NOT EXISTS seed_archive;
    CREATE TABLE IF NOT EXISTS seed_archive.adoption_log (
        id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        object_kind text        NOT NULL,   -- table, view, function
        object_name text        NOT NULL,
        action      text        NOT NULL,   -- archived, imported
        row_count   bigint,                 -- imported: rows copied into our table
        at          timestamptz NOT NULL DEFAULT now()
    );

    FOR item IN SELECT unnest(moved) AS name LOOP
        EXECUTE format('ALTER TABLE %I SET SCHEMA seed_archive', item.name);
        INSERT INTO seed_archive.adoption_log (object_kind, object_name, action)
        VALUES ('table', item.name, 'archived');
    END LOOP;

    -- Views over archived relations (and views over those views) follow them.
    LOOP
        SELECT v.oid, v.relname, v.relkind INTO item
        FROM pg_class v
        JOIN pg_rewrite r ON r.ev_class = v.oid
        JOIN pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = r.oid
                        AND d.refclassid = 'pg_class'::regclass
        JOIN pg_class t ON t.oid = d.refobjid
        WHERE v.relnamespace = home AND v.relkind IN ('v', 'm') AND t.oid <> v.oid
          AND t.relnamespace = 'seed_archive'::regnamespace
        LIMIT 1;
        EXIT WHEN NOT FOUND;
        EXECUTE format('ALTER %s %I SET SCHEMA seed_archive',
                       CASE item.relkind WHEN 'm' THEN 'MATERIALIZED VIEW' ELSE 'VIEW' END,
                       item.relname);
        INSERT INTO seed_archive.adoption_log (object_kind, object_name, action)
        VALUES ('view', item.relname, 'archived');
    END LOOP;

    FOR item IN
        SELECT p.oid::regprocedure::text AS signature, p.proname
        FROM pg_proc p
        WHERE p.pronamespace = home AND p.prokind IN ('f', 'p')
          AND (p.proname = ANY (colliding)
               OR EXISTS (SELECT 1 FROM unnest(moved) AS m (name)
                          WHERE position(m.name IN p.prosrc) > 0))
          AND NOT EXISTS (SELECT 1 FROM pg_depend d
                          WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid
                            AND d.deptype = 'e')
    LOOP
        EXECUTE format('ALTER ROUTINE %s SET search_path = seed_archive', item.signature);
        EXECUTE format('ALTER ROUTINE %s SET SCHEMA seed_archive', item.signature);
        INSERT INTO seed_archive.adoption_log (object_kind, object_name, action)
        VALUES ('function', item.signature, 'archived');
    END LOOP;
END;
$archive$;

-- name: archive_present
SELECT to_regclass('seed_archive.adoption_log') IS NOT NULL AS present;

-- name: archived_now
SELECT object_kind || ' ' || object_name AS archived
FROM seed_archive.adoption_log
WHERE action = 'archived' AND at = now()
ORDER BY id;

-- name: tables_to_import
SELECT a.object_name AS table_name
FROM seed_archive.adoption_log AS a
WHERE a.object_kind = 'table' AND a.action = 'archived'
  AND NOT EXISTS (SELECT 1 FROM seed_archive.adoption_log AS i
                  WHERE i.object_name = a.object_name AND i.action = 'imported');

-- name: log_import
INSERT INTO seed_archive.adoption_log (object_kind, object_name, action, row_count)
VALUES ('table', :table_name, 'imported', :row_count);

-- name: import_shops
-- Columns are read through to_jsonb so that every version of the seed's shops table
-- imports (a column it lacks reads as NULL). partner_id and partner_key stay in the
-- archive. Token expiries were epoch numbers, in ms (expired_at) or s; the refresh
-- token's expiry was never stored (NULL: unknown). A shop without tokens needs a new
-- authorization; a shop whose region is not a market we know (`:zones` keys) is
-- paused until an operator sets it: its day boundaries would be wrong.
WITH seed AS (
    SELECT to_jsonb(s) AS r FROM seed_archive.apishopee_shops AS s
), mapped AS (
    SELECT (r->>'shop_id')::bigint                                        AS shop_id,
           upper(nullif(btrim(r->>'region'), ''))                         AS region,
           nullif(btrim(r->>'shop_name'), '')                             AS shop_name,
           nullif(r->>'access_token', '')                                 AS access_token,
           nullif(r->>'refresh_token', '')                                AS refresh_token,
           coalesce(r->>'access_token_expired_at', r->>'expired_at')      AS expiry,
           (r->>'token_updated_at')::timestamptz                          AS token_updated_at,
           r->>'expire_in'                                                AS expire_in,
           r->>'is_active'                                                AS is_active,
           (r->>'created_at')::timestamptz                                AS created_at
    FROM seed
), inserted AS (
    INSERT INTO apishopee_shops
        (shop_id, region, shop_name, access_token, refresh_token, access_token_expires_at,
         refresh_token_expires_at, status, status_reason, created_at, updated_at)
    SELECT shop_id,
           coalesce(region, 'UNKNOWN'),
           shop_name,
           access_token,
           refresh_token,
           CASE WHEN expiry ~ '^[0-9]+$' AND expiry::numeric > 100000000000
                    THEN to_timestamp(expiry::numeric / 1000)
                WHEN expiry ~ '^[0-9]+$' THEN to_timestamp(expiry::numeric)
                WHEN expiry ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}' THEN expiry::timestamptz
                WHEN expire_in ~ '^[0-9]+$'
                    THEN token_updated_at + make_interval(secs => expire_in::integer)
           END,
           NULL,
           CASE WHEN access_token IS NULL OR refresh_token IS NULL THEN 'needs_reauth'
                WHEN CAST(:zones AS jsonb) -> region IS NULL THEN 'paused'
                WHEN is_active = 'false' THEN 'paused'
                ELSE 'active'
           END,
           CASE WHEN access_token IS NULL OR refresh_token IS NULL
                    THEN 'imported from the seed without tokens: authorize the shop again'
                WHEN CAST(:zones AS jsonb) -> region IS NULL
                    THEN format('imported from the seed with region %s, not a Shopee market '
                                'we know: set region, then status = ''active''',
                                coalesce(region, 'NULL'))
                WHEN is_active = 'false' THEN 'imported from the seed as inactive'
           END,
           coalesce(created_at, now()),
           now()
    FROM mapped
    ON CONFLICT (shop_id) DO NOTHING
    RETURNING 1
)
SELECT count(*)::integer AS imported FROM inserted;

-- name: import_campaign_data
-- name/status become ad_name/campaign_status; start and end were epoch seconds (end 0:
-- no end date, NULL here); the raw reply was raw_data (raw_response in some versions).
WITH seed AS (
    SELECT to_jsonb(c) AS r FROM seed_archive.apishopee_ads_campaign_data AS c
), inserted AS (
    INSERT INTO apishopee_ads_campaign_data
        (shop_id, campaign_id, ad_type, ad_name, campaign_status, campaign_placement,
         bidding_method, campaign_budget, start_time, end_time, item_count, roas_target,
         raw, synced_at)
    SELECT (r->>'shop_id')::bigint,
           (r->>'campaign_id')::bigint,
           r->>'ad_type',
           r->>'name',
           r->>'status',
           r->>'campaign_placement',
           r->>'bidding_method',
           (r->>'campaign_budget')::numeric,
           CASE WHEN (r->>'start_time')::bigint > 0 THEN to_timestamp((r->>'start_time')::bigint) END,
           CASE WHEN (r->>'end_time')::bigint > 0 THEN to_timestamp((r->>'end_time')::bigint) END,
           (r->>'item_count')::integer,
           (r->>'roas_target')::numeric,
           coalesce(nullif(r->'raw_data', 'null'), nullif(r->'raw_response', 'null'), '{}'),
           coalesce((r->>'synced_at')::timestamptz, (r->>'cached_at')::timestamptz, now())
    FROM seed
    ON CONFLICT (shop_id, campaign_id) DO NOTHING
    RETURNING 1
)
SELECT count(*)::integer AS imported FROM inserted;

-- name: import_performance_daily
-- *_item_sold (units) become *_order_amount (units); roas and acos are derived by our
-- schema from the same numbers. Metrics the seed never stored (roi, cir, cr, cpc, cpdc)
-- stay 0 until a resync of that day.
WITH inserted AS (
    INSERT INTO apishopee_ads_performance_daily
        (shop_id, campaign_id, performance_date, impression, clicks, ctr, expense,
         broad_order, direct_order, broad_order_amount, direct_order_amount, broad_gmv,
         direct_gmv, synced_at)
    SELECT shop_id, campaign_id, performance_date, coalesce(impression, 0),
           coalesce(clicks, 0), coalesce(ctr, 0), coalesce(expense, 0),
           coalesce(broad_order, 0), coalesce(direct_order, 0),
           coalesce(broad_item_sold, 0), coalesce(direct_item_sold, 0),
           coalesce(broad_gmv, 0), coalesce(direct_gmv, 0), coalesce(synced_at, now())
    FROM seed_archive.apishopee_ads_performance_daily
    ON CONFLICT (shop_id, campaign_id, performance_date) DO NOTHING
    RETURNING 1
)
SELECT count(*)::integer AS imported FROM inserted;

-- name: import_performance_hourly
WITH inserted AS (
    INSERT INTO apishopee_ads_performance_hourly
        (shop_id, campaign_id, performance_date, hour, impression, clicks, ctr, expense,
         broad_order, direct_order, broad_order_amount, direct_order_amount, broad_gmv,
         direct_gmv, synced_at)
    SELECT shop_id, campaign_id, performance_date, hour, coalesce(impression, 0),
           coalesce(clicks, 0), coalesce(ctr, 0), coalesce(expense, 0),
           coalesce(broad_order, 0), coalesce(direct_order, 0),
           coalesce(broad_item_sold, 0), coalesce(direct_item_sold, 0),
           coalesce(broad_gmv, 0), coalesce(direct_gmv, 0), coalesce(synced_at, now())
    FROM seed_archive.apishopee_ads_performance_hourly
    ON CONFLICT (shop_id, campaign_id, performance_date, hour) DO NOTHING
    RETURNING 1
)
SELECT count(*)::integer AS imported FROM inserted;

-- name: import_shop_performance_daily
-- Shop level keeps *_item_sold; the seed's roas held Shopee's broad_roas (its own
-- ratio when Shopee sent none). Conversions, cost per conversion and direct_roas were
-- never stored: 0 until a resync.
WITH inserted AS (
    INSERT INTO apishopee_ads_shop_performance_daily
        (shop_id, performance_date, impression, clicks, ctr, direct_order, broad_order,
         direct_item_sold, broad_item_sold, direct_gmv, broad_gmv, expense, broad_roas,
         synced_at)
    SELECT shop_id, performance_date, coalesce(impression, 0), coalesce(clicks, 0),
           coalesce(ctr, 0), coalesce(direct_order, 0), coalesce(broad_order, 0),
           coalesce(direct_item_sold, 0), coalesce(broad_item_sold, 0),
           coalesce(direct_gmv, 0), coalesce(broad_gmv, 0), coalesce(expense, 0),
           coalesce(roas, 0), coalesce(synced_at, now())
    FROM seed_archive.apishopee_ads_shop_performance_daily
    ON CONFLICT (shop_id, performance_date) DO NOTHING
    RETURNING 1
)
SELECT count(*)::integer AS imported FROM inserted;

-- name: import_shop_performance_hourly
WITH inserted AS (
    INSERT INTO apishopee_ads_shop_performance_hourly
        (shop_id, performance_date, hour, impression, clicks, ctr, direct_order,
         broad_order, direct_item_sold, broad_item_sold, direct_gmv, broad_gmv, expense,
         broad_roas, synced_at)
    SELECT shop_id, performance_date, hour, coalesce(impression, 0), coalesce(clicks, 0),
           coalesce(ctr, 0), coalesce(direct_order, 0), coalesce(broad_order, 0),
           coalesce(direct_item_sold, 0), coalesce(broad_item_sold, 0),
           coalesce(direct_gmv, 0), coalesce(broad_gmv, 0), coalesce(expense, 0),
           coalesce(roas, 0), coalesce(synced_at, now())
    FROM seed_archive.apishopee_ads_shop_performance_hourly
    ON CONFLICT (shop_id, performance_date, hour) DO NOTHING
    RETURNING 1
)
SELECT count(*)::integer AS imported FROM inserted;

-- name: import_live_jobs
-- The seed's pending and processing jobs become pending jobs of ours (the reconciler
-- sends them within a minute); finished ones stay in the archive. A job of a shop that
-- is not active here (no tokens, unknown region, unknown shop) is not imported.
-- Chunk jobs (061/062) were pieces of one sync: they fold into one job per shop, type
-- and day through our live-job index. backfill_day keeps sync_params.days_ago and gets
-- the day it meant: the shop's local day (in its IANA zone, `:zones`) when it was
-- enqueued, minus days_ago.
-- Priorities above 3 (the seed's chunk jobs used 10) become 3.
WITH seed AS (
    SELECT to_jsonb(q) AS r FROM seed_archive.apishopee_ads_sync_queue AS q
    WHERE q.status IN ('pending', 'processing')
), mapped AS (
    SELECT (r->>'shop_id')::bigint AS shop_id,
           CASE r->>'sync_type' WHEN 'backfill_day' THEN 'backfill_day'
                                WHEN 'backfill_full' THEN 'backfill_full'
                                ELSE 'realtime' END AS sync_type,
           least(greatest(coalesce((r->>'priority')::integer, 0), 0), 3) AS priority,
           greatest(coalesce((r->>'max_retries')::integer, 3), 1) AS max_retries,
           coalesce((r->>'created_at')::timestamptz, now()) AS created_at,
           (r->>'scheduled_at')::timestamptz AS scheduled_at,
           r->'sync_params'->>'days_ago' AS days_ago
    FROM seed
), jobs AS (
    SELECT m.shop_id, m.sync_type, m.priority, m.max_retries, m.created_at,
           coalesce(m.scheduled_at, m.created_at) AS scheduled_at,
           CASE WHEN m.sync_type <> 'backfill_day' THEN NULL
                WHEN m.days_ago ~ '^[0-9]+$' THEN m.days_ago::integer
                ELSE 0 END AS days_ago,
           CAST(:zones AS jsonb) ->> s.region AS time_zone
    FROM mapped AS m
    JOIN apishopee_shops AS s ON s.shop_id = m.shop_id AND s.status = 'active'
), inserted AS (
    INSERT INTO apishopee_ads_sync_queue
        (shop_id, sync_type, priority, max_retries, scheduled_at, created_at, days_ago,
         target_day)
    SELECT shop_id, sync_type, priority, max_retries, scheduled_at, created_at, days_ago,
           (created_at AT TIME ZONE time_zone)::date - days_ago
    FROM jobs
    ORDER BY created_at
    ON CONFLICT DO NOTHING
    RETURNING 1
)
SELECT count(*)::integer AS imported FROM inserted;

-- name: import_partners
-- The seed kept partner_id/partner_key in every shop row (shops authorized under
-- different apps). Each partner_id becomes a partner row whose key is to live in the
-- secret :secret_prefix || 'seed-' || id (the key is NOT copied: it stays in the archive
-- until `seed-keys` moves it into that secret), and each imported shop that has no
-- partner yet gets its seed row's. Rows with no valid partner_id are left to the
-- deployment's default partner.
WITH seed AS (
    SELECT (r->>'shop_id')::bigint AS shop_id,
           CASE WHEN r->>'partner_id' ~ '^[0-9]{1,10}$' THEN (r->>'partner_id')::bigint END
               AS partner_id,
           nullif(btrim(r->>'partner_name'), '') AS partner_name
    FROM (SELECT to_jsonb(s) AS r FROM seed_archive.apishopee_shops AS s) AS t
), valid AS (
    SELECT * FROM seed WHERE partner_id BETWEEN 1 AND 4294967295
), partners AS (
    INSERT INTO apishopee_partners
        (id, name, secret_ref, base_url, requests_per_second, created_at, updated_at)
    SELECT partner_id,
           'seed-' || partner_id || coalesce(' (' || min(partner_name) || ')', ''),
           :secret_prefix || 'seed-' || partner_id,
           :base_url, NULL, now(), now()
    FROM valid GROUP BY partner_id
    ON CONFLICT DO NOTHING
    RETURNING id
)
SELECT (SELECT count(*) FROM partners) AS partners;

-- name: assign_seed_partners
UPDATE apishopee_shops AS s SET partner_id = v.partner_id
FROM (SELECT (r->>'shop_id')::bigint AS shop_id, (r->>'partner_id')::bigint AS partner_id
      FROM (SELECT to_jsonb(a) AS r FROM seed_archive.apishopee_shops AS a) AS t
      WHERE r->>'partner_id' ~ '^[0-9]{1,10}$') AS v
WHERE s.shop_id = v.shop_id AND s.partner_id IS NULL
  AND EXISTS (SELECT 1 FROM apishopee_partners p WHERE p.id = v.partner_id)
RETURNING s.shop_id;

-- name: seed_partner_keys
-- The keys still in the archive, one row per partner (several different keys for one
-- partner_id are reported, never guessed between).
SELECT (r->>'partner_id')::bigint AS partner_id,
       count(DISTINCT r->>'partner_key') AS keys,
       min(r->>'partner_key') AS partner_key,
       count(*) AS shops
FROM (SELECT to_jsonb(a) AS r FROM seed_archive.apishopee_shops AS a) AS t
WHERE r->>'partner_id' ~ '^[0-9]{1,10}$' AND nullif(r->>'partner_key', '') IS NOT NULL
GROUP BY 1 ORDER BY 1;

-- name: seed_keys_present
SELECT EXISTS (
    SELECT 1 FROM information_schema.columns
    WHERE table_schema = 'seed_archive' AND table_name = 'apishopee_shops'
      AND column_name = 'partner_key') AS present;

-- name: erase_seed_partner_key
-- The key now lives in its secret: it leaves the database.
UPDATE seed_archive.apishopee_shops SET partner_key = NULL
WHERE partner_id = :partner_id
RETURNING 1 AS erased;

-- name: partners_table_present
SELECT to_regclass('apishopee_partners') IS NOT NULL AS present;
