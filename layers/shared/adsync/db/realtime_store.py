"""The realtime sync's writes: rows of several steps, the job's progress and the shop's
sync state in one statement (one round trip). Takes `now` from the caller."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from adsync.db.ads_store import PRODUCT_METRICS, SHOP_METRICS, _campaign_row, _json_rows
from adsync.db.connection import Database
from adsync.db.params import Json
from adsync.db.sql import query
from adsync.shopee.campaign_settings import CampaignSetting

_SQL = "realtime.sql"


@dataclass(kw_only=True)
class PendingRows:
    """Rows fetched but not yet written (the caller's own, not shared between threads)."""

    campaigns: list[CampaignSetting] = field(default_factory=list)
    campaign_hourly: list[object] = field(default_factory=list)
    campaign_daily: list[object] = field(default_factory=list)
    shop_hourly: list[object] = field(default_factory=list)
    shop_daily: list[object] = field(default_factory=list)

    def __len__(self) -> int:
        return (
            len(self.campaigns)
            + len(self.campaign_hourly)
            + len(self.campaign_daily)
            + len(self.shop_hourly)
            + len(self.shop_daily)
        )


@dataclass(frozen=True, kw_only=True)
class Schedule:
    """A campaign's start and end, as last stored."""

    campaign_id: int
    start_time: datetime | None
    end_time: datetime | None


class RealtimeStore:
    """The realtime sync's one-statement commits and the reads it plans from."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def commit(
        self,
        *,
        job_id: int,
        dispatch_id: str,
        shop_id: int,
        rows: PendingRows,
        cursor: dict[str, Any],
        complete: bool,
        stats: dict[str, Any],
        sync_state: dict[str, Any] | None,
        campaign_count: int | None,
        now: datetime,
    ) -> bool:
        """Write everything in one statement; False (nothing written) when the job is no
        longer ours."""
        row = self._db.one(
            query(_SQL, "commit_realtime"),
            job_id=job_id,
            dispatch_id=dispatch_id,
            shop_id=shop_id,
            complete=complete,
            cursor=Json(cursor),
            stats=Json(stats),
            sync_state=Json(sync_state) if sync_state is not None else None,
            campaign_count=campaign_count,
            now=now,
            synced_at=now,
            campaign_rows=Json([_campaign_row(s) for s in rows.campaigns]),
            campaign_hourly_rows=_rows(
                rows.campaign_hourly, ("campaign_id", "performance_date", "hour", *PRODUCT_METRICS)
            ),
            campaign_daily_rows=_rows(
                rows.campaign_daily, ("campaign_id", "performance_date", *PRODUCT_METRICS)
            ),
            shop_hourly_rows=_rows(rows.shop_hourly, ("performance_date", "hour", *SHOP_METRICS)),
            shop_daily_rows=_rows(rows.shop_daily, ("performance_date", *SHOP_METRICS)),
        )
        return bool(row and row["ours"])

    def schedules(self, shop_id: int) -> list[Schedule]:
        """Start and end of every campaign of the shop we hold settings for."""
        return [
            Schedule(
                campaign_id=r["campaign_id"], start_time=r["start_time"], end_time=r["end_time"]
            )
            for r in self._db.run(query(_SQL, "campaign_schedules"), shop_id=shop_id)
        ]


def _rows(rows: Sequence[object], names: Sequence[str]) -> Json:
    return _json_rows(rows, names)
