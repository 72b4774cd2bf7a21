"""The one server interceptor: request id, the canonical log line, and error -> status.

For every ``appliance.v1`` RPC it assigns a request id (returned as ``request-id`` trailing
metadata), binds it to structlog's contextvars, counts the request as in flight, turns an
:class:`ApplianceError` into its status code through :func:`appliance.errors.grpc_status` (the
only place that mapping happens), and logs one line when the RPC ends. Health checks and
reflection pass through untouched, so probes do not flood the log.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, TypeAlias

import grpc
import structlog
from grpc import aio

from appliance.access import Authenticator
from appliance.errors import (
    ApplianceError,
    InvalidArgument,
    Overloaded,
    client_message,
    grpc_status,
)
from appliance.observability.metrics import Metrics
from appliance.request import Outcome, RequestInfo, current_request, settle

Context: TypeAlias = "aio.ServicerContext[Any, Any]"

log = structlog.get_logger("appliance.rpc")

SERVICE_PREFIX = "/appliance.v1."
#: Refused calls to these are audited (the inference RPCs the audit log is about).
AUDITED_METHODS = frozenset({"Generate", "GenerateStream"})


class _Undecodable:
    """Stands in for a request whose bytes are not a valid message (e.g. invalid UTF-8)."""


UNDECODABLE = _Undecodable()


def _lenient(deserialize: Callable[[bytes], Any] | None) -> Callable[[bytes], Any] | None:
    """grpc answers INTERNAL when a request does not parse; we answer INVALID_ARGUMENT."""
    if deserialize is None:
        return None

    def parse(data: bytes) -> Any:
        try:
            return deserialize(data)
        except Exception:  # noqa: BLE001 - protobuf raises DecodeError and others
            return UNDECODABLE

    return parse


def _check_decoded(request: Any) -> None:
    if request is UNDECODABLE:
        raise InvalidArgument("request: not a valid appliance.v1 message (bad wire format or "
                              "invalid UTF-8 in a string field)", field="request")


class InFlight:
    """Counts RPCs being served, so shutdown can wait for them."""

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
        """Wait until at most ``n`` RPCs are in flight (the caller's own one, for Drain)."""
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


class ServingInterceptor(aio.ServerInterceptor):  # type: ignore[type-arg]
    def __init__(self, in_flight: InFlight, metrics: Metrics, auth: Authenticator | None = None,
                 audit_refusal: Callable[[RequestInfo], Awaitable[None]] | None = None) -> None:
        self._auth = auth
        self._audit_refusal = audit_refusal
        self._in_flight = in_flight
        #: Per-request counters and histograms.
        self.metrics = metrics

    async def intercept_service(
        self, continuation: Callable[[grpc.HandlerCallDetails], Awaitable[Any]],
        details: grpc.HandlerCallDetails,
    ) -> Any:
        handler = await continuation(details)
        method: str = details.method
        if handler is None or not method.startswith(SERVICE_PREFIX):
            return handler
        if handler.unary_unary is not None:
            return grpc.unary_unary_rpc_method_handler(
                self._wrap_unary(method, handler.unary_unary),
                request_deserializer=_lenient(handler.request_deserializer),
                response_serializer=handler.response_serializer)
        if handler.unary_stream is not None:
            return grpc.unary_stream_rpc_method_handler(
                self._wrap_stream(method, handler.unary_stream),
                request_deserializer=_lenient(handler.request_deserializer),
                response_serializer=handler.response_serializer)
        return handler

    def _begin(self, method: str, context: Context) -> RequestInfo:
        info = RequestInfo(request_id=uuid.uuid4().hex, method=method.rsplit("/", 1)[-1],
                           client=context.peer() or "unknown")
        info.peer = info.client
        current_request.set(info)
        structlog.contextvars.bind_contextvars(request_id=info.request_id)
        context.set_trailing_metadata((("request-id", info.request_id),))
        self._in_flight.enter()
        return info

    def _authenticate(self, method: str, info: RequestInfo, context: Context) -> None:
        """Who is calling and may they call this; raises Unauthenticated/PermissionDenied."""
        if self._auth is None:
            return
        info.auth_checked = False
        identity = self._auth.identify(context.invocation_metadata(), context.auth_context(),
                                       info.peer)
        info.client, info.role = identity.name, identity.role
        self._auth.authorize(identity, method)
        if identity.source != "anonymous":
            info.policy = self._auth.policy(identity)
        info.auth_checked = True

    def _end(self, info: RequestInfo) -> None:
        self._in_flight.leave()
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
        structlog.contextvars.unbind_contextvars("request_id")

    async def _fail(self, info: RequestInfo, context: Context,
                    error: BaseException) -> None:
        code = grpc_status(error)
        if info.outcome is Outcome.OK:  # not settled by the pipeline: refused before it
            settle(info, error, begun=False)
        info.status = code.name
        metadata = [("request-id", info.request_id)]
        if isinstance(error, Overloaded):
            metadata.append(("retry-after", f"{max(error.retry_after, 0.1):.1f}"))
        if info.outcome is Outcome.REJECTED and not info.auth_checked \
                and self._audit_refusal is not None and info.method in AUDITED_METHODS:
            await self._audit_refusal(info)
        if isinstance(error, ApplianceError):
            log.warning("rpc_error", error_type=type(error).__name__, detail=error.message,
                        context={k: v for k, v in error.context.items() if v is not None})
        else:
            log.error("rpc_unexpected_error", error_type=type(error).__name__,
                      exc_info=error)
        context.set_trailing_metadata(tuple(metadata))
        await context.abort(code, client_message(error))

    def _cancelled(self, info: RequestInfo, context: Context) -> None:
        remaining = context.time_remaining()
        settle(info, asyncio.CancelledError(),
               deadline_passed=remaining is not None and remaining <= 0)

    def _wrap_unary(self, method: str, behavior: Callable[..., Awaitable[Any]]
                    ) -> Callable[[Any, Context], Awaitable[Any]]:
        async def unary(request: Any, context: Context) -> Any:
            info = self._begin(method, context)
            try:
                self._authenticate(method, info, context)
                _check_decoded(request)
                return await behavior(request, context)
            except asyncio.CancelledError:
                self._cancelled(info, context)
                raise
            except aio.AbortError:
                raise
            except Exception as exc:  # noqa: BLE001 - every error leaves through the one mapping
                await self._fail(info, context, exc)
            finally:
                self._end(info)
            return None  # unreachable: _fail aborts

        return unary

    def _wrap_stream(self, method: str, behavior: Callable[..., AsyncIterator[Any]]
                     ) -> Callable[[Any, Context], AsyncIterator[Any]]:
        async def stream(request: Any, context: Context) -> AsyncIterator[Any]:
            info = self._begin(method, context)
            try:
                self._authenticate(method, info, context)
                _check_decoded(request)
                async for item in behavior(request, context):
                    yield item
            except (asyncio.CancelledError, GeneratorExit):
                self._cancelled(info, context)
                raise
            except aio.AbortError:
                raise
            except Exception as exc:  # noqa: BLE001 - every error leaves through the one mapping
                await self._fail(info, context, exc)
            finally:
                self._end(info)

        return stream
