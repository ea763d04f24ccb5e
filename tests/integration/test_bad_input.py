"""Bad input gets a clear error and loses nothing: what happens to each kind."""

from decimal import Decimal
from typing import Any

import pytest

from adsync.db.connection import Database
from adsync.errors import DatabaseError
from local.event_source import sqs_record
from local.stack import LocalStack
from tests.support.clock import FrozenClock
from tests.support.sqs import deliver, queue_depth, receive_event


def only_shop(stack: LocalStack, db: Database) -> int:
    shop_id = stack.onboard_all()[0]
    db.run("UPDATE apishopee_shops SET status = 'paused' WHERE shop_id <> :s", s=shop_id)
    return shop_id


def job_row(db: Database) -> dict[str, Any]:
    row = db.one("SELECT * FROM apishopee_ads_sync_queue")
    assert row is not None
    return row


def test_malformed_message_is_reported_so_it_reaches_the_dlq(stack: LocalStack) -> None:
    url = stack.queues.urls[1]
    stack.sqs.send_message(QueueUrl=url, MessageBody="{not json")
    event = receive_event(stack, 1)
    reply = stack.invoke("worker", event)
    assert reply == {"batchItemFailures": [{"itemIdentifier": event["Records"][0]["messageId"]}]}


def test_dead_letter_logs_and_drops_a_malformed_message(stack: LocalStack) -> None:
    dlq = stack.queues.dead_letter_urls[1]
    record = {
        "MessageId": "m-1",
        "ReceiptHandle": "r-1",
        "Body": "garbage",
        "Attributes": {"ApproximateReceiveCount": "1"},
    }
    reply = stack.invoke(
        "dead_letter", {"Records": [sqs_record(record, queue_arn=stack.queues.arns[dlq])]}
    )
    assert reply == {"batchItemFailures": []}


def test_shop_without_token_fails_at_once_without_retries(stack: LocalStack, db: Database) -> None:
    shop_id = only_shop(stack, db)
    stack.invoke("enqueue", {"sync_type": "realtime", "priority": 1})
    db.run("UPDATE apishopee_shops SET access_token = NULL WHERE shop_id = :s", s=shop_id)
    reply = deliver(stack, 1)
    assert reply == {"batchItemFailures": []}  # retrying cannot help: no message kept
    job = job_row(db)
    assert job["status"] == "failed"
    assert job["retry_count"] == 1
    assert "has no access token" in str(job["error_message"])
    assert queue_depth(stack, stack.queues.urls[1]) == 0


def test_unknown_shop_in_a_hand_inserted_job_is_refused_by_the_schema(db: Database) -> None:
    with pytest.raises(DatabaseError, match="23503"):  # foreign key violation
        db.run(
            "INSERT INTO apishopee_ads_sync_queue (shop_id, sync_type, priority) "
            "VALUES (999, 'realtime', 1)"
        )


def test_revoked_authorization_marks_the_shop_and_stops_enqueueing_it(
    stack: LocalStack, db: Database
) -> None:
    shop_id = only_shop(stack, db)
    stack.invoke("enqueue", {"sync_type": "realtime", "priority": 1})
    stack.simulator.revoke(shop_id)
    reply = stack.invoke("worker", receive_event(stack, 1))
    assert reply == {"batchItemFailures": []}
    assert job_row(db)["status"] == "failed"
    shop = db.one("SELECT status FROM apishopee_shops WHERE shop_id = :s", s=shop_id)
    assert shop == {"status": "needs_reauth"}
    assert stack.invoke("enqueue", {"sync_type": "realtime", "priority": 1})["enqueued"] == 0


def test_shopee_error_reply_is_a_failed_attempt_with_its_code(
    stack: LocalStack, db: Database
) -> None:
    shop_id = only_shop(stack, db)
    stack.invoke("enqueue", {"sync_type": "realtime", "priority": 1})
    stack.simulator.faults.fail_shop(shop_id, error="error_param", message="Wrong parameters")
    reply = stack.invoke("worker", receive_event(stack, 1))
    assert len(reply["batchItemFailures"]) == 1
    job = job_row(db)
    assert (job["status"], job["retry_count"]) == ("pending", 1)
    assert "error_param" in str(job["error_message"])
    assert "access_token" not in str(job["error_message"])


def test_throttling_defers_without_consuming_an_attempt(
    stack: LocalStack, db: Database, clock: FrozenClock
) -> None:
    shop_id = only_shop(stack, db)
    stack.invoke("enqueue", {"sync_type": "realtime", "priority": 1})
    stack.simulator.faults.fail_shop(
        shop_id, error="ads.rate_limit.exceed_shop_api", message="Too many requests", times=1
    )
    reply = stack.invoke("worker", receive_event(stack, 1))
    assert reply == {"batchItemFailures": []}
    job = job_row(db)
    assert (job["status"], job["retry_count"]) == ("pending", 0)
    assert job["scheduled_at"] > clock()
    attrs = stack.sqs.get_queue_attributes(
        QueueUrl=stack.queues.urls[1], AttributeNames=["ApproximateNumberOfMessagesDelayed"]
    )["Attributes"]
    assert attrs["ApproximateNumberOfMessagesDelayed"] == "1"


def test_money_is_stored_exactly(stack: LocalStack, db: Database) -> None:
    only_shop(stack, db)
    stack.invoke("enqueue", {"sync_type": "realtime", "priority": 1})
    stack.invoke("worker", receive_event(stack, 1))
    for row in db.run("SELECT expense, broad_gmv FROM apishopee_ads_performance_daily"):
        assert isinstance(row["expense"], Decimal)


def test_unknown_sync_type_in_a_hand_inserted_job_is_refused(
    stack: LocalStack, db: Database
) -> None:
    shop_id = stack.onboard_all()[0]
    with pytest.raises(DatabaseError, match="sync_type_check") as caught:
        db.run(
            "INSERT INTO apishopee_ads_sync_queue (shop_id, sync_type) VALUES (:s, 'hourly')",
            s=shop_id,
        )
    assert caught.value.sqlstate == "23514"


POISON_BODIES = [
    '{"job_id": 1, "dispatch_id": "not-a-uuid"}',
    '{"job_id": 9223372036854775808, "dispatch_id": "6f1c2d0e-3c1a-4b9e-9d55-2f8f3b7a9c01"}',
    '{"job_id": true, "dispatch_id": "6f1c2d0e-3c1a-4b9e-9d55-2f8f3b7a9c01"}',
]


@pytest.mark.parametrize("body", POISON_BODIES)
def test_a_poison_message_is_refused_before_sql_and_dead_letter_consumes_it(
    stack: LocalStack, body: str
) -> None:
    """A body that parses as JSON but cannot name a row (a non-UUID dispatch id, a job id
    beyond bigint) used to fail in SQL, in the worker and again in dead_letter: retried
    every 30 s for 14 days. The worker reports it (it goes to the DLQ after its
    receives); dead_letter logs, counts and deletes it."""
    url = stack.queues.urls[1]
    stack.sqs.send_message(QueueUrl=url, MessageBody=body)
    event = receive_event(stack, 1)
    reply = stack.invoke("worker", event)
    assert reply == {"batchItemFailures": [{"itemIdentifier": event["Records"][0]["messageId"]}]}
    dlq = stack.queues.dead_letter_urls[1]
    record = {
        "MessageId": "m-1",
        "ReceiptHandle": "r-1",
        "Body": body,
        "Attributes": {"ApproximateReceiveCount": "1"},
    }
    reply = stack.invoke(
        "dead_letter", {"Records": [sqs_record(record, queue_arn=stack.queues.arns[dlq])]}
    )
    assert reply == {"batchItemFailures": []}
