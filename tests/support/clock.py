"""A frozen clock that tests move by hand."""

from datetime import UTC, datetime, timedelta


class FrozenClock:
    def __init__(self, now: datetime) -> None:
        if now.tzinfo is None:
            raise ValueError("FrozenClock needs an aware datetime")
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta = timedelta(0), **units: float) -> datetime:
        """Move on by `delta` and/or by `units` (`hours=1, seconds=30`); the new time."""
        self.now += delta + timedelta(**units)
        return self.now


class LiveClock(FrozenClock):
    """The real time plus an offset tests can move: for SQL that reads NOW()."""

    def __init__(self) -> None:
        super().__init__(datetime.now(UTC))
        self.offset = timedelta(0)

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def advance(self, delta: timedelta = timedelta(0), **units: float) -> datetime:
        self.offset += delta + timedelta(**units)
        return self()
