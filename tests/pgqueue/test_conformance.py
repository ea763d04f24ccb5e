"""One SQS contract, run against moto (the oracle) and pgqueue.

Every test here passes on both backends; where SQS, moto and pgqueue disagree the
test is in test_pgqueue.py instead, with the reason.
"""

import hashlib
import json
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.pgqueue.conftest import Backend

COUNTS = [
    "ApproximateNumberOfMessages",
    "ApproximateNumberOfMessagesNotVisible",
    "ApproximateNumberOfMessagesDelayed",
]


def make_queue(backend: Backend, name: str = "jobs", **attributes: Any) -> str:
    attrs = {k: str(v) for k, v in attributes.items()}
    return str(backend.sqs.create_queue(QueueName=name, Attributes=attrs)["QueueUrl"])


def counts(backend: Backend, url: str) -> tuple[int, int, int]:
    attrs = backend.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=COUNTS)["Attributes"]
    visible, in_flight, delayed = (int(attrs[name]) for name in COUNTS)
    return visible, in_flight, delayed


def receive(backend: Backend, url: str, **kwargs: Any) -> list[dict[str, Any]]:
    reply = backend.sqs.receive_message(
        QueueUrl=url, MaxNumberOfMessages=10, MessageSystemAttributeNames=["All"], **kwargs
    )
    return list(reply.get("Messages", []))


def error_of(excinfo: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    return excinfo.value.response["Error"]["Code"], type(excinfo.value).__name__


def test_send_receive_delete_round_trip(backend: Backend) -> None:
    url = make_queue(backend)
    sent = backend.sqs.send_message(QueueUrl=url, MessageBody='{"job_id": 1}')
    [message] = receive(backend, url)
    assert message["MessageId"] == sent["MessageId"]
    assert message["Body"] == '{"job_id": 1}'
    md5 = hashlib.md5(b'{"job_id": 1}').hexdigest()
    assert message["MD5OfBody"] == sent["MD5OfMessageBody"] == md5
    attributes = message["Attributes"]
    assert attributes["ApproximateReceiveCount"] == "1"
    assert set(attributes) >= {"SenderId", "SentTimestamp", "ApproximateFirstReceiveTimestamp"}
    assert int(attributes["ApproximateFirstReceiveTimestamp"]) >= int(attributes["SentTimestamp"])
    assert counts(backend, url) == (0, 1, 0)
    backend.sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    assert counts(backend, url) == (0, 0, 0)
    assert receive(backend, url) == []


def test_attributes_only_when_asked(backend: Backend) -> None:
    url = make_queue(backend)
    backend.sqs.send_message(QueueUrl=url, MessageBody="x")
    [message] = backend.sqs.receive_message(QueueUrl=url)["Messages"]
    assert "Attributes" not in message
    assert backend.sqs.receive_message(QueueUrl=url).get("Messages", []) == []


def test_batch_reports_each_entry(backend: Backend) -> None:
    url = make_queue(backend)
    reply = backend.sqs.send_message_batch(
        QueueUrl=url,
        Entries=[
            {"Id": "ok", "MessageBody": "a"},
            {"Id": "late", "MessageBody": "b", "DelaySeconds": 901},
            {"Id": "ok2", "MessageBody": "c", "DelaySeconds": 0},
        ],
    )
    assert sorted(e["Id"] for e in reply["Successful"]) == ["ok", "ok2"]
    [failed] = reply["Failed"]
    assert (failed["Id"], failed["Code"], failed["SenderFault"]) == (
        "late",
        "InvalidParameterValue",
        True,
    )
    assert sorted(m["Body"] for m in receive(backend, url)) == ["a", "c"]


@pytest.mark.parametrize(
    ("entries", "code", "kind"),
    [
        (
            [{"Id": str(i), "MessageBody": "x"} for i in range(11)],
            "AWS.SimpleQueueService.TooManyEntriesInBatchRequest",
            "TooManyEntriesInBatchRequest",
        ),
        ([], "AWS.SimpleQueueService.EmptyBatchRequest", "EmptyBatchRequest"),
        (
            [{"Id": "a", "MessageBody": "x"}, {"Id": "a", "MessageBody": "y"}],
            "AWS.SimpleQueueService.BatchEntryIdsNotDistinct",
            "BatchEntryIdsNotDistinct",
        ),
        (
            [{"Id": "a b", "MessageBody": "x"}],
            "AWS.SimpleQueueService.InvalidBatchEntryId",
            "InvalidBatchEntryId",
        ),
        (
            [{"Id": str(i), "MessageBody": "x" * 300_000} for i in range(4)],
            "AWS.SimpleQueueService.BatchRequestTooLong",
            "BatchRequestTooLong",
        ),
    ],
    ids=["eleven", "empty", "duplicate-ids", "bad-id", "too-long"],
)
def test_batch_limits_reject_the_whole_request(
    backend: Backend, entries: list[dict[str, Any]], code: str, kind: str
) -> None:
    url = make_queue(backend)
    with pytest.raises(ClientError) as excinfo:
        backend.sqs.send_message_batch(QueueUrl=url, Entries=entries)
    assert error_of(excinfo) == (code, kind)
    assert counts(backend, url) == (0, 0, 0)


def test_single_send_limits(backend: Backend) -> None:
    url = make_queue(backend)
    with pytest.raises(ClientError) as excinfo:
        backend.sqs.send_message(QueueUrl=url, MessageBody="x" * (1024 * 1024 + 1))
    assert excinfo.value.response["Error"]["Code"] == "InvalidParameterValue"
    with pytest.raises(ClientError) as excinfo:
        backend.sqs.send_message(QueueUrl=url, MessageBody="x", DelaySeconds=901)
    assert excinfo.value.response["Error"]["Code"] == "InvalidParameterValue"
    backend.sqs.send_message(QueueUrl=url, MessageBody="x" * 300_000)  # > the old 256 KiB


def test_receive_limits(backend: Backend) -> None:
    url = make_queue(backend)
    for bad in ({"MaxNumberOfMessages": 11}, {"MaxNumberOfMessages": 0}, {"WaitTimeSeconds": 21}):
        with pytest.raises(ClientError) as excinfo:
            backend.sqs.receive_message(QueueUrl=url, **bad)
        assert excinfo.value.response["Error"]["Code"] == "InvalidParameterValue"


def test_delay_seconds_hides_a_message_until_due(backend: Backend) -> None:
    url = make_queue(backend)
    backend.sqs.send_message(QueueUrl=url, MessageBody="later", DelaySeconds=1)
    backend.sqs.send_message(QueueUrl=url, MessageBody="now")
    assert [m["Body"] for m in receive(backend, url, VisibilityTimeout=30)] == ["now"]
    assert counts(backend, url) == (0, 1, 1)
    backend.advance(1.2)
    assert [m["Body"] for m in receive(backend, url)] == ["later"]


def test_queue_delay_seconds_is_the_default(backend: Backend) -> None:
    url = make_queue(backend, DelaySeconds=1)
    backend.sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": "a", "MessageBody": "x"}])
    assert receive(backend, url) == []
    assert counts(backend, url) == (0, 0, 1)
    backend.advance(1.2)
    assert len(receive(backend, url)) == 1


def test_visibility_timeout_returns_an_unsettled_message(backend: Backend) -> None:
    url = make_queue(backend, VisibilityTimeout=1)
    backend.sqs.send_message(QueueUrl=url, MessageBody="x")
    [first] = receive(backend, url)
    assert receive(backend, url) == []
    backend.advance(1.2)
    [second] = receive(backend, url)
    assert second["MessageId"] == first["MessageId"]
    assert second["ReceiptHandle"] != first["ReceiptHandle"]
    assert second["Attributes"]["ApproximateReceiveCount"] == "2"
    first_receive = first["Attributes"]["ApproximateFirstReceiveTimestamp"]
    assert second["Attributes"]["ApproximateFirstReceiveTimestamp"] == first_receive


def test_change_message_visibility(backend: Backend) -> None:
    url = make_queue(backend, VisibilityTimeout=60)
    backend.sqs.send_message(QueueUrl=url, MessageBody="x")
    [message] = receive(backend, url)
    backend.sqs.change_message_visibility(
        QueueUrl=url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0
    )
    [again] = receive(backend, url)
    assert again["Attributes"]["ApproximateReceiveCount"] == "2"
    backend.sqs.change_message_visibility(
        QueueUrl=url, ReceiptHandle=again["ReceiptHandle"], VisibilityTimeout=1
    )
    assert receive(backend, url) == []
    backend.advance(1.2)
    assert len(receive(backend, url)) == 1
    with pytest.raises(ClientError) as excinfo:
        backend.sqs.change_message_visibility(
            QueueUrl=url, ReceiptHandle=again["ReceiptHandle"], VisibilityTimeout=43_201
        )
    assert excinfo.value.response["Error"]["Code"] == "InvalidParameterValue"


def test_receive_count_counts_every_receive(backend: Backend) -> None:
    url = make_queue(backend)
    backend.sqs.send_message(QueueUrl=url, MessageBody="x")
    seen = [receive(backend, url, VisibilityTimeout=0)[0] for _ in range(3)]
    assert [m["Attributes"]["ApproximateReceiveCount"] for m in seen] == ["1", "2", "3"]
    assert len({m["ReceiptHandle"] for m in seen}) == 3


def test_redrive_moves_the_message_after_max_receive_count(backend: Backend) -> None:
    dlq = make_queue(backend, "jobs-dlq")
    arn = backend.sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])
    policy = {"deadLetterTargetArn": arn["Attributes"]["QueueArn"], "maxReceiveCount": 2}
    url = make_queue(backend, RedrivePolicy=json.dumps(policy))
    sent = backend.sqs.send_message(QueueUrl=url, MessageBody="poison")
    assert len(receive(backend, url, VisibilityTimeout=0)) == 1
    assert len(receive(backend, url, VisibilityTimeout=0)) == 1
    assert receive(backend, url, VisibilityTimeout=0) == []  # moved instead of delivered
    assert counts(backend, url) == (0, 0, 0)
    assert counts(backend, dlq) == (1, 0, 0)
    [dead] = receive(backend, dlq)
    assert (dead["MessageId"], dead["Body"]) == (sent["MessageId"], "poison")
    attrs = backend.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["RedrivePolicy"])
    assert json.loads(attrs["Attributes"]["RedrivePolicy"]) == policy


def test_redrive_to_a_missing_queue_is_refused(backend: Backend) -> None:
    policy = {"deadLetterTargetArn": "arn:aws:sqs:ap-southeast-1:123456789012:nope"}
    with pytest.raises(ClientError) as excinfo:
        make_queue(backend, RedrivePolicy=json.dumps({**policy, "maxReceiveCount": 3}))
    assert error_of(excinfo) == ("AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist")


def test_stale_and_repeated_receipt_handles(backend: Backend) -> None:
    url = make_queue(backend)
    backend.sqs.send_message(QueueUrl=url, MessageBody="x")
    [old] = receive(backend, url, VisibilityTimeout=0)
    [new] = receive(backend, url, VisibilityTimeout=30)
    # Any handle the message has had deletes it; deleting it again succeeds too.
    backend.sqs.delete_message(QueueUrl=url, ReceiptHandle=old["ReceiptHandle"])
    assert counts(backend, url) == (0, 0, 0)
    backend.sqs.delete_message(QueueUrl=url, ReceiptHandle=new["ReceiptHandle"])
    reply = backend.sqs.delete_message_batch(
        QueueUrl=url, Entries=[{"Id": "a", "ReceiptHandle": new["ReceiptHandle"]}]
    )
    assert (reply["Successful"], reply["Failed"]) == ([{"Id": "a"}], [])
    # The visibility of a deleted message cannot change.
    with pytest.raises(ClientError) as excinfo:
        backend.sqs.change_message_visibility(
            QueueUrl=url, ReceiptHandle=new["ReceiptHandle"], VisibilityTimeout=5
        )
    assert error_of(excinfo) == ("ReceiptHandleIsInvalid", "ReceiptHandleIsInvalid")


def test_malformed_receipt_handles(backend: Backend) -> None:
    url = make_queue(backend)
    with pytest.raises(ClientError) as excinfo:
        backend.sqs.delete_message(QueueUrl=url, ReceiptHandle="garbage")
    assert error_of(excinfo) == ("ReceiptHandleIsInvalid", "ReceiptHandleIsInvalid")
    with pytest.raises(ClientError) as excinfo:
        backend.sqs.change_message_visibility(
            QueueUrl=url, ReceiptHandle="garbage", VisibilityTimeout=5
        )
    assert error_of(excinfo) == ("ReceiptHandleIsInvalid", "ReceiptHandleIsInvalid")
    reply = backend.sqs.delete_message_batch(
        QueueUrl=url, Entries=[{"Id": "a", "ReceiptHandle": "garbage"}]
    )
    [failed] = reply["Failed"]
    assert (reply["Successful"], failed["Id"], failed["Code"]) == (
        [],
        "a",
        "ReceiptHandleIsInvalid",
    )


def test_purge_empties_the_queue_once_a_minute(backend: Backend) -> None:
    url = make_queue(backend)
    backend.sqs.send_message_batch(
        QueueUrl=url, Entries=[{"Id": str(i), "MessageBody": "x"} for i in range(10)]
    )
    receive(backend, url, VisibilityTimeout=30)  # in-flight messages go too
    backend.sqs.send_message(QueueUrl=url, MessageBody="x", DelaySeconds=60)
    backend.sqs.purge_queue(QueueUrl=url)
    assert counts(backend, url) == (0, 0, 0)
    with pytest.raises(ClientError) as excinfo:
        backend.sqs.purge_queue(QueueUrl=url)
    assert error_of(excinfo)[1] == "PurgeQueueInProgress"


def test_counts_by_state(backend: Backend) -> None:
    url = make_queue(backend)
    backend.sqs.send_message_batch(
        QueueUrl=url, Entries=[{"Id": str(i), "MessageBody": str(i)} for i in range(7)]
    )
    backend.sqs.send_message_batch(
        QueueUrl=url,
        Entries=[{"Id": str(i), "MessageBody": "d", "DelaySeconds": 60} for i in range(2)],
    )
    backend.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=3, VisibilityTimeout=60)
    assert counts(backend, url) == (4, 3, 2)


def test_queue_lifecycle_and_lookup(backend: Backend) -> None:
    url = make_queue(backend, "alpha", VisibilityTimeout=30)
    assert make_queue(backend, "alpha", VisibilityTimeout=30) == url  # same attributes: no-op
    with pytest.raises(ClientError) as excinfo:
        make_queue(backend, "alpha", VisibilityTimeout=31)
    assert error_of(excinfo)[1] == "QueueNameExists"
    make_queue(backend, "beta")
    assert backend.sqs.list_queues(QueueNamePrefix="al")["QueueUrls"] == [url]
    assert "QueueUrls" not in backend.sqs.list_queues(QueueNamePrefix="zz")
    assert backend.sqs.get_queue_url(QueueName="alpha")["QueueUrl"] == url
    attrs = backend.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert attrs["VisibilityTimeout"] == "30"
    assert attrs["QueueArn"].endswith(":alpha")
    with pytest.raises(ClientError) as excinfo:
        backend.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["Bogus"])
    assert error_of(excinfo)[1] == "InvalidAttributeName"
    backend.sqs.delete_queue(QueueUrl=url)
    calls: tuple[Callable[[], object], ...] = (
        lambda: backend.sqs.send_message(QueueUrl=url, MessageBody="x"),
        lambda: backend.sqs.receive_message(QueueUrl=url),
        lambda: backend.sqs.delete_queue(QueueUrl=url),
    )
    for call in calls:
        with pytest.raises(ClientError) as excinfo:
            call()
        assert error_of(excinfo) == (
            "AWS.SimpleQueueService.NonExistentQueue",
            "QueueDoesNotExist",
        )


def test_order_is_roughly_fifo_and_nothing_is_lost(backend: Backend) -> None:
    url = make_queue(backend, VisibilityTimeout=60)
    bodies = [str(i) for i in range(35)]
    for start in range(0, len(bodies), 10):
        backend.sqs.send_message_batch(
            QueueUrl=url,
            Entries=[{"Id": b, "MessageBody": b} for b in bodies[start : start + 10]],
        )
    received: list[str] = []
    while batch := receive(backend, url):
        received.extend(m["Body"] for m in batch)
        backend.sqs.delete_message_batch(
            QueueUrl=url,
            Entries=[
                {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(batch)
            ],
        )
    assert sorted(received, key=int) == bodies
    assert counts(backend, url) == (0, 0, 0)
