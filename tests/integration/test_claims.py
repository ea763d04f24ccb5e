"""A worker batch's jobs are claimed in one statement (issue 15, target 3: round trips per
call): a batch of one-call jobs costs that statement and one commit per job. The
statement keeps each job's guards and the one-running-job-per-shop rule without ever
tripping over it; when another container makes it trip anyway, every record is claimed
alone; and leases too short for the invocation make each record claim its own.
Real Postgres, the simulator over HTTP, moto's SQS, the real worker handler.
"""

from collections.abc import Sequence
from datetime import datetime, timedelta
from functools import cached_property
from typing import Any

from adsync.db.budget_store import BudgetStore
from adsync.db.connection import Database
from adsync.db.job_store import ClaimRequest, Claims, JobStore, SlotOffer
from adsync.errors import ShopBusyError
from adsync.services.dependencies import Dependencies
from local.lambda_runtime import LambdaRuntime
from local.stack import LocalStack
from tests.support.clock import FrozenClock
from tests.support.sqs import receive_event
from tests.support.sync import drain, jobs

BATCH = 10


def _no_sleep(seconds: float) -> None:
    """The frozen clock never reaches a slot: calls go at once (the count is the point)."""


def _one_call_jobs_queued(stack: LocalStack, db: Database) -> int:
    """Every shop synced twice (no budget: the clock is frozen); a realtime job for each
    shop whose second sync found nothing new (one call): so will its third. How many."""
    stack.seed_tokens()
    for _ in range(2):
        stack.invoke("enqueue", {"sync_type": "realtime", "priority": 1})
        drain(stack, priority=1)
    rows = db.run(
        "SELECT DISTINCT ON (shop_id) shop_id, stats FROM apishopee_ads_sync_queue "
        "ORDER BY shop_id, id DESC"
    )
    quiet = [r["shop_id"] for r in rows if r["stats"]["calls"] == 1][:BATCH]
    assert len(quiet) >= 4, rows
    stack.invoke("enqueue", {"shop_ids": quiet, "sync_type": "realtime", "priority": 1})
    return len(quiet)


def _warm_container(stack: LocalStack, env: dict[str, str], clock: FrozenClock) -> Dependencies:
    """A fresh container as it is after its first job: its app built, its budget's row
    known, no spare slot."""
    deps = Dependencies(env=env, clock=clock, sqs=stack.sqs, sleep=_no_sleep)
    budget = deps.partner_apis.for_partner(stack.simulator.settings.partner_id).budget
    assert budget is not None
    budget.acquire()
    return deps


def _run_batch(stack: LocalStack, deps: Dependencies, size: int) -> tuple[int, int]:
    """The worker on one batch of `size` records: (Shopee calls, statements) it cost."""
    event = receive_event(stack, 1)
    assert len(event["Records"]) == size
    calls_before = sum(stack.simulator.counters.calls.values())
    statements_before = deps.db.statements()
    with LambdaRuntime(lambda: deps) as container:  # closes deps
        assert container.invoke("worker", event) == {"batchItemFailures": []}
        calls = sum(stack.simulator.counters.calls.values()) - calls_before
        return calls, deps.db.statements() - statements_before


def test_a_batch_of_one_call_jobs_costs_one_claim_and_a_commit_per_job(
    stack: LocalStack, db: Database, clock: FrozenClock
) -> None:
    env = {**stack.env, "PARTNER_REQUESTS_PER_SECOND": "10"}
    size = _one_call_jobs_queued(stack, db)
    deps = _warm_container(stack, env, clock)

    calls, statements = _run_batch(stack, deps, size)

    assert calls == size
    # One claim for the batch (with every job's first slot), then each job's commit;
    # claimed one by one it was a claim and a commit per job (2 x size).
    assert statements == size + 1
    assert {j["status"] for j in jobs(db)} == {"completed"}


def test_with_leases_shorter_than_the_invocation_each_record_claims_its_own(
    stack: LocalStack, db: Database, clock: FrozenClock
) -> None:
    """A record of a batch may wait for a pool thread until the invocation ends: with a
    lease shorter than that, a claim at the batch's start could expire before its record
    runs, so each record is claimed when it starts."""
    env = {**stack.env, "PARTNER_REQUESTS_PER_SECOND": "10", "JOB_LEASE_SECONDS": "120"}
    size = _one_call_jobs_queued(stack, db)
    deps = _warm_container(stack, env, clock)

    calls, statements = _run_batch(stack, deps, size)

    assert calls == size
    assert statements >= 2 * size  # a claim and a commit per job
    assert {j["status"] for j in jobs(db)} == {"completed"}


class _RacedJobStore(JobStore):
    """As if another container claimed a job of one of the batch's shops while the batch
    statement ran: the one-running-job-per-shop index refuses the whole statement."""

    def claim(self, requests: Sequence[ClaimRequest], **kwargs: Any) -> Claims:
        if len(requests) > 1:
            raise ShopBusyError("a job of one of the batch's shops started meanwhile")
        return super().claim(requests, **kwargs)


class _RacedDependencies(Dependencies):
    @cached_property
    def jobs(self) -> JobStore:
        return _RacedJobStore(self.db)


def test_a_batch_statement_refused_by_the_running_job_index_claims_each_record_alone(
    stack: LocalStack, db: Database, clock: FrozenClock
) -> None:
    env = {**stack.env, "PARTNER_REQUESTS_PER_SECOND": "10"}
    size = _one_call_jobs_queued(stack, db)
    event = receive_event(stack, 1)
    assert len(event["Records"]) == size

    with LambdaRuntime(
        lambda: _RacedDependencies(env=env, clock=clock, sqs=stack.sqs, sleep=_no_sleep)
    ) as container:
        assert container.invoke("worker", event) == {"batchItemFailures": []}

    rows = jobs(db)
    assert {j["status"] for j in rows} == {"completed"}
    assert all(j["retry_count"] == 0 for j in rows)


def _job(
    db: Database, shop_id: int, sync_type: str, now: datetime, **extra: object
) -> ClaimRequest:
    row = db.one(
        "INSERT INTO apishopee_ads_sync_queue (shop_id, sync_type, priority, scheduled_at, "
        "target_day) VALUES (:s, :t, 1, :now, :day) RETURNING id, dispatch_id::text AS d",
        s=shop_id,
        t=sync_type,
        now=now,
        day=extra.get("day"),
    )
    assert row is not None
    return ClaimRequest(job_id=row["id"], dispatch_id=row["d"])


def test_one_statement_claims_one_job_per_shop_and_none_of_a_busy_shop(
    stack: LocalStack, db: Database, clock: FrozenClock
) -> None:
    """Two jobs of one shop (backfill_day: one per day) and a job of a shop already
    running one, in one batch: the statement claims the first of the pair and the other
    shops' jobs, says which were left out because their shop is busy, and does not trip
    over the one-running-job-per-shop index (that would abort every claim of the batch)."""
    a, b, c, d = stack.seed_tokens()[:4]
    now = clock()
    day = now.date()
    first = _job(db, a, "backfill_day", now, day=day - timedelta(days=1))
    second = _job(db, a, "backfill_day", now, day=day - timedelta(days=2))
    running = _job(db, b, "realtime", now)
    waiting = _job(db, b, "backfill_full", now)
    other = _job(db, c, "realtime", now)
    stale = _job(db, d, "realtime", now)
    stale = ClaimRequest(job_id=stale.job_id, dispatch_id="00000000-0000-4000-8000-000000000000")
    db.run(
        "UPDATE apishopee_ads_sync_queue SET status = 'processing', lease_expires_at = :l "
        "WHERE id = :i",
        i=running.job_id,
        l=now + timedelta(minutes=15),
    )
    store = JobStore(db)
    budget = "shopee-partner-test"
    BudgetStore(db).ensure(name=budget, rate_per_second=10, burst=1, now=now)

    claims = store.claim(
        [first, second, waiting, other, stale],
        now=now,
        lease_expires_at=now + timedelta(minutes=15),
        offers=[
            SlotOffer(
                partner_id=stack.simulator.settings.partner_id,
                budget=budget,
                slots_per_job=2,
                max_slots=3,
                max_wait=timedelta(seconds=10),
            )
        ],
    )

    assert sorted(claims.claimed) == [0, 3]
    assert claims.claimed[0].job.id == first.job_id and claims.claimed[3].job.id == other.job_id
    assert all(c.shop is not None for c in claims.claimed.values())
    assert claims.busy == {1, 2}  # the second of shop a's, and the job of busy shop b
    assert claims.slots[budget].count == 3  # 2 per claimed job, at most 3
    statuses = {r["id"]: r["status"] for r in jobs(db)}
    assert [statuses[r.job_id] for r in (first, second, waiting, other, stale)] == [
        "processing",
        "pending",
        "pending",
        "processing",
        "pending",
    ]
