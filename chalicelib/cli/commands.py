"""The operator CLI's longer commands: the sweep, a tenant's bootstrap, an authorizer event.

chalicelib/cli/main.py parses the arguments and maps failures; these print their results, for a
person or (``--json``) as one JSON object.
"""

from __future__ import annotations

import argparse
import json
from datetime import datetime
from pathlib import Path

from chalicelib.authorizer.handler import Unauthorized, authorize
from chalicelib.authorizer.runtime import build_runtime
from chalicelib.cli import counter_report
from chalicelib.cli.output import say
from chalicelib.clock import iso_z, utc_now
from chalicelib.config.settings import Settings
from chalicelib.domain.errors import NotFound
from chalicelib.wiring.expiry_sweep import build_sweep, report_json
from chalicelib.wiring.parts import build_counter_check
from chalicelib.wiring.services import Services


def sweep(settings: Settings, args: argparse.Namespace) -> int:
    """Run the sweep's code once; print what it sent (or, dry, would send)."""
    at: datetime | None = args.at
    report = build_sweep(settings, (lambda: at) if at else utc_now).run(dry_run=args.dry_run)
    if args.json:
        say(json.dumps(report_json(report)))
        return 0
    verb = "would send" if report.dry_run else "sent"
    say(f"Sweep as of {iso_z(report.now)}: examined {report.examined}, {verb} {report.crossed}.")
    for notice in report.notices:
        say(
            f"  {notice.detail_type}: {notice.tenant_id}/{notice.key_id} {notice.key_name!r} "
            f"(threshold {notice.threshold} d, {notice.days_left} d left)"
        )
    if report.stopped_early:
        say("Stopped early; run it again to continue.")
    return 0


def check_counters(settings: Settings, args: argparse.Namespace) -> int:
    """Compare counters with the keys (and repair them); exit 2 if a difference remains."""
    if bool(args.name) == bool(args.all):
        raise SystemExit("latchkey: tenants check takes a tenant NAME or --all")
    check = build_counter_check(settings)
    if args.all:
        reports = list(check.check_all(args.repair))
    else:
        reports = [check.check(args.name, args.repair)]
    if args.json:
        say(json.dumps(counter_report.as_json(reports)))
    else:
        say("\n".join(counter_report.table(reports)))
    settled = all(r.clean or (r.repaired and not r.missing_groups) for r in reports)
    return 0 if settled else 2


def bootstrap(services: Services, args: argparse.Namespace) -> int:
    if args.if_new:
        try:
            services.tenants.get(args.tenant)
        except NotFound:
            pass
        else:
            say(
                f"Tenant {args.tenant!r} exists already; its admin key was printed when it was "
                "made. Mint another with: "
                f".venv/bin/latchkey --stage local bootstrap --tenant {args.tenant}"
            )
            return 0
    made = services.tenants.bootstrap(args.tenant)
    if args.json:
        say(
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
    say(f"Tenant:    {made.tenant.tenant_id} ({state}, key limit {made.tenant.key_limit})")
    say(f"Group:     {made.group_id} (keys:manage)")
    say(f"Key id:    {made.issued.key.key_id}")
    say(f"Admin key: {made.issued.token}")
    say("This is the only time the admin key is shown. Send it as the X-API-Key header.")
    return 0


def authorize_event(settings: Settings, path: Path) -> int:
    """What a downstream API would decide for this event: the policy, or Unauthorized."""
    event = json.loads(path.read_text())
    runtime = build_runtime(settings)
    try:
        say(json.dumps(authorize(event, runtime), indent=2))
    except Unauthorized:
        say(json.dumps({"error": "Unauthorized", "status": 401}, indent=2))
        return 2
    finally:
        runtime.usage.flush_all()
    return 0
