"""An administrator never locks itself out without saying so.

An edit that takes the calling key's own access away (its allowlist no longer admits the
address it calls from, it moves to a group without ``keys:manage``, its own group loses
``keys:manage``, or it revokes itself) is refused unless the request confirms it. This is
the caller's intent, judged on what it read; the tenant's *last* manager is a different
rule, kept by the write itself under races (chalicelib/storage/managers.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from chalicelib.domain.allowlist import allows
from chalicelib.domain.edits import UNCHANGED, GroupEdit, KeyEdit
from chalicelib.domain.errors import WouldLockOutCaller
from chalicelib.domain.permissions import MANAGE
from chalicelib.domain.records import ApiKey, Group

CONFIRM = "send the header Confirm-Self-Lockout: true to make this change anyway"


@dataclass(frozen=True)
class Caller:
    """The credential making a change, as far as the lockout rule needs to know it."""

    key_id: str | None = None  # None: a person (OpenID Connect) or the system
    group_id: str | None = None
    source_ip: str | None = None
    confirmed: bool = False  # the request confirmed a change that locks the caller out


NOBODY = Caller()  # the system, the CLI, tests: no credential of theirs to lose


def _refuse(what: str) -> WouldLockOutCaller:
    return WouldLockOutCaller(f"{what}, so it could not manage keys afterwards; {CONFIRM}")


def check_key_edit(caller: Caller, key: ApiKey, edit: KeyEdit, new_group: Group | None) -> None:
    """Refuse an unconfirmed edit of the caller's own key that locks it out.

    ``new_group``: the group the edit moves the key into (None: no move).
    """
    if caller.confirmed or caller.key_id != key.key_id:
        return
    if edit.ip_allowlist is not UNCHANGED and not allows(edit.ip_allowlist, caller.source_ip):
        raise _refuse("this IP allowlist does not admit the address this request comes from")
    if new_group is not None and MANAGE not in new_group.permissions:
        raise _refuse("the new group does not grant keys:manage to the key making this request")


def check_revoke(caller: Caller, key: ApiKey) -> None:
    """Refuse an unconfirmed revocation of the caller's own key."""
    if not caller.confirmed and caller.key_id == key.key_id:
        raise _refuse("this request would revoke the key that makes it")


def check_group_edit(caller: Caller, group: Group, edit: GroupEdit) -> None:
    """Refuse an unconfirmed edit that takes keys:manage from the caller's own group."""
    if caller.confirmed or caller.group_id != group.group_id:
        return
    if edit.permissions is not UNCHANGED and MANAGE not in edit.permissions:
        raise _refuse("this edit takes keys:manage from the group of the key making it")
