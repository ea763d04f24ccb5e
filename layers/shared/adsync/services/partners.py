"""Each shop's partner app: its Shopee client, token manager and request budget.

A shop belongs to one partner (`apishopee_shops.partner_id`). Each partner gets its own
client (signed with its own key, read from where its row says), its own budget row
(`shopee-partner-<id>`: its own rate and its own pauses, so a throttle on one app never
slows another) and a token manager refreshing through that client. A shop whose
partner_id is NULL predates partners: it is synced under the deployment's default
partner (`SHOPEE_PARTNER_*`), which `ensure_default_partner` writes into the table and
assigns at deploy time. A shop of no known partner is refused (PartnerUnknownError:
its job fails at once, it is not retried).

Keys are read once per partner per container and read again after KEY_MAX_AGE, so a
rotated secret (or a partner edited by `partner-add`) is picked up without a deploy.
Keys never reach a log line, a repr or the database.
"""

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from adsync.clock import Clock
from adsync.config import (
    DEFAULT_SHOPEE_BASE_URL,
    PartnerCredentials,
    load_partner_credentials,
    load_partner_key,
)
from adsync.db.partner_store import PartnerStore
from adsync.errors import ConfigError, ShopNotReadyError
from adsync.observability import logger
from adsync.partners import Partner, PartnerUnknownError, validate_partner
from adsync.services.budget import RateBudget
from adsync.services.tokens import TokenManager
from adsync.shopee.client import ShopeeClient

KEY_MAX_AGE = timedelta(minutes=5)  # as long as Powertools caches a secret


@dataclass(frozen=True, kw_only=True)
class PartnerApi:
    """What a sync of one shop calls Shopee with: all of its partner's."""

    partner_id: int
    client: ShopeeClient
    tokens: TokenManager
    budget: RateBudget | None


@dataclass(frozen=True, kw_only=True)
class _Built:
    api: PartnerApi
    built_at: datetime


Build = Callable[[Partner, PartnerCredentials], PartnerApi]


@dataclass(kw_only=True)
class PartnerApis:
    """One PartnerApi per partner of this container, built on first use."""

    store: PartnerStore
    build: Build
    default: Callable[[], PartnerApi]
    clock: Clock
    env: Mapping[str, str]
    _built: dict[int, _Built] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def for_shop(self, shop_id: int) -> PartnerApi:
        """The shop's partner app (the default one when the shop names none)."""
        exists, partner_id = self.store.partner_id_of_shop(shop_id)
        if not exists:
            raise ShopNotReadyError(f"shop {shop_id} is not in apishopee_shops")
        return self.of(shop_id, partner_id)

    def of(self, shop_id: int, partner_id: int | None) -> PartnerApi:
        """The api of partner `partner_id` (None: the default one) for shop `shop_id`,
        with no lookup: the claim read the shop's partner_id with its row."""
        if partner_id is None:
            try:
                return self.default()
            except ConfigError as exc:
                raise PartnerUnknownError(
                    f"shop {shop_id} belongs to no partner app and no default partner is "
                    f"configured ({exc}); assign one: console shop-partner"
                ) from None
        return self.for_partner(partner_id)

    def budgets(self) -> dict[int, RateBudget]:
        """The request budgets of the partner apps this container has built (by partner
        id), those `for_partner` would hand out now rather than rebuild: a claim may
        reserve their slots. No lookup and no build: an app not built yet has none."""
        now = self.clock()
        with self._lock:
            return {
                partner_id: built.api.budget
                for partner_id, built in self._built.items()
                if built.api.budget is not None and now - built.built_at < KEY_MAX_AGE
            }

    def for_partner(self, partner_id: int) -> PartnerApi:
        """A partner app's client, tokens and budget, rebuilt when older than KEY_MAX_AGE."""
        now = self.clock()
        with self._lock:
            built = self._built.get(partner_id)
            if built is not None and now - built.built_at < KEY_MAX_AGE:
                return built.api
        partner = self.store.get(partner_id)
        if partner is None:
            raise PartnerUnknownError(
                f"partner {partner_id} is not in apishopee_partners; add it (console "
                "partner-add) or move its shops to another partner"
            )
        credentials = load_partner_key(
            partner_id=partner.id, secret_ref=partner.secret_ref, env=self.env
        )
        api = self.build(partner, credentials)
        with self._lock:
            self._built[partner_id] = _Built(api=api, built_at=now)
        logger.info("partner client built", partner_id=partner_id, partner=partner.name)
        return api


def default_partner(env: Mapping[str, str], credentials: PartnerCredentials) -> Partner:
    """The deployment's single partner of before (SHOPEE_PARTNER_*) as a partners row."""
    arn = env.get("SHOPEE_PARTNER_SECRET_ARN")
    # Its rate stays NULL: PartnerRequestsPerSecond keeps governing it, deploy after deploy.
    return validate_partner(
        Partner(
            id=credentials.partner_id,
            name=f"default-{credentials.partner_id}",
            secret_ref=arn or "env:SHOPEE_PARTNER_KEY",
            base_url=env.get("SHOPEE_BASE_URL") or DEFAULT_SHOPEE_BASE_URL,
            requests_per_second=None,
        )
    )


def ensure_default_partner(
    store: PartnerStore, *, env: Mapping[str, str], credentials: PartnerCredentials, now: datetime
) -> int:
    """Write the default partner (if absent) and give it every shop without a partner;
    return how many shops it was given. Run at deploy time (the migrations resource)
    and by the local stack. The key is not read here beyond its partner_id."""
    partner = default_partner(env, credentials)
    store.insert_if_absent(partner, now=now)
    assigned = store.assign_default(partner_id=partner.id, now=now)
    if assigned:
        logger.info("shops given the default partner", partner_id=partner.id, shops=assigned)
    return assigned


def default_partner_on_deploy(
    store: PartnerStore, *, env: Mapping[str, str], now: datetime
) -> int | None:
    """The deploy step (after the migrations): the default partner from SHOPEE_PARTNER_*
    (its secret read for its partner_id only), and the shops it takes over. None when no
    partner is configured at all (a database-only deploy or test)."""
    if not env.get("SHOPEE_PARTNER_SECRET_ARN") and not env.get("SHOPEE_PARTNER_ID"):
        return None
    return ensure_default_partner(
        store, env=env, credentials=load_partner_credentials(env), now=now
    )
