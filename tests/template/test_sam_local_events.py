"""events/*.json name what the deployed stack creates.

An SQS record's eventSourceARN must name a queue the template creates for the stack
samconfig.toml deploys (`shopee-ads-sync`): the worker maps the ARN to one of its
QUEUE_URL_<n> by queue name (adsync.queue.QueueGateway.url_for_arn) for a retry
(ChangeMessageVisibility) and a shop-busy deferral (SendMessage to the same priority),
and raises for an ARN it does not know. The names follow the template's QueueName, so
this reads them from the translated template rather than repeating them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from local.template import samconfig_stack_name
from tests.template.cfn import REGION, ROOT, Resources

EVENTS = ROOT / "events"
SQS_EVENTS = sorted(
    p for p in EVENTS.glob("*.json") if "Records" in json.loads(p.read_text("utf-8"))
)
ACCOUNT = "123456789012"  # SAM CLI's local AWS_ACCOUNT_ID, and the events' account


def consumed_queue_names(cfn: dict[str, Any], function_id: str) -> set[str]:
    """Names of the queues whose mappings invoke `function_id`, in samconfig's stack."""
    resources = cfn["Resources"]
    names = set()
    for resource in resources.values():
        if resource["Type"] != "AWS::Lambda::EventSourceMapping":
            continue
        properties = resource["Properties"]
        if properties["FunctionName"] != {"Ref": function_id}:
            continue
        queue_id, attribute = properties["EventSourceArn"]["Fn::GetAtt"]
        assert attribute == "Arn"
        pattern = resources[queue_id]["Properties"]["QueueName"]["Fn::Sub"]
        names.add(pattern.replace("${AWS::StackName}", samconfig_stack_name()))
    return names


def test_every_queue_event_is_checked() -> None:
    assert {p.name.split("_")[0] for p in SQS_EVENTS} == {"worker", "dead"}


@pytest.mark.parametrize("path", SQS_EVENTS, ids=lambda p: p.name)
def test_event_arn_names_a_queue_of_the_deployed_stack(cfn: dict[str, Any], path: Path) -> None:
    function_id = "DeadLetterFunction" if path.name.startswith("dead_letter") else "WorkerFunction"
    names = consumed_queue_names(cfn, function_id)
    assert len(names) == 4
    for record in json.loads(path.read_text("utf-8"))["Records"]:
        arn = record["eventSourceARN"]
        prefix, name = arn.rsplit(":", 1)
        assert prefix == f"arn:aws:sqs:{REGION}:{ACCOUNT}", arn
        assert name in names, f"{path.name}: {name} is not one of {sorted(names)}"
        assert record["awsRegion"] == REGION


def test_migrate_event_is_the_custom_resource_create_request(resources: Resources) -> None:
    """Shaped as CloudFormation sends it for the template's Custom::Migrations resource."""
    event = json.loads((EVENTS / "migrate_create.json").read_text("utf-8"))
    migrations = resources["Migrations"]
    assert event["RequestType"] == "Create"
    assert event["ResourceType"] == migrations["Type"]
    assert event["LogicalResourceId"] == "Migrations"
    assert f":stack/{samconfig_stack_name()}/" in event["StackId"]
    assert "PhysicalResourceId" not in event  # CloudFormation sends none on Create
    # Every property the template gives the resource, as the strings CloudFormation sends.
    assert set(event["ResourceProperties"]) == set(migrations["Properties"])
    properties = event["ResourceProperties"]
    assert all(isinstance(v, str) for k, v in properties.items() if k != "WorkerMaximumConcurrency")
    assert sum(map(int, properties["WorkerMaximumConcurrency"])) <= int(
        properties["WorkerReservedConcurrency"]
    )
    # Answered to the local catcher (`python -m local cfn-response`), through the host.
    assert event["ResponseURL"].startswith("http://host.docker.internal:8766/")
