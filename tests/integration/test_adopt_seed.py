"""A database built from the seed system's schema is adopted in place: every seed row
reaches our tables (or stays in seed_archive), live jobs stay live, and the seed's
operator function names resolve to ours. The expected values are written out from the
fixture (tests/fixtures/seed_schema.sql), not computed with the import's SQL.
"""

from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest

from adsync.db.connection import Database
from adsync.db.migrate import (
    ARCHIVE_STEP,
    IMPORT_STEP,
    apply_files,
    apply_migrations,
    migration_files,
)
from adsync.errors import MigrationError
from tests.support.seed import SEED_PARTNER_KEY, database

OUR_TABLES = (
    "apishopee_shops",
    "apishopee_ads_sync_queue",
    "apishopee_ads_campaign_data",
    "apishopee_ads_performance_daily",
    "apishopee_ads_performance_hourly",
    "apishopee_ads_shop_performance_daily",
    "apishopee_ads_shop_performance_hourly",
)


@pytest.fixture(scope="module")
def adopted() -> Iterator[tuple[Database, list[str]]]:
    """The seed database after one apply_migrations (read-only tests share it)."""
    with database(with_seed=True) as (_, db):
        yield db, apply_migrations(db)


def rows(db: Database, sql: str) -> list[dict[str, Any]]:
    return db.run(sql)


def test_adoption_archives_then_applies_every_file_then_imports(
    adopted: tuple[Database, list[str]],
) -> None:
    _, applied = adopted
    files = [version for version, _ in migration_files()]
    assert applied == [ARCHIVE_STEP, *files, IMPORT_STEP]


def test_shops_keep_tokens_and_names_and_get_a_status(adopted: tuple[Database, list[str]]) -> None:
    db, _ = adopted
    shops = rows(
        db,
        "SELECT shop_id, region, shop_name, access_token, refresh_token, "
        "access_token_expires_at, refresh_token_expires_at, status, status_reason, created_at "
        "FROM apishopee_shops ORDER BY shop_id",
    )
    assert [s["shop_id"] for s in shops] == [1001, 1002, 1003, 1004]
    vn, sg, no_region, no_tokens = shops
    assert vn["region"] == "VN" and vn["shop_name"] == "Thời trang Hà Nội"
    assert (vn["access_token"], vn["refresh_token"]) == ("seed-access-1001", "seed-refresh-1001")
    # expired_at 1795155000000 ms
    assert vn["access_token_expires_at"] == datetime(2026, 11, 20, 6, 10, tzinfo=UTC)
    assert vn["refresh_token_expires_at"] is None  # the seed never stored it
    assert vn["status"] == "active" and vn["status_reason"] is None
    assert vn["created_at"] == datetime(2026, 5, 2, 3, 0, tzinfo=UTC)
    # region 'sg' normalised; access_token_expired_at 1795158600 s
    assert sg["region"] == "SG" and sg["status"] == "active"
    assert sg["access_token_expires_at"] == datetime(2026, 11, 20, 7, 10, tzinfo=UTC)
    assert no_region["status"] == "paused"
    assert "region NULL" in no_region["status_reason"]
    assert no_region["access_token"] == "seed-access-1003"
    assert no_tokens["status"] == "needs_reauth"
    assert no_tokens["access_token"] is None
    assert "authorize the shop again" in no_tokens["status_reason"]


def test_campaign_settings_are_mapped_by_meaning(adopted: tuple[Database, list[str]]) -> None:
    db, _ = adopted
    campaigns = rows(
        db,
        "SELECT shop_id, campaign_id, ad_type, ad_name, campaign_status, campaign_placement, "
        "bidding_method, campaign_budget, start_time, end_time, item_count, roas_target, raw, "
        "synced_at FROM apishopee_ads_campaign_data ORDER BY shop_id, campaign_id",
    )
    assert [(c["shop_id"], c["campaign_id"]) for c in campaigns] == [
        (1001, 501),
        (1001, 502),
        (1002, 601),
    ]
    ongoing, ended, no_raw = campaigns
    assert ongoing["ad_name"] == "Áo thun mùa đông" and ongoing["campaign_status"] == "ongoing"
    assert (ongoing["ad_type"], ongoing["campaign_placement"], ongoing["bidding_method"]) == (
        "auto",
        "all",
        "auto",
    )
    assert ongoing["start_time"] == datetime.fromtimestamp(1790000000, UTC)
    assert ongoing["end_time"] is None  # 0: no end date
    assert ongoing["item_count"] == 12 and ongoing["roas_target"] == Decimal("4.5000")
    assert ongoing["raw"]["common_info"]["ad_name"] == "Áo thun mùa đông"
    assert ongoing["synced_at"] == datetime(2026, 11, 20, 5, 0, tzinfo=UTC)
    assert ended["campaign_budget"] == Decimal("250000.5000")
    assert ended["end_time"] == datetime.fromtimestamp(1792000000, UTC)
    assert ended["roas_target"] is None
    assert no_raw["raw"] == {}


def test_campaign_daily_and_hourly_rows_keep_their_numbers(
    adopted: tuple[Database, list[str]],
) -> None:
    db, _ = adopted
    daily = rows(
        db,
        "SELECT campaign_id, performance_date, impression, clicks, ctr, expense, broad_order, "
        "direct_order, broad_order_amount, direct_order_amount, broad_gmv, direct_gmv, roas, "
        "acos, cpc FROM apishopee_ads_performance_daily ORDER BY campaign_id, performance_date",
    )
    assert len(daily) == 4
    first = daily[0]
    assert first == {
        "campaign_id": 501,
        "performance_date": date(2026, 11, 18),
        "impression": 15230,
        "clicks": 412,
        "ctr": Decimal("2.7052"),
        "expense": Decimal("185400.0000"),
        "broad_order": 12,
        "direct_order": 9,
        "broad_order_amount": 15,  # broad_item_sold
        "direct_order_amount": 11,  # direct_item_sold
        "broad_gmv": Decimal("1980000.0000"),
        "direct_gmv": Decimal("1520000.0000"),
        "roas": Decimal("10.6796"),  # the seed's own value, derived again here
        "acos": Decimal("9.3636"),
        "cpc": Decimal("0"),  # never stored by the seed
    }
    hourly = rows(
        db,
        "SELECT shop_id, campaign_id, performance_date, hour, clicks, expense, "
        "broad_order_amount, broad_gmv FROM apishopee_ads_performance_hourly "
        "ORDER BY shop_id, hour",
    )
    assert [(h["shop_id"], h["hour"]) for h in hourly] == [(1001, 9), (1001, 10), (1002, 14)]
    assert hourly[1]["broad_order_amount"] == 3
    assert hourly[1]["broad_gmv"] == Decimal("310000.0000")
    assert hourly[2]["expense"] == Decimal("4.0200")
    synced = db.one("SELECT synced_at FROM apishopee_ads_performance_daily WHERE campaign_id = 601")
    assert synced is not None and synced["synced_at"] is not None  # NULL in the seed


def test_shop_level_rows_keep_item_sold_and_broad_roas(adopted: tuple[Database, list[str]]) -> None:
    db, _ = adopted
    daily = rows(
        db,
        "SELECT shop_id, performance_date, impression, expense, direct_item_sold, "
        "broad_item_sold, broad_gmv, broad_roas, direct_roas "
        "FROM apishopee_ads_shop_performance_daily ORDER BY shop_id",
    )
    assert daily[0] == {
        "shop_id": 1001,
        "performance_date": date(2026, 11, 19),
        "impression": 16802,
        "expense": Decimal("213250.0000"),
        "direct_item_sold": 12,
        "broad_item_sold": 18,
        "broad_gmv": Decimal("2250000.0000"),
        "broad_roas": Decimal("10.5510"),
        "direct_roas": Decimal("0"),
    }
    assert daily[1]["shop_id"] == 1002
    hourly = rows(
        db,
        "SELECT shop_id, hour, clicks, broad_roas FROM apishopee_ads_shop_performance_hourly",
    )
    assert hourly == [{"shop_id": 1001, "hour": 9, "clicks": 26, "broad_roas": Decimal("13.6752")}]


def test_live_jobs_become_pending_jobs_with_their_day(adopted: tuple[Database, list[str]]) -> None:
    db, _ = adopted
    jobs = rows(
        db,
        "SELECT shop_id, sync_type, priority, status, days_ago, target_day, max_retries, "
        "retry_count, scheduled_at, dispatched_at FROM apishopee_ads_sync_queue "
        "ORDER BY shop_id, sync_type",
    )
    summary = [
        (j["shop_id"], j["sync_type"], j["priority"], j["days_ago"], j["target_day"]) for j in jobs
    ]
    assert summary == [
        # enqueued 2026-11-19 20:00 UTC = 11-20 03:00 in Vietnam, days_ago 1
        (1001, "backfill_day", 2, 1, date(2026, 11, 19)),
        (1001, "backfill_full", 3, None, None),  # priority 10 in the seed
        (1001, "realtime", 1, None, None),  # one job, its two chunk jobs folded in
        # enqueued 2026-11-20 01:00 UTC = 09:00 in Singapore, days_ago 2
        (1002, "backfill_day", 2, 2, date(2026, 11, 18)),
        (1002, "backfill_full", 3, None, None),  # was processing
    ]
    assert {j["status"] for j in jobs} == {"pending"}
    assert all(j["dispatched_at"] is None for j in jobs)  # the reconciler sends them
    assert jobs[0]["max_retries"] == 5 and jobs[0]["retry_count"] == 0
    assert jobs[0]["scheduled_at"] == datetime(2026, 11, 19, 20, 5, tzinfo=UTC)


def test_history_and_seed_only_objects_stay_in_the_archive(
    adopted: tuple[Database, list[str]],
) -> None:
    db, _ = adopted
    assert db.one("SELECT count(*) AS n FROM seed_archive.apishopee_ads_sync_queue") == {"n": 12}
    statuses = rows(
        db,
        "SELECT status, count(*) AS n FROM seed_archive.apishopee_ads_sync_queue "
        "GROUP BY status ORDER BY status",
    )
    assert statuses == [
        {"status": "completed", "n": 1},
        {"status": "failed", "n": 1},
        {"status": "pending", "n": 9},
        {"status": "processing", "n": 1},
    ]
    for table in (*OUR_TABLES, "apishopee_ads_sync_status", "apishopee_ads_sync_progress"):
        assert db.one(f"SELECT to_regclass('seed_archive.{table}') IS NOT NULL AS ok") == {
            "ok": True
        }
    progress = db.one(
        "SELECT shop_name, pending_chunks FROM seed_archive.v_ads_sync_progress_status"
    )
    assert progress == {"shop_name": "Thời trang Hà Nội", "pending_chunks": 2}  # archived rows
    public_views = db.one(
        "SELECT count(*) AS n FROM pg_views WHERE schemaname = 'public' AND viewname LIKE 'v_%'"
    )
    assert public_views == {"n": 0}


def test_partner_keys_are_not_copied_out_of_the_archive(
    adopted: tuple[Database, list[str]],
) -> None:
    db, _ = adopted
    tables = rows(
        db,
        "SELECT table_name FROM information_schema.tables "
        "WHERE table_schema = 'public' AND table_type = 'BASE TABLE'",
    )
    assert len(tables) >= len(OUR_TABLES)
    for t in tables:
        hit = db.one(
            f"SELECT count(*) AS n FROM {t['table_name']} AS x "
            "WHERE strpos(to_jsonb(x)::text, :key) > 0",
            key=SEED_PARTNER_KEY,
        )
        assert hit == {"n": 0}, t["table_name"]
    kept = db.one(
        "SELECT count(*) AS n FROM seed_archive.apishopee_shops WHERE partner_key = :key",
        key=SEED_PARTNER_KEY,
    )
    assert kept == {"n": 4}


def test_seed_function_names_now_resolve_to_ours(adopted: tuple[Database, list[str]]) -> None:
    db, _ = adopted
    found = rows(
        db,
        "SELECT n.nspname AS schema, p.proname AS name, pg_get_function_result(p.oid) AS result "
        "FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
        "WHERE p.proname IN ('enqueue_all_shops_sync', 'backfill_all_shops_ads_day', "
        "'cleanup_old_sync_queue', 'process_next_sync_job', 'process_sync_queue_batch') "
        "ORDER BY 1, 2",
    )
    public = {(f["name"], f["result"]) for f in found if f["schema"] == "public"}
    assert public == {
        ("enqueue_all_shops_sync", "integer"),
        ("backfill_all_shops_ads_day", "integer"),  # the seed's returned void
        ("cleanup_old_sync_queue", "integer"),
    }
    archived = {f["name"] for f in found if f["schema"] == "seed_archive"}
    assert archived == {
        "enqueue_all_shops_sync",
        "backfill_all_shops_ads_day",
        "cleanup_old_sync_queue",
        "process_next_sync_job",
        "process_sync_queue_batch",
    }
    moved = db.one("SELECT proconfig FROM pg_proc WHERE proname = 'process_sync_queue_with_chunks'")
    assert moved == {"proconfig": ["search_path=seed_archive"]}


def test_seed_operator_sql_works_on_the_adopted_database() -> None:
    with database(with_seed=True) as (_, db):
        apply_migrations(db)
        # ours: active shops with tokens (1001, 1002) without a live realtime job; 1001
        # has one (imported), the paused and the unauthorized shop are left out
        assert db.one("SELECT enqueue_all_shops_sync('realtime', 1) AS n") == {"n": 1}
        assert db.one("SELECT backfill_all_shops_ads_day(5) AS n") == {"n": 2}
        assert db.one("SELECT cleanup_old_sync_queue() AS n") == {"n": 0}
        with pytest.raises(Exception, match="process_next_sync_job"):
            db.run("SELECT process_next_sync_job()")


def test_a_second_apply_is_a_no_op() -> None:
    with database(with_seed=True) as (_, db):
        apply_migrations(db)
        before = {t: db.one(f"SELECT count(*) AS n FROM {t}") for t in OUR_TABLES}
        log = db.one("SELECT count(*) AS n FROM seed_archive.adoption_log")
        assert apply_migrations(db) == []
        assert {t: db.one(f"SELECT count(*) AS n FROM {t}") for t in OUR_TABLES} == before
        assert db.one("SELECT count(*) AS n FROM seed_archive.adoption_log") == log


def test_an_interrupted_adoption_finishes_on_the_next_deploy() -> None:
    with database(with_seed=True) as (_, db):
        broken = [*migration_files(), ("9999_broken", "SELECT no_such_function()")]
        with pytest.raises(MigrationError):
            apply_files(db, broken)
        # archived and migrated, the file after them failed before the import
        assert db.one("SELECT count(*) AS n FROM apishopee_shops") == {"n": 0}
        assert apply_migrations(db) == [IMPORT_STEP]
        assert db.one("SELECT count(*) AS n FROM apishopee_shops") == {"n": 4}


def test_a_fresh_database_is_unaffected() -> None:
    with database(with_seed=False) as (_, db):
        assert apply_migrations(db) == [v for v, _ in migration_files()]
        assert db.one("SELECT to_regnamespace('seed_archive') IS NULL AS absent") == {
            "absent": True
        }
        assert db.one("SELECT count(*) AS n FROM apishopee_shops") == {"n": 0}


def test_migrations_run_without_the_statement_timeout() -> None:
    with database(with_seed=False) as (url, db):
        name = url.rsplit("/", 1)[1]
        db.run(f"ALTER DATABASE \"{name}\" SET statement_timeout = '100ms'")
        db.close()  # the database default applies to new sessions
        db.run("SET statement_timeout = 100")
        with pytest.raises(Exception, match="statement timeout"):
            db.run("SELECT pg_sleep(0.3)")
        assert apply_files(db, [("0001_slow", "SELECT pg_sleep(0.3)")]) == ["0001_slow"]
        # only inside the migration's transaction
        with pytest.raises(Exception, match="statement timeout"):
            db.run("SELECT pg_sleep(0.3)")


def test_a_failing_migration_names_its_file_sqlstate_and_message() -> None:
    with database(with_seed=False) as (_, db):
        apply_migrations(db)
        with pytest.raises(MigrationError) as failure:
            apply_files(db, [("0008_x", "CREATE TABLE apishopee_shops (x integer)")])
        assert str(failure.value) == (
            'migration 0008_x failed: 42P07 relation "apishopee_shops" already exists'
        )
        assert failure.value.sqlstate == "42P07"
        recorded = db.one("SELECT count(*) AS n FROM schema_migrations WHERE version = '0008_x'")
        assert recorded == {"n": 0}


def test_seed_tables_owned_by_another_role_fail_with_what_to_do() -> None:
    """A restored dump belongs to the role that restored it: the stack's role cannot move
    those tables (42501). Nothing moves, and the reason says how to hand them over."""
    import uuid
    from dataclasses import replace

    from adsync.config import database_from_url
    from adsync.errors import MigrationError

    role = f"adsync_app_{uuid.uuid4().hex[:8]}"
    with database(with_seed=True) as (url, db):
        db.run(f"CREATE ROLE {role} LOGIN")
        try:
            db.run(f"GRANT ALL ON SCHEMA public TO {role}")
            db.run(f"GRANT CREATE ON DATABASE {url.rsplit('/', 1)[1]} TO {role}")
            app = Database(replace(database_from_url(url), user=role))
            try:
                with pytest.raises(MigrationError, match="42501") as caught:
                    apply_migrations(app)
            finally:
                app.close()
            assert "REASSIGN OWNED BY" in str(caught.value)
            assert "docs/adopting-seed.md" in str(caught.value)
            moved = db.one("SELECT to_regclass('public.apishopee_shops') IS NOT NULL AS here")
            assert moved == {"here": True}  # nothing was moved
        finally:
            db.run(f"DROP OWNED BY {role}")
            db.close()
            from local.postgres import _admin, server_url

            admin = _admin(server_url())
            admin.run(f"DROP ROLE IF EXISTS {role}")
            admin.close()
