"""The scrape-time gauges and counters dashboards and alert rules read
(packaging/observability/), from a Metrics registry fed by stand-in sources."""

from __future__ import annotations

from dataclasses import dataclass, field

from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families

from appliance.observability.metrics import Metrics


def samples(metrics: Metrics) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    text = generate_latest(metrics.registry).decode()
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


@dataclass
class _Settings:
    free_warn_bytes: int = 1024
    free_refuse_bytes: int = 256


@dataclass
class StandInWriter:
    """The audit writer's figures that the collector reads, nothing else."""

    s: _Settings = field(default_factory=_Settings)
    suspended: str | None = None
    bytes_written: int = 10
    appended: int = 2

    def free_bytes(self) -> int:
        return 512


def test_hang_gauge_follows_the_source() -> None:
    """appliance_hang_detected is 1 exactly while the server reports a hang."""
    metrics = Metrics()
    assert 0.0 == samples(metrics)[("appliance_hang_detected", ())]
    metrics.sources.hang = lambda: True
    assert 1.0 == samples(metrics)[("appliance_hang_detected", ())]


def test_audit_thresholds_are_exported_beside_free_space() -> None:
    """The writer's warn and refuse thresholds come with its free space, so a rule can say
    'below the site's own threshold'."""
    metrics = Metrics()
    metrics.sources.audit_writer = StandInWriter
    got = samples(metrics)
    assert 512.0 == got[("appliance_audit_free_bytes", ())]
    assert 1024.0 == got[("appliance_audit_free_warn_bytes", ())]
    assert 256.0 == got[("appliance_audit_free_refuse_bytes", ())]
    assert 1.0 == got[("appliance_audit", (("appliance_audit", "ok"),))]


def test_model_reload_series_exist_before_the_first_reload() -> None:
    """Both reload results are exported at zero from the start (increase() needs a sample
    before the first reload to see it)."""
    metrics = Metrics()
    got = samples(metrics)
    assert 0.0 == got[("appliance_model_reloads_total", (("result", "ok"),))]
    assert 0.0 == got[("appliance_model_reloads_total", (("result", "failed"),))]
    metrics.model_reloads.labels("ok").inc()
    assert 1.0 == samples(metrics)[("appliance_model_reloads_total", (("result", "ok"),))]
