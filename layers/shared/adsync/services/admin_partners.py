"""Operator operations on partner apps: add or change one, list them, move a shop.

One implementation for the admin Lambda and the console (`admin_commands`). Adding a
partner is a row (where its key lives, its host, its budget), never a deploy: workers
build the new partner's client on its first shop, and pick up an edited row within
`adsync.services.partners.KEY_MAX_AGE`. The key itself is never accepted here: it goes
into Secrets Manager (docs/deploy.md, "Adding a partner app").
"""

from collections.abc import Mapping
from dataclasses import dataclass

from adsync.config import DEFAULT_SHOPEE_BASE_URL
from adsync.errors import ConfigError
from adsync.observability import logger
from adsync.partners import Partner, validate_partner
from adsync.services.admin import NotFoundError
from adsync.services.dependencies import Dependencies


@dataclass(frozen=True, kw_only=True)
class PartnerView:
    """A partner app as operators see it: where its key lives, never the key."""

    id: int
    name: str
    secret_ref: str
    base_url: str
    requests_per_second: float | None
    budget: str
    shops: int


@dataclass(frozen=True, kw_only=True)
class PartnerList:
    partners: tuple[PartnerView, ...]


@dataclass(frozen=True, kw_only=True)
class ShopPartner:
    shop_id: int
    partner_id: int


def _view(partner: Partner, shops: int) -> PartnerView:
    return PartnerView(
        id=partner.id,
        name=partner.name,
        secret_ref=partner.secret_ref,
        base_url=partner.base_url,
        requests_per_second=partner.requests_per_second,
        budget=partner.budget_name,
        shops=shops,
    )


def add_partner(
    deps: Dependencies,
    *,
    partner_id: int,
    name: str,
    secret_ref: str,
    base_url: str = DEFAULT_SHOPEE_BASE_URL,
    requests_per_second: float | None = None,
) -> PartnerView:
    """Add a partner app, or change an existing one's name, key location, host or rate."""
    partner = validate_partner(
        Partner(
            id=partner_id,
            name=name,
            secret_ref=secret_ref,
            base_url=base_url,
            requests_per_second=requests_per_second,
        )
    )
    _require_readable(partner, deps.env)
    stored = deps.partners.upsert(partner, now=deps.clock())
    logger.info("partner app saved", partner_id=stored.id, partner=stored.name)
    return next(
        _view(p.partner, p.shop_count) for p in deps.partners.list() if p.partner.id == stored.id
    )


def _require_readable(partner: Partner, env: Mapping[str, str]) -> None:
    """In AWS (PARTNER_SECRET_PREFIX set) a key must live where the functions may read
    it: under the prefix, or the deployment's own partner secret. Refused otherwise,
    before a worker ever fails on it."""
    prefix = env.get("PARTNER_SECRET_PREFIX")
    ref = partner.secret_ref
    if not prefix or ref == env.get("SHOPEE_PARTNER_SECRET_ARN"):
        return
    if partner.env_key_name is not None:
        raise ConfigError(f"{ref}: env: references are for local runs; in AWS name a secret")
    name = ref.split(":secret:", 1)[1] if ":secret:" in ref else ref
    if not name.startswith(prefix):
        raise ConfigError(
            f"secret {ref} is outside {prefix}: the functions may read partner keys only "
            f"there (template parameter PartnerSecretPrefix); create it as {prefix}<name>"
        )


def list_partners(deps: Dependencies) -> PartnerList:
    return PartnerList(partners=tuple(_view(p.partner, p.shop_count) for p in deps.partners.list()))


def set_shop_partner(deps: Dependencies, *, shop_id: int, partner_id: int) -> ShopPartner:
    """Move a shop to another partner app (PartnerUnknownError for an unknown one)."""
    if not deps.partners.assign(shop_id=shop_id, partner_id=partner_id, now=deps.clock()):
        raise NotFoundError(f"shop {shop_id} is not in apishopee_shops")
    logger.info("shop moved to partner", shop_id=shop_id, partner_id=partner_id)
    return ShopPartner(shop_id=shop_id, partner_id=partner_id)
