"""Shopee marketplaces and their local day.

Ads dates and hours are in the marketplace's local time (shopee-ads-api.md §8). This is
the one table of markets: each maps to its IANA zone, so daylight saving time (CL
observes it) and future rule changes come from the tz database, not from a hand-kept
offset, and to its currency (ISO 4217): Shopee reports money in the shop's local
currency (§7), so money of two regions is never added without it. SQL gets the table
from here: `apply_migrations` copies it into `apishopee_regions`. The `tzdata` package
(layers/shared/requirements.txt) carries the zone data, so a Lambda image without
system tzdata still finds it. This module must not read the clock.
"""

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo


@dataclass(frozen=True, kw_only=True)
class Market:
    """One Shopee market: its IANA time zone and the currency of its shops' money."""

    time_zone: str  # IANA name
    currency: str  # ISO 4217 code of the money Shopee reports for this market's shops


MARKETS: dict[str, Market] = {
    "VN": Market(time_zone="Asia/Ho_Chi_Minh", currency="VND"),
    "TH": Market(time_zone="Asia/Bangkok", currency="THB"),
    "ID": Market(time_zone="Asia/Jakarta", currency="IDR"),
    "SG": Market(time_zone="Asia/Singapore", currency="SGD"),
    "MY": Market(time_zone="Asia/Kuala_Lumpur", currency="MYR"),
    "PH": Market(time_zone="Asia/Manila", currency="PHP"),
    "TW": Market(time_zone="Asia/Taipei", currency="TWD"),
    "BR": Market(time_zone="America/Sao_Paulo", currency="BRL"),
    "MX": Market(time_zone="America/Mexico_City", currency="MXN"),
    "CO": Market(time_zone="America/Bogota", currency="COP"),
    "CL": Market(time_zone="America/Santiago", currency="CLP"),
}
TIME_ZONES: dict[str, str] = {region: m.time_zone for region, m in MARKETS.items()}
CURRENCIES: dict[str, str] = {region: m.currency for region, m in MARKETS.items()}


class UnknownRegionError(ValueError):
    """The region is not a Shopee marketplace this system knows."""


def region_timezone(region: str) -> ZoneInfo:
    """Return the IANA time zone of a marketplace."""
    try:
        name = TIME_ZONES[region.upper()]
    except KeyError:
        raise UnknownRegionError(f"unknown Shopee region {region!r}") from None
    return ZoneInfo(name)


def region_currency(region: str) -> str:
    """Return the ISO 4217 currency of a marketplace's money."""
    try:
        return CURRENCIES[region.upper()]
    except KeyError:
        raise UnknownRegionError(f"unknown Shopee region {region!r}") from None


def local_day(region: str, now: datetime) -> date:
    """Return the marketplace's calendar day at the instant `now`."""
    return now.astimezone(region_timezone(region)).date()
