"""Interactive time to first token while a batch runs, against the same daemon idle. Prints JSON.

One daemon (real model, ``slots = 4``, ``[batch]`` defaults: one line at a time, after 50 ms
with nothing interactive). An interactive client streams chat requests one after another
with a think time between them (uniform in ``--gap`` seconds: the gaps are the idle capacity a
batch may fill). ``--rounds`` rounds, each of two segments of ``--requests`` requests:

1. idle: no batch running;
2. during a batch: a batch of ``--lines`` lines (``--line-tokens`` each) submitted with the
   official ``openai`` client just before, cancelled (and its last line ended) after.

Alternating in short rounds keeps a machine whose load drifts from favouring either side.
The target (issue 34): interactive p95 TTFT during batches within 10 % of the idle p95. Also
reported: how many batch lines completed during the batch segments.

    .venv/bin/python -m bench.batch [--rounds 16] [--requests 10] [--lines 400]
                                    [--line-tokens 16] [--no-preempt]

About 3 minutes at the defaults. A p95 of 160 requests a side is still a noisy figure (it is
about the 8th slowest): each ratio comes with a 95 % bootstrap interval.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import openai  # noqa: E402

from appliance.engine.default_model import ensure_default_model  # noqa: E402
from appliance.observability import logging as applog  # noqa: E402
from tests.daemon import Daemon, write_config  # noqa: E402

CHAT = "/v1/chat/completions"
PROMPTS = ["Tell me about the history of Paris.", "Describe how water boils.",
           "Explain the planets of the solar system.", "Give a recipe for pancakes."]


def ttft(client: openai.OpenAI, prompt: str, max_tokens: int) -> float:
    """Seconds from sending a streamed request to its first piece of text."""
    started = time.perf_counter()
    first = None
    for chunk in client.chat.completions.create(
            model="v3", messages=[{"role": "user", "content": prompt}], max_tokens=max_tokens,
            temperature=0, stream=True):
        if first is None and chunk.choices and chunk.choices[0].delta.content:
            first = time.perf_counter()
    if first is None:
        raise RuntimeError("the stream carried no text")
    return first - started


def phase(client: openai.OpenAI, n: int, gap: tuple[float, float], max_tokens: int,
          rng: random.Random) -> list[float]:
    out = []
    for i in range(n):
        time.sleep(rng.uniform(*gap))
        out.append(ttft(client, PROMPTS[i % len(PROMPTS)], max_tokens) * 1000)
    return out


def p95(xs: list[float]) -> float:
    return round(statistics.quantiles(xs, n=20, method="inclusive")[18], 1)


def interval(idle: list[float], during: list[float], stat: Any, n: int = 2000,
             seed: int = 11) -> list[float]:
    """A 95 % bootstrap interval of stat(during) / stat(idle), each side resampled."""
    rng = random.Random(seed)
    ratios = sorted(stat(rng.choices(during, k=len(during))) / stat(rng.choices(idle, k=len(idle)))
                    for _ in range(n))
    return [round(ratios[int(0.025 * n)], 3), round(ratios[int(0.975 * n) - 1], 3)]


def summary(xs: list[float]) -> dict[str, Any]:
    return {"n": len(xs), "p50_ms": round(statistics.median(xs), 1),
            "p90_ms": round(statistics.quantiles(xs, n=10, method="inclusive")[8], 1),
            "p95_ms": p95(xs), "slowest_ms": [round(x, 1) for x in sorted(xs)[-5:]]}


def batch_lines(n: int, max_tokens: int) -> bytes:
    return "".join(json.dumps({
        "custom_id": f"b-{i}", "method": "POST", "url": CHAT,
        "body": {"model": "v3", "max_tokens": max_tokens, "temperature": 0,
                 "messages": [{"role": "user", "content": PROMPTS[i % len(PROMPTS)]}]}}) + "\n"
        for i in range(n)).encode()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=16, help="idle/batch rounds")
    ap.add_argument("--requests", type=int, default=10, help="interactive requests a segment")
    ap.add_argument("--max-tokens", type=int, default=8, help="of each interactive request")
    ap.add_argument("--gap", type=float, nargs=2, default=(0.2, 0.6),
                    help="think time between interactive requests, seconds (uniform)")
    ap.add_argument("--lines", type=int, default=400)
    ap.add_argument("--line-tokens", type=int, default=16)
    ap.add_argument("--no-preempt", action="store_true",
                    help="[batch] preempt = false: lines run on beside interactive work")
    args = ap.parse_args(argv)
    applog.configure("console", "warning", stream=sys.stderr)
    work = Path(tempfile.mkdtemp(prefix="bench-batch-"))
    model, _sha = ensure_default_model(work / "models")
    daemon = Daemon(work, write_config(work / "appliance.toml", model, models="slots = 4",
                                       batch=f"preempt = {str(not args.no_preempt).lower()}"))
    rng = random.Random(7)
    gap = (args.gap[0], args.gap[1])
    try:
        daemon.wait_for("ready")
        client = openai.OpenAI(base_url=daemon.http_url, api_key="bench", max_retries=0,
                               timeout=300)
        ttft(client, PROMPTS[0], 4)  # warm-up, not counted
        idle: list[float] = []
        during: list[float] = []
        done_during, seconds = 0, 0.0
        data = batch_lines(args.lines, args.line_tokens)
        for _ in range(args.rounds):
            idle += phase(client, args.requests, gap, args.max_tokens, rng)
            f = client.files.create(file=("bench.jsonl", data), purpose="batch")
            batch = client.batches.create(input_file_id=f.id, endpoint=CHAT,
                                          completion_window="24h")
            started = time.perf_counter()
            during += phase(client, args.requests, gap, args.max_tokens, rng)
            seconds += time.perf_counter() - started
            client.batches.cancel(batch.id)
            while (state := client.batches.retrieve(batch.id)).status != "cancelled":
                time.sleep(0.1)
            done_during += state.request_counts.completed + state.request_counts.failed
    finally:
        daemon.stop()
    out = {
        "idle": summary(idle), "during_batch": summary(during),
        "p95_during_over_idle": round(p95(during) / p95(idle), 3),
        "p95_during_over_idle_ci95": interval(idle, during, p95),
        "p50_during_over_idle": round(statistics.median(during) / statistics.median(idle), 3),
        "p50_during_over_idle_ci95": interval(idle, during, statistics.median),
        "batch": {"lines_completed_during_batch_segments": done_during,
                  "lines_per_s": round(done_during / seconds, 2)},
        "config": {"rounds": args.rounds, "requests_per_segment": args.requests,
                   "max_tokens": args.max_tokens, "gap_s": list(gap), "lines": args.lines,
                   "line_tokens": args.line_tokens, "slots": 4, "threads": 2,
                   "batch_concurrency": 1, "preempt": not args.no_preempt,
                   "model": model.name},
    }
    print(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
