-- Every statement takes `now` from the caller (the injected clock), never NOW().

-- name: insert_queue
INSERT INTO pgqueue.queues
    (name, url, arn, visibility_timeout, retention_seconds, delay_seconds,
     dead_letter_arn, max_receive_count, redrive_policy, attributes, created_at)
VALUES
    (:name, :url, :arn, :visibility_timeout, :retention_seconds, :delay_seconds,
     :dead_letter_arn, :max_receive_count, :redrive_policy, :attributes, :now)
ON CONFLICT (name) DO NOTHING
RETURNING id;

-- name: queue_by_name
SELECT * FROM pgqueue.queues WHERE name = :name;

-- name: queue_by_arn
SELECT id FROM pgqueue.queues WHERE arn = :arn;

-- name: list_queues
SELECT url FROM pgqueue.queues WHERE name LIKE :prefix || '%' ORDER BY name LIMIT :limit;

-- name: delete_queue
DELETE FROM pgqueue.queues WHERE name = :name RETURNING id;

-- name: queue_with_counts
SELECT q.*,
    count(m.id) FILTER (WHERE m.visible_at <= :now) AS visible,
    count(m.id) FILTER (WHERE m.visible_at > :now AND m.receive_count > 0) AS not_visible,
    count(m.id) FILTER (WHERE m.visible_at > :now AND m.receive_count = 0) AS delayed
FROM pgqueue.queues q
LEFT JOIN pgqueue.messages m
    ON m.queue_id = q.id
    AND m.sent_at > CAST(:now AS timestamptz) - make_interval(secs => q.retention_seconds)
WHERE q.name = :name
GROUP BY q.id;

-- name: send_messages
-- One row per entry; a delay of -1 means "the queue's DelaySeconds".
WITH q AS (SELECT id, delay_seconds FROM pgqueue.queues WHERE name = :queue),
inserted AS (
    INSERT INTO pgqueue.messages (queue_id, message_id, body, md5_of_body, sent_at, visible_at)
    SELECT q.id, u.message_id, u.body, u.md5, CAST(:now AS timestamptz),
        CAST(:now AS timestamptz) + make_interval(
            secs => CASE WHEN u.delay < 0 THEN q.delay_seconds ELSE u.delay END)
    FROM q, unnest(CAST(:message_ids AS uuid[]), CAST(:bodies AS text[]),
                   CAST(:md5s AS text[]), CAST(:delays AS integer[])) AS u(message_id, body, md5, delay)
    RETURNING 1
)
SELECT (SELECT count(*) FROM q) AS queues, (SELECT count(*) FROM inserted) AS inserted;

-- name: receive_messages
-- Claim up to :limit visible messages (SKIP LOCKED: pollers never wait on each other).
-- One whose receives already reached maxReceiveCount moves to the DLQ instead (as SQS
-- does), keeping its receive count; the rest become in flight for the visibility timeout.
-- The outer LEFT JOIN returns one all-null row for an existing queue with nothing to give,
-- and no row at all for a missing queue.
WITH q AS (
    SELECT s.id, s.visibility_timeout, s.retention_seconds, s.max_receive_count,
        d.id AS dead_letter_id
    FROM pgqueue.queues s
    LEFT JOIN pgqueue.queues d ON d.arn = s.dead_letter_arn
    WHERE s.name = :queue
),
picked AS (
    SELECT m.id, m.receive_count >= q.max_receive_count AND q.dead_letter_id IS NOT NULL AS dead
    FROM pgqueue.messages m, q
    WHERE m.queue_id = q.id
        AND m.visible_at <= :now
        AND m.sent_at > CAST(:now AS timestamptz) - make_interval(secs => q.retention_seconds)
    ORDER BY m.visible_at, m.id
    LIMIT :limit
    FOR UPDATE OF m SKIP LOCKED
),
moved AS (
    UPDATE pgqueue.messages m SET queue_id = q.dead_letter_id, visible_at = :now
    FROM picked p, q
    WHERE m.id = p.id AND p.dead
    RETURNING m.id
),
delivered AS (
    UPDATE pgqueue.messages m
    SET receive_count = m.receive_count + 1,
        first_received_at = COALESCE(m.first_received_at, :now),
        visible_at = CAST(:now AS timestamptz)
            + make_interval(secs => COALESCE(CAST(:visibility_timeout AS integer), q.visibility_timeout))
    FROM picked p, q
    WHERE m.id = p.id AND NOT p.dead
    RETURNING m.id, m.message_id, m.body, m.md5_of_body, m.sent_at, m.first_received_at,
        m.receive_count
)
SELECT q.id AS queue_id, (SELECT count(*) FROM moved) AS moved, d.*
FROM q LEFT JOIN delivered d ON true
ORDER BY d.id;

-- name: delete_messages
-- A handle names (row id, receive n); any handle the message has had deletes it, and a
-- message already gone counts as deleted (SQS and moto both answer success).
WITH q AS (SELECT id FROM pgqueue.queues WHERE name = :queue),
deleted AS (
    DELETE FROM pgqueue.messages m
    USING q, unnest(CAST(:row_ids AS bigint[]), CAST(:receives AS integer[])) AS h(row_id, n)
    WHERE m.queue_id = q.id AND m.id = h.row_id AND m.receive_count >= h.n
    RETURNING m.id
)
SELECT (SELECT count(*) FROM q) AS queues, (SELECT count(*) FROM deleted) AS deleted;

-- name: change_visibility
WITH q AS (SELECT id FROM pgqueue.queues WHERE name = :queue),
target AS (
    SELECT m.id, m.visible_at > :now AS in_flight
    FROM pgqueue.messages m, q
    WHERE m.queue_id = q.id AND m.id = :row_id AND m.receive_count >= :receive
    FOR UPDATE OF m
),
changed AS (
    UPDATE pgqueue.messages m
    SET visible_at = CAST(:now AS timestamptz) + make_interval(secs => :seconds)
    FROM target t
    WHERE m.id = t.id AND t.in_flight
    RETURNING m.id
)
SELECT (SELECT count(*) FROM q) AS queues, (SELECT count(*) FROM target) AS found,
    (SELECT count(*) FROM changed) AS changed;

-- name: lock_queue_for_purge
SELECT id, purged_at FROM pgqueue.queues WHERE name = :name FOR UPDATE;

-- name: purge_messages
DELETE FROM pgqueue.messages WHERE queue_id = :queue_id;

-- name: mark_purged
UPDATE pgqueue.queues SET purged_at = :now WHERE id = :queue_id;

-- name: delete_expired
DELETE FROM pgqueue.messages m USING pgqueue.queues q
WHERE m.queue_id = q.id
    AND m.sent_at <= CAST(:now AS timestamptz) - make_interval(secs => q.retention_seconds);
