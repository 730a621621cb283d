"""Injected AWS failures, for the fault tests: nothing patched, only botocore's own events.

A :class:`FaultPlan` is registered the way moto registers itself: as a botocore built-in
handler, so every client created while it is installed (PynamoDB's, the authorizer's, the
SSM pepper client) consults it before each call. Disarmed it does nothing; armed, it fails
the Nth DynamoDB or SSM call with one error, as AWS would have answered it, or lets a
call through and then loses its answer (:meth:`FaultPlan.lose_answers`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from botocore import handlers
from botocore.awsrequest import AWSResponse
from botocore.exceptions import ReadTimeoutError


@dataclass(frozen=True)
class Fault:
    """One way an AWS call can fail: an error answer (status and code), or a timeout."""

    name: str
    status: int = 400
    code: str = ""
    timeout: bool = False
    reasons: tuple[str, ...] = ()

    def answer(self) -> tuple[AWSResponse, dict[str, Any]]:
        if self.timeout:
            raise ReadTimeoutError(endpoint_url="https://fault.invalid")
        error = {"Code": self.code, "Message": f"injected {self.name}"}
        parsed: dict[str, Any] = {"Error": error, "ResponseMetadata": {"HTTPStatusCode": 400}}
        if self.reasons:
            parsed["CancellationReasons"] = [{"Code": code} for code in self.reasons]
        return AWSResponse("https://fault.invalid", self.status, {}, None), parsed


DYNAMODB_FAULTS = [
    Fault("throttling", code="ProvisionedThroughputExceededException"),
    Fault("internal error", status=500, code="InternalServerError"),
    Fault("condition check failed", code="ConditionalCheckFailedException"),
    Fault(
        "transaction conflict",
        code="TransactionCanceledException",
        reasons=("TransactionConflict",),
    ),
    Fault("missing table", code="ResourceNotFoundException"),
    Fault("timeout", timeout=True),
]

SSM_FAULTS = [
    Fault("throttling", code="ThrottlingException"),
    Fault("internal error", status=500, code="InternalServerError"),
    Fault("missing parameter", code="ParameterNotFound"),
    Fault("timeout", timeout=True),
]


class FaultPlan:
    """Fails one chosen call of a service (or every call) while armed; counts what it did."""

    def __init__(self) -> None:
        self.service = ""
        self.fault: Fault | None = None
        self.at: int | None = None  # None: every call
        self.onwards = False  # fail call ``at`` and every call after it
        self.calls = 0
        self.injected = 0
        self.operations: list[str] = []  # of the calls seen while armed, in order
        # Every call of every service, armed or not: (service, operation, its parameters).
        self.requests: list[tuple[str, str, Any]] = []
        self.lost = ""  # an operation whose answers are lost after AWS acted on them

    def arm(self, service: str, fault: Fault, at: int | None = None, onwards: bool = False) -> None:
        self.service, self.fault, self.at, self.onwards = service, fault, at, onwards
        self.calls = self.injected = 0
        self.operations = []

    def disarm(self) -> None:
        self.fault = None
        self.lost = ""

    def lose_answers(self, operation: str) -> None:
        """Let every ``operation`` call reach AWS, then lose its answer: the read timeout
        of a request DynamoDB has already carried out (a committed transaction)."""
        self.lost = operation
        self.injected = 0

    def after_call(self, model: Any, **_: Any) -> None:
        if self.lost and model.name == self.lost:
            self.injected += 1
            raise ReadTimeoutError(endpoint_url="https://fault.invalid")

    def before_call(
        self, model: Any, params: Any = None, **_: Any
    ) -> tuple[AWSResponse, dict[str, Any]] | None:
        self.requests.append((model.service_model.endpoint_prefix, model.name, params))
        fault = self.fault
        if fault is None or model.service_model.endpoint_prefix != self.service:
            return None
        call, self.calls = self.calls, self.calls + 1
        self.operations.append(model.name)
        if self.at is not None and (call < self.at if self.onwards else call != self.at):
            return None
        self.injected += 1
        return fault.answer()


@contextmanager
def installed(plan: FaultPlan) -> Iterator[FaultPlan]:
    """Install ``plan`` for clients created from now on (as moto installs its stubber)."""
    specs = [("before-call", plan.before_call), ("after-call", plan.after_call)]
    handlers.BUILTIN_HANDLERS.extend(specs)
    try:
        yield plan
    finally:
        for spec in specs:
            handlers.BUILTIN_HANDLERS.remove(spec)
