"""Adopting the seed's partner credentials (issue 17, part 5): the seed kept
partner_id/partner_key in every shop row. Adoption maps each partner_id to a partner
row and each shop to it; `seed-keys` moves each key into its own secret (moto's Secrets
Manager) and only then erases it from the archive. The key is never in our tables, a
reply or a log.
"""

import json
from collections.abc import Iterator
from datetime import UTC, datetime

import boto3
import pytest
from moto import mock_aws

from adsync.config import load_partner_key
from adsync.db.connection import Database
from adsync.db.migrate import apply_migrations
from adsync.services.admin_commands import handle
from adsync.services.dependencies import Dependencies
from local.event_source import REGION
from local.stack import AWS_ENV, patched_env
from tests.support.seed import SEED_PARTNER_KEY, database

OTHER_KEY = "SEED-OTHER-APP-KEY-fedcba9876543210"
NOW = datetime(2026, 11, 20, 5, 30, tzinfo=UTC)


@pytest.fixture
def adopted() -> Iterator[tuple[str, Database]]:
    """The seed database with a fifth shop under a second app, adopted."""
    with mock_aws(), patched_env(AWS_ENV), database(with_seed=True) as (url, db):
        db.run(
            "INSERT INTO apishopee_shops (shop_id, shop_name, region, access_token, "
            "refresh_token, partner_id, partner_key, partner_name, created_at) VALUES "
            "(1005, 'Second app shop', 'VN', 'a-1005', 'r-1005', 2000002, :key, "
            "'Other app', '2026-09-01 00:00:00+00')",
            key=OTHER_KEY,
        )
        apply_migrations(db)
        yield url, db


def _key_hits(db: Database, key: str) -> list[str]:
    """Tables outside the archive (and the archive itself) whose rows contain `key`."""
    tables = db.run(
        "SELECT table_schema || '.' || table_name AS t FROM information_schema.tables "
        "WHERE table_schema IN ('public', 'seed_archive') AND table_type = 'BASE TABLE'"
    )
    return [
        t["t"]
        for t in tables
        if db.one(
            f"SELECT count(*) AS n FROM {t['t']} AS x WHERE strpos(to_jsonb(x)::text, :k) > 0",
            k=key,
        )
        != {"n": 0}
    ]


def test_seed_partners_become_partners_and_their_keys_move_into_secrets(
    adopted: tuple[str, Database],
) -> None:
    url, db = adopted
    partners = db.run("SELECT id, name, secret_ref FROM apishopee_partners ORDER BY id")
    assert [(p["id"], p["secret_ref"]) for p in partners] == [
        (2000001, "shopee-ads-sync/partners/seed-2000001"),
        (2000002, "shopee-ads-sync/partners/seed-2000002"),
    ]
    shops = db.run("SELECT shop_id, partner_id FROM apishopee_shops ORDER BY shop_id")
    assert [(s["shop_id"], s["partner_id"]) for s in shops] == [
        (1001, 2000001), (1002, 2000001), (1003, 2000001), (1004, 2000001), (1005, 2000002),
    ]  # fmt: skip
    # Before the move: the keys are only in the archive, never in our tables.
    assert _key_hits(db, SEED_PARTNER_KEY) == ["seed_archive.apishopee_shops"]
    assert _key_hits(db, OTHER_KEY) == ["seed_archive.apishopee_shops"]

    deps = Dependencies(env={**AWS_ENV, "DATABASE_URL": url}, clock=lambda: NOW)
    try:
        told = handle({"command": "seed-keys"}, deps)
        assert told["ok"], told
        assert [(k["partner_id"], k["shops"], k["status"]) for k in told["result"]["keys"]] == [
            (2000001, 4, "waiting"),
            (2000002, 1, "waiting"),
        ]
        assert _key_hits(db, SEED_PARTNER_KEY) == ["seed_archive.apishopee_shops"]
        moved = handle({"command": "seed-keys", "args": {"move": True}}, deps)
    finally:
        deps.close()
    assert moved["ok"] and moved["result"]["moved"] == 2, moved
    replies = json.dumps([told, moved])
    assert SEED_PARTNER_KEY not in replies and OTHER_KEY not in replies

    secrets = boto3.client("secretsmanager", region_name=REGION)
    stored = json.loads(
        secrets.get_secret_value(SecretId="shopee-ads-sync/partners/seed-2000002")["SecretString"]
    )
    assert stored == {"partner_id": 2000002, "partner_key": OTHER_KEY}
    # Out of the database altogether; the worker reads it from its secret.
    assert _key_hits(db, SEED_PARTNER_KEY) == [] and _key_hits(db, OTHER_KEY) == []
    read = load_partner_key(
        partner_id=2000001, secret_ref="shopee-ads-sync/partners/seed-2000001", env={}
    )
    assert read.partner_key == SEED_PARTNER_KEY


def test_rows_that_disagree_on_a_key_are_left_alone(adopted: tuple[str, Database]) -> None:
    url, db = adopted
    db.run(
        "UPDATE seed_archive.apishopee_shops SET partner_key = 'ANOTHER-KEY' WHERE shop_id = 1004"
    )
    deps = Dependencies(env={**AWS_ENV, "DATABASE_URL": url}, clock=lambda: NOW)
    try:
        moved = handle({"command": "seed-keys", "args": {"move": True}}, deps)
    finally:
        deps.close()
    statuses = {k["partner_id"]: k["status"] for k in moved["result"]["keys"]}
    assert statuses == {2000001: "conflict", 2000002: "moved"}
    # Nothing of the disagreeing partner was erased: an operator decides.
    assert _key_hits(db, SEED_PARTNER_KEY) == ["seed_archive.apishopee_shops"]
