"""The HTTP client: signs, sends, retries transport failures, parses, translates errors.

One `requests.Session` per process (connection pooling). Transport errors and HTTP
5xx are retried with jittered exponential backoff; business errors never are here:
they surface as the exception tree in `errors.py` and the caller decides. Tokens
are sent, never logged or put in an exception.
"""

import random
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import requests
from requests.adapters import HTTPAdapter

from adsync.clock import Clock, utc_now
from adsync.config import PartnerCredentials
from adsync.shopee.errors import (
    BadRequestError,
    ShopeeError,
    ShopeeServerError,
    ShopeeTransportError,
    error_for,
)
from adsync.shopee.models import CampaignDailyMetrics, CampaignRef, TokenGrant
from adsync.shopee.signing import sign

MAX_IDS_PER_CALL = 100
MAX_DAYS_PER_CALL = 30
ID_LIST_PAGE_SIZE = 5000
DATE_FORMAT = "%d-%m-%Y"

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
    max_attempts: int = 3
    base_delay_seconds: float = 0.5
    max_delay_seconds: float = 8.0

    def delay(self, attempt: int) -> float:
        """Full jitter: uniform in [0, min(cap, base * 2**attempt)]."""
        return random.uniform(0, min(self.max_delay_seconds, self.base_delay_seconds * 2**attempt))


def format_date(day: date) -> str:
    return day.strftime(DATE_FORMAT)


def parse_date(text: str) -> date:
    try:
        day, month, year = (int(p) for p in text.split("-"))
        return date(year, month, day)
    except (AttributeError, ValueError) as exc:
        raise BadRequestError(f"unexpected date {text!r} in Shopee reply") from exc


def chunks(ids: Sequence[int], size: int = MAX_IDS_PER_CALL) -> Iterator[list[int]]:
    for start in range(0, len(ids), size):
        yield list(ids[start : start + size])


class ShopeeClient:
    def __init__(
        self,
        *,
        base_url: str,
        credentials: PartnerCredentials,
        session: requests.Session | None = None,
        clock: Clock = utc_now,
        timeout: tuple[float, float] = (3.05, 20.0),
        retry: RetryPolicy = RetryPolicy(),
        sleep: Callable[[float], None] = time.sleep,
        on_call: Callable[[str], None] | None = None,
    ) -> None:
        self._base_url = base_url.rstrip("/")
        self._credentials = credentials
        self._session = session or shared_session()
        self._clock = clock
        self._timeout = timeout
        self._retry = retry
        self._sleep = sleep
        self._on_call = on_call

    # -- transport -------------------------------------------------------------------

    def _call(
        self,
        method: str,
        path: str,
        *,
        auth: ShopAuth | None = None,
        params: dict[str, Any] | None = None,
        body: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Send one signed request (re-signed per attempt) and return the parsed JSON."""
        endpoint = path.rsplit("/", 1)[-1]
        for attempt in range(self._retry.max_attempts):
            last = attempt == self._retry.max_attempts - 1
            if self._on_call:
                self._on_call(endpoint)
            try:
                response = self._session.request(
                    method,
                    self._base_url + path,
                    params={**self._common_params(path, auth), **(params or {})},
                    json=body,
                    timeout=self._timeout,
                )
            except (requests.ConnectionError, requests.Timeout) as exc:
                if last:
                    raise ShopeeTransportError(
                        f"{type(exc).__name__} after {attempt + 1} attempts", endpoint=endpoint
                    ) from exc
                self._sleep(self._retry.delay(attempt))
                continue
            payload = self._json(response, endpoint)
            if response.status_code >= 500 and not last:
                self._sleep(self._retry.delay(attempt))
                continue
            code = str(payload.get("error") or "") if payload is not None else ""
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

    def _common_params(self, path: str, auth: ShopAuth | None) -> dict[str, Any]:
        timestamp = int(self._clock().timestamp())
        creds = self._credentials
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

    # -- auth (public APIs) ----------------------------------------------------------

    def authorization_url(self, redirect_url: str) -> str:
        """The link a seller opens to authorize this app (valid 5 minutes)."""
        path = "/api/v2/shop/auth_partner"
        request = requests.Request(
            "GET",
            self._base_url + path,
            params={**self._common_params(path, None), "redirect": redirect_url},
        ).prepare()
        return str(request.url)

    def exchange_code(self, *, code: str, shop_id: int) -> TokenGrant:
        """Trade the single-use code from the seller's redirect for a token pair."""
        body = {"code": code, "shop_id": shop_id, "partner_id": self._credentials.partner_id}
        payload = self._call("POST", "/api/v2/auth/token/get", body=body)
        return self._grant(payload, shop_id)

    def refresh_access_token(self, *, refresh_token: str, shop_id: int) -> TokenGrant:
        """Spend a single-use refresh token for a new pair (store it before using it)."""
        body = {
            "refresh_token": refresh_token,
            "shop_id": shop_id,
            "partner_id": self._credentials.partner_id,
        }
        payload = self._call("POST", "/api/v2/auth/access_token/get", body=body)
        return self._grant(payload, shop_id)

    @staticmethod
    def _grant(payload: dict[str, Any], shop_id: int) -> TokenGrant:
        try:
            return TokenGrant(
                shop_id=int(payload.get("shop_id") or shop_id),
                access_token=str(payload["access_token"]),
                refresh_token=str(payload["refresh_token"]),
                expire_in_seconds=int(payload["expire_in"]),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ShopeeError("token reply lacks access_token/refresh_token/expire_in") from exc

    # -- ads (shop APIs) -------------------------------------------------------------

    def get_campaign_ids(
        self, auth: ShopAuth, *, page_size: int = ID_LIST_PAGE_SIZE
    ) -> list[CampaignRef]:
        """Every product-level campaign id of the shop, paging until has_next_page is false."""
        refs: list[CampaignRef] = []
        offset = 0
        while True:
            payload = self._call(
                "GET",
                "/api/v2/ads/get_product_level_campaign_id_list",
                auth=auth,
                params={"ad_type": "all", "offset": offset, "limit": page_size},
            )
            response = payload.get("response") or {}
            page = response.get("campaign_list") or []
            refs.extend(
                CampaignRef(campaign_id=int(c["campaign_id"]), ad_type=str(c.get("ad_type", "")))
                for c in page
            )
            if not response.get("has_next_page") or not page:
                return refs
            offset += len(page)

    def get_campaign_daily_performance(
        self, auth: ShopAuth, *, campaign_ids: Sequence[int], start: date, end: date
    ) -> list[CampaignDailyMetrics]:
        """Daily metrics of the given campaigns for every day in [start, end].

        Ids go 100 per call and spans 30 days per call. Shopee rejects start == end on
        this endpoint, so a one-day window asks from the day before and drops it.
        """
        results: list[CampaignDailyMetrics] = []
        for window_start, window_end in self._windows(start, end):
            ask_start = window_start
            if window_start == window_end:
                ask_start = window_start - timedelta(days=1)
            for batch in chunks(campaign_ids):
                payload = self._call(
                    "GET",
                    "/api/v2/ads/get_product_campaign_daily_performance",
                    auth=auth,
                    params={
                        "start_date": format_date(ask_start),
                        "end_date": format_date(window_end),
                        "campaign_id_list": ",".join(str(i) for i in batch),
                    },
                )
                for metrics in self._daily_rows(payload.get("response")):
                    if window_start <= metrics.performance_date <= window_end:
                        results.append(metrics)
        return results

    @staticmethod
    def _windows(start: date, end: date) -> Iterator[tuple[date, date]]:
        if start > end:
            raise ValueError(f"start {start} is after end {end}")
        cursor = start
        while cursor <= end:
            window_end = min(end, cursor + timedelta(days=MAX_DAYS_PER_CALL - 1))
            yield cursor, window_end
            cursor = window_end + timedelta(days=1)

    @staticmethod
    def _daily_rows(response: Any) -> Iterator[CampaignDailyMetrics]:
        # Documented as an array of shop blocks; some replies are one object (§6.7).
        blocks = response if isinstance(response, list) else [response or {}]
        for block in blocks:
            for campaign in block.get("campaign_list") or []:
                campaign_id = int(campaign["campaign_id"])
                for raw in campaign.get("metrics_list") or []:
                    yield CampaignDailyMetrics.from_api(
                        campaign_id=campaign_id,
                        performance_date=parse_date(raw.get("date", "")),
                        raw=raw,
                    )
