"""Least privilege: each function has its own role, allowing exactly what its code calls.

The expected grants below are the specification: a policy that gains an action or a
resource fails here, as does a function added without a role of its own. Resources are
written as the template writes them (``KeysTable.Arn`` is ``!GetAtt KeysTable.Arn``).
"""

from __future__ import annotations

from typing import Any

import pytest

Grant = tuple[str, str]  # (action, resource)

LOGS = "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:/aws/lambda/*"
PEPPER = (
    "arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter${PepperParameterName}"
)
PEPPER_KEY = "Ref:PepperKmsKeyArn"  # only when the pepper uses a customer managed key

COMMON: set[Grant] = {
    ("logs:CreateLogStream", LOGS),
    ("logs:PutLogEvents", LOGS),
    ("ssm:GetParameter", PEPPER),
    ("kms:Decrypt", PEPPER_KEY),
}


# Only when the stack's XRayTracing is "true" (condition TracingEnabled); X-Ray's write
# actions accept no resource narrower than "*".
XRAY: set[Grant] = {("xray:PutTraceSegments", "*"), ("xray:PutTelemetryRecords", "*")}
# Access tokens: the published keys' public halves (the JWKS, and the authorizer's
# verification keys), whichever key signs; the next key's only when one is named.
READ_TOKEN_KEYS: set[Grant] = {
    ("kms:GetPublicKey", "TokenSigningKey.Arn"),
    ("kms:GetPublicKey", "Ref:TokenSigningKeyArn"),
    ("kms:GetPublicKey", "Ref:TokenNextSigningKeyArn"),
}
# Only the API signs, and only with the signing key.
SIGN_TOKENS: set[Grant] = {
    ("kms:Sign", "TokenSigningKey.Arn"),
    ("kms:Sign", "Ref:TokenSigningKeyArn"),
}


def on(resource: str, *actions: str) -> set[Grant]:
    return {(f"dynamodb:{action}", resource) for action in actions}


EXPECTED: dict[str, set[Grant]] = {
    # chalicelib/storage/hotpath.py: GetItem of the key and its group; usage ADD; the key's
    # last_used_at SET.
    "Authorizer": COMMON
    | on("KeysTable.Arn", "GetItem", "UpdateItem")
    | on("GroupsTable.Arn", "GetItem")
    | on("UsageTable.Arn", "UpdateItem")
    | READ_TOKEN_KEYS
    | XRAY,
    # chalicelib/storage/{keys,groups,tenants,usage,idempotency}.py, and /v1/verify's hot path.
    "APIHandler": COMMON
    | on("KeysTable.Arn", "GetItem", "PutItem", "UpdateItem")
    | on("${KeysTable.Arn}/index/list-created-index", "Query")
    | on("${KeysTable.Arn}/index/list-expiry-index", "Query")
    # Key lists and key answers: a page's keys, an answer's groups, in one batch.
    | on("KeysTable.Arn", "BatchGetItem")
    | on("GroupsTable.Arn", "BatchGetItem")
    | on("GroupsTable.Arn", "GetItem", "PutItem", "UpdateItem", "DeleteItem", "Query")
    | on("GroupsTable.Arn", "ConditionCheckItem")  # chalicelib/storage/counter_moves.py
    | on("TenantsTable.Arn", "GetItem", "UpdateItem", "ConditionCheckItem")
    # The platform API: tenants created, listed by status, a page read in one batch.
    | on("TenantsTable.Arn", "PutItem", "BatchGetItem")
    | on("${TenantsTable.Arn}/index/status-tenant-index", "Query")
    | on("UsageTable.Arn", "Query", "UpdateItem")
    | on("IdempotencyTable.Arn", "GetItem", "PutItem", "UpdateItem", "DeleteItem")
    | on("AuditTable.Arn", "UpdateItem", "Query")
    | on("${AuditTable.Arn}/index/target-index", "Query")
    # The provider's side: authenticating a platform key (never the authorizer's).
    | on("PlatformKeysTable.Arn", "GetItem")
    # Leaked keys: announced at once (chalicelib/notify/senders.py).
    | {("events:PutEvents", "NotificationBus.Arn"), ("sns:Publish", "Ref:ExpiryTopic")}
    # Access tokens: signed in KMS, published from its public halves.
    | READ_TOKEN_KEYS
    | SIGN_TOKENS
    # Webhooks: endpoints and their count, the outbox beside every change, the deliveries list.
    | on("WebhookEndpointsTable.Arn", "GetItem", "PutItem", "UpdateItem", "DeleteItem", "Query")
    | on("WebhookOutboxTable.Arn", "PutItem")
    | on("WebhookDeliveriesTable.Arn", "Query")
    | XRAY,
    # chalicelib/storage/{sweep,audit}.py, chalicelib/notify/senders.py: no pepper, no item reads.
    "ExpirySweep": {("logs:CreateLogStream", LOGS), ("logs:PutLogEvents", LOGS)}
    | on("${KeysTable.Arn}/index/sweep-shard-due-index", "Query")
    | on("KeysTable.Arn", "UpdateItem")
    | on("TenantsTable.Arn", "UpdateItem")
    | on("AuditTable.Arn", "UpdateItem")
    | on("WebhookOutboxTable.Arn", "PutItem")  # key.expiring / key.expired webhooks
    | {("events:PutEvents", "NotificationBus.Arn"), ("sns:Publish", "Ref:ExpiryTopic")}
    # Lambda delivers a failed run to the on-failure queue with the function's role.
    | {("sqs:SendMessage", "SweepFailures.Arn")}
    | XRAY,
    # chalicelib/domain/webhook_delivery.py Relay: the outbox's stream in; the tenant's
    # endpoints read, one delivery put each, queued; a batch failed for a day to its queue.
    # No pepper: the relay never opens a secret.
    "WebhookRelay": {("logs:CreateLogStream", LOGS), ("logs:PutLogEvents", LOGS)}
    | on(
        "WebhookOutboxTable.StreamArn",
        "DescribeStream",
        "GetRecords",
        "GetShardIterator",
        "ListStreams",
    )
    | on("WebhookEndpointsTable.Arn", "Query")
    | on("WebhookDeliveriesTable.Arn", "PutItem")
    | {("sqs:SendMessage", "WebhookQueue.Arn"), ("sqs:SendMessage", "WebhookRelayFailures.Arn")}
    | XRAY,
    # Deliverer: the queue in (and a retry's next hop out), the endpoint read and disabled,
    # the delivery claimed and recorded, webhook.disabled audited, the tenant told; the
    # pepper opens the sealed signing secret.
    "WebhookDelivery": COMMON
    | {
        ("sqs:ReceiveMessage", "WebhookQueue.Arn"),
        ("sqs:DeleteMessage", "WebhookQueue.Arn"),
        ("sqs:GetQueueAttributes", "WebhookQueue.Arn"),
        ("sqs:SendMessage", "WebhookQueue.Arn"),
    }
    | on("WebhookEndpointsTable.Arn", "GetItem", "UpdateItem")
    | on("WebhookDeliveriesTable.Arn", "GetItem", "UpdateItem")
    | on("AuditTable.Arn", "UpdateItem")
    | {("events:PutEvents", "NotificationBus.Arn")}
    | XRAY,
}


def name_of(value: Any) -> str:
    """A resource as written in the template, as one string."""
    if isinstance(value, str):
        return value
    if "Fn::GetAtt" in value:
        return ".".join(value["Fn::GetAtt"])
    if "Fn::Sub" in value:
        return str(value["Fn::Sub"])
    if "Ref" in value:
        return f"Ref:{value['Ref']}"
    raise AssertionError(f"unexpected resource expression {value!r}")


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def statements(role: dict[str, Any]) -> list[dict[str, Any]]:
    """Every statement of a role's inline policies, both branches of an ``Fn::If`` included."""
    found = []
    for policy in role["Properties"]["Policies"]:
        for entry in policy["PolicyDocument"]["Statement"]:
            branches = entry["Fn::If"][1:] if "Fn::If" in entry else [entry]
            found += [b for b in branches if b != {"Ref": "AWS::NoValue"}]
    return found


def grants(role: dict[str, Any]) -> set[Grant]:
    return {
        (action, name_of(resource))
        for statement in statements(role)
        for action in as_list(statement["Action"])
        for resource in as_list(statement["Resource"])
    }


def functions(resources: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        name: resource["Properties"]
        for name, resource in resources.items()
        if resource["Type"] == "AWS::Serverless::Function"
    }


def role_of(function: dict[str, Any], resources: dict[str, Any]) -> dict[str, Any]:
    reference = function["Role"]
    assert isinstance(reference, dict), f"a role ARN from outside the template: {reference}"
    name, attribute = reference["Fn::GetAtt"]
    assert attribute == "Arn"
    role: dict[str, Any] = resources[name]
    assert role["Type"] == "AWS::IAM::Role"
    return role


def roles(resources: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {name: r for name, r in resources.items() if r["Type"] == "AWS::IAM::Role"}


def test_every_function_has_a_specified_policy(resources: dict[str, Any]) -> None:
    assert set(functions(resources)) == set(EXPECTED)


def test_each_function_has_a_role_of_its_own(resources: dict[str, Any]) -> None:
    used = [function["Role"]["Fn::GetAtt"][0] for function in functions(resources).values()]

    assert len(used) == len(set(used))
    assert "DefaultRole" not in resources  # Chalice manages no role ("manage_iam_role": false)


@pytest.mark.parametrize("function", sorted(EXPECTED))
def test_function_is_allowed_exactly_what_its_code_calls(
    function: str, resources: dict[str, Any]
) -> None:
    role = role_of(functions(resources)[function], resources)

    assert grants(role) == EXPECTED[function]


@pytest.mark.parametrize("function", sorted(EXPECTED))
def test_function_role_is_assumable_only_by_lambda(
    function: str, resources: dict[str, Any]
) -> None:
    role = role_of(functions(resources)[function], resources)["Properties"]
    (trust,) = role["AssumeRolePolicyDocument"]["Statement"]

    assert trust == {
        "Effect": "Allow",
        "Principal": {"Service": "lambda.amazonaws.com"},
        "Action": "sts:AssumeRole",
    }
    assert "ManagedPolicyArns" not in role


def test_no_policy_has_a_wildcard_action_or_resource(resources: dict[str, Any]) -> None:
    for name, role in roles(resources).items():
        for statement in statements(role):
            assert statement["Effect"] == "Allow", name
            assert "NotAction" not in statement, name
            assert "NotResource" not in statement, name
            for action in as_list(statement["Action"]):
                assert "*" not in action, (name, action)
            if set(as_list(statement["Action"])) <= {action for action, _ in XRAY}:
                continue  # X-Ray: "*" is its only resource (see below: only when enabled)
            for resource in as_list(statement["Resource"]):
                written = name_of(resource)
                assert written != "*", (name, statement)
                if not written.startswith("arn:${AWS::Partition}:logs:"):
                    assert "*" not in written, (name, written)


def test_the_pepper_key_is_usable_only_through_ssm(resources: dict[str, Any]) -> None:
    for role in roles(resources).values():
        for statement in statements(role):
            if "kms:Decrypt" in as_list(statement["Action"]):
                assert statement["Condition"] == {
                    "StringEquals": {
                        "kms:ViaService": {"Fn::Sub": "ssm.${AWS::Region}.amazonaws.com"}
                    }
                }


def test_xray_is_granted_only_when_tracing_is_enabled(resources: dict[str, Any]) -> None:
    for name, role in roles(resources).items():
        tracing = [
            entry["Fn::If"]
            for policy in role["Properties"]["Policies"]
            for entry in policy["PolicyDocument"]["Statement"]
            if "Fn::If" in entry and "xray:PutTraceSegments" in str(entry)
        ]
        assert len(tracing) == 1, name
        condition, granted, otherwise = tracing[0]
        assert condition == "TracingEnabled", name
        assert set(granted["Action"]) == {action for action, _ in XRAY}, name
        assert otherwise == {"Ref": "AWS::NoValue"}, name


def test_only_the_api_may_sign_tokens_and_no_function_may_do_more_with_kms(
    resources: dict[str, Any],
) -> None:
    for name, function in functions(resources).items():
        kms = {grant for grant in grants(role_of(function, resources)) if "kms:" in grant[0]}
        kms -= {("kms:Decrypt", PEPPER_KEY)}  # the pepper's, through SSM only (above)
        assert kms == {"APIHandler": READ_TOKEN_KEYS | SIGN_TOKENS}.get(
            name, READ_TOKEN_KEYS if name == "Authorizer" else set()
        ), name


def test_the_token_signing_key_is_an_rsa_signing_key(resources: dict[str, Any]) -> None:
    key = resources["TokenSigningKey"]
    assert key["Type"] == "AWS::KMS::Key"
    assert key["Properties"]["KeySpec"] == "RSA_2048"
    assert key["Properties"]["KeyUsage"] == "SIGN_VERIFY"


def test_webhook_deliveries_have_a_dead_letter_queue_and_an_alarm(
    resources: dict[str, Any],
) -> None:
    queue = resources["WebhookQueue"]["Properties"]
    assert queue["RedrivePolicy"]["deadLetterTargetArn"] == {
        "Fn::GetAtt": ["WebhookDeadLetters", "Arn"]
    }
    # Lambda's advice for SQS sources: visibility at least six times the function's timeout.
    assert queue["VisibilityTimeout"] >= 6 * resources["WebhookDelivery"]["Properties"]["Timeout"]
    alarm = resources["WebhookDeadLettersAlarm"]["Properties"]
    watched = {
        metric["MetricStat"]["Metric"]["Dimensions"][0]["Value"]["Fn::GetAtt"][0]
        for metric in alarm["Metrics"]
        if "MetricStat" in metric
    }
    assert watched == {"WebhookDeadLetters", "WebhookRelayFailures"}


def test_the_relay_reads_new_outbox_items_and_parks_failed_batches(
    resources: dict[str, Any],
) -> None:
    table = resources["WebhookOutboxTable"]["Properties"]
    assert table["StreamSpecification"] == {"StreamViewType": "NEW_IMAGE"}
    # SAM makes the event source mapping from the function's event.
    source = resources["WebhookRelay"]["Properties"]["Events"]["OutboxStream"]
    assert source["Type"] == "DynamoDB"
    props = source["Properties"]
    assert props["Stream"] == {"Fn::GetAtt": ["WebhookOutboxTable", "StreamArn"]}
    assert props["FilterCriteria"]["Filters"] == [{"Pattern": '{"eventName": ["INSERT"]}'}]
    assert props["DestinationConfig"]["OnFailure"]["Destination"] == {
        "Fn::GetAtt": ["WebhookRelayFailures", "Arn"]
    }
    assert props["BisectBatchOnFunctionError"] is True
