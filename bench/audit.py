"""Audit log cost, measured in one run. Prints JSON.

1. The writer alone (real files, fdatasync, HPKE/AES-GCM/Ed25519): appends/s with 8
   concurrent submitters, and p50/p99 latency of one durable append at a time, in ``sync``
   and ``batch`` durability.
2. The daemon's streaming decode tokens/s with the audit log on (the real encrypted log,
   ``sync``) against off (the ``PassThroughAudit`` stage, a bench-only stand-in that records
   nothing), same model, prompts and settings, two in-process servers, repetitions
   interleaved (on, off, off, on, ...) so drift on this shared machine hits both alike.

    .venv/bin/python -m bench.audit [--appends 2000] [--reps 6] [--max-tokens 128]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey  # noqa: E402
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey  # noqa: E402

from appliance import config as cfgmod  # noqa: E402
from appliance.audit import format as fmt  # noqa: E402
from appliance.audit.stage import PassThroughAudit  # noqa: E402
from appliance.audit.writer import AuditWriter, WriterSettings  # noqa: E402
from appliance.client import Client  # noqa: E402
from appliance.config import ModelConfig  # noqa: E402
from appliance.engine.default_model import ensure_default_model  # noqa: E402
from appliance.observability import logging as applog  # noqa: E402
from tests.inprocess import InProcessServer  # noqa: E402

RECORD = fmt.canonical({"type": "end", "request_id": "0" * 32, "client": "ipv4:127.0.0.1:1",
                        "answer": "x" * 600, "prompt": ["y" * 400], "status": "OK"})


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def writer_figures(root: Path, durability: str, appends: int) -> dict[str, Any]:
    settings = WriterSettings(
        dir=root / durability / "audit", officer=X25519PrivateKey.generate().public_key(),
        device=Ed25519PrivateKey.generate(), signer_path=root / durability / "signer.json",
        durability=durability, sink=str(root / durability / "anchors.jsonl"),
        free_warn_bytes=0, free_refuse_bytes=0)
    w = AuditWriter(settings)
    w.open()
    # One at a time: the latency a single request's record waits for.
    lat = []
    for _ in range(appends // 4):
        t = time.perf_counter()
        w.append(RECORD).result(30)
        lat.append((time.perf_counter() - t) * 1000)
    # Eight submitters at once: throughput with group commit.
    per = appends // 8

    def submit() -> None:
        for _ in range(per):
            w.append(RECORD).result(30)

    threads = [threading.Thread(target=submit) for _ in range(8)]
    t = time.perf_counter()
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    elapsed = time.perf_counter() - t
    w.close()
    return {"appends_per_s_8_concurrent": round(per * 8 / elapsed, 1),
            "latency_ms_p50": round(pct(lat, 0.5), 3), "latency_ms_p99": round(pct(lat, 0.99), 3),
            "record_bytes": len(RECORD)}


def decode_tps(client: Client, prompt: str, max_tokens: int) -> float:
    first = 0.0
    tokens = 0
    for chunk in client.stream(prompt, max_tokens=max_tokens, temperature=0.0, seed=1):
        if chunk.text and not first:
            first = time.perf_counter()
        if chunk.finish_reason:
            tokens = chunk.usage.completion_tokens
    end = time.perf_counter()
    return (tokens - 1) / (end - first) if first and tokens > 1 else 0.0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--appends", type=int, default=2000)
    ap.add_argument("--reps", type=int, default=6)
    ap.add_argument("--max-tokens", type=int, default=128)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args(argv)
    applog.configure("console", "warning", stream=sys.stderr)  # stdout is for the JSON only
    out: dict[str, Any] = {"bench": "audit"}
    with tempfile.TemporaryDirectory(prefix="bench-audit-") as tmp:
        root = Path(tmp)
        for mode in ("sync", "batch"):
            out[f"writer_{mode}"] = writer_figures(root, mode, args.appends)
        model, _sha = ensure_default_model(root / "models")
        models = {t: ModelConfig(tier=t, path=model, n_threads=args.threads,
                                 chat_template="gemma") for t in ("v3", "r1")}
        servers = {}
        for name, audit in (("on", None), ("off", PassThroughAudit())):
            cfg = replace(cfgmod.Config(state_dir=root / name), models=models,
                          server=replace(cfgmod.ServerConfig(), listen="127.0.0.1:0"))
            servers[name] = InProcessServer(cfg, audit=audit)
        results: dict[str, list[float]] = {"on": [], "off": []}
        try:
            clients = {k: Client(s.address, timeout=300) for k, s in servers.items()}
            for c in clients.values():  # warm both
                decode_tps(c, "Warm up.", 8)
            for rep in range(args.reps):
                order = ("on", "off") if rep % 2 == 0 else ("off", "on")
                for name in order:
                    prompt = f"Story number {rep}. Once upon a time, an old clockmaker"
                    results[name].append(decode_tps(clients[name], prompt, args.max_tokens))
            for c in clients.values():
                c.close()
        finally:
            for s in servers.values():
                s.stop()
    on, off = statistics.median(results["on"]), statistics.median(results["off"])
    out["daemon"] = {"tokens_per_s_audit_on": round(on, 2),
                     "tokens_per_s_audit_off": round(off, 2),
                     "ratio_on_over_off": round(on / off, 3) if off else None,
                     "target_ratio": 0.99, "reps": args.reps, "max_tokens": args.max_tokens,
                     "samples_on": [round(x, 2) for x in results["on"]],
                     "samples_off": [round(x, 2) for x in results["off"]]}
    print(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
