"""The local main job: one full sync cycle through the real handlers on one machine.

enqueue (the Scheduler's realtime tick) -> moto SQS -> emulated event source mapping
-> worker (batches of 10, partial failures honoured) -> Postgres, until every job is
finished, then a summary. Nothing is shortcut: tokens come from the simulator's
/auth/token/get, data from its HTTP API.

By default a run resumes in its database (`adsync_local`, or `database`): jobs a
crashed run left live are requeued (their workers and messages died with it; no
attempt counted) and finish alongside the new tick. `fresh` drops the database
first. A database restart mid-run is waited out: the handlers interrupt their records
(no attempt), and the runner keeps polling and reconciling until Postgres is back.
Ctrl-C stops the pollers (each finishes the batch it holds) and still summarises what
is there, marked `interrupted`; the next run resumes the rest.
"""

import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from adsync.db.ads_store import AdsStore
from adsync.db.job_store import JobStore
from adsync.errors import DatabaseError
from adsync.observability import logger
from adsync.regions import local_day
from adsync.services import dependencies
from local.event_source import Poller
from local.lambda_runtime import invoke
from local.postgres import (
    LOCAL_DATABASE,
    checked_name,
    existing_database,
    fresh_database,
    redacted,
    server_url,
)
from local.progress import RunProgress
from local.simulator import World, WorldSettings
from local.stack import QUIET_ENV, LocalStack, Transport, local_stack
from local.truth_check import Comparison, compare

EVENTS = Path(__file__).resolve().parent.parent / "events"
DEFAULT_WEIGHTS = {3: 20, 2: 10, 1: 5, 0: 2}  # MaximumConcurrency per priority, as deployed
RECONCILE_EVERY_SECONDS = 60.0  # as the deployed schedule


@dataclass(frozen=True, kw_only=True)
class RunOptions:
    shops: int = 20
    seed: int = 42
    concurrency: int = 4
    timeout_seconds: float = 600.0
    retry_delay_seconds: int = 2
    event_file: str = "enqueue_realtime.json"
    quiet: bool = True
    transport: Transport = "moto"
    database: str = LOCAL_DATABASE
    fresh: bool = False
    progress: RunProgress | None = None  # fed from the poll loop; None shows nothing
    announce: Callable[[str], None] | None = None  # one line when the polling starts


@dataclass(frozen=True, kw_only=True)
class CycleSummary:
    shops: int
    enqueued: int
    jobs_by_status: dict[str, int]
    rows_written: dict[str, int]
    rows_checked: int
    mismatches: list[str]
    batches: int
    records: int
    record_failures: int
    shopee_calls: int
    wall_seconds: float
    finished: bool
    database_url: str
    handler_errors: list[str] = field(default_factory=list)
    resumed_jobs: int = 0
    interrupted: bool = False  # Ctrl-C: the run stopped early; the next one resumes

    @property
    def ok(self) -> bool:
        pending = sum(v for k, v in self.jobs_by_status.items() if k != "completed")
        return (
            self.finished
            and not self.interrupted
            and pending == 0
            and self.rows_checked > 0
            and not self.mismatches
        )

    def as_json(self) -> dict[str, Any]:
        return {**asdict(self), "ok": self.ok}


def _job_counts(stack: LocalStack) -> dict[str, int] | None:
    """Jobs by status; None while the database restarts (or is unreachable)."""
    db = stack.database()
    try:
        return JobStore(db).count_by_status()
    except DatabaseError as exc:
        if not exc.transient:
            raise
        logger.warning("database unavailable; waiting for it", error=str(exc))
        return None
    finally:
        db.close()


def _cycle_done(stack: LocalStack, counts: dict[str, int] | None = None) -> bool:
    """No job pending or processing. A database restarting (or unreachable) is "not yet":
    the run waits it out instead of dying."""
    if counts is None:
        counts = _job_counts(stack)
    if counts is None:
        return False
    return not counts.get("pending") and not counts.get("processing")


class _Reconciler:
    """The every-minute reconcile schedule, run from the poll loop's checks."""

    def __init__(self) -> None:
        self._last = time.monotonic()

    def maybe_run(self) -> None:
        if time.monotonic() - self._last < RECONCILE_EVERY_SECONDS:
            return
        self._last = time.monotonic()
        try:
            invoke("maintenance", {"task": "reconcile"})
        except DatabaseError as exc:
            if not exc.transient:
                raise
            logger.warning("reconcile skipped; database unavailable", error=str(exc))


def _requeue_orphans(stack: LocalStack) -> int:
    db = stack.database()
    try:
        return JobStore(db).requeue_orphans(now=stack.simulator.now())
    finally:
        db.close()


def prepare_database(options: RunOptions) -> str:
    """The run's database: dropped and recreated with `fresh`, else kept (created if new)."""
    name = checked_name(options.database)
    if options.fresh:
        return fresh_database(server_url(), name)
    return existing_database(server_url(), name)


def today_of_every_shop(stack: LocalStack) -> dict[int, list[date]]:
    now = stack.simulator.now()
    return {s.shop_id: [local_day(s.region, now)] for s in stack.simulator.world.shops}


def run_cycle(options: RunOptions, *, database_url: str | None = None) -> CycleSummary:
    started = time.monotonic()
    # An agency's world: a quarter of the shops come with one main account's code.
    main_account = (options.shops // 4,) if options.shops >= 8 else ()
    world = World.generate(
        WorldSettings(seed=options.seed, shop_count=options.shops, main_account_sizes=main_account)
    )
    env = {"RETRY_DELAY_SECONDS": str(options.retry_delay_seconds)}
    if options.quiet:
        env.update(QUIET_ENV)
        logger.setLevel("WARNING")  # the handlers' logger exists already
    url = database_url or prepare_database(options)
    with local_stack(
        database_url=url, world=world, extra_env=env, transport=options.transport
    ) as stack:
        dependencies.install(stack.dependencies)  # each container: its own set, same SQS
        resumed = _requeue_orphans(stack)  # before anything runs: every live job is orphaned
        stack.onboard_all()  # this run's simulator issues its own tokens
        event = json.loads((EVENTS / options.event_file).read_text())
        enqueued = invoke("enqueue", event)
        if resumed:
            invoke("maintenance", {"task": "reconcile"})  # send the requeued jobs
        poller = Poller(
            stack.worker_mappings(DEFAULT_WEIGHTS) + stack.dead_letter_mappings(),
            concurrency=options.concurrency,
        )
        reconciler = _Reconciler()
        progress = options.progress

        def done() -> bool:
            reconciler.maybe_run()
            counts = _job_counts(stack)
            if progress is not None and counts is not None:
                progress.update(
                    jobs_by_status=counts,
                    shopee_calls=sum(stack.simulator.counters.calls.values()),
                )
            return _cycle_done(stack, counts)

        interrupted = False
        try:
            if options.announce is not None:
                options.announce(
                    f"polling: {enqueued['enqueued']} jobs enqueued; Ctrl-C stops early"
                )
            finished = poller.run_until(done, timeout_seconds=options.timeout_seconds)
        except KeyboardInterrupt:  # run_until has stopped and joined its pollers
            finished, interrupted = False, True
        finally:
            if progress is not None:
                progress.close()
        db = stack.database()
        try:
            by_status = JobStore(db).count_by_status()
            rows = AdsStore(db).count_rows()
            # Interrupted, most shops are unsynced: a comparison would only list them.
            check = (
                Comparison()
                if interrupted
                else compare(db, stack.simulator, today_of_every_shop(stack))
            )
        finally:
            db.close()
        return CycleSummary(
            shops=len(world.shops),
            enqueued=int(enqueued["enqueued"]),
            jobs_by_status=by_status,
            rows_written=rows,
            rows_checked=check.rows_checked,
            mismatches=check.mismatches[:20],
            batches=poller.batches,
            records=poller.records,
            record_failures=poller.failures,
            shopee_calls=sum(stack.simulator.counters.calls.values()),
            wall_seconds=round(time.monotonic() - started, 2),
            finished=finished,
            database_url=redacted(stack.database_url),  # printed, and in --json
            handler_errors=poller.handler_errors[:5],
            resumed_jobs=resumed,
            interrupted=interrupted,
        )
