"""Export cost on a generated audit log, in one run. Prints JSON.

Writes ``--requests`` requests (a begin and an end record each, realistic fields, varied
identities, tiers, outcomes and PII counts) with the real writer (``batch`` durability,
segments rotated at ``--segment-mb``), then runs ``appliance audit export`` in each format as
a subprocess and reports its wall time and peak resident memory (``ru_maxrss`` of the child),
and the same for ``audit verify``. Memory should follow the size of one segment, not the log.

    .venv/bin/python -m bench.export [--requests 100000] [--segment-mb 8]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import resource
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import structlog  # noqa: E402
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey  # noqa: E402

from appliance.audit import format as fmt  # noqa: E402
from appliance.audit.keys import generate_officer_key, load_officer_private  # noqa: E402
from appliance.audit.writer import AuditWriter, WriterSettings  # noqa: E402

OUTCOMES = [("ok", "OK")] * 90 + [("error", "INVALID_ARGUMENT")] * 4 + \
    [("rejected", "RESOURCE_EXHAUSTED")] * 3 + [("cancelled", "CANCELLED")] * 2 + \
    [("rejected", "UNAUTHENTICATED")]


def _records(i: int, rng: random.Random, t0: float) -> tuple[dict[str, Any], dict[str, Any]]:
    rid = f"{i:032x}"
    when = dt.datetime.fromtimestamp(t0 + i * 0.5, dt.UTC).isoformat(timespec="milliseconds")
    common = {"request_id": rid, "time": when, "client": f"app{rng.randrange(20)}",
              "role": "client", "peer": f"ipv4:10.0.{rng.randrange(4)}.{rng.randrange(250)}:"
              f"{rng.randrange(1024, 65535)}", "method": rng.choice(
                  ["Generate", "GenerateStream", "http:/v1/chat/completions"]),
              "tier": rng.choice(["v3", "v3", "v3", "r1"]), "model_sha256": "a" * 64,
              "route": "local" if rng.random() < 0.9 else "central", "route_reason": "default",
              "pii": {"EMAIL_ADDRESS": 1} if rng.random() < 0.3 else {}}
    begin = {"type": "begin", **common, "prompt_tokens": 40,
             "prompt": ["Summarise the ticket from <EMAIL_ADDRESS_1> about the invoice. " * 4]}
    outcome, status = rng.choice(OUTCOMES)
    end = {"type": "end", **common, "outcome": outcome, "status": status,
           "finish_reason": "stop" if outcome == "ok" else None, "output_pii": {},
           "prompt_tokens": 40, "completion_tokens": rng.randrange(1, 200),
           "latency_ms": round(rng.uniform(50, 4000), 1), "queue_wait_ms": 1.0,
           "answer": "The customer asks about invoice 1042; reply within two days. " * 3}
    return begin, end


Records = Callable[[int, random.Random, float], tuple[dict[str, Any], dict[str, Any]]]


def generate(root: Path, requests: int, segment_mb: int, records: Records | None = None,
             span_s: float | None = None) -> tuple[Path, Path]:
    """Write ``requests`` begin/end pairs made by ``records`` (default: this bench's) with the
    real writer, the first ``span_s`` seconds ago (default: ``requests`` seconds)."""
    records = records or _records
    private, public, _fp = generate_officer_key(root / "officer")
    from appliance.audit.keys import load_officer_public

    settings = WriterSettings(
        dir=root / "audit", officer=load_officer_public(public),
        device=Ed25519PrivateKey.generate(), signer_path=root / "signer.json",
        durability="batch", sink=str(root / "anchors.jsonl"), free_warn_bytes=0,
        free_refuse_bytes=0, segment_max_bytes=segment_mb * 1024 * 1024)
    w = AuditWriter(settings)
    w.open()
    rng = random.Random(7)
    t0 = time.time() - (span_s if span_s is not None else requests)
    pending: list[Future[Any]] = []
    for i in range(requests):
        for rec in records(i, rng, t0):
            pending.append(w.append(fmt.canonical(rec)))
        if len(pending) >= 512:
            for f in pending:
                f.result(60)
            pending.clear()
    for f in pending:
        f.result(60)
    w.close()
    return root / "audit", private


def run(cmd: list[str]) -> dict[str, float]:
    started = time.perf_counter()
    pid = os.fork()
    if pid == 0:  # the child: exec the command, its rusage is measured on its own
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.dup2(devnull, 2)
        os.execv(cmd[0], cmd)  # noqa: S606 - our own interpreter, fixed arguments
    _, status, usage = os.wait4(pid, 0)
    if os.waitstatus_to_exitcode(status) not in (0, 1):
        raise RuntimeError(f"{cmd} failed: {status}")
    return {"seconds": round(time.perf_counter() - started, 1),
            "peak_rss_mb": round(usage.ru_maxrss / 1024, 1)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--requests", type=int, default=100_000)
    ap.add_argument("--segment-mb", type=int, default=8)
    args = ap.parse_args(argv)
    # the writer's log lines go to stderr: stdout is the JSON
    structlog.configure(logger_factory=structlog.PrintLoggerFactory(sys.stderr))
    root = Path(tempfile.mkdtemp(prefix="bench-export-"))
    t = time.perf_counter()
    audit, key = generate(root, args.requests, args.segment_mb)
    load_officer_private(key)
    size = sum(p.stat().st_size for p in audit.iterdir())
    out: dict[str, Any] = {
        "records": 2 * args.requests, "log_mb": round(size / 2**20, 1),
        "segments": len(list(fmt.iter_segments([p.name for p in audit.iterdir()]))),
        "generate_seconds": round(time.perf_counter() - t, 1)}
    base = [sys.executable, "-m", "appliance", "audit"]
    out["verify"] = run([*base, "verify", "--dir", str(audit), "--key", str(key)])
    for f in ("jsonl", "csv", "ocsf", "parquet"):
        target = root / f"export.{f}"
        out[f] = run([*base, "export", "--dir", str(audit), "--key", str(key), "--format", f,
                      "--out", str(target), "--quiet"])
        out[f]["output_mb"] = round(target.stat().st_size / 2**20, 1)
    out["python_baseline_rss_mb"] = round(
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    print(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
