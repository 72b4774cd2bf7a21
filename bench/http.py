"""HTTP API vs gRPC through the same daemon, in one run. Prints JSON.

One daemon (real model, ``slots = 8``, default PII policy) serves both front doors. For each
repetition, alternating which goes first:

- one stream at a time: time to first token and decode tokens/s (tokens after the first /
  time from the first to the last), gRPC ``GenerateStream`` with the project's client vs
  ``POST /v1/chat/completions`` with ``stream: true`` and the official ``openai`` client;
- 8 concurrent streams: aggregate completion tokens / wall time, each way.

Greedy decoding with ``ignore_eos``-free prompts and the same ``max_tokens``, so both ways
generate the same tokens; the ratios are HTTP / gRPC (≥ 1 is faster over HTTP).

    .venv/bin/python -m bench.http [--max-tokens 96] [--reps 3]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import openai  # noqa: E402

from appliance.client import Client  # noqa: E402
from appliance.engine.default_model import ensure_default_model  # noqa: E402
from appliance.observability import logging as applog  # noqa: E402
from tests.daemon import Daemon, write_config  # noqa: E402

PROMPTS = [
    "Tell me about the history of Paris.", "Describe how water boils.",
    "Explain the planets of the solar system.", "Write about the Python language.",
    "Tell a story about a dragon.", "Give a recipe for pancakes.",
    "Describe the moon landing in 1969.", "Explain how the stock market works.",
]


def grpc_stream(address: str, prompt: str, max_tokens: int) -> tuple[float, float, int]:
    """(seconds to the first token, seconds from first to last, completion tokens)."""
    with Client(address, timeout=300) as c:
        started = time.perf_counter()
        first = last = None
        tokens = 0
        for chunk in c.stream(messages=[{"role": "user", "content": prompt}], model="v3",
                              max_tokens=max_tokens, temperature=0.0):
            now = time.perf_counter()
            if first is None and chunk.text:
                first = now
            last = now
            if chunk.finish_reason:
                tokens = chunk.usage.completion_tokens
    if first is None or last is None:
        raise RuntimeError("the stream carried no text")
    return first - started, last - first, tokens


def http_stream(url: str, prompt: str, max_tokens: int) -> tuple[float, float, int]:
    with openai.OpenAI(base_url=url, api_key="bench", max_retries=0, timeout=300) as c:
        started = time.perf_counter()
        first = last = None
        tokens = 0
        stream = c.chat.completions.create(
            model="v3", messages=[{"role": "user", "content": prompt}], max_tokens=max_tokens,
            temperature=0, stream=True, stream_options={"include_usage": True})
        for chunk in stream:
            now = time.perf_counter()
            if chunk.choices and chunk.choices[0].delta.content and first is None:
                first = now
            if chunk.choices:
                last = now
            if chunk.usage is not None:
                tokens = chunk.usage.completion_tokens
    if first is None or last is None:
        raise RuntimeError("the stream carried no text")
    return first - started, last - first, tokens


def concurrent(one: Callable[[str, int], tuple[float, float, int]], prompts: list[str],
               max_tokens: int) -> float:
    """Aggregate completion tokens/s of all prompts streamed at once."""
    counts: list[int] = []
    lock = threading.Lock()

    def run(p: str) -> None:
        _ttft, _decode, n = one(p, max_tokens)
        with lock:
            counts.append(n)

    threads = [threading.Thread(target=run, args=(p,)) for p in prompts]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(counts) / (time.perf_counter() - started)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--max-tokens", type=int, default=96)
    ap.add_argument("--reps", type=int, default=3)
    args = ap.parse_args(argv)
    applog.configure("console", "warning", stream=sys.stderr)
    work = Path(tempfile.mkdtemp(prefix="bench-http-"))
    model, _sha = ensure_default_model(work / "models")
    daemon = Daemon(work, write_config(work / "appliance.toml", model))
    daemon.wait_for("ready")
    address, url = daemon.address or "", daemon.http_url
    ways: dict[str, Callable[[str, int], tuple[float, float, int]]] = {
        "grpc": lambda p, n: grpc_stream(address, p, n),
        "http": lambda p, n: http_stream(url, p, n)}
    rows: dict[str, dict[str, list[float]]] = {w: {"ttft": [], "decode": [], "agg8": []}
                                               for w in ways}
    try:
        for way in ways.values():  # warm-up, not counted
            way(PROMPTS[0], 8)
        for rep in range(args.reps):
            order = list(ways) if rep % 2 == 0 else list(reversed(ways))
            for name in order:
                for prompt in PROMPTS[:2]:
                    ttft, decode, tokens = ways[name](prompt, args.max_tokens)
                    rows[name]["ttft"].append(ttft * 1000)
                    rows[name]["decode"].append((tokens - 1) / decode if decode > 0 else 0.0)
            for name in order:
                rows[name]["agg8"].append(concurrent(ways[name], PROMPTS, args.max_tokens))
    finally:
        daemon.stop()

    def med(xs: list[float]) -> float:
        return round(statistics.median(xs), 2)

    out: dict[str, Any] = {w: {"ttft_ms_p50": med(r["ttft"]),
                               "stream_decode_tokens_per_s": med(r["decode"]),
                               "aggregate_8_streams_tokens_per_s": med(r["agg8"])}
                           for w, r in rows.items()}
    g, h = out["grpc"], out["http"]
    out["http_vs_grpc"] = {
        "stream_tokens_per_s_ratio": round(h["stream_decode_tokens_per_s"]
                                           / g["stream_decode_tokens_per_s"], 3),
        "ttft_difference_ms": round(h["ttft_ms_p50"] - g["ttft_ms_p50"], 2),
        "aggregate_8_ratio": round(h["aggregate_8_streams_tokens_per_s"]
                                   / g["aggregate_8_streams_tokens_per_s"], 3)}
    out["config"] = {"max_tokens": args.max_tokens, "reps": args.reps, "threads": 2,
                     "slots": 8, "model": model.name}
    print(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
