"""Benchmark 0: the SQS transports themselves, moto vs pgqueue, at a given queue depth.

Sends `messages` in batches of 10, then receives (10 at a time) and deletes them all,
the way the event source mapping does.
"""

import time
from dataclasses import dataclass
from typing import Any

import boto3
from moto import mock_aws

from local.pgqueue import make_sqs
from local.stack import AWS_ENV, patched_env


@dataclass(frozen=True, kw_only=True)
class TransportResult:
    transport: str
    messages: int
    send_per_second: float
    receive_delete_per_second: float


def _measure(name: str, sqs: Any, messages: int) -> TransportResult:
    url = sqs.create_queue(QueueName=f"bench-{messages}", Attributes={"VisibilityTimeout": "300"})[
        "QueueUrl"
    ]
    started = time.perf_counter()
    for start in range(0, messages, 10):
        entries = [
            {"Id": str(i), "MessageBody": f'{{"job_id": {start + i}, "dispatch_id": "x"}}'}
            for i in range(min(10, messages - start))
        ]
        sqs.send_message_batch(QueueUrl=url, Entries=entries)
    send = time.perf_counter() - started
    started = time.perf_counter()
    done = 0
    while done < messages:
        batch = sqs.receive_message(
            QueueUrl=url, MaxNumberOfMessages=10, MessageSystemAttributeNames=["All"]
        ).get("Messages", [])
        if not batch:
            break
        sqs.delete_message_batch(
            QueueUrl=url,
            Entries=[
                {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(batch)
            ],
        )
        done += len(batch)
    drain = time.perf_counter() - started
    return TransportResult(
        transport=name,
        messages=messages,
        send_per_second=messages / send,
        receive_delete_per_second=done / drain,
    )


def run_transport_bench(
    *, moto_messages: int, pg_messages: list[int], database_url: str
) -> list[TransportResult]:
    results = []
    with patched_env(AWS_ENV), mock_aws():
        results.append(
            _measure("moto", boto3.client("sqs", region_name="ap-southeast-1"), moto_messages)
        )
    pg = make_sqs(database_url)
    try:
        pg.truncate_all()
        for count in pg_messages:
            results.append(_measure("pgqueue", pg, count))
    finally:
        pg.close()
    return results
