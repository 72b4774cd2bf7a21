"""Aggregate throughput with concurrent streams, in one run. Prints JSON.

For 1, 2, 4 and 8 concurrent streams (distinct prompts, greedy, the same max_tokens):

- ``daemon``: real gRPC streams to the daemon (continuous batching, ``slots = 8``, default PII
  policy), aggregate tokens/s = all completion tokens / wall time from the first request to the
  last token; fairness = slowest stream's tokens/s / fastest stream's.
- ``bare_loop`` (the ceiling): the same sequences decoded by a minimal loop on llama-cpp-python's
  low-level API in this process: one batch prefill, then one ``llama_decode`` per step for
  every sequence, greedy sampling, no detokenization, no network.
- ``sequential_high_level`` (what llama-cpp-python's server does): ``Llama.create_completion``
  for each prompt, one after another.

All three use the same GGUF, 2 threads and a per-sequence context of 2048.

    .venv/bin/python -m bench.batching [--max-tokens 64] [--reps 2]
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

import llama_cpp as ll  # noqa: E402

from appliance.client import Client  # noqa: E402
from appliance.engine.default_model import ensure_default_model  # noqa: E402
from appliance.observability import logging as applog  # noqa: E402
from tests.daemon import Daemon, write_config  # noqa: E402

PROMPTS = [
    "The capital of France is", "Water boils at", "The largest planet is",
    "Python is a programming language that", "Once upon a time, a dragon",
    "The recipe for pancakes needs", "In 1969, astronauts", "The stock market today",
]
N_CTX = 2048


def bare_loop(model_path: Path, prompts: list[str], max_tokens: int, threads: int) -> float:
    """Aggregate tokens/s of a minimal batched decode loop (prefill included)."""
    mparams = ll.llama_model_default_params()
    model = ll.llama_model_load_from_file(str(model_path).encode(), mparams)
    vocab = ll.llama_model_get_vocab(model)
    cparams = ll.llama_context_default_params()
    cparams.n_ctx = N_CTX * len(prompts)
    cparams.n_batch = cparams.n_ubatch = 512
    cparams.n_seq_max = len(prompts)
    cparams.n_threads = cparams.n_threads_batch = threads
    cparams.kv_unified = True  # the same KV layout as the daemon's context
    ctx = ll.llama_init_from_model(model, cparams)
    batch = ll.llama_batch_init(512, 0, 1)
    samplers = []
    for _ in prompts:
        chain = ll.llama_sampler_chain_init(ll.llama_sampler_chain_default_params())
        ll.llama_sampler_chain_add(chain, ll.llama_sampler_init_greedy())
        samplers.append(chain)
    toks = []
    for p in prompts:
        data = p.encode()
        arr = (ll.llama_token * 256)()
        n = ll.llama_tokenize(vocab, data, len(data), arr, 256, True, False)
        toks.append(list(arr[:n]))

    def add(i: int, token: int, pos: int, seq: int, logits: bool) -> None:
        batch.token[i], batch.pos[i], batch.n_seq_id[i] = token, pos, 1
        batch.seq_id[i][0], batch.logits[i] = seq, int(logits)

    start = time.perf_counter()
    n = 0
    out_idx = []
    for s, t in enumerate(toks):
        for k, tok in enumerate(t):
            add(n, tok, k, s, k == len(t) - 1)
            if k == len(t) - 1:
                out_idx.append(n)
            n += 1
    batch.n_tokens = n
    ll.llama_decode(ctx, batch)
    last = [ll.llama_sampler_sample(samplers[s], ctx, out_idx[s]) for s in range(len(toks))]
    pos = [len(t) for t in toks]
    generated = len(toks)
    for _ in range(max_tokens - 1):
        for s in range(len(toks)):
            add(s, last[s], pos[s], s, True)
            pos[s] += 1
        batch.n_tokens = len(toks)
        ll.llama_decode(ctx, batch)
        last = [ll.llama_sampler_sample(samplers[s], ctx, s) for s in range(len(toks))]
        generated += len(toks)
    elapsed = time.perf_counter() - start
    for chain in samplers:
        ll.llama_sampler_free(chain)
    ll.llama_batch_free(batch)
    ll.llama_free(ctx)
    ll.llama_model_free(model)
    return generated / elapsed


def sequential(llm: Any, prompts: list[str], max_tokens: int) -> float:
    start = time.perf_counter()
    tokens = 0
    for p in prompts:
        out = llm.create_completion(p, max_tokens=max_tokens, temperature=0.0)
        tokens += out["usage"]["completion_tokens"]
    return tokens / (time.perf_counter() - start)


def through_daemon(address: str, prompts: list[str], max_tokens: int) -> dict[str, float]:
    results: dict[str, tuple[int, float, float]] = {}
    start = time.perf_counter()

    def run(p: str) -> None:
        t0 = time.perf_counter()
        tokens = 0
        with Client(address) as c:
            for chunk in c.stream(p, max_tokens=max_tokens, temperature=0.0):
                if chunk.finish_reason:
                    tokens = chunk.usage.completion_tokens
        results[p] = (tokens, t0, time.perf_counter())

    threads = [threading.Thread(target=run, args=(p,)) for p in prompts]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    end = max(r[2] for r in results.values())
    total = sum(r[0] for r in results.values())
    rates = [r[0] / (r[2] - r[1]) for r in results.values()]
    return {"tokens_per_s": total / (end - start), "fairness": min(rates) / max(rates)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--max-tokens", type=int, default=64)
    ap.add_argument("--reps", type=int, default=2)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args(argv)
    applog.configure("console", "warning", stream=sys.stderr)
    from llama_cpp import Llama

    work = Path(tempfile.mkdtemp(prefix="bench-batching-"))
    model, sha = ensure_default_model(work / "models")
    cfg = write_config(work / "appliance.toml", model)
    cfg.write_text(cfg.read_text().replace("n_threads = 2", f"n_threads = {args.threads}"))
    daemon = Daemon(work, cfg)
    daemon.wait_for("ready")
    llm = Llama(model_path=str(model), n_ctx=N_CTX, n_threads=args.threads,
                n_threads_batch=args.threads, verbose=False)
    rows: dict[int, dict[str, list[float]]] = {}
    try:
        for rep in range(args.reps):
            for n in (1, 2, 4, 8):
                prompts = [f"{p} ({rep})" for p in PROMPTS[:n]]
                row = rows.setdefault(n, {"daemon": [], "fairness": [], "bare": [], "seq": []})
                d = through_daemon(daemon.address or "", prompts, args.max_tokens)
                row["daemon"].append(d["tokens_per_s"])
                row["fairness"].append(d["fairness"])
                row["bare"].append(bare_loop(model, prompts, args.max_tokens, args.threads))
                row["seq"].append(sequential(llm, prompts, args.max_tokens))
    finally:
        llm.close()
        daemon.stop()

    def med(xs: list[float]) -> float:
        return round(statistics.median(xs), 1)

    single = med(rows[1]["daemon"])
    table = {str(n): {"daemon_tokens_per_s": med(r["daemon"]),
                      "bare_loop_tokens_per_s": med(r["bare"]),
                      "sequential_high_level_tokens_per_s": med(r["seq"]),
                      "daemon_vs_bare": round(med(r["daemon"]) / med(r["bare"]), 3),
                      "daemon_vs_sequential": round(med(r["daemon"]) / med(r["seq"]), 3),
                      "daemon_vs_single_stream": round(med(r["daemon"]) / single, 3),
                      "fairness_slowest_over_fastest": round(min(r["fairness"]), 3)}
             for n, r in rows.items()}
    print(json.dumps({
        "bench": "batching",
        "model": {"file": model.name, "sha256": sha},
        "settings": {"max_tokens": args.max_tokens, "reps": args.reps,
                     "threads": args.threads, "slots": 8},
        "streams": table,
        "targets": {"single_vs_bare_min": 0.95, "4_vs_single_min": 1.4, "8_vs_single_min": 2.0,
                    "fairness_min": 0.8},
        "met": {"single_vs_bare": table["1"]["daemon_vs_bare"] >= 0.95,
                "4_vs_single": table["4"]["daemon_vs_single_stream"] >= 1.4,
                "8_vs_single": table["8"]["daemon_vs_single_stream"] >= 2.0,
                "fairness": min(t["fairness_slowest_over_fastest"] for t in table.values())
                >= 0.8},
    }, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
