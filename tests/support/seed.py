"""A database built from the seed system's schema (tests/fixtures/seed_schema.sql)."""

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from adsync.config import database_from_url
from adsync.db.connection import Database
from local.postgres import scratch_database, server_url

SEED_SCHEMA = Path(__file__).resolve().parent.parent / "fixtures" / "seed_schema.sql"
SEED_PARTNER_KEY = "SEED-PARTNER-KEY-0123456789abcdef"


@contextmanager
def database(*, with_seed: bool) -> Iterator[tuple[str, Database]]:
    """A scratch database (its URL and a connection), holding the seed's schema and
    rows when `with_seed`; dropped afterwards."""
    with scratch_database(server_url(), prefix="adsync_seed") as url:
        db = Database(database_from_url(url))
        try:
            if with_seed:
                db.run(SEED_SCHEMA.read_text("utf-8"))
            yield url, db
        finally:
            db.close()
