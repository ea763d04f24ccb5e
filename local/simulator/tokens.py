"""OAuth state of the simulated platform: auth codes, token pairs, shop authorizations (doc §3).

Owns the rules: codes are single use and short-lived; refresh tokens are single use and
rotate; after a refresh the previous access token keeps working for a grace period; a
revoked or expired authorization stops everything. A main-account code (§3.2) yields one
pair shared by all its shops; each shop spends the shared refresh token once, with its own
shop_id, and gets its own pair (§3.3: "after the first refresh every shop gets its own
independent pair"); the shared access token keeps serving the shops that have not. All
state sits behind one lock because workers refresh and call concurrently. Must not read
the clock (callers pass `now`) and must not know about HTTP.
"""

import secrets
import threading
from dataclasses import dataclass
from datetime import datetime

from local.simulator.errors import ApiError
from local.simulator.settings import SimulatorSettings


@dataclass(frozen=True, kw_only=True)
class TokenPair:
    access_token: str
    refresh_token: str
    access_expires_at: datetime
    refresh_expires_at: datetime


@dataclass(kw_only=True)
class _Authorization:
    granted_at: datetime
    expires_at: datetime
    revoked: bool = False

    def is_active(self, now: datetime) -> bool:
        return not self.revoked and now < self.expires_at


@dataclass(frozen=True, kw_only=True)
class AuthorizationWindow:
    granted_at: datetime
    expires_at: datetime


@dataclass(kw_only=True)
class _Code:
    shop_ids: tuple[int, ...]
    expires_at: datetime
    main_account_id: int | None = None
    used: bool = False


@dataclass(kw_only=True)
class _Access:
    expires_at: dict[int, datetime]  # per shop: a shared token dies shop by shop


@dataclass(kw_only=True)
class _Refresh:
    unspent: set[int]  # shops that may still spend it (one for a shop-account pair)
    expires_at: datetime
    access_token: str  # issued together; its life is cut to the grace period on refresh


class TokenStore:
    def __init__(self, settings: SimulatorSettings) -> None:
        self._settings = settings
        self._lock = threading.Lock()
        self._authorizations: dict[int, _Authorization] = {}
        self._codes: dict[str, _Code] = {}
        self._access: dict[str, _Access] = {}
        self._refresh: dict[str, _Refresh] = {}

    def authorize(self, shop_id: int, *, now: datetime) -> str:
        """The seller consents (again): a fresh authorization and a single-use code."""
        return self._consent((shop_id,), main_account_id=None, now=now)

    def authorize_main_account(
        self, main_account_id: int, shop_ids: tuple[int, ...], *, now: datetime
    ) -> str:
        """A main account consents for all its shops: one code for all of them (§3.1)."""
        return self._consent(shop_ids, main_account_id=main_account_id, now=now)

    def _consent(
        self, shop_ids: tuple[int, ...], *, main_account_id: int | None, now: datetime
    ) -> str:
        code = secrets.token_hex(16)
        with self._lock:
            for shop_id in shop_ids:
                self._authorizations[shop_id] = _Authorization(
                    granted_at=now, expires_at=now + self._settings.authorization_ttl
                )
            self._codes[code] = _Code(
                shop_ids=shop_ids,
                main_account_id=main_account_id,
                expires_at=now + self._settings.auth_code_ttl,
            )
        return code

    def issue(self, shop_id: int, *, now: datetime) -> TokenPair:
        """Authorize and hand out a pair without the code round trip (test seeding)."""
        with self._lock:
            self._authorizations[shop_id] = _Authorization(
                granted_at=now, expires_at=now + self._settings.authorization_ttl
            )
            return self._new_pair((shop_id,), now)

    def exchange_code(self, code: str, *, shop_id: int, now: datetime) -> TokenPair:
        """A shop account's code: the pair of its one shop."""
        with self._lock:
            grant = self._codes.get(code)
            if (
                grant is None
                or grant.used
                or now >= grant.expires_at
                or grant.main_account_id is not None
                or grant.shop_ids != (shop_id,)
            ):
                raise ApiError("invalid_code", "Invalid code")
            grant.used = True
            if not self._is_authorized(shop_id, now):
                raise ApiError("shop_access_expired", "The shop authorization has expired.")
            return self._new_pair((shop_id,), now)

    def exchange_main_account_code(
        self, code: str, *, main_account_id: int, now: datetime
    ) -> tuple[TokenPair, tuple[int, ...]]:
        """A main account's code: one pair shared by its shops, and their ids."""
        with self._lock:
            grant = self._codes.get(code)
            if (
                grant is None
                or grant.used
                or now >= grant.expires_at
                or grant.main_account_id != main_account_id
            ):
                raise ApiError("invalid_code", "Invalid code")
            grant.used = True
            shop_ids = tuple(s for s in grant.shop_ids if self._is_authorized(s, now))
            return self._new_pair(shop_ids, now), shop_ids

    def refresh(self, refresh_token: str, *, shop_id: int, now: datetime) -> TokenPair:
        with self._lock:
            grant = self._refresh.get(refresh_token)
            if grant is None or shop_id not in grant.unspent:
                raise ApiError("error_auth", "Invalid refresh_token.")
            if not self._is_authorized(shop_id, now):
                raise ApiError("shop_access_expired", "The shop authorization has expired.")
            if now >= grant.expires_at:
                raise ApiError("refresh_token_expired", "The refresh_token has expired.")
            grant.unspent.discard(shop_id)
            previous = self._access.get(grant.access_token)
            if previous is not None and shop_id in previous.expires_at:
                grace_end = now + self._settings.old_access_token_grace
                previous.expires_at[shop_id] = min(previous.expires_at[shop_id], grace_end)
            return self._new_pair((shop_id,), now)

    def authorization_window(self, shop_id: int) -> AuthorizationWindow | None:
        """When the shop's authorization began and when it ends (get_shop_info, §3.4)."""
        with self._lock:
            authorization = self._authorizations.get(shop_id)
            if authorization is None:
                return None
            return AuthorizationWindow(
                granted_at=authorization.granted_at, expires_at=authorization.expires_at
            )

    def check_access(self, access_token: str, *, shop_id: int, now: datetime) -> None:
        """Raise the gateway's error unless the token may call shop APIs for this shop."""
        with self._lock:
            grant = self._access.get(access_token)
            expires_at = grant.expires_at.get(shop_id) if grant is not None else None
            if expires_at is not None:
                if not self._is_authorized(shop_id, now):
                    raise ApiError("error_auth", "Invalid partner_id or shopid.")
                if now < expires_at:
                    return
        code = self._settings.invalid_token_error
        message = (
            "Invalid access_token, please have a check."
            if code == "invalid_acceess_token"
            else "Invalid access_token."
        )
        raise ApiError(code, message)

    def revoke(self, shop_id: int) -> None:
        with self._lock:
            authorization = self._authorizations.get(shop_id)
            if authorization is not None:
                authorization.revoked = True

    def expire_access_tokens(self, shop_id: int, *, now: datetime) -> None:
        with self._lock:
            for grant in self._access.values():
                if shop_id in grant.expires_at:
                    grant.expires_at[shop_id] = min(grant.expires_at[shop_id], now)

    def _is_authorized(self, shop_id: int, now: datetime) -> bool:
        authorization = self._authorizations.get(shop_id)
        return authorization is not None and authorization.is_active(now)

    def _new_pair(self, shop_ids: tuple[int, ...], now: datetime) -> TokenPair:
        # Caller holds the lock.
        pair = TokenPair(
            access_token=secrets.token_hex(16),
            refresh_token=secrets.token_hex(16),
            access_expires_at=now + self._settings.access_token_ttl,
            refresh_expires_at=now + self._settings.refresh_token_ttl,
        )
        self._access[pair.access_token] = _Access(
            expires_at=dict.fromkeys(shop_ids, pair.access_expires_at)
        )
        self._refresh[pair.refresh_token] = _Refresh(
            unspent=set(shop_ids),
            expires_at=pair.refresh_expires_at,
            access_token=pair.access_token,
        )
        return pair
