"""One identity floods, another asks: what the flood does to the other's latency. Prints JSON.

The appliance runs in process with authentication on and two token identities. ``quiet``
sends one short greedy stream at a time; ``flood`` keeps ``--streams`` long streams open at
once (waiting the retry-after it is told when refused). Measured in one run, three phases:
``quiet`` alone (the baseline), then with the flood under ``max_concurrent = --limit``, then
with the flood unlimited (``max_concurrent = 0``). Reported per phase: the quiet
identity's latency and time to first token (p50/p95), and how many of the flood's requests
got RESOURCE_EXHAUSTED.

    .venv/bin/python -m bench.flood [--seconds 30] [--streams 64] [--limit 4] [--slots 4]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import threading
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from appliance import config as cfgmod  # noqa: E402
from appliance.access import TokenStore  # noqa: E402
from appliance.client import NO_RETRY, Client, Credentials, RpcError  # noqa: E402
from appliance.config import AuthConfig, ModelConfig, Policy  # noqa: E402
from appliance.engine.default_model import ensure_default_model  # noqa: E402
from appliance.observability import logging as applog  # noqa: E402
from tests.inprocess import InProcessServer  # noqa: E402


def pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    values = sorted(values)
    return round(values[min(len(values) - 1, int(q * len(values)))], 1)


def quiet_requests(address: str, token: str, seconds: float) -> list[dict[str, float]]:
    out = []
    end = time.monotonic() + seconds
    with Client(address, credentials=Credentials(token=token), retry=NO_RETRY,
                timeout=300) as c:
        while time.monotonic() < end:
            start = time.perf_counter()
            first = None
            for chunk in c.stream("Name a colour.", max_tokens=8, temperature=0.0):
                if first is None and chunk.text:
                    first = time.perf_counter()
            done = time.perf_counter()
            out.append({"latency_ms": (done - start) * 1000,
                        "ttft_ms": ((first or done) - start) * 1000})
    return out


def flood(address: str, token: str, streams: int, stop: threading.Event,
          refused: list[int]) -> list[threading.Thread]:
    def one() -> None:
        with Client(address, credentials=Credentials(token=token), retry=NO_RETRY,
                    timeout=300) as c:
            while not stop.is_set():
                try:
                    for _chunk in c.stream("Write a long story about the sea.",
                                           max_tokens=200, temperature=0.8):
                        if stop.is_set():
                            break
                except RpcError as exc:  # a well-behaved client waits as it is told
                    refused.append(1)
                    time.sleep(exc.retry_after or 1.0)

    threads = [threading.Thread(target=one, daemon=True) for _ in range(streams)]
    for t in threads:
        t.start()
    return threads


def phase(address: str, tokens: dict[str, str], seconds: float,
          streams: int) -> dict[str, Any]:
    stop = threading.Event()
    refused: list[int] = []
    threads = flood(address, tokens["flood"], streams, stop, refused) if streams else []
    if streams:
        time.sleep(3.0)  # the flood fills the slots first
    quiet = quiet_requests(address, tokens["quiet"], seconds)
    stop.set()
    for t in threads:
        t.join(120)
    lat = [q["latency_ms"] for q in quiet]
    ttft = [q["ttft_ms"] for q in quiet]
    return {"quiet_requests": len(quiet), "quiet_latency_ms_p50": pct(lat, 0.5),
            "quiet_latency_ms_p95": pct(lat, 0.95), "quiet_ttft_ms_p50": pct(ttft, 0.5),
            "quiet_ttft_ms_p95": pct(ttft, 0.95), "flood_refused": len(refused)}


def run(args: argparse.Namespace, root: Path, model: Path, limit: int) -> dict[str, Any]:
    tokens_path = root / f"tokens-{limit}.json"
    store = TokenStore(tokens_path)
    tokens = {name: store.create(name, "client") for name in ("quiet", "flood")}
    models = {t: ModelConfig(tier=t, path=model, n_threads=args.threads, slots=args.slots,
                             queue_limit=args.streams, chat_template="transcript")
              for t in cfgmod.TIERS}
    cfg = replace(cfgmod.embedded_default(), state_dir=root / f"state-{limit}", models=models,
                  server=replace(cfgmod.ServerConfig(), listen="127.0.0.1:0"),
                  auth=AuthConfig(required=True, tokens_file=tokens_path,
                                  default=Policy(max_concurrent=limit,
                                                 requests_per_minute=0)))
    server = InProcessServer(cfg)
    try:
        return {"baseline": phase(server.address, tokens, args.seconds, 0) if limit else None,
                "flooded": phase(server.address, tokens, args.seconds, args.streams)}
    finally:
        server.stop()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=30.0)
    ap.add_argument("--streams", type=int, default=64)
    ap.add_argument("--limit", type=int, default=4)
    ap.add_argument("--slots", type=int, default=4)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    applog.configure("console", "warning", stream=sys.stderr)  # stdout is for the JSON only
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        model, _sha = ensure_default_model(root / "models")
        limited = run(args, root, model, args.limit)
        unlimited = run(args, root, model, 0)
    print(json.dumps({
        "bench": "flood", "settings": vars(args),
        "quiet_alone": limited["baseline"],
        f"flood_max_concurrent_{args.limit}": limited["flooded"],
        "flood_unlimited": unlimited["flooded"],
    }, indent=2))


if __name__ == "__main__":
    main()
