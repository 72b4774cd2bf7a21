"""Time to first token of a response-cache hit against a miss, and against the PII masking
time of the same request, in one run. Prints JSON.

The real server built in this process (``tests.inprocess``: ``build_server``, the default
model and PII policy, the encrypted audit log, ``[cache] enabled = true``), so that the PII
stage's own time on each request can be read: its ``mask`` is wrapped with a timer. Each rep
asks a new question about one person (a miss: generated), then the same question about
another person (a hit: the masked request is the same, the answer comes from the cache,
restored with the second person's values). TTFT is measured at the client over gRPC streaming
(``GenerateStream``, loopback; the client shares the process, so its time is counted too).
``hit_over_masking_ms``: each hit's TTFT minus the time its own masking took inside the
server; ``server_side``: the same from the server's own TTFT (admission to first chunk, the
``appliance_time_to_first_token_seconds`` histogram of route ``cache``), without the client
and the transport. Target (issue 34): at most 5 ms.

    .venv/bin/python -m bench.cache [--reps 8]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from appliance import config as cfgmod  # noqa: E402
from appliance.client import NO_RETRY, Client  # noqa: E402
from appliance.config import CacheConfig, ModelConfig  # noqa: E402
from appliance.engine.default_model import ensure_default_model  # noqa: E402
from appliance.observability import logging as applog  # noqa: E402
from tests.inprocess import InProcessServer  # noqa: E402

PEOPLE = [("Ada Lovelace", "ada.lovelace@example.com"),
          ("Grace Hopper", "grace.hopper@example.org")]
TOPICS = ["a late delivery", "a double charge", "a broken hinge", "a missing refund",
          "a wrong size", "an unanswered e-mail", "a lost parcel", "a rude driver",
          "a cancelled order", "a faulty charger"]


def prompt(rep: int, person: int) -> str:
    name, email = PEOPLE[person]
    return (f"Summarise the complaint of {name} ({email}) about {TOPICS[rep % len(TOPICS)]} "
            f"(case {1000 + rep}) and draft a short, polite reply.")


class MaskTimer:
    """Wraps the server's PII stage: the milliseconds each ``mask`` call took."""

    def __init__(self, stage: Any) -> None:
        self.calls: list[float] = []
        inner = stage.mask

        async def timed(texts: Sequence[str], namespace: str | None = None) -> Any:
            started = time.perf_counter()
            try:
                return await inner(texts, namespace)
            finally:
                self.calls.append((time.perf_counter() - started) * 1000)

        stage.mask = timed


def ttft(client: Client, text: str, max_tokens: int) -> tuple[float, str]:
    """Milliseconds to the first chunk with text, and the whole answer."""
    started = time.perf_counter()
    first = None
    out = []
    for chunk in client.stream(text, model="v3", max_tokens=max_tokens, temperature=0.0):
        if first is None and (chunk.text or chunk.finish_reason):
            first = time.perf_counter() - started
        out.append(chunk.text)
    if first is None:
        raise RuntimeError("the stream ended without a chunk")
    return first * 1000, "".join(out)


def _mean_ms(histogram: Any) -> float:
    """The mean of a prometheus_client histogram child, in milliseconds."""
    samples = {s.name: s.value for metric in histogram.collect() for s in metric.samples}
    count = next(v for k, v in samples.items() if k.endswith("_count"))
    total = next(v for k, v in samples.items() if k.endswith("_sum"))
    return 1000 * total / count if count else float("nan")


def summary(values: list[float]) -> dict[str, float]:
    return {"p50": round(statistics.median(values), 2), "min": round(min(values), 2),
            "max": round(max(values), 2)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=8)
    ap.add_argument("--max-tokens", type=int, default=32)
    args = ap.parse_args(argv)
    applog.configure("console", "warning", stream=sys.stderr)
    root = Path(tempfile.mkdtemp(prefix="bench-cache-"))
    model, _sha = ensure_default_model(root / "models")
    spec = ModelConfig(tier="v3", path=model, n_threads=2, chat_template="transcript")
    cfg = replace(cfgmod.embedded_default(), state_dir=root / "state",
                  models={"v3": spec, "r1": spec},
                  server=replace(cfgmod.ServerConfig(), listen="127.0.0.1:0"),
                  audit=replace(cfgmod.AuditConfig(), dev_officer_key=True),
                  cache=CacheConfig(enabled=True))
    server = InProcessServer(cfg)
    misses, hits, masking, over = [], [], [], []
    restored = 0
    try:
        services = server.app.services
        if services is None or services.cache is None:
            raise RuntimeError("the server has no response cache")
        timer = MaskTimer(services.privacy)
        with Client(server.address, timeout=300, retry=NO_RETRY) as c:
            ttft(c, "Warm-up: say hello.", 4)
            for rep in range(args.reps):
                ms, first = ttft(c, prompt(rep, 0), args.max_tokens)
                misses.append(ms)
                timer.calls.clear()
                ms, second = ttft(c, prompt(rep, 1), args.max_tokens)
                hits.append(ms)
                masking.append(sum(timer.calls))
                over.append(ms - sum(timer.calls))
                restored += first.replace(PEOPLE[0][0], PEOPLE[1][0]).replace(
                    PEOPLE[0][1], PEOPLE[1][1]) == second
        # The server's own TTFT of the hits (admission to first chunk, without the client
        # and the transport): the metrics' histogram for route "cache".
        server_ttft = server.app.metrics.ttft.labels("v3", "cache")
        server_mean = _mean_ms(server_ttft)
        cache = services.cache
        counters = {"hits": cache.hits, "misses": cache.misses, "stores": cache.stores,
                    "entries": len(cache), "bytes": cache.bytes}
    finally:
        server.stop()
    print(json.dumps({
        "hit_ttft_ms": summary(hits), "miss_ttft_ms": summary(misses),
        "hit_masking_ms": summary(masking), "hit_over_masking_ms": summary(over),
        "server_side": {"hit_ttft_ms_mean": round(server_mean, 2),
                        "hit_over_masking_ms_mean": round(server_mean
                                                          - statistics.mean(masking), 2)},
        "miss_over_hit_p50": round(statistics.median(misses) / statistics.median(hits), 1),
        "hits_equal_to_miss_with_values_swapped": f"{restored}/{args.reps}",
        "cache": counters,
        "config": {"model": model.name, "threads": 2, "reps": args.reps,
                   "max_tokens": args.max_tokens,
                   "transport": "gRPC GenerateStream, loopback, client in the same process",
                   "target": "hit TTFT <= its masking time + 5 ms"}}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
