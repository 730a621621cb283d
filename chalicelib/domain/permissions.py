"""The permissions a group grants on the management API (chalicelib/domain/groups.py)."""

from __future__ import annotations

MANAGE = "keys:manage"
READ = "keys:read"
