"""Every table of the packaged template is the table its PynamoDB model expects, and each
is safe by default: on-demand, point-in-time recovery, deletion protection, encryption,
retained on stack deletion, and TTL exactly where the model has a TTL attribute."""

from __future__ import annotations

from typing import Any

import pytest
from pynamodb.attributes import TTLAttribute
from pynamodb.models import Model

from chalicelib.storage.models import MODELS

Shape = set[tuple[str, str]]


def key_shape(key_schema: list[Any]) -> Shape:
    return {(key["AttributeName"], key["KeyType"]) for key in key_schema}


def indexes(entries: list[Any], name: str, keys: str, projection: str) -> dict[str, Any]:
    return {
        entry[name]: (key_shape(entry[keys]), entry[projection]["ProjectionType"])
        for entry in entries
    }


def model_schema(model: type[Model]) -> dict[str, Any]:
    """What ``Model.create_table`` would send (see tests/integration/test_tables_from_template)."""
    schema: dict[str, Any] = dict(model._get_schema())
    return schema


def ttl_attribute(model: type[Model]) -> str | None:
    names = [
        attribute.attr_name
        for attribute in model.get_attributes().values()
        if isinstance(attribute, TTLAttribute)
    ]
    return names[0] if names else None


def test_the_template_has_exactly_the_models_tables(resources: dict[str, Any]) -> None:
    tables = {name for name, r in resources.items() if r["Type"] == "AWS::DynamoDB::Table"}

    assert tables == set(MODELS)


@pytest.mark.parametrize("logical_id", sorted(MODELS))
def test_table_keys_attributes_and_indexes_match_the_model(
    logical_id: str, resources: dict[str, Any]
) -> None:
    table = resources[logical_id]["Properties"]
    expected = model_schema(MODELS[logical_id])

    assert key_shape(table["KeySchema"]) == key_shape(expected["key_schema"])
    assert {(a["AttributeName"], a["AttributeType"]) for a in table["AttributeDefinitions"]} == {
        (a["AttributeName"], a["AttributeType"]) for a in expected["attribute_definitions"]
    }
    assert indexes(
        table.get("GlobalSecondaryIndexes", []), "IndexName", "KeySchema", "Projection"
    ) == indexes(expected["global_secondary_indexes"], "index_name", "key_schema", "projection")
    assert "LocalSecondaryIndexes" not in table
    assert expected["local_secondary_indexes"] == []


@pytest.mark.parametrize("logical_id", sorted(MODELS))
def test_table_is_on_demand_recoverable_protected_and_encrypted(
    logical_id: str, resources: dict[str, Any]
) -> None:
    resource = resources[logical_id]
    table = resource["Properties"]

    assert table["BillingMode"] == "PAY_PER_REQUEST"
    assert table["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert table["DeletionProtectionEnabled"] is True
    assert table["SSESpecification"]["SSEEnabled"] is True
    assert resource["DeletionPolicy"] == "Retain"
    assert resource["UpdateReplacePolicy"] == "Retain"
    assert "TableName" not in table  # generated names: stages can share an account


@pytest.mark.parametrize("logical_id", sorted(MODELS))
def test_table_has_ttl_exactly_where_its_model_has_a_ttl_attribute(
    logical_id: str, resources: dict[str, Any]
) -> None:
    ttl = resources[logical_id]["Properties"].get("TimeToLiveSpecification")
    expected = ttl_attribute(MODELS[logical_id])

    if expected is None:
        assert ttl is None
    else:
        assert ttl == {"AttributeName": expected, "Enabled": True}


def test_usage_items_expire_by_ttl(resources: dict[str, Any]) -> None:
    ttl = resources["UsageTable"]["Properties"]["TimeToLiveSpecification"]

    assert ttl == {"AttributeName": "expires", "Enabled": True}
