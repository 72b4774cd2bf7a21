"""OpenAI's Files and Batch APIs, and the translation of a batch line into a request.

    POST   /v1/files                    upload (multipart: ``file``, ``purpose`` = "batch")
    GET    /v1/files                    the caller's files (``purpose`` filter)
    GET    /v1/files/{id}               one file's object
    GET    /v1/files/{id}/content       its content (an output or error file: its lines)
    DELETE /v1/files/{id}
    POST   /v1/batches                  ``input_file_id``, ``endpoint``, ``completion_window``
    GET    /v1/batches                  the caller's batches, newest first (``after``, ``limit``)
    GET    /v1/batches/{id}
    POST   /v1/batches/{id}/cancel

Every route needs the right to generate (``/appliance.v1.Inference/Generate``): a batch is
generation later. A file or batch belongs to the identity that made it; to any other it does
not exist (404). An upload is read into memory (at most ``[batch] max_file_bytes``) and sealed
before it is stored: nothing of it is written to disk in clear, not even a spooled temporary
file (why it is parsed here with python-multipart's streaming parser, not Starlette's form
reader, which spools parts over 1 MB to a temporary file).

:class:`LineRunner` runs one line through the pipeline exactly as the matching HTTP route
would run its body, at the lowest priority and never sent to the central cluster, and says
what its failure means for the line (the worker's classes: an answer now, ``NotNow`` for
every line or for its owner's, ``Transient`` to run again a bounded number of times).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import Route

from appliance.batch.store import BatchStore, Line, NotFound
from appliance.batch.worker import BATCH_PRIORITY, Answer, NotNow, Transient
from appliance.calls import Calls
from appliance.config import HttpConfig
from appliance.errors import ApplianceError, Cancelled, InternalError, Overloaded, Unavailable
from appliance.httpapi import embeddings, openai
from appliance.httpapi.fields import bad
from appliance.httpapi.openai import BodyError
from appliance.request import Chunk, RequestInfo
from appliance.services import Gate

GENERATE = "/appliance.v1.Inference/Generate"
#: Room for the multipart framing around the file.
MULTIPART_OVERHEAD = 64 * 1024
MAX_LIST_LIMIT = 100
#: RESOURCE_EXHAUSTED reasons that are limits of the calling identity: only its lines wait.
OWNER_LIMITS = frozenset({"rate_limit", "concurrency_limit", "fair_share"})
#: Seconds a line waits after an UNAVAILABLE that names no time.
UNAVAILABLE_RETRY_S = 5.0


class OwnCalls:
    """How many calls of these routes are in flight: they count in the daemon's in-flight
    calls, but are not the interactive work batch lines yield to (a client polling a batch
    would otherwise keep its lines from ever running)."""

    def __init__(self) -> None:
        self.count = 0


@dataclass(frozen=True)
class BatchBackend:
    """What the routes need: the store, the worker's wake-up, the upload limit."""

    store: BatchStore
    wake: Callable[[], None]
    max_file_bytes: int
    calls: OwnCalls = field(default_factory=OwnCalls)


def http_error(error: BaseException, request_id: str) -> tuple[int, dict[str, Any]]:
    """OpenAI's error shape, with 404 for a file or batch the caller does not have."""
    if isinstance(error, NotFound):
        return 404, {"error": {"message": error.message, "type": "invalid_request_error",
                               "param": error.context.get("field"), "code": "not_found"}}
    return openai.http_error(error, request_id)


def _owner(info: RequestInfo) -> str:
    """Whose files and batches these are: the identity; callers without credentials (only
    possible where authentication is not required: loopback) share "anonymous", as their
    identity is otherwise their ephemeral peer address."""
    return info.client if info.policy is not None else "anonymous"


class Host(Protocol):
    """What the routes use of :class:`appliance.httpapi.app.HttpApi` (its call helpers)."""

    calls: Calls
    config: HttpConfig

    def _begin(self, method: str, request: Request) -> RequestInfo: ...

    def _authenticate(self, info: RequestInfo, request: Request, operation: str) -> None: ...

    async def _body(self, request: Request) -> Any: ...

    @staticmethod
    def _json(info: RequestInfo, content: Any, status: int = 200,
              headers: Mapping[str, str] | None = None) -> Response: ...

    async def failed(self, info: RequestInfo, error: BaseException,
                     errors: Callable[[BaseException, str], tuple[int, dict[str, Any]]] = ...,
                     ) -> Response: ...


class BatchRoutes:
    """The routes above, on the HTTP API's calls (begin, authenticate, fail, end)."""

    def __init__(self, api: Host, backend: BatchBackend) -> None:
        self.api = api
        self.backend = backend
        self.store = backend.store

    def routes(self) -> list[Route]:
        return [
            Route("/v1/files", self.upload, methods=["POST"]),
            Route("/v1/files", self.files, methods=["GET"]),
            Route("/v1/files/{file_id}", self.file, methods=["GET"]),
            Route("/v1/files/{file_id}", self.delete_file, methods=["DELETE"]),
            Route("/v1/files/{file_id}/content", self.content, methods=["GET"]),
            Route("/v1/batches", self.create, methods=["POST"]),
            Route("/v1/batches", self.batches, methods=["GET"]),
            Route("/v1/batches/{batch_id}", self.batch, methods=["GET"]),
            Route("/v1/batches/{batch_id}/cancel", self.cancel, methods=["POST"]),
        ]

    async def _call(self, request: Request, path: str,
                    work: Callable[[RequestInfo], Awaitable[Response]]) -> Response:
        api = self.api
        info = api._begin(f"http:{path}", request)
        self.backend.calls.count += 1
        try:
            api._authenticate(info, request, GENERATE)
            return await work(info)
        except asyncio.CancelledError:
            api.calls.cancelled(info, deadline_passed=False)
            raise
        except Exception as exc:  # noqa: BLE001 - every error leaves through the one mapping
            return await api.failed(info, exc, errors=http_error)
        finally:
            self.backend.calls.count -= 1
            api.calls.end(info)

    def _json(self, info: RequestInfo, content: Any) -> Response:
        return self.api._json(info, content)

    # -- files --

    async def upload(self, request: Request) -> Response:
        async def work(info: RequestInfo) -> Response:
            fields, filename, data = await self._multipart(request)
            purpose = fields.get("purpose", "")
            if data is None:
                raise bad("file", "required: the file to upload (multipart part 'file')")
            return self._json(info, await asyncio.to_thread(
                self.store.add_file, _owner(info), purpose, filename, data))
        return await self._call(request, "/v1/files", work)

    async def files(self, request: Request) -> Response:
        async def work(info: RequestInfo) -> Response:
            purpose = request.query_params.get("purpose")
            data = await asyncio.to_thread(self.store.list_files, _owner(info), purpose)
            return self._json(info, {"object": "list", "data": data, "has_more": False})
        return await self._call(request, "/v1/files", work)

    async def file(self, request: Request) -> Response:
        async def work(info: RequestInfo) -> Response:
            return self._json(info, await asyncio.to_thread(
                self.store.get_file, _owner(info), request.path_params["file_id"]))
        return await self._call(request, "/v1/files/{file_id}", work)

    async def delete_file(self, request: Request) -> Response:
        async def work(info: RequestInfo) -> Response:
            return self._json(info, await asyncio.to_thread(
                self.store.delete_file, _owner(info), request.path_params["file_id"]))
        return await self._call(request, "/v1/files/{file_id}", work)

    async def content(self, request: Request) -> Response:
        async def work(info: RequestInfo) -> Response:
            data = await asyncio.to_thread(self.store.file_content, _owner(info),
                                           request.path_params["file_id"])
            return Response(data, media_type="application/jsonl",
                            headers={"x-request-id": info.request_id})
        return await self._call(request, "/v1/files/{file_id}/content", work)

    # -- batches --

    async def create(self, request: Request) -> Response:
        async def work(info: RequestInfo) -> Response:
            body = await self.api._body(request)
            if not isinstance(body, dict):
                raise bad("body", "must be a JSON object")
            unknown = set(body) - {"input_file_id", "endpoint", "completion_window",
                                   "metadata", "output_expires_after"}
            if unknown:
                raise bad(sorted(unknown)[0], "unknown field")
            for name in ("input_file_id", "endpoint", "completion_window"):
                if not isinstance(body.get(name), str):
                    raise bad(name, "required: a string")
            batch = await asyncio.to_thread(
                self.store.create_batch, _owner(info), identified=info.policy is not None,
                role=info.role, input_file_id=body["input_file_id"],
                endpoint=body["endpoint"], completion_window=body["completion_window"],
                metadata=body.get("metadata"))
            self.backend.wake()
            return self._json(info, batch)
        return await self._call(request, "/v1/batches", work)

    async def batches(self, request: Request) -> Response:
        async def work(info: RequestInfo) -> Response:
            raw = request.query_params.get("limit", "20")
            if not raw.isdigit() or not 1 <= int(raw) <= MAX_LIST_LIMIT:
                raise bad("limit", f"an integer from 1 to {MAX_LIST_LIMIT}")
            data, more = await asyncio.to_thread(
                self.store.list_batches, _owner(info), request.query_params.get("after"),
                int(raw))
            return self._json(info, {"object": "list", "data": data, "has_more": more,
                                     "first_id": data[0]["id"] if data else None,
                                     "last_id": data[-1]["id"] if data else None})
        return await self._call(request, "/v1/batches", work)

    async def batch(self, request: Request) -> Response:
        async def work(info: RequestInfo) -> Response:
            return self._json(info, await asyncio.to_thread(
                self.store.get_batch, _owner(info), request.path_params["batch_id"]))
        return await self._call(request, "/v1/batches/{batch_id}", work)

    async def cancel(self, request: Request) -> Response:
        async def work(info: RequestInfo) -> Response:
            batch = await asyncio.to_thread(self.store.cancel_batch, _owner(info),
                                            request.path_params["batch_id"])
            self.backend.wake()
            return self._json(info, batch)
        return await self._call(request, "/v1/batches/{batch_id}/cancel", work)

    # -- reading an upload --

    async def _multipart(self, request: Request) -> tuple[dict[str, str], str, bytes | None]:
        """(text fields, the file's name, the file's bytes) of a multipart/form-data body,
        in memory, within ``max_file_bytes`` and the body timeout."""
        kind, options = parse_options_header(request.headers.get("content-type", ""))
        boundary = options.get(b"boundary")
        if kind != b"multipart/form-data" or not boundary:
            raise BodyError("body: must be multipart/form-data (fields file and purpose)",
                            status=400)
        limit = self.backend.max_file_bytes + MULTIPART_OVERHEAD
        parts = _Parts()
        parser = MultipartParser(boundary, parts.callbacks(), max_size=limit)

        async def read() -> None:
            size = 0
            async for chunk in request.stream():
                size += len(chunk)
                if size > limit:
                    raise BodyError(f"file: larger than {self.backend.max_file_bytes} bytes "
                                    "([batch] max_file_bytes)", status=413)
                parser.write(chunk)
            parser.finalize()

        timeout = self.api.config.body_timeout_seconds
        try:
            await asyncio.wait_for(read(), timeout)
        except TimeoutError:
            raise BodyError(f"body: not received within {timeout:g} s", status=408) from None
        except ClientDisconnect:
            raise Cancelled("the client went away before sending the whole body") from None
        except BodyError:
            raise
        except Exception:  # noqa: BLE001 - the parser's own errors: a malformed body
            raise BodyError("body: not valid multipart/form-data", status=400) from None
        fields = {}
        for name, _filename, data, is_file in parts.done:
            if not is_file:
                with contextlib.suppress(UnicodeDecodeError):
                    fields[name] = bytes(data).decode("utf-8")
        files = [(filename, bytes(data)) for name, filename, data, is_file in parts.done
                 if is_file and name == "file"]
        if not files:
            return fields, "", None
        return fields, files[0][0], files[0][1]


class _Parts:
    """The parts of a multipart body as python-multipart's callbacks deliver them."""

    def __init__(self) -> None:
        self.done: list[tuple[str, str, bytearray, bool]] = []
        self._headers: dict[bytes, bytes] = {}
        self._field = b""
        self._value = b""
        self._data = bytearray()

    def callbacks(self) -> Any:
        def on_part_begin() -> None:
            self._headers, self._data = {}, bytearray()

        def on_header_field(data: bytes, start: int, end: int) -> None:
            self._field += data[start:end]

        def on_header_value(data: bytes, start: int, end: int) -> None:
            self._value += data[start:end]

        def on_header_end() -> None:
            self._headers[self._field.lower()] = self._value
            self._field, self._value = b"", b""

        def on_part_data(data: bytes, start: int, end: int) -> None:
            self._data += data[start:end]

        def on_part_end() -> None:
            _kind, options = parse_options_header(self._headers.get(b"content-disposition",
                                                                    b""))
            name = options.get(b"name", b"").decode("utf-8", "replace")
            filename = options.get(b"filename")
            self.done.append((name, filename.decode("utf-8", "replace") if filename else "",
                              self._data, filename is not None))

        return {"on_part_begin": on_part_begin, "on_header_field": on_header_field,
                "on_header_value": on_header_value, "on_header_end": on_header_end,
                "on_part_data": on_part_data, "on_part_end": on_part_end}


class LineRunner:
    """One batch line through the pipeline, as its endpoint's HTTP route would run it."""

    def __init__(self, gate: Gate, aliases: Mapping[str, str]) -> None:
        self.gate = gate
        self.aliases = aliases

    async def __call__(self, line: Line, info: RequestInfo) -> Answer:
        """The line's answer (a refusal of the request itself included: it would be refused
        the same way again); NotNow while the appliance or the identity's limits cannot take
        it; Transient for a failure that may pass."""
        try:
            if line.endpoint == "/v1/embeddings":
                return await self._embed(line, info)
            return await self._generate(line, info)
        except Overloaded as exc:
            if exc.reason == "quota":  # a day or month budget: not back within the window
                return openai.http_error(exc, info.request_id)
            raise NotNow(exc.retry_after, owner=exc.reason in OWNER_LIMITS) from None
        except Unavailable as exc:
            engine = exc.context.get("engine_state")
            if engine == "loading":  # start-up or a reload: every line waits for the model
                raise NotNow(UNAVAILABLE_RETRY_S) from None
            if engine is not None or exc.context.get("state") == "no_embed_model":
                # The model failed to load, or there is none for this endpoint: it would be
                # refused the same way again.
                return openai.http_error(exc, info.request_id)
            if exc.context.get("state") is not None:
                # The appliance: starting, draining, cannot audit, its tokens file or shared
                # state cannot be read. Every line waits.
                raise NotNow(UNAVAILABLE_RETRY_S) from None
            # The PII stage not loaded, the central cluster failing: may pass.
            raise Transient(openai.http_error(exc, info.request_id),
                            UNAVAILABLE_RETRY_S) from None
        except InternalError as exc:  # the engine or the PII analysis failed: may pass
            raise Transient(openai.http_error(exc, info.request_id)) from None
        except ApplianceError as exc:
            return openai.http_error(exc, info.request_id)

    async def _generate(self, line: Line, info: RequestInfo) -> Answer:
        chat = line.endpoint == "/v1/chat/completions"
        params, opts = openai.parse(line.body, chat=chat, aliases=self.aliases)
        if opts.stream:
            raise bad("stream", "a batch line is answered whole: leave stream unset")
        # The least urgent work, on local capacity only (idle slots, not the central cluster).
        params = replace(params, priority=BATCH_PRIORITY, allow_fallback=False)
        writer = openai.Writer(info, opts, chat=chat)
        texts: list[str] = []
        reasoning: list[str] = []
        last = Chunk()
        run = self.gate.pipeline(info).run(params, info, None)
        async with contextlib.aclosing(run) as chunks:
            async for chunk in chunks:
                texts.append(chunk.text)
                reasoning.append(chunk.reasoning)
                last = chunk
        return 200, writer.whole("".join(texts), "".join(reasoning), last)

    async def _embed(self, line: Line, info: RequestInfo) -> Answer:
        params, encoding = embeddings.parse(line.body, aliases=self.aliases)
        result = await self.gate.pipeline(info).embed(params, info, None)
        return 200, json.loads(embeddings.body(result, params.model or "embed", encoding, info))
