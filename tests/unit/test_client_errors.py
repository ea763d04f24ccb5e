"""The whole §9 catalogue maps to the branch of our tree its client action needs
(test_shopee_errors.py covers the common codes; this adds the rest)."""

import pytest

from adsync.shopee.errors import (
    AuthExpiredError,
    AuthorizationEndedError,
    BadRequestError,
    ShopeeError,
    ShopeeServerError,
    ShopStateError,
    error_for,
)


@pytest.mark.parametrize(
    ("code", "message", "kind"),
    [
        # token: refresh once under the lock, retry once
        ("error_auth", "", AuthExpiredError),
        # authorization over: mark the shop needs_reauth
        ("error_auth", "Invalid refresh_token.", AuthorizationEndedError),
        ("error_auth", "Invalid partner_id or shop_id.", AuthorizationEndedError),
        # app identity / permission / environment: alert, never retry
        ("error_auth", "partner_id is invalid", BadRequestError),
        ("invalid_partner_id", "", BadRequestError),
        ("error_api_permission", "", BadRequestError),
        ("error_api_call_restricted", "", BadRequestError),
        ("error_permission_denied", "", BadRequestError),
        ("source_ip_undeclared", "", BadRequestError),
        ("error_partner_key_expired", "", BadRequestError),
        ("api_suspended", "", BadRequestError),
        # our request is wrong
        ("error_query_limit_max", "", BadRequestError),
        ("error_not_found", "", BadRequestError),
        ("ads.performance.error_date_too_old", "", BadRequestError),
        ("ads.performance.error_date_range_too_long", "", BadRequestError),
        ("ads.performance.error_start_later_than_end", "", BadRequestError),
        ("ads.performance.error_same_start_end_dates", "", BadRequestError),
        ("invalid_code", "Invalid code", BadRequestError),
        # shop state (GMS)
        ("ads_error_not_whitelisted_for_product_gms", "", ShopStateError),
        ("ads_error_product_gms_campaign_not_found", "", ShopStateError),
        ("ads.ads_account.invalid_status", "", ShopStateError),
        ("ads.shop.in_holiday_mode", "", ShopStateError),
        ("ads.shop.status_not_normal", "", ShopStateError),
        # Shopee-side failures: backoff retry
        ("error_inner", "", ShopeeServerError),
        ("error_busy", "", ShopeeServerError),
    ],
)
def test_catalogue_code_maps_to_class(code: str, message: str, kind: type[ShopeeError]) -> None:
    error = error_for(code, message, endpoint="get_y")
    assert type(error) is kind
    assert error.code == code
    assert str(error).startswith(f"get_y: {code}: ")


def test_the_docstring_is_the_default_message() -> None:
    error = error_for("shop_access_expired", "")
    assert str(error) == (
        "shop_access_expired: The shop's authorization ended; "
        "the seller must authorize the app again."
    )
