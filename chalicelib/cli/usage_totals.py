"""``latchkey migrate usage-totals``: tenants' daily usage totals rebuilt from per-key items.

``GET /v1/usage`` reads per-tenant daily totals the authorizer maintains as it
writes usage. Days written before that deploy have only per-key items; this command sets
each tenant-day's totals to the sum of its per-key items (docs/migrations.md). Idempotent: a
second run sets the same values. Resumable by range: it works on ``--from``..``--to``, so a
stopped run is run again (or on the days it did not reach). Only days that are over: a live
day's flushes would race the values it sets.
"""

from __future__ import annotations

import argparse
import json
from datetime import date
from typing import Any

from chalicelib.cli.output import say
from chalicelib.clock import utc_now
from chalicelib.config.settings import Settings
from chalicelib.storage.models import bind_models
from chalicelib.storage.usage import UsageStore


def _day(text: str) -> str:
    try:
        return date.fromisoformat(text).isoformat()
    except ValueError:
        raise argparse.ArgumentTypeError("give a UTC day as YYYY-MM-DD") from None


def add_command(actions: Any, json_help: str) -> None:
    """Add ``usage-totals`` to ``latchkey migrate``."""
    totals = actions.add_parser(
        "usage-totals", help="set past days' tenant usage totals from the per-key items"
    )
    totals.add_argument("--from", dest="first", type=_day, required=True, help="first day")
    totals.add_argument("--to", dest="last", type=_day, required=True, help="last day (past)")
    totals.add_argument("--tenant", help="only this tenant (default: every tenant)")
    totals.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help=json_help)


def usage_totals(settings: Settings, args: argparse.Namespace) -> int:
    """Run the backfill over the range; the summary on stdout."""
    today = utc_now().date().isoformat()
    if args.first > args.last:
        raise SystemExit("latchkey: --from must not be after --to")
    if args.last >= today:
        raise SystemExit(
            f"latchkey: --to must be a day that is over (before {today}): "
            "the authorizer is still adding to today's totals"
        )
    bind_models(settings)
    done = UsageStore(settings.scale.usage_total_shards).recompute_totals(
        args.first, args.last, args.tenant
    )
    summary = {"from": args.first, "to": args.last, "scanned": done.scanned}
    summary["tenant_days"] = done.tenant_days
    if getattr(args, "json", False):
        say(json.dumps(summary))
    else:
        say(
            f"Usage totals {args.first}..{args.last}: scanned {done.scanned} usage items, "
            f"set the totals of {done.tenant_days} tenant-days."
        )
    return 0
