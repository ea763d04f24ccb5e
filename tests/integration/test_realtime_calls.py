"""Realtime cycles ask Shopee only what can have changed, and every table stays equal to
Shopee's ground truth: 15-minute cycles through hours that end, late attribution, new
campaigns' first impressions and the shops' midnight."""

import json
from datetime import UTC, datetime, timedelta

import pytest

from adsync.db.connection import Database
from local.simulator import World, WorldSettings
from local.stack import LocalStack
from local.truth_check import compare
from tests.support.clock import FrozenClock
from tests.support.sync import cycle, local_days


@pytest.fixture
def clock() -> FrozenClock:
    # 15:50 UTC: 22:50 in Vietnam, 23:50 in Singapore, 12:50 in Brazil; the cycles below
    # cross Singapore's and Vietnam's midnight and the first hour of their new day.
    return FrozenClock(datetime(2026, 11, 20, 15, 50, tzinfo=UTC))


@pytest.fixture
def world(clock: FrozenClock) -> World:
    return World.generate(
        WorldSettings(
            seed=5,
            shop_count=30,
            regions=("VN", "SG", "BR"),
            anchor_date=clock().date(),
            explicit_campaign_counts=(450,),
            min_900_plus=0,
            share_900_plus=0.0,
        )
    )


TABLES = (
    "apishopee_ads_campaign_data",
    "apishopee_ads_performance_daily",
    "apishopee_ads_performance_hourly",
)


def realtime_cycle(stack: LocalStack, db: Database) -> dict[str, int]:
    """One realtime tick, drained; Shopee calls by endpoint name."""
    return cycle(stack, db, {"sync_type": "realtime", "priority": 1})


def test_steady_cycles_ask_less_and_stay_equal_to_shopee(
    stack: LocalStack, db: Database, clock: FrozenClock
) -> None:
    stack.onboard_all()
    shops = len(stack.simulator.world.shops)
    first = realtime_cycle(stack, db)
    result = compare(db, stack.simulator, local_days(stack, clock, range(1)))
    assert result.equal, result.mismatches[:10]

    later: list[dict[str, int]] = []
    for _ in range(10):  # 150 minutes of 15-minute cycles
        clock.advance(timedelta(minutes=15))
        later.append(realtime_cycle(stack, db))
        today = local_days(stack, clock, range(1))
        result = compare(db, stack.simulator, today)
        assert result.equal, result.mismatches[:10]

    # The first cycle reads list and settings of every campaign; later ones do not ...
    assert first["get_product_level_campaign_setting_info"] >= shops // 2
    assert all(
        "get_product_level_campaign_setting_info" not in c
        or c["get_product_level_campaign_setting_info"] < shops // 2
        for c in later
    )
    # ... and ask fewer calls per shop than the 6 endpoints every shop used to cost.
    total_later = sum(sum(c.values()) for c in later)
    assert total_later < sum(first.values()) * len(later)


def test_a_campaign_we_did_not_know_appears_in_the_cycle_that_sees_it(
    stack: LocalStack, db: Database, clock: FrozenClock
) -> None:
    """A campaign that had activity but was neither asked nor known (as a campaign
    created since the last cycle is): the shop's totals do not add up, so the list is
    read, its settings and rows are fetched in that same cycle."""
    stack.onboard_all()
    realtime_cycle(stack, db)
    shop = max(stack.simulator.world.shops, key=lambda s: s.campaign_count)
    state = db.one("SELECT sync_state FROM apishopee_shops WHERE shop_id = :s", s=shop.shop_id)
    assert state is not None
    active = sorted(state["sync_state"]["campaigns"], key=int)
    hidden = int(active[len(active) // 2])
    forgotten = {k: v for k, v in state["sync_state"]["campaigns"].items() if int(k) != hidden}
    db.run(
        "UPDATE apishopee_shops SET sync_state = jsonb_set(sync_state, '{campaigns}', :c)"
        " WHERE shop_id = :s",
        c=json.dumps(forgotten),
        s=shop.shop_id,
    )
    for table in TABLES:
        db.run(
            f"DELETE FROM {table} WHERE shop_id = :s AND campaign_id = :c", s=shop.shop_id, c=hidden
        )

    clock.advance(timedelta(minutes=15))
    calls = realtime_cycle(stack, db)

    assert calls["get_product_level_campaign_id_list"] == 1
    assert calls["get_product_level_campaign_setting_info"] == 1  # the one unknown id
    result = compare(db, stack.simulator, local_days(stack, clock, range(1)))
    assert result.equal, result.mismatches[:10]
    known = db.one(
        "SELECT count(*) AS n FROM apishopee_ads_campaign_data"
        " WHERE shop_id = :s AND campaign_id = :c",
        s=shop.shop_id,
        c=hidden,
    )
    assert known == {"n": 1}


def test_a_shop_with_nothing_new_costs_one_call(
    stack: LocalStack, db: Database, clock: FrozenClock
) -> None:
    stack.onboard_all()
    realtime_cycle(stack, db)
    clock.advance(timedelta(minutes=1))  # same attribution step, no hour ended
    calls = realtime_cycle(stack, db)
    truth = stack.simulator.truth
    shops = stack.simulator.world.shops
    # One CPC call per shop; GMS (not in the CPC totals) one report per shop that runs a
    # GMS campaign, no item call (the report is unchanged), none for a refused shop.
    assert calls == {
        "get_all_cpc_ads_hourly_performance": len(shops),
        "get_gms_campaign_performance": sum(1 for s in shops if truth.gms_campaign_id(s.shop_id)),
    }
    result = compare(db, stack.simulator, local_days(stack, clock, range(1)))
    assert result.equal, result.mismatches[:10]


ROW_KEYS = {
    "apishopee_ads_performance_hourly": ("shop_id", "campaign_id", "performance_date", "hour"),
    "apishopee_ads_performance_daily": ("shop_id", "campaign_id", "performance_date"),
    "apishopee_ads_shop_performance_hourly": ("shop_id", "performance_date", "hour"),
    "apishopee_ads_shop_performance_daily": ("shop_id", "performance_date"),
}


def test_a_row_that_did_not_change_is_not_written_again(
    stack: LocalStack, db: Database, clock: FrozenClock
) -> None:
    """A changed campaign's or shop's reply holds every hour of the day, but only the rows
    whose metrics differ from the stored ones are rewritten: the others keep their row
    version (no WAL, no index entry) and their synced_at, which says when they changed."""
    stack.onboard_all()
    realtime_cycle(stack, db)
    before = {table: _rows(db, table, keys) for table, keys in ROW_KEYS.items()}
    clock.advance(timedelta(minutes=15))
    realtime_cycle(stack, db)
    for table, keys in ROW_KEYS.items():
        after = _rows(db, table, keys)
        changed = {key for key, row in after.items() if before[table].get(key) != row}
        written = {
            tuple(r[k] for k in keys)
            for r in db.run(f"SELECT * FROM {table} WHERE synced_at = :now", now=clock())
        }
        assert written == changed, table
    hourly = "apishopee_ads_performance_hourly"
    assert any(
        before[hourly].get(key) != row for key, row in _rows(db, hourly, ROW_KEYS[hourly]).items()
    ), "the world had no activity in 15 minutes: the test proves nothing"
    result = compare(db, stack.simulator, local_days(stack, clock, range(1)))
    assert result.equal, result.mismatches[:10]


def _rows(
    db: Database, table: str, keys: tuple[str, ...]
) -> dict[tuple[object, ...], tuple[object, ...]]:
    """Every row of `table` by its key, without synced_at."""
    rows: dict[tuple[object, ...], tuple[object, ...]] = {}
    for row in db.run(f"SELECT * FROM {table}"):
        row.pop("synced_at")
        rows[tuple(row[k] for k in keys)] = tuple(sorted(row.items()))
    return rows
