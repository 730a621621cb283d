"""``latchkey migrate``: the data migrations a release's new indexes need (docs/migrations.md).

``backfill-keys`` writes the derived index attributes to every key item missing them.
Idempotent (a second run writes nothing) and resumable (it prints the last key after each
page; ``--start`` takes it back). Several ``--segment``s of one ``--segments`` may run at
once, each in its own process.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from chalicelib.cli.output import say
from chalicelib.cli.usage_totals import add_command as add_usage_totals
from chalicelib.cli.usage_totals import usage_totals
from chalicelib.config.settings import Settings
from chalicelib.storage.backfill import Progress, backfill_keys
from chalicelib.storage.models import bind_models


def add_commands(commands: Any, json_help: str) -> None:
    """Add ``migrate backfill-keys`` to the CLI's subcommands."""
    migrate = commands.add_parser("migrate", help="data migrations (docs/migrations.md)")
    actions = migrate.add_subparsers(dest="action", required=True)
    backfill = actions.add_parser(
        "backfill-keys", help="write the key lists' index attributes to keys made before them"
    )
    backfill.add_argument("--start", help="resume after this key id (a run prints it)")
    backfill.add_argument("--segment", type=int, help="this process's segment (0-based)")
    backfill.add_argument("--segments", type=int, help="how many segments the scan has")
    backfill.add_argument("--dry-run", action="store_true", help="count, write nothing")
    backfill.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help=json_help)
    add_usage_totals(actions, json_help)  # Tenants' daily usage totals


def migrate(settings: Settings, args: argparse.Namespace) -> int:
    """Run ``migrate backfill-keys``; progress on stderr, the summary on stdout."""
    if args.action == "usage-totals":
        return usage_totals(settings, args)
    if (args.segment is None) != (args.segments is None):
        raise SystemExit("latchkey: --segment and --segments go together")
    if args.segments is not None and not 0 <= args.segment < args.segments:
        raise SystemExit("latchkey: --segment must be at least 0 and below --segments")
    bind_models(settings)

    def page(progress: Progress) -> None:
        # Printed after each page, so a stopped run resumes with --start and this key.
        print(f"examined {progress.examined}, last key {progress.last_key}", file=sys.stderr)

    done = backfill_keys(args.start, args.segment, args.segments, args.dry_run, page)
    summary = {
        "examined": done.examined,
        "written": 0 if args.dry_run else done.written,
        "would_write": done.written if args.dry_run else 0,
        "changed_meanwhile": done.changed_meanwhile,
        "unreadable": done.unreadable,
    }
    if args.json:
        say(json.dumps(summary))
    else:
        verb = "would write" if args.dry_run else "wrote"
        say(
            f"Backfill: examined {done.examined} keys, {verb} {done.written}, "
            f"{done.changed_meanwhile} changed meanwhile (already right), "
            f"{done.unreadable} unreadable."
        )
    return 0
