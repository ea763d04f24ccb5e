"""The per-partner request budget: every Shopee call of every worker reserves a slot first.

The schedule lives in Postgres, so the rate holds across all concurrent Lambdas: each
call reserves the next free slot (slots are 1/rate apart) in one statement and sleeps
until it comes, so callers are paced evenly and served in the order they asked. When
the next slot is far away (Shopee paused the whole app) nothing is reserved and
ThrottledError defers the job instead of holding a Lambda. The budget has its own
connection: a reservation must never join (or wait for) another transaction, such as
a token refresh.

One RateBudget serves every thread of a container. The threads waiting for a slot at
the same moment share one reservation: the first asks for as many consecutive slots as
threads are waiting (one statement, one round trip), and each takes the next. No
thread holds a database connection while it sleeps for its slot.
"""

import threading
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from adsync.clock import Clock
from adsync.db.budget_store import BudgetStore, Reservation
from adsync.observability import count
from adsync.shopee.errors import ThrottledError

MAX_WAIT = timedelta(seconds=10)
# Shopee's partner throttling: pause 5 s, doubling while it keeps happening, up to 5 min.
BACKOFF_BASE = timedelta(seconds=5)
BACKOFF_LONGEST = timedelta(minutes=5)
BACKOFF_STRIKE_WINDOW = timedelta(minutes=5)
BURST_SECONDS = 0.2  # after an idle spell, a fifth of a second of calls may start at once
LOCAL_BUDGET = "local_budget"  # the code of a ThrottledError raised by our own budget
MAX_BLOCK = 10  # slots one reservation may take for a container's waiting threads
CLAIM_SLOTS = 2  # slots a claim takes with it when the container has none spare
# A slot of the container's still untaken this long after its time is dropped (a thread
# woken late under load still uses its own; only spare slots of an idle container age).
SLOT_SHELF_LIFE = timedelta(seconds=1)


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
        self._ensuring = threading.Lock()
        self._turn = threading.Condition()
        self._slots: deque[datetime] = deque()  # reserved for this container, not yet taken
        self._waiting = 0  # threads in acquire() without a slot
        self._reserving = False  # one of them is asking the database for slots
        self._prepaid = threading.local()  # a slot this thread waited for ahead of its call

    @property
    def name(self) -> str:
        """The budget's row in apishopee_rate_budget."""
        return self._name

    @property
    def max_wait(self) -> timedelta:
        """How far away a slot may be before a caller defers instead of sleeping."""
        return self._max_wait

    def slots_to_claim(self) -> int:
        """Slots a job's claim should reserve with it: its first call's and one more (a
        realtime job makes 1.6 calls on average; a spare slot serves the container's
        next call, whichever thread makes it). None while the container holds spare
        ones. (Before any container created the budget's row, a claim gets none.)"""
        with self._turn:
            return 0 if self._slots else CLAIM_SLOTS

    def add(self, reservation: Reservation) -> None:
        """Slots reserved elsewhere (with a claim) join this container's."""
        if reservation.reserved:
            with self._turn:
                self._slots.extend(self._spread(reservation))
                self._turn.notify_all()

    def _spread(self, reservation: Reservation) -> list[datetime]:
        first = reservation.first_slot or reservation.slot
        step = timedelta(seconds=1 / self._rate)
        return [first + step * i for i in range(reservation.count)]

    @property
    def waiting(self) -> int:
        """Threads of this container waiting for a slot (not yet given one)."""
        with self._turn:
            return self._waiting

    @contextmanager
    def prepaid(self) -> Iterator[None]:
        """Wait for a slot now, before the caller opens what holds a connection (a token
        refresh's transaction); this thread's next call inside the block spends it."""
        self.acquire()
        self._prepaid.slot = True
        try:
            yield
        finally:
            self._prepaid.slot = False

    def acquire(self, endpoint: str = "") -> None:
        """Take the next call slot and sleep until it comes; ThrottledError if it is
        further away than we should hold a Lambda for."""
        if getattr(self._prepaid, "slot", False):
            self._prepaid.slot = False  # waited for already, outside the transaction
            return
        if not self._ready:
            with self._ensuring:  # once per container, not once per thread
                if not self._ready:
                    self._store.ensure(
                        name=self._name,
                        rate_per_second=self._rate,
                        burst=self._burst,
                        now=self._clock(),
                    )
                    self._ready = True
        with self._turn:
            self._waiting += 1
        try:
            slot = self._take(endpoint)
        finally:
            with self._turn:
                self._waiting -= 1
        wait = slot - self._clock()
        if wait > timedelta(0):
            count("BudgetWaits")
            self._sleep(wait.total_seconds())

    def _take(self, endpoint: str) -> datetime:
        """A slot of this container's, reserving slots for every waiting thread at once
        when none is left."""
        while True:
            with self._turn:
                oldest = self._clock() - SLOT_SHELF_LIFE
                while self._slots and self._slots[0] < oldest:
                    self._slots.popleft()  # unused too long: calls that late would bunch
                if self._slots:
                    return self._slots.popleft()
                if self._reserving:
                    self._turn.wait()
                    continue
                self._reserving = True
                wanted = max(1, min(self._waiting, MAX_BLOCK))
            try:
                now = self._clock()
                reservation = self._store.reserve(
                    name=self._name, max_wait=self._max_wait, now=now, count=wanted
                )
            finally:
                with self._turn:
                    self._reserving = False
                    self._turn.notify_all()
            if not reservation.reserved:
                wait = reservation.slot - now
                raise ThrottledError(
                    f"our request budget for {self._name} has no slot for {wait}",
                    scope="partner",
                    code=LOCAL_BUDGET,
                    endpoint=endpoint,
                    retry_after=wait,
                )
            slots = self._spread(reservation)
            with self._turn:
                self._slots.extend(slots[1:])
                self._turn.notify_all()
            return slots[0]

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
