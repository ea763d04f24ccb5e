"""Totals that reconcile: the differences between a shop's totals and the sums of
their parts, per shop-local day and metric (table `apishopee_ads_total_differences`).

Owns the one statement that recomputes a shop's days from the ads tables (the metric
list and the comparisons live in `queries/totals.sql`) and the fleet summary
the console shows. Must not call Shopee or decide what a difference means: the docs
say which are expected (docs/operations.md).
"""

from dataclasses import dataclass
from datetime import date, datetime

from adsync.db.connection import Database
from adsync.db.sql import query

_SQL = "totals.sql"


@dataclass(frozen=True, kw_only=True)
class TotalsChecked:
    """What one check left: differences in the shop's days (beyond rounding or not)."""

    differences: int
    beyond_rounding: int


@dataclass(frozen=True, kw_only=True)
class DifferenceCount:
    """Fleet-wide: how many (shop, day) pairs of one region differ on one comparison and
    metric, and by how much in all (in the region's currency for money)."""

    comparison: str
    metric: str
    region: str
    shop_days: int
    shops: int
    total_difference: str  # numeric as text: exact


class TotalsStore:
    """The recorded differences between totals and the sums of their parts."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def check(
        self, *, shop_id: int, start_day: date, end_day: date, now: datetime
    ) -> TotalsChecked:
        """Recompute the shop's days in [start_day, end_day]; keep exactly the differences."""
        rows = self._db.run(
            query(_SQL, "check_days"),
            shop_id=shop_id,
            start_day=start_day,
            end_day=end_day,
            now=now,
        )
        return TotalsChecked(
            differences=len(rows),
            beyond_rounding=sum(1 for row in rows if not row["within_rounding"]),
        )

    def summary(self, *, since_day: date) -> list[DifferenceCount]:
        """Differences beyond rounding on days from `since_day`, by comparison, metric
        and region."""
        rows = self._db.run(query(_SQL, "summary"), since_day=since_day)
        return [
            DifferenceCount(
                comparison=row["comparison"],
                metric=row["metric"],
                region=row["region"],
                shop_days=int(row["shop_days"]),
                shops=int(row["shops"]),
                total_difference=str(row["total_difference"]),
            )
            for row in rows
        ]
