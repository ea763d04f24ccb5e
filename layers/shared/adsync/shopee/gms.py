"""The Product GMS report endpoints (shopee-ads-api.md §6.9), as client methods.

POST with a JSON body (the common parameters still go in the query). The campaign
report is one aggregate over the range, without a date: daily history takes one call
per day, and a range is never cut here (summing ratios would be wrong). Same-day ranges
are allowed on these endpoints. A shop not whitelisted for GMS, without a GMS campaign
or in holiday mode gets a ShopStateError (its code says which): a state of the shop,
recorded by the caller, not a failure. Must not retry.
"""

from datetime import date
from typing import Any

from adsync.shopee.ads import required_int
from adsync.shopee.dates import format_date
from adsync.shopee.errors import ShopeeError, ShopeeServerError
from adsync.shopee.models import GmsCampaignMetrics, GmsDeletedItems, GmsItemMetrics
from adsync.shopee.transport import ShopAuth, Transport

GMS_MAX_PAGE_SIZE = 100
_ADS = "/api/v2/ads/"


def _body(start: date, end: date, campaign_id: int | None) -> dict[str, Any]:
    if start > end:
        raise ValueError(f"start {start} is after end {end}")
    body: dict[str, Any] = {"start_date": format_date(start), "end_date": format_date(end)}
    if campaign_id is not None:
        body["campaign_id"] = campaign_id
    return body


class GmsApi:
    """get_gms_campaign_performance, get_gms_item_performance and
    list_gms_user_deleted_item. Needs `self._transport`."""

    _transport: Transport

    def _post(self, name: str, auth: ShopAuth, body: dict[str, Any]) -> dict[str, Any]:
        payload = self._transport.call("POST", _ADS + name, auth=auth, body=body)
        response = payload.get("response")
        if response is None:  # a success without data is a failed call, not "no data"
            state = "null" if "response" in payload else "missing"
            raise ShopeeServerError(f"success reply with {state} response", endpoint=name)
        if not isinstance(response, dict):
            raise ShopeeError("unexpected response shape (expected an object)", endpoint=name)
        return response

    def get_gms_campaign_performance(
        self, auth: ShopAuth, *, start: date, end: date, campaign_id: int | None = None
    ) -> GmsCampaignMetrics:
        """The shop's GMS campaign report summed over [start, end] (None = the shop's one)."""
        endpoint = "get_gms_campaign_performance"
        response = self._post(endpoint, auth, _body(start, end, campaign_id))
        return GmsCampaignMetrics.from_api(
            campaign_id=required_int(response, "campaign_id", endpoint),
            start_date=start,
            end_date=end,
            raw=response.get("report") or {},
        )

    def get_gms_item_performance(
        self,
        auth: ShopAuth,
        *,
        start: date,
        end: date,
        campaign_id: int | None = None,
        page_size: int = GMS_MAX_PAGE_SIZE,
    ) -> list[GmsItemMetrics]:
        """Per-item GMS reports over [start, end], every page; only items with activity.

        The offset advances by the rows received, not by `page_size`.
        """
        if not 0 < page_size <= GMS_MAX_PAGE_SIZE:
            raise ValueError(f"page_size must be in 1..{GMS_MAX_PAGE_SIZE}")
        endpoint = "get_gms_item_performance"
        body = _body(start, end, campaign_id)
        items: list[GmsItemMetrics] = []
        offset = 0
        while True:
            response = self._post(endpoint, auth, {**body, "offset": offset, "limit": page_size})
            page = [row for row in response.get("result_list") or [] if isinstance(row, dict)]
            if page:
                gms_id = required_int(response, "campaign_id", endpoint)
                items.extend(
                    GmsItemMetrics.from_api(
                        campaign_id=gms_id,
                        item_id=required_int(row, "item_id", endpoint),
                        start_date=start,
                        end_date=end,
                        raw=row.get("report") or {},
                    )
                    for row in page
                )
            if not response.get("has_next_page") or not page:
                return items
            offset += len(page)

    def list_gms_deleted_items(
        self, auth: ShopAuth, *, page_size: int = GMS_MAX_PAGE_SIZE
    ) -> GmsDeletedItems:
        """Every page of list_gms_user_deleted_item (no dates: the list as it is now)."""
        if not 0 < page_size <= GMS_MAX_PAGE_SIZE:
            raise ValueError(f"page_size must be in 1..{GMS_MAX_PAGE_SIZE}")
        endpoint = "list_gms_user_deleted_item"
        item_ids: list[int] = []
        campaign_id = 0
        while True:
            body = {"offset": len(item_ids), "limit": page_size}
            response = self._post(endpoint, auth, body)
            campaign_id = required_int(response, "campaign_id", endpoint)
            page = response.get("item_id_list") or []
            for item in page:
                if isinstance(item, bool) or not isinstance(item, int):
                    raise ShopeeError(
                        f"item id must be an integer, got {item!r}", endpoint=endpoint
                    )
                item_ids.append(item)
            if not response.get("has_next_page") or not page:
                return GmsDeletedItems(campaign_id=campaign_id, item_ids=tuple(item_ids))
