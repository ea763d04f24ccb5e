"""Setting info, shop-level performance, GMS reports and account endpoints (doc §6)."""

from datetime import date, timedelta
from typing import Any

import pytest

from local.simulator import ShopSpec, Simulator
from tests.simulator.conftest import Api
from tests.support.clock import FrozenClock

SETTING_INFO = "/api/v2/ads/get_product_level_campaign_setting_info"
SHOP_DAILY = "/api/v2/ads/get_all_cpc_ads_daily_performance"
SHOP_HOURLY = "/api/v2/ads/get_all_cpc_ads_hourly_performance"
GMS_CAMPAIGN = "/api/v2/ads/get_gms_campaign_performance"
GMS_ITEMS = "/api/v2/ads/get_gms_item_performance"
TOGGLE = "/api/v2/ads/get_shop_toggle_info"


def _fmt(day: date) -> str:
    return day.strftime("%d-%m-%Y")


def _today(shop: ShopSpec, clock: FrozenClock) -> date:
    return (clock.now + shop.utc_offset).date()


@pytest.fixture
def shop(sim: Simulator) -> ShopSpec:
    return sim.world.shops[0]


@pytest.fixture
def token(sim: Simulator, shop: ShopSpec) -> str:
    return sim.issue_tokens(shop.shop_id).access_token


def test_setting_info_blocks(api: Api, shop: ShopSpec, token: str) -> None:
    campaigns = api.sim.world.campaigns(shop.shop_id)[:20]
    params = {
        "info_type_list": "1,2,3,4",
        "campaign_id_list": ",".join(str(c.campaign_id) for c in campaigns),
    }
    reply = api.shop_call(SETTING_INFO, shop_id=shop.shop_id, access_token=token, params=params)
    assert reply.error == ""
    entries = reply.body["response"]["campaign_list"]
    assert [e["campaign_id"] for e in entries] == [c.campaign_id for c in campaigns]
    for entry, campaign in zip(entries, campaigns, strict=True):
        common = entry["common_info"]
        assert common["ad_type"] == campaign.ad_type
        assert common["campaign_status"] == campaign.status_at(int(api.clock.now.timestamp()))
        assert common["campaign_budget"] == campaign.budget
        assert common["campaign_duration"]["start_time"] == campaign.start_ts
        if campaign.ad_type == "manual":
            assert len(common["item_id_list"]) == 1
            assert entry["auto_product_ads_info"] == []
        else:
            items = [i["item_id"] for i in entry["auto_product_ads_info"]]
            assert items == common["item_id_list"]
        assert entry["auto_bidding_info"] == {"roas_target": campaign.roas_target}
        assert set(entry["manual_bidding_info"]) == {
            "enhanced_cpc",
            "selected_keywords",
            "discovery_ads_locations",
        }

    only_common = api.shop_call(
        SETTING_INFO,
        shop_id=shop.shop_id,
        access_token=token,
        params=params | {"info_type_list": "1"},
    )
    assert set(only_common.body["response"]["campaign_list"][0]) == {"campaign_id", "common_info"}
    bad = api.shop_call(
        SETTING_INFO,
        shop_id=shop.shop_id,
        access_token=token,
        params=params | {"info_type_list": "5"},
    )
    assert bad.error == "error_param"


def test_shop_daily_is_the_sum_over_campaigns(
    api: Api, shop: ShopSpec, token: str, clock: FrozenClock
) -> None:
    end = _today(shop, clock)
    start = end - timedelta(days=4)
    params = {"start_date": _fmt(start), "end_date": _fmt(end)}
    reply = api.shop_call(SHOP_DAILY, shop_id=shop.shop_id, access_token=token, params=params)
    assert reply.error == ""
    rows = reply.body["response"]
    assert [row["date"] for row in rows] == [_fmt(start + timedelta(days=n)) for n in range(5)]
    for row in rows:
        day = start + timedelta(days=rows.index(row))
        campaigns = api.sim.truth.campaign_daily(shop.shop_id, day)
        assert row["impression"] == sum(c["impression"] for c in campaigns.values())
        assert row["broad_item_sold"] == sum(c["broad_order_amount"] for c in campaigns.values())
        assert row["expense"] == round(sum(c["expense"] for c in campaigns.values()), 2)
        assert "broad_order_amount" not in row
        assert {k: v for k, v in row.items() if k != "date"} == api.sim.truth.shop_daily(
            shop.shop_id, day
        )
    same = api.shop_call(
        SHOP_DAILY,
        shop_id=shop.shop_id,
        access_token=token,
        params={"start_date": _fmt(end), "end_date": _fmt(end)},
    )
    assert same.error == "ads.performance.error_same_start_end_dates"


def test_shop_hourly_matches_truth(
    api: Api, shop: ShopSpec, token: str, clock: FrozenClock
) -> None:
    day = _today(shop, clock)
    params = {"performance_date": _fmt(day)}
    reply = api.shop_call(SHOP_HOURLY, shop_id=shop.shop_id, access_token=token, params=params)
    rows = reply.body["response"]
    assert rows
    truth = api.sim.truth.shop_hourly(shop.shop_id, day)
    assert {row.pop("hour"): row for row in rows if row.pop("date") == _fmt(day)} == truth
    assert max(truth) < (clock.now + shop.utc_offset).hour


def _gms_shop(sim: Simulator) -> ShopSpec:
    return next(s for s in sim.world.shops if sim.truth.gms_campaign_id(s.shop_id))


def test_gms_campaign_and_items_agree(api: Api, clock: FrozenClock) -> None:
    shop = _gms_shop(api.sim)
    token = api.sim.issue_tokens(shop.shop_id).access_token
    day = _today(shop, clock) - timedelta(days=1)
    body = {"start_date": _fmt(day), "end_date": _fmt(day)}  # same day is allowed for GMS
    campaign = api.shop_call(
        GMS_CAMPAIGN, shop_id=shop.shop_id, access_token=token, method="POST", body=body
    )
    assert campaign.error == ""
    report = campaign.body["response"]["report"]
    assert campaign.body["response"]["campaign_id"] == api.sim.truth.gms_campaign_id(shop.shop_id)
    assert report == api.sim.truth.gms_campaign_report(shop.shop_id, day, day)

    items: dict[int, dict[str, Any]] = {}
    offset = 0
    while True:
        page = api.shop_call(
            GMS_ITEMS,
            shop_id=shop.shop_id,
            access_token=token,
            method="POST",
            body=body | {"offset": offset, "limit": 3},
        ).body["response"]
        items |= {entry["item_id"]: entry["report"] for entry in page["result_list"]}
        if not page["has_next_page"]:
            break
        offset += 3
    assert page["total"] == len(items)
    assert items == api.sim.truth.gms_items(shop.shop_id, day, day)
    assert list(items) == sorted(items)
    assert sum(r["impression"] for r in items.values()) == report["impression"]
    too_many = api.shop_call(
        GMS_ITEMS,
        shop_id=shop.shop_id,
        access_token=token,
        method="POST",
        body=body | {"limit": 101},
    )
    assert too_many.error == "error_query_limit_max"
    wrong_verb = api.shop_call(GMS_ITEMS, shop_id=shop.shop_id, access_token=token, params=body)
    assert wrong_verb.error == "ads.api.http_method_not_allowed"
    unknown = api.shop_call(
        GMS_CAMPAIGN,
        shop_id=shop.shop_id,
        access_token=token,
        method="POST",
        body=body | {"campaign_id": 1},
    )
    assert unknown.error == "ads_error_product_gms_campaign_not_found"


def test_toggle_info(api: Api, shop: ShopSpec, token: str) -> None:
    response = api.shop_call(TOGGLE, shop_id=shop.shop_id, access_token=token).body["response"]
    assert isinstance(response["auto_top_up"], bool)
    assert isinstance(response["campaign_surge"], bool)
