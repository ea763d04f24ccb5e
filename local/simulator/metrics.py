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
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Any

from local.simulator import noise
from local.simulator.campaign import Campaign
from local.simulator.hours import Entry, Orders, Row, day_factor, hour_entry
from local.simulator.world import ShopSpec


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


_FINAL_CACHE_MAX = 200_000
# Campaign-days whose hour entries are kept (only days the campaign may run on).
_ENTRY_CACHE_MAX = 400_000
# Campaign-days kept per attribution step: a realtime cycle asks for today and yesterday
# of every campaign (the shop-level sums), about 350,000 in the benchmark's world.
_DAY_CACHE_MAX = 600_000
_STEPS_KEPT = 2  # the current step and the one before (requests that straddle a step)
# Attribution moves every 15 minutes (hour boundaries fall on steps in every region), so
# a step's answers are cached: a sync asks for each campaign-day up to four times.
_ATTRIBUTION_STEP_S = 900


@dataclass(frozen=True, kw_only=True, eq=False)
class MetricsModel:
    seed: int
    attribution_window: timedelta = timedelta(days=7)
    # Share of an hour's eventual orders already visible the moment the hour ends.
    attribution_initial_share: float = 0.5
    money_decimals: int = 2
    # Daily totals of days whose every hour is past the attribution window never change
    # again; shop-level reports over big shops re-read them constantly.
    _final_days: dict[tuple[int, int, int], "Row"] = field(default_factory=dict, repr=False)
    # (campaign, day ordinal) -> one entry per hour worked out so far (hours.py): what
    # does not depend on the clock, computed once instead of at every attribution step.
    # Tuples are replaced, never extended in place: threads may race to fill a day.
    _entries: dict[tuple[int, int], tuple[Entry, ...]] = field(default_factory=dict, repr=False)
    # Attribution step -> (campaign, day ordinal) -> the campaign-day as known in that
    # step, its hours and their day total: a sync asks for it up to four times (its daily
    # and hourly rows, the shop's sums). Older steps are dropped as the clock moves on.
    _steps: dict[int, dict[tuple[int, int], "_Day"]] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def hourly(
        self, *, shop: ShopSpec, campaign: Campaign, day: date, now: datetime
    ) -> dict[int, Totals]:
        """Hour -> totals for every hour of `day` (shop-local) that is over at `now`.

        Hours in which the campaign did nothing are present as ZERO.
        """
        rows = self._day(shop, campaign, day, now).rows
        return {hour: ZERO if row is None else _totals(row) for hour, row in enumerate(rows)}

    def completed_hours(self, *, shop: ShopSpec, day: date, now: datetime) -> int:
        """How many hours of the shop-local `day` are over at `now` (0..24)."""
        elapsed_s = int(now.timestamp()) - _local_midnight_ts(day, shop.utc_offset)
        return max(0, min(24, elapsed_s // 3600))

    def daily(self, *, shop: ShopSpec, campaign: Campaign, day: date, now: datetime) -> Totals:
        """Sum of the completed hours of `day`; ZERO when nothing is over yet."""
        return _totals(next(self._daily_rows(shop, (campaign,), day, now)))

    def daily_sum(
        self, *, shop: ShopSpec, campaigns: Iterable[Campaign], day: date, now: datetime
    ) -> Totals:
        """The sum of `daily` over campaigns (shop totals), added as plain tuples: over a
        5,000-campaign shop, a Totals object per addition costs more than the numbers."""
        sums = _zeros()
        for row in self._daily_rows(shop, campaigns, day, now):
            _add(sums, row)
        return _totals(tuple(sums))

    def hourly_sum(
        self, *, shop: ShopSpec, campaigns: Iterable[Campaign], day: date, now: datetime
    ) -> dict[int, Totals]:
        """Hour -> the sum of `hourly` over campaigns (every completed hour present)."""
        sums: dict[int, list[Any]] = {}
        for known in self._days(shop, campaigns, day, now):
            for hour, row in enumerate(known.rows):
                acc = sums.get(hour)
                if acc is None:
                    acc = sums[hour] = _zeros()
                if row is not None:
                    _add(acc, row)
        return {hour: _totals(tuple(acc)) for hour, acc in sums.items()}

    def _daily_rows(
        self, shop: ShopSpec, campaigns: Iterable[Campaign], day: date, now: datetime
    ) -> Iterator[Row]:
        """Each campaign's day total, in order (final ones from their own cache)."""
        ordinal = day.toordinal()
        day_end_ts = _local_midnight_ts(day, shop.utc_offset) + 86_400
        is_final = now.timestamp() >= day_end_ts + self.attribution_window.total_seconds()
        final_days = self._final_days
        for campaign in campaigns:
            key = (shop.shop_id, campaign.campaign_id, ordinal)
            cached = final_days.get(key)
            if cached is not None:
                yield cached
                continue
            total = next(self._days(shop, (campaign,), day, now)).total
            if is_final:
                if len(final_days) >= _FINAL_CACHE_MAX:
                    final_days.clear()  # crude bound; refilling is cheap enough
                final_days[key] = total
            yield total

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

    def _day(self, shop: ShopSpec, campaign: Campaign, day: date, now: datetime) -> "_Day":
        return next(self._days(shop, (campaign,), day, now))

    def _days(
        self, shop: ShopSpec, campaigns: Iterable[Campaign], day: date, now: datetime
    ) -> Iterator["_Day"]:
        """Each campaign's day as known in the attribution step of `now`, in order."""
        step = int(now.timestamp()) // _ATTRIBUTION_STEP_S
        known = self._step(step)
        ordinal = day.toordinal()
        for campaign in campaigns:
            key = (campaign.campaign_id, ordinal)
            cached = known.get(key)
            if cached is None:
                if len(known) >= _DAY_CACHE_MAX:
                    known.clear()  # crude bound, as for final days
                rows = self._compute_rows(shop, campaign, day, now_ts=step * _ATTRIBUTION_STEP_S)
                cached = known[key] = _day_of(rows, self.money_decimals)
            yield cached

    def _step(self, step: int) -> dict[tuple[int, int], "_Day"]:
        """The campaign-days known in `step`; a new step drops all but the latest ones."""
        known = self._steps.get(step)
        if known is None:
            with self._lock:
                known = self._steps.setdefault(step, {})
                for old in sorted(self._steps)[:-_STEPS_KEPT]:
                    if old != step:
                        del self._steps[old]
        return known

    def _compute_rows(
        self, shop: ShopSpec, campaign: Campaign, day: date, *, now_ts: int
    ) -> tuple[Row | None, ...]:
        """One entry per completed hour; None where the campaign did nothing."""
        day_start_ts = _local_midnight_ts(day, shop.utc_offset)
        completed = max(0, min(24, (now_ts - day_start_ts) // 3600))
        if not completed or not self._may_run_on(campaign, day_start_ts):
            return _IDLE_ROWS[completed]
        entries = self._hour_entries(campaign, day, day_start_ts, completed)
        window_s = self.attribution_window.total_seconds()
        rows: list[Row | None] = []
        for hour in range(completed):
            entry = entries[hour]
            if isinstance(entry, Orders):
                elapsed_s = now_ts - (day_start_ts + hour * 3600) - 3600
                share = 1.0 if elapsed_s >= window_s else self.attributed_share(elapsed_s=elapsed_s)
                rows.append(entry.at(share, self.money_decimals))
            else:
                rows.append(entry)
        return tuple(rows)

    def _hour_entries(
        self, campaign: Campaign, day: date, day_start_ts: int, completed: int
    ) -> tuple[Entry, ...]:
        """The campaign-day's hour entries, at least the first `completed` of them."""
        key = (campaign.campaign_id, day.toordinal())
        known = self._entries.get(key, ())
        if len(known) >= completed:
            return known
        prefix = noise.bits(self.seed, campaign.campaign_id, day.toordinal())
        factor = day_factor(prefix)
        added = tuple(
            hour_entry(campaign, prefix, hour, factor, self.money_decimals)
            if campaign.is_running_at(day_start_ts + hour * 3600)
            else None
            for hour in range(len(known), completed)
        )
        if len(self._entries) >= _ENTRY_CACHE_MAX:
            self._entries.clear()  # crude bound, as for final days
        entries = self._entries[key] = known + added
        return entries

    def _may_run_on(self, campaign: Campaign, day_start_ts: int) -> bool:
        if campaign.impressions_per_hour <= 0 or campaign.start_ts >= day_start_ts + 86_400:
            return False
        until = campaign.running_until_ts
        return until == 0 or until > day_start_ts


@dataclass(frozen=True, slots=True)
class _Day:
    rows: tuple[Row | None, ...]
    total: Row


def _day_of(rows: tuple[Row | None, ...], money_decimals: int) -> _Day:
    """The day with its sum, money rounded as a daily row reports it."""
    if rows is _IDLE_ROWS[len(rows)]:
        return _IDLE_DAYS[len(rows)]
    return _Day(rows=rows, total=_day_total(rows, money_decimals))


def _day_total(rows: tuple[Row | None, ...], money_decimals: int) -> Row:
    sums = _zeros()
    for row in rows:
        if row is not None:
            _add(sums, row)
    for i in (2, 7, 8):
        sums[i] = round(sums[i], money_decimals)
    return tuple(sums)


def _zeros() -> list[Any]:
    return [0, 0, 0.0, 0, 0, 0, 0, 0.0, 0.0]


def _add(sums: list[Any], row: Row) -> None:
    # Unrolled: this runs once per campaign-hour of a shop-level sum.
    sums[0] += row[0]
    sums[1] += row[1]
    sums[2] += row[2]
    sums[3] += row[3]
    sums[4] += row[4]
    sums[5] += row[5]
    sums[6] += row[6]
    sums[7] += row[7]
    sums[8] += row[8]


# A campaign-day without activity, per number of completed hours: shared, not rebuilt.
_IDLE_ROWS: tuple[tuple[None, ...], ...] = tuple((None,) * n for n in range(25))
_IDLE_DAYS: tuple[_Day, ...] = tuple(
    _Day(rows=rows, total=_day_total(rows, 0)) for rows in _IDLE_ROWS
)


def _totals(row: Row) -> Totals:
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


@lru_cache(maxsize=4096)
def _local_midnight_ts(day: date, utc_offset: timedelta) -> int:
    midnight_utc = datetime.combine(day, time(), tzinfo=UTC) - utc_offset
    return int(midnight_utc.timestamp())


def _ratio(numerator: float, denominator: float, digits: int) -> float:
    return round(numerator / denominator, digits) if denominator else 0.0
