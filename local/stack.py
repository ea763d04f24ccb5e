"""The one-machine stack: Postgres, moto's SQS, the Shopee simulator, and the env
that points the real handlers at them. Used by the local runner and by the tests.

With a `ShopeeEndpoint` instead of a world, no simulator starts: the handlers call that
Shopee (a partner's test environment, or live) with the partner's own credentials, read
by the caller before this stack patches the environment and starts moto.
"""

import os
from collections.abc import Callable, Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal, Protocol

import boto3
from moto import mock_aws

from adsync.config import PartnerCredentials, database_from_url
from adsync.db.connection import Database
from adsync.db.migrate import apply_migrations
from adsync.db.partner_store import PartnerStore
from adsync.db.shop_store import ShopStore
from adsync.partners import Partner
from adsync.services.dependencies import Dependencies
from adsync.services.onboarding import onboard_main_account, onboard_shop
from adsync.services.partners import default_partner, ensure_default_partner
from adsync.shops import AuthorizationFacts, TokenPair
from local.event_source import REGION, EventSourceMapping
from local.lambda_runtime import LambdaRuntime
from local.pgqueue import make_sqs
from local.queues import LocalQueues, create_queues, dead_letter_mappings, worker_mappings
from local.simulator import PartnerApp, Simulator, SimulatorSettings, World
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


@dataclass(frozen=True, kw_only=True)
class ShopeeEndpoint:
    """A Shopee that is not our simulator: its base URL and the partner app's identity."""

    base_url: str
    partner: PartnerCredentials  # the key never shows in a repr, a log or a summary


class SimulatorEndpoint(Protocol):
    """What the stack uses of the simulator's HTTP server: a SimServer, or a
    SimulatorProcess (its own server)."""

    @property
    def base_url(self) -> str: ...


@dataclass
class LocalStack:
    database_url: str
    # The simulator, or a SimulatorProcess (it serves what the stack uses of it). Typed
    # for the simulated stack every test and benchmark builds; None (checked where it can
    # be) only in a stack built with `shopee`, which points at a real Shopee.
    simulator: Simulator
    server: SimulatorEndpoint  # a SimServer; a SimulatorProcess is its own server
    sqs: Any
    queues: LocalQueues
    env: dict[str, str]
    shopee: ShopeeEndpoint | None = None
    # The handlers' time: the simulator's when there is one (None: ask it), else the wall.
    handler_clock: Clock | None = None
    # The handlers' containers: one per thread and function, each on its own set of
    # `dependencies()` (this env, this clock, this SQS). Closed with the stack.
    lambdas: LambdaRuntime = field(init=False, repr=False)
    _other_lambdas: list[LambdaRuntime] = field(init=False, repr=False, default_factory=list)

    def __post_init__(self) -> None:
        self.lambdas = LambdaRuntime(self._container)

    def invoke(self, name: str, event: dict[str, Any], *, timeout_seconds: float = 300.0) -> Any:
        """Invoke a function as one Lambda invocation, in this thread's container."""
        return self.lambdas.invoke(name, event, timeout_seconds=timeout_seconds)

    def lambdas_on(
        self,
        *,
        env: Mapping[str, str] | None = None,
        clock: Clock | None = None,
        sqs: Any = None,
    ) -> LambdaRuntime:
        """Containers of their own on `env`, `clock` or `sqs` instead of the stack's (a
        database that is down, an SQS that refuses, other settings). Closed with the stack."""
        runtime = LambdaRuntime(
            lambda: Dependencies(
                env=self.env if env is None else env,
                clock=clock or self.now,
                sqs=self.sqs if sqs is None else sqs,
            )
        )
        self._other_lambdas.append(runtime)
        return runtime

    def renew_lambdas(self) -> None:
        """The containers are gone (closed, their pools with them); the next invocations
        start new ones, which read the env as it is then."""
        self.lambdas.close()
        self.lambdas = LambdaRuntime(self._container)

    def close(self) -> None:
        """Close every container the stack's handlers ran in."""
        for runtime in [self.lambdas, *self._other_lambdas]:
            runtime.close()

    def _container(self) -> Dependencies:
        return self.dependencies()

    def database(self) -> Database:
        return Database(database_from_url(self.database_url))

    def now(self) -> datetime:
        now: datetime = (self.handler_clock or self._simulated().now)()
        return now

    def dependencies(self, clock: Callable[[], datetime] | None = None) -> Dependencies:
        return Dependencies(env=self.env, clock=clock or self.now, sqs=self.sqs)

    def _simulated(self) -> Any:
        if self.simulator is None:
            raise RuntimeError("this stack calls a real Shopee: it has no simulated shops")
        return self.simulator

    def register_partners(self) -> None:
        """The simulator's apps as partner rows where missing (a test or a benchmark may
        have emptied the table; rows it edited stay as they are)."""
        simulator = self._simulated()
        db = self.database()
        try:
            register_partners(
                PartnerStore(db),
                simulator.settings,
                env=self.env,
                now=simulator.now(),
                replace=False,
            )
        finally:
            db.close()

    def partner_of(self, shop_id: int) -> int:
        """The partner app a simulated shop authorized: the simulator's apps in turn."""
        apps = self.simulator.settings.apps()
        index = [s.shop_id for s in self.simulator.world.shops].index(shop_id)
        return int(apps[index % len(apps)].partner_id)

    def onboard_all(self) -> list[int]:
        """Every simulated shop authorizes its partner app (the simulator's apps in turn);
        tokens come through /auth/token/get, signed by that app. Each main account of the
        world brings its shops with one code (doc §3.1), for the default app."""
        self.register_partners()
        world = self.simulator.world
        deps = self.dependencies()
        try:
            done: set[int] = set()
            for k in range(len(world.settings.main_account_sizes)):
                main_account_id = world.settings.first_main_account_id + k
                code = self.simulator.authorize_main_account(main_account_id)
                result = onboard_main_account(
                    deps,
                    main_account_id=main_account_id,
                    code=code,
                    partner_id=self.simulator.settings.partner_id,
                )
                done.update(s.shop_id for s in result.shops)
            for shop in world.shops:
                if shop.shop_id not in done:
                    code = self.simulator.authorize(shop.shop_id)
                    onboard_shop(
                        deps,
                        shop_id=shop.shop_id,
                        region=shop.region,
                        code=code,
                        partner_id=self.partner_of(shop.shop_id),
                    )
        finally:
            deps.close()
        return [s.shop_id for s in world.shops]

    def seed_tokens(self) -> list[int]:
        """Every simulated shop with a valid token, written straight to the shops table
        (fast; `onboard_all` is the real OAuth path)."""
        self.register_partners()
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
                    # As onboarding would have learnt from get_shop_info.
                    authorization=AuthorizationFacts(
                        expires_at=now + self.simulator.settings.authorization_ttl,
                        checked_at=now,
                    ),
                )
                PartnerStore(db).assign(
                    shop_id=spec.shop_id, partner_id=self.partner_of(spec.shop_id), now=now
                )
        finally:
            db.close()
        return [s.shop_id for s in self.simulator.world.shops]

    def worker_mappings(self, weights: Mapping[int, int]) -> list[tuple[EventSourceMapping, int]]:
        return worker_mappings(self.queues, weights, sqs=self.sqs, invoke=self.invoke)

    def dead_letter_mappings(self) -> list[tuple[EventSourceMapping, int]]:
        return dead_letter_mappings(self.queues, sqs=self.sqs, invoke=self.invoke)


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
    world: World | None = None,
    shopee: ShopeeEndpoint | None = None,
    simulator_settings: SimulatorSettings | None = None,
    clock: Clock | None = None,
    extra_env: Mapping[str, str] | None = None,
    transport: Transport = "moto",
    simulator_process: bool = False,
) -> Iterator[LocalStack]:
    """Start everything, migrate, create the template's queues; undo it all on exit.

    `simulator_process` runs the simulator in a process of its own, on the wall clock
    (benchmarks); tests keep it in-process, where they can drive its clock and faults.
    `shopee` instead of `world`: no simulator; the handlers call that Shopee.
    """
    if (world is None) == (shopee is None):
        raise ValueError("local_stack takes a simulated world or a Shopee endpoint, not both")
    clock = clock or (lambda: datetime.now(UTC))
    with ExitStack() as stack:
        stack.enter_context(patched_env(AWS_ENV))
        simulator: Any = None
        server: Any = None
        now = clock  # what the handlers see: the simulator's time when there is one
        if shopee is not None:
            base_url, partner = shopee.base_url, shopee.partner
        else:
            assert world is not None  # checked above: a world or a Shopee endpoint
            if simulator_process:
                simulator = server = SimulatorProcess(world, simulator_settings)
                stack.callback(simulator.stop)
            else:
                simulator = Simulator(world, simulator_settings or SimulatorSettings(), clock=clock)
                server = stack.enter_context(simulator.serve())
            now = simulator.now
            base_url = server.base_url
            partner = PartnerCredentials(
                partner_id=simulator.settings.partner_id,
                partner_key=simulator.settings.partner_key,
            )
        sqs = _sqs(stack, transport, database_url, clock)
        queues = create_queues(sqs, queue_layout(load_template()))
        env = {
            **AWS_ENV,
            **queues.env(),
            "DATABASE_URL": database_url,
            "SHOPEE_BASE_URL": base_url,
            "SHOPEE_PARTNER_ID": str(partner.partner_id),
            "SHOPEE_PARTNER_KEY": partner.partner_key,
            **{_key_env(app.partner_id): app.partner_key for app in _more_apps(simulator)},
            **(extra_env or {}),
        }
        stack.enter_context(patched_env(env))
        db = Database(database_from_url(database_url))
        try:
            apply_migrations(db)
            if simulator is not None:
                register_partners(PartnerStore(db), simulator.settings, env=env, now=clock())
            else:  # a real Shopee: its one partner app, from the caller's credentials
                ensure_default_partner(PartnerStore(db), env=env, credentials=partner, now=clock())
        finally:
            db.close()
        running = LocalStack(
            database_url=database_url,
            simulator=simulator,
            server=server,
            sqs=sqs,
            queues=queues,
            env=env,
            shopee=shopee,
            handler_clock=now,
        )
        stack.callback(running.close)  # before the env, SQS and simulator go
        yield running


def _more_apps(simulator: Any) -> tuple[PartnerApp, ...]:
    return () if simulator is None else tuple(simulator.settings.apps()[1:])


def _key_env(partner_id: int) -> str:
    """Where a local partner's key lives: an environment variable, never the database."""
    return f"SHOPEE_PARTNER_KEY_{partner_id}"


def register_partners(
    store: PartnerStore,
    settings: SimulatorSettings,
    *,
    env: Mapping[str, str],
    now: datetime,
    replace: bool = True,
) -> None:
    """The simulator's partner apps as partner rows, as a deploy and `partner-add` would:
    the default one from SHOPEE_PARTNER_*, the others by `env:` reference to their key.
    `replace`: over an earlier run's rows (its simulator had another URL)."""
    main = PartnerCredentials(partner_id=settings.partner_id, partner_key=settings.partner_key)
    write = store.upsert if replace else store.insert_if_absent
    write(default_partner(env, main), now=now)
    ensure_default_partner(store, env=env, credentials=main, now=now)
    for index, app in enumerate(settings.apps()[1:], start=2):
        write(
            Partner(
                id=app.partner_id,
                name=f"agency-app-{index}",
                secret_ref=f"env:{_key_env(app.partner_id)}",
                base_url=env["SHOPEE_BASE_URL"],
            ),
            now=now,
        )
