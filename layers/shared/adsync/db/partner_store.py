"""The partner apps table (`queries/partners.sql`) and each shop's partner.

Holds where each key lives, never a key. Returns frozen dataclasses.
"""

from dataclasses import dataclass, field
from datetime import datetime

from adsync.db.connection import Database, Row
from adsync.db.sql import query
from adsync.partners import Partner, PartnerUnknownError

_SQL = "partners.sql"


@dataclass(frozen=True, kw_only=True)
class SeedKey:
    """A partner key the seed left in its shops table (`seed_archive`)."""

    partner_id: int
    distinct_keys: int  # more than 1: the seed's rows disagree; nothing is guessed
    shops: int
    partner_key: str = field(repr=False)


@dataclass(frozen=True, kw_only=True)
class PartnerOverview:
    """A partner app and how many shops it holds."""

    partner: Partner
    shop_count: int


def _partner(row: Row) -> Partner:
    rate = row["requests_per_second"]
    return Partner(
        id=row["id"],
        name=row["name"],
        secret_ref=row["secret_ref"],
        base_url=row["base_url"],
        requests_per_second=float(rate) if rate is not None else None,
    )


class PartnerStore:
    """The partners table (apishopee_partners) and each shop's partner."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def upsert(self, partner: Partner, *, now: datetime) -> Partner:
        """Insert or update a partner app; return it as stored."""
        row = self._db.one(
            query(_SQL, "upsert_partner"),
            id=partner.id,
            name=partner.name,
            secret_ref=partner.secret_ref,
            base_url=partner.base_url,
            requests_per_second=partner.requests_per_second,
            now=now,
        )
        assert row is not None
        return _partner(row)

    def insert_if_absent(self, partner: Partner, *, now: datetime) -> None:
        """Insert a partner app unless one with its id exists (rows an operator edited stay)."""
        self._db.run(
            query(_SQL, "insert_partner_if_absent"),
            id=partner.id,
            name=partner.name,
            secret_ref=partner.secret_ref,
            base_url=partner.base_url,
            requests_per_second=partner.requests_per_second,
            now=now,
        )

    def get(self, partner_id: int) -> Partner | None:
        """The partner app with this Shopee partner_id, or None."""
        row = self._db.one(query(_SQL, "get_partner"), id=partner_id)
        return _partner(row) if row else None

    def overview(self) -> list[PartnerOverview]:
        """Every partner app with its shop count."""
        return [
            PartnerOverview(partner=_partner(r), shop_count=r["shop_count"])
            for r in self._db.run(query(_SQL, "list_partners"))
        ]

    def partner_id_of_shop(self, shop_id: int) -> tuple[bool, int | None]:
        """(whether the shop exists, its partner_id or None when it predates partners)."""
        row = self._db.one(query(_SQL, "partner_of_shop"), shop_id=shop_id)
        if row is None:
            return False, None
        return True, row["partner_id"]

    def assign(self, *, shop_id: int, partner_id: int, now: datetime) -> bool:
        """Move a shop to a partner; PartnerUnknownError (nothing changed) for a partner
        not in the table; False when the shop does not exist."""
        if self.get(partner_id) is None:  # the foreign key has the last word
            raise PartnerUnknownError(
                f"partner {partner_id} is not in apishopee_partners; add it first "
                "(console: partner-add)"
            )
        rows = self._db.run(
            query(_SQL, "assign_partner"), shop_id=shop_id, partner_id=partner_id, now=now
        )
        return bool(rows)

    def assign_default(self, *, partner_id: int, now: datetime) -> int:
        """Shops without a partner join `partner_id`; how many did."""
        return len(
            self._db.run(query(_SQL, "assign_default_partner"), partner_id=partner_id, now=now)
        )

    def seed_keys(self) -> list[SeedKey]:
        """Partner keys still in the seed's archived shops table (none: nothing to move)."""
        present = self._db.one(query("adopt.sql", "seed_keys_present"))
        if not (present and present["present"]):
            return []
        return [
            SeedKey(
                partner_id=r["partner_id"],
                distinct_keys=r["keys"],
                shops=r["shops"],
                partner_key=r["partner_key"],
            )
            for r in self._db.run(query("adopt.sql", "seed_partner_keys"))
        ]

    def erase_seed_key(self, partner_id: int) -> int:
        """The key is in its secret now: remove it from the archive; rows changed."""
        return len(
            self._db.run(query("adopt.sql", "erase_seed_partner_key"), partner_id=partner_id)
        )
