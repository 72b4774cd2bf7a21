"""What every transport does around one call, so that each logs, counts, authenticates and
audits calls the same way: a request id, the in-flight count (shutdown waits for it), the
caller's identity and what it may do, how the call ended, the canonical log line and the
metrics, and the audit record of an inference call refused before the pipeline.

The gRPC interceptor (``appliance.server.interceptors``) is one user; an HTTP front door is
the next. Nothing here knows a wire format: a transport hands in the method name, the peer,
the credentials it read, and the error a call ended with.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any

import structlog

from appliance.access import Authenticator, anonymous_identity
from appliance.errors import ApplianceError
from appliance.observability.metrics import Metrics
from appliance.observability.refusals import RefusalSampler
from appliance.observability.tracing import NOOP, Carrier, Tracing, current_trace
from appliance.request import Outcome, RequestInfo, current_request, settle

log = structlog.get_logger("appliance.rpc")

#: Refused calls to these are audited (the inference calls the audit log is about).
AUDITED_METHODS = frozenset({"Generate", "GenerateStream", "Embed", "http:/v1/chat/completions",
                             "http:/v1/completions", "http:/v1/responses", "http:/v1/messages",
                             "http:/v1/embeddings"})


class InFlight:
    """Counts calls being served, so shutdown can wait for them."""

    def __init__(self) -> None:
        self.count = 0
        self._idle = asyncio.Event()
        self._idle.set()
        self._waiters: set[asyncio.Event] = set()

    def enter(self) -> None:
        self.count += 1
        self._idle.clear()

    def leave(self) -> None:
        self.count -= 1
        if self.count == 0:
            self._idle.set()
        for waiter in self._waiters:
            waiter.set()

    async def wait_at_most(self, n: int, timeout: float) -> bool:
        """Wait until at most ``n`` calls are in flight (the caller's own one, for Drain)."""
        deadline = time.monotonic() + timeout
        changed = asyncio.Event()
        self._waiters.add(changed)
        try:
            while self.count > n:
                changed.clear()
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(changed.wait(), remaining)
            return True
        finally:
            self._waiters.discard(changed)

    async def wait_idle(self, timeout: float) -> bool:
        try:
            await asyncio.wait_for(self._idle.wait(), timeout)
        except TimeoutError:
            return False
        return True


class Calls:
    """Begin, authenticate, fail and end calls, whatever transport they came by."""

    def __init__(self, in_flight: InFlight, metrics: Metrics, auth: Authenticator | None = None,  # noqa: PLR0913 - the parts a transport's calls go through
                 audit_refusal: Callable[[RequestInfo], Awaitable[None]] | None = None, *,
                 audit_summaries: Callable[[list[dict[str, Any]]], Awaitable[None]] | None = None,
                 refusals: RefusalSampler | None = None, tracing: Tracing | None = None) -> None:
        self.in_flight = in_flight
        #: OpenTelemetry traces of calls ([telemetry]; off: Tracing(), which traces nothing).
        self.tracing = tracing or Tracing()
        self.metrics = metrics
        self._auth = auth
        self._audit_refusal = audit_refusal
        self._audit_summaries = audit_summaries
        #: Which refusals are audited one by one; the rest go into summary records.
        self.refusals = refusals or RefusalSampler()

    def begin(self, method: str, peer: str, carrier: Carrier = ()) -> RequestInfo:
        """A new call: its id (bound to the log context), counted as in flight; its trace
        continues the W3C traceparent in ``carrier`` (the call's headers or metadata)."""
        # Until authentication names it, the caller is its host (reconnecting is no new
        # identity); the peer, port and all, is recorded as where the call came from.
        info = RequestInfo(request_id=uuid.uuid4().hex, method=method,
                           client=anonymous_identity(peer or "unknown"))
        info.peer = peer or "unknown"
        current_request.set(info)
        current_trace.set(self.tracing.begin(method, carrier))
        structlog.contextvars.bind_contextvars(request_id=info.request_id)
        self.in_flight.enter()
        return info

    def authenticate(self, info: RequestInfo, operation: str,
                     headers: Iterable[tuple[str, str | bytes]] | None,
                     certificate: Mapping[str, Iterable[bytes]]) -> None:
        """Who is calling and may they call ``operation`` (the API's full method name,
        ``/appliance.v1.Inference/Generate``); raises Unauthenticated or PermissionDenied (the
        reason goes to the log, the caller gets a generic message)."""
        if self._auth is None:
            return
        info.auth_checked = False
        identity = self._auth.identify(headers, certificate, info.peer)
        info.client, info.role = identity.name, identity.role
        self._auth.authorize(identity, operation)
        if identity.source != "anonymous":
            info.policy = self._auth.policy(identity)
        info.auth_checked = True

    async def failed(self, info: RequestInfo, error: BaseException, status: str) -> None:
        """The call ends with ``error`` (``status``: the transport's code name for it): its
        outcome, the audit record of a refused inference call, and the warning."""
        if info.outcome is Outcome.OK:  # not settled by the pipeline: refused before it
            settle(info, error, begun=False)
        info.status = status
        if info.outcome is Outcome.REJECTED and not info.auth_checked \
                and self._audit_refusal is not None and info.method in AUDITED_METHODS:
            if self.refusals.admit(info.peer, info.status, info.error_reason or "error",
                                   info.method):
                await self._audit_refusal(info)
            else:
                self.metrics.refusals_summarised.labels(info.status).inc()
        if isinstance(error, ApplianceError):
            log.warning("rpc_error", error_type=type(error).__name__, detail=error.message,
                        context={k: v for k, v in error.context.items() if v is not None})
        else:
            log.error("rpc_unexpected_error", error_type=type(error).__name__, exc_info=error)

    async def write_summaries(self, *, final: bool = False) -> None:
        """Write the summary record of each refusal window that has closed (``final``: the
        open one too, at shutdown). The daemon calls it every second, not the refused call:
        a refusal never waits for a summary."""
        summaries = self.refusals.take(final=final)
        for summary in summaries:
            log.warning("refusals_summarised", peer=summary.peer, status=summary.status,
                        reason=summary.reason, count=summary.count)
        if summaries and self._audit_summaries is not None:
            await self._audit_summaries([summary.record() for summary in summaries])

    @staticmethod
    def cancelled(info: RequestInfo, deadline_passed: bool) -> None:
        """The caller went away, or its deadline passed."""
        settle(info, asyncio.CancelledError(), deadline_passed=deadline_passed)

    def end(self, info: RequestInfo) -> None:
        """The call is over: the canonical log line, the metrics, out of the in-flight count."""
        self.in_flight.leave()
        log.info(
            "rpc", method=info.method, client=info.client, status=info.status,
            outcome=str(info.outcome), model=info.tier, route=info.route,
            route_reason=info.route_reason, prompt_tokens=info.prompt_tokens,
            completion_tokens=info.completion_tokens, finish_reason=info.finish_reason,
            latency_ms=round((time.monotonic() - info.started) * 1000, 1),
            queue_wait_ms=round(info.queue_wait_s * 1000, 1)
            if info.queue_wait_s is not None else None,
            pii=info.pii_counts or None, output_pii=info.output_pii_counts or None,
        )
        if info.method in AUDITED_METHODS:
            self.metrics.observe_request(info)
        current_trace.get().finish(info)
        current_trace.set(NOOP)
        structlog.contextvars.unbind_contextvars("request_id")
