"""Claiming the worker's jobs: a batch's records in one statement, at the batch's start.

The worker Lambda receives up to 10 records. `claim_batch` claims all of their jobs in
one statement (JobStore.claim: each job's guards, its shop's row, and the call slots
its first calls need), so a job costs its share of that round trip and its commit.
What the batch statement leaves out is claimed alone when its record runs
(`claim_alone`, the single-record path): a job whose shop is busy (another job of it
processing, or a second job of one shop in the batch: backfill_day makes one per day)
and a job that is not claimable (a stale, early, duplicate or unknown message), which
the worker then defers or drops exactly as for a record claimed alone. When the
one-running-job-per-shop index refuses the batch statement (another container claimed
a job of one of its shops meanwhile), every record is claimed alone; when the database
fails it, every record is interrupted (no attempt counted).

Call slots come from the budget of each claimed shop's own partner app, among the
budgets this container has built (PartnerApis.budgets): an app the container has not
built yet gets none with the claim (its first call reserves its own), and the default
app's budget is never spent on another app's shop. The slots reserved go to that app's
RateBudget, whose next calls take them. (Should a budget be rebuilt for a fresh key
between the claim and the sync, at most once per app every KEY_MAX_AGE, its slots go
unused: they were reserved, never over-spent.)

Leases start at the claim. A record claimed with its batch may wait for a pool thread
(the pool has fewer threads than a batch has records), but no longer than the
invocation lasts: the batch is claimed together only when the lease (JOB_LEASE_SECONDS,
900 s by default) outlasts what is left of the invocation (the worker's timeout is
300 s), so no lease can end before its record has run. Otherwise each record is claimed
when its thread takes it, with a lease from then.

Must not: run a job or send a message (the worker decides each record's fate).
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from adsync.db.budget_store import Reservation
from adsync.db.job_store import Claim, ClaimRequest, Claims, SlotOffer
from adsync.errors import DatabaseError, ShopBusyError
from adsync.jobs import JobMessage
from adsync.observability import logger
from adsync.services.budget import MAX_BLOCK, RateBudget
from adsync.services.deadline import Deadline
from adsync.services.dependencies import Dependencies


@dataclass(frozen=True, kw_only=True)
class Claimed:
    """The batch statement claimed the record's job: it runs under this lease."""

    claim: Claim
    lease_expires_at: datetime


@dataclass(frozen=True, kw_only=True)
class ClaimFailed:
    """The database failed the batch statement: the record is interrupted. The statement
    may have committed before its reply was lost, leaving `lease_expires_at` on the row."""

    error: DatabaseError
    lease_expires_at: datetime


# What the batch statement says of one record; None: claim it alone when it runs.
Ahead = Claimed | ClaimFailed | None


def lease_expiry(deps: Dependencies, now: datetime) -> datetime:
    """When a lease taken at `now` ends."""
    return now + deps.settings.lease_duration


def claim_batch(
    messages: Sequence[JobMessage | None], deps: Dependencies, deadline: Deadline
) -> list[Ahead]:
    """Claim the jobs of a batch's messages (None: a malformed body) in one statement;
    for each message, what its record should do with that."""
    alone: list[Ahead] = [None] * len(messages)
    wanted = [(n, m) for n, m in enumerate(messages) if m is not None]
    remaining = timedelta(milliseconds=deadline.remaining_ms())
    if len(wanted) < 2 or deps.settings.lease_duration <= remaining:
        return alone  # one record, or leases too short to start before the records do
    now = deps.clock()
    lease_expires_at = lease_expiry(deps, now)
    try:
        claims = _claim(deps, [m for _, m in wanted], now=now, lease_expires_at=lease_expires_at)
    except ShopBusyError:
        logger.info("a shop of the batch started a job meanwhile; records claimed alone")
        return alone
    except DatabaseError as exc:
        if not exc.transient:
            logger.warning("the batch's claim failed; records claimed alone", error=str(exc))
            return alone  # each record meets it on its own, as it would have
        failed = ClaimFailed(error=exc, lease_expires_at=lease_expires_at)
        return [failed if m is not None else None for m in messages]
    ahead = list(alone)
    for position, claim in claims.claimed.items():
        ahead[wanted[position][0]] = Claimed(claim=claim, lease_expires_at=lease_expires_at)
    return ahead


def claim_alone(
    message: JobMessage, deps: Dependencies, *, now: datetime, lease_expires_at: datetime
) -> Claim | None:
    """Claim one message's job; None if it is not claimable (stale, early, duplicate,
    unknown). Raises ShopBusyError when another job of its shop is processing."""
    claims = _claim(deps, [message], now=now, lease_expires_at=lease_expires_at)
    if claims.busy:
        raise ShopBusyError(f"job {message.job_id}: another job of its shop is running")
    return claims.claimed.get(0)


def _claim(
    deps: Dependencies,
    messages: Sequence[JobMessage],
    *,
    now: datetime,
    lease_expires_at: datetime,
) -> Claims:
    budgets = deps.partner_apis.budgets()
    claims = deps.jobs.claim(
        [
            ClaimRequest(
                job_id=m.job_id, dispatch_id=m.dispatch_id, abandoned_leases=m.abandoned_leases
            )
            for m in messages
        ],
        now=now,
        lease_expires_at=lease_expires_at,
        offers=[
            SlotOffer(
                partner_id=partner_id,
                budget=budget.name,
                slots_per_job=budget.slots_to_claim(),
                max_slots=MAX_BLOCK,
                max_wait=budget.max_wait,
            )
            for partner_id, budget in budgets.items()
        ],
        default_partner_id=deps.default_partner_id,
    )
    _hand_out(claims.slots, budgets.values())
    return claims


def _hand_out(slots: Mapping[str, Reservation], budgets: Iterable[RateBudget]) -> None:
    """The slots reserved with the claim join the container's RateBudget of their app."""
    by_name = {b.name: b for b in budgets}
    for name, reservation in slots.items():
        by_name[name].add(reservation)
