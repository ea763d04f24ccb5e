"""Onboarding: turn a seller's authorization into a shop row holding tokens.

The seller opens the authorization URL, Shopee redirects with a single-use `code`,
and this exchanges it for a token pair (`/api/v2/auth/token/get`) and stores it.
Tokens go to the shops table and nowhere else.
"""

from datetime import timedelta

from adsync.regions import region_timezone
from adsync.services.dependencies import Dependencies
from adsync.shops import TokenPair

REFRESH_TOKEN_LIFETIME = timedelta(days=30)


def onboard_shop(
    deps: Dependencies, *, shop_id: int, region: str, code: str, shop_name: str | None = None
) -> None:
    """Exchange a seller's authorization code for the shop's tokens and store the shop."""
    # Refused before the single-use code is spent: an unknown region, or a database
    # that cannot store the shop (not migrated: 42P01).
    region_timezone(region)
    deps.shops.get(shop_id)
    grant = deps.shopee.exchange_code(code=code, shop_id=shop_id)
    now = deps.clock()
    deps.shops.upsert(
        shop_id=shop_id,
        region=region,
        shop_name=shop_name,
        tokens=TokenPair(
            access_token=grant.access_token,
            refresh_token=grant.refresh_token,
            access_expires_at=now + timedelta(seconds=grant.expire_in_seconds),
            refresh_expires_at=now + REFRESH_TOKEN_LIFETIME,
        ),
        now=now,
    )
