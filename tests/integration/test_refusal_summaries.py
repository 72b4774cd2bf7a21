"""A flood of bad-token calls does not fill the audit disk: the real daemon audits the first
refusals from a host one by one and counts the rest into one summary record per window
(appliance.observability.refusals), over gRPC and HTTP alike, never recording the token; the
audit exports and the report count every one of those calls."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import grpc
import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

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
    stopped; together they account for every call, in the log, in the CSV and OCSF exports
and in the report's counts, and no record or export holds the token."""
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
    officer = load_officer_private(tmp_path / "officer" / "officer.key")
    report = verify_dir(tmp_path / "state" / "audit", officer, None, records.append)
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
    _every_consumer_counts_every_call(tmp_path, officer, records)


def _every_consumer_counts_every_call(tmp_path: Path, officer: X25519PrivateKey,
                                      records: list[dict[str, object]]) -> None:
    """The CSV and OCSF exports and the report's aggregates of that log account for all the
    refused calls too: a summary counts as its count, not as one row."""
    from appliance.audit.aggregate import Aggregates
    from appliance.audit.export import Filters, export

    calls = GRPC_CALLS + HTTP_CALLS
    audit_dir = tmp_path / "state" / "audit"
    export(audit_dir, officer, tmp_path / "audit.csv", "csv", Filters())
    with (tmp_path / "audit.csv").open(newline="", encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(fh) if r["status"] == "UNAUTHENTICATED"]
    assert calls == sum(int(r["count"]) if r["type"] == "refusals" else int(r["type"] == "end")
                        for r in rows)
    assert all(r["window_start"] and r["window_end"] for r in rows if r["type"] == "refusals")
    export(audit_dir, officer, tmp_path / "audit.ocsf", "ocsf", Filters())
    events = [json.loads(line) for line in
              (tmp_path / "audit.ocsf").read_text(encoding="utf-8").splitlines()]
    refused = [e for e in events if e.get("status_code") == "UNAUTHENTICATED"]
    assert calls == sum(int(e.get("count", 1)) for e in refused)  # OCSF: count absent is 1
    agg = Aggregates()
    for rec in records:
        agg.add(rec)
    assert calls == sum(span.count for (label, _), span in agg.refusals.items()
                        if label == "authentication")
    assert BAD_TOKEN not in (tmp_path / "audit.csv").read_text(encoding="utf-8")
    assert BAD_TOKEN not in (tmp_path / "audit.ocsf").read_text(encoding="utf-8")
