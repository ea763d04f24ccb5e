"""Today's daily rows as the sums of their hours, and their fingerprints, to compare
with the daily rows Shopee sends (`activity.py` says when a sync derives and when it
asks and compares).

Counts are added as integers and money as exact decimals (a float sum of 0.1 and 0.2 is
not 0.3); ratios are then derived from the sums as for any reply row
(`MetricSet.from_api`). Pure values: no I/O.
"""

from collections.abc import Sequence
from decimal import Decimal

from adsync.services.activity import digest
from adsync.shopee.models import (
    RATIOS,
    CampaignDailyMetrics,
    CampaignHourlyMetrics,
    MetricSet,
    ShopDailyMetrics,
    ShopHourlyMetrics,
)


def campaign_day(hours: Sequence[CampaignHourlyMetrics]) -> CampaignDailyMetrics:
    """One campaign's daily row: the sum of its hourly rows of one day (at least one)."""
    first = hours[0]
    return CampaignDailyMetrics.from_api(
        raw=_summed(hours), campaign_id=first.campaign_id, performance_date=first.performance_date
    )


def shop_day(hours: Sequence[ShopHourlyMetrics]) -> ShopDailyMetrics:
    """The shop's daily row: the sum of its hourly rows of one day (at least one)."""
    return ShopDailyMetrics.from_api(raw=_summed(hours), performance_date=hours[0].performance_date)


def day_digest(row: CampaignDailyMetrics | ShopDailyMetrics) -> str:
    """A daily row's fingerprint: equal for a derived row and Shopee's when every metric
    is (ratios follow from the counts and money)."""
    return digest([row], ("performance_date",), row.NAMES)


def _summed(rows: Sequence[MetricSet]) -> dict[str, int | float]:
    totals: dict[str, int | float] = {}
    for name, kind in rows[0].NAMES.items():
        if name in RATIOS:
            continue
        values = [getattr(row, name) for row in rows]
        if kind is int:
            totals[name] = sum(values)
        else:
            totals[name] = float(sum((Decimal(repr(v)) for v in values), Decimal(0)))
    return totals
