"""Operator operations on partner apps: add or change one, list them, move a shop.

One implementation for the admin Lambda and the console (`admin_commands`). Adding a
partner is a row (where its key lives, its host, its budget), never a deploy: workers
build the new partner's client on its first shop, and pick up an edited row within
`adsync.services.partners.KEY_MAX_AGE`. The key itself is never accepted here: it goes
into Secrets Manager (docs/deploy.md, "Adding a partner app").
"""

import json
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from adsync.config import DEFAULT_PARTNER_SECRET_PREFIX, DEFAULT_SHOPEE_BASE_URL
from adsync.db.partner_store import SeedKey
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
    """The reply of `partners`: every partner app."""

    partners: tuple[PartnerView, ...]


@dataclass(frozen=True, kw_only=True)
class ShopPartner:
    """The reply of `shop-partner`: the shop and the partner app it now belongs to."""

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
        _view(p.partner, p.shop_count)
        for p in deps.partners.overview()
        if p.partner.id == stored.id
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
    """Every partner app with its shop count (no key, only where it lives)."""
    return PartnerList(
        partners=tuple(_view(p.partner, p.shop_count) for p in deps.partners.overview())
    )


def set_shop_partner(deps: Dependencies, *, shop_id: int, partner_id: int) -> ShopPartner:
    """Move a shop to another partner app (PartnerUnknownError for an unknown one)."""
    if not deps.partners.assign(shop_id=shop_id, partner_id=partner_id, now=deps.clock()):
        raise NotFoundError(f"shop {shop_id} is not in apishopee_shops")
    logger.info("shop moved to partner", shop_id=shop_id, partner_id=partner_id)
    return ShopPartner(shop_id=shop_id, partner_id=partner_id)


@dataclass(frozen=True, kw_only=True)
class SeedKeyMove:
    """One seed partner key: where it goes, and whether it went (never the key)."""

    partner_id: int
    shops: int
    secret_name: str
    status: str  # moved | waiting (not asked to move) | conflict (the seed's rows disagree)
    note: str


@dataclass(frozen=True, kw_only=True)
class SeedKeys:
    """The reply of `seed-keys`: where each seed partner key goes, and how many moved."""

    keys: tuple[SeedKeyMove, ...]
    moved: int


def move_seed_keys(deps: Dependencies, *, move: bool = False, secrets: Any = None) -> SeedKeys:
    """The partner keys the seed kept in its shop rows (now in `seed_archive`): with
    `move`, each goes into its own secret under PARTNER_SECRET_PREFIX, its partner row
    points there, and only then is it erased from the archive. A key is written nowhere
    but its secret; a failed write erases nothing. Without `move`, says what would be done."""
    prefix = deps.env.get("PARTNER_SECRET_PREFIX") or DEFAULT_PARTNER_SECRET_PREFIX
    results = []
    for key in deps.partners.seed_keys():
        name = f"{prefix}seed-{key.partner_id}"
        if key.distinct_keys > 1:
            note = (
                f"{key.distinct_keys} different keys in the seed's rows for this partner: "
                "put the right one in the secret by hand, then erase the others"
            )
            results.append(_move(key, name, "conflict", note))
            continue
        if not move:
            results.append(_move(key, name, "waiting", "run with move: true to move it"))
            continue
        _write_secret(secrets or _secrets_client(), name, key)
        _point_partner_at(deps, key.partner_id, name)
        deps.partners.erase_seed_key(key.partner_id)
        logger.info("seed partner key moved to its secret", partner_id=key.partner_id)
        results.append(_move(key, name, "moved", "in its secret; erased from seed_archive"))
    return SeedKeys(keys=tuple(results), moved=sum(r.status == "moved" for r in results))


def _move(key: SeedKey, name: str, status: str, note: str) -> SeedKeyMove:
    return SeedKeyMove(
        partner_id=key.partner_id, shops=key.shops, secret_name=name, status=status, note=note
    )


def _secrets_client() -> Any:
    import boto3  # on first use only: most admin commands never touch Secrets Manager

    return boto3.session.Session().client("secretsmanager")


def _write_secret(client: Any, name: str, key: SeedKey) -> None:
    value = json.dumps({"partner_id": key.partner_id, "partner_key": key.partner_key})
    try:
        try:
            client.create_secret(Name=name, SecretString=value)
        except client.exceptions.ResourceExistsException:
            client.put_secret_value(SecretId=name, SecretString=value)
    except Exception as exc:  # botocore's errors; never chained: they may quote the call
        raise ConfigError(
            f"cannot write secret {name}: {type(exc).__name__}; nothing was erased"
        ) from None


def _point_partner_at(deps: Dependencies, partner_id: int, name: str) -> None:
    partner = deps.partners.get(partner_id)
    if partner is None:  # adopted before partners existed
        partner = Partner(
            id=partner_id, name=f"seed-{partner_id}", secret_ref=name,
            base_url=DEFAULT_SHOPEE_BASE_URL,
        )  # fmt: skip
    deps.partners.upsert(replace(partner, secret_ref=name), now=deps.clock())
