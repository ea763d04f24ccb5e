"""Onboarding: turn a seller's authorization into a shop row holding tokens.

The seller opens the authorization URL, Shopee redirects with a single-use `code`,
and this exchanges it for a token pair (`/api/v2/auth/token/get`) and stores it.
Tokens go to the shops table and nowhere else.
"""

from datetime import datetime, timedelta

from adsync.regions import region_timezone
from adsync.services.dependencies import Dependencies
from adsync.shopee.models import TokenGrant
from adsync.shops import TokenPair

REFRESH_TOKEN_LIFETIME = timedelta(days=30)


def onboard_shop(
    deps: Dependencies,
    *,
    shop_id: int,
    region: str,
    code: str,
    shop_name: str | None = None,
    partner_id: int | None = None,
) -> None:
    """`partner_id`: the app the seller authorized (None: the deployment's default)."""
    # Refused before the single-use code is spent: an unknown region, an unknown
    # partner, or a database that cannot store the shop (not migrated: 42P01).
    region_timezone(region)
    deps.shops.get(shop_id)
    client = deps.shopee if partner_id is None else deps.partner_apis.for_partner(partner_id).client
    grant = client.exchange_code(code=code, shop_id=shop_id)
    now = deps.clock()
    with deps.db.transaction():
        _store(deps, shop_id=shop_id, region=region, shop_name=shop_name, grant=grant, now=now)
        if partner_id is not None:
            deps.partners.assign(shop_id=shop_id, partner_id=partner_id, now=now)


def _store(
    deps: Dependencies,
    *,
    shop_id: int,
    region: str,
    shop_name: str | None,
    grant: TokenGrant,
    now: datetime,
) -> None:
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
