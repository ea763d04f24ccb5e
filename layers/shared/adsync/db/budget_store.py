"""The shared request budget (`apishopee_rate_budget`): take a token, or learn how long
to wait; pause a whole bucket. One row lock per take, held for one statement.

One store (one connection) serves every thread of a container: takes are single
statements, so a lock around each is cheaper than a connection per thread.
"""

import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

from adsync.db.connection import Database
from adsync.db.sql import query

_SQL = "budget.sql"


@dataclass(frozen=True, kw_only=True)
class Take:
    taken: bool
    wait: timedelta  # zero when taken


class BudgetStore:
    def __init__(self, db: Database) -> None:
        self._db = db
        self._lock = threading.Lock()

    def ensure(self, *, name: str, rate_per_second: float, burst: float, now: datetime) -> None:
        with self._lock:
            self._db.run(
                query(_SQL, "ensure_bucket"), name=name, rate=rate_per_second, burst=burst, now=now
            )

    def take(self, *, name: str, rate_per_second: float, now: datetime) -> Take:
        with self._lock:
            row = self._db.one(query(_SQL, "take_token"), name=name, now=now)
        if row is None:
            raise LookupError(f"no rate budget named {name!r}; call ensure() first")
        if row["taken"]:
            return Take(taken=True, wait=timedelta(0))
        paused_until: datetime | None = row["paused_until"]
        if paused_until is not None and paused_until > now:
            return Take(taken=False, wait=paused_until - now)
        missing = max(0.0, 1.0 - float(row["available"]))
        return Take(taken=False, wait=timedelta(seconds=missing / rate_per_second))

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

    def pause_until(self, *, name: str, until: datetime, now: datetime) -> None:
        with self._lock:
            self._db.run(query(_SQL, "pause_until"), name=name, until=until, now=now)
