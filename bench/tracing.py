"""What OpenTelemetry tracing costs: throughput of the same daemon build with ``[telemetry]``
on (spans batched to a real OTLP/HTTP receiver in this process, tests/otlp_receiver.py) and
off. Prints JSON.

Two daemons with the same config but for ``[telemetry] otlp_endpoint`` run side by side; each
round sends ``--requests`` gRPC Generate calls, ``--concurrency`` at a time, to one and then
the other (the order alternating: on, off, off, on, ...), so drift on this shared machine hits
both alike. Only one daemon is loaded at a time. Short answers (``--max-tokens``) make the
per-request work of tracing (about ten spans, the trace context, the batch export) as large a
share of each request as it gets. Reported: requests/s and completion tokens/s per round, their
medians, and the median overhead ``1 - on/off`` (negative: noise in tracing's favour); plus
the spans the receiver decoded, to show the traced daemon really exported.

On a loaded machine the rounds' spread is far wider than tracing's cost, so the bench also
measures that cost directly (``span_cost``): the CPU time this process spends on
``--traces`` request traces made exactly as the daemon makes them (begin with a traceparent,
every stage, a local generation's three spans, the audit span, finish) and exported by the
real batch processor and OTLP/HTTP exporter to the receiver, all threads counted
(``time.process_time``), per request; set against a request's service time it bounds the
overhead from above, whatever the machine's load.

    .venv/bin/python -m bench.tracing [--rounds 6] [--requests 24] [--concurrency 4]
                                      [--max-tokens 16] [--traces 2000]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from appliance.client import NO_RETRY, Client  # noqa: E402
from appliance.config.schema import TelemetryConfig  # noqa: E402
from appliance.engine.default_model import ensure_default_model  # noqa: E402
from appliance.engine.types import Event, Finished, TextPiece  # noqa: E402
from appliance.observability.telemetry import open_tracing  # noqa: E402
from appliance.observability.tracing import Tracing  # noqa: E402
from appliance.request import GenerateParams, RequestInfo  # noqa: E402
from tests.daemon import Daemon, write_config  # noqa: E402
from tests.otlp_receiver import OtlpReceiver, Receiver  # noqa: E402

PROMPT = "Reply to {} about invoice {} in one sentence."


def start(work: Path, model: Path, telemetry: str | None) -> Daemon:
    extra = {"telemetry": telemetry} if telemetry else {}
    work.mkdir(parents=True)
    d = Daemon(work, write_config(work / "appliance.toml", model, "slots = 4", **extra))
    d.wait_for("ready", timeout=600)
    return d


def burst(address: str, requests: int, concurrency: int, max_tokens: int,
          offset: int) -> dict[str, float]:
    """``requests`` calls, ``concurrency`` at a time; requests/s and completion tokens/s."""
    tokens = [0] * requests
    failures: list[str] = []
    todo = iter(range(requests))
    lock = threading.Lock()

    def worker() -> None:
        with Client(address, retry=NO_RETRY, timeout=300) as client:
            while True:
                with lock:
                    i = next(todo, None)
                if i is None:
                    return
                n = offset + i
                try:
                    r = client.generate(PROMPT.format(f"ann{n}@example.com", n),
                                        max_tokens=max_tokens, temperature=0.0)
                    tokens[i] = r.usage.completion_tokens
                except Exception as exc:  # noqa: BLE001 - counted, the bench goes on
                    failures.append(type(exc).__name__)

    started = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    seconds = time.perf_counter() - started
    return {"seconds": round(seconds, 3), "requests_per_s": round(requests / seconds, 3),
            "tokens_per_s": round(sum(tokens) / seconds, 2), "failures": len(failures)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=6)
    ap.add_argument("--requests", type=int, default=24)
    ap.add_argument("--concurrency", type=int, default=4)
    ap.add_argument("--max-tokens", type=int, default=16)
    ap.add_argument("--traces", type=int, default=2000)
    ap.add_argument("--control", action="store_true",
                    help="an A/A run: neither daemon traces (what the rounds' noise is)")
    args = ap.parse_args()
    with OtlpReceiver() as receiver:
        cost = span_cost(receiver, args.traces, args.max_tokens)
    print(json.dumps({"span_cost": cost}), file=sys.stderr)
    with tempfile.TemporaryDirectory() as tmp, OtlpReceiver() as receiver:
        work = Path(tmp)
        model, _sha = ensure_default_model(work / "models")
        telemetry = None if args.control else f'otlp_endpoint = "{receiver.url}"'
        daemons = {"on": start(work / "on", model, telemetry),
                   "off": start(work / "off", model, None)}
        try:
            rounds = run(daemons, args, receiver)
        finally:
            for d in daemons.values():
                d.stop()
    on = [r["on"]["requests_per_s"] for r in rounds]
    off = [r["off"]["requests_per_s"] for r in rounds]
    overheads = [1 - a / b for a, b in zip(on, off, strict=True)]
    print(json.dumps({
        "bench": "tracing", "rounds": rounds, "settings": vars(args),
        "median_requests_per_s": {"on": statistics.median(on), "off": statistics.median(off)},
        "median_tokens_per_s": {
            "on": statistics.median(r["on"]["tokens_per_s"] for r in rounds),
            "off": statistics.median(r["off"]["tokens_per_s"] for r in rounds)},
        "overhead_median": round(statistics.median(overheads), 4),
        "overhead_per_round": [round(o, 4) for o in overheads],
        "span_cost": cost,
        # The CPU tracing adds per request times the requests per second served here: the
        # share of one core tracing took at this throughput.
        "tracing_share_of_one_core": round(
            cost["added_cpu_us_per_request"] / 1e6 * statistics.median(off), 6),
        "spans_received": len(receiver.spans),
        "export_bytes": len(receiver.raw()),
    }, indent=2))


def span_cost(receiver: Receiver, traces: int, max_tokens: int) -> dict[str, float]:
    """CPU time a request's trace adds, made as the daemon makes it and exported for real:
    the same calls with tracing on and off (the no-op trace), the difference per request.
    Traces come here far faster than from a daemon: the batch queue is made large enough
    that none is dropped (a dropped span would cost nothing and flatter the figure)."""
    os.environ["OTEL_BSP_MAX_QUEUE_SIZE"] = str(traces * 10)
    on = _cpu_per_request(open_tracing(TelemetryConfig(otlp_endpoint=receiver.url)), traces,
                          max_tokens)
    off = _cpu_per_request(open_tracing(TelemetryConfig()), traces, max_tokens)
    return {"traces": traces, "spans_exported": len(receiver.spans),
            "cpu_us_per_request_on": on, "cpu_us_per_request_off": off,
            "added_cpu_us_per_request": round(on - off, 1)}


def _cpu_per_request(tracing: Tracing, traces: int, max_tokens: int) -> float:
    params = GenerateParams(prompt="x", model="v3", max_tokens=max_tokens)
    parent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"

    async def engine() -> Any:
        for _ in range(max_tokens):
            yield TextPiece("tok")
        yield Finished("length", 22, max_tokens, queue_wait_s=0.001)

    async def one(n: int) -> None:
        trace = tracing.begin("Generate", [("traceparent", parent)])
        for stage in ("validate", "mask", "place"):
            trace.phase(stage)
        trace.requested(params)
        trace.phase(None)
        events: list[Event] = [e async for e in trace.generation(engine(), "v3")]
        with trace.stage("audit"):
            pass
        info = RequestInfo(request_id=f"r{n}", method="Generate", client="bench")
        info.tier, info.finish_reason, info.completion_tokens = "v3", "length", len(events) - 1
        trace.finish(info)

    async def all_of_them() -> None:
        for n in range(traces):
            await one(n)

    cpu = time.process_time()
    asyncio.run(all_of_them())
    tracing.close()  # the batch processor's last export, counted
    return round((time.process_time() - cpu) / traces * 1e6, 1)


def run(daemons: dict[str, Daemon], args: argparse.Namespace,
        receiver: Receiver) -> list[dict[str, Any]]:
    rounds = []
    # One untimed warm-up burst each (first requests load caches and the PII analyzer).
    for d in daemons.values():
        burst(str(d.address), args.concurrency, args.concurrency, args.max_tokens, 10_000)
    for k in range(args.rounds):
        order = ("on", "off") if k % 2 == 0 else ("off", "on")
        result: dict[str, Any] = {"order": list(order)}
        for name in order:
            result[name] = burst(str(daemons[name].address), args.requests,
                                 args.concurrency, args.max_tokens, k * args.requests)
        rounds.append(result)
        print(json.dumps({"round": k, **result}), file=sys.stderr)
    return rounds


if __name__ == "__main__":
    main()
