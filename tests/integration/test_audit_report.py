"""The officer's report, ``audit show`` and ``audit search`` on a log the real daemon wrote:
served, streamed, refused (token, permission), rate-limited, overflowed to the real central
cluster (``llama_cpp.server`` on loopback) and PII-bearing requests. The report's numbers are
checked against the JSONL export of the same log; the page is opened in headless Chromium
(Debian's, installed by ``make setup``) with networking off; a tampered copy says so at the
top."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import grpc
import pytest

from appliance.audit import format as fmt
from appliance.audit.aggregate import refusal_label
from appliance.audit.report import browser_command, find_browser
from appliance.client import NO_RETRY, Client, Credentials, RpcError
from tests.audit_helpers import frames
from tests.daemon import Daemon, write_config
from tests.integration.test_fallback import cluster

__all__ = ["cluster"]  # the module-scoped fixture, shared with test_fallback

EMAIL = "ann.lee@example.com"
GEN: dict[str, Any] = {"max_tokens": 8, "temperature": 0.0}


def appliance(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "appliance", *args], capture_output=True,
                          text=True, timeout=timeout, check=False)


class Site:
    def __init__(self, daemon: Daemon, tokens: dict[str, Path]) -> None:
        self.daemon = daemon
        self.tokens = tokens
        state = daemon.workdir / "state"
        self.audit = state / "audit"
        self.anchors = state / "audit-anchors.jsonl"
        self.key = daemon.workdir / "officer" / "officer.key"
        #: Request ids by kind, once the traffic has run.
        self.ids: dict[str, list[str]] = {}

    def client(self, token: str) -> Client:
        assert self.daemon.address is not None
        return Client(self.daemon.address, timeout=120, retry=NO_RETRY,
                      credentials=Credentials.from_files(token_file=self.tokens[token]))

    def common(self, audit: Path | None = None) -> list[str]:
        return ["--dir", str(audit or self.audit), "--key", str(self.key)]


def _traffic(site: Site) -> dict[str, list[str]]:
    """The mix of requests; returns request ids by kind."""
    ids: dict[str, list[str]] = {}
    with site.client("app") as c:
        ids["pii"] = [c.generate(f"Write to {EMAIL} about the meeting.", **GEN).request_id
                      for _ in range(2)]
        ids["stream"] = [next(iter(c.stream(messages=[("user", "Say hello.")],
                                            **GEN))).request_id]
    burst: list[Any] = [None] * 5

    def ask(i: int) -> None:
        with site.client("app") as c:
            try:
                burst[i] = c.generate(f"Tell {EMAIL} a short story.", max_tokens=24,
                                      temperature=0.0)
            except RpcError as exc:
                burst[i] = exc
    threads = [threading.Thread(target=ask, args=(i,)) for i in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(180)
    assert all(not isinstance(r, RpcError) for r in burst), burst
    ids["central"] = [r.request_id for r in burst if r.served_by == "central"]
    assert ids["central"], [r.served_by for r in burst]
    with site.client("limited") as c:
        for _ in range(2):
            c.generate("Hello", **GEN)
        with pytest.raises(RpcError) as limited:
            c.generate("Hello", **GEN)
        assert grpc.StatusCode.RESOURCE_EXHAUSTED == limited.value.code
        ids["rate_limited"] = [limited.value.request_id]
    with site.client("wrong") as c, pytest.raises(RpcError) as wrong:
        c.generate("Hello", **GEN)
    assert grpc.StatusCode.UNAUTHENTICATED == wrong.value.code
    with site.client("batch") as c, pytest.raises(RpcError) as denied:
        c.generate("Hello", model="v3", priority=5, **GEN)
    assert grpc.StatusCode.PERMISSION_DENIED == denied.value.code
    ids["denied"] = [denied.value.request_id]
    return ids


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, model_path: Path,
         cluster: str) -> Iterator[Site]:
    work = tmp_path_factory.mktemp("report")
    cfg = write_config(
        work / "appliance.toml", model_path, models="slots = 1\nqueue_limit = 1",
        auth="required = true\n\n[auth.identities.limited]\nrequests_per_minute = 2\n\n"
             '[auth.identities.batch]\ntiers = ["r1"]\nhighest_priority = 5',
        fallback=f'url = "{cluster}"\nallowed_pii_types = ["EMAIL_ADDRESS"]\n'
                 "max_local_wait_ms = 60000\nprobe_interval_seconds = 0")
    tokens = {}
    for name in ("app", "limited", "batch"):
        tokens[name] = work / f"{name}.token"
        p = appliance("token", "create", "--config", str(cfg), "--name", name, "--role",
                      "client", "--out", str(tokens[name]))
        assert 0 == p.returncode, p.stderr
    tokens["wrong"] = work / "wrong.token"
    tokens["wrong"].write_text("llma_not-a-real-token\n")
    d = Daemon(work, cfg)
    try:
        d.wait_for("ready")
        s = Site(d, tokens)
        s.ids = _traffic(s)
        _wait_anchored(s)
        yield s
    finally:
        assert 0 == d.stop()


def _wait_anchored(site: Site) -> None:
    """Checkpoints (every second here) sign the newest records."""
    deadline = time.monotonic() + 20
    while appliance("audit", "verify", *site.common()).returncode != 0:
        assert time.monotonic() < deadline, "the log did not verify"
        time.sleep(0.5)


def _export(site: Site, tmp: Path) -> list[dict[str, Any]]:
    out = tmp / "log.jsonl"
    p = appliance("audit", "export", *site.common(), "--format", "jsonl", "--out", str(out),
                  "--quiet")
    assert 0 == p.returncode, p.stderr
    return [json.loads(line) for line in out.read_text().splitlines()]


def _embedded(page: str, element: str) -> Any:
    m = re.search(rf'<script type="application/json" id="{element}">(.*?)</script>', page,
                  re.DOTALL)
    assert m is not None, element
    return json.loads(m.group(1))


def test_report_numbers_match_the_export(site: Site, tmp_path: Path) -> None:
    rows = _export(site, tmp_path)
    ends = [r for r in rows if r["type"] == "end"]
    out = tmp_path / "report.html"
    p = appliance("audit", "report", *site.common(), "--anchors", str(site.anchors),
                  "--out", str(out))
    assert 0 == p.returncode, p.stderr
    assert "segment 1: VALID" in p.stderr  # progress on stderr
    page = out.read_text()
    data = _embedded(page, "report-data")
    assert data["ok"]
    assert len(ends) == data["requests"]
    assert dict(Counter(r["outcome"] for r in ends)) == data["outcomes"]
    central = [r for r in ends if r["route"] == "central"]
    assert len(central) == data["central"] >= 1
    assert dict(Counter(r["route_reason"] for r in central)) == data["fallback_reasons"]
    pii: Counter[str] = Counter()
    for r in ends:
        pii.update(r.get("pii") or {})
    assert dict(pii) == data["pii_prompt"]
    assert data["pii_prompt"]["EMAIL_ADDRESS"] >= 7  # 2 + the burst of 5
    refusals = Counter(f"{refusal_label(r)}|{r['client']}" for r in ends
                       if r["outcome"] == "rejected" or r["status"] in (
                           "UNAUTHENTICATED", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED"))
    assert dict(refusals) == data["refusals"]
    labels = {k.split("|")[0] for k in data["refusals"]}
    assert {"rate limit", "authentication", "permission"} <= labels, labels
    assert data["refusals"]["rate limit|limited"] == 1
    for who, stats in data["identities"].items():
        mine = [r for r in ends if r["client"] == who]
        assert len(mine) == stats["requests"]
        assert sum(r["prompt_tokens"] for r in mine) == stats["prompt_tokens"]
        assert sum(r["completion_tokens"] for r in mine) == stats["completion_tokens"]
    shas = Counter(r["model_sha256"] for r in ends if r.get("model_sha256"))
    assert dict(shas) == {s: m["requests"]
                                               for s, m in data["models"].items()}
    # The charts are drawn from the same numbers: the outcome bars add up to the requests.
    figs = _embedded(page, "figures")
    assert sum(sum(t["y"]) for t in figs["outcome"]["data"]) == len(ends)
    # The verdict is first, green, and the anchors were checked; no masked text, no PII.
    assert page.index('id="integrity"') < page.index('id="charts"')
    assert 'data-verdict="ok"' in page
    assert "external anchors checked" in page
    assert EMAIL not in page
    assert "<EMAIL_ADDRESS_1>" not in page  # masked prompts stay out of the report


def test_report_renders_offline_in_chromium(site: Site, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    assert 0 == appliance("audit", "report", *site.common(), "--out", str(out),
                          "--quiet").returncode
    browser = find_browser()  # make setup installs Debian's chromium: missing is a failure
    offline = ["unshare", "-n"] if shutil.which("unshare") and _can_unshare() else []
    cmd = [*offline, *browser_command(browser, f"--user-data-dir={tmp_path / 'profile'}",
                                      "--virtual-time-budget=20000", "--dump-dom",
                                      out.as_uri())]
    dom = subprocess.run(cmd, capture_output=True, text=True, timeout=180, check=False).stdout
    body = re.search(r"<body([^>]*)>", dom)
    assert body is not None, dom[:500]
    figs = _embedded(out.read_text(), "figures")
    assert f'data-charts="{len(figs)}"' in body.group(1), body.group(1)
    assert 'data-errors="0"' in body.group(1), body.group(1)
    # Every chart with data has drawn its traces as SVG.
    charts = re.split(r'<div class="chart[^"]*" id="chart-', dom)[1:]
    drawn = {c.split('"', 1)[0]: c for c in charts}
    assert set(drawn) == set(figs)
    for name, part in drawn.items():
        section = part.split('<div class="chart', 1)[0]
        if 'data-empty="1"' not in section:
            assert re.search(r'class="[^"]*trace', section), name
    for name in ("outcome", "route", "pii_prompt", "refusals", "tokens", "models", "latency"):
        assert 'data-empty="1"' not in drawn[name].split('<div class="chart', 1)[0], name
    shot = tmp_path / "report.png"
    subprocess.run([*offline, *browser_command(
        browser, f"--user-data-dir={tmp_path / 'profile2'}", "--hide-scrollbars",
        "--window-size=1400,2400", "--virtual-time-budget=20000", f"--screenshot={shot}",
        out.as_uri())], capture_output=True, timeout=180, check=False)
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert shot.stat().st_size > 50_000  # charts and tables, not a blank page


def _can_unshare() -> bool:
    return subprocess.run(["unshare", "-n", "true"], capture_output=True,
                          check=False).returncode == 0


def test_pdf_printed_by_the_local_browser(site: Site, tmp_path: Path) -> None:
    out = tmp_path / "report.pdf"
    p = appliance("audit", "report", *site.common(), "--format", "pdf", "--out", str(out),
                  "--quiet")
    assert 0 == p.returncode, p.stderr
    assert out.read_bytes()[:5] == b"%PDF-"
    assert out.stat().st_size > 20_000
    p = appliance("audit", "report", *site.common(), "--format", "pdf", "--browser",
                  "no-such-browser", "--out", str(tmp_path / "x.pdf"))
    assert 2 == p.returncode
    assert "no-such-browser: not found" in p.stderr
    assert not (tmp_path / "x.pdf").exists()


def test_tampered_copy_says_so_at_the_top(site: Site, tmp_path: Path) -> None:
    copy = tmp_path / "audit"
    shutil.copytree(site.audit, copy, ignore=shutil.ignore_patterns("*.lock"))
    seg = sorted(copy.glob("seg-*"))[0]
    data = bytearray(seg.read_bytes())
    record = [f for f in frames(seg) if f.ftype == fmt.RECORD][2]
    data[record.end - 10] ^= 0x01  # one bit of one record's ciphertext
    seg.write_bytes(bytes(data))
    out = tmp_path / "tampered.html"
    p = appliance("audit", "report", *site.common(copy), "--out", str(out), "--quiet")
    assert 1 == p.returncode, p.stderr
    page = out.read_text()
    assert 'data-verdict="bad"' in page
    top = page[:page.index('id="charts"')]
    assert "LOG NOT INTACT" in top
    assert "TAMPERED" in top


def test_show_one_request(site: Site) -> None:
    rid = site.ids["pii"][0]
    p = appliance("audit", "show", *site.common(), rid[:10])
    assert 0 == p.returncode, p.stderr
    assert p.stdout.count("--- ") == 2
    assert "--- begin record" in p.stdout
    assert "--- end record" in p.stdout
    assert "integrity VALID" in p.stdout
    assert "<EMAIL_ADDRESS_1>" in p.stdout  # the masked prompt, in the per-request view
    assert EMAIL not in p.stdout
    records = json.loads(appliance("audit", "show", *site.common(), rid, "--json").stdout)
    assert [r["type"] for r in records] == ["begin", "end"]
    assert {r["request_id"] for r in records} == {rid}
    missing = appliance("audit", "show", *site.common(), "f" * 32)
    assert 1 == missing.returncode
    assert "no record of request" in missing.stderr


def test_search_filters_match_the_export(site: Site, tmp_path: Path) -> None:
    ends = [r for r in _export(site, tmp_path) if r["type"] == "end"]
    cases = {
        ("--route", "central"): [r for r in ends if r["route"] == "central"],
        ("--status", "RESOURCE_EXHAUSTED,UNAUTHENTICATED"): [
            r for r in ends if r["status"] in ("RESOURCE_EXHAUSTED", "UNAUTHENTICATED")],
        ("--entity", "EMAIL_ADDRESS"): [r for r in ends if "EMAIL_ADDRESS" in r["pii"]],
        ("--user", "limited"): [r for r in ends if r["client"] == "limited"],
    }
    for args, expected in cases.items():
        p = appliance("audit", "search", *site.common(), *args, "--format", "jsonl",
                      "--quiet")
        assert 0 == p.returncode, p.stderr
        got = [json.loads(line) for line in p.stdout.splitlines()]
        assert sorted(r["request_id"] for r in got) == sorted(
            r["request_id"] for r in expected), args
        assert expected, args
    table = appliance("audit", "search", *site.common(), "--user", "limited", "--quiet")
    lines = table.stdout.splitlines()
    assert lines[0].startswith("time (UTC)")
    assert len(lines) == 1 + 3
    assert sum("rate_limit" in line for line in lines) == 1
    limited = appliance("audit", "search", *site.common(), "--limit", "2")
    assert 2 == len(limited.stdout.splitlines()) - 1
    assert "more not shown" in limited.stderr
