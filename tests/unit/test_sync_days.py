"""Which shop-local days a job covers, across each region's midnight (frozen clocks)."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from adsync.jobs import Job, JobStatus, SyncType
from adsync.regions import region_timezone
from adsync.services.sync import days_for

# 16:59:59 UTC: 23:59:59 in Vietnam, 00:59:59 the next day in Singapore, 13:59:59 in Brazil.
BEFORE_VN_MIDNIGHT = datetime(2026, 11, 20, 16, 59, 59, tzinfo=UTC)
AFTER_VN_MIDNIGHT = datetime(2026, 11, 20, 17, 0, 0, tzinfo=UTC)


def job(sync_type: SyncType, **fields: object) -> Job:
    return Job(
        id=1,
        shop_id=1,
        sync_type=sync_type,
        priority=1,
        status=JobStatus.PROCESSING,
        retry_count=0,
        max_retries=3,
        scheduled_at=BEFORE_VN_MIDNIGHT,
        dispatch_id="d",
        **fields,  # type: ignore[arg-type]
    )


@pytest.mark.parametrize(
    ("region", "now", "today"),
    [
        ("VN", BEFORE_VN_MIDNIGHT, date(2026, 11, 20)),
        ("VN", AFTER_VN_MIDNIGHT, date(2026, 11, 21)),
        ("SG", BEFORE_VN_MIDNIGHT, date(2026, 11, 21)),
        ("SG", datetime(2026, 11, 20, 15, 59, 59, tzinfo=UTC), date(2026, 11, 20)),
        ("BR", BEFORE_VN_MIDNIGHT, date(2026, 11, 20)),
        ("BR", datetime(2026, 11, 21, 2, 59, 59, tzinfo=UTC), date(2026, 11, 20)),
        ("BR", datetime(2026, 11, 21, 3, 0, 0, tzinfo=UTC), date(2026, 11, 21)),
    ],
)
def test_realtime_is_the_shops_local_today(region: str, now: datetime, today: date) -> None:
    assert days_for(job(SyncType.REALTIME), region=region, now=now) == (today, today)


def test_backfill_day_uses_its_target_day_or_days_ago() -> None:
    target = job(SyncType.BACKFILL_DAY, target_day=date(2026, 11, 1))
    assert days_for(target, region="VN", now=AFTER_VN_MIDNIGHT) == (date(2026, 11, 1),) * 2
    by_age = job(SyncType.BACKFILL_DAY, days_ago=2)
    assert days_for(by_age, region="SG", now=BEFORE_VN_MIDNIGHT) == (date(2026, 11, 19),) * 2


def test_backfill_full_is_the_last_seven_days_and_lookback_ends_yesterday() -> None:
    assert days_for(job(SyncType.BACKFILL_FULL), region="BR", now=BEFORE_VN_MIDNIGHT) == (
        date(2026, 11, 14),
        date(2026, 11, 20),
    )
    assert days_for(job(SyncType.LOOKBACK, days_ago=7), region="VN", now=AFTER_VN_MIDNIGHT) == (
        date(2026, 11, 13),
        date(2026, 11, 20),
    )


def test_a_lookback_without_days_ago_takes_the_configured_window() -> None:
    assert days_for(job(SyncType.LOOKBACK), region="VN", now=AFTER_VN_MIDNIGHT, window_days=3) == (
        date(2026, 11, 17),
        date(2026, 11, 20),
    )


def _schedule_fires(zone: str, hour: int, first: date, count: int) -> list[datetime]:
    """Each daily firing of a cron(0 hour * * ? *) schedule in `zone`, as UTC instants."""
    tz = ZoneInfo(zone)
    return [
        datetime.combine(first + timedelta(days=n), time(hour), tz).astimezone(UTC)
        for n in range(count)
    ]


@pytest.mark.parametrize("window", [1, 7])
@pytest.mark.parametrize(
    ("schedule_zone", "hour"),
    [("Asia/Ho_Chi_Minh", 3), ("Asia/Ho_Chi_Minh", 0), ("UTC", 23), ("America/Santiago", 1)],
)
@pytest.mark.parametrize("region", ["VN", "SG", "BR", "MX", "CL"])
def test_the_last_lookback_of_a_day_runs_after_its_attribution_window_ended_locally(
    region: str, schedule_zone: str, hour: int, window: int
) -> None:
    """Day D changes until D + window has ended in the shop's zone (an order attributed at
    23:59 on D + window). For every day, the last scheduled lookback that re-reads it must
    fire after that instant, and every day is read by some lookback (no gap). The days
    run across Chile's September DST change and a month end."""
    zone = region_timezone(region)
    fires = _schedule_fires(schedule_zone, hour, date(2026, 8, 20), 60)
    reads: dict[date, list[datetime]] = {}
    for fired in fires:
        start, end = days_for(job(SyncType.LOOKBACK, days_ago=window), region=region, now=fired)
        for n in range((end - start).days + 1):
            reads.setdefault(start + timedelta(days=n), []).append(fired)
    days = sorted(reads)
    settled = [d for d in days if d + timedelta(days=window + 2) <= days[-1]]
    assert len(settled) > 30
    assert days[-1] - days[0] == timedelta(days=len(days) - 1)  # no day skipped
    for day in settled:
        window_ends = datetime.combine(day + timedelta(days=window + 1), time(), zone)
        assert max(reads[day]) >= window_ends, (day, max(reads[day]))


@pytest.mark.parametrize(
    ("region", "last_read"),
    [
        # 00:00:00 on Nov 28 in Vietnam / Brazil: Nov 20's window (to the end of Nov 27) is over.
        ("VN", datetime(2026, 11, 27, 17, 0, 0, tzinfo=UTC)),
        ("BR", datetime(2026, 11, 28, 3, 0, 0, tzinfo=UTC)),
    ],
)
def test_a_day_is_read_again_exactly_until_its_window_has_ended(
    region: str, last_read: datetime
) -> None:
    before = last_read - timedelta(seconds=1)
    """At the first second after Nov 27 ends locally, Nov 20 is still in the lookback (its
    final read); one second earlier the run covers it too, so no read happens too soon to
    be the last."""
    lookback = job(SyncType.LOOKBACK, days_ago=7)
    assert days_for(lookback, region=region, now=last_read)[0] == date(2026, 11, 20)
    assert days_for(lookback, region=region, now=before)[0] == date(2026, 11, 19)
    next_day = last_read + timedelta(days=1)
    assert days_for(lookback, region=region, now=next_day)[0] == date(2026, 11, 21)
