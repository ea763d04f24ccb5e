"""Product-level performance: validation, consistency with truth, today, late attribution."""

import itertools
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from local.simulator import Reply, ShopSpec, Simulator, World, WorldSettings
from local.simulator.shop_ads import shop_ads
from tests.simulator.conftest import Api, make_sim
from tests.support.clock import FrozenClock

DAILY = "/api/v2/ads/get_product_campaign_daily_performance"
HOURLY = "/api/v2/ads/get_product_campaign_hourly_performance"


def _fmt(day: date) -> str:
    return day.strftime("%d-%m-%Y")


def _today(shop: ShopSpec, clock: FrozenClock) -> date:
    return (clock.now + shop.utc_offset).date()


def _daily(
    api: Api, shop: ShopSpec, token: str, ids: Iterable[int], start: date, end: date
) -> Reply:
    params = {
        "start_date": _fmt(start),
        "end_date": _fmt(end),
        "campaign_id_list": ",".join(str(i) for i in ids),
    }
    return api.shop_call(DAILY, shop_id=shop.shop_id, access_token=token, params=params)


@pytest.fixture
def shop(sim: Simulator) -> ShopSpec:
    """A shop whose totals are its campaigns' (no Shop Ads)."""
    return next(s for s in sim.world.shops if s.campaign_count and not shop_ads(sim.world, s))


@pytest.fixture
def token(sim: Simulator, shop: ShopSpec) -> str:
    return sim.issue_tokens(shop.shop_id).access_token


def test_daily_endpoint_matches_truth_for_every_day(
    api: Api, shop: ShopSpec, token: str, clock: FrozenClock
) -> None:
    ids = [c.campaign_id for c in api.sim.world.campaigns(shop.shop_id)]
    end = _today(shop, clock)
    start = end - timedelta(days=9)
    reply = _daily(api, shop, token, ids, start, end)
    assert reply.error == ""
    (block,) = reply.body["response"]
    assert (block["shop_id"], block["region"]) == (shop.shop_id, shop.region)
    seen: dict[tuple[int, str], dict[str, Any]] = {}
    for entry in block["campaign_list"]:
        assert {"campaign_id", "ad_type", "campaign_placement", "ad_name", "metrics_list"} <= set(
            entry
        )
        assert entry["metrics_list"], "campaigns without any activity are omitted"
        for row in entry["metrics_list"]:
            seen[(entry["campaign_id"], row.pop("date"))] = row
    expected = {
        (campaign_id, _fmt(start + timedelta(days=n))): row
        for n in range(10)
        for campaign_id, row in api.sim.truth.campaign_daily(
            shop.shop_id, start + timedelta(days=n)
        ).items()
    }
    assert seen == expected
    assert len(seen) > 50


def test_daily_is_the_sum_of_hourly(sim: Simulator, shop: ShopSpec, clock: FrozenClock) -> None:
    day = _today(shop, clock) - timedelta(days=2)
    daily = sim.truth.campaign_daily(shop.shop_id, day)
    hourly = sim.truth.campaign_hourly(shop.shop_id, day)
    assert daily
    for campaign_id, row in daily.items():
        hours = [m for (cid, _), m in hourly.items() if cid == campaign_id]
        for name in ("impression", "clicks", "broad_order", "direct_order", "broad_order_amount"):
            assert row[name] == sum(h[name] for h in hours), name
        for name in ("expense", "broad_gmv", "direct_gmv"):
            assert row[name] == round(sum(h[name] for h in hours), 2), name


def test_derived_fields_are_consistent(sim: Simulator, shop: ShopSpec, clock: FrozenClock) -> None:
    day = _today(shop, clock) - timedelta(days=1)
    rows = sim.truth.campaign_daily(shop.shop_id, day)
    assert any(row["broad_order"] for row in rows.values())
    for row in rows.values():
        assert row["direct_order"] <= row["broad_order"]
        assert row["direct_gmv"] <= row["broad_gmv"]
        assert row["broad_order_amount"] >= row["broad_order"]
        assert row["ctr"] == round(row["clicks"] / row["impression"] * 100, 4)
        if row["expense"]:
            assert row["broad_roi"] == round(row["broad_gmv"] / row["expense"], 4)
        if row["broad_gmv"]:
            assert row["broad_cir"] == pytest.approx(row["expense"] / row["broad_gmv"] * 100, 1e-3)
        if row["clicks"]:
            assert row["cr"] == round(row["broad_order"] / row["clicks"] * 100, 4)
        if row["broad_order"]:
            assert row["cpc"] == pytest.approx(row["expense"] / row["broad_order"], abs=0.01)
        else:
            assert row["cpc"] == 0.0


def test_today_only_has_elapsed_hours(sim: Simulator, shop: ShopSpec, clock: FrozenClock) -> None:
    today = _today(shop, clock)
    local_hour = (clock.now + shop.utc_offset).hour
    before = sim.truth.campaign_hourly(shop.shop_id, today)
    assert before
    assert max(hour for _, hour in before) < local_hour
    clock.advance(hours=1)
    after = sim.truth.campaign_hourly(shop.shop_id, today)
    assert max(hour for _, hour in after) == local_hour
    for key, row in before.items():
        assert after[key]["impression"] == row["impression"]
        assert after[key]["expense"] == row["expense"]
    tomorrow = today + timedelta(days=1)
    assert sim.truth.campaign_daily(shop.shop_id, tomorrow) == {}


def test_late_attribution_grows_for_seven_days_then_freezes(
    sim: Simulator, shop: ShopSpec, clock: FrozenClock
) -> None:
    day = _today(shop, clock) - timedelta(days=1)
    local_midnight_after = datetime.combine(day + timedelta(days=1), datetime.min.time(), UTC)
    local_midnight_after -= shop.utc_offset

    def totals(days_later: float) -> dict[str, float]:
        at = local_midnight_after + timedelta(days=days_later)
        rows = sim.truth.campaign_daily(shop.shop_id, day, at=at).values()
        names = ("impression", "clicks", "expense", "broad_order", "direct_order", "broad_gmv")
        return {name: round(sum(row[name] for row in rows), 2) for name in names}

    snapshots = [totals(d) for d in (0.01, 1, 3, 5, 7, 7.01, 30)]
    for earlier, later in itertools.pairwise(snapshots):
        for name in ("impression", "clicks", "expense"):
            assert later[name] == earlier[name], name
        for name in ("broad_order", "direct_order", "broad_gmv"):
            assert later[name] >= earlier[name], name
    assert snapshots[0]["broad_order"] < snapshots[3]["broad_order"] < snapshots[4]["broad_order"]
    assert snapshots[4] == snapshots[5] == snapshots[6]


@pytest.mark.parametrize(
    ("start", "end", "error"),
    [
        ("2026-03-01", "2026-03-05", "error_param"),
        ("31-02-2026", "05-03-2026", "error_param"),
        ("05-03-2026", "01-03-2026", "ads.performance.error_start_later_than_end"),
        ("05-03-2026", "05-03-2026", "ads.performance.error_same_start_end_dates"),
        ("09-03-2026", "12-03-2026", "ads.performance.error_date_in_future"),
        ("01-09-2025", "05-09-2025", "ads.performance.error_date_too_old"),
        ("07-02-2026", "09-03-2026", "ads.performance.error_date_range_too_long"),
        ("08-02-2026", "09-03-2026", ""),
        ("10-09-2025", "15-09-2025", ""),
    ],
)
def test_date_rules(api: Api, shop: ShopSpec, token: str, start: str, end: str, error: str) -> None:
    ids = api.sim.truth.campaign_ids(shop.shop_id)[:3]
    params = {"start_date": start, "end_date": end, "campaign_id_list": ",".join(map(str, ids))}
    reply = api.shop_call(DAILY, shop_id=shop.shop_id, access_token=token, params=params)
    assert reply.error == error, reply.body["message"]
    assert reply.status == 200


def test_same_start_end_allowed_with_the_setting(world: World, clock: FrozenClock) -> None:
    sim = make_sim(world, clock, enforce_same_start_end=False)
    api = Api(sim=sim, clock=clock)
    shop = world.shops[0]
    token = sim.issue_tokens(shop.shop_id).access_token
    day = _today(shop, clock) - timedelta(days=1)
    ids = sim.truth.campaign_ids(shop.shop_id)
    assert _daily(api, shop, token, ids, day, day).error == ""


def test_campaign_id_rules(api: Api, shop: ShopSpec, token: str, clock: FrozenClock) -> None:
    end = _today(shop, clock)
    start = end - timedelta(days=1)
    too_many = _daily(api, shop, token, range(1, 102), start, end)
    assert too_many.error == "error_param"
    ids = list(api.sim.truth.campaign_ids(shop.shop_id)[:2])
    other_shop = api.sim.world.shops[1]
    foreign = api.sim.world.campaigns(other_shop.shop_id)[0].campaign_id
    mismatch = _daily(api, shop, token, [*ids, foreign], start, end)
    assert mismatch.error == "ads.shop.campaign_not_match"
    assert _daily(api, shop, token, ids, start, end).error == ""


def test_object_shape_and_zero_rows_settings(world: World, clock: FrozenClock) -> None:
    sim = make_sim(world, clock, product_performance_shape="object", omit_zero_rows=False)
    api = Api(sim=sim, clock=clock)
    shop = world.shops[0]
    token = sim.issue_tokens(shop.shop_id).access_token
    ids = [c.campaign_id for c in world.campaigns(shop.shop_id)]
    end = _today(shop, clock) - timedelta(days=1)
    reply = _daily(api, shop, token, ids, end - timedelta(days=2), end)
    block = reply.body["response"]
    assert block["shop_id"] == shop.shop_id
    assert [entry["campaign_id"] for entry in block["campaign_list"]] == ids
    assert all(len(entry["metrics_list"]) == 3 for entry in block["campaign_list"])
    assert len(sim.truth.campaign_daily(shop.shop_id, end)) == len(ids)


def test_hourly_endpoint_matches_truth(
    api: Api, shop: ShopSpec, token: str, clock: FrozenClock
) -> None:
    day = _today(shop, clock)
    ids = [c.campaign_id for c in api.sim.world.campaigns(shop.shop_id)]
    params = {"performance_date": _fmt(day), "campaign_id_list": ",".join(map(str, ids))}
    reply = api.shop_call(HOURLY, shop_id=shop.shop_id, access_token=token, params=params)
    assert reply.error == ""
    rows = {
        (entry["campaign_id"], row.pop("hour")): row
        for entry in reply.body["response"][0]["campaign_list"]
        for row in entry["metrics_list"]
        if row.pop("date") == _fmt(day)
    }
    assert rows == api.sim.truth.campaign_hourly(shop.shop_id, day)
    future = {"performance_date": _fmt(day + timedelta(days=1)), "campaign_id_list": ids[0]}
    reply = api.shop_call(HOURLY, shop_id=shop.shop_id, access_token=token, params=future)
    assert reply.error == "ads.performance.error_date_in_future"


def test_shop_totals_are_the_sums_of_the_campaign_rows(
    sim: Simulator, shop: ShopSpec, clock: FrozenClock
) -> None:
    """Shop totals add every campaign's numbers (the campaigns without performance too),
    each day's money rounded as the campaign rows are."""
    for day in (_today(shop, clock), _today(shop, clock) - timedelta(days=2)):
        campaigns = sim.truth.campaign_daily(shop.shop_id, day)
        shop_day = sim.truth.shop_daily(shop.shop_id, day)
        assert campaigns and shop_day is not None
        for name in ("impression", "clicks", "broad_order", "direct_order"):
            assert shop_day[name] == sum(row[name] for row in campaigns.values()), name
        for name in ("expense", "broad_gmv", "direct_gmv"):
            total = round(sum(row[name] for row in campaigns.values()), 2)
            assert shop_day[name] == pytest.approx(total, abs=0.011), name
        hourly = sim.truth.campaign_hourly(shop.shop_id, day)
        for hour, row in sim.truth.shop_hourly(shop.shop_id, day).items():
            cells = [m for (_, h), m in hourly.items() if h == hour]
            assert row["clicks"] == sum(m["clicks"] for m in cells)
            assert row["impression"] == sum(m["impression"] for m in cells)


def test_a_shop_with_shop_ads_has_totals_above_its_campaigns(clock: FrozenClock) -> None:
    """Shop Ads are CPC ads of the shop (in the all-CPC-ads totals, doc §6.3) and of no
    product campaign (§6.5): the totals exceed the campaigns' sums; a shop ad advertises
    no item, so its orders are all "broad"."""
    world = World.generate(
        WorldSettings(seed=7, shop_count=12, anchor_date=clock().date(), shop_ads_share=0.3)
    )
    sim = make_sim(world, clock)
    shop = next(s for s in sim.world.shops if shop_ads(sim.world, s))
    assert all(
        a.campaign_id not in sim.truth.campaign_ids(shop.shop_id) for a in shop_ads(sim.world, shop)
    )
    day = _today(shop, clock) - timedelta(days=1)
    campaigns = sim.truth.campaign_daily(shop.shop_id, day)
    shop_day = sim.truth.shop_daily(shop.shop_id, day)
    assert shop_day is not None
    for name in ("impression", "clicks"):
        assert shop_day[name] > sum(row[name] for row in campaigns.values()), name
    assert shop_day["direct_order"] == sum(row["direct_order"] for row in campaigns.values())
