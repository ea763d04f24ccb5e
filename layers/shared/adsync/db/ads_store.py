"""Ads tables: idempotent batched upserts keyed on natural keys.

One statement per batch (arrays unnested server-side), never one per row.
"""

from collections.abc import Sequence
from dataclasses import fields
from datetime import datetime

from adsync.db.connection import Database
from adsync.db.sql import query
from adsync.shopee.models import PRODUCT_METRICS, CampaignDailyMetrics

_SQL = "ads.sql"
BATCH_ROWS = 1000


class AdsStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    def upsert_campaign_daily(
        self, *, shop_id: int, rows: Sequence[CampaignDailyMetrics], synced_at: datetime
    ) -> int:
        """Insert or overwrite each (shop, campaign, day); return the rows written."""
        for start in range(0, len(rows), BATCH_ROWS):
            batch = rows[start : start + BATCH_ROWS]
            columns = {
                f.name: [getattr(r, f.name) for r in batch] for f in fields(CampaignDailyMetrics)
            }
            # numeric columns take text so that no float rounding happens on the way in
            for name, kind in PRODUCT_METRICS.items():
                if kind is float:
                    columns[name] = [repr(v) for v in columns[name]]
            self._db.run(
                query(_SQL, "upsert_campaign_daily"),
                shop_id=[shop_id] * len(batch),
                synced_at=synced_at,
                **columns,
            )
        return len(rows)

    def count_campaign_daily(self) -> int:
        row = self._db.one(query(_SQL, "count_campaign_daily"))
        return int(row["rows"]) if row else 0
