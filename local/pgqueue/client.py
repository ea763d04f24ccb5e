"""`PgSqs`: the boto3 SQS client's methods, for the subset this project uses, on Postgres.

Same method names, keyword arguments, reply shapes and exceptions as
`boto3.client("sqs")`, so the layer's queue gateway and the event source mapping
emulator use it unchanged. Standard queues only: at-least-once, best-effort order,
visibility timeouts, DelaySeconds, redrive to a DLQ after maxReceiveCount receives.
Time comes from the injected clock, never from Postgres's NOW(), so tests can freeze
and move it. Must not know about jobs, Shopee or Lambda.
"""

import hashlib
import secrets
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import ClientError

from local.pgqueue import validation as v
from local.pgqueue.errors import (
    client_error,
    invalid_parameter,
    invalid_receipt_handle,
    no_such_queue,
    response_metadata,
)
from local.pgqueue.store import Row, Store

Clock = Callable[[], datetime]
PURGE_INTERVAL_SECONDS = 60
LONG_POLL_STEP_SECONDS = 0.05


def _wall_clock() -> datetime:
    return datetime.now(UTC)


def _millis(moment: datetime) -> str:
    return str(int(moment.timestamp() * 1000))


def _md5(body: str) -> str:
    return hashlib.md5(body.encode("utf-8")).hexdigest()


def _reply(**fields: Any) -> dict[str, Any]:
    return {**fields, "ResponseMetadata": response_metadata()}


class PgSqs:
    """A boto3-SQS-client look-alike backed by the `pgqueue` schema; thread-safe."""

    def __init__(
        self,
        store: Store,
        *,
        clock: Clock | None = None,
        region: str = "ap-southeast-1",
        account: str = "123456789012",
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._store = store
        self._clock = clock or _wall_clock
        self._region = region
        self._account = account
        self._sleep = sleep

    def with_clock(self, clock: Clock) -> "PgSqs":
        """The same queues seen through another clock (tests freeze time this way)."""
        return PgSqs(
            self._store, clock=clock, region=self._region, account=self._account, sleep=self._sleep
        )

    # -- queues ---------------------------------------------------------------------

    def _now(self) -> datetime:
        now = self._clock()
        if now.tzinfo is None:
            raise ValueError("the pgqueue clock must return an aware datetime")
        return now

    def _url(self, name: str) -> str:
        return f"https://sqs.{self._region}.localhost/{self._account}/{name}"

    def _arn(self, name: str) -> str:
        return f"arn:aws:sqs:{self._region}:{self._account}:{name}"

    @staticmethod
    def _name(queue_url: str) -> str:
        return str(queue_url).rstrip("/").rsplit("/", 1)[-1]

    def create_queue(
        self, *, QueueName: str, Attributes: Mapping[str, str] | None = None, **_: Any
    ) -> dict[str, Any]:
        spec = v.queue_spec(QueueName, Attributes)
        if spec.dead_letter_arn and not self._store.query("queue_by_arn", arn=spec.dead_letter_arn):
            raise client_error(
                "CreateQueue", "QueueDoesNotExist", f"Could not find DLQ for {spec.dead_letter_arn}"
            )
        created = self._store.query(
            "insert_queue",
            name=spec.name,
            url=self._url(spec.name),
            arn=self._arn(spec.name),
            visibility_timeout=spec.visibility_timeout,
            retention_seconds=spec.retention_seconds,
            delay_seconds=spec.delay_seconds,
            dead_letter_arn=spec.dead_letter_arn,
            max_receive_count=spec.max_receive_count,
            redrive_policy=spec.redrive_policy,
            attributes=spec.attributes,
            now=self._now(),
        )
        if not created:
            existing = self._store.query("queue_by_name", name=spec.name)
            if existing and existing[0]["attributes"] != spec.attributes:
                raise client_error(
                    "CreateQueue", "QueueNameExists", "The specified queue already exists."
                )
        return _reply(QueueUrl=self._url(spec.name))

    def get_queue_url(self, *, QueueName: str, **_: Any) -> dict[str, Any]:
        rows = self._store.query("queue_by_name", name=QueueName)
        if not rows:
            raise no_such_queue("GetQueueUrl")
        return _reply(QueueUrl=rows[0]["url"])

    def list_queues(
        self, *, QueueNamePrefix: str = "", MaxResults: int = 1000, **_: Any
    ) -> dict[str, Any]:
        rows = self._store.query("list_queues", prefix=QueueNamePrefix, limit=MaxResults)
        return _reply(QueueUrls=[r["url"] for r in rows]) if rows else _reply()

    def delete_queue(self, *, QueueUrl: str) -> dict[str, Any]:
        if not self._store.query("delete_queue", name=self._name(QueueUrl)):
            raise no_such_queue("DeleteQueue")
        return _reply()

    def purge_queue(self, *, QueueUrl: str) -> dict[str, Any]:
        now = self._now()
        name = self._name(QueueUrl)
        with self._store.transaction():
            rows = self._store.query("lock_queue_for_purge", name=name)
            if not rows:
                raise no_such_queue("PurgeQueue")
            purged_at = rows[0]["purged_at"]
            if purged_at is not None and (now - purged_at).total_seconds() < PURGE_INTERVAL_SECONDS:
                raise client_error(
                    "PurgeQueue",
                    "PurgeQueueInProgress",
                    f"Only one PurgeQueue operation on {name} is allowed every 60 seconds.",
                )
            self._store.query("purge_messages", queue_id=rows[0]["id"])
            self._store.query("mark_purged", queue_id=rows[0]["id"], now=now)
        return _reply()

    def get_queue_attributes(
        self, *, QueueUrl: str, AttributeNames: Sequence[str] | None = None
    ) -> dict[str, Any]:
        names = list(AttributeNames or [])
        for name in names:
            if name not in v.QUEUE_ATTRIBUTES:
                raise client_error(
                    "GetQueueAttributes", "InvalidAttributeName", f"Unknown Attribute {name}."
                )
        rows = self._store.query("queue_with_counts", name=self._name(QueueUrl), now=self._now())
        if not rows:
            raise no_such_queue("GetQueueAttributes")
        available = self._attributes(rows[0])
        if "All" in names:
            return _reply(Attributes=available)
        picked = {n: available[n] for n in names if n in available}
        return _reply(Attributes=picked) if picked else _reply()

    def _attributes(self, row: Row) -> dict[str, str]:
        created = str(row["created_at"].timestamp())
        attributes = {
            "QueueArn": row["arn"],
            "ApproximateNumberOfMessages": str(row["visible"]),
            "ApproximateNumberOfMessagesNotVisible": str(row["not_visible"]),
            "ApproximateNumberOfMessagesDelayed": str(row["delayed"]),
            "CreatedTimestamp": created,
            "LastModifiedTimestamp": created,
            "VisibilityTimeout": str(row["visibility_timeout"]),
            "MessageRetentionPeriod": str(row["retention_seconds"]),
            "DelaySeconds": str(row["delay_seconds"]),
            "MaximumMessageSize": str(v.MAX_MESSAGE_BYTES),
            "ReceiveMessageWaitTimeSeconds": "0",
            "SqsManagedSseEnabled": "false",
        }
        if row["redrive_policy"]:
            attributes["RedrivePolicy"] = row["redrive_policy"]
        return attributes

    # -- sending --------------------------------------------------------------------

    def send_message(
        self, *, QueueUrl: str, MessageBody: str, DelaySeconds: int | None = None, **_: Any
    ) -> dict[str, Any]:
        error = v.body_error("SendMessage", MessageBody)
        if error is not None:
            raise error
        problem = v.delay_problem(DelaySeconds)
        if problem:
            raise invalid_parameter("SendMessage", problem)
        message_id = str(uuid.uuid4())
        md5 = _md5(MessageBody)
        self._insert("SendMessage", QueueUrl, [(message_id, MessageBody, md5, DelaySeconds)])
        return _reply(MD5OfMessageBody=md5, MessageId=message_id)

    def send_message_batch(
        self, *, QueueUrl: str, Entries: Sequence[Mapping[str, Any]]
    ) -> dict[str, Any]:
        v.check_batch("SendMessageBatch", Entries, "SendMessageBatchRequestEntry")
        total = sum(len(str(e.get("MessageBody", "")).encode("utf-8")) for e in Entries)
        if total > v.MAX_MESSAGE_BYTES:
            raise client_error(
                "SendMessageBatch",
                "BatchRequestTooLong",
                f"Batch requests cannot be longer than {v.MAX_MESSAGE_BYTES} bytes. "
                f"You have sent {total} bytes.",
            )
        rows: list[tuple[str, str, str, int | None]] = []
        successful: list[dict[str, str]] = []
        failed: list[dict[str, Any]] = []
        for entry in Entries:
            body = entry.get("MessageBody")
            problem = v.check_body("SendMessageBatch", body) or v.delay_problem(
                entry.get("DelaySeconds")
            )
            if problem:
                failed.append(
                    {
                        "Id": entry["Id"],
                        "SenderFault": True,
                        "Code": v.problem_code(problem),
                        "Message": problem,
                    }
                )
                continue
            message_id, md5 = str(uuid.uuid4()), _md5(str(body))
            rows.append((message_id, str(body), md5, entry.get("DelaySeconds")))
            successful.append({"Id": entry["Id"], "MessageId": message_id, "MD5OfMessageBody": md5})
        if rows:
            self._insert("SendMessageBatch", QueueUrl, rows)
        else:
            self._require_queue("SendMessageBatch", QueueUrl)
        return _reply(Successful=successful, Failed=failed)

    def _insert(
        self, operation: str, queue_url: str, rows: Sequence[tuple[str, str, str, int | None]]
    ) -> None:
        result = self._store.query(
            "send_messages",
            queue=self._name(queue_url),
            now=self._now(),
            message_ids=[r[0] for r in rows],
            bodies=[r[1] for r in rows],
            md5s=[r[2] for r in rows],
            delays=[-1 if r[3] is None else r[3] for r in rows],
        )
        if not result[0]["queues"]:
            raise no_such_queue(operation)

    def _require_queue(self, operation: str, queue_url: str) -> None:
        if not self._store.query("queue_by_name", name=self._name(queue_url)):
            raise no_such_queue(operation)

    # -- receiving ------------------------------------------------------------------

    def receive_message(
        self,
        *,
        QueueUrl: str,
        MaxNumberOfMessages: int = 1,
        VisibilityTimeout: int | None = None,
        WaitTimeSeconds: int = 0,
        AttributeNames: Sequence[str] | None = None,
        MessageSystemAttributeNames: Sequence[str] | None = None,
        **_: Any,
    ) -> dict[str, Any]:
        op = "ReceiveMessage"
        v.check_range(op, "MaxNumberOfMessages", MaxNumberOfMessages, 1, v.MAX_BATCH_ENTRIES)
        v.check_range(op, "WaitTimeSeconds", WaitTimeSeconds, 0, v.MAX_WAIT_SECONDS)
        if VisibilityTimeout is not None:
            v.check_range(op, "VisibilityTimeout", VisibilityTimeout, 0, v.MAX_VISIBILITY_SECONDS)
        wanted = v.wanted_attributes(
            [*(AttributeNames or []), *(MessageSystemAttributeNames or [])]
        )
        deadline = time.monotonic() + WaitTimeSeconds
        while True:
            rows = self._store.query(
                "receive_messages",
                queue=self._name(QueueUrl),
                now=self._now(),
                limit=MaxNumberOfMessages,
                visibility_timeout=VisibilityTimeout,
            )
            if not rows:
                raise no_such_queue(op)
            messages = [self._message(r, wanted) for r in rows if r["id"] is not None]
            if messages:
                return _reply(Messages=messages)
            if time.monotonic() >= deadline:
                return _reply()
            self._sleep(min(LONG_POLL_STEP_SECONDS, max(0.0, deadline - time.monotonic())))

    @staticmethod
    def _message(row: Row, wanted: Sequence[str]) -> dict[str, Any]:
        message: dict[str, Any] = {
            "MessageId": str(row["message_id"]),
            "ReceiptHandle": v.receipt_handle(
                row["id"], row["receive_count"], secrets.token_hex(6)
            ),
            "MD5OfBody": row["md5_of_body"],
            "Body": row["body"],
        }
        if wanted:
            values = {
                "SenderId": "AIDAPGQUEUELOCAL",
                "SentTimestamp": _millis(row["sent_at"]),
                "ApproximateReceiveCount": str(row["receive_count"]),
                "ApproximateFirstReceiveTimestamp": _millis(row["first_received_at"]),
            }
            message["Attributes"] = {name: values[name] for name in wanted}
        return message

    # -- settling -------------------------------------------------------------------

    def delete_message(self, *, QueueUrl: str, ReceiptHandle: str) -> dict[str, Any]:
        handle = v.parse_receipt_handle(ReceiptHandle)
        if handle is None:
            raise invalid_receipt_handle("DeleteMessage")
        self._delete("DeleteMessage", QueueUrl, [handle])
        return _reply()

    def delete_message_batch(
        self, *, QueueUrl: str, Entries: Sequence[Mapping[str, Any]]
    ) -> dict[str, Any]:
        v.check_batch("DeleteMessageBatch", Entries, "DeleteMessageBatchRequestEntry")
        handles: list[tuple[int, int]] = []
        successful: list[dict[str, str]] = []
        failed: list[dict[str, Any]] = []
        for entry in Entries:
            handle = v.parse_receipt_handle(entry.get("ReceiptHandle"))
            if handle is None:
                failed.append(
                    {
                        "Id": entry["Id"],
                        "SenderFault": True,
                        "Code": "ReceiptHandleIsInvalid",
                        "Message": f'The input receipt handle "{entry.get("ReceiptHandle")}" '
                        "is not a valid receipt handle.",
                    }
                )
                continue
            handles.append(handle)
            successful.append({"Id": entry["Id"]})
        if handles:
            self._delete("DeleteMessageBatch", QueueUrl, handles)
        else:
            self._require_queue("DeleteMessageBatch", QueueUrl)
        return _reply(Successful=successful, Failed=failed)

    def _delete(self, operation: str, queue_url: str, handles: Sequence[tuple[int, int]]) -> None:
        result = self._store.query(
            "delete_messages",
            queue=self._name(queue_url),
            row_ids=[h[0] for h in handles],
            receives=[h[1] for h in handles],
        )
        if not result[0]["queues"]:
            raise no_such_queue(operation)

    def change_message_visibility(
        self, *, QueueUrl: str, ReceiptHandle: str, VisibilityTimeout: int
    ) -> dict[str, Any]:
        op = "ChangeMessageVisibility"
        if not isinstance(VisibilityTimeout, int) or not (
            0 <= VisibilityTimeout <= v.MAX_VISIBILITY_SECONDS
        ):
            raise invalid_parameter(
                op, f"Invalid request, maximum visibility timeout is {v.MAX_VISIBILITY_SECONDS}"
            )
        handle = v.parse_receipt_handle(ReceiptHandle)
        if handle is None:
            raise invalid_receipt_handle(op)
        row = self._store.query(
            "change_visibility",
            queue=self._name(QueueUrl),
            row_id=handle[0],
            receive=handle[1],
            seconds=VisibilityTimeout,
            now=self._now(),
        )[0]
        if not row["queues"]:
            raise no_such_queue(op)
        if not row["found"]:  # deleted, expired or moved to the DLQ
            raise invalid_receipt_handle(op)
        if not row["changed"]:
            # SQS: only an in-flight message's visibility can change (moto allows it).
            raise invalid_parameter(
                op,
                f"Value {ReceiptHandle} for parameter ReceiptHandle is invalid. Reason: "
                "Message does not exist or is not available for visibility timeout change.",
            )
        return _reply()

    # -- local maintenance (not SQS API) ----------------------------------------------

    def expire_once(self, now: datetime | None = None) -> None:
        """Delete messages past their queue's retention period (SQS does this itself)."""
        self._store.query("delete_expired", now=now or self._now())

    def truncate_all(self) -> None:
        """Drop every queue and message: tests and benchmarks only."""
        self._store.truncate_all()

    def close(self) -> None:
        self._store.close()


def make_sqs(database_url: str, clock: Clock | None = None) -> PgSqs:
    """A boto3-SQS-compatible client on the database at `database_url` (schema installed)."""
    store = Store(database_url)
    store.install()
    return PgSqs(store, clock=clock)


__all__ = ["ClientError", "PgSqs", "make_sqs"]
