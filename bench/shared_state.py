"""What a request's admission and end cost with the state in a shared Redis against this box's
memory (the local backend), in one run. Prints JSON.

A redis-server on a loopback port (no persistence) is started here. Each request is one
``enter`` (concurrency, rate and budget checks, in one Lua script) and one ``leave`` (place
given back, tokens charged, one script), for one identity with a day budget, a per-minute
rate and a concurrency limit, ``--concurrency`` at once on one event loop; what is reported is
requests per second and the mean and p99 time of an enter plus a leave.

    .venv/bin/python -m bench.shared_state [--requests 5000] [--concurrency 32]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from appliance.config import Policy, StateConfig  # noqa: E402
from appliance.state.base import SharedState  # noqa: E402
from appliance.state.local import Quotas, RateLimits  # noqa: E402
from appliance.state.redis_state import RedisState, connect  # noqa: E402
from tests.redisserver import RedisServer  # noqa: E402

POLICY = Policy(tokens_per_day=10**12, requests_per_minute=10_000_000,
                tokens_per_minute=1_000_000_000, max_concurrent=10_000)


async def _run(state: SharedState, requests: int, concurrency: int) -> dict[str, Any]:
    times: list[float] = []
    ids = iter(range(requests))

    async def worker() -> None:
        for i in ids:
            t0 = time.perf_counter()
            await state.enter("bench", POLICY, f"r{i}")
            await state.leave("bench", POLICY, f"r{i}", 30, counted=True)
            times.append(time.perf_counter() - t0)

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    wall = time.perf_counter() - start
    times.sort()
    return {"requests_per_s": round(requests / wall), "mean_ms": round(
        statistics.fmean(times) * 1000, 3), "p99_ms": round(times[int(len(times) * 0.99)]
                                                             * 1000, 3)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--requests", type=int, default=5000)
    ap.add_argument("--concurrency", type=int, default=32)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        server = RedisServer(Path(tmp) / "redis").start()
        try:
            local = RateLimits(Quotas(None))
            config = StateConfig(backend=server.url, timeout_seconds=5.0)

            async def both() -> dict[str, Any]:
                redis = RedisState(config, connect(config, {}), RateLimits(Quotas(None)))
                try:
                    return {"local": await _run(local, args.requests, args.concurrency),
                            "redis": await _run(redis, args.requests, args.concurrency)}
                finally:
                    await redis.aclose()

            result = asyncio.run(both())
        finally:
            server.stop()
    print(json.dumps({"requests": args.requests, "concurrency": args.concurrency,
                      "server": "loopback redis-server, no persistence", **result}, indent=2))


if __name__ == "__main__":
    main()
