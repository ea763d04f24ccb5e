"""What the simulator would answer, for test assertions without going through HTTP.

Every method returns exactly the rows the corresponding endpoint returns at the moment
`at` (default: the simulator clock's now), same zero-row policy, same field names, no
`date`/`hour` keys. Date-window validation is not applied: asking for a day the endpoint
would refuse still returns the rows the model holds. Must not change any state.
"""

from collections.abc import Callable
from datetime import date, datetime

from local.simulator.dates import days_between
from local.simulator.gms import deleted_items, gms_campaign, gms_whitelisted
from local.simulator.reports import Metrics, Reports
from local.simulator.world import ShopSpec


class Truth:
    def __init__(self, *, reports: Reports, clock: Callable[[], datetime]) -> None:
        self._reports = reports
        self._clock = clock

    def campaign_ids(
        self, shop_id: int, *, ad_type: str | None = None, at: datetime | None = None
    ) -> tuple[int, ...]:
        """All ids the id list endpoint returns across pages (ad_type None = all)."""
        campaigns = self._reports.listed_campaigns(self._shop(shop_id), at or self._clock())
        return tuple(c.campaign_id for c in campaigns if ad_type in (None, "", "all", c.ad_type))

    def campaign_daily(
        self, shop_id: int, day: date, *, at: datetime | None = None
    ) -> dict[int, Metrics]:
        shop = self._shop(shop_id)
        campaigns = self._reports.world.campaigns(shop_id)
        return self._reports.campaign_daily(shop, campaigns, day, at or self._clock())

    def campaign_hourly(
        self, shop_id: int, day: date, *, at: datetime | None = None
    ) -> dict[tuple[int, int], Metrics]:
        shop = self._shop(shop_id)
        campaigns = self._reports.world.campaigns(shop_id)
        return self._reports.campaign_hourly(shop, campaigns, day, at or self._clock())

    def shop_daily(self, shop_id: int, day: date, *, at: datetime | None = None) -> Metrics | None:
        """The shop-level row for the day, or None when the endpoint omits that day."""
        return self._reports.shop_daily(self._shop(shop_id), day, at or self._clock())

    def shop_hourly(
        self, shop_id: int, day: date, *, at: datetime | None = None
    ) -> dict[int, Metrics]:
        return self._reports.shop_hourly(self._shop(shop_id), day, at or self._clock())

    def campaign_settings(self, shop_id: int) -> dict[int, dict[str, object]]:
        """What the setting-info endpoint says of each campaign that never changes with
        time (status does, so it is left out), under the names of our columns."""
        return {
            c.campaign_id: {
                "ad_type": c.ad_type,
                "ad_name": c.ad_name,
                "bidding_method": c.bidding_method,
                "campaign_placement": c.placement,
                "campaign_budget": c.budget,
                "item_count": len(c.item_ids),
            }
            for c in self._reports.world.campaigns(shop_id)
        }

    def gms_campaign_id(self, shop_id: int) -> int | None:
        """The shop's GMS campaign id, or None when it has no GMS campaign."""
        gms = gms_campaign(self._reports.world, self._shop(shop_id))
        return gms.campaign_id if gms else None

    def gms_whitelisted(self, shop_id: int) -> bool:
        """Whether the GMS endpoints serve the shop (else not_whitelisted)."""
        return gms_whitelisted(self._reports.world, self._shop(shop_id))

    def gms_deleted_items(self, shop_id: int, *, at: datetime | None = None) -> tuple[int, ...]:
        """All pages of list_gms_user_deleted_item; empty without GMS."""
        gms = gms_campaign(self._reports.world, self._shop(shop_id))
        if gms is None:
            return ()
        return deleted_items(gms, int((at or self._clock()).timestamp()))

    def gms_campaign_report(
        self, shop_id: int, start: date, end: date, *, at: datetime | None = None
    ) -> Metrics | None:
        """The `report` of get_gms_campaign_performance for the range; None without GMS."""
        shop = self._shop(shop_id)
        gms = gms_campaign(self._reports.world, shop)
        if gms is None:
            return None
        return self._reports.gms_campaign(shop, gms, days_between(start, end), at or self._clock())

    def gms_items(
        self, shop_id: int, start: date, end: date, *, at: datetime | None = None
    ) -> dict[int, Metrics]:
        """item_id -> report over the range, all pages of get_gms_item_performance."""
        shop = self._shop(shop_id)
        gms = gms_campaign(self._reports.world, shop)
        if gms is None:
            return {}
        return self._reports.gms_items(shop, gms, days_between(start, end), at or self._clock())

    def _shop(self, shop_id: int) -> ShopSpec:
        shop = self._reports.world.shop(shop_id)
        if shop is None:
            raise KeyError(f"shop {shop_id} is not in the simulated world")
        return shop
