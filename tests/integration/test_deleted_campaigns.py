"""Ended and deleted campaigns keep earning: orders attributed up to 7 days after a
click land after the campaign was deleted, when Shopee's id list no longer shows it
(shopee-ads-api.md §6.5, §7.2). A lookback must still read those days for it."""

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import pytest

from adsync.db.connection import Database
from adsync.regions import local_day, region_timezone
from local.simulator import World, WorldSettings
from local.simulator.campaign import Campaign
from local.stack import LocalStack
from local.truth_check import compare
from tests.support.clock import FrozenClock
from tests.support.sync import drain, jobs

_CAMPAIGN_ROWS = (
    "SELECT performance_date, broad_gmv, broad_order FROM apishopee_ads_performance_daily "
    "WHERE campaign_id = :campaign_id ORDER BY performance_date"
)


@pytest.fixture
def world(clock: FrozenClock) -> World:
    return World.generate(
        WorldSettings(
            seed=11,
            shop_count=30,
            regions=("VN", "SG", "BR"),
            anchor_date=clock().date(),
            min_900_plus=0,
            share_900_plus=0.0,
            share_100_plus=0.0,
        )
    )


def _busy_deleted_campaign(world: World) -> Campaign:
    """The busiest campaign deleted in the two months before the anchor after running
    for 10+ days (its last week has clicks, so late orders)."""
    anchor = datetime.combine(world.anchor_date, time(), UTC).timestamp()
    found = [
        c
        for s in world.shops
        for c in world.campaigns(s.shop_id)
        if c.stop_status == "deleted"
        and anchor - 60 * 86_400 < c.stop_ts < anchor
        and c.stop_ts - c.start_ts > 10 * 86_400
        and (c.end_ts == 0 or c.end_ts > c.stop_ts)
    ]
    return max(found, key=lambda c: c.impressions_per_hour)


def _gmv_by_day(db: Database, campaign_id: int) -> dict[date, object]:
    rows = db.run(_CAMPAIGN_ROWS, campaign_id=campaign_id)
    return {r["performance_date"]: r["broad_gmv"] for r in rows}


def test_a_campaign_deleted_on_day_d_still_gets_its_late_gmv_for_the_week_before(
    stack: LocalStack, db: Database, clock: FrozenClock
) -> None:
    campaign = _busy_deleted_campaign(stack.simulator.world)
    shop = stack.simulator.world.shop(campaign.shop_id)
    assert shop is not None
    stack.onboard_all()
    db.run("UPDATE apishopee_shops SET status = 'paused' WHERE shop_id <> :s", s=shop.shop_id)
    truth = stack.simulator.truth

    # Day D, a minute before the seller deletes it: a backfill of D-6..D stores its rows.
    clock.now = datetime.fromtimestamp(campaign.stop_ts - 60, UTC)
    deleted_on = local_day(shop.region, clock())
    week = [deleted_on - timedelta(days=n) for n in range(6, -1, -1)]
    stack.invoke("enqueue", {"sync_type": "backfill_full", "priority": 3})
    drain(stack, priority=3)
    first = _gmv_by_day(db, campaign.campaign_id)
    assert set(week) <= set(first), "the campaign ran all week"

    # 03:00 on D+2: the campaign is gone from the id list; its clicks' orders kept coming.
    zone = region_timezone(shop.region)
    clock.now = datetime.combine(deleted_on + timedelta(days=2), time(3), zone).astimezone(UTC)
    assert campaign.campaign_id not in truth.campaign_ids(shop.shop_id)
    stack.invoke("enqueue", {"sync_type": "lookback", "priority": 2})
    drain(stack, priority=2)

    assert {r["status"] for r in jobs(db)} == {"completed"}
    later = _gmv_by_day(db, campaign.campaign_id)
    expected = {d: truth.campaign_daily(shop.shop_id, d)[campaign.campaign_id] for d in week}
    for day in week:
        assert later[day] == Decimal(str(expected[day]["broad_gmv"])), day
    assert any(later[d] != first[d] for d in week), "late GMV landed after the deletion"
    result = compare(db, stack.simulator, {shop.shop_id: week})
    assert result.equal, result.mismatches[:10]
    status = db.one(
        "SELECT campaign_status FROM apishopee_ads_campaign_data WHERE campaign_id = :c",
        c=campaign.campaign_id,
    )
    assert status == {"campaign_status": "deleted"}


def test_a_deleted_campaign_is_forgotten_once_its_clicks_leave_the_window(
    stack: LocalStack, db: Database, clock: FrozenClock
) -> None:
    """No call that cannot change data: once a lookback no longer covers a day with
    its clicks, the deleted campaign is not asked about again."""
    campaign = _busy_deleted_campaign(stack.simulator.world)
    shop = stack.simulator.world.shop(campaign.shop_id)
    assert shop is not None
    stack.onboard_all()
    db.run("UPDATE apishopee_shops SET status = 'paused' WHERE shop_id <> :s", s=shop.shop_id)
    clock.now = datetime.fromtimestamp(campaign.stop_ts - 60, UTC)
    deleted_on = local_day(shop.region, clock())
    stack.invoke("enqueue", {"sync_type": "backfill_full", "priority": 3})
    drain(stack, priority=3)

    zone = region_timezone(shop.region)
    ids_asked: list[set[int]] = []
    for days_after in (8, 9):
        at = datetime.combine(deleted_on + timedelta(days=days_after), time(3), zone)
        clock.now = at.astimezone(UTC)
        stack.simulator.counters.calls.clear()
        stack.invoke("enqueue", {"sync_type": "lookback", "priority": 2})
        drain(stack, priority=2)
        synced = db.one(
            "SELECT synced_at FROM apishopee_ads_campaign_data WHERE campaign_id = :c",
            c=campaign.campaign_id,
        )
        assert synced is not None
        ids_asked.append({campaign.campaign_id} if synced["synced_at"] == clock() else set())
    # D+8 still re-reads D (the last read, after D+7 ended); D+9 no longer does.
    assert ids_asked == [{campaign.campaign_id}, set()]
