"""Client results: parsing of documented reply shapes, date windows, redaction, reprs."""

import math
import random
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

import pytest

from adsync.config import PartnerCredentials
from adsync.shopee import (
    CampaignDailyMetrics,
    CampaignSetting,
    GmsItemMetrics,
    ShopAuth,
    ShopDailyMetrics,
    ShopeeClient,
    TokenGrant,
)
from adsync.shopee.ads import campaign_entries, day_rows
from adsync.shopee.dates import MAX_DAYS_PER_CALL, format_date, parse_date, windows
from adsync.shopee.errors import BadRequestError, ShopeeError
from adsync.shopee.models import (
    PRODUCT_METRICS,
    SHOP_METRICS,
    CampaignHourlyMetrics,
    metric_values,
    ratio,
)
from adsync.shopee.transport import Transport, redact

SETTING = {
    "campaign_id": 123,
    "common_info": {
        "ad_type": "manual",
        "ad_name": "Summer shoes",
        "campaign_status": "ongoing",
        "bidding_method": "manual",
        "campaign_placement": "all",
        "campaign_budget": 0,
        "campaign_duration": {"start_time": 1_700_000_000, "end_time": 0},
        "item_id_list": [555],
    },
    "manual_bidding_info": {
        "enhanced_cpc": True,
        "selected_keywords": [
            {
                "keyword": "shoes",
                "status": "normal",
                "match_type": "exact",
                "bid_price_per_click": 0.12,
            }
        ],
        "discovery_ads_locations": [
            {"location": "daily_discover", "status": "normal", "bid_price": 0.2}
        ],
    },
    "auto_bidding_info": {"roas_target": 4.5},
    "auto_product_ads_info": [],
}


def test_campaign_setting_is_typed_and_keeps_the_raw_object() -> None:
    setting = CampaignSetting.from_api(SETTING)
    common = setting.common_info
    assert common is not None
    assert common.ad_name == "Summer shoes"
    assert common.campaign_budget == 0.0  # 0 = unlimited, kept as Shopee sends it
    assert common.campaign_duration.start_time == 1_700_000_000
    assert common.campaign_duration.starts_at == datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)
    assert common.campaign_duration.ends_at is None  # end_time 0 = no end
    assert common.item_id_list == (555,)
    manual = setting.manual_bidding_info
    assert manual is not None and manual.enhanced_cpc
    assert manual.selected_keywords[0].bid_price_per_click == 0.12
    assert manual.discovery_ads_locations[0].location == "daily_discover"
    assert setting.auto_bidding_info is not None
    assert setting.auto_bidding_info.roas_target == 4.5
    assert setting.auto_product_ads_info == ()
    assert setting.raw == SETTING
    assert "raw" not in repr(setting)


def test_blocks_not_sent_are_none() -> None:
    setting = CampaignSetting.from_api({"campaign_id": 9, "common_info": SETTING["common_info"]})
    assert setting.manual_bidding_info is None
    assert setting.auto_bidding_info is None
    assert setting.auto_product_ads_info is None


def test_metric_rows_take_documented_names_and_missing_fields_are_zero() -> None:
    raw = {"date": "01-11-2026", "impression": 10, "clicks": 2, "expense": 1.5, "cpc": None}
    row = CampaignDailyMetrics.from_api(campaign_id=1, performance_date=date(2026, 11, 1), raw=raw)
    assert row.metrics() == {
        **{name: kind(0) for name, kind in PRODUCT_METRICS.items()},
        "impression": 10,
        "clicks": 2,
        "expense": 1.5,
        "ctr": 20.0,  # derived from the counts (percent), not sent
    }
    raw_shop = {"broad_roas": 7, "broad_gmv": 10, "expense": 5}
    shop = ShopDailyMetrics.from_api(performance_date=date(2026, 11, 1), raw=raw_shop)
    assert set(shop.metrics()) == set(SHOP_METRICS)
    assert shop.broad_roas == 2.0 and isinstance(shop.broad_roas, float)


def test_a_metric_row_is_named_by_exactly_its_fields() -> None:
    """from_api builds rows without the dataclass's __init__: equal to one built by it,
    and a missing or unknown naming field is still a TypeError."""
    raw = {"impression": 10, "clicks": 2, "expense": 1.5}
    row = CampaignHourlyMetrics.from_api(
        campaign_id=1, performance_date=date(2026, 11, 1), hour=3, raw=raw
    )
    values = metric_values(raw, PRODUCT_METRICS)
    built = CampaignHourlyMetrics(
        campaign_id=1, performance_date=date(2026, 11, 1), hour=3, **values
    )
    assert (row, hash(row), repr(row)) == (built, hash(built), repr(built))
    with pytest.raises(TypeError, match="named by"):
        CampaignHourlyMetrics.from_api(campaign_id=1, performance_date=date(2026, 11, 1), raw=raw)
    with pytest.raises(TypeError, match="named by"):
        CampaignDailyMetrics.from_api(
            campaign_id=1, performance_date=date(2026, 11, 1), hour=3, raw=raw
        )


def test_ratios_shopee_sends_are_not_read() -> None:
    """Ratios are derived (README): whatever Shopee sends in their place, even a value
    that is not a number, is neither read nor refused."""
    raw = {"impression": 200, "clicks": 5, "ctr": "n/a", "cpc": True, "cr": float("inf")}
    row = CampaignDailyMetrics.from_api(campaign_id=1, performance_date=date(2026, 11, 1), raw=raw)
    assert (row.ctr, row.cpc, row.cr) == (2.5, 0.0, 0.0)


def test_gms_item_report_accepts_float_impressions() -> None:
    item = GmsItemMetrics.from_api(
        campaign_id=7,
        item_id=8,
        start_date=date(2026, 11, 1),
        end_date=date(2026, 11, 1),
        raw={"impression": 12.0, "broad_gmv": 3.25},
    )
    assert item.impression == 12 and isinstance(item.impression, int)
    assert item.broad_gmv == 3.25


def test_product_replies_are_accepted_as_array_or_object() -> None:
    block = {"shop_id": 1, "region": "VN", "campaign_list": [{"campaign_id": 5}]}
    assert list(campaign_entries([block], "x")) == [{"campaign_id": 5}]
    assert list(campaign_entries(block, "x")) == [{"campaign_id": 5}]
    assert list(campaign_entries(None, "x")) == []
    with pytest.raises(ShopeeError):
        list(campaign_entries(["junk"], "x"))
    with pytest.raises(ShopeeError):
        day_rows({"date": "01-11-2026"}, "x")


def test_dates_are_dd_mm_yyyy() -> None:
    assert format_date(date(2026, 1, 2)) == "02-01-2026"
    assert parse_date("02-01-2026") == date(2026, 1, 2)
    with pytest.raises(BadRequestError):
        parse_date("2026-01-02x")


def test_windows_cut_at_30_days_and_widen_a_single_day() -> None:
    start = date(2026, 10, 1)
    cut = list(windows(start, date(2026, 10, 31)))
    assert [(w.start, w.end) for w in cut] == [
        (start, date(2026, 10, 30)),
        (date(2026, 10, 31), date(2026, 10, 31)),
    ]
    assert (cut[1].end - cut[0].start).days + 1 == MAX_DAYS_PER_CALL + 1
    assert cut[0].ask_start == start
    assert cut[1].ask_start == date(2026, 10, 30)  # start == end is refused by Shopee
    assert cut[1].covers(date(2026, 10, 31)) and not cut[1].covers(date(2026, 10, 30))
    with pytest.raises(ValueError):
        list(windows(date(2026, 10, 2), date(2026, 10, 1)))


def test_redact_and_reprs_hide_secrets() -> None:
    token = "a1b2c3d4" * 4
    assert redact(f"url?access_token={token}&sign=ff", [token, "ff"]) == (
        "url?access_token=***&sign=***"
    )
    assert token not in repr(ShopAuth(shop_id=1, access_token=token))
    grant = TokenGrant(shop_id=1, access_token=token, refresh_token=token, expire_in_seconds=1)
    assert token not in repr(grant)
    client = ShopeeClient(
        Transport(
            base_url="http://127.0.0.1:9",
            credentials=PartnerCredentials(partner_id=1, partner_key=token),
        )
    )
    assert token not in repr(client)


def test_ratios_are_derived_from_counts_whatever_shopee_sent() -> None:
    """One convention (README): percent for ctr/cr/cir/conversions, multiples for
    roi/roas, money per order for cpc; Shopee's own values (percent or fraction) unused."""
    raw = {"impression": 200, "clicks": 5, "ctr": 0.025, "expense": 10.0, "broad_order": 4,
           "direct_order": 3, "broad_gmv": 50.0, "direct_gmv": 40.0, "cr": 80.0,
           "broad_roi": 99.0, "cpc": 1.0}  # fmt: skip
    row = CampaignDailyMetrics.from_api(campaign_id=1, performance_date=date(2026, 11, 1), raw=raw)
    assert (row.ctr, row.cr, row.direct_cr) == (2.5, 80.0, 60.0)
    assert (row.broad_cir, row.direct_cir) == (20.0, 25.0)
    assert (row.broad_roi, row.direct_roi) == (5.0, 4.0)
    assert (row.cpc, row.cpdc) == (2.5, 3.3333)
    shop = ShopDailyMetrics.from_api(performance_date=date(2026, 11, 1), raw=raw | {"ctr": 2.5})
    assert (shop.ctr, shop.broad_conversions, shop.cost_per_conversion) == (2.5, 80.0, 2.5)
    assert ratio(1, 20_000, 1) == 0.0001  # half up, on the exact decimals
    assert ratio(3, 0, 100) == 0.0  # no denominator: 0, not an error


def _decimal_ratio(numerator: float, denominator: float, factor: int) -> float:
    """The oracle: the README's rule written with Decimal, sharing no code with `ratio`."""
    value = Decimal(repr(numerator)) * factor / Decimal(repr(denominator))
    return float(value.quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP))


def test_ratios_in_integers_equal_the_exact_decimal_rule() -> None:
    """`ratio` computes in integers; each value equals Decimal's, halves and signs too."""
    rnd = random.Random(15)
    values: list[float] = [1, 3, 7, 20_000, 10**12, 0.5, 0.05, 12.35, 1e-05, 2.5e-07, 1.5e16]
    for _ in range(3000):
        values.append(rnd.randint(1, 10 ** rnd.randint(1, 12)))
        values.append(round(rnd.uniform(0.001, 10 ** rnd.randint(0, 9)), rnd.randint(0, 6)))
    values = [v for v in values if v]  # a zero gives 0 before any arithmetic
    values += [-v for v in values[:40]]
    for numerator, denominator in zip(values, reversed(values), strict=True):
        for factor in (1, 100):
            expected = _decimal_ratio(numerator, denominator, factor)
            got = ratio(numerator, denominator, factor)
            assert (got, math.copysign(1, got)) == (expected, math.copysign(1, expected)), (
                numerator,
                denominator,
                factor,
            )
    assert ratio(5, 100_000, 1) == 0.0001 and ratio(-5, 100_000, 1) == -0.0001  # halves
    assert ratio(4, 100_000, 1) == 0.0 and ratio(1, 3, 100) == 33.3333
    with pytest.raises(InvalidOperation):  # beyond 28 digits: refused, as Decimal does
        ratio(1e30, 1, 1)
