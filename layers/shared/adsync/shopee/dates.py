"""Shopee's date text (`DD-MM-YYYY`) and the windows a date range is asked in (§6.3, §8).

The multi-day CPC endpoints take at most 30 days per call and refuse start == end, so
a range is cut into windows, and a one-day window is asked from the day before and
the extra day filtered out by the caller. Must not know about HTTP.
"""

import functools
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

from adsync.shopee.errors import BadRequestError

DATE_FORMAT = "%d-%m-%Y"
MAX_DAYS_PER_CALL = 30


def format_date(day: date) -> str:
    """A day as Shopee writes it (DD-MM-YYYY)."""
    return day.strftime(DATE_FORMAT)


def parse_date(text: str) -> date:
    """A DD-MM-YYYY day from Shopee; ShopeeError if it is not one."""
    if not isinstance(text, str):
        raise BadRequestError(f"unexpected date {text!r} in Shopee reply")
    return _parsed_date(text)


@functools.lru_cache(maxsize=64)  # a reply's rows share a few days
def _parsed_date(text: str) -> date:
    try:
        day, month, year = (int(p) for p in text.split("-"))
        return date(year, month, day)
    except ValueError as exc:
        raise BadRequestError(f"unexpected date {text!r} in Shopee reply") from exc


@dataclass(frozen=True, kw_only=True)
class Window:
    """The days wanted [start, end] and the first day to ask for (before start if widened)."""

    start: date
    end: date
    ask_start: date

    def covers(self, day: date) -> bool:
        """True when `day` lies in the window."""
        return self.start <= day <= self.end


def windows(start: date, end: date, *, widen_single_day: bool = True) -> Iterator[Window]:
    """Cut [start, end] into windows of at most MAX_DAYS_PER_CALL days."""
    if start > end:
        raise ValueError(f"start {start} is after end {end}")
    cursor = start
    while cursor <= end:
        window_end = min(end, cursor + timedelta(days=MAX_DAYS_PER_CALL - 1))
        ask_start = cursor
        if widen_single_day and cursor == window_end:
            ask_start = cursor - timedelta(days=1)
        yield Window(start=cursor, end=window_end, ask_start=ask_start)
        cursor = window_end + timedelta(days=1)
