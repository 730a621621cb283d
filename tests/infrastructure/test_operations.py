"""Operations in the packaged template: every alarm, the dashboard, the sweep's failure queue
and X-Ray. Metric names and dimensions are checked against the code's
(chalicelib/observability/metrics.py), so an alarm cannot watch a metric nobody writes."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from chalicelib.domain.verification import Outcome
from chalicelib.observability import metrics as m
from tests.infrastructure.conftest import ROOT

ALARMS = {
    "AuthorizerErrorsAlarm",
    "FailClosedAlarm",
    "DynamoDBThrottlesAlarm",
    "ApiServerErrorRateAlarm",
    "SweepErrorsAlarm",
    "SweepNotFinishingAlarm",
    "PublishFailuresAlarm",
    "SweepFailuresAlarm",
    "KmsThrottlesAlarm",
    "WebhookDeadLettersAlarm",
}
CODE_METRICS = {
    value
    for name, value in vars(m).items()
    if name.isupper()
    and isinstance(value, str)
    and name
    not in {
        "NAMESPACE",
        "AUTHORIZER",
        "API",
        "SWEEP",
        "CLI",
        "FAIL_CLOSED",
        "UNSUPPORTED_EVENT",
        "AMBIGUOUS",
        "TOKEN_VALID",
        "TOKEN_INVALID",
    }
    and not name.endswith("_DIMENSION")
}
DIMENSION_VALUES = {
    m.SERVICE_DIMENSION: {m.AUTHORIZER, m.API, m.SWEEP},
    m.OUTCOME_DIMENSION: {o.value for o in Outcome}
    | {m.FAIL_CLOSED, m.UNSUPPORTED_EVENT, m.AMBIGUOUS, m.TOKEN_VALID, m.TOKEN_INVALID},
}


def of_type(resources: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {name: r["Properties"] for name, r in resources.items() if r["Type"] == kind}


def watched(alarm: dict[str, Any]) -> list[dict[str, Any]]:
    """Each metric an alarm reads: {namespace, name, dimensions}."""
    if "MetricName" in alarm:
        return [
            {
                "namespace": alarm["Namespace"],
                "name": alarm["MetricName"],
                "dimensions": alarm.get("Dimensions", []),
            }
        ]
    return [
        {
            "namespace": query["MetricStat"]["Metric"]["Namespace"],
            "name": query["MetricStat"]["Metric"]["MetricName"],
            "dimensions": query["MetricStat"]["Metric"].get("Dimensions", []),
        }
        for query in alarm["Metrics"]
        if "MetricStat" in query
    ]


def test_the_stack_has_exactly_the_documented_alarms(resources: dict[str, Any]) -> None:
    readme = (ROOT / "README.md").read_text()
    alarms = of_type(resources, "AWS::CloudWatch::Alarm")

    assert set(alarms) == ALARMS
    for name in ALARMS:
        assert f"`{name}`" in readme, f"{name} has no line in the README"


@pytest.mark.parametrize("name", sorted(ALARMS))
def test_each_alarm_notifies_the_optional_topic_when_firing_and_clearing(
    name: str, resources: dict[str, Any]
) -> None:
    alarm = of_type(resources, "AWS::CloudWatch::Alarm")[name]
    notify = {"Fn::If": ["AlarmsNotify", [{"Ref": "AlarmTopicArn"}], {"Ref": "AWS::NoValue"}]}

    assert alarm["AlarmActions"] == notify
    assert alarm["OKActions"] == notify
    assert alarm["AlarmDescription"].strip()
    assert alarm["TreatMissingData"] in {"notBreaching", "missing"}


@pytest.mark.parametrize("name", sorted(ALARMS))
def test_each_alarm_watches_metrics_the_code_writes_with_known_dimensions(
    name: str, resources: dict[str, Any]
) -> None:
    alarm = of_type(resources, "AWS::CloudWatch::Alarm")[name]
    for metric in watched(alarm):
        if metric["namespace"] != m.NAMESPACE:
            assert metric["namespace"] in {"AWS/Lambda", "AWS/SQS"}
            continue
        assert metric["name"] in CODE_METRICS
        for dimension in metric["dimensions"]:
            assert dimension["Value"] in DIMENSION_VALUES[dimension["Name"]]


def test_alarm_expressions_return_one_series(resources: dict[str, Any]) -> None:
    for name, alarm in of_type(resources, "AWS::CloudWatch::Alarm").items():
        if "Metrics" in alarm:
            returned = [query for query in alarm["Metrics"] if query.get("ReturnData", True)]
            assert len(returned) == 1, name
            assert "Expression" in returned[0], name


def dashboard_body(resources: dict[str, Any]) -> dict[str, Any]:
    (dashboard,) = of_type(resources, "AWS::CloudWatch::Dashboard").values()
    text = dashboard["DashboardBody"]["Fn::Sub"]
    # ${Resource.Attr} and ${AWS::Region} become plain strings for the JSON check.
    body: dict[str, Any] = json.loads(re.sub(r"\$\{[^}]+\}", "x", text))
    return body


def test_the_dashboard_shows_every_metric_the_code_writes_and_every_alarm(
    resources: dict[str, Any],
) -> None:
    (dashboard,) = of_type(resources, "AWS::CloudWatch::Dashboard").values()
    text = dashboard["DashboardBody"]["Fn::Sub"]
    body = dashboard_body(resources)

    assert len(body["widgets"]) >= 10
    missing = [name for name in CODE_METRICS if name not in text]
    assert missing == []
    for name in ALARMS:
        assert "${" + name + ".Arn}" in text


def test_failed_sweep_runs_go_to_a_queue_with_its_own_alarm(resources: dict[str, Any]) -> None:
    (config,) = of_type(resources, "AWS::Lambda::EventInvokeConfig").values()
    queue = resources["SweepFailures"]
    alarm = of_type(resources, "AWS::CloudWatch::Alarm")["SweepFailuresAlarm"]

    assert config["FunctionName"] == {"Ref": "ExpirySweep"}
    assert config["DestinationConfig"]["OnFailure"]["Destination"] == {
        "Fn::GetAtt": ["SweepFailures", "Arn"]
    }
    assert queue["Type"] == "AWS::SQS::Queue"
    assert queue["Properties"]["SqsManagedSseEnabled"] is True
    assert alarm["Dimensions"] == [
        {"Name": "QueueName", "Value": {"Fn::GetAtt": ["SweepFailures", "QueueName"]}}
    ]


def test_xray_tracing_is_a_parameter_off_by_default(packaged: dict[str, Any]) -> None:
    functions = of_type(packaged["Resources"], "AWS::Serverless::Function")

    assert packaged["Parameters"]["XRayTracing"]["Default"] == "false"
    assert packaged["Conditions"]["TracingEnabled"] == {
        "Fn::Equals": [{"Ref": "XRayTracing"}, "true"]
    }
    for name, function in functions.items():
        assert function["Tracing"] == {"Fn::If": ["TracingEnabled", "Active", "PassThrough"]}, name


def test_alarm_actions_are_one_optional_topic_parameter(packaged: dict[str, Any]) -> None:
    assert packaged["Parameters"]["AlarmTopicArn"]["Default"] == ""
    assert packaged["Conditions"]["AlarmsNotify"] == {
        "Fn::Not": [{"Fn::Equals": [{"Ref": "AlarmTopicArn"}, ""]}]
    }
