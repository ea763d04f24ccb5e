"""Typed results of the Shopee client, field names exactly as Shopee documents them."""

from dataclasses import dataclass, field
from datetime import date
from typing import Any

# Product-level metric set (shopee-ads-api.md §7.2): name -> type.
PRODUCT_METRICS: dict[str, type] = {
    "impression": int,
    "clicks": int,
    "ctr": float,
    "expense": float,
    "broad_order": int,
    "direct_order": int,
    "broad_order_amount": int,
    "direct_order_amount": int,
    "broad_gmv": float,
    "direct_gmv": float,
    "broad_roi": float,
    "direct_roi": float,
    "broad_cir": float,
    "direct_cir": float,
    "cr": float,
    "direct_cr": float,
    "cpc": float,
    "cpdc": float,
}


@dataclass(frozen=True, kw_only=True)
class CampaignRef:
    campaign_id: int
    ad_type: str


@dataclass(frozen=True, kw_only=True)
class CampaignDailyMetrics:
    """One campaign's product-level metrics for one day."""

    campaign_id: int
    performance_date: date
    impression: int = 0
    clicks: int = 0
    ctr: float = 0.0
    expense: float = 0.0
    broad_order: int = 0
    direct_order: int = 0
    broad_order_amount: int = 0
    direct_order_amount: int = 0
    broad_gmv: float = 0.0
    direct_gmv: float = 0.0
    broad_roi: float = 0.0
    direct_roi: float = 0.0
    broad_cir: float = 0.0
    direct_cir: float = 0.0
    cr: float = 0.0
    direct_cr: float = 0.0
    cpc: float = 0.0
    cpdc: float = 0.0

    @classmethod
    def from_api(
        cls, *, campaign_id: int, performance_date: date, raw: dict[str, Any]
    ) -> "CampaignDailyMetrics":
        values = {name: kind(raw.get(name) or 0) for name, kind in PRODUCT_METRICS.items()}
        return cls(campaign_id=campaign_id, performance_date=performance_date, **values)


@dataclass(frozen=True, kw_only=True)
class TokenGrant:
    """A token pair from /auth/token/get or /auth/access_token/get."""

    shop_id: int
    access_token: str = field(repr=False)
    refresh_token: str = field(repr=False)
    expire_in_seconds: int
