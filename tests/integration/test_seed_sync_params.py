"""The seed README's hand-written backfill (`sync_params`) on a frozen clock at midday,
so that every day it names has data in the simulator."""

from datetime import timedelta

from adsync.db.connection import Database
from adsync.regions import local_day
from local.stack import LocalStack
from tests.support.clock import FrozenClock
from tests.support.sqs import deliver


def test_the_seed_readme_s_backfill_insert_with_sync_params_runs_each_day(
    stack: LocalStack, db: Database, clock: FrozenClock
) -> None:
    """The seed README backfills a shop's last days by hand with `sync_params`:
    INSERT ... (shop_id, sync_type, priority, sync_params) VALUES
    (12345, 'backfill_day', 2, '{"days_ago": 0}'), (12345, 'backfill_day', 2, ...), ...
    Each row is one day's job (not a duplicate of the others), run on that day."""
    shop_id = stack.onboard_all()[0]
    db.run("UPDATE apishopee_shops SET status = 'paused' WHERE shop_id <> :s", s=shop_id)
    # The README's statement; scheduled_at set to the frozen clock (NOW() is the real one).
    db.run(
        "INSERT INTO apishopee_ads_sync_queue "
        "(shop_id, sync_type, priority, sync_params, scheduled_at) "
        "VALUES (:s, 'backfill_day', 2, '{\"days_ago\": 0}', :t), "
        "(:s, 'backfill_day', 2, '{\"days_ago\": 1}', :t), "
        "(:s, 'backfill_day', 2, '{\"days_ago\": 2}', :t)",
        s=shop_id,
        t=clock(),
    )
    rows = db.run("SELECT days_ago FROM apishopee_ads_sync_queue ORDER BY days_ago")
    assert [r["days_ago"] for r in rows] == [0, 1, 2]
    assert stack.invoke("maintenance", {"task": "reconcile"})["redispatched"] == 3
    for _ in range(3):  # one at a time: a shop runs one job at once
        deliver(stack, 2, max_messages=1)
    statuses = db.run("SELECT DISTINCT status FROM apishopee_ads_sync_queue")
    assert statuses == [{"status": "completed"}]
    shop = stack.simulator.world.shop(shop_id)
    assert shop is not None
    today = local_day(shop.region, clock())
    synced = db.run(
        "SELECT DISTINCT performance_date FROM apishopee_ads_shop_performance_daily "
        "WHERE shop_id = :s ORDER BY performance_date",
        s=shop_id,
    )
    assert [r["performance_date"] for r in synced] == [today - timedelta(days=n) for n in (2, 1, 0)]
