"""Typed result of get_product_level_campaign_setting_info (shopee-ads-api.md §6.6).

Field names are Shopee's. Times stay what Shopee sends, Unix seconds (`start_time`,
`end_time`; `end_time` 0 = no end), with aware-UTC `starts_at`/`ends_at` views. A
block not asked for (or not sent) is None. `raw` keeps the campaign's reply object
as-is for a jsonb column; it takes no part in equality or the repr. Must not know
about HTTP.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Self

COMMON_INFO = 1
MANUAL_BIDDING_INFO = 2
AUTO_BIDDING_INFO = 3
AUTO_PRODUCT_ADS_INFO = 4
ALL_INFO_TYPES = (COMMON_INFO, MANUAL_BIDDING_INFO, AUTO_BIDDING_INFO, AUTO_PRODUCT_ADS_INFO)


def _text(raw: Mapping[str, Any], name: str) -> str:
    value = raw.get(name)
    return "" if value is None else str(value)


def _number(raw: Mapping[str, Any], name: str) -> float:
    return float(raw.get(name) or 0)


def _integer(raw: Mapping[str, Any], name: str) -> int:
    return int(raw.get(name) or 0)


def _objects(raw: Mapping[str, Any], name: str) -> list[Mapping[str, Any]]:
    return [item for item in raw.get(name) or [] if isinstance(item, Mapping)]


@dataclass(frozen=True, kw_only=True)
class CampaignDuration:
    """When a campaign runs (Shopee's epoch seconds; an end of 0 means none)."""

    start_time: int  # Unix seconds
    end_time: int  # Unix seconds; 0 = no end

    @property
    def starts_at(self) -> datetime:
        """The start as an aware UTC datetime."""
        return datetime.fromtimestamp(self.start_time, UTC)

    @property
    def ends_at(self) -> datetime | None:
        """The end as an aware UTC datetime, None when the campaign has none."""
        return datetime.fromtimestamp(self.end_time, UTC) if self.end_time else None


@dataclass(frozen=True, kw_only=True)
class CommonInfo:
    """The settings every campaign has (`common_info`)."""

    ad_type: str  # auto | manual
    ad_name: str
    campaign_status: str  # ongoing, scheduled, ended, paused, deleted, closed
    bidding_method: str  # auto | manual
    campaign_placement: str  # search, discovery, all
    campaign_budget: float  # 0 = unlimited
    campaign_duration: CampaignDuration
    item_id_list: tuple[int, ...]

    @classmethod
    def from_api(cls, raw: Mapping[str, Any]) -> Self:
        """Parse Shopee's `common_info` object."""
        duration = raw.get("campaign_duration") or {}
        return cls(
            ad_type=_text(raw, "ad_type"),
            ad_name=_text(raw, "ad_name"),
            campaign_status=_text(raw, "campaign_status"),
            bidding_method=_text(raw, "bidding_method"),
            campaign_placement=_text(raw, "campaign_placement"),
            campaign_budget=_number(raw, "campaign_budget"),
            campaign_duration=CampaignDuration(
                start_time=_integer(duration, "start_time"),
                end_time=_integer(duration, "end_time"),
            ),
            item_id_list=tuple(int(i) for i in raw.get("item_id_list") or []),
        )


@dataclass(frozen=True, kw_only=True)
class SelectedKeyword:
    """A keyword of a manual search campaign."""

    keyword: str
    status: str  # deleted, normal, reserved, blacklist
    match_type: str  # exact | broad
    bid_price_per_click: float


@dataclass(frozen=True, kw_only=True)
class DiscoveryAdsLocation:
    """A placement of a manual discovery campaign."""

    location: str  # daily_discover | you_may_also_like
    status: str
    bid_price: float


@dataclass(frozen=True, kw_only=True)
class ManualBiddingInfo:
    """A manually bid campaign's keywords and placements."""

    enhanced_cpc: bool
    selected_keywords: tuple[SelectedKeyword, ...]
    discovery_ads_locations: tuple[DiscoveryAdsLocation, ...]

    @classmethod
    def from_api(cls, raw: Mapping[str, Any]) -> Self:
        """Parse Shopee's `manual_bidding_info` object."""
        return cls(
            enhanced_cpc=bool(raw.get("enhanced_cpc")),
            selected_keywords=tuple(
                SelectedKeyword(
                    keyword=_text(k, "keyword"),
                    status=_text(k, "status"),
                    match_type=_text(k, "match_type"),
                    bid_price_per_click=_number(k, "bid_price_per_click"),
                )
                for k in _objects(raw, "selected_keywords")
            ),
            discovery_ads_locations=tuple(
                DiscoveryAdsLocation(
                    location=_text(d, "location"),
                    status=_text(d, "status"),
                    bid_price=_number(d, "bid_price"),
                )
                for d in _objects(raw, "discovery_ads_locations")
            ),
        )


@dataclass(frozen=True, kw_only=True)
class AutoBiddingInfo:
    """An auto-bid campaign's ROAS target."""

    roas_target: float


@dataclass(frozen=True, kw_only=True)
class AutoProductAd:
    """A product of an auto product ads campaign."""

    product_name: str
    status: str  # learning, ongoing, paused, ended, unavailable
    item_id: int


@dataclass(frozen=True, kw_only=True)
class CampaignSetting:
    """One campaign's settings: the requested blocks, typed, plus the raw reply object."""

    campaign_id: int
    common_info: CommonInfo | None = None
    manual_bidding_info: ManualBiddingInfo | None = None
    auto_bidding_info: AutoBiddingInfo | None = None
    auto_product_ads_info: tuple[AutoProductAd, ...] | None = None
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_api(cls, raw: Mapping[str, Any]) -> Self:
        """Parse one campaign of get_product_level_campaign_setting_info."""
        common = raw.get("common_info")
        manual = raw.get("manual_bidding_info")
        auto = raw.get("auto_bidding_info")
        products = raw.get("auto_product_ads_info")
        return cls(
            campaign_id=int(raw["campaign_id"]),
            common_info=CommonInfo.from_api(common) if isinstance(common, Mapping) else None,
            manual_bidding_info=(
                ManualBiddingInfo.from_api(manual) if isinstance(manual, Mapping) else None
            ),
            auto_bidding_info=(
                AutoBiddingInfo(roas_target=_number(auto, "roas_target"))
                if isinstance(auto, Mapping)
                else None
            ),
            auto_product_ads_info=(
                tuple(
                    AutoProductAd(
                        product_name=_text(p, "product_name"),
                        status=_text(p, "status"),
                        item_id=_integer(p, "item_id"),
                    )
                    for p in _objects(raw, "auto_product_ads_info")
                )
                if isinstance(products, list)
                else None
            ),
            raw=dict(raw),
        )
