"""Stage a template's key-table index changes one GSI per stack update (docs/migrations.md).

CloudFormation creates or deletes at most one global secondary index per table in one
stack update, so a stack made before the key lists reaches this release's keys
table in steps. This copies a deployed release's template (the one ``make package`` built
from that release, YAML) and adds ONE index of ``infra/template.yaml``'s keys table to it,
with the attribute definitions its keys need; the functions and everything else are left
as they are, so the running code does not change::

    python -m scripts.staged_template build/prod/sam.yaml list-created-index -o step1.yaml

Tooling for operators, not packaged.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from chalicelib.storage.schema import TEMPLATE, load_template

KEYS_TABLE = "KeysTable"


class Tagged:
    """A CloudFormation short-form value (``!Ref x``), kept as written."""

    def __init__(self, tag: str, value: Any) -> None:
        self.tag, self.value = tag, value


class _Loader(yaml.SafeLoader):
    """Reads short tags as :class:`Tagged`, so writing the template back keeps them."""


class _Dumper(yaml.SafeDumper):
    """Writes :class:`Tagged` back as its short tag."""


def _construct(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Tagged:
    if isinstance(node, yaml.ScalarNode):
        return Tagged(suffix, loader.construct_scalar(node))
    if isinstance(node, yaml.SequenceNode):
        return Tagged(suffix, loader.construct_sequence(node, deep=True))
    return Tagged(suffix, loader.construct_mapping(node, deep=True))  # type: ignore[arg-type]


def _represent(dumper: yaml.SafeDumper, data: Tagged) -> yaml.Node:
    tag = f"!{data.tag}"
    if isinstance(data.value, list):
        return dumper.represent_sequence(tag, data.value)
    if isinstance(data.value, dict):
        return dumper.represent_mapping(tag, data.value)
    return dumper.represent_scalar(tag, str(data.value))


_Loader.add_multi_constructor("!", _construct)
_Dumper.add_representer(Tagged, _represent)


def add_index(template: dict[str, Any], index_name: str, source: dict[str, Any]) -> None:
    """Add ``source``'s keys-table index ``index_name`` (and its attributes) to ``template``."""
    wanted = source["Resources"][KEYS_TABLE]["Properties"]
    props = template["Resources"][KEYS_TABLE]["Properties"]
    index = next(i for i in wanted["GlobalSecondaryIndexes"] if i["IndexName"] == index_name)
    indexes = props.setdefault("GlobalSecondaryIndexes", [])
    if any(existing["IndexName"] == index_name for existing in indexes):
        raise SystemExit(f"the template already has {index_name}")
    indexes.append(index)
    defined = {a["AttributeName"] for a in props["AttributeDefinitions"]}
    for key in index["KeySchema"]:
        if key["AttributeName"] not in defined:
            definition = next(
                a
                for a in wanted["AttributeDefinitions"]
                if a["AttributeName"] == key["AttributeName"]
            )
            props["AttributeDefinitions"].append(definition)
            defined.add(key["AttributeName"])


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.staged_template", description=__doc__)
    parser.add_argument("template", type=Path, help="the deployed release's template (YAML)")
    parser.add_argument("index", help="the keys-table index of infra/template.yaml to add")
    parser.add_argument("-o", "--output", type=Path, required=True)
    args = parser.parse_args(argv)
    with args.template.open() as handle:
        template = yaml.load(handle, Loader=_Loader)  # noqa: S506 - a SafeLoader subclass
    add_index(template, args.index, load_template(TEMPLATE))
    with args.output.open("w") as handle:
        yaml.dump(template, handle, Dumper=_Dumper, sort_keys=False, width=100)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
