"""The local stack on the Postgres SQS transport (pgqueue), as the benchmarks use it.

`local.stack.local_stack(transport="postgres")` plus what only the benchmarks need:
empty tables, the wall clock, an SQS call counter, a weighted poller, and the handlers'
clock as a value other processes can run (the cycle's worker containers). The stack's
handlers run on pgqueue (the counting wrapper, when asked), one set per container.
"""

import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from adsync.config import database_from_url
from adsync.db.connection import Database
from local.event_source import Poller
from local.simulator import SimulatorSettings, World
from local.simulator.process import OffsetClock, SimulatorProcess
from local.stack import QUIET_ENV, LocalStack, local_stack

Clock = Callable[[], datetime]


def _wall_clock() -> datetime:
    return datetime.now(UTC)


class CountingSqs:
    """Wraps an SQS client and counts calls per method (thread-safe)."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner
        self._lock = threading.Lock()
        self.calls: dict[str, int] = {}

    def __getattr__(self, name: str) -> Any:
        target = getattr(self._inner, name)
        if not callable(target):
            return target

        def counted(*args: Any, **kwargs: Any) -> Any:
            reply = target(*args, **kwargs)
            key = name
            if name == "receive_message" and not reply.get("Messages"):
                key = "receive_message (empty)"  # idle polling, not per-job cost
            with self._lock:
                self.calls[key] = self.calls.get(key, 0) + 1
            return reply

        return counted


@dataclass
class PgStack(LocalStack):
    """A LocalStack whose `sqs` is pgqueue, with helpers the benchmarks need."""

    def clock(self) -> datetime:
        # The simulator's clock (the wall clock, moved ahead between cycles when the
        # simulator runs in its own process): both sides of a signed call agree.
        now: datetime = self.simulator.now()
        return now

    def portable_clock(self) -> OffsetClock:
        """`clock` as a value another process runs (the simulator process's clock as it
        is now: take it again after moving the simulator)."""
        simulator: object = self.simulator
        if not isinstance(simulator, SimulatorProcess):
            raise TypeError("only a simulator in its own process has a portable clock")
        return simulator.clock

    def poller(self, weights: Mapping[int, int], *, concurrency: int) -> Poller:
        return Poller(
            self.worker_mappings(weights) + self.dead_letter_mappings(), concurrency=concurrency
        )

    def seed_shops(self) -> list[int]:
        """Tokens straight into the shops table: the /auth/token/get round trip is what
        onboarding tests cover; here it would only add minutes of simulated latency."""
        return self.seed_tokens()


def _empty_app_tables(db: Database) -> None:
    """Each benchmark starts from empty tables (whichever the migrations created)."""
    rows = db.run(
        "SELECT string_agg(format('%I.%I', schemaname, tablename), ', ') AS names"
        " FROM pg_tables WHERE schemaname = 'public' AND tablename LIKE 'apishopee%'"
    )
    if rows and rows[0]["names"]:
        db.run(f"TRUNCATE {rows[0]['names']} RESTART IDENTITY CASCADE")


@contextmanager
def pg_stack(
    *,
    database_url: str,
    world: World,
    simulator_settings: SimulatorSettings | None = None,
    extra_env: Mapping[str, str] | None = None,
    count_sqs_calls: bool = False,
    simulator_process: bool = False,
) -> Iterator[PgStack]:
    """`local.stack.local_stack` on pgqueue, the wall clock throughout, empty tables."""
    env = {**QUIET_ENV, "RETRY_DELAY_SECONDS": "2", **(extra_env or {})}
    with local_stack(
        database_url=database_url,
        world=world,
        simulator_settings=simulator_settings,
        clock=_wall_clock,
        extra_env=env,
        transport="postgres",
        simulator_process=simulator_process,
    ) as base:
        db = Database(database_from_url(database_url))
        try:
            _empty_app_tables(db)
        finally:
            db.close()
        running = PgStack(
            database_url=base.database_url,
            simulator=base.simulator,
            server=base.server,
            sqs=CountingSqs(base.sqs) if count_sqs_calls else base.sqs,
            queues=base.queues,
            env=base.env,
        )
        try:
            yield running
        finally:
            running.close()
