"""The CPC performance endpoints (doc §6.3, §6.4, §6.7, §6.8).

Owns request validation and response shapes; the rows come from `Reports`, the same
source `Truth` uses. Must not compute metrics itself.
"""

from datetime import date
from typing import Any

from local.simulator import dates
from local.simulator.backend import Call
from local.simulator.campaign import Campaign
from local.simulator.endpoints import params
from local.simulator.endpoints.campaigns import shop_campaigns


def product_daily(call: Call) -> Any:
    shop = call.shop_spec
    days = _validated_range(call)
    campaigns = shop_campaigns(call)
    rows_by_day = {
        dates.format_day(day): call.backend.reports.campaign_daily(shop, campaigns, day, call.now)
        for day in days
    }
    campaign_list = []
    for campaign in campaigns:
        metrics_list = [
            {"date": text, **rows[campaign.campaign_id]}
            for text, rows in rows_by_day.items()
            if campaign.campaign_id in rows
        ]
        if metrics_list or not call.backend.settings.omit_zero_rows:
            campaign_list.append(_campaign_block(campaign, metrics_list))
    return _shop_block(call, campaign_list)


def product_hourly(call: Call) -> Any:
    shop = call.shop_spec
    day = _validated_day(call)
    text = dates.format_day(day)
    campaigns = shop_campaigns(call)
    rows = call.backend.reports.campaign_hourly(shop, campaigns, day, call.now)
    # The rows come campaign by campaign, hours ascending: one pass groups them.
    by_campaign: dict[int, list[dict[str, Any]]] = {}
    for (campaign_id, hour), metrics in rows.items():
        by_campaign.setdefault(campaign_id, []).append({"hour": hour, "date": text, **metrics})
    campaign_list = []
    for campaign in campaigns:
        metrics_list = by_campaign.get(campaign.campaign_id, [])
        if metrics_list or not call.backend.settings.omit_zero_rows:
            campaign_list.append(_campaign_block(campaign, metrics_list))
    return _shop_block(call, campaign_list)


def shop_daily(call: Call) -> list[dict[str, Any]]:
    shop = call.shop_spec
    result = []
    for day in _validated_range(call):
        row = call.backend.reports.shop_daily(shop, day, call.now)
        if row is not None:
            result.append({"date": dates.format_day(day), **row})
    return result


def shop_hourly(call: Call) -> list[dict[str, Any]]:
    day = _validated_day(call)
    rows = call.backend.reports.shop_hourly(call.shop_spec, day, call.now)
    text = dates.format_day(day)
    return [{"hour": hour, "date": text, **row} for hour, row in rows.items()]


def _validated_range(call: Call) -> list[date]:
    settings = call.backend.settings
    start = dates.parse_day(params.text(call.params, "start_date"), name="start_date")
    end = dates.parse_day(params.text(call.params, "end_date"), name="end_date")
    dates.check_range(
        start,
        end,
        now=call.now,
        utc_offset=call.shop_spec.utc_offset,
        history_months=settings.history_months,
        max_span_days=settings.max_date_span_days,
        allow_same_day=not settings.enforce_same_start_end,
    )
    return dates.days_between(start, end)


def _validated_day(call: Call) -> date:
    day = dates.parse_day(params.text(call.params, "performance_date"), name="performance_date")
    dates.check_day(
        day,
        now=call.now,
        utc_offset=call.shop_spec.utc_offset,
        history_months=call.backend.settings.history_months,
    )
    return day


def _campaign_block(campaign: Campaign, metrics_list: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "campaign_id": campaign.campaign_id,
        "ad_type": campaign.ad_type,
        "campaign_placement": campaign.placement,
        "ad_name": campaign.ad_name,
        "metrics_list": metrics_list,
    }


def _shop_block(call: Call, campaign_list: list[dict[str, Any]]) -> Any:
    shop = call.shop_spec
    block = {"shop_id": shop.shop_id, "region": shop.region, "campaign_list": campaign_list}
    return [block] if call.backend.settings.product_performance_shape == "array" else block
