"""The daemon against llama.cpp's own llama-server, same GGUF, threads and slots, in one run.
Prints JSON with both sides and the ratios (daemon / llama-server).

llama-server is built by ``make llama-server`` from the llama.cpp sources the pinned
llama-cpp-python sdist vendors. Both serve raw prompts (llama-server ``/completion``, the
daemon's ``GenerateStream`` with ``prompt``), greedy, repetitions interleaved:

- aggregate decode tokens/s at 1, 2, 4 and 8 concurrent streams;
- uncached prefill: a ~1,000-token prompt that nothing shares (a unique first line), one token
  generated: prompt tokens / time to first token (llama-server with ``cache_prompt`` off);
  with ``--only-prefill`` also each engine's own figure (see :class:`EnginePrefill`);
- shared prefix: the same ~1,000-token prefix with a different question each time: time to
  first token of the requests after the first (llama-server with ``cache_prompt`` on, the
  daemon with its prefix cache);
- a 10-turn transcript chat, each turn resending the history: TTFT at turns 1, 5 and 10;
- the same two as chat *messages* (how OpenAI-style apps send them: the ~1,000-token prefix as
  the system message, the history as messages; llama-server's ``/v1/chat/completions`` with
  ``cache_prompt``, the daemon's ``GenerateStream`` with ``messages``), where the daemon's PII
  analysis cache applies per message; plus the daemon's own uncached TTFT for that request.

The daemon widens the file's Q5_0 weights to Q8_0 at load (``widen_q5_0 = "auto"``, the same
numbers in a layout llama.cpp's CPU kernels multiply faster); llama-server loads the file as
it is. ``--no-widen`` turns that off, to compare the same tensor types.

With ``--only-prefill`` the ratios of each repetition's pair also get a 95 % bootstrap
interval of their median: on a machine whose speed drifts by a few per cent, that says
whether a ratio near 1.0 is a difference at all.

    make llama-server && .venv/bin/python -m bench.vs_llama_server [--reps 2]
"""

from __future__ import annotations

import argparse
import json
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from appliance.client import NO_RETRY, Client  # noqa: E402
from appliance.engine.default_model import ensure_default_model  # noqa: E402
from appliance.observability import logging as applog  # noqa: E402
from tests.daemon import Daemon, write_config  # noqa: E402

SLOTS, N_CTX, THREADS = 8, 2048, 2
PREFIX = "\n".join(f"Policy {i}: support answers are polite, cite section {i}, and never "
                   f"reveal account data." for i in range(60))
STORIES = ["Tell a long story about a lighthouse keeper.", "Describe a journey across a desert.",
           "Write about a city under the sea.", "Explain how a clock works, at length.",
           "Tell the history of an old library.", "Describe a storm at sea in detail.",
           "Write a fable about a fox and a crow.", "Describe a market on a busy morning."]

Stream = Callable[[str, int, bool], tuple[float, int, int]]
#: (messages as (role, content), max_tokens) -> time to first token, ms
Chat = Callable[[list[tuple[str, str]], int], float]


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def daemon_stream(address: str) -> Stream:
    def run(prompt: str, n: int, _cache: bool) -> tuple[float, int, int]:
        with Client(address, timeout=600, retry=NO_RETRY) as c:
            started, first, usage = time.perf_counter(), None, (0, 0)
            for chunk in c.stream(prompt, model="v3", max_tokens=n, temperature=0.0):
                if first is None:
                    first = time.perf_counter() - started
                if chunk.finish_reason:
                    usage = (chunk.usage.prompt_tokens, chunk.usage.completion_tokens)
        return (first or 0.0) * 1000, *usage

    return run


class EnginePrefill:
    """Prompt tokens/s of each side's engine alone, for the last request: the daemon's
    ``appliance_prefill_tokens`` / ``appliance_prefill_seconds`` counters (admission to first
    logits: no gRPC, PII masking or audit), llama-server's ``timings.prompt_per_second``."""

    def __init__(self, metrics_url: str) -> None:
        self.metrics_url = metrics_url
        self.server_rate = 0.0

    def daemon_counters(self) -> tuple[float, float]:
        values = {}
        for line in httpx.get(self.metrics_url, timeout=30).text.splitlines():
            for name in ("appliance_prefill_tokens_total", "appliance_prefill_seconds_total"):
                if line.startswith(f'{name}{{tier="v3"}}'):
                    values[name] = float(line.rsplit(" ", 1)[1])
        return (values["appliance_prefill_tokens_total"],
                values["appliance_prefill_seconds_total"])


def server_stream(url: str, engine: EnginePrefill | None = None) -> Stream:
    def run(prompt: str, n: int, cache: bool) -> tuple[float, int, int]:
        body = {"prompt": prompt, "n_predict": n, "temperature": 0, "stream": True,
                "cache_prompt": cache}
        started, first, usage = time.perf_counter(), None, (0, 0)
        with httpx.stream("POST", f"{url}/completion", json=body, timeout=600) as r:
            for line in r.iter_lines():
                if not line.startswith("data: "):
                    continue
                if first is None:
                    first = time.perf_counter() - started
                doc = json.loads(line[6:])
                if doc.get("stop"):
                    t = doc.get("timings", {})
                    usage = (int(t.get("prompt_n", 0)) + int(t.get("cache_n", 0)),
                             int(doc.get("tokens_predicted", 0)))
                    if engine is not None:
                        engine.server_rate = float(t.get("prompt_per_second", 0.0))
        return (first or 0.0) * 1000, *usage

    return run


def daemon_chat(address: str) -> Chat:
    def run(messages: list[tuple[str, str]], n: int) -> float:
        with Client(address, timeout=600, retry=NO_RETRY) as c:
            started = time.perf_counter()
            for _chunk in c.stream(messages=messages, model="v3", max_tokens=n,
                                   temperature=0.0):
                return (time.perf_counter() - started) * 1000
        return 0.0

    return run


def server_chat(url: str) -> Chat:
    def run(messages: list[tuple[str, str]], n: int) -> float:
        body = {"messages": [{"role": r, "content": c} for r, c in messages], "max_tokens": n,
                "temperature": 0, "stream": True, "cache_prompt": True}
        started = time.perf_counter()
        with httpx.stream("POST", f"{url}/v1/chat/completions", json=body, timeout=600) as r:
            for line in r.iter_lines():
                if line.startswith("data: "):
                    return (time.perf_counter() - started) * 1000
        return 0.0

    return run


def measure_messages(chat_stream: Chat, rep: int) -> dict[str, Any]:
    row: dict[str, Any] = {}
    row["messages_uncached_ttft_ms"] = chat_stream(
        [("system", f"Ticket {rep}-{time.time()}\n{PREFIX}"), ("user", "hi?")], 1)
    chat_stream([("system", PREFIX), ("user", f"first ({rep})?")], 1)
    row["messages_shared_system_ttft_ms"] = statistics.median(
        chat_stream([("system", PREFIX), ("user", f"Question number {q} ({rep})?")], 1)
        for q in range(3))
    history: list[tuple[str, str]] = [("system", f"You are brief. ({rep}) {PREFIX[:600]}")]
    turns = {}
    for turn in range(1, 11):
        history.append(("user", f"Tell me fact number {turn} about the sea."))
        ttft = chat_stream(history, 8)
        history.append(("assistant", f"Fact {turn}: the sea is deep and wide in places."))
        if turn in (1, 5, 10):
            turns[str(turn)] = ttft
    row["messages_chat_ttft_ms"] = turns
    return row


def aggregate(stream: Stream, n_streams: int, max_tokens: int, tag: str) -> float:
    tokens: list[int] = []
    lock = threading.Lock()

    def one(i: int) -> None:
        _ttft, _p, c = stream(f"{STORIES[i]} ({tag})", max_tokens, False)
        with lock:
            tokens.append(c)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(n_streams)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(tokens) / (time.perf_counter() - started)


def chat(stream: Stream, tag: str) -> dict[str, float]:
    history = f"System: You are brief. ({tag})\n"
    out = {}
    for turn in range(1, 11):
        history += f"User: Tell me fact number {turn} about the sea.\nAssistant:"
        ttft, _p, _c = stream(history, 24, True)
        history += " A fact.\n"  # the same history on both sides, whatever they answered
        if turn in (1, 5, 10):
            out[str(turn)] = ttft
    return out


def measure_prefill(stream: Stream, rep: int, engine: EnginePrefill,
                    side: str) -> dict[str, Any]:
    """Uncached prefill alone: a ~1,000-token prompt nothing shares, one token out; end to
    end (prompt tokens / time to first token) and the engine's own figure."""
    before = engine.daemon_counters() if side == "daemon" else (0.0, 0.0)
    ttft, prompt_n, _ = stream(f"Ticket {rep}-{time.time()}\n{PREFIX}\nQuestion: hi?", 1, False)
    if side == "daemon":
        after = engine.daemon_counters()
        rate = (after[0] - before[0]) / (after[1] - before[1])
    else:
        rate = engine.server_rate
    return {"prefill_tokens_per_s": prompt_n / (ttft / 1000),
            "engine_prefill_tokens_per_s": rate}


def measure(stream: Stream, rep: int, max_tokens: int) -> dict[str, Any]:
    row: dict[str, Any] = {}
    for n in (1, 2, 4, 8):
        row[f"aggregate_{n}"] = aggregate(stream, n, max_tokens, f"r{rep}")
    ttft, prompt_n, _ = stream(f"Ticket {rep}-{time.time()}\n{PREFIX}\nQuestion: hi?", 1, False)
    row["prefill_tokens_per_s"] = prompt_n / (ttft / 1000)
    stream(f"{PREFIX}\nQuestion: first ({rep})?", 1, True)
    row["shared_prefix_ttft_ms"] = statistics.median(
        stream(f"{PREFIX}\nQuestion: number {q} ({rep})?", 1, True)[0] for q in range(3))
    row["chat_ttft_ms"] = chat(stream, f"r{rep}")
    return row


def bootstrap_ci(values: list[float], resamples: int = 4000) -> list[float]:
    """95 % percentile-bootstrap interval of the median of ``values`` (fixed seed: the same
    values give the same interval)."""
    rng = random.Random(0)
    medians = sorted(statistics.median(rng.choices(values, k=len(values)))
                     for _ in range(resamples))
    return [round(medians[int(0.025 * resamples)], 3),
            round(medians[int(0.975 * resamples) - 1], 3)]


def _start_server(binary: Path, model: Path, port: int) -> subprocess.Popen[bytes]:
    return start_llama_server(binary, model, port, [
        "-np", str(SLOTS), "-c", str(SLOTS * N_CTX), "-t", str(THREADS), "-tb", str(THREADS)])


def start_llama_server(binary: Path, model: Path, port: int,
                       args: list[str]) -> subprocess.Popen[bytes]:
    """llama-server on ``model`` at 127.0.0.1:``port`` with ``args``, once /health answers."""
    proc = subprocess.Popen(
        [str(binary), "-m", str(model), "--host", "127.0.0.1", "--port", str(port), *args,
         "--no-webui"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    proc.kill()
    raise RuntimeError("llama-server did not become healthy")


def _args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=2)
    ap.add_argument("--max-tokens", type=int, default=64)
    ap.add_argument("--only-messages", action="store_true",
                    help="only the chat-message measurements (minutes instead of tens)")
    ap.add_argument("--only-prefill", action="store_true",
                    help="only the uncached prefill measurement (use --reps 5 or so)")
    ap.add_argument("--no-prefix-cache", action="store_true",
                    help="the daemon without its KV prefix cache (sliding-window layers then "
                         "keep only their window, as llama-server's do)")
    ap.add_argument("--no-widen", action="store_true",
                    help="the daemon with widen_q5_0 = \"off\" (its Q5_0 weights as the file "
                         "has them, as llama-server loads them)")
    ap.add_argument("--analysis-cache", type=int, default=None, metavar="ENTRIES",
                    help="the daemon's pii.analysis_cache_entries (0: off; default: its own)")
    return ap.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = _args(argv)
    applog.configure("console", "warning", stream=sys.stderr)
    binary = Path(subprocess.run([str(ROOT / "packaging/llama-server.sh")], check=True,
                                 capture_output=True, text=True).stdout.strip())
    work = Path(tempfile.mkdtemp(prefix="bench-vs-llama-server-"))
    model, _sha = ensure_default_model(work / "models")
    pii = {} if args.analysis_cache is None else {
        "pii": f"analysis_cache_entries = {args.analysis_cache}"}
    models = "slots = 8" + ("\nprefix_cache_cells = 0" if args.no_prefix_cache else "") + (
        '\nwiden_q5_0 = "off"' if args.no_widen else "")
    daemon = Daemon(work, write_config(work / "appliance.toml", model, models=models, **pii))
    daemon.wait_for("ready")
    port = _port()
    server = _start_server(binary, model, port)
    engine = EnginePrefill(daemon.metrics_url)
    sides: dict[str, Stream] = {"daemon": daemon_stream(daemon.address or ""),
                                "llama_server": server_stream(f"http://127.0.0.1:{port}",
                                                              engine)}
    chats: dict[str, Chat] = {"daemon": daemon_chat(daemon.address or ""),
                              "llama_server": server_chat(f"http://127.0.0.1:{port}")}
    rows: dict[str, list[dict[str, Any]]] = {name: [] for name in sides}
    try:
        for side in sides.values():  # warm-up
            side("Hello", 4, False)
        for rep in range(args.reps):
            for name in (list(sides) if rep % 2 == 0 else list(reversed(sides))):
                if args.only_prefill:
                    rows[name].append(measure_prefill(sides[name], rep, engine, name))
                    continue
                row = {} if args.only_messages else measure(sides[name], rep, args.max_tokens)
                rows[name].append({**row, **measure_messages(chats[name], rep)})
    finally:
        server.terminate()
        server.wait(30)
        daemon.stop()

    def med(name: str, key: str, sub: str | None = None) -> float:
        values = [r[key][sub] if sub else r[key] for r in rows[name]]
        return round(statistics.median(values), 1)

    out: dict[str, Any] = {}
    if args.only_prefill:
        keys = ("prefill_tokens_per_s", "engine_prefill_tokens_per_s")
        for name in sides:
            out[name] = {k: med(name, k) for k in keys}
        out["daemon_vs_llama_server"] = {
            k: round(out["daemon"][k] / out["llama_server"][k], 3) for k in keys}
        # This machine's speed drifts by more than the difference measured: the ratio of each
        # repetition's two measurements, taken one after the other, is steadier.
        paired = {k: [d[k] / s[k] for d, s in zip(rows["daemon"], rows["llama_server"],
                                                   strict=True)] for k in keys}
        out["daemon_vs_llama_server_paired_median"] = {
            k: round(statistics.median(v), 3) for k, v in paired.items()}
        # How far that median could move with other repetitions of the same run: an interval
        # that holds 1.0 says parity, not faster or slower.
        out["daemon_vs_llama_server_paired_median_ci95"] = {
            k: bootstrap_ci(v) for k, v in paired.items()}
        out["config"] = {"reps": args.reps, "prefix_cache": not args.no_prefix_cache,
                         "widen_q5_0": "off" if args.no_widen else "auto"}
        print(json.dumps(out, indent=2))
        return 0
    keys = [] if args.only_messages else [
        *(f"aggregate_{n}" for n in (1, 2, 4, 8)), "prefill_tokens_per_s",
        "shared_prefix_ttft_ms"]
    keys += ["messages_uncached_ttft_ms", "messages_shared_system_ttft_ms"]
    chats = ["messages_chat_ttft_ms"] + ([] if args.only_messages else ["chat_ttft_ms"])
    for name in sides:
        out[name] = {k: med(name, k) for k in keys}
        for c in chats:
            out[name][c] = {t: med(name, c, t) for t in ("1", "5", "10")}
    d, s = out["daemon"], out["llama_server"]
    out["daemon_vs_llama_server"] = {
        **{k: round(d[k] / s[k], 3) for k in keys},
        **{f"{c.removesuffix('_ttft_ms')}_turn_{t}": round(d[c][t] / s[c][t], 3)
           for c in chats for t in ("1", "5", "10")}}
    out["daemon_targets"] = {
        "messages_shared_vs_own_uncached": round(
            d["messages_shared_system_ttft_ms"] / d["messages_uncached_ttft_ms"], 3),
        "messages_chat_turn_10_vs_turn_1": round(
            d["messages_chat_ttft_ms"]["10"] / d["messages_chat_ttft_ms"]["1"], 3)}
    out["config"] = {"model": model.name, "slots": SLOTS, "n_ctx_per_slot": N_CTX,
                     "threads": THREADS, "reps": args.reps, "max_tokens": args.max_tokens,
                     "widen_q5_0": "off" if args.no_widen else "auto",
                     "llama_server": str(binary)}
    print(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
