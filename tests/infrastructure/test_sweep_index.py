"""The sweep's due-index: sharded, and projecting only what the sweep reads.

A write to an attribute an index does not project never touches that index, so the
authorizer's ``last_used_at`` updates stay off the sweep's index only if the template
leaves it out of the projection. Read from infra/template.yaml itself (no packaging).
"""

from __future__ import annotations

from typing import Any

from chalicelib.storage.key_model import SWEEP_READS, KeyModel
from chalicelib.storage.schema import load_template


def sweep_index() -> dict[str, Any]:
    table = load_template()["Resources"]["KeysTable"]["Properties"]
    indexes: list[dict[str, Any]] = [
        entry
        for entry in table["GlobalSecondaryIndexes"]
        if entry["IndexName"] == KeyModel.by_sweep_due.Meta.index_name
    ]
    assert len(indexes) == 1
    return indexes[0]


def test_the_due_index_projects_exactly_what_the_model_says_the_sweep_reads() -> None:
    projection = sweep_index()["Projection"]

    assert projection["ProjectionType"] == "INCLUDE"
    assert sorted(projection["NonKeyAttributes"]) == sorted(SWEEP_READS)
    model = KeyModel._get_schema()["global_secondary_indexes"]
    (from_model,) = [i for i in model if i["index_name"] == "sweep-shard-due-index"]
    assert sorted(from_model["projection"]["NonKeyAttributes"]) == sorted(SWEEP_READS)


def test_the_due_index_leaves_out_last_used_at_and_every_secret() -> None:
    projected = set(sweep_index()["Projection"]["NonKeyAttributes"])

    assert "last_used_at" not in projected
    assert not {"secret_hash", "previous_secret_hash", "leaked_secrets"} & projected


def test_the_sweeps_role_may_query_only_the_new_index() -> None:
    resources = load_template()["Resources"]
    statements = resources["SweepRole"]["Properties"]["Policies"][0]["PolicyDocument"]
    (due_keys,) = [s for s in statements["Statement"] if s.get("Sid") == "DueKeys"]

    assert due_keys["Resource"] == {"Sub": "${KeysTable.Arn}/index/sweep-shard-due-index"}
