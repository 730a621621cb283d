"""Audit events with an action filter: a page reads a bounded number of events however rare
the action, and the pages together list exactly the matching events, newest first."""

from __future__ import annotations

from chalicelib.domain.audit_log import AuditQuery
from chalicelib.domain.edits import KeyEdit
from chalicelib.domain.keys import KeyDraft
from chalicelib.domain.records import SYSTEM
from chalicelib.storage.audit import AuditStore
from chalicelib.storage.models import AuditModel
from chalicelib.wiring.services import Services
from scripts.capacity import Meter
from tests.support.api import Tenant
from tests.support.clock import FakeClock


def test_a_rare_action_is_read_a_bounded_page_at_a_time(
    services: Services, acme: Tenant, clock: FakeClock
) -> None:
    key = services.keys.create("acme", SYSTEM, KeyDraft("k", "", acme.group_id, None, ())).key
    for number in range(24):
        clock.advance(seconds=1)
        services.keys.update("acme", key.key_id, KeyEdit(name=f"k{number}"))
    clock.advance(seconds=1)
    services.keys.revoke("acme", key.key_id, SYSTEM)
    everything = list(AuditModel.query("acme", scan_index_forward=False))
    store = AuditStore(max_examined=10, filtered_page=5)
    meter = Meter.on(AuditModel._get_connection().connection.client)

    for action, target in [
        ("key.created", None),
        ("key.updated", key.key_id),
        ("key.revoked", None),
    ]:
        query = AuditQuery("acme", target_id=target, action=action)
        expected = [item.event_id for item in everything if item.action == action]
        listed: list[str] = []
        after = None
        while True:
            with meter.measure() as used:
                events, after = store.list(query, 4, after)
            # At most 10 examined (two requests of 5), or one more request to fill the page.
            assert used.items_read <= 10
            assert len(events) <= 4
            listed += [event.event_id for event in events]
            if after is None:
                break
        assert listed == expected, action


def test_without_an_action_a_page_is_one_query(services: Services, acme: Tenant) -> None:
    for number in range(6):
        services.keys.create("acme", SYSTEM, KeyDraft(f"k{number}", "", acme.group_id, None, ()))
    meter = Meter.on(AuditModel._get_connection().connection.client)
    with meter.measure() as used:
        events, after = AuditStore().list(AuditQuery("acme"), 3, None)
    assert len(events) == 3
    assert after is not None
    assert used.by_operation == {"Query": 1}
    assert used.items_read == 4
