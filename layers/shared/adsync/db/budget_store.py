"""The shared request budget (`apishopee_rate_budget`): reserve the next call slot, or
learn how far away it is; pause a whole budget. One row lock per reservation, held for
one statement.

One store (one connection) serves every thread of a container: reservations are single
statements, so a lock around each is cheaper than a connection per thread.
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
    slot: datetime  # when the call may start (the next free slot, if not reserved)


class BudgetStore:
    """The request budgets' token buckets, shared by every worker through Postgres."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._lock = threading.Lock()

    def ensure(self, *, name: str, rate_per_second: float, burst: float, now: datetime) -> None:
        """Create the bucket `name` if missing, or update its rate and burst."""
        with self._lock:
            self._db.run(
                query(_SQL, "ensure_bucket"), name=name, rate=rate_per_second, burst=burst, now=now
            )

    def reserve(self, *, name: str, max_wait: timedelta, now: datetime) -> Reservation:
        """Take the next call slot if it comes within `max_wait`; else say when it would."""
        with self._lock:
            row = self._db.one(
                query(_SQL, "reserve_slot"),
                name=name,
                now=now,
                max_wait_seconds=max_wait.total_seconds(),
            )
        if row is None:
            raise LookupError(f"no rate budget named {name!r}; call ensure() first")
        return Reservation(reserved=row["reserved"], slot=row["slot"])

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
        with self._lock:
            row = self._db.one(
                query(_SQL, "back_off"),
                name=name,
                now=now,
                base_seconds=base.total_seconds(),
                max_seconds=longest.total_seconds(),
                strike_window_seconds=strike_window.total_seconds(),
            )
        return row["paused_until"] if row else now + base

    def close(self) -> None:
        """Close the store's connection (the next call opens a new one)."""
        with self._lock:
            self._db.close()

    def pause_until(self, *, name: str, until: datetime, now: datetime) -> None:
        """Let no call of budget `name` start before `until` (Shopee throttled us)."""
        with self._lock:
            self._db.run(query(_SQL, "pause_until"), name=name, until=until, now=now)
