"""Prometheus metrics, served as text on their own loopback HTTP listener (``[metrics] listen``).

Labels carry only values the appliance itself chose: tier names from the config, routes, gRPC
status names, fallback reasons, PII entity types. Never a prompt, an answer, a PII value, a
client identity or a token, so the label sets stay small and nothing sensitive is scraped.

Counters and histograms are updated once per request, when the interceptor ends it
(:meth:`Metrics.observe_request`). Gauges (queue depth, busy slots, breaker state, audit
bytes and free space, a hang) are read from the live objects at scrape time by
:class:`_LiveCollector`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, Info
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, StateSetMetricFamily
from prometheus_client.exposition import start_http_server
from prometheus_client.registry import Collector

from appliance import __version__
from appliance.lifecycle import ServiceState

if TYPE_CHECKING:
    from wsgiref.simple_server import WSGIServer

    from appliance.request import RequestInfo

#: Request latency buckets (seconds): from a cached short answer to a long reasoning run.
LATENCY_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 30.0, 60.0, 120.0, 300.0)
TTFT_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0)
#: Tokens per second of one answer's decoding: a slow CPU to a GPU.
TOKEN_RATE_BUCKETS = (1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0, 500.0, 1000.0)
#: Audit appends are an fdatasync each (group-committed): sub-millisecond to a slow disk.
AUDIT_BUCKETS = (0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5,
                 1.0)
#: Feedback scores run from -1 (bad) to 1 (good).
FEEDBACK_BUCKETS = (-1.0, -0.5, 0.0, 0.5, 1.0)
BREAKER_STATES = ("closed", "half_open", "open")
AUDIT_STATES = ("ok", "suspended")


def _label(value: str | None) -> str:
    return value or "none"


@dataclass
class LiveSources:
    """Where the scrape-time gauges come from; set by the server once the objects exist."""

    engines: Callable[[], list[Any]] = field(default=lambda: [])
    breaker_state: Callable[[], str | None] = field(default=lambda: None)
    #: Each central endpoint's status (CentralFleet.status()): name, state, weight, ...
    central_endpoints: Callable[[], list[dict[str, Any]]] = field(default=lambda: [])
    audit_writer: Callable[[], Any] = field(default=lambda: None)
    state: Callable[[], str] = field(default=lambda: "starting")
    #: Whether a decode step or an audit write has run past [server] hang_seconds now.
    hang: Callable[[], bool] = field(default=lambda: False)
    in_flight: Callable[[], int] = field(default=lambda: 0)
    #: (PII profile name, its SpanCache) for each PII stage that has one.
    pii_caches: Callable[[], list[tuple[str, Any]]] = field(default=lambda: [])
    #: The response cache (appliance.stages.cache.ResponseCache), None while off.
    response_cache: Callable[[], Any] = field(default=lambda: None)
    #: Whether the shared state's Redis answers ([state] backend); None: local backend.
    shared_state_up: Callable[[], bool | None] = field(default=lambda: None)
    #: The batch store (appliance.batch.store.BatchStore), None while batch jobs are off.
    batch_store: Callable[[], Any] = field(default=lambda: None)


class _LiveCollector(Collector):
    def __init__(self, sources: LiveSources) -> None:
        self.sources = sources

    def collect(self) -> Iterator[Any]:
        s = self.sources
        depth = GaugeMetricFamily("appliance_queue_depth",
                                  "Requests waiting for a slot, per tier", labels=["tier"])
        busy = GaugeMetricFamily("appliance_slots_busy",
                                 "Slots generating now, per tier", labels=["tier"])
        slots = GaugeMetricFamily("appliance_slots", "Configured slots, per tier",
                                  labels=["tier"])
        ready = GaugeMetricFamily("appliance_model_ready",
                                  "1 when the tier's model is loaded and serving",
                                  labels=["tier"])
        # Per tier like the other engine figures (tiers sharing a model show its numbers).
        cache = {name: CounterMetricFamily(f"appliance_prefix_cache_{name}", help_,
                                           labels=["tier"])
                 for name, help_ in (("hits", "Prompts that reused a cached prefix"),
                                     ("misses", "Prompts that found no cached prefix"),
                                     ("reused_tokens", "Prompt tokens served from the cache"),
                                     ("evictions", "Cached prefixes evicted for room"))}
        cells = GaugeMetricFamily("appliance_prefix_cache_cells",
                                  "Tokens whose KV cells the prefix cache holds (in host memory)",
                                  labels=["tier"])
        held = GaugeMetricFamily("appliance_prefix_cache_bytes",
                                 "Host memory the prefix cache's saved cells take",
                                 labels=["tier"])
        prefill = {name: CounterMetricFamily(f"appliance_{name}", help_, labels=["tier"])
                   for name, help_ in (
                       ("prefill_tokens", "Prompt tokens the engine prefilled (not cached)"),
                       ("prefill_seconds", "Engine time from a prompt's admission to its "
                                           "first logits"))}
        for engine in s.engines():
            for tier in engine.tiers:
                depth.add_metric([tier], engine.queued_jobs)
                busy.add_metric([tier], engine.active_jobs)
                slots.add_metric([tier], engine.spec.slots)
                ready.add_metric([tier], 1.0 if engine.state == "ready" else 0.0)
                if hasattr(engine, "prefill_tokens_total"):
                    prefill["prefill_tokens"].add_metric([tier], engine.prefill_tokens_total)
                    prefill["prefill_seconds"].add_metric([tier], engine.prefill_seconds_total)
            pc = getattr(engine, "prefix_cache", None)
            if pc is None:
                continue
            for tier in engine.tiers:
                for name, family in cache.items():
                    family.add_metric([tier], getattr(pc, name))
                cells.add_metric([tier], pc.cells)
                held.add_metric([tier], getattr(engine, "prefix_cache_bytes", 0))
        yield from (depth, busy, slots, ready, *prefill.values(), *cache.values(), cells, held)
        yield from _pii_cache_metrics(s.pii_caches())
        yield from _response_cache_metrics(s.response_cache())
        yield from _batch_metrics(s.batch_store())
        shared = s.shared_state_up()
        if shared is not None:
            yield GaugeMetricFamily("appliance_shared_state_up",
                                    "1 while the [state] Redis answers; 0 while it does not "
                                    "(requests of identities with limits are refused, or "
                                    "counted on this box alone)", value=1.0 if shared else 0.0)
        yield GaugeMetricFamily("appliance_in_flight_requests",
                                "RPCs being served now", value=s.in_flight())
        state = s.state()
        yield StateSetMetricFamily(
            "appliance_state", "Daemon state",
            value={str(k): k == state for k in ServiceState})
        yield GaugeMetricFamily("appliance_hang_detected",
                                "1 while a decode step or an audit write has run past "
                                "[server] hang_seconds (health NOT_SERVING, the systemd "
                                "watchdog starves)", value=1.0 if s.hang() else 0.0)
        breaker = s.breaker_state()
        if breaker is not None:
            yield StateSetMetricFamily(
                "appliance_central_breaker", "Central-cluster circuit breaker state",
                value={k: k == breaker for k in BREAKER_STATES})
        yield from _endpoint_gauges(s.central_endpoints())
        writer = s.audit_writer()
        if writer is not None:
            yield StateSetMetricFamily(
                "appliance_audit", "Audit log state (suspended: requests are refused)",
                value={"ok": writer.suspended is None, "suspended": writer.suspended is not None})
            yield GaugeMetricFamily("appliance_audit_free_bytes",
                                    "Free bytes on the audit log's filesystem",
                                    value=writer.free_bytes())
            # The writer's own thresholds, so an alert compares against what the site set.
            yield GaugeMetricFamily("appliance_audit_free_warn_bytes",
                                    "Free bytes below which the audit writer warns "
                                    "([audit] free_space_warn_mb)",
                                    value=writer.s.free_warn_bytes)
            yield GaugeMetricFamily("appliance_audit_free_refuse_bytes",
                                    "Free bytes below which the audit writer suspends and "
                                    "requests are refused ([audit] free_space_refuse_mb)",
                                    value=writer.s.free_refuse_bytes)
            bytes_ = GaugeMetricFamily("appliance_audit_written_bytes",
                                       "Bytes appended to the audit log since start",
                                       value=writer.bytes_written)
            yield bytes_
            yield GaugeMetricFamily("appliance_audit_records",
                                    "Frames appended to the audit log since start",
                                    value=writer.appended)


def _pii_cache_metrics(caches: list[tuple[str, Any]]) -> Iterator[Any]:
    """The PII analysis caches (label ``profile``: "default" or the pii profile's name)."""
    if not caches:
        return
    families = {name: CounterMetricFamily(f"appliance_pii_analysis_cache_{name}", help_,
                                          labels=["profile"])
                for name, help_ in (
                    ("hits", "Texts or blocks of text whose PII analysis was reused"),
                    ("misses", "Texts or blocks of text analysed afresh"),
                    ("reused_chars", "Characters whose PII analysis was reused"))}
    entries = GaugeMetricFamily("appliance_pii_analysis_cache_entries",
                                "Analyses the PII analysis cache holds", labels=["profile"])
    for profile, cache in caches:
        for name, family in families.items():
            family.add_metric([profile], getattr(cache, name))
        entries.add_metric([profile], len(cache))
    yield from (*families.values(), entries)


def _response_cache_metrics(cache: Any) -> Iterator[Any]:
    """The response cache ([cache]): hits and misses of lookups (hit ratio: hits / (hits +
    misses)), answers kept and dropped, and the memory they take."""
    if cache is None:
        return
    for name, help_ in (("hits", "Requests answered from the response cache"),
                        ("misses", "Response cache lookups that found no answer"),
                        ("stores", "Answers kept in the response cache"),
                        ("evictions", "Kept answers dropped for room (least recently used)"),
                        ("expired", "Kept answers found past their TTL and dropped")):
        yield CounterMetricFamily(f"appliance_response_cache_{name}", help_,
                                  value=getattr(cache, name))
    errors = CounterMetricFamily(
        "appliance_response_cache_errors",
        "Lookups (served as misses) and stores (answer not kept) of the shared response cache "
        "(Redis) that failed or were skipped while it was down", labels=["operation"])
    for operation, count in sorted(cache.errors.items()):
        errors.add_metric([operation], count)
    yield errors
    yield GaugeMetricFamily("appliance_response_cache_bytes",
                            "Memory the response cache's kept answers take (estimate; shared "
                            "in Redis: all boxes', as of this box's last store)",
                            value=cache.bytes)
    yield GaugeMetricFamily("appliance_response_cache_entries",
                            "Answers the response cache holds", value=len(cache))


def _batch_metrics(store: Any) -> Iterator[Any]:
    """Batch jobs: batches held by status, lines waiting, lines ended and run again."""
    if store is None:
        return
    try:
        counts, pending = store.counts(), store.pending()
    except Exception:  # noqa: BLE001 - the store closed at shutdown: no gauges this scrape
        counts, pending = None, None
    if counts is not None:
        batches = GaugeMetricFamily("appliance_batches", "Batches held (until their "
                                    "retention ends), by status", labels=["status"])
        for status, count in counts.items():
            batches.add_metric([status], count)
        yield batches
        yield GaugeMetricFamily("appliance_batch_lines_pending", "Batch lines waiting to run "
                                "(of batches in progress; lines waiting out a back-off "
                                "included)", value=pending)
    ended = CounterMetricFamily("appliance_batch_lines", "Batch lines ended since start, by "
                                "result (failed: an error line)", labels=["result"])
    for result, count in store.ended.items():
        ended.add_metric([result], count)
    yield ended
    retried = CounterMetricFamily(
        "appliance_batch_line_retries", "Batch lines put back to run again, by reason "
        "(preempted: interactive work took the slot; deferred: a limit of the submitter or "
        "the appliance not serving; transient: a failure that may pass)", labels=["reason"])
    for reason, count in store.retried.items():
        retried.add_metric([reason], count)
    yield retried


def _endpoint_gauges(endpoints: list[dict[str, Any]]) -> Iterator[Any]:
    """Per central endpoint (label ``endpoint``: its configured name or host:port)."""
    if not endpoints:
        return
    up = GaugeMetricFamily("appliance_central_endpoint_up", "1 while the endpoint may take "
                           "work (breaker closed or half-open, no Retry-After running)",
                           labels=["endpoint"])
    weight = GaugeMetricFamily("appliance_central_endpoint_weight",
                               "Share of overflow the endpoint gets now", labels=["endpoint"])
    ttft = GaugeMetricFamily("appliance_central_endpoint_ttft_ewma_seconds",
                             "EWMA of the endpoint's time to first token", labels=["endpoint"])
    flight = GaugeMetricFamily("appliance_central_endpoint_in_flight",
                               "Requests streaming from the endpoint now", labels=["endpoint"])
    for ep in endpoints:
        name = str(ep["name"])
        up.add_metric([name], 1.0 if ep["state"] in ("closed", "half_open") else 0.0)
        weight.add_metric([name], float(ep.get("weight", 1.0)))
        ttft.add_metric([name], float(ep.get("ttft_ewma_ms", 0.0)) / 1000)
        flight.add_metric([name], float(ep.get("in_flight", 0)))
    yield from (up, weight, ttft, flight)


class Metrics:
    """The daemon's metrics, in a registry of their own (nothing global)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.sources = LiveSources()
        r.register(_LiveCollector(self.sources))
        Info("appliance_build", "Version of the running daemon", registry=r).info(
            {"version": __version__})
        self.requests = Counter(
            "appliance_requests", "Generate/GenerateStream requests by tier, route and status",
            ["method", "tier", "route", "status"], registry=r)
        self.latency = Histogram(
            "appliance_request_duration_seconds", "Request latency, admission to last chunk",
            ["tier", "route"], buckets=LATENCY_BUCKETS, registry=r)
        self.ttft = Histogram(
            "appliance_time_to_first_token_seconds", "Time to the first chunk of an answer",
            ["tier", "route"], buckets=TTFT_BUCKETS, registry=r)
        self.queue_wait = Histogram(
            "appliance_queue_wait_seconds", "Time a local request waited for a slot",
            ["tier"], buckets=TTFT_BUCKETS, registry=r)
        self.generated = Counter(
            "appliance_generated_tokens", "Completion tokens generated", ["tier", "route"],
            registry=r)
        self.prompt_tokens = Counter(
            "appliance_prompt_tokens", "Prompt tokens evaluated (local) or sent (central)",
            ["tier", "route"], registry=r)
        self.fallbacks = Counter(
            "appliance_fallbacks", "Requests sent to the central cluster, by reason",
            ["reason"], registry=r)
        self.pii = Counter(
            "appliance_pii_entities_masked", "PII entities masked, by type and where found "
            "(prompt, or output the model wrote)", ["entity_type", "where"], registry=r)
        self.audit_append = Histogram(
            "appliance_audit_append_seconds", "Time until an audit record was durable",
            ["record"], buckets=AUDIT_BUCKETS, registry=r)
        self.audit_failures = Counter(
            "appliance_audit_append_failures", "Audit appends that failed (request refused)",
            registry=r)
        self.refusals_summarised = Counter(
            "appliance_refusals_summarised", "Calls refused at the door and counted in a "
            "summary audit record instead of audited one by one, by status",
            ["status"], registry=r)
        self.model_reloads = Counter(
            "appliance_model_reloads", "Model reloads (Admin.ReloadModels or SIGHUP), by "
            "result: ok, or failed (the old models kept serving)", ["result"], registry=r)
        for result in ("ok", "failed"):  # both series from the start, so increase() sees 0->1
            self.model_reloads.labels(result)
        # prometheus_client exports no _sum for a histogram with negative buckets (as
        # OpenMetrics asks), so the scores' sum is a gauge of its own: points / count = mean.
        self.feedback = Histogram(
            "appliance_feedback_score", "Scores callers gave answers (POST /v1/feedback), "
            "-1 bad to 1 good", buckets=FEEDBACK_BUCKETS, registry=r)
        self.feedback_points = Gauge(
            "appliance_feedback_score_points", "The sum of the scores in "
            "appliance_feedback_score: divided by its _count, the mean score", registry=r)
        # Per arm (primary, canary) of a tier with [models.<tier>.canary]; routing/canary.py.
        self.arm_requests = Counter(
            "appliance_arm_requests", "Placed requests of a tier with a canary, by arm and "
            "result (error: failed or refused after placement)", ["tier", "arm", "result"],
            registry=r)
        self.arm_ttft = Histogram(
            "appliance_arm_time_to_first_token_seconds", "Time to the first chunk, by arm",
            ["tier", "arm"], buckets=TTFT_BUCKETS, registry=r)
        self.arm_tokens_per_second = Histogram(
            "appliance_arm_tokens_per_second", "Decode rate of one answer after its first "
            "chunk, by arm", ["tier", "arm"], buckets=TOKEN_RATE_BUCKETS, registry=r)
        self.arm_finish_reasons = Counter(
            "appliance_arm_finish_reasons", "Answers by finish reason and arm",
            ["tier", "arm", "finish_reason"], registry=r)
        self.arm_feedback = Histogram(
            "appliance_arm_feedback_score", "Scores callers gave answers (POST /v1/feedback) "
            "of a tier with a canary, by the arm that answered", ["tier", "arm"],
            buckets=FEEDBACK_BUCKETS, registry=r)
        self.arm_feedback_points = Gauge(
            "appliance_arm_feedback_score_points", "The sum of the scores in "
            "appliance_arm_feedback_score, by arm: divided by its _count, the mean score",
            ["tier", "arm"], registry=r)
        self.canary_rollbacks = Counter(
            "appliance_canary_rollbacks", "Canaries rolled back, by reason (error_rate, "
            "latency: automatic; manual: appliance models rollback)", ["tier", "reason"],
            registry=r)
        self.canary_promotions = Counter(
            "appliance_canary_promotions", "Canaries made their tier's primary",
            ["tier"], registry=r)
        self._server: WSGIServer | None = None
        self._thread: threading.Thread | None = None

    def observe_request(self, info: RequestInfo) -> None:
        """Count one finished Generate/GenerateStream call."""
        tier, route = _label(info.tier), _label(info.route)
        self.requests.labels(info.method, tier, route, info.status).inc()
        self.latency.labels(tier, route).observe(info.elapsed())
        if info.first_output_at is not None:
            self.ttft.labels(tier, route).observe(info.first_output_at - info.started)
        if info.queue_wait_s is not None:
            self.queue_wait.labels(tier).observe(info.queue_wait_s)
        if info.completion_tokens:
            self.generated.labels(tier, route).inc(info.completion_tokens)
        if info.prompt_tokens:
            self.prompt_tokens.labels(tier, route).inc(info.prompt_tokens)
        if info.route == "central" and info.route_reason:
            self.fallbacks.labels(info.route_reason.removeprefix("fallback:")).inc()
        for kind, n in info.pii_counts.items():
            self.pii.labels(kind, "prompt").inc(n)
        for kind, n in info.output_pii_counts.items():
            self.pii.labels(kind, "output").inc(n)

    def serve(self, host: str, port: int) -> tuple[str, int]:
        """Start the HTTP listener (a daemon thread); returns the bound address."""
        self._server, self._thread = start_http_server(port, addr=host, registry=self.registry)
        bound = self._server.server_address
        return str(bound[0]), int(bound[1])

    def close(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
