"""The gRPC side of every call: the request id as trailing metadata, lenient decoding, and
the one mapping of an error to a status code (:func:`appliance.errors.grpc_status`).

For every ``appliance.v1`` RPC the interceptor hands the call to :class:`appliance.calls.Calls`
(request id, in-flight count, identity, outcome, log line, metrics, refusal audit: what any
transport does) and turns the error a call ended with into its status code and message.
Health checks and reflection pass through untouched, so probes do not flood the log.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncGenerator, Awaitable, Callable
from typing import Any, TypeAlias

import grpc
from grpc import aio

from appliance import errors
from appliance.calls import Calls
from appliance.errors import InvalidArgument, Overloaded, client_message, grpc_status
from appliance.request import RequestInfo

Context: TypeAlias = "aio.ServicerContext[Any, Any]"

SERVICE_PREFIX = "/appliance.v1."


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


class _ClientGone(Exception):
    """A stream's message could not be written: the call is over on the client's side."""


async def _write(context: Context, item: Any, timeout: float) -> None:
    """Send one message of a stream. A reader that stops reading holds the write (HTTP/2 flow
    control) for as long as its connection lives; past ``timeout`` seconds the call ends. A
    write the transport refuses (grpc's ExecuteBatchError, not public API: the client went
    away between two messages) is :class:`_ClientGone`, so the call ends as CANCELLED, not as
    an unexpected INTERNAL."""
    try:
        if timeout <= 0:
            await context.write(item)
        else:
            # A timer per write, not wait_for's task per write: one less task and loop
            # iteration for every streamed token.
            async with asyncio.timeout(timeout):
                await context.write(item)
    except TimeoutError:
        raise errors.ReaderStalled(f"the client took no data for {timeout:g} s; stream cancelled "
                            "([server] stream_write_timeout_seconds)",
                            timeout_s=timeout) from None
    except (asyncio.CancelledError, aio.AbortError):
        raise
    except Exception as exc:
        raise _ClientGone from exc


class ServingInterceptor(aio.ServerInterceptor):  # type: ignore[type-arg]
    def __init__(self, calls: Calls, *, write_timeout: float = 0.0) -> None:
        self.calls = calls
        #: Seconds one streamed message may wait for the reader (0 = no bound).
        self.write_timeout = write_timeout

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
        info = self.calls.begin(method.rsplit("/", 1)[-1], context.peer(),
                                context.invocation_metadata() or ())
        context.set_trailing_metadata((("request-id", info.request_id),))
        return info

    def _admit(self, method: str, info: RequestInfo, request: Any, context: Context) -> None:
        self.calls.authenticate(info, method, context.invocation_metadata(),
                                context.auth_context())
        _check_decoded(request)

    async def _fail(self, info: RequestInfo, context: Context, error: BaseException) -> None:
        code = grpc_status(error)
        await self.calls.failed(info, error, code.name)
        metadata = [("request-id", info.request_id)]
        if isinstance(error, Overloaded):
            metadata.append(("retry-after", f"{max(error.retry_after, 0.1):.1f}"))
        context.set_trailing_metadata(tuple(metadata))
        await context.abort(code, client_message(error))

    def _cancelled(self, info: RequestInfo, context: Context) -> None:
        remaining = context.time_remaining()
        self.calls.cancelled(info, deadline_passed=remaining is not None and remaining <= 0)

    def _wrap_unary(self, method: str, behavior: Callable[..., Awaitable[Any]]
                    ) -> Callable[[Any, Context], Awaitable[Any]]:
        async def unary(request: Any, context: Context) -> Any:
            info = self._begin(method, context)
            try:
                self._admit(method, info, request, context)
                return await behavior(request, context)
            except asyncio.CancelledError:
                self._cancelled(info, context)
                raise
            except aio.AbortError:
                raise
            except Exception as exc:  # noqa: BLE001 - every error leaves through the one mapping
                await self._fail(info, context, exc)
            finally:
                self.calls.end(info)
            return None  # unreachable: _fail aborts

        return unary

    def _wrap_stream(self, method: str, behavior: Callable[..., AsyncGenerator[Any, None]]
                     ) -> Callable[[Any, Context], Awaitable[None]]:
        async def stream(request: Any, context: Context) -> None:
            info = self._begin(method, context)
            try:
                self._admit(method, info, request, context)
                # A coroutine handler (grpc's reader/writer API), so each write can time out;
                # a yielded message would wait for a stalled reader without bound. Closing
                # the servicer's generator closes the pipeline's, which audits the request
                # as cancelled and frees its slot.
                async with contextlib.aclosing(behavior(request, context)) as items:
                    async for item in items:
                        await _write(context, item, self.write_timeout)
            except _ClientGone:
                self._cancelled(info, context)
            except asyncio.CancelledError:
                self._cancelled(info, context)
                raise
            except aio.AbortError:
                raise
            except Exception as exc:  # noqa: BLE001 - every error leaves through the one mapping
                await self._fail(info, context, exc)
            finally:
                self.calls.end(info)

        return stream
