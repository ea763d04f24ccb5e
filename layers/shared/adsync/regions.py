"""Shopee marketplaces and their local day.

Ads dates and hours are in the marketplace's local time (shopee-ads-api.md §8). This is
the one table of markets: each maps to its IANA zone, so daylight saving time (CL
observes it) and future rule changes come from the tz database, not from a hand-kept
offset. SQL gets the table from here: `apply_migrations` copies it into
`apishopee_regions`. The `tzdata` package (layers/shared/requirements.txt) carries the
zone data, so a Lambda image without system tzdata still finds it. This module must not
read the clock.
"""

from datetime import date, datetime
from zoneinfo import ZoneInfo

TIME_ZONES: dict[str, str] = {
    "VN": "Asia/Ho_Chi_Minh",
    "TH": "Asia/Bangkok",
    "ID": "Asia/Jakarta",
    "SG": "Asia/Singapore",
    "MY": "Asia/Kuala_Lumpur",
    "PH": "Asia/Manila",
    "TW": "Asia/Taipei",
    "BR": "America/Sao_Paulo",
    "MX": "America/Mexico_City",
    "CO": "America/Bogota",
    "CL": "America/Santiago",
}


class UnknownRegionError(ValueError):
    """The region is not a Shopee marketplace this system knows."""


def region_timezone(region: str) -> ZoneInfo:
    """Return the IANA time zone of a marketplace."""
    try:
        name = TIME_ZONES[region.upper()]
    except KeyError:
        raise UnknownRegionError(f"unknown Shopee region {region!r}") from None
    return ZoneInfo(name)


def local_day(region: str, now: datetime) -> date:
    """Return the marketplace's calendar day at the instant `now`."""
    return now.astimezone(region_timezone(region)).date()
