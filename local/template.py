"""Reads `template.yaml` so that the local runtime builds what AWS would.

Only what the local runtime needs: the SQS queues (visibility, retention, redrive)
and which queue serves which priority (the functions' `QUEUE_URL_<n>` variables).
"""

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from samtranslator.yaml_helper import yaml_parse

TEMPLATE = Path(__file__).resolve().parent.parent / "template.yaml"
SAMCONFIG = TEMPLATE.with_name("samconfig.toml")
STACK_NAME_VARIABLE = "${AWS::StackName}"


@dataclass(frozen=True, kw_only=True)
class QueueSpec:
    logical_id: str
    name_pattern: str  # the template's QueueName, e.g. "${AWS::StackName}-priority-1"
    visibility_timeout: int
    retention_seconds: int
    dead_letter_logical_id: str | None
    max_receive_count: int | None

    def name(self, stack_name: str) -> str:
        """The queue's name in a stack called `stack_name`, as CloudFormation names it."""
        return self.name_pattern.replace(STACK_NAME_VARIABLE, stack_name)


@dataclass(frozen=True, kw_only=True)
class QueueLayout:
    queues: dict[str, QueueSpec]  # by logical id
    priority_queues: dict[int, str]  # priority -> logical id


def load_template(path: Path = TEMPLATE) -> dict[str, Any]:
    """The template as data, CloudFormation's short tags (!Ref, !GetAtt ...) in long form."""
    document: dict[str, Any] = yaml_parse(path.read_text(encoding="utf-8"))
    return document


def samconfig_stack_name(path: Path = SAMCONFIG) -> str:
    """The stack name `sam deploy` uses (samconfig.toml, default environment)."""
    config = tomllib.loads(path.read_text(encoding="utf-8"))
    return str(config["default"]["global"]["parameters"]["stack_name"])


def parameter_default(document: dict[str, Any], name: str) -> Any:
    """What a deploy gets when it does not set the parameter."""
    return document["Parameters"][name].get("Default")


def _resolve(value: Any, parameters: dict[str, Any]) -> Any:
    if isinstance(value, dict) and set(value) == {"Ref"} and value["Ref"] in parameters:
        return parameters[value["Ref"]].get("Default")
    return value


def _queue_name_pattern(logical_id: str, queue_name: Any) -> str:
    if isinstance(queue_name, dict) and isinstance(queue_name.get("Fn::Sub"), str):
        return str(queue_name["Fn::Sub"])
    if isinstance(queue_name, str):
        return queue_name
    # No QueueName: CloudFormation generates <stack>-<LogicalId>-<suffix>; drop the suffix.
    return f"{STACK_NAME_VARIABLE}-{logical_id}"


def queue_layout(document: dict[str, Any]) -> QueueLayout:
    parameters = document.get("Parameters", {})
    resources = document["Resources"]
    queues: dict[str, QueueSpec] = {}
    for logical_id, resource in resources.items():
        if resource.get("Type") != "AWS::SQS::Queue":
            continue
        props = resource.get("Properties", {})
        redrive = props.get("RedrivePolicy") or {}
        target = redrive.get("deadLetterTargetArn", {})
        queues[logical_id] = QueueSpec(
            logical_id=logical_id,
            name_pattern=_queue_name_pattern(logical_id, props.get("QueueName")),
            visibility_timeout=int(_resolve(props.get("VisibilityTimeout", 30), parameters)),
            retention_seconds=int(
                _resolve(props.get("MessageRetentionPeriod", 345600), parameters)
            ),
            dead_letter_logical_id=target.get("Fn::GetAtt", [None])[0] if target else None,
            max_receive_count=int(redrive["maxReceiveCount"]) if redrive else None,
        )
    env: dict[str, Any] = (
        document.get("Globals", {}).get("Function", {}).get("Environment", {}).get("Variables", {})
    )
    for resource in resources.values():
        if resource.get("Type") == "AWS::Serverless::Function":
            variables = resource.get("Properties", {}).get("Environment", {}).get("Variables", {})
            env = {**env, **variables}
    priority_queues = {
        int(name.removeprefix("QUEUE_URL_")): value["Ref"]
        for name, value in env.items()
        if name.startswith("QUEUE_URL_") and isinstance(value, dict) and "Ref" in value
    }
    return QueueLayout(queues=queues, priority_queues=priority_queues)
