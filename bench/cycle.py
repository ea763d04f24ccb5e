"""Benchmark 1: one realtime cycle through the real handlers against a request budget.

enqueue handler -> pgqueue -> emulated event source mapping (as many containers as the
template lets the realtime queue run, each an OS process of its own as on AWS:
`bench.containers`; WORKER_THREADS records each) -> worker handler -> simulator over
HTTP, in a process of its own (50-300 ms latency, a per-partner token bucket of R
req/s) -> Postgres. This process keeps enqueue, the reconcile schedule, the dead-letter
mapping and the completion check. The calls a cycle needs come from the simulator's
counters (accepted calls), not from a formula, so new endpoints count themselves.

A warm-up cycle runs first and is timed apart: at steady state every shop has synced
before, so enqueue knows each shop's size and spreads the big ones over the tick. It may run at
another R than the measured cycle (`warmup_rate`: a first sync of 1,000 shops at R = 5
would take half an hour); the simulator's rate and our budget change between the two.

During the measured cycle a sampler (`bench.sampler`) reads, every quarter second, the
calls Shopee accepted and the sessions the server holds for the workers: utilization at
steady state is the middle 80 % of the cycle's calls over the time they took. After
it, each worker container reports how many statements (round trips) and connections
its pool used, how long its worker invocations lasted (Lambda's billed duration, by its
local Lambda runtime) and its process's CPU time. A cycle's clock starts once the
containers have started and imported the handler: its time is the pipeline's, not
Python's imports.
"""

import json
import time
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from datetime import time as TimeOfDay
from pathlib import Path

from adsync.db.connection import Database
from adsync.db.job_store import JobStore
from adsync.services.activity import DAILY_CHECK, SETTINGS_REFRESH, ActivityState, interval
from bench.containers import ContainerSpec, ContainerTotals, WorkerContainers
from bench.sampler import Sampler
from bench.stack import PgStack, pg_stack
from bench.stats import machine_cpu_seconds, percentile
from local.event_source import Poller
from local.runner import DEFAULT_WEIGHTS
from local.simulator import SimulatorSettings, World, WorldSettings
from local.template import load_template, parameter_default

EVENT = Path(__file__).resolve().parent.parent / "events" / "enqueue_realtime.json"
THROTTLE_CODE = "ads.rate_limit.exceed_partner_api"
REALTIME_PRIORITY = 1
RECONCILE_EVENT = json.loads((EVENT.parent / "maintenance_reconcile.json").read_text())
RECONCILE_EVERY_SECONDS = 60.0  # the template's reconcile schedule
CYCLE_INTERVAL_SECONDS = 900.0  # the template's realtime schedule
# An hour's end at the evening peak of the Asian markets (20:00-21:00 at UTC+7 has just
# ended): the costliest tick of the day. And a quiet one: mid-hour, the Asian night.
PEAK_TICK = TimeOfDay(14, 0)
QUIET_TICK = TimeOfDay(20, 30)


@dataclass(frozen=True, kw_only=True)
class CycleOptions:
    shops: int = 1000
    big_shops: int = 3  # shops with 5,000 campaigns
    share_900_plus: float = 0.10
    partner_rate: float = 50.0  # R, requests per second per partner
    budget_share: float = 0.95  # our own budget (PARTNER_REQUESTS_PER_SECOND) as a share of R
    worker_threads: int = 10  # records run side by side per container (WORKER_THREADS)
    latency_min_ms: int = 50
    latency_max_ms: int = 300
    # emulated worker containers: what the template lets the realtime queue run
    concurrency: int = field(
        default_factory=lambda: int(
            parameter_default(load_template(), f"Priority{REALTIME_PRIORITY}MaxConcurrency")
        )
    )
    warmup: bool = True  # run (and time) one cycle before the measured one
    # The measured tick's time of day on the world's clock (UTC; None: whenever the run
    # happens). Calls per shop follow the world's hour, so a fixed tick makes runs
    # comparable.
    measured_at: TimeOfDay | None = PEAK_TICK
    warmup_rate: float | None = None  # R of the warm-up cycle (None: partner_rate)
    timeout_seconds: float = 900.0
    seed: int = 42


@dataclass(frozen=True, kw_only=True)
class CycleResult:
    options: CycleOptions
    campaigns: int
    calls_accepted: int
    calls_by_path: dict[str, int]
    throttle_rejections: int
    other_rejections: int
    cycle_seconds: float
    # The worker containers' CPU time during the cycle, summed over their processes
    # (not this process's enqueue, reconcile and sampling, nor the simulator's).
    cpu_seconds: float
    simulator_cpu_seconds: float  # Shopee's side: the simulator's process
    machine_cpu_seconds: float  # every process of the machine (Postgres included)
    finished: bool
    jobs_by_status: dict[str, int]
    lag_p50_seconds: float
    lag_p99_seconds: float
    lag_max_seconds: float
    worker_batches: int  # batches the worker containers took
    job_seconds_mean: float  # started_at -> completed_at, the seed model's job time
    warmup_seconds: float | None  # the first (cold) cycle; None when none ran
    redispatched: int  # jobs the reconciler had to send again (lost or stuck work)
    measured_at: datetime  # the measured cycle's tick, on the simulator's (world's) clock
    steady_calls_per_second: float  # the middle 80 % of the calls over their time
    containers: int  # worker containers (processes) that ran
    connections_per_container: int  # most connections one container's pool opened
    server_sessions_peak: int  # sessions of our app name on the server, sampled
    worker_round_trips: int  # statements of the worker containers' pools
    worker_billed_seconds: float  # worker invocations' durations, as Lambda bills
    worker_invocations: int
    handler_errors: list[str] = field(default_factory=list)

    @property
    def budget(self) -> float:
        """Our own budget: PARTNER_REQUESTS_PER_SECOND."""
        return self.options.partner_rate * self.options.budget_share

    @property
    def bound_seconds(self) -> float:
        """The fastest a cycle can be at R req/s: the calls it needs / R."""
        return self.calls_accepted / self.options.partner_rate

    @property
    def utilization(self) -> float:
        return self.bound_seconds / self.cycle_seconds if self.cycle_seconds else 0.0

    @property
    def steady_utilization(self) -> float:
        """Of our own budget, at steady state (the middle 80 % of the calls)."""
        return self.steady_calls_per_second / self.budget

    @property
    def jobs_completed(self) -> int:
        return self.jobs_by_status.get("completed", 0)

    @property
    def round_trips_per_job(self) -> float:
        return self.worker_round_trips / max(1, self.jobs_completed)

    @property
    def round_trips_per_call(self) -> float:
        return self.worker_round_trips / max(1, self.calls_accepted)

    @property
    def billed_seconds_per_call(self) -> float:
        return self.worker_billed_seconds / max(1, self.calls_accepted)


def run_cycle_bench(options: CycleOptions, *, database_url: str) -> CycleResult:
    world = World.generate(
        WorldSettings(
            seed=options.seed,
            shop_count=options.shops,
            share_900_plus=options.share_900_plus,
            explicit_campaign_counts=(5000,) * min(options.big_shops, options.shops),
        )
    )
    settings = SimulatorSettings(
        latency_min_ms=options.latency_min_ms,
        latency_max_ms=options.latency_max_ms,
        partner_rate=options.partner_rate,
    )
    with pg_stack(
        database_url=database_url,
        world=world,
        simulator_settings=settings,
        extra_env={
            "RETRY_DELAY_SECONDS": "2",
            "PARTNER_REQUESTS_PER_SECOND": str(options.partner_rate * options.budget_share),
            "WORKER_THREADS": str(options.worker_threads),
        },
        simulator_process=True,  # Shopee is another machine: not our GIL
    ) as stack:
        _move_world_to(stack, options)
        stack.seed_shops()
        db = stack.database()
        warmup_seconds = None
        if options.warmup:
            warmup_rate = options.warmup_rate or options.partner_rate
            _set_rate(stack, warmup_rate, options.budget_share)
            warmup_seconds = _one_cycle(stack, db, options).seconds
            _set_rate(stack, options.partner_rate, options.budget_share)
            # The next realtime tick comes 15 minutes after this one: the measured cycle
            # sees the world (hours ended, orders attributed) as it will be then.
            advance = getattr(stack.simulator, "advance", None)
            if advance is not None:
                advance(max(0.0, CYCLE_INTERVAL_SECONDS - warmup_seconds))
            _spread_periodic_reads(db)
        stack.simulator.counters.reset()
        with Sampler(stack) as sampler:
            cycle = _one_cycle(stack, db, options)
        tick = cycle.tick
        rows = db.run(
            "SELECT status, extract(epoch FROM completed_at - :tick) AS lag,"
            " extract(epoch FROM completed_at - started_at) AS seconds"
            " FROM apishopee_ads_sync_queue WHERE created_at >= :tick",
            tick=tick,
        )
        db.close()
        done = [r for r in rows if r["lag"] is not None]
        lags = [float(r["lag"]) for r in done]
        by_status: dict[str, int] = {}
        for r in rows:
            by_status[r["status"]] = by_status.get(r["status"], 0) + 1
        counters = stack.simulator.counters
        calls = counters.calls
        rejected_total = counters.rejected()
        throttled = counters.rejected(code=THROTTLE_CODE)
        return CycleResult(
            options=options,
            campaigns=sum(s.campaign_count for s in world.shops),
            calls_accepted=sum(calls.values()) - rejected_total,
            calls_by_path=calls,
            throttle_rejections=throttled,
            other_rejections=rejected_total - throttled,
            cycle_seconds=cycle.seconds,
            cpu_seconds=cycle.containers.cpu_seconds,
            simulator_cpu_seconds=cycle.simulator_cpu_seconds,
            machine_cpu_seconds=cycle.machine_cpu_seconds,
            finished=bool(rows) and not by_status.keys() & {"pending", "processing"},
            jobs_by_status=by_status,
            lag_p50_seconds=percentile(lags, 50),
            lag_p99_seconds=percentile(lags, 99),
            lag_max_seconds=max(lags, default=0.0),
            worker_batches=cycle.containers.batches,
            job_seconds_mean=sum(float(r["seconds"]) for r in done) / len(done) if done else 0.0,
            warmup_seconds=warmup_seconds,
            redispatched=cycle.redispatched,
            measured_at=tick,
            steady_calls_per_second=sampler.steady_rate(),
            containers=cycle.containers.containers,
            connections_per_container=cycle.containers.most_connections,
            server_sessions_peak=sampler.sessions_peak,
            worker_round_trips=cycle.containers.statements,
            worker_billed_seconds=cycle.containers.billed_seconds,
            worker_invocations=cycle.containers.invocations,
            handler_errors=cycle.handler_errors[:3],
        )


def _move_world_to(stack: PgStack, options: CycleOptions) -> None:
    """Advance the world's clock to the next moment whose measured tick (one schedule
    interval after the warm-up's, or the first tick without a warm-up) falls at
    `options.measured_at`."""
    advance = getattr(stack.simulator, "advance", None)  # a SimulatorProcess's
    if options.measured_at is None or advance is None:
        return
    lead = timedelta(seconds=CYCLE_INTERVAL_SECONDS) if options.warmup else timedelta(0)
    now = stack.clock()
    start = datetime.combine(now.date(), options.measured_at, now.tzinfo) - lead
    while start < now:
        start += timedelta(days=1)
    advance((start - now).total_seconds())


def _spread_periodic_reads(db: Database) -> None:
    """Make the measured cycle a steady-state one for the reads a realtime sync makes
    every so often (the daily rows' check, about every 2 hours; the list and settings in full,
    about every 6 hours). The warm-up made them for every shop at once (a fleet's first
    cycle), so 15 minutes later none would be due; after a few hours each shop's last one
    lies anywhere in its interval. Each is set back by the shop's own share of its
    interval (evenly spread over the shops), so that the shops due now are the share a
    steady state has (about 1 in 8 for the check, 1 in 24 for the settings)."""
    rows = db.run("SELECT shop_id, sync_state FROM apishopee_shops WHERE sync_state IS NOT NULL")
    for row in rows:
        state = ActivityState.from_json(row["sync_state"])
        shop_id = row["shop_id"]
        spread = replace(
            state,
            daily_checked_at=_earlier(state.daily_checked_at, shop_id, DAILY_CHECK),
            settings_at=_earlier(state.settings_at, shop_id, SETTINGS_REFRESH),
        )
        db.run(
            "UPDATE apishopee_shops SET sync_state = CAST(:state AS jsonb) WHERE shop_id = :s",
            state=json.dumps(spread.to_json()),
            s=shop_id,
        )


def _earlier(at: datetime | None, shop_id: int, every: timedelta) -> datetime | None:
    phase = ((shop_id * 40503) % 997) / 997  # evenly spread over the shops, fixed per shop
    return at - interval(shop_id=shop_id, every=every) * phase if at else None


def _set_rate(stack: PgStack, rate: float, share: float) -> None:
    """Shopee's rate (the simulator's) and our budget (the workers' env) become `rate`."""
    setter = getattr(stack.simulator, "set_partner_rate", None)
    if setter is not None:
        setter(rate)
    else:
        stack.simulator.throttle.set_partner_rate(rate)
    stack.env["PARTNER_REQUESTS_PER_SECOND"] = str(rate * share)
    # This process's containers read the budget afresh; the worker containers start with
    # each cycle, on the env as it is then.
    stack.renew_lambdas()


@dataclass(frozen=True, kw_only=True)
class _Cycle:
    tick: datetime  # when the realtime schedule fired, on the simulator's clock
    seconds: float
    containers: ContainerTotals
    redispatched: int  # jobs the reconciler sent again
    handler_errors: list[str]  # the containers', then the dead-letter mapping's
    simulator_cpu_seconds: float
    machine_cpu_seconds: float


def _one_cycle(stack: PgStack, db: Database, options: CycleOptions) -> _Cycle:
    """The realtime schedule fires once and the reconcile schedule every minute, as in
    the template; the worker containers (started and warm before the clock starts) drain
    the queues, this process's dead-letter mapping the DLQs."""
    spec = ContainerSpec(
        env=dict(stack.env),  # as it is now: a container reads the budget when it starts
        clock=stack.portable_clock(),
        queues=stack.queues,
        weights=DEFAULT_WEIGHTS,
        queue_database_url=stack.database_url,
    )
    simulator_cpu = getattr(stack.simulator, "cpu_seconds", lambda: 0.0)  # a process's
    with WorkerContainers(spec, count=options.concurrency) as containers:
        started = time.monotonic()
        cpu_started = (simulator_cpu(), machine_cpu_seconds())
        tick = stack.clock()
        stack.invoke("enqueue", json.loads(EVENT.read_text()))
        containers.release()
        dead_letters = Poller(stack.dead_letter_mappings(), concurrency=1)
        reconciled = started
        redispatched = 0

        def done() -> bool:
            nonlocal reconciled, redispatched
            containers.check()  # a container that died would leave its jobs to the timeout
            if time.monotonic() - reconciled >= RECONCILE_EVERY_SECONDS:
                redispatched += stack.invoke("maintenance", RECONCILE_EVENT)["redispatched"]
                reconciled = time.monotonic()
            counts = JobStore(db).count_by_status()
            return not counts.get("pending") and not counts.get("processing")

        dead_letters.run_until(done, timeout_seconds=options.timeout_seconds)
        seconds = time.monotonic() - started
        cpu_used = (simulator_cpu() - cpu_started[0], machine_cpu_seconds() - cpu_started[1])
        totals = ContainerTotals.of(containers.stop())
    # This process's containers (enqueue, reconcile, dead letters) are gone too: close
    # their connections (Postgres has ~100).
    stack.renew_lambdas()
    return _Cycle(
        tick=tick,
        seconds=seconds,
        containers=totals,
        redispatched=redispatched,
        handler_errors=totals.handler_errors + dead_letters.handler_errors,
        simulator_cpu_seconds=cpu_used[0],
        machine_cpu_seconds=cpu_used[1],
    )
