"""Which Shopee a local database's shops belong to: a simulated world (`--shops`,
`--seed`) or a real Shopee (`--shopee-url`), kept in the database by the local runner.

Shops and campaigns of one world mean nothing to another (unknown shop ids, campaigns
that "do not match the shop"), so a run refuses a database recorded for another source
before anything runs. Local runtime only (its own table, not a migration).
"""

from pathlib import Path

from adsync.db.connection import Database
from adsync.db.sql import parse_blocks

_SQL = parse_blocks((Path(__file__).with_suffix(".sql")).read_text("utf-8"))


def recorded_source(db: Database) -> str | None:
    """The source the database was last run with; None: never recorded."""
    db.run(_SQL["create"])
    row = db.one(_SQL["get"])
    return str(row["source"]) if row else None


def record_source(db: Database, source: str) -> None:
    db.run(_SQL["create"])
    db.run(_SQL["put"], source=source)
