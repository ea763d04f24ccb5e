"""Queues and DLQs, and which functions consume them, as CloudFormation gets them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.template.cfn import PRIORITIES, OfType, Resources, dlq_id, get_att, queue_id

FOURTEEN_DAYS = 14 * 24 * 3600


def test_one_queue_and_one_dlq_per_priority_plus_the_schedule_dlq(of_type: OfType) -> None:
    queues = of_type("AWS::SQS::Queue")
    expected = {queue_id(p) for p in PRIORITIES} | {dlq_id(p) for p in PRIORITIES}
    assert set(queues) == expected | {"ScheduleDeadLetterQueue"}


@pytest.mark.parametrize("priority", PRIORITIES)
def test_queue_redrives_to_its_own_dlq_after_three_receives(
    resources: Resources, priority: int
) -> None:
    redrive = resources[queue_id(priority)]["Properties"]["RedrivePolicy"]
    assert redrive["deadLetterTargetArn"] == get_att(dlq_id(priority))
    assert redrive["maxReceiveCount"] == 3


@pytest.mark.parametrize("priority", PRIORITIES)
def test_queues_are_standard_and_encrypted(resources: Resources, priority: int) -> None:
    for logical_id in (queue_id(priority), dlq_id(priority)):
        properties = resources[logical_id]["Properties"]
        assert not properties.get("FifoQueue", False)
        assert properties["SqsManagedSseEnabled"] is True
    assert "RedrivePolicy" not in resources[dlq_id(priority)]["Properties"]


@pytest.mark.parametrize("priority", PRIORITIES)
def test_visibility_timeout_is_at_least_six_times_the_worker_timeout(
    resources: Resources, priority: int
) -> None:
    worker_timeout = resources["WorkerFunction"]["Properties"]["Timeout"]
    visibility = resources[queue_id(priority)]["Properties"]["VisibilityTimeout"]
    assert isinstance(worker_timeout, int)
    assert isinstance(visibility, int)
    assert visibility >= 6 * worker_timeout


@pytest.mark.parametrize("priority", PRIORITIES)
def test_dlq_keeps_messages_14_days_longer_than_its_source(
    resources: Resources, priority: int
) -> None:
    source = resources[queue_id(priority)]["Properties"]
    dlq = resources[dlq_id(priority)]["Properties"]
    assert dlq["MessageRetentionPeriod"] == FOURTEEN_DAYS
    # SQS keeps a message's original enqueue time when it moves to the DLQ.
    assert dlq["MessageRetentionPeriod"] > source.get("MessageRetentionPeriod", 345600)


@pytest.mark.parametrize("priority", PRIORITIES)
def test_dlq_accepts_redrives_only_from_its_own_source_queue(
    resources: Resources, priority: int
) -> None:
    source_name = resources[queue_id(priority)]["Properties"]["QueueName"]["Fn::Sub"]
    allow = resources[dlq_id(priority)]["Properties"]["RedriveAllowPolicy"]
    assert allow["redrivePermission"] == "byQueue"
    (arn,) = allow["sourceQueueArns"]
    assert arn == {
        "Fn::Sub": "arn:${AWS::Partition}:sqs:${AWS::Region}:${AWS::AccountId}:" + source_name
    }


def test_queue_names_are_stack_scoped_and_distinct(of_type: OfType) -> None:
    names = [q["Properties"]["QueueName"]["Fn::Sub"] for q in of_type("AWS::SQS::Queue").values()]
    assert all(name.startswith("${AWS::StackName}-") for name in names)
    assert len(set(names)) == len(names)


def test_schedule_dlq_keeps_14_days_and_is_no_queue_s_dlq(resources: Resources) -> None:
    properties = resources["ScheduleDeadLetterQueue"]["Properties"]
    assert properties["MessageRetentionPeriod"] == FOURTEEN_DAYS
    assert properties["RedriveAllowPolicy"] == {"redrivePermission": "denyAll"}


def mappings_of(of_type: OfType, function_id: str) -> dict[str, dict[str, Any]]:
    return {
        logical_id: mapping["Properties"]
        for logical_id, mapping in of_type("AWS::Lambda::EventSourceMapping").items()
        if mapping["Properties"]["FunctionName"] == {"Ref": function_id}
    }


@pytest.mark.parametrize(
    ("function_id", "source_id"),
    [("WorkerFunction", queue_id), ("DeadLetterFunction", dlq_id)],
)
def test_function_consumes_each_priority_once_in_batches_of_ten(
    of_type: OfType, function_id: str, source_id: Callable[[int], str]
) -> None:
    mappings = mappings_of(of_type, function_id)
    sources = sorted(str(m["EventSourceArn"]) for m in mappings.values())
    assert sources == sorted(str(get_att(source_id(p))) for p in PRIORITIES)
    for mapping in mappings.values():
        assert mapping["BatchSize"] == 10
        assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
        assert mapping.get("Enabled", True) is True


def test_each_queue_has_exactly_one_consumer(of_type: OfType) -> None:
    consumers: dict[str, list[Any]] = {}
    for mapping in of_type("AWS::Lambda::EventSourceMapping").values():
        source = str(mapping["Properties"]["EventSourceArn"])
        consumers.setdefault(source, []).append(mapping["Properties"]["FunctionName"])
    for priority in PRIORITIES:
        assert consumers[str(get_att(queue_id(priority)))] == [{"Ref": "WorkerFunction"}]
        assert consumers[str(get_att(dlq_id(priority)))] == [{"Ref": "DeadLetterFunction"}]
    assert str(get_att("ScheduleDeadLetterQueue")) not in consumers


@pytest.mark.parametrize("function_id", ["WorkerFunction", "DeadLetterFunction"])
def test_code_knows_the_redrive_count(resources: Resources, function_id: str) -> None:
    variables = resources[function_id]["Properties"]["Environment"]["Variables"]
    for priority in PRIORITIES:
        redrive = resources[queue_id(priority)]["Properties"]["RedrivePolicy"]
        assert int(variables["MAX_RECEIVE_COUNT"]) == redrive["maxReceiveCount"]


def test_local_runtime_reads_the_same_queue_layout() -> None:
    from local.template import load_template, queue_layout

    layout = queue_layout(load_template())
    assert layout.priority_queues == {p: queue_id(p) for p in PRIORITIES}
    for priority in PRIORITIES:
        spec = layout.queues[queue_id(priority)]
        assert spec.dead_letter_logical_id == dlq_id(priority)
        assert spec.max_receive_count == 3
        assert spec.visibility_timeout == 1800
        assert layout.queues[dlq_id(priority)].retention_seconds == FOURTEEN_DAYS
