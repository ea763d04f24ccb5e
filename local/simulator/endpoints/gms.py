"""The Product GMS report endpoints (POST, JSON body): get_gms_campaign_performance,
get_gms_item_performance and list_gms_user_deleted_item (doc §6.9).

Owns body validation, the whitelist check (`ads_error_not_whitelisted_for_product_gms`
before anything else), the GMS date rules (same-day allowed by default, as a real
capture shows) and paging. Must not compute metrics itself.
"""

from datetime import date
from typing import Any

from local.simulator import dates
from local.simulator.backend import Call
from local.simulator.endpoints import params
from local.simulator.errors import ApiError, param_error
from local.simulator.gms import GmsCampaign, deleted_items, gms_campaign, gms_whitelisted


def campaign_performance(call: Call) -> dict[str, Any]:
    gms = _gms(call)
    days = _days(call)
    report = call.backend.reports.gms_campaign(call.shop_spec, gms, days, call.now)
    return {"campaign_id": gms.campaign_id, "report": report}


def item_performance(call: Call) -> dict[str, Any]:
    gms = _gms(call)
    days = _days(call)
    offset, limit = _page(call)
    rows = call.backend.reports.gms_items(call.shop_spec, gms, days, call.now)
    page = list(rows.items())[offset : offset + limit]
    return {
        "campaign_id": gms.campaign_id,
        "result_list": [{"item_id": item_id, "report": report} for item_id, report in page],
        "total": len(rows),
        "has_next_page": offset + limit < len(rows),
    }


def deleted_item_list(call: Call) -> dict[str, Any]:
    gms = _gms(call)
    offset, limit = _page(call)
    items = deleted_items(gms, int(call.now.timestamp()))
    return {
        "campaign_id": gms.campaign_id,
        "item_id_list": list(items[offset : offset + limit]),
        "total": len(items),
        "has_next_page": offset + limit < len(items),
    }


def _page(call: Call) -> tuple[int, int]:
    settings = call.backend.settings
    offset = params.integer(call.params, "offset", default=0)
    limit = params.integer(call.params, "limit", default=settings.gms_default_limit)
    if limit > settings.gms_max_limit:
        raise ApiError(
            "error_query_limit_max", f"limit should be at most {settings.gms_max_limit}."
        )
    if offset < 0 or limit <= 0:
        raise param_error("offset must be >= 0 and limit > 0.")
    return offset, limit


def _gms(call: Call) -> GmsCampaign:
    if not gms_whitelisted(call.backend.world, call.shop_spec):
        raise ApiError(
            "ads_error_not_whitelisted_for_product_gms",
            "This shop is not whitelisted for product GMS.",
        )
    gms = gms_campaign(call.backend.world, call.shop_spec)
    # campaign_id 0 or absent means "the shop's GMS campaign".
    wanted = params.integer(call.params, "campaign_id", default=0)
    if gms is None or wanted not in (0, gms.campaign_id):
        raise ApiError(
            "ads_error_product_gms_campaign_not_found", "Product GMS campaign not found."
        )
    return gms


def _days(call: Call) -> list[date]:
    settings = call.backend.settings
    start = dates.parse_day(params.text(call.params, "start_date"), name="start_date")
    end = dates.parse_day(params.text(call.params, "end_date"), name="end_date")
    dates.check_range(
        start,
        end,
        now=call.now,
        utc_offset=call.shop_spec.utc_offset,
        history_months=settings.history_months,
        max_span_days=settings.gms_max_date_span_days,
        allow_same_day=settings.gms_allow_same_day,
    )
    return dates.days_between(start, end)
