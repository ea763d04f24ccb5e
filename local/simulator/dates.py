"""Date parameters of the ads endpoints: strict DD-MM-YYYY and the window rules (doc §6, §8).

Owns parsing and the checks in a fixed order: format, start > end, start == end, future,
too old, span. "Today" and "6 months ago" are taken in the shop's local time. Must not
compute metrics.
"""

import re
from datetime import date, datetime, timedelta

from local.simulator.errors import ApiError, param_error
from local.simulator.metrics import local_today

_DATE_RE = re.compile(r"^(\d{2})-(\d{2})-(\d{4})$")


def parse_day(text: str | None, *, name: str) -> date:
    if not text:
        raise param_error(f"{name} is required.")
    match = _DATE_RE.match(text)
    if not match:
        raise param_error(f"Invalid {name}, the format should be DD-MM-YYYY.")
    day, month, year = (int(part) for part in match.groups())
    try:
        return date(year, month, day)
    except ValueError:
        raise param_error(f"Invalid {name}, the format should be DD-MM-YYYY.") from None


def format_day(day: date) -> str:
    return day.strftime("%d-%m-%Y")


def months_before(day: date, months: int) -> date:
    """Same day-of-month `months` calendar months earlier, clamped to the month's end."""
    month_index = day.year * 12 + day.month - 1 - months
    year, month = divmod(month_index, 12)
    month += 1
    for candidate_day in range(day.day, 0, -1):
        try:
            return date(year, month, candidate_day)
        except ValueError:
            continue
    raise AssertionError("unreachable: day 1 always exists")


def check_day(day: date, *, now: datetime, utc_offset: timedelta, history_months: int) -> None:
    today = local_today(now, utc_offset)
    if day > today:
        raise ApiError("ads.performance.error_date_in_future", "Date should be today or earlier.")
    if day < months_before(today, history_months):
        raise ApiError(
            "ads.performance.error_date_too_old",
            f"Date should be within the last {history_months} months.",
        )


def check_range(
    start: date,
    end: date,
    *,
    now: datetime,
    utc_offset: timedelta,
    history_months: int,
    max_span_days: int,
    allow_same_day: bool,
) -> None:
    if start > end:
        raise ApiError(
            "ads.performance.error_start_later_than_end",
            "Start date should be earlier than end date.",
        )
    if start == end and not allow_same_day:
        raise ApiError(
            "ads.performance.error_same_start_end_dates",
            "Start date and end date should be different.",
        )
    check_day(end, now=now, utc_offset=utc_offset, history_months=history_months)
    check_day(start, now=now, utc_offset=utc_offset, history_months=history_months)
    if (end - start).days + 1 > max_span_days:
        raise ApiError(
            "ads.performance.error_date_range_too_long", "Date range should be within 1 month."
        )


def days_between(start: date, end: date) -> list[date]:
    return [start + timedelta(days=offset) for offset in range((end - start).days + 1)]
