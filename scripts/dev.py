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
DEFAULT_API_PORT = 8000
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
    port = urlsplit(settings.dynamodb_endpoint or "").port
    if port is None:
        raise DevError(f"LATCHKEY_DYNAMODB_ENDPOINT in {CHALICE_CONFIG} needs an explicit port")
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
        "dynamodb", endpoint_url=settings.dynamodb_endpoint, region_name=settings.region
    )
    created = create_tables(client, settings)
    print(f"Tables created: {', '.join(created)}" if created else "Tables already exist.")


def bootstrap() -> None:
    """Run ``latchkey bootstrap``; it prints the admin key (or how to mint another)."""
    command = [tool("latchkey"), "bootstrap", "--tenant", DEMO_TENANT, "--if-new"]
    result = subprocess.run(command, cwd=REPO_ROOT, check=False)
    if result.returncode != 0:
        raise DevError(f"`{' '.join(command)}` failed with exit code {result.returncode}")


def serve(api_port: int) -> int:
    """Run ``chalice local`` until it exits or Ctrl-C; returns its exit code."""
    # No autoreload: DynamoDB Local writes its data under the project, which would
    # restart the server on every write.
    # `chalice local --stage local --no-autoreload`, with the shell's LATCHKEY_* on top.
    command = [sys.executable, "-m", "scripts.chalice_local", "127.0.0.1", str(api_port)]
    process = subprocess.Popen(command, cwd=REPO_ROOT)
    try:
        return process.wait()
    finally:
        # Ctrl-C in a terminal reaches chalice too; SIGTERM (or an error) only reached us.
        stop_process(process)


def run(api_port: int) -> int:
    """Set up the local stack and serve the API; returns the process exit code."""
    # The children (the CLI, chalice local) inherit this environment.
    os.environ.update(local_environment(dict(os.environ)))
    # Access tokens: the issuer is this server (its port varies), and the signing key a PEM
    # file generated once into the git-ignored .local/.
    os.environ.setdefault("LATCHKEY_TOKEN_ISSUER", f"http://127.0.0.1:{api_port}")
    settings = Settings.from_env()
    if ensure_pem(REPO_ROOT / settings.token_local_key):
        print(f"Token signing key written to {settings.token_local_key}.")
    db_port = dynamodb_port(settings)
    if not port_is_free(api_port):
        raise DevError(f"port {api_port} is in use; set PORT to run the API elsewhere.")
    with DynamoDBLocal(db_port, DATA_DIR):
        print(f"DynamoDB Local is ready at {settings.dynamodb_endpoint} (data in {DATA_DIR}).")
        make_tables(settings)
        bootstrap()
        # The console (issue 14): the admin key printed above signs in to it.
        print(f"Console: http://127.0.0.1:{api_port}/console (sign in with the admin key above)")
        # Webhooks: the outbox relayed and deliveries made from this process, every 0.5 s.
        worker = local_worker(settings)
        worker.start()
        print("Webhook worker started (deliveries go out within a second or two).")
        print(f"Serving the API at http://127.0.0.1:{api_port}; Ctrl-C stops everything.")
        try:
            code = serve(api_port)
        finally:
            worker.stop()
    if code != 0:
        raise DevError(f"chalice local exited with code {code}")
    return 0


def main() -> int:
    """Entry point of ``python -m scripts.dev``."""
    interrupt_on_sigterm()
    try:
        return run(int(os.environ.get("PORT", DEFAULT_API_PORT)))
    except (DevError, DynamoDBLocalError) as error:
        print(f"make dev: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nStopped chalice local and DynamoDB Local.")
        return 0


if __name__ == "__main__":
    sys.exit(main())
