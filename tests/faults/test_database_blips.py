"""12.3: a database blip is not the job's fault.

A Postgres that stops mid-sync (a restart, a failover: every session terminated, new
connections refused until it is back) interrupts the records in flight. Each one ends
without a failed attempt and without burning a receive: a fresh message comes back
in under a minute and the job carries on from its cursor. The server here is a
throwaway one: the shared server is never restarted.
"""

from datetime import timedelta
from typing import Any

import pytest

from adsync.db.connection import Database
from local.stack import LocalStack
from tests.faults.conftest import assert_truth, job_rows
from tests.support.restartable import RestartableServer
from tests.support.sqs import queue_depth, receive_event
from tests.support.sync import drain

SHOP_HOURLY = "/api/v2/ads/get_all_cpc_ads_hourly_performance"
BACK_WITHIN = timedelta(minutes=1)


@pytest.fixture(scope="module")
def database_url(restartable: RestartableServer) -> str:
    return restartable.create_database("adsync_faults")


# Known leak, not yet fixed: a connect reset by the stopping server in the middle of
# pg8000's handshake leaves that socket to the garbage collector now and then (an
# "unclosed socket" warning at a later collection). Only that warning is let through.
@pytest.mark.filterwarnings(
    "ignore:Exception ignored in. <socket.socket:pytest.PytestUnraisableExceptionWarning"
)
def test_a_postgres_restart_mid_sync_costs_no_attempt_and_no_receive(
    stack: LocalStack, db: Database, restartable: RestartableServer, later: Any
) -> None:
    stack.onboard_all()
    stack.invoke("enqueue", {"sync_type": "realtime", "priority": 1})
    event = receive_event(stack, 1)
    assert len(event["Records"]) == 10
    stack.simulator.faults.run_before_next(restartable.stop, path=SHOP_HOURLY)

    try:
        reply = stack.invoke("worker", event)
    finally:
        restartable.start()

    # Nothing listed: a listed record would come back after the visibility timeout
    # (30 minutes) with one receive of its three spent.
    assert reply == {"batchItemFailures": []}
    interrupted = [j for j in job_rows(db) if j["status"] != "completed"]
    assert interrupted, "the stop interrupted no record: the test proves nothing"
    assert all(j["retry_count"] == 0 for j in job_rows(db))

    later(BACK_WITHIN)
    drain(stack, priority=1)

    rows = job_rows(db)
    assert [(j["status"], j["retry_count"]) for j in rows] == [("completed", 0)] * len(rows)
    assert_truth(stack, db)
    assert queue_depth(stack, stack.queues.dead_letter_urls[1]) == 0


def test_three_blips_do_not_fail_a_healthy_job(
    stack: LocalStack, db: Database, restartable: RestartableServer, later: Any
) -> None:
    shop_id = stack.onboard_all()[0]
    db.run("UPDATE apishopee_shops SET status = 'paused' WHERE shop_id <> :s", s=shop_id)
    stack.invoke("enqueue", {"sync_type": "realtime", "priority": 1})

    for _ in range(3):
        stack.simulator.faults.run_before_next(restartable.stop, path=SHOP_HOURLY)
        event = receive_event(stack, 1)
        assert len(event["Records"]) == 1
        try:
            reply = stack.invoke("worker", event)
        finally:
            restartable.start()
        assert reply == {"batchItemFailures": []}
        stack.sqs.delete_message(
            QueueUrl=stack.queues.urls[1], ReceiptHandle=event["Records"][0]["receiptHandle"]
        )
        assert [j["retry_count"] for j in job_rows(db)] == [0]
        later(BACK_WITHIN)

    drain(stack, priority=1)
    assert [(j["status"], j["retry_count"]) for j in job_rows(db)] == [("completed", 0)]
    assert_truth(stack, db, [shop_id])
    assert queue_depth(stack, stack.queues.dead_letter_urls[1]) == 0
