"""The shipped Grafana dashboard and Prometheus alert rules (packaging/observability/): promtool
checks and unit-tests the rules, every metric they name is one the real daemon exports, and a
real Prometheus scraping the real session daemon fires an alert when its condition is produced
and, after real traffic, returns data for every dashboard query (bar a listed few that need
what the session daemon has off).

promtool and prometheus come from Debian's ``prometheus`` package, which ``make setup``
installs."""

from __future__ import annotations

import json
import re
import shutil
import socket
import subprocess
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from prometheus_client import generate_latest

from appliance.client import Client, RpcError
from appliance.observability.metrics import Metrics
from appliance.stages.cache import ResponseCache
from tests.daemon import Daemon

HERE = Path(__file__).resolve().parents[2] / "packaging" / "observability"
ALERTS = HERE / "alerts.yml"
DASHBOARD = HERE / "grafana-dashboard.json"

#: Names the rules and the dashboard read from outside the daemon: NVIDIA's DCGM exporter
#: (the daemon exports no GPU metric; docs/operations.md says so).
EXTERNAL = {"DCGM_FI_DEV_FB_USED", "DCGM_FI_DEV_FB_FREE"}
#: Exported only with a central cluster configured ([fallback]), which the session daemon
#: has not: checked against the daemon's own Metrics with those sources filled in instead.
WITH_FALLBACK = {"appliance_central_breaker", "appliance_central_endpoint_up",
                 "appliance_central_endpoint_ttft_ewma_seconds",
                 "appliance_central_endpoint_in_flight"}
#: Exported only with the response cache on ([cache] enabled), which the session daemon has
#: not: checked against the daemon's own Metrics with a real ResponseCache instead.
WITH_RESPONSE_CACHE = {"appliance_response_cache_errors_total"}
METRIC_NAME = re.compile(r"\b(?:appliance_[a-z0-9_]+|DCGM_[A-Z0-9_]+)\b")


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"{name} is not installed (Debian's prometheus package: make setup)")
    return path


def _exported_names(text: str) -> set[str]:
    """Every sample and family name in Prometheus text exposition (a labelled family with no
    sample yet still has its # TYPE line, and a histogram's series are known by its type)."""
    names = set()
    for line in text.splitlines():
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split()
            names.add(name)
            if kind == "histogram":
                names |= {f"{name}_bucket", f"{name}_count", f"{name}_sum"}
        elif line and not line.startswith("#"):
            names.add(re.split(r"[{ ]", line, maxsplit=1)[0])
    return names


def _scrape(daemon: Daemon) -> str:
    with urllib.request.urlopen(daemon.metrics_url, timeout=10) as resp:  # noqa: S310 - loopback
        return resp.read().decode("utf-8")


def _fallback_names() -> set[str]:
    """What a daemon with a central cluster exports besides, from its own Metrics."""
    metrics = Metrics()
    metrics.sources.breaker_state = lambda: "closed"
    metrics.sources.central_endpoints = lambda: [{"name": "central-a", "state": "closed"}]
    return _exported_names(generate_latest(metrics.registry).decode())


def _response_cache_names() -> set[str]:
    """What a daemon with the response cache on exports besides, from its own Metrics."""
    metrics = Metrics()
    cache = ResponseCache(max_bytes=1024 * 1024, ttl=60.0)
    metrics.sources.response_cache = lambda: cache
    return _exported_names(generate_latest(metrics.registry).decode())


def _alert_rules() -> list[dict[str, Any]]:
    groups = yaml.safe_load(ALERTS.read_text(encoding="utf-8"))["groups"]
    return [rule for group in groups for rule in group["rules"]]


def _dashboard_exprs() -> list[str]:
    dashboard = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    return [target["expr"] for panel in dashboard["panels"]
            for target in panel.get("targets", [])]


def test_promtool_checks_the_rules() -> None:
    """alerts.yml is valid: every expression parses, every alert is well formed."""
    p = subprocess.run([_tool("promtool"), "check", "rules", str(ALERTS)],
                       capture_output=True, text=True, timeout=60, check=False)
    assert 0 == p.returncode, p.stdout + p.stderr


def test_promtool_unit_tests_pass() -> None:
    """alerts_test.yml: each alert fires on the series meant to fire it and not on the others."""
    p = subprocess.run([_tool("promtool"), "test", "rules", "alerts_test.yml"], cwd=HERE,
                       capture_output=True, text=True, timeout=60, check=False)
    assert 0 == p.returncode, p.stdout + p.stderr


def test_every_alert_has_a_duration_severity_and_text() -> None:
    """Each alert says how long its condition must hold, how bad it is, and what it means;
    its text names no request data (only labels the daemon chose and the measured value)."""
    for rule in _alert_rules():
        assert "for" in rule, rule["alert"]
        assert rule["labels"]["severity"] in {"warning", "critical"}, rule["alert"]
        assert {"summary", "description"} <= set(rule["annotations"]), rule["alert"]
        text = " ".join(rule["annotations"].values())
        for label in re.findall(r"\$labels\.(\w+)", text):
            assert label in {"tier", "instance", "gpu", "endpoint"}, (rule["alert"], label)


def test_dashboard_and_rules_name_only_metrics_the_daemon_exports(daemon: Daemon) -> None:
    """Every metric name in the dashboard's queries and the rules' expressions is on the
    session daemon's /metrics (or, for the central-cluster ones, on a daemon's Metrics with a
    cluster configured), bar the DCGM exporter's GPU memory."""
    dashboard = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    assert ["DS_PROMETHEUS"] == [i["name"] for i in dashboard["__inputs"]]
    assert "tier" in {v["name"] for v in dashboard["templating"]["list"]}
    exprs = _dashboard_exprs() + [rule["expr"] for rule in _alert_rules()]
    exported = _exported_names(_scrape(daemon))
    fallback = _fallback_names()
    assert WITH_FALLBACK <= fallback
    cached = _response_cache_names()
    assert WITH_RESPONSE_CACHE <= cached
    used: set[str] = set()
    for expr in exprs:
        names = set(METRIC_NAME.findall(expr))
        assert names, expr
        used |= names
    missing = {name for name in used - EXTERNAL
               if name not in exported and not (name in WITH_FALLBACK and name in fallback)
               and not (name in WITH_RESPONSE_CACHE and name in cached)}
    assert set() == missing
    # The dashboard covers what the issue asks for.
    for wanted in ("appliance_requests_total", "appliance_time_to_first_token_seconds_bucket",
                   "appliance_generated_tokens_total", "appliance_queue_depth",
                   "appliance_queue_wait_seconds_bucket", "appliance_slots_busy",
                   "appliance_pii_entities_masked_total", "appliance_refusals_summarised_total",
                   "appliance_fallbacks_total", "appliance_central_endpoint_up",
                   "appliance_audit", "appliance_audit_free_bytes",
                   "appliance_prefix_cache_hits_total", "appliance_model_reloads_total",
                   "appliance_batches", "appliance_batch_lines_pending",
                   "appliance_batch_lines_total", "appliance_batch_line_retries_total",
                   "appliance_response_cache_errors_total"):
        assert wanted in used, wanted


def test_dashboard_queries_parse(tmp_path: Path) -> None:
    """Each dashboard query is valid PromQL once Grafana's variables are filled in (promtool
    parses them as recording rules)."""
    fill = {"$__rate_interval": "1m", "$__range": "1h", "$instance": ".*", "$tier": ".*"}
    rules = []
    for i, expr in enumerate(_dashboard_exprs()):
        for var, value in fill.items():
            expr = expr.replace(var, value)  # noqa: PLW2901 - filled in place
        assert "$" not in expr, expr
        rules.append({"record": f"dashboard:query_{i}", "expr": expr})
    path = tmp_path / "dashboard-rules.yml"
    path.write_text(yaml.safe_dump({"groups": [{"name": "dashboard", "rules": rules}]}))
    p = subprocess.run([_tool("promtool"), "check", "rules", str(path)],
                       capture_output=True, text=True, timeout=60, check=False)
    assert 0 == p.returncode, p.stdout + p.stderr


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=5) as resp:  # noqa: S310 - loopback
        return json.loads(resp.read())


@pytest.fixture
def prometheus(daemon: Daemon, tmp_path: Path) -> Iterator[str]:
    """A real Prometheus scraping the session daemon every second with the shipped rules and
    a test copy of ApplianceErrorRateHigh that fires at once (``for: 0s``, same expression);
    yields its base URL."""
    binary = _tool("prometheus")
    error_rate = next(r for r in _alert_rules() if r["alert"] == "ApplianceErrorRateHigh")
    now_rules = tmp_path / "now.yml"
    now_rules.write_text(yaml.safe_dump({"groups": [{"name": "test", "rules": [{
        "alert": "ApplianceErrorRateHighNow", "expr": error_rate["expr"], "for": "0s",
        "labels": error_rate["labels"]}]}]}))
    target = urllib.parse.urlsplit(daemon.metrics_url)
    config = tmp_path / "prometheus.yml"
    config.write_text(yaml.safe_dump({
        "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
        "rule_files": [str(ALERTS), str(now_rules)],
        "scrape_configs": [{"job_name": "appliance", "metrics_path": target.path,
                            "static_configs": [{"targets": [target.netloc]}]}]}))
    port = _free_port()
    log = (tmp_path / "prometheus.log").open("wb")
    proc = subprocess.Popen([binary, f"--config.file={config}",
                             f"--storage.tsdb.path={tmp_path / 'tsdb'}",
                             f"--web.listen-address=127.0.0.1:{port}"],
                            stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"{url}/-/ready", timeout=2):  # noqa: S310
                    break
            except OSError:
                assert proc.poll() is None, (tmp_path / "prometheus.log").read_text()[-3000:]
                assert time.monotonic() < deadline, "prometheus did not get ready in 30 s"
                time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def _query(url: str, promql: str) -> list[dict[str, Any]]:
    got = _get(f"{url}/api/v1/query?{urllib.parse.urlencode({'query': promql})}")
    return list(got["data"]["result"])


def _alerts(url: str) -> dict[str, str]:
    return {a["labels"]["alertname"]: a["state"] for a in _get(f"{url}/api/v1/alerts")["data"]["alerts"]}


def _wait(what: str, condition: Any, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"{what}: not within {timeout:.0f} s"
        time.sleep(0.25)


def _fail_on_deadline(client: Client) -> None:
    """One Generate that the daemon ends as DEADLINE_EXCEEDED: a long answer asked for with
    a quarter of a second to give it."""
    code = None
    for _ in range(20):  # an answer that ends early does not fail: ask again
        try:
            client.generate("Count from 1 to 500, one number per line.", model="v3",
                            max_tokens=512, temperature=0.0, timeout=0.25)
        except RpcError as err:
            code = err.code.name
            break
    assert "DEADLINE_EXCEEDED" == code


def test_real_prometheus_fires_the_error_rate_alert(prometheus: str, daemon: Daemon,
                                                    client: Client) -> None:
    """Calls that fail on the daemon's side move its real counters; Prometheus scraping them
    evaluates ApplianceErrorRateHigh's own expression over them, fires the test copy, and
    holds the shipped alert pending (its ``for: 5m`` has not passed)."""
    errors = 'appliance_requests_total{job="appliance",status="DEADLINE_EXCEEDED"}'
    _wait("prometheus scrapes the daemon",
          lambda: [r["value"][1] for r in _query(prometheus, 'up{job="appliance"}')] == ["1"])
    # rate() needs the error series in a scrape before it grows: fail once and wait for it.
    _fail_on_deadline(client)
    _wait("the error series is scraped", lambda: bool(_query(prometheus, errors)))
    _fail_on_deadline(client)
    # Each rule group is evaluated on its own tick: wait for both to have seen the errors.
    _wait("ApplianceErrorRateHighNow fires and ApplianceErrorRateHigh is pending",
          lambda: {"ApplianceErrorRateHighNow": "firing", "ApplianceErrorRateHigh": "pending"}
          .items() <= _alerts(prometheus).items())


#: Grafana's variables as the dashboard's "All" fills them (tools/docs_screenshots.py fills
#: them the same way); ``${DS_PROMETHEUS}`` is only the panels' datasource, not in a query.
#: The rate window is 5m, not 1m: it spans the whole test even on a loaded machine.
GRAFANA_VARS = {"$__rate_interval": "5m", "$__range": "1h", "$instance": ".*", "$tier": ".*"}
#: Dashboard queries (panel title, refId) that return no series against the session daemon,
#: and why: each needs something the session daemon has off. Any other empty query fails.
EXPECTED_EMPTY = {
    ("Refusals by reason", "B"): "appliance_refusals_summarised_total counts only calls "
    "refused before the auth check beyond 10 a host per window; the session daemon has auth "
    "off (tests/integration/test_refusal_summaries.py floods a daemon with auth on)",
    ("Central fallbacks by reason", "A"): "appliance_fallbacks_total: no central cluster "
    "([fallback]) configured, so nothing falls back",
    ("Circuit breaker and endpoint health", "A"): "appliance_central_breaker: exported "
    "only with a central cluster ([fallback])",
    ("Circuit breaker and endpoint health", "B"): "appliance_central_endpoint_up: exported "
    "only with a central cluster ([fallback])",
    ("Central endpoint TTFT (EWMA)", "A"): "appliance_central_endpoint_ttft_ewma_seconds: "
    "exported only with a central cluster ([fallback])",
    ("Central endpoint TTFT (EWMA)", "B"): "appliance_central_endpoint_in_flight: exported "
    "only with a central cluster ([fallback])",
    ("Response cache errors", "A"): "appliance_response_cache_errors_total: exported only "
    "with the response cache on ([cache])",
    ("GPU memory used", "A"): "DCGM_FI_DEV_*: NVIDIA's DCGM exporter, not the daemon (no "
    "GPU, no exporter in the test)",
}
#: A prompt with PII (made-up values: a reserved domain, a fictional number), sent each round
#: so the masked-by-type counters move; at least [privacy] analysis_cache_min_chars (256)
#: long, so its PII analysis goes through the analysis cache (a miss, then a hit).
DASHBOARD_PII_PROMPT = (
    "Draft a short, polite reply to Jane Roe (jane.roe@example.org) about her order. Tell "
    "her that the parcel left our warehouse on Monday, that the courier will call her on "
    "+44 20 7946 0958 before delivering it, and that Mark Example from the support team "
    "will follow up by email if anything about the delivery changes before the weekend.")


def _panel_queries() -> list[tuple[str, str, str]]:
    """(panel title, refId, query with Grafana's variables filled) for every dashboard query."""
    dashboard = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    out = []
    for panel in dashboard["panels"]:
        for target in panel.get("targets", []):
            expr = target["expr"]
            for var, value in GRAFANA_VARS.items():
                expr = expr.replace(var, value)
            assert "$" not in expr, expr
            out.append((panel["title"], target["refId"], expr))
    return out


def _scraped_at(url: str) -> float:
    """When Prometheus last scraped the daemon (0 before its first scrape)."""
    got = _query(url, 'timestamp(up{job="appliance"})')
    return float(got[0]["value"][1]) if got else 0.0


def _traffic_round(client: Client, n: int) -> None:
    """An answer with PII in its prompt, a streamed one, a call refused INVALID_ARGUMENT and
    one cut off by its deadline."""
    client.generate(DASHBOARD_PII_PROMPT, model="v3", max_tokens=8, temperature=0.0)
    list(client.stream(f"Name {n + 2} primary colours.", model="v3", max_tokens=8,
                       temperature=0.0))
    with pytest.raises(RpcError) as err:
        client.generate("x", model="v3", max_tokens=-1)
    assert "INVALID_ARGUMENT" == err.value.code.name
    _fail_on_deadline(client)


def test_every_dashboard_query_returns_data_from_a_real_daemon(prometheus: str, daemon: Daemon,
                                                               client: Client) -> None:
    """Every query of the dashboard, its variables filled as Grafana's "All" does, returns
    at least one series with a value (not NaN: Grafana draws nothing for it) from a real
    Prometheus scraping the real daemon after two rounds of real traffic, bar EXPECTED_EMPTY's:
    exactly those return nothing, so a panel newly empty fails."""
    _wait("prometheus scrapes the daemon", lambda: _scraped_at(prometheus) > 0)
    # The first round makes the series (requests by status, TTFT, PII by type...) and a
    # scrape records them; the second moves them and a scrape after it gives rate() two
    # samples a change apart.
    for n in range(2):
        _traffic_round(client, n)
        sent = time.time()
        _wait(f"a scrape after traffic round {n + 1}",
              lambda sent=sent: _scraped_at(prometheus) > sent)
    assert len(DASHBOARD_PII_PROMPT) >= 256
    queries = _panel_queries()
    assert set(EXPECTED_EMPTY) <= {(title, ref) for title, ref, _ in queries}
    results = {(title, ref): _query(prometheus, expr) for title, ref, expr in queries}
    empty = {key for key, series in results.items() if not series}
    assert set(EXPECTED_EMPTY) == empty
    only_nan = {key for key, series in results.items()
                if series and all(s["value"][1] == "NaN" for s in series)}
    assert set() == only_nan
