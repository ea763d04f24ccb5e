"""Migrations are numbered, forward-only and idempotent."""

import re

from adsync.db.connection import Database
from adsync.db.migrate import apply_migrations, migration_files
from local.stack import LocalStack


def test_files_are_numbered_in_order() -> None:
    versions = [version for version, _ in migration_files()]
    assert versions == sorted(versions)
    assert all(re.fullmatch(r"\d{4}_[a-z0-9_]+", v) for v in versions)


def test_applying_twice_changes_nothing(stack: LocalStack, db: Database) -> None:
    assert apply_migrations(db) == []  # the stack applied them already
    applied = db.run("SELECT version FROM schema_migrations ORDER BY version")
    assert [r["version"] for r in applied] == [v for v, _ in migration_files()]


def test_seed_column_defaults_allow_the_seed_insert(stack: LocalStack, db: Database) -> None:
    shop_id = stack.onboard_all()[0]
    db.run(
        "INSERT INTO apishopee_ads_sync_queue (shop_id, sync_type, max_retries) "
        "VALUES (:s, 'realtime', 5)",
        s=shop_id,
    )
    row = db.one("SELECT status, priority, retry_count, max_retries FROM apishopee_ads_sync_queue")
    assert row == {"status": "pending", "priority": 1, "retry_count": 0, "max_retries": 5}
