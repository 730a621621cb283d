"""The tables created from ``infra/template.yaml`` are the tables the PynamoDB models expect.

DynamoDB Local builds them from the template; each is compared with the schema its model
would create, so a key, a key type or an index changed on one side only fails here.
"""

from __future__ import annotations

from typing import Any

import pytest
from pynamodb.models import Model

from chalicelib.config.settings import Settings
from chalicelib.storage.key_model import KeyModel
from chalicelib.storage.models import MODELS, table_names

KeyShape = set[tuple[str, str]]


def model_schema(model: type[Model]) -> dict[str, Any]:
    """The schema the model declares, in ``CreateTable`` shape.

    ``_get_schema`` is private, but it is exactly what ``Model.create_table`` sends, so it
    is the models' own statement of the table rather than our reading of their attributes.
    """
    schema: dict[str, Any] = dict(model._get_schema())
    return schema


def key_shape(key_schema: list[Any]) -> KeyShape:
    """A key schema as ``{(attribute, HASH|RANGE)}``."""
    return {(key["AttributeName"], key["KeyType"]) for key in key_schema}


def attribute_types(definitions: list[Any]) -> KeyShape:
    """Attribute definitions as ``{(attribute, S|N|B)}``."""
    return {(item["AttributeName"], item["AttributeType"]) for item in definitions}


def table_indexes(table: Any) -> dict[str, tuple[KeyShape, str]]:
    """A described table's global indexes: key schema and projection type, by name."""
    return {
        index["IndexName"]: (key_shape(index["KeySchema"]), index["Projection"]["ProjectionType"])
        for index in table.get("GlobalSecondaryIndexes", [])
    }


def model_indexes(schema: dict[str, Any]) -> dict[str, tuple[KeyShape, str]]:
    """A model schema's global indexes, in the shape of :func:`table_indexes`."""
    return {
        index["index_name"]: (key_shape(index["key_schema"]), index["projection"]["ProjectionType"])
        for index in schema["global_secondary_indexes"]
    }


@pytest.mark.parametrize("logical_id", sorted(MODELS))
def test_template_table_matches_its_model(
    logical_id: str, local_settings: Settings, dynamodb_client: Any
) -> None:
    name = table_names(local_settings)[logical_id]
    table = dynamodb_client.describe_table(TableName=name)["Table"]
    expected = model_schema(MODELS[logical_id])

    assert table["TableStatus"] == "ACTIVE"
    assert key_shape(table["KeySchema"]) == key_shape(expected["key_schema"])
    assert attribute_types(table["AttributeDefinitions"]) == attribute_types(
        expected["attribute_definitions"]
    )
    assert table_indexes(table) == model_indexes(expected)
    assert {index["IndexName"] for index in table.get("LocalSecondaryIndexes", [])} == {
        index["index_name"] for index in expected["local_secondary_indexes"]
    }


def test_keys_table_has_the_key_list_indexes(
    local_settings: Settings, dynamodb_client: Any
) -> None:
    table = dynamodb_client.describe_table(TableName=local_settings.dynamodb.keys_table)["Table"]
    indexes = table_indexes(table)

    assert KeyModel.by_list_created.Meta.index_name == "list-created-index"
    assert KeyModel.by_list_expiry.Meta.index_name == "list-expiry-index"
    assert indexes["list-created-index"] == (
        {("list_facet", "HASH"), ("created_sort", "RANGE")},
        "KEYS_ONLY",
    )
    assert indexes["list-expiry-index"] == (
        {("list_facet", "HASH"), ("expiry_sort", "RANGE")},
        "KEYS_ONLY",
    )
    assert "tenant-created-index" not in indexes
