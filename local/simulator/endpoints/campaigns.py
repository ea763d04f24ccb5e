"""Campaign listing and settings: get_product_level_campaign_id_list (doc §6.5) and
get_product_level_campaign_setting_info (doc §6.6).

Must not compute metrics.
"""

from typing import Any

from local.simulator.backend import Call
from local.simulator.campaign import Campaign
from local.simulator.endpoints import params
from local.simulator.errors import ApiError, param_error

_AD_TYPES = {"": None, "all": None, "auto": "auto", "manual": "manual"}
_INFO_TYPES = {
    1: "common_info",
    2: "manual_bidding_info",
    3: "auto_bidding_info",
    4: "auto_product_ads_info",
}


def campaign_id_list(call: Call) -> dict[str, Any]:
    settings = call.backend.settings
    shop = call.shop_spec
    ad_type_text = params.text(call.params, "ad_type", required=False) or ""
    if ad_type_text not in _AD_TYPES:
        raise param_error("Invalid ad_type, should be one of: all, auto, manual.")
    ad_type = _AD_TYPES[ad_type_text]
    offset = params.integer(call.params, "offset", default=0)
    limit = params.integer(call.params, "limit", default=settings.id_list_default_limit)
    if offset < 0 or limit <= 0:
        raise param_error("offset must be >= 0 and limit > 0.")
    limit = min(limit, settings.id_list_max_limit)
    campaigns = [
        c
        for c in call.backend.reports.listed_campaigns(shop, call.now)
        if ad_type is None or c.ad_type == ad_type
    ]
    page = campaigns[offset : offset + limit]
    return {
        "shop_id": shop.shop_id,
        "region": shop.region,
        "has_next_page": offset + limit < len(campaigns),
        "campaign_list": [{"ad_type": c.ad_type, "campaign_id": c.campaign_id} for c in page],
    }


def campaign_setting_info(call: Call) -> dict[str, Any]:
    shop = call.shop_spec
    info_types = params.id_list(call.params, "info_type_list", max_count=len(_INFO_TYPES))
    if any(info_type not in _INFO_TYPES for info_type in info_types):
        raise param_error("Invalid info_type_list, should be within 1,2,3,4.")
    campaigns = shop_campaigns(call)
    now_ts = int(call.now.timestamp())
    return {
        "shop_id": shop.shop_id,
        "region": shop.region,
        "campaign_list": [_setting_info(c, info_types, now_ts) for c in campaigns],
    }


def shop_campaigns(call: Call) -> list[Campaign]:
    """The campaigns named by campaign_id_list; any foreign id -> ads.shop.campaign_not_match.

    A deleted campaign is still the shop's: it is gone from the id list (§6.5), but
    setting info reports it with status `deleted` (§6.6 lists the status) and the
    performance endpoints keep serving its rows, late-attributed orders included."""
    backend = call.backend
    ids = params.id_list(
        call.params, "campaign_id_list", max_count=backend.settings.max_campaign_ids
    )
    index = backend.world.campaign_index(call.shop_spec.shop_id)
    foreign = [campaign_id for campaign_id in ids if campaign_id not in index]
    if foreign:
        raise ApiError(
            "ads.shop.campaign_not_match",
            f"Campaign id {foreign[0]} does not match the shop.",
        )
    return [index[campaign_id] for campaign_id in ids]


def _setting_info(campaign: Campaign, info_types: list[int], now_ts: int) -> dict[str, Any]:
    entry: dict[str, Any] = {"campaign_id": campaign.campaign_id}
    for info_type in info_types:
        block = _INFO_TYPES[info_type]
        if block == "common_info":
            entry[block] = _common_info(campaign, now_ts)
        elif block == "manual_bidding_info":
            entry[block] = _manual_bidding_info(campaign)
        elif block == "auto_bidding_info":
            entry[block] = {"roas_target": campaign.roas_target}
        else:
            entry[block] = _auto_product_ads_info(campaign, now_ts)
    return entry


def _common_info(campaign: Campaign, now_ts: int) -> dict[str, Any]:
    return {
        "ad_type": campaign.ad_type,
        "ad_name": campaign.ad_name,
        "campaign_status": campaign.status_at(now_ts),
        "bidding_method": campaign.bidding_method,
        "campaign_placement": campaign.placement,
        "campaign_budget": campaign.budget,
        "campaign_duration": {"start_time": campaign.start_ts, "end_time": campaign.end_ts},
        "item_id_list": list(campaign.item_ids),
    }


def _manual_bidding_info(campaign: Campaign) -> dict[str, Any]:
    if campaign.ad_type != "manual" or campaign.bidding_method != "manual":
        return {"enhanced_cpc": False, "selected_keywords": [], "discovery_ads_locations": []}
    bid = round(campaign.cost_per_click, 2)
    keywords = [
        {"keyword": word, "status": "normal", "match_type": match, "bid_price_per_click": bid}
        for word, match in zip(campaign.ad_name.lower().split(), ("exact", "broad"), strict=False)
    ]
    locations = [
        {"location": location, "status": "normal", "bid_price": bid}
        for location in ("daily_discover", "you_may_also_like")
        if campaign.placement in ("discovery", "all")
    ]
    return {
        "enhanced_cpc": campaign.enhanced_cpc,
        "selected_keywords": keywords,
        "discovery_ads_locations": locations,
    }


def _auto_product_ads_info(campaign: Campaign, now_ts: int) -> list[dict[str, Any]]:
    if campaign.ad_type != "auto":
        return []
    status = campaign.status_at(now_ts)
    item_status = status if status in ("ongoing", "paused", "ended") else "unavailable"
    return [
        {"product_name": f"Item {item_id % 10_000}", "status": item_status, "item_id": item_id}
        for item_id in campaign.item_ids
    ]
