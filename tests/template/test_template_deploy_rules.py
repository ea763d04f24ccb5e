"""Rules AWS enforces when the stack is created, checked here before anyone deploys.

Each test names the rule and where AWS states it. cfn-lint and `sam validate` pass on
templates that break several of them (they compare only explicit values, or do not
know the account's quotas), so the rules are checked on the translated template.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.template.cfn import PRIORITIES, OfType, Resources, default_of, evaluate_condition

# SQS's default when a queue sets no VisibilityTimeout, and Lambda's default timeout.
# https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SetQueueAttributes.html
SQS_DEFAULT_VISIBILITY_SECONDS = 30
LAMBDA_DEFAULT_TIMEOUT_SECONDS = 3
# https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html:
# "You can reserve up to the Unreserved account concurrency value ... minus 100".
LAMBDA_UNRESERVED_MINIMUM = 100


def sqs_mappings(of_type: OfType) -> dict[str, dict[str, Any]]:
    return {
        logical_id: mapping["Properties"]
        for logical_id, mapping in of_type("AWS::Lambda::EventSourceMapping").items()
        if "Fn::GetAtt" in mapping["Properties"]["EventSourceArn"]
    }


def test_every_queue_a_function_consumes_is_checked(of_type: OfType, resources: Resources) -> None:
    consumed = {m["EventSourceArn"]["Fn::GetAtt"][0] for m in sqs_mappings(of_type).values()}
    assert consumed == {f"Priority{p}Queue" for p in PRIORITIES} | {
        f"Priority{p}DeadLetterQueue" for p in PRIORITIES
    }
    assert all(resources[q]["Type"] == "AWS::SQS::Queue" for q in consumed)


@pytest.mark.parametrize("factor", [1, 6])
def test_each_consumed_queue_outlasts_its_consumer(
    of_type: OfType, resources: Resources, factor: int
) -> None:
    """Lambda refuses an SQS mapping whose function timeout exceeds the queue's
    visibility timeout ("Queue visibility timeout: 30 seconds is less than Function
    timeout: 60 seconds"), and AWS asks for at least six times the timeout so throttled
    batches can be retried. https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-configure.html

    Every such queue sets the value explicitly: cfn-lint (E3505) compares only explicit
    values, so an implicit 30 s passes every offline check and fails the deploy."""
    for logical_id, mapping in sqs_mappings(of_type).items():
        queue_id = mapping["EventSourceArn"]["Fn::GetAtt"][0]
        function_id = mapping["FunctionName"]["Ref"]
        queue = resources[queue_id]["Properties"]
        assert "VisibilityTimeout" in queue, f"{queue_id} relies on SQS's default 30 s"
        visibility = queue.get("VisibilityTimeout", SQS_DEFAULT_VISIBILITY_SECONDS)
        timeout = resources[function_id]["Properties"].get(
            "Timeout", LAMBDA_DEFAULT_TIMEOUT_SECONDS
        )
        assert isinstance(visibility, int)
        assert isinstance(timeout, int)
        assert visibility >= factor * timeout, (logical_id, queue_id, visibility, timeout)


def test_reserved_concurrency_zero_means_not_reserved(
    cfn: dict[str, Any], resources: Resources
) -> None:
    """ReservedConcurrentExecutions 0 would stop the worker entirely (0 = throttle every
    invocation, https://docs.aws.amazon.com/lambda/latest/dg/API_PutFunctionConcurrency.html);
    the parameter's 0 drops the property instead, so small accounts can deploy."""
    reserved = resources["WorkerFunction"]["Properties"]["ReservedConcurrentExecutions"]
    condition, value, otherwise = reserved["Fn::If"]
    assert value == {"Ref": "WorkerReservedConcurrency"}
    assert otherwise == {"Ref": "AWS::NoValue"}
    assert not evaluate_condition(cfn, condition, {"WorkerReservedConcurrency": "0"})
    assert evaluate_condition(cfn, condition, {"WorkerReservedConcurrency": "40"})
    assert int(cfn["Parameters"]["WorkerReservedConcurrency"]["MinValue"]) == 0


def test_deploy_guide_states_the_account_quota_reserved_concurrency_needs(
    cfn: dict[str, Any],
) -> None:
    """Lambda keeps 100 executions unreserved: reserving R needs an account quota of at
    least R + 100 (see LAMBDA_UNRESERVED_MINIMUM)."""
    from tests.template.cfn import ROOT

    reserved = default_of(cfn, "WorkerReservedConcurrency")
    guide = " ".join((ROOT / "docs" / "deploy.md").read_text().split())
    assert f"at least {reserved + LAMBDA_UNRESERVED_MINIMUM}" in guide


def test_secret_arn_parameters_require_the_full_arn(cfn: dict[str, Any]) -> None:
    """IAM matches a secret's full ARN, which ends in a hyphen and six random characters;
    a partial ARN deploys, then every GetSecretValue is AccessDenied at run time.
    https://docs.aws.amazon.com/secretsmanager/latest/userguide/auth-and-access_iam-policies.html"""
    full = "arn:aws:secretsmanager:ap-southeast-1:123456789012:secret:shopee-ads-sync/db-AbC123"
    partial = "arn:aws:secretsmanager:ap-southeast-1:123456789012:secret:shopee-ads-sync/db"
    for name in ("DbSecretArn", "ShopeePartnerSecretArn"):
        pattern = cfn["Parameters"][name]["AllowedPattern"]
        assert re.fullmatch(pattern, full), name
        assert not re.fullmatch(pattern, partial), name
        rds_managed = "arn:aws:secretsmanager:ap-southeast-1:123456789012:secret:rds!db-1a2b-Xy9Z01"
        assert re.fullmatch(pattern, rds_managed), name


def test_layer_name_is_stack_scoped(sam_template: dict[str, Any]) -> None:
    """A LayerVersion's name defaults to its logical id: two stacks in one account and
    region would publish versions of one layer named SharedLayer."""
    name = sam_template["Resources"]["SharedLayer"]["Properties"]["LayerName"]
    assert name == {"Fn::Sub": "${AWS::StackName}-shared"}


def test_names_built_from_the_stack_name_fit_their_limits(
    cfn: dict[str, Any], resources: Resources
) -> None:
    """SQS queue names are at most 80 characters; the longest suffix we append bounds the
    stack name, and the guide says so. https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_CreateQueue.html"""
    from tests.template.cfn import ROOT

    suffixes = [
        q["Properties"]["QueueName"]["Fn::Sub"].removeprefix("${AWS::StackName}")
        for q in resources.values()
        if q["Type"] == "AWS::SQS::Queue"
    ]
    longest_stack_name = 80 - max(len(s) for s in suffixes)
    guide = " ".join((ROOT / "docs" / "deploy.md").read_text().split())
    assert f"at most {longest_stack_name} characters" in guide


def test_partner_secret_prefix_is_the_code_s_and_a_name_prefix(cfn: dict[str, Any]) -> None:
    """The prefix IAM grants (…:secret:<prefix>*, "Limiting access to specific secrets":
    https://docs.aws.amazon.com/secretsmanager/latest/userguide/permissions_grant-limited-resources.html)
    is the one the code writes the seed's keys under, and it ends in "/", so that the
    wildcard cannot reach a sibling name (shopee-ads-sync/partners-other)."""
    from adsync.config import DEFAULT_PARTNER_SECRET_PREFIX

    parameter = cfn["Parameters"]["PartnerSecretPrefix"]
    assert parameter["Default"] == DEFAULT_PARTNER_SECRET_PREFIX
    pattern = parameter["AllowedPattern"]
    assert re.fullmatch(pattern, DEFAULT_PARTNER_SECRET_PREFIX)
    assert not re.fullmatch(pattern, "shopee-ads-sync/partners")  # no trailing "/"
    assert not re.fullmatch(pattern, "*")
