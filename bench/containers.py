"""The cycle benchmark's worker containers, each in an OS process of its own.

On AWS every worker container is an execution environment with its own CPU; run as
threads of one Python process, 10 containers x 10 record threads measured the GIL, not
the pipeline. Here each container is a spawned process: it polls the worker's mappings
(pgqueue lives in Postgres, so any process can) with the deployed weights, one batch at
a time, and invokes the worker through a `LambdaRuntime` of its own, on the env and the
clock (the simulator's, an `OffsetClock`) the parent's stack gives its handlers.

The parent starts them and waits until each has imported the handler (`__enter__`),
releases them when the cycle's clock starts (`release`), stops them when the cycle is
done (`stop`, which returns what each measured), and never leaves one behind
(`__exit__` terminates any still running). Owns no cycle logic: enqueue, reconcile,
the dead-letter mapping and the completion check stay with the caller.
"""

import multiprocessing
import os
import time
import traceback
from collections.abc import Mapping
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from multiprocessing.synchronize import Event
from typing import Any, Self

from adsync.db.pool import ConnectionPool
from adsync.services.dependencies import Dependencies
from local.event_source import Poller
from local.lambda_runtime import BILLING, LambdaRuntime, load_function
from local.pgqueue import make_sqs
from local.queues import LocalQueues, worker_mappings
from local.simulator.process import OffsetClock

START_TIMEOUT_SECONDS = 180.0  # ten interpreters importing the layer on two busy cores
STOP_TIMEOUT_SECONDS = 330.0  # a batch in hand finishes first (the worker's 300 s timeout)
# A released container polls until the parent stops it (or dies: checked this often);
# the parent's completion check bounds the cycle, this only bounds a lost child.
RUN_LIMIT_SECONDS = 24 * 3600.0
ORPHAN_CHECK_SECONDS = 1.0


class ContainerFailed(Exception):
    """A worker container process failed or exited before it was stopped."""


@dataclass(frozen=True, kw_only=True)
class ContainerSpec:
    """What a container needs from the parent's stack: picklable values only."""

    env: Mapping[str, str]  # the stack's handler env (queue URLs, budget, simulator URL...)
    clock: OffsetClock  # the simulator's clock, as the parent's handlers read it
    queues: LocalQueues
    weights: Mapping[int, int]  # MaximumConcurrency per priority
    queue_database_url: str  # pgqueue's database


@dataclass(frozen=True, kw_only=True)
class ContainerReport:
    """What one container measured between its release and its stop."""

    batches: int
    handler_errors: list[str]
    billed_seconds: float  # its worker invocations, as Lambda bills them
    invocations: int
    statements: int  # round trips of its connection pool
    connections: int  # connections its pool opened
    cpu_seconds: float  # the process's CPU (poller, handler and record threads)


@dataclass(frozen=True, kw_only=True)
class ContainerTotals:
    """The containers' reports, summed (the most, for connections)."""

    containers: int
    batches: int
    handler_errors: list[str] = field(default_factory=list)
    billed_seconds: float
    invocations: int
    statements: int
    most_connections: int
    cpu_seconds: float

    @classmethod
    def of(cls, reports: list[ContainerReport]) -> "ContainerTotals":
        return cls(
            containers=len(reports),
            batches=sum(r.batches for r in reports),
            handler_errors=[e for r in reports for e in r.handler_errors],
            billed_seconds=sum(r.billed_seconds for r in reports),
            invocations=sum(r.invocations for r in reports),
            statements=sum(r.statements for r in reports),
            most_connections=max((r.connections for r in reports), default=0),
            cpu_seconds=sum(r.cpu_seconds for r in reports),
        )


def _orphaned() -> bool:
    """The parent has died (killed, say): a container must not outlive it."""
    parent = multiprocessing.parent_process()
    return parent is not None and not parent.is_alive()


def _container(spec: ContainerSpec, conn: Connection, go: Event, stop: Event) -> None:
    """The child: warm up, say so, poll from `go` until `stop`, report, close."""
    try:
        os.environ.update(spec.env)  # what a Lambda container's process environment holds
        sqs = make_sqs(spec.queue_database_url)  # the wall clock, as the parent's pgqueue
        built: list[Dependencies] = []

        def build() -> Dependencies:
            deps = Dependencies(env=spec.env, clock=spec.clock, sqs=sqs)
            built.append(deps)
            return deps

        runtime = LambdaRuntime(build)
        mappings = worker_mappings(spec.queues, spec.weights, sqs=sqs, invoke=runtime.invoke)
        poller = Poller(mappings, concurrency=1)  # one batch at a time, as one container
        load_function("worker")  # the import a cold start pays, before the cycle's clock
        conn.send(("ready", None))
        while not go.wait(ORPHAN_CHECK_SECONDS):
            if _orphaned():
                return
        cpu_started = time.process_time()

        def stopped() -> bool:
            return stop.is_set() or _orphaned()

        poller.run_until(stopped, timeout_seconds=RUN_LIMIT_SECONDS)
        cpu_seconds = time.process_time() - cpu_started
        pools = [p for d in built if isinstance(p := d.__dict__.get("db"), ConnectionPool)]
        report = ContainerReport(
            batches=poller.batches,
            handler_errors=poller.handler_errors[:3],
            billed_seconds=BILLING.billed_seconds("worker"),
            invocations=BILLING.invocations("worker"),
            statements=sum(p.statements() for p in pools),
            connections=max((p.used() for p in pools), default=0),
            cpu_seconds=cpu_seconds,
        )
        runtime.close()  # its pool: Postgres has ~100 connections
        sqs.close()
        conn.send(("report", report))
    except BaseException:
        conn.send(("error", traceback.format_exc()))
        raise
    finally:
        conn.close()


class WorkerContainers:
    """`count` worker containers on `spec`, each a spawned process (see the module)."""

    def __init__(self, spec: ContainerSpec, *, count: int) -> None:
        context = multiprocessing.get_context("spawn")  # never fork a threaded process
        self._go = context.Event()
        self._stop = context.Event()
        self._children: list[tuple[BaseProcess, Connection]] = []
        self._child_ends: list[Connection] = []
        for index in range(count):
            conn, child = context.Pipe()
            process = context.Process(
                target=_container,
                args=(spec, child, self._go, self._stop),
                name=f"worker-container-{index}",
                daemon=True,
            )
            self._children.append((process, conn))
            self._child_ends.append(child)

    def __enter__(self) -> Self:
        """Start every container and wait until each has warmed up."""
        try:
            for process, _ in self._children:
                process.start()
            for end in self._child_ends:
                end.close()  # the children hold theirs: EOF when one dies
            deadline = time.monotonic() + START_TIMEOUT_SECONDS
            for process, conn in self._children:
                self._expect(process, conn, "ready", deadline - time.monotonic())
        except BaseException:
            self._terminate()
            raise
        return self

    def release(self) -> None:
        """The cycle's clock has started: every container starts polling."""
        self._go.set()

    def check(self) -> None:
        """Raise `ContainerFailed` if a container has exited before its stop."""
        for process, conn in self._children:
            if not process.is_alive():
                raise ContainerFailed(f"{process.name} exited early: {self._said(conn)}")

    def stop(self) -> list[ContainerReport]:
        """Stop every container (each finishes its batch in hand); what each measured."""
        self._stop.set()
        self._go.set()  # one never released stops at once
        deadline = time.monotonic() + STOP_TIMEOUT_SECONDS
        reports: list[ContainerReport] = [
            self._expect(process, conn, "report", deadline - time.monotonic())
            for process, conn in self._children
        ]
        for process, _ in self._children:
            process.join(timeout=max(0.0, deadline - time.monotonic()))
        return reports

    def __exit__(self, *exc: object) -> None:
        self._terminate()

    def _expect(self, process: BaseProcess, conn: Connection, kind: str, timeout: float) -> Any:
        if not conn.poll(max(0.0, timeout)):
            raise ContainerFailed(f"{process.name}: no {kind} within its time")
        try:
            got, value = conn.recv()
        except EOFError as exc:
            raise ContainerFailed(f"{process.name} exited (code {process.exitcode})") from exc
        if got != kind:
            raise ContainerFailed(f"{process.name} failed:\n{value}")
        return value

    @staticmethod
    def _said(conn: Connection) -> str:
        try:
            if conn.poll():
                got, value = conn.recv()
                return f"{got}: {value}"
        except (EOFError, OSError):
            pass
        return "no word from it"

    def _terminate(self) -> None:
        """Stop and reap every container; one still running is terminated, then killed."""
        self._stop.set()
        self._go.set()
        for process, conn in self._children:
            if process.pid is not None:  # started
                process.join(timeout=5)
                if process.is_alive():
                    process.terminate()
                    process.join(timeout=5)
                if process.is_alive():
                    process.kill()
                    process.join()
            conn.close()
