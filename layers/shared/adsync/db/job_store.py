"""The job table (`apishopee_ads_sync_queue`): one method per state transition.

Every transition is a guarded UPDATE, so a stale or duplicated message can never move
a row the wrong way. Takes `now` from the caller; never reads the clock.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from adsync.db.budget_store import Reservation
from adsync.db.connection import Database, Row
from adsync.db.params import Json
from adsync.db.shop_store import shop_with_tokens
from adsync.db.sql import query
from adsync.errors import DatabaseError, ShopBusyError
from adsync.jobs import Dispatch, Job, JobStatus
from adsync.shops import Shop

_SQL = "jobs.sql"
_MAX_ERROR_CHARS = 2000
_UNIQUE_VIOLATION = "23505"


def _job(row: Row) -> Job:
    return Job(
        id=row["id"],
        shop_id=row["shop_id"],
        sync_type=row["sync_type"],
        priority=row["priority"],
        status=JobStatus(row["status"]),
        retry_count=row["retry_count"],
        max_retries=row["max_retries"],
        scheduled_at=row["scheduled_at"],
        dispatch_id=row["dispatch_id"],
        days_ago=row["days_ago"],
        target_day=row["target_day"],
        error_message=row["error_message"],
        lease_expires_at=row["lease_expires_at"],
        cursor=row["cursor"],
    )


@dataclass(frozen=True, kw_only=True)
class Claim:
    """A claimed job, its shop's row as the claim read it (None: the row is gone), and the
    budget slots it reserved (None: none asked, or no such budget)."""

    job: Job
    shop: Shop | None
    slots: Reservation | None = None


def _claim(row: Row) -> Claim:
    shop = None
    if row["shop_shop_id"] is not None:
        prefix = "shop_"
        shop = shop_with_tokens(
            {k.removeprefix(prefix): v for k, v in row.items() if k.startswith(prefix)}
        )
    slots = None
    if row["slot_reserved"] is not None:
        slots = Reservation(
            reserved=row["slot_reserved"],
            slot=row["slot_slot"],
            count=row["slot_count"],
            first_slot=row["slot_first_slot"],
        )
    return Claim(job=_job(row), shop=shop, slots=slots)


class JobStore:
    """The job table (apishopee_ads_sync_queue): one method per operation."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def insert_jobs(
        self,
        *,
        sync_type: str,
        priority: int,
        shop_ids: Sequence[int],
        days_ago: Sequence[int | None],
        target_days: Sequence[date | None],
        now: datetime,
    ) -> list[Dispatch]:
        """Insert one job per shop unless it already has a live one; return the new rows,
        in the order of `shop_ids` (the order they should be sent in)."""
        if not shop_ids:
            return []
        rows = self._db.run(
            query(_SQL, "insert_jobs"),
            sync_type=sync_type,
            priority=priority,
            shop_ids=list(shop_ids),
            days_ago=list(days_ago),
            target_days=list(target_days),
            now=now,
        )
        position = {shop_id: n for n, shop_id in enumerate(shop_ids)}
        return sorted((Dispatch(**row) for row in rows), key=lambda d: position[d.shop_id])

    def mark_dispatched(self, *, job_ids: Sequence[int], now: datetime) -> None:
        """Record that these jobs' messages were sent (at their current priority)."""
        if job_ids:
            self._db.run(query(_SQL, "mark_dispatched"), job_ids=list(job_ids), now=now)

    def claim(
        self,
        *,
        job_id: int,
        dispatch_id: str,
        now: datetime,
        lease_expires_at: datetime,
        abandoned_leases: Sequence[datetime] = (),
        budget: str | None = None,
        slots: int = 0,
        max_wait: timedelta = timedelta(0),
    ) -> Claim | None:
        """Move a due pending job (or an expired or abandoned lease) to processing, and
        in the same statement read its shop and reserve `slots` call slots of the request
        budget named `budget` (within `max_wait`); None if not claimable.

        Raises ShopBusyError when another job of the same shop is processing.
        """
        try:
            row = self._db.one(
                query(_SQL, "claim_job"),
                job_id=job_id,
                dispatch_id=dispatch_id,
                now=now,
                lease_expires_at=lease_expires_at,
                abandoned_leases=list(abandoned_leases),
                budget_name=budget or "",
                slots=slots if budget else 0,
                max_wait_seconds=max_wait.total_seconds(),
            )
        except DatabaseError as exc:
            if exc.sqlstate == _UNIQUE_VIOLATION:
                raise ShopBusyError(f"job {job_id}: another job of its shop is running") from exc
            raise
        return _claim(row) if row else None

    def get(self, job_id: int) -> Job | None:
        """The job row `job_id`, None if it is gone."""
        row = self._db.one(query(_SQL, "get_job"), job_id=job_id)
        return _job(row) if row else None

    def complete(
        self, *, job_id: int, dispatch_id: str, now: datetime, stats: dict[str, Any]
    ) -> bool:
        """Mark a processing job completed with its stats; False if its dispatch is stale."""
        row = self._db.one(
            query(_SQL, "complete_job"),
            job_id=job_id,
            dispatch_id=dispatch_id,
            now=now,
            stats=Json(stats),
        )
        return row is not None

    def save_cursor(
        self, *, job_id: int, dispatch_id: str, cursor: dict[str, Any], now: datetime
    ) -> bool:
        """Record a finished step; False when the job is no longer ours."""
        row = self._db.one(
            query(_SQL, "save_cursor"),
            job_id=job_id,
            dispatch_id=dispatch_id,
            cursor=Json(cursor),
            now=now,
        )
        return row is not None

    def record_failure(
        self, *, job_id: int, dispatch_id: str, error: str, final: bool, now: datetime
    ) -> Job | None:
        """Count a failed attempt; the returned job says whether it is failed for good."""
        row = self._db.one(
            query(_SQL, "record_failure"),
            job_id=job_id,
            dispatch_id=dispatch_id,
            error_message=error[:_MAX_ERROR_CHARS],
            final=final,
            now=now,
        )
        return _job(row) if row else None

    def release(
        self, *, job_id: int, dispatch_id: str, scheduled_at: datetime, now: datetime
    ) -> bool:
        """Put a processing job back to pending until `scheduled_at` (a deferral)."""
        row = self._db.one(
            query(_SQL, "release_job"),
            job_id=job_id,
            dispatch_id=dispatch_id,
            scheduled_at=scheduled_at,
            now=now,
        )
        return row is not None

    def abandon(
        self,
        *,
        job_id: int,
        dispatch_id: str,
        abandoned_leases: Sequence[datetime],
        scheduled_at: datetime,
        now: datetime,
    ) -> bool:
        """Hand a job still ours back to the reconciler (pending, no live message)."""
        row = self._db.one(
            query(_SQL, "abandon_job"),
            job_id=job_id,
            dispatch_id=dispatch_id,
            abandoned_leases=list(abandoned_leases),
            scheduled_at=scheduled_at,
            now=now,
        )
        return row is not None

    def mark_dead_lettered(
        self, *, job_id: int, dispatch_id: str, error: str, now: datetime
    ) -> bool:
        """Fail a live job whose message ran out of receives; False if already final or stale."""
        row = self._db.one(
            query(_SQL, "mark_dead_lettered"),
            job_id=job_id,
            dispatch_id=dispatch_id,
            error_message=error[:_MAX_ERROR_CHARS],
            now=now,
        )
        return row is not None

    def take_for_redispatch(
        self,
        *,
        now: datetime,
        lost_before: datetime,
        lease_dead_before: datetime,
        limit: int,
    ) -> tuple[list[Dispatch], int]:
        """Give jobs without a live message a new dispatch; the caller sends them.

        Also returns how many dead-lease jobs ran out of attempts and are now failed.
        """
        rows = self._db.run(
            query(_SQL, "take_for_redispatch"),
            now=now,
            lost_before=lost_before,
            lease_dead_before=lease_dead_before,
            limit=limit,
        )
        dispatches = [
            Dispatch(**{k: v for k, v in row.items() if k != "status"})
            for row in rows
            if row["status"] == "pending"
        ]
        return dispatches, sum(1 for row in rows if row["status"] == "failed")

    def mark_undispatched(self, *, job_ids: Sequence[int], now: datetime) -> None:
        """A send failed: the next reconcile pass tries these again."""
        if job_ids:
            self._db.run(query(_SQL, "mark_undispatched"), job_ids=list(job_ids), now=now)

    def requeue_orphans(self, *, now: datetime) -> int:
        """Local runtime only, at start: live jobs whose runs and messages died with the
        previous process go back to pending, unsent (the reconciler sends them)."""
        return len(self._db.run(query(_SQL, "requeue_orphans"), now=now))

    def delete_finished_before(self, cutoff: datetime) -> int:
        """Delete the completed and failed jobs created before `cutoff`; returns how many."""
        row = self._db.one(query(_SQL, "delete_finished_before"), cutoff=cutoff)
        return int(row["deleted"]) if row else 0

    def count_by_status(self) -> dict[str, int]:
        """How many jobs have each status."""
        return {r["status"]: int(r["count"]) for r in self._db.run(query(_SQL, "count_by_status"))}
