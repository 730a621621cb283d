"""``chalice local`` for ``make dev``, with the shell's ``LATCHKEY_*`` variables on top.

``chalice local --stage local`` sets the stage's ``environment_variables`` over whatever
the shell exported, so ``LATCHKEY_GROUP_CACHE_SECONDS=5 make dev`` would be ignored. This
serves the app exactly as ``chalice local`` does (its factory, config and server), passing
the shell's ``LATCHKEY_*`` values as user-provided parameters, which Chalice merges last.

    python -m scripts.chalice_local HOST PORT
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Mapping

from chalice.cli.factory import CLIFactory

from scripts.dynamodb_local import REPO_ROOT

STAGE = "local"


def shell_overrides(environ: Mapping[str, str]) -> dict[str, str]:
    """The ``LATCHKEY_*`` variables of ``environ``: they win over the stage's values."""
    return {name: value for name, value in environ.items() if name.startswith("LATCHKEY_")}


def main(host: str, port: int) -> None:
    factory = CLIFactory(str(REPO_ROOT), environ=os.environ)
    config = factory.create_config_obj(
        chalice_stage_name=STAGE,
        user_provided_params={"environment_variables": shell_overrides(os.environ)},
    )
    # As `chalice local` does: the app's log lines on stdout, as Lambda would show them.
    logging.basicConfig(stream=sys.stdout, level=logging.INFO, format="%(message)s")
    factory.create_local_server(config.chalice_app, config, host, port).serve_forever()


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
