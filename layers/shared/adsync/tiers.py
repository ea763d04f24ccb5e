"""Shop tiers: a lasting priority and cadence per shop, honoured by every enqueue tick.

The seed's operators raised a VIP shop's priority or pushed a quiet one to the night by
editing queued job rows, which lasted one cycle. A tier is a column of the shop instead
(`apishopee_shops.tier`, set by `adsync shops tier`), read by every fleet tick:

| tier       | priority of its scheduled jobs | realtime cadence                         |
| ---------- | ------------------------------ | ---------------------------------------- |
| `critical` | 3 (the critical queue)         | every tick (15 min)                      |
| `normal`   | the tick's own                 | every tick                               |
| `off_peak` | the tick's own                 | only in the shop's local night (00-06 h) |

Daily jobs (lookback, backfill) of an off-peak shop still run when their tick comes:
they are one job a day. This module is the one home of these rules; it reads no clock.
"""

from datetime import datetime
from enum import StrEnum

from adsync.jobs import SyncType
from adsync.regions import region_timezone

CRITICAL_PRIORITY = 3
# Shop-local hours in which an off-peak shop's realtime ticks are honoured: its night.
OFF_PEAK_HOURS = range(0, 6)


class Tier(StrEnum):
    """A shop's lasting tier: critical (critical queue every tick), normal, off_peak (local
    night only)."""

    CRITICAL = "critical"
    NORMAL = "normal"
    OFF_PEAK = "off_peak"


def parse_tier(text: str) -> Tier:
    """A tier by name; ValueError listing the names otherwise."""
    try:
        return Tier(text.strip().lower().replace("-", "_"))
    except ValueError:
        raise ValueError(f"one of {', '.join(t.value for t in Tier)}") from None


def job_priority(tier: Tier, requested: int) -> int:
    """The priority a fleet tick gives this shop's job."""
    return max(requested, CRITICAL_PRIORITY) if tier is Tier.CRITICAL else requested


def takes_tick(tier: Tier, *, sync_type: SyncType, region: str, now: datetime) -> bool:
    """Whether a fleet tick of `sync_type` at `now` enqueues a job for this shop."""
    if tier is not Tier.OFF_PEAK or sync_type is not SyncType.REALTIME:
        return True
    return now.astimezone(region_timezone(region)).hour in OFF_PEAK_HOURS
