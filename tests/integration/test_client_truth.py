"""The client over real HTTP returns exactly the simulator's ground truth, field by field,
for shops in three regions (VN, SG, BR) and a sample of days."""

from collections.abc import Iterator, Mapping
from datetime import date, timedelta
from fractions import Fraction

import pytest

from adsync.regions import local_day
from adsync.shopee import ShopAuth, ShopeeClient, ShopStateError
from adsync.shopee.models import PRODUCT_METRICS, SHOP_METRICS, ProductMetrics, ShopMetrics
from local.simulator import ShopSpec, World, WorldSettings
from local.stack import LocalStack
from local.truth_check import in_convention
from tests.support.clock import FrozenClock
from tests.support.shopee import client_for

REGIONS = ("VN", "SG", "BR")
ADS = "/api/v2/ads/"


@pytest.fixture
def world(clock: FrozenClock) -> World:
    return World.generate(
        WorldSettings(seed=7, shop_count=9, regions=REGIONS, anchor_date=clock().date())
    )


@pytest.fixture
def client(stack: LocalStack, clock: FrozenClock) -> ShopeeClient:
    return client_for(stack, clock)


def sample_shops(stack: LocalStack) -> Iterator[ShopSpec]:
    """Per region, the first shop with a few (1..100) campaigns."""
    for region in REGIONS:
        yield next(
            s
            for s in stack.simulator.world.shops
            if s.region == region and 1 < s.campaign_count <= 100
        )


def auth(stack: LocalStack, shop_id: int) -> ShopAuth:
    pair = stack.simulator.issue_tokens(shop_id)
    return ShopAuth(shop_id=shop_id, access_token=pair.access_token)


def sample_days(stack: LocalStack, shop: ShopSpec, clock: FrozenClock) -> list[date]:
    today = local_day(shop.region, clock())
    return [today, today - timedelta(days=1), today - timedelta(days=3), today - timedelta(days=8)]


def assert_same(
    got: ProductMetrics | ShopMetrics, expected: Mapping[str, float], names: Mapping[str, type]
) -> None:
    assert set(expected) == set(names)  # the documented field names, no more, no fewer
    for name, value in in_convention(expected).items():
        if isinstance(value, Fraction):  # a ratio: derived from the counts (README)
            assert Fraction(repr(getattr(got, name))) == value, name
        else:
            assert getattr(got, name) == value, name


def test_campaign_daily_equals_truth(
    stack: LocalStack, client: ShopeeClient, clock: FrozenClock
) -> None:
    truth = stack.simulator.truth
    for shop in sample_shops(stack):
        ids = list(truth.campaign_ids(shop.shop_id))
        today = local_day(shop.region, clock())
        start = today - timedelta(days=8)
        rows = client.get_campaign_daily_performance(
            auth(stack, shop.shop_id), campaign_ids=ids, start=start, end=today
        )
        got = {(r.campaign_id, r.performance_date): r for r in rows}
        assert len(got) == len(rows)
        expected = {
            (campaign_id, start + timedelta(days=n)): metrics
            for n in range(9)
            for campaign_id, metrics in truth.campaign_daily(
                shop.shop_id, start + timedelta(days=n)
            ).items()
            if campaign_id in ids
        }
        assert set(got) == set(expected), shop.region
        assert expected, f"the {shop.region} sample has no activity at all"
        for key, metrics in expected.items():
            assert_same(got[key], metrics, PRODUCT_METRICS)


def test_campaign_daily_of_one_day_is_widened_and_filtered(
    stack: LocalStack, client: ShopeeClient, clock: FrozenClock
) -> None:
    truth = stack.simulator.truth
    shop = next(sample_shops(stack))
    ids = list(truth.campaign_ids(shop.shop_id))
    day = local_day(shop.region, clock()) - timedelta(days=2)
    rows = client.get_campaign_daily_performance(
        auth(stack, shop.shop_id), campaign_ids=ids, start=day, end=day
    )
    expected = {c: m for c, m in truth.campaign_daily(shop.shop_id, day).items() if c in ids}
    assert {r.campaign_id for r in rows} == set(expected)
    assert {r.performance_date for r in rows} == {day}
    for row in rows:
        assert_same(row, expected[row.campaign_id], PRODUCT_METRICS)


def test_campaign_hourly_equals_truth(
    stack: LocalStack, client: ShopeeClient, clock: FrozenClock
) -> None:
    truth = stack.simulator.truth
    compared = 0
    for shop in sample_shops(stack):
        ids = list(truth.campaign_ids(shop.shop_id))
        for day in sample_days(stack, shop, clock):
            rows = client.get_campaign_hourly_performance(
                auth(stack, shop.shop_id), campaign_ids=ids, day=day
            )
            got = {(r.campaign_id, r.hour): r for r in rows}
            expected = {
                key: m
                for key, m in truth.campaign_hourly(shop.shop_id, day).items()
                if key[0] in ids
            }
            assert set(got) == set(expected), (shop.region, day)
            for key, metrics in expected.items():
                assert got[key].performance_date == day
                assert_same(got[key], metrics, PRODUCT_METRICS)
                compared += 1
    assert compared > 100


def test_shop_daily_equals_truth_across_windows(
    stack: LocalStack, client: ShopeeClient, clock: FrozenClock
) -> None:
    """31 days: one 30-day call plus a one-day window (widened, then filtered)."""
    truth = stack.simulator.truth
    for shop in sample_shops(stack):
        today = local_day(shop.region, clock())
        start = today - timedelta(days=30)
        before = stack.simulator.counters.calls_to(ADS + "get_all_cpc_ads_daily_performance")
        rows = client.get_shop_daily_performance(auth(stack, shop.shop_id), start=start, end=today)
        after = stack.simulator.counters.calls_to(ADS + "get_all_cpc_ads_daily_performance")
        assert after - before == 2
        got = {r.performance_date: r for r in rows}
        assert len(got) == len(rows)
        expected = {
            start + timedelta(days=n): truth.shop_daily(shop.shop_id, start + timedelta(days=n))
            for n in range(31)
        }
        present = {day: m for day, m in expected.items() if m is not None}
        assert set(got) == set(present), shop.region
        for day, metrics in present.items():
            assert_same(got[day], metrics, SHOP_METRICS)


def test_shop_daily_of_one_day(stack: LocalStack, client: ShopeeClient, clock: FrozenClock) -> None:
    truth = stack.simulator.truth
    for shop in sample_shops(stack):
        for day in sample_days(stack, shop, clock):
            rows = client.get_shop_daily_performance(auth(stack, shop.shop_id), start=day, end=day)
            expected = truth.shop_daily(shop.shop_id, day)
            if expected is None:
                assert rows == []
                continue
            assert [r.performance_date for r in rows] == [day]
            assert_same(rows[0], expected, SHOP_METRICS)


def test_shop_hourly_equals_truth(
    stack: LocalStack, client: ShopeeClient, clock: FrozenClock
) -> None:
    truth = stack.simulator.truth
    compared = 0
    for shop in sample_shops(stack):
        for day in sample_days(stack, shop, clock):
            rows = client.get_shop_hourly_performance(auth(stack, shop.shop_id), day=day)
            expected = truth.shop_hourly(shop.shop_id, day)
            assert [r.hour for r in rows] == sorted(expected), (shop.region, day)
            for row in rows:
                assert row.performance_date == day
                assert_same(row, expected[row.hour], SHOP_METRICS)
                compared += 1
    assert compared > 24


def test_campaign_settings_match_the_world_in_batches_of_100(
    stack: LocalStack, client: ShopeeClient, clock: FrozenClock
) -> None:
    big = max(stack.simulator.world.shops, key=lambda s: s.campaign_count)
    ids = list(stack.simulator.truth.campaign_ids(big.shop_id))
    assert len(ids) > 1000
    path = ADS + "get_product_level_campaign_setting_info"
    settings = client.get_campaign_settings(auth(stack, big.shop_id), campaign_ids=ids)
    assert stack.simulator.counters.calls_to(path) == -(-len(ids) // 100)
    assert [s.campaign_id for s in settings] == ids
    now_ts = int(clock().timestamp())
    for setting in settings:
        campaign = stack.simulator.world.campaign(big.shop_id, setting.campaign_id)
        assert campaign is not None
        common = setting.common_info
        assert common is not None
        assert common.ad_type == campaign.ad_type
        assert common.ad_name == campaign.ad_name
        assert common.campaign_status == campaign.status_at(now_ts)
        assert common.bidding_method == campaign.bidding_method
        assert common.campaign_placement == campaign.placement
        assert common.campaign_budget == campaign.budget
        assert common.campaign_duration.start_time == campaign.start_ts
        assert common.campaign_duration.end_time == campaign.end_ts
        assert common.item_id_list == tuple(campaign.item_ids)
        assert setting.auto_bidding_info is not None
        assert setting.auto_bidding_info.roas_target == campaign.roas_target
        assert setting.manual_bidding_info is not None
        assert setting.auto_product_ads_info is not None
        if campaign.ad_type == "auto":
            assert [p.item_id for p in setting.auto_product_ads_info] == list(campaign.item_ids)
        assert setting.raw["campaign_id"] == setting.campaign_id


def test_campaign_settings_of_chosen_blocks(stack: LocalStack, client: ShopeeClient) -> None:
    shop = next(sample_shops(stack))
    ids = list(stack.simulator.truth.campaign_ids(shop.shop_id))[:3]
    settings = client.get_campaign_settings(
        auth(stack, shop.shop_id), campaign_ids=ids, info_types=(3,)
    )
    assert [s.campaign_id for s in settings] == ids
    assert all(s.common_info is None and s.auto_bidding_info is not None for s in settings)
    assert client.get_campaign_settings(auth(stack, shop.shop_id), campaign_ids=[]) == []


def test_gms_reports_equal_truth(
    stack: LocalStack, client: ShopeeClient, clock: FrozenClock
) -> None:
    truth = stack.simulator.truth
    shops = [s for s in stack.simulator.world.shops if truth.gms_campaign_id(s.shop_id)]
    assert {s.region for s in shops} >= {"SG", "BR"}
    most_pages = 0
    for shop in shops:
        today = local_day(shop.region, clock())
        start = today - timedelta(days=6)
        shop_auth = auth(stack, shop.shop_id)
        for first, last in ((start, today), (today, today)):
            report = client.get_gms_campaign_performance(shop_auth, start=first, end=last)
            assert report.campaign_id == truth.gms_campaign_id(shop.shop_id)
            assert (report.start_date, report.end_date) == (first, last)
            expected = truth.gms_campaign_report(shop.shop_id, first, last)
            assert expected is not None
            assert_same(report, expected, PRODUCT_METRICS)

        path = ADS + "get_gms_item_performance"
        before = stack.simulator.counters.calls_to(path)
        items = client.get_gms_item_performance(shop_auth, start=start, end=today, page_size=10)
        expected_items = truth.gms_items(shop.shop_id, start, today)
        assert [i.item_id for i in items] == list(expected_items)
        pages = stack.simulator.counters.calls_to(path) - before
        assert pages == max(1, -(-len(expected_items) // 10))
        most_pages = max(most_pages, pages)
        for item in items:
            assert item.campaign_id == truth.gms_campaign_id(shop.shop_id)
            assert_same(item, expected_items[item.item_id], PRODUCT_METRICS)
    assert most_pages > 1


def test_gms_deleted_items_every_page_and_refusals_as_shop_state(
    stack: LocalStack, client: ShopeeClient, clock: FrozenClock
) -> None:
    truth = stack.simulator.truth
    shops = stack.simulator.world.shops
    deleting = next(s for s in shops if len(truth.gms_deleted_items(s.shop_id)) > 2)
    listed = client.list_gms_deleted_items(auth(stack, deleting.shop_id), page_size=2)
    assert listed.campaign_id == truth.gms_campaign_id(deleting.shop_id)
    assert listed.item_ids == truth.gms_deleted_items(deleting.shop_id)

    today = local_day("VN", clock())
    not_whitelisted = next(s for s in shops if not truth.gms_whitelisted(s.shop_id))
    with pytest.raises(ShopStateError) as refused:
        client.get_gms_campaign_performance(
            auth(stack, not_whitelisted.shop_id), start=today, end=today
        )
    assert refused.value.code == "ads_error_not_whitelisted_for_product_gms"
    no_campaign = next(
        s
        for s in shops
        if truth.gms_whitelisted(s.shop_id) and not truth.gms_campaign_id(s.shop_id)
    )
    with pytest.raises(ShopStateError) as missing:
        client.list_gms_deleted_items(auth(stack, no_campaign.shop_id))
    assert missing.value.code == "ads_error_product_gms_campaign_not_found"
