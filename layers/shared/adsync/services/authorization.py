"""Authorization expiry: each shop's authorization ends 365 days after the seller gave it
(shopee-ads-api.md §3.4), and then nothing can refresh its tokens.

Owns when to ask get_shop_info again (one call, rarely: Shopee's request budget is the
physical limit) and what counts as "expiring". Onboarding records the first answer; a
sync asks again when the last answer is older than RECHECK_EVERY (RECHECK_WHEN_EXPIRING
once inside the warning window, so a re-authorization the seller made elsewhere clears
the warning within a day). Shops keep syncing until the last moment (eligible_shops).
Reads no clock: `now` comes in.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from adsync.db.shop_store import ExpiringShop
from adsync.errors import AdsSyncError
from adsync.observability import logger
from adsync.services.dependencies import Dependencies
from adsync.services.partners import PartnerApi
from adsync.shopee.errors import AuthorizationEndedError, ShopeeError, ThrottledError
from adsync.shops import Shop

# Warn this long before an authorization ends: the metric, the alarm, status, shops.
WARNING_WINDOW = timedelta(days=30)
RECHECK_EVERY = timedelta(days=7)
RECHECK_WHEN_EXPIRING = timedelta(days=1)


@dataclass(frozen=True, kw_only=True)
class ExpiringAuthorization:
    """A shop whose authorization ends within the warning window, as status shows it."""

    shop_id: int
    shop_name: str | None
    region: str
    main_account_id: int | None
    expires_at: datetime
    days_left: int
    warning: str  # "expires in N days" / "expires in 1 day" / "expires today" / "expired"
    # A link signed by the shop's own partner app (valid 5 minutes) when
    # AUTH_REDIRECT_URL is set: another app's link would authorize the wrong app.
    reauthorize_url: str | None


@dataclass(frozen=True, kw_only=True)
class AuthorizationWarnings:
    """Shops whose authorization ends within the warning window, and how to renew them."""

    now: datetime
    window_days: int
    shops: tuple[ExpiringAuthorization, ...]
    how_to_reauthorize: str


def warning_text(days: int) -> str:
    """The operator's words for `days` left: 'expires in N days', 'expires today', 'expired'."""
    if days > 1:
        return f"expires in {days} days"
    if days == 1:
        return "expires in 1 day"
    if days == 0:
        return "expires today"
    return "expired"


def warnings(deps: Dependencies, now: datetime) -> AuthorizationWarnings:
    """What status and shops show about authorizations running out."""
    shops = tuple(
        ExpiringAuthorization(
            shop_id=s.shop_id,
            shop_name=s.shop_name,
            region=s.region,
            main_account_id=s.main_account_id,
            expires_at=s.authorization_expires_at,
            days_left=days_left(s.authorization_expires_at, now),
            warning=warning_text(days_left(s.authorization_expires_at, now)),
            reauthorize_url=_link(deps, s.shop_id),
        )
        for s in expiring(deps, now)
    )
    return AuthorizationWarnings(
        now=now,
        window_days=WARNING_WINDOW.days,
        shops=shops,
        how_to_reauthorize=(
            "send the seller (for a main account: its owner) a fresh link from "
            "`adsync shops auth-url --redirect YOUR_CALLBACK` (valid 5 minutes), then "
            "`adsync shops authorize` with the code it brings back"
        ),
    )


def _link(deps: Dependencies, shop_id: int) -> str | None:
    """The shop's re-authorization link, signed by its own app; None without a redirect
    URL or when the shop's app is unknown (status still shows the warning)."""
    redirect = deps.settings.auth_redirect_url
    if not redirect:
        return None
    try:
        return deps.partner_api(shop_id).client.authorization_url(redirect)
    except AdsSyncError as exc:
        logger.warning("no re-authorization link", shop_id=shop_id, error=str(exc))
        return None


def days_left(expires_at: datetime, now: datetime) -> int:
    """Whole days until the end (0 on the last day, negative once it has ended)."""
    return (expires_at - now) // timedelta(days=1)


def is_check_due(shop: Shop, now: datetime) -> bool:
    """Whether a sync should ask get_shop_info for the authorization end again now."""
    checked = shop.authorization_checked_at
    if checked is None:
        return True
    expires = shop.authorization_expires_at
    if expires is not None and expires - now < WARNING_WINDOW:
        return now - checked >= RECHECK_WHEN_EXPIRING
    return now - checked >= RECHECK_EVERY


def expiring(deps: Dependencies, now: datetime) -> list[ExpiringShop]:
    """Active shops whose authorization ends within the warning window, soonest first."""
    return deps.shops.expiring(until=now + WARNING_WINDOW)


def check_if_due(shop: Shop, deps: Dependencies, api: PartnerApi) -> None:
    """Ask get_shop_info for the shop's authorization end when the last answer is old.

    A throttle or an ended authorization propagates (the job defers or the shop is
    parked, as for any call); any other failure is logged and the sync goes on."""
    now = deps.clock()
    if not is_check_due(shop, now):
        return
    try:
        info = api.tokens.call(shop.shop_id, api.client.get_shop_info)  # the shop's own app
    except (ThrottledError, AuthorizationEndedError):
        raise
    except ShopeeError as exc:
        logger.warning("authorization expiry not refreshed", shop_id=shop.shop_id, error=str(exc))
        return
    deps.shops.record_authorization(
        shop_id=shop.shop_id,
        expires_at=info.authorization_expires_at,
        now=now,
        shop_name=info.shop_name,
    )
