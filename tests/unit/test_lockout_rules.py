"""The lockout rules on plain records: which edits lock the caller out, and which writes
need a witness that the tenant keeps a manager (no AWS: the guards are only judged here)."""

from __future__ import annotations

import pytest

from chalicelib.domain.edits import GroupEdit, KeyEdit
from chalicelib.domain.errors import LastManager, WouldLockOutCaller
from chalicelib.domain.lockout import NOBODY, Caller, check_group_edit, check_key_edit, check_revoke
from chalicelib.domain.records import Group
from chalicelib.storage.managers import group_edited, key_joins, key_leaves
from tests.support.records import make_group, make_key

KEY = make_key()
ME = Caller(KEY.key_id, KEY.group_id, "198.51.100.7")
ADMINS = make_group(group_id="grp_admins", permissions=("keys:manage",), key_count=1)
READERS = make_group(group_id="grp_readers", permissions=("keys:read",), key_count=3)


class Known:
    """Groups by id, as a guard reads them."""

    def __init__(self, *groups: Group) -> None:
        self.groups = {group.group_id: group for group in groups}

    def get(self, group_id: str) -> Group | None:
        return self.groups.get(group_id)

    def witness(self, besides: str) -> Group | None:
        return next(
            (
                g
                for g in self.groups.values()
                if g.group_id != besides and "keys:manage" in g.permissions and g.key_count >= 1
            ),
            None,
        )


def test_revoking_your_own_key_locks_you_out_unless_confirmed() -> None:
    with pytest.raises(WouldLockOutCaller, match="revoke the key that makes it"):
        check_revoke(ME, KEY)
    check_revoke(Caller(KEY.key_id, confirmed=True), KEY)
    check_revoke(NOBODY, KEY)
    check_revoke(Caller("another-key"), KEY)


@pytest.mark.parametrize("allowlist", [("203.0.113.0/24",), ("2001:db8::/32",)])
def test_an_allowlist_without_the_request_address_locks_you_out(
    allowlist: tuple[str, ...],
) -> None:
    with pytest.raises(WouldLockOutCaller, match="address this request comes from"):
        check_key_edit(ME, KEY, KeyEdit(ip_allowlist=allowlist), None)


@pytest.mark.parametrize("allowlist", [(), ("198.51.100.0/24",), ("198.51.100.7", "10.0.0.0/8")])
def test_an_allowlist_that_admits_the_request_address_needs_no_confirmation(
    allowlist: tuple[str, ...],
) -> None:
    check_key_edit(ME, KEY, KeyEdit(ip_allowlist=allowlist), None)


def test_a_move_to_a_group_without_keys_manage_locks_you_out() -> None:
    with pytest.raises(WouldLockOutCaller, match="does not grant keys:manage"):
        check_key_edit(ME, KEY, KeyEdit(group_id=READERS.group_id), READERS)
    check_key_edit(ME, KEY, KeyEdit(group_id=ADMINS.group_id), ADMINS)


def test_taking_keys_manage_from_your_own_group_locks_you_out() -> None:
    mine = make_group(group_id=KEY.group_id, permissions=("keys:manage",))
    with pytest.raises(WouldLockOutCaller, match="takes keys:manage from the group"):
        check_group_edit(ME, mine, GroupEdit(permissions=("keys:read",)))
    check_group_edit(ME, mine, GroupEdit(name="Renamed"))
    check_group_edit(ME, mine, GroupEdit(permissions=("keys:manage", "orders:read")))


def test_a_key_leaving_a_group_that_does_not_manage_needs_no_witness() -> None:
    guard = key_leaves(Known(READERS), READERS.group_id)
    assert guard.witness is None
    assert guard.condition is not None  # "still does not manage", as judged


def test_one_of_two_keys_leaving_a_managing_group_is_proven_by_the_group_itself() -> None:
    pair = make_group(group_id="grp_pair", permissions=("keys:manage",), key_count=2)
    guard = key_leaves(Known(pair), pair.group_id)
    assert guard.witness is None
    assert "key_count" in str(guard.condition)


def test_the_last_key_of_a_managing_group_needs_another_managing_group_with_a_key() -> None:
    other = make_group(group_id="grp_other", permissions=("keys:manage",), key_count=1)
    assert key_leaves(Known(ADMINS, other), ADMINS.group_id).witness == other
    with pytest.raises(LastManager, match="last key with keys:manage"):
        key_leaves(Known(ADMINS, READERS), ADMINS.group_id)


def test_a_managing_group_without_keys_is_no_witness() -> None:
    empty = make_group(group_id="grp_empty", permissions=("keys:manage",), key_count=0)
    with pytest.raises(LastManager):
        key_leaves(Known(ADMINS, empty), ADMINS.group_id)


def test_a_key_joining_a_managing_group_conditions_on_it_still_managing() -> None:
    assert key_joins(Known(ADMINS), ADMINS.group_id) is not None
    assert key_joins(Known(READERS), READERS.group_id) is None


def test_stripping_keys_manage_from_the_group_with_the_last_keys_is_refused() -> None:
    strip = GroupEdit(permissions=("keys:read",))
    with pytest.raises(LastManager, match="last keys with keys:manage"):
        group_edited(Known(ADMINS, READERS), ADMINS.group_id, strip)
    other = make_group(group_id="grp_other", permissions=("keys:manage",), key_count=4)
    assert group_edited(Known(ADMINS, other), ADMINS.group_id, strip).witness == other
    assert group_edited(Known(ADMINS), ADMINS.group_id, GroupEdit(name="x")).condition is None
