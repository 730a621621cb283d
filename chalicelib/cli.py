"""The operator CLI, ``latchkey``: tenants, limits, the first admin key, local tables, sweep.

It runs the same domain code as the API against whichever store the settings name:
``--stage local`` takes the variables of that stage from ``.chalice/config.json``; without
it, the environment decides (in AWS: table names, region and the pepper parameter).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from chalicelib import counter_report
from chalicelib.authorizer.handler import Unauthorized, authorize
from chalicelib.authorizer.runtime import build_runtime
from chalicelib.clock import utc_now
from chalicelib.container import Services, build_counter_check, build_services
from chalicelib.domain.errors import LatchkeyError, NotFound
from chalicelib.domain.records import LeakPolicy, Tenant
from chalicelib.expiry_job import build_sweep, report_json
from chalicelib.notify import iso
from chalicelib.settings import Settings
from chalicelib.storage.schema import create_tables


def stage_environment(stage: str, config: Path = Path(".chalice/config.json")) -> dict[str, str]:
    """The environment variables a Chalice stage sets."""
    stages = json.loads(config.read_text())["stages"]
    if stage not in stages:
        raise SystemExit(f"latchkey: no stage {stage!r} in {config}")
    return dict(stages[stage].get("environment_variables", {}))


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="latchkey", description=__doc__.splitlines()[0])
    root.add_argument("--stage", help="use this stage's variables from .chalice/config.json")
    commands = root.add_subparsers(dest="command", required=True)

    tables = commands.add_parser("tables", help="DynamoDB tables (local development)")
    tables.add_subparsers(dest="action", required=True).add_parser(
        "create", help="create missing tables from infra/template.yaml"
    )

    tenants = commands.add_parser("tenants", help="tenants and their key limits")
    actions = tenants.add_subparsers(dest="action", required=True)
    create = actions.add_parser("create", help="create a tenant")
    create.add_argument("name")
    create.add_argument("--key-limit", type=int)
    create.add_argument("--group-limit", type=int, help="default: LATCHKEY_DEFAULT_GROUP_LIMIT")
    limit = actions.add_parser("set-limit", help="set a tenant's key limit")
    limit.add_argument("name")
    limit.add_argument("limit", type=int)
    group_limit = actions.add_parser("set-group-limit", help="set a tenant's group limit")
    group_limit.add_argument("name")
    group_limit.add_argument("limit", type=int)
    show = actions.add_parser("show", help="a tenant's limits, usage and leak policy")
    show.add_argument("name")
    check = actions.add_parser("check", help="recompute a tenant's counters from its keys")
    check.add_argument("name", nargs="?")
    check.add_argument("--all", action="store_true", help="check every tenant")
    check.add_argument("--repair", action="store_true", help="set what differs to the count")
    check.add_argument("--json", action="store_true", help="print one JSON object")
    policy = actions.add_parser(
        "set-leak-policy", help="what happens to a key reported leaked: revoke or notify"
    )
    policy.add_argument("name")
    policy.add_argument("policy", choices=[choice.value for choice in LeakPolicy])

    authorize = commands.add_parser(
        "authorize", help="run the authorizer on an API Gateway event file, print its answer"
    )
    authorize.add_argument("event", type=Path, help="an authorizer event (JSON)")

    boot = commands.add_parser("bootstrap", help="a tenant's admin group and admin key")
    boot.add_argument("--tenant", required=True)
    boot.add_argument("--json", action="store_true", help="print one JSON object")
    boot.add_argument(
        "--if-new", action="store_true", help="do nothing (but say so) if the tenant exists"
    )
    sweep = commands.add_parser("sweep", help="run the expiry sweep once, now or at --at")
    sweep.add_argument("--at", type=_instant, help="ISO 8601 time to sweep as of (default: now)")
    sweep.add_argument("--dry-run", action="store_true", help="record and send nothing")
    sweep.add_argument("--json", action="store_true", help="print one JSON object")
    return root


def _instant(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise argparse.ArgumentTypeError("give a time zone, e.g. 2026-12-01T09:00:00Z")
    return moment.astimezone(UTC)


def _sweep(settings: Settings, args: argparse.Namespace) -> int:
    """Run the sweep's code once; print what it sent (or, dry, would send)."""
    at: datetime | None = args.at
    report = build_sweep(settings, (lambda: at) if at else utc_now).run(dry_run=args.dry_run)
    if args.json:
        print(json.dumps(report_json(report)))
        return 0
    verb = "would send" if report.dry_run else "sent"
    print(f"Sweep as of {iso(report.now)}: examined {report.examined}, {verb} {report.crossed}.")
    for notice in report.notices:
        print(
            f"  {notice.detail_type}: {notice.tenant_id}/{notice.key_id} {notice.key_name!r} "
            f"(threshold {notice.threshold} d, {notice.days_left} d left)"
        )
    if report.stopped_early:
        print("Stopped early; run it again to continue.")
    return 0


def _check(settings: Settings, args: argparse.Namespace) -> int:
    """Compare counters with the keys (and repair them); exit 2 if a difference remains."""
    if bool(args.name) == bool(args.all):
        raise SystemExit("latchkey: tenants check takes a tenant NAME or --all")
    check = build_counter_check(settings)
    if args.all:
        reports = list(check.check_all(args.repair))
    else:
        reports = [check.check(args.name, args.repair)]
    if args.json:
        print(json.dumps(counter_report.as_json(reports)))
    else:
        print("\n".join(counter_report.table(reports)))
    settled = all(r.clean or (r.repaired and not r.missing_groups) for r in reports)
    return 0 if settled else 2


def _settings(stage: str | None) -> Settings:
    """The stage's settings. The CLI is an entry point, like a Lambda: it may set the
    process environment, and must, because botocore reads the stage's credentials (the
    local stage's dummy ones for DynamoDB Local) from there."""
    import os

    if stage:
        os.environ.update(stage_environment(stage))
    return Settings.from_env(os.environ)


def _bootstrap(services: Services, args: argparse.Namespace) -> int:
    if args.if_new:
        try:
            services.tenants.get(args.tenant)
        except NotFound:
            pass
        else:
            print(
                f"Tenant {args.tenant!r} exists already; its admin key was printed when it was "
                "made. Mint another with: "
                f".venv/bin/latchkey --stage local bootstrap --tenant {args.tenant}"
            )
            return 0
    made = services.tenants.bootstrap(args.tenant)
    if args.json:
        print(
            json.dumps(
                {
                    "tenant_id": made.tenant.tenant_id,
                    "group_id": made.group_id,
                    "key_id": made.issued.key.key_id,
                    "secret": made.issued.token,
                }
            )
        )
        return 0
    state = "created" if made.tenant_created else "exists"
    print(f"Tenant:    {made.tenant.tenant_id} ({state}, key limit {made.tenant.key_limit})")
    print(f"Group:     {made.group_id} (keys:manage)")
    print(f"Key id:    {made.issued.key.key_id}")
    print(f"Admin key: {made.issued.token}")
    print("This is the only time the admin key is shown. Send it as the X-API-Key header.")
    return 0


def _authorize(settings: Settings, path: Path) -> int:
    """What a downstream API would decide for this event: the policy, or Unauthorized."""
    event = json.loads(path.read_text())
    runtime = build_runtime(settings)
    try:
        print(json.dumps(authorize(event, runtime), indent=2))
    except Unauthorized:
        print(json.dumps({"error": "Unauthorized", "status": 401}, indent=2))
        return 2
    finally:
        runtime.usage.flush_all()
    return 0


def run(args: argparse.Namespace, settings: Settings) -> int:
    if args.command == "authorize":
        return _authorize(settings, args.event)
    if args.command == "tables":
        import boto3

        client = boto3.client(
            "dynamodb", region_name=settings.region, endpoint_url=settings.dynamodb_endpoint
        )
        created = create_tables(client, settings)
        print("created: " + ", ".join(created) if created else "all tables exist")
        return 0
    if args.command == "sweep":
        return _sweep(settings, args)
    if args.command == "tenants" and args.action == "check":
        return _check(settings, args)
    services = build_services(settings)
    if args.command == "bootstrap":
        return _bootstrap(services, args)
    if args.action == "create":
        tenant = services.tenants.create(args.name, args.key_limit, args.group_limit)
    elif args.action == "set-limit":
        tenant = services.tenants.set_limit(args.name, args.limit)
    elif args.action == "set-group-limit":
        tenant = services.tenants.set_group_limit(args.name, args.limit)
    elif args.action == "set-leak-policy":
        tenant = services.tenants.set_leak_policy(args.name, LeakPolicy(args.policy))
    else:
        tenant = services.tenants.get(args.name)
    print(json.dumps(_tenant_json(tenant, settings)))
    return 0


def _tenant_json(tenant: Tenant, settings: Settings) -> dict[str, object]:
    return {
        "tenant_id": tenant.tenant_id,
        "key_limit": tenant.key_limit,
        "keys_used": tenant.keys_used,
        "group_limit": settings.default_group_limit
        if tenant.group_limit is None
        else tenant.group_limit,
        "groups_used": tenant.groups_used,
        "leak_policy": tenant.leak_policy.value,
    }


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return run(args, _settings(args.stage))
    except LatchkeyError as error:
        print(f"latchkey: {error.detail}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
