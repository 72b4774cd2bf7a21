"""Runs batch lines in the capacity interactive work leaves idle.

A line starts only when nothing interactive is going on: no call in flight on any front door
and no request waiting for an engine's slot, for at least ``[batch] idle_seconds``; at most
``[batch] concurrency`` lines run at once, each at the lowest priority (so any interactive
request that arrives while one runs ranks before batch work in the engine's queue, and takes
a free slot at once). With ``[batch] preempt`` (the default) interactive work comes first:

- while any interactive call is in flight, the engines hold the lines running: each keeps
  its slot and its cells but takes no part in the engine's steps, so an interactive
  request's prefill and first token never share a step with batch work (but the step under
  way when it arrives), and the line goes on where it stopped once the call is over (a line
  held ``llama_engine.MAX_HOLD_S`` in all runs on beside interactive work to its end, so
  that a steady interactive load slows a batch without starving it);
- when an interactive request waits for a slot (the lines hold the last ones), the lines
  are cancelled (their requests audited as cancelled, no answer stored) and run again once
  the engines are idle (a line cut off ``MAX_PREEMPTIONS`` times runs on to its end).

What a line's run ends with decides what happens to it (``run_line`` classifies):

- an answer, a refusal of the request itself included (invalid, a quota spent, a model the
  appliance does not have): the line's result, at once;
- :class:`NotNow`, the appliance cannot take it now (starting, draining, cannot audit, out of
  capacity): every line waits, and runs later; not counted against the line;
- :class:`NotNow` with ``owner``, a rate or concurrency limit of the submitter: that
  identity's lines wait, other identities' batches run on; not counted against the line;
- :class:`Transient`, a failure that may pass (an engine not ready or failing, the central
  cluster): the line runs again after a back-off, at most ``MAX_ATTEMPTS`` times; then its
  last answer is its result, with the error code ``retries_exhausted``.

Each line is its own request through the pipeline (``run_line``: the HTTP API's translation
of OpenAI's bodies), as the identity that submitted the batch, as that identity is now:
before each line ``owner_role`` looks it up again (a live token of that name, or a
certificate role) and its current role and policy apply. An identity that may no longer
submit (its token revoked, the identity or its right to generate removed) is refused as an
interactive call would be: the refusal is audited, the line and every line of its batch not
yet run get an error line (code ``owner_revoked``), and the batch ends ``failed``. Lines are
masked, audited (method ``batch:<endpoint>``, peer ``batch:<batch id>``), charged to the
identity's limits and budgets.

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
from appliance.errors import PermissionDenied, Unauthenticated, Unavailable
from appliance.request import RequestInfo, current_request, settle

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
#: Runs of a line that may end with a failure that may pass (Transient); then it fails.
MAX_ATTEMPTS = 3
#: The back-off after a line's first transient failure (doubled for each further one).
RETRY_BASE_S = 2.0
#: How long an identity the owner check could not be made for (tokens file, Redis) waits.
OWNER_UNKNOWN_RETRY_S = 5.0
#: The error code of the lines of a batch whose owner may no longer submit.
OWNER_REVOKED = "owner_revoked"
#: A line is cut off by interactive work at most this often; then it runs to its end beside
#: it (at the lowest priority), so a steady interactive load slows a batch, never starves it.
MAX_PREEMPTIONS = 3
#: A line's own CPU work (masking, the last scan of its answer, its end record) waits at most
#: this long, in all, for interactive work in flight to be over (then it goes on beside it).
MAX_YIELD_S = 10.0
#: How often such a wait looks again.
YIELD_POLL_S = 0.005
#: After a line was cut off, the quiet time before the next starts doubles (from at least
#: 0.25 s) up to this, and is back to ``idle_seconds`` once a line ran to its end: under
#: steady interactive traffic lines start only in its longer pauses, not in every one.
MAX_QUIET_S = 2.0

#: (HTTP status, response body) of one line.
Answer = tuple[int, dict[str, Any]]
LineRunner = Callable[[Line, RequestInfo], Awaitable[Answer]]


class NotNow(Exception):
    """The line cannot run now; it runs again after ``retry_after`` seconds, and this does
    not count as one of its attempts. ``owner``: only its owner's lines wait (a rate or
    concurrency limit of that identity); otherwise every line waits (the appliance is
    starting, draining, out of capacity, or cannot audit)."""

    def __init__(self, retry_after: float, *, owner: bool = False) -> None:
        super().__init__(retry_after)
        self.retry_after = retry_after
        self.owner = owner


class Transient(Exception):
    """The line's run failed in a way that may pass: it runs again after a back-off (at
    least ``retry_after``), at most MAX_ATTEMPTS runs in all; then ``answer`` (this failure's
    error response) is its result."""

    def __init__(self, answer: Answer, retry_after: float = 0.0) -> None:
        super().__init__(answer[0])
        self.answer = answer
        self.retry_after = retry_after


class BatchWorker:
    """The daemon's one batch worker (``run`` as a task; ``pause`` and ``stop`` at
    shutdown)."""

    def __init__(self, store: BatchStore, run_line: LineRunner, *,  # noqa: PLR0913 - its parts
                 busy: Callable[[], bool], policy_of: Callable[[str], Policy],
                 concurrency: int, idle_seconds: float, preempt: bool = True,
                 owner_role: Callable[[Line], str] | None = None,
                 starved: Callable[[], bool] | None = None,
                 audit_refusal: Callable[[RequestInfo], Awaitable[bool]] | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        """``owner_role``: the current role of a line's owner, raising Unauthenticated or
        PermissionDenied when it may no longer submit (None: the role stored with the
        batch); ``audit_refusal``: audits such a refusal, False when it cannot now (the
        appliance not serving: the line waits); ``starved``: whether interactive work waits
        for a slot (the engines hold lines while it is in flight: they are cancelled only
        then; None: whenever interactive work is in flight)."""
        self.store = store
        self._run_line = run_line
        self._busy = busy
        self._policy_of = policy_of
        self._owner_role = owner_role
        self._starved = starved
        self._audit_refusal = audit_refusal
        self.concurrency = concurrency
        self.idle_seconds = idle_seconds
        #: Cancel running lines when interactive work arrives (they run again later).
        self.preempt = preempt
        #: Lines being cut off now (until their task ends), and how often each was.
        self._preempted: set[tuple[str, int]] = set()
        self._preemptions: dict[tuple[str, int], int] = {}
        #: Lines in the pipeline now, and their requests (an answer being stored is not cut
        #: off).
        self._generating: dict[tuple[str, int], RequestInfo] = {}
        #: The quiet time a line now waits for (see MAX_QUIET_S).
        self._quiet = idle_seconds
        self._clock = clock
        self._wake = asyncio.Event()
        self._running: dict[tuple[str, int], asyncio.Task[None]] = {}
        self._paused = False
        #: Whether lines may be waiting (false once a claim found fewer than asked for).
        self._maybe_pending = True
        #: No line starts before this (the appliance could not take one).
        self._not_before = 0.0
        #: No line of these identities starts before their time (their limits).
        self._owner_not_before: dict[str, float] = {}
        #: When a line that waits out a back-off may be claimed again: look then.
        self._recheck_at = float("inf")
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
                log.warning("batch_lines_requeued", lines=stale)
            self._maybe_pending = True  # and a safety net for a back-off's end
            await self._finalize()
        if now >= self._recheck_at:
            self._recheck_at = float("inf")
            self._maybe_pending = True
        if self._busy():
            self._last_busy = now
            if self.preempt:
                self._preempt(self._starved is None or self._starved())
            return
        free = self.concurrency - len(self._running)
        if self._paused or free <= 0 or not self._maybe_pending or now < self._not_before \
                or now - self._last_busy < self._quiet:
            return
        for owner in [o for o, due in self._owner_not_before.items() if due <= now]:
            del self._owner_not_before[owner]
        lines = await asyncio.to_thread(self.store.claim, free, set(self._owner_not_before))
        if len(lines) < free:
            self._maybe_pending = False
        for line in lines:
            key = (line.batch_id, line.idx)
            task = asyncio.create_task(self._line(line))
            self._running[key] = task
            task.add_done_callback(self._forget)

    def _preempt(self, starved: bool) -> None:
        """Interactive work is in flight (``starved``: and, where engines hold lines, it
        waits for a slot): the lines that would compete with it give their slot up now (each
        goes back to waiting, its answer not stored, and runs again once the engines are
        idle). Where engines hold lines, only lines in an engine now are cut off, and only
        when ``starved`` (one masking, or with its answer complete, holds no slot); an
        embeddings line, which no engine holds, is cut off while it embeds."""
        for key, task in self._running.items():
            info = self._generating.get(key)
            if info is None or key in self._preempted \
                    or self._preemptions.get(key, 0) >= MAX_PREEMPTIONS:
                continue
            if self._starved is not None:
                embedding = info.method.endswith("/v1/embeddings")
                if not info.in_engine or not (starved or embedding):
                    continue
            elif not starved:
                continue
            self._preempted.add(key)
            self._preemptions[key] = self._preemptions.get(key, 0) + 1
            task.cancel()

    def _yielder(self) -> Callable[[], Awaitable[None]]:
        """What a line awaits before its own CPU work: until no interactive call is in flight
        (at most MAX_YIELD_S for the line in all). On two cores, a line's masking or end
        record beside an interactive request's start delays its first token."""
        left = [MAX_YIELD_S]

        async def until_quiet() -> None:
            started = time.monotonic()  # not the injected clock: a test's may stand still
            while left[0] > 0 and self._busy():
                await asyncio.sleep(YIELD_POLL_S)
                left[0] -= time.monotonic() - started
                started = time.monotonic()

        return until_quiet

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
        info.background = True
        if self.preempt:
            info.yield_to = self._yielder()
        current_request.set(info)
        structlog.contextvars.bind_contextvars(request_id=info.request_id)
        key = (line.batch_id, line.idx)
        try:
            if self._owner_role is not None:
                info.role = self._owner_role(line)
        except (Unauthenticated, PermissionDenied) as exc:
            await self._refuse(line, info, exc)
            return
        except Unavailable:  # the tokens file or the shared revocations cannot be read now
            await self._defer(line, NotNow(OWNER_UNKNOWN_RETRY_S))
            return
        info.policy = self._policy_of(line.owner) if line.identified else None
        exhausted = None
        self._generating[key] = info
        try:
            status, body = await self._run_line(line, info)
        except asyncio.CancelledError:
            if key not in self._preempted:
                raise  # a stop: the line stays running, and is recovered at the next start
            # Shielded: a stop now must not drop the release before its thread ran.
            await asyncio.shield(asyncio.to_thread(self.store.release, line,
                                                   reason="preempted"))
            self._quiet = min(max(self._quiet * 2, 0.25), MAX_QUIET_S)
            self._maybe_pending = True
            log.info("batch_line_preempted", batch_id=line.batch_id, line=line.idx)
            return
        except NotNow as exc:
            await self._defer(line, exc)
            return
        except Transient as exc:
            if line.attempts + 1 < MAX_ATTEMPTS:
                await self._retry(line, exc)
                return
            (status, body), exhausted = exc.answer, {
                "code": "retries_exhausted",
                "message": f"the request failed {MAX_ATTEMPTS} times with an error that may "
                           f"pass; the last response is in response"}
        except Exception as exc:
            log.exception("batch_line_failed", batch_id=line.batch_id, line=line.idx,
                          error_type=type(exc).__name__)
            status, body = 500, {"error": {
                "message": f"internal error (request id {info.request_id})",
                "type": "internal_error", "param": None, "code": "internal_error"}}
        finally:
            self._generating.pop(key, None)
        self._preemptions.pop(key, None)
        self._quiet = self.idle_seconds
        result = {"id": "batch_req_" + secrets.token_hex(12), "custom_id": line.custom_id,
                  "response": {"status_code": status, "request_id": info.request_id,
                               "body": body},
                  "error": exhausted}
        await asyncio.to_thread(self.store.complete, line, result, error=status != 200)
        log.info("batch_line", batch_id=line.batch_id, line=line.idx, status_code=status,
                 client=info.client, latency_ms=round(info.elapsed() * 1000, 1),
                 completion_tokens=info.completion_tokens, attempts=line.attempts + 1)
        structlog.contextvars.unbind_contextvars("request_id")
        await self._finalize()

    def _look_again_in(self, delay: float) -> float:
        """A line waits ``delay``: the worker looks for lines again then. Returns when."""
        due = self._clock() + delay
        self._recheck_at = min(self._recheck_at, due + 0.05)
        return due

    async def _defer(self, line: Line, exc: NotNow) -> None:
        """The line waits, not counted as an attempt: its owner's lines (``exc.owner``: a
        limit of that identity; other identities' lines run on), or every line."""
        delay = min(max(exc.retry_after, 0.1), MAX_BACKOFF_S)
        due = self._look_again_in(delay)
        if exc.owner:
            self._owner_not_before[line.owner] = due
        else:
            self._not_before = due
        await asyncio.to_thread(self.store.release, line, reason="deferred")
        self._maybe_pending = True
        log.info("batch_line_deferred", batch_id=line.batch_id, line=line.idx,
                 retry_after_s=round(delay, 1), scope="owner" if exc.owner else "appliance")

    async def _retry(self, line: Line, exc: Transient) -> None:
        """A failure that may pass: the line runs again after a back-off (this line alone;
        the others run on)."""
        delay = min(max(exc.retry_after, RETRY_BASE_S * 2 ** line.attempts), MAX_BACKOFF_S)
        self._look_again_in(delay)
        await asyncio.to_thread(self.store.release, line, delay=delay, failed=True,
                                reason="transient")
        self._maybe_pending = True
        log.info("batch_line_retry", batch_id=line.batch_id, line=line.idx,
                 attempt=line.attempts + 1, status_code=exc.answer[0],
                 retry_after_s=round(delay, 1))

    async def _refuse(self, line: Line, info: RequestInfo,
                      error: Unauthenticated | PermissionDenied) -> None:
        """The owner may no longer submit: the refusal audited as an interactive one would
        be, then this line and its batch's lines not yet run fail, and the batch ends."""
        info.auth_checked = False
        settle(info, error, begun=False)
        if self._audit_refusal is not None and not await self._audit_refusal(info):
            await self._defer(line, NotNow(OWNER_UNKNOWN_RETRY_S))  # audited once it can be
            return
        message = ("the identity that submitted this batch may no longer submit (its token "
                   "was revoked, or the identity or its right to generate was removed); "
                   "this request was not run")
        await asyncio.to_thread(self.store.refuse_batch, line, OWNER_REVOKED, message)
        log.warning("batch_owner_refused", batch_id=line.batch_id, line=line.idx,
                    client=info.client, status=info.status, detail=error.message)
        structlog.contextvars.unbind_contextvars("request_id")
        await self._finalize()
