"""POST /v1/feedback on the session daemon (real HTTP listener, real encrypted audit log):
a score of a real answer is audited as a request of its own naming the scored one, counted
in the metrics, and a bad body is a 400 in OpenAI's error shape (gRPC's Inference.Feedback:
tests/integration/test_routing_policies.py)."""

from __future__ import annotations

from typing import Any

import httpx

from appliance.audit.keys import load_officer_private
from appliance.audit.verify import verify_dir
from tests.daemon import Daemon


def _post(daemon: Daemon, body: Any) -> httpx.Response:
    return httpx.post(f"{daemon.http_url}/feedback", json=body, timeout=60)


def test_a_score_is_audited_and_counted(daemon: Daemon) -> None:
    answer = httpx.post(f"{daemon.http_url}/completions", timeout=120, json={
        "model": "v3", "prompt": "The sky is", "max_tokens": 4, "temperature": 0})
    scored = answer.headers["x-request-id"]
    got = _post(daemon, {"request_id": scored, "score": -0.5})
    assert 200 == got.status_code, got.text
    assert {"object": "feedback", "request_id": scored, "score": -0.5} == got.json()
    records: list[dict[str, Any]] = []
    key = load_officer_private(daemon.workdir / "officer" / "officer.key")
    verify_dir(daemon.workdir / "state" / "audit", key, None, records.append)
    mine = [r for r in records if r.get("request_id") == got.headers["x-request-id"]]
    assert ["begin", "end"] == [r["type"] for r in mine]
    assert ({"request_id": scored, "score": -0.5}, "http:/v1/feedback", "OK") == (
        mine[1]["feedback"], mine[1]["method"], mine[1]["status"])
    metrics = httpx.get(daemon.metrics_url, timeout=30).text
    assert any(line.startswith("appliance_feedback_score_count ")
               and float(line.split(" ")[1]) >= 1 for line in metrics.splitlines())
    # the histogram has no _sum (negative buckets): the scores' sum is a gauge beside it
    assert any(line.startswith("appliance_feedback_score_points ")
               for line in metrics.splitlines())


def test_a_bad_score_is_a_400_naming_the_field(daemon: Daemon) -> None:
    got = _post(daemon, {"request_id": "0" * 32, "score": 3})
    assert 400 == got.status_code
    assert "score" == got.json()["error"]["param"]
    got = _post(daemon, {"request_id": "0" * 32, "score": 1, "comment": "free text"})
    assert 400 == got.status_code
