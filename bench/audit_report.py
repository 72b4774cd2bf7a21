"""The officer's report on a large generated audit log: time and peak memory. Prints JSON.

Writes ``--requests`` requests (a begin and an end record each) over ``--days`` days with the
real writer: records made by the audit stage's own ``begin_record``/``end_record`` from a
random mix (seeded, independent of the tests' data) of identities (Zipf-like), methods, tiers,
routes and fallback reasons, outcomes with their error reasons, PII entity types in prompts
and in output, escalations, and a model file replaced mid-period. Then, each as a subprocess
measured on its own (wall time, ``ru_maxrss``): ``audit verify --key`` (the baseline: decrypt
and authenticate every record, nothing else), ``audit report``, and ``audit search`` for one
identity. With ``--also`` a smaller log is measured too: peak memory should stay flat while
the record count grows (aggregates, not records, are held).

    .venv/bin/python -m bench.audit_report [--requests 100000] [--days 30] [--also 25000]
    .venv/bin/python -m bench.audit_report --requests 20000 \
        --screenshot docs/images/audit-report.png
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import structlog  # noqa: E402

from appliance.audit import format as fmt  # noqa: E402
from appliance.audit.report import browser_command, find_browser  # noqa: E402
from appliance.audit.stage import begin_record, end_record  # noqa: E402
from appliance.request import Outcome, RequestInfo  # noqa: E402
from bench.export import generate, run  # noqa: E402

IDENTITIES = [f"svc-{name}" for name in (
    "crm", "helpdesk", "billing", "risk", "hr", "legal", "ops", "search", "mail", "batch")] + \
    [f"team-{i:02d}" for i in range(30)]
#: (outcome, status, error_reason, weight)
ENDINGS = [(Outcome.OK, "OK", None, 880),
           (Outcome.REJECTED, "RESOURCE_EXHAUSTED", "rate_limit", 30),
           (Outcome.REJECTED, "RESOURCE_EXHAUSTED", "queue_full", 15),
           (Outcome.REJECTED, "UNAUTHENTICATED", "unauthenticated", 12),
           (Outcome.REJECTED, "PERMISSION_DENIED", "permission_denied", 8),
           (Outcome.ERROR, "INVALID_ARGUMENT", "invalid_argument", 20),
           (Outcome.ERROR, "DEADLINE_EXCEEDED", "deadline", 10),
           (Outcome.ERROR, "INTERNAL", "engine_failure", 3),
           (Outcome.CANCELLED, "CANCELLED", "cancelled", 22)]
PII = ["EMAIL_ADDRESS", "PHONE_NUMBER", "PERSON", "IBAN_CODE", "CREDIT_CARD", "CN_ID_CARD",
       "IP_ADDRESS", "LOCATION"]
FALLBACK = ["fallback:queue_full", "fallback:queue_timeout", "fallback:local_failed",
            "fallback:loading"]


class Mix:
    def __init__(self, requests: int, days: float) -> None:
        self.step = days * 86400 / requests
        self.weights = [1 / (k + 1) for k in range(len(IDENTITIES))]
        self.ending_weights = [e[3] for e in ENDINGS]
        self.v3_old, self.v3_new, self.r1 = "1" * 64, "2" * 64, "3" * 64
        self.change = requests * 2 // 3  # the v3 model file is replaced here

    def records(self, i: int, rng: random.Random, t0: float) -> tuple[dict[str, Any],
                                                                      dict[str, Any]]:
        start = t0 + i * self.step + rng.uniform(0, self.step)
        outcome, status, reason, _ = rng.choices(ENDINGS, self.ending_weights)[0]
        tier = "r1" if rng.random() < 0.2 else "v3"
        info = RequestInfo(request_id=f"{rng.getrandbits(128):032x}", method=rng.choice(
            ["/appliance.v1.Inference/Generate", "/appliance.v1.Inference/GenerateStream",
             "http:/v1/chat/completions"]), client=rng.choices(IDENTITIES, self.weights)[0],
            wall_started=start)
        info.role, info.peer = "client", f"ipv4:10.1.{rng.randrange(8)}.{rng.randrange(250)}:" \
            f"{rng.randrange(1024, 65535)}"
        info.tier = tier
        info.model_sha256 = self.r1 if tier == "r1" else (
            self.v3_old if i < self.change else self.v3_new)
        central = outcome is Outcome.OK and rng.random() < 0.08
        info.route = "central" if central else "local"
        info.route_reason = rng.choice(FALLBACK) if central else "default"
        info.pii_counts = {t: rng.randrange(1, 4) for t in rng.sample(PII, rng.randrange(3))} \
            if rng.random() < 0.35 else {}
        info.prompt_tokens = rng.randrange(20, 1500)
        info.masked_prompt = ("Summarise the ticket from <EMAIL_ADDRESS_1> about the invoice.",)
        begin = begin_record(info, "masked")
        info.outcome, info.status, info.error_reason = outcome, status, reason
        if outcome is Outcome.OK:
            info.finish_reason = rng.choice(["stop", "stop", "length"])
            info.completion_tokens = rng.randrange(1, 400)
            info.output_pii_counts = {"PERSON": 1} if rng.random() < 0.03 else {}
            info.queue_wait_s = None if central else rng.expovariate(1 / 0.08)
            info.masked_answer = "The customer asks about invoice 1042; reply in two days."
            if tier == "r1" and rng.random() < 0.1:
                info.escalated_from = {"tier": "v3", "reason": rng.choice(
                    ["low_confidence", "task_type"]), "mean_logprob": -2.1,
                    "completion_tokens": 12, "finish_reason": "stop"}
        latency = rng.lognormvariate(6.5, 0.8) if outcome is not Outcome.REJECTED else 0.4
        end = end_record(info, "masked")
        end["latency_ms"] = round(latency, 1)
        end["time"] = dt.datetime.fromtimestamp(start + latency / 1000, dt.UTC).isoformat(
            timespec="milliseconds")
        return begin, end


def screenshot(report: Path, png: Path) -> None:
    """The top of the report as a person sees it (the README's picture): headless Chromium,
    offline."""
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run(browser_command(
            find_browser(), f"--user-data-dir={profile}", "--hide-scrollbars",
            "--window-size=1300,1500", "--virtual-time-budget=20000", f"--screenshot={png}",
            report.as_uri()), capture_output=True, timeout=180, check=True)


def measure(requests: int, days: float, segment_mb: int,
            png: Path | None = None) -> dict[str, Any]:
    root = Path(tempfile.mkdtemp(prefix="bench-report-"))
    t = time.perf_counter()
    mix = Mix(requests, days)
    audit, key = generate(root, requests, segment_mb, mix.records, span_s=days * 86400)
    size = sum(p.stat().st_size for p in audit.iterdir())
    out: dict[str, Any] = {
        "requests": requests, "records": 2 * requests, "days": days,
        "log_mb": round(size / 2**20, 1),
        "segments": len(list(fmt.iter_segments([p.name for p in audit.iterdir()]))),
        "generate_seconds": round(time.perf_counter() - t, 1)}
    base = [sys.executable, "-m", "appliance", "audit"]
    common = ["--dir", str(audit), "--key", str(key)]
    out["verify_baseline"] = run([*base, "verify", *common])
    report = root / "report.html"
    out["report"] = run([*base, "report", *common, "--anchors", str(root / "anchors.jsonl"),
                         "--out", str(report), "--quiet"])
    out["report"]["output_mb"] = round(report.stat().st_size / 2**20, 1)
    if png is not None:
        screenshot(report, png)
    out["search_one_identity"] = run([*base, "search", *common, "--user", "svc-legal",
                                      "--quiet"])
    out["report_vs_verify_time"] = round(out["report"]["seconds"]
                                         / max(out["verify_baseline"]["seconds"], 0.1), 2)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--requests", type=int, default=100_000,
                    help="requests (two records each; default 100000 = 200000 records)")
    ap.add_argument("--days", type=float, default=30)
    ap.add_argument("--segment-mb", type=int, default=8)
    ap.add_argument("--also", type=int, default=0,
                    help="also measure a log of this many requests (memory should not grow)")
    ap.add_argument("--screenshot", type=Path,
                    help="save the top of the (last) report as a PNG (docs/images/)")
    args = ap.parse_args(argv)
    # the writer's log lines go to stderr: stdout is the JSON
    structlog.configure(logger_factory=structlog.PrintLoggerFactory(sys.stderr))
    sizes = [n for n in (args.also, args.requests) if n]
    runs = [measure(n, args.days, args.segment_mb,
                    args.screenshot if n == sizes[-1] else None) for n in sizes]
    print(json.dumps(runs if len(runs) > 1 else runs[0], indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
