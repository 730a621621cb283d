"""``make dev``: the whole service on this machine, on DynamoDB Local.

Starts DynamoDB Local (data kept in ``.local/dynamodb``), creates the tables from
``infra/template.yaml``, bootstraps the ``demo`` tenant with ``latchkey bootstrap``, prints
the console's URL beside its admin key, starts the webhook worker (a thread of this
process: chalicelib/wiring/webhooks.py ``LocalWorker``) and serves the API with
``chalice local`` until Ctrl-C. Every setting comes from the ``local`` stage of
``.chalice/config.json``, the same environment ``chalice local`` gives the app, except
that a ``LATCHKEY_*`` variable set in the shell wins (scripts/chalice_local.py).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import boto3

from chalicelib.config.settings import Settings
from chalicelib.storage.pem import ensure_pem
from chalicelib.storage.schema import create_tables
from chalicelib.wiring.webhooks import local_worker
from scripts.chalice_local import shell_overrides
from scripts.dynamodb_local import REPO_ROOT, DynamoDBLocal, DynamoDBLocalError
from scripts.processes import interrupt_on_sigterm, port_is_free, stop_process

CHALICE_CONFIG = REPO_ROOT / ".chalice" / "config.json"
DATA_DIR = REPO_ROOT / ".local" / "dynamodb"
STAGE = "local"
DEMO_TENANT = "demo"
# The interpreter's own bin folder: `.venv/bin` under `make dev`, and it holds the console
# scripts (`latchkey`, `chalice`) installed beside it.
BIN = Path(sys.executable).parent


class DevError(Exception):
    """Raised when the local stack cannot be set up; its message says what to do."""


def stage_environment(stage: str = STAGE) -> dict[str, str]:
    """The stage's ``environment_variables`` from ``.chalice/config.json``."""
    config = json.loads(CHALICE_CONFIG.read_text())
    env = config["stages"][stage]["environment_variables"]
    return {str(name): str(value) for name, value in env.items()}


def local_environment(shell: dict[str, str]) -> dict[str, str]:
    """The local stage's variables, under any ``LATCHKEY_*`` the shell sets (README)."""
    return {**stage_environment(), **shell_overrides(shell)}


def dynamodb_port(settings: Settings) -> int:
    """The DynamoDB Local port, taken from the stage's endpoint so the two cannot differ."""
    port = urlsplit(settings.dynamodb.endpoint or "").port
    if port is None:
        raise DevError(f"LATCHKEY_DYNAMODB_ENDPOINT in {CHALICE_CONFIG} needs an explicit port")
    return port


def api_port(settings: Settings) -> int:
    """The API's port, taken from the local issuer (``LATCHKEY_TOKEN_ISSUER``): the tokens
    this server mints name it, and ``latchkey --stage local authorize`` reads the same value,
    so the two cannot differ."""
    port = urlsplit(settings.access_tokens.issuer).port
    if port is None:
        raise DevError(f"LATCHKEY_TOKEN_ISSUER in {CHALICE_CONFIG} needs an explicit port")
    return port


def tool(name: str) -> str:
    """A console script installed beside this interpreter."""
    path = BIN / name
    if not path.exists():
        raise DevError(f"{path} is missing; run `make install`.")
    return str(path)


def make_tables(settings: Settings) -> None:
    """Create whichever tables do not exist yet (the data directory keeps the rest)."""
    client = boto3.client(
        "dynamodb", endpoint_url=settings.dynamodb.endpoint, region_name=settings.region
    )
    created = create_tables(client, settings)
    print(f"Tables created: {', '.join(created)}" if created else "Tables already exist.")


def bootstrap() -> None:
    """Run ``latchkey bootstrap``; it prints the admin key (or how to mint another)."""
    command = [tool("latchkey"), "bootstrap", "--tenant", DEMO_TENANT, "--if-new"]
    result = subprocess.run(command, cwd=REPO_ROOT, check=False)
    if result.returncode != 0:
        raise DevError(f"`{' '.join(command)}` failed with exit code {result.returncode}")


def serve(api_port: int, log_format: str) -> int:
    """Run ``chalice local`` until it exits or Ctrl-C; returns its exit code."""
    # No autoreload: DynamoDB Local writes its data under the project, which would
    # restart the server on every write.
    # `chalice local --stage local --no-autoreload`, with the shell's LATCHKEY_* on top.
    command = [
        sys.executable,
        "-m",
        "scripts.chalice_local",
        "127.0.0.1",
        str(api_port),
        log_format,
    ]
    process = subprocess.Popen(command, cwd=REPO_ROOT)
    try:
        return process.wait()
    finally:
        # Ctrl-C in a terminal reaches chalice too; SIGTERM (or an error) only reached us.
        stop_process(process)


def run(log_format: str = "text") -> int:
    """Set up the local stack and serve the API; returns the process exit code."""
    if "PORT" in os.environ:
        raise DevError(
            "PORT is not read: set LATCHKEY_TOKEN_ISSUER=http://127.0.0.1:9000 to serve on "
            "9000 (`latchkey --stage local` reads the same variable)."
        )
    # The children (the CLI, chalice local) inherit this environment.
    os.environ.update(local_environment(dict(os.environ)))
    # Access tokens: the issuer is this server, and the signing key a PEM file generated
    # once into the git-ignored .local/.
    settings = Settings.from_env()
    if ensure_pem(REPO_ROOT / settings.access_tokens.local_key):
        print(f"Token signing key written to {settings.access_tokens.local_key}.")
    db_port, port = dynamodb_port(settings), api_port(settings)
    if not port_is_free(port):
        raise DevError(
            f"port {port} is in use; set LATCHKEY_TOKEN_ISSUER=http://127.0.0.1:OTHER_PORT "
            "to run the API elsewhere."
        )
    with DynamoDBLocal(db_port, DATA_DIR):
        print(f"DynamoDB Local is ready at {settings.dynamodb.endpoint} (data in {DATA_DIR}).")
        make_tables(settings)
        bootstrap()
        # The console: the admin key printed above signs in to it.
        print(f"Console: http://127.0.0.1:{port}/console (sign in with the admin key above)")
        # Webhooks: the outbox relayed and deliveries made from this process, every 0.5 s.
        worker = local_worker(settings)
        worker.start()
        print("Webhook worker started (deliveries go out within a second or two).")
        print(f"Serving the API at http://127.0.0.1:{port}; Ctrl-C stops everything.")
        try:
            code = serve(port, log_format)
        finally:
            worker.stop()
    if code != 0:
        raise DevError(f"chalice local exited with code {code}")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``python -m scripts.dev [--log-format json]``."""
    parser = argparse.ArgumentParser(prog="make dev", description="Latchkey on this machine")
    parser.add_argument(
        "--log-format",
        choices=("text", "json"),
        default="text",
        help="text: one line per request; json: the log and metric lines Lambda would write",
    )
    args = parser.parse_args(argv)
    interrupt_on_sigterm()
    try:
        return run(args.log_format)
    except (DevError, DynamoDBLocalError) as error:
        print(f"make dev: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nStopped chalice local and DynamoDB Local.")
        return 0


if __name__ == "__main__":
    sys.exit(main())
