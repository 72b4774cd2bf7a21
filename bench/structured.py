"""Cost of grammar-constrained (JSON Schema) generation per token, against free text, in one
run on the same daemon. Prints JSON.

For 1 and 4 concurrent requests: the same chat prompt, temperature 0.8 with fixed seeds, once
free and once with a JSON Schema (``response_format`` json_schema). Reported: completion
tokens per second of wall time per request (median) and aggregate, and the ratio constrained /
free. Constrained answers also say how many parsed and validated (they must all).

    .venv/bin/python -m bench.structured [--reps 3] [--max-tokens 96]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import jsonschema  # noqa: E402

from appliance.client import Client  # noqa: E402
from appliance.engine.default_model import ensure_default_model  # noqa: E402
from appliance.observability import logging as applog  # noqa: E402
from tests.daemon import Daemon, write_config  # noqa: E402

SCHEMA = {
    "type": "object",
    "properties": {
        "name": {"type": "string", "maxLength": 32},
        "kind": {"type": "string", "enum": ["mammal", "bird", "fish", "reptile"]},
        "legs": {"type": "integer"},
        "facts": {"type": "array", "items": {"type": "string", "maxLength": 48},
                  "maxItems": 4},
    },
    "required": ["name", "kind", "legs", "facts"],
}
PROMPT = "Describe an animal you like, with a few facts about it."


def run(address: str, n: int, constrained: bool, seed: int, max_tokens: int) -> dict[str, Any]:
    out: list[Any] = [None] * n

    def one(i: int) -> None:
        kwargs: dict[str, Any] = {"messages": [("user", PROMPT)], "temperature": 0.8,
                                  "seed": seed + i, "max_tokens": max_tokens}
        if constrained:
            kwargs["json_schema"] = SCHEMA
        with Client(address, timeout=300) as c:
            start = time.perf_counter()
            r = c.generate(**kwargs)
            out[i] = (r, time.perf_counter() - start)

    start = time.perf_counter()
    threads = [threading.Thread(target=one, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - start
    tokens = sum(r.usage.completion_tokens for r, _ in out)
    valid = 0
    if constrained:
        for r, _ in out:
            try:
                jsonschema.validate(json.loads(r.text), SCHEMA)
                valid += 1
            except (ValueError, jsonschema.ValidationError):
                pass
    return {"tokens": tokens, "wall_s": wall,
            "per_request_tps": [r.usage.completion_tokens / s for r, s in out],
            "valid": valid}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--max-tokens", type=int, default=96)
    args = ap.parse_args(argv)
    applog.configure("console", "warning", stream=sys.stderr)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        model, _ = ensure_default_model(work / "models")
        config = write_config(work / "appliance.toml", model)
        config.write_text(config.read_text().replace('chat_template = "gemma"',
                                                     'chat_template = "transcript"'))
        daemon = Daemon(work, config)
        try:
            daemon.wait_for("ready")
            if daemon.address is None:
                raise RuntimeError("the daemon did not say where it listens")
            run(daemon.address, 1, True, 1, 16)  # warm up
            results: dict[str, Any] = {}
            for n in (1, 4):
                for constrained in (False, True):
                    reps = [run(daemon.address, n, constrained, 100 * r, args.max_tokens)
                            for r in range(args.reps)]
                    label = f"{n}_{'json_schema' if constrained else 'free'}"
                    results[label] = {
                        "aggregate_tps": round(statistics.median(
                            x["tokens"] / x["wall_s"] for x in reps), 1),
                        "per_request_tps_median": round(statistics.median(
                            t for x in reps for t in x["per_request_tps"]), 1),
                        "completion_tokens": sum(x["tokens"] for x in reps),
                    }
                    if constrained:
                        valid = sum(x["valid"] for x in reps)
                        results[label]["valid"] = f"{valid}/{n * args.reps}"
                results[f"{n}_ratio_constrained_vs_free"] = round(
                    results[f"{n}_json_schema"]["aggregate_tps"]
                    / results[f"{n}_free"]["aggregate_tps"], 3)
        finally:
            daemon.stop()
    print(json.dumps({"bench": "structured", "max_tokens": args.max_tokens,
                      "reps": args.reps, "results": results}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
