"""The performance model: what each campaign did in each hour, as known at a moment.

Owns the numbers. An hour's *final* counts are a pure function of (seed, campaign, day,
hour); what the API reports is that hour once it is over, with orders/GMV/units scaled by
the share already attributed (late attribution: it grows with the clock, a step every
15 minutes, until the hour is `attribution_window` old, then freezes). Impressions, clicks
and expense are final as soon as the hour is over. Days and hours are in the shop's
local time. Derived ratios are always computed from summed counts, never averaged. Must
not know about HTTP, request validation or the zero-row policy (the endpoints' business).
"""

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from local.simulator import noise
from local.simulator.campaign import Campaign
from local.simulator.world import ShopSpec

_K_DAY = noise.text_key("day")
_K_HOUR = noise.text_key("hour")
_K_ORDERS = noise.text_key("orders")
_K_DELAY = noise.text_key("attribution-delay")
# Relative traffic per local hour: quiet nights, lunch bump, evening peak.
_HOUR_PROFILE = (
    0.25, 0.12, 0.07, 0.05, 0.05, 0.08, 0.2, 0.4, 0.6, 0.8, 0.9, 1.0,
    1.0, 0.95, 0.9, 0.9, 0.95, 1.0, 1.1, 1.3, 1.5, 1.6, 1.3, 0.7,
)  # fmt: skip


@dataclass(frozen=True, kw_only=True)
class Totals:
    """Counts as reported at one moment; `*_amount` are units sold (the API's order_amount)."""

    impression: int = 0
    clicks: int = 0
    expense: float = 0.0
    direct_order: int = 0
    broad_order: int = 0
    direct_amount: int = 0
    broad_amount: int = 0
    direct_gmv: float = 0.0
    broad_gmv: float = 0.0

    def __add__(self, other: "Totals") -> "Totals":
        return Totals(
            impression=self.impression + other.impression,
            clicks=self.clicks + other.clicks,
            expense=self.expense + other.expense,
            direct_order=self.direct_order + other.direct_order,
            broad_order=self.broad_order + other.broad_order,
            direct_amount=self.direct_amount + other.direct_amount,
            broad_amount=self.broad_amount + other.broad_amount,
            direct_gmv=self.direct_gmv + other.direct_gmv,
            broad_gmv=self.broad_gmv + other.broad_gmv,
        )

    @property
    def is_zero(self) -> bool:
        return not (self.impression or self.clicks or self.expense or self.broad_order)


ZERO = Totals()


# One hour's numbers in Totals field order, as a tuple: the hot loops avoid objects.
_Row = tuple[int, int, float, int, int, int, int, float, float]
_FINAL_CACHE_MAX = 200_000
_HOUR_CACHE_MAX = 2_000_000
_DAY_CACHE_MAX = 200_000
# Attribution moves every 15 minutes (hour boundaries fall on steps in every region), so
# a step's answers are cached: a sync asks for each campaign-day up to four times.
_ATTRIBUTION_STEP_S = 900
_MISSING: Any = object()


@dataclass(frozen=True, kw_only=True, eq=False)
class MetricsModel:
    seed: int
    attribution_window: timedelta = timedelta(days=7)
    # Share of an hour's eventual orders already visible the moment the hour ends.
    attribution_initial_share: float = 0.5
    money_decimals: int = 2
    # Daily totals of days whose every hour is past the attribution window never change
    # again; shop-level reports over big shops re-read them constantly.
    _final_days: dict[tuple[int, int, int], "_Row"] = field(default_factory=dict, repr=False)
    # One hour's numbers depend only on (campaign, day, hour, visible share): under a
    # frozen or slow clock the endpoints and the ground truth ask for the same cells.
    _hours: dict[tuple[int, int, int, float], "_Row | None"] = field(
        default_factory=dict, repr=False
    )
    # A campaign-day as known in one attribution step, its hours and their day total: a
    # sync asks for it up to four times (its daily and hourly rows, the shop's sums).
    _days: dict[tuple[int, int, int], "_Day"] = field(default_factory=dict, repr=False)

    def hourly(
        self, *, shop: ShopSpec, campaign: Campaign, day: date, now: datetime
    ) -> dict[int, Totals]:
        """Hour -> totals for every hour of `day` (shop-local) that is over at `now`.

        Hours in which the campaign did nothing are present as ZERO.
        """
        rows = self._rows(shop, campaign, day, now)
        return {hour: ZERO if row is None else _totals(row) for hour, row in enumerate(rows)}

    def completed_hours(self, *, shop: ShopSpec, day: date, now: datetime) -> int:
        """How many hours of the shop-local `day` are over at `now` (0..24)."""
        elapsed_s = int(now.timestamp()) - _local_midnight_ts(day, shop.utc_offset)
        return max(0, min(24, elapsed_s // 3600))

    def daily(self, *, shop: ShopSpec, campaign: Campaign, day: date, now: datetime) -> Totals:
        """Sum of the completed hours of `day`; ZERO when nothing is over yet."""
        return _totals(self._daily_row(shop, campaign, day, now))

    def daily_sum(
        self, *, shop: ShopSpec, campaigns: Iterable[Campaign], day: date, now: datetime
    ) -> Totals:
        """The sum of `daily` over campaigns (shop totals), added as plain tuples: over a
        5,000-campaign shop, a Totals object per addition costs more than the numbers."""
        sums = _zeros()
        for campaign in campaigns:
            _add(sums, self._daily_row(shop, campaign, day, now))
        return _totals(tuple(sums))

    def hourly_sum(
        self, *, shop: ShopSpec, campaigns: Iterable[Campaign], day: date, now: datetime
    ) -> dict[int, Totals]:
        """Hour -> the sum of `hourly` over campaigns (every completed hour present)."""
        sums: dict[int, list[Any]] = {}
        for campaign in campaigns:
            for hour, row in enumerate(self._day(shop, campaign, day, now).rows):
                acc = sums.setdefault(hour, _zeros())
                if row is not None:
                    _add(acc, row)
        return {hour: _totals(tuple(acc)) for hour, acc in sums.items()}

    def _daily_row(self, shop: ShopSpec, campaign: Campaign, day: date, now: datetime) -> _Row:
        key = (shop.shop_id, campaign.campaign_id, day.toordinal())
        cached = self._final_days.get(key)
        if cached is not None:
            return cached
        total = self._day(shop, campaign, day, now).total
        day_end_ts = _local_midnight_ts(day, shop.utc_offset) + 86_400
        if now.timestamp() >= day_end_ts + self.attribution_window.total_seconds():
            if len(self._final_days) >= _FINAL_CACHE_MAX:
                self._final_days.clear()  # crude bound; refilling is cheap enough
            self._final_days[key] = total
        return total

    def rounded(self, totals: Totals) -> Totals:
        """Money re-rounded after summing, so float noise never leaks into responses."""
        digits = self.money_decimals
        return Totals(
            impression=totals.impression,
            clicks=totals.clicks,
            expense=round(totals.expense, digits),
            direct_order=totals.direct_order,
            broad_order=totals.broad_order,
            direct_amount=totals.direct_amount,
            broad_amount=totals.broad_amount,
            direct_gmv=round(totals.direct_gmv, digits),
            broad_gmv=round(totals.broad_gmv, digits),
        )

    def attributed_share(self, *, elapsed_s: float) -> float:
        """Share of eventual orders visible `elapsed_s` after the hour ended (1.0 = final)."""
        window = self.attribution_window.total_seconds()
        if elapsed_s >= window:
            return 1.0
        initial = self.attribution_initial_share
        return initial + (1.0 - initial) * math.sqrt(max(0.0, elapsed_s) / window)

    def _rows(
        self, shop: ShopSpec, campaign: Campaign, day: date, now: datetime
    ) -> tuple[_Row | None, ...]:
        """One entry per completed hour; None where the campaign did nothing."""
        return self._day(shop, campaign, day, now).rows

    def _day(self, shop: ShopSpec, campaign: Campaign, day: date, now: datetime) -> "_Day":
        step = int(now.timestamp()) // _ATTRIBUTION_STEP_S
        key = (campaign.campaign_id, day.toordinal(), step)
        cached = self._days.get(key)
        if cached is None:
            if len(self._days) >= _DAY_CACHE_MAX:
                self._days.clear()  # crude bound, as for final days
            rows = self._compute_rows(shop, campaign, day, now_ts=step * _ATTRIBUTION_STEP_S)
            cached = self._days[key] = _Day(rows=rows, total=self._day_total(rows))
        return cached

    def _day_total(self, rows: tuple[_Row | None, ...]) -> _Row:
        """The day's sum, money rounded as a daily row reports it."""
        sums = _zeros()
        for row in rows:
            if row is not None:
                _add(sums, row)
        for i in (2, 7, 8):
            sums[i] = round(sums[i], self.money_decimals)
        return tuple(sums)

    def _compute_rows(
        self, shop: ShopSpec, campaign: Campaign, day: date, *, now_ts: int
    ) -> tuple[_Row | None, ...]:
        day_start_ts = _local_midnight_ts(day, shop.utc_offset)
        completed = max(0, min(24, (now_ts - day_start_ts) // 3600))
        if not completed or not self._may_run_on(campaign, day_start_ts):
            return (None,) * completed
        prefix = noise.bits(self.seed, campaign.campaign_id, day.toordinal())
        day_factor = 0.6 + 0.8 * noise.split(noise.derive(prefix, _K_DAY), 1)[0]
        window_s = self.attribution_window.total_seconds()
        rows: list[_Row | None] = []
        for hour in range(completed):
            hour_start_ts = day_start_ts + hour * 3600
            if not campaign.is_running_at(hour_start_ts):
                rows.append(None)
                continue
            elapsed_s = now_ts - hour_start_ts - 3600
            share = 1.0 if elapsed_s >= window_s else self.attributed_share(elapsed_s=elapsed_s)
            key = (campaign.campaign_id, prefix, hour, share)
            row = self._hours.get(key, _MISSING)
            if row is _MISSING:
                if len(self._hours) >= _HOUR_CACHE_MAX:
                    self._hours.clear()  # crude bound, as for final days
                row = self._hours[key] = self._hour(campaign, prefix, hour, day_factor, share)
            rows.append(row)
        return tuple(rows)

    def _may_run_on(self, campaign: Campaign, day_start_ts: int) -> bool:
        if campaign.impressions_per_hour <= 0 or campaign.start_ts >= day_start_ts + 86_400:
            return False
        until = campaign.running_until_ts
        return until == 0 or until > day_start_ts

    def _hour(
        self, campaign: Campaign, prefix: int, hour: int, day_factor: float, share: float
    ) -> _Row | None:
        u = noise.split(noise.derive(prefix, hour, _K_HOUR), 6)
        rate = campaign.impressions_per_hour * _HOUR_PROFILE[hour] * day_factor
        impression = int(rate * (0.5 + u[0]))
        if not impression:
            return None
        clicks = int(impression * campaign.ctr * (0.5 + u[1]) + u[3])
        digits = self.money_decimals
        expense = round(clicks * campaign.cost_per_click * (0.7 + 0.6 * u[2]), digits)
        orders = int(clicks * campaign.conversion_rate + u[4])
        if not orders:
            return (impression, clicks, expense, 0, 0, 0, 0, 0.0, 0.0)
        v = noise.split(noise.derive(prefix, hour, _K_ORDERS), 3)
        final_direct = min(orders, int(orders * campaign.direct_share + v[0]))
        final_other = orders - final_direct
        # Some orders buy more than one unit (order_amount counts units, not orders).
        final_direct_units = final_direct + int(final_direct * 0.3 + u[5]) if final_direct else 0
        final_other_units = final_other + int(final_other * 0.2 + v[1]) if final_other else 0
        final_direct_gmv = final_direct_units * campaign.order_value * (0.7 + 0.6 * v[2])
        final_other_gmv = final_other_units * campaign.order_value * (1.2 - 0.5 * v[2])
        # Each order has its own attribution delay, so counts grow one by one; direct and
        # "other" orders are counted separately so broad >= direct at every moment.
        delay_prefix = noise.derive(prefix, hour, _K_DELAY)
        direct = _visible(final_direct, share, delay_prefix, first=0)
        other = _visible(final_other, share, delay_prefix, first=final_direct)
        direct_units = _scaled(final_direct_units, direct, final_direct)
        other_units = _scaled(final_other_units, other, final_other)
        direct_gmv = round(_share_of(final_direct_gmv, direct, final_direct), digits)
        other_gmv = round(_share_of(final_other_gmv, other, final_other), digits)
        return (
            impression,
            clicks,
            expense,
            direct,
            direct + other,
            direct_units,
            direct_units + other_units,
            direct_gmv,
            round(direct_gmv + other_gmv, digits),
        )


@dataclass(frozen=True, slots=True)
class _Day:
    rows: tuple[_Row | None, ...]
    total: _Row


def _zeros() -> list[Any]:
    return [0, 0, 0.0, 0, 0, 0, 0, 0.0, 0.0]


def _add(sums: list[Any], row: _Row) -> None:
    for i, value in enumerate(row):
        sums[i] += value


def _totals(row: _Row) -> Totals:
    return Totals(
        impression=row[0],
        clicks=row[1],
        expense=row[2],
        direct_order=row[3],
        broad_order=row[4],
        direct_amount=row[5],
        broad_amount=row[6],
        direct_gmv=row[7],
        broad_gmv=row[8],
    )


def product_fields(totals: Totals, *, money_decimals: int, ratio_decimals: int) -> dict[str, float]:
    """The product-level metric set (doc §7.2) from summed counts."""
    t = totals
    m, r = money_decimals, ratio_decimals
    return {
        "impression": t.impression,
        "clicks": t.clicks,
        "ctr": _ratio(t.clicks * 100, t.impression, r),
        "expense": round(t.expense, m),
        "broad_order": t.broad_order,
        "direct_order": t.direct_order,
        "broad_order_amount": t.broad_amount,
        "direct_order_amount": t.direct_amount,
        "broad_gmv": round(t.broad_gmv, m),
        "direct_gmv": round(t.direct_gmv, m),
        "broad_roi": _ratio(t.broad_gmv, t.expense, r),
        "direct_roi": _ratio(t.direct_gmv, t.expense, r),
        "broad_cir": _ratio(t.expense * 100, t.broad_gmv, r),
        "direct_cir": _ratio(t.expense * 100, t.direct_gmv, r),
        "cr": _ratio(t.broad_order * 100, t.clicks, r),
        "direct_cr": _ratio(t.direct_order * 100, t.clicks, r),
        # Documented as cost per conversion, not per click.
        "cpc": _ratio(t.expense, t.broad_order, m),
        "cpdc": _ratio(t.expense, t.direct_order, m),
    }


def shop_fields(totals: Totals, *, money_decimals: int, ratio_decimals: int) -> dict[str, float]:
    """The shop-level metric set (doc §7.1): units are `*_item_sold`, ROAS is `*_roas`."""
    t = totals
    m, r = money_decimals, ratio_decimals
    return {
        "impression": t.impression,
        "clicks": t.clicks,
        "ctr": _ratio(t.clicks * 100, t.impression, r),
        "direct_order": t.direct_order,
        "broad_order": t.broad_order,
        "direct_conversions": _ratio(t.direct_order * 100, t.clicks, r),
        "broad_conversions": _ratio(t.broad_order * 100, t.clicks, r),
        "direct_item_sold": t.direct_amount,
        "broad_item_sold": t.broad_amount,
        "direct_gmv": round(t.direct_gmv, m),
        "broad_gmv": round(t.broad_gmv, m),
        "expense": round(t.expense, m),
        "cost_per_conversion": _ratio(t.expense, t.broad_order, m),
        "direct_roas": _ratio(t.direct_gmv, t.expense, r),
        "broad_roas": _ratio(t.broad_gmv, t.expense, r),
    }


def local_today(now: datetime, utc_offset: timedelta) -> date:
    return (now.astimezone(UTC) + utc_offset).date()


def _local_midnight_ts(day: date, utc_offset: timedelta) -> int:
    midnight_utc = datetime.combine(day, time(), tzinfo=UTC) - utc_offset
    return int(midnight_utc.timestamp())


def _visible(count: int, share: float, prefix: int, *, first: int) -> int:
    """How many of `count` orders are attributed once `share` of all orders would be."""
    if share >= 1.0:
        return count
    limit = int(share * 1024)  # compare on the same 10-bit grid `split` produces
    return sum(1 for i in range(first, first + count) if noise.derive(prefix, i) & 0x3FF < limit)


def _share_of(final_value: float, attributed: int, final_count: int) -> float:
    return final_value * attributed / final_count if final_count else 0.0


def _scaled(final_value: int, attributed: int, final_count: int) -> int:
    return final_value * attributed // final_count if final_count else 0


def _ratio(numerator: float, denominator: float, digits: int) -> float:
    return round(numerator / denominator, digits) if denominator else 0.0
