"""OpenTelemetry traces of requests, off unless ``[telemetry] otlp_endpoint`` is set.

One span per call, begun where every transport begins a call (:meth:`appliance.calls.Calls.
begin`) as a SERVER span that continues the caller's W3C ``traceparent`` (an HTTP header, or
gRPC metadata of the same name), and ended with the call (:meth:`Calls.end`) carrying the GenAI
semantic-convention attributes (``gen_ai.request.model``, ``gen_ai.usage.input_tokens`` /
``output_tokens``, ``gen_ai.response.finish_reasons``, ...). Its children, one per stage::

    validate ─ mask ─ place ─ [escalate] ─ queue_wait ─ prefill ─ decode ─ audit
                                           └ central (CLIENT: its traceparent goes to the cluster)

The pipeline marks the boundaries of its sequential stages with :meth:`RequestTrace.phase`
(one line each; a stage an exception leaves open is ended with the call, as failed). The
local engine's queue wait, prefill and decode are timed from outside its thread: when its
event stream is first read, its first event, and its :class:`~appliance.engine.types.Finished`
(which says how long the request waited for a slot); "prefill" therefore runs until the first
text the engine releases.

What a span may carry: durations, token counts, the model tier and file hash, the route, the
finish reason, status and error class, PII entity *types and counts* (as the response and the
metrics do), the request id. Never a prompt, an answer, a PII value, a token or key, an error
message (it may quote input), nor the caller's identity: the audit log keeps identities inside
its encrypted records and the metrics leave them out, so an export to a collector off the box
does too; the request id joins a trace to the box's log line and audit record.

Off (the default): every call gets :data:`NOOP`, whose methods do nothing, and OpenTelemetry is
never imported (the SDK is used by :mod:`appliance.observability.otlp`, which
:func:`appliance.observability.telemetry.open_tracing` imports only when an endpoint is set).
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import AsyncIterator, Iterable, Mapping
from contextlib import AbstractContextManager
from types import MappingProxyType

from appliance.engine.types import Event
from appliance.request import GenerateParams, RequestInfo

#: Request metadata as a transport has it: gRPC invocation metadata, HTTP header items.
Carrier = Iterable[tuple[str, str | bytes]]

_NO_HEADERS: Mapping[str, str] = MappingProxyType({})
_NULL: AbstractContextManager[None] = contextlib.nullcontext()


class RequestTrace:
    """One call's trace. This base class is the trace of a call that is not traced: every
    method does nothing (and costs one call)."""

    __slots__ = ()

    def requested(self, params: GenerateParams) -> None:
        """What the caller asked for (model, sampling limits), from the validated request."""

    def phase(self, name: str | None) -> None:
        """End the open stage (if any) and begin stage ``name`` (None: none)."""

    def stage(self, name: str) -> AbstractContextManager[None]:
        """A child span around a block."""
        return _NULL

    def generation(self, events: AsyncIterator[Event],
                   tier: str) -> AsyncIterator[Event]:
        """A local engine's event stream, timed into queue_wait, prefill and decode spans."""
        return events

    def central(self, events: AsyncIterator[Event],
                tier: str) -> AsyncIterator[Event]:
        """The central cluster's event stream, in a CLIENT span whose context is what
        :meth:`headers` sends the cluster."""
        return events

    def headers(self) -> Mapping[str, str]:
        """W3C trace context headers for an outgoing call (none when not traced)."""
        return _NO_HEADERS

    def finish(self, info: RequestInfo) -> None:
        """The call is over: its attributes from ``info``, and the span ends."""


#: The trace of every call while tracing is off.
NOOP = RequestTrace()

#: The trace of the call being served in this task (set by :meth:`Calls.begin`).
current_trace: contextvars.ContextVar[RequestTrace] = contextvars.ContextVar(
    "current_trace", default=NOOP)


def trace() -> RequestTrace:
    """The trace of the call being served in this task (:data:`NOOP` outside a call)."""
    return current_trace.get()


def outgoing_headers() -> Mapping[str, str]:
    """Trace context headers for a call this task makes on behalf of its request."""
    return current_trace.get().headers()


class Tracing:
    """The daemon's tracer. This base class is tracing switched off."""

    enabled = False

    def begin(self, method: str, carrier: Carrier) -> RequestTrace:
        """The trace of a new call to ``method``, continuing ``carrier``'s traceparent."""
        return NOOP

    def close(self) -> None:
        """Export what is still buffered (a bounded wait), then stop."""
