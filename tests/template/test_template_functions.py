"""The layer and the Lambda functions: runtime, code, environment, logs, network."""

from __future__ import annotations

from typing import Any

import pytest

from tests.template.cfn import (
    FUNCTIONS,
    PRIORITIES,
    ROOT,
    OfType,
    Resources,
    evaluate_condition,
    resolve,
)

# Every variable the code reads, and what it must be set from.
ENVIRONMENT = {
    "DB_SECRET_ARN": {"Ref": "DbSecretArn"},
    "DB_HOST": {"Fn::If": ["HasRdsProxy", {"Ref": "RdsProxyEndpoint"}, {"Ref": "DbHost"}]},
    "DB_PORT": {"Ref": "DbPort"},
    "DB_NAME": {"Ref": "DbName"},
    "DB_SSL": "verify",
    "SHOPEE_PARTNER_SECRET_ARN": {"Ref": "ShopeePartnerSecretArn"},
    "SHOPEE_BASE_URL": {"Ref": "ShopeeBaseUrl"},
    "PARTNER_REQUESTS_PER_SECOND": {"Ref": "PartnerRequestsPerSecond"},
    "PARTNER_SECRET_PREFIX": {"Ref": "PartnerSecretPrefix"},
    "AUTH_REDIRECT_URL": {"Ref": "AuthRedirectUrl"},
    "RETRY_DELAY_SECONDS": {"Ref": "RetryDelaySeconds"},
    "JOB_RETENTION_DAYS": {"Ref": "JobRetentionDays"},
    "ATTRIBUTION_WINDOW_DAYS": {"Ref": "AttributionWindowDays"},
    "MAX_RECEIVE_COUNT": "3",
    "POWERTOOLS_SERVICE_NAME": "shopee-ads-sync",
    "POWERTOOLS_METRICS_NAMESPACE": "ShopeeAdsSync",
    "POWERTOOLS_LOG_LEVEL": {"Ref": "LogLevel"},
    **{f"QUEUE_URL_{p}": {"Ref": f"Priority{p}Queue"} for p in PRIORITIES},
    # Declared empty for `sam local invoke --env-vars` (tests/template/test_sam_local_env.py).
    "DATABASE_URL": "",
    "SHOPEE_PARTNER_ID": "",
    "SHOPEE_PARTNER_KEY": "",
    "AWS_ENDPOINT_URL_SQS": "",
}


def layer_ref(of_type: OfType) -> dict[str, Any]:
    (layer_id,) = of_type("AWS::Lambda::LayerVersion")
    return {"Ref": layer_id}


def test_shared_layer_is_built_from_layers_shared_for_python312(
    sam_template: dict[str, Any],
) -> None:
    layer = sam_template["Resources"]["SharedLayer"]
    assert layer["Type"] == "AWS::Serverless::LayerVersion"
    assert layer["Properties"]["ContentUri"] == "layers/shared"
    assert layer["Properties"]["CompatibleRuntimes"] == ["python3.12"]
    assert layer["Metadata"]["BuildMethod"] == "python3.12"
    assert (ROOT / "layers" / "shared" / "requirements.txt").is_file()


@pytest.mark.parametrize(("function_id", "directory"), FUNCTIONS.items())
def test_function_code_and_handler(
    sam_template: dict[str, Any], function_id: str, directory: str
) -> None:
    properties = sam_template["Resources"][function_id]["Properties"]
    assert properties["CodeUri"].rstrip("/") == f"functions/{directory}"
    assert (ROOT / "functions" / directory / "app.py").is_file()


@pytest.mark.parametrize("function_id", FUNCTIONS)
def test_function_runs_python312_on_arm64_with_the_layer(
    resources: Resources, of_type: OfType, function_id: str
) -> None:
    properties = resources[function_id]["Properties"]
    assert properties["Runtime"] == "python3.12"
    assert properties["Architectures"] == ["arm64"]
    assert properties["Handler"] == "app.handler"
    assert properties["Layers"] == [layer_ref(of_type)]
    assert 128 <= properties["MemorySize"] <= 10240
    assert properties["Timeout"] <= 300


# Variables only one function reads.
FUNCTION_ENVIRONMENT = {
    "WorkerFunction": {"WORKER_THREADS": {"Ref": "WorkerThreads"}},
    # status reads the DLQs' depth (sqs:GetQueueAttributes on them: test_template_iam.py)
    "AdminFunction": {
        f"DEAD_LETTER_QUEUE_URL_{p}": {"Ref": f"Priority{p}DeadLetterQueue"} for p in PRIORITIES
    },
}


@pytest.mark.parametrize("function_id", FUNCTIONS)
def test_function_environment_is_complete(resources: Resources, function_id: str) -> None:
    variables = resources[function_id]["Properties"]["Environment"]["Variables"]
    assert variables == ENVIRONMENT | FUNCTION_ENVIRONMENT.get(function_id, {})


def test_parameter_defaults_match_the_code_defaults(cfn: dict[str, Any]) -> None:
    """A stack deployed with default parameters behaves as the code does with no
    environment: the code's defaults are read from config.load_settings, not copied."""
    from adsync.config import load_settings

    code = load_settings({})
    assert resolve(cfn, {"Ref": "ShopeeBaseUrl"}) == code.shopee_base_url
    assert resolve(cfn, {"Ref": "RetryDelaySeconds"}) == code.retry_delay.total_seconds()
    assert resolve(cfn, {"Ref": "JobRetentionDays"}) == code.job_retention.days
    assert resolve(cfn, {"Ref": "AttributionWindowDays"}) == code.attribution_window_days
    assert resolve(cfn, {"Ref": "WorkerThreads"}) == code.worker_threads
    assert int(str(ENVIRONMENT["MAX_RECEIVE_COUNT"])) == code.max_receive_count


def test_parameter_ranges_are_the_code_s_ranges(cfn: dict[str, Any]) -> None:
    """One range per setting: a value the template accepts is one the code accepts."""
    from adsync.config import ATTRIBUTION_WINDOW_DAYS, WORKER_THREADS

    for name, allowed in (
        ("AttributionWindowDays", ATTRIBUTION_WINDOW_DAYS),
        ("WorkerThreads", WORKER_THREADS),
    ):
        parameter = cfn["Parameters"][name]
        assert range(int(parameter["MinValue"]), int(parameter["MaxValue"]) + 1) == allowed


@pytest.mark.parametrize("function_id", FUNCTIONS)
def test_function_has_a_log_group_with_the_retention_parameter(
    resources: Resources, function_id: str
) -> None:
    log_group_id = resources[function_id]["Properties"]["LoggingConfig"]["LogGroup"]["Ref"]
    log_group = resources[log_group_id]
    assert log_group["Type"] == "AWS::Logs::LogGroup"
    assert log_group["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}


def test_log_groups_are_one_per_function(of_type: OfType, resources: Resources) -> None:
    used = {resources[f]["Properties"]["LoggingConfig"]["LogGroup"]["Ref"] for f in FUNCTIONS}
    assert used == set(of_type("AWS::Logs::LogGroup"))


@pytest.mark.parametrize("function_id", FUNCTIONS)
def test_function_joins_the_vpc_only_when_subnets_are_given(
    resources: Resources, function_id: str
) -> None:
    vpc = resources[function_id]["Properties"]["VpcConfig"]
    condition, attached, detached = vpc["Fn::If"]
    assert condition == "HasVpc"
    assert attached == {
        "SubnetIds": {"Ref": "VpcSubnetIds"},
        "SecurityGroupIds": {"Ref": "VpcSecurityGroupIds"},
    }
    assert detached == {"Ref": "AWS::NoValue"}


def test_vpc_condition_follows_the_subnet_parameter(cfn: dict[str, Any]) -> None:
    assert not evaluate_condition(cfn, "HasVpc", {})
    assert evaluate_condition(cfn, "HasVpc", {"VpcSubnetIds": ["subnet-1", "subnet-2"]})


def test_rds_proxy_condition_follows_its_parameter(cfn: dict[str, Any]) -> None:
    assert not evaluate_condition(cfn, "HasRdsProxy", {})
    assert evaluate_condition(cfn, "HasRdsProxy", {"RdsProxyEndpoint": "p.proxy-x.rds.aws"})


def test_a_vpc_without_security_groups_is_refused(cfn: dict[str, Any]) -> None:
    (assertion,) = cfn["Rules"]["VpcNeedsSecurityGroups"]["Assertions"]
    assert cfn["Rules"]["VpcNeedsSecurityGroups"]["RuleCondition"] == {
        "Fn::Not": [{"Fn::EachMemberEquals": [{"Ref": "VpcSubnetIds"}, ""]}]
    }
    assert assertion["Assert"] == {
        "Fn::Not": [{"Fn::EachMemberEquals": [{"Ref": "VpcSecurityGroupIds"}, ""]}]
    }


def test_worker_timeout_leaves_room_for_checkpointed_steps(resources: Resources) -> None:
    assert resources["WorkerFunction"]["Properties"]["Timeout"] == 300
