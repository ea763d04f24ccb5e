"""The one-machine stack: Postgres, moto's SQS, the Shopee simulator, and the env
that points the real handlers at them. Used by the local runner and by the tests.
"""

import os
from collections.abc import Callable, Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal, Protocol

import boto3
from moto import mock_aws

from adsync.config import database_from_url
from adsync.db.connection import Database
from adsync.db.migrate import apply_migrations
from adsync.db.shop_store import ShopStore
from adsync.services import dependencies
from adsync.services.dependencies import Dependencies
from adsync.services.onboarding import onboard_shop
from adsync.shops import TokenPair
from local.event_source import REGION, EventSourceMapping
from local.pgqueue import make_sqs
from local.queues import LocalQueues, create_queues
from local.simulator import Simulator, SimulatorSettings, World
from local.simulator.process import SimulatorProcess
from local.template import load_template, queue_layout

Clock = Callable[[], datetime]
AWS_ENV = {
    "AWS_DEFAULT_REGION": REGION,
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
}
QUIET_ENV = {"POWERTOOLS_METRICS_DISABLED": "true", "POWERTOOLS_LOG_LEVEL": "WARNING"}


@contextmanager
def patched_env(values: Mapping[str, str]) -> Iterator[None]:
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, old in saved.items():
            if old is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = old


class SimulatorEndpoint(Protocol):
    """What the stack uses of the simulator's HTTP server: a SimServer, or a
    SimulatorProcess (its own server)."""

    @property
    def base_url(self) -> str: ...


@dataclass
class LocalStack:
    database_url: str
    simulator: Simulator  # or a SimulatorProcess, which serves what the stack uses of it
    server: SimulatorEndpoint
    sqs: Any
    queues: LocalQueues
    env: dict[str, str]

    def database(self) -> Database:
        return Database(database_from_url(self.database_url))

    def dependencies(self, clock: Callable[[], datetime] | None = None) -> Dependencies:
        return Dependencies(env=self.env, clock=clock or self.simulator.now, sqs=self.sqs)

    def onboard_all(self) -> list[int]:
        """Every simulated shop authorizes the app; tokens come through /auth/token/get."""
        deps = self.dependencies()
        try:
            for shop in self.simulator.world.shops:
                code = self.simulator.authorize(shop.shop_id)
                onboard_shop(deps, shop_id=shop.shop_id, region=shop.region, code=code)
        finally:
            deps.close()
        return [s.shop_id for s in self.simulator.world.shops]

    def seed_tokens(self) -> list[int]:
        """Every simulated shop with a valid token, written straight to the shops table
        (fast; `onboard_all` is the real OAuth path)."""
        db = self.database()
        try:
            shops = ShopStore(db)
            now = self.simulator.now()
            for spec in self.simulator.world.shops:
                pair = self.simulator.issue_tokens(spec.shop_id)
                shops.upsert(
                    shop_id=spec.shop_id,
                    region=spec.region,
                    tokens=TokenPair(
                        access_token=pair.access_token,
                        refresh_token=pair.refresh_token,
                        access_expires_at=pair.access_expires_at,
                        refresh_expires_at=pair.refresh_expires_at,
                    ),
                    now=now,
                )
        finally:
            db.close()
        return [s.shop_id for s in self.simulator.world.shops]

    def worker_mappings(self, weights: Mapping[int, int]) -> list[tuple[EventSourceMapping, int]]:
        return [
            (self._mapping(url, "worker"), weights.get(priority, 1))
            for priority, url in sorted(self.queues.urls.items(), reverse=True)
        ]

    def dead_letter_mappings(self) -> list[tuple[EventSourceMapping, int]]:
        return [
            (self._mapping(url, "dead_letter"), 1) for url in self.queues.dead_letter_urls.values()
        ]

    def _mapping(self, url: str, function: str) -> EventSourceMapping:
        return EventSourceMapping(
            sqs=self.sqs, queue_url=url, queue_arn=self.queues.arns[url], function=function
        )


Transport = Literal["moto", "postgres"]


def _sqs(stack: ExitStack, transport: Transport, database_url: str, clock: Clock) -> Any:
    """moto (the SQS oracle; small queues) or pgqueue (same semantics, 10,000+ messages)."""
    if transport == "moto":
        stack.enter_context(mock_aws())
        return boto3.client("sqs", region_name=REGION)
    sqs = make_sqs(database_url, clock=clock)
    stack.callback(sqs.close)
    sqs.truncate_all()
    return sqs


@contextmanager
def local_stack(
    *,
    database_url: str,
    world: World,
    simulator_settings: SimulatorSettings | None = None,
    clock: Clock | None = None,
    extra_env: Mapping[str, str] | None = None,
    transport: Transport = "moto",
    simulator_process: bool = False,
) -> Iterator[LocalStack]:
    """Start everything, migrate, create the template's queues; undo it all on exit.

    `simulator_process` runs the simulator in a process of its own, on the wall clock
    (benchmarks); tests keep it in-process, where they can drive its clock and faults.
    """
    clock = clock or (lambda: datetime.now(UTC))
    with ExitStack() as stack:
        stack.enter_context(patched_env(AWS_ENV))
        simulator: Any
        server: SimulatorEndpoint
        if simulator_process:
            simulator = server = SimulatorProcess(world, simulator_settings)
            stack.callback(simulator.stop)
        else:
            simulator = Simulator(world, simulator_settings or SimulatorSettings(), clock=clock)
            server = stack.enter_context(simulator.serve())
        sqs = _sqs(stack, transport, database_url, clock)
        queues = create_queues(sqs, queue_layout(load_template()))
        env = {
            **AWS_ENV,
            **queues.env(),
            "DATABASE_URL": database_url,
            "SHOPEE_BASE_URL": server.base_url,
            "SHOPEE_PARTNER_ID": str(simulator.settings.partner_id),
            "SHOPEE_PARTNER_KEY": simulator.settings.partner_key,
            **(extra_env or {}),
        }
        stack.enter_context(patched_env(env))
        stack.callback(dependencies.reset)
        db = Database(database_from_url(database_url))
        try:
            apply_migrations(db)
        finally:
            db.close()
        yield LocalStack(
            database_url=database_url,
            simulator=simulator,
            server=server,
            sqs=sqs,
            queues=queues,
            env=env,
        )
