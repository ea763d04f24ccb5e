"""Benchmark 4: `AdsStore.upsert_campaign_daily` batched vs one row per statement.

Same rows, same database, same SQL: the naive loop calls the store with one row at a
time, which is what a per-row INSERT ... ON CONFLICT loop costs.
"""

import time
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from adsync.db.ads_store import AdsStore
from adsync.shopee.models import PRODUCT_METRICS, CampaignDailyMetrics
from bench.stack import pg_stack
from local.simulator import World, WorldSettings


@dataclass(frozen=True, kw_only=True)
class UpsertResult:
    rows: int
    batched_rows_per_second: float
    naive_rows_per_second: float

    @property
    def speedup(self) -> float:
        return self.batched_rows_per_second / self.naive_rows_per_second


def make_rows(count: int, day: date, *, generation: int = 0) -> list[CampaignDailyMetrics]:
    """`count` rows of one day; each generation's metrics differ from the others'."""
    rows = []
    for i in range(count):
        values: dict[str, Any] = {
            name: (i % 997 + generation if kind is int else round(1.25 + i % 13, 2))
            for name, kind in PRODUCT_METRICS.items()
        }
        rows.append(
            CampaignDailyMetrics(campaign_id=10_000_000 + i, performance_date=day, **values)
        )
    return rows


def run_upsert_bench(rows: int, *, database_url: str) -> UpsertResult:
    world = World.generate(WorldSettings(seed=5, shop_count=1))
    with pg_stack(database_url=database_url, world=world) as stack:
        db = stack.database()
        try:
            store = AdsStore(db)
            day = date(2026, 11, 20)
            data = make_rows(rows, day)
            now = datetime.now(UTC)
            store.upsert_campaign_daily(shop_id=1, rows=data, synced_at=now)  # rows exist now
            # Both timings below overwrite existing rows with changed metrics (the
            # realtime case: today's rows grow every 15 minutes; an unchanged row is not
            # rewritten).
            one_by_one, batch = (make_rows(rows, day, generation=g) for g in (1, 2))
            started = time.perf_counter()
            for row in one_by_one:
                store.upsert_campaign_daily(shop_id=1, rows=[row], synced_at=now)
            naive = time.perf_counter() - started
            started = time.perf_counter()
            store.upsert_campaign_daily(shop_id=1, rows=batch, synced_at=now)
            batched = time.perf_counter() - started
        finally:
            db.close()
    return UpsertResult(
        rows=rows, batched_rows_per_second=rows / batched, naive_rows_per_second=rows / naive
    )
