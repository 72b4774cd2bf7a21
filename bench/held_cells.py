"""What KV cells held for other prompts cost a prompt that shares nothing with them, and what
saving and restoring a sequence costs instead. Prints JSON.

The engine's KV cache is one buffer for every sequence (``kv_unified``, see
appliance/engine/lowlevel.py), and llama.cpp's attention spans every cell in use in it. This
prefills the same ~1,000-token prompt on the engine's own context (default model, 2 threads,
8 slots of 2,048) with the buffer empty and with ``--held`` cells of other sequences in it,
repetitions interleaved, and prints tokens/s of both and their ratio: why the prefix cache keeps
its cells in host memory rather than in the buffer. It also times what the cache does instead:
saving the prompt's cells to host memory and restoring them into another sequence
(``Context.save_seq`` / ``load_seq``). No daemon: llama.cpp alone.

    .venv/bin/python -m bench.held_cells [--reps 6] [--held 4096]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import llama_cpp as ll

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from appliance.engine.default_model import ensure_default_model  # noqa: E402
from appliance.engine.lowlevel import Context, Model, SavedSeq  # noqa: E402
from appliance.observability import logging as applog  # noqa: E402
from bench.vs_llama_server import PREFIX  # noqa: E402

SLOTS, N_CTX, BATCH, THREADS, HELD = 8, 2048, 512, 2, 4096


def _prefill(ctx: Context, tokens: list[int], seq: int, start: int = 0) -> float:
    started = time.perf_counter()
    for s in range(0, len(tokens), BATCH):
        ctx.clear_batch()
        for i, token in enumerate(tokens[s:s + BATCH]):
            last = s + i == len(tokens) - 1
            ctx.add(token, start + s + i, seq, logits=last)
        ctx.decode()
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=6)
    ap.add_argument("--held", type=int, default=HELD,
                    help="cells of other sequences held (at most 7 slots' worth)")
    args = ap.parse_args(argv)
    applog.configure(level="warning", fmt="console")
    model_path, _sha = ensure_default_model(Path(tempfile.mkdtemp(prefix="bench-held-")))
    model = Model(model_path, 0)
    ctx = Context(model, SLOTS, N_CTX, BATCH, THREADS)
    prompt = model.tokenize(f"Ticket 1\n{PREFIX}\nQuestion: hi?", add_bos=True, special=False)
    other = model.tokenize(PREFIX, add_bos=False, special=False)
    memory = ll.llama_get_memory(ctx.ptr)
    times: dict[str, list[float]] = {"empty": [], "held": [], "save": [], "restore": []}
    try:
        for _ in range(args.reps + 1):  # the first repetition warms up, not counted
            ll.llama_memory_clear(memory, True)
            times["empty"].append(_prefill(ctx, prompt, 0))
            started = time.perf_counter()
            state = ctx.save_seq(0)
            times["save"].append(time.perf_counter() - started)
            assert state is not None  # noqa: S101
            started = time.perf_counter()
            if not ctx.load_seq(1, SavedSeq(len(prompt), state), len(prompt) - 1):
                raise SystemExit("restoring the saved sequence failed")
            times["restore"].append(time.perf_counter() - started)
            ll.llama_memory_clear(memory, True)
            held, seq = 0, 1
            while held < args.held:  # other sequences, each up to one slot's worth
                n = min(N_CTX, args.held - held)
                _prefill(ctx, (other * (n // len(other) + 1))[:n], seq)
                held, seq = held + n, seq + 1
            times["held"].append(_prefill(ctx, prompt, 0))
    finally:
        ctx.close()
        model.close()
    rate = {k: len(prompt) / statistics.median(v[1:]) for k, v in times.items()}
    print(json.dumps({"prompt_tokens": len(prompt), "held_cells": args.held,
                      "empty_tokens_per_s": round(rate["empty"], 1),
                      "held_tokens_per_s": round(rate["held"], 1),
                      "held_vs_empty": round(rate["held"] / rate["empty"], 3),
                      "state_bytes": len(state),
                      "save_ms": round(statistics.median(times["save"][1:]) * 1000, 2),
                      "restore_ms": round(statistics.median(times["restore"][1:]) * 1000, 2),
                      "prefill_ms": round(statistics.median(times["empty"][1:]) * 1000, 1),
                      "reps": args.reps, "threads": THREADS}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
