"""GET /v1/groups a page at a time, and key answers that read only the groups they name."""

from __future__ import annotations

import pytest

from chalicelib.domain.groups import GroupDraft
from chalicelib.storage.models import GroupModel
from chalicelib.wiring.services import Services
from scripts.capacity import Meter
from tests.functional.conftest import create_key, json_of
from tests.support.api import Api, Tenant


@pytest.fixture
def many_groups(services: Services, acme: Tenant) -> list[str]:
    """The admin group and 11 more: acme's group ids."""
    services.tenants.set_group_limit("acme", 20)
    for number in range(11):
        services.groups.create("acme", GroupDraft(f"team {number}", "", ("keys:read",)))
    return [group.group_id for group in services.groups.list("acme")]


def test_pages_cover_every_group_once_by_id(api: Api, many_groups: list[str]) -> None:
    seen: list[str] = []
    query = "?limit=5"
    sizes = []
    while True:
        response = api.call("GET", f"/v1/groups{query}")
        assert response.status_code == 200, response.body
        page = json_of(response)
        seen += [group["id"] for group in page["groups"]]
        sizes.append(len(page["groups"]))
        if page["next_cursor"] is None:
            break
        query = f"?limit=5&cursor={page['next_cursor']}"
    assert seen == sorted(many_groups)
    assert sizes == [5, 5, 2]


def groups_meter() -> Meter:
    """A meter of the groups table's requests (every model shares one client)."""
    return Meter.on(GroupModel._get_connection().connection.client)


def test_one_page_is_one_query_of_limit_plus_one(
    api: Api, many_groups: list[str], services: Services
) -> None:
    meter = groups_meter()
    with meter.measure(table=GroupModel.Meta.table_name) as used:
        page = json_of(api.call("GET", "/v1/groups?limit=5"))
    assert len(page["groups"]) == 5
    # Besides the caller's own group (one GetItem, to authenticate): one Query of 6 items.
    assert used.by_operation == {"GetItem": 1, "Query": 1}
    assert used.items_read == 1 + 6


@pytest.mark.parametrize("query", ["?limit=0", "?limit=101", "?cursor=made-up", "?colour=blue"])
def test_a_bad_group_query_is_a_422(api: Api, query: str) -> None:
    response = api.call("GET", f"/v1/groups{query}")
    assert response.status_code == 422


def test_a_group_cursor_is_refused_for_keys_and_another_tenant(
    api: Api, many_groups: list[str], globex: Tenant
) -> None:
    cursor = json_of(api.call("GET", "/v1/groups?limit=2"))["next_cursor"]
    assert api.call("GET", f"/v1/keys?cursor={cursor}").status_code == 422
    other = api.as_key(globex.token).call("GET", f"/v1/groups?cursor={cursor}")
    assert other.status_code == 422


def test_a_key_answer_reads_only_the_group_it_names(
    api: Api, acme: Tenant, many_groups: list[str]
) -> None:
    key_id = create_key(api, acme.group_id)["key"]["id"]
    meter = groups_meter()
    with meter.measure(table=GroupModel.Meta.table_name) as used:
        key = json_of(api.call("GET", f"/v1/keys/{key_id}"))
    assert key["group"]["id"] == acme.group_id
    assert key["group"]["name"]
    # Besides the caller's own group (one GetItem, to authenticate): one BatchGetItem of
    # the one group, never a Query of the tenant's 12 groups.
    assert used.by_operation == {"GetItem": 1, "BatchGetItem": 1}
    assert used.items_read == 1 + 1


def test_a_key_list_reads_each_named_group_once(
    api: Api, acme: Tenant, many_groups: list[str], services: Services
) -> None:
    services.tenants.set_limit("acme", 20)
    for group_id in many_groups[:3] * 2:
        create_key(api, group_id)
    meter = groups_meter()
    with meter.measure(table=GroupModel.Meta.table_name) as used:
        page = json_of(api.call("GET", "/v1/keys"))
    named = {key["group"]["id"] for key in page["keys"]}
    assert len(page["keys"]) == 7
    assert named == set(many_groups[:3]) | {acme.group_id}
    assert all(key["group"]["name"] for key in page["keys"])
    assert used.by_operation == {"GetItem": 1, "BatchGetItem": 1}
    assert used.items_read == 1 + len(named)
