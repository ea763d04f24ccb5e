"""Compares what the sync wrote to Postgres with the simulator's ground truth.

Exact equality, field by field, for every ads table and every (shop, day) asked:
campaign settings (the fields that do not change with time, for every stored campaign),
campaign daily and hourly rows (for the campaigns the id list shows and any other one
stored: a campaign deleted since must match too), shop-level daily and hourly rows,
and Product GMS: the shop's GMS state, its campaign and item rows of each day and its
deleted items. Used by the local runner's summary and by the tests.

Ratios are checked against the README's convention, computed here from the reply's own
counts (exact fractions, half up to 4 places), not against Shopee's ratio fields, whose
unit varies (shopee-ads-api.md §7). This module shares no code with the sync's.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from fractions import Fraction
from math import floor
from typing import Any

from adsync.db.connection import Database
from local.simulator import Simulator

_CAMPAIGN_DAILY = (
    "SELECT * FROM apishopee_ads_performance_daily WHERE shop_id = :shop_id "
    "AND performance_date = :day"
)
_CAMPAIGN_HOURLY = (
    "SELECT * FROM apishopee_ads_performance_hourly WHERE shop_id = :shop_id "
    "AND performance_date = :day"
)
_SHOP_DAILY = (
    "SELECT * FROM apishopee_ads_shop_performance_daily WHERE shop_id = :shop_id "
    "AND performance_date = :day"
)
_CAMPAIGN_SETTINGS = "SELECT * FROM apishopee_ads_campaign_data WHERE shop_id = :shop_id"
_SHOP_HOURLY = (
    "SELECT * FROM apishopee_ads_shop_performance_hourly WHERE shop_id = :shop_id "
    "AND performance_date = :day"
)
_GMS_DAILY = (
    "SELECT * FROM apishopee_ads_gms_campaign_daily WHERE shop_id = :shop_id "
    "AND performance_date = :day"
)
_GMS_ITEMS = (
    "SELECT * FROM apishopee_ads_gms_item_daily WHERE shop_id = :shop_id "
    "AND performance_date = :day"
)
_GMS_DELETED = "SELECT * FROM apishopee_ads_gms_deleted_item WHERE shop_id = :shop_id"
_GMS_STATE = "SELECT gms_status FROM apishopee_shops WHERE shop_id = :shop_id"
NOT_WHITELISTED = "ads_error_not_whitelisted_for_product_gms"
NO_GMS_CAMPAIGN = "ads_error_product_gms_campaign_not_found"

# The README's ratio convention: name -> (numerator, denominator, factor).
_PERCENT = {
    "ctr": ("clicks", "impression"),
    "cr": ("broad_order", "clicks"),
    "direct_cr": ("direct_order", "clicks"),
    "broad_cir": ("expense", "broad_gmv"),
    "direct_cir": ("expense", "direct_gmv"),
    "broad_conversions": ("broad_order", "clicks"),
    "direct_conversions": ("direct_order", "clicks"),
}
_PER_UNIT = {
    "broad_roi": ("broad_gmv", "expense"),
    "direct_roi": ("direct_gmv", "expense"),
    "broad_roas": ("broad_gmv", "expense"),
    "direct_roas": ("direct_gmv", "expense"),
    "cpc": ("expense", "broad_order"),
    "cpdc": ("expense", "direct_order"),
    "cost_per_conversion": ("expense", "broad_order"),
}
_CONVENTION = {name: (*pair, 100) for name, pair in _PERCENT.items()} | {
    name: (*pair, 1) for name, pair in _PER_UNIT.items()
}


def in_convention(row: Mapping[str, Any]) -> dict[str, Any]:
    """A reply row with every ratio replaced by the stored convention's value."""
    out = dict(row)
    for name, (numerator, denominator, factor) in _CONVENTION.items():
        if name in row:
            den = Fraction(str(row[denominator]))
            value = Fraction(str(row[numerator])) * factor / den if den else Fraction(0)
            out[name] = Fraction(floor(value * 10_000 + Fraction(1, 2)), 10_000)
    return out


@dataclass
class Comparison:
    rows_checked: int = 0
    mismatches: list[str] = field(default_factory=list)

    @property
    def equal(self) -> bool:
        return not self.mismatches


def _same(expected: Any, got: Any) -> bool:
    if isinstance(expected, Fraction):
        return isinstance(got, Decimal) and Fraction(got) == expected
    if isinstance(got, Decimal):
        return got == Decimal(str(expected))
    return bool(got == expected)


def _compare_rows(
    label: str,
    truth: Mapping[Any, Mapping[str, Any]],
    stored: Mapping[Any, Mapping[str, Any]],
    result: Comparison,
) -> None:
    for key in sorted(set(truth) | set(stored), key=str):
        if key not in stored:
            result.mismatches.append(f"{label} {key}: missing in the database")
            continue
        if key not in truth:
            result.mismatches.append(f"{label} {key}: in the database, not in Shopee's reply")
            continue
        result.rows_checked += 1
        for name, expected in in_convention(truth[key]).items():
            if not _same(expected, stored[key].get(name)):
                result.mismatches.append(
                    f"{label} {key} {name}: Shopee {expected!r}, database {stored[key].get(name)!r}"
                )


def compare(db: Database, simulator: Simulator, days: Mapping[int, Iterable[date]]) -> Comparison:
    """Check every table for each shop id in `days` and each of its days."""
    truth = simulator.truth
    result = Comparison()
    for shop_id, shop_days in days.items():
        listed = set(truth.campaign_ids(shop_id))
        settings = truth.campaign_settings(shop_id)
        stored = {r["campaign_id"]: r for r in db.run(_CAMPAIGN_SETTINGS, shop_id=shop_id)}
        # Every stored campaign against Shopee's settings (a sync may skip some campaigns).
        _compare_rows(
            f"shop {shop_id} campaign settings",
            {c: settings[c] for c in stored if c in settings},
            {c: row for c, row in stored.items() if c in settings},
            result,
        )
        result.mismatches.extend(
            f"shop {shop_id} campaign settings {c}: in the database, not in Shopee's list"
            for c in stored
            if c not in settings
        )
        for day in shop_days:
            params = {"shop_id": shop_id, "day": day}
            label = f"shop {shop_id} {day}"
            daily = {r["campaign_id"]: r for r in db.run(_CAMPAIGN_DAILY, **params)}
            hourly = {(r["campaign_id"], r["hour"]): r for r in db.run(_CAMPAIGN_HOURLY, **params)}
            # The listed campaigns, and any other the sync stored (deleted since): a
            # campaign deleted before the shop's first sync is beyond anyone's reach.
            known = listed | set(daily) | {k[0] for k in hourly}
            _compare_rows(
                f"{label} campaign daily",
                {c: m for c, m in truth.campaign_daily(shop_id, day).items() if c in known},
                daily,
                result,
            )
            _compare_rows(
                f"{label} campaign hourly",
                {k: m for k, m in truth.campaign_hourly(shop_id, day).items() if k[0] in known},
                hourly,
                result,
            )
            shop_daily = truth.shop_daily(shop_id, day)
            _compare_rows(
                f"{label} shop daily",
                {day: shop_daily} if shop_daily is not None else {},
                {r["performance_date"]: r for r in db.run(_SHOP_DAILY, **params)},
                result,
            )
            _compare_rows(
                f"{label} shop hourly",
                truth.shop_hourly(shop_id, day),
                {r["hour"]: r for r in db.run(_SHOP_HOURLY, **params)},
                result,
            )
        _compare_gms(db, simulator, shop_id, list(shop_days), result)
    return result


def _compare_gms(
    db: Database, simulator: Simulator, shop_id: int, days: list[date], result: Comparison
) -> None:
    truth = simulator.truth
    gms_id = truth.gms_campaign_id(shop_id)
    whitelisted = truth.gms_whitelisted(shop_id)
    expected = "active" if gms_id else NO_GMS_CAMPAIGN if whitelisted else NOT_WHITELISTED
    state = db.one(_GMS_STATE, shop_id=shop_id)
    got = state["gms_status"] if state else None
    if got != expected:
        result.mismatches.append(f"shop {shop_id} GMS state: Shopee {expected}, database {got}")
    params: dict[str, Any] = {"shop_id": shop_id}
    deleted = {(r["campaign_id"], r["item_id"]) for r in db.run(_GMS_DELETED, **params)}
    truth_deleted = {(gms_id, item) for item in truth.gms_deleted_items(shop_id)}
    result.rows_checked += len(deleted & truth_deleted)
    result.mismatches.extend(
        f"shop {shop_id} GMS deleted item {key}: missing in the database"
        for key in sorted(truth_deleted - deleted)
    )
    result.mismatches.extend(
        f"shop {shop_id} GMS deleted item {key}: in the database, not in Shopee's list"
        for key in sorted(deleted - truth_deleted)
    )
    for day in days:
        label = f"shop {shop_id} {day}"
        report = truth.gms_campaign_report(shop_id, day, day) if whitelisted else None
        _compare_rows(
            f"{label} GMS campaign daily",
            {gms_id: report} if report is not None else {},
            {r["campaign_id"]: r for r in db.run(_GMS_DAILY, shop_id=shop_id, day=day)},
            result,
        )
        items = truth.gms_items(shop_id, day, day) if whitelisted else {}
        _compare_rows(
            f"{label} GMS item daily",
            {(gms_id, item): m for item, m in items.items()},
            {
                (r["campaign_id"], r["item_id"]): r
                for r in db.run(_GMS_ITEMS, shop_id=shop_id, day=day)
            },
            result,
        )


# shop-level metric -> product-level metric the totals check sums (units sold differ in name)
_TOTALS_METRICS = {
    "impression": "impression",
    "clicks": "clicks",
    "expense": "expense",
    "broad_order": "broad_order",
    "direct_order": "direct_order",
    "broad_item_sold": "broad_order_amount",
    "direct_item_sold": "direct_order_amount",
    "broad_gmv": "broad_gmv",
    "direct_gmv": "direct_gmv",
}
_STORED_CAMPAIGNS = (
    "SELECT DISTINCT campaign_id FROM apishopee_ads_performance_daily "
    "WHERE shop_id = :shop_id AND performance_date = :day"
)
_TOTAL_DIFFERENCES = (
    "SELECT metric, difference FROM apishopee_ads_total_differences WHERE shop_id = :shop_id "
    "AND performance_date = :day AND comparison = 'campaigns_vs_shop'"
)


def compare_totals(
    db: Database, simulator: Simulator, days: Mapping[int, Iterable[date]]
) -> Comparison:
    """The recorded differences between each shop total and the sum of its campaign rows
    against Shopee's: its shop-level row minus the rows of the campaigns stored (Shop Ads
    and campaigns deleted before the first sync are in the first, not the second)."""
    truth = simulator.truth
    result = Comparison()
    for shop_id, shop_days in days.items():
        for day in shop_days:
            params = {"shop_id": shop_id, "day": day}
            stored = {r["campaign_id"] for r in db.run(_STORED_CAMPAIGNS, **params)}
            shop_row = truth.shop_daily(shop_id, day) or {}
            rows = [m for c, m in truth.campaign_daily(shop_id, day).items() if c in stored]
            expected = {}
            for shop_name, product_name in _TOTALS_METRICS.items():
                total = Decimal(str(shop_row.get(shop_name, 0)))
                parts = sum((Decimal(str(m[product_name])) for m in rows), Decimal(0))
                if total != parts:
                    expected[shop_name] = {"difference": total - parts}
            _compare_rows(
                f"shop {shop_id} {day} totals vs campaigns",
                expected,
                {r["metric"]: r for r in db.run(_TOTAL_DIFFERENCES, **params)},
                result,
            )
    return result
