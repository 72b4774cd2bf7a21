"""The Python SDK internal applications use to call the appliance.

::

    from appliance.client import Client

    with Client("127.0.0.1:50051") as c:
        print(c.generate("The capital of France is", max_tokens=16).text)
        for chunk in c.stream(messages=[{"role": "user", "content": "Hi"}]):
            print(chunk.text, end="")

:class:`AsyncClient` offers the same calls for asyncio. Both retry ``UNAVAILABLE`` and
``RESOURCE_EXHAUSTED`` with exponential backoff and full jitter, waiting at least the server's
``retry-after``; a stream is retried only if it failed before its first chunk, so no text is ever
delivered twice. Every call has a deadline (``timeout``). Errors surface as :class:`RpcError` with
the status code, the server's message and the request id.
"""

from __future__ import annotations

import asyncio
import json
import random
import time
from collections.abc import AsyncIterator, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import grpc
from grpc import aio

from appliance.v1 import appliance_pb2 as pb
from appliance.v1 import appliance_pb2_grpc as pb_grpc

DEFAULT_TARGET = "127.0.0.1:50051"
RETRYABLE = frozenset({grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.RESOURCE_EXHAUSTED})


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 4
    initial_backoff: float = 0.2
    max_backoff: float = 10.0
    multiplier: float = 2.0

    def delay(self, attempt: int, retry_after: float | None, rng: Callable[[], float]) -> float:
        """Seconds to wait before try ``attempt + 1`` (attempt counts from 1)."""
        cap = min(self.max_backoff, self.initial_backoff * self.multiplier ** (attempt - 1))
        wait = cap * rng()  # full jitter
        return max(wait, retry_after or 0.0)


NO_RETRY = RetryPolicy(max_attempts=1)


class RpcError(Exception):
    """A call failed. ``code`` is the gRPC status; ``message`` the server's one line."""

    def __init__(self, code: grpc.StatusCode, message: str, request_id: str | None = None,
                 retry_after: float | None = None) -> None:
        super().__init__(f"{code.name}: {message}")
        self.code = code
        self.message = message
        self.request_id = request_id
        self.retry_after = retry_after

    @classmethod
    def from_grpc(cls, error: grpc.RpcError | aio.AioRpcError) -> RpcError:
        meta: dict[str, str] = {}
        trailing = error.trailing_metadata() if hasattr(error, "trailing_metadata") else None
        for item in trailing or ():
            key, value = item[0], item[1]  # type: ignore[index]
            meta[str(key)] = value if isinstance(value, str) else bytes(value).decode()
        retry_after = None
        if "retry-after" in meta:
            try:
                retry_after = float(meta["retry-after"])
            except ValueError:
                retry_after = None
        return cls(error.code(), error.details() or "", meta.get("request-id"), retry_after)


@dataclass(frozen=True)
class Usage:
    prompt_tokens: int = 0
    completion_tokens: int = 0
    total_tokens: int = 0


@dataclass(frozen=True)
class Result:
    text: str
    reasoning: str
    model: str
    served_by: str
    finish_reason: str
    usage: Usage
    request_id: str
    route_reason: str = ""
    pii: Mapping[str, int] = field(default_factory=dict)
    #: The answer's calls of tools: {"id", "name", "arguments"} (arguments as JSON text).
    tool_calls: Sequence[Mapping[str, str]] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "reasoning": self.reasoning, "model": self.model,
                "served_by": self.served_by, "finish_reason": self.finish_reason,
                "usage": self.usage.__dict__.copy(), "request_id": self.request_id,
                "route_reason": self.route_reason, "pii": dict(self.pii),
                "tool_calls": [dict(c) for c in self.tool_calls]}


def _usage(u: pb.Usage) -> Usage:
    return Usage(u.prompt_tokens, u.completion_tokens, u.total_tokens)


def _result(r: pb.GenerateResponse) -> Result:
    return Result(text=r.text, reasoning=r.reasoning, model=r.model, served_by=r.served_by,
                  finish_reason=r.finish_reason, usage=_usage(r.usage),
                  request_id=r.request_id, route_reason=r.route_reason,
                  pii={p.entity_type: p.count for p in r.pii},
                  tool_calls=tuple({"id": c.id, "name": c.name, "arguments": c.arguments_json}
                                   for c in r.tool_calls))


Messages = Sequence[Mapping[str, Any] | tuple[str, str]]


def _add_tools(req: pb.GenerateRequest, tools: Sequence[Mapping[str, Any]],
               tool_choice: str | None, parallel_tool_calls: bool | None) -> None:
    """Tools as OpenAI writes them (``{"type": "function", "function": {…}}``) or just the
    function (``{"name", "description", "parameters"}``)."""
    for tool in tools:
        fn = tool.get("function", tool)
        params = fn.get("parameters")
        req.tools.add(name=fn["name"], description=fn.get("description", ""),
                      parameters_json="" if params is None else
                      params if isinstance(params, str) else json.dumps(params))
    if tool_choice is not None:
        req.tool_choice = tool_choice
    if parallel_tool_calls is not None:
        req.parallel_tool_calls = parallel_tool_calls


def _add_message(req: pb.GenerateRequest, m: Mapping[str, Any] | tuple[str, str]) -> None:
    """A message: (role, content), or a mapping with OpenAI's ``tool_calls`` (each
    ``{"id", "function": {"name", "arguments"}}`` or ``{"id", "name", "arguments"}``) or
    ``tool_call_id``."""
    if not isinstance(m, Mapping):
        req.messages.add(role=m[0], content=m[1])
        return
    out = req.messages.add(role=m["role"], content=m.get("content") or "",
                           tool_call_id=m.get("tool_call_id", ""))
    for call in m.get("tool_calls") or ():
        fn = call.get("function", call)
        arguments = fn.get("arguments", "{}")
        out.tool_calls.add(id=call["id"], name=fn["name"],
                           arguments_json=arguments if isinstance(arguments, str)
                           else json.dumps(arguments))


def build_request(prompt: str | None = None, *, messages: Messages | None = None,
                  model: str = "", max_tokens: int = 0, temperature: float | None = None,
                  top_p: float | None = None, stop: Sequence[str] = (), seed: int | None = None,
                  task_type: str = "", include_reasoning: bool | None = None,
                  allow_fallback: bool | None = None, priority: int = 0,
                  allow_escalation: bool | None = None, top_k: int | None = None,
                  min_p: float | None = None, repetition_penalty: float | None = None,
                  frequency_penalty: float | None = None,
                  presence_penalty: float | None = None,
                  logit_bias: Mapping[int, float] | None = None,
                  response_format: str | None = None,
                  json_schema: Mapping[str, Any] | str | None = None,
                  tools: Sequence[Mapping[str, Any]] = (), tool_choice: str | None = None,
                  parallel_tool_calls: bool | None = None) -> pb.GenerateRequest:
    """``response_format``: "text", "json_object" or "json_schema"; ``json_schema`` (a dict or
    JSON text) alone implies "json_schema". ``tools``, ``tool_choice`` ("auto", "none",
    "required" or "function:NAME") and ``parallel_tool_calls``: tool calling (chat only)."""
    req = pb.GenerateRequest(prompt=prompt or "", model=model, max_tokens=max_tokens,
                             stop=list(stop), task_type=task_type, priority=priority)
    for name, value in (("top_k", top_k), ("min_p", min_p),
                        ("repetition_penalty", repetition_penalty),
                        ("frequency_penalty", frequency_penalty),
                        ("presence_penalty", presence_penalty)):
        if value is not None:
            setattr(req, name, value)
    for token, bias in (logit_bias or {}).items():
        req.logit_bias[int(token)] = bias
    if json_schema is not None:
        req.response_format.type = response_format or "json_schema"
        req.response_format.json_schema = json_schema if isinstance(json_schema, str) \
            else json.dumps(json_schema)
    elif response_format is not None:
        req.response_format.type = response_format
    for m in messages or ():
        _add_message(req, m)
    _add_tools(req, tools, tool_choice, parallel_tool_calls)
    if temperature is not None:
        req.temperature = temperature
    if top_p is not None:
        req.top_p = top_p
    if seed is not None:
        req.seed = seed
    if include_reasoning is not None:
        req.include_reasoning = include_reasoning
    if allow_fallback is not None:
        req.allow_fallback = allow_fallback
    if allow_escalation is not None:
        req.allow_escalation = allow_escalation
    return req


@dataclass(frozen=True)
class Credentials:
    """Transport and caller credentials. All optional; TLS is used when ``ca`` is given."""

    token: str | None = None
    ca: Path | None = None
    cert: Path | None = None
    key: Path | None = None

    @classmethod
    def from_files(cls, token_file: str | Path | None = None, ca: str | Path | None = None,
                   cert: str | Path | None = None, key: str | Path | None = None,
                   token: str | None = None) -> Credentials:
        if token_file is not None:
            token = Path(token_file).read_text(encoding="utf-8").strip()
        return cls(token=token, ca=Path(ca) if ca else None, cert=Path(cert) if cert else None,
                   key=Path(key) if key else None)

    @property
    def tls(self) -> bool:
        return self.ca is not None

    def channel_credentials(self) -> grpc.ChannelCredentials:
        return grpc.ssl_channel_credentials(
            root_certificates=self.ca.read_bytes() if self.ca else None,
            private_key=self.key.read_bytes() if self.key else None,
            certificate_chain=self.cert.read_bytes() if self.cert else None)

    def metadata(self) -> tuple[tuple[str, str], ...]:
        return (("authorization", f"Bearer {self.token}"),) if self.token else ()


_CHANNEL_OPTIONS = [("grpc.max_receive_message_length", 64 * 1024 * 1024)]


def _open_channel(api: Any, target: str, credentials: Credentials) -> Any:
    """A channel from ``api`` (``grpc`` or ``grpc.aio``, which share these two calls)."""
    if credentials.tls:
        return api.secure_channel(target, credentials.channel_credentials(),
                                  options=_CHANNEL_OPTIONS)
    return api.insecure_channel(target, options=_CHANNEL_OPTIONS)


class Client:
    """Blocking client. Thread-safe: one channel, many calls."""

    def __init__(self, target: str = DEFAULT_TARGET, *, credentials: Credentials | None = None,
                 timeout: float = 120.0, retry: RetryPolicy = RetryPolicy(),
                 sleep: Callable[[float], None] = time.sleep,
                 rng: Callable[[], float] = random.random) -> None:
        self.credentials = credentials or Credentials()
        self._channel = _open_channel(grpc, target, self.credentials)
        self._inference = pb_grpc.InferenceStub(self._channel)  # type: ignore[no-untyped-call]
        self._admin = pb_grpc.AdminStub(self._channel)  # type: ignore[no-untyped-call]
        self.timeout = timeout
        self.retry = retry
        self._sleep = sleep
        self._rng = rng

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._channel.close()

    def _call(self, fn: Callable[..., Any], request: Any, timeout: float | None) -> Any:
        attempt = 0
        while True:
            attempt += 1
            try:
                return fn(request, timeout=timeout or self.timeout,
                          metadata=self.credentials.metadata())
            except grpc.RpcError as exc:
                err = RpcError.from_grpc(exc)
                if err.code not in RETRYABLE or attempt >= self.retry.max_attempts:
                    raise err from None
                self._sleep(self.retry.delay(attempt, err.retry_after, self._rng))

    def generate(self, prompt: str | None = None, *, timeout: float | None = None,
                 **kwargs: Any) -> Result:
        """One request; returns the whole answer. Keyword arguments as :func:`build_request`."""
        req = build_request(prompt, **kwargs)
        return _result(self._call(self._inference.Generate, req, timeout))

    def stream(self, prompt: str | None = None, *, timeout: float | None = None,
               **kwargs: Any) -> Iterator[pb.GenerateChunk]:
        """Yield chunks as they are generated. Breaking out of the loop cancels the request."""
        req = build_request(prompt, **kwargs)
        attempt = 0
        while True:
            attempt += 1
            call = self._inference.GenerateStream(req, timeout=timeout or self.timeout,
                                                  metadata=self.credentials.metadata())
            started = False
            try:
                for chunk in call:
                    started = True
                    yield chunk
                return
            except grpc.RpcError as exc:
                err = RpcError.from_grpc(exc)
                if started or err.code not in RETRYABLE or attempt >= self.retry.max_attempts:
                    raise err from None
                self._sleep(self.retry.delay(attempt, err.retry_after, self._rng))
            finally:
                call.cancel()

    def list_models(self, timeout: float | None = None) -> list[pb.ModelInfo]:
        return list(self._call(self._inference.ListModels, pb.ListModelsRequest(),
                               timeout).models)

    def embed(self, texts: Sequence[str], *, dimensions: int = 0, user: str = "",
              timeout: float | None = None) -> pb.EmbedResponse:
        """Unit-length vectors of ``texts`` (each PII-masked first) on the embedding tier;
        ``dimensions`` shortens them (0: the model's width)."""
        req = pb.EmbedRequest(input=list(texts), dimensions=dimensions, user=user)
        return self._call(self._inference.Embed, req, timeout)  # type: ignore[no-any-return]

    def feedback(self, request_id: str, score: float,
                 timeout: float | None = None) -> pb.FeedbackResponse:
        """Score one of this caller's answers by its ``request_id``, from -1 (bad) to 1
        (good): audited, counted in the metrics and in the identity's run of low scores."""
        req = pb.FeedbackRequest(request_id=request_id, score=score)
        return self._call(self._inference.Feedback, req, timeout)  # type: ignore[no-any-return]

    def status(self, timeout: float | None = None) -> pb.GetStatusResponse:
        return self._call(self._admin.GetStatus, pb.GetStatusRequest(), timeout)  # type: ignore[no-any-return]

    def reload_models(self, timeout: float | None = None) -> pb.ReloadModelsResponse:
        """Admin: load the models again and swap them in; in-flight requests finish first."""
        return self._call(self._admin.ReloadModels, pb.ReloadModelsRequest(), timeout)  # type: ignore[no-any-return]

    def drain(self, wait_seconds: float = 0.0, timeout: float | None = None) -> pb.DrainResponse:
        """Admin: stop admitting requests and wait up to ``wait_seconds`` for in-flight ones."""
        return self._call(self._admin.Drain, pb.DrainRequest(timeout_seconds=wait_seconds),  # type: ignore[no-any-return]
                          timeout)

    def resume(self, timeout: float | None = None) -> pb.ResumeResponse:
        return self._call(self._admin.Resume, pb.ResumeRequest(), timeout)  # type: ignore[no-any-return]

    def promote_canary(self, tier: str, timeout: float | None = None) -> pb.CanaryResponse:
        """Admin: make ``tier``'s canary its primary (until the next reload)."""
        return self._call(self._admin.PromoteCanary, pb.CanaryRequest(tier=tier), timeout)  # type: ignore[no-any-return]

    def rollback_canary(self, tier: str, timeout: float | None = None) -> pb.CanaryResponse:
        """Admin: drop ``tier``'s canary (until the next reload)."""
        return self._call(self._admin.RollbackCanary, pb.CanaryRequest(tier=tier), timeout)  # type: ignore[no-any-return]

    def health(self, service: str = "", timeout: float | None = 5.0) -> str:
        """The health status name (``SERVING``, ``NOT_SERVING``...). Not retried."""
        from grpc_health.v1 import health_pb2, health_pb2_grpc  # noqa: PLC0415

        stub = health_pb2_grpc.HealthStub(self._channel)
        try:
            resp = stub.Check(health_pb2.HealthCheckRequest(service=service), timeout=timeout,
                              metadata=self.credentials.metadata())
        except grpc.RpcError as exc:
            raise RpcError.from_grpc(exc) from None
        return health_pb2.HealthCheckResponse.ServingStatus.Name(resp.status)  # type: ignore[no-any-return]


class AsyncClient:
    """asyncio client with the same calls as :class:`Client`."""

    def __init__(self, target: str = DEFAULT_TARGET, *, credentials: Credentials | None = None,
                 timeout: float = 120.0, retry: RetryPolicy = RetryPolicy(),
                 rng: Callable[[], float] = random.random) -> None:
        self.credentials = credentials or Credentials()
        self._channel = _open_channel(aio, target, self.credentials)
        self._inference = pb_grpc.InferenceStub(self._channel)  # type: ignore[no-untyped-call]
        self._admin = pb_grpc.AdminStub(self._channel)  # type: ignore[no-untyped-call]
        self.timeout = timeout
        self.retry = retry
        self._rng = rng

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        await self._channel.close(None)

    async def _call(self, fn: Callable[..., Any], request: Any, timeout: float | None) -> Any:
        attempt = 0
        while True:
            attempt += 1
            try:
                return await fn(request, timeout=timeout or self.timeout,
                                metadata=self.credentials.metadata())
            except aio.AioRpcError as exc:
                err = RpcError.from_grpc(exc)
                if err.code not in RETRYABLE or attempt >= self.retry.max_attempts:
                    raise err from None
                await asyncio.sleep(self.retry.delay(attempt, err.retry_after, self._rng))

    async def generate(self, prompt: str | None = None, *, timeout: float | None = None,
                       **kwargs: Any) -> Result:
        req = build_request(prompt, **kwargs)
        return _result(await self._call(self._inference.Generate, req, timeout))

    async def stream(self, prompt: str | None = None, *, timeout: float | None = None,
                     **kwargs: Any) -> AsyncIterator[pb.GenerateChunk]:
        req = build_request(prompt, **kwargs)
        attempt = 0
        while True:
            attempt += 1
            call = self._inference.GenerateStream(req, timeout=timeout or self.timeout,
                                                  metadata=self.credentials.metadata())
            started = False
            try:
                async for chunk in call:
                    started = True
                    yield chunk
                return
            except aio.AioRpcError as exc:
                err = RpcError.from_grpc(exc)
                if started or err.code not in RETRYABLE or attempt >= self.retry.max_attempts:
                    raise err from None
                await asyncio.sleep(self.retry.delay(attempt, err.retry_after, self._rng))
            finally:
                call.cancel()

    async def list_models(self, timeout: float | None = None) -> list[pb.ModelInfo]:
        resp = await self._call(self._inference.ListModels, pb.ListModelsRequest(), timeout)
        return list(resp.models)

    async def embed(self, texts: Sequence[str], *, dimensions: int = 0, user: str = "",
                    timeout: float | None = None) -> pb.EmbedResponse:
        req = pb.EmbedRequest(input=list(texts), dimensions=dimensions, user=user)
        return await self._call(self._inference.Embed, req, timeout)  # type: ignore[no-any-return]

    async def feedback(self, request_id: str, score: float,
                       timeout: float | None = None) -> pb.FeedbackResponse:
        req = pb.FeedbackRequest(request_id=request_id, score=score)
        return await self._call(self._inference.Feedback, req, timeout)  # type: ignore[no-any-return]

    async def status(self, timeout: float | None = None) -> pb.GetStatusResponse:
        return await self._call(self._admin.GetStatus, pb.GetStatusRequest(), timeout)  # type: ignore[no-any-return]

    async def reload_models(self, timeout: float | None = None) -> pb.ReloadModelsResponse:
        """Admin: load the models again and swap them in; in-flight requests finish first."""
        return await self._call(self._admin.ReloadModels, pb.ReloadModelsRequest(), timeout)  # type: ignore[no-any-return]

    async def drain(self, wait_seconds: float = 0.0,
                    timeout: float | None = None) -> pb.DrainResponse:
        """Admin: stop admitting requests and wait up to ``wait_seconds`` for in-flight ones."""
        return await self._call(self._admin.Drain,  # type: ignore[no-any-return]
                                pb.DrainRequest(timeout_seconds=wait_seconds), timeout)

    async def resume(self, timeout: float | None = None) -> pb.ResumeResponse:
        return await self._call(self._admin.Resume, pb.ResumeRequest(), timeout)  # type: ignore[no-any-return]

    async def health(self, service: str = "", timeout: float | None = 5.0) -> str:
        """The health status name (``SERVING``, ``NOT_SERVING``...). Not retried."""
        from grpc_health.v1 import health_pb2, health_pb2_grpc  # noqa: PLC0415

        stub = health_pb2_grpc.HealthStub(self._channel)
        try:
            resp = await stub.Check(health_pb2.HealthCheckRequest(service=service),
                                    timeout=timeout, metadata=self.credentials.metadata())
        except aio.AioRpcError as exc:
            raise RpcError.from_grpc(exc) from None
        return health_pb2.HealthCheckResponse.ServingStatus.Name(resp.status)  # type: ignore[no-any-return]
