"""/metrics after real requests through the session daemon, parsed with prometheus_client's own
parser. The daemon is shared with other tests, so every count is compared before and after."""

from __future__ import annotations

import time
import urllib.request
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

from appliance.client import Client, RpcError
from tests.daemon import Daemon

EMAIL = "jane.roe@example.org"


def scrape(daemon: Daemon) -> tuple[str, dict[str, Any]]:
    with urllib.request.urlopen(daemon.metrics_url, timeout=10) as resp:  # noqa: S310 - loopback
        assert resp.status == 200
        assert resp.headers["Content-Type"].startswith("text/plain")
        text = resp.read().decode("utf-8")
    samples: dict[str, Any] = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            samples[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return text, samples


def value(samples: dict[str, Any], name: str, **labels: str) -> float:
    return float(samples.get((name, tuple(sorted(labels.items()))), 0.0))


def test_metrics_count_real_requests_and_carry_no_pii(daemon: Daemon, client: Client) -> None:
    _, before = scrape(daemon)
    client.generate(f"Write to {EMAIL} about the capital of France.", model="v3", max_tokens=8,
                    temperature=0.0)
    chunks = list(client.stream("The capital of France is", model="v3", max_tokens=8,
                                temperature=0.0))
    assert chunks
    with pytest.raises(RpcError) as err:
        client.generate("x", model="v3", max_tokens=-1)
    assert err.value.code.name == "INVALID_ARGUMENT"

    ok_unary = {"method": "Generate", "tier": "v3", "route": "local", "status": "OK"}
    ok_stream = {"method": "GenerateStream", "tier": "v3", "route": "local", "status": "OK"}
    bad = {"method": "Generate", "tier": "none", "route": "none", "status": "INVALID_ARGUMENT"}
    # A call is counted when its handler ends, just after its status went out: scrape until
    # all three are in (a fresh CI run once scraped between the error and its count).
    deadline = time.monotonic() + 30
    while True:
        text, after = scrape(daemon)
        if all(value(after, "appliance_requests_total", **labels)
               > value(before, "appliance_requests_total", **labels)
               for labels in (ok_unary, ok_stream, bad)) or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    for labels in (ok_unary, ok_stream, bad):
        assert value(after, "appliance_requests_total", **labels) \
            == value(before, "appliance_requests_total", **labels) + 1, labels

    def delta(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert delta("appliance_request_duration_seconds_count", tier="v3", route="local") == 2
    assert delta("appliance_time_to_first_token_seconds_count", tier="v3", route="local") == 2
    assert delta("appliance_queue_wait_seconds_count", tier="v3") == 2
    assert 2 <= delta("appliance_generated_tokens_total", tier="v3", route="local") <= 16
    assert delta("appliance_prompt_tokens_total", tier="v3", route="local") > 0
    assert delta("appliance_pii_entities_masked_total", entity_type="EMAIL_ADDRESS",
                 where="prompt") == 1
    # begin + end per request, the invalid one included.
    assert delta("appliance_audit_append_seconds_count", record="begin") == 3
    assert delta("appliance_audit_append_seconds_count", record="end") == 3

    # Live gauges: one engine serves both tiers here, idle after the requests.
    for tier in ("v3", "r1"):
        assert value(after, "appliance_slots", tier=tier) == 8
        assert value(after, "appliance_slots_busy", tier=tier) == 0
        assert value(after, "appliance_queue_depth", tier=tier) == 0
        assert value(after, "appliance_model_ready", tier=tier) == 1
    assert value(after, "appliance_state", appliance_state="serving") == 1
    assert value(after, "appliance_audit", appliance_audit="ok") == 1
    assert value(after, "appliance_audit_free_bytes") > 0
    assert value(after, "appliance_audit_free_warn_bytes") == 1024 * 1024 * 1024
    assert value(after, "appliance_audit_free_refuse_bytes") == 256 * 1024 * 1024
    assert value(after, "appliance_hang_detected") == 0
    assert ("appliance_model_reloads_total", (("result", "failed"),)) in after
    assert delta("appliance_audit_written_bytes") > 0
    assert value(after, "appliance_build_info", version=__import__("appliance").__version__) == 1

    # Nothing a caller sent appears, and no label carries an identity or free text.
    assert EMAIL not in text and "jane" not in text.lower() and "France" not in text
    allowed = {"method", "tier", "route", "status", "reason", "entity_type", "where", "record",
               "le", "version", "appliance_state", "appliance_audit", "profile",
               "appliance_central_breaker", "result"}
    for (_name, labels) in after:
        assert {k for k, _ in labels} <= allowed, labels


def test_metrics_listener_serves_only_metrics_and_rejects_junk(daemon: Daemon) -> None:
    """Other paths get the same page or an error, never a traceback; a bad request line does
    not take the listener down."""
    import socket

    host, port = daemon.metrics_url.removeprefix("http://").split("/")[0].rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=5) as s:
        s.sendall(b"\x16\x03\x01garbage\r\n\r\n")
        s.recv(1024)
    _, samples = scrape(daemon)
    assert value(samples, "appliance_state", appliance_state="serving") == 1
