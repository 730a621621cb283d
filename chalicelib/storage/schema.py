"""Creates Latchkey's tables from the DynamoDB resources in ``infra/template.yaml``.

Local development and every test level use this, so the schema lives in one place: the
template that deploys to AWS. Not used in Lambda (the template is not packaged).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from chalicelib.config.settings import Settings
from chalicelib.storage.models import table_names

TEMPLATE = Path(__file__).resolve().parents[2] / "infra" / "template.yaml"
_CREATE_FIELDS = ("AttributeDefinitions", "KeySchema", "GlobalSecondaryIndexes")


class _CfnLoader(yaml.SafeLoader):
    """A YAML loader that reads CloudFormation short tags (``!Ref``, ``!Sub``...) as data."""


def _construct_tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node)
    else:
        value = loader.construct_mapping(node)  # type: ignore[arg-type]
    return {suffix: value}


_CfnLoader.add_multi_constructor("!", _construct_tag)


def load_template(path: Path = TEMPLATE) -> dict[str, Any]:
    """The template as plain data (short tags become ``{"Ref": ...}``-like mappings)."""
    with path.open() as handle:
        template: dict[str, Any] = yaml.load(handle, Loader=_CfnLoader)  # noqa: S506 - SafeLoader
    return template


def table_definitions(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """``CreateTable`` arguments (without a name) for each table resource of the template."""
    definitions = {}
    for logical_id, resource in template["Resources"].items():
        if resource["Type"] != "AWS::DynamoDB::Table":
            continue
        props = resource["Properties"]
        args = {field: props[field] for field in _CREATE_FIELDS if field in props}
        args["BillingMode"] = props.get("BillingMode", "PAY_PER_REQUEST")
        definitions[logical_id] = args
    return definitions


@lru_cache(maxsize=1)
def _template_tables() -> dict[str, dict[str, Any]]:
    # Parsed once per process: PyYAML takes ~0.3 s over the template, and the tests create
    # tables hundreds of times. The template does not change while a process runs.
    return table_definitions(load_template())


def create_tables(
    client: Any, settings: Settings, template: dict[str, Any] | None = None
) -> list[str]:
    """Create every missing table for ``settings``; returns the names it created."""
    names = table_names(settings)
    existing = set(client.list_tables()["TableNames"])
    created = []
    definitions = table_definitions(template) if template else _template_tables()
    for logical_id, args in definitions.items():
        name = names[logical_id]
        if name in existing:
            continue
        client.create_table(TableName=name, **args)
        client.get_waiter("table_exists").wait(TableName=name)
        created.append(name)
    return created
