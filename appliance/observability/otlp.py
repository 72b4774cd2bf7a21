"""Tracing switched on: the OpenTelemetry SDK, spans exported by OTLP over HTTP (protobuf).

Imported only by :func:`appliance.observability.tracing.open_tracing` when ``[telemetry]
otlp_endpoint`` is set; :mod:`appliance.observability.tracing` says what the spans are and what
they never carry.

Why OTLP/HTTP and not gRPC: it is the transport the OTLP specification makes the SDKs'
default, every collector (the OpenTelemetry Collector, Jaeger, Tempo, vendors' agents) takes
it on 4318, it passes HTTP proxies and load balancers, and its exporter is plain ``requests``
in the batch processor's thread, so it never shares the daemon's ``grpc.aio`` event loop and
channel settings.

The tracer provider is this object's own, never the process-wide one: nothing else in the
process (a library, a test) gets these spans or sets how they are sampled. Spans are queued for
a background thread (``BatchSpanProcessor``); a request never waits for an export, and when the
queue is full (a collector that is down) spans are dropped, not held.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import AsyncIterator, Iterator, Mapping
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import requests
from opentelemetry import trace as otel
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter
from opentelemetry.sdk.trace.sampling import ParentBased, TraceIdRatioBased
from opentelemetry.trace import Span, SpanKind, Status, StatusCode
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator
from opentelemetry.util.types import AttributeValue

from appliance import __version__
from appliance.config.schema import TIERS, TelemetryConfig
from appliance.engine.types import Event, Finished
from appliance.errors import ApplianceError, ConfigError
from appliance.observability.tracing import Carrier, RequestTrace, Tracing
from appliance.request import GenerateParams, Outcome, RequestInfo

#: The request model names a span may carry: the tiers and auto (aliases are resolved to a
#: tier before the pipeline sees them).
REQUEST_MODELS = frozenset({*TIERS, "auto"})

#: The W3C trace context headers read from a caller and written to the central cluster.
TRACE_HEADERS = ("traceparent", "tracestate")
#: OTLP/HTTP's path for traces, added to an endpoint given without one.
TRACES_PATH = "/v1/traces"
#: gen_ai.operation.name by the transport's method name.
OPERATIONS = {
    "Generate": "chat", "GenerateStream": "chat", "http:/v1/chat/completions": "chat",
    "http:/v1/messages": "chat", "http:/v1/responses": "chat",
    "http:/v1/completions": "text_completion", "Embed": "embeddings",
    "http:/v1/embeddings": "embeddings",
}
PROVIDER = "llm-appliance"


def traces_url(endpoint: str) -> str:
    """``endpoint`` as the exporter's full URL: one without a path gets /v1/traces."""
    parts = urlsplit(endpoint)
    if parts.path in ("", "/"):
        parts = parts._replace(path=TRACES_PATH)
    return urlunsplit(parts)


def _read_token(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise ConfigError(f"cannot read the collector's token file: {exc.strerror}",
                          key="telemetry.token_file", file=str(path)) from None


def exporter_for(config: TelemetryConfig) -> OTLPSpanExporter:
    """The OTLP/HTTP exporter ``config`` describes (its token, TLS files and timeout)."""
    headers = {}
    if config.token_file is not None:
        headers["Authorization"] = f"Bearer {_read_token(config.token_file)}"
    for key in ("ca_file", "client_cert", "client_key"):
        path: Path | None = getattr(config, key)
        if path is not None and not path.is_file():
            raise ConfigError("no such file", key=f"telemetry.{key}", file=str(path))
    # Proxies and netrc from the environment are not for the collector (as for the cluster).
    session = requests.Session()
    session.trust_env = False
    return OTLPSpanExporter(
        endpoint=traces_url(config.otlp_endpoint),
        certificate_file=str(config.ca_file) if config.ca_file else None,
        client_certificate_file=str(config.client_cert) if config.client_cert else None,
        client_key_file=str(config.client_key) if config.client_key else None,
        headers=headers, timeout=config.timeout_seconds, session=session)


class OtlpTracing(Tracing):
    """Tracing on: a tracer provider of its own, batching to ``exporter`` (default: the
    OTLP/HTTP exporter ``config`` describes)."""

    enabled = True

    def __init__(self, config: TelemetryConfig, exporter: SpanExporter | None = None) -> None:
        resource = Resource.create({"service.name": config.service_name,
                                    "service.version": __version__})
        self._provider = TracerProvider(
            resource=resource, shutdown_on_exit=False,
            sampler=ParentBased(TraceIdRatioBased(config.sample_ratio)))
        self._provider.add_span_processor(BatchSpanProcessor(exporter or exporter_for(config)))
        self.tracer = self._provider.get_tracer("appliance", __version__)
        self.propagator = TraceContextTextMapPropagator()

    def begin(self, method: str, carrier: Carrier) -> RequestTrace:
        found: dict[str, str] = {}
        for key, value in carrier:
            name = key.lower()
            if name in TRACE_HEADERS:
                found[name] = value.decode("ascii", "replace") if isinstance(value, bytes) \
                    else value
        parent = self.propagator.extract(found) if found else None
        span = self.tracer.start_span(method, context=parent, kind=SpanKind.SERVER)
        return _Trace(self, span, OPERATIONS.get(method))

    def close(self) -> None:
        self._provider.shutdown()  # flushes the batch processor's queue first


@contextlib.asynccontextmanager
async def _closing(events: AsyncIterator[Event]) -> AsyncIterator[None]:
    """Close ``events`` when the block ends, as its reader would have (closing an engine's
    stream cancels the generation at once, not whenever it is garbage collected)."""
    try:
        yield
    finally:
        close = getattr(events, "aclose", None)
        if close is not None:
            await close()


def _failed(span: Span, error: BaseException) -> None:
    """The span failed with ``error``: its class, never its message (it may quote input)."""
    span.set_status(Status(StatusCode.ERROR))
    reason = error.context.get("reason") if isinstance(error, ApplianceError) else None
    span.set_attribute("error.type", str(reason or type(error).__name__))


class _Trace(RequestTrace):
    """One traced call: its span and the open stage's."""

    __slots__ = ("_client", "_open", "_operation", "_owner", "_parent", "_span")

    def __init__(self, owner: OtlpTracing, span: Span, operation: str | None) -> None:
        self._owner = owner
        self._span = span
        self._parent = otel.set_span_in_context(span)
        self._operation = operation
        #: The stage begun by :meth:`phase` and not yet ended.
        self._open: Span | None = None
        #: The central call in progress (its context goes to the cluster).
        self._client: Span | None = None

    def _child(self, name: str, start: int | None = None,
               kind: SpanKind = SpanKind.INTERNAL) -> Span:
        return self._owner.tracer.start_span(name, context=self._parent, kind=kind,
                                             start_time=start)

    def requested(self, params: GenerateParams) -> None:
        attributes: dict[str, AttributeValue] = {}
        if params.model in REQUEST_MODELS:
            # Only a name the appliance defines: before routing, model is caller text (an
            # unknown name is refused later, but a span would already have carried it off).
            attributes["gen_ai.request.model"] = params.model
        if params.max_tokens:
            attributes["gen_ai.request.max_tokens"] = params.max_tokens
        if params.temperature is not None:
            attributes["gen_ai.request.temperature"] = params.temperature
        if params.top_p is not None:
            attributes["gen_ai.request.top_p"] = params.top_p
        self._span.set_attributes(attributes)

    def phase(self, name: str | None) -> None:
        now = time.time_ns()
        if self._open is not None:
            self._open.end(now)
        self._open = self._child(name, now) if name else None

    @contextlib.contextmanager
    def _stage(self, name: str) -> Iterator[None]:
        span = self._child(name)
        try:
            yield
        except Exception as exc:
            _failed(span, exc)
            raise
        finally:
            span.end()

    def stage(self, name: str) -> contextlib.AbstractContextManager[None]:
        return self._stage(name)

    async def generation(self, events: AsyncIterator[Event],
                         tier: str) -> AsyncIterator[Event]:
        start = time.time_ns()
        first: int | None = None
        done = False
        try:
            async with _closing(events):
                async for event in events:
                    if first is None:
                        first = time.time_ns()
                    if isinstance(event, Finished):
                        done = True
                        self._generated(tier, start, first, event)
                    yield event
        except Exception as exc:
            if not done:
                span = self._child("generate", start)
                span.set_attribute("appliance.tier", tier)
                _failed(span, exc)
                span.end()
            raise

    def _generated(self, tier: str, start: int, first: int, event: Finished) -> None:
        """queue_wait, prefill and decode of a finished local generation."""
        end = time.time_ns()
        waited = start + int((event.queue_wait_s or 0.0) * 1e9)
        slot = min(max(waited, start), first)
        spans: tuple[tuple[str, int, int, Mapping[str, AttributeValue]], ...] = (
            ("queue_wait", start, slot, {}),
            ("prefill", slot, first, {"gen_ai.usage.input_tokens": event.prompt_tokens,
                                      "appliance.cached_tokens": event.cached_tokens}),
            ("decode", first, end, {"gen_ai.usage.output_tokens": event.completion_tokens,
                                    "gen_ai.response.finish_reasons": (event.finish_reason,)}),
        )
        for name, begun, ended, attributes in spans:
            span = self._child(name, begun)
            span.set_attributes({"appliance.tier": tier, **attributes})
            span.end(ended)

    async def central(self, events: AsyncIterator[Event],
                      tier: str) -> AsyncIterator[Event]:
        span = self._child("central", kind=SpanKind.CLIENT)
        span.set_attribute("appliance.tier", tier)
        self._client = span
        try:
            async with _closing(events):
                async for event in events:
                    yield event
        except Exception as exc:
            _failed(span, exc)
            raise
        finally:
            self._client = None
            span.end()

    def headers(self) -> Mapping[str, str]:
        span = self._client or self._open or self._span
        carrier: dict[str, str] = {}
        self._owner.propagator.inject(carrier, context=otel.set_span_in_context(span))
        return carrier

    def finish(self, info: RequestInfo) -> None:
        span = self._span
        failed = info.outcome is not Outcome.OK
        if self._open is not None:
            if failed:
                self._open.set_status(Status(StatusCode.ERROR))
            self._open.end()
            self._open = None
        span.set_attributes(_attributes(info, self._operation))
        if failed:
            span.set_attribute("error.type", info.error_reason or info.status)
            if info.outcome is Outcome.ERROR:
                span.set_status(Status(StatusCode.ERROR))
        span.end()


def _attributes(info: RequestInfo, operation: str | None) -> dict[str, AttributeValue]:
    """The call's attributes: GenAI semantic conventions where they have a name, else
    ``appliance.*``; metadata only (see the module docstring of tracing.py)."""
    out: dict[str, AttributeValue] = {
        "appliance.request_id": info.request_id, "appliance.status": info.status,
        "appliance.outcome": str(info.outcome),
    }
    if operation is not None:
        out["gen_ai.operation.name"] = operation
        out["gen_ai.provider.name"] = PROVIDER
        out["gen_ai.response.id"] = info.request_id
        out["gen_ai.usage.input_tokens"] = info.prompt_tokens
        out["gen_ai.usage.output_tokens"] = info.completion_tokens
    optional: dict[str, AttributeValue | None] = {
        "gen_ai.response.model": info.tier,
        "gen_ai.response.finish_reasons": (info.finish_reason,) if info.finish_reason else None,
        "appliance.route": info.route, "appliance.route_reason": info.route_reason,
        "appliance.model_sha256": info.model_sha256,
        "appliance.central_endpoint": info.central_endpoint,
        "appliance.cached_tokens": info.cached_tokens or None,
        "appliance.queue_wait_ms": round(info.queue_wait_s * 1000, 3)
        if info.queue_wait_s is not None else None,
        "appliance.pii.entity_types": tuple(sorted(info.pii_counts)) or None,
        "appliance.pii.entities": sum(info.pii_counts.values()) or None,
        "appliance.pii.output_entities": sum(info.output_pii_counts.values()) or None,
        "appliance.escalated_from": str(info.escalated_from["tier"])
        if info.escalated_from else None,
    }
    out.update({k: v for k, v in optional.items() if v is not None})
    return out
