"""12.3: the database unreachable, SQS refusing sends: interruptions, not failures.

An unreachable database (wrong host, a long failover) and an SQS that refuses a send
cost no attempt and burn no receive: the record ends at once, the job comes back
within a minute by a fresh message or, when SQS refused that too, by the reconciler.
Only when both refuse is the record left to SQS's own retry.
"""

from datetime import timedelta
from typing import Any

import pytest

from adsync.db.connection import Database
from adsync.errors import DatabaseError
from local.stack import LocalStack
from tests.faults.conftest import FlakySqs, assert_truth, job_rows
from tests.support.clock import FrozenClock
from tests.support.sqs import delete_succeeded, queue_depth, receive_event
from tests.support.sync import drain

BACK_WITHIN = timedelta(minutes=1)
UNREACHABLE = "postgresql://postgres@127.0.0.1:1/none"


def only_shop(stack: LocalStack, db: Database) -> int:
    shop_id = stack.onboard_all()[0]
    db.run("UPDATE apishopee_shops SET status = 'paused' WHERE shop_id <> :s", s=shop_id)
    return shop_id


def test_an_unreachable_database_sends_the_jobs_back_without_an_attempt(
    stack: LocalStack, db: Database, clock: FrozenClock, later: Any
) -> None:
    stack.onboard_all()
    stack.invoke("enqueue", {"sync_type": "realtime", "priority": 1})
    event = receive_event(stack, 1, max_messages=3)
    broken = stack.lambdas_on(env={**stack.env, "DATABASE_URL": UNREACHABLE})

    reply = broken.invoke("worker", event)

    assert reply == {"batchItemFailures": []}  # no receive burned, no 30-minute wait
    with pytest.raises(DatabaseError, match="unreachable"):
        broken.invoke("enqueue", {"sync_type": "realtime", "priority": 1})
    for record in event["Records"]:
        stack.sqs.delete_message(
            QueueUrl=stack.queues.urls[1], ReceiptHandle=record["receiptHandle"]
        )
    assert {(j["status"], j["retry_count"]) for j in job_rows(db)} == {("pending", 0)}

    later(BACK_WITHIN)  # the database is back: the stack's own containers
    drain(stack, priority=1)

    rows = job_rows(db)
    assert [(j["status"], j["retry_count"]) for j in rows] == [("completed", 0)] * len(rows)
    assert_truth(stack, db)


def test_sqs_refusing_a_deferral_hands_the_job_to_the_reconciler(
    stack: LocalStack, db: Database, clock: FrozenClock, later: Any
) -> None:
    """A throttled job is released, then SQS refuses its delayed message: without
    care the row would wait 6 hours for the reconciler's lost-message rule."""
    shop_id = only_shop(stack, db)
    stack.invoke("enqueue", {"sync_type": "realtime", "priority": 1})
    flaky = FlakySqs(stack.sqs)
    lambdas = stack.lambdas_on(sqs=flaky)
    stack.simulator.faults.fail_shop(
        shop_id, error="ads.rate_limit.exceed_shop_api", message="Too many requests", times=1
    )
    flaky.down = True

    event = receive_event(stack, 1)
    reply = lambdas.invoke("worker", event)
    delete_succeeded(stack, 1, event, reply)

    assert reply == {"batchItemFailures": []}
    flaky.down = False
    [job] = job_rows(db)
    assert (job["status"], job["retry_count"]) == ("pending", 0)
    assert queue_depth(stack, stack.queues.urls[1]) == 0  # nothing in flight: only the row

    later(2 * BACK_WITHIN)  # past the throttle's back-off
    assert lambdas.invoke("maintenance", {"task": "reconcile"})["redispatched"] == 1
    drain(stack, priority=1, lambdas=lambdas)
    assert [(j["status"], j["retry_count"]) for j in job_rows(db)] == [("completed", 0)]
    assert_truth(stack, db, [shop_id])


def test_with_both_down_the_record_is_left_to_sqs(
    stack: LocalStack, db: Database, clock: FrozenClock
) -> None:
    only_shop(stack, db)
    stack.invoke("enqueue", {"sync_type": "realtime", "priority": 1})
    flaky = FlakySqs(stack.sqs)
    flaky.down = True
    broken = stack.lambdas_on(env={**stack.env, "DATABASE_URL": UNREACHABLE}, sqs=flaky)
    event = receive_event(stack, 1)

    reply = broken.invoke("worker", event)

    assert reply == {"batchItemFailures": [{"itemIdentifier": event["Records"][0]["messageId"]}]}
    assert [(j["status"], j["retry_count"]) for j in job_rows(db)] == [("pending", 0)]
