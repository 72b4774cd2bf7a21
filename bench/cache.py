"""Time to first token of a response-cache hit against a miss, and against the PII masking
time alone, in one run. Prints JSON.

One daemon with ``[cache] enabled = true`` (tokens required, one identity), the default model
and PII policy. Each rep asks a new question about one person (a miss: generated), then the
same question about another person (a hit: the masked request is the same, the answer comes
from the cache, restored with the second person's values). TTFT is measured at the client
over gRPC streaming (``GenerateStream``, loopback). The masking time is the same PII engine
(default policy, loaded in this process) masking each hit's prompt for the first time: what a
hit cannot avoid, since its key is the masked request. Target (issue 34): a hit's TTFT at most
5 ms over the masking time.

    .venv/bin/python -m bench.cache [--reps 5]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from appliance.client import NO_RETRY, Client, Credentials  # noqa: E402
from appliance.config import PiiConfig  # noqa: E402
from appliance.engine.default_model import ensure_default_model  # noqa: E402
from appliance.observability import logging as applog  # noqa: E402
from appliance.privacy.masker import PiiMasker  # noqa: E402
from tests.daemon import Daemon, write_config  # noqa: E402

PEOPLE = [("Ada Lovelace", "ada.lovelace@example.com"),
          ("Grace Hopper", "grace.hopper@example.org")]
TOPICS = ["a late delivery", "a double charge", "a broken hinge", "a missing refund",
          "a wrong size", "an unanswered e-mail", "a lost parcel", "a rude driver",
          "a cancelled order", "a faulty charger"]


def prompt(rep: int, person: int) -> str:
    name, email = PEOPLE[person]
    return (f"Summarise the complaint of {name} ({email}) about {TOPICS[rep % len(TOPICS)]} "
            f"(case {1000 + rep}) and draft a short, polite reply.")


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


async def masking_ms(texts: list[str]) -> list[float]:
    """The default PII engine masking each text once (its first time: no analysis cache)."""
    masker = await asyncio.to_thread(PiiMasker.load, PiiConfig(), 100_000)
    await masker.mask(["Warm-up for Alan Turing, alan@example.net."], "bench")
    out = []
    for text in texts:
        started = time.perf_counter()
        await masker.mask([text], "bench")
        out.append((time.perf_counter() - started) * 1000)
    masker.close()
    return out


def _daemon(work: Path, model: Path) -> tuple[Daemon, str]:
    work.mkdir(parents=True)
    cfg = write_config(work / "appliance.toml", model, auth="required = true",
                       cache="enabled = true")
    p = subprocess.run([sys.executable, "-m", "appliance", "token", "create", "--config",
                        str(cfg), "--name", "bench", "--role", "client"],
                       capture_output=True, text=True, check=True)
    d = Daemon(work, cfg)
    d.wait_for("ready")
    return d, p.stdout.strip()


def summary(values: list[float]) -> dict[str, float]:
    return {"p50": round(statistics.median(values), 2), "min": round(min(values), 2),
            "max": round(max(values), 2)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--max-tokens", type=int, default=32)
    args = ap.parse_args(argv)
    applog.configure("console", "warning", stream=sys.stderr)
    root = Path(tempfile.mkdtemp(prefix="bench-cache-"))
    model, _sha = ensure_default_model(root / "models")
    d, token = _daemon(root / "daemon", model)
    misses: list[float] = []
    hits: list[float] = []
    restored = 0
    try:
        if d.address is None:
            raise RuntimeError("the daemon has no address")
        with Client(d.address, timeout=300, retry=NO_RETRY,
                    credentials=Credentials(token=token)) as c:
            ttft(c, "Warm-up: say hello.", 4)
            for rep in range(args.reps):
                ms, first = ttft(c, prompt(rep, 0), args.max_tokens)
                misses.append(ms)
                ms, second = ttft(c, prompt(rep, 1), args.max_tokens)
                hits.append(ms)
                restored += first.replace(PEOPLE[0][0], PEOPLE[1][0]).replace(
                    PEOPLE[0][1], PEOPLE[1][1]) == second
        metrics = _cache_metrics(d)
    finally:
        d.stop()
    masking = asyncio.run(masking_ms([prompt(rep, 1) for rep in range(args.reps)]))
    hit, miss, mask = summary(hits), summary(misses), summary(masking)
    print(json.dumps({
        "hit_ttft_ms": hit, "miss_ttft_ms": miss, "masking_ms": mask,
        "hit_over_masking_ms_p50": round(hit["p50"] - mask["p50"], 2),
        "miss_over_hit_p50": round(miss["p50"] / hit["p50"], 1),
        "hits_equal_to_miss_with_values_swapped": f"{restored}/{args.reps}",
        "daemon_metrics": metrics,
        "config": {"model": model.name, "threads": 2, "slots": 8, "reps": args.reps,
                   "max_tokens": args.max_tokens, "transport": "gRPC GenerateStream, loopback",
                   "target": "hit TTFT <= masking + 5 ms"}}, indent=2))
    return 0


def _cache_metrics(d: Daemon) -> dict[str, Any]:
    import httpx

    text = httpx.get(d.metrics_url, timeout=30).text
    return {line.split(" ")[0]: float(line.split(" ")[1]) for line in text.splitlines()
            if line.startswith("appliance_response_cache_")}


if __name__ == "__main__":
    raise SystemExit(main())
