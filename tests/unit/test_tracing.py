"""Tracing ([telemetry]): off costs nothing and imports nothing; on, sampling follows the
caller's traceparent, and a failure is named by its class, never its message. Spans are read
with the SDK's own in-memory exporter; tests/integration/test_tracing.py has the daemon and a
real OTLP receiver."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from appliance import config
from appliance.config.schema import TelemetryConfig
from appliance.errors import ConfigError, InvalidArgument
from appliance.observability.otlp import OtlpTracing, exporter_for, traces_url
from appliance.observability.telemetry import open_tracing
from appliance.observability.tracing import NOOP
from appliance.request import Outcome, RequestInfo

SAMPLED = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
NOT_SAMPLED = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00"


def _tracing(ratio: float = 1.0) -> tuple[OtlpTracing, InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    cfg = TelemetryConfig(otlp_endpoint="http://127.0.0.1:9/v1/traces", sample_ratio=ratio)
    return OtlpTracing(cfg, exporter), exporter


def _info() -> RequestInfo:
    return RequestInfo(request_id="r1", method="Generate", client="billing-app")


def test_off_is_the_no_op_trace_and_imports_no_opentelemetry() -> None:
    """With no endpoint, every call gets NOOP, and the daemon's modules, a call's begin and
    end, and an outgoing call's headers import nothing of OpenTelemetry."""
    code = (
        "import sys\n"
        "import appliance.server.app, appliance.httpapi.app, appliance.pipeline\n"
        "from appliance.calls import Calls, InFlight\n"
        "from appliance.observability.metrics import Metrics\n"
        "from appliance.observability.telemetry import open_tracing\n"
        "from appliance.observability.tracing import outgoing_headers\n"
        "from appliance.config.schema import TelemetryConfig\n"
        "calls = Calls(InFlight(), Metrics(), tracing=open_tracing(TelemetryConfig()))\n"
        f"info = calls.begin('Generate', 'ipv4:127.0.0.1:1', [('traceparent', '{SAMPLED}')])\n"
        "assert dict(outgoing_headers()) == {}\n"
        "calls.end(info)\n"
        "print(sorted(m for m in sys.modules if m.startswith('opentelemetry')))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120, check=False)
    assert 0 == out.returncode, out.stderr
    assert "[]" == out.stdout.strip().splitlines()[-1]
    off = open_tracing(TelemetryConfig())
    assert not off.enabled
    assert NOOP is off.begin("Generate", [("traceparent", SAMPLED)])


def test_a_callers_sampled_flag_decides() -> None:
    """A caller's traceparent is continued as sampled or not as it says, whatever the ratio;
    without one, the ratio decides (0: nothing)."""
    tracing, exporter = _tracing(ratio=0.0)
    tracing.begin("Generate", [("traceparent", SAMPLED)]).finish(_info())
    tracing.begin("Generate", [("traceparent", NOT_SAMPLED)]).finish(_info())
    tracing.begin("Generate", []).finish(_info())
    tracing.close()
    spans = exporter.get_finished_spans()
    assert [0x0AF7651916CD43DD8448EB211C80319C] == [s.context.trace_id for s in spans]
    assert 0xB7AD6B7169203331 == spans[0].parent.span_id


def test_a_malformed_traceparent_starts_a_new_trace() -> None:
    tracing, exporter = _tracing()
    trace = tracing.begin("Generate", [("traceparent", b"00-not-a-trace-01")])
    assert trace.headers()["traceparent"].startswith("00-")
    trace.finish(_info())
    tracing.close()
    (span,) = exporter.get_finished_spans()
    assert span.parent is None


def test_a_failure_is_named_by_class_never_by_message() -> None:
    """A stage that raises and a request that failed: error.type is the error's stable
    reason or class; the message (which may quote input) is nowhere in the span."""
    tracing, exporter = _tracing()
    trace = tracing.begin("Generate", [])
    trace.phase("validate")
    with pytest.raises(InvalidArgument), trace.stage("audit"):
        raise InvalidArgument("prompt: ann@example.com is not allowed", field="prompt")
    info = _info()
    info.outcome, info.status, info.error_reason = Outcome.ERROR, "INVALID_ARGUMENT", None
    trace.finish(info)
    tracing.close()
    spans = {s.name: s for s in exporter.get_finished_spans()}
    assert "InvalidArgument" == spans["audit"].attributes["error.type"]
    assert "INVALID_ARGUMENT" == spans["Generate"].attributes["error.type"]
    assert "validate" in spans  # the stage the failure left open is ended with the call
    for span in spans.values():
        assert "ann@example.com" not in str(span.to_json())
        assert "billing-app" not in str(span.to_json())


@pytest.mark.parametrize(("model", "exported"), [("v3", "v3"), ("auto", "auto"),
                                                ("ann@example.com", None), ("", None)])
def test_only_a_model_name_the_appliance_defines_is_exported(model: str,
                                                             exported: str | None) -> None:
    """Before routing, the request's model is caller text: an unknown name (refused later)
    must not leave the box in a span."""
    from appliance.request import GenerateParams

    tracing, exporter = _tracing()
    trace = tracing.begin("Generate", [])
    trace.requested(GenerateParams(prompt="hi", model=model, max_tokens=4))
    trace.finish(_info())
    tracing.close()
    span = next(s for s in exporter.get_finished_spans() if s.name == "Generate")
    assert exported == span.attributes.get("gen_ai.request.model")
    assert "ann@example.com" not in str(span.to_json())


def test_an_endpoint_without_a_path_gets_the_traces_path() -> None:
    assert "http://collector:4318/v1/traces" == traces_url("http://collector:4318")
    assert "https://c.example/otlp/v1/traces" == traces_url("https://c.example/otlp/v1/traces")


def test_the_endpoint_must_be_http(tmp_path: Path) -> None:
    path = tmp_path / "appliance.toml"
    path.write_text('[audit]\ndev_officer_key = true\n[telemetry]\notlp_endpoint = '
                    '"grpc://collector:4317"\nsample_ratio = 2.0\n', encoding="utf-8")
    with pytest.raises(config.ConfigErrors) as err:
        config.load(path)
    assert "telemetry.otlp_endpoint" in str(err.value)
    assert "telemetry.sample_ratio" in str(err.value)


def test_a_missing_token_file_is_a_config_error(tmp_path: Path) -> None:
    cfg = TelemetryConfig(otlp_endpoint="http://127.0.0.1:9", token_file=tmp_path / "none")
    with pytest.raises(ConfigError) as err:
        exporter_for(cfg)
    assert "telemetry.token_file" == err.value.key
