"""Totals that reconcile: after each sync, each shop-level total is compared with the sum
of its campaign rows, and each daily row with the sum of its hours; the differences are
kept (apishopee_ads_total_differences), counted and shown. The oracle is the simulator's
ground truth, summed here, not the SQL that computes them."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from adsync.db.connection import Database
from local.simulator import World, WorldSettings
from local.simulator.shop_ads import shop_ads
from local.stack import LocalStack
from tests.support.clock import FrozenClock
from tests.support.console import PATHS, console_runner
from tests.support.sqs import deliver, queue_depth
from tests.support.sync import drain, jobs, local_days

# shop-level name -> product-level name (units sold are *_order_amount there)
METRICS = {
    "impression": "impression",
    "clicks": "clicks",
    "expense": "expense",
    "broad_order": "broad_order",
    "direct_order": "direct_order",
    "broad_item_sold": "broad_order_amount",
    "direct_item_sold": "direct_order_amount",
    "broad_gmv": "broad_gmv",
    "direct_gmv": "direct_gmv",
}
MONEY = {"expense", "broad_gmv", "direct_gmv"}


@pytest.fixture
def world(clock: FrozenClock) -> World:
    """A third of the shops run Shop Ads: totals above their campaigns, as on Shopee."""
    return World.generate(
        WorldSettings(seed=7, shop_count=12, anchor_date=clock().date(), shop_ads_share=0.3)
    )


def differences(db: Database, comparison: str) -> dict[tuple[int, date, str], Decimal]:
    rows = db.run(
        "SELECT shop_id, performance_date, metric, difference "
        "FROM apishopee_ads_total_differences WHERE comparison = :c",
        c=comparison,
    )
    return {(r["shop_id"], r["performance_date"], r["metric"]): r["difference"] for r in rows}


def test_shop_totals_minus_campaign_sums_are_recorded_exactly(
    stack: LocalStack, db: Database, clock: FrozenClock
) -> None:
    stack.onboard_all()
    stack.invoke("enqueue", {"sync_type": "backfill_full", "priority": 3})
    drain(stack, priority=3)
    assert {r["status"] for r in jobs(db)} == {"completed"}
    truth = stack.simulator.truth
    expected: dict[tuple[int, date, str], Decimal] = {}
    for shop_id, days in local_days(stack, clock, range(7)).items():
        stored = {r["campaign_id"] for r in db.run(
            "SELECT DISTINCT campaign_id FROM apishopee_ads_performance_daily "
            "WHERE shop_id = :s", s=shop_id)}  # fmt: skip
        for day in days:
            shop_row = truth.shop_daily(shop_id, day) or {}
            campaigns = [m for c, m in truth.campaign_daily(shop_id, day).items() if c in stored]
            for shop_name, product_name in METRICS.items():
                total = Decimal(str(shop_row.get(shop_name, 0)))
                parts = sum((Decimal(str(m[product_name])) for m in campaigns), Decimal(0))
                if total != parts:
                    expected[(shop_id, day, shop_name)] = total - parts
    assert differences(db, "campaigns_vs_shop") == expected

    # The simulator's shops with Shop Ads (non-product CPC ads) differ on impressions.
    world = stack.simulator.world
    with_shop_ads = {s.shop_id for s in world.shops if shop_ads(world, s)}
    assert with_shop_ads
    differing = {k[0] for k in expected if k[2] == "impression"}
    assert with_shop_ads <= differing


def test_hours_sum_to_their_day_within_rounding(stack: LocalStack, db: Database) -> None:
    stack.onboard_all()
    stack.invoke("enqueue", {"sync_type": "backfill_full", "priority": 3})
    drain(stack, priority=3)
    rows = db.run(
        "SELECT comparison, metric, within_rounding FROM apishopee_ads_total_differences "
        "WHERE comparison <> 'campaigns_vs_shop'"
    )
    assert {r["metric"] for r in rows} <= MONEY
    assert all(r["within_rounding"] for r in rows)


def test_a_difference_appears_when_rows_disagree_and_goes_once_they_agree(
    stack: LocalStack, db: Database, clock: FrozenClock
) -> None:
    shop_ids = stack.onboard_all()
    db.run("UPDATE apishopee_shops SET status = 'paused' WHERE shop_id <> :s", s=shop_ids[0])
    stack.invoke("enqueue", {"sync_type": "backfill_day", "priority": 3, "days_ago": 1})
    drain(stack, priority=3)
    day = local_days(stack, clock, range(1, 2))[shop_ids[0]][0]
    assert not [k for k in differences(db, "campaign_hourly_vs_daily") if k[2] == "clicks"]
    # Someone (or a bug) changes one campaign's daily clicks: its hours no longer add up.
    changed = db.one(
        "UPDATE apishopee_ads_performance_daily SET clicks = clicks + 5 "
        "WHERE campaign_id = (SELECT min(campaign_id) FROM apishopee_ads_performance_daily "
        "WHERE shop_id = :s AND performance_date = :d) AND performance_date = :d "
        "RETURNING campaign_id",
        s=shop_ids[0],
        d=day,
    )
    assert changed is not None
    deps = stack.dependencies(clock)
    try:
        deps.totals.check(shop_id=shop_ids[0], start_day=day, end_day=day, now=clock())
    finally:
        deps.close()
    found = differences(db, "campaign_hourly_vs_daily")
    assert found[(shop_ids[0], day, "clicks")] == 5
    # The next sync of that day rewrites the row from Shopee: the difference is gone.
    db.run("UPDATE apishopee_ads_sync_queue SET status = 'pending'")  # an operator's re-run
    stack.invoke("maintenance", {"task": "reconcile"})
    drain(stack, priority=3)
    assert (shop_ids[0], day, "clicks") not in differences(db, "campaign_hourly_vs_daily")


def test_a_check_that_cannot_run_leaves_the_job_completed_and_its_message_done(
    stack: LocalStack, db: Database
) -> None:
    """The check comes after the job's data is committed: its failure is logged, never
    turned into a retry, an interruption or a failed record."""
    shop_ids = stack.onboard_all()
    db.run("UPDATE apishopee_shops SET status = 'paused' WHERE shop_id <> :s", s=shop_ids[0])
    stack.invoke("enqueue", {"sync_type": "backfill_day", "priority": 3, "days_ago": 1})
    db.run("ALTER TABLE apishopee_ads_total_differences RENAME TO total_differences_away")
    try:
        reply = deliver(stack, 3)
    finally:
        db.run("ALTER TABLE total_differences_away RENAME TO apishopee_ads_total_differences")
    assert reply == {"batchItemFailures": []}
    job = jobs(db)[0]
    assert (job["status"], job["retry_count"]) == ("completed", 0)
    assert queue_depth(stack, stack.queues.urls[3]) == 0  # nothing sent back


@pytest.mark.parametrize("path", PATHS)
def test_status_shows_totals_that_differ_from_their_parts(
    path: str, stack: LocalStack, clock: FrozenClock
) -> None:
    """`adsync status --json`, here and through the admin Lambda (docs/operations.md)."""
    stack.onboard_all()
    stack.invoke("enqueue", {"sync_type": "realtime", "priority": 1})
    drain(stack, priority=1)
    reply = console_runner(path, stack, clock)("--json", "status").reply
    assert reply["ok"], reply
    totals = reply["result"]["totals"]
    assert totals["since_day"] == (clock().date() - timedelta(days=8)).isoformat()
    impressions = [
        d for d in totals["differences"] if (d["comparison"], d["metric"]) == (
            "campaigns_vs_shop", "impression")
    ]  # fmt: skip
    assert set(impressions[0]) == {
        "comparison", "metric", "region", "shop_days", "shops", "total_difference",
    }  # fmt: skip
    # Every simulated shop with Shop Ads (in its totals, in no campaign) shows up, in its
    # region (one currency per row).
    world = stack.simulator.world
    with_shop_ads = [s for s in world.shops if shop_ads(world, s)]
    assert with_shop_ads
    by_region = {d["region"]: d for d in impressions}
    for region in {s.region for s in with_shop_ads}:
        in_region = sum(1 for s in with_shop_ads if s.region == region)
        assert by_region[region]["shops"] >= in_region
        assert int(Decimal(by_region[region]["total_difference"])) > 0
