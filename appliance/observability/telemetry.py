"""``[telemetry]``: the daemon's tracing as its config says (appliance/observability/tracing.py
says what is traced, appliance/observability/otlp.py how it is exported)."""

from __future__ import annotations

from appliance.config.schema import TelemetryConfig
from appliance.observability.tracing import Tracing


def open_tracing(config: TelemetryConfig) -> Tracing:
    """Tracing as ``config`` says: off without an endpoint (OpenTelemetry is not imported),
    else spans batched in a background thread and sent to the collector by OTLP/HTTP."""
    if not config.otlp_endpoint:
        return Tracing()
    from appliance.observability.otlp import OtlpTracing  # noqa: PLC0415 - only when on

    return OtlpTracing(config)
