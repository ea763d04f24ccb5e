"""Forward-only numbered SQL migrations, applied idempotently.

`apply_migrations` takes a Postgres advisory lock so that two deploys (or two test
processes) never apply the same file twice, records each applied file in
`schema_migrations`, and runs each file in its own transaction.
"""

from importlib import resources

from adsync.db.connection import Database
from adsync.db.sql import query

_LOCK_KEY = 7_246_339_001  # any constant shared by every migrator of this schema


def migration_files() -> list[tuple[str, str]]:
    """Return (version, sql) pairs in order, e.g. ("0001_initial", "...")."""
    folder = resources.files("adsync.db").joinpath("migrations")
    files = sorted((f for f in folder.iterdir() if f.name.endswith(".sql")), key=lambda f: f.name)
    return [(f.name.removesuffix(".sql"), f.read_text("utf-8")) for f in files]


def apply_migrations(db: Database) -> list[str]:
    """Apply every migration not yet applied; return the versions applied now."""
    applied_now: list[str] = []
    db.run(query("migrations.sql", "create_schema_migrations"))
    db.run(query("migrations.sql", "lock"), key=_LOCK_KEY)
    try:
        done = {r["version"] for r in db.run(query("migrations.sql", "applied_versions"))}
        for version, sql in migration_files():
            if version in done:
                continue
            with db.transaction():
                db.connection.run(sql)
                db.run(query("migrations.sql", "record_version"), version=version)
            applied_now.append(version)
    finally:
        db.run(query("migrations.sql", "unlock"), key=_LOCK_KEY)
    return applied_now
