"""SQS's request rules, checked before anything touches Postgres.

Limits and messages follow SQS (and moto 5.2 where the two agree; where they differ,
SQS wins and the conformance suite says so). Pure functions: no database, no clock.
"""

import base64
import binascii
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from local.pgqueue.errors import client_error, invalid_parameter

MAX_BATCH_ENTRIES = 10
MAX_MESSAGE_BYTES = 1_048_576
MAX_DELAY_SECONDS = 900
MAX_VISIBILITY_SECONDS = 43_200
MAX_WAIT_SECONDS = 20
DEFAULT_RETENTION_SECONDS = 345_600

_QUEUE_NAME = re.compile(r"^[A-Za-z0-9_-]{1,80}$")
_ENTRY_ID = re.compile(r"^[A-Za-z0-9_-]{1,80}$")
# The characters SQS accepts in a body (its documented XML-safe set).
_BAD_BODY_CHAR = re.compile("[^\x09\x0a\x0d\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")

QUEUE_ATTRIBUTES = frozenset(
    {
        "All", "Policy", "VisibilityTimeout", "MaximumMessageSize", "MessageRetentionPeriod",
        "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible",
        "CreatedTimestamp", "LastModifiedTimestamp", "QueueArn",
        "ApproximateNumberOfMessagesDelayed", "DelaySeconds", "ReceiveMessageWaitTimeSeconds",
        "RedrivePolicy", "FifoQueue", "ContentBasedDeduplication", "KmsMasterKeyId",
        "KmsDataKeyReusePeriodSeconds", "DeduplicationScope", "FifoThroughputLimit",
        "RedriveAllowPolicy", "SqsManagedSseEnabled",
    }
)  # fmt: skip
MESSAGE_ATTRIBUTES = (
    "SenderId",
    "SentTimestamp",
    "ApproximateReceiveCount",
    "ApproximateFirstReceiveTimestamp",
)


@dataclass(frozen=True, kw_only=True)
class QueueSpec:
    """A create_queue request, parsed."""

    name: str
    visibility_timeout: int
    retention_seconds: int
    delay_seconds: int
    dead_letter_arn: str | None
    max_receive_count: int | None
    redrive_policy: str | None
    attributes: str  # normalized JSON of what was asked, to compare a repeated create


def _int_attribute(attrs: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    raw = attrs.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except (TypeError, ValueError):
        value = low - 1
    if not low <= value <= high:
        raise client_error(
            "CreateQueue", "InvalidAttributeValue", f"Invalid value for the parameter {name}."
        )
    return value


def queue_spec(name: str, attributes: Mapping[str, str] | None) -> QueueSpec:
    if not _QUEUE_NAME.match(name or ""):
        raise invalid_parameter(
            "CreateQueue",
            "Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length",
        )
    attrs = dict(attributes or {})
    unknown = set(attrs) - QUEUE_ATTRIBUTES - {"All"}
    if unknown:
        raise client_error(
            "CreateQueue", "InvalidAttributeName", f"Unknown Attribute {sorted(unknown)[0]}."
        )
    if str(attrs.get("FifoQueue", "false")).lower() == "true":
        raise client_error("CreateQueue", "UnsupportedOperation", "pgqueue has no FIFO queues.")
    dead_letter_arn = max_receive = redrive = None
    if attrs.get("RedrivePolicy"):
        try:
            policy = json.loads(attrs["RedrivePolicy"])
            dead_letter_arn = str(policy["deadLetterTargetArn"])
            max_receive = int(policy["maxReceiveCount"])
        except (ValueError, KeyError, TypeError) as exc:
            raise client_error(
                "CreateQueue",
                "InvalidAttributeValue",
                "Invalid value for the parameter RedrivePolicy.",
            ) from exc
        if not 1 <= max_receive <= 1000:
            raise client_error(
                "CreateQueue",
                "InvalidAttributeValue",
                "Value for parameter maxReceiveCount must be between 1 and 1000.",
            )
        redrive = json.dumps(
            {"deadLetterTargetArn": dead_letter_arn, "maxReceiveCount": max_receive}
        )
    return QueueSpec(
        name=name,
        visibility_timeout=_int_attribute(
            attrs, "VisibilityTimeout", 30, 0, MAX_VISIBILITY_SECONDS
        ),
        retention_seconds=_int_attribute(
            attrs, "MessageRetentionPeriod", DEFAULT_RETENTION_SECONDS, 60, 1_209_600
        ),
        delay_seconds=_int_attribute(attrs, "DelaySeconds", 0, 0, MAX_DELAY_SECONDS),
        dead_letter_arn=dead_letter_arn,
        max_receive_count=max_receive,
        redrive_policy=redrive,
        attributes=json.dumps({k: str(v) for k, v in attrs.items()}, sort_keys=True),
    )


def check_body(operation: str, body: Any) -> str | None:
    """None if SQS accepts the body, else why not (an error code's message)."""
    if not isinstance(body, str) or body == "":
        return "The request must contain the parameter MessageBody."
    if _BAD_BODY_CHAR.search(body):
        return "Invalid characters found. Valid unicode characters are #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF"  # noqa: E501
    if len(body.encode("utf-8")) > MAX_MESSAGE_BYTES:
        return f"One or more parameters are invalid. Reason: Message must be shorter than {MAX_MESSAGE_BYTES} bytes."  # noqa: E501
    return None


def body_error(operation: str, body: Any) -> ClientError | None:
    problem = check_body(operation, body)
    if problem is None:
        return None
    return client_error(operation, problem_code(problem), problem)


def problem_code(problem: str) -> str:
    """The error code SQS gives a problem found by `check_body` or `delay_problem`."""
    if problem.startswith("Invalid characters"):
        return "InvalidMessageContents"
    return "InvalidParameterValue"


def delay_problem(delay: Any) -> str | None:
    if delay is None:
        return None
    if not isinstance(delay, int) or not 0 <= delay <= MAX_DELAY_SECONDS:
        return (
            f"Value {delay} for parameter DelaySeconds is invalid. "
            f"Reason: DelaySeconds must be >= 0 and <= {MAX_DELAY_SECONDS}."
        )
    return None


def check_batch(operation: str, entries: Sequence[Mapping[str, Any]], entry_name: str) -> None:
    """The whole-request checks of a *Batch call (count, ids), in SQS's order."""
    if not entries:
        raise client_error(
            operation,
            "EmptyBatchRequest",
            f"There should be at least one {entry_name} in the request.",
        )
    if len(entries) > MAX_BATCH_ENTRIES:
        raise client_error(
            operation,
            "TooManyEntriesInBatchRequest",
            f"Maximum number of entries per request are {MAX_BATCH_ENTRIES}. "
            f"You have sent {len(entries)}.",
        )
    seen: set[str] = set()
    for entry in entries:
        entry_id = entry.get("Id", "")
        if not isinstance(entry_id, str) or not _ENTRY_ID.match(entry_id):
            raise client_error(
                operation,
                "InvalidBatchEntryId",
                "A batch entry id can only contain alphanumeric characters, hyphens and "
                "underscores. It can be at most 80 letters long.",
            )
        if entry_id in seen:
            raise client_error(operation, "BatchEntryIdsNotDistinct", f"Id {entry_id} repeated.")
        seen.add(entry_id)


def check_range(operation: str, name: str, value: Any, low: int, high: int) -> None:
    if not isinstance(value, int) or not low <= value <= high:
        raise invalid_parameter(
            operation,
            f"Value {value} for parameter {name} is invalid. "
            f"Reason: must be between {low} and {high}.",
        )


def wanted_attributes(names: Sequence[str] | None) -> tuple[str, ...]:
    if not names:
        return ()
    if "All" in names:
        return MESSAGE_ATTRIBUTES
    return tuple(n for n in MESSAGE_ATTRIBUTES if n in names)


def receipt_handle(row_id: int, receive: int, nonce: str) -> str:
    raw = f"pgq:{row_id}:{receive}:{nonce}".encode("ascii")
    return base64.urlsafe_b64encode(raw).decode("ascii")


def parse_receipt_handle(handle: Any) -> tuple[int, int] | None:
    """(row id, receive number) of a handle pgqueue issued; None for anything else."""
    if not isinstance(handle, str) or not handle:
        return None
    try:
        kind, row_id, receive, _nonce = (
            base64.urlsafe_b64decode(handle.encode("ascii")).decode("ascii").split(":")
        )
        parsed = (int(row_id), int(receive))
    except (ValueError, UnicodeError, binascii.Error):
        return None
    if kind != "pgq" or parsed[0] < 1 or parsed[1] < 1:
        return None
    return parsed
