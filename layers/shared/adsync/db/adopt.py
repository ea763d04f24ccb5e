"""Adopting a database that already holds the seed system's tables.

Users of the seed (Supabase) system bring a Postgres where `apishopee_shops`, the
`apishopee_ads_*` tables and `apishopee_ads_sync_queue` exist with the seed's columns.
Our migrations would fail on them, so `apply_migrations` calls this module around its
files: `archive_seed` first moves the seed's tables, views and colliding functions into
schema `seed_archive` (nothing is dropped, every row stays), then, once our tables
exist, `import_seed` copies shops, ads rows and live jobs into them (named SQL in
`queries/adopt.sql`; docs/adopting-seed.md says what maps to what).

Seed tables are recognised by their shape, not by migration history, so this works on a
database whose `schema_migrations` is empty. Both steps are idempotent:
`seed_archive.adoption_log` records what was archived and imported. This module never
drops anything and never copies the seed's partner keys out of the archive: it maps the
seed's per-shop partner_id to partner rows, and `adsync.services.admin_partners.
move_seed_keys` moves the keys into Secrets Manager (docs/adopting-seed.md).
"""

import json

from adsync.config import DEFAULT_PARTNER_SECRET_PREFIX, DEFAULT_SHOPEE_BASE_URL
from adsync.db.connection import Database
from adsync.db.sql import query
from adsync.errors import DatabaseError, MigrationError
from adsync.regions import TIME_ZONES

# Archived table -> the block that imports it, in dependency order (jobs need shops).
IMPORTS: tuple[tuple[str, str], ...] = (
    ("apishopee_shops", "import_shops"),
    ("apishopee_ads_campaign_data", "import_campaign_data"),
    ("apishopee_ads_performance_daily", "import_performance_daily"),
    ("apishopee_ads_performance_hourly", "import_performance_hourly"),
    ("apishopee_ads_shop_performance_daily", "import_shop_performance_daily"),
    ("apishopee_ads_shop_performance_hourly", "import_shop_performance_hourly"),
    ("apishopee_ads_sync_queue", "import_live_jobs"),
)
_NEEDS_REGIONS = frozenset({"import_shops", "import_live_jobs"})
# A restored seed dump is usually owned by the role that restored it, not by ours.
_OWNER_ADVICE = (
    "; the stack's database role must own the seed's tables to move them: "
    "as their owner run REASSIGN OWNED BY <their owner> TO <our role> (or restore the "
    "dump with pg_restore --no-owner --role=<our role>), see docs/adopting-seed.md"
)


def archive_seed(db: Database) -> list[str]:
    """Move seed-shaped tables (and what depends on them) into `seed_archive`.

    Return what was moved now, e.g. ["table apishopee_shops", "view v_stuck_ads_sync"];
    an empty list when the database holds no seed table (ours, or a fresh one).
    """
    with db.transaction():
        db.run(query("migrations.sql", "no_statement_timeout"))
        try:
            db.run(query("adopt.sql", "archive_seed"))
        except DatabaseError as exc:
            advice = _OWNER_ADVICE if exc.sqlstate == "42501" else ""
            raise MigrationError(
                f"seed archive failed: {exc}{advice}", sqlstate=exc.sqlstate
            ) from exc
        if not _archive_present(db):
            return []
        return [r["archived"] for r in db.run(query("adopt.sql", "archived_now"))]


def import_seed(db: Database) -> dict[str, int]:
    """Copy every archived seed table not yet imported into ours, in one transaction.

    Return {table: rows imported now}; empty when there is nothing (left) to import.
    """
    if not _archive_present(db):
        return {}
    waiting = {r["table_name"] for r in db.run(query("adopt.sql", "tables_to_import"))}
    steps = [(table, block) for table, block in IMPORTS if table in waiting]
    if not steps:
        return {}
    imported: dict[str, int] = {}
    zones = json.dumps(TIME_ZONES)
    with db.transaction():
        db.run(query("migrations.sql", "no_statement_timeout"))
        for table, block in steps:
            params = {"zones": zones} if block in _NEEDS_REGIONS else {}
            try:
                row = db.one(query("adopt.sql", block), **params)
            except DatabaseError as exc:
                raise MigrationError(
                    f"seed import of {table} failed: {exc}", sqlstate=exc.sqlstate
                ) from exc
            rows = int(row["imported"]) if row else 0
            db.run(query("adopt.sql", "log_import"), table_name=table, row_count=rows)
            imported[table] = rows
        if "apishopee_shops" in imported:
            _import_partners(db)
    return imported


def _import_partners(db: Database) -> None:
    """The seed's per-shop partner_id becomes a partner row and the shop's partner; the
    key stays in the archive until `seed-keys` moves it into its secret (issue 17)."""
    present = db.one(query("adopt.sql", "partners_table_present"))
    if not (present and present["present"]):
        return  # adopted before migration 0014 ran: the default partner takes the shops
    db.run(
        query("adopt.sql", "import_partners"),
        secret_prefix=DEFAULT_PARTNER_SECRET_PREFIX,
        base_url=DEFAULT_SHOPEE_BASE_URL,
    )
    db.run(query("adopt.sql", "assign_seed_partners"))


def _archive_present(db: Database) -> bool:
    row = db.one(query("adopt.sql", "archive_present"))
    return bool(row and row["present"])
