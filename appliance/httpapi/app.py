"""The OpenAI/DeepSeek-compatible HTTP API: a Starlette app in front of the same pipeline.

Every call goes through :class:`appliance.calls.Calls` exactly as a gRPC call does (request
id, in-flight count, identity and role from the same tokens file or client certificate, the
canonical log line, the metrics, the audit record of a refusal), then through the gate's
pipeline (validation, admission, PII masking, audit, placement, output scan and restore).
Only the wire format differs: :mod:`appliance.httpapi.openai` translates it.

    POST /v1/chat/completions   chat (streamed as server-sent events with "stream": true)
    POST /v1/completions        raw prompt
    POST /v1/embeddings         vectors of masked inputs (:mod:`appliance.httpapi.embeddings`)
    POST /v1/responses          OpenAI's Responses API, stateless (nothing is stored;
                                :mod:`appliance.httpapi.responses`), typed events when streamed
    GET  /v1/models             tiers, "auto" and the other model names
    GET  /v1/models/{model}     one of them (OpenAI's retrieve-model); both in Anthropic's
                                shape (model objects, cursors, its errors) when the request
                                has an anthropic-version header, as Anthropic's SDKs send
    POST /v1/messages           Anthropic's Messages API (:mod:`appliance.httpapi.anthropic`;
                                its errors in Anthropic's shape, x-api-key as a bearer token)
    POST /v1/messages/count_tokens  the prompt tokens the model would read (not audited)
    GET  /health                200 when serving, 503 otherwise (no authentication)
    /v1/files, /v1/batches      OpenAI's Files and Batch APIs (:mod:`appliance.httpapi.batches`)

Each ``/v1`` route is also served without the prefix (``/chat/completions``...): DeepSeek's
documented base URL is ``https://api.deepseek.com``, with no ``/v1``. Access is checked as for
the gRPC method it stands for (``/appliance.v1.Inference/Generate``, ``.../ListModels``); the
call is logged, counted and audited as ``http:<its /v1 path>`` whichever path it came by.
An unknown route or method gets OpenAI's error shape and a fresh ``x-request-id``, like every
other answer, and is neither counted nor audited (no call began). ``[http] cors_origins``
lets browser pages from those origins call the API (Starlette's CORS middleware).
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import uuid
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from dataclasses import replace
from typing import Any

import structlog
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from appliance import jsontext
from appliance.calls import Calls
from appliance.config import HttpConfig
from appliance.engine.registry import ModelRegistry
from appliance.errors import Cancelled, InvalidArgument, Overloaded, ReaderStalled
from appliance.httpapi import anthropic, embeddings, feedback, openai, peer, responses, sse
from appliance.httpapi.batches import BatchBackend, BatchRoutes
from appliance.httpapi.openai import BodyError
from appliance.request import Chunk, GenerateParams, RequestInfo
from appliance.services import Gate
from appliance.stages.cache import cache_control

log = structlog.get_logger("appliance.http")

GENERATE = "/appliance.v1.Inference/Generate"
EMBED = "/appliance.v1.Inference/Embed"
LIST_MODELS = "/appliance.v1.Inference/ListModels"
#: Deepest nesting of arrays and objects in a body: room for a response_format schema at its
#: own limit (:class:`~appliance.engine.schema_limits.SchemaLimits`) and the fields around it.
MAX_BODY_DEPTH = 80
#: Scope key the listener's protocol sets: the verified client certificate (mutual TLS).
CERTIFICATE = "appliance.peer_certificate"
#: Says whether the response cache answered (:func:`cache_header`).
CACHE_HEADER = "x-appliance-cache"
#: Headers a browser page may read from a cross-origin answer (CORS).
EXPOSED_HEADERS = ("x-request-id", "retry-after", "retry-after-ms", CACHE_HEADER)
#: What a wire format reads from a body: the request model, the writer of the answer, and
#: whether to stream it.
Reading = tuple[GenerateParams, sse.Writer, bool]
Reader = Callable[[Any, RequestInfo], Reading]
#: A wire format's error shape: (HTTP status, error object) for an error and request id.
ErrorShape = Callable[[BaseException, str], tuple[int, dict[str, Any]]]
#: The headers a wire format authenticates with, from the request's.
Credentials = Callable[[Iterable[tuple[str, str]]], Iterable[tuple[str, str]]]


def _certificate(scope: Scope) -> Mapping[str, Iterable[bytes]]:
    """The client certificate's names in the shape of gRPC's auth context."""
    cert = scope.get("state", {}).get(CERTIFICATE)
    if not cert:
        return {}
    out: dict[str, list[bytes]] = {}
    for rdn in cert.get("subject", ()):
        for key, value in rdn:
            if key == "commonName":
                out.setdefault("x509_common_name", []).append(value.encode())
    for kind, value in cert.get("subjectAltName", ()):
        if kind in ("DNS", "IP Address", "email", "URI"):
            out.setdefault("x509_subject_alternative_name", []).append(value.encode())
    return out


class HttpApi:
    """The routes, on the daemon's calls, gate and registry."""

    def __init__(self, calls: Calls, gate: Gate, registry: ModelRegistry, config: HttpConfig,  # noqa: PLR0913 - its parts
                 *, write_timeout: float, batch: BatchBackend | None = None) -> None:
        self.calls = calls
        self.gate = gate
        self.registry = registry
        self.config = config
        self.write_timeout = write_timeout
        self.proxies = peer.networks(config.trusted_proxies)
        routes = [
            Route("/v1/chat/completions", self.chat, methods=["POST"]),
            Route("/v1/completions", self.completions, methods=["POST"]),
            Route("/v1/responses", self.responses, methods=["POST"]),
            Route("/v1/embeddings", self.embeddings, methods=["POST"]),
            Route("/v1/feedback", self.feedback, methods=["POST"]),
            Route("/v1/models", self.models, methods=["GET"]),
            Route("/v1/models/{model:path}", self.model, methods=["GET"]),
            Route("/v1/messages", self.messages, methods=["POST"]),
            Route("/v1/messages/count_tokens", self.count_tokens, methods=["POST"]),
        ]
        if batch is not None:  # /v1/files and /v1/batches ([batch] enabled)
            routes += BatchRoutes(self, batch).routes()
        # The same routes at the root: DeepSeek's base URL has no /v1.
        routes += [Route(r.path.removeprefix("/v1"), r.endpoint, methods=r.methods)
                   for r in list(routes)]
        routes.append(Route("/health", self.health, methods=["GET"]))
        middleware = [Middleware(CORSMiddleware, allow_origins=list(config.cors_origins),
                                 allow_methods=["GET", "POST"], allow_headers=["*"],
                                 expose_headers=list(EXPOSED_HEADERS))] \
            if config.cors_origins else []
        self.app = Starlette(routes=routes, middleware=middleware,
                             exception_handlers={HTTPException: self.no_route})
        # Starlette answers "/v1/models/" with a 307 to an absolute URL built from the Host
        # header: a redirect to wherever the caller says. Unknown paths are 404s instead.
        self.app.router.redirect_slashes = False

    def _peer(self, request: Request) -> str:
        return peer.peer(request.scope.get("client"), request.headers, self.proxies)

    def _begin(self, method: str, request: Request) -> RequestInfo:
        """A call to ``method``; its trace continues the request's traceparent header."""
        return self.calls.begin(method, self._peer(request), request.headers.items())

    async def no_route(self, request: Request, exc: Exception) -> Response:
        """Starlette's own 404/405, in OpenAI's error shape."""
        status = exc.status_code if isinstance(exc, HTTPException) else 500
        message = "method not allowed" if status == 405 else "no such route"
        # No call began (nothing to count or audit), but the answer has an id as every other.
        request_id = uuid.uuid4().hex
        body = openai.route_error(message, status)
        if anthropic.speaks(request.headers):  # an Anthropic client reads its own shape
            body = anthropic.error_object(body, request_id)
        return JSONResponse(body, status_code=status, headers={"x-request-id": request_id})

    # -- endpoints --

    async def health(self, request: Request) -> Response:
        refusal = self.gate.accepting()
        if refusal is None:
            return JSONResponse({"status": "SERVING"})
        return JSONResponse({"status": "NOT_SERVING", "reason": refusal}, status_code=503)

    def _models(self) -> dict[str, dict[str, Any]]:
        """Every model name a request may use, by name: the tiers, "auto" and the aliases."""
        def entry(name: str, appliance: dict[str, Any]) -> dict[str, Any]:
            return {"id": name, "object": "model", "created": 0, "owned_by": "llm-appliance",
                    "appliance": appliance}

        out = {}
        for tier, engine in sorted(self.registry.tiers.items()):
            facts = engine.facts
            out[tier] = entry(tier, {"file_name": engine.path.name,
                                     "sha256": facts.sha256 if facts else None,
                                     "context_length": engine.spec.n_ctx})
        # The router picks the tier (routing.task_types, the default tier).
        out["auto"] = entry("auto", {"tier": "auto"})
        services = self.gate.services
        embedder = services.embedder if services is not None else None
        if embedder is not None:
            e = embedder.describe()
            out["embed"] = entry("embed", {"tier": "embed", "file_name": e.file_name,
                                           "sha256": e.sha256, "state": e.state,
                                           "fallback": e.fallback,
                                           # 0 until the lazy fallback loads
                                           "dimensions": e.dimensions or None})
        for alias, tier in sorted(self.config.aliases.items()):
            if tier in self.registry.tiers:
                out[alias] = entry(alias, {"tier": tier})
        return out

    def _model_named(self, name: str) -> dict[str, Any]:
        found = self._models().get(name)
        if found is None:
            raise InvalidArgument("model: no such model; GET /v1/models lists them",
                                  field="model")
        return found

    async def models(self, request: Request) -> Response:
        """OpenAI's list of models, or Anthropic's page of them (:func:`anthropic.speaks`)."""
        info = self._begin("http:/v1/models", request)
        claude = anthropic.speaks(request.headers)
        try:
            self._authenticate(info, request, LIST_MODELS, claude=claude)
            models = self._models()
            if claude:
                return self._json(info, anthropic.models_page(
                    models, request.query_params.multi_items()))
            return self._json(info, {"object": "list", "data": list(models.values())})
        except Exception as exc:  # noqa: BLE001 - every error leaves through the one mapping
            return await self.failed(info, exc, _errors(claude))
        finally:
            self.calls.end(info)

    async def model(self, request: Request) -> Response:
        """OpenAI's retrieve-model, or Anthropic's (:func:`anthropic.speaks`); an unknown name
        is a 404 that does not repeat it."""
        info = self._begin("http:/v1/models/{model}", request)
        claude = anthropic.speaks(request.headers)
        try:
            self._authenticate(info, request, LIST_MODELS, claude=claude)
            found = self._model_named(request.path_params["model"])
            if claude:
                return self._json(info, anthropic.model_info(found, self._models()))
            return self._json(info, found)
        except Exception as exc:  # noqa: BLE001 - every error leaves through the one mapping
            return await self.failed(info, exc, _errors(claude))
        finally:
            self.calls.end(info)

    async def chat(self, request: Request) -> Response:
        return await self._generate(request, "/v1/chat/completions", self._openai(chat=True))

    async def completions(self, request: Request) -> Response:
        return await self._generate(request, "/v1/completions", self._openai(chat=False))

    async def responses(self, request: Request) -> Response:
        return await self._generate(request, "/v1/responses", self._responses)

    def _openai(self, *, chat: bool) -> Reader:
        def read(body: Any, info: RequestInfo) -> Reading:
            params, opts = openai.parse(body, chat=chat, aliases=self.config.aliases)
            return params, openai.Writer(info, opts, chat=chat), opts.stream

        return read

    def _responses(self, body: Any, info: RequestInfo) -> Reading:
        params, opts = responses.parse(body, aliases=self.config.aliases)
        return params, responses.Writer(info, opts), opts.stream

    async def messages(self, request: Request) -> Response:
        """Anthropic's Messages API: the same pipeline, its wire format and error shape."""
        return await self._generate(request, "/v1/messages", self._anthropic,
                                    errors=anthropic.http_error,
                                    credentials=anthropic.credentials)

    def _anthropic(self, body: Any, info: RequestInfo) -> Reading:
        params, opts = anthropic.parse(body, aliases=self.config.aliases)
        return params, anthropic.Writer(info, opts), opts.stream

    async def embeddings(self, request: Request) -> Response:
        """OpenAI's embeddings: the inputs masked, embedded on the embedding tier, audited."""
        info = self._begin("http:/v1/embeddings", request)
        try:
            self._authenticate(info, request, EMBED)
            params, encoding = embeddings.parse(await self._body(request),
                                                aliases=self.config.aliases)
            result = await self.gate.pipeline(info).embed(params, info, None)
            # JSON text written by embeddings.body (its floats are faster to write than json's)
            return Response(embeddings.body(result, params.model or "embed", encoding, info),
                            media_type="application/json",
                            headers={"x-request-id": info.request_id, **cache_header(info)})
        except asyncio.CancelledError:
            self.calls.cancelled(info, deadline_passed=False)
            raise
        except Exception as exc:  # noqa: BLE001 - every error leaves through the one mapping
            return await self.failed(info, exc)
        finally:
            self.calls.end(info)

    async def feedback(self, request: Request) -> Response:
        """A caller's score of one of its answers: audited, counted in the metrics."""
        info = self.calls.begin("http:/v1/feedback", self._peer(request))
        try:
            self._authenticate(info, request, GENERATE)
            rated, score = feedback.parse(await self._body(request))
            await self.gate.pipeline(info).feedback(info, rated, score)
            self.calls.metrics.feedback.observe(score)
            self.calls.metrics.feedback_points.inc(score)
            return self._json(info, feedback.response(rated, score))
        except asyncio.CancelledError:
            self.calls.cancelled(info, deadline_passed=False)
            raise
        except Exception as exc:  # noqa: BLE001 - every error leaves through the one mapping
            return await self.failed(info, exc)
        finally:
            self.calls.end(info)

    async def count_tokens(self, request: Request) -> Response:
        """Anthropic's count_tokens: the prompt tokens of a messages body, counted by the
        pipeline as its model would read them (masked); nothing is generated."""
        info = self._begin("http:/v1/messages/count_tokens", request)
        try:
            self.calls.authenticate(info, GENERATE, anthropic.credentials(request.headers.items()),
                                    _certificate(request.scope))
            params = anthropic.parse_count(await self._body(request),
                                           aliases=self.config.aliases)
            tokens = await self.gate.pipeline(info).count_tokens(params, info)
            return self._json(info, anthropic.count(tokens))
        except asyncio.CancelledError:
            self.calls.cancelled(info, deadline_passed=False)
            raise
        except Exception as exc:  # noqa: BLE001 - every error leaves through the one mapping
            return await self.failed(info, exc, errors=anthropic.http_error)
        finally:
            self.calls.end(info)

    # -- one generation call --

    async def _generate(self, request: Request, path: str, read: Reader, *,
                        errors: ErrorShape = openai.http_error,
                        credentials: Credentials | None = None) -> Response:
        """One generation call at ``path``, its body read by ``read`` and its errors shaped by
        ``errors`` (the wire format's); ``credentials``: the headers it authenticates with,
        from the request's (Anthropic's x-api-key as a bearer token)."""
        info = self._begin(f"http:{path}", request)
        streaming = False
        try:
            headers = request.headers.items()
            self.calls.authenticate(info, GENERATE,
                                    credentials(headers) if credentials else headers,
                                    _certificate(request.scope))
            params, writer, stream = read(await self._body(request), info)
            params = replace(params, cache_control=cache_control(
                request.headers.get("cache-control", "")))
            run = self.gate.pipeline(info).run(params, info, None)
            if stream:
                streaming = True  # the stream's response ends the call
                return EventStream(self, info, writer, run, errors=errors)
            return await self._whole(info, writer, run)
        except asyncio.CancelledError:
            self.calls.cancelled(info, deadline_passed=False)
            raise
        except Exception as exc:  # noqa: BLE001 - every error leaves through the one mapping
            return await self.failed(info, exc, errors=errors)
        finally:
            if not streaming:
                self.calls.end(info)

    async def _whole(self, info: RequestInfo, writer: sse.Writer,
                     run: AsyncIterator[Chunk]) -> Response:
        texts: list[str] = []
        reasoning: list[str] = []
        last = Chunk()
        async with contextlib.aclosing(run) as chunks:  # type: ignore[type-var]
            async for chunk in chunks:
                texts.append(chunk.text)
                reasoning.append(chunk.reasoning)
                last = chunk
        return self._json(info, writer.whole("".join(texts), "".join(reasoning), last))

    # -- helpers --

    def _authenticate(self, info: RequestInfo, request: Request, operation: str, *,
                      claude: bool = False) -> None:
        """``claude``: an Anthropic client, whose x-api-key is a bearer token too."""
        headers = request.headers.items()
        self.calls.authenticate(info, operation,
                                anthropic.credentials(headers) if claude else headers,
                                _certificate(request.scope))

    async def _body(self, request: Request) -> Any:
        """The JSON body: at most ``max_body_bytes``, within ``body_timeout_seconds``."""
        limit = self.config.max_body_bytes
        declared = request.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            raise BodyError(f"body: larger than {limit} bytes", status=413)

        async def read() -> bytes:
            data = bytearray()
            async for part in request.stream():
                data += part
                if len(data) > limit:
                    raise BodyError(f"body: larger than {limit} bytes", status=413)
            return bytes(data)

        try:
            raw = await asyncio.wait_for(read(), self.config.body_timeout_seconds)
        except TimeoutError:
            raise BodyError(f"body: not received within {self.config.body_timeout_seconds:g} s",
                            status=408) from None
        except ClientDisconnect:
            raise Cancelled("the client went away before sending the whole body") from None
        try:
            return jsontext.loads(raw, MAX_BODY_DEPTH)
        except jsontext.TooDeep as exc:
            raise BodyError(f"body: {exc}", status=400) from None
        except ValueError:  # UnicodeDecodeError included
            raise BodyError("body: not valid JSON", status=400) from None

    @staticmethod
    def _json(info: RequestInfo, content: Any, status: int = 200,
              headers: Mapping[str, str] | None = None) -> Response:
        return JSONResponse(content, status_code=status,
                            headers={"x-request-id": info.request_id, **cache_header(info),
                                     **(headers or {})})

    async def failed(self, info: RequestInfo, error: BaseException,
                     errors: ErrorShape = openai.http_error) -> Response:
        """The error response (``errors``: the wire format's shape of the one mapping)."""
        status, body = errors(error, info.request_id)
        await self.calls.failed(info, error, _grpc_name(error))
        headers = {}
        if isinstance(error, Overloaded):
            wait = max(error.retry_after, 0.1)
            headers = {"retry-after": str(math.ceil(wait)),
                       "retry-after-ms": str(round(wait * 1000))}
        return self._json(info, body, status, headers)


def cache_header(info: RequestInfo) -> dict[str, str]:
    """``x-appliance-cache: hit|miss`` while the response cache is on (a request it did not
    look up, no-cache or not reproducible, is a miss)."""
    if info.cache is None:
        return {}
    return {CACHE_HEADER: "hit" if info.cache == "hit" else "miss"}


def _errors(claude: bool) -> ErrorShape:
    """The error shape of the client's wire format: Anthropic's for an Anthropic client."""
    return anthropic.http_error if claude else openai.http_error


def _grpc_name(error: BaseException) -> str:
    """The status name the log, metrics and audit use on every transport."""
    from appliance.errors import grpc_status  # noqa: PLC0415

    return grpc_status(error).name


class EventStream(Response):
    """A streamed answer as server-sent events, in the events its wire format's writer makes
    (:class:`~appliance.httpapi.sse.Writer`: OpenAI's ``data: {chunk}`` lines then
    ``data: [DONE]``, or named events). The response starts with the first piece of the
    answer, so a refusal before it is an ordinary error response; a failure after the first
    byte is the format's error event, not a silent cut.
    Each write waits at most ``stream_write_timeout_seconds`` for a reader that stopped
    reading; a client that goes away cancels the request (both audited as CANCELLED)."""

    def __init__(self, api: HttpApi, info: RequestInfo, writer: sse.Writer,
                 run: AsyncIterator[Chunk], *,
                 errors: ErrorShape = openai.http_error) -> None:  # no super().__init__
        self.api = api
        self.info = info
        self.writer = writer
        self.run = run
        self.errors = errors

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            serve = asyncio.ensure_future(self._serve(send))
            watch = asyncio.ensure_future(self._disconnected(receive))
            done, _ = await asyncio.wait({serve, watch}, return_when=asyncio.FIRST_COMPLETED)
            if serve not in done:  # the client went away first
                serve.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await serve
            watch.cancel()
            if serve.done() and not serve.cancelled():
                serve.result()
        finally:
            self.api.calls.end(self.info)

    @staticmethod
    async def _disconnected(receive: Receive) -> None:
        while (await receive())["type"] != "http.disconnect":
            pass

    async def _send(self, send: Send, message: dict[str, Any]) -> None:
        timeout = self.api.write_timeout
        if timeout <= 0:
            await send(message)
            return
        try:
            await asyncio.wait_for(send(message), timeout)
        except TimeoutError:
            raise ReaderStalled(f"the client took no data for {timeout:g} s; stream cancelled "
                                "([server] stream_write_timeout_seconds)") from None

    async def _event(self, send: Send, event: sse.Event) -> None:
        await self._send(send, {"type": "http.response.body", "body": event.encode(),
                                "more_body": True})

    async def _events(self, send: Send, events: list[sse.Event]) -> None:
        for event in events:
            await self._event(send, event)

    async def _serve(self, send: Send) -> None:
        info, writer = self.info, self.writer
        started = False
        try:
            async with contextlib.aclosing(self.run) as chunks:  # type: ignore[type-var]
                first, last = True, Chunk()
                async for chunk in chunks:
                    if not started:
                        await self._start(send)
                        started = True
                    await self._events(send, writer.events(chunk, first=first))
                    first, last = False, chunk
            if not started:
                await self._start(send)
                started = True
            await self._events(send, writer.closing(last))
            await self._send(send, {"type": "http.response.body", "body": b""})
        except asyncio.CancelledError:
            self.api.calls.cancelled(info, deadline_passed=False)
            raise
        except Exception as exc:  # noqa: BLE001 - every error leaves through the one mapping
            await self._fail(send, exc, started=started)

    async def _start(self, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": [
            (b"content-type", b"text/event-stream; charset=utf-8"),
            (b"cache-control", b"no-cache"), (b"x-accel-buffering", b"no"),
            (b"x-request-id", self.info.request_id.encode()),
            *((k.encode(), v.encode()) for k, v in cache_header(self.info).items())]})
        await self._events(send, self.writer.opening())

    async def _fail(self, send: Send, error: BaseException, *, started: bool) -> None:
        info = self.info
        if not started:  # nothing sent yet: an ordinary error response
            response = await self.api.failed(info, error, self.errors)
            await response({"type": "http"}, _no_receive, send)
            return
        _, body = openai.http_error(error, info.request_id)
        await self.api.calls.failed(info, error, _grpc_name(error))
        if isinstance(error, ReaderStalled):
            return  # the reader is not reading: nothing more can reach it
        with contextlib.suppress(Exception):
            await self._events(send, self.writer.failure(body))
            await self._send(send, {"type": "http.response.body", "body": b""})


async def _no_receive() -> dict[str, Any]:
    return {"type": "http.disconnect"}

