"""The sync engine: complete data, checkpointed steps that fit a Lambda, exact results."""

from datetime import UTC, date, datetime, timedelta

import pytest

from adsync.db.connection import Database
from local.simulator import World, WorldSettings
from local.stack import LocalStack
from local.truth_check import compare
from tests.support.clock import FrozenClock
from tests.support.sqs import deliver
from tests.support.sync import drain, jobs, local_days

ENDPOINTS = "/api/v2/ads/"
TABLES = (
    "apishopee_ads_performance_daily",
    "apishopee_ads_performance_hourly",
    "apishopee_ads_shop_performance_daily",
    "apishopee_ads_shop_performance_hourly",
    "apishopee_ads_campaign_data",
)


@pytest.fixture
def world(clock: FrozenClock) -> World:
    """50 shops in three regions (the 900+ and 5,000 campaign shops have their own test)."""
    return World.generate(
        WorldSettings(
            seed=5,
            shop_count=50,
            regions=("VN", "SG", "BR"),
            anchor_date=clock().date(),
            min_900_plus=0,
            share_900_plus=0.0,
        )
    )


def only_shops(db: Database, shop_ids: list[int]) -> None:
    """Pause every other shop, so that enqueue picks just these."""
    db.run("UPDATE apishopee_shops SET status = 'paused' WHERE NOT (shop_id = ANY(:k))", k=shop_ids)


def table_rows(db: Database, table: str) -> list[dict[str, object]]:
    rows = db.run(f"SELECT * FROM {table}")
    return sorted(rows, key=lambda r: tuple(str(v) for v in r.values()))


def test_realtime_and_lookback_make_every_table_equal_shopee(
    stack: LocalStack, db: Database, clock: FrozenClock
) -> None:
    stack.onboard_all()
    stack.invoke("enqueue", {"sync_type": "realtime", "priority": 1})
    drain(stack, priority=1)
    stack.invoke("enqueue", {"sync_type": "lookback", "priority": 2, "window_days": 3})
    drain(stack, priority=2)
    assert {r["status"] for r in jobs(db)} == {"completed"}
    first = compare(db, stack.simulator, local_days(stack, clock, range(4)))
    assert first.equal, first.mismatches[:10]

    # A day later, yesterday's orders and GMV have grown (late attribution) ...
    day_before = clock()
    clock.advance(timedelta(days=1))
    grown = [
        (s.shop_id, d)
        for s in stack.simulator.world.shops
        for d in local_days(stack, clock, range(1, 2))[s.shop_id]
        if stack.simulator.truth.campaign_daily(s.shop_id, d)
        != stack.simulator.truth.campaign_daily(s.shop_id, d, at=day_before)
    ]
    assert grown, "the simulator should attribute late GMV"
    stale = compare(db, stack.simulator, local_days(stack, clock, range(1, 4)))
    assert not stale.equal
    # ... and the next lookback brings them up to date.
    stack.invoke("enqueue", {"sync_type": "lookback", "priority": 2, "window_days": 3})
    drain(stack, priority=2)
    fresh = compare(db, stack.simulator, local_days(stack, clock, range(1, 4)))
    assert fresh.equal, fresh.mismatches[:10]


def test_rerunning_a_completed_job_writes_the_same_rows(stack: LocalStack, db: Database) -> None:
    shop_ids = stack.onboard_all()
    only_shops(db, shop_ids[:5])
    stack.invoke("enqueue", {"sync_type": "backfill_full", "priority": 3})
    drain(stack, priority=3)
    before = {table: table_rows(db, table) for table in TABLES}
    db.run("UPDATE apishopee_ads_sync_queue SET status = 'pending'")  # an operator re-run
    stack.invoke("maintenance", {"task": "reconcile"})
    drain(stack, priority=3)
    assert {r["status"] for r in jobs(db)} == {"completed"}
    for table, rows in before.items():
        assert table_rows(db, table) == rows, table


def test_a_run_killed_mid_way_resumes_without_refetching_finished_steps(
    stack: LocalStack, db: Database, clock: FrozenClock
) -> None:
    lambdas = stack.lambdas_on(env={**stack.env, "RETRY_DELAY_SECONDS": "0"})
    shop = max(stack.simulator.world.shops, key=lambda s: s.campaign_count)
    stack.onboard_all()
    only_shops(db, [shop.shop_id])
    lambdas.invoke("enqueue", {"sync_type": "backfill_full", "priority": 3})
    # Shopee dies during the hourly phase (after list, settings and daily are done).
    hourly = ENDPOINTS + "get_product_campaign_hourly_performance"
    # three 500s: the client's transport retries are spent, the step fails once
    stack.simulator.faults.fail_next(3, error="error_server", path=hourly, http_status=500)
    deliver(stack, 3, lambdas=lambdas)
    job = jobs(db)[0]
    assert (job["status"], job["retry_count"]) == ("pending", 1)
    assert job["cursor"]["phase"] == "hourly"
    calls_before = dict(stack.simulator.counters.calls)

    drain(stack, priority=3, lambdas=lambdas)

    job = jobs(db)[0]
    assert job["status"] == "completed"
    calls = stack.simulator.counters.calls
    for done in ("get_product_level_campaign_id_list", "get_product_level_campaign_setting_info",
                 "get_product_campaign_daily_performance"):  # fmt: skip
        assert calls[ENDPOINTS + done] == calls_before[ENDPOINTS + done], done
    result = compare(
        db, stack.simulator, {shop.shop_id: local_days(stack, clock, range(7))[shop.shop_id]}
    )
    assert result.equal, result.mismatches[:10]


def test_a_job_crossing_the_shops_midnight_keeps_its_day(
    stack: LocalStack, db: Database, clock: FrozenClock
) -> None:
    """A realtime job that starts at 23:59 in Vietnam and continues after midnight still
    syncs the day it started on (its cursor fixed the days)."""
    vn = max(
        (s for s in stack.simulator.world.shops if s.region == "VN"),
        key=lambda s: s.campaign_count,
    )
    clock.now = datetime(2026, 11, 20, 16, 59, 0, tzinfo=UTC)  # 23:59 in Vietnam
    stepwise = stack.lambdas_on(env={**stack.env, "STEP_RESERVE_SECONDS": "60"})  # a step each
    stack.onboard_all()
    only_shops(db, [vn.shop_id])
    stepwise.invoke("enqueue", {"sync_type": "realtime", "priority": 1})
    deliver(stack, 1, timeout_seconds=60, lambdas=stepwise)
    assert jobs(db)[0]["cursor"]["start_day"] == "2026-11-20"

    clock.advance(timedelta(minutes=2))  # 00:01 on the 21st in Vietnam
    drain(stack, priority=1)  # the stack's own containers, without the reserve

    job = jobs(db)[0]
    assert job["status"] == "completed"
    assert job["stats"]["start_day"] == job["stats"]["end_day"] == "2026-11-20"
    result = compare(db, stack.simulator, {vn.shop_id: [date(2026, 11, 20)]})
    assert result.equal, result.mismatches[:10]
