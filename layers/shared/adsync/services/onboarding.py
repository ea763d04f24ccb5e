"""Onboarding: turn a seller's authorization into shop rows holding tokens.

The seller opens the authorization URL, Shopee redirects with a single-use `code` and
either `shop_id` (a shop account: one shop) or `main_account_id` (a main account: all
its shops, shopee-ads-api.md §3.1). The code is exchanged for a token pair
(`/api/v2/auth/token/get`, §3.2). A main account gets ONE pair shared by all its shops:
each shop's row stores that pair, and each shop's first refresh (with its own shop_id,
§3.3; services/tokens.py, under the shop's own row lock) gives it a pair of its own. A
refresh of one shop never touches another shop's row, so two shops still sharing the
refresh token cannot spend it for each other.

Each shop's name, region and authorization expiry (§3.4) come from get_shop_info, one
call per shop, with the new token. Tokens go to the shops table and nowhere else.
`_store` is the one place a new authorization is written, with the partner app the
seller authorized.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from adsync.errors import AdsSyncError
from adsync.observability import logger
from adsync.regions import UnknownRegionError, region_timezone
from adsync.services.dependencies import Dependencies
from adsync.shopee.client import ShopeeClient
from adsync.shopee.errors import ShopeeError
from adsync.shopee.models import ShopInfo
from adsync.shopee.transport import ShopAuth
from adsync.shops import AuthorizationFacts, TokenPair

REFRESH_TOKEN_LIFETIME = timedelta(days=30)


class OnboardingError(AdsSyncError):
    """The authorization brought no shop that can be synced."""


@dataclass(frozen=True, kw_only=True)
class OnboardedShop:
    """A shop stored by onboarding, with what get_shop_info said of it."""

    shop_id: int
    region: str
    shop_name: str | None
    authorization_expires_at: datetime | None


@dataclass(frozen=True, kw_only=True)
class MainAccountOnboarding:
    """What one main account's code brought: the shops stored and those that could not be."""

    main_account_id: int
    shops: tuple[OnboardedShop, ...]
    # shops Shopee listed that could not be stored (no name/region): (shop_id, why)
    failed: tuple[tuple[int, str], ...] = ()
    merchant_ids: tuple[int, ...] = ()  # cross-border merchants: not synced


def _pair(*, access_token: str, refresh_token: str, expire_in: int, now: datetime) -> TokenPair:
    return TokenPair(
        access_token=access_token,
        refresh_token=refresh_token,
        access_expires_at=now + timedelta(seconds=expire_in),
        refresh_expires_at=now + REFRESH_TOKEN_LIFETIME,
    )


def _store(
    deps: Dependencies,
    *,
    shop_id: int,
    region: str,
    shop_name: str | None,
    tokens: TokenPair,
    authorization: AuthorizationFacts,
    partner_id: int | None,
    now: datetime,
) -> None:
    """Write one authorized shop, with the partner app it authorized (None: the
    deployment's default): every onboarding path ends here."""
    with deps.db.transaction():
        deps.shops.upsert(
            shop_id=shop_id,
            region=region,
            shop_name=shop_name,
            tokens=tokens,
            now=now,
            authorization=authorization,
        )
        if partner_id is not None:
            deps.partners.assign(shop_id=shop_id, partner_id=partner_id, now=now)


def _client(deps: Dependencies, partner_id: int | None) -> ShopeeClient:
    """The authorized app's client; an unknown partner is refused here, before the
    single-use code is spent."""
    return deps.shopee if partner_id is None else deps.partner_apis.for_partner(partner_id).client


def _shop_info(client: ShopeeClient, *, shop_id: int, access_token: str) -> ShopInfo:
    return client.get_shop_info(ShopAuth(shop_id=shop_id, access_token=access_token))


def onboard_shop(
    deps: Dependencies,
    *,
    shop_id: int,
    region: str,
    code: str,
    shop_name: str | None = None,
    partner_id: int | None = None,
) -> None:
    """A shop account's code: store the shop, then ask Shopee when its authorization
    ends (a failure there is logged; the worker asks again, services/authorization.py).
    `partner_id`: the app the seller authorized (None: the deployment's default)."""
    # Refused before the single-use code is spent: an unknown region, an unknown
    # partner, or a database that cannot store the shop (not migrated: 42P01).
    region_timezone(region)
    deps.shops.get(shop_id)
    client = _client(deps, partner_id)
    grant = client.exchange_code(code=code, shop_id=shop_id)
    now = deps.clock()
    tokens = _pair(
        access_token=grant.access_token,
        refresh_token=grant.refresh_token,
        expire_in=grant.expire_in_seconds,
        now=now,
    )
    # Stored before any other call: the code is spent, the pair must not be lost.
    _store(
        deps,
        shop_id=shop_id,
        region=region,
        shop_name=shop_name,
        tokens=tokens,
        authorization=AuthorizationFacts(),
        partner_id=partner_id,
        now=now,
    )
    try:
        info = _shop_info(client, shop_id=shop_id, access_token=grant.access_token)
    except ShopeeError as exc:
        logger.warning(
            "authorization expiry unknown; the next sync asks again",
            shop_id=shop_id,
            error=str(exc),
        )
        return
    deps.shops.record_authorization(
        shop_id=shop_id,
        expires_at=info.authorization_expires_at,
        now=now,
        shop_name=info.shop_name,
    )


def onboard_main_account(
    deps: Dependencies, *, main_account_id: int, code: str, partner_id: int | None = None
) -> MainAccountOnboarding:
    """A main account's code: every shop it lists, stored with the shared pair, its name,
    region and authorization expiry from get_shop_info. A shop whose info cannot be read
    is reported (with why) and the others are stored; OnboardingError if none could be."""
    deps.shops.get(0)  # refused before the code is spent if the table is missing
    client = _client(deps, partner_id)
    grant = client.exchange_main_account_code(code=code, main_account_id=main_account_id)
    now = deps.clock()
    if not grant.shop_ids:
        raise OnboardingError(
            f"main account {main_account_id} authorized no shop (merchants "
            f"{list(grant.merchant_ids)} are not synced): nothing was stored"
        )
    tokens = _pair(
        access_token=grant.access_token,
        refresh_token=grant.refresh_token,
        expire_in=grant.expire_in_seconds,
        now=now,
    )
    shops: list[OnboardedShop] = []
    failed: list[tuple[int, str]] = []
    for shop_id in grant.shop_ids:
        try:
            info = _shop_info(client, shop_id=shop_id, access_token=grant.access_token)
            region_timezone(info.region)
        except (ShopeeError, UnknownRegionError) as exc:
            failed.append((shop_id, str(exc)))
            logger.error(
                "main-account shop not stored: its name and region are unknown",
                shop_id=shop_id,
                main_account_id=main_account_id,
                error=str(exc),
            )
            continue
        _store(
            deps,
            shop_id=shop_id,
            region=info.region,
            shop_name=info.shop_name,
            tokens=tokens,
            authorization=AuthorizationFacts(
                main_account_id=main_account_id,
                expires_at=info.authorization_expires_at,
                checked_at=now,
            ),
            partner_id=partner_id,
            now=now,
        )
        shops.append(
            OnboardedShop(
                shop_id=shop_id,
                region=info.region,
                shop_name=info.shop_name,
                authorization_expires_at=info.authorization_expires_at,
            )
        )
    logger.info(
        "main account onboarded",
        main_account_id=main_account_id,
        shops=len(shops),
        failed=len(failed),
    )
    if not shops:
        raise OnboardingError(
            f"main account {main_account_id}: no shop could be stored "
            f"({'; '.join(f'{s}: {why}' for s, why in failed)})"
        )
    return MainAccountOnboarding(
        main_account_id=main_account_id,
        shops=tuple(shops),
        failed=tuple(failed),
        merchant_ids=grant.merchant_ids,
    )
