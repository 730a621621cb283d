"""Request and response models of leaked-key reports and the tenant's settings."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import ConfigDict, Field

from chalicelib.api.schemas.common import Model, Root, Strict
from chalicelib.domain.records import LeakPolicy

# GitHub's batches: documented limits (README, "Leaked keys"). Each well-formed token costs
# one read; a real leak a transaction and two sends, so 500 fit well inside 29 s.
GITHUB_MAX_TOKENS = 500
GITHUB_MAX_BODY_BYTES = 512 * 1024


class GitHubToken(Model):
    """One match GitHub found. Fields GitHub may add later are ignored, not refused."""

    model_config = ConfigDict(extra="ignore")

    token: str = Field(max_length=1024, description="The matched text. Never stored or logged.")
    type: str = Field(max_length=200, description="The token type registered with GitHub.")
    url: str | None = Field(default=None, max_length=2048, description="Where it was found.")
    source: str | None = Field(
        default=None, max_length=200, description='GitHub\'s source, like "content" or "commit".'
    )


class GitHubReport(
    Root[Annotated[list[GitHubToken], Field(min_length=1, max_length=GITHUB_MAX_TOKENS)]]
):
    """``POST /v1/secret-scanning/github``: GitHub's signed batch of matches."""


class GitHubLabel(Model):
    token_hash: str = Field(description="SHA-256 of the token, as lower-case hex.")
    token_type: str
    label: Literal["true_positive", "false_positive"]


class GitHubFeedback(Root[list[GitHubLabel]]):
    """One label per reported token, in GitHub's feedback format."""


class LeakReport(Strict):
    """``POST /v1/leaks``: a token found in public. Holding it is the proof."""

    token: str = Field(min_length=1, max_length=512, description="The full API key.")
    url: str | None = Field(
        default=None, max_length=2048, description="Where it was found (never the key itself)."
    )


class LeakReceipt(Model):
    """The same answer whether or not the token was a live key."""

    received: Literal[True] = True
    detail: str


class LeakOut(Model):
    """A key's latest leak report: when and where, never the token."""

    reported_at: datetime
    source: str = Field(description='"github:<GitHub source>" or "report" (POST /v1/leaks).')
    url: str | None


class TenantSettings(Model):
    """The caller's tenant's settings."""

    leak_policy: LeakPolicy = Field(
        description="revoke: a key reported leaked is revoked at once; notify: only announced."
    )


class TenantSettingsUpdate(Strict):
    """``PATCH /v1/tenant/settings``."""

    leak_policy: LeakPolicy
