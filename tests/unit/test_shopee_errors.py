"""Every documented error code maps to the right branch of our tree (§9)."""

from datetime import UTC, datetime

import pytest

from adsync.shopee.errors import (
    AuthExpiredError,
    AuthorizationEndedError,
    BadRequestError,
    QuotaExceededError,
    ShopeeServerError,
    ThrottledError,
    error_for,
)


@pytest.mark.parametrize(
    ("code", "message", "kind"),
    [
        ("invalid_acceess_token", "Invalid access_token, please have a check.", AuthExpiredError),
        ("invalid_access_token", "", AuthExpiredError),
        ("error_auth", "Invalid access_token.", AuthExpiredError),
        ("error_auth", "Invalid partner_id or shopid.", AuthorizationEndedError),
        ("error_auth", "Invalid refresh_token.", AuthorizationEndedError),
        ("error_auth", "No permission to current api.", BadRequestError),
        ("shop_access_expired", "", AuthorizationEndedError),
        ("refresh_token_expired", "", AuthorizationEndedError),
        ("error_shop_refresh_token", "", AuthorizationEndedError),
        ("shop_no_linked", "", AuthorizationEndedError),
        ("partner_shop_no_link", "", AuthorizationEndedError),
        ("shop_banned", "", AuthorizationEndedError),
        ("error_limit", "", QuotaExceededError),
        ("error_server", "", ShopeeServerError),
        ("error_network", "", ShopeeServerError),
        ("error_data", "", ShopeeServerError),
        ("error_param", "Invalid timestamp", BadRequestError),
        ("error_sign", "Wrong sign.", BadRequestError),
        ("ads.performance.error_date_in_future", "", BadRequestError),
        ("ads.shop.campaign_not_match", "", BadRequestError),
        ("ads.api.http_method_not_allowed", "", BadRequestError),
    ],
)
def test_code_maps_to_class(code: str, message: str, kind: type) -> None:
    error = error_for(code, message, endpoint="get_x", request_id="r1")
    assert type(error) is kind
    assert code in str(error) and "get_x" in str(error)


@pytest.mark.parametrize(
    ("code", "scope"),
    [
        ("ads.rate_limit.exceed_partner_api", "partner"),
        ("error_rate_limit", "partner"),
        ("ads.rate_limit.exceed_shop_api", "shop"),
        ("ads.rate_limit.exceed_api", "api"),
        ("ads.rate_limit.campaign_level", "api"),
    ],
)
def test_throttle_scopes(code: str, scope: str) -> None:
    error = error_for(code, "Too many requests")
    assert isinstance(error, ThrottledError)
    assert error.scope == scope


def test_daily_quota_resets_at_midnight_utc_plus_8() -> None:
    error = error_for("error_limit", "")
    assert isinstance(error, QuotaExceededError)
    # 17:00 UTC is 01:00 next day in UTC+8, so the reset is at 16:00 UTC the next day.
    now = datetime(2026, 11, 20, 17, 0, tzinfo=UTC)
    assert error.resets_at(now) == datetime(2026, 11, 21, 16, 0, tzinfo=UTC)
