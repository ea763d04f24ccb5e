"""Creates the template's queues in an SQS endpoint (moto in-process, by default).

Queue names are the template's QueueName with `stack_name` for ${AWS::StackName}
(`shopee-ads-sync-priority-1`, `...-priority-1-dlq`), so an event record's ARN names
the queue the way it does in the deployed stack (the worker maps ARNs to queue URLs
by that name). `worker_mappings` and `dead_letter_mappings` are the event source
mappings that poll them, for whichever containers `invoke` runs the functions in.
"""

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from local.event_source import EventSourceMapping, Invoke
from local.template import QueueLayout, samconfig_stack_name


@dataclass(frozen=True, kw_only=True)
class LocalQueues:
    urls: dict[int, str]  # priority -> source queue URL
    dead_letter_urls: dict[int, str]  # priority -> DLQ URL
    arns: dict[str, str]  # URL -> ARN

    def env(self) -> dict[str, str]:
        """The QUEUE_URL_<n> variables the handlers read, and the admin function's
        DEAD_LETTER_QUEUE_URL_<n> (status reads the DLQs' depth; the others ignore them)."""
        return {
            **{f"QUEUE_URL_{p}": url for p, url in self.urls.items()},
            **{f"DEAD_LETTER_QUEUE_URL_{p}": url for p, url in self.dead_letter_urls.items()},
        }


def create_queues(sqs: Any, layout: QueueLayout, *, stack_name: str | None = None) -> LocalQueues:
    """Create every queue of `layout`, named as in the stack (samconfig.toml's by default)."""
    stack = stack_name or samconfig_stack_name()
    urls_by_id: dict[str, str] = {}
    arns: dict[str, str] = {}

    def create(logical_id: str) -> str:
        if logical_id in urls_by_id:
            return urls_by_id[logical_id]
        spec = layout.queues[logical_id]
        attributes = {
            "VisibilityTimeout": str(spec.visibility_timeout),
            "MessageRetentionPeriod": str(spec.retention_seconds),
        }
        if spec.dead_letter_logical_id:
            dlq_url = create(spec.dead_letter_logical_id)
            attributes["RedrivePolicy"] = json.dumps(
                {"deadLetterTargetArn": arns[dlq_url], "maxReceiveCount": spec.max_receive_count}
            )
        url: str = sqs.create_queue(QueueName=spec.name(stack), Attributes=attributes)["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]
        arns[url] = arn["QueueArn"]
        urls_by_id[logical_id] = url
        return url

    urls: dict[int, str] = {}
    dead_letter_urls: dict[int, str] = {}
    for priority, logical_id in sorted(layout.priority_queues.items()):
        urls[priority] = create(logical_id)
        dlq_id = layout.queues[logical_id].dead_letter_logical_id
        if dlq_id:
            dead_letter_urls[priority] = create(dlq_id)
    return LocalQueues(urls=urls, dead_letter_urls=dead_letter_urls, arns=arns)


def worker_mappings(
    queues: LocalQueues, weights: Mapping[int, int], *, sqs: Any, invoke: Invoke
) -> list[tuple[EventSourceMapping, int]]:
    """The worker's mappings, highest priority first, each with its weight (1 if unlisted)."""
    return [
        (_mapping(queues, url, "worker", sqs=sqs, invoke=invoke), weights.get(priority, 1))
        for priority, url in sorted(queues.urls.items(), reverse=True)
    ]


def dead_letter_mappings(
    queues: LocalQueues, *, sqs: Any, invoke: Invoke
) -> list[tuple[EventSourceMapping, int]]:
    """The dead_letter function's mappings, one per DLQ, weight 1."""
    return [
        (_mapping(queues, url, "dead_letter", sqs=sqs, invoke=invoke), 1)
        for url in queues.dead_letter_urls.values()
    ]


def _mapping(
    queues: LocalQueues, url: str, function: str, *, sqs: Any, invoke: Invoke
) -> EventSourceMapping:
    return EventSourceMapping(
        sqs=sqs, queue_url=url, queue_arn=queues.arns[url], function=function, invoke=invoke
    )
