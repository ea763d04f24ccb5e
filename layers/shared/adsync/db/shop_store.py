"""The shops table: who is synced, with which tokens. Tokens never leave in a repr."""

from datetime import datetime

from adsync.db.connection import Database
from adsync.db.sql import query
from adsync.shops import Shop, ShopStatus, TokenPair

_SQL = "shops.sql"


class ShopStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    def eligible(self) -> list[tuple[int, str]]:
        """(shop_id, region) of every shop the schedules sync."""
        return [(r["shop_id"], r["region"]) for r in self._db.run(query(_SQL, "eligible_shops"))]

    def get(self, shop_id: int) -> Shop | None:
        row = self._db.one(query(_SQL, "get_shop"), shop_id=shop_id)
        if row is None:
            return None
        return Shop(
            shop_id=row["shop_id"],
            region=row["region"],
            status=ShopStatus(row["status"]),
            shop_name=row["shop_name"],
            access_token=row["access_token"],
            refresh_token=row["refresh_token"],
            access_token_expires_at=row["access_token_expires_at"],
            last_synced_at=row["last_synced_at"],
        )

    def upsert(
        self,
        *,
        shop_id: int,
        region: str,
        tokens: TokenPair,
        now: datetime,
        shop_name: str | None = None,
    ) -> None:
        """Add a shop, or give an existing one fresh tokens and make it active again."""
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
        )

    def mark_synced(self, *, shop_id: int, now: datetime) -> None:
        self._db.run(query(_SQL, "mark_synced"), shop_id=shop_id, now=now)

    def mark_needs_reauth(self, *, shop_id: int, reason: str, now: datetime) -> None:
        """Stop syncing a shop until the seller authorizes the app again."""
        self._db.run(query(_SQL, "mark_needs_reauth"), shop_id=shop_id, reason=reason, now=now)

    def oldest_sync(self) -> datetime | None:
        row = self._db.one(query(_SQL, "oldest_sync"))
        return row["oldest"] if row else None
