"""Rate limits and the daily app quota (doc §5), on the simulator's clock.

Owns token buckets per partner, per shop and per API path, and the per-partner daily call
counter that resets at 00:00 UTC+8. Numbers are invented (Shopee publishes none), so all
are settings; the defaults switch throttling off. Buckets refill from the injected clock,
so a frozen clock makes throttling exactly reproducible. A call is admitted only if every
bucket has a token; a rejected call consumes nothing. Must not know about HTTP.
"""

import threading
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta

from local.simulator.errors import ApiError
from local.simulator.settings import SimulatorSettings

_QUOTA_TZ_OFFSET = timedelta(hours=8)


@dataclass(kw_only=True)
class _Bucket:
    rate: float  # tokens per second
    burst: int
    tokens: float
    updated_ts: float

    def refill(self, now_ts: float) -> None:
        elapsed = max(0.0, now_ts - self.updated_ts)
        self.tokens = min(float(self.burst), self.tokens + elapsed * self.rate)
        self.updated_ts = now_ts


class Throttle:
    def __init__(self, settings: SimulatorSettings) -> None:
        self._settings = settings
        self._lock = threading.Lock()
        self._buckets: dict[tuple[str, object], _Bucket] = {}
        # Per partner app: the UTC+8 day counted and the calls made in it.
        self._quota: dict[int, tuple[date, int]] = {}

    def admit(
        self, *, path: str, shop_id: int | None, now: datetime, partner_id: int | None = None
    ) -> None:
        """Raise the throttling error for this call, or count it as admitted. Each
        partner app has its own bucket and quota: one app's throttle never touches another."""
        s = self._settings
        app = s.app(s.partner_id if partner_id is None else partner_id) or s.apps()[0]
        now_ts = now.timestamp()
        with self._lock:
            checks = [
                ("partner", app.partner_id, app.rate, app.burst,
                 "ads.rate_limit.exceed_partner_api", "Too many requests from this partner."),
                ("shop", shop_id, s.shop_rate, s.shop_burst,
                 "ads.rate_limit.exceed_shop_api", "Too many requests for this shop."),
                ("api", path, s.api_rate, s.api_burst,
                 "ads.rate_limit.exceed_api", "Too many requests on this api."),
            ]  # fmt: skip
            buckets = []
            for scope, key, rate, burst, code, message in checks:
                if rate is None or key is None:
                    continue
                bucket = self._bucket(scope, key, rate, burst, now_ts)
                if bucket.tokens < 1.0:
                    raise ApiError(code, message)
                buckets.append(bucket)
            self._count_quota(app.partner_id, app.daily_quota, now)
            for bucket in buckets:
                bucket.tokens -= 1.0

    def set_partner_rate(self, rate: float | None) -> None:
        """A new per-partner rate from now on (benchmarks: a warm-up at another R);
        the partner bucket starts full at the new rate."""
        with self._lock:
            self._settings = replace(self._settings, partner_rate=rate)
            self._buckets = {k: b for k, b in self._buckets.items() if k[0] != "partner"}

    @property
    def quota_used(self) -> int:
        """Calls counted today against the daily quotas, all apps together."""
        with self._lock:
            return sum(used for _, used in self._quota.values())

    def _bucket(self, scope: str, key: object, rate: float, burst: int, now_ts: float) -> _Bucket:
        bucket = self._buckets.get((scope, key))
        if bucket is None:
            bucket = _Bucket(rate=rate, burst=burst, tokens=float(burst), updated_ts=now_ts)
            self._buckets[(scope, key)] = bucket
        bucket.refill(now_ts)
        return bucket

    def _count_quota(self, partner_id: int, quota: int | None, now: datetime) -> None:
        if quota is None:
            return
        quota_day = (now.astimezone(UTC) + _QUOTA_TZ_OFFSET).date()
        day, used = self._quota.get(partner_id, (quota_day, 0))
        if day != quota_day:
            used = 0
        if used >= quota:
            raise ApiError(
                "error_limit",
                "The app has reached its daily api call limit, it resets at 00:00 (UTC+8).",
            )
        self._quota[partner_id] = (quota_day, used + 1)
