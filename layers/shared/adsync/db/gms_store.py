"""Product GMS tables (migration 0012) and the shop's GMS state: batched idempotent
upserts keyed on natural keys, like `ads_store`. Takes `now` from the caller."""

from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal

from adsync.db.ads_store import PRODUCT_METRICS, _json_rows
from adsync.db.connection import Database
from adsync.db.params import Json
from adsync.db.sql import query
from adsync.shopee.models import ProductMetrics

_SQL = "gms.sql"
GMS_DAILY_FIELDS = ("campaign_id", "performance_date", *PRODUCT_METRICS)
GMS_ITEM_FIELDS = ("campaign_id", "item_id", "performance_date", *PRODUCT_METRICS)


class GmsStore:
    """The Product GMS tables: daily campaign and item rows, deleted items, the shop's GMS state."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def write_day(
        self,
        *,
        shop_id: int,
        status: str,
        campaigns: Sequence[object],
        items: Sequence[object],
        now: datetime,
    ) -> int:
        """One GMS day in one statement: the shop's GMS state ('active' or Shopee's
        refusal code) and the campaign's and items' rows (`campaign_id`, `item_id`,
        `performance_date` and the product-level metrics), stamped `now`. Returns the
        rows written."""
        row = self._db.one(
            query(_SQL, "write_gms_day"),
            shop_id=shop_id,
            status=status,
            now=now,
            campaign_rows=_json_rows(campaigns, GMS_DAILY_FIELDS),
            item_rows=_json_rows(items, GMS_ITEM_FIELDS),
        )
        return int(row["rows"]) if row else 0

    def upsert_deleted_items(
        self, *, shop_id: int, campaign_id: int, item_ids: Sequence[int], now: datetime
    ) -> int:
        """Record the items the seller removed from the GMS campaign (first and last seen);
        return how many."""
        if item_ids:
            self._db.run(
                query(_SQL, "upsert_gms_deleted_items"), shop_id=shop_id,
                campaign_id=campaign_id, item_ids=Json(list(item_ids)), now=now,
            )  # fmt: skip
        return len(item_ids)

    def same_as_stored(
        self, *, shop_id: int, campaign_id: int, day: date, report: ProductMetrics
    ) -> bool:
        """Whether the stored campaign row of `day` holds exactly `report`'s metrics."""
        row = self._db.one(
            query(_SQL, "gms_campaign_day"), shop_id=shop_id, campaign_id=campaign_id, day=day
        )
        if row is None:
            return False
        return all(Decimal(repr(value)) == row[name] for name, value in report.metrics().items())

    def count_rows(self) -> dict[str, int]:
        """Rows per GMS table, for the local run's summary."""
        row = self._db.one(query(_SQL, "count_gms_rows"))
        return {name: int(value) for name, value in (row or {}).items()}
