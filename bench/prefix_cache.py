"""Time to first token with the prefix cache, through the daemon, in one run. Prints JSON.

Two daemons on the same model, threads and slots, one with the cache off
(``prefix_cache_cells = 0``) and one with its default; both require tokens, and two identities
call them:

- a shared ~1,000-token system prompt, a different question each time: TTFT of the first
  request and the median of the next ``--reps`` (same identity), and of another identity's
  first request with the same system prompt (isolation: no reuse, so uncached speed);
- a 10-turn chat (each turn resends the whole history with the previous answers): TTFT at
  turns 1, 5 and 10.

    .venv/bin/python -m bench.prefix_cache [--reps 4]

The comparison with llama.cpp's own llama-server and its prompt cache is
bench/vs_llama_server.py.

``--phases``: where a shared-prefix request's time to first text goes, stage by stage. One
daemon (defaults, prefix cache on) traced to an OTLP receiver in this process; the raw prompts of
vs_llama_server's shared-prefix measurement (its ~1,000-token ``PREFIX`` as 60 lines, or with
``--paragraph`` as one paragraph, then a new question), 8-token answers; for each request after
the first, the client's time to the first text and the server's spans (validate, mask, place,
queue_wait, prefill: slot to first token, with the cached prompt tokens; the rest of the time
to the first text is the output scan holding back a word, and gRPC): medians, ms.

    .venv/bin/python -m bench.prefix_cache --phases [--reps 8] [--paragraph]

``--vs-llama-server``: only the shared-prefix measurement of ``bench.vs_llama_server
--only-short`` (the daemon as shipped against llama-server with ``cache_prompt``, same model,
threads and slots, connections held, the order rotated per repetition): per repetition the
median time to first text of ``PREFIX_QUESTIONS`` questions after one that cached the prefix;
the ratio daemon / llama-server per repetition, their median and its 95 % bootstrap interval.
Minutes instead of the whole short workload's tens; ``--paragraph`` as above.

    make llama-server && .venv/bin/python -m bench.prefix_cache --vs-llama-server [--reps 6]
"""

from __future__ import annotations

import argparse
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
from appliance.engine.default_model import ensure_default_model  # noqa: E402
from appliance.observability import logging as applog  # noqa: E402
from tests.daemon import Daemon, write_config  # noqa: E402

SYSTEM = " ".join(f"Policy {i}: the assistant answers support questions politely, quotes the "
                  f"relevant section, and never reveals account data." for i in range(55))


def ttft(client: Client, messages: list[dict[str, str]]) -> tuple[float, str]:
    started = time.perf_counter()
    first = None
    text = []
    for chunk in client.stream(messages=messages, model="v3", max_tokens=24,
                               temperature=0.0):
        if first is None and (chunk.text or chunk.finish_reason):
            first = time.perf_counter() - started
        text.append(chunk.text)
    if first is None:
        raise RuntimeError("the stream ended without a chunk")
    return first * 1000, "".join(text)


def measure(daemon: Daemon, tokens: dict[str, str], reps: int) -> dict[str, Any]:
    if daemon.address is None:
        raise RuntimeError("the daemon has no address")
    out: dict[str, Any] = {}
    with Client(daemon.address, timeout=300, retry=NO_RETRY,
                credentials=Credentials(token=tokens["a"])) as a, \
            Client(daemon.address, timeout=300, retry=NO_RETRY,
                   credentials=Credentials(token=tokens["b"])) as b:
        def ask(c: Client, q: str) -> float:
            return ttft(c, [{"role": "system", "content": SYSTEM},
                            {"role": "user", "content": q}])[0]

        out["shared_prefix_first_ms"] = round(ask(a, "How do I reset my password?"), 1)
        later = [ask(a, f"Question {i}: where is my invoice?") for i in range(reps)]
        out["shared_prefix_next_ms_p50"] = round(statistics.median(later), 1)
        out["other_identity_first_ms"] = round(ask(b, "How do I reset my password?"), 1)
        history: list[dict[str, str]] = [{"role": "system", "content": "You are brief."}]
        turns = {}
        for turn in range(1, 11):
            history.append({"role": "user", "content": f"Tell me fact number {turn} about "
                                                       f"the sea."})
            ms, answer = ttft(a, history)
            history.append({"role": "assistant", "content": answer})
            if turn in (1, 5, 10):
                turns[str(turn)] = round(ms, 1)
        out["chat_ttft_ms_by_turn"] = turns
    return out


def _daemon(work: Path, model: Path, cells: int | None) -> tuple[Daemon, dict[str, str]]:
    work.mkdir(parents=True)
    cfg = write_config(work / "appliance.toml", model, auth="required = true")
    if cells is not None:
        cfg.write_text(cfg.read_text().replace("slots = 8", f"slots = 8\nprefix_cache_cells = "
                                                            f"{cells}"))
    tokens = {}
    for name in ("a", "b"):
        p = subprocess.run([sys.executable, "-m", "appliance", "token", "create", "--config",
                            str(cfg), "--name", name, "--role", "client"],
                           capture_output=True, text=True, check=True)
        tokens[name] = p.stdout.strip()
    d = Daemon(work, cfg)
    d.wait_for("ready")
    return d, tokens


def phases(root: Path, model: Path, reps: int, paragraph: bool) -> dict[str, Any]:
    """Median stage times of shared-prefix requests after the first (see ``--phases``)."""
    from bench.vs_llama_server import PREFIX
    from tests.otlp_receiver import OtlpReceiver

    prefix = PREFIX.replace("\n", " ") if paragraph else PREFIX
    work = root / "phases"
    work.mkdir(parents=True)
    with OtlpReceiver() as receiver:
        cfg = write_config(work / "appliance.toml", model,
                           telemetry=f'otlp_endpoint = "{receiver.url}"')
        d = Daemon(work, cfg)
        try:
            d.wait_for("ready")
            ttfts = []
            begin = (0.0, 0.0)
            with Client(d.address or "", timeout=300, retry=NO_RETRY) as c:
                for i in range(reps + 1):
                    if i == 1:
                        begin = _begin_appends(d.metrics_url)
                    started, first = time.perf_counter(), None
                    question = "first" if i == 0 else f"number {i}"
                    for chunk in c.stream(f"{prefix}\nQuestion: {question}?", model="v3",
                                          max_tokens=8, temperature=0.0):
                        if first is None and chunk.text:
                            first = time.perf_counter() - started
                    ttfts.append((first or 0.0) * 1000)
            after = _begin_appends(d.metrics_url)
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                with receiver.lock:
                    roots = sorted((s for s in receiver.spans if s.kind == "SERVER"),
                                   key=lambda s: s.start_ns)
                if len(roots) >= reps + 1:
                    break
                time.sleep(0.2)
        finally:
            d.stop()
    stages: dict[str, list[float]] = {}
    for span in roots[1:reps + 1]:
        for s in receiver.trace(span.trace_id):
            stages.setdefault(s.name if s is not span else "server", []).append(
                (s.end_ns - s.start_ns) / 1e6)
            if s.name == "prefill":
                stages.setdefault("cached_tokens", []).append(
                    float(s.attributes.get("appliance.cached_tokens", 0)))
    return {"prefix_chars": len(prefix), "paragraph": paragraph, "reps": reps,
            "first_request_ttft_ms": round(ttfts[0], 1),
            "ttft_ms_p50": round(statistics.median(ttfts[1:]), 1),
            "stages_ms_p50": {k: round(statistics.median(v), 2) for k, v in stages.items()},
            "audit_begin_durable_ms_mean": round(
                1000 * (after[0] - begin[0]) / max(after[1] - begin[1], 1), 2)}


def vs_llama_server(root: Path, model: Path, reps: int, paragraph: bool) -> dict[str, Any]:
    """Shared-prefix time to first text, daemon and llama-server (see ``--vs-llama-server``)."""
    import functools
    import os

    from bench import vs_llama_server as vs

    binary = Path(os.environ.get("LLAMA_SERVER") or subprocess.run(
        [str(ROOT / "packaging/llama-server.sh")], check=True, capture_output=True,
        text=True).stdout.strip())
    prefix = vs.PREFIX.replace("\n", " ") if paragraph else vs.PREFIX
    home = root / "daemon"
    home.mkdir(parents=True)
    d = Daemon(home, write_config(home / "appliance.toml", model,
                                  models="slots = 8\nn_gpu_layers = 0"))
    server = None
    conns = []
    try:
        d.wait_for("ready")
        port = vs._port()
        server = vs._start_server(binary, model, port)
        sides = {"daemon": functools.partial(vs.daemon_connection, d.address or ""),
                 "llama_server": functools.partial(vs.server_connection,
                                                   f"http://127.0.0.1:{port}")}
        calls = {}
        for name, connect in sides.items():
            call, close = connect()
            conns.append(close)
            calls[name] = call
            call("Hello (warm-up)", 8)
        rows: dict[str, list[float]] = {name: [] for name in calls}
        order = list(calls)
        for rep in range(reps):
            for name in order[rep % 2:] + order[:rep % 2]:
                calls[name](f"{prefix}\nQuestion: first ({rep})?", 8)
                rows[name].append(statistics.median(
                    calls[name](f"{prefix}\nQuestion: number {q} ({rep})?", 8)[0]
                    for q in range(vs.PREFIX_QUESTIONS)))
    finally:
        for close in conns:
            close()
        if server is not None:
            server.terminate()
            server.wait(30)
        d.stop()
    ratios = [a / b for a, b in zip(rows["daemon"], rows["llama_server"], strict=True)]
    return {"shared_prefix_ttft_ms": {k: [round(v, 1) for v in vals] for k, vals in rows.items()},
            "daemon_vs_llama_server": round(statistics.median(ratios), 3),
            "daemon_vs_llama_server_ci95": vs.bootstrap_ci(ratios),
            "config": {"reps": reps, "paragraph": paragraph, "prefix_chars": len(prefix),
                       "questions": vs.PREFIX_QUESTIONS, "model": model.name}}


def _begin_appends(url: str) -> tuple[float, float]:
    """The daemon's begin records so far: seconds until durable (sum), and how many."""
    import httpx

    found = {"sum": 0.0, "count": 0.0}
    for line in httpx.get(url, timeout=10).text.splitlines():
        for kind in found:
            if line.startswith(f'appliance_audit_append_seconds_{kind}{{record="begin"}}'):
                found[kind] = float(line.rsplit(" ", 1)[1])
    return found["sum"], found["count"]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=4)
    ap.add_argument("--phases", action="store_true",
                    help="stage times of shared-prefix requests (one traced daemon)")
    ap.add_argument("--vs-llama-server", action="store_true",
                    help="shared-prefix TTFT against llama-server (vs_llama_server's protocol)")
    ap.add_argument("--paragraph", action="store_true",
                    help="with --phases or --vs-llama-server: the prefix as one paragraph, "
                         "not 60 lines")
    args = ap.parse_args(argv)
    applog.configure("console", "warning", stream=sys.stderr)
    root = Path(tempfile.mkdtemp(prefix="bench-prefix-"))
    model, _sha = ensure_default_model(root / "models")
    if args.phases:
        print(json.dumps(phases(root, model, args.reps, args.paragraph), indent=2))
        return 0
    if args.vs_llama_server:
        print(json.dumps(vs_llama_server(root, model, args.reps, args.paragraph), indent=2))
        return 0
    results = {}
    for name, cells in (("cache_off", 0), ("cache_on", None)):
        d, tokens = _daemon(root / name, model, cells)
        try:
            results[name] = measure(d, tokens, args.reps)
        finally:
            d.stop()
    on, off = results["cache_on"], results["cache_off"]
    results["ratios"] = {
        "shared_prefix_next_vs_uncached": round(on["shared_prefix_next_ms_p50"]
                                                / off["shared_prefix_next_ms_p50"], 3),
        "other_identity_vs_uncached": round(on["other_identity_first_ms"]
                                            / off["other_identity_first_ms"], 3),
        "chat_turn10_vs_turn1": round(on["chat_ttft_ms_by_turn"]["10"]
                                      / on["chat_ttft_ms_by_turn"]["1"], 3),
        "chat_turn10_vs_uncached_turn10": round(on["chat_ttft_ms_by_turn"]["10"]
                                                / off["chat_ttft_ms_by_turn"]["10"], 3)}
    results["config"] = {"model": model.name, "threads": 2, "slots": 8,
                         "system_prompt_chars": len(SYSTEM), "reps": args.reps}
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
