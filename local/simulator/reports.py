"""Metric rows exactly as the performance endpoints report them, and as `truth` exposes them.

Owns the zero-row policy (omit rows without activity, or keep them as zeros) and the
naming of the two metric families. Endpoints and `Truth` both read from here, so what a
test expects is by construction what the server sends. Must not validate requests.
"""

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime

from local.simulator.campaign import Campaign
from local.simulator.gms import GmsCampaign
from local.simulator.metrics import ZERO, MetricsModel, Totals, product_fields, shop_fields
from local.simulator.settings import SimulatorSettings
from local.simulator.shop_ads import shop_ads
from local.simulator.world import ShopSpec, World

Metrics = dict[str, float]


@dataclass(frozen=True, kw_only=True)
class Reports:
    world: World
    settings: SimulatorSettings
    model: MetricsModel

    def listed_campaigns(self, shop: ShopSpec, now: datetime) -> list[Campaign]:
        """What the campaign id list shows at `now` (deleted ones only when configured)."""
        now_ts = int(now.timestamp())
        campaigns = self.world.campaigns(shop.shop_id)
        if self.settings.list_deleted_campaigns:
            return list(campaigns)
        return [c for c in campaigns if c.status_at(now_ts) != "deleted"]

    def campaign_daily(
        self, shop: ShopSpec, campaigns: Iterable[Campaign], day: date, now: datetime
    ) -> dict[int, Metrics]:
        rows = {}
        for campaign in campaigns:
            totals = self.model.daily(shop=shop, campaign=campaign, day=day, now=now)
            if self._keep(totals):
                rows[campaign.campaign_id] = self._product(self._offset(totals))
        return rows

    def campaign_hourly(
        self, shop: ShopSpec, campaigns: Iterable[Campaign], day: date, now: datetime
    ) -> dict[tuple[int, int], Metrics]:
        rows = {}
        for campaign in campaigns:
            hours = self.model.hourly(shop=shop, campaign=campaign, day=day, now=now)
            for hour, totals in hours.items():
                if self._keep(totals):
                    rows[(campaign.campaign_id, hour)] = self._product(totals)
        return rows

    def shop_daily(self, shop: ShopSpec, day: date, now: datetime) -> Metrics | None:
        """The shop-level row for `day`: sums over every campaign and the shop's other
        CPC ads; None when omitted."""
        campaigns = self._all_cpc_ads(shop)
        total = self.model.rounded(
            self.model.daily_sum(shop=shop, campaigns=campaigns, day=day, now=now)
        )
        if not self._keep(total) or not self._has_started(shop, day, now):
            return None
        return self._shop(self._offset(total))

    def shop_hourly(self, shop: ShopSpec, day: date, now: datetime) -> dict[int, Metrics]:
        campaigns = self._all_cpc_ads(shop)
        totals = self.model.hourly_sum(shop=shop, campaigns=campaigns, day=day, now=now)
        if not totals:
            # No campaign: still one (zero) entry per completed hour when zeros are kept.
            totals = dict.fromkeys(self._completed_hours(shop, day, now), ZERO)
        return {
            hour: self._shop(self.model.rounded(row))
            for hour, row in sorted(totals.items())
            if self._keep(row)
        }

    def gms_items(
        self, shop: ShopSpec, gms: GmsCampaign, days: Iterable[date], now: datetime
    ) -> dict[int, Metrics]:
        """item_id -> report summed over `days`; only items with activity (documented)."""
        rows = {}
        for item, total in self._gms_totals(shop, gms, days, now).items():
            if not total.is_zero:
                rows[item] = self._product(total)
        return dict(sorted(rows.items()))

    def gms_campaign(
        self, shop: ShopSpec, gms: GmsCampaign, days: Iterable[date], now: datetime
    ) -> Metrics:
        """One aggregate report over the range (no date field)."""
        total = ZERO
        for item_total in self._gms_totals(shop, gms, days, now).values():
            total = total + item_total
        return self._product(self.model.rounded(total))

    def _gms_totals(
        self, shop: ShopSpec, gms: GmsCampaign, days: Iterable[date], now: datetime
    ) -> dict[int, Totals]:
        days = list(days)
        totals = {}
        for item in gms.items:
            total = ZERO
            for day in days:
                total = total + self.model.daily(shop=shop, campaign=item, day=day, now=now)
            totals[item.campaign_id] = self.model.rounded(total)
        return totals

    def _all_cpc_ads(self, shop: ShopSpec) -> tuple[Campaign, ...]:
        """What the shop-level endpoints sum (doc §6.3: all CPC ads): the product-level
        campaigns, deleted ones included, and the shop's non-product ads."""
        return self.world.campaigns(shop.shop_id) + shop_ads(self.world, shop)

    def _offset(self, day: Totals) -> Totals:
        """A daily row's totals as `daily_expense_offset` says Shopee reports them."""
        offset = self.settings.daily_expense_offset
        if not offset:
            return day
        expense = round(day.expense + offset, self.settings.money_decimals)
        return replace(day, expense=expense)

    def _keep(self, totals: Totals) -> bool:
        return not (self.settings.omit_zero_rows and totals.is_zero)

    def _has_started(self, shop: ShopSpec, day: date, now: datetime) -> bool:
        return bool(self._completed_hours(shop, day, now))

    def _completed_hours(self, shop: ShopSpec, day: date, now: datetime) -> range:
        return range(self.model.completed_hours(shop=shop, day=day, now=now))

    def _product(self, totals: Totals) -> Metrics:
        return product_fields(
            totals,
            money_decimals=self.settings.money_decimals,
            ratio_decimals=self.settings.ratio_decimals,
        )

    def _shop(self, totals: Totals) -> Metrics:
        fields = shop_fields(
            totals,
            money_decimals=self.settings.money_decimals,
            ratio_decimals=self.settings.ratio_decimals,
        )
        if self.settings.shop_ratio_unit == "fraction":
            digits = self.settings.ratio_decimals + 2
            for name in ("ctr", "direct_conversions", "broad_conversions"):
                fields[name] = round(fields[name] / 100, digits)
        return fields
