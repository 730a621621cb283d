"""The operator CLI, ``latchkey``: tenants, limits, the first admin key, local tables, sweep.

It runs the same domain code as the API against whichever store the settings name:
``--stage local`` takes the variables of that stage from ``.chalice/config.json``; without
it, the environment decides (in AWS: table names, region and the pepper parameter).
Output is a table for a person, or one JSON object with ``--json``; a failure says what
was tried and what to do (chalicelib/cli/diagnosis.py), within seconds: the store is called
with a 2 s connect timeout and one retry. Beside it in chalicelib/cli/: which settings
(stage.py), the tenant commands (tenants.py), the longer commands (commands.py), output
(output.py) and the store's tables (store.py).
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from chalicelib.cli import migrate as cli_migrate
from chalicelib.cli.commands import authorize_event, bootstrap, check_counters, sweep
from chalicelib.cli.diagnosis import (
    CliFailure,
    check_credentials,
    explain,
    find_credentials,
)
from chalicelib.cli.output import answers_on_stdout, say, show
from chalicelib.cli.platform import add_commands as add_platform_commands
from chalicelib.cli.platform import platform
from chalicelib.cli.stage import cli_settings, local_endpoint
from chalicelib.cli.store import (
    absent_tables,
    dynamodb_client,
)
from chalicelib.cli.tenants import tenants
from chalicelib.config.settings import Settings
from chalicelib.domain.errors import LatchkeyError
from chalicelib.domain.records import LeakPolicy
from chalicelib.observability import log
from chalicelib.observability.metrics import CLI
from chalicelib.storage.schema import create_tables
from chalicelib.wiring.services import build_services

logger = logging.getLogger(__name__)


JSON_HELP = "print one JSON object (also accepted before the command)"


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="latchkey", description=__doc__.splitlines()[0])
    root.add_argument("--stage", help="use this stage's variables from .chalice/config.json")
    root.add_argument("--json", action="store_true", help="print one JSON object")
    root.add_argument(
        "--log-format", choices=("text", "json"), default="text", help="log lines on stderr"
    )
    commands = root.add_subparsers(dest="command", required=True)

    tables = commands.add_parser("tables", help="DynamoDB tables (local development)")
    tables.add_subparsers(dest="action", required=True).add_parser(
        "create", help="create missing tables from infra/template.yaml"
    ).add_argument("--json", action="store_true", default=argparse.SUPPRESS, help=JSON_HELP)

    tenants = commands.add_parser("tenants", help="tenants and their key limits")
    actions = tenants.add_subparsers(dest="action", required=True)
    create = actions.add_parser("create", help="create a tenant")
    create.add_argument("name")
    create.add_argument("--key-limit", type=int)
    create.add_argument("--group-limit", type=int, help="default: LATCHKEY_DEFAULT_GROUP_LIMIT")
    create.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help=JSON_HELP)
    limit = actions.add_parser("set-limit", help="set a tenant's key limit")
    limit.add_argument("name")
    limit.add_argument("limit", type=int)
    limit.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help=JSON_HELP)
    group_limit = actions.add_parser("set-group-limit", help="set a tenant's group limit")
    group_limit.add_argument("name")
    group_limit.add_argument("limit", type=int)
    group_limit.add_argument(
        "--json", action="store_true", default=argparse.SUPPRESS, help=JSON_HELP
    )
    shown = actions.add_parser("show", help="a tenant's limit and usage")
    shown.add_argument("name")
    shown.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help=JSON_HELP)
    check = actions.add_parser("check", help="recompute a tenant's counters from its keys")
    check.add_argument("name", nargs="?")
    check.add_argument("--all", action="store_true", help="check every tenant")
    check.add_argument("--repair", action="store_true", help="set what differs to the count")
    check.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help=JSON_HELP)
    policy = actions.add_parser(
        "set-leak-policy", help="what happens to a key reported leaked: revoke or notify"
    )
    policy.add_argument("name")
    policy.add_argument("policy", choices=[choice.value for choice in LeakPolicy])
    policy.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help=JSON_HELP)

    authorize = commands.add_parser(
        "authorize", help="run the authorizer on an API Gateway event file, print its answer"
    )
    authorize.add_argument("event", type=Path, help="an authorizer event (JSON)")

    boot = commands.add_parser("bootstrap", help="a tenant's admin group and admin key")
    boot.add_argument("--tenant", required=True)
    boot.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help=JSON_HELP)
    boot.add_argument(
        "--if-new", action="store_true", help="do nothing (but say so) if the tenant exists"
    )
    sweep = commands.add_parser("sweep", help="run the expiry sweep once, now or at --at")
    sweep.add_argument("--at", type=_instant, help="ISO 8601 time to sweep as of (default: now)")
    sweep.add_argument("--dry-run", action="store_true", help="record and send nothing")
    sweep.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help=JSON_HELP)
    # Migrations: backfills for new indexes.
    cli_migrate.add_commands(commands, JSON_HELP)
    # The provider's side: platform keys.
    add_platform_commands(commands, JSON_HELP)
    return root


def _instant(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise argparse.ArgumentTypeError("give a time zone, e.g. 2026-12-01T09:00:00Z")
    return moment.astimezone(UTC)


def run(args: argparse.Namespace, settings: Settings) -> int:
    if args.command == "authorize":
        return authorize_event(settings, args.event)
    if args.command == "tables":
        created = create_tables(dynamodb_client(settings), settings)
        if args.json:
            show({"created": created}, True)
        else:
            say("created: " + ", ".join(created) if created else "all tables exist")
        return 0
    if args.command == "sweep":
        return sweep(settings, args)
    if args.command == "migrate":
        return cli_migrate.migrate(settings, args)
    if args.command == "tenants" and args.action == "check":
        return check_counters(settings, args)
    services = build_services(settings)
    if args.command == "bootstrap":
        return bootstrap(services, args)
    if args.command == "platform":
        return platform(services, args)
    return tenants(services, args, settings)


def _fail(failure: CliFailure, as_json: bool) -> int:
    print(json.dumps(failure.as_json()) if as_json else str(failure), file=sys.stderr)
    return 1


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.log_format == "json":
        log.configure(CLI, "cli")  # and INFO: each command's line below is shown
    started = time.perf_counter()
    with answers_on_stdout():  # the answer on stdout, logs and metrics on stderr
        code = _main(args)
    logger.info(
        "command",
        extra=log.fields(
            function="cli",
            route=" ".join(filter(None, (args.command, getattr(args, "action", None)))),
            outcome="ok" if code == 0 else "failed",
            status=code,
            duration_ms=round((time.perf_counter() - started) * 1000, 3),
        ),
    )
    return code


def _main(args: argparse.Namespace) -> int:
    settings = cli_settings(args.stage)
    try:
        check_credentials(settings, find_credentials(), local_endpoint(args.stage))
        return run(args, settings)
    except CliFailure as failure:
        return _fail(failure, args.json)
    except Exception as error:
        explained = explain(error, settings, lambda: absent_tables(settings))
        if explained is not None:
            return _fail(explained, args.json)
        if not isinstance(error, LatchkeyError):
            raise
        if args.json:
            print(json.dumps({"error": {"problem": error.detail}}), file=sys.stderr)
        else:
            print(f"latchkey: {error.detail}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
