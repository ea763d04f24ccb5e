"""Shopee errors, translated from HTTP and the reply's `error` field (§9).

    ShopeeError                    (an AdsSyncError)
    ├── ShopeeTransportError       connect/read timeout, dropped connection (retried)
    │   └── ShopeeReplyLostError   a call that must not be resent got no reply: it may
    │                              have been applied (a token refresh)
    ├── ShopeeServerError          HTTP 5xx, error_server/error_network/error_data
    ├── AuthExpiredError           invalid_acceess_token, error_auth on the token
    ├── AuthorizationEndedError    the seller must authorize the app again
    ├── ThrottledError             ads.rate_limit.*, error_rate_limit (scope: partner/shop/api)
    ├── QuotaExceededError         error_limit: the app's daily quota, resets 00:00 UTC+8
    └── BadRequestError            everything else: our request is wrong, retrying won't help
        └── ShopStateError         the shop's own state refuses the report (GMS not
                                   whitelisted, no GMS campaign, holiday mode...): a
                                   state to record, not a failure

Messages carry the endpoint, the code and Shopee's text, never a token.
"""

from datetime import datetime, timedelta, timezone

from adsync.errors import AdsSyncError

_QUOTA_TZ = timezone(timedelta(hours=8))


class ShopeeError(AdsSyncError):
    """Shopee refused the call."""

    def __init__(
        self,
        message: str | None = None,
        *,
        code: str = "",
        endpoint: str = "",
        request_id: str = "",
    ) -> None:
        self.code = code
        self.endpoint = endpoint
        self.request_id = request_id
        text = message or (type(self).__doc__ or "").strip()
        where = f"{endpoint}: " if endpoint else ""
        coded = f"{code}: " if code else ""
        rid = f" (request_id {request_id})" if request_id else ""
        super().__init__(f"{where}{coded}{text}{rid}")


class ShopeeTransportError(ShopeeError):
    """Shopee could not be reached (timeout or dropped connection)."""


class ShopeeReplyLostError(ShopeeTransportError):
    """The call got no reply and was not resent: Shopee may or may not have applied it."""


class ShopeeServerError(ShopeeError):
    """Shopee failed on its side."""


class AuthExpiredError(ShopeeError):
    """The access token is expired or invalid; refresh it and retry once."""


class AuthorizationEndedError(ShopeeError):
    """The shop's authorization ended; the seller must authorize the app again."""


class ThrottledError(ShopeeError):
    """Shopee throttled the call."""

    def __init__(
        self,
        message: str | None = None,
        *,
        scope: str = "api",
        retry_after: timedelta | None = None,
        **kwargs: str,
    ) -> None:
        self.scope = scope  # "partner", "shop" or "api"
        self.retry_after = retry_after  # known when our own budget says so
        super().__init__(message, **kwargs)


class QuotaExceededError(ShopeeError):
    """The app's daily API quota is spent; it resets at 00:00 UTC+8."""

    def resets_at(self, now: datetime) -> datetime:
        """When the daily quota comes back: the next 00:00 UTC+8, in `now`'s zone."""
        local = now.astimezone(_QUOTA_TZ)
        midnight = local.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)
        return midnight.astimezone(now.tzinfo)


class BadRequestError(ShopeeError):
    """Shopee rejected the request as wrong."""


class ShopStateError(BadRequestError):
    """The shop's state on Shopee's side refuses this report (§9: record the state)."""


# §6.9/§9: GMS codes that describe the shop, not our request.
SHOP_STATE_CODES = frozenset(
    {
        "ads_error_not_whitelisted_for_product_gms",
        "ads_error_product_gms_campaign_not_found",
        "ads.ads_account.invalid_status",
        "ads.shop.in_holiday_mode",
        "ads.shop.status_not_normal",
    }
)


_THROTTLE_SCOPES = {
    "ads.rate_limit.exceed_partner_api": "partner",
    "error_rate_limit": "partner",
    "ads.rate_limit.exceed_shop_api": "shop",
    "ads.rate_limit.exceed_api": "api",
    "ads.rate_limit.campaign_level": "api",
}
_AUTH_EXPIRED = {"invalid_acceess_token", "invalid_access_token"}
_AUTHORIZATION_ENDED = {
    "shop_access_expired",
    "refresh_token_expired",
    "error_shop_refresh_token",
    "shop_no_linked",
    "partner_shop_no_link",
    "shop_banned",
}
_SERVER = {"error_server", "error_network", "error_data", "error_inner", "error_busy"}


def error_for(code: str, message: str, *, endpoint: str = "", request_id: str = "") -> ShopeeError:
    """Map a reply's `error` code (and, for error_auth, its text) to our tree."""
    kwargs = {"code": code, "endpoint": endpoint, "request_id": request_id}
    text = message or None
    if code in _THROTTLE_SCOPES:
        return ThrottledError(
            text,
            scope=_THROTTLE_SCOPES[code],
            code=code,
            endpoint=endpoint,
            request_id=request_id,
        )
    if code == "error_limit":
        return QuotaExceededError(text, **kwargs)
    if code in _AUTH_EXPIRED:
        return AuthExpiredError(text, **kwargs)
    if code in _AUTHORIZATION_ENDED:
        return AuthorizationEndedError(text, **kwargs)
    if code == "error_auth":
        lowered = (message or "").lower()
        if "shopid" in lowered or "shop_id" in lowered or "refresh_token" in lowered:
            return AuthorizationEndedError(text, **kwargs)
        if "access_token" in lowered or not lowered:
            return AuthExpiredError(text, **kwargs)
        return BadRequestError(text, **kwargs)
    if code in _SERVER:
        return ShopeeServerError(text, **kwargs)
    if code in SHOP_STATE_CODES:
        return ShopStateError(text, **kwargs)
    return BadRequestError(text, **kwargs)
