"""Forward-only numbered SQL migrations, applied idempotently.

`apply_migrations` takes a Postgres advisory lock so that two deploys (or two test
processes) never apply the same file twice, records each applied file in
`schema_migrations`, and runs each file in its own transaction with no statement
timeout (a migration over months of history may take minutes). A database that holds
the seed system's tables is adopted around the files (`adsync.db.adopt`). After the
files, every run copies the region table of `adsync.regions` into `apishopee_regions`
(SQL reads zones there; Python stays their one source). A failure is
raised as a `MigrationError` naming the file, the SQLSTATE and Postgres's message.
Migration files that have shipped are never edited.
"""

import json
from collections.abc import Sequence
from importlib import resources

from adsync.db.adopt import archive_seed, import_seed
from adsync.db.connection import Database
from adsync.db.sql import query
from adsync.errors import DatabaseError, MigrationError
from adsync.regions import CURRENCIES, TIME_ZONES

_LOCK_KEY = 7_246_339_001  # any constant shared by every migrator of this schema

ARCHIVE_STEP = "adopt_seed:archive"
IMPORT_STEP = "adopt_seed:import"


def migration_files() -> list[tuple[str, str]]:
    """Return (version, sql) pairs in order, e.g. ("0001_initial", "...")."""
    folder = resources.files("adsync.db").joinpath("migrations")
    files = sorted((f for f in folder.iterdir() if f.name.endswith(".sql")), key=lambda f: f.name)
    return [(f.name.removesuffix(".sql"), f.read_text("utf-8")) for f in files]


def apply_migrations(db: Database) -> list[str]:
    """Apply every migration not yet applied; return the versions applied now."""
    return apply_files(db, migration_files())


def apply_files(db: Database, files: Sequence[tuple[str, str]]) -> list[str]:
    """Apply `files` (version, sql) not yet recorded; return what was done now.

    The list holds the versions applied, with `adopt_seed:archive` before them and
    `adopt_seed:import` after them when a seed database was adopted in this run.
    """
    done_now: list[str] = []
    db.run(query("migrations.sql", "create_schema_migrations"))
    db.run(query("migrations.sql", "lock"), key=_LOCK_KEY)
    try:
        if archive_seed(db):
            done_now.append(ARCHIVE_STEP)
        applied = {r["version"] for r in db.run(query("migrations.sql", "applied_versions"))}
        for version, sql in files:
            if version not in applied:
                _apply_one(db, version, sql)
                done_now.append(version)
        _copy_regions(db)
        if import_seed(db):
            done_now.append(IMPORT_STEP)
    finally:
        db.run(query("migrations.sql", "unlock"), key=_LOCK_KEY)
    return done_now


def _apply_one(db: Database, version: str, sql: str) -> None:
    with db.transaction():
        db.run(query("migrations.sql", "no_statement_timeout"))
        try:
            db.run(sql)
        except DatabaseError as exc:
            raise MigrationError(
                f"migration {version} failed: {exc}", sqlstate=exc.sqlstate
            ) from exc
        db.run(query("migrations.sql", "record_version"), version=version)


def _copy_regions(db: Database) -> None:
    """Upsert `apishopee_regions` from `adsync.regions` (absent before migration 0011;
    its currency column, before 0012)."""
    present = db.one(query("regions.sql", "regions_table_present"))
    if present and present["present"]:
        db.run(query("regions.sql", "upsert_regions"), zones=json.dumps(TIME_ZONES))
        if present["has_currency"]:  # migration 0012
            db.run(query("regions.sql", "set_currencies"), currencies=json.dumps(CURRENCIES))
