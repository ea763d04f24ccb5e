"""The CPC ads endpoints a sync needs (shopee-ads-api.md §6.3-§6.8), as client methods.

Owns the request limits (100 ids per call, 30 days per call, no start == end on the
multi-day endpoints, offset paging) and turning replies into typed rows. Rows Shopee
omits (no activity) are not invented. `ShopeeClient` mixes this in and provides the
transport. Must not retry: `transport.py` does.
"""

from collections.abc import Iterator, Sequence
from datetime import date
from typing import Any

from adsync.shopee.campaign_settings import ALL_INFO_TYPES, CampaignSetting
from adsync.shopee.dates import format_date, parse_date, windows
from adsync.shopee.errors import ShopeeError, ShopeeServerError
from adsync.shopee.models import (
    CampaignDailyMetrics,
    CampaignHourlyMetrics,
    CampaignIdPage,
    CampaignRef,
    ShopDailyMetrics,
    ShopHourlyMetrics,
)
from adsync.shopee.transport import ShopAuth, Transport

MAX_IDS_PER_CALL = 100
ID_LIST_PAGE_SIZE = 5000
_ADS = "/api/v2/ads/"


def chunks(ids: Sequence[int], size: int = MAX_IDS_PER_CALL) -> list[tuple[int, ...]]:
    """`ids` in tuples of at most `size`: the most one call may name. The one id
    chunking rule: the sync's steps (`adsync.services.plan`) are cut with it too."""
    return [tuple(ids[start : start + size]) for start in range(0, len(ids), size)]


def _id_list(ids: Sequence[int]) -> str:
    return ",".join(str(i) for i in ids)


def campaign_entries(response: Any, endpoint: str) -> Iterator[dict[str, Any]]:
    """The campaign objects of a product-level reply.

    Documented as an array of shop blocks `{shop_id, region, campaign_list}`; some
    replies are one such object (§6.7): both are accepted.
    """
    if response is None:
        return
    blocks = response if isinstance(response, list) else [response]
    for block in blocks:
        if not isinstance(block, dict):
            raise ShopeeError("unexpected response shape", endpoint=endpoint)
        yield from block.get("campaign_list") or []


def required_int(raw: dict[str, Any], name: str, endpoint: str) -> int:
    """An int field the reply must carry (e.g. `campaign_id`, `hour`)."""
    try:
        return int(raw[name])
    except (KeyError, TypeError, ValueError):
        raise ShopeeError(f"reply row lacks a valid {name}", endpoint=endpoint) from None


def day_rows(response: Any, endpoint: str) -> list[dict[str, Any]]:
    """The rows of a shop-level reply: an array of objects (§6.3, §6.4)."""
    if response is None:
        return []
    if not isinstance(response, list):
        raise ShopeeError("unexpected response shape (expected an array)", endpoint=endpoint)
    return [row for row in response if isinstance(row, dict)]


class AdsApi:
    """Product-level and shop-level CPC endpoints. Needs `self._transport`."""

    _transport: Transport

    def _get(self, name: str, auth: ShopAuth, params: dict[str, Any]) -> Any:
        payload = self._transport.call("GET", _ADS + name, auth=auth, params=params)
        response = payload.get("response")
        if response is None:
            # A success without data is not "no data" (that is an empty list or object):
            # storing nothing would complete the job with a hole. Retry it instead.
            state = "null" if "response" in payload else "missing"
            raise ShopeeServerError(f"success reply with {state} response", endpoint=name)
        return response

    def get_campaign_ids(
        self, auth: ShopAuth, *, page_size: int = ID_LIST_PAGE_SIZE
    ) -> list[CampaignRef]:
        """Every product-level campaign id of the shop, paging until has_next_page is false.

        The offset advances by the rows received, not by `page_size`: Shopee may cap
        the limit silently.
        """
        refs: list[CampaignRef] = []
        while True:
            page = self.get_campaign_id_page(auth, offset=len(refs), page_size=page_size)
            refs.extend(page.refs)
            if not page.has_next_page:
                return refs

    def get_campaign_id_page(
        self, auth: ShopAuth, *, offset: int, page_size: int = ID_LIST_PAGE_SIZE
    ) -> CampaignIdPage:
        """One page of the campaign id list from `offset` (a sync saves its progress per
        page). `has_next_page` is False when Shopee says so or sends an empty page."""
        response = self._get(
            "get_product_level_campaign_id_list",
            auth,
            {"ad_type": "all", "offset": offset, "limit": page_size},
        )
        if not isinstance(response, dict):
            raise ShopeeError("unexpected response shape (expected an object)")
        page = response.get("campaign_list") or []
        refs = tuple(
            CampaignRef(campaign_id=int(c["campaign_id"]), ad_type=str(c.get("ad_type", "")))
            for c in page
        )
        return CampaignIdPage(refs=refs, has_next_page=bool(response.get("has_next_page") and refs))

    def get_campaign_settings(
        self,
        auth: ShopAuth,
        *,
        campaign_ids: Sequence[int],
        info_types: Sequence[int] = ALL_INFO_TYPES,
    ) -> list[CampaignSetting]:
        """Settings of the given campaigns (info types 1 common, 2 manual bidding, 3 auto
        bidding, 4 auto product ads), 100 ids per call, in Shopee's order."""
        if not info_types:
            raise ValueError("info_types must name at least one block (1-4)")
        endpoint = "get_product_level_campaign_setting_info"
        settings: list[CampaignSetting] = []
        for batch in chunks(campaign_ids):
            response = self._get(
                endpoint,
                auth,
                {"info_type_list": _id_list(info_types), "campaign_id_list": _id_list(batch)},
            )
            settings.extend(
                CampaignSetting.from_api(c) for c in campaign_entries(response, endpoint)
            )
        return settings

    def get_campaign_daily_performance(
        self, auth: ShopAuth, *, campaign_ids: Sequence[int], start: date, end: date
    ) -> list[CampaignDailyMetrics]:
        """Daily metrics of the given campaigns for every day in [start, end].

        Ids go 100 per call and spans 30 days per call. Shopee rejects start == end on
        this endpoint, so a one-day window asks from the day before and drops it.
        """
        endpoint = "get_product_campaign_daily_performance"
        results: list[CampaignDailyMetrics] = []
        for window in windows(start, end):
            for batch in chunks(campaign_ids):
                response = self._get(
                    endpoint,
                    auth,
                    {
                        "start_date": format_date(window.ask_start),
                        "end_date": format_date(window.end),
                        "campaign_id_list": _id_list(batch),
                    },
                )
                for campaign in campaign_entries(response, endpoint):
                    campaign_id = required_int(campaign, "campaign_id", endpoint)
                    for raw in campaign.get("metrics_list") or []:
                        day = parse_date(raw.get("date", ""))
                        if window.covers(day):
                            results.append(
                                CampaignDailyMetrics.from_api(
                                    campaign_id=campaign_id, performance_date=day, raw=raw
                                )
                            )
        return results

    def get_campaign_hourly_performance(
        self, auth: ShopAuth, *, campaign_ids: Sequence[int], day: date
    ) -> list[CampaignHourlyMetrics]:
        """Hourly metrics (local hours 0-23) of the given campaigns on one day."""
        endpoint = "get_product_campaign_hourly_performance"
        results: list[CampaignHourlyMetrics] = []
        for batch in chunks(campaign_ids):
            response = self._get(
                endpoint,
                auth,
                {"performance_date": format_date(day), "campaign_id_list": _id_list(batch)},
            )
            for campaign in campaign_entries(response, endpoint):
                campaign_id = required_int(campaign, "campaign_id", endpoint)
                for raw in campaign.get("metrics_list") or []:
                    results.append(
                        CampaignHourlyMetrics.from_api(
                            campaign_id=campaign_id,
                            performance_date=parse_date(raw.get("date") or format_date(day)),
                            hour=required_int(raw, "hour", endpoint),
                            raw=raw,
                        )
                    )
        return results

    def get_shop_daily_performance(
        self, auth: ShopAuth, *, start: date, end: date
    ) -> list[ShopDailyMetrics]:
        """The shop's all-CPC-ads metrics for every day in [start, end] that has a row.

        Same rules as the product-level daily endpoint: 30 days per call, and a one-day
        window is asked from the day before and the extra day dropped.
        """
        endpoint = "get_all_cpc_ads_daily_performance"
        results: list[ShopDailyMetrics] = []
        for window in windows(start, end):
            response = self._get(
                endpoint,
                auth,
                {"start_date": format_date(window.ask_start), "end_date": format_date(window.end)},
            )
            for raw in day_rows(response, endpoint):
                day = parse_date(raw.get("date", ""))
                if window.covers(day):
                    results.append(ShopDailyMetrics.from_api(performance_date=day, raw=raw))
        return results

    def get_shop_hourly_performance(self, auth: ShopAuth, *, day: date) -> list[ShopHourlyMetrics]:
        """The shop's all-CPC-ads metrics per local hour (0-23) of one day."""
        endpoint = "get_all_cpc_ads_hourly_performance"
        response = self._get(endpoint, auth, {"performance_date": format_date(day)})
        return [
            ShopHourlyMetrics.from_api(
                performance_date=parse_date(raw.get("date") or format_date(day)),
                hour=required_int(raw, "hour", endpoint),
                raw=raw,
            )
            for raw in day_rows(response, endpoint)
        ]
