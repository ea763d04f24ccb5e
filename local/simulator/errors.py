"""The business errors the simulated gateway answers with (doc §9).

Endpoints raise `ApiError(code, message)`; the gateway turns it into the envelope and
picks the HTTP status (200 for business errors, a setting for throttling/quota and
server faults). Codes keep Shopee's spelling, including `invalid_acceess_token`.
"""

THROTTLE_CODES = frozenset(
    {
        "ads.rate_limit.exceed_partner_api",
        "ads.rate_limit.exceed_shop_api",
        "ads.rate_limit.exceed_api",
        "ads.rate_limit.campaign_level",
        "error_rate_limit",
        "error_limit",
    }
)
SERVER_CODES = frozenset({"error_server", "error_network", "error_data"})


class ApiError(Exception):
    """The request was rejected with a Shopee error code."""

    def __init__(self, code: str, message: str = "") -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


def param_error(message: str) -> ApiError:
    return ApiError("error_param", message)
