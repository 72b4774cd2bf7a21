"""OpenTelemetry traces from a real daemon ([telemetry] otlp_endpoint set), received by a real
OTLP/HTTP receiver that decodes the protobuf ``ExportTraceServiceRequest``
(tests/otlp_receiver.py). The central cluster is the real llama_cpp.server behind a loopback
TCP proxy that records the bytes the daemon sends it (to read the traceparent header).

One daemon for the module: one slot and no queue on each tier, so that a request arriving
while a long one holds the slot overflows to the cluster (same caller, so it is not a fair-
share case: tests/unit/test_scheduler.py)."""

from __future__ import annotations

import asyncio
import re
import secrets
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import grpc
import httpx
import pytest

from appliance.v1 import appliance_pb2 as pb
from appliance.v1 import appliance_pb2_grpc as pb_grpc
from tests import cluster as servers
from tests.daemon import Daemon, write_config
from tests.otlp_receiver import OtlpReceiver, Receiver, Span

EMAIL = "zoe.quartermaine@example.org"
PHONE = "+44 20 7946 0958"
PROMPT = f"Write one line to {EMAIL} (or call {PHONE}) about the Wednesday rota."
STAGES = ("validate", "mask", "place", "queue_wait", "prefill", "decode", "audit")
#: Gemma 3's end-of-text and end-of-turn tokens: banned, so the slot holder never stops.
ENDLESS = {1: -100.0, 106: -100.0}


class RecordingProxy:
    """Forwards a loopback port to ``upstream`` and keeps every byte sent upstream."""

    def __init__(self, upstream: int) -> None:
        self.upstream = upstream
        self.port = servers.free_port()
        self.sent: list[bytes] = []
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self._thread.start()
        self._server = asyncio.run_coroutine_threadsafe(asyncio.start_server(
            self._client, "127.0.0.1", self.port), self.loop).result(10)

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_r, up_w = await asyncio.open_connection("127.0.0.1", self.upstream)
        recorded = bytearray()
        self.sent.append(b"")
        index = len(self.sent) - 1

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter,
                       record: bool) -> None:
            try:
                while data := await src.read(65536):
                    if record:
                        recorded.extend(data)
                        self.sent[index] = bytes(recorded)
                    dst.write(data)
                    await dst.drain()
            except OSError:
                pass
            finally:
                dst.close()

        await asyncio.gather(pipe(reader, up_w, True), pipe(up_r, writer, False))

    def requests(self) -> bytes:
        return b"".join(self.sent)

    def close(self) -> None:
        async def shutdown() -> None:
            self._server.close()
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for t in tasks:
                t.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            await asyncio.sleep(0)

        asyncio.run_coroutine_threadsafe(shutdown(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(10)
        self.loop.close()


@pytest.fixture(scope="module")
def receiver() -> Iterator[Receiver]:
    with OtlpReceiver() as received:
        yield received


@pytest.fixture(scope="module")
def proxy(model_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RecordingProxy]:
    port = servers.free_port()
    proc = servers.start(model_path, tmp_path_factory.mktemp("cluster") / "server.log", port)
    recording = RecordingProxy(port)
    try:
        yield recording
    finally:
        recording.close()
        servers.stop(proc)


@pytest.fixture(scope="module")
def traced(tmp_path_factory: pytest.TempPathFactory, model_path: Path, receiver: Receiver,
           proxy: RecordingProxy) -> Iterator[Daemon]:
    work = tmp_path_factory.mktemp("traced")
    config = write_config(
        work / "appliance.toml", model_path, "slots = 1\nqueue_limit = 0",
        telemetry=f'otlp_endpoint = "{receiver.url}"\nservice_name = "appliance-under-test"',
        fallback=f'url = "http://127.0.0.1:{proxy.port}/v1"\nmax_local_wait_ms = 60000\n'
                 'probe_interval_seconds = 0')
    # The batch processor exports every 100 ms instead of 5 s (the SDK's own variable).
    d = Daemon(work, config, env={"OTEL_BSP_SCHEDULE_DELAY": "100"})
    try:
        d.wait_for("ready")
        yield d
    finally:
        code = d.stop()
        assert 0 == code, d.log_path.read_text()[-3000:]


def _traceparent() -> tuple[str, str, str]:
    """A caller's sampled W3C traceparent: (header value, trace id, its span id)."""
    trace_id, span_id = secrets.token_hex(16), secrets.token_hex(8)
    return f"00-{trace_id}-{span_id}-01", trace_id, span_id


def _wait_for_free_slot(stub: pb_grpc.InferenceStub, timeout: float = 120.0) -> None:
    """Until the cancelled slot holder has left v3's slot (it ends at its next token)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        models = stub.ListModels(pb.ListModelsRequest(), timeout=30)  # type: ignore[attr-defined]
        if all(m.free_slots == m.slots for m in models.models if m.tier == "v3"):
            return
        time.sleep(0.05)
    raise TimeoutError("the slot holder did not leave its slot")


def _by_name(spans: list[Span]) -> dict[str, Span]:
    return {s.name: s for s in spans}


def test_a_request_is_one_span_with_a_child_per_stage(traced: Daemon,
                                                      receiver: Receiver) -> None:
    """A gRPC call with a caller's traceparent: one SERVER span, child of the caller's, with a
    child per stage in order, and the GenAI attributes equal to what the response says."""
    header, trace_id, caller_span = _traceparent()
    assert traced.address is not None
    with grpc.insecure_channel(traced.address) as channel:
        reply = pb_grpc.InferenceStub(channel).Generate(  # type: ignore[no-untyped-call]
            pb.GenerateRequest(prompt=PROMPT, model="v3", max_tokens=12, temperature=0.0),
            metadata=[("traceparent", header)], timeout=120)
    spans = receiver.wait_for(trace_id, "Generate")
    root = _by_name(spans)["Generate"]
    assert (caller_span, "SERVER") == (root.parent_span_id, root.kind)
    children = [s for s in spans if s.parent_span_id == root.span_id]
    named = _by_name(children)
    assert set(STAGES) <= set(named), [s.name for s in children]
    starts = [named[n].start_ns for n in STAGES]
    assert sorted(starts) == starts, list(zip(STAGES, starts, strict=True))
    assert all(root.start_ns <= s.start_ns <= s.end_ns <= root.end_ns for s in children)
    a = root.attributes
    assert "chat" == a["gen_ai.operation.name"]
    assert ("v3", "v3") == (a["gen_ai.request.model"], a["gen_ai.response.model"])
    assert 12 == a["gen_ai.request.max_tokens"]
    assert reply.usage.prompt_tokens == a["gen_ai.usage.input_tokens"]
    assert reply.usage.completion_tokens == a["gen_ai.usage.output_tokens"]
    assert [reply.finish_reason] == a["gen_ai.response.finish_reasons"]
    assert reply.request_id == a["appliance.request_id"] == a["gen_ai.response.id"]
    assert ("local", "ok") == (a["appliance.route"], a["appliance.outcome"])
    assert {"EMAIL_ADDRESS", "PHONE_NUMBER"} <= set(a["appliance.pii.entity_types"])
    assert reply.usage.prompt_tokens == named["prefill"].attributes["gen_ai.usage.input_tokens"]
    assert reply.usage.completion_tokens == \
        named["decode"].attributes["gen_ai.usage.output_tokens"]
    assert "appliance-under-test" == root.resource["service.name"]


def test_an_http_call_continues_the_callers_trace(traced: Daemon, receiver: Receiver) -> None:
    """The OpenAI-compatible API reads the traceparent header the same way."""
    header, trace_id, caller_span = _traceparent()
    r = httpx.post(f"{traced.http_url}/chat/completions", timeout=120,
                   headers={"traceparent": header},
                   json={"model": "v3", "max_tokens": 8, "temperature": 0,
                         "messages": [{"role": "user", "content": PROMPT}]})
    assert 200 == r.status_code, r.text
    spans = receiver.wait_for(trace_id, "http:/v1/chat/completions")
    root = _by_name(spans)["http:/v1/chat/completions"]
    assert caller_span == root.parent_span_id
    assert r.headers["x-request-id"] == root.attributes["appliance.request_id"]
    assert set(STAGES) <= {s.name for s in spans if s.parent_span_id == root.span_id}


def test_streamed_calls_are_traced_to_their_end(traced: Daemon, receiver: Receiver) -> None:
    """A gRPC stream and an HTTP event stream: the call's span ends with the stream, with
    every stage and the token counts of the last chunk."""
    header, trace_id, caller_span = _traceparent()
    assert traced.address is not None
    with grpc.insecure_channel(traced.address) as channel:
        chunks = list(pb_grpc.InferenceStub(channel).GenerateStream(  # type: ignore[no-untyped-call]
            pb.GenerateRequest(prompt=PROMPT, model="v3", max_tokens=8, temperature=0.0),
            metadata=[("traceparent", header)], timeout=120))
    root = _by_name(receiver.wait_for(trace_id, "GenerateStream"))["GenerateStream"]
    assert caller_span == root.parent_span_id
    assert chunks[-1].usage.completion_tokens == root.attributes["gen_ai.usage.output_tokens"]
    assert set(STAGES) <= {s.name for s in receiver.trace(trace_id)
                           if s.parent_span_id == root.span_id}

    header, trace_id, caller_span = _traceparent()
    with httpx.stream("POST", f"{traced.http_url}/chat/completions", timeout=120,
                      headers={"traceparent": header},
                      json={"model": "v3", "max_tokens": 8, "temperature": 0, "stream": True,
                            "messages": [{"role": "user", "content": PROMPT}]}) as r:
        assert 200 == r.status_code
        body = r.read()
    assert b"[DONE]" in body
    root = _by_name(receiver.wait_for(trace_id, "http:/v1/chat/completions"))[
        "http:/v1/chat/completions"]
    assert (caller_span, "ok") == (root.parent_span_id, root.attributes["appliance.outcome"])
    assert set(STAGES) <= {s.name for s in receiver.trace(trace_id)
                           if s.parent_span_id == root.span_id}


def test_the_central_cluster_gets_the_trace(traced: Daemon, receiver: Receiver,
                                            proxy: RecordingProxy) -> None:
    """A request that overflows to the cluster (the slot is held) is traced through a CLIENT
    span, and the cluster's request carries a traceparent naming that span, in the caller's
    trace."""
    header, trace_id, _caller = _traceparent()
    assert traced.address is not None
    with grpc.insecure_channel(traced.address) as channel:
        stub = pb_grpc.InferenceStub(channel)  # type: ignore[no-untyped-call]
        holder = stub.GenerateStream(pb.GenerateRequest(
            prompt="Count upwards: 1, 2, 3,", model="v3", max_tokens=1500, temperature=0.0,
            logit_bias=ENDLESS), timeout=300)
        try:
            next(iter(holder))  # the slot is taken
            reply = stub.Generate(  # type: ignore[no-untyped-call]
                pb.GenerateRequest(prompt="Say hello.", model="v3", max_tokens=8,
                                   temperature=0.0),
                metadata=[("traceparent", header)], timeout=120)
        finally:
            holder.cancel()
            _wait_for_free_slot(stub)
    assert ("central", "fallback:queue_full") == (reply.served_by, reply.route_reason)
    spans = receiver.wait_for(trace_id, "Generate")
    named = _by_name(spans)
    central, root = named["central"], named["Generate"]
    assert ("CLIENT", root.span_id) == (central.kind, central.parent_span_id)
    assert "central" == root.attributes["appliance.route"]
    sent = re.findall(rb"traceparent: 00-([0-9a-f]{32})-([0-9a-f]{16})-01",
                      proxy.requests(), flags=re.IGNORECASE)
    assert (trace_id.encode(), central.span_id.encode()) in sent, sent


def test_no_prompt_answer_or_pii_value_is_exported(traced: Daemon, receiver: Receiver) -> None:
    """Everything the receiver got, byte for byte: no PII value, no prompt text, no answer
    text, no caller address; the attributes name PII types and counts only."""
    header, trace_id, _caller = _traceparent()
    assert traced.address is not None
    with grpc.insecure_channel(traced.address) as channel:
        reply = pb_grpc.InferenceStub(channel).Generate(  # type: ignore[no-untyped-call]
            pb.GenerateRequest(prompt=PROMPT, model="v3", max_tokens=24, temperature=0.0),
            metadata=[("traceparent", header)], timeout=120)
    receiver.wait_for(trace_id, "Generate")
    raw = receiver.raw()
    assert raw
    forbidden = [EMAIL, PHONE, "quartermaine", "Wednesday rota", PROMPT, "ipv4:",
                 "<EMAIL_ADDRESS", "Count upwards", "Say hello"]
    if len(reply.text.strip()) >= 8:
        forbidden.append(reply.text.strip())
    for text in forbidden:
        assert text.encode() not in raw, text
    assert {"application/x-protobuf"} == set(receiver.content_types)
