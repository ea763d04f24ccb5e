"""Guards a mutation check found undefended: each test fails when its guard is removed.

Each reaches the guard itself (not a state where another check already decides): a
stale message for a job that is still pending, a second refresh with the token the
first one returned, a reconcile one minute into a healthy run, a reset of a finished
row, a TH shop at an hour where +7 and +8 give different dates.
"""

import threading
import time
from datetime import UTC, date, datetime, timedelta
from typing import Any

from adsync.db.connection import Database
from adsync.regions import local_day
from adsync.services.dependencies import Dependencies
from adsync.services.onboarding import onboard_shop
from local.stack import LocalStack
from tests.support.clock import FrozenClock
from tests.support.sqs import deliver, queue_depth

REFRESH = "/api/v2/auth/access_token/get"


def one_active_shop(stack: LocalStack, db: Database) -> int:
    shop_id = stack.onboard_all()[0]
    db.run("UPDATE apishopee_shops SET status = 'paused' WHERE shop_id <> :s", s=shop_id)
    return shop_id


def job(db: Database) -> dict[str, Any]:
    row = db.one("SELECT * FROM apishopee_ads_sync_queue")
    assert row is not None
    return row


def test_a_stale_message_for_a_pending_job_runs_nothing(stack: LocalStack, db: Database) -> None:
    """The claim matches the message's dispatch_id: after a re-dispatch (a priority change,
    a reset), the old message must not run the job, although the job is still pending."""
    one_active_shop(stack, db)
    stack.invoke("enqueue", {"sync_type": "realtime", "priority": 1})
    # A re-dispatch gave the row a new dispatch id; the old message is still queued.
    db.run("UPDATE apishopee_ads_sync_queue SET dispatch_id = gen_random_uuid()")
    calls_before = sum(stack.simulator.counters.calls.values())
    reply = deliver(stack, 1)
    assert reply == {"batchItemFailures": []}  # dropped, not retried
    assert job(db)["status"] == "pending"
    assert job(db)["started_at"] is None
    assert sum(stack.simulator.counters.calls.values()) == calls_before
    assert queue_depth(stack, stack.queues.urls[1]) == 0


def test_a_second_refresh_uses_the_refresh_token_the_first_one_returned(
    stack: LocalStack, db: Database, clock: FrozenClock
) -> None:
    """Refresh tokens are single-use: saving the old one instead of the new works once
    and locks the shop out at its next refresh."""
    deps = Dependencies(env=stack.env, clock=clock, sqs=stack.sqs)
    try:
        shop = next(s for s in stack.simulator.world.shops if s.campaign_count)
        code = stack.simulator.authorize(shop.shop_id)
        onboard_shop(deps, shop_id=shop.shop_id, region=shop.region, code=code)
        for _ in range(3):
            clock.advance(timedelta(hours=4) - timedelta(minutes=5))  # inside the margin
            auth = deps.tokens.auth_for(shop.shop_id)
            assert deps.shopee.get_campaign_ids(auth)
        assert stack.simulator.counters.calls_to(REFRESH) == 3
        row = db.one("SELECT status FROM apishopee_shops WHERE shop_id = :s", s=shop.shop_id)
        assert row == {"status": "active"}
    finally:
        deps.close()


def test_a_healthy_run_keeps_its_lease_past_a_minute(
    stack: LocalStack, db: Database, clock: FrozenClock
) -> None:
    """The claim leases the job for JOB_LEASE_SECONDS (15 min): a reconcile one minute into
    a run must not take it over (a duplicate would run the job twice); two minutes in is past
    the reconciler's one-minute grace for a lease that has run out. The run is held
    on a slow Shopee reply while the reconcile happens."""
    one_active_shop(stack, db)
    stack.invoke("enqueue", {"sync_type": "realtime", "priority": 1})
    stack.simulator.faults.slow_next(1, delay_s=1.0)  # the run's first Shopee call
    worker = threading.Thread(target=deliver, args=(stack, 1))
    worker.start()
    try:
        for _ in range(200):  # until the worker has claimed the job
            if job(db)["status"] == "processing":
                break
            time.sleep(0.01)
        assert job(db)["status"] == "processing"
        clock.advance(timedelta(minutes=2))  # past the reconciler's 1-minute grace
        assert stack.invoke("maintenance", {"task": "reconcile"})["redispatched"] == 0
    finally:
        worker.join()
    assert job(db)["status"] == "completed"
    assert job(db)["lease_expires_at"] is None or job(db)["completed_at"] is not None


def test_resetting_a_finished_row_gives_it_a_new_dispatch(stack: LocalStack, db: Database) -> None:
    """The reset trigger: every message of the old dispatch turns stale."""
    one_active_shop(stack, db)
    stack.invoke("enqueue", {"sync_type": "realtime", "priority": 1})
    db.run("UPDATE apishopee_ads_sync_queue SET status = 'failed'")
    before = job(db)["dispatch_id"]
    db.run("UPDATE apishopee_ads_sync_queue SET status = 'pending'")
    after = job(db)
    assert after["dispatch_id"] != before
    assert after["dispatched_at"] is None


def test_th_and_vn_are_utc_plus_7_where_plus_8_gives_another_date() -> None:
    """16:30 UTC is 23:30 at +7 and 00:30 next day at +8."""
    instant = datetime(2026, 11, 28, 16, 30, tzinfo=UTC)
    for region in ("TH", "VN", "ID"):
        assert local_day(region, instant) == date(2026, 11, 28), region
    for region in ("SG", "MY", "PH", "TW"):
        assert local_day(region, instant) == date(2026, 11, 29), region


def test_a_duplicate_message_during_a_live_run_does_not_run_the_job_again(
    stack: LocalStack, db: Database, clock: FrozenClock
) -> None:
    """SQS may deliver a message twice. While the first run holds a live lease, the
    second delivery must not claim the job (only an expired lease may be taken over).
    Every claim stamps `started_at` and a new lease from the clock, moved on a second
    before the duplicate arrives: a claim by it would change both."""
    one_active_shop(stack, db)
    stack.invoke("enqueue", {"sync_type": "realtime", "priority": 1})
    url = stack.queues.urls[1]
    body = stack.sqs.receive_message(QueueUrl=url, VisibilityTimeout=0)["Messages"][0]["Body"]
    stack.simulator.faults.slow_next(1, delay_s=1.0)  # the run's first Shopee call
    first = threading.Thread(target=deliver, args=(stack, 1), kwargs={"max_messages": 1})
    first.start()
    try:
        for _ in range(200):
            if job(db)["status"] == "processing":
                break
            time.sleep(0.01)
        claimed = job(db)
        assert claimed["status"] == "processing"
        clock.advance(seconds=1)
        stack.sqs.send_message(QueueUrl=url, MessageBody=body)  # the duplicate
        deliver(stack, 1, max_messages=1)  # during the run
        again = job(db)
        assert (again["started_at"], again["lease_expires_at"]) == (
            claimed["started_at"],
            claimed["lease_expires_at"],
        )  # not claimed again
    finally:
        first.join()
    assert job(db)["status"] == "completed"


def test_dead_letter_leaves_a_completed_job_completed(stack: LocalStack, db: Database) -> None:
    """A message can reach the DLQ after its job completed (a late duplicate): the
    job's result stands."""
    from local.event_source import sqs_record

    one_active_shop(stack, db)
    stack.invoke("enqueue", {"sync_type": "realtime", "priority": 1})
    url = stack.queues.urls[1]
    raw = stack.sqs.receive_message(QueueUrl=url, VisibilityTimeout=0)["Messages"][0]
    deliver(stack, 1)
    assert job(db)["status"] == "completed"
    dlq = stack.queues.dead_letter_urls[1]
    event = {"Records": [sqs_record(raw, queue_arn=stack.queues.arns[dlq])]}
    assert stack.invoke("dead_letter", event) == {"batchItemFailures": []}
    assert job(db)["status"] == "completed"
    assert job(db)["error_message"] is None
