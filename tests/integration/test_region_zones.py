"""SQL reads the marketplace zones from the table apply_migrations copies from
adsync/regions.py, and its shop-local days agree with Python's at every midnight."""

from datetime import date, datetime

from adsync.db.connection import Database
from adsync.db.migrate import apply_migrations
from adsync.regions import TIME_ZONES, local_day
from local.stack import LocalStack
from tests.support.region_days import CASES


def zone_table(db: Database) -> dict[str, str]:
    return {r["region"]: r["time_zone"] for r in db.run("SELECT * FROM apishopee_regions")}


def test_every_migration_run_gives_the_database_the_region_table(
    stack: LocalStack, db: Database
) -> None:
    assert zone_table(db) == TIME_ZONES
    db.run("UPDATE apishopee_regions SET time_zone = 'Etc/GMT+4' WHERE region = 'CL'")
    db.run("INSERT INTO apishopee_regions VALUES ('XX', 'UTC')")
    assert apply_migrations(db) == []
    assert zone_table(db) == TIME_ZONES


def test_backfill_sql_and_python_agree_for_every_region_at_its_midnight(
    stack: LocalStack, db: Database
) -> None:
    shop_of = {region: n for n, region in enumerate(sorted(TIME_ZONES), start=1)}
    for region, shop_id in shop_of.items():
        db.run(
            "INSERT INTO apishopee_shops (shop_id, region, access_token) VALUES (:s, :r, 't')",
            s=shop_id,
            r=region.lower() if region == "CL" else region,  # matched in any case
        )
    for region, instant, day in CASES:
        db.run("DELETE FROM apishopee_ads_sync_queue")
        assert db.one("SELECT backfill_all_shops_ads_day(0, :now) AS n", now=instant) == {
            "n": len(shop_of)
        }
        days: dict[int, date] = {
            r["shop_id"]: r["target_day"]
            for r in db.run("SELECT shop_id, target_day FROM apishopee_ads_sync_queue")
        }
        assert days[shop_of[region]] == day, (region, instant)
        for other, shop_id in shop_of.items():
            assert days[shop_id] == local_day(other, instant), (other, instant)


def test_backfill_without_an_instant_uses_the_database_clock(
    stack: LocalStack, db: Database
) -> None:
    db.run("INSERT INTO apishopee_shops (shop_id, region, access_token) VALUES (1, 'CL', 't')")
    db.run("INSERT INTO apishopee_shops (shop_id, region, access_token) VALUES (2, 'XX', 't')")
    row = db.one("SELECT backfill_all_shops_ads_day(2) AS n, now() AS now")  # one instant
    assert row is not None
    now: datetime = row["now"]
    assert row["n"] == 1  # like enqueue, a shop of an unknown region is skipped
    job = db.one("SELECT shop_id, days_ago, target_day FROM apishopee_ads_sync_queue")
    assert job is not None
    assert (job["shop_id"], job["days_ago"]) == (1, 2)
    assert (local_day("CL", now) - job["target_day"]).days == 2
