"""Benchmark 1: one realtime cycle through the real handlers against a request budget.

enqueue handler -> pgqueue -> emulated event source mapping (as many containers as the
template lets the realtime queue run, WORKER_THREADS records each) -> worker handler ->
simulator over HTTP, in a process of its own (50-300 ms latency, a per-partner token
bucket of R req/s) -> Postgres. The calls a cycle needs come from the simulator's
counters (accepted calls), not from a formula, so new endpoints count themselves.

A warm-up cycle runs first and is timed apart: at steady state every shop has synced
before, so enqueue knows each shop's size and sends the biggest first. It may run at
another R than the measured cycle (`warmup_rate`: a first sync of 1,000 shops at R = 5
would take half an hour); the simulator's rate and our budget change between the two.

During the measured cycle a sampler reads, every quarter second, the calls Shopee
accepted (the simulator's counters) and the sessions the server holds for the
workers: utilization at steady state is the middle 80 % of the cycle's calls over the
time they took. After it, the worker containers' pools say how many statements (round
trips) and connections they used, and the local Lambda runtime how long the worker's
invocations lasted (Lambda's billed duration).
"""

import json
import threading
import time
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from datetime import time as TimeOfDay
from pathlib import Path

from adsync.db.connection import Database
from adsync.db.job_store import JobStore
from adsync.db.pool import ConnectionPool
from adsync.services.activity import DAILY_CHECK, SETTINGS_REFRESH, ActivityState, interval
from bench.stack import PgStack, pg_stack
from bench.stats import percentile
from local.event_source import Poller
from local.lambda_runtime import BILLING
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
    cpu_seconds: float  # this process's CPU time during the cycle (not the simulator's)
    finished: bool
    jobs_by_status: dict[str, int]
    lag_p50_seconds: float
    lag_p99_seconds: float
    lag_max_seconds: float
    worker_batches: int
    job_seconds_mean: float  # started_at -> completed_at, the seed model's job time
    warmup_seconds: float | None  # the first (cold) cycle; None when none ran
    redispatched: int  # jobs the reconciler had to send again (lost or stuck work)
    measured_at: datetime  # the measured cycle's tick, on the simulator's (world's) clock
    steady_calls_per_second: float  # the middle 80 % of the calls over their time
    containers: int  # worker containers (threads of the mapping) that ran
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
            warmup_seconds, _, _ = _one_cycle(stack, db, options)
            _set_rate(stack, options.partner_rate, options.budget_share)
            # The next realtime tick comes 15 minutes after this one: the measured cycle
            # sees the world (hours ended, orders attributed) as it will be then.
            advance = getattr(stack.simulator, "advance", None)
            if advance is not None:
                advance(max(0.0, CYCLE_INTERVAL_SECONDS - warmup_seconds))
            _spread_periodic_reads(db)
        stack.simulator.counters.reset()
        stack.built.clear()
        billed_before = BILLING.billed_seconds("worker")
        invocations_before = BILLING.invocations("worker")
        tick = stack.clock()
        cpu_started = time.process_time()
        with _Sampler(stack) as sampler:
            cycle_seconds, poller, redispatched = _one_cycle(stack, db, options, pools=True)
        cpu_seconds = time.process_time() - cpu_started
        pools = [
            pool
            for thread, deps in stack.built
            if thread.startswith("esm-")
            and isinstance(pool := deps.__dict__.get("db"), ConnectionPool)
        ]
        used = _pool_stats(pools)
        stack.renew_lambdas()  # the containers are gone: close their pools
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
            cycle_seconds=cycle_seconds,
            cpu_seconds=cpu_seconds,
            finished=bool(rows) and not by_status.keys() & {"pending", "processing"},
            jobs_by_status=by_status,
            lag_p50_seconds=percentile(lags, 50),
            lag_p99_seconds=percentile(lags, 99),
            lag_max_seconds=max(lags, default=0.0),
            worker_batches=poller.batches,
            job_seconds_mean=sum(float(r["seconds"]) for r in done) / len(done) if done else 0.0,
            warmup_seconds=warmup_seconds,
            redispatched=redispatched,
            measured_at=tick,
            steady_calls_per_second=sampler.steady_rate(),
            containers=len(pools),
            connections_per_container=used["most"],
            server_sessions_peak=sampler.sessions_peak,
            worker_round_trips=used["statements"],
            worker_billed_seconds=BILLING.billed_seconds("worker") - billed_before,
            worker_invocations=BILLING.invocations("worker") - invocations_before,
            handler_errors=poller.handler_errors[:3],
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
    stack.renew_lambdas()  # containers read the budget afresh


def _pool_stats(pools: list[ConnectionPool]) -> dict[str, int]:
    return {
        "most": max((p.used() for p in pools), default=0),
        "statements": sum(p.statements() for p in pools),
    }


class _Sampler:
    """Every SAMPLE_SECONDS: accepted calls (the simulator) and our server sessions."""

    SAMPLE_SECONDS = 0.25

    def __init__(self, stack: PgStack) -> None:
        self._stack = stack
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="bench-sampler", daemon=True)
        self.samples: list[tuple[float, int]] = []
        self.sessions_peak = 0

    def __enter__(self) -> "_Sampler":
        self._db = self._stack.database()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self._db.close()

    def _loop(self) -> None:
        counters = self._stack.simulator.counters
        while not self._stop.is_set():
            accepted = sum(counters.calls.values()) - counters.rejected()
            self.samples.append((time.monotonic(), accepted))
            row = self._db.one(
                "SELECT count(*) AS n FROM pg_stat_activity"
                " WHERE datname = current_database() AND application_name = 'shopee-ads-sync'"
            )
            self.sessions_peak = max(self.sessions_peak, int(row["n"]) if row else 0)
            self._stop.wait(self.SAMPLE_SECONDS)

    def steady_rate(self) -> float:
        """Calls per second between the samples where 10 % and 90 % of them were done."""
        if not self.samples:
            return 0.0
        total = self.samples[-1][1]
        low = next((s for s in self.samples if s[1] >= 0.1 * total), None)
        high = next((s for s in self.samples if s[1] >= 0.9 * total), None)
        if low is None or high is None or high[0] <= low[0]:
            return 0.0
        return (high[1] - low[1]) / (high[0] - low[0])


def _one_cycle(
    stack: PgStack, db: Database, options: CycleOptions, *, pools: bool = False
) -> tuple[float, Poller, int]:
    """The realtime schedule fires once and the reconcile schedule every minute, as in
    the template; the mapping drains the queues. Seconds taken, jobs re-dispatched.
    `pools`: leave the containers' connections open for the caller to read (it closes
    them: `renew_lambdas`)."""
    started = time.monotonic()
    stack.invoke("enqueue", json.loads(EVENT.read_text()))
    poller = stack.poller(DEFAULT_WEIGHTS, concurrency=options.concurrency)
    reconciled = started
    redispatched = 0

    def done() -> bool:
        nonlocal reconciled, redispatched
        if time.monotonic() - reconciled >= RECONCILE_EVERY_SECONDS:
            redispatched += stack.invoke("maintenance", RECONCILE_EVENT)["redispatched"]
            reconciled = time.monotonic()
        counts = JobStore(db).count_by_status()
        return not counts.get("pending") and not counts.get("processing")

    poller.run_until(done, timeout_seconds=options.timeout_seconds)
    seconds = time.monotonic() - started
    if not pools:
        # The cycle's containers are gone: close their connections (Postgres has ~100).
        stack.renew_lambdas()
    return seconds, poller, redispatched
