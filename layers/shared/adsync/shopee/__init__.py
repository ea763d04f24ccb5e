"""Shopee Open Platform v2 client for the Ads endpoints (shopee-ads-api.md).

It knows signing, the envelope, the error codes and the shapes of the results. It
knows nothing of jobs, queues or the database.
"""

from adsync.shopee.client import ShopAuth, ShopeeClient
from adsync.shopee.errors import (
    AuthExpiredError,
    AuthorizationEndedError,
    BadRequestError,
    QuotaExceededError,
    ShopeeError,
    ShopeeServerError,
    ShopeeTransportError,
    ThrottledError,
)
from adsync.shopee.models import CampaignDailyMetrics, CampaignRef, TokenGrant
from adsync.shopee.signing import sign

__all__ = [
    "AuthExpiredError",
    "AuthorizationEndedError",
    "BadRequestError",
    "CampaignDailyMetrics",
    "CampaignRef",
    "QuotaExceededError",
    "ShopAuth",
    "ShopeeClient",
    "ShopeeError",
    "ShopeeServerError",
    "ShopeeTransportError",
    "ThrottledError",
    "TokenGrant",
    "sign",
]
