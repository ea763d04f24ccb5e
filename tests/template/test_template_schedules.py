"""EventBridge Scheduler schedules: expressions, time zone, payloads, retries, names."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.template.cfn import ROOT, OfType, Resources, default_of, get_att, resolve

SCHEDULED_TIME = "<aws.scheduler.scheduled-time>"
EXPECTED = {
    # logical id: (target function, expression parameter, default expression, payload)
    "EnqueueFunctionRealtime": (
        "EnqueueFunction",
        "RealtimeScheduleExpression",
        "rate(15 minutes)",
        {"sync_type": "realtime", "priority": 1, "scheduled_time": SCHEDULED_TIME},
    ),
    "EnqueueFunctionLookback": (
        "EnqueueFunction",
        "LookbackScheduleExpression",
        "cron(0 3 * * ? *)",
        {"sync_type": "lookback", "priority": 2, "scheduled_time": SCHEDULED_TIME},
    ),
    "MaintenanceFunctionCleanup": (
        "MaintenanceFunction",
        "CleanupScheduleExpression",
        "cron(0 2 * * ? *)",
        {"task": "cleanup"},
    ),
    "MaintenanceFunctionReconcile": (
        "MaintenanceFunction",
        "ReconcileScheduleExpression",
        "rate(1 minute)",
        {"task": "reconcile"},
    ),
}


def target_function(schedule: dict[str, Any]) -> str:
    arn = schedule["Properties"]["Target"]["Arn"]
    assert arn["Fn::GetAtt"][1] == "Arn"
    return str(arn["Fn::GetAtt"][0])


def schedule_input(cfn: dict[str, Any], schedule: dict[str, Any]) -> dict[str, Any]:
    raw = schedule["Properties"]["Target"]["Input"]
    if isinstance(raw, dict):  # Fn::Sub over parameters: substitute their defaults
        text = raw["Fn::Sub"]
        for name in cfn["Parameters"]:
            if "${" + name + "}" in text:
                text = text.replace("${" + name + "}", str(default_of(cfn, name)))
        raw = text
    event: dict[str, Any] = json.loads(raw)
    return event


def test_exactly_the_four_schedules(of_type: OfType) -> None:
    assert set(of_type("AWS::Scheduler::Schedule")) == set(EXPECTED)


@pytest.mark.parametrize("schedule_id", EXPECTED)
def test_schedule_target_expression_and_payload(
    cfn: dict[str, Any], resources: Resources, schedule_id: str
) -> None:
    function_id, parameter, default, payload = EXPECTED[schedule_id]
    schedule = resources[schedule_id]
    assert target_function(schedule) == function_id
    assert schedule["Properties"]["ScheduleExpression"] == {"Ref": parameter}
    assert default_of(cfn, parameter) == default
    assert schedule_input(cfn, schedule) == payload


def test_lookback_window_follows_the_attribution_window_parameter(
    cfn: dict[str, Any], resources: Resources
) -> None:
    """One source for the window: the schedule sends none, so enqueue takes the
    function's ATTRIBUTION_WINDOW_DAYS, which is the parameter."""
    from adsync.jobs import EnqueueRequest
    from tests.template.test_template_functions import ENVIRONMENT

    payload = schedule_input(cfn, resources["EnqueueFunctionLookback"])
    assert "window_days" not in payload
    assert ENVIRONMENT["ATTRIBUTION_WINDOW_DAYS"] == {"Ref": "AttributionWindowDays"}
    request = EnqueueRequest.from_event(payload, default_window_days=12)
    assert request.days_ago == 12


@pytest.mark.parametrize("schedule_id", EXPECTED)
def test_schedules_run_in_the_shop_time_zone(
    cfn: dict[str, Any], resources: Resources, schedule_id: str
) -> None:
    timezone = resources[schedule_id]["Properties"]["ScheduleExpressionTimezone"]
    assert timezone == {"Ref": "ScheduleTimezone"}
    assert resolve(cfn, timezone) == "Asia/Ho_Chi_Minh"


@pytest.mark.parametrize("schedule_id", EXPECTED)
def test_schedules_omit_their_name_and_live_in_the_stack_group(
    resources: Resources, schedule_id: str
) -> None:
    properties = resources[schedule_id]["Properties"]
    assert "Name" not in properties
    assert properties["GroupName"] == {"Ref": "SchedulerGroup"}
    assert properties["FlexibleTimeWindow"] == {"Mode": "OFF"}


@pytest.mark.parametrize("schedule_id", EXPECTED)
def test_failed_deliveries_are_retried_then_dead_lettered(
    resources: Resources, schedule_id: str
) -> None:
    target = resources[schedule_id]["Properties"]["Target"]
    assert target["DeadLetterConfig"] == {"Arn": get_att("ScheduleDeadLetterQueue")}
    retry = target["RetryPolicy"]
    assert 60 <= retry["MaximumEventAgeInSeconds"] <= 86400
    assert 0 <= retry["MaximumRetryAttempts"] <= 185


def test_a_realtime_tick_is_not_retried_past_the_next_tick(resources: Resources) -> None:
    retry = resources["EnqueueFunctionRealtime"]["Properties"]["Target"]["RetryPolicy"]
    assert retry["MaximumEventAgeInSeconds"] <= 900


@pytest.mark.parametrize("schedule_id", EXPECTED)
def test_scheduler_role_may_invoke_only_its_target_and_send_to_the_dlq(
    resources: Resources, schedule_id: str
) -> None:
    schedule = resources[schedule_id]
    role_id = schedule["Properties"]["Target"]["RoleArn"]["Fn::GetAtt"][0]
    statements = [
        statement
        for policy in resources[role_id]["Properties"]["Policies"]
        for statement in policy["PolicyDocument"]["Statement"]
    ]
    granted = {(str(s["Action"]), str(s["Resource"])) for s in statements}
    assert granted == {
        ("lambda:InvokeFunction", str(get_att(target_function(schedule)))),
        ("sqs:SendMessage", str(get_att("ScheduleDeadLetterQueue"))),
    }


@pytest.mark.parametrize("function_id", ["EnqueueFunction", "MaintenanceFunction"])
def test_async_invocations_that_keep_failing_land_in_the_schedule_dlq(
    of_type: OfType, function_id: str
) -> None:
    (config,) = (
        c["Properties"]
        for c in of_type("AWS::Lambda::EventInvokeConfig").values()
        if c["Properties"]["FunctionName"] == {"Ref": function_id}
    )
    assert config["DestinationConfig"]["OnFailure"]["Destination"] == get_att(
        "ScheduleDeadLetterQueue"
    )
    assert config["MaximumRetryAttempts"] <= 2


SAMPLE_EVENTS = {
    "EnqueueFunctionRealtime": "enqueue_realtime.json",
    "EnqueueFunctionLookback": "enqueue_lookback.json",
    "MaintenanceFunctionCleanup": "maintenance_cleanup.json",
    "MaintenanceFunctionReconcile": "maintenance_reconcile.json",
}


@pytest.mark.parametrize(("schedule_id", "sample"), SAMPLE_EVENTS.items())
def test_sample_events_match_what_the_schedules_send(
    cfn: dict[str, Any], resources: Resources, schedule_id: str, sample: str
) -> None:
    sent = schedule_input(cfn, resources[schedule_id])
    tested = json.loads((ROOT / "events" / sample).read_text())
    assert set(tested) == set(sent)
    # The handlers are tested with a concrete time where Scheduler fills in the tick.
    assert {k: v for k, v in sent.items() if v != SCHEDULED_TIME} == {
        k: v for k, v in tested.items() if sent[k] != SCHEDULED_TIME
    }
