"""Money and ratios (issue 16 part 5): each region's currency is known to the database
and every shop's money is read with it; ratios are stored in one convention whatever
unit Shopee sends them in (shopee-ads-api.md §7)."""

from decimal import ROUND_HALF_UP, Decimal

import pytest

from adsync.db.connection import Database
from adsync.regions import CURRENCIES
from local.simulator import SimulatorSettings
from local.stack import LocalStack
from local.truth_check import compare
from tests.support.clock import FrozenClock
from tests.support.sync import drain, jobs, local_days


@pytest.fixture
def simulator_settings() -> SimulatorSettings:
    # Shop-level ratios as fractions (0.05 for 5 %), as public fixtures show (§7).
    return SimulatorSettings(shop_ratio_unit="fraction")


def percent(numerator: object, denominator: object) -> Decimal:
    if not denominator:
        return Decimal(0)
    value = Decimal(str(numerator)) * 100 / Decimal(str(denominator))
    return value.quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


def test_ratios_sent_as_fractions_are_stored_as_percentages(
    stack: LocalStack, db: Database, clock: FrozenClock
) -> None:
    stack.onboard_all()
    stack.invoke("enqueue", {"sync_type": "realtime", "priority": 1})
    drain(stack, priority=1)
    assert {r["status"] for r in jobs(db)} == {"completed"}

    rows = db.run("SELECT * FROM apishopee_ads_shop_performance_hourly WHERE clicks > 0")
    assert rows
    truth = stack.simulator.truth
    for row in rows:
        assert row["ctr"] == percent(row["clicks"], row["impression"])
        assert row["broad_conversions"] == percent(row["broad_order"], row["clicks"])
        sent = truth.shop_hourly(row["shop_id"], row["performance_date"])[row["hour"]]
        assert sent["ctr"] < 1 < row["ctr"]  # Shopee sent 0.0x, we keep x %
    campaign_rows = db.run("SELECT * FROM apishopee_ads_performance_hourly WHERE clicks > 0")
    assert campaign_rows
    for row in campaign_rows:  # the product-level family: the same convention
        assert row["ctr"] == percent(row["clicks"], row["impression"])
        assert row["cr"] == percent(row["broad_order"], row["clicks"])
    result = compare(db, stack.simulator, local_days(stack, clock, range(1)))
    assert result.equal, result.mismatches[:10]


def test_every_region_has_its_currency_and_shops_money_is_grouped_by_it(
    stack: LocalStack, db: Database
) -> None:
    regions = {r["region"]: r["currency"] for r in db.run("SELECT * FROM apishopee_regions")}
    assert regions == CURRENCIES
    assert {"VN": "VND", "SG": "SGD", "BR": "BRL", "TH": "THB"}.items() <= regions.items()

    stack.onboard_all()
    stack.invoke("enqueue", {"sync_type": "realtime", "priority": 1})
    drain(stack, priority=1)
    by_shop = {r["shop_id"]: r for r in db.run("SELECT * FROM apishopee_shop_currency")}
    for shop in stack.simulator.world.shops:
        assert by_shop[shop.shop_id]["currency"] == CURRENCIES[shop.region]
    totals = db.run(
        "SELECT c.currency, sum(d.expense) AS expense"
        " FROM apishopee_ads_shop_performance_daily AS d"
        " JOIN apishopee_shop_currency AS c USING (shop_id) GROUP BY c.currency"
    )
    expected = {CURRENCIES[s.region] for s in stack.simulator.world.shops}
    assert {r["currency"] for r in totals} <= expected
    assert all(r["currency"] is not None for r in totals)
