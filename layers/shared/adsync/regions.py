"""Shopee marketplaces and their local day.

Ads dates and hours are in the marketplace's local time (shopee-ads-api.md §8). The
offsets are fixed: none of these markets observes daylight saving time today, and a
fixed table needs no tzdata inside Lambda. This module must not read the clock.
"""

from datetime import date, datetime, timedelta, timezone

UTC_OFFSET_HOURS: dict[str, int] = {
    "VN": 7,
    "TH": 7,
    "ID": 7,
    "SG": 8,
    "MY": 8,
    "PH": 8,
    "TW": 8,
    "BR": -3,
    "MX": -6,
    "CO": -5,
    "CL": -4,
}


class UnknownRegionError(ValueError):
    """The region is not a Shopee marketplace this system knows."""


def region_timezone(region: str) -> timezone:
    """Return the fixed-offset time zone of a marketplace."""
    try:
        hours = UTC_OFFSET_HOURS[region.upper()]
    except KeyError:
        raise UnknownRegionError(f"unknown Shopee region {region!r}") from None
    return timezone(timedelta(hours=hours), name=region.upper())


def local_day(region: str, now: datetime) -> date:
    """Return the marketplace's calendar day at the instant `now`."""
    return now.astimezone(region_timezone(region)).date()
