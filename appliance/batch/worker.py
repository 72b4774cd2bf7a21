"""Runs batch lines in the capacity interactive work leaves idle.

A line starts only when nothing interactive is going on: no call in flight on any front door
and no request waiting for an engine's slot, for at least ``[batch] idle_seconds``; at most
``[batch] concurrency`` lines run at once, each at the lowest priority (so any interactive
request that arrives while one runs ranks before batch work in the engine's queue, and takes
a free slot at once). With ``[batch] preempt`` (the default) interactive work that arrives
while lines run takes their slots back at once: the lines are cancelled (their requests
audited as cancelled, no answer stored) and run again once the engines are idle; the first
token of an interactive request then never shares a decode step with batch work for more
than the step under way (a line cut off ``MAX_PREEMPTIONS`` times runs on to its end, so
that a steady interactive load slows a batch without starving it). A line that cannot run
now (the appliance is busy, draining, or cannot audit; a rate or concurrency limit of its
identity) waits and runs later; any other answer, a refusal included, is the line's result.

Each line is its own request through the pipeline (``run_line``: the HTTP API's translation
of OpenAI's bodies), as the identity that submitted the batch: masked, audited (method
``batch:<endpoint>``, peer ``batch:<batch id>``), charged to its limits and budgets.

Its result is stored in the transaction that marks it done
(:meth:`~appliance.batch.store.BatchStore.complete`); a line cut off by a stop or a crash
runs again at the next start (:meth:`~appliance.batch.store.BatchStore.recover`).
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import structlog

from appliance.batch.store import BatchStore, Line
from appliance.config import Policy
from appliance.request import RequestInfo, current_request

log = structlog.get_logger("appliance.batch")

#: The priority of every batch line: the least urgent (stages.validate.MAX_PRIORITY).
BATCH_PRIORITY = 9
#: How often an idle worker looks for new lines (a new batch wakes it at once).
IDLE_POLL_S = 1.0
#: How often a worker with lines waiting checks whether the engines went idle.
BUSY_POLL_S = 0.01
#: How often files and batches past their retention are deleted.
SWEEP_INTERVAL_S = 60.0
#: Longest wait before trying again a line that could not run now.
MAX_BACKOFF_S = 30.0
#: A line is cut off by interactive work at most this often; then it runs to its end beside
#: it (at the lowest priority), so a steady interactive load slows a batch, never starves it.
MAX_PREEMPTIONS = 3
#: After a line was cut off, the quiet time before the next starts doubles (from at least
#: 0.25 s) up to this, and is back to ``idle_seconds`` once a line ran to its end: under
#: steady interactive traffic lines start only in its longer pauses, not in every one.
MAX_QUIET_S = 2.0

#: (HTTP status, response body) of one line.
Answer = tuple[int, dict[str, Any]]
LineRunner = Callable[[Line, RequestInfo], Awaitable[Answer]]


class NotNow(Exception):
    """The line cannot run now (busy, draining, a rate limit); try it again later."""

    def __init__(self, retry_after: float) -> None:
        super().__init__(retry_after)
        self.retry_after = retry_after


class BatchWorker:
    """The daemon's one batch worker (``run`` as a task; ``pause`` and ``stop`` at
    shutdown)."""

    def __init__(self, store: BatchStore, run_line: LineRunner, *,  # noqa: PLR0913 - its parts
                 busy: Callable[[], bool], policy_of: Callable[[str], Policy],
                 concurrency: int, idle_seconds: float, preempt: bool = True,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.store = store
        self._run_line = run_line
        self._busy = busy
        self._policy_of = policy_of
        self.concurrency = concurrency
        self.idle_seconds = idle_seconds
        #: Cancel running lines when interactive work arrives (they run again later).
        self.preempt = preempt
        #: Lines being cut off now (until their task ends), and how often each was.
        self._preempted: set[tuple[str, int]] = set()
        self._preemptions: dict[tuple[str, int], int] = {}
        #: Lines in the pipeline now (an answer being stored is not cut off).
        self._generating: set[tuple[str, int]] = set()
        #: The quiet time a line now waits for (see MAX_QUIET_S).
        self._quiet = idle_seconds
        self._clock = clock
        self._wake = asyncio.Event()
        self._running: dict[tuple[str, int], asyncio.Task[None]] = {}
        self._paused = False
        #: Whether lines may be waiting (false once a claim found fewer than asked for).
        self._maybe_pending = True
        self._not_before = 0.0
        self._last_busy = clock()
        self._last_sweep = -SWEEP_INTERVAL_S

    def wake(self) -> None:
        """A batch was created or cancelled: look at once."""
        self._maybe_pending = True
        self._wake.set()

    def pause(self) -> None:
        """Start no further line (the daemon is draining)."""
        self._paused = True

    @property
    def running(self) -> int:
        return len(self._running)

    async def run(self) -> None:
        """Until cancelled: recover, then start lines whenever the engines are idle."""
        recovered = await asyncio.to_thread(self.store.recover)
        if recovered:
            log.warning("batch_lines_recovered", lines=recovered,
                        detail="lines cut off by a crash or stop run again")
        try:
            while True:
                await self._tick()
                active = (self._maybe_pending and not self._paused) or self._running
                wait = BUSY_POLL_S if active else IDLE_POLL_S
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), wait)
        finally:
            await self._cancel_lines()

    async def stop(self) -> None:
        """Cancel the lines running (they run again at the next start)."""
        self.pause()
        await self._cancel_lines()

    async def _cancel_lines(self) -> None:
        tasks = list(self._running.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _tick(self) -> None:
        now = self._clock()
        if now - self._last_sweep >= SWEEP_INTERVAL_S:
            self._last_sweep = now
            deleted = await asyncio.to_thread(self.store.sweep)
            if deleted:
                log.info("batch_retention_sweep", rows=deleted)
            stale = await asyncio.to_thread(self.store.requeue_stale, set(self._running))
            if stale:
                self._maybe_pending = True
                log.warning("batch_lines_requeued", lines=stale)
            await self._finalize()
        if self._busy():
            self._last_busy = now
            if self.preempt:
                self._preempt()
            return
        free = self.concurrency - len(self._running)
        if self._paused or free <= 0 or not self._maybe_pending or now < self._not_before \
                or now - self._last_busy < self._quiet:
            return
        lines = await asyncio.to_thread(self.store.claim, free)
        if len(lines) < free:
            self._maybe_pending = False
        for line in lines:
            key = (line.batch_id, line.idx)
            task = asyncio.create_task(self._line(line))
            self._running[key] = task
            task.add_done_callback(self._forget)

    def _preempt(self) -> None:
        """Interactive work arrived: the lines running give their slots up now (each goes
        back to waiting, its answer not stored, and runs again once the engines are idle)."""
        for key, task in self._running.items():
            if key not in self._generating or key in self._preempted \
                    or self._preemptions.get(key, 0) >= MAX_PREEMPTIONS:
                continue
            self._preempted.add(key)
            self._preemptions[key] = self._preemptions.get(key, 0) + 1
            task.cancel()

    def _forget(self, task: asyncio.Task[None]) -> None:
        for key, running in list(self._running.items()):
            if running is task:
                del self._running[key]
                self._preempted.discard(key)

    async def _finalize(self) -> None:
        for batch_id in await asyncio.to_thread(self.store.finalize):
            log.info("batch_ended", batch_id=batch_id)

    async def _line(self, line: Line) -> None:
        info = RequestInfo(request_id=uuid.uuid4().hex, method=f"batch:{line.endpoint}",
                           client=line.owner)
        info.peer, info.role = f"batch:{line.batch_id}", line.role
        info.policy = self._policy_of(line.owner) if line.identified else None
        current_request.set(info)
        structlog.contextvars.bind_contextvars(request_id=info.request_id)
        key = (line.batch_id, line.idx)
        self._generating.add(key)
        try:
            status, body = await self._run_line(line, info)
        except asyncio.CancelledError:
            if key not in self._preempted:
                raise  # a stop: the line stays running, and is recovered at the next start
            # Shielded: a stop now must not drop the release before its thread ran.
            await asyncio.shield(asyncio.to_thread(self.store.release, line))
            self._quiet = min(max(self._quiet * 2, 0.25), MAX_QUIET_S)
            self._maybe_pending = True
            log.info("batch_line_preempted", batch_id=line.batch_id, line=line.idx)
            return
        except NotNow as exc:
            self._not_before = self._clock() + min(max(exc.retry_after, 0.1), MAX_BACKOFF_S)
            await asyncio.to_thread(self.store.release, line)
            self._maybe_pending = True
            log.info("batch_line_deferred", batch_id=line.batch_id, line=line.idx,
                     retry_after_s=round(exc.retry_after, 1))
            return
        except Exception as exc:
            log.exception("batch_line_failed", batch_id=line.batch_id, line=line.idx,
                          error_type=type(exc).__name__)
            status, body = 500, {"error": {
                "message": f"internal error (request id {info.request_id})",
                "type": "internal_error", "param": None, "code": "internal_error"}}
        finally:
            self._generating.discard(key)
        self._preemptions.pop(key, None)
        self._quiet = self.idle_seconds
        result = {"id": "batch_req_" + secrets.token_hex(12), "custom_id": line.custom_id,
                  "response": {"status_code": status, "request_id": info.request_id,
                               "body": body},
                  "error": None}
        await asyncio.to_thread(self.store.complete, line, result, error=status != 200)
        log.info("batch_line", batch_id=line.batch_id, line=line.idx, status_code=status,
                 client=info.client, latency_ms=round(info.elapsed() * 1000, 1),
                 completion_tokens=info.completion_tokens)
        structlog.contextvars.unbind_contextvars("request_id")
        await self._finalize()
