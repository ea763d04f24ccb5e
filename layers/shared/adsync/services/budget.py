"""The per-partner request budget: every Shopee call of every worker reserves a slot first.

The schedule lives in Postgres, so the rate holds across all concurrent Lambdas: each
call reserves the next free slot (slots are 1/rate apart) in one statement and sleeps
until it comes, so callers are paced evenly and served in the order they asked. When
the next slot is far away (Shopee paused the whole app) nothing is reserved and
ThrottledError defers the job instead of holding a Lambda. The budget has its own
connection: a reservation must never join (or wait for) another transaction, such as
a token refresh.
"""

from collections.abc import Callable
from datetime import datetime, timedelta

from adsync.clock import Clock
from adsync.db.budget_store import BudgetStore
from adsync.observability import count
from adsync.shopee.errors import ThrottledError

MAX_WAIT = timedelta(seconds=10)
# Shopee's partner throttling: pause 5 s, doubling while it keeps happening, up to 5 min.
BACKOFF_BASE = timedelta(seconds=5)
BACKOFF_LONGEST = timedelta(minutes=5)
BACKOFF_STRIKE_WINDOW = timedelta(minutes=5)
BURST_SECONDS = 0.2  # after an idle spell, a fifth of a second of calls may start at once
LOCAL_BUDGET = "local_budget"  # the code of a ThrottledError raised by our own budget


class RateBudget:
    """A partner's request budget shared by every worker: each Shopee call first takes a slot (a
    token bucket in Postgres), and Shopee's throttling pauses the budget."""

    def __init__(
        self,
        *,
        store: BudgetStore,
        name: str,
        rate_per_second: float,
        clock: Clock,
        sleep: Callable[[float], None],
        burst: float | None = None,
        max_wait: timedelta = MAX_WAIT,
    ) -> None:
        self._store = store
        self._name = name
        self._rate = rate_per_second
        # A small burst keeps calls evenly paced: a big one, delayed unevenly on its way
        # out (busy threads, network), can reach Shopee denser than the rate we kept.
        self._burst = burst if burst is not None else max(1.0, rate_per_second * BURST_SECONDS)
        self._clock = clock
        self._sleep = sleep
        self._max_wait = max_wait
        self._ready = False

    def acquire(self, endpoint: str = "") -> None:
        """Reserve the next call slot and sleep until it comes; ThrottledError if it is
        further away than we should hold a Lambda for."""
        if not self._ready:
            self._store.ensure(
                name=self._name, rate_per_second=self._rate, burst=self._burst, now=self._clock()
            )
            self._ready = True
        now = self._clock()
        reservation = self._store.reserve(name=self._name, max_wait=self._max_wait, now=now)
        wait = reservation.slot - now
        if not reservation.reserved:
            raise ThrottledError(
                f"our request budget for {self._name} has no slot for {wait}",
                scope="partner",
                code=LOCAL_BUDGET,
                endpoint=endpoint,
                retry_after=wait,
            )
        if wait > timedelta(0):
            count("BudgetWaits")
            self._sleep(wait.total_seconds())

    def back_off(self) -> datetime:
        """Shopee says the whole app is over its rate: every worker pauses (5 s, then
        longer while it keeps happening). Returns when the pause ends."""
        return self._store.back_off(
            name=self._name,
            base=BACKOFF_BASE,
            longest=BACKOFF_LONGEST,
            strike_window=BACKOFF_STRIKE_WINDOW,
            now=self._clock(),
        )

    def pause_until(self, until: datetime) -> None:
        """The app's daily quota is spent: nobody calls Shopee until it resets."""
        self._store.pause_until(name=self._name, until=until, now=self._clock())
