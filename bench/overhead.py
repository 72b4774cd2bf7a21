"""Daemon overhead against raw llama-cpp-python, measured in one run. Prints JSON.

Single-stream decode tokens/s and time to first token (TTFT) through the daemon (gRPC
streaming, real model) against llama-cpp-python's own ``create_completion(stream=True)`` on the
same GGUF, prompt and settings (greedy, fixed seed, same threads and context). The daemon
runs its default PII policy: prompt masking, and the output scan, which holds streamed text
back by about a word. Repetitions are interleaved (raw, daemon, daemon, raw, ...) so drift
on this shared machine hits both alike; medians are reported. Each repetition uses a fresh
prompt so TTFT includes prompt evaluation rather than a prefix-cache hit.

    .venv/bin/python -m bench.overhead [--reps 7] [--max-tokens 128] [--threads 2]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from appliance.client import Client  # noqa: E402
from appliance.engine.default_model import ensure_default_model  # noqa: E402
from tests.daemon import Daemon, write_config  # noqa: E402

STORY = ("Once upon a time, in a small village at the edge of a great forest, there lived an "
         "old clockmaker who")


def prompt_for(rep: int) -> str:
    return f"Story number {rep}. {STORY}"


def measure_raw(llm: Any, prompt: str, max_tokens: int, seed: int) -> dict[str, float]:
    start = time.perf_counter()
    first = 0.0
    tokens = 0
    for chunk in llm.create_completion(prompt, max_tokens=max_tokens, temperature=0.0,
                                       seed=seed, stream=True):
        if chunk["choices"][0]["text"]:
            tokens += 1
            first = first or time.perf_counter()
    return _figures(start, first, time.perf_counter(), tokens)


def measure_daemon(client: Client, prompt: str, max_tokens: int, seed: int) -> dict[str, float]:
    start = time.perf_counter()
    first = 0.0
    tokens = 0
    for chunk in client.stream(prompt, max_tokens=max_tokens, temperature=0.0, seed=seed):
        if chunk.text:
            first = first or time.perf_counter()
        if chunk.finish_reason:
            tokens = chunk.usage.completion_tokens
    return _figures(start, first, time.perf_counter(), tokens)


def _figures(start: float, first: float, end: float, tokens: int) -> dict[str, float]:
    """TTFT is the first text to reach the caller; decode rate is every token after it, up to
    the end of the stream (so text a side holds back and releases later counts against it)."""
    decode_s = end - first
    return {"ttft_ms": (first - start) * 1000, "tokens": tokens,
            "decode_tokens_per_s": (tokens - 1) / decode_s if decode_s > 0 else 0.0}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=7)
    ap.add_argument("--max-tokens", type=int, default=128)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--n-ctx", type=int, default=2048)
    ap.add_argument("--output-scan", choices=("mask", "off"), default="mask",
                    help="the daemon's [pii] output_scan (mask is the default policy)")
    args = ap.parse_args(argv)

    from llama_cpp import Llama

    from appliance.observability import logging as applog

    applog.configure("console", "warning", stream=sys.stderr)  # stdout is for the JSON only

    work = Path(tempfile.mkdtemp(prefix="bench-overhead-"))
    model, sha = ensure_default_model(work / "models")
    cfg = write_config(work / "appliance.toml", model,
                       pii=f'output_scan = "{args.output_scan}"')
    cfg.write_text(cfg.read_text().replace("n_threads = 2", f"n_threads = {args.threads}")
                   .replace("n_ctx = 2048", f"n_ctx = {args.n_ctx}"))
    daemon = Daemon(work, cfg)
    daemon.wait_for("ready")
    llm = Llama(model_path=str(model), n_ctx=args.n_ctx, n_threads=args.threads,
                n_threads_batch=args.threads, verbose=False)
    raw: list[dict[str, float]] = []
    served: list[dict[str, float]] = []
    try:
        with Client(daemon.address or "") as client:
            # One untimed round each, so neither side pays first-call costs in the figures.
            measure_raw(llm, prompt_for(-1), 8, 1)
            measure_daemon(client, prompt_for(-1), 8, 1)
            for rep in range(args.reps):
                order = ("raw", "daemon") if rep % 2 == 0 else ("daemon", "raw")
                for side in order:
                    if side == "raw":
                        raw.append(measure_raw(llm, prompt_for(rep), args.max_tokens, 42))
                    else:
                        served.append(measure_daemon(client, prompt_for(rep), args.max_tokens,
                                                     42))
    finally:
        llm.close()
        daemon.stop()

    def med(rows: list[dict[str, float]], key: str) -> float:
        return round(statistics.median(r[key] for r in rows), 2)

    raw_tps, dmn_tps = med(raw, "decode_tokens_per_s"), med(served, "decode_tokens_per_s")
    raw_ttft, dmn_ttft = med(raw, "ttft_ms"), med(served, "ttft_ms")
    ratio = round(dmn_tps / raw_tps, 3) if raw_tps else 0.0
    overhead = round(dmn_ttft - raw_ttft, 2)
    print(json.dumps({
        "bench": "overhead",
        "model": {"file": model.name, "sha256": sha},
        "settings": {"reps": args.reps, "max_tokens": args.max_tokens, "threads": args.threads,
                     "n_ctx": args.n_ctx, "temperature": 0.0, "seed": 42,
                     "output_scan": args.output_scan,
                     "prompt_chars": len(prompt_for(0))},
        "raw_llama_cpp_python": {"decode_tokens_per_s": raw_tps, "ttft_ms": raw_ttft,
                                 "completion_tokens": [r["tokens"] for r in raw]},
        "daemon_grpc_stream": {"decode_tokens_per_s": dmn_tps, "ttft_ms": dmn_ttft,
                               "completion_tokens": [r["tokens"] for r in served]},
        "tokens_per_s_ratio": ratio,
        "ttft_overhead_ms": overhead,
        "targets": {"tokens_per_s_ratio_min": 0.95, "ttft_overhead_ms_max": 20.0},
        "met": {"tokens_per_s_ratio": ratio >= 0.95, "ttft_overhead_ms": overhead <= 20.0},
    }, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
