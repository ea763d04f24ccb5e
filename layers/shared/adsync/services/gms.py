"""Product GMS (GMV Max) data of one shop: one day per step, and the shop's GMS state.

GMS spend and GMV are not in the product-level CPC endpoints (shopee-ads-api.md §6.9),
so every sync type ends with GMS steps: the campaign report of each day (its report has
no date: one call per day), the item reports of that day, and the deleted-item list.
Calls are spent only where something can have changed:

- A shop Shopee refused (`ads_error_not_whitelisted_for_product_gms`, no GMS campaign,
  holiday mode, ...) is a recorded state (`apishopee_shops.gms_status`), not a failure,
  and costs no call until GMS_RECHECK has passed since the refusal.
- Item reports cover only items with activity, and an item's counts only grow, as the
  campaign's (its sum) do: when the day's campaign report has no activity, or equals
  the row stored with that day's items, the item call is skipped.
- The deleted-item list changes by seller action: read once per lookback or backfill,
  and by realtime only when it refreshes settings (activity.SETTINGS_REFRESH).

Writes take `now` from the caller. Must not read the clock.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, TypeVar

from adsync.db.gms_store import GmsStore
from adsync.services.activity import digest
from adsync.shopee.client import ShopeeClient
from adsync.shopee.errors import ShopStateError
from adsync.shopee.models import PRODUCT_METRICS, GmsDeletedItems, ProductMetrics
from adsync.shopee.transport import ShopAuth
from adsync.shops import Shop

T = TypeVar("T")
Call = Callable[[Callable[[ShopAuth], Any]], Any]
ACTIVE = "active"
GMS_RECHECK = timedelta(hours=24)
_KEY = ("campaign_id", "performance_date")
_ACTIVITY = ("impression", "clicks", "expense", "broad_order", "direct_order", "broad_gmv")


def gms_due(shop: Shop, now: datetime) -> bool:
    """Whether to ask Shopee for the shop's GMS data now: always, unless Shopee refused it
    less than GMS_RECHECK ago (the lookback re-reads the days a re-check finds late)."""
    if shop.gms_status in (None, ACTIVE) or shop.gms_checked_at is None:
        return True
    return now - shop.gms_checked_at >= GMS_RECHECK


@dataclass(frozen=True, kw_only=True)
class GmsDailyRow(ProductMetrics):
    """The shop's GMS campaign on one day (apishopee_ads_gms_campaign_daily)."""

    campaign_id: int
    performance_date: date


@dataclass(frozen=True, kw_only=True)
class GmsItemDailyRow(ProductMetrics):
    """One item of the shop's GMS campaign on one day (apishopee_ads_gms_item_daily)."""

    campaign_id: int
    item_id: int
    performance_date: date


@dataclass(frozen=True, kw_only=True)
class GmsDay:
    """What one GMS step fetched: the day's rows, or the code Shopee refused with."""

    day: date
    campaign: GmsDailyRow | None = None
    items: tuple[GmsItemDailyRow, ...] = ()
    refused: str = ""
    calls: int = 1
    digest: str = ""  # the campaign report's fingerprint ("" when Shopee refused)
    unchanged: bool = False  # the report is the one last written: nothing to write

    @property
    def rows(self) -> int:
        """Rows this day's GMS replies hold (the campaign's and its items')."""
        return (1 if self.campaign else 0) + len(self.items)


@dataclass(frozen=True, kw_only=True)
class GmsDeleted:
    """The deleted-item list of a shop's GMS campaign, or why Shopee refused it."""

    items: GmsDeletedItems | None = None
    refused: str = ""


def fetch_day(
    *,
    call: Call,
    shopee: ShopeeClient,
    store: GmsStore,
    shop_id: int,
    day: date,
    last_digest: str = "",
) -> GmsDay:
    """The shop's GMS campaign report of `day`, and its item reports when they can differ
    from the stored ones. `last_digest`: the fingerprint of the report last written for
    `day` (realtime keeps it in the shop's sync state); equal, nothing is asked or
    written again, and no stored row is read to find out."""
    try:
        report = call(lambda auth: shopee.get_gms_campaign_performance(auth, start=day, end=day))
    except ShopStateError as exc:
        return GmsDay(day=day, refused=exc.code or "refused")
    campaign = GmsDailyRow(campaign_id=report.campaign_id, performance_date=day, **report.metrics())
    fingerprint = digest([campaign], _KEY, PRODUCT_METRICS)
    if last_digest == fingerprint:
        return GmsDay(day=day, digest=fingerprint, unchanged=True)
    active = any(getattr(report, name) for name in _ACTIVITY)
    if not active or (
        # A report that differs from the last written one can only have grown.
        not last_digest
        and store.same_as_stored(
            shop_id=shop_id, campaign_id=report.campaign_id, day=day, report=campaign
        )
    ):
        return GmsDay(day=day, campaign=campaign, digest=fingerprint)
    items = call(
        lambda auth: shopee.get_gms_item_performance(
            auth, start=day, end=day, campaign_id=report.campaign_id
        )
    )
    rows = tuple(
        GmsItemDailyRow(
            campaign_id=i.campaign_id, item_id=i.item_id, performance_date=day, **i.metrics()
        )
        for i in items
    )
    return GmsDay(day=day, campaign=campaign, items=rows, calls=2, digest=fingerprint)


def fetch_deleted(*, call: Call, shopee: ShopeeClient) -> GmsDeleted:
    """Read every page of the GMS deleted-item list; a refusal is a state, not an error."""
    try:
        return GmsDeleted(items=call(lambda auth: shopee.list_gms_deleted_items(auth)))
    except ShopStateError as exc:
        return GmsDeleted(refused=exc.code or "refused")


def write_day(store: GmsStore, *, shop_id: int, fetched: GmsDay, now: datetime) -> None:
    """The day's rows and the shop's GMS state, in one statement (atomic on its own)."""
    store.write_day(
        shop_id=shop_id,
        status=fetched.refused or ACTIVE,
        campaigns=[fetched.campaign] if fetched.campaign is not None else [],
        items=fetched.items,
        now=now,
    )


def write_deleted(store: GmsStore, *, shop_id: int, fetched: GmsDeleted, now: datetime) -> None:
    """Store the deleted items, or the shop's refusal state when Shopee refused."""
    if fetched.items is None:
        store.write_day(shop_id=shop_id, status=fetched.refused, campaigns=[], items=[], now=now)
        return
    store.upsert_deleted_items(
        shop_id=shop_id,
        campaign_id=fetched.items.campaign_id,
        item_ids=fetched.items.item_ids,
        now=now,
    )
