"""The seed README's operator SQL runs unchanged and does what it says.

These statements use the database's NOW(), so this module's clock is the real one (the
layer and the simulator share it).
"""

from datetime import timedelta

import pytest

from adsync.db.connection import Database
from local.stack import LocalStack
from tests.support.clock import FrozenClock, LiveClock
from tests.support.sqs import deliver, queue_depth


@pytest.fixture
def clock() -> LiveClock:
    return LiveClock()


def one(db: Database, sql: str) -> object:
    row = db.one(sql)
    assert row is not None
    return next(iter(row.values()))


def test_enqueue_all_shops_sync_returns_shops_enqueued_and_the_reconciler_sends_them(
    stack: LocalStack, db: Database
) -> None:
    shop_ids = stack.onboard_all()
    assert one(db, "SELECT enqueue_all_shops_sync('realtime', 1)") == len(shop_ids)
    assert one(db, "SELECT enqueue_all_shops_sync('realtime', 1)") == 0  # deduplicated
    assert stack.invoke("maintenance", {"task": "reconcile"})["redispatched"] == len(shop_ids)
    assert queue_depth(stack, stack.queues.urls[1]) == len(shop_ids)


def test_backfill_all_shops_ads_day_targets_each_shops_local_day(
    stack: LocalStack, db: Database, clock: FrozenClock
) -> None:
    shop_ids = stack.onboard_all()
    assert one(db, "SELECT backfill_all_shops_ads_day(1)") == len(shop_ids)
    from adsync.regions import local_day

    for row in db.run("SELECT shop_id, target_day FROM apishopee_ads_sync_queue"):
        shop = stack.simulator.world.shop(row["shop_id"])
        assert shop is not None
        assert row["target_day"] == local_day(shop.region, clock()) - timedelta(days=1)


def test_cleanup_old_sync_queue_returns_rows_deleted(stack: LocalStack, db: Database) -> None:
    shop_ids = stack.onboard_all()
    db.run(
        "INSERT INTO apishopee_ads_sync_queue (shop_id, sync_type, status, created_at) "
        "VALUES (:a, 'realtime', 'completed', NOW() - INTERVAL '8 days'), "
        "(:b, 'realtime', 'completed', NOW() - INTERVAL '1 day')",
        a=shop_ids[0],
        b=shop_ids[1],
    )
    assert one(db, "SELECT cleanup_old_sync_queue()") == 1


def test_hand_inserted_jobs_run_with_their_priority_and_max_retries(
    stack: LocalStack, db: Database
) -> None:
    shop_ids = stack.onboard_all()
    db.run(
        "INSERT INTO apishopee_ads_sync_queue (shop_id, sync_type, priority) "
        "VALUES (:s, 'backfill_full', 3)",
        s=shop_ids[0],
    )
    db.run(
        "INSERT INTO apishopee_ads_sync_queue (shop_id, sync_type, max_retries) "
        "VALUES (:s, 'realtime', 5)",
        s=shop_ids[1],
    )
    assert stack.invoke("maintenance", {"task": "reconcile"})["redispatched"] == 2
    assert queue_depth(stack, stack.queues.urls[3]) == 1
    deliver(stack, 3)
    deliver(stack, 1)
    rows = db.run("SELECT sync_type, status, max_retries FROM apishopee_ads_sync_queue ORDER BY id")
    assert rows == [
        {"sync_type": "backfill_full", "status": "completed", "max_retries": 3},
        {"sync_type": "realtime", "status": "completed", "max_retries": 5},
    ]


def test_scheduled_at_pushed_later_by_hand_waits(
    stack: LocalStack, db: Database, clock: FrozenClock
) -> None:
    shop_ids = stack.onboard_all()
    stack.invoke("enqueue", {"sync_type": "realtime", "priority": 1})
    db.run(
        "UPDATE apishopee_ads_sync_queue SET scheduled_at = NOW() + INTERVAL '2 hours' "
        "WHERE shop_id IN (:a, :b)",
        a=shop_ids[0],
        b=shop_ids[1],
    )
    deliver(stack, 1)
    deliver(stack, 1)
    waiting = db.run("SELECT shop_id FROM apishopee_ads_sync_queue WHERE status = 'pending'")
    assert sorted(r["shop_id"] for r in waiting) == sorted(shop_ids[:2])
    delayed = stack.sqs.get_queue_attributes(
        QueueUrl=stack.queues.urls[1], AttributeNames=["ApproximateNumberOfMessagesDelayed"]
    )["Attributes"]["ApproximateNumberOfMessagesDelayed"]
    assert delayed == "2"  # deferred with a delay, no attempt used


def test_monitoring_queries_run(stack: LocalStack, db: Database) -> None:
    stack.onboard_all()
    stack.invoke("enqueue", {"sync_type": "realtime", "priority": 1})
    deliver(stack, 1)
    by_status = db.run(
        "SELECT status, COUNT(*) as count, COUNT(*) FILTER (WHERE retry_count > 0) as with_retries "
        "FROM apishopee_ads_sync_queue WHERE created_at > NOW() - INTERVAL '1 hour' GROUP BY status"
    )
    assert {r["status"] for r in by_status} == {"completed", "pending"}
    average = db.one(
        "SELECT AVG(EXTRACT(EPOCH FROM (completed_at - started_at))) as avg_seconds "
        "FROM apishopee_ads_sync_queue "
        "WHERE status = 'completed' AND completed_at > NOW() - INTERVAL '1 day'"
    )
    assert average is not None and average["avg_seconds"] is not None
