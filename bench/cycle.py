"""Benchmark 1: one realtime cycle through the real handlers against a request budget.

enqueue handler -> pgqueue -> emulated event source mapping (N worker threads) ->
worker handler -> simulator over HTTP (50-300 ms latency, a per-partner token bucket
of R req/s) -> Postgres. The calls a cycle needs come from the simulator's counters
(accepted calls), not from a formula, so new endpoints count themselves.
"""

import json
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from adsync.db.job_store import JobStore
from bench.stack import pg_stack
from bench.stats import percentile
from local.lambda_runtime import invoke
from local.runner import DEFAULT_WEIGHTS
from local.simulator import SimulatorSettings, World, WorldSettings

EVENT = Path(__file__).resolve().parent.parent / "events" / "enqueue_realtime.json"
THROTTLE_CODE = "ads.rate_limit.exceed_partner_api"


@dataclass(frozen=True, kw_only=True)
class CycleOptions:
    shops: int = 1000
    big_shops: int = 3  # shops with 5,000 campaigns
    share_900_plus: float = 0.10
    partner_rate: float = 50.0  # R, requests per second per partner
    budget_share: float = 0.95  # our own budget (PARTNER_REQUESTS_PER_SECOND) as a share of R
    worker_threads: int = 8  # records run side by side per container (WORKER_THREADS)
    latency_min_ms: int = 50
    latency_max_ms: int = 300
    concurrency: int = 4  # emulated worker containers
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
    enqueue_seconds: float
    cycle_seconds: float
    cpu_seconds: float  # this process's CPU time during the cycle (all threads)
    finished: bool
    jobs_by_status: dict[str, int]
    lag_p50_seconds: float
    lag_p99_seconds: float
    lag_max_seconds: float
    worker_batches: int
    job_seconds_mean: float  # started_at -> completed_at, the seed model's job time
    handler_errors: list[str] = field(default_factory=list)

    @property
    def bound_seconds(self) -> float:
        """The fastest a cycle can be at R req/s: the calls it needs / R."""
        return self.calls_accepted / self.options.partner_rate

    @property
    def utilization(self) -> float:
        return self.bound_seconds / self.cycle_seconds if self.cycle_seconds else 0.0


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
    ) as stack:
        stack.seed_shops()
        db = stack.database()
        stack.simulator.counters.reset()
        tick = datetime.now(UTC)
        started = time.monotonic()
        cpu_started = time.process_time()
        invoke("enqueue", json.loads(EVENT.read_text()))
        enqueue_seconds = time.monotonic() - started
        poller = stack.poller(DEFAULT_WEIGHTS, concurrency=options.concurrency)

        def done() -> bool:
            counts = JobStore(db).count_by_status()
            return not counts.get("pending") and not counts.get("processing")

        finished = poller.run_until(done, timeout_seconds=options.timeout_seconds)
        cycle_seconds = time.monotonic() - started
        cpu_seconds = time.process_time() - cpu_started
        rows = db.run(
            "SELECT extract(epoch FROM completed_at - :tick) AS lag"
            " FROM apishopee_ads_sync_queue WHERE completed_at IS NOT NULL",
            tick=tick,
        )
        lags = [float(r["lag"]) for r in rows]
        durations = db.run(
            "SELECT avg(extract(epoch FROM completed_at - started_at)) AS mean"
            " FROM apishopee_ads_sync_queue WHERE completed_at IS NOT NULL"
        )
        job_seconds = float(durations[0]["mean"] or 0.0)
        by_status = JobStore(db).count_by_status()
        db.close()
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
            enqueue_seconds=enqueue_seconds,
            cycle_seconds=cycle_seconds,
            cpu_seconds=cpu_seconds,
            finished=finished,
            jobs_by_status=by_status,
            lag_p50_seconds=percentile(lags, 50),
            lag_p99_seconds=percentile(lags, 99),
            lag_max_seconds=max(lags, default=0.0),
            worker_batches=poller.batches,
            job_seconds_mean=job_seconds,
            handler_errors=poller.handler_errors[:3],
        )
