"""Offline access to the SAM template: the source, its CloudFormation translation, helpers.

The translation runs the real SAM translator (no AWS account, no Docker): a region is
set on a local boto3 session and local CodeUri/ContentUri paths are rewritten to fake
s3:// uris, as `sam validate` does. Nothing here talks to the network.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3
from samtranslator.parser.parser import Parser
from samtranslator.translator.translator import Translator
from samtranslator.yaml_helper import yaml_parse

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE_PATH = ROOT / "template.yaml"
REGION = "ap-southeast-1"
PRIORITIES = (0, 1, 2, 3)

# A translated template's resources by logical id, and the fixture selecting them by type.
Resources = dict[str, dict[str, Any]]
OfType = Callable[[str], Resources]

FUNCTIONS = {
    "EnqueueFunction": "enqueue",
    "WorkerFunction": "worker",
    "DeadLetterFunction": "dead_letter",
    "MaintenanceFunction": "maintenance",
    "MigrateFunction": "migrate",
    "AdminFunction": "admin",
}
CUSTOM_METRICS = (
    "JobsEnqueued",
    "JobsCompleted",
    "JobsRetried",
    "JobsFailed",
    "JobsDeadLettered",
    "JobsDropped",
    "JobsDeferred",
    "JobsReconciled",
    "JobsCleanedUp",
    "SyncDurationMs",
    "ShopeeCalls",
    "ShopeeThrottled",
    "RowsUpserted",
    "OldestShopSyncAgeSeconds",
    "JobsContinued",
    "BudgetWaits",
    "RecordErrors",
    "MessagesMalformed",
    "SendFailures",
    "TokenRefreshes",
    "ShopsNeedingReauth",
    "JobsInterrupted",
    "TokenRefreshesUncertain",
    "ShopsSkipped",
    "TotalsDifferences",
    "DailyChecksDisagreed",
    "ShopsAuthorizationExpiring",
)

_LOCAL_URI_PROPERTIES = {
    "AWS::Serverless::Function": "CodeUri",
    "AWS::Serverless::LayerVersion": "ContentUri",
}


def queue_id(priority: int) -> str:
    return f"Priority{priority}Queue"


def dlq_id(priority: int) -> str:
    return f"Priority{priority}DeadLetterQueue"


def get_att(logical_id: str, attribute: str = "Arn") -> dict[str, list[str]]:
    return {"Fn::GetAtt": [logical_id, attribute]}


def load_sam_template() -> dict[str, Any]:
    template: dict[str, Any] = yaml_parse(TEMPLATE_PATH.read_text())
    return template


def translate(sam_template: dict[str, Any]) -> dict[str, Any]:
    """Translate a SAM template to plain CloudFormation, the way `sam validate` does."""
    template = copy.deepcopy(sam_template)
    for logical_id, resource in template.get("Resources", {}).items():
        key = _LOCAL_URI_PROPERTIES.get(resource.get("Type", ""))
        properties = resource.get("Properties", {})
        if key and isinstance(properties.get(key), str):
            properties[key] = f"s3://offline-test-bucket/{logical_id}.zip"
    translator = Translator(
        managed_policy_map=None,
        sam_parser=Parser(),
        plugins=[],
        boto_session=boto3.session.Session(region_name=REGION),
    )
    translated = translator.translate(
        sam_template=template, parameter_values={}, get_managed_policy_map=dict
    )
    # Round-trip through JSON: CloudFormation gets JSON, and it drops yaml-only types.
    cfn: dict[str, Any] = json.loads(json.dumps(translated))
    return cfn


def default_of(cfn: dict[str, Any], name: str) -> Any:
    """A parameter's default, typed like CloudFormation types it (Number -> int)."""
    parameter = cfn["Parameters"][name]
    value = parameter["Default"]
    if parameter["Type"] == "Number":
        return int(value)
    return value


def resolve(cfn: dict[str, Any], value: Any) -> Any:
    """Resolve a Ref to a parameter into its default; leave anything else as is."""
    if isinstance(value, dict) and set(value) == {"Ref"} and value["Ref"] in cfn["Parameters"]:
        return default_of(cfn, value["Ref"])
    return value


def evaluate_condition(cfn: dict[str, Any], name: str, parameters: dict[str, Any]) -> bool:
    """Evaluate one of the template's Conditions for given parameter values.

    Supports what the template uses: Fn::Equals, Fn::Not, Fn::Join, Ref. Parameters not
    given take their defaults; CommaDelimitedList values are lists.
    """

    def value_of(node: Any) -> Any:
        if isinstance(node, dict):
            ((function, argument),) = node.items()
            if function == "Ref":
                if argument in parameters:
                    return parameters[argument]
                declared = cfn["Parameters"][argument]
                if declared["Type"] == "CommaDelimitedList":
                    return declared["Default"].split(",")
                return declared["Default"]
            if function == "Fn::Equals":
                left, right = (value_of(item) for item in argument)
                return left == right
            if function == "Fn::Not":
                return not value_of(argument[0])
            if function == "Fn::Join":
                separator, items = argument
                return separator.join(value_of(items))
            if function == "Condition":
                return evaluate_condition(cfn, argument, parameters)
            raise NotImplementedError(function)
        return node

    return bool(value_of(cfn["Conditions"][name]))
