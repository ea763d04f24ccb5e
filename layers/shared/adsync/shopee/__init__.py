"""Shopee Open Platform v2 client for the Ads endpoints (shopee-ads-api.md).

It knows signing, the envelope, the error codes and the shapes of the results. It
knows nothing of jobs, queues or the database.

    transport.py          signed call, pooled session, transport retries
    ads.py, gms.py        endpoint methods (mixed into ShopeeClient)
    client.py             ShopeeClient and the auth calls
    models.py             metric rows; campaign_settings.py: campaign settings
    dates.py, signing.py, errors.py
"""

from adsync.shopee.campaign_settings import (
    AutoBiddingInfo,
    AutoProductAd,
    CampaignDuration,
    CampaignSetting,
    CommonInfo,
    DiscoveryAdsLocation,
    ManualBiddingInfo,
    SelectedKeyword,
)
from adsync.shopee.client import ShopeeClient
from adsync.shopee.errors import (
    AuthExpiredError,
    AuthorizationEndedError,
    BadRequestError,
    QuotaExceededError,
    ShopeeError,
    ShopeeReplyLostError,
    ShopeeServerError,
    ShopeeTransportError,
    ShopStateError,
    ThrottledError,
)
from adsync.shopee.models import (
    CampaignDailyMetrics,
    CampaignHourlyMetrics,
    CampaignRef,
    GmsCampaignMetrics,
    GmsDeletedItems,
    GmsItemMetrics,
    MainAccountGrant,
    ProductMetrics,
    ShopDailyMetrics,
    ShopHourlyMetrics,
    ShopInfo,
    ShopMetrics,
    TokenGrant,
)
from adsync.shopee.signing import sign
from adsync.shopee.transport import RetryPolicy, ShopAuth

__all__ = [
    "AuthExpiredError",
    "AuthorizationEndedError",
    "AutoBiddingInfo",
    "AutoProductAd",
    "BadRequestError",
    "CampaignDailyMetrics",
    "CampaignDuration",
    "CampaignHourlyMetrics",
    "CampaignRef",
    "CampaignSetting",
    "CommonInfo",
    "DiscoveryAdsLocation",
    "GmsCampaignMetrics",
    "GmsDeletedItems",
    "GmsItemMetrics",
    "MainAccountGrant",
    "ManualBiddingInfo",
    "ProductMetrics",
    "QuotaExceededError",
    "RetryPolicy",
    "SelectedKeyword",
    "ShopAuth",
    "ShopDailyMetrics",
    "ShopHourlyMetrics",
    "ShopInfo",
    "ShopMetrics",
    "ShopStateError",
    "ShopeeClient",
    "ShopeeError",
    "ShopeeReplyLostError",
    "ShopeeServerError",
    "ShopeeTransportError",
    "ThrottledError",
    "TokenGrant",
    "sign",
]
