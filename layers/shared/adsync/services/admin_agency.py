"""Operator operations for agencies: authorize a main account (all its shops from one
code) and give a shop a lasting tier. One implementation each, for the console here and
the admin Lambda (adsync.services.admin_commands routes to them). Never returns a token.
"""

from dataclasses import dataclass

from adsync.jobs import SyncType
from adsync.services.admin import BACKFILL_PRIORITY, NotFoundError, send_jobs
from adsync.services.dependencies import Dependencies
from adsync.services.onboarding import OnboardedShop, onboard_main_account
from adsync.tiers import Tier


@dataclass(frozen=True, kw_only=True)
class MainAccountAuthorized:
    """The reply of `authorize-main`: the shops stored, and those listed but not stored."""

    main_account_id: int
    shops: tuple[OnboardedShop, ...]
    failed: tuple[tuple[int, str], ...]  # listed by Shopee, not stored: (shop_id, why)
    backfill_jobs: int


@dataclass(frozen=True, kw_only=True)
class TierChange:
    """The reply of `shop-tier`: the shop's tier now, and whether it changed."""

    shop_id: int
    tier: str
    changed: bool


def authorize_main_account(
    deps: Dependencies,
    *,
    main_account_id: int,
    code: str,
    backfill: bool = True,
    partner_id: int | None = None,
) -> MainAccountAuthorized:
    """Exchange a main account's code, store every shop it brings (name and region from
    Shopee) and record and send each one's backfill_full job."""
    result = onboard_main_account(
        deps, main_account_id=main_account_id, code=code, partner_id=partner_id
    )
    dispatches = []
    if backfill:
        shop_ids = [s.shop_id for s in result.shops]
        dispatches = deps.jobs.insert_jobs(
            sync_type=SyncType.BACKFILL_FULL.value,
            priority=BACKFILL_PRIORITY,
            shop_ids=shop_ids,
            days_ago=[None] * len(shop_ids),
            target_days=[None] * len(shop_ids),
            now=deps.clock(),
        )
        send_jobs(deps, dispatches)
    return MainAccountAuthorized(
        main_account_id=main_account_id,
        shops=result.shops,
        failed=result.failed,
        backfill_jobs=len(dispatches),
    )


def set_shop_tier(deps: Dependencies, *, shop_id: int, tier: Tier) -> TierChange:
    """Give a shop a tier every later tick honours (adsync/tiers.py). Jobs already
    queued keep their priority; the next tick uses the new tier."""
    changed = deps.shops.set_tier(shop_id=shop_id, tier=tier, now=deps.clock())
    if changed is None:
        raise NotFoundError(f"no shop {shop_id}")
    return TierChange(shop_id=shop_id, tier=tier.value, changed=changed)
