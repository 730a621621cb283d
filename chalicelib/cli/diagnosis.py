"""Why the operator CLI could not do its work, and what the operator should do about it.

Each failure names what was tried (the endpoint or region, the tables, whether credentials
were found) and the command that fixes it (``--stage local``, ``make dev``, ``aws
configure``). Nothing here waits: credentials are resolved without a request, DynamoDB
Local is probed with a short TCP connect, and the CLI's store calls use short timeouts and
no retries (chalicelib/cli/main.py). It never prints a credential, only where one was found.
"""

from __future__ import annotations

import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from chalicelib.config.settings import Settings
from chalicelib.domain.peppers import PepperUnavailable
from chalicelib.storage.models import table_names

UNREACHABLE = {"EndpointConnectionError", "ConnectTimeoutError", "ConnectionClosedError"}
NO_CREDENTIALS = {"NoCredentialsError", "PartialCredentialsError"}
MISSING_TABLE = "ResourceNotFoundException"
LOCAL_HELP = (
    "For the local service: run `make dev` in another shell, then `latchkey --stage local ...`."
)


@dataclass
class CliFailure(Exception):
    """Raised when a command cannot run; says what was tried and what to do."""

    problem: str
    tried: list[str] = field(default_factory=list)
    fixes: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        lines = [f"latchkey: {self.problem}"]
        lines += [f"  tried: {line}" for line in self.tried]
        lines += [f"  fix:   {line}" for line in self.fixes]
        return "\n".join(lines)

    def as_json(self) -> dict[str, Any]:
        return {"error": {"problem": self.problem, "tried": self.tried, "fixes": self.fixes}}


def store_of(settings: Settings) -> str:
    """Where the CLI sends its DynamoDB calls, as an operator would look it up."""
    if settings.dynamodb.endpoint:
        return f"DynamoDB at {settings.dynamodb.endpoint}"
    return f"AWS DynamoDB in {settings.region} (https://dynamodb.{settings.region}.amazonaws.com)"


def endpoint_answers(endpoint: str | None, timeout: float = 0.3) -> bool:
    """Whether something accepts a TCP connection at ``endpoint``'s host and port."""
    parts = urlsplit(endpoint or "")
    if not parts.hostname or parts.port is None:
        return False
    try:
        with socket.create_connection((parts.hostname, parts.port), timeout=timeout):
            return True
    except OSError:
        return False


@dataclass(frozen=True)
class Credentials:
    """Where botocore found credentials, or None: never the credentials themselves."""

    method: str | None


def find_credentials(session: Any = None) -> Credentials:
    """botocore's own resolution (environment, shared files, profile, SSO, container or
    instance role); its metadata lookups use botocore's 1 s timeout, one attempt."""
    import botocore.session

    found = (session or botocore.session.get_session()).get_credentials()
    return Credentials(None if found is None else str(found.method))


def check_credentials(
    settings: Settings,
    credentials: Credentials,
    local_endpoint: str | None,
    answers: Callable[[str | None], bool] = endpoint_answers,
) -> None:
    """Refuse early when botocore has no credentials: every call would fail after retries."""
    if credentials.method is not None:
        return
    tried = [store_of(settings), "AWS credentials: none found (environment, ~/.aws, profile)"]
    if settings.dynamodb.endpoint is None and local_endpoint and answers(local_endpoint):
        raise CliFailure(
            f"no AWS settings here, but make dev's DynamoDB Local answers at {local_endpoint}",
            tried,
            ["Did you mean the local service? Add `--stage local`: latchkey --stage local ..."],
        )
    raise CliFailure(
        "no AWS credentials were found",
        tried,
        [
            LOCAL_HELP,
            "For AWS: run `aws configure` (or set AWS_PROFILE), and the LATCHKEY_*_TABLE "
            "names of your stack (README, Deploy).",
        ],
    )


def _chain(error: BaseException) -> list[BaseException]:
    """The error and everything it wraps: ``__cause__``, ``__context__``, PynamoDB's ``cause``."""
    found: list[BaseException] = []
    todo: list[BaseException | None] = [error]
    while todo:
        current = todo.pop()
        if current is None or any(current is seen for seen in found):
            continue
        found.append(current)
        cause = getattr(current, "cause", None)
        todo += [current.__cause__, current.__context__]
        todo.append(cause if isinstance(cause, BaseException) else None)
    return found


def _codes(errors: list[BaseException]) -> set[str]:
    codes = {str(getattr(error, "cause_response_code", None)) for error in errors}
    for error in errors:
        response = getattr(error, "response", None)
        if isinstance(response, dict):
            codes.add(str(response.get("Error", {}).get("Code")))
    return codes


def unreachable(settings: Settings) -> CliFailure:
    return CliFailure(
        f"could not connect to {store_of(settings)}",
        [store_of(settings), "connect timeout 2 s, one retry"],
        [
            LOCAL_HELP,
            "If `make dev` runs: is LATCHKEY_DYNAMODB_ENDPOINT its address "
            "(.chalice/config.json, stage local)?",
            "For AWS: unset LATCHKEY_DYNAMODB_ENDPOINT and check AWS_REGION.",
        ],
    )


def missing_tables(settings: Settings, missing: list[str]) -> CliFailure:
    every = ", ".join(table_names(settings).values())
    listed = ", ".join(missing) if missing else f"one of {every}"
    return CliFailure(
        f"table {listed} does not exist in {store_of(settings)}",
        [store_of(settings), f"tables: {every}"],
        [
            "Locally: `latchkey --stage local tables create` (`make dev` creates them too).",
            "In AWS: deploy the stack (README, Deploy) and set LATCHKEY_*_TABLE to its "
            "table names (the stack's outputs).",
        ],
    )


def no_pepper(settings: Settings, error: PepperUnavailable) -> CliFailure:
    source = (
        f"SSM parameter {settings.keys.pepper_parameter} in {settings.region}"
        if settings.keys.pepper_parameter
        else "LATCHKEY_PEPPERS (empty) and LATCHKEY_PEPPER_PARAMETER (unset)"
    )
    return CliFailure(
        f"no pepper to hash secrets with ({error})",
        [f"pepper: {source}"],
        [
            "Locally: add `--stage local` (its pepper is in .chalice/config.json).",
            "In AWS: set LATCHKEY_PEPPER_PARAMETER to the stack's SecureString parameter and "
            "create it first (README, Deploy); the caller needs ssm:GetParameter on it.",
        ],
    )


def explain(
    error: BaseException, settings: Settings, find_missing: Callable[[], list[str]]
) -> CliFailure | None:
    """The operator's version of ``error``, or None when it is none of the known causes."""
    errors = _chain(error)
    names = {type(each).__name__ for each in errors}
    if names & NO_CREDENTIALS:
        return CliFailure(
            "no AWS credentials were found",
            [store_of(settings), "AWS credentials: none found"],
            [LOCAL_HELP, "For AWS: run `aws configure` (or set AWS_PROFILE)."],
        )
    if names & UNREACHABLE:
        return unreachable(settings)
    if MISSING_TABLE in _codes(errors):
        return missing_tables(settings, find_missing())
    pepper = next((each for each in errors if isinstance(each, PepperUnavailable)), None)
    if pepper is not None:
        return no_pepper(settings, pepper)
    return None
