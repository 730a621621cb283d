"""What one caller can spend, bounded in the packaged template.

The management API's stage is throttled; a WAF rate rule per source address is one
parameter away; the authorizer has its own reserved concurrency, so a flood elsewhere in
the account cannot starve every downstream API's authorizer; KMS throttling of token
signing raises an alarm; the per-key signing rate reaches the API function.
"""

from __future__ import annotations

from typing import Any

from chalicelib.observability import metrics
from tests.infrastructure.test_wiring import environment


def test_the_public_api_stage_is_throttled_from_parameters(
    packaged: dict[str, Any], resources: dict[str, Any]
) -> None:
    api = resources["RestAPI"]
    (setting,) = api["Properties"]["MethodSettings"]

    assert api["Type"] == "AWS::Serverless::Api"
    assert (setting["ResourcePath"], setting["HttpMethod"]) == ("/*", "*")
    assert setting["ThrottlingRateLimit"] == {"Ref": "ApiThrottlingRateLimit"}
    assert setting["ThrottlingBurstLimit"] == {"Ref": "ApiThrottlingBurstLimit"}
    parameters = packaged["Parameters"]
    assert parameters["ApiThrottlingRateLimit"]["MinValue"] >= 1
    assert parameters["ApiThrottlingBurstLimit"]["MinValue"] >= 1


def test_the_waf_rate_rule_is_off_by_default_and_counts_per_source_address(
    packaged: dict[str, Any], resources: dict[str, Any]
) -> None:
    acl, association = resources["ApiWebAcl"], resources["ApiWebAclAssociation"]
    (rule,) = acl["Properties"]["Rules"]
    statement = rule["Statement"]["RateBasedStatement"]

    assert packaged["Parameters"]["WafRequestsPerFiveMinutesPerIp"]["Default"] == 0
    assert packaged["Conditions"]["WafRateRule"] == {
        "Fn::Not": [{"Fn::Equals": [{"Ref": "WafRequestsPerFiveMinutesPerIp"}, 0]}]
    }
    assert acl["Condition"] == association["Condition"] == "WafRateRule"
    assert acl["Properties"]["Scope"] == "REGIONAL"
    assert rule["Action"] == {"Block": {}}
    assert statement == {
        "Limit": {"Ref": "WafRequestsPerFiveMinutesPerIp"},
        "AggregateKeyType": "IP",
    }
    assert association["Properties"]["WebACLArn"] == {"Fn::GetAtt": ["ApiWebAcl", "Arn"]}
    assert "${RestAPI}" in association["Properties"]["ResourceArn"]["Fn::Sub"]


def test_the_authorizer_has_reserved_concurrency_unless_set_to_zero(
    packaged: dict[str, Any], resources: dict[str, Any]
) -> None:
    reserved = resources["Authorizer"]["Properties"]["ReservedConcurrentExecutions"]

    assert reserved == {
        "Fn::If": [
            "AuthorizerConcurrencyReserved",
            {"Ref": "AuthorizerReservedConcurrency"},
            {"Ref": "AWS::NoValue"},
        ]
    }
    assert packaged["Parameters"]["AuthorizerReservedConcurrency"]["Default"] > 0
    assert "ReservedConcurrentExecutions" not in resources["APIHandler"]["Properties"]


def test_kms_throttling_raises_an_alarm_on_the_metric_the_token_endpoint_writes(
    resources: dict[str, Any],
) -> None:
    alarm = resources["KmsThrottlesAlarm"]["Properties"]

    assert (alarm["Namespace"], alarm["MetricName"]) == (metrics.NAMESPACE, metrics.KMS_THROTTLES)
    assert alarm["Dimensions"] == [{"Name": metrics.SERVICE_DIMENSION, "Value": metrics.API}]
    assert (alarm["Statistic"], alarm["Threshold"]) == ("Sum", 1)
    assert alarm["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
    assert alarm["TreatMissingData"] == "notBreaching"


def test_the_per_key_signing_rate_comes_from_the_stack(resources: dict[str, Any]) -> None:
    variables = environment(resources, "APIHandler")

    assert variables["LATCHKEY_TOKEN_SIGNS_PER_KEY_PER_MINUTE"] == {
        "Ref": "TokenSignsPerKeyPerMinute"
    }
