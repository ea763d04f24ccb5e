"""What operators read and steer (`queries/admin.sql`): fleet counts, freshness, the
request budgets, job listings, the redrive and the stuck-job reset, shop pause/resume.

Returns frozen dataclasses; takes every time from the caller; never selects a token.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from adsync.db.connection import Database, Row
from adsync.db.sql import query
from adsync.jobs import Dispatch

_SQL = "admin.sql"


@dataclass(frozen=True, kw_only=True)
class JobCount:
    """How many jobs have one status and sync type."""

    status: str
    sync_type: str
    count: int


@dataclass(frozen=True, kw_only=True)
class WaitingJobs:
    """Due pending jobs of one priority: sent (in the queue) and unsent (for reconcile)."""

    priority: int
    sent: int
    unsent: int
    oldest_since: datetime | None


@dataclass(frozen=True, kw_only=True)
class StuckJob:
    """A processing job whose lease has run out (its Lambda died)."""

    id: int
    shop_id: int
    sync_type: str
    priority: int
    started_at: datetime | None
    lease_expires_at: datetime | None
    retry_count: int


@dataclass(frozen=True, kw_only=True)
class FreshnessStats:
    """Seconds since each active shop's last successful sync (never synced: since added)."""

    shops: int
    never_synced: int
    daily_from_hours: int  # today's daily rows derived: Shopee agreed at the last check
    daily_disagreed: int  # asked every cycle: Shopee's rows differed from their hours
    p50_seconds: float | None
    p95_seconds: float | None
    max_seconds: float | None


@dataclass(frozen=True, kw_only=True)
class ShopSync:
    """When a shop was last synced, for the stalest-shops list."""

    shop_id: int
    region: str
    shop_name: str | None
    last_synced_at: datetime | None
    since: datetime  # last_synced_at, or when the shop was added


@dataclass(frozen=True, kw_only=True)
class BudgetView:
    """A request budget's bucket as the operator sees it."""

    name: str
    rate_per_second: float
    burst: float
    next_slot_at: datetime
    paused_until: datetime | None
    strikes: int  # Shopee throttled the whole app this many times in a row
    last_pause_at: datetime | None


@dataclass(frozen=True, kw_only=True)
class JobProgress:
    """Where a job is (its cursor) or what it took (its stats when completed)."""

    phase: str | None
    start_day: str | None
    end_day: str | None
    steps: int
    calls: int
    rows: int
    runs: int


@dataclass(frozen=True, kw_only=True)
class JobView:
    """One job row as the operator console lists it."""

    id: int
    shop_id: int
    sync_type: str
    priority: int
    status: str
    retry_count: int
    max_retries: int
    days_ago: int | None
    target_day: date | None
    scheduled_at: datetime
    created_at: datetime
    started_at: datetime | None
    completed_at: datetime | None
    dispatched_at: datetime | None
    lease_expires_at: datetime | None
    error_message: str | None
    progress: JobProgress | None


@dataclass(frozen=True, kw_only=True)
class Redrive:
    """What retrying failed jobs selected, and the dispatches to send."""

    matched: int  # failed jobs the filters selected
    dispatches: tuple[Dispatch, ...]  # the ones now pending again, to send


def _progress(cursor: dict[str, Any] | None, stats: dict[str, Any] | None) -> JobProgress | None:
    source = stats or cursor  # stats: the job completed
    if not source:
        return None
    return JobProgress(
        phase="done" if stats else source.get("phase"),
        start_day=source.get("start_day"),
        end_day=source.get("end_day"),
        steps=int(source.get("steps", 0)),
        calls=int(source.get("calls", 0)),
        rows=int(source.get("rows", 0)),
        runs=int(source.get("runs", 0)),
    )


def _job_view(row: Row) -> JobView:
    fields = {k: v for k, v in row.items() if k not in ("cursor", "stats")}
    return JobView(**fields, progress=_progress(row["cursor"], row["stats"]))


def _budget(row: Row) -> BudgetView:
    return BudgetView(**row)


def _dispatch(row: Row) -> Dispatch:
    return Dispatch(
        job_id=row["job_id"],
        shop_id=row["shop_id"],
        priority=row["priority"],
        dispatch_id=row["dispatch_id"],
    )


class AdminStore:
    """The operator console's reads and repairs of the job, shop and budget tables."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def tables_exist(self) -> bool:
        """True when the migrations have created our tables."""
        row = self._db.one(query(_SQL, "tables_exist"))
        return bool(row and row["ready"])

    def jobs_by_status_and_type(self) -> list[JobCount]:
        """Job counts by status and sync type."""
        return [JobCount(**r) for r in self._db.run(query(_SQL, "jobs_by_status_and_type"))]

    def waiting_by_priority(self, *, now: datetime) -> dict[int, WaitingJobs]:
        """The pending jobs of each priority: how many, and the oldest due."""
        rows = self._db.run(query(_SQL, "waiting_by_priority"), now=now)
        return {r["priority"]: WaitingJobs(**r) for r in rows}

    def stuck_jobs(self, *, now: datetime, limit: int) -> tuple[int, list[StuckJob]]:
        """How many jobs hold a lease that ended before `now`, and the first `limit` of them."""
        rows = self._db.run(query(_SQL, "stuck_jobs"), now=now, limit=limit)
        total = int(rows[0]["total"]) if rows else 0
        return total, [StuckJob(**{k: v for k, v in r.items() if k != "total"}) for r in rows]

    def freshness(self, *, now: datetime) -> FreshnessStats:
        """How long ago the active shops were synced (counts and percentiles)."""
        row = self._db.one(query(_SQL, "freshness"), now=now) or {}
        return FreshnessStats(
            shops=int(row.get("shops") or 0),
            never_synced=int(row.get("never_synced") or 0),
            daily_from_hours=int(row.get("daily_from_hours") or 0),
            daily_disagreed=int(row.get("daily_disagreed") or 0),
            p50_seconds=row.get("p50"),
            p95_seconds=row.get("p95"),
            max_seconds=row.get("max"),
        )

    def freshness_histogram(self, *, now: datetime, bounds: Sequence[float]) -> dict[int, int]:
        """Shops per bucket: 0 below bounds[0], n in [bounds[n-1], bounds[n]) (n > 0)."""
        rows = self._db.run(query(_SQL, "freshness_histogram"), now=now, bounds=list(bounds))
        return {int(r["bucket"]): int(r["count"]) for r in rows}

    def stalest_shops(self, *, limit: int) -> list[ShopSync]:
        """The `limit` active shops synced longest ago (never synced first)."""
        rows = self._db.run(query(_SQL, "stalest_shops"), limit=limit)
        return [
            ShopSync(
                shop_id=r["shop_id"],
                region=r["region"],
                shop_name=r["shop_name"],
                last_synced_at=r["last_synced_at"],
                since=r["last_synced_at"] or r["created_at"],
            )
            for r in rows
        ]

    def budgets(self) -> list[BudgetView]:
        """Every request budget's bucket."""
        return [_budget(r) for r in self._db.run(query(_SQL, "budgets"))]

    def set_budget_pause(
        self, *, name: str, paused_until: datetime | None, now: datetime
    ) -> BudgetView | None:
        """Pause a budget until `paused_until` (None resumes it); None if no such budget."""
        row = self._db.one(
            query(_SQL, "set_budget_pause"), name=name, paused_until=paused_until, now=now
        )
        return _budget(row) if row else None

    def list_jobs(
        self,
        *,
        limit: int,
        status: str | None = None,
        shop_id: int | None = None,
        sync_type: str | None = None,
        since: datetime | None = None,
        job_id: int | None = None,
    ) -> list[JobView]:
        """The newest `limit` jobs matching the filters (all optional)."""
        rows = self._db.run(
            query(_SQL, "list_jobs"),
            status=status,
            shop_id=shop_id,
            sync_type=sync_type,
            since=since,
            job_id=job_id,
            limit=limit,
        )
        return [_job_view(r) for r in rows]

    def retry_failed(
        self,
        *,
        now: datetime,
        job_ids: Sequence[int] | None = None,
        shop_id: int | None = None,
        error: str | None = None,
        since: datetime | None = None,
    ) -> Redrive:
        """Make the failed jobs the filters select pending again, each with a new dispatch id."""
        rows = self._db.run(
            query(_SQL, "retry_failed"),
            now=now,
            job_ids=list(job_ids) if job_ids else None,
            shop_id=shop_id,
            error=error,
            since=since,
        )
        matched = int(rows[0]["matched"]) if rows else 0
        return Redrive(
            matched=matched,
            dispatches=tuple(_dispatch(r) for r in rows if r["job_id"] is not None),
        )

    def reset_stuck(
        self, *, now: datetime, lease_dead_before: datetime, shop_id: int | None = None
    ) -> list[Dispatch]:
        """Requeue processing jobs whose lease ended before `lease_dead_before` (no attempt
        counted)."""
        rows = self._db.run(
            query(_SQL, "reset_stuck"),
            now=now,
            lease_dead_before=lease_dead_before,
            shop_id=shop_id,
        )
        return [_dispatch(r) for r in rows]

    def set_shop_status(
        self, *, shop_id: int, status: str, from_status: str, reason: str | None, now: datetime
    ) -> bool:
        """Move a shop from `from_status` to `status`; False if it was not in `from_status`."""
        row = self._db.one(
            query(_SQL, "set_shop_status"),
            shop_id=shop_id,
            status=status,
            from_status=from_status,
            reason=reason,
            now=now,
        )
        return row is not None

    def shop_status(self, shop_id: int) -> str | None:
        """The shop's status, None for an unknown shop."""
        row = self._db.one(query(_SQL, "shop_status"), shop_id=shop_id)
        return str(row["status"]) if row else None
