"""The signed call: common parameters, one pooled session, transport retries, the envelope.

One `requests.Session` per process (connection pooling). Transport errors and HTTP
5xx are retried with jittered exponential backoff, re-signed per attempt; business
errors never are here: they surface as the exception tree in `errors.py` and the
caller decides. A call that must not run twice (`resend=False`: a single-use refresh
token) is resent only when it surely never left (no connection was made) or Shopee
answered with an error; a call that may have been applied without a reply raises
`ShopeeReplyLostError`. Tokens are sent, never logged or put in an exception: the foreign
exception's text holds the request URL (and so the token), so it is redacted and not
chained. Knows nothing of endpoints' shapes.
"""

import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import ConnectTimeoutError

from adsync.clock import Clock, utc_now
from adsync.config import PartnerCredentials
from adsync.shopee.errors import (
    ShopeeError,
    ShopeeReplyLostError,
    ShopeeServerError,
    ShopeeTransportError,
    error_for,
)
from adsync.shopee.signing import sign

DEFAULT_TIMEOUT = (3.05, 20.0)  # (connect, read) seconds
MIN_ATTEMPT_SECONDS = 1.0  # an attempt with less time than this left is not started

# Seconds the calls of the current step may still take (None: no limit). Set by the sync
# from the Lambda's remaining time, so that a step never outlasts its reserve.
_time_left: ContextVar[Callable[[], float] | None] = ContextVar("time_left", default=None)


@contextmanager
def time_limit(seconds_left: Callable[[], float]) -> Iterator[None]:
    """Calls made inside the block fit in `seconds_left()`: each attempt's timeouts are
    cut to it, and no attempt (or retry sleep) starts when too little is left."""
    token = _time_left.set(seconds_left)
    try:
        yield
    finally:
        _time_left.reset(token)


def _limited(timeout: tuple[float, float], left: float | None) -> tuple[float, float]:
    if left is None:
        return timeout
    connect = min(timeout[0], left / 2)
    return connect, max(0.1, min(timeout[1], left - connect))


_session: requests.Session | None = None


def shared_session(pool_size: int = 32) -> requests.Session:
    """The process-wide pooled session (one per Lambda container)."""
    global _session
    if _session is None:
        session = requests.Session()
        adapter = HTTPAdapter(pool_connections=4, pool_maxsize=pool_size, max_retries=0)
        session.mount("https://", adapter)
        session.mount("http://", adapter)
        _session = session
    return _session


@dataclass(frozen=True, kw_only=True)
class ShopAuth:
    """What a shop-level call needs: the shop and its current access token."""

    shop_id: int
    access_token: str = field(repr=False)


@dataclass(frozen=True, kw_only=True)
class RetryPolicy:
    """How transport errors and 5xx are retried: attempts and full-jitter backoff."""

    max_attempts: int = 3
    base_delay_seconds: float = 0.5
    max_delay_seconds: float = 8.0

    def delay(self, attempt: int) -> float:
        """Full jitter: uniform in [0, min(cap, base * 2**attempt)]."""
        return random.uniform(0, min(self.max_delay_seconds, self.base_delay_seconds * 2**attempt))


DEFAULT_RETRY = RetryPolicy()


def _never_sent(exc: requests.RequestException) -> bool:
    """True when no connection was made, so the request cannot have reached Shopee."""
    if isinstance(exc, requests.ConnectTimeout):
        return True
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    return isinstance(reason, ConnectTimeoutError)  # NewConnectionError included


def redact(text: str, secrets: list[str]) -> str:
    """`text` with every secret (token, signature) replaced by `***`."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return text


class Transport:
    """Sends one signed request and returns the reply's JSON object, or raises."""

    def __init__(
        self,
        *,
        base_url: str,
        credentials: PartnerCredentials,
        session: requests.Session | None = None,
        clock: Clock = utc_now,
        timeout: tuple[float, float] = DEFAULT_TIMEOUT,
        retry: RetryPolicy = DEFAULT_RETRY,
        sleep: Callable[[float], None] = time.sleep,
        on_call: Callable[[str], None] | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.credentials = credentials
        self._session = session or shared_session()
        self._clock = clock
        self._timeout = timeout
        self._retry = retry
        self._sleep = sleep
        self._on_call = on_call

    def call(
        self,
        method: str,
        path: str,
        *,
        auth: ShopAuth | None = None,
        params: dict[str, Any] | None = None,
        body: dict[str, Any] | None = None,
        resend: bool = True,
    ) -> dict[str, Any]:
        """Send one signed request (re-signed per attempt) and return the parsed JSON.

        `resend=False`: never send it again once it may have reached Shopee."""
        endpoint = path.removeprefix("/api/v2/ads/").removeprefix("/api/v2/")
        limit = _time_left.get()
        for attempt in range(self._retry.max_attempts):
            left = limit() if limit is not None else None
            if left is not None and left < MIN_ATTEMPT_SECONDS:
                raise ShopeeTransportError(
                    f"no time left for attempt {attempt + 1} in this Lambda", endpoint=endpoint
                )
            last = attempt == self._retry.max_attempts - 1
            if self._on_call:
                self._on_call(endpoint)
            common = self.common_params(path, auth)
            try:
                response = self._session.request(
                    method,
                    self.base_url + path,
                    params={**common, **(params or {})},
                    json=body,
                    timeout=_limited(self._timeout, left),
                )
            except (requests.ConnectionError, requests.Timeout) as exc:
                maybe_applied = not resend and not _never_sent(exc)
                if last or maybe_applied:
                    secrets = [str(common.get("access_token") or ""), str(common["sign"])]
                    detail = redact(str(exc), secrets)
                    error = ShopeeReplyLostError if maybe_applied else ShopeeTransportError
                    # Not chained: the original exception's text carries the token.
                    raise error(
                        f"{type(exc).__name__} after {attempt + 1} attempts ({detail})",
                        endpoint=endpoint,
                    ) from None
                self._pause(attempt, limit)
                continue
            payload = self._json(response, endpoint)
            code = str(payload.get("error") or "") if payload is not None else ""
            if response.status_code >= 500 and not code and not resend:
                # A proxy's 5xx: whether Shopee applied the call is unknown.
                raise ShopeeReplyLostError(
                    f"HTTP {response.status_code} without a Shopee answer", endpoint=endpoint
                )
            if response.status_code >= 500 and not last:
                self._pause(attempt, limit)
                continue
            if payload is None or (response.status_code >= 500 and not code):
                raise ShopeeServerError(
                    f"HTTP {response.status_code} without a Shopee error body", endpoint=endpoint
                )
            if code:
                raise error_for(
                    code,
                    str(payload.get("message") or ""),
                    endpoint=endpoint,
                    request_id=str(payload.get("request_id") or ""),
                )
            return payload
        raise AssertionError("unreachable: the loop returns or raises")

    def _pause(self, attempt: int, limit: Callable[[], float] | None) -> None:
        """The back-off before a retry, never longer than the time left."""
        delay = self._retry.delay(attempt)
        if limit is not None:
            delay = min(delay, max(0.0, limit() - MIN_ATTEMPT_SECONDS))
        self._sleep(delay)

    def common_params(self, path: str, auth: ShopAuth | None) -> dict[str, Any]:
        """partner_id, timestamp and sign (+ access_token and shop_id for shop APIs)."""
        timestamp = int(self._clock().timestamp())
        creds = self.credentials
        params: dict[str, Any] = {"partner_id": creds.partner_id, "timestamp": timestamp}
        if auth is None:
            params["sign"] = sign(
                partner_key=creds.partner_key,
                partner_id=creds.partner_id,
                path=path,
                timestamp=timestamp,
            )
        else:
            params["sign"] = sign(
                partner_key=creds.partner_key,
                partner_id=creds.partner_id,
                path=path,
                timestamp=timestamp,
                access_token=auth.access_token,
                shop_id=auth.shop_id,
            )
            params["access_token"] = auth.access_token
            params["shop_id"] = auth.shop_id
        return params

    @staticmethod
    def _json(response: requests.Response, endpoint: str) -> dict[str, Any] | None:
        # Shopee's HTTP status is not reliable; the body decides (§4).
        try:
            payload = response.json()
        except ValueError:
            if response.status_code >= 500:
                return None
            raise ShopeeError(
                f"HTTP {response.status_code} with a non-JSON body", endpoint=endpoint
            ) from None
        if not isinstance(payload, dict):
            raise ShopeeError("reply is not a JSON object", endpoint=endpoint)
        return payload
