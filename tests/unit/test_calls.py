"""What every transport does around a call, without one: the real authenticator and token
file, real metrics; the audit stage is a list (a fake, named so)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
import structlog

from appliance.access import Authenticator
from appliance.calls import Calls, InFlight
from appliance.config import AuthConfig
from appliance.errors import Overloaded, Unauthenticated
from appliance.observability.metrics import Metrics
from appliance.observability.refusals import RefusalSampler
from appliance.request import Outcome, RequestInfo

GENERATE = "/appliance.v1.Inference/Generate"


def calls(tmp_path: Path) -> tuple[Calls, list[RequestInfo], str]:
    auth = Authenticator(AuthConfig(required=True), tmp_path / "tokens.json", mtls=False)
    token = auth.tokens.create("app1", "client")
    refused: list[RequestInfo] = []

    async def audit_refusal(info: RequestInfo) -> None:  # the fake audit stage
        refused.append(info)

    return Calls(InFlight(), Metrics(), auth, audit_refusal), refused, token


def test_an_authenticated_call_is_counted_logged_and_measured(tmp_path: Path) -> None:
    c, refused, token = calls(tmp_path)
    info = c.begin("Generate", "ipv4:127.0.0.1:5000")
    assert 1 == c.in_flight.count
    c.authenticate(info, GENERATE, [("authorization", f"Bearer {token}")], {})
    assert ("app1", "client", True) == (info.client, info.role, info.auth_checked)
    assert info.policy is not None
    with structlog.testing.capture_logs() as logs:
        c.end(info)
    assert 0 == c.in_flight.count
    line = next(e for e in logs if e["event"] == "rpc")
    assert ("Generate", "app1", "ok") == (line["method"], line["client"], line["outcome"])
    assert 1.0 == c.metrics.registry.get_sample_value(
        "appliance_requests_total",
        {"method": "Generate", "tier": "none", "route": "none", "status": "OK"})
    assert [] == refused


def test_a_refusal_at_the_door_is_rejected_and_audited(tmp_path: Path) -> None:
    c, refused, _token = calls(tmp_path)
    info = c.begin("Generate", "ipv4:127.0.0.1:5000")
    with pytest.raises(Unauthenticated) as err:
        c.authenticate(info, GENERATE, [("authorization", "Bearer wrong")], {})
    asyncio.run(c.failed(info, err.value, "UNAUTHENTICATED"))
    assert (Outcome.REJECTED, "UNAUTHENTICATED") == (info.outcome, info.status)
    assert [info] == refused
    c.end(info)


@pytest.mark.parametrize("method", ["http:/v1/chat/completions", "http:/v1/completions",
                                    "http:/v1/responses", "http:/v1/messages",
                                    "http:/v1/embeddings", "Embed"])
def test_every_inference_door_audits_its_refusals(tmp_path: Path, method: str) -> None:
    """A bad token on any inference front door is an audited refusal (the Responses API's
    were only logged)."""
    c, refused, _token = calls(tmp_path)
    info = c.begin(method, "ipv4:127.0.0.1:5000")
    with pytest.raises(Unauthenticated) as err:
        c.authenticate(info, method, [("authorization", "Bearer wrong")], {})
    asyncio.run(c.failed(info, err.value, "UNAUTHENTICATED"))
    assert [info] == refused
    c.end(info)


def test_an_anonymous_caller_is_its_host_not_its_connection(tmp_path: Path) -> None:
    """Without credentials the identity is the peer without its port (IPv6 as HTTP writes
    it, whatever gRPC's encoding; any unix socket peer one identity), so a reconnecting
    client is the same identity; the peer, port and all, is still recorded."""
    auth = Authenticator(AuthConfig(required=False), tmp_path / "tokens.json", mtls=False)
    c = Calls(InFlight(), Metrics(), auth)
    seen = []
    for peer in ("ipv4:127.0.0.1:5000", "ipv4:127.0.0.1:5001", "ipv6:%5B::1%5D:47424",
                 "ipv6:[::1]:40000", "unix:", "unix:/run/client.sock",
                 "ipv4:203.0.113.9"):  # the last: a client a trusted proxy named, no port
        info = c.begin("Generate", peer)
        c.authenticate(info, GENERATE, [("authorization", "Bearer sk-no-key-required")], {})
        seen.append((info.client, info.peer, info.role))
        c.end(info)
    assert [("ipv4:127.0.0.1", "ipv4:127.0.0.1:5000", "any"),
            ("ipv4:127.0.0.1", "ipv4:127.0.0.1:5001", "any"),
            ("ipv6:[::1]", "ipv6:%5B::1%5D:47424", "any"),
            ("ipv6:[::1]", "ipv6:[::1]:40000", "any"),
            ("unix:", "unix:", "any"),
            ("unix:", "unix:/run/client.sock", "any"),
            ("ipv4:203.0.113.9", "ipv4:203.0.113.9", "any")] == seen
    # Without an authenticator (no [auth] at all) the same.
    bare = Calls(InFlight(), Metrics())
    info = bare.begin("Generate", "ipv4:10.0.0.7:51234")
    bare.authenticate(info, GENERATE, (), {})
    assert ("ipv4:10.0.0.7", "ipv4:10.0.0.7:51234") == (info.client, info.peer)
    bare.end(info)


def test_an_error_the_pipeline_settled_keeps_its_outcome(tmp_path: Path) -> None:
    c, refused, token = calls(tmp_path)
    info = c.begin("GenerateStream", "ipv4:127.0.0.1:5000")
    c.authenticate(info, "/appliance.v1.Inference/GenerateStream",
                   [("authorization", f"Bearer {token}")], {})
    info.outcome = Outcome.REJECTED  # as the pipeline settles a full queue
    asyncio.run(c.failed(info, Overloaded("busy", retry_after=1.0), "RESOURCE_EXHAUSTED"))
    assert (Outcome.REJECTED, "RESOURCE_EXHAUSTED") == (info.outcome, info.status)
    assert [] == refused  # authenticated: the pipeline audited it
    c.cancelled(info, deadline_passed=True)
    assert (Outcome.ERROR, "DEADLINE_EXCEEDED") == (info.outcome, info.status)
    c.end(info)


def test_refusals_beyond_the_window_limit_go_into_one_summary(tmp_path: Path) -> None:
    """Of 15 bad-token calls from one host in a window, 10 are audited one by one; 5 are
    counted (metric) and, once the window closes, written as one summary record that holds
    the count, host, status and reason and never the token."""
    auth = Authenticator(AuthConfig(required=True), tmp_path / "tokens.json", mtls=False)
    now = [100.0]
    refused: list[RequestInfo] = []
    summaries: list[dict[str, object]] = []

    async def audit_refusal(info: RequestInfo) -> None:  # the fake audit stage
        refused.append(info)

    async def audit_summaries(records: list[dict[str, object]]) -> None:
        summaries.extend(records)

    c = Calls(InFlight(), Metrics(), auth, audit_refusal, audit_summaries=audit_summaries,
              refusals=RefusalSampler(window_s=60.0, per_peer=10, clock=lambda: now[0],
                                      wall=lambda: 1_800_000_000.0))

    async def run() -> None:
        for n in range(15):
            info = c.begin("Generate", f"ipv4:192.0.2.9:{5000 + n}")
            with pytest.raises(Unauthenticated) as err:
                c.authenticate(info, GENERATE, [("authorization", "Bearer llma_guess")], {})
            await c.failed(info, err.value, "UNAUTHENTICATED")
            c.end(info)
        await c.write_summaries()
        assert [] == summaries  # the window is open
        now[0] += 60.0
        await c.write_summaries()

    asyncio.run(run())
    assert 10 == len(refused)
    assert 5.0 == c.metrics.registry.get_sample_value(
        "appliance_refusals_summarised_total", {"status": "UNAUTHENTICATED"})
    [summary] = summaries
    assert ("refusals", "ipv4:192.0.2.9", "UNAUTHENTICATED", "unauthenticated", 5) == (
        summary["type"], summary["peer"], summary["status"], summary["error_reason"],
        summary["count"])
    assert "llma_guess" not in repr(summary)
