"""The local stack with the Postgres SQS transport (pgqueue) instead of moto.

Reuses `local.stack.LocalStack`, `local.queues` and `local.event_source` unchanged.
What `local.stack` does not offer yet (a choice of transport) is done here; the
handlers get pgqueue through `dependencies.install(factory)`, one set per thread.
"""

import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime
from typing import Any

from adsync.config import database_from_url
from adsync.db.connection import Database
from adsync.db.migrate import apply_migrations
from adsync.services import dependencies
from adsync.services.dependencies import Dependencies
from local.event_source import Poller
from local.pgqueue import PgSqs, make_sqs
from local.queues import create_queues
from local.simulator import Simulator, SimulatorSettings, World
from local.stack import AWS_ENV, QUIET_ENV, LocalStack, patched_env
from local.template import load_template, queue_layout

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


class PgStack(LocalStack):
    """A LocalStack whose `sqs` is pgqueue, with helpers the benchmarks need."""

    def clock(self) -> datetime:
        return _wall_clock()

    def make_deps(self) -> Dependencies:
        return Dependencies(env=self.env, clock=self.clock, sqs=self.sqs)

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
) -> Iterator[PgStack]:
    """Like `local.stack.local_stack`, on pgqueue; the wall clock throughout."""
    simulator = Simulator(world, simulator_settings or SimulatorSettings(), clock=_wall_clock)
    with ExitStack() as stack:
        stack.enter_context(patched_env(AWS_ENV))
        server = stack.enter_context(simulator.serve())
        pg: PgSqs = make_sqs(database_url)
        stack.callback(pg.close)
        pg.truncate_all()
        sqs: Any = CountingSqs(pg) if count_sqs_calls else pg
        queues = create_queues(sqs, queue_layout(load_template()))
        env = {
            **AWS_ENV,
            **QUIET_ENV,
            **queues.env(),
            "DATABASE_URL": database_url,
            "SHOPEE_BASE_URL": server.base_url,
            "SHOPEE_PARTNER_ID": str(simulator.settings.partner_id),
            "SHOPEE_PARTNER_KEY": simulator.settings.partner_key,
            "RETRY_DELAY_SECONDS": "2",
            **(extra_env or {}),
        }
        stack.enter_context(patched_env(env))
        stack.callback(dependencies.reset)
        db = Database(database_from_url(database_url))
        try:
            apply_migrations(db)
            _empty_app_tables(db)
        finally:
            db.close()
        running = PgStack(
            database_url=database_url,
            simulator=simulator,
            server=server,
            sqs=sqs,
            queues=queues,
            env=env,
        )
        # Every thread (one "Lambda container" each) builds its own set on pgqueue.
        dependencies.install(running.make_deps)
        yield running
