"""Typed results of the Shopee client, field names exactly as Shopee documents them.

Two metric families exist (shopee-ads-api.md §7): the product-level set (campaign and
GMS reports) and the shop-level set (all-CPC-ads reports); they are never mixed. Rows
Shopee omits (no activity) are simply absent: nothing here invents zeros. Dates are
`date`s in the marketplace's local calendar, hours 0-23 local. Campaign settings are in
`campaign_settings.py`. Must not know about HTTP.
"""

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, ClassVar, Self

from adsync.shopee.errors import ShopeeError

# Product-level metric set (shopee-ads-api.md §7.2): name -> type.
PRODUCT_METRICS: dict[str, type] = {
    "impression": int,
    "clicks": int,
    "ctr": float,
    "expense": float,
    "broad_order": int,
    "direct_order": int,
    "broad_order_amount": int,
    "direct_order_amount": int,
    "broad_gmv": float,
    "direct_gmv": float,
    "broad_roi": float,
    "direct_roi": float,
    "broad_cir": float,
    "direct_cir": float,
    "cr": float,
    "direct_cr": float,
    "cpc": float,
    "cpdc": float,
}

# Shop-level metric set (§7.1): units are `*_item_sold`, ROAS is `*_roas`, and
# `*_conversions` are rates.
SHOP_METRICS: dict[str, type] = {
    "impression": int,
    "clicks": int,
    "ctr": float,
    "direct_order": int,
    "broad_order": int,
    "direct_conversions": float,
    "broad_conversions": float,
    "direct_item_sold": int,
    "broad_item_sold": int,
    "direct_gmv": float,
    "broad_gmv": float,
    "expense": float,
    "cost_per_conversion": float,
    "direct_roas": float,
    "broad_roas": float,
}


# The one ratio convention (shopee-ads-api.md §7: Shopee sends some ratios in percent,
# some as fractions, and GMS ratios can disagree with their own counts). Every ratio we
# keep is derived here from the same row's counts and money, never taken from Shopee:
# name -> (numerator, denominator, factor). factor 100 = a percentage (ctr 2.5 means
# 2.5 %); factor 1 = a multiple (roi/roas 3.2 means GMV is 3.2 x spend) or money per
# order (cpc, cpdc, cost_per_conversion: documented as cost per conversion). Rounded half
# up to 4 decimals (the columns' scale); a zero denominator gives 0.
RATIOS: dict[str, tuple[str, str, int]] = {
    "ctr": ("clicks", "impression", 100),
    "cr": ("broad_order", "clicks", 100),
    "direct_cr": ("direct_order", "clicks", 100),
    "broad_cir": ("expense", "broad_gmv", 100),
    "direct_cir": ("expense", "direct_gmv", 100),
    "broad_roi": ("broad_gmv", "expense", 1),
    "direct_roi": ("direct_gmv", "expense", 1),
    "cpc": ("expense", "broad_order", 1),
    "cpdc": ("expense", "direct_order", 1),
    "broad_conversions": ("broad_order", "clicks", 100),
    "direct_conversions": ("direct_order", "clicks", 100),
    "broad_roas": ("broad_gmv", "expense", 1),
    "direct_roas": ("direct_gmv", "expense", 1),
    "cost_per_conversion": ("expense", "broad_order", 1),
}
RATIO_DIGITS = 4  # the columns' scale
RATIO_PLACES = Decimal("0.0001")
_UNITS: int = 10**RATIO_DIGITS
_FLOAT_SAFE_UNITS = 1e8
_HALF_MARGIN = 1e-6
# Decimal's precision (28 digits): a quotient needing more is refused, as Decimal does.
_MOST_UNITS = 10**28


def ratio(numerator: float, denominator: float, factor: int) -> float:
    """numerator * factor / denominator, in exact decimals, rounded half up to 4 places.

    A big shop's replies hold ~2,000 rows of nine ratios each, so the usual ratio is
    computed in floats: their error (a few parts in 10**16) cannot move a quotient of
    fewer than 10**8 units of 0.0001 across a rounding half unless it lies within
    10**-6 units of one; those, and bigger ones, take the exact path in integers."""
    if not denominator or not numerator:
        return 0.0
    negative = (numerator < 0) != (denominator < 0)
    units = numerator * factor / denominator * _UNITS
    if negative:
        units = -units
    if units < _FLOAT_SAFE_UNITS:
        whole = int(units)  # units >= 0: its floor
        if abs(units - whole - 0.5) > _HALF_MARGIN:
            value = (whole + 1 if units - whole > 0.5 else whole) / _UNITS
            return -value if negative else value
    return _exact_ratio(numerator, denominator, factor)


def _exact_ratio(numerator: float, denominator: float, factor: int) -> float:
    """`ratio` in integers: the exact quotient in units of 0.0001, rounded half up (away
    from zero)."""
    top, top_places = _scaled(numerator)
    bottom, bottom_places = _scaled(denominator)
    shift = top_places - bottom_places - RATIO_DIGITS  # 10 ** -shift: the quotient's unit
    top *= factor * pow(10, max(-shift, 0))
    bottom *= pow(10, max(shift, 0))
    units: int = (2 * abs(top) + abs(bottom)) // (2 * abs(bottom))
    if units >= _MOST_UNITS:
        return _decimal_ratio(numerator, denominator, factor)  # and its overflow error
    value = units / _UNITS  # int / int: the double nearest the exact decimal
    return -value if (top < 0) != (bottom < 0) else value


def _decimal_ratio(numerator: float, denominator: float, factor: int) -> float:
    value = _exact(numerator) * factor / _exact(denominator)
    return float(value.quantize(RATIO_PLACES, rounding=ROUND_HALF_UP))


def _scaled(number: float) -> tuple[int, int]:
    """A count as (itself, 0); a float as (digits, places) of the shortest decimal that
    reads back as it, the decimal Shopee sent: 12.5 -> (125, 1)."""
    if type(number) is int:
        return number, 0
    text = repr(number)
    if "e" in text:  # 1e-05, 1.5e+16: rare; Decimal reads them
        exact = Decimal(text).as_tuple()
        digits = int("".join(map(str, exact.digits)))
        signed = -digits if exact.sign else digits
        places = -int(exact.exponent)
        return (signed, places) if places >= 0 else (signed * 10**-places, 0)
    whole, _, fraction = text.partition(".")
    return int(whole + fraction), len(fraction)


def _exact(number: float) -> Decimal:
    """A count as itself; a float as the shortest decimal that reads back as it (the
    decimal Shopee sent)."""
    return Decimal(number) if type(number) is int else Decimal(repr(number))


def metric_values(raw: Mapping[str, Any], metrics: dict[str, type]) -> dict[str, Any]:
    """The metric fields of one reply row, typed; an absent or null field is zero.

    Validated here, where Shopee's values enter our types: a boolean is not a number
    (`true` would be stored as 1), a count is a whole number and never negative, a
    float is finite; strings are refused rather than guessed at. Raises ShopeeError
    naming the field and the value. Ratios are not read: RATIOS derives them from the
    row's counts and money (a big shop's reply holds ~2,000 rows, so this is a hot
    loop: the usual value takes one type test)."""
    read, derived = _reading(metrics)
    values: dict[str, Any] = {}
    for name, kind in read:
        value = raw.get(name)
        if type(value) is kind and (value >= 0 if kind is int else math.isfinite(value)):  # type: ignore[operator, arg-type]
            values[name] = value
        else:
            values[name] = _metric(name, value, kind)
    for name, numerator, denominator, factor in derived:
        values[name] = ratio(values[numerator], values[denominator], factor)
    return values


_Reading = tuple[tuple[tuple[str, type], ...], tuple[tuple[str, str, str, int], ...]]
_READINGS: dict[int, tuple[dict[str, type], _Reading]] = {}


def _reading(metrics: dict[str, type]) -> _Reading:
    """A metric set's fields to read from a reply (name, type) and its ratios to derive
    (name, numerator, denominator, factor), worked out once per set."""
    known = _READINGS.get(id(metrics))
    if known is not None and known[0] is metrics:
        return known[1]
    reading = (
        tuple((name, kind) for name, kind in metrics.items() if name not in RATIOS),
        tuple((name, *RATIOS[name]) for name in metrics if name in RATIOS),
    )
    _READINGS[id(metrics)] = (metrics, reading)
    return reading


def _metric(name: str, value: object, kind: type) -> int | float:
    # The usual values first: a count as a whole number, a float that is finite.
    if type(value) is int and (kind is float or value >= 0):
        return kind(value)  # type: ignore[no-any-return]
    if type(value) is float and kind is float and math.isfinite(value):
        return value
    if value is None:
        return kind(0)  # type: ignore[no-any-return]
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ShopeeError(f"metric {name} must be a number, got {_shown(value)}")
    if not math.isfinite(value):
        raise ShopeeError(f"metric {name} must be a finite number, got {_shown(value)}")
    if kind is float:
        return float(value)
    if value != int(value):
        raise ShopeeError(f"metric {name} must be a whole number, got {_shown(value)}")
    if value < 0:
        raise ShopeeError(f"metric {name} must not be negative, got {_shown(value)}")
    return int(value)


def _shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else f"{text[:37]}..."


@dataclass(frozen=True, kw_only=True)
class CampaignRef:
    """A campaign as the id list returns it: id and ad type."""

    campaign_id: int
    ad_type: str


@dataclass(frozen=True, kw_only=True)
class CampaignIdPage:
    """One page of get_product_level_campaign_id_list."""

    refs: tuple[CampaignRef, ...]
    has_next_page: bool


class MetricSet:
    """A metric set of Shopee's (its fields and their types: `NAMES`), read from a reply
    row and handed on as a mapping."""

    NAMES: ClassVar[dict[str, type]]

    def metrics(self) -> dict[str, int | float]:
        """Just the metric fields, keyed by Shopee's names."""
        return {name: getattr(self, name) for name in self.NAMES}

    @classmethod
    def from_api(cls, *, raw: Mapping[str, Any], **row: Any) -> Self:
        """Parse one reply row (a day, an hour, a GMS report): the metrics of `raw`,
        validated by `metric_values`, and the fields naming the row (`campaign_id`,
        `performance_date`, `hour`, `item_id`, ...), exactly those (else TypeError).

        Built without the dataclass's __init__, which sets each of a frozen row's ~20
        fields through object.__setattr__: a sixth of a big shop's parse time."""
        naming = _NAMING.get(cls)
        if naming is None:
            naming = _NAMING[cls] = frozenset(f.name for f in fields(cls)) - cls.NAMES.keys()  # type: ignore[arg-type]
        if row.keys() != naming:
            raise TypeError(f"{cls.__name__} is named by {sorted(naming)}, got {sorted(row)}")
        made = object.__new__(cls)
        made.__dict__.update(row, **metric_values(raw, cls.NAMES))
        return made


_NAMING: dict[type, frozenset[str]] = {}  # a metric row class -> its fields not metrics


@dataclass(frozen=True, kw_only=True)
class ProductMetrics(MetricSet):
    """The product-level metric set; the base of every campaign and GMS result."""

    impression: int = 0
    clicks: int = 0
    ctr: float = 0.0
    expense: float = 0.0
    broad_order: int = 0
    direct_order: int = 0
    broad_order_amount: int = 0
    direct_order_amount: int = 0
    broad_gmv: float = 0.0
    direct_gmv: float = 0.0
    broad_roi: float = 0.0
    direct_roi: float = 0.0
    broad_cir: float = 0.0
    direct_cir: float = 0.0
    cr: float = 0.0
    direct_cr: float = 0.0
    cpc: float = 0.0
    cpdc: float = 0.0

    NAMES: ClassVar[dict[str, type]] = PRODUCT_METRICS


@dataclass(frozen=True, kw_only=True)
class CampaignDailyMetrics(ProductMetrics):
    """One campaign's product-level metrics for one day."""

    campaign_id: int
    performance_date: date


@dataclass(frozen=True, kw_only=True)
class CampaignHourlyMetrics(ProductMetrics):
    """One campaign's product-level metrics for one local hour (0-23) of one day."""

    campaign_id: int
    performance_date: date
    hour: int


@dataclass(frozen=True, kw_only=True)
class ShopMetrics(MetricSet):
    """The shop-level metric set (all CPC ads of the shop together)."""

    impression: int = 0
    clicks: int = 0
    ctr: float = 0.0
    direct_order: int = 0
    broad_order: int = 0
    direct_conversions: float = 0.0
    broad_conversions: float = 0.0
    direct_item_sold: int = 0
    broad_item_sold: int = 0
    direct_gmv: float = 0.0
    broad_gmv: float = 0.0
    expense: float = 0.0
    cost_per_conversion: float = 0.0
    direct_roas: float = 0.0
    broad_roas: float = 0.0

    NAMES: ClassVar[dict[str, type]] = SHOP_METRICS


@dataclass(frozen=True, kw_only=True)
class ShopDailyMetrics(ShopMetrics):
    """The shop's all-CPC-ads metrics for one day."""

    performance_date: date


@dataclass(frozen=True, kw_only=True)
class ShopHourlyMetrics(ShopMetrics):
    """The shop's all-CPC-ads metrics for one local hour (0-23) of one day."""

    performance_date: date
    hour: int


@dataclass(frozen=True, kw_only=True)
class GmsCampaignMetrics(ProductMetrics):
    """The shop's Product GMS campaign: one aggregate `report` over [start_date, end_date]."""

    campaign_id: int
    start_date: date
    end_date: date


@dataclass(frozen=True, kw_only=True)
class GmsItemMetrics(ProductMetrics):
    """One item of the shop's Product GMS campaign, aggregated over [start_date, end_date]."""

    campaign_id: int
    item_id: int
    start_date: date
    end_date: date


@dataclass(frozen=True, kw_only=True)
class GmsDeletedItems:
    """list_gms_user_deleted_item, every page: the items the seller removed from the
    shop's Product GMS campaign."""

    campaign_id: int
    item_ids: tuple[int, ...]


@dataclass(frozen=True, kw_only=True)
class TokenGrant:
    """A token pair from /auth/token/get or /auth/access_token/get."""

    shop_id: int
    access_token: str = field(repr=False)
    refresh_token: str = field(repr=False)
    expire_in_seconds: int


@dataclass(frozen=True, kw_only=True)
class MainAccountGrant:
    """The one pair /auth/token/get returns for a main account, shared by all its shops
    until each shop's first refresh gives it its own (shopee-ads-api.md §3.2, §3.3)."""

    main_account_id: int
    access_token: str = field(repr=False)
    refresh_token: str = field(repr=False)
    expire_in_seconds: int
    shop_ids: tuple[int, ...]
    merchant_ids: tuple[int, ...] = ()


@dataclass(frozen=True, kw_only=True)
class ShopInfo:
    """What v2.shop.get_shop_info says of a shop and its authorization (§3.4)."""

    shop_id: int
    shop_name: str | None
    region: str
    authorized_at: datetime | None
    authorization_expires_at: datetime | None

    @classmethod
    def from_api(cls, *, shop_id: int, raw: dict[str, Any]) -> Self:
        """Parse a get_shop_info reply; a reply without a region is refused."""
        region = raw.get("region")
        if not isinstance(region, str) or not region:
            raise ShopeeError("get_shop_info reply lacks region")
        name = raw.get("shop_name")
        return cls(
            shop_id=shop_id,
            shop_name=name if isinstance(name, str) and name else None,
            region=region.upper(),
            authorized_at=_instant(raw.get("auth_time"), "auth_time"),
            authorization_expires_at=_instant(raw.get("expire_time"), "expire_time"),
        )


def _instant(value: object, name: str) -> datetime | None:
    """Unix seconds (Shopee's timestamps) as an aware UTC datetime; absent or 0: None."""
    if value is None or value == 0:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ShopeeError(f"get_shop_info {name} is not a Unix time: {_shown(value)}")
    return datetime.fromtimestamp(value, tz=UTC)
