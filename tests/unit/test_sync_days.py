"""Which shop-local days a job covers, across each region's midnight (frozen clocks)."""

from datetime import UTC, date, datetime

import pytest

from adsync.jobs import Job, JobStatus, SyncType
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
        date(2026, 11, 14),
        date(2026, 11, 20),
    )
