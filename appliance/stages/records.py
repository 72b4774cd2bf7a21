"""A request's two audit records: ``begin`` (once admitted) and ``end`` (with its outcome)."""

from __future__ import annotations

import asyncio

from appliance.audit.stage import AuditStage
from appliance.observability.tracing import trace
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
        """Write the end record (and the begin record, if the request never got that far:
        then with at most REFUSED_PROMPT_CHARS of its masked prompt, so a refused request
        costs the log a bounded number of bytes)."""
        if self.ended:
            return
        self.ended = True
        if not self.begun:
            self._info.masked_prompt = bounded(self._info.masked_prompt)
        await self.begin()
        with trace().stage("audit"):
            await self._stage.end(self._info)


#: How much masked prompt the records of a request that never started keep.
REFUSED_PROMPT_CHARS = 2000


def bounded(texts: tuple[str, ...] | None) -> tuple[str, ...] | None:
    """``texts`` cut to REFUSED_PROMPT_CHARS in all, with a marker saying how much went."""
    if texts is None or sum(len(t) for t in texts) <= REFUSED_PROMPT_CHARS:
        return texts
    out: list[str] = []
    left = REFUSED_PROMPT_CHARS
    for text in texts:
        if left <= 0:
            break
        out.append(text[:left])
        left -= len(out[-1])
    dropped = sum(len(t) for t in texts) - REFUSED_PROMPT_CHARS
    out.append(f"[{dropped} more characters not recorded: the request was refused]")
    return tuple(out)
