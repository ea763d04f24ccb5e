"""The oracle for marketplace days: UTC instants and the local date each region shows.

Written by hand from each zone's offset on that date (and, for CL, the tz database's
2026 rules stated below), never computed with `adsync.regions`, so a wrong zone or a
fixed offset there fails against these literals.
"""

from datetime import UTC, date, datetime, timedelta


def utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


# region -> the UTC instant its local 2026-11-21 begins (CL for both its seasons).
MIDNIGHTS: tuple[tuple[str, datetime, date], ...] = (
    ("VN", utc(2026, 11, 20, 17), date(2026, 11, 21)),  # UTC+7
    ("TH", utc(2026, 11, 20, 17), date(2026, 11, 21)),  # UTC+7
    ("ID", utc(2026, 11, 20, 17), date(2026, 11, 21)),  # UTC+7 (Jakarta)
    ("SG", utc(2026, 11, 20, 16), date(2026, 11, 21)),  # UTC+8
    ("MY", utc(2026, 11, 20, 16), date(2026, 11, 21)),  # UTC+8
    ("PH", utc(2026, 11, 20, 16), date(2026, 11, 21)),  # UTC+8
    ("TW", utc(2026, 11, 20, 16), date(2026, 11, 21)),  # UTC+8
    ("BR", utc(2026, 11, 21, 3), date(2026, 11, 21)),  # UTC-3 (no DST since 2019)
    ("MX", utc(2026, 11, 21, 6), date(2026, 11, 21)),  # UTC-6 (no DST since 2022)
    ("CO", utc(2026, 11, 21, 5), date(2026, 11, 21)),  # UTC-5
    ("CL", utc(2026, 11, 21, 3), date(2026, 11, 21)),  # UTC-3, Chilean summer time
    ("CL", utc(2026, 7, 15, 4), date(2026, 7, 15)),  # UTC-4, winter
)

# Chile in 2026: summer time ends at 2026-04-05 03:00 UTC (00:00 -03 becomes 23:00 -04
# on 04-04, so 04-04 lasts 25 hours) and starts at 2026-09-06 04:00 UTC (00:00 -04
# becomes 01:00 -03: 09-06 has no midnight and lasts 23 hours).
CL_DST_CHANGES: tuple[tuple[str, datetime, date], ...] = (
    ("CL", utc(2026, 4, 5, 2, 59, 59), date(2026, 4, 4)),  # 23:59:59 -03
    ("CL", utc(2026, 4, 5, 3), date(2026, 4, 4)),  # 23:00:00 -04, the hour again
    ("CL", utc(2026, 4, 5, 3, 59, 59), date(2026, 4, 4)),  # 23:59:59 -04
    ("CL", utc(2026, 4, 5, 4), date(2026, 4, 5)),  # 00:00:00 -04
    ("CL", utc(2026, 9, 6, 3, 59, 59), date(2026, 9, 5)),  # 23:59:59 -04
    ("CL", utc(2026, 9, 6, 4), date(2026, 9, 6)),  # 01:00:00 -03
    ("CL", utc(2026, 9, 7, 2, 59, 59), date(2026, 9, 6)),  # 23:59:59 -03
    ("CL", utc(2026, 9, 7, 3), date(2026, 9, 7)),  # 00:00:00 -03
)

SECOND = timedelta(seconds=1)

# (region, instant, its local day): each midnight, one second before and one after,
# then CL's changes.
CASES: tuple[tuple[str, datetime, date], ...] = (
    tuple(
        case
        for region, midnight, day in MIDNIGHTS
        for case in (
            (region, midnight - SECOND, day - timedelta(days=1)),
            (region, midnight, day),
            (region, midnight + SECOND, day),
        )
    )
    + CL_DST_CHANGES
)
