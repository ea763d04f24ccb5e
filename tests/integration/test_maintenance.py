"""maintenance: reconcile heals jobs without a live message; cleanup deletes old ones."""

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest

from adsync.db.connection import Database
from adsync.errors import BadEventError
from local.stack import LocalStack
from tests.support.clock import FrozenClock
from tests.support.sqs import deliver, queue_depth


def statuses(db: Database) -> list[str]:
    return [r["status"] for r in db.run("SELECT status FROM apishopee_ads_sync_queue ORDER BY id")]


def test_send_failure_after_insert_is_healed(stack: LocalStack, db: Database) -> None:
    shop_ids = stack.onboard_all()
    url = stack.queues.urls[1]
    attributes = stack.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    stack.sqs.delete_queue(QueueUrl=url)
    assert stack.invoke("enqueue", {"sync_type": "realtime", "priority": 1})["sent"] == 0
    stack.sqs.create_queue(
        QueueName=url.rsplit("/", 1)[1],
        Attributes={k: attributes[k] for k in ("VisibilityTimeout", "RedrivePolicy")},
    )

    reply = stack.invoke("maintenance", {"task": "reconcile"})

    assert reply["redispatched"] == len(shop_ids)
    assert queue_depth(stack, url) == len(shop_ids)
    deliver(stack, 1)
    deliver(stack, 1)
    assert statuses(db) == ["completed"] * len(shop_ids)
    assert stack.invoke("maintenance", {"task": "reconcile"})["redispatched"] == 0


def test_hand_reset_of_failed_jobs_runs_them_again(stack: LocalStack, db: Database) -> None:
    """The seed's `UPDATE ... SET status = 'pending', retry_count = 0 WHERE status = 'failed'`."""
    shop_id = stack.onboard_all()[0]
    db.run("UPDATE apishopee_shops SET status = 'paused' WHERE shop_id <> :s", s=shop_id)
    stack.invoke("enqueue", {"sync_type": "realtime", "priority": 1})
    stack.simulator.revoke(shop_id)
    deliver(stack, 1)
    assert statuses(db) == ["failed"]

    stack.onboard_all()  # the seller authorizes again; the operator stores the new tokens
    db.run(
        "UPDATE apishopee_ads_sync_queue SET status = 'pending', retry_count = 0 "
        "WHERE status = 'failed'"
    )
    assert stack.invoke("maintenance", {"task": "reconcile"})["redispatched"] == 1
    deliver(stack, 1)
    assert statuses(db) == ["completed"]


def test_priority_raised_by_hand_moves_the_job_to_the_critical_queue(
    stack: LocalStack, db: Database
) -> None:
    shop_ids = stack.onboard_all()
    stack.invoke("enqueue", {"sync_type": "realtime", "priority": 1})
    db.run(
        "UPDATE apishopee_ads_sync_queue SET priority = 3 WHERE shop_id IN (:a, :b)",
        a=shop_ids[0],
        b=shop_ids[1],
    )
    assert stack.invoke("maintenance", {"task": "reconcile"})["redispatched"] == 2
    assert queue_depth(stack, stack.queues.urls[3]) == 2
    deliver(stack, 3)
    done = db.run("SELECT shop_id FROM apishopee_ads_sync_queue WHERE status = 'completed'")
    assert sorted(r["shop_id"] for r in done) == sorted(shop_ids[:2])
    # Their old normal-priority messages are now stale and change nothing.
    deliver(stack, 1)
    deliver(stack, 1)
    assert set(statuses(db)) == {"completed"}


def test_a_job_whose_lambda_died_is_re_run(
    stack: LocalStack, db: Database, clock: FrozenClock
) -> None:
    shop_id = stack.onboard_all()[0]
    db.run("UPDATE apishopee_shops SET status = 'paused' WHERE shop_id <> :s", s=shop_id)
    stack.invoke("enqueue", {"sync_type": "realtime", "priority": 1})
    # A Lambda claimed it and died: processing, lease set, message gone.
    db.run(
        "UPDATE apishopee_ads_sync_queue SET status = 'processing', lease_expires_at = :t",
        t=clock() + timedelta(minutes=15),
    )
    stack.sqs.purge_queue(QueueUrl=stack.queues.urls[1])
    assert stack.invoke("maintenance", {"task": "reconcile"})["redispatched"] == 0  # lease alive
    clock.advance(timedelta(minutes=50))
    assert stack.invoke("maintenance", {"task": "reconcile"})["redispatched"] == 1
    deliver(stack, 1)
    assert statuses(db) == ["completed"]


def test_cleanup_deletes_finished_jobs_older_than_seven_days(
    stack: LocalStack, db: Database, clock: FrozenClock
) -> None:
    shop_ids = stack.onboard_all()
    for status, age_days in (("completed", 8), ("failed", 8), ("completed", 6), ("pending", 30)):
        db.run(
            "INSERT INTO apishopee_ads_sync_queue (shop_id, sync_type, status, created_at) "
            "VALUES (:s, 'backfill_full', :st, :c)",
            s=shop_ids[age_days % len(shop_ids) + len(statuses(db))],
            st=status,
            c=clock() - timedelta(days=age_days),
        )
    assert stack.invoke("maintenance", {"task": "cleanup"}) == {"task": "cleanup", "deleted": 2}
    assert sorted(statuses(db)) == ["completed", "pending"]
    assert stack.invoke("maintenance", {"task": "cleanup"})["deleted"] == 0


def test_reconcile_reports_freshness(stack: LocalStack, clock: FrozenClock) -> None:
    stack.onboard_all()
    clock.advance(timedelta(minutes=10))
    reply = stack.invoke("maintenance", {"task": "reconcile"})
    assert reply["oldest_sync_age_seconds"] == pytest.approx(600, abs=5)


def test_unknown_task_is_refused(stack: LocalStack) -> None:
    with pytest.raises(BadEventError, match="unknown maintenance task 'vacuum'"):
        stack.invoke("maintenance", {"task": "vacuum"})


def test_two_reconcile_passes_at_once_send_each_job_once(
    stack: LocalStack, db: Database, clock: FrozenClock
) -> None:
    shop_ids = stack.onboard_all()
    for shop_id in shop_ids:
        db.run(
            "INSERT INTO apishopee_ads_sync_queue (shop_id, sync_type, scheduled_at) "
            "VALUES (:s, 'realtime', :t)",
            s=shop_id,
            t=clock(),
        )
    barrier = threading.Barrier(2)
    results: list[int] = []

    def reconcile() -> None:
        barrier.wait()
        results.append(stack.invoke("maintenance", {"task": "reconcile"})["redispatched"])

    threads = [threading.Thread(target=reconcile) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(results) == len(shop_ids)
    assert queue_depth(stack, stack.queues.urls[1]) == len(shop_ids)


def test_two_cleanups_at_once_delete_each_row_once(
    stack: LocalStack, db: Database, clock: FrozenClock
) -> None:
    shop_ids = stack.onboard_all()
    for shop_id in shop_ids:
        db.run(
            "INSERT INTO apishopee_ads_sync_queue (shop_id, sync_type, status, created_at) "
            "VALUES (:s, 'realtime', 'completed', :c)",
            s=shop_id,
            c=clock() - timedelta(days=8),
        )
    with ThreadPoolExecutor(2) as pool:
        deleted = list(
            pool.map(lambda _: stack.invoke("maintenance", {"task": "cleanup"}), range(2))
        )
    assert sum(r["deleted"] for r in deleted) == len(shop_ids)


def test_a_job_that_kills_its_lambda_every_time_ends_failed(
    stack: LocalStack, db: Database, clock: FrozenClock
) -> None:
    """Lease expiries count as attempts, so the reconciler cannot loop on such a job."""
    shop_id = stack.onboard_all()[0]
    db.run("UPDATE apishopee_shops SET status = 'paused' WHERE shop_id <> :s", s=shop_id)
    stack.invoke("enqueue", {"sync_type": "realtime", "priority": 1})
    stack.sqs.purge_queue(QueueUrl=stack.queues.urls[1])
    for attempt in (1, 2, 3):
        db.run(  # claimed, then the Lambda died
            "UPDATE apishopee_ads_sync_queue SET status = 'processing', lease_expires_at = :t",
            t=clock() + timedelta(minutes=15),
        )
        clock.advance(timedelta(minutes=17))
        stack.invoke("maintenance", {"task": "reconcile"})
        row = db.one("SELECT status, retry_count, error_message FROM apishopee_ads_sync_queue")
        assert row is not None
        assert row["retry_count"] == attempt
        assert row["status"] == ("failed" if attempt == 3 else "pending")
    assert row is not None
    assert "lease expired" in str(row["error_message"])
