"""Worker: one SQS record = one claim, one sync, one outcome.

A batch's records are claimed together in one statement at its start (adsync.services.
claims); a record that statement left out (its shop busy, its job not claimable) is
claimed alone when it runs, and its outcome is decided as for any record.

Outcomes of a record (the message's fate in brackets):
- completed: data committed and the job completed [deleted];
- dropped: duplicate, stale or unknown job [deleted, nothing changed];
- continued: the Lambda's time ran low between steps; the cursor is saved, no attempt
  counted [deleted, a fresh message sent at once];
- deferred: not due yet, another run holds the lease, or Shopee throttled us; no
  attempt counted [deleted, a fresh delayed message sent];
- retrying: a real failure with attempts left; retry_count + 1 [kept invisible for the
  retry delay and listed in batchItemFailures; re-sent delayed instead when the
  queue's receive budget is spent];
- failed: no attempts left, or retrying cannot help (shop not authorized) [deleted,
  or left to fall into the DLQ when its receives are spent; dead_letter confirms it];
- interrupted: the database or SQS failed us (a restart, a failover, a lost
  connection), not the job; no attempt counted [deleted, a fresh message sent with a
  short delay naming the lease this run may have left, so the next run takes the job
  over at once; if SQS refuses that send, the row is handed to the reconciler; only
  when both refuse is the record listed in batchItemFailures].
A malformed message is listed as failed so that it ends in the DLQ, never lost.
"""

import random
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from enum import StrEnum
from math import ceil
from typing import Any, NoReturn

from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from adsync.db.job_store import Claim
from adsync.errors import (
    AdsSyncError,
    BadEventError,
    DatabaseError,
    LeaseLostError,
    QueueError,
    ShopBusyError,
    ShopNotReadyError,
)
from adsync.jobs import Job, JobMessage, JobStatus
from adsync.observability import count, logger, milliseconds
from adsync.services.batch import parse_records, run_records
from adsync.services.budget import LOCAL_BUDGET
from adsync.services.claims import Ahead, ClaimFailed, claim_alone, claim_batch, lease_expiry
from adsync.services.deadline import Deadline
from adsync.services.dependencies import Dependencies
from adsync.services.sync import sync_job
from adsync.services.totals import check_totals
from adsync.shopee.errors import AuthorizationEndedError, QuotaExceededError, ThrottledError

THROTTLE_BACKOFF = timedelta(minutes=1)
SHOP_BUSY_DELAY = timedelta(seconds=30)
# An interrupted job comes back this long after (x1.0-1.5): a Postgres restart takes
# seconds, a Multi-AZ failover one to two minutes; each retry in between costs nothing.
INTERRUPTED_DELAY = timedelta(seconds=30)


class Outcome(StrEnum):
    """What the worker did with one record (the handler reports only failures)."""

    COMPLETED = "completed"
    DROPPED = "dropped"
    DEFERRED = "deferred"
    CONTINUED = "continued"
    RETRYING = "retrying"
    FAILED = "failed"
    INTERRUPTED = "interrupted"


class RecordFailedError(Exception):
    """The record goes back to its queue (it is listed in batchItemFailures)."""


def handle_batch(
    event: Mapping[str, Any], deps: Dependencies, deadline: Deadline, *, pool: ThreadPoolExecutor
) -> dict[str, list[dict[str, str]]]:
    """The worker's batch: its records' jobs claimed in one statement, then each record
    run on the pool (threads sharing the container's `deps`) with what its claim said;
    the reply lists the records to leave to SQS (batchItemFailures)."""
    records = parse_records(event)
    ahead = claim_batch([_message(record) for record in records], deps, deadline)
    return run_records(
        records, lambda n, record: handle_record(record, deps, deadline, ahead[n]), pool=pool
    )


def _message(record: SQSRecord) -> JobMessage | None:
    try:
        return JobMessage.from_body(record.body)
    except BadEventError:
        return None  # its record fails on its own (see _handle)


def handle_record(
    record: SQSRecord, deps: Dependencies, deadline: Deadline, ahead: Ahead = None
) -> Outcome:
    """Process one record (`ahead`: what its batch's claim did for it; None: claim it
    here); raise to leave it to SQS (listed in batchItemFailures)."""
    try:
        return _handle(record, deps, deadline, ahead)
    except RecordFailedError:
        raise
    except Exception:
        # The database or SQS failed us: the message returns after its visibility
        # timeout and nothing is lost, but an operator should see why.
        logger.exception("record failed unexpectedly", message_id=record.message_id)
        count("RecordErrors")
        raise


def _handle(record: SQSRecord, deps: Dependencies, deadline: Deadline, ahead: Ahead) -> Outcome:
    try:
        message = JobMessage.from_body(record.body)
    except BadEventError as exc:
        logger.error("malformed message; it will end in the DLQ", message_id=record.message_id)
        count("MessagesMalformed")
        raise RecordFailedError(str(exc)) from exc

    receive_count = int(record.attributes.approximate_receive_count or 1)
    if isinstance(ahead, ClaimFailed):  # the batch's claim met a database outage
        held = (*message.abandoned_leases, ahead.lease_expires_at)
        return _interrupted(message, record, deps, ahead.error, held=held)
    now = deps.clock()
    lease_expires_at = ahead.lease_expires_at if ahead else lease_expiry(deps, now)
    # The leases this run may leave on the row if it is interrupted: until the claim
    # answers, the new one or the one an earlier interrupted run handed back.
    held = (*message.abandoned_leases, lease_expires_at)
    try:
        if ahead is not None:
            claim: Claim | None = ahead.claim
        else:
            try:
                claim = claim_alone(message, deps, now=now, lease_expires_at=lease_expires_at)
            except ShopBusyError:
                held = ()
                # One running job per shop: wait for the other to finish, no attempt used.
                wake_at = now + SHOP_BUSY_DELAY
                _send_later(message, _priority_of(record, deps), deps, wake_at=wake_at)
                logger.info("shop busy; job deferred", job_id=message.job_id)
                count("JobsDeferred")
                return Outcome.DEFERRED
        if claim is None:
            held = ()
            return _unclaimed(message, record, deps)
        held = (lease_expires_at,)
        job = claim.job
        logger.thread_safe_append_keys(job_id=job.id, shop_id=job.shop_id, sync_type=job.sync_type)
        try:
            return _run(claim, record, deps, deadline, receive_count=receive_count)
        finally:
            logger.thread_safe_remove_keys(["job_id", "shop_id", "sync_type"])
    except (DatabaseError, QueueError) as exc:
        if not _is_infrastructure(exc):
            raise
        return _interrupted(message, record, deps, exc, held=held)


def _is_infrastructure(exc: BaseException) -> bool:
    """The database or SQS failed us, not the job (principle 8: no attempt counted)."""
    if isinstance(exc, DatabaseError):
        return exc.transient
    return isinstance(exc, QueueError)


def _interrupted(
    message: JobMessage,
    record: SQSRecord,
    deps: Dependencies,
    exc: Exception,
    *,
    held: tuple[datetime, ...],
) -> Outcome:
    """Bring the job back soon without counting an attempt or burning a receive."""
    count("JobsInterrupted")
    logger.warning(
        "record interrupted by the database or SQS; the job comes back, no attempt counted",
        job_id=message.job_id,
        error=str(exc),
    )
    now = deps.clock()
    wake_at = now + INTERRUPTED_DELAY * random.uniform(1.0, 1.5)
    retry = JobMessage(
        job_id=message.job_id, dispatch_id=message.dispatch_id, abandoned_leases=held
    )
    try:
        _send_later(retry, _priority_of(record, deps), deps, wake_at=wake_at)
        return Outcome.INTERRUPTED
    except QueueError as send_error:
        reason = str(send_error)
    try:  # SQS refused the fresh message: the reconciler re-sends the row instead
        if deps.jobs.abandon(
            job_id=message.job_id,
            dispatch_id=message.dispatch_id,
            abandoned_leases=held,
            scheduled_at=wake_at,
            now=now,
        ):
            logger.warning("job handed to the reconciler", job_id=message.job_id, error=reason)
            return Outcome.INTERRUPTED
    except DatabaseError as db_error:
        reason = f"{reason}; {db_error}"
    # Neither took the job back: SQS returns this message after its visibility timeout.
    count("RecordErrors")
    logger.error("interrupted record left to SQS", job_id=message.job_id, error=reason)
    raise RecordFailedError(reason) from exc


def _run(
    claim: Claim, record: SQSRecord, deps: Dependencies, deadline: Deadline, *, receive_count: int
) -> Outcome:
    job = claim.job
    started = deps.clock()
    try:
        progress = sync_job(job, deps, deadline, shop=claim.shop)
    except LeaseLostError as exc:
        logger.warning("lease lost; another run owns the job", error=str(exc))
        count("JobsDropped")
        return Outcome.DROPPED
    except ThrottledError as exc:
        until = _throttled_until(exc, job, deps)
        return _defer(job, deps, until=until, reason=str(exc))
    except QuotaExceededError as exc:
        count("ShopeeThrottled")
        until = exc.resets_at(deps.clock())
        budget = deps.partner_api(job.shop_id).budget  # this app's quota, not the others'
        if budget is not None:
            budget.pause_until(until)
        return _defer(job, deps, until=until, reason=str(exc))
    except Exception as exc:  # every other error is a failed attempt, bugs included
        if _is_infrastructure(exc):
            raise  # not the job's failure: the record is interrupted (see _handle)
        return _fail(job, record, exc, deps, receive_count=receive_count)
    cursor = progress.cursor
    elapsed_ms = (deps.clock() - started).total_seconds() * 1000
    count("ShopeeCalls", cursor.calls)
    if not progress.finished:
        return _continue(job, deps, phase=cursor.phase.value, steps=cursor.steps)
    count("JobsCompleted")
    count("RowsUpserted", cursor.rows)
    milliseconds("SyncDurationMs", elapsed_ms)
    logger.info("job completed", **cursor.stats(), duration_ms=round(elapsed_ms))
    check_totals(job, cursor.stats(), deps)
    return Outcome.COMPLETED


def _continue(job: Job, deps: Dependencies, *, phase: str, steps: int) -> Outcome:
    """Time is short: hand the rest of the job to a fresh invocation (not a retry)."""
    now = deps.clock()
    if deps.jobs.release(job_id=job.id, dispatch_id=job.dispatch_id, scheduled_at=now, now=now):
        message = JobMessage(job_id=job.id, dispatch_id=job.dispatch_id)
        deps.queue.send_one(message, priority=job.priority, delay_seconds=0)
        count("JobsContinued")
        logger.info("job continues in a new invocation", phase=phase, steps_done=steps)
    return Outcome.CONTINUED


def _throttled_until(exc: ThrottledError, job: Job, deps: Dependencies) -> datetime:
    """When a throttled job should try again (with jitter, so they do not stampede)."""
    now = deps.clock()
    if exc.code == LOCAL_BUDGET:  # our own budget: its refill or pause says how long
        wait = exc.retry_after or THROTTLE_BACKOFF
    else:
        count("ShopeeThrottled")
        # The shop's whole app pauses, not the others; a shop or API throttle: this job.
        budget = deps.partner_api(job.shop_id).budget if exc.scope == "partner" else None
        wait = budget.back_off() - now if budget is not None else THROTTLE_BACKOFF
    return now + wait * random.uniform(1.0, 1.2)


def _unclaimed(message: JobMessage, record: SQSRecord, deps: Dependencies) -> Outcome:
    """The row did not match this message: say why, and defer or drop it."""
    job = deps.jobs.get(message.job_id)
    log: dict[str, Any] = {"job_id": message.job_id, "message_id": record.message_id}
    if job is None:
        logger.warning("message for an unknown job dropped", **log)
    elif job.dispatch_id != message.dispatch_id:
        logger.info("stale message dropped (job re-dispatched)", status=job.status, **log)
    elif job.status in (JobStatus.COMPLETED, JobStatus.FAILED):
        logger.info("duplicate message for a finished job dropped", status=job.status, **log)
    else:
        # Not due yet, or another run holds a live lease: come back then, no attempt used.
        wake_at = job.scheduled_at
        if job.status is JobStatus.PROCESSING and job.lease_expires_at is not None:
            wake_at = job.lease_expires_at
        _send_later(message, job.priority, deps, wake_at=wake_at)
        logger.info("job deferred", status=job.status, wake_at=wake_at.isoformat(), **log)
        count("JobsDeferred")
        return Outcome.DEFERRED
    count("JobsDropped")
    return Outcome.DROPPED


def _defer(job: Job, deps: Dependencies, *, until: datetime, reason: str) -> Outcome:
    now = deps.clock()
    if deps.jobs.release(job_id=job.id, dispatch_id=job.dispatch_id, scheduled_at=until, now=now):
        message = JobMessage(job_id=job.id, dispatch_id=job.dispatch_id)
        _send_later(message, job.priority, deps, wake_at=until)
        count("JobsDeferred")
        logger.warning("job deferred", reason=reason, until=until.isoformat())
    return Outcome.DEFERRED


def _priority_of(record: SQSRecord, deps: Dependencies) -> int:
    return deps.queue.priority_of(record.event_source_arn)


def _send_later(
    message: JobMessage, priority: int, deps: Dependencies, *, wake_at: datetime
) -> None:
    # SQS delays top out at 15 minutes; a job due later is simply deferred again.
    delay = max(0, ceil((wake_at - deps.clock()).total_seconds()))
    deps.queue.send_one(message, priority=priority, delay_seconds=delay)


def _fail(
    job: Job, record: SQSRecord, exc: Exception, deps: Dependencies, *, receive_count: int
) -> Outcome:
    now = deps.clock()
    error = str(exc) if isinstance(exc, AdsSyncError) else f"{type(exc).__name__}: {exc}"
    hopeless = isinstance(exc, ShopNotReadyError | AuthorizationEndedError)
    if isinstance(exc, AuthorizationEndedError):
        deps.shops.mark_needs_reauth(shop_id=job.shop_id, reason=str(exc), now=now)
    updated = deps.jobs.record_failure(
        job_id=job.id, dispatch_id=job.dispatch_id, error=error, final=hopeless, now=now
    )
    if updated is None:  # the lease moved on while we failed: nothing of ours to record
        count("JobsDropped")
        return Outcome.DROPPED
    receives_left = deps.settings.max_receive_count - receive_count
    if updated.status is JobStatus.FAILED:
        count("JobsFailed")
        logger.error("job failed", error=error, retry_count=updated.retry_count)
        if hopeless or receives_left > 0:
            return Outcome.FAILED
        # Its receives are spent as well: let it fall into the DLQ at once.
        _return_to_queue(record, deps, seconds=0, reason=error)

    count("JobsRetried")
    # Jitter spreads the retries of jobs that failed together (a Shopee outage).
    delay_seconds = round(deps.settings.retry_delay.total_seconds() * random.uniform(0.9, 1.1))
    logger.warning(
        "job attempt failed; will retry",
        error=error,
        retry_count=updated.retry_count,
        retry_in_seconds=delay_seconds,
    )
    if receives_left > 0:
        _return_to_queue(record, deps, seconds=delay_seconds, reason=error)
    # The job allows more attempts than the queue allows receives: send it afresh.
    _send_later(
        JobMessage(job_id=job.id, dispatch_id=job.dispatch_id),
        job.priority,
        deps,
        wake_at=now + timedelta(seconds=delay_seconds),
    )
    return Outcome.RETRYING


def _return_to_queue(
    record: SQSRecord, deps: Dependencies, *, seconds: int, reason: str
) -> NoReturn:
    deps.queue.change_visibility(
        queue_arn=record.event_source_arn, receipt_handle=record.receipt_handle, seconds=seconds
    )
    raise RecordFailedError(reason)
