"""The route table: path -> verb, API type and handler.

Handlers take a `Call` and return the payload (`response` for ads endpoints, top-level
fields for the auth endpoints) or raise `ApiError`. Must not check signatures or tokens:
the gateway has done that before a handler runs.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from local.simulator.backend import Call
from local.simulator.endpoints import account, auth, campaigns, gms, performance

ADS = "/api/v2/ads/"


@dataclass(frozen=True, kw_only=True)
class Route:
    method: str  # "GET" | "POST"
    is_public: bool  # public (auth) APIs: no token, no shop, fields at top level
    handler: Callable[[Call], Any]
    redirects: bool = False  # the handler returns a URL to redirect the browser to
    top_level: bool = False  # a shop API whose fields sit at the top level (get_shop_info)


ROUTES: dict[str, Route] = {
    "/api/v2/shop/auth_partner": Route(
        method="GET", is_public=True, handler=auth.authorize_partner, redirects=True
    ),
    "/api/v2/auth/token/get": Route(method="POST", is_public=True, handler=auth.get_token),
    "/api/v2/auth/access_token/get": Route(
        method="POST", is_public=True, handler=auth.refresh_token
    ),
    "/api/v2/shop/get_shop_info": Route(
        method="GET", is_public=False, handler=auth.shop_info, top_level=True
    ),
    ADS + "get_total_balance": Route(method="GET", is_public=False, handler=account.total_balance),
    ADS + "get_shop_toggle_info": Route(
        method="GET", is_public=False, handler=account.shop_toggle_info
    ),
    ADS + "get_product_level_campaign_id_list": Route(
        method="GET", is_public=False, handler=campaigns.campaign_id_list
    ),
    ADS + "get_product_level_campaign_setting_info": Route(
        method="GET", is_public=False, handler=campaigns.campaign_setting_info
    ),
    ADS + "get_product_campaign_daily_performance": Route(
        method="GET", is_public=False, handler=performance.product_daily
    ),
    ADS + "get_product_campaign_hourly_performance": Route(
        method="GET", is_public=False, handler=performance.product_hourly
    ),
    ADS + "get_all_cpc_ads_daily_performance": Route(
        method="GET", is_public=False, handler=performance.shop_daily
    ),
    ADS + "get_all_cpc_ads_hourly_performance": Route(
        method="GET", is_public=False, handler=performance.shop_hourly
    ),
    ADS + "get_gms_campaign_performance": Route(
        method="POST", is_public=False, handler=gms.campaign_performance
    ),
    ADS + "get_gms_item_performance": Route(
        method="POST", is_public=False, handler=gms.item_performance
    ),
    ADS + "list_gms_user_deleted_item": Route(
        method="POST", is_public=False, handler=gms.deleted_item_list
    ),
}
