"""docs/migrations.md's steps: from a release before the key lists to this template, each
stack update creates or deletes at most one GSI of the keys table (CloudFormation's limit),
and a staged template keeps everything else, short tags included, as it was."""

from __future__ import annotations

import copy
import itertools
from pathlib import Path
from typing import Any

import yaml

from chalicelib.storage.schema import TEMPLATE
from scripts.staged_template import Tagged, _Dumper, _Loader, main

# The keys table's indexes and key attributes before the key lists (the release before them).
BEFORE_INDEXES = [
    {
        "IndexName": "tenant-created-index",
        "KeySchema": [
            {"AttributeName": "tenant_id", "KeyType": "HASH"},
            {"AttributeName": "created_sort", "KeyType": "RANGE"},
        ],
        "Projection": {"ProjectionType": "ALL"},
    },
    # The sweep's index before it was sharded and narrowed its projection.
    {
        "IndexName": "sweep-due-index",
        "KeySchema": [
            {"AttributeName": "sweep_shard", "KeyType": "HASH"},
            {"AttributeName": "sweep_due", "KeyType": "RANGE"},
        ],
        "Projection": {"ProjectionType": "ALL"},
    },
]
BEFORE_ATTRIBUTES = ["key_id", "tenant_id", "created_sort", "sweep_shard", "sweep_due"]


def read(path: Path) -> dict[str, Any]:
    with path.open() as handle:
        loaded: dict[str, Any] = yaml.load(handle, Loader=_Loader)  # noqa: S506 - SafeLoader
    return loaded


def previous_release(tmp_path: Path) -> Path:
    """This template with the keys table as the release before the key lists had it."""
    template = read(TEMPLATE)
    props = template["Resources"]["KeysTable"]["Properties"]
    props["GlobalSecondaryIndexes"] = copy.deepcopy(BEFORE_INDEXES)
    props["AttributeDefinitions"] = [
        {"AttributeName": n, "AttributeType": "S"} for n in BEFORE_ATTRIBUTES
    ]
    path = tmp_path / "before.yaml"
    path.write_text(yaml.dump(template, Dumper=_Dumper, sort_keys=False))
    return path


def release_keeping_the_old_sweep_index(tmp_path: Path) -> Path:
    """This template plus the old ``sweep-due-index``: the release's own deploy step."""
    template = read(TEMPLATE)
    props = template["Resources"]["KeysTable"]["Properties"]
    props["GlobalSecondaryIndexes"].append(copy.deepcopy(BEFORE_INDEXES[1]))
    path = tmp_path / "release.yaml"
    path.write_text(yaml.dump(template, Dumper=_Dumper, sort_keys=False))
    return path


def indexes(template: dict[str, Any]) -> set[str]:
    props = template["Resources"]["KeysTable"]["Properties"]
    return {index["IndexName"] for index in props["GlobalSecondaryIndexes"]}


def test_each_step_changes_one_index_of_the_keys_table(tmp_path: Path) -> None:
    before = previous_release(tmp_path)
    step1, step2 = tmp_path / "step1.yaml", tmp_path / "step2.yaml"

    assert main([str(before), "list-created-index", "-o", str(step1)]) == 0
    assert main([str(step1), "list-expiry-index", "-o", str(step2)]) == 0
    # The expiry sweep's new index, then the release with the old one kept.
    step3 = tmp_path / "step3.yaml"
    assert main([str(step2), "sweep-shard-due-index", "-o", str(step3)]) == 0
    release = release_keeping_the_old_sweep_index(tmp_path)

    chain = [read(before), read(step1), read(step2), read(step3), read(release), read(TEMPLATE)]
    for old, new in itertools.pairwise(chain):
        assert len(indexes(old) ^ indexes(new)) == 1
    assert indexes(chain[-1]) == {
        "sweep-shard-due-index",
        "list-created-index",
        "list-expiry-index",
    }


def test_a_staged_template_defines_the_new_keys_and_keeps_the_rest(tmp_path: Path) -> None:
    before = previous_release(tmp_path)
    step1 = tmp_path / "step1.yaml"
    main([str(before), "list-created-index", "-o", str(step1)])
    old, new = read(before), read(step1)

    props = new["Resources"]["KeysTable"]["Properties"]
    defined = {a["AttributeName"] for a in props["AttributeDefinitions"]}
    assert defined == {*BEFORE_ATTRIBUTES, "list_facet"}
    del new["Resources"]["KeysTable"], old["Resources"]["KeysTable"]
    assert yaml.dump(new, Dumper=yaml.Dumper) == yaml.dump(old, Dumper=yaml.Dumper)
    role = new["Resources"]["ApiRole"]["Properties"]["AssumeRolePolicyDocument"]
    assert role is not None
    tagged = [
        v
        for v in new["Resources"]["APIHandler"]["Properties"]["Environment"]["Variables"].values()
        if isinstance(v, Tagged)
    ]
    assert tagged, "short tags such as !Ref survive the round trip"
