"""The audit stage's interface, and the pass-through that stands in until the audit log lands.

The pipeline calls :meth:`AuditStage.begin` once a request is admitted and :meth:`AuditStage.end`
with its outcome, and the response completes only after ``end`` returns. An implementation that
cannot write raises :class:`appliance.errors.Unavailable`, so the appliance never serves unaudited.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

import structlog

if TYPE_CHECKING:
    from appliance.pipeline import RequestInfo

log = structlog.get_logger("appliance.audit")


class AuditStage(Protocol):
    pass_through: bool

    async def begin(self, info: RequestInfo) -> None: ...

    async def end(self, info: RequestInfo) -> None: ...


class PassThroughAudit:
    """Records nothing. Stands in for the encrypted audit log until it is built (issue #4)."""

    pass_through = True

    def __init__(self) -> None:
        log.warning("audit_stage_pass_through",
                    detail="the audit log is not implemented yet: requests are not recorded")

    async def begin(self, info: RequestInfo) -> None:
        return None

    async def end(self, info: RequestInfo) -> None:
        return None
