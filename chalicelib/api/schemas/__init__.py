"""Request and response models of the management API.

The routes parse with these models and the OpenAPI document is generated from them, so
the reference and the behaviour cannot disagree. One module per resource.
"""

from chalicelib.api.schemas.audit import AuditEventOut, AuditListQuery, AuditPage, AuditTarget
from chalicelib.api.schemas.common import ActorOut, Problem, Strict
from chalicelib.api.schemas.groups import (
    GroupCreate,
    GroupList,
    GroupListQuery,
    GroupOut,
    GroupUpdate,
)
from chalicelib.api.schemas.keys import (
    GroupRef,
    KeyCreate,
    KeyList,
    KeyListQuery,
    KeyOut,
    KeyReplay,
    KeyRotate,
    KeyUpdate,
    KeyUsage,
    KeyWithSecret,
)
from chalicelib.api.schemas.usage import DayCount, UsageQuery, UsageReport
from chalicelib.api.schemas.verify import VerifyRequest, VerifyResult

__all__ = [
    "ActorOut",
    "AuditEventOut",
    "AuditListQuery",
    "AuditPage",
    "AuditTarget",
    "DayCount",
    "GroupCreate",
    "GroupList",
    "GroupListQuery",
    "GroupOut",
    "GroupRef",
    "GroupUpdate",
    "KeyCreate",
    "KeyList",
    "KeyListQuery",
    "KeyOut",
    "KeyReplay",
    "KeyRotate",
    "KeyUpdate",
    "KeyUsage",
    "KeyWithSecret",
    "Problem",
    "Strict",
    "UsageQuery",
    "UsageReport",
    "VerifyRequest",
    "VerifyResult",
]
