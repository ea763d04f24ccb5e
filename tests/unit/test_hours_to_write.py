"""Which hourly rows of a changed campaign-day a realtime cycle writes (services/activity.py):
a reply holds every hour of the day, but usually only the last hours changed."""

from dataclasses import replace
from datetime import date

from adsync.services.activity import hours_digest, rows_to_write
from adsync.shopee.models import PRODUCT_METRICS, CampaignHourlyMetrics

DAY = date(2026, 11, 20)


def hours(*clicks: int, start: int = 0) -> list[CampaignHourlyMetrics]:
    """One row per hour from `start`, with these clicks (and 10x the impressions)."""
    return [
        CampaignHourlyMetrics.from_api(
            campaign_id=7,
            performance_date=DAY,
            hour=start + i,
            raw={"clicks": c, "impression": 10 * c},
        )
        for i, c in enumerate(clicks)
    ]


def _hours_of(rows: list[CampaignHourlyMetrics]) -> list[int]:
    return [row.hour for row in rows]


def test_equal_rows_have_equal_digests_and_any_change_shows() -> None:
    assert hours_digest(hours(3, 4, 5)) == hours_digest(list(reversed(hours(3, 4, 5))))
    assert hours_digest(hours(3, 4, 5)) != hours_digest(hours(3, 4, 6))
    assert hours_digest(hours(3, 4, 5)) != hours_digest(hours(2, 4, 5))
    assert hours_digest(hours(3, 4)) != hours_digest(hours(3, 4, 5))


def test_the_last_hour_grew_and_a_new_one_began_only_they_are_written() -> None:
    seen = hours_digest(hours(3, 4, 5))
    assert _hours_of(rows_to_write(seen, hours(3, 4, 7))) == [2]
    assert _hours_of(rows_to_write(seen, hours(3, 4, 5, 1))) == [2, 3]
    assert _hours_of(rows_to_write(hours_digest(hours(3, start=5)), hours(3, 1, start=5))) == [
        5,
        6,
    ]


def test_an_earlier_hour_that_changed_writes_them_all() -> None:
    """Late attribution: an order lands on a click of an earlier hour."""
    seen = hours_digest(hours(3, 4, 5))
    assert _hours_of(rows_to_write(seen, hours(3, 6, 5, 1))) == [0, 1, 2, 3]
    assert _hours_of(rows_to_write(seen, hours(4, 5, start=1))) == [1, 2]  # hour 0 gone


def test_nothing_written_before_or_an_older_digest_writes_them_all() -> None:
    rows = hours(3, 4, 5)
    assert rows_to_write(None, rows) == rows
    assert rows_to_write("0123456789abcdef", rows) == rows  # a digest of the older form
    assert rows_to_write("x/y@", rows) == rows


def test_every_metric_counts_in_the_digest_and_huge_counts_still_digest() -> None:
    """The digest packs each row's numbers exactly; a count beyond 64 bits (which the
    packing cannot hold) falls back to the rows' text and still tells rows apart."""
    [row] = hours(3)
    for name, kind in PRODUCT_METRICS.items():
        changed = replace(row, **{name: getattr(row, name) + kind(1)})
        assert hours_digest([changed]) != hours_digest([row]), name
    huge = [replace(row, impression=2**64), replace(row, hour=1, impression=2**64 + 1)]
    assert hours_digest(huge) == hours_digest(list(reversed(huge)))
    assert hours_digest(huge) != hours_digest([huge[0], replace(huge[1], clicks=4)])
    assert _hours_of(rows_to_write(hours_digest(huge[:1]), huge)) == [0, 1]
