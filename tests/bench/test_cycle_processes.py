"""The cycle benchmark runs each worker container in a process of its own: a tiny cycle
completes every job with what the children measured, and a container that fails is
reported and reaped. Tiny sizes, no timing assertions."""

import multiprocessing
from datetime import timedelta

import pytest

from bench.containers import ContainerFailed, ContainerSpec, WorkerContainers
from bench.cycle import PEAK_TICK, CycleOptions, run_cycle_bench
from local.postgres import scratch_database, server_url
from local.queues import LocalQueues
from local.runner import DEFAULT_WEIGHTS
from local.simulator.process import OffsetClock


def _containers_running() -> list[str]:
    return [p.name for p in multiprocessing.active_children() if p.name.startswith("worker-")]


def test_a_tiny_cycle_completes_every_job_with_the_containers_own_numbers() -> None:
    options = CycleOptions(
        shops=6,
        big_shops=0,
        partner_rate=200.0,
        concurrency=2,
        latency_min_ms=0,
        latency_max_ms=5,
        warmup=False,
        # The world's clock moves to the tick, hours from the wall clock: containers on
        # any other clock than the simulator's would sign calls it refuses.
        measured_at=PEAK_TICK,
        timeout_seconds=120.0,
    )
    with scratch_database(server_url(), prefix="adsync_procs") as url:
        result = run_cycle_bench(options, database_url=url)
    assert result.finished
    assert result.jobs_by_status == {"completed": 6}
    assert result.handler_errors == []
    # Each number below exists only in a child: this process invoked no worker.
    assert result.containers == options.concurrency
    assert result.worker_round_trips > 0
    assert result.connections_per_container >= 1
    assert result.worker_billed_seconds > 0
    assert result.worker_invocations >= 1
    assert result.worker_batches == result.worker_invocations
    assert result.cpu_seconds > 0
    # Shopee's side and the whole machine (it ran the containers, so it used more CPU).
    assert result.simulator_cpu_seconds > 0
    assert result.machine_cpu_seconds > result.simulator_cpu_seconds
    assert _containers_running() == []


def test_a_container_that_fails_to_start_is_reported_and_reaped() -> None:
    spec = ContainerSpec(
        env={},
        clock=OffsetClock(offset=timedelta(0)),
        queues=LocalQueues(urls={}, dead_letter_urls={}, arns={}),
        weights=DEFAULT_WEIGHTS,
        queue_database_url="postgresql://nobody@127.0.0.1:1/nothing",  # nothing listens
    )
    with pytest.raises(ContainerFailed, match="failed"), WorkerContainers(spec, count=2):
        pass
    assert _containers_running() == []
