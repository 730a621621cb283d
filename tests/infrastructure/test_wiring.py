"""How the stack is wired: settings from the template's own resources, no secret in it,
the authorizer exported for downstream APIs, and stages that keep AWS and local apart."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.infrastructure.conftest import ROOT, example

TABLE_SETTINGS = {
    "LATCHKEY_KEYS_TABLE": "KeysTable",
    "LATCHKEY_GROUPS_TABLE": "GroupsTable",
    "LATCHKEY_TENANTS_TABLE": "TenantsTable",
    "LATCHKEY_USAGE_TABLE": "UsageTable",
    "LATCHKEY_IDEMPOTENCY_TABLE": "IdempotencyTable",
    "LATCHKEY_AUDIT_TABLE": "AuditTable",
    "LATCHKEY_PLATFORM_KEYS_TABLE": "PlatformKeysTable",
}
# Only the local stage may point elsewhere or carry peppers and credentials.
LOCAL_ONLY = {
    "LATCHKEY_PEPPERS",
    "LATCHKEY_DYNAMODB_ENDPOINT",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "LATCHKEY_TOKEN_LOCAL_KEY",  # in AWS, tokens are signed in KMS
}


def config() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((ROOT / ".chalice" / "config.json").read_text())
    return loaded


def environment(resources: dict[str, Any], function: str) -> dict[str, Any]:
    variables: dict[str, Any] = resources[function]["Properties"]["Environment"]["Variables"]
    return variables


@pytest.mark.parametrize("function", ["Authorizer", "APIHandler", "ExpirySweep"])
def test_table_names_come_from_the_templates_tables(
    function: str, resources: dict[str, Any]
) -> None:
    variables = environment(resources, function)
    named = {name: value for name, value in variables.items() if name in TABLE_SETTINGS}

    assert named
    assert all(value == {"Ref": TABLE_SETTINGS[name]} for name, value in named.items())


def test_the_authorizer_knows_only_its_own_tables(resources: dict[str, Any]) -> None:
    variables = environment(resources, "Authorizer")

    assert {name for name in variables if name in TABLE_SETTINGS} == {
        "LATCHKEY_KEYS_TABLE",
        "LATCHKEY_GROUPS_TABLE",
        "LATCHKEY_USAGE_TABLE",
    }
    assert variables["LATCHKEY_ROLE"] == "authorizer"  # skips the management API's imports


@pytest.mark.parametrize("function", ["Authorizer", "APIHandler"])
def test_the_pepper_is_read_from_the_named_parameter_never_the_template(
    function: str, resources: dict[str, Any], packaged: dict[str, Any]
) -> None:
    variables = environment(resources, function)

    assert variables["LATCHKEY_PEPPER_PARAMETER"] == {"Ref": "PepperParameterName"}
    assert not LOCAL_ONLY & set(variables)
    assert "Default" not in packaged["Parameters"]["PepperParameterName"]
    assert not [r for r in resources.values() if r["Type"] == "AWS::SSM::Parameter"]


def test_the_authorizer_arn_is_an_exported_output(packaged: dict[str, Any]) -> None:
    output = packaged["Outputs"]["AuthorizerArn"]

    assert output["Value"] == {"Fn::GetAtt": ["Authorizer", "Arn"]}
    assert output["Export"] == {"Name": {"Fn::Sub": "${AWS::StackName}-AuthorizerArn"}}


def test_expiry_notifications_have_a_bus_and_an_encrypted_topic(
    resources: dict[str, Any],
) -> None:
    variables = environment(resources, "ExpirySweep")

    assert resources["NotificationBus"]["Type"] == "AWS::Events::EventBus"
    assert resources["ExpiryTopic"]["Type"] == "AWS::SNS::Topic"
    assert resources["ExpiryTopic"]["Properties"]["KmsMasterKeyId"]
    assert variables["LATCHKEY_EVENT_BUS"] == {"Ref": "NotificationBus"}
    assert variables["LATCHKEY_EXPIRY_TOPIC_ARN"] == {"Ref": "ExpiryTopic"}


def test_the_sweep_runs_on_the_stacks_schedule(resources: dict[str, Any]) -> None:
    sweep = resources["ExpirySweep"]["Properties"]
    (event,) = sweep["Events"].values()

    assert event == {"Type": "Schedule", "Properties": {"Schedule": {"Ref": "SweepSchedule"}}}
    assert sweep["Environment"]["Variables"]["LATCHKEY_SWEEP_SCHEDULE"] == {"Ref": "SweepSchedule"}
    # It stops 10 s before its timeout; the rest is its working time per run.
    assert sweep["Timeout"] > 60


def test_stages_local_dev_and_prod_exist() -> None:
    assert {"local", "dev", "prod"} <= set(config()["stages"])


@pytest.mark.parametrize(("stage", "prefix"), [("dev", "lk_test"), ("prod", "lk_live")])
def test_aws_stages_set_their_prefix_and_nothing_local(stage: str, prefix: str) -> None:
    settings = config()["stages"][stage]
    variables = settings["environment_variables"]

    assert variables["LATCHKEY_STAGE"] == stage
    assert variables["LATCHKEY_KEY_PREFIX"] == prefix
    assert variables["LATCHKEY_EXPIRY_THRESHOLDS_DAYS"]
    assert not LOCAL_ONLY & set(variables)
    # Roles come from infra/template.yaml, never from Chalice's policy autogeneration.
    assert settings["manage_iam_role"] is False


def test_functions_run_on_the_architecture_chalice_packaged_for(
    resources: dict[str, Any],
) -> None:
    architecture = config()["stages"]["dev"]["lambda_architecture"]
    functions = [r for r in resources.values() if r["Type"] == "AWS::Serverless::Function"]

    # The authorizer, the API, the sweep, the webhook relay and delivery.
    assert len(functions) == 5
    for function in functions:
        assert function["Properties"]["Architectures"] == [architecture]


def test_rest_example_uses_a_request_authorizer_keyed_on_key_and_address() -> None:
    template = example("rest-api.yaml")
    authorizer = template["Resources"]["KeyAuthorizer"]["Properties"]
    sources = authorizer["IdentitySource"].split(",")

    assert authorizer["Type"] == "REQUEST"
    assert "method.request.header.X-API-Key" in sources
    assert "context.identity.sourceIp" in sources
    assert authorizer["AuthorizerResultTtlInSeconds"] == {"Ref": "AuthorizerResultTtlInSeconds"}
    assert "AuthorizerResultTtlInSeconds" in template["Parameters"]


def test_http_example_uses_simple_responses_keyed_on_key_address_method_and_path() -> None:
    template = example("http-api.yaml")
    authorizer = template["Resources"]["KeyAuthorizer"]["Properties"]

    assert authorizer["AuthorizerType"] == "REQUEST"
    assert authorizer["AuthorizerPayloadFormatVersion"] == "2.0"
    assert authorizer["EnableSimpleResponses"] is True
    assert set(authorizer["IdentitySource"]) == {
        "$request.header.X-API-Key",
        "$context.identity.sourceIp",
        "$context.httpMethod",
        "$context.path",
    }
    assert authorizer["AuthorizerResultTtlInSeconds"] == {"Ref": "AuthorizerResultTtlInSeconds"}


@pytest.mark.parametrize("name", ["rest-api.yaml", "http-api.yaml"])
def test_examples_attach_the_exported_authorizer(name: str) -> None:
    resources = example(name)["Resources"]
    permission = resources["InvokeAuthorizer"]["Properties"]

    assert permission["Principal"] == "apigateway.amazonaws.com"
    assert permission["FunctionName"] == {
        "Fn::ImportValue": {"Sub": "${LatchkeyStackName}-AuthorizerArn"}
    }


def test_leaked_keys_are_announced_on_the_notification_bus_and_topic(
    resources: dict[str, Any],
) -> None:
    variables = environment(resources, "APIHandler")

    assert variables["LATCHKEY_EVENT_BUS"] == {"Ref": "NotificationBus"}
    assert variables["LATCHKEY_LEAK_TOPIC_ARN"] == {"Ref": "ExpiryTopic"}
    # The GitHub key list's URL keeps its default (GitHub's own) in AWS.
    assert "LATCHKEY_GITHUB_KEYS_URL" not in variables


# --- access tokens --------------------------------------------------------------

SIGNING_KEY = {
    "Fn::If": [
        "TokenSignsWithNamedKey",
        {"Ref": "TokenSigningKeyArn"},
        {"Fn::GetAtt": ["TokenSigningKey", "Arn"]},
    ]
}


@pytest.mark.parametrize("function", ["Authorizer", "APIHandler"])
def test_token_settings_come_from_the_stack(function: str, resources: dict[str, Any]) -> None:
    variables = environment(resources, function)

    assert variables["LATCHKEY_TOKEN_ISSUER"] == {"Ref": "TokenIssuer"}
    assert variables["LATCHKEY_TOKEN_AUDIENCE"] == {"Ref": "TokenAudience"}
    assert variables["LATCHKEY_TOKEN_SIGNING_KEY"] == SIGNING_KEY
    assert variables["LATCHKEY_TOKEN_NEXT_KEY"] == {"Ref": "TokenNextSigningKeyArn"}
    assert "LATCHKEY_TOKEN_LOCAL_KEY" not in variables  # a key file is for local use only


def test_the_sweep_knows_nothing_of_tokens(resources: dict[str, Any]) -> None:
    assert not [name for name in environment(resources, "ExpirySweep") if "TOKEN" in name]


def test_jwt_example_trusts_latchkeys_issuer_and_checks_scopes() -> None:
    resources = example("http-api-jwt.yaml")["Resources"]
    authorizer = resources["TokenAuthorizer"]["Properties"]

    assert authorizer["AuthorizerType"] == "JWT"
    assert authorizer["JwtConfiguration"] == {
        "Issuer": {"Ref": "LatchkeyIssuer"},
        "Audience": [{"Ref": "LatchkeyAudience"}],
    }
    routes = [r["Properties"] for r in resources.values() if r["Type"].endswith("::Route")]
    assert routes
    assert all(route["AuthorizationType"] == "JWT" for route in routes)
    assert all(route["AuthorizationScopes"] for route in routes)


def test_rest_example_has_an_authorizer_taking_keys_or_tokens() -> None:
    resources = example("rest-api.yaml")["Resources"]
    authorizer = resources["AnyCredentialAuthorizer"]["Properties"]

    # No identity source may be required, or a request without X-API-Key (a token) would
    # be refused by API Gateway before Latchkey sees it: only possible with no cache.
    assert authorizer["Type"] == "REQUEST"
    assert authorizer["AuthorizerResultTtlInSeconds"] == 0
    assert "IdentitySource" not in authorizer
    assert resources["GetReports"]["Properties"]["AuthorizerId"] == {
        "Ref": "AnyCredentialAuthorizer"
    }
