"""The shared request budget (`apishopee_rate_budget`): reserve the next call slot, or
learn how far away it is; pause a whole budget. One row lock per reservation, held for
one statement.

One store serves every thread of a container. Its statements run `apart()`: on a
connection of their own, never inside the calling thread's transaction (a token
refresh), whose row locks they must not wait for nor hold.
"""

import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

from adsync.db.connection import Database
from adsync.db.sql import query

_SQL = "budget.sql"


@dataclass(frozen=True, kw_only=True)
class Reservation:
    """The answer to a slot reservation in a request budget."""

    reserved: bool  # False: the slot is further away than the caller would wait
    slot: datetime  # when the first call may start (the next free slot, if not reserved)
    count: int = 1  # slots reserved, 1/rate apart from first_slot (0 when not reserved)
    first_slot: datetime | None = None  # the first as the schedule has it (maybe past)


class BudgetStore:
    """The request budgets' token buckets, shared by every worker through Postgres."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._lock = threading.Lock()

    def ensure(self, *, name: str, rate_per_second: float, burst: float, now: datetime) -> None:
        """Create the bucket `name` if missing, or update its rate and burst."""
        with self._lock, self._db.apart() as db:
            db.run(
                query(_SQL, "ensure_bucket"), name=name, rate=rate_per_second, burst=burst, now=now
            )

    def reserve(
        self, *, name: str, max_wait: timedelta, now: datetime, count: int = 1
    ) -> Reservation:
        """The next `count` slots (fewer when the later ones are beyond `max_wait`)."""
        with self._lock, self._db.apart() as db:
            row = db.one(
                query(_SQL, "reserve_slot"),
                name=name,
                now=now,
                count=count,
                max_wait_seconds=max_wait.total_seconds(),
            )
        if row is None:
            raise LookupError(f"no rate budget named {name!r}; call ensure() first")
        return Reservation(
            reserved=row["reserved"],
            slot=row["slot"],
            count=row["count"],
            first_slot=row["first_slot"],
        )

    def back_off(
        self,
        *,
        name: str,
        base: timedelta,
        longest: timedelta,
        strike_window: timedelta,
        now: datetime,
    ) -> datetime:
        """Pause the bucket, longer after each recent pause; return when it ends."""
        with self._lock, self._db.apart() as db:
            row = db.one(
                query(_SQL, "back_off"),
                name=name,
                now=now,
                base_seconds=base.total_seconds(),
                max_seconds=longest.total_seconds(),
                strike_window_seconds=strike_window.total_seconds(),
            )
        return row["paused_until"] if row else now + base

    def pause_until(self, *, name: str, until: datetime, now: datetime) -> None:
        """Let no call of budget `name` start before `until` (Shopee throttled us)."""
        with self._lock, self._db.apart() as db:
            db.run(query(_SQL, "pause_until"), name=name, until=until, now=now)
