"""Benchmark 5: what one job costs besides Shopee's latency.

Runs a small cycle with the simulator's latency at 0 and counts, per job: database
round trips (every `Database.run`), SQS calls (a counting wrapper around pgqueue), and
the CPU time of the worker threads alone (the mapping's threads around each invocation
plus the worker's record pool threads, by their CPU clocks; the simulator's HTTP
threads are excluded).
"""

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from adsync.db.connection import Database
from adsync.db.job_store import JobStore
from bench.cycle import EVENT
from bench.stack import pg_stack
from local.lambda_runtime import LambdaRuntime
from local.runner import DEFAULT_WEIGHTS
from local.simulator import World, WorldSettings


@dataclass(frozen=True, kw_only=True)
class OverheadResult:
    jobs: int
    db_round_trips_per_job: dict[str, float]  # by handler
    sqs_calls_per_job: dict[str, float]
    shopee_calls_per_job: float
    worker_cpu_ms_per_job: float


def _is_worker_thread(thread: threading.Thread) -> bool:
    # esm-*: the mapping's pollers (Lambda's invoke); job*: the worker's record pool.
    return thread.name.startswith(("esm-", "job"))


def _pool_cpu_seconds() -> dict[int, float]:
    cpu = {}
    for thread in threading.enumerate():
        if thread.name.startswith("job") and thread.ident is not None:
            cpu[thread.ident] = time.clock_gettime(time.pthread_getcpuclockid(thread.ident))
    return cpu


class _Tally:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.in_enqueue = False
        self.db_runs = {"enqueue": 0, "worker": 0}
        self.invoke_cpu = 0.0


@contextmanager
def _instrumented(tally: _Tally) -> Iterator[None]:
    """Count Database.run by handler and time the worker's CPU (bench process only)."""
    original_run = Database.run
    original_invoke = LambdaRuntime.invoke

    def counting_run(self: Database, sql: str, **params: Any) -> list[dict[str, Any]]:
        thread = threading.current_thread()
        handler = "worker" if _is_worker_thread(thread) else "enqueue" if tally.in_enqueue else None
        if handler is not None:
            with tally.lock:
                tally.db_runs[handler] += 1
        return original_run(self, sql, **params)

    def timed_invoke(self: LambdaRuntime, name: str, event: dict[str, Any], **kwargs: Any) -> Any:
        started = time.thread_time()
        try:
            return original_invoke(self, name, event, **kwargs)
        finally:
            if name == "worker":
                with tally.lock:
                    tally.invoke_cpu += time.thread_time() - started

    # Instrumentation of the classes themselves, for the length of the benchmark only.
    Database.run = counting_run  # type: ignore[method-assign]
    LambdaRuntime.invoke = timed_invoke  # type: ignore[method-assign]
    try:
        yield
    finally:
        Database.run = original_run  # type: ignore[method-assign]
        LambdaRuntime.invoke = original_invoke  # type: ignore[method-assign]


def run_overhead_bench(shops: int, *, database_url: str) -> OverheadResult:
    world = World.generate(WorldSettings(seed=11, shop_count=shops))
    tally = _Tally()
    with pg_stack(database_url=database_url, world=world, count_sqs_calls=True) as stack:
        stack.seed_shops()
        stack.simulator.counters.reset()
        stack.sqs.calls.clear()
        db = stack.database()
        pool_before = _pool_cpu_seconds()
        with _instrumented(tally):
            tally.in_enqueue = True
            stack.invoke("enqueue", json.loads(EVENT.read_text()))
            tally.in_enqueue = False
            poller = stack.poller(DEFAULT_WEIGHTS, concurrency=2)

            def done() -> bool:
                counts = JobStore(db).count_by_status()
                return not counts.get("pending") and not counts.get("processing")

            poller.run_until(done, timeout_seconds=300)
        pool_after = _pool_cpu_seconds()
        pool_cpu = sum(cpu - pool_before.get(ident, 0.0) for ident, cpu in pool_after.items())
        jobs = JobStore(db).count_by_status().get("completed", 0)
        db.close()
        n = max(1, jobs)
        return OverheadResult(
            jobs=jobs,
            db_round_trips_per_job={k: v / n for k, v in sorted(tally.db_runs.items())},
            sqs_calls_per_job={k: v / n for k, v in sorted(stack.sqs.calls.items())},
            shopee_calls_per_job=sum(stack.simulator.counters.calls.values()) / n,
            worker_cpu_ms_per_job=(tally.invoke_cpu + pool_cpu) * 1000 / n,
        )
