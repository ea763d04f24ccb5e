"""Token lifecycle: hand out a shop's access token, refreshing it when needed, once.

Refresh tokens are single use and rotate (shopee-ads-api.md §3.3), so a refresh is
single-flight per shop: it runs inside a transaction holding the shop row's lock
(`SELECT ... FOR NO KEY UPDATE`: it excludes other refreshers, not the foreign-key
checks of job inserts) and re-reads the row under the lock; if another worker has
refreshed meanwhile, its pair is used and Shopee is not called. The new pair is
committed before anyone uses it. When Shopee says the authorization is over, the shop
is marked `needs_reauth` and the error raised.

A refresh that gets no reply (`ShopeeReplyLostError`; the transport never resends
one) is uncertain, not a refusal: Shopee may have rotated the pair (the reply with the
new one is lost, and the old access token lives 5 more minutes) or never seen the
call. The shop stays active, `refresh_uncertain_since` is recorded, the alarm metric
`TokenRefreshesUncertain` counts it, and the current access token keeps serving while
it is valid. After `REFRESH_SETTLE` the next refresh is one deliberate retry with the
same token, and its answer decides: a new pair clears the doubt; "Invalid
refresh_token" means the lost call spent it, and the shop is parked saying so.

Tokens never reach a log line, a repr or an exception message.

The manager runs its own short transactions on the `Database` it is given: do not
call it while that connection is inside a transaction.
"""

from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager, nullcontext
from datetime import timedelta
from typing import TypeVar

from adsync.clock import Clock
from adsync.db.connection import Database
from adsync.db.shop_store import ShopStore
from adsync.errors import ConfigError, ShopNotReadyError
from adsync.observability import count, logger
from adsync.shopee.client import ShopeeClient
from adsync.shopee.errors import AuthExpiredError, AuthorizationEndedError, ShopeeReplyLostError
from adsync.shopee.transport import ShopAuth
from adsync.shops import Shop, TokenPair, require_ready

T = TypeVar("T")

DEFAULT_REFRESH_MARGIN = timedelta(minutes=10)
REFRESH_TOKEN_LIFETIME = timedelta(days=30)
# After a refresh got no reply, wait this long before sending the same token again:
# longer than the unanswered request can still be in flight (read timeout 20 s).
REFRESH_SETTLE = timedelta(minutes=1)


def refresh_margin_from_env(env: Mapping[str, str]) -> timedelta:
    """`TOKEN_REFRESH_MARGIN_SECONDS` (default 600): refresh this long before expiry."""
    raw = env.get("TOKEN_REFRESH_MARGIN_SECONDS", "").strip()
    if not raw:
        return DEFAULT_REFRESH_MARGIN
    try:
        seconds = int(raw)
    except ValueError:
        raise ConfigError(f"TOKEN_REFRESH_MARGIN_SECONDS must be an integer, got {raw!r}") from None
    if seconds < 0:
        raise ConfigError("TOKEN_REFRESH_MARGIN_SECONDS must not be negative")
    return timedelta(seconds=seconds)


def _auth(shop: Shop) -> ShopAuth:
    return ShopAuth(shop_id=shop.shop_id, access_token=shop.access_token or "")


class TokenManager:
    """The shops' access tokens: refreshed shortly before expiry or when Shopee rejects them, one
    refresh at a time per shop (a row lock), the new refresh token saved with the access token
    (refresh tokens are single-use)."""

    def __init__(
        self,
        *,
        db: Database,
        shops: ShopStore,
        client: ShopeeClient,
        clock: Clock,
        refresh_margin: timedelta = DEFAULT_REFRESH_MARGIN,
        prepaid: Callable[[], AbstractContextManager[None]] = nullcontext,
    ) -> None:
        # The refresh's budget slot is waited for before its transaction opens: a
        # thread sleeping for a slot must not hold one of the container's connections.
        self._prepaid = prepaid
        self._db = db
        self._shops = shops
        self._client = client
        self._clock = clock
        self._margin = refresh_margin

    def auth_for(self, shop_id: int) -> ShopAuth:
        """The shop's current token; refreshed first when it expires within the margin."""
        shop = require_ready(self._shops.get(shop_id), shop_id)
        if self._is_fresh(shop) or self._is_settling(shop):
            return _auth(shop)
        return self._refresh(shop_id, stale_token=shop.access_token, forced=False)

    def call(self, shop_id: int, fn: Callable[[ShopAuth], T]) -> T:
        """Run `fn` with the shop's token; if Shopee rejects the token, refresh (once,
        even if it looks valid) and run `fn` once more."""
        auth = self.auth_for(shop_id)
        try:
            return fn(auth)
        except AuthExpiredError as exc:
            logger.info("access token rejected; refreshing", shop_id=shop_id, code=exc.code)
        fresh = self._refresh(shop_id, stale_token=auth.access_token, forced=True)
        return fn(fresh)

    def auth_of(self, shop: Shop) -> ShopAuth:
        """The token of a shop row the caller has just read: no second read when it is
        fresh; refreshed first (under the lock) when it expires within the margin."""
        if self._is_fresh(shop):
            return _auth(shop)
        return self._refresh(shop.shop_id, stale_token=shop.access_token, forced=False)

    def replace_rejected(self, shop_id: int, rejected: ShopAuth) -> ShopAuth:
        """Shopee rejected `rejected`: refresh once (even if it looks valid) and return
        the new token (or the one another worker stored meanwhile)."""
        return self._refresh(shop_id, stale_token=rejected.access_token, forced=True)

    def _is_fresh(self, shop: Shop) -> bool:
        expires_at = shop.access_token_expires_at
        return expires_at is not None and expires_at - self._clock() > self._margin

    def _is_valid(self, shop: Shop) -> bool:
        expires_at = shop.access_token_expires_at
        return expires_at is not None and expires_at > self._clock()

    def _is_settling(self, shop: Shop) -> bool:
        """A refresh got no reply moments ago: use the current token, do not resend yet."""
        since = shop.refresh_uncertain_since
        return since is not None and self._clock() - since < REFRESH_SETTLE and self._is_valid(shop)

    def _refresh(self, shop_id: int, *, stale_token: str | None, forced: bool) -> ShopAuth:
        """Refresh under the shop's row lock, unless someone else just did."""
        ended: AuthorizationEndedError | None = None
        lost: ShopeeReplyLostError | None = None
        auth: ShopAuth | None = None
        with self._prepaid(), self._db.transaction():
            shop = require_ready(self._shops.lock_for_refresh(shop_id), shop_id)
            if shop.access_token != stale_token or (not forced and self._is_fresh(shop)):
                return _auth(shop)  # another worker refreshed while we waited for the lock
            if not forced and self._is_settling(shop):
                return _auth(shop)  # another worker's refresh just went unanswered
            if not shop.refresh_token:
                raise ShopNotReadyError(f"shop {shop_id} has no refresh token; authorize it again")
            now = self._clock()
            try:
                grant = self._client.refresh_access_token(
                    refresh_token=shop.refresh_token, shop_id=shop_id
                )
            except ShopeeReplyLostError as exc:
                self._shops.mark_refresh_uncertain(shop_id=shop_id, now=now)
                lost = exc
            except AuthorizationEndedError as exc:
                ended = _definitive(exc, shop)
                # Recorded in this transaction, which must commit: raised after it.
                self._shops.mark_needs_reauth(shop_id=shop_id, reason=str(ended), now=now)
            else:
                tokens = TokenPair(
                    access_token=grant.access_token,
                    refresh_token=grant.refresh_token,
                    access_expires_at=now + timedelta(seconds=grant.expire_in_seconds),
                    refresh_expires_at=now + REFRESH_TOKEN_LIFETIME,
                )
                self._shops.store_refreshed_tokens(shop_id=shop_id, tokens=tokens, now=now)
                auth = ShopAuth(shop_id=shop_id, access_token=grant.access_token)
        if lost is not None:
            count("TokenRefreshesUncertain")
            logger.error(
                "token refresh got no reply; the shop keeps its current token until a "
                "deliberate retry settles it",
                shop_id=shop_id,
                error=str(lost),
            )
            if not forced and self._is_valid(shop):
                return _auth(shop)
            raise lost
        if ended is not None:
            count("ShopsNeedingReauth")
            logger.warning("refresh refused; shop needs re-auth", shop_id=shop_id, code=ended.code)
            raise ended
        assert auth is not None
        count("TokenRefreshes")
        logger.info("access token refreshed", shop_id=shop_id, forced=forced)
        return auth


def _definitive(exc: AuthorizationEndedError, shop: Shop) -> AuthorizationEndedError:
    """Shopee's refusal, saying why when an earlier refresh went unanswered."""
    since = shop.refresh_uncertain_since
    if since is None:
        return exc
    refined = AuthorizationEndedError(
        f"{exc}; a refresh at {since.isoformat()} got no reply: Shopee applied it and the "
        "new token was lost with the reply, so the seller must authorize the app again"
    )
    refined.code = exc.code
    return refined
