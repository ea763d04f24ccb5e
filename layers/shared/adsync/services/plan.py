"""The plan of a sync: phases of small steps, and the cursor that says how far a job got.

Pure values: no I/O, no clock. A step is one Shopee call (plus its upsert), so every
step fits easily inside a Lambda; the worker saves the cursor after each one.

    list        the campaign id list (all pages; one step)
    settings    setting info, 100 ids per step; decides which campaigns need performance
    daily       campaign daily performance, per (30-day window, 100 ids)
    hourly      campaign hourly performance, per (day, 100 ids)
    shop_daily  shop-level daily performance, per 30-day window
    shop_hourly shop-level hourly performance, per day
    gms         Product GMS campaign (and item) reports, per day (services/gms.py)
    gms_deleted the GMS deleted-item list (one step)

The GMS phases have no steps when the shop's GMS state says not to ask (`gms`).
"""

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

from adsync.shopee import dates
from adsync.shopee.ads import chunks


class Phase(StrEnum):
    """The phases of a day-range sync, in the order they run."""

    LIST = "list"
    SETTINGS = "settings"
    DAILY = "daily"
    HOURLY = "hourly"
    SHOP_DAILY = "shop_daily"
    SHOP_HOURLY = "shop_hourly"
    GMS = "gms"
    GMS_DELETED = "gms_deleted"
    DONE = "done"


PHASES = tuple(Phase)


@dataclass(frozen=True, kw_only=True)
class Cursor:
    """How far a job got. The days are fixed by the first step, so a run that crosses
    the shop's midnight keeps syncing the day it started on."""

    start_day: date
    end_day: date
    phase: Phase = Phase.LIST
    index: int = 0
    campaign_ids: tuple[int, ...] = ()
    perf_ids: tuple[int, ...] = ()
    calls: int = 0
    rows: int = 0
    steps: int = 0
    runs: int = 1
    gms: bool = True  # ask for GMS data (False: refused lately, or refused in this job)

    @property
    def done(self) -> bool:
        """True when every phase has run."""
        return self.phase is Phase.DONE

    def days(self) -> list[date]:
        """The days this sync covers, oldest first."""
        count = (self.end_day - self.start_day).days + 1
        return [self.start_day + timedelta(days=n) for n in range(count)]

    def windows(self) -> list[tuple[date, date]]:
        """[start, end] split into spans Shopee accepts in one call (the client's rule)."""
        spans = dates.windows(self.start_day, self.end_day, widen_single_day=False)
        return [(span.start, span.end) for span in spans]

    def units(self, phase: Phase | None = None) -> int:
        """How many steps a phase has (known once the phases before it ran)."""
        phase = phase or self.phase
        id_chunks = len(chunk(self.perf_ids))
        return {
            Phase.LIST: 1,
            Phase.SETTINGS: len(chunk(self.campaign_ids)),
            Phase.DAILY: len(self.windows()) * id_chunks,
            Phase.HOURLY: len(self.days()) * id_chunks,
            Phase.SHOP_DAILY: len(self.windows()),
            Phase.SHOP_HOURLY: len(self.days()),
            Phase.GMS: len(self.days()) if self.gms else 0,
            Phase.GMS_DELETED: 1 if self.gms else 0,
            Phase.DONE: 0,
        }[phase]

    def advanced(self, *, calls: int, rows: int, **changes: Any) -> "Cursor":
        """The cursor after one step: next index, or the next phase that has work."""
        moved = replace(
            self,
            calls=self.calls + calls,
            rows=self.rows + rows,
            steps=self.steps + 1,
            index=self.index + 1,
            **changes,
        )
        while not moved.done and moved.index >= moved.units():
            moved = replace(moved, phase=PHASES[PHASES.index(moved.phase) + 1], index=0)
        return moved

    def stats(self) -> dict[str, Any]:
        """What a completed job records: its days and how much work it took."""
        return {
            "start_day": self.start_day.isoformat(),
            "end_day": self.end_day.isoformat(),
            "campaigns": len(self.campaign_ids),
            "campaigns_with_performance": len(self.perf_ids),
            "calls": self.calls,
            "rows": self.rows,
            "steps": self.steps,
            "runs": self.runs,
        }

    def to_json(self) -> dict[str, Any]:
        """The cursor as JSON, for the job row."""
        return {
            "start_day": self.start_day.isoformat(),
            "end_day": self.end_day.isoformat(),
            "phase": self.phase.value,
            "index": self.index,
            "campaign_ids": list(self.campaign_ids),
            "perf_ids": list(self.perf_ids),
            "calls": self.calls,
            "rows": self.rows,
            "steps": self.steps,
            "runs": self.runs,
            "gms": self.gms,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "Cursor":
        """The cursor `to_json` stored."""
        return cls(
            start_day=date.fromisoformat(data["start_day"]),
            end_day=date.fromisoformat(data["end_day"]),
            phase=Phase(data["phase"]),
            index=int(data["index"]),
            campaign_ids=tuple(data["campaign_ids"]),
            perf_ids=tuple(data["perf_ids"]),
            calls=int(data["calls"]),
            rows=int(data["rows"]),
            steps=int(data["steps"]),
            runs=int(data.get("runs", 1)),
            gms=bool(data.get("gms", True)),
        )


def chunk(ids: Sequence[int]) -> list[tuple[int, ...]]:
    """`ids` cut into one Shopee call's worth each: the client's rule (`chunks`)."""
    return chunks(ids)


def runs_during(
    *,
    start_time: datetime | None,
    end_time: datetime | None,
    day_start: datetime,
    day_end: datetime,
) -> bool:
    """Whether a campaign's scheduled duration overlaps [day_start, day_end).

    Status is not enough: a campaign paused at noon or ended yesterday evening in UTC
    still has performance on the shop's local day.
    """
    if start_time is not None and start_time >= day_end:
        return False
    return end_time is None or end_time >= day_start
