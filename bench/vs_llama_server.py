"""The daemon against llama.cpp's own llama-server, same GGUF, threads and slots, in one run.
Prints JSON with both sides and the ratios (daemon / llama-server).

llama-server is built by ``make llama-server`` from the llama.cpp sources the pinned
llama-cpp-python sdist vendors, with the wheel's portable x86-64-v3 flags, and runs with
``-np 8 -c 16384 -t 2 -tb 2`` (8 slots of 2,048 cells, as the daemon's ``slots = 8``,
``n_ctx = 2048``, ``n_threads = 2``). Both serve raw prompts (llama-server ``/completion``, the
daemon's ``GenerateStream`` with ``prompt``: gRPC, PII masking, audit), greedy.

``--only-short`` (issue 36; about 10 minutes at the default 3 repetitions on 2 cores): the
short-answer workload, with every cell measured on every side one after the other (the
order rotated per cell and repetition), each side's connections opened beforehand and kept
(one gRPC channel, one HTTP keep-alive connection per stream, as applications hold them):

- aggregate completion tokens/s of k one-line prompts sent at once, answers of 16, 64 and
  256 tokens at k = 1, 2, 4, 8 streams: from their release to the last one's end;
- shared prefix: time to the first text of a question after the same ~1,000-token prefix
  (after one request that cached it), 8-token answers (llama-server ``cache_prompt`` on),
  the questions asked back to back on one connection: ``shared_prefix_ttft_ms`` with a
  question of a few tokens (what each side spends around the model weighs most: masking,
  tokenizing, placing), ``shared_prefix_long_ttft_ms`` with a customer's message of about
  60 tokens (the prefill of the new text weighs more);
- resident memory (RSS, now and peak) of each side's processes after the run, and the CPU
  time each side's process used per completion token (all its threads; on a machine shared
  with other work, where both sides' clocks slow, it moves less than tokens/s);
- four sides: the daemon as shipped (``daemon``: ``widen_q5_0 = "off"``, the file's own
  tensor types), the daemon with its Q5_0 weights widened to Q8_0 at load
  (``daemon_widened``, ``widen_q5_0 = "on"``), llama-server on the file as given
  (``llama_server``) and on the widened file (``llama_server_widened``); ratios
  ``daemon_vs_llama_server`` (the issue's targets, and the engine's share: the same tensor
  types on both sides), ``daemon_widened_vs_llama_server``,
  ``daemon_widened_vs_llama_server_widened`` (the engine's share on the widened file),
  ``llama_server_widened_vs_llama_server`` (the file format's share). Each ratio is the
  median of the repetitions' paired ratios with a 95 % bootstrap interval: an interval that
  holds 1.0 is parity, not a difference.

How this differs from the old default run (and from the independent side-by-side of issue
36, which found 0.80-0.97 where this bench had said 1.01-1.64): the old ``aggregate_N`` had
64-token answers only (``--max-tokens``); it opened a new gRPC channel per request (and
llama-server a new HTTP connection) inside the timed window; it ran all of one side's
measurements, then all of the other's, 2 repetitions, with no interval on the decode ratios;
llama-server ran with ``cache_prompt`` off while the daemon kept its prefix cache on; and its
prompts repeated across stream counts within a repetition (the response cache of issue 34
would now answer those from memory). The shared-prefix TTFT used 1-token answers: where the
output scan holds that token's word back, the daemon's first text comes in its last chunk,
after the end audit record is durable; here answers are 8 tokens, timed to the first text. The
shared prefix is 60 short lines: the PII analysis cache (privacy/span_cache.py) reuses the
analysis of every block of it but the last, cut at line breaks; a prefix of prose with no line
break (a document or system prompt pasted as one paragraph) is analysed whole on every
request, 3-4x the masking time. Same in both: the build flags (packaging/llama-server.sh uses the
wheel's), ``-np 8 -c 16384``, 2 threads, 1/2/4/8 streams, widening on the daemon's side only.

The older workloads run without ``--only-short`` (tens of minutes):

- aggregate decode tokens/s at 1, 2, 4 and 8 concurrent streams (``--max-tokens`` answers);
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

The daemon loads the file's tensor types as llama-server does (``widen_q5_0 = "off"``, the
default since the short workload showed widening slows decode at 2-8 streams). ``--widen``
gives the daemon its Q5_0 weights widened to Q8_0 (``"on"``: the same numbers in a layout
llama.cpp's CPU kernels multiply faster in prefill). ``--no-widen`` is the default, kept for
old command lines.

With ``--only-prefill`` the ratios of each repetition's pair also get a 95 % bootstrap
interval of their median: on a machine whose speed drifts by a few per cent, that says
whether a ratio near 1.0 is a difference at all.

    make llama-server && .venv/bin/python -m bench.vs_llama_server --only-short [--reps 3]
    make llama-server && .venv/bin/python -m bench.vs_llama_server [--reps 2]

``bench/gpu.sh`` runs ``--only-short`` with every layer on an NVIDIA GPU (``--n-gpu-layers``;
``LLAMA_SERVER`` names a llama-server built elsewhere).
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from appliance.client import NO_RETRY, Client  # noqa: E402
from appliance.engine.default_model import ensure_default_model  # noqa: E402
from appliance.engine.widen import widen  # noqa: E402
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
        # a prompt of its own per cell: the daemon's response cache must not answer it
        row[f"aggregate_{n}"] = aggregate(stream, n, max_tokens, f"r{rep}k{n}")
    ttft, prompt_n, _ = stream(f"Ticket {rep}-{time.time()}\n{PREFIX}\nQuestion: hi?", 1, False)
    row["prefill_tokens_per_s"] = prompt_n / (ttft / 1000)
    stream(f"{PREFIX}\nQuestion: first ({rep})?", 1, True)
    row["shared_prefix_ttft_ms"] = statistics.median(
        stream(f"{PREFIX}\nQuestion: number {q} ({rep})?", 1, True)[0] for q in range(3))
    row["chat_ttft_ms"] = chat(stream, f"r{rep}")
    return row


#: The short-answer workload (issue 36): answer lengths and concurrent streams.
SHORT_TOKENS = (16, 64, 256)
SHORT_STREAMS = (1, 2, 4, 8)
#: Shared-prefix questions timed per repetition (after one request that caches the prefix).
PREFIX_QUESTIONS = 3
#: The new text after the shared prefix: a few tokens (the first token then costs little
#: beyond what each side spends around the model: masking, tokenizing, placing), and a
#: customer's message of about 60 tokens (its prefill weighs more; masking reads more).
SHORT_QUESTION = "Question: number {q} ({rep})?"
LONG_QUESTION = ("Question {q} ({rep}): a customer writes that the invoice for their last "
                 "order arrived twice this month, that the second copy shows a different "
                 "total and a later due date, and asks which of the two to pay and whether "
                 "the duplicate will be cancelled before it falls due.")

#: One persistent connection of a side: (prompt, max_tokens) -> (ms to the first text,
#: completion tokens).
Call = Callable[[str, int], tuple[float, int]]


@dataclass
class Side:
    """One server of the short-answer workload: how to open a connection, and its process
    (for RSS)."""

    name: str
    pid: int
    connect: Callable[[], tuple[Call, Callable[[], None]]]


def daemon_connection(address: str) -> tuple[Call, Callable[[], None]]:
    """A gRPC channel kept open across requests, as an application holds one."""
    client = Client(address, timeout=600, retry=NO_RETRY)

    def call(prompt: str, n: int) -> tuple[float, int]:
        started, first, tokens = time.perf_counter(), None, 0
        for chunk in client.stream(prompt, model="v3", max_tokens=n, temperature=0.0):
            if first is None and chunk.text:
                first = time.perf_counter() - started
            if chunk.finish_reason:
                tokens = chunk.usage.completion_tokens
        return (first or 0.0) * 1000, tokens

    return call, client.close


def server_connection(url: str) -> tuple[Call, Callable[[], None]]:
    """An HTTP keep-alive connection to llama-server's ``/completion``, ``cache_prompt`` on
    (its default)."""
    client = httpx.Client(base_url=url, timeout=600)

    def call(prompt: str, n: int) -> tuple[float, int]:
        body = {"prompt": prompt, "n_predict": n, "temperature": 0, "stream": True,
                "cache_prompt": True}
        started, first, tokens = time.perf_counter(), None, 0
        for attempt in (1, 2):
            try:
                with client.stream("POST", "/completion", json=body) as r:
                    for line in r.iter_lines():
                        if not line.startswith("data: "):
                            continue
                        doc = json.loads(line[6:])
                        if first is None and doc.get("content"):
                            first = time.perf_counter() - started
                        if doc.get("stop"):
                            tokens = int(doc.get("tokens_predicted", 0))
                break
            except httpx.RemoteProtocolError:
                # llama-server (cpp-httplib) closes a keep-alive connection after a few
                # requests or seconds idle; a request that met the close got no answer and
                # goes again on a new connection, as an HTTP client library would send it.
                if attempt == 2 or first is not None:
                    raise
        return (first or 0.0) * 1000, tokens

    return call, client.close


def concurrent(calls: list[Call], prompts: list[str], n: int) -> tuple[int, float]:
    """Completion tokens of ``prompts`` sent at once, one per connection, and the seconds from
    the moment all are released to the last one's end."""
    tokens = [0] * len(prompts)
    errors: list[BaseException] = []
    gate = threading.Barrier(len(prompts) + 1)

    def one(i: int) -> None:
        gate.wait()
        try:
            tokens[i] = calls[i](prompts[i], n)[1]
        except BaseException as exc:  # noqa: BLE001 - re-raised by the measuring thread
            errors.append(exc)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(len(prompts))]
    for t in threads:
        t.start()
    gate.wait()
    started = time.perf_counter()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    if errors:
        raise errors[0]
    return sum(tokens), elapsed


def cpu_seconds(pid: int) -> float:
    """User and system CPU time ``pid`` has used (all its threads)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mib(pid: int) -> dict[str, float]:
    """Resident memory of ``pid`` and its descendants, now and at its peak (VmHWM), MiB."""
    pids, total, peak = [pid], 0, 0
    while pids:
        p = pids.pop()
        try:
            fields = dict(line.split(":", 1) for line in
                          Path(f"/proc/{p}/status").read_text().splitlines() if ":" in line)
            for task in Path(f"/proc/{p}/task").iterdir():
                pids += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
        total += int(fields["VmRSS"].split()[0])
        peak += int(fields["VmHWM"].split()[0])
    return {"rss_mib": round(total / 1024, 1), "peak_rss_mib": round(peak / 1024, 1)}


def measure_short(sides: list[Side], reps: int) -> dict[str, Any]:
    """Every (answer length, streams) cell and the shared-prefix TTFT, each measured on every
    side one after the other, the order rotated per cell and repetition."""
    conns = {side.name: [side.connect() for _ in range(max(SHORT_STREAMS))] for side in sides}
    rows: dict[str, dict[str, list[float]]] = {side.name: {} for side in sides}
    #: per side and answer length: CPU seconds its process used, completion tokens
    cpu: dict[str, dict[int, list[float]]] = {side.name: {n: [0.0, 0.0] for n in SHORT_TOKENS}
                                              for side in sides}
    turn = 0
    try:
        for side in sides:  # warm-up: every connection, and the model's first batches
            calls = [call for call, _close in conns[side.name]]
            concurrent(calls, [f"{s} (warm-up)" for s in STORIES[:len(calls)]], 8)
        for rep in range(reps):
            cells = [(n, k) for n in SHORT_TOKENS for k in SHORT_STREAMS]
            for n, k in cells:
                prompts = [f"{STORIES[i]} (r{rep} n{n} k{k})" for i in range(k)]
                turn += 1
                for side in sides[turn % len(sides):] + sides[:turn % len(sides)]:
                    calls = [call for call, _close in conns[side.name][:k]]
                    used = cpu_seconds(side.pid)
                    tokens, elapsed = concurrent(calls, prompts, n)
                    cpu[side.name][n][0] += cpu_seconds(side.pid) - used
                    cpu[side.name][n][1] += tokens
                    rows[side.name].setdefault(f"{n}:{k}", []).append(tokens / elapsed)
            for cell, question in (("shared_prefix_ttft_ms", SHORT_QUESTION),
                                   ("shared_prefix_long_ttft_ms", LONG_QUESTION)):
                turn += 1
                for side in sides[turn % len(sides):] + sides[:turn % len(sides)]:
                    call = conns[side.name][0][0]
                    call(f"{PREFIX}\nQuestion: first ({rep})?", 8)
                    rows[side.name].setdefault(cell, []).append(statistics.median(
                        call(f"{PREFIX}\n{question.format(q=q, rep=rep)}", 8)[0]
                        for q in range(PREFIX_QUESTIONS)))
    finally:
        for side in sides:
            for _call, close in conns[side.name]:
                close()
    return {"rows": rows, "memory": {side.name: rss_mib(side.pid) for side in sides},
            "cpu_ms_per_token": {side: {f"tokens_{n}": round(1000 * c / max(t, 1), 2)
                                        for n, (c, t) in per.items()}
                                 for side, per in cpu.items()}}


#: Ratios the short workload reports: (name, numerator side, denominator side).
SHORT_RATIOS = (
    # the targets: the daemon as shipped against llama-server on the file as given
    ("daemon_vs_llama_server", "daemon", "llama_server"),
    # widening on the daemon's side, against the file as given and against a widened file
    ("daemon_widened_vs_llama_server", "daemon_widened", "llama_server"),
    ("daemon_widened_vs_llama_server_widened", "daemon_widened", "llama_server_widened"),
    # the file format's share: llama-server on the widened file against the file as given
    ("llama_server_widened_vs_llama_server", "llama_server_widened", "llama_server"),
)


def short_report(measured: dict[str, Any], reps: int) -> dict[str, Any]:
    """Median tokens/s (and TTFT) per side and cell; per ratio the median of the paired
    repetitions' ratios with its 95 % bootstrap interval (TTFT: lower is better, the ratio is
    still numerator / denominator)."""
    rows: dict[str, dict[str, list[float]]] = measured["rows"]

    def nested(values: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for cell, value in values.items():
            if ":" in cell:
                n, k = cell.split(":")
                out.setdefault(f"tokens_{n}", {})[f"streams_{k}"] = value
            else:
                out[cell] = value
        return out

    out: dict[str, Any] = {"tokens_per_s": {
        side: nested({c: round(statistics.median(v), 1) for c, v in cells.items()})
        for side, cells in rows.items()}}
    for name, a, b in SHORT_RATIOS:
        if a not in rows or b not in rows:
            continue
        ratios = {}
        for cell, values in rows[a].items():
            paired = [x / y for x, y in zip(values, rows[b][cell], strict=True)]
            ratios[cell] = {"median": round(statistics.median(paired), 3),
                            "ci95": bootstrap_ci(paired)}
        out[name] = nested(ratios)
    # CPU time per token, all threads (a machine shared with other work slows both sides'
    # clocks; their CPU time per token moves less)
    out["cpu_ms_per_token"] = measured["cpu_ms_per_token"]
    memory = measured["memory"]
    out["memory"] = memory
    if "daemon" in memory and "llama_server" in memory:
        out["memory"]["daemon_vs_llama_server_rss"] = round(
            memory["daemon"]["rss_mib"] / memory["llama_server"]["rss_mib"], 3)
    out["config"] = {"reps": reps, "answer_tokens": SHORT_TOKENS, "streams": SHORT_STREAMS,
                     "slots": SLOTS, "n_ctx_per_slot": N_CTX, "threads": THREADS,
                     "sides": list(rows)}
    return out


def widened_copy(model: Path, work: Path) -> Path:
    """The model with its Q5_0 tensors widened to Q8_0 (what the daemon loads), on disk for
    llama-server."""
    out = work / f"{model.stem}.widened-q8_0.gguf"
    wide = widen(model)
    try:
        shutil.copyfile(wide.path, out)
    finally:
        wide.close()
    return out


def run_short(args: argparse.Namespace, binary: Path, model: Path, work: Path) -> int:
    """The short-answer workload on every side asked for (``--short-sides``)."""
    names = args.short_sides.split(",")
    unknown = set(names) - {"daemon", "daemon_widened", "llama_server", "llama_server_widened"}
    if unknown:
        raise SystemExit(f"--short-sides: unknown {sorted(unknown)}")
    daemons: list[Daemon] = []
    servers: list[subprocess.Popen[bytes]] = []
    sides: list[Side] = []
    try:
        for name in names:
            if name.startswith("daemon"):
                home = work / name
                home.mkdir()
                models = "slots = 8" + ('\nwiden_q5_0 = "on"' if name.endswith("widened")
                                        else "") + f"\nn_gpu_layers = {args.n_gpu_layers}"
                d = Daemon(home, write_config(home / "appliance.toml", model, models=models))
                daemons.append(d)
                d.wait_for("ready")
                address = d.address or ""
                sides.append(Side(name, d.proc.pid, functools.partial(daemon_connection,
                                                                      address)))
            else:
                gguf = widened_copy(model, work) if name.endswith("widened") else model
                port = _port()
                server = _start_server(binary, gguf, port, args.n_gpu_layers)
                servers.append(server)
                url = f"http://127.0.0.1:{port}"
                sides.append(Side(name, server.pid, functools.partial(server_connection, url)))
        measured = measure_short(sides, args.reps)
    finally:
        for server in servers:
            server.terminate()
            server.wait(30)
        for d in daemons:
            d.stop()
        shutil.rmtree(work, ignore_errors=True)
    out = short_report(measured, args.reps)
    out["config"].update({"model": model.name, "llama_server": str(binary),
                          "machine_cpus": os.cpu_count(), "n_gpu_layers": args.n_gpu_layers})
    print(json.dumps(out, indent=2))
    return 0


def bootstrap_ci(values: list[float], resamples: int = 4000) -> list[float]:
    """95 % percentile-bootstrap interval of the median of ``values`` (fixed seed: the same
    values give the same interval)."""
    rng = random.Random(0)
    medians = sorted(statistics.median(rng.choices(values, k=len(values)))
                     for _ in range(resamples))
    return [round(medians[int(0.025 * resamples)], 3),
            round(medians[int(0.975 * resamples) - 1], 3)]


def _start_server(binary: Path, model: Path, port: int,
                  n_gpu_layers: int = 0) -> subprocess.Popen[bytes]:
    return start_llama_server(binary, model, port, [
        "-np", str(SLOTS), "-c", str(SLOTS * N_CTX), "-t", str(THREADS), "-tb", str(THREADS),
        "-ngl", str(999 if n_gpu_layers < 0 else n_gpu_layers)])


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
    ap.add_argument("--reps", type=int, default=None,
                    help="repetitions (default: 3 with --only-short, else 2)")
    ap.add_argument("--max-tokens", type=int, default=64)
    ap.add_argument("--only-messages", action="store_true",
                    help="only the chat-message measurements (minutes instead of tens)")
    ap.add_argument("--only-short", action="store_true",
                    help="only the short-answer workload of issue 36: 16/64/256-token answers "
                         "at 1/2/4/8 streams, shared-prefix TTFT, RSS")
    ap.add_argument("--short-sides", default="daemon,daemon_widened,llama_server,"
                    "llama_server_widened", help="with --only-short: the sides to run "
                    "(comma-separated; default all four)")
    ap.add_argument("--n-gpu-layers", type=int, default=0, metavar="N",
                    help="with --only-short: layers offloaded on both sides (-1: all; "
                         "bench/gpu.sh)")
    ap.add_argument("--only-prefill", action="store_true",
                    help="only the uncached prefill measurement (use --reps 5 or so)")
    ap.add_argument("--no-prefix-cache", action="store_true",
                    help="the daemon without its KV prefix cache (sliding-window layers then "
                         "keep only their window, as llama-server's do)")
    ap.add_argument("--no-widen", action="store_true",
                    help="the daemon with widen_q5_0 = \"off\" (the default: its Q5_0 weights "
                         "as the file has them, as llama-server loads them)")
    ap.add_argument("--widen", action="store_true",
                    help="the daemon with widen_q5_0 = \"on\" (Q5_0 weights as Q8_0)")
    ap.add_argument("--analysis-cache", type=int, default=None, metavar="ENTRIES",
                    help="the daemon's pii.analysis_cache_entries (0: off; default: its own)")
    args = ap.parse_args(argv)
    if args.reps is None:
        args.reps = 3 if args.only_short else 2
    return args


def _inputs() -> tuple[Path, Path, Path]:
    """llama-server (built if need be), a scratch directory, the default model in it."""
    given = os.environ.get("LLAMA_SERVER")  # a llama-server built elsewhere (bench/gpu.sh)
    binary = Path(given) if given else Path(subprocess.run(
        [str(ROOT / "packaging/llama-server.sh")], check=True, capture_output=True,
        text=True).stdout.strip())
    work = Path(tempfile.mkdtemp(prefix="bench-vs-llama-server-"))
    model, _sha = ensure_default_model(work / "models")
    return binary, work, model


def main(argv: list[str] | None = None) -> int:
    args = _args(argv)
    applog.configure("console", "warning", stream=sys.stderr)
    binary, work, model = _inputs()
    if args.only_short:
        return run_short(args, binary, model, work)
    pii = {} if args.analysis_cache is None else {
        "pii": f"analysis_cache_entries = {args.analysis_cache}"}
    models = "slots = 8" + ("\nprefix_cache_cells = 0" if args.no_prefix_cache else "") + (
        '\nwiden_q5_0 = "on"' if args.widen and not args.no_widen else "")
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
                         "widen_q5_0": "on" if args.widen and not args.no_widen else "off"}
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
                     "widen_q5_0": "on" if args.widen and not args.no_widen else "off",
                     "llama_server": str(binary)}
    print(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
