"""A request's two audit records: ``begin`` (once admitted) and ``end`` (with its outcome)."""

from __future__ import annotations

import asyncio

from appliance.audit.stage import AuditStage
from appliance.request import RequestInfo


class RequestRecords:
    """Writes a request's begin record (once) and its end record (once), in that order."""

    def __init__(self, stage: AuditStage, info: RequestInfo) -> None:
        self._stage = stage
        self._info = info
        self._writing: asyncio.Task[None] | None = None
        self.begun = False
        self.ended = False

    def start_begin(self) -> None:
        """Start writing the begin record without waiting for it."""
        if not self.begun:
            self.begun = True
            self._writing = asyncio.ensure_future(self._stage.begin(self._info))

    async def begin(self) -> None:
        """Wait until the begin record is durable (writing it first if not started)."""
        self.start_begin()
        if self._writing is not None:
            writing, self._writing = self._writing, None
            await writing

    async def finish(self) -> None:
        """Write the end record (and the begin record, if the request never got that far)."""
        if self.ended:
            return
        self.ended = True
        await self.begin()
        await self._stage.end(self._info)
