"""The only module that reads the wall clock.

Everything else takes `now` (an aware UTC datetime) as a parameter so that retries,
leases, schedules and day boundaries can be tested with a frozen clock.
"""

from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """Return the current time as an aware UTC datetime."""
    return datetime.now(UTC)
