"""Today's daily rows as the sums of their hours, and the check that decides when a shop's
are derived (services/daily.py, services/activity.py)."""

from datetime import UTC, date, datetime, timedelta

from adsync.services import daily
from adsync.services.activity import DAILY_CHECK, ActivityState, RealtimeCursor
from adsync.shopee.models import (
    CampaignDailyMetrics,
    CampaignHourlyMetrics,
    ShopDailyMetrics,
    ShopHourlyMetrics,
)

DAY = date(2026, 11, 20)
NOW = datetime(2026, 11, 20, 13, 5, tzinfo=UTC)
SHOP = 42


def campaign_hour(hour: int, **raw: float) -> CampaignHourlyMetrics:
    return CampaignHourlyMetrics.from_api(campaign_id=7, performance_date=DAY, hour=hour, raw=raw)


def test_a_campaign_day_adds_money_as_decimals_and_derives_its_ratios() -> None:
    hours = [
        campaign_hour(9, impression=100, clicks=3, expense=0.1, broad_order=1, broad_gmv=10.05),
        campaign_hour(10, impression=50, clicks=1, expense=0.2, broad_order=0, broad_gmv=0.0),
    ]

    row = daily.campaign_day(hours)

    assert (row.campaign_id, row.performance_date) == (7, DAY)
    assert (row.impression, row.clicks, row.broad_order) == (150, 4, 1)
    assert row.expense == 0.3  # 0.1 + 0.2 as floats is 0.30000000000000004
    assert row.broad_gmv == 10.05
    assert row.ctr == 2.6667  # 4 / 150, in percent, from the sums
    assert row.broad_roi == 33.5  # 10.05 / 0.3


def test_a_shop_day_is_the_sum_of_its_hours() -> None:
    hours = [
        ShopHourlyMetrics.from_api(performance_date=DAY, hour=h, raw={"clicks": 2, "expense": 0.7})
        for h in range(3)
    ]
    row = daily.shop_day(hours)
    assert (row.clicks, row.expense, row.performance_date) == (6, 2.1, DAY)


def test_a_derived_row_and_shopees_equal_row_have_one_fingerprint() -> None:
    hours = [campaign_hour(9, clicks=1, expense=0.1), campaign_hour(10, clicks=2, expense=0.2)]
    shopee = CampaignDailyMetrics.from_api(
        campaign_id=7, performance_date=DAY, raw={"clicks": 3, "expense": 0.3, "ctr": 99.0}
    )
    assert daily.day_digest(daily.campaign_day(hours)) == daily.day_digest(shopee)
    a_cent_off = CampaignDailyMetrics.from_api(
        campaign_id=7, performance_date=DAY, raw={"clicks": 3, "expense": 0.31}
    )
    assert daily.day_digest(daily.campaign_day(hours)) != daily.day_digest(a_cent_off)
    shop = ShopDailyMetrics.from_api(performance_date=DAY, raw={"clicks": 3})
    assert daily.day_digest(shop) != daily.day_digest(shopee)


def test_one_row_that_differs_outweighs_every_row_that_agrees() -> None:
    cursor = RealtimeCursor(day=DAY, check=True)
    after = cursor.compared([(1, "a", "a"), (2, "b", "x"), (3, "c", "c")])
    assert (after.agreements, after.disagreed) == (2, True)
    assert after.compared([(4, "d", "d")]).disagreed  # stays
    missing = cursor.compared([(0, "s", None)])  # Shopee sent no row for the sum
    assert (missing.agreements, missing.disagreed) == (0, True)


def test_the_state_after_a_check() -> None:
    earlier = NOW - timedelta(hours=2)
    trusted = ActivityState(daily_checked_at=earlier, daily_agreed=True)
    untrusted = ActivityState(daily_checked_at=earlier, daily_agreed=False)
    checking = RealtimeCursor(day=DAY, check=True)

    assert trusted.daily_check_after(checking.compared([(1, "a", "b")]), now=NOW) == (NOW, False)
    assert untrusted.daily_check_after(checking.compared([(1, "a", "a")]), now=NOW) == (NOW, True)
    # Nothing compared (no row of 2+ hours), or no check due: nothing learnt.
    assert untrusted.daily_check_after(checking, now=NOW) == (earlier, False)
    not_due = RealtimeCursor(day=DAY).compared([(1, "a", "a")])
    assert untrusted.daily_check_after(not_due, now=NOW) == (earlier, False)


def test_rows_are_derived_only_between_checks_that_agreed() -> None:
    assert not ActivityState().derives_daily(shop_id=SHOP, now=NOW)  # never checked
    just_checked = ActivityState(daily_checked_at=NOW, daily_agreed=True)
    assert just_checked.derives_daily(shop_id=SHOP, now=NOW + DAILY_CHECK * 0.7)
    assert not just_checked.derives_daily(shop_id=SHOP, now=NOW + DAILY_CHECK * 1.3)  # due
    disagreed = ActivityState(daily_checked_at=NOW, daily_agreed=False)
    assert not disagreed.derives_daily(shop_id=SHOP, now=NOW + DAILY_CHECK * 0.7)


def test_the_check_outlives_the_day_and_the_json() -> None:
    state = ActivityState(day=DAY, daily_checked_at=NOW, daily_agreed=True)
    tomorrow = state.on(DAY + timedelta(days=1))
    assert (tomorrow.daily_checked_at, tomorrow.daily_agreed) == (NOW, True)
    assert ActivityState.from_json(state.to_json()) == state
    assert ActivityState.from_json({"day": None}) == ActivityState()  # stored before checks
    cursor = RealtimeCursor(day=DAY, derive=True, expected={5: "e"}, shop_expected="s")
    assert RealtimeCursor.from_json(cursor.compared([(5, "e", "f")]).to_json()) == cursor.compared(
        [(5, "e", "f")]
    )
