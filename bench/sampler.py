"""The cycle benchmark's sampler: every quarter second, the calls Shopee accepted (the
simulator's counters) and the sessions our app holds on the server; from them, the
calls per second at steady state. Reads only: it drives nothing of the cycle."""

import threading
import time

from bench.stack import PgStack


class Sampler:
    """Every SAMPLE_SECONDS: accepted calls (the simulator) and our server sessions."""

    SAMPLE_SECONDS = 0.25

    def __init__(self, stack: PgStack) -> None:
        self._stack = stack
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="bench-sampler", daemon=True)
        self.samples: list[tuple[float, int]] = []
        self.sessions_peak = 0

    def __enter__(self) -> "Sampler":
        self._db = self._stack.database()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self._db.close()

    def _loop(self) -> None:
        counters = self._stack.simulator.counters
        while not self._stop.is_set():
            accepted = sum(counters.calls.values()) - counters.rejected()
            self.samples.append((time.monotonic(), accepted))
            row = self._db.one(
                "SELECT count(*) AS n FROM pg_stat_activity"
                " WHERE datname = current_database() AND application_name = 'shopee-ads-sync'"
            )
            self.sessions_peak = max(self.sessions_peak, int(row["n"]) if row else 0)
            self._stop.wait(self.SAMPLE_SECONDS)

    def steady_rate(self) -> float:
        """Calls per second between the samples where 10 % and 90 % of them were done."""
        if not self.samples:
            return 0.0
        total = self.samples[-1][1]
        low = next((s for s in self.samples if s[1] >= 0.1 * total), None)
        high = next((s for s in self.samples if s[1] >= 0.9 * total), None)
        if low is None or high is None or high[0] <= low[0]:
            return 0.0
        return (high[1] - low[1]) / (high[0] - low[0])
