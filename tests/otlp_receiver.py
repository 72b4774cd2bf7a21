"""A real OTLP/HTTP trace receiver for tests and benchmarks: a loopback HTTP server that
takes ``POST /v1/traces`` as a collector does, decodes each body as the protobuf
``ExportTraceServiceRequest`` (opentelemetry-proto's generated classes) and answers
``ExportTraceServiceResponse``. It keeps every body as received, for byte-level checks."""

from __future__ import annotations

import gzip
import threading
import time
import zlib
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from opentelemetry.proto.common.v1.common_pb2 import AnyValue

KINDS = {0: "UNSPECIFIED", 1: "INTERNAL", 2: "SERVER", 3: "CLIENT", 4: "PRODUCER",
         5: "CONSUMER"}
STATUS = {0: "UNSET", 1: "OK", 2: "ERROR"}


def _value(v: AnyValue) -> Any:
    which = v.WhichOneof("value")
    if which == "array_value":
        return [_value(x) for x in v.array_value.values]
    if which == "kvlist_value":
        return {kv.key: _value(kv.value) for kv in v.kvlist_value.values}
    return getattr(v, which) if which else None


@dataclass
class Span:
    name: str
    trace_id: str
    span_id: str
    parent_span_id: str
    kind: str
    start_ns: int
    end_ns: int
    status: str
    attributes: dict[str, Any]
    resource: dict[str, Any]
    scope: str


@dataclass
class Receiver:
    """Spans and raw bodies received so far (``bodies`` as sent, decompressed)."""

    bodies: list[bytes] = field(default_factory=list)
    spans: list[Span] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)
    content_types: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    url: str = ""

    def take(self, path: str, content_type: str, body: bytes) -> None:
        request = ExportTraceServiceRequest()
        request.ParseFromString(body)
        spans = []
        for rs in request.resource_spans:
            resource = {kv.key: _value(kv.value) for kv in rs.resource.attributes}
            for ss in rs.scope_spans:
                for s in ss.spans:
                    spans.append(Span(
                        name=s.name, trace_id=s.trace_id.hex(), span_id=s.span_id.hex(),
                        parent_span_id=s.parent_span_id.hex(), kind=KINDS[s.kind],
                        start_ns=s.start_time_unix_nano, end_ns=s.end_time_unix_nano,
                        status=STATUS[s.status.code],
                        attributes={kv.key: _value(kv.value) for kv in s.attributes},
                        resource=resource, scope=ss.scope.name))
        with self.lock:
            self.paths.append(path)
            self.content_types.append(content_type)
            self.bodies.append(body)
            self.spans.extend(spans)

    def trace(self, trace_id: str) -> list[Span]:
        with self.lock:
            return [s for s in self.spans if s.trace_id == trace_id]

    def wait_for(self, trace_id: str, name: str, timeout: float = 60.0) -> list[Span]:
        """The spans of ``trace_id`` once one named ``name`` (the root, ended last) is in."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            spans = self.trace(trace_id)
            if any(s.name == name for s in spans):
                return spans
            time.sleep(0.05)
        raise TimeoutError(f"no span {name!r} of trace {trace_id} within {timeout} s; "
                           f"have {[s.name for s in self.trace(trace_id)]}")

    def raw(self) -> bytes:
        with self.lock:
            return b"".join(self.bodies)


def _handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length", "0")))
            encoding = self.headers.get("content-encoding", "")
            if encoding == "gzip":
                body = gzip.decompress(body)
            elif encoding == "deflate":
                body = zlib.decompress(body)
            if self.path != "/v1/traces":
                self.send_response(404)
                self.end_headers()
                return
            receiver.take(self.path, self.headers.get("content-type", ""), body)
            out = ExportTraceServiceResponse().SerializeToString()
            self.send_response(200)
            self.send_header("content-type", "application/x-protobuf")
            self.send_header("content-length", str(len(out)))
            self.end_headers()
            self.wfile.write(out)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - base's name
            pass

    return Handler


class OtlpReceiver:
    """``with OtlpReceiver() as r:`` a receiver listening on ``r.url`` (…/v1/traces)."""

    def __init__(self) -> None:
        self.received = Receiver()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self.received))
        self._server.daemon_threads = True
        port = self._server.server_address[1]
        self.received.url = f"http://127.0.0.1:{port}/v1/traces"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> Receiver:
        self._thread.start()
        return self.received

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(10)
