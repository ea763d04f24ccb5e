"""Ads tables: idempotent batched upserts keyed on natural keys.

One statement per batch, never one per row: the batch travels as one JSON array that
Postgres expands with jsonb_to_recordset (pg8000's array parameters are slow to build).
Rows are the Shopee client's dataclasses, read by their documented field names; a
float goes out as its shortest repr, which is exactly the decimal Shopee sent.
"""

import operator
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from adsync.db.connection import Database
from adsync.db.params import Json
from adsync.db.sql import query
from adsync.shopee.campaign_settings import CampaignSetting

_SQL = "ads.sql"
BATCH_ROWS = 1000

PRODUCT_METRICS = (
    "impression", "clicks", "ctr", "expense", "broad_order", "direct_order",
    "broad_order_amount", "direct_order_amount", "broad_gmv", "direct_gmv", "broad_roi",
    "direct_roi", "broad_cir", "direct_cir", "cr", "direct_cr", "cpc", "cpdc",
)  # fmt: skip
SHOP_METRICS = (
    "impression", "clicks", "ctr", "direct_order", "broad_order", "direct_conversions",
    "broad_conversions", "direct_item_sold", "broad_item_sold", "direct_gmv", "broad_gmv",
    "expense", "cost_per_conversion", "direct_roas", "broad_roas",
)  # fmt: skip


def _campaign_row(setting: CampaignSetting) -> dict[str, Any]:
    common = setting.common_info
    duration = common.campaign_duration if common else None
    auto = setting.auto_bidding_info
    return {
        "campaign_id": setting.campaign_id,
        "ad_type": common.ad_type if common else None,
        "ad_name": common.ad_name if common else None,
        "campaign_status": common.campaign_status if common else None,
        "campaign_placement": common.campaign_placement if common else None,
        "bidding_method": common.bidding_method if common else None,
        "campaign_budget": common.campaign_budget if common else None,
        "start_time": duration.starts_at if duration else None,
        "end_time": duration.ends_at if duration else None,
        "item_count": len(common.item_id_list) if common else None,
        "roas_target": auto.roas_target if auto else None,
        "raw": dict(setting.raw),
    }


def _json_rows(rows: Sequence[object], names: Sequence[str]) -> Json:
    fields = operator.attrgetter(*names)  # a tuple: always two names or more
    return Json([dict(zip(names, fields(row), strict=True)) for row in rows])


class AdsStore:
    """Upserts into the apishopee_ads_* tables, in batches of one statement each."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def _upsert(
        self,
        table: str,
        *,
        shop_id: int,
        rows: Sequence[object],
        names: Sequence[str],
        synced_at: datetime,
    ) -> int:
        for start in range(0, len(rows), BATCH_ROWS):
            batch = rows[start : start + BATCH_ROWS]
            self._db.run(
                query(_SQL, f"upsert_{table}"),
                shop_id=shop_id,
                synced_at=synced_at,
                **{f"{table}_rows": _json_rows(batch, names)},
            )
        return len(rows)

    def upsert_campaign_daily(
        self, *, shop_id: int, rows: Sequence[object], synced_at: datetime
    ) -> int:
        """Insert or overwrite each (shop, campaign, day); return the rows written."""
        names = ("campaign_id", "performance_date", *PRODUCT_METRICS)
        return self._upsert(
            "campaign_daily", shop_id=shop_id, rows=rows, names=names, synced_at=synced_at
        )

    def upsert_campaign_hourly(
        self, *, shop_id: int, rows: Sequence[object], synced_at: datetime
    ) -> int:
        """Insert or overwrite campaign hourly rows; returns the rows written."""
        names = ("campaign_id", "performance_date", "hour", *PRODUCT_METRICS)
        return self._upsert(
            "campaign_hourly", shop_id=shop_id, rows=rows, names=names, synced_at=synced_at
        )

    def upsert_shop_daily(
        self, *, shop_id: int, rows: Sequence[object], synced_at: datetime
    ) -> int:
        """Insert or overwrite shop daily rows; returns the rows written."""
        names = ("performance_date", *SHOP_METRICS)
        return self._upsert(
            "shop_daily", shop_id=shop_id, rows=rows, names=names, synced_at=synced_at
        )

    def upsert_shop_hourly(
        self, *, shop_id: int, rows: Sequence[object], synced_at: datetime
    ) -> int:
        """Insert or overwrite shop hourly rows; returns the rows written."""
        names = ("performance_date", "hour", *SHOP_METRICS)
        return self._upsert(
            "shop_hourly", shop_id=shop_id, rows=rows, names=names, synced_at=synced_at
        )

    def upsert_campaigns(
        self, *, shop_id: int, settings: Sequence[CampaignSetting], synced_at: datetime
    ) -> int:
        """Campaign settings (one row per campaign, the reply kept whole in `raw`)."""
        for start in range(0, len(settings), BATCH_ROWS):
            batch = [_campaign_row(setting) for setting in settings[start : start + BATCH_ROWS]]
            self._db.run(
                query(_SQL, "upsert_campaigns"),
                shop_id=shop_id,
                synced_at=synced_at,
                campaign_rows=Json(batch),
            )
        return len(settings)

    def remembered_campaign_ids(
        self, *, shop_id: int, start_day: date, end_day: date, listed_since: datetime
    ) -> tuple[int, ...]:
        """Campaigns earlier syncs saw running on these days (see the SQL for which)."""
        rows = self._db.run(
            query(_SQL, "remembered_campaign_ids"),
            shop_id=shop_id,
            start_day=start_day,
            end_day=end_day,
            listed_since=listed_since,
        )
        return tuple(int(row["campaign_id"]) for row in rows)

    def count_rows(self) -> dict[str, int]:
        """Rows in each ads table (for summaries and dashboards)."""
        row = self._db.one(query(_SQL, "count_rows"))
        return {name: int(value) for name, value in (row or {}).items()}
