"""Jobs: what a sync job is, what a queue message carries, and how events name them.

Pure values and parsing only: no I/O, no clock. The job table is the truth; a
message is a pointer to a row plus the dispatch id that makes older messages stale.

Two counters, meaning different things (docs/reliability.md):
- `retry_count` (the job row): the job's own failed attempts (Shopee errors, timeouts,
  bugs); at `max_retries` the job is failed. Interruptions (the database or SQS failing
  us, a busy shop, the Lambda's time running out) never count.
- SQS's `ApproximateReceiveCount` (the record, never stored): deliveries of the current
  message; at the queue's maxReceiveCount SQS moves it to the DLQ, so the worker
  settles a failure itself on the last receive.
(A third, the `attempt` column, only echoed the receive count and was read by nothing:
dropped in migration 0017.)
"""

import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from adsync.config import ATTRIBUTION_WINDOW_DAYS, ATTRIBUTION_WINDOW_DEFAULT, PRIORITIES
from adsync.errors import BadEventError

MAX_JOB_ID = 2**63 - 1  # the job table's bigint
MAX_DAYS_AGO = 180  # the oldest day a backfill may ask Shopee for
MAX_SHOP_IDS = 10_000  # shops one request may name


def _shown(value: object) -> str:
    """A value for an error message, cut short: a 1 MB field must not become a 1 MB
    error, log line and alarm."""
    text = repr(value)
    return text if len(text) <= 80 else f"{text[:77]}..."


def _is_int(value: object, allowed: range) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value in allowed


class SyncType(StrEnum):
    """The kinds of job the worker runs (names from the seed system)."""

    REALTIME = "realtime"  # today, every 15 minutes
    BACKFILL_DAY = "backfill_day"  # one past day (days_ago), all campaigns
    BACKFILL_FULL = "backfill_full"  # the last 7 days, for a new shop
    LOOKBACK = "lookback"  # days 1..days_ago + 1 back: late-attributed orders and GMV land


class JobStatus(StrEnum):
    """Where a job is in its life: pending, processing, then completed or failed."""

    PENDING = "pending"
    PROCESSING = "processing"
    COMPLETED = "completed"
    FAILED = "failed"


@dataclass(frozen=True, kw_only=True)
class Job:
    """A row of the job table, as the worker claims it."""

    id: int
    shop_id: int
    sync_type: str
    priority: int
    status: JobStatus
    retry_count: int
    max_retries: int
    scheduled_at: datetime
    dispatch_id: str
    days_ago: int | None = None
    target_day: date | None = None
    error_message: str | None = None
    lease_expires_at: datetime | None = None
    cursor: dict[str, Any] | None = None


@dataclass(frozen=True, kw_only=True)
class JobMessage:
    """The body of an SQS message: which row, and which dispatch of it."""

    job_id: int
    dispatch_id: str
    # Set when an interrupted run hands the job back: the leases it may have left on
    # the row (the one it held, or the one it tried to take and the one before). The
    # next claim may take over a row holding one of exactly these instead of waiting
    # for it to expire; every claim sets a new lease, so a duplicate cannot.
    abandoned_leases: tuple[datetime, ...] = ()

    def to_body(self) -> str:
        """The JSON body of the SQS message."""
        body: dict[str, Any] = {"job_id": self.job_id, "dispatch_id": self.dispatch_id}
        if self.abandoned_leases:
            body["abandoned_leases"] = [lease.isoformat() for lease in self.abandoned_leases]
        return json.dumps(body)

    @classmethod
    def from_body(cls, body: str) -> "JobMessage":
        """Parse a message body; BadEventError (with the body cut short) if it is not ours."""
        try:
            data = json.loads(body)
            job_id, dispatch_id = data["job_id"], data["dispatch_id"]
        except (TypeError, ValueError, KeyError) as exc:
            raise BadEventError(f"message body is not a job message: {_shown(body)}") from exc
        # Checked in full here: a value the job table cannot hold would fail in SQL on
        # every receive, in the worker and in dead_letter alike.
        if not _is_int(job_id, range(1, MAX_JOB_ID + 1)):
            raise BadEventError(f"job_id must be a positive bigint, got {_shown(job_id)}")
        try:
            canonical = str(uuid.UUID(dispatch_id)) if isinstance(dispatch_id, str) else None
        except ValueError:
            canonical = None
        if canonical is None:
            raise BadEventError(f"dispatch_id must be a UUID, got {_shown(dispatch_id)}")
        return cls(
            job_id=job_id,
            dispatch_id=canonical,
            abandoned_leases=_leases(data.get("abandoned_leases", [])),
        )


_MAX_LEASES = 2


def _leases(value: object) -> tuple[datetime, ...]:
    """`abandoned_leases`: up to two ISO 8601 instants with their offset."""
    if not isinstance(value, list) or len(value) > _MAX_LEASES:
        raise BadEventError(f"abandoned_leases must be a list of 0-2 times, got {_shown(value)}")
    leases = []
    for item in value:
        try:
            parsed = datetime.fromisoformat(item) if isinstance(item, str) else None
        except ValueError:
            parsed = None
        if parsed is None or parsed.tzinfo is None:
            raise BadEventError(
                f"a lease must be an ISO 8601 time with an offset, got {_shown(item)}"
            )
        leases.append(parsed)
    return tuple(leases)


@dataclass(frozen=True, kw_only=True)
class Dispatch:
    """A job row that must be (re)sent to the queue of its priority."""

    job_id: int
    shop_id: int
    priority: int
    dispatch_id: str

    @property
    def message(self) -> JobMessage:
        """The message that sends this dispatch."""
        return JobMessage(job_id=self.job_id, dispatch_id=self.dispatch_id)


@dataclass(frozen=True, kw_only=True)
class EnqueueRequest:
    """What one schedule tick (or an operator's "sync now") asks for: a sync type, a
    priority, its days, and optionally which shops (default: every eligible shop)."""

    sync_type: SyncType
    priority: int
    days_ago: int | None = None  # backfill_day: which day; lookback: how many days
    shop_ids: tuple[int, ...] | None = None
    # backfill_day over a range of shop-local days, one job per shop and day
    start_day: date | None = None
    end_day: date | None = None

    @property
    def days(self) -> list[date]:
        """The range's days, oldest first (empty without a range)."""
        if self.start_day is None or self.end_day is None:
            return []
        span = (self.end_day - self.start_day).days
        return [date.fromordinal(self.start_day.toordinal() + n) for n in range(span + 1)]

    @classmethod
    def from_event(
        cls, event: Mapping[str, Any], *, default_window_days: int = ATTRIBUTION_WINDOW_DEFAULT
    ) -> "EnqueueRequest":
        """Parse a Scheduler `Input`; raise BadEventError saying what is wrong. A lookback
        without `window_days` re-syncs `default_window_days` (ATTRIBUTION_WINDOW_DAYS)."""
        if not isinstance(event, Mapping):
            raise BadEventError("enqueue event must be a JSON object")
        raw_type = event.get("sync_type")
        priority = event.get("priority", 1)
        if not _is_int(priority, range(min(PRIORITIES), max(PRIORITIES) + 1)):
            raise BadEventError(f"priority must be one of {PRIORITIES}, got {_shown(priority)}")
        shop_ids = _shop_ids(event.get("shop_ids"))
        if "start_day" in event or "end_day" in event:
            if raw_type not in (None, SyncType.BACKFILL_DAY) or "days_ago" in event:
                raise BadEventError("start_day/end_day go with sync_type backfill_day only")
            start = _day(event.get("start_day"), "start_day")
            end = _day(event.get("end_day", event.get("start_day")), "end_day")
            if end < start or (end - start).days > MAX_DAYS_AGO:
                raise BadEventError(
                    f"end_day must be on or after start_day, at most {MAX_DAYS_AGO} days later"
                )
            return cls(
                sync_type=SyncType.BACKFILL_DAY,
                priority=priority,
                shop_ids=shop_ids,
                start_day=start,
                end_day=end,
            )
        request = cls._of_type(event, raw_type, priority, default_window_days)
        return cls(
            sync_type=request.sync_type,
            priority=priority,
            days_ago=request.days_ago,
            shop_ids=shop_ids,
        )

    @classmethod
    def _of_type(
        cls, event: Mapping[str, Any], raw_type: object, priority: int, default_window_days: int
    ) -> "EnqueueRequest":
        if raw_type == SyncType.LOOKBACK:
            window = event.get("window_days", default_window_days)
            allowed = ATTRIBUTION_WINDOW_DAYS
            if not _is_int(window, allowed):
                raise BadEventError(
                    f"window_days must be {allowed.start}..{allowed.stop - 1}, got {_shown(window)}"
                )
            return cls(sync_type=SyncType.LOOKBACK, priority=priority, days_ago=window)
        try:
            sync_type = SyncType(str(raw_type))
        except ValueError:
            known = ", ".join(t.value for t in SyncType)
            raise BadEventError(
                f"unknown sync_type {_shown(raw_type)}; expected one of {known}"
            ) from None
        if sync_type is SyncType.BACKFILL_DAY:
            days_ago = event.get("days_ago", 1)
            if not _is_int(days_ago, range(MAX_DAYS_AGO + 1)):
                raise BadEventError(f"days_ago must be 0..{MAX_DAYS_AGO}, got {_shown(days_ago)}")
            return cls(sync_type=sync_type, priority=priority, days_ago=days_ago)
        return cls(sync_type=sync_type, priority=priority)


def _shop_ids(value: object) -> tuple[int, ...] | None:
    """None (every eligible shop) or a non-empty list of shop ids, deduplicated."""
    if value is None:
        return None
    if (
        not isinstance(value, list)
        or not 0 < len(value) <= MAX_SHOP_IDS
        or not all(_is_int(v, range(1, MAX_JOB_ID + 1)) for v in value)
    ):
        raise BadEventError(
            f"shop_ids must be a list of 1..{MAX_SHOP_IDS} positive integers, got {_shown(value)}"
        )
    return tuple(dict.fromkeys(value))


def _day(value: object, name: str) -> date:
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise BadEventError(f"{name} must be a date YYYY-MM-DD, got {_shown(value)}")
