"""How many shops stay fresh within 15, 30 and 60 minutes at a given request budget.

From measured cycles only: a rate that was run is read off its cycle (seconds of
cycle per shop, ramp and tail included, taken as linear in the number of shops); a
rate that was not run is extrapolated from the budget-bound cycle (the lowest R run):
its calls per shop over R x the budget share x its steady-state utilization.
"""

from dataclasses import dataclass
from math import ceil

from bench.cycle import PEAK_TICK, CycleResult

RATES = (3.0, 5.0, 10.0, 50.0)
WINDOWS_MINUTES = (15, 30, 60)
SHOPEE_CALLS_PER_EXECUTION = 5.0  # req/s one realtime execution (10 threads) keeps busy


def realtime_executions(rate: float) -> int:
    """The deploy guide's rule for the realtime queue's MaximumConcurrency at R = `rate`:
    one execution per 5 req/s, at least 2 (the least a mapping allows). A batch ends
    with its slowest record, so an execution's 10 threads are not all calling at once;
    fewer executions leave slots unused (R = 50 on 5: 0.92-0.96 of the budget), more
    only bill more sleep (docs/deploy.md section 5)."""
    return max(2, ceil(rate / SHOPEE_CALLS_PER_EXECUTION))


@dataclass(frozen=True, kw_only=True)
class CapacityRow:
    rate: float
    seconds_per_shop: float
    measured: bool  # False: extrapolated from the budget-bound cycle
    source: str  # what the row comes from, said in the table

    def shops_within(self, minutes: int) -> int:
        return int(minutes * 60 / self.seconds_per_shop) if self.seconds_per_shop else 0


def capacity_rows(cycles: list[CycleResult]) -> list[CapacityRow]:
    """One row per rate in RATES (and any other rate that was run)."""
    warm = [
        c
        for c in cycles
        if c.finished and c.warmup_seconds is not None and c.options.measured_at == PEAK_TICK
    ]
    if not warm:
        return []
    measured = {c.options.partner_rate: c for c in warm}
    bound = min(warm, key=lambda c: c.options.partner_rate)
    calls_per_shop = bound.calls_accepted / bound.options.shops
    rows = []
    for rate in sorted(set(RATES) | set(measured)):
        cycle = measured.get(rate)
        if cycle is not None:
            rows.append(
                CapacityRow(
                    rate=rate,
                    seconds_per_shop=cycle.cycle_seconds / cycle.options.shops,
                    measured=True,
                    source=f"measured: {cycle.options.shops:,} shops in "
                    f"{cycle.cycle_seconds / 60:.1f} min",
                )
            )
            continue
        per_second = rate * bound.options.budget_share * bound.steady_utilization
        rows.append(
            CapacityRow(
                rate=rate,
                seconds_per_shop=calls_per_shop / per_second if per_second else 0.0,
                measured=False,
                source=f"extrapolated: {calls_per_shop:.2f} calls/shop at "
                f"{bound.steady_utilization:.2f} of {bound.options.budget_share:g} R",
            )
        )
    return rows
