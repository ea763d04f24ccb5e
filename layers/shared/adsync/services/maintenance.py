"""Maintenance passes, each a `run_once`-style function taking its time from deps.clock.

- reconcile (every minute): re-send jobs that have no live message, and report data
  freshness (the age of the stalest shop's last successful sync) and how many shops'
  authorizations end within the warning window (services/authorization.py).
- cleanup (02:00 local): delete completed/failed jobs older than the retention.
Both are safe when two run at once (row locks with SKIP LOCKED; DELETE is idempotent).
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from adsync.errors import BadEventError
from adsync.observability import count, logger, metrics
from adsync.services import authorization
from adsync.services.dependencies import Dependencies

TASKS = ("reconcile", "cleanup")
# A message sent this long ago without the job moving is presumed lost (SQS keeps a
# message 4 days by default; retries and deferrals re-send well within this).
LOST_AFTER = timedelta(hours=6)
# A lease outlives the worker timeout, so a lease expired a minute ago means a dead Lambda.
LEASE_DEAD_AFTER = timedelta(minutes=1)
REDISPATCH_LIMIT = 5000


@dataclass(frozen=True, kw_only=True)
class ReconcileResult:
    """What one reconcile pass did."""

    redispatched: int
    send_failed: int
    oldest_sync_age_seconds: float | None
    expiring_authorizations: int = 0


@dataclass(frozen=True, kw_only=True)
class CleanupResult:
    """What one cleanup pass deleted."""

    deleted: int


def parse_task(event: Mapping[str, Any]) -> str:
    """The task a maintenance event names; BadEventError if unknown."""
    task = event.get("task") if isinstance(event, Mapping) else None
    if task not in TASKS:
        raise BadEventError(f"unknown maintenance task {task!r}; expected one of {TASKS}")
    return str(task)


def reconcile(deps: Dependencies) -> ReconcileResult:
    """One pass: send again the jobs whose message was lost or whose lease ended, fail those out of
    attempts, and emit the oldest shop sync's age."""
    now = deps.clock()
    dispatches, dead = deps.jobs.take_for_redispatch(
        now=now,
        lost_before=now - LOST_AFTER,
        lease_dead_before=now - LEASE_DEAD_AFTER,
        limit=REDISPATCH_LIMIT,
    )
    outcome = deps.queue.send(dispatches)
    deps.jobs.mark_undispatched(job_ids=[job_id for job_id, _ in outcome.failed], now=now)
    oldest = deps.shops.oldest_sync()
    age = (now - oldest).total_seconds() if oldest else None
    count("JobsReconciled", len(outcome.sent))
    count("JobsFailed", dead)
    if dead:
        logger.error("jobs failed: their worker died on every attempt", jobs=dead)
    # Emitted on every pass (0 with no active shop): the freshness alarm treats a
    # missing datapoint as breaching.
    metrics.add_metric(name="OldestShopSyncAgeSeconds", unit="Seconds", value=age or 0.0)
    expiring = authorization.expiring(deps, now)
    # A gauge, every pass (0 included): the alarm fires while any shop is in the window.
    metrics.add_metric(name="ShopsAuthorizationExpiring", unit="Count", value=len(expiring))
    if dispatches:
        logger.info("reconciled", redispatched=len(outcome.sent), send_failed=len(outcome.failed))
    return ReconcileResult(
        redispatched=len(outcome.sent),
        send_failed=len(outcome.failed),
        oldest_sync_age_seconds=age,
        expiring_authorizations=len(expiring),
    )


def cleanup(deps: Dependencies) -> CleanupResult:
    """Delete finished jobs older than the retention (seed: 7 days)."""
    cutoff = deps.clock() - deps.settings.job_retention
    deleted = deps.jobs.delete_finished_before(cutoff)
    count("JobsCleanedUp", deleted)
    logger.info("cleanup done", deleted=deleted, cutoff=cutoff.isoformat())
    return CleanupResult(deleted=deleted)


def run_task(task: str, deps: Dependencies) -> dict[str, Any]:
    """Run the maintenance task `task`; the handler's reply."""
    if task == "reconcile":
        result = reconcile(deps)
        return {
            "task": task,
            "redispatched": result.redispatched,
            "send_failed": result.send_failed,
            "oldest_sync_age_seconds": result.oldest_sync_age_seconds,
            "expiring_authorizations": result.expiring_authorizations,
        }
    return {"task": task, "deleted": cleanup(deps).deleted}
