"""pgqueue beyond the shared contract: where SQS and moto differ (pgqueue follows
SQS), concurrency, retention, durability and scale."""

import threading
from datetime import timedelta

import pytest
from botocore.exceptions import BotoCoreError, ClientError, EndpointConnectionError

from local.pgqueue import PgSqs, Store, exceptions, make_sqs
from tests.support.clock import FrozenClock


def fill(sqs: PgSqs, url: str, count: int) -> None:
    for start in range(0, count, 10):
        entries = [
            {"Id": str(i), "MessageBody": str(start + i)} for i in range(min(10, count - start))
        ]
        assert not sqs.send_message_batch(QueueUrl=url, Entries=entries)["Failed"]


def test_delete_batch_limit(pgqueue: PgSqs) -> None:
    # moto 5.2 accepts 11 entries here; SQS refuses them.
    url = pgqueue.create_queue(QueueName="q")["QueueUrl"]
    with pytest.raises(exceptions().TooManyEntriesInBatchRequest):
        pgqueue.delete_message_batch(
            QueueUrl=url, Entries=[{"Id": str(i), "ReceiptHandle": f"h{i}"} for i in range(11)]
        )


def test_visibility_of_a_message_not_in_flight_cannot_change(
    pgqueue: PgSqs, pg_clock: FrozenClock
) -> None:
    # SQS answers InvalidParameterValue ("not available for visibility timeout change");
    # moto changes it anyway.
    url = pgqueue.create_queue(QueueName="q", Attributes={"VisibilityTimeout": "10"})["QueueUrl"]
    pgqueue.send_message(QueueUrl=url, MessageBody="x")
    [message] = pgqueue.receive_message(QueueUrl=url)["Messages"]
    pg_clock.advance(timedelta(seconds=11))
    with pytest.raises(ClientError) as excinfo:
        pgqueue.change_message_visibility(
            QueueUrl=url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=30
        )
    assert excinfo.value.response["Error"]["Code"] == "InvalidParameterValue"


def test_bodies_sqs_refuses(pgqueue: PgSqs) -> None:
    # moto accepts a NUL character; SQS (and a Postgres text column) do not.
    url = pgqueue.create_queue(QueueName="q")["QueueUrl"]
    with pytest.raises(ClientError) as excinfo:
        pgqueue.send_message(QueueUrl=url, MessageBody="a\x00b")
    assert excinfo.value.response["Error"]["Code"] == "InvalidMessageContents"
    reply = pgqueue.send_message_batch(
        QueueUrl=url,
        Entries=[{"Id": "bad", "MessageBody": "a\x00b"}, {"Id": "ok", "MessageBody": "ü✓"}],
    )
    assert [f["Code"] for f in reply["Failed"]] == ["InvalidMessageContents"]
    [message] = pgqueue.receive_message(QueueUrl=url)["Messages"]
    assert message["Body"] == "ü✓"


def test_concurrent_receivers_never_share_a_message(pgqueue: PgSqs) -> None:
    url = pgqueue.create_queue(QueueName="q", Attributes={"VisibilityTimeout": "300"})["QueueUrl"]
    fill(pgqueue, url, 400)
    got: list[str] = []
    lock = threading.Lock()

    def drain() -> None:
        while batch := pgqueue.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get(
            "Messages", []
        ):
            with lock:
                got.extend(m["Body"] for m in batch)

    threads = [threading.Thread(target=drain) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(got, key=int) == [str(i) for i in range(400)]


def test_retention_period_expires_messages(pgqueue: PgSqs, pg_clock: FrozenClock) -> None:
    url = pgqueue.create_queue(QueueName="q", Attributes={"MessageRetentionPeriod": "60"})[
        "QueueUrl"
    ]
    pgqueue.send_message(QueueUrl=url, MessageBody="old")
    pg_clock.advance(timedelta(seconds=61))
    assert "Messages" not in pgqueue.receive_message(QueueUrl=url)
    attrs = pgqueue.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert attrs["ApproximateNumberOfMessages"] == "0"
    pgqueue.expire_once()


def test_messages_outlive_the_client(
    database_url: str, pgqueue: PgSqs, pg_clock: FrozenClock
) -> None:
    url = pgqueue.create_queue(QueueName="q")["QueueUrl"]
    pgqueue.send_message(QueueUrl=url, MessageBody="durable")
    other = make_sqs(database_url, clock=pg_clock)
    try:
        [message] = other.receive_message(QueueUrl=url)["Messages"]
    finally:
        other.close()
    assert message["Body"] == "durable"


def test_reconnects_after_a_dropped_connection(pgqueue: PgSqs) -> None:
    url = pgqueue.create_queue(QueueName="q")["QueueUrl"]
    pgqueue.close()  # every thread's socket closed under it
    pgqueue.send_message(QueueUrl=url, MessageBody="x")
    assert len(pgqueue.receive_message(QueueUrl=url)["Messages"]) == 1


def test_an_unreachable_database_is_an_endpoint_error() -> None:
    sqs = PgSqs(Store("postgresql://u@127.0.0.1:1/x"))
    with pytest.raises(EndpointConnectionError) as excinfo:
        sqs.send_message(QueueUrl="https://x/1/q", MessageBody="x")
    assert isinstance(excinfo.value, BotoCoreError)  # what adsync.queue catches


def test_holds_ten_thousand_messages(pgqueue: PgSqs) -> None:
    url = pgqueue.create_queue(QueueName="q")["QueueUrl"]
    fill(pgqueue, url, 10_000)
    attrs = pgqueue.get_queue_attributes(
        QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"]
    )
    assert attrs["Attributes"]["ApproximateNumberOfMessages"] == "10000"
    [message] = pgqueue.receive_message(QueueUrl=url)["Messages"]
    assert message["Body"] == "0"
