"""A flood of bad-token calls does not fill the audit disk: the real daemon audits the first
refusals from a host one by one and counts the rest into one summary record per window
(appliance.observability.refusals), over gRPC and HTTP alike, never recording the token."""

from __future__ import annotations

from pathlib import Path

import grpc
import httpx
import pytest

from appliance.client import NO_RETRY, Client, Credentials, RpcError
from appliance.observability.refusals import PER_PEER
from tests.daemon import Daemon, write_config

BAD_TOKEN = "llma_guessing-0123456789abcdef"  # noqa: S105 - made up: it must never be recorded
GRPC_CALLS, HTTP_CALLS = 200, 100


def _metric(url: str, name: str, status: str) -> float:
    for line in httpx.get(url, timeout=30).text.splitlines():
        if line.startswith(f'{name}{{status="{status}"}} '):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def test_a_bad_token_flood_is_audited_as_a_few_records_and_a_summary(
        tmp_path: Path, model_path: Path) -> None:
    """300 bad-token calls from one host (200 gRPC, 100 HTTP): at most PER_PEER of them per
    window are audited one by one, and the rest are counted in summary records (type
    ``refusals``: host, status, reason, count, window) written by the time the daemon has
    stopped; together they account for every call, and no record holds the token."""
    from appliance.audit.keys import load_officer_private
    from appliance.audit.verify import verify_dir

    cfg = write_config(tmp_path / "appliance.toml", model_path, auth="required = true")
    d = Daemon(tmp_path, cfg)
    try:
        d.wait_for("ready")
        assert d.address is not None
        with Client(d.address, timeout=30, retry=NO_RETRY,
                    credentials=Credentials(token=BAD_TOKEN)) as c:
            for _ in range(GRPC_CALLS):
                with pytest.raises(RpcError) as err:
                    c.generate("Hello", max_tokens=1)
                assert grpc.StatusCode.UNAUTHENTICATED == err.value.code
        with httpx.Client(timeout=30) as h:
            for _ in range(HTTP_CALLS):
                answer = h.post(d.http_url + "/chat/completions",
                                headers={"authorization": f"Bearer {BAD_TOKEN}"},
                                json={"messages": [{"role": "user", "content": "Hello"}]})
                assert 401 == answer.status_code
        summarised = _metric(d.metrics_url, "appliance_refusals_summarised_total",
                             "UNAUTHENTICATED")
    finally:
        assert 0 == d.stop()

    records: list[dict[str, object]] = []
    report = verify_dir(tmp_path / "state" / "audit",
                        load_officer_private(tmp_path / "officer" / "officer.key"), None,
                        records.append)
    assert report.ok, report.summary
    singly = [r for r in records if r.get("type") == "end" and r.get("status") ==
              "UNAUTHENTICATED"]
    summaries = [r for r in records if r.get("type") == "refusals"]
    windows = {r["window_start"] for r in summaries}
    assert summaries
    assert len(singly) <= PER_PEER * len(windows)
    assert GRPC_CALLS + HTTP_CALLS == len(singly) + sum(int(r["count"]) for r in summaries)
    assert summarised == sum(int(r["count"]) for r in summaries)
    for r in summaries:
        assert ("ipv4:127.0.0.1", "UNAUTHENTICATED", "unauthenticated") == (
            r["peer"], r["status"], r["error_reason"])
        assert str(r["window_start"]) < str(r["window_end"])
    methods: dict[str, int] = {}
    for r in summaries:
        for method, n in dict(r["methods"]).items():  # type: ignore[call-overload]
            methods[method] = methods.get(method, 0) + n
    assert {"Generate", "http:/v1/chat/completions"} == set(methods)
    assert BAD_TOKEN not in repr(records)
