"""The shops table: who is synced, with which tokens. Tokens never leave in a repr."""

from dataclasses import dataclass
from datetime import datetime

from adsync.db.connection import Database, Row
from adsync.db.sql import query
from adsync.regions import region_timezone
from adsync.shops import AuthorizationFacts, EligibleShop, Shop, ShopStatus, TokenPair
from adsync.tiers import Tier

_SQL = "shops.sql"
_UNKNOWN = AuthorizationFacts()  # nothing learnt of the authorization (yet)


@dataclass(frozen=True, kw_only=True)
class ShopOverview:
    """A shop as operators see it: status and token expiry, never the tokens."""

    shop_id: int
    region: str
    status: ShopStatus
    status_reason: str | None
    shop_name: str | None
    has_token: bool
    access_token_expires_at: datetime | None
    refresh_token_expires_at: datetime | None
    last_synced_at: datetime | None
    campaign_count: int | None = None  # as of the last completed sync
    tier: Tier = Tier.NORMAL
    main_account_id: int | None = None
    authorization_expires_at: datetime | None = None
    # Today's daily rows in realtime: "from_hours", "differed" or "unchecked" (shops.sql).
    daily_rows: str = "unchecked"


@dataclass(frozen=True, kw_only=True)
class ExpiringShop:
    """An active shop whose authorization ends soon (or has ended)."""

    shop_id: int
    region: str
    shop_name: str | None
    main_account_id: int | None
    authorization_expires_at: datetime


def shop_with_tokens(row: Row) -> Shop:
    """A Shop from a row of get_shop's columns (claim_job's shop_* columns, unprefixed)."""
    return Shop(
        shop_id=row["shop_id"],
        region=row["region"],
        status=ShopStatus(row["status"]),
        shop_name=row["shop_name"],
        access_token=row["access_token"],
        refresh_token=row["refresh_token"],
        access_token_expires_at=row["access_token_expires_at"],
        last_synced_at=row["last_synced_at"],
        sync_state=row.get("sync_state"),
        refresh_uncertain_since=row["refresh_uncertain_since"],
        gms_status=row.get("gms_status"),
        gms_checked_at=row.get("gms_checked_at"),
        tier=Tier(row["tier"]),
        main_account_id=row["main_account_id"],
        authorization_expires_at=row["authorization_expires_at"],
        authorization_checked_at=row["authorization_checked_at"],
        partner_id=row.get("partner_id"),
    )


class ShopStore:
    """The shop table: tokens, status and sync state."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def eligible(self, *, now: datetime) -> list[EligibleShop]:
        """Every shop the schedules sync at `now`, biggest first."""
        return [
            EligibleShop(
                shop_id=r["shop_id"],
                region=r["region"],
                tier=Tier(r["tier"]),
                campaign_count=r["campaign_count"],
            )
            for r in self._db.run(query(_SQL, "eligible_shops"), now=now)
        ]

    def get(self, shop_id: int) -> Shop | None:
        """The shop with its tokens, None for an unknown shop."""
        row = self._db.one(query(_SQL, "get_shop"), shop_id=shop_id)
        return shop_with_tokens(row) if row else None

    def upsert(
        self,
        *,
        shop_id: int,
        region: str,
        tokens: TokenPair,
        now: datetime,
        shop_name: str | None = None,
        authorization: AuthorizationFacts = _UNKNOWN,
    ) -> None:
        """Add a shop, or give an existing one fresh tokens and make it active again.

        Raises UnknownRegionError for a region no marketplace table knows: such a row
        could never be synced."""
        region_timezone(region)
        self._db.run(
            query(_SQL, "upsert_shop"),
            shop_id=shop_id,
            region=region.upper(),
            shop_name=shop_name,
            access_token=tokens.access_token,
            refresh_token=tokens.refresh_token,
            access_expires_at=tokens.access_expires_at,
            refresh_expires_at=tokens.refresh_expires_at,
            now=now,
            main_account_id=authorization.main_account_id,
            authorization_expires_at=authorization.expires_at,
            authorization_checked_at=authorization.checked_at,
        )

    def record_authorization(
        self,
        *,
        shop_id: int,
        expires_at: datetime | None,
        now: datetime,
        shop_name: str | None = None,
    ) -> None:
        """Store get_shop_info's expire_time (None: Shopee gave none) as of `now`, and its
        shop name if the row has none."""
        self._db.run(
            query(_SQL, "record_authorization"),
            shop_id=shop_id,
            expires_at=expires_at,
            now=now,
            shop_name=shop_name,
        )

    def set_tier(self, *, shop_id: int, tier: Tier, now: datetime) -> bool | None:
        """Give the shop a tier; whether it changed, None when there is no such shop."""
        row = self._db.one(query(_SQL, "set_tier"), shop_id=shop_id, tier=tier.value, now=now)
        return bool(row["changed"]) if row else None

    def expiring(self, *, until: datetime) -> list[ExpiringShop]:
        """Active shops whose authorization ends before `until`, soonest first."""
        return [
            ExpiringShop(
                shop_id=r["shop_id"],
                region=r["region"],
                shop_name=r["shop_name"],
                main_account_id=r["main_account_id"],
                authorization_expires_at=r["authorization_expires_at"],
            )
            for r in self._db.run(query(_SQL, "expiring_authorizations"), until=until)
        ]

    def mark_synced(self, *, shop_id: int, campaign_count: int, now: datetime) -> None:
        """Record a completed sync and the shop's campaign count."""
        self._db.run(
            query(_SQL, "mark_synced"), shop_id=shop_id, campaign_count=campaign_count, now=now
        )

    def mark_needs_reauth(self, *, shop_id: int, reason: str, now: datetime) -> None:
        """Stop syncing a shop until the seller authorizes the app again."""
        self._db.run(query(_SQL, "mark_needs_reauth"), shop_id=shop_id, reason=reason, now=now)

    def oldest_sync(self) -> datetime | None:
        """The last sync of the active shop synced longest ago, None if there is none."""
        row = self._db.one(query(_SQL, "oldest_sync"))
        return row["oldest"] if row else None

    def lock_for_refresh(self, shop_id: int) -> Shop | None:
        """Read the shop and hold its row lock until the caller's transaction ends."""
        row = self._db.one(query(_SQL, "lock_shop_for_refresh"), shop_id=shop_id)
        return shop_with_tokens(row) if row else None

    def store_refreshed_tokens(self, *, shop_id: int, tokens: TokenPair, now: datetime) -> None:
        """Replace the shop's pair after a refresh (status unchanged)."""
        self._db.run(
            query(_SQL, "store_refreshed_tokens"),
            shop_id=shop_id,
            access_token=tokens.access_token,
            refresh_token=tokens.refresh_token,
            access_expires_at=tokens.access_expires_at,
            refresh_expires_at=tokens.refresh_expires_at,
            now=now,
        )

    def mark_refresh_uncertain(self, *, shop_id: int, now: datetime) -> None:
        """A refresh got no reply: keep the shop, remember since when we are unsure."""
        self._db.run(query(_SQL, "mark_refresh_uncertain"), shop_id=shop_id, now=now)

    def overview(self) -> list[ShopOverview]:
        """Every shop, by id, for operators (no tokens)."""
        return [
            ShopOverview(
                shop_id=r["shop_id"],
                region=r["region"],
                status=ShopStatus(r["status"]),
                status_reason=r["status_reason"],
                shop_name=r["shop_name"],
                has_token=bool(r["has_token"]),
                access_token_expires_at=r["access_token_expires_at"],
                refresh_token_expires_at=r["refresh_token_expires_at"],
                last_synced_at=r["last_synced_at"],
                campaign_count=r["campaign_count"],
                tier=Tier(r["tier"]),
                main_account_id=r["main_account_id"],
                authorization_expires_at=r["authorization_expires_at"],
                daily_rows=r["daily_rows"],
            )
            for r in self._db.run(query(_SQL, "list_shops"))
        ]
