"""``latchkey migrate backfill-keys``: a key written before the key lists becomes listable;
a second run writes nothing; a stopped run resumes from the key it printed."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest

from chalicelib.cli.main import parser, run
from chalicelib.domain.keys import KeyDraft
from chalicelib.domain.records import SYSTEM
from chalicelib.storage.backfill import Progress, backfill_keys
from chalicelib.storage.key_index import index_attributes
from chalicelib.storage.key_model import KeyModel
from chalicelib.wiring.services import Services
from tests.functional.conftest import table_snapshot
from tests.support.api import Tenant

DERIVED = ("list_facet", "expiry_sort")


def migrate(services: Services, capsys: pytest.CaptureFixture[str], *args: str) -> Any:
    code = run(
        parser().parse_args(["migrate", "backfill-keys", "--json", *args]), services.settings
    )
    assert code == 0
    return json.loads(capsys.readouterr().out)


def written_the_old_way(services: Services, tenant: Tenant, count: int) -> list[str]:
    """``count`` keys as a release before the key lists wrote them: no derived attributes."""
    services.tenants.set_limit(tenant.tenant_id, 50)
    client = boto3.client("dynamodb", region_name=services.settings.region)
    made = []
    for number in range(count):
        draft = KeyDraft(f"old {number}", "", tenant.group_id, None, ())
        key = services.keys.create(tenant.tenant_id, SYSTEM, draft).key
        client.update_item(
            TableName=services.settings.dynamodb.keys_table,
            Key={"key_id": {"S": key.key_id}},
            UpdateExpression="REMOVE list_facet, expiry_sort",
        )
        made.append(key.key_id)
    return made


def listed(services: Services, tenant: str) -> set[str]:
    keys, _ = services.keys.list(tenant, None, None, 100, None)
    return {key.key_id for key in keys}


def test_a_key_written_the_old_way_becomes_listable(
    services: Services, acme: Tenant, capsys: pytest.CaptureFixture[str]
) -> None:
    old = written_the_old_way(services, acme, 5)
    assert listed(services, "acme").isdisjoint(old)

    summary = migrate(services, capsys)

    assert summary["written"] == 5
    assert summary["examined"] == 6  # and the admin key, already right
    assert set(old) <= listed(services, "acme")
    for item in KeyModel.scan():
        assert {name: getattr(item, name) for name in DERIVED} == {
            name: index_attributes(item)[name] for name in DERIVED
        }


def test_a_second_run_writes_nothing(
    services: Services, acme: Tenant, capsys: pytest.CaptureFixture[str]
) -> None:
    written_the_old_way(services, acme, 3)
    migrate(services, capsys)
    before = table_snapshot(services)

    summary = migrate(services, capsys)

    assert summary["written"] == 0
    assert table_snapshot(services) == before


def test_a_dry_run_counts_and_writes_nothing(
    services: Services, acme: Tenant, capsys: pytest.CaptureFixture[str]
) -> None:
    written_the_old_way(services, acme, 3)
    before = table_snapshot(services)

    summary = migrate(services, capsys, "--dry-run")

    assert summary["would_write"] == 3
    assert summary["written"] == 0
    assert table_snapshot(services) == before


def test_a_stopped_run_resumes_from_the_last_key_it_printed(
    services: Services, acme: Tenant
) -> None:
    old = written_the_old_way(services, acme, 7)
    pages: list[str | None] = []

    def stop_after_first(progress: Progress) -> None:
        pages.append(progress.last_key)
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        backfill_keys(on_page=stop_after_first, page_size=3)
    first = backfill_keys(page_size=3, start=pages[0])

    assert pages[0] is not None
    assert first.examined == 8 - 3  # the rest of the table, from after the printed key
    assert set(old) <= listed(services, "acme")


def test_segments_together_cover_the_table(services: Services, acme: Tenant) -> None:
    old = written_the_old_way(services, acme, 6)

    runs = [backfill_keys(segment=number, segments=3) for number in range(3)]

    assert sum(done.examined for done in runs) == 7
    assert sum(done.written for done in runs) == 6
    assert set(old) <= listed(services, "acme")


@pytest.mark.parametrize(
    "args", [["--segment", "1"], ["--segments", "2"], ["--segment", "2", "--segments", "2"]]
)
def test_a_segment_without_its_count_or_out_of_range_is_refused(
    services: Services, args: list[str]
) -> None:
    with pytest.raises(SystemExit, match="segment"):
        run(parser().parse_args(["migrate", "backfill-keys", *args]), services.settings)


def test_the_backfill_prints_and_writes_no_secret(
    services: Services, acme: Tenant, capsys: pytest.CaptureFixture[str]
) -> None:
    written_the_old_way(services, acme, 2)
    code = run(parser().parse_args(["migrate", "backfill-keys"]), services.settings)
    printed = capsys.readouterr()
    hashes = [item.secret_hash for item in KeyModel.scan()]
    derived = [f"{item.list_facet} {item.expiry_sort}" for item in KeyModel.scan()]

    assert code == 0
    assert "wrote 2" in printed.out
    assert hashes
    assert not [h for h in hashes if h in printed.out + printed.err or h in " ".join(derived)]
    assert acme.token.split("_")[-1][:43] not in printed.out + printed.err
