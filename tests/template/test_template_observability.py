"""Dashboard and alarms: every queue, DLQ and custom metric is watched."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from tests.template.cfn import (
    CUSTOM_METRICS,
    PRIORITIES,
    OfType,
    Resources,
    default_of,
    dlq_id,
    queue_id,
)

PLACEHOLDER = re.compile(r"\$\{([A-Za-z0-9:.]+)\}")


@pytest.fixture(scope="module")
def dashboard(cfn: dict[str, Any], resources: Resources) -> dict[str, Any]:
    """The dashboard body with each ${...} replaced by a visible marker (or a default)."""
    body = resources["Dashboard"]["Properties"]["DashboardBody"]["Fn::Sub"]
    assert isinstance(body, str)

    def substitute(match: re.Match[str]) -> str:
        name = match.group(1)
        if name in cfn["Parameters"]:
            return str(default_of(cfn, name))
        logical_id = name.split(".")[0]
        assert logical_id in resources or logical_id.startswith("AWS::"), name
        return f"<{name}>"

    dashboard: dict[str, Any] = json.loads(PLACEHOLDER.sub(substitute, body))
    return dashboard


def metric_lines(dashboard: dict[str, Any]) -> list[list[Any]]:
    return [
        line
        for widget in dashboard["widgets"]
        if widget["type"] == "metric"
        for line in widget["properties"]["metrics"]
    ]


def has_metric(dashboard: dict[str, Any], namespace: str, name: str, *dimension: str) -> bool:
    for line in metric_lines(dashboard):
        values = [v for v in line if not isinstance(v, dict)]
        if values[:2] == [namespace, name] and list(dimension) == values[2:4]:
            return True
    return False


def stats_of(dashboard: dict[str, Any], namespace: str, name: str) -> set[str]:
    found = set()
    for widget in dashboard["widgets"]:
        if widget["type"] != "metric":
            continue
        for line in widget["properties"]["metrics"]:
            if line[:2] == [namespace, name]:
                options = line[-1] if isinstance(line[-1], dict) else {}
                found.add(options.get("stat", widget["properties"].get("stat")))
    return found


@pytest.mark.parametrize("priority", PRIORITIES)
@pytest.mark.parametrize(
    "metric", ["ApproximateNumberOfMessagesVisible", "ApproximateAgeOfOldestMessage"]
)
def test_dashboard_shows_depth_and_age_of_every_priority_queue(
    dashboard: dict[str, Any], priority: int, metric: str
) -> None:
    queue = f"<{queue_id(priority)}.QueueName>"
    assert has_metric(dashboard, "AWS/SQS", metric, "QueueName", queue)


@pytest.mark.parametrize(
    "logical_id", [dlq_id(p) for p in PRIORITIES] + ["ScheduleDeadLetterQueue"]
)
def test_dashboard_shows_every_dlq_depth(dashboard: dict[str, Any], logical_id: str) -> None:
    queue = f"<{logical_id}.QueueName>"
    assert has_metric(
        dashboard, "AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", queue
    )


@pytest.mark.parametrize(
    "metric", ["Invocations", "Errors", "Throttles", "Duration", "ConcurrentExecutions"]
)
def test_dashboard_shows_worker_health(dashboard: dict[str, Any], metric: str) -> None:
    assert has_metric(dashboard, "AWS/Lambda", metric, "FunctionName", "<WorkerFunction>")


def test_dashboard_shows_worker_duration_p50_and_p99(dashboard: dict[str, Any]) -> None:
    assert {"p50", "p99"} <= stats_of(dashboard, "AWS/Lambda", "Duration")


@pytest.mark.parametrize("metric", CUSTOM_METRICS)
def test_dashboard_shows_every_custom_metric(dashboard: dict[str, Any], metric: str) -> None:
    assert has_metric(dashboard, "ShopeeAdsSync", metric, "service", "shopee-ads-sync")


def test_dashboard_widgets_do_not_overlap(dashboard: dict[str, Any]) -> None:
    cells: set[tuple[int, int]] = set()
    for widget in dashboard["widgets"]:
        assert widget["x"] + widget["width"] <= 24
        for x in range(widget["x"], widget["x"] + widget["width"]):
            for y in range(widget["y"], widget["y"] + widget["height"]):
                assert (x, y) not in cells, widget
                cells.add((x, y))


# --- alarms


def alarms_on(of_type: OfType, namespace: str, metric: str) -> dict[str, dict[str, Any]]:
    return {
        logical_id: alarm["Properties"]
        for logical_id, alarm in of_type("AWS::CloudWatch::Alarm").items()
        if alarm["Properties"].get("Namespace") == namespace
        and alarm["Properties"].get("MetricName") == metric
    }


def dimension_value(alarm: dict[str, Any]) -> Any:
    (dimension,) = alarm["Dimensions"]
    return dimension["Value"]


def test_every_dlq_has_an_alarm_on_any_visible_message(of_type: OfType) -> None:
    alarms = alarms_on(of_type, "AWS/SQS", "ApproximateNumberOfMessagesVisible")
    watched = {str(dimension_value(a)) for a in alarms.values()}
    for priority in PRIORITIES:
        assert str({"Fn::GetAtt": [dlq_id(priority), "QueueName"]}) in watched
    for alarm in alarms.values():
        assert alarm["Threshold"] == 0
        assert alarm["ComparisonOperator"] == "GreaterThanThreshold"


def test_every_priority_queue_alarms_when_its_oldest_message_outlives_the_cadence(
    cfn: dict[str, Any], of_type: OfType
) -> None:
    alarms = alarms_on(of_type, "AWS/SQS", "ApproximateAgeOfOldestMessage")
    watched = {str(dimension_value(a)) for a in alarms.values()}
    assert watched == {str({"Fn::GetAtt": [queue_id(p), "QueueName"]}) for p in PRIORITIES}
    for alarm in alarms.values():
        assert alarm["Threshold"] == {"Ref": "QueueAgeAlarmSeconds"}
        assert alarm["Statistic"] == "Maximum"
    assert default_of(cfn, "QueueAgeAlarmSeconds") == 900


def test_worker_error_rate_alarm_divides_errors_by_invocations(resources: Resources) -> None:
    alarm = resources["WorkerErrorRateAlarm"]["Properties"]
    by_id = {m["Id"]: m for m in alarm["Metrics"]}
    assert by_id["errors"]["MetricStat"]["Metric"]["MetricName"] == "Errors"
    assert by_id["invocations"]["MetricStat"]["Metric"]["MetricName"] == "Invocations"
    for metric_id in ("errors", "invocations"):
        dimensions = by_id[metric_id]["MetricStat"]["Metric"]["Dimensions"]
        assert dimensions == [{"Name": "FunctionName", "Value": {"Ref": "WorkerFunction"}}]
    (returned,) = [m for m in alarm["Metrics"] if m.get("ReturnData", True)]
    assert "errors / invocations" in returned["Expression"]
    assert alarm["Threshold"] == {"Ref": "WorkerErrorRateAlarmPercent"}


def test_data_freshness_alarm_breaches_when_reconcile_stops_reporting(of_type: OfType) -> None:
    (alarm,) = alarms_on(of_type, "ShopeeAdsSync", "OldestShopSyncAgeSeconds").values()
    assert alarm["Dimensions"] == [{"Name": "service", "Value": "shopee-ads-sync"}]
    assert alarm["Threshold"] == {"Ref": "FreshnessAlarmSeconds"}
    assert alarm["TreatMissingData"] == "breaching"


def test_scheduler_failures_alarm_watches_the_group_and_the_schedule_dlq(
    resources: Resources,
) -> None:
    alarm = resources["ScheduleFailuresAlarm"]["Properties"]
    watched = {
        (
            m["MetricStat"]["Metric"]["Namespace"],
            m["MetricStat"]["Metric"]["MetricName"],
            str(m["MetricStat"]["Metric"]["Dimensions"][0]["Value"]),
        )
        for m in alarm["Metrics"]
        if "MetricStat" in m
    }
    group = str({"Ref": "SchedulerGroup"})
    assert ("AWS/Scheduler", "InvocationDroppedCount", group) in watched
    assert ("AWS/Scheduler", "TargetErrorCount", group) in watched
    assert (
        "AWS/SQS",
        "ApproximateNumberOfMessagesVisible",
        str({"Fn::GetAtt": ["ScheduleDeadLetterQueue", "QueueName"]}),
    ) in watched


def test_every_alarm_notifies_the_topic_only_when_one_is_given(of_type: OfType) -> None:
    expected = {"Fn::If": ["HasAlarmTopic", [{"Ref": "AlarmTopicArn"}], {"Ref": "AWS::NoValue"}]}
    alarms = of_type("AWS::CloudWatch::Alarm")
    assert len(alarms) >= 11
    for logical_id, alarm in alarms.items():
        assert alarm["Properties"]["AlarmActions"] == expected, logical_id
        assert alarm["Properties"]["OKActions"] == expected, logical_id
        assert alarm["Properties"]["AlarmDescription"], logical_id


def test_a_job_that_failed_for_good_raises_an_alarm(of_type: OfType) -> None:
    """dead_letter drains the DLQs within seconds, so their depth alarms almost never
    fire: the alarm is on JobsFailed, which every path to `failed` emits (the worker's
    last attempt, a hopeless job, dead_letter's confirmation, a lease dead on every
    attempt)."""
    (alarm,) = alarms_on(of_type, "ShopeeAdsSync", "JobsFailed").values()
    assert alarm["Dimensions"] == [{"Name": "service", "Value": "shopee-ads-sync"}]
    assert alarm["Statistic"] == "Sum"
    assert alarm["Threshold"] == 0
    assert alarm["ComparisonOperator"] == "GreaterThanThreshold"
    assert alarm["TreatMissingData"] == "notBreaching"
    assert alarm["Period"] <= 300


def test_every_path_to_failed_emits_jobs_failed() -> None:
    """The alarm above is only as good as the emitters: each module that can move a job
    to `failed` counts JobsFailed."""
    from tests.template.test_metrics_emitted import LAYER

    for module in ("services/worker.py", "services/dead_letter.py", "services/maintenance.py"):
        assert 'count("JobsFailed"' in (LAYER / module).read_text("utf-8"), module


def test_shops_that_need_a_seller_raise_an_alarm(resources: Resources) -> None:
    """Re-authorization needed, or a refresh whose reply was lost: an operator must send
    the seller a link; both metrics feed one alarm."""
    alarm = resources["ShopAuthorizationAlarm"]["Properties"]
    watched = {
        m["MetricStat"]["Metric"]["MetricName"]: m["MetricStat"]["Stat"]
        for m in alarm["Metrics"]
        if "MetricStat" in m
    }
    assert watched == {"ShopsNeedingReauth": "Sum", "TokenRefreshesUncertain": "Sum"}
    (returned,) = [m for m in alarm["Metrics"] if m.get("ReturnData", True)]
    assert "reauth" in returned["Expression"] and "uncertain" in returned["Expression"]
    assert alarm["Threshold"] == 0
    assert alarm["ComparisonOperator"] == "GreaterThanThreshold"
    assert alarm["TreatMissingData"] == "notBreaching"


def test_authorizations_running_out_raise_an_alarm_ahead_of_time(resources: Resources) -> None:
    """Issue 17 part 3: a shop whose authorization ends within the warning window counts
    in ShopsAuthorizationExpiring (a gauge from every reconcile pass); any such shop
    alarms, and a quiet period (no datapoint) does not."""
    alarm = resources["AuthorizationExpiringAlarm"]["Properties"]
    assert alarm["Namespace"] == "ShopeeAdsSync"
    assert alarm["MetricName"] == "ShopsAuthorizationExpiring"
    assert alarm["Dimensions"] == [{"Name": "service", "Value": "shopee-ads-sync"}]
    assert alarm["Statistic"] == "Maximum"
    assert alarm["Threshold"] == 0
    assert alarm["ComparisonOperator"] == "GreaterThanThreshold"
    assert alarm["TreatMissingData"] == "notBreaching"
