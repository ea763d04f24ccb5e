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
    """A claimed job and its shop's row as the claim read it (None: the row is gone)."""

    job: Job
    shop: Shop | None


@dataclass(frozen=True, kw_only=True)
class ClaimRequest:
    """One message's job to claim, as the message names it."""

    job_id: int
    dispatch_id: str
    abandoned_leases: tuple[datetime, ...] = ()


@dataclass(frozen=True, kw_only=True)
class SlotOffer:
    """A request budget the claim may reserve call slots of, for the claimed jobs of one
    partner app: `slots_per_job` each, at most `max_slots`, none beyond `max_wait`."""

    partner_id: int
    budget: str
    slots_per_job: int
    max_slots: int
    max_wait: timedelta


@dataclass(frozen=True, kw_only=True)
class Claims:
    """What one claim statement did with each request (by its position in the list)."""

    claimed: dict[int, Claim]
    # Claimable, but its shop had another job processing or one claimed ahead of it.
    busy: frozenset[int]
    slots: dict[str, Reservation]  # by budget name: the slots reserved with the claims


def _claims(rows: Sequence[Row]) -> Claims:
    claimed: dict[int, Claim] = {}
    busy: set[int] = set()
    slots: dict[str, Reservation] = {}
    for row in rows:
        position = row["position"] - 1  # SQL counts from 1
        if row["id"] is None:
            if row["claimable"]:
                busy.add(position)
            continue
        shop = None
        if row["shop_shop_id"] is not None:
            prefix = "shop_"
            shop = shop_with_tokens(
                {k.removeprefix(prefix): v for k, v in row.items() if k.startswith(prefix)}
            )
        claimed[position] = Claim(job=_job(row), shop=shop)
        if row["slot_budget"] is not None:
            slots[row["slot_budget"]] = Reservation(
                reserved=row["slot_reserved"],
                slot=row["slot_slot"],
                count=row["slot_count"],
                first_slot=row["slot_first_slot"],
            )
    return Claims(claimed=claimed, busy=frozenset(busy), slots=slots)


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
        requests: Sequence[ClaimRequest],
        *,
        now: datetime,
        lease_expires_at: datetime,
        offers: Sequence[SlotOffer] = (),
        default_partner_id: int | None = None,
    ) -> Claims:
        """In one statement: move each request's job to processing when it is due and
        pending (or under an expired or abandoned lease), at most one job per shop and
        none of a shop already running one; read each claimed job's shop; and reserve
        call slots of the offered budgets for the claimed jobs of each partner (a shop
        naming no partner is of `default_partner_id`).

        Raises ShopBusyError when a job of a claimed shop started meanwhile elsewhere
        (the one-running-job-per-shop index refused the whole statement).
        """
        abandoned = [(lease, n + 1) for n, r in enumerate(requests) for lease in r.abandoned_leases]
        try:
            rows = self._db.run(
                query(_SQL, "claim_jobs"),
                job_ids=[r.job_id for r in requests],
                dispatch_ids=[r.dispatch_id for r in requests],
                abandoned_leases=[lease for lease, _ in abandoned],
                abandoned_positions=[position for _, position in abandoned],
                now=now,
                lease_expires_at=lease_expires_at,
                budget_partner_ids=[o.partner_id for o in offers],
                budget_names=[o.budget for o in offers],
                budget_slots=[o.slots_per_job for o in offers],
                budget_max_slots=[o.max_slots for o in offers],
                budget_max_waits=[o.max_wait.total_seconds() for o in offers],
                default_partner_id=default_partner_id,
            )
        except DatabaseError as exc:
            if exc.sqlstate == _UNIQUE_VIOLATION:
                jobs = ", ".join(str(r.job_id) for r in requests)
                raise ShopBusyError(f"jobs {jobs}: another job of their shop is running") from exc
            raise
        return _claims(rows)

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
