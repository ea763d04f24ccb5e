"""Thread-safe tallies of what the simulator served and refused, for test assertions.

Endpoints are keyed by request path (e.g. "/api/v2/ads/get_total_balance"). Must not
influence behaviour (the daily quota has its own counter in the throttle module).
"""

import threading
from collections import Counter


class Counters:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._calls: Counter[str] = Counter()
        self._rejections: Counter[tuple[str, str]] = Counter()

    def record_call(self, path: str) -> None:
        with self._lock:
            self._calls[path] += 1

    def record_rejection(self, path: str, code: str) -> None:
        with self._lock:
            self._rejections[(path, code)] += 1

    @property
    def calls(self) -> dict[str, int]:
        """Requests received per path (accepted or not); a snapshot."""
        with self._lock:
            return dict(self._calls)

    @property
    def rejections(self) -> dict[tuple[str, str], int]:
        """Rejected requests per (path, error code); a snapshot."""
        with self._lock:
            return dict(self._rejections)

    def calls_to(self, path: str) -> int:
        with self._lock:
            return self._calls[path]

    def rejected(self, path: str | None = None, code: str | None = None) -> int:
        """Rejections matching the path and/or code (None matches any)."""
        with self._lock:
            return sum(
                count
                for (p, c), count in self._rejections.items()
                if (path is None or p == path) and (code is None or c == code)
            )

    def reset(self) -> None:
        with self._lock:
            self._calls.clear()
            self._rejections.clear()
