"""Runs the benchmarks from one process (the cycle's worker containers and the simulator
run in processes of their own) and renders RESULTS.md (machine, versions, date, numbers,
and each target of the issue marked met or missed)."""

import os
import platform
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from datetime import time as TimeOfDay
from importlib import metadata

from adsync.config import database_from_url
from adsync.db.connection import connect
from bench.capacity import realtime_executions
from bench.cold_start import ColdStartResult, run_cold_start_bench
from bench.cycle import PEAK_TICK, QUIET_TICK, CycleOptions, CycleResult, run_cycle_bench
from bench.enqueue import EnqueueResult, run_enqueue_bench
from bench.overhead import OverheadResult, run_overhead_bench
from bench.seed_model import ModelResult, ours_model, seed_model
from bench.transport import TransportResult, run_transport_bench
from bench.upserts import UpsertResult, run_upsert_bench

PACKAGES = ("boto3", "moto", "pg8000", "aws-lambda-powertools", "requests", "pgserver")


@dataclass(frozen=True, kw_only=True)
class Sizes:
    cycle_shops: int = 1000
    big_cycle_shops: int | None = None
    rate: float = 50.0
    concurrency: int | None = None  # None: realtime_executions(rate), the deploy guide's rule
    # A real budget (issue 15): the same shops at R = low_rate, after a warm-up cycle at
    # `rate`, on the executions the deploy guide's rule gives that budget.
    low_rate: float | None = 5.0
    # More rates of the capacity table, measured (R, shops): fewer shops at low R keep
    # the run short (a cycle's seconds per shop do not depend on the shop count).
    capacity_runs: tuple[tuple[float, int], ...] = ((10.0, 500), (3.0, 300))
    # A quiet tick (the Asian night, mid-hour) at `rate`: round trips per call are
    # highest when jobs make fewest calls.
    quiet_at: TimeOfDay | None = QUIET_TICK
    big_shops: int = 3
    latency_min_ms: int = 50
    latency_max_ms: int = 300
    enqueue_shops: int = 10_000
    upsert_rows: int = 10_000
    overhead_shops: int = 40
    import_runs: int = 10
    moto_messages: int = 500
    pg_messages: tuple[int, ...] = (500, 10_000)

    @classmethod
    def tiny(cls) -> "Sizes":
        return cls(
            cycle_shops=6,
            rate=200.0,
            concurrency=2,
            big_shops=0,
            latency_min_ms=0,
            latency_max_ms=5,
            low_rate=100.0,
            capacity_runs=((150.0, 4),),
            enqueue_shops=30,
            upsert_rows=50,
            overhead_shops=3,
            import_runs=1,
            moto_messages=20,
            pg_messages=(20,),
        )


@dataclass(frozen=True, kw_only=True)
class _Run:
    shops: int | None
    rate: float
    warmup: bool = True
    concurrency: int | None = None  # None: realtime_executions(rate)
    measured_at: TimeOfDay | None = PEAK_TICK


def _runs(sizes: Sizes) -> list[_Run]:
    """The cycles to run, the target's first: R=rate at the peak tick."""
    runs = [_Run(shops=sizes.cycle_shops, rate=sizes.rate, concurrency=sizes.concurrency)]
    if sizes.low_rate:
        runs.append(_Run(shops=sizes.cycle_shops, rate=sizes.low_rate))
    runs += [_Run(shops=shops, rate=rate) for rate, shops in sizes.capacity_runs]
    if sizes.quiet_at is not None:
        runs.append(
            _Run(
                shops=sizes.cycle_shops,
                rate=sizes.rate,
                concurrency=sizes.concurrency,
                measured_at=sizes.quiet_at,
            )
        )
    # The 10,000-shop cycle runs cold: a warm-up would double its half hour.
    runs.append(
        _Run(
            shops=sizes.big_cycle_shops,
            rate=sizes.rate,
            warmup=False,
            concurrency=sizes.concurrency,
            measured_at=None,
        )
    )
    return runs


@dataclass(kw_only=True)
class Report:
    sizes: Sizes
    argv: list[str]
    started: datetime
    machine: dict[str, str]
    transport: list[TransportResult] = field(default_factory=list)
    cycles: list[CycleResult] = field(default_factory=list)
    seed: list[tuple[ModelResult, ModelResult]] = field(default_factory=list)
    enqueue: EnqueueResult | None = None
    upserts: UpsertResult | None = None
    overhead: OverheadResult | None = None
    cold_start: ColdStartResult | None = None
    seconds: float = 0.0

    def markdown(self) -> str:
        from bench.render import render

        return render(self)


def machine_info(database_url: str) -> dict[str, str]:
    cpu = platform.processor() or "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    conn = connect(database_from_url(database_url), application_name="adsync-bench")
    try:
        postgres = str(conn.run("SHOW server_version")[0][0])
    finally:
        conn.close()
    info = {
        "cpu": f"{cpu} x {os.cpu_count()}",
        "os": platform.platform(),
        "python": platform.python_version(),
        "postgres": postgres
        + (" (DATABASE_URL)" if os.environ.get("DATABASE_URL") else " (embedded)"),
        # Other work on the machine skews the timings: say how busy it was.
        "load average at start (1, 5, 15 min)": ", ".join(f"{x:.1f}" for x in os.getloadavg()),
    }
    for name in PACKAGES:
        try:
            info[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            info[name] = "not installed"
    return info


def run_all(
    sizes: Sizes, *, database_url: str, argv: list[str], progress: Callable[[str], None]
) -> Report:
    started = time.monotonic()
    report = Report(
        sizes=sizes, argv=argv, started=datetime.now(UTC), machine=machine_info(database_url)
    )
    progress("transport: moto vs pgqueue")
    report.transport = run_transport_bench(
        moto_messages=sizes.moto_messages,
        pg_messages=list(sizes.pg_messages),
        database_url=database_url,
    )
    for run in _runs(sizes):
        if not run.shops:
            continue
        progress(f"cycle: {run.shops} shops at {run.rate} req/s")
        options = CycleOptions(
            shops=run.shops,
            big_shops=sizes.big_shops,
            partner_rate=run.rate,
            warmup_rate=sizes.rate,
            latency_min_ms=sizes.latency_min_ms,
            latency_max_ms=sizes.latency_max_ms,
            warmup=run.warmup,
            measured_at=run.measured_at,
            timeout_seconds=3600.0,
            concurrency=run.concurrency or realtime_executions(run.rate),
        )
        report.cycles.append(run_cycle_bench(options, database_url=database_url))
    progress("overhead per job")
    report.overhead = run_overhead_bench(sizes.overhead_shops, database_url=database_url)
    first = report.cycles[0]
    job_seconds = first.job_seconds_mean
    for shops in (100, 1000, 10_000):
        report.seed.append(
            (
                seed_model(shops, job_seconds=job_seconds),
                ours_model(
                    shops,
                    seconds_per_shop=first.cycle_seconds / first.options.shops,
                    lag_max_seconds=first.lag_max_seconds,
                ),
            )
        )
    progress(f"enqueue: {sizes.enqueue_shops} shops")
    report.enqueue = run_enqueue_bench(sizes.enqueue_shops, database_url=database_url)
    progress(f"upserts: {sizes.upsert_rows} rows")
    report.upserts = run_upsert_bench(sizes.upsert_rows, database_url=database_url)
    progress("cold start")
    report.cold_start = run_cold_start_bench(sizes.import_runs)
    report.seconds = time.monotonic() - started
    report.machine["load average at the end (1, 5, 15 min)"] = ", ".join(
        f"{x:.1f}" for x in os.getloadavg()
    )
    return report
