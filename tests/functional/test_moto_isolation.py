"""Functional tests share one moto account (tests/support/moto.py); none sees another's data.

Two turns of one test, kept on one xdist worker: each first checks that it starts from what
a new ``mock_aws()`` would give (empty tables; no queue, topic, bus, KMS key, parameter or
extra table), then leaves something of each behind. Whichever turn runs second fails if
anything leaks.
"""

from __future__ import annotations

from typing import Any

import boto3
import pytest

from chalicelib.storage.models import table_names
from chalicelib.wiring.services import Services
from tests.support.moto import stored_items

TYPED = {"S": "leftover", "N": "1", "B": b"leftover"}


def leave_an_item(client: Any, table: str) -> None:
    described = client.describe_table(TableName=table)["Table"]
    types = {a["AttributeName"]: a["AttributeType"] for a in described["AttributeDefinitions"]}
    names = [part["AttributeName"] for part in described["KeySchema"]]
    item = {name: {types[name]: TYPED[types[name]]} for name in names}
    client.put_item(TableName=table, Item=item)


@pytest.mark.xdist_group("moto-isolation")
@pytest.mark.parametrize("turn", ["one", "two"])
def test_each_test_starts_from_a_new_accounts_state(services: Services, turn: str) -> None:
    region = services.settings.region
    dynamodb = boto3.client("dynamodb", region_name=region)
    sqs = boto3.client("sqs", region_name=region)
    sns = boto3.client("sns", region_name=region)
    events = boto3.client("events", region_name=region)
    kms = boto3.client("kms", region_name=region)
    ssm = boto3.client("ssm", region_name=region)
    tables = sorted(table_names(services.settings).values())

    assert sorted(dynamodb.list_tables()["TableNames"]) == tables
    assert {table: dynamodb.scan(TableName=table)["Count"] for table in tables} == dict.fromkeys(
        tables, 0
    )
    assert sqs.list_queues().get("QueueUrls", []) == []
    assert sns.list_topics()["Topics"] == []
    assert [bus["Name"] for bus in events.list_event_buses()["EventBuses"]] == ["default"]
    assert kms.list_keys()["Keys"] == []
    assert ssm.describe_parameters()["Parameters"] == []

    services.tenants.bootstrap(f"tenant-{turn}")
    for table in tables:
        leave_an_item(dynamodb, table)
    dynamodb.create_table(
        TableName=f"leftover-{turn}",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    sqs.create_queue(QueueName=f"leftover-{turn}")
    sns.create_topic(Name=f"leftover-{turn}")
    events.create_event_bus(Name=f"leftover-{turn}")
    kms.create_key()
    ssm.put_parameter(Name=f"/leftover/{turn}", Value="pepper", Type="SecureString")
    assert all(dynamodb.scan(TableName=table)["Count"] > 0 for table in tables)


def test_the_table_snapshot_reads_what_a_scan_of_each_table_answers(services: Services) -> None:
    # table_snapshot (tests/functional/conftest.py) reads moto's store, not the client:
    # it must see every write, edit and delete made through the client.
    dynamodb = boto3.client("dynamodb", region_name=services.settings.region)
    tables = sorted(table_names(services.settings).values())

    def scanned() -> dict[str, list[dict[str, Any]]]:
        return {table: dynamodb.scan(TableName=table)["Items"] for table in tables}

    empty = stored_items(services.settings)
    assert empty == scanned() == {table: [] for table in tables}
    services.tenants.bootstrap("acme")
    for table in tables:
        leave_an_item(dynamodb, table)
    written = stored_items(services.settings)
    assert written == scanned()
    assert all(written[table] for table in tables)

    tenants = services.settings.dynamodb.tenants_table
    (tenant,) = [item for item in written[tenants] if "keys_used" in item]
    key = {"tenant_id": tenant["tenant_id"]}
    dynamodb.update_item(
        TableName=tenants,
        Key=key,
        UpdateExpression="SET keys_used = keys_used + :one",
        ExpressionAttributeValues={":one": {"N": "1"}},
    )
    edited = stored_items(services.settings)
    assert edited == scanned() != written
    dynamodb.delete_item(TableName=tenants, Key=key)
    assert stored_items(services.settings) == scanned() != edited

    # A snapshot is a copy, not a view: an edit inside a map or a set leaves it as it was.
    nested = {"tenant_id": {"S": "nested"}}
    containers = {"m": {"M": {"k": {"S": "a"}}}, "ss": {"SS": ["x"]}}
    dynamodb.put_item(TableName=tenants, Item=nested | containers)
    before = stored_items(services.settings)
    dynamodb.update_item(
        TableName=tenants,
        Key=nested,
        UpdateExpression="SET m.k = :b ADD ss :y",
        ExpressionAttributeValues={":b": {"S": "b"}, ":y": {"SS": ["y"]}},
    )
    after = stored_items(services.settings)
    assert after == scanned() != before
    (kept,) = [item for item in before[tenants] if item["tenant_id"] == {"S": "nested"}]
    assert kept["m"] == {"M": {"k": {"S": "a"}}}
    assert kept["ss"] == {"SS": ["x"]}
