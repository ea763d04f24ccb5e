"""Receive real messages from moto and shape them as the event source mapping would."""

from typing import Any

from local.event_source import sqs_record
from local.lambda_runtime import LambdaRuntime
from local.stack import LocalStack


def receive_event(stack: LocalStack, priority: int, *, max_messages: int = 10) -> dict[str, Any]:
    url = stack.queues.urls[priority]
    reply = stack.sqs.receive_message(
        QueueUrl=url,
        MaxNumberOfMessages=max_messages,
        MessageSystemAttributeNames=["All"],
        WaitTimeSeconds=0,
    )
    records = [sqs_record(m, queue_arn=stack.queues.arns[url]) for m in reply.get("Messages", [])]
    return {"Records": records}


def delete_succeeded(stack: LocalStack, priority: int, event: dict[str, Any], reply: Any) -> None:
    """What the mapping does after an invocation: delete all but the listed failures."""
    failed = {f["itemIdentifier"] for f in (reply or {}).get("batchItemFailures", [])}
    url = stack.queues.urls[priority]
    for record in event["Records"]:
        if record["messageId"] not in failed:
            stack.sqs.delete_message(QueueUrl=url, ReceiptHandle=record["receiptHandle"])


def queue_depth(stack: LocalStack, url: str) -> int:
    attrs = stack.sqs.get_queue_attributes(
        QueueUrl=url,
        AttributeNames=[
            "ApproximateNumberOfMessages",
            "ApproximateNumberOfMessagesNotVisible",
            "ApproximateNumberOfMessagesDelayed",
        ],
    )["Attributes"]
    return sum(int(v) for v in attrs.values())


def deliver(
    stack: LocalStack,
    priority: int,
    *,
    max_messages: int = 10,
    timeout_seconds: float = 300.0,
    lambdas: LambdaRuntime | None = None,
) -> dict[str, Any]:
    """One event source mapping poll: receive, invoke the worker (in `lambdas`' containers,
    else the stack's), delete what succeeded."""
    event = receive_event(stack, priority, max_messages=max_messages)
    runtime = lambdas or stack.lambdas
    reply: dict[str, Any] = runtime.invoke("worker", event, timeout_seconds=timeout_seconds)
    delete_succeeded(stack, priority, event, reply)
    return reply
