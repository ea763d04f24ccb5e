"""Worker concurrency: weighted mappings and a reserved concurrency that covers them.

If reserved concurrency were below the sum of the mappings' MaximumConcurrency, the
mappings would receive batches the function cannot run; those throttled receives count
toward maxReceiveCount and push healthy jobs to the DLQ.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.template.cfn import PRIORITIES, OfType, Resources, default_of, get_att, queue_id, resolve

MAX_PARAMETERS = [f"Priority{p}MaxConcurrency" for p in PRIORITIES]


def worker_mapping(of_type: OfType, priority: int) -> dict[str, Any]:
    (mapping,) = (
        m["Properties"]
        for m in of_type("AWS::Lambda::EventSourceMapping").values()
        if m["Properties"]["EventSourceArn"] == get_att(queue_id(priority))
    )
    properties: dict[str, Any] = mapping
    return properties


@pytest.mark.parametrize("priority", PRIORITIES)
def test_each_priority_mapping_takes_its_maximum_from_a_parameter(
    of_type: OfType, priority: int
) -> None:
    scaling = worker_mapping(of_type, priority)["ScalingConfig"]
    assert scaling == {"MaximumConcurrency": {"Ref": f"Priority{priority}MaxConcurrency"}}


@pytest.mark.parametrize("priority", PRIORITIES)
def test_mapping_publishes_event_count_metrics(of_type: OfType, priority: int) -> None:
    assert worker_mapping(of_type, priority)["MetricsConfig"] == {"Metrics": ["EventCount"]}


def test_defaults_are_weighted_toward_critical_and_legal(cfn: dict[str, Any]) -> None:
    defaults = [default_of(cfn, name) for name in MAX_PARAMETERS]
    assert defaults == sorted(defaults)
    assert defaults[3] > defaults[0]
    for name in MAX_PARAMETERS:
        # Lambda refuses MaximumConcurrency below 2 or above 1000.
        assert int(cfn["Parameters"][name]["MinValue"]) >= 2
        assert int(cfn["Parameters"][name]["MaxValue"]) <= 1000


def test_reserved_concurrency_default_covers_the_sum_of_the_maxima(
    cfn: dict[str, Any], resources: Resources
) -> None:
    reserved = resources["WorkerFunction"]["Properties"]["ReservedConcurrentExecutions"]
    _, value, _ = reserved["Fn::If"]
    assert value == {"Ref": "WorkerReservedConcurrency"}
    total = sum(default_of(cfn, name) for name in MAX_PARAMETERS)
    assert resolve(cfn, value) >= total


def test_the_deploy_checks_the_sum_with_the_values_the_mappings_use(resources: Resources) -> None:
    properties = resources["Migrations"]["Properties"]
    assert properties["WorkerReservedConcurrency"] == {"Ref": "WorkerReservedConcurrency"}
    assert properties["WorkerMaximumConcurrency"] == [{"Ref": name} for name in MAX_PARAMETERS]


@pytest.mark.parametrize("function_id", ["WorkerFunction", "DeadLetterFunction"])
def test_every_sqs_mapping_sets_a_legal_maximum_concurrency(
    cfn: dict[str, Any], of_type: OfType, function_id: str
) -> None:
    for mapping in of_type("AWS::Lambda::EventSourceMapping").values():
        if mapping["Properties"]["FunctionName"] != {"Ref": function_id}:
            continue
        maximum = resolve(cfn, mapping["Properties"]["ScalingConfig"]["MaximumConcurrency"])
        assert 2 <= maximum <= 1000
