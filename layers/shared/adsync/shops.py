"""Shops: a Shopee shop this system syncs, with its tokens (never shown in a repr)."""

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from adsync.errors import ShopNotReadyError
from adsync.tiers import Tier


class ShopStatus(StrEnum):
    """Whether a shop is synced: active, paused by an operator, or waiting for the seller."""

    ACTIVE = "active"
    PAUSED = "paused"
    NEEDS_REAUTH = "needs_reauth"


@dataclass(frozen=True, kw_only=True)
class TokenPair:
    """An access token, its single-use refresh token and when the access token expires."""

    access_token: str = field(repr=False)
    refresh_token: str = field(repr=False)
    access_expires_at: datetime
    refresh_expires_at: datetime | None = None


@dataclass(frozen=True, kw_only=True)
class Shop:
    """A shop row: region, status and tokens."""

    shop_id: int
    region: str
    status: ShopStatus
    shop_name: str | None = None
    access_token: str | None = field(default=None, repr=False)
    refresh_token: str | None = field(default=None, repr=False)
    access_token_expires_at: datetime | None = None
    last_synced_at: datetime | None = None
    # What the last realtime sync saw (services/realtime.py); None before the first.
    sync_state: dict[str, Any] | None = field(default=None, repr=False)
    # A refresh got no reply at this time: Shopee may or may not have rotated the pair.
    refresh_uncertain_since: datetime | None = None
    # What Shopee last said of the shop's GMS campaign, and when (services/gms.py).
    gms_status: str | None = None
    gms_checked_at: datetime | None = None
    tier: Tier = Tier.NORMAL
    main_account_id: int | None = None  # its authorization came with a main account's code
    authorization_expires_at: datetime | None = None  # get_shop_info expire_time (§3.4)
    authorization_checked_at: datetime | None = None  # when get_shop_info was last asked
    partner_id: int | None = None  # its partner app (None: the deployment's default)

    @property
    def has_token(self) -> bool:
        """True when the shop has an access token."""
        return bool(self.access_token)


@dataclass(frozen=True, kw_only=True)
class EligibleShop:
    """A shop the schedules sync, with what a tick needs to know of it."""

    shop_id: int
    region: str
    tier: Tier
    campaign_count: int | None = None  # as its last completed sync listed; None: never synced


@dataclass(frozen=True, kw_only=True)
class AuthorizationFacts:
    """What onboarding learnt of a shop's authorization, stored beside its tokens."""

    main_account_id: int | None = None
    expires_at: datetime | None = None
    checked_at: datetime | None = None


def require_ready(shop: Shop | None, shop_id: int) -> Shop:
    """The shop, if it can be synced now; else ShopNotReadyError saying what to do."""
    if shop is None:
        raise ShopNotReadyError(f"shop {shop_id} is not in apishopee_shops")
    if shop.status is ShopStatus.NEEDS_REAUTH:
        raise ShopNotReadyError(f"shop {shop_id} needs re-authorization by the seller")
    if not shop.has_token:
        raise ShopNotReadyError(f"shop {shop_id} has no access token; authorize it first")
    return shop
