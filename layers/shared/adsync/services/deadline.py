"""How much of the Lambda's time is left, and when to stop taking new steps."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol

COMMIT_MARGIN = timedelta(seconds=5)


class _Context(Protocol):
    def get_remaining_time_in_millis(self) -> int: ...


@dataclass(frozen=True, kw_only=True)
class Deadline:
    """When the Lambda's time runs out, less a reserve: steps start only before it."""

    remaining_ms: Callable[[], int]
    # Longer than the slowest step (one Shopee call with its transport retries) plus
    # the commit, so a step that starts always ends before Lambda stops us.
    reserve: timedelta = timedelta(seconds=45)

    @classmethod
    def from_context(cls, context: _Context, *, reserve: timedelta) -> "Deadline":
        """The deadline of the invocation `context`, keeping `reserve` for the commit."""
        return cls(remaining_ms=context.get_remaining_time_in_millis, reserve=reserve)

    @classmethod
    def unlimited(cls) -> "Deadline":
        """A deadline that never comes (local tools and tests)."""
        return cls(remaining_ms=lambda: 2**31, reserve=timedelta(0))

    def seconds_for_calls(self) -> float:
        """How long the calls of the current step may still take: the time left minus a
        margin for writing the step's rows."""
        return self.remaining_ms() / 1000 - COMMIT_MARGIN.total_seconds()

    def expired(self) -> bool:
        """True when no new step should start."""
        return self.remaining_ms() < self.reserve / timedelta(milliseconds=1)
