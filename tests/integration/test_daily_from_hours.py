"""Today's daily rows are the sums of their hours while Shopee's own daily rows of the
shop agree with those sums (asked and compared again about every 2 hours), and asked every cycle
when they do not: either way every table stays equal to what Shopee answers."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from adsync.db.connection import Database
from adsync.services.activity import DAILY_CHECK
from local.simulator import SimulatorSettings, World, WorldSettings
from local.stack import LocalStack
from local.truth_check import compare
from tests.support.clock import FrozenClock
from tests.support.sync import cycle, local_days

DAILY_ENDPOINTS = ("get_product_campaign_daily_performance", "get_all_cpc_ads_daily_performance")
HOURLY = "get_all_cpc_ads_hourly_performance"
REALTIME = {"sync_type": "realtime", "priority": 1}


@pytest.fixture
def clock() -> FrozenClock:
    # 13:05 UTC: 20:05 in Vietnam, 21:05 in Singapore, the Asian evening peak.
    return FrozenClock(datetime(2026, 11, 20, 13, 5, tzinfo=UTC))


@pytest.fixture
def world(clock: FrozenClock) -> World:
    return World.generate(
        WorldSettings(
            seed=11,
            shop_count=12,
            regions=("VN", "SG"),
            anchor_date=clock().date(),
            explicit_campaign_counts=(250,),
            min_900_plus=0,
            share_900_plus=0.0,
        )
    )


def daily_calls(calls: dict[str, int]) -> int:
    return sum(calls.get(name, 0) for name in DAILY_ENDPOINTS)


def states(db: Database) -> list[dict[str, Any]]:
    return [r["sync_state"] for r in db.run("SELECT sync_state FROM apishopee_shops")]


def changed_shops(db: Database) -> int:
    """Shops whose hourly totals changed in the last realtime cycle (one job each)."""
    last = db.run(
        "SELECT DISTINCT ON (shop_id) stats FROM apishopee_ads_sync_queue"
        " WHERE sync_type = 'realtime' ORDER BY shop_id, id DESC"
    )
    return sum(1 for r in last if r["stats"]["shop_changed"])


def daily_status(stack: LocalStack) -> tuple[int, int]:
    """What `adsync status` says: (shops deriving today's daily rows, shops that disagreed),
    checked against what `adsync shops` says of each shop."""
    freshness = stack.invoke("admin", {"command": "status"})["result"]["freshness"]
    shops = stack.invoke("admin", {"command": "shops"})["result"]["shops"]
    kinds = [s["daily_rows"] for s in shops]
    counts = freshness["daily_from_hours"], freshness["daily_disagreed"]
    assert counts == (kinds.count("from_hours"), kinds.count("differed"))
    assert kinds.count("unchecked") == len(kinds) - sum(counts)
    return counts


def assert_equal_to_shopee(stack: LocalStack, db: Database, clock: FrozenClock) -> None:
    result = compare(db, stack.simulator, local_days(stack, clock, range(1)))
    assert result.equal, result.mismatches[:10]


def test_daily_rows_come_from_their_hours_once_shopee_agreed(
    stack: LocalStack, db: Database, clock: FrozenClock
) -> None:
    stack.onboard_all()
    first = cycle(stack, db, REALTIME)
    assert daily_calls(first) > 0  # nothing known yet: asked and compared
    active = [s for s in states(db) if s["campaigns"]]
    assert all(s["daily_agreed"] for s in active)
    assert daily_status(stack) == (len(active), 0)
    assert_equal_to_shopee(stack, db, clock)

    for _ in range(2):  # the next hour's end and its late attribution
        clock.advance(timedelta(minutes=15))
        calls = cycle(stack, db, REALTIME)
        assert calls[HOURLY] == len(stack.simulator.world.shops)  # every shop changed
        assert daily_calls(calls) == 0  # ... and no daily row was asked
        assert_equal_to_shopee(stack, db, clock)


def test_the_check_comes_back(stack: LocalStack, db: Database, clock: FrozenClock) -> None:
    stack.onboard_all()
    cycle(stack, db, REALTIME)
    clock.advance(DAILY_CHECK * 1.25)  # past every shop's jittered interval
    calls = cycle(stack, db, REALTIME)
    assert daily_calls(calls) > 0
    active = [s for s in states(db) if s["campaigns"]]
    assert active
    assert all(s["daily_checked_at"] == clock().isoformat() for s in active)
    assert_equal_to_shopee(stack, db, clock)


class TestAShopeeWhoseDailyRowsAreNotTheSums:
    @pytest.fixture
    def simulator_settings(self) -> SimulatorSettings:
        return SimulatorSettings(daily_expense_offset=0.01)

    def test_every_cycle_asks_them(
        self, stack: LocalStack, db: Database, clock: FrozenClock
    ) -> None:
        stack.onboard_all()
        for _ in range(3):  # cycles at 13:05, 14:05, 15:05 UTC
            calls = cycle(stack, db, REALTIME)
            assert calls["get_all_cpc_ads_daily_performance"] == changed_shops(db)
            assert_equal_to_shopee(stack, db, clock)  # Shopee's daily rows, not the sums
            assert not any(s["daily_agreed"] for s in states(db))
            assert daily_status(stack) == (0, sum(1 for s in states(db) if s["campaigns"]))
            clock.advance(timedelta(hours=1))  # an hour ends: every shop has a new row
