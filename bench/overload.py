"""Overload: offered load at twice the local capacity, with and without the central cluster.
Prints JSON.

The appliance runs in process with a deliberately small local tier (``--slots`` sequences,
``--queue`` waiting); the central cluster is a real OpenAI-compatible server
(``python -m llama_cpp.server``) on loopback serving the same model. First the local service
time of one request is measured; capacity = slots / service time. Then requests arrive as a
Poisson process at ``--factor`` x capacity for ``--seconds``, once with fallback and once
without. Reported per run: success rate, status codes, p50/p99 latency, share served
centrally, p50/p99 time to first token of locally served requests, and their measured queue
wait (p50/p99/max, from the audit log's end records, ``queue_wait_ms``), which the fallback
policy should keep under ``max_local_wait_ms``.

Both the cluster and the appliance share this machine's cores, so the cluster is slower than
a real one would be; the figures show the mechanism, not a data-centre's numbers.

With ``--endpoints 2`` a third run sends the overflow to a fleet of two such servers
(``[[fallback.endpoints]]``) and reports how the central share split between them (from the
audit records' ``central_endpoint``).

    .venv/bin/python -m bench.overload [--seconds 60] [--factor 2.0] [--slots 2] [--queue 2]
                                       [--endpoints 2]
"""

from __future__ import annotations

import argparse
import json
import random
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
from appliance.audit.keys import OFFICER_PRIVATE, load_officer_private  # noqa: E402
from appliance.audit.verify import verify_dir  # noqa: E402
from appliance.client import NO_RETRY, Client, RpcError  # noqa: E402
from appliance.config import EndpointConfig, FallbackConfig, ModelConfig  # noqa: E402
from appliance.engine.default_model import ensure_default_model  # noqa: E402
from appliance.observability import logging as applog  # noqa: E402
from tests import cluster as servers  # noqa: E402
from tests.inprocess import InProcessServer  # noqa: E402

PROMPT = "Write two sentences about the history of clocks."
MAX_TOKENS = 32


def pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    values = sorted(values)
    return round(values[min(len(values) - 1, int(q * len(values)))], 1)


def one(address: str) -> dict[str, Any]:
    start = time.perf_counter()
    first = None
    served = ""
    try:
        with Client(address, timeout=300, retry=NO_RETRY) as c:
            for chunk in c.stream(messages=[("user", PROMPT)], max_tokens=MAX_TOKENS,
                                  temperature=0.0):
                if chunk.served_by:
                    served = chunk.served_by
                if first is None and chunk.text:
                    first = time.perf_counter()
    except RpcError as exc:
        return {"ok": False, "code": exc.code.name,
                "latency_ms": (time.perf_counter() - start) * 1000}
    end = time.perf_counter()
    return {"ok": True, "code": "OK", "served_by": served,
            "latency_ms": (end - start) * 1000,
            "ttft_ms": ((first or end) - start) * 1000}


def offered(address: str, rate: float, seconds: float, seed: int) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    results: list[dict[str, Any]] = []
    lock = threading.Lock()
    threads = []

    def run() -> None:
        r = one(address)
        with lock:
            results.append(r)

    end = time.monotonic() + seconds
    t = time.monotonic()
    while t < end:
        t += rng.expovariate(rate)
        time.sleep(max(0.0, t - time.monotonic()))
        th = threading.Thread(target=run)
        th.start()
        threads.append(th)
    for th in threads:
        th.join(600)
    return results


def summary(results: list[dict[str, Any]]) -> dict[str, Any]:
    ok = [r for r in results if r["ok"]]
    codes: dict[str, int] = {}
    for r in results:
        codes[r["code"]] = codes.get(r["code"], 0) + 1
    local = [r for r in ok if r.get("served_by") == "local"]
    central = [r for r in ok if r.get("served_by") == "central"]
    return {
        "requests": len(results),
        "success_rate": round(len(ok) / len(results), 4) if results else None,
        "codes": codes,
        "latency_ms_p50": pct([r["latency_ms"] for r in ok], 0.5),
        "latency_ms_p99": pct([r["latency_ms"] for r in ok], 0.99),
        "central_share": round(len(central) / len(ok), 3) if ok else None,
        "local_ttft_ms_p50": pct([r["ttft_ms"] for r in local], 0.5),
        "local_ttft_ms_p99": pct([r["ttft_ms"] for r in local], 0.99),
    }


def queue_waits(state_dir: Path, limit_ms: int) -> dict[str, Any]:
    """Queue wait of every locally served request, from the (development-key) audit log."""
    records: list[dict[str, Any]] = []
    key = load_officer_private(state_dir / "dev-officer" / OFFICER_PRIVATE)
    verify_dir(state_dir / "audit", key, None, records.append)
    waits = [float(r["queue_wait_ms"]) for r in records
             if r.get("type") == "end" and r.get("route") == "local" and "queue_wait_ms" in r]
    reasons: dict[str, int] = {}
    endpoints: dict[str, int] = {}
    for r in records:
        if r.get("type") == "end" and r.get("route") == "central":
            reasons[str(r.get("route_reason"))] = reasons.get(str(r.get("route_reason")), 0) + 1
            ep = str(r.get("central_endpoint"))
            endpoints[ep] = endpoints.get(ep, 0) + 1
    return {"central_reasons": reasons, "central_endpoints": endpoints,
            "local_queue_wait_ms_p50": pct(waits, 0.5), "local_queue_wait_ms_p99":
            pct(waits, 0.99), "local_queue_wait_ms_max": max(waits, default=None),
            "local_requests_waiting_over_max_local_wait": sum(w > limit_ms for w in waits)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--factor", type=float, default=2.0)
    ap.add_argument("--slots", type=int, default=2)
    ap.add_argument("--queue", type=int, default=2)
    ap.add_argument("--max-local-wait-ms", type=int, default=2000)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--endpoints", type=int, choices=(1, 2), default=1,
                    help="2: also a run with a fleet of two cluster servers")
    args = ap.parse_args(argv)
    applog.configure("console", "warning", stream=sys.stderr)  # stdout is for the JSON only
    out: dict[str, Any] = {"bench": "overload", "seconds": args.seconds, "factor": args.factor,
                           "slots": args.slots, "queue_limit": args.queue,
                           "max_local_wait_ms": args.max_local_wait_ms,
                           "max_tokens": MAX_TOKENS}
    with tempfile.TemporaryDirectory(prefix="bench-overload-") as tmp:
        root = Path(tmp)
        model, _sha = ensure_default_model(root / "models")
        ports = [servers.free_port() for _ in range(args.endpoints)]
        clusters = [servers.start(model, root / f"cluster{i}.log", port)
                    for i, port in enumerate(ports)]
        urls = [f"http://127.0.0.1:{port}/v1" for port in ports]
        try:
            models = {t: ModelConfig(tier=t, path=model, n_threads=args.threads,
                                     chat_template="gemma", slots=args.slots,
                                     queue_limit=args.queue) for t in cfgmod.TIERS}
            modes = ["with_fallback", "without_fallback"]
            if args.endpoints == 2:
                modes.append("with_two_endpoints")
            for mode in modes:
                fb = FallbackConfig(url=urls[0], enabled=mode != "without_fallback",
                                    max_local_wait_ms=args.max_local_wait_ms,
                                    probe_interval_seconds=5.0)
                if mode == "with_two_endpoints":
                    fb = replace(fb, url=None, endpoints=tuple(
                        EndpointConfig(url=u, name=f"cluster{i}") for i, u in enumerate(urls)))
                cfg = replace(cfgmod.embedded_default(), state_dir=root / mode, models=models,
                              fallback=fb,
                              server=replace(cfgmod.ServerConfig(), listen="127.0.0.1:0"))
                server = InProcessServer(cfg)
                try:
                    if "service_ms" not in out:
                        one(server.address)  # warm up
                        samples = [one(server.address)["latency_ms"] for _ in range(3)]
                        service = sorted(samples)[1] / 1000
                        capacity = args.slots / service
                        out["service_ms"] = round(service * 1000, 1)
                        out["local_capacity_rps"] = round(capacity, 3)
                        out["offered_rps"] = round(capacity * args.factor, 3)
                    results = offered(server.address, out["offered_rps"], args.seconds, 1)
                    out[mode] = summary(results)
                finally:
                    server.stop()
                out[mode].update(queue_waits(root / mode, args.max_local_wait_ms))
        finally:
            for proc in clusters:
                servers.stop(proc)
    print(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
