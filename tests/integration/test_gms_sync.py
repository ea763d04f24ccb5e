"""Product GMS data (issue 16 part 1) on real Postgres, moto SQS and the simulator over
HTTP: rows equal to Shopee's through backfill, lookback and realtime; deleted items
land; a shop not whitelisted is a recorded state that costs no GMS call until the
re-check is due."""

from datetime import UTC, datetime, timedelta

import pytest

from adsync.db.connection import Database
from adsync.regions import local_day
from adsync.services import gms
from adsync.services.gms import GMS_RECHECK
from local.simulator import World, WorldSettings
from local.simulator.world import ShopSpec
from local.stack import LocalStack
from local.truth_check import NO_GMS_CAMPAIGN, NOT_WHITELISTED, compare
from tests.support.clock import FrozenClock
from tests.support.sync import cycle as sync_cycle
from tests.support.sync import jobs, local_days

GMS_NAMES = (
    "get_gms_campaign_performance",
    "get_gms_item_performance",
    "list_gms_user_deleted_item",
)


@pytest.fixture
def clock() -> FrozenClock:
    # 05:30 UTC: 12:30 in Vietnam, 13:30 in Singapore, 02:30 in Brazil.
    return FrozenClock(datetime(2026, 11, 20, 5, 30, tzinfo=UTC))


@pytest.fixture
def world(clock: FrozenClock) -> World:
    return World.generate(
        WorldSettings(
            seed=11,
            shop_count=16,
            regions=("VN", "SG", "BR"),
            anchor_date=clock().date(),
            min_900_plus=0,
            share_900_plus=0.0,
        )
    )


def gms_shop(stack: LocalStack) -> ShopSpec:
    """A shop with a GMS campaign and items its seller deleted."""
    truth = stack.simulator.truth
    return next(
        s
        for s in stack.simulator.world.shops
        if truth.gms_campaign_id(s.shop_id) and truth.gms_deleted_items(s.shop_id)
    )


def refused_shop(stack: LocalStack, *, whitelisted: bool) -> ShopSpec:
    truth = stack.simulator.truth
    return next(
        s
        for s in stack.simulator.world.shops
        if truth.gms_whitelisted(s.shop_id) is whitelisted
        and truth.gms_campaign_id(s.shop_id) is None
    )


def only_shops(db: Database, shop_ids: list[int]) -> None:
    db.run("UPDATE apishopee_shops SET status = 'paused' WHERE NOT (shop_id = ANY(:k))", k=shop_ids)


def cycle(stack: LocalStack, db: Database, event: dict[str, object]) -> dict[str, int]:
    """One enqueue, drained; Shopee's GMS calls by endpoint name."""
    calls = sync_cycle(stack, db, event)
    return {name: calls.get(name, 0) for name in GMS_NAMES}


REALTIME = {"sync_type": "realtime", "priority": 1}
LOOKBACK = {"sync_type": "lookback", "priority": 2, "window_days": 3}
BACKFILL = {"sync_type": "backfill_full", "priority": 3}


def test_gms_rows_equal_shopee_through_backfill_lookback_and_realtime(
    stack: LocalStack, db: Database, clock: FrozenClock
) -> None:
    stack.onboard_all()
    shop = gms_shop(stack)
    others = [refused_shop(stack, whitelisted=False), refused_shop(stack, whitelisted=True)]
    only_shops(db, [shop.shop_id] + [s.shop_id for s in others])
    truth = stack.simulator.truth

    cycle(stack, db, BACKFILL)
    week = {s: d for s, d in local_days(stack, clock, range(7)).items() if s in {shop.shop_id}}
    result = compare(db, stack.simulator, week)
    assert result.equal, result.mismatches[:10]
    daily = db.run(
        "SELECT performance_date FROM apishopee_ads_gms_campaign_daily WHERE shop_id = :s",
        s=shop.shop_id,
    )
    assert len(daily) == 7  # one row per day: one call per day (§6.9)
    items = db.one(
        "SELECT count(*) AS n FROM apishopee_ads_gms_item_daily WHERE shop_id = :s",
        s=shop.shop_id,
    )
    assert items is not None and items["n"] > 0
    deleted = {
        r["item_id"]
        for r in db.run(
            "SELECT item_id FROM apishopee_ads_gms_deleted_item WHERE shop_id = :s",
            s=shop.shop_id,
        )
    }
    assert deleted == set(truth.gms_deleted_items(shop.shop_id)) != set()
    states = {
        r["shop_id"]: r["gms_status"]
        for r in db.run("SELECT shop_id, gms_status FROM apishopee_shops WHERE status = 'active'")
    }
    assert states == {
        shop.shop_id: "active",
        others[0].shop_id: NOT_WHITELISTED,
        others[1].shop_id: NO_GMS_CAMPAIGN,
    }
    for refused in others:  # compared too: no rows, the state recorded
        check = compare(db, stack.simulator, {refused.shop_id: week[shop.shop_id]})
        assert check.equal, check.mismatches[:10]

    # A day later yesterday's GMS orders have grown (late attribution) ...
    day_before = clock()
    clock.advance(timedelta(days=1))
    days = {shop.shop_id: local_days(stack, clock, range(1, 4))[shop.shop_id]}
    yesterday = days[shop.shop_id][0]
    assert truth.gms_campaign_report(shop.shop_id, yesterday, yesterday) != (
        truth.gms_campaign_report(shop.shop_id, yesterday, yesterday, at=day_before)
    )
    assert not compare(db, stack.simulator, days).equal
    # ... and the lookback brings every GMS row up to date.
    cycle(stack, db, LOOKBACK)
    result = compare(db, stack.simulator, days)
    assert result.equal, result.mismatches[:10]

    # Realtime keeps today's GMS rows equal to Shopee's, cycle after cycle.
    for _ in range(3):
        clock.advance(timedelta(minutes=15))
        cycle(stack, db, REALTIME)
        today = {shop.shop_id: local_days(stack, clock, range(1))[shop.shop_id]}
        result = compare(db, stack.simulator, today)
        assert result.equal, result.mismatches[:10]


def test_a_shop_not_whitelisted_completes_and_costs_no_gms_call_until_the_recheck(
    stack: LocalStack, db: Database, clock: FrozenClock
) -> None:
    stack.onboard_all()
    shop = refused_shop(stack, whitelisted=False)
    only_shops(db, [shop.shop_id])

    # A backfill of 7 days: the first refusal stops the job's GMS calls, and the job
    # completes (a state, not a failure).
    first = cycle(stack, db, BACKFILL)
    assert first == {
        "get_gms_campaign_performance": 1,
        "get_gms_item_performance": 0,
        "list_gms_user_deleted_item": 0,
    }
    row = db.one(
        "SELECT gms_status, gms_checked_at FROM apishopee_shops WHERE shop_id = :s",
        s=shop.shop_id,
    )
    assert row == {"gms_status": NOT_WHITELISTED, "gms_checked_at": clock()}
    assert jobs(db)[-1]["retry_count"] == 0

    clock.advance(timedelta(minutes=15))
    assert sum(cycle(stack, db, REALTIME).values()) == 0
    assert sum(cycle(stack, db, LOOKBACK).values()) == 0

    clock.now = row["gms_checked_at"] + GMS_RECHECK  # asked again, once, then quiet
    assert cycle(stack, db, REALTIME)["get_gms_campaign_performance"] == 1
    clock.advance(timedelta(minutes=15))
    assert sum(cycle(stack, db, REALTIME).values()) == 0


def test_an_unchanged_gms_day_does_not_ask_its_items_again(
    stack: LocalStack, db: Database, clock: FrozenClock
) -> None:
    """Items only grow with the campaign's report: when the day's report equals the row
    stored with its items, the item call is skipped."""
    stack.onboard_all()
    shop = gms_shop(stack)
    only_shops(db, [shop.shop_id])
    first = cycle(stack, db, LOOKBACK)
    days = int(str(LOOKBACK["window_days"])) + 1  # yesterday and the window before it
    assert first["get_gms_campaign_performance"] == days
    assert first["get_gms_item_performance"] >= 1

    again = cycle(stack, db, LOOKBACK)  # same instant: nothing changed
    assert again["get_gms_campaign_performance"] == days
    assert again["get_gms_item_performance"] == 0
    result = compare(
        db,
        stack.simulator,
        {shop.shop_id: local_days(stack, clock, range(1, days + 1))[shop.shop_id]},
    )
    assert result.equal, result.mismatches[:10]


def test_a_gms_day_is_written_in_one_round_trip(
    stack: LocalStack, db: Database, clock: FrozenClock
) -> None:
    """The shop's GMS state, the campaign's row and its items' land together in one
    statement: no transaction of its own (BEGIN, three writes, COMMIT were five round
    trips for every GMS shop in every realtime cycle)."""
    stack.onboard_all()
    shop = gms_shop(stack)
    day = clock().date()
    fetched = gms.GmsDay(
        day=day,
        campaign=gms.GmsDailyRow(campaign_id=7, performance_date=day, clicks=2, expense=1.5),
        items=tuple(
            gms.GmsItemDailyRow(campaign_id=7, item_id=i, performance_date=day, clicks=1)
            for i in (1, 2)
        ),
        calls=2,
    )
    deps = stack.dependencies(clock)
    try:
        before = deps.db.statements()
        gms.write_day(deps.gms, shop_id=shop.shop_id, fetched=fetched, now=clock())
        assert deps.db.statements() - before == 1
    finally:
        deps.close()
    counts = db.one(
        "SELECT (SELECT count(*) FROM apishopee_ads_gms_campaign_daily WHERE shop_id = :s) AS c,"
        " (SELECT count(*) FROM apishopee_ads_gms_item_daily WHERE shop_id = :s) AS i,"
        " (SELECT gms_status FROM apishopee_shops WHERE shop_id = :s) AS status",
        s=shop.shop_id,
    )
    assert counts == {"c": 1, "i": 2, "status": "active"}


def test_realtime_writes_an_unchanged_gms_report_only_once(
    stack: LocalStack, db: Database, clock: FrozenClock
) -> None:
    """Realtime keeps the fingerprint of the GMS report it last wrote in the shop's sync
    state: the next cycle that gets the same report neither reads the stored row nor
    writes it again (one Shopee call, no round trip), and a grown report is written."""
    stack.onboard_all()
    shop = gms_shop(stack)
    only_shops(db, [shop.shop_id])
    cycle(stack, db, REALTIME)
    written = db.one(
        "SELECT synced_at, impression FROM apishopee_ads_gms_campaign_daily WHERE shop_id = :s",
        s=shop.shop_id,
    )
    assert written is not None

    clock.advance(timedelta(seconds=30))  # the same attribution step: the same report
    again = cycle(stack, db, REALTIME)

    assert again == {"get_gms_campaign_performance": 1, "get_gms_item_performance": 0,
                     "list_gms_user_deleted_item": 0}  # fmt: skip
    assert (
        db.one(
            "SELECT synced_at, impression FROM apishopee_ads_gms_campaign_daily WHERE shop_id = :s",
            s=shop.shop_id,
        )
        == written
    )  # not written again

    clock.advance(timedelta(hours=1))  # an hour later the report has grown
    cycle(stack, db, REALTIME)
    later = compare(db, stack.simulator, {shop.shop_id: [local_day(shop.region, clock())]})
    assert later.equal, later.mismatches[:10]
