"""``latchkey platform keys create|list|revoke``: the provider's own keys.

A platform key belongs to no tenant: it calls the platform API (``/v1/platform``) and, in
support mode, a tenant's routes. ``create`` prints its secret once; nothing can show it
again (only an HMAC of it is stored), so a lost key is revoked and replaced.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from chalicelib.cli.output import say, show
from chalicelib.clock import iso_z
from chalicelib.domain.platform.keys import PlatformKey
from chalicelib.domain.tenants import OPERATOR_ORIGIN
from chalicelib.wiring.services import Services

KEY_COLUMNS = {
    "key_id": "Key id",
    "name": "Name",
    "permissions": "Permissions",
    "status": "Status",
    "created_at": "Created",
}


def add_commands(commands: Any, json_help: str) -> None:
    """The ``platform`` command and its ``keys`` actions."""
    platform = commands.add_parser("platform", help="the provider's platform keys")
    nouns = platform.add_subparsers(dest="noun", required=True)
    keys = nouns.add_parser("keys", help="platform keys: create, list, revoke")
    actions = keys.add_subparsers(dest="action", required=True)
    create = actions.add_parser("create", help="a new platform key (its secret is shown once)")
    create.add_argument("--name", required=True)
    create.add_argument(
        "--read-only", action="store_true", help="platform:read (GET calls) instead of manage"
    )
    listed = actions.add_parser("list", help="every platform key, newest first (no secrets)")
    revoke = actions.add_parser("revoke", help="revoke a platform key at once and for good")
    revoke.add_argument("key_id")
    for parser in (create, listed, revoke):
        parser.add_argument(
            "--json", action="store_true", default=argparse.SUPPRESS, help=json_help
        )


def platform(services: Services, args: argparse.Namespace) -> int:
    """Run a ``platform keys`` action and print its answer."""
    keys = services.platform_keys
    if args.action == "create":
        issued = keys.create(args.name, args.read_only, OPERATOR_ORIGIN)
        if args.json:
            answer = {
                "key_id": issued.key.key_id,
                "secret": issued.token,
                "permissions": list(issued.key.permissions),
            }
            say(json.dumps(answer))
            return 0
        say(f"Key id:       {issued.key.key_id}")
        say(f"Permissions:  {', '.join(issued.key.permissions)}")
        say(f"Platform key: {issued.token}")
        say("This is the only time the platform key is shown. Send it as the X-API-Key header.")
        return 0
    if args.action == "list":
        rows = [key_json(key) for key in keys.list()]
        show({"keys": rows}, args.json, KEY_COLUMNS, rows)
        return 0
    show(key_json(keys.revoke(args.key_id, OPERATOR_ORIGIN)), args.json, KEY_COLUMNS)
    return 0


def key_json(key: PlatformKey) -> dict[str, object]:
    """A platform key as the CLI prints it: never its secret or hash."""
    return {
        "key_id": key.key_id,
        "name": key.name,
        "permissions": ",".join(key.permissions),
        "status": key.status.value,
        "created_at": iso_z(key.created_at),
        "revoked_at": iso_z(key.revoked_at) if key.revoked_at else None,
        "hint": key.hint,
    }
