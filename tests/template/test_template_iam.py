"""IAM least privilege: one role per function, scoped actions and resources, no wildcards."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.template.cfn import FUNCTIONS, PRIORITIES, OfType, Resources, dlq_id, get_att, queue_id

QUEUES = {str(get_att(queue_id(p))) for p in PRIORITIES}
DLQS = {str(get_att(dlq_id(p))) for p in PRIORITIES}
SCHEDULE_DLQ = {str(get_att("ScheduleDeadLetterQueue"))}
DB_SECRET = str({"Ref": "DbSecretArn"})
PARTNER_SECRET = str({"Ref": "ShopeePartnerSecretArn"})
ENI_ACTIONS = {
    "ec2:CreateNetworkInterface",
    "ec2:DescribeNetworkInterfaces",
    "ec2:DescribeSubnets",
    "ec2:DeleteNetworkInterface",
    "ec2:AssignPrivateIpAddresses",
    "ec2:UnassignPrivateIpAddresses",
}

EXPECTED_SQS = {
    "EnqueueFunction": {"sqs:SendMessage": QUEUES | SCHEDULE_DLQ},
    "WorkerFunction": {
        "sqs:ReceiveMessage": QUEUES,
        "sqs:DeleteMessage": QUEUES,
        "sqs:ChangeMessageVisibility": QUEUES,
        "sqs:GetQueueAttributes": QUEUES,
        "sqs:SendMessage": QUEUES,
    },
    "DeadLetterFunction": {
        "sqs:ReceiveMessage": DLQS,
        "sqs:DeleteMessage": DLQS,
        "sqs:GetQueueAttributes": DLQS,
    },
    "MaintenanceFunction": {"sqs:SendMessage": QUEUES | SCHEDULE_DLQ},
    "MigrateFunction": {},
    # status reads the depths (DLQs too); retry, reset-stuck and sync send: nothing else.
    "AdminFunction": {"sqs:SendMessage": QUEUES, "sqs:GetQueueAttributes": QUEUES | DLQS},
}
# The other partner apps' keys: secrets under the PartnerSecretPrefix name, no others.
PARTNER_SECRETS = str(
    {
        "Fn::Sub": "arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}"
        ":secret:${PartnerSecretPrefix}*"
    }
)
EXPECTED_SECRETS = {
    "EnqueueFunction": {DB_SECRET},
    "WorkerFunction": {DB_SECRET, PARTNER_SECRET, PARTNER_SECRETS},
    "DeadLetterFunction": {DB_SECRET},
    "MaintenanceFunction": {DB_SECRET},
    "MigrateFunction": {DB_SECRET, PARTNER_SECRET},  # its partner_id: the default partner
    # authorize signs with the partner key
    "AdminFunction": {DB_SECRET, PARTNER_SECRET, PARTNER_SECRETS},
}
LOG_GROUPS = {
    "EnqueueFunction": "EnqueueLogGroup",
    "WorkerFunction": "WorkerLogGroup",
    "DeadLetterFunction": "DeadLetterLogGroup",
    "MaintenanceFunction": "MaintenanceLogGroup",
    "MigrateFunction": "MigrateLogGroup",
    "AdminFunction": "AdminLogGroup",
}


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def statements(role: dict[str, Any]) -> Iterator[tuple[dict[str, Any], str | None]]:
    """Every statement of a role's inline policies, with the condition it depends on."""
    for policy in role["Properties"].get("Policies", []):
        for statement in policy["PolicyDocument"]["Statement"]:
            if "Fn::If" in statement:
                condition, when_true, when_false = statement["Fn::If"]
                for branch in (when_true, when_false):
                    if branch != {"Ref": "AWS::NoValue"}:
                        yield branch, condition
            else:
                yield statement, None


def role_of(resources: dict[str, Any], function_id: str) -> dict[str, Any]:
    role = resources[function_id]["Properties"]["Role"]
    assert role["Fn::GetAtt"][1] == "Arn"
    found: dict[str, Any] = resources[role["Fn::GetAtt"][0]]
    return found


def grants(role: dict[str, Any], prefix: str) -> dict[str, set[str]]:
    """action -> resources, for the actions starting with prefix."""
    granted: dict[str, set[str]] = {}
    for statement, _ in statements(role):
        assert statement["Effect"] == "Allow"
        for action in as_list(statement["Action"]):
            if action.startswith(prefix):
                granted.setdefault(action, set()).update(
                    str(r) for r in as_list(statement["Resource"])
                )
    return granted


def test_every_function_has_its_own_explicit_role(resources: Resources) -> None:
    roles = [str(resources[f]["Properties"]["Role"]) for f in FUNCTIONS]
    assert len(set(roles)) == len(FUNCTIONS)


@pytest.mark.parametrize("function_id", FUNCTIONS)
def test_function_role_has_no_managed_policies(resources: Resources, function_id: str) -> None:
    # SAM's defaults (AWSLambdaSQSQueueExecutionRole, ...) grant actions on "*".
    role = role_of(resources, function_id)
    assert role["Properties"].get("ManagedPolicyArns", []) == []
    principal = role["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]["Principal"]
    assert principal == {"Service": "lambda.amazonaws.com"}


def test_no_wildcard_action_in_any_role(of_type: OfType) -> None:
    for role_id, role in of_type("AWS::IAM::Role").items():
        for statement, _ in statements(role):
            for action in as_list(statement["Action"]):
                assert "*" not in action, f"{role_id}: {action}"
    assert of_type("AWS::IAM::Policy") == {}
    assert of_type("AWS::IAM::ManagedPolicy") == {}


def test_wildcard_resource_only_for_vpc_network_interfaces_and_only_with_a_vpc(
    of_type: OfType,
) -> None:
    for role_id, role in of_type("AWS::IAM::Role").items():
        for statement, condition in statements(role):
            if "*" in as_list(statement["Resource"]):
                assert set(as_list(statement["Action"])) <= ENI_ACTIONS, role_id
                assert condition == "HasVpc", role_id


@pytest.mark.parametrize("function_id", FUNCTIONS)
def test_vpc_permissions_exist_when_a_vpc_is_given(resources: Resources, function_id: str) -> None:
    conditional = [s for s, c in statements(role_of(resources, function_id)) if c == "HasVpc"]
    assert len(conditional) == 1
    assert set(conditional[0]["Action"]) == ENI_ACTIONS


@pytest.mark.parametrize("function_id", FUNCTIONS)
def test_sqs_actions_only_on_the_function_s_own_queues(
    resources: Resources, function_id: str
) -> None:
    assert grants(role_of(resources, function_id), "sqs:") == EXPECTED_SQS[function_id]


@pytest.mark.parametrize("function_id", FUNCTIONS)
def test_secrets_only_the_ones_the_function_needs(resources: Resources, function_id: str) -> None:
    granted = grants(role_of(resources, function_id), "secretsmanager:")
    expected = {"secretsmanager:GetSecretValue": EXPECTED_SECRETS[function_id]}
    if function_id == "AdminFunction":  # seed-keys moves the seed's keys under the prefix
        expected |= {
            "secretsmanager:CreateSecret": {PARTNER_SECRETS},
            "secretsmanager:PutSecretValue": {PARTNER_SECRETS},
        }
    assert granted == expected


@pytest.mark.parametrize("function_id", FUNCTIONS)
def test_logs_only_to_the_function_s_own_log_group(resources: Resources, function_id: str) -> None:
    log_group = LOG_GROUPS[function_id]
    granted = grants(role_of(resources, function_id), "logs:")
    assert granted == {
        "logs:CreateLogStream": {str(get_att(log_group))},
        "logs:PutLogEvents": {str(get_att(log_group))},
    }
    logging = resources[function_id]["Properties"]["LoggingConfig"]
    assert logging == {"LogFormat": "JSON", "LogGroup": {"Ref": log_group}}


@pytest.mark.parametrize("function_id", FUNCTIONS)
def test_no_other_service_is_reachable(resources: Resources, function_id: str) -> None:
    services = {
        action.split(":")[0]
        for statement, _ in statements(role_of(resources, function_id))
        for action in as_list(statement["Action"])
    }
    # EMF metrics go through the logs: no cloudwatch:PutMetricData.
    assert services <= {"logs", "secretsmanager", "sqs", "ec2"}
