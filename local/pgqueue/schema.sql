-- The pgqueue schema: queues and their messages. Idempotent; run under an advisory lock.

-- name: lock_install
SELECT pg_advisory_xact_lock(hashtext('pgqueue.install'));

-- name: create_schema
CREATE SCHEMA IF NOT EXISTS pgqueue;

-- name: create_queues
CREATE TABLE IF NOT EXISTS pgqueue.queues (
    id serial PRIMARY KEY,
    name text NOT NULL UNIQUE,
    url text NOT NULL,
    arn text NOT NULL UNIQUE,
    visibility_timeout integer NOT NULL,
    retention_seconds integer NOT NULL,
    delay_seconds integer NOT NULL,
    dead_letter_arn text,
    max_receive_count integer,
    redrive_policy text,
    -- the attributes as given (normalized JSON), to answer a repeated create_queue
    attributes text NOT NULL,
    created_at timestamptz NOT NULL,
    purged_at timestamptz
);

-- name: create_messages
-- In flight = received (receive_count > 0) and visible_at in the future; delayed =
-- never received and visible_at in the future. A receipt handle names (id, receive n).
CREATE TABLE IF NOT EXISTS pgqueue.messages (
    id bigserial PRIMARY KEY,
    queue_id integer NOT NULL REFERENCES pgqueue.queues (id) ON DELETE CASCADE,
    message_id uuid NOT NULL,
    body text NOT NULL,
    md5_of_body text NOT NULL,
    sent_at timestamptz NOT NULL,
    visible_at timestamptz NOT NULL,
    receive_count integer NOT NULL DEFAULT 0,
    first_received_at timestamptz
);

-- name: create_ready_index
CREATE INDEX IF NOT EXISTS messages_ready ON pgqueue.messages (queue_id, visible_at, id);

-- name: truncate_all
TRUNCATE pgqueue.messages, pgqueue.queues RESTART IDENTITY;
