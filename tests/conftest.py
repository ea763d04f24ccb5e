"""Shared fixtures: a real Postgres (DATABASE_URL, else embedded), moto's SQS, the
simulator over real HTTP, and a frozen clock shared by the simulator and the layer.
"""

import os
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from local.stack import QUIET_ENV

os.environ.update(QUIET_ENV)

from adsync.db.connection import Database
from local.postgres import scratch_database, server_url
from local.simulator import SimulatorSettings, World, WorldSettings
from local.stack import LocalStack, local_stack
from tests.support.clock import FrozenClock

TABLES = (
    "apishopee_ads_performance_daily, apishopee_ads_performance_hourly, "
    "apishopee_ads_shop_performance_daily, apishopee_ads_shop_performance_hourly, "
    "apishopee_ads_campaign_data, apishopee_ads_sync_queue, apishopee_shops, "
    "apishopee_rate_budget, apishopee_ads_gms_campaign_daily, apishopee_ads_gms_item_daily, "
    "apishopee_ads_gms_deleted_item, apishopee_ads_total_differences, apishopee_partners"
)


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    """A scratch database for the whole session on the chosen server."""
    with scratch_database(server_url(), prefix="adsync_test") as url:
        yield url


@pytest.fixture
def clock() -> FrozenClock:
    # 05:30 UTC: 12:30 in Vietnam, 13:30 in Singapore, 02:30 in Brazil.
    return FrozenClock(datetime(2026, 11, 20, 5, 30, tzinfo=UTC))


@pytest.fixture
def world(clock: FrozenClock) -> World:
    return World.generate(WorldSettings(seed=7, shop_count=12, anchor_date=clock().date()))


@pytest.fixture
def simulator_settings() -> SimulatorSettings:
    return SimulatorSettings()


@pytest.fixture
def stack(
    database_url: str, world: World, clock: FrozenClock, simulator_settings: SimulatorSettings
) -> Iterator[LocalStack]:
    """Everything started, tables empty; `stack.invoke` runs the handlers on the frozen
    clock (the simulator's, which is this `clock`)."""
    with local_stack(
        database_url=database_url,
        world=world,
        clock=clock,
        simulator_settings=simulator_settings,
    ) as running:
        db = running.database()
        db.run(f"TRUNCATE {TABLES} RESTART IDENTITY CASCADE")
        db.close()
        running.register_partners()  # this test's simulator apps, none of an earlier test's
        yield running


@pytest.fixture
def db(stack: LocalStack) -> Iterator[Database]:
    database = stack.database()
    yield database
    database.close()
