"""What one campaign did in one hour of one day: the part that never changes, and the
orders visible at a moment.

Owns the per-hour formulas of the metrics model. Everything but the attributed orders is
fixed once the campaign, day and hour are (a pure function of the seed), so it is worked
out once as an `entry`: None (no traffic), a finished row (no orders: nothing left to
attribute), or `Orders`, which gives the row for any attributed share. Each order's
attribution threshold is drawn once and kept sorted, so a new share costs a bisection,
not a hash per order. Must not know about caches, the clock or HTTP (metrics.py owns those).
"""

from bisect import bisect_left
from dataclasses import dataclass

from local.simulator import noise
from local.simulator.campaign import Campaign

# One hour's numbers in Totals field order (impression, clicks, expense, direct_order,
# broad_order, direct_amount, broad_amount, direct_gmv, broad_gmv), as a plain tuple:
# the hot loops avoid objects.
Row = tuple[int, int, float, int, int, int, int, float, float]

_K_DAY = noise.text_key("day")
_K_HOUR = noise.text_key("hour")
_K_ORDERS = noise.text_key("orders")
_K_DELAY = noise.text_key("attribution-delay")
# Relative traffic per local hour: quiet nights, lunch bump, evening peak.
_HOUR_PROFILE = (
    0.25, 0.12, 0.07, 0.05, 0.05, 0.08, 0.2, 0.4, 0.6, 0.8, 0.9, 1.0,
    1.0, 0.95, 0.9, 0.9, 0.95, 1.0, 1.1, 1.3, 1.5, 1.6, 1.3, 0.7,
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Orders:
    """An hour with orders: its final numbers and when each order gets attributed."""

    impression: int
    clicks: int
    expense: float
    final_direct: int
    final_other: int
    final_direct_units: int
    final_other_units: int
    final_direct_gmv: float
    final_other_gmv: float
    # Each order's attribution threshold on the 10-bit grid `noise.split` produces,
    # sorted: the order is visible once int(share * 1024) is above it.
    direct_marks: tuple[int, ...]
    other_marks: tuple[int, ...]

    def at(self, share: float, digits: int) -> Row:
        """The row once `share` of all orders would be attributed (1.0 = final); money
        rounded to `digits`."""
        if share >= 1.0:
            direct, other = self.final_direct, self.final_other
        else:
            limit = int(share * 1024)
            direct = bisect_left(self.direct_marks, limit)
            other = bisect_left(self.other_marks, limit)
        direct_units = _scaled(self.final_direct_units, direct, self.final_direct)
        other_units = _scaled(self.final_other_units, other, self.final_other)
        direct_gmv = round(_share_of(self.final_direct_gmv, direct, self.final_direct), digits)
        other_gmv = round(_share_of(self.final_other_gmv, other, self.final_other), digits)
        return (
            self.impression,
            self.clicks,
            self.expense,
            direct,
            direct + other,
            direct_units,
            direct_units + other_units,
            direct_gmv,
            round(direct_gmv + other_gmv, digits),
        )


Entry = Row | Orders | None


def day_factor(prefix: int) -> float:
    """The campaign-day's traffic level; `prefix` is noise.bits(seed, campaign, day)."""
    return 0.6 + 0.8 * noise.split(noise.derive(prefix, _K_DAY), 1)[0]


def hour_entry(
    campaign: Campaign, prefix: int, hour: int, factor: float, money_decimals: int
) -> Entry:
    """The hour's entry: None without traffic, a row without orders, else `Orders`."""
    u = noise.split(noise.derive(prefix, hour, _K_HOUR), 6)
    rate = campaign.impressions_per_hour * _HOUR_PROFILE[hour] * factor
    impression = int(rate * (0.5 + u[0]))
    if not impression:
        return None
    clicks = int(impression * campaign.ctr * (0.5 + u[1]) + u[3])
    digits = money_decimals
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
    # Each order has its own attribution delay, so counts grow one by one; direct and
    # "other" orders are counted separately so broad >= direct at every moment.
    delay_prefix = noise.derive(prefix, hour, _K_DELAY)
    return Orders(
        impression=impression,
        clicks=clicks,
        expense=expense,
        final_direct=final_direct,
        final_other=final_other,
        final_direct_units=final_direct_units,
        final_other_units=final_other_units,
        final_direct_gmv=final_direct_units * campaign.order_value * (0.7 + 0.6 * v[2]),
        final_other_gmv=final_other_units * campaign.order_value * (1.2 - 0.5 * v[2]),
        direct_marks=_marks(delay_prefix, 0, final_direct),
        other_marks=_marks(delay_prefix, final_direct, final_other),
    )


def _marks(prefix: int, first: int, count: int) -> tuple[int, ...]:
    return tuple(sorted(noise.derive(prefix, i) & 0x3FF for i in range(first, first + count)))


def _share_of(final_value: float, attributed: int, final_count: int) -> float:
    return final_value * attributed / final_count if final_count else 0.0


def _scaled(final_value: int, attributed: int, final_count: int) -> int:
    return final_value * attributed // final_count if final_count else 0
