"""Continuous batching through the real daemon: many sequences in one context."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from appliance.client import Client
from tests.answers import assert_own_answer
from tests.daemon import Daemon, write_config

PROMPTS = [
    "The capital of France is", "Water boils at", "The largest planet is",
    "Python is a programming language that", "Once upon a time, a dragon",
    "The recipe for pancakes needs", "In 1969, astronauts", "The stock market today",
]
GREEDY = {"temperature": 0.0}


def _stream(address: str, prompt: str, max_tokens: int, out: dict, stamps: dict) -> None:
    with Client(address) as c:
        chunks = list(c.stream(prompt, max_tokens=max_tokens, **GREEDY))
    out[prompt] = chunks
    stamps[prompt] = time.monotonic()


def test_eight_concurrent_streams_get_their_own_answers(daemon: Daemon) -> None:
    """8 distinct prompts at once: each stream's text is its own (starts as it does alone and
    resembles no other prompt's answer more), with the token count it asked for; the engine
    ran them together."""
    assert daemon.address is not None
    with Client(daemon.address) as c:
        alone = {p: c.generate(p, max_tokens=24, **GREEDY).text for p in PROMPTS}
        out: dict = {}
        stamps: dict = {}
        threads = [threading.Thread(target=_stream, args=(daemon.address, p, 24, out, stamps))
                   for p in PROMPTS]
        for t in threads:
            t.start()
        peak = 0
        while any(t.is_alive() for t in threads):
            peak = max(peak, c.status().engines[0].active_jobs)
            time.sleep(0.01)
        for t in threads:
            t.join()
    for p in PROMPTS:
        chunks = out[p]
        assert_own_answer(p, "".join(ch.text for ch in chunks), alone)
        assert 24 == chunks[-1].usage.completion_tokens
    assert peak >= 4  # they really ran side by side, not one after another


def test_cancel_one_of_four_others_unaffected_and_slot_reused(tmp_path: Path,
                                                               model_path: Path) -> None:
    """With 4 slots: cancel one of 4 running streams; the other 3 finish with their full
    answers, and a 5th request is admitted into the freed slot while they still run."""
    cfg = write_config(tmp_path / "a.toml", model_path)
    cfg.write_text(cfg.read_text().replace("slots = 8", "slots = 4"))
    d = Daemon(tmp_path, cfg)
    try:
        d.wait_for("ready")
        assert d.address is not None
        address = d.address
        with Client(address) as c:
            alone = {p: c.generate(p, max_tokens=60, **GREEDY).text for p in PROMPTS[:3]}
            out: dict = {}
            stamps: dict = {}
            runners = [threading.Thread(target=_stream, args=(address, p, 60, out, stamps))
                       for p in PROMPTS[:3]]
            for t in runners:
                t.start()
            victim = c.stream(PROMPTS[3], max_tokens=400, **GREEDY)
            next(iter(victim))
            while c.status().engines[0].active_jobs < 4:
                time.sleep(0.01)
            victim.close()  # cancel
            fifth = c.stream(PROMPTS[4], max_tokens=4, **GREEDY)
            first = next(iter(fifth))
            admitted_while_busy = any(t.is_alive() for t in runners)
            rest = list(fifth)
            for t in runners:
                t.join(120)
            deadline = time.monotonic() + 10
            while c.status().engines[0].active_jobs and time.monotonic() < deadline:
                time.sleep(0.05)
            status = c.status().engines[0]
        for p in PROMPTS[:3]:
            assert_own_answer(p, "".join(ch.text for ch in out[p]), alone)
            assert 60 == out[p][-1].usage.completion_tokens
        assert first.request_id
        assert 4 == rest[-1].usage.completion_tokens
        assert admitted_while_busy
        assert 0 == status.active_jobs
    finally:
        assert 0 == d.stop()


def test_kv_cache_that_cannot_fit_is_a_config_error(tmp_path: Path, model_path: Path) -> None:
    """slots x n_ctx beyond this machine's memory: exit 2, naming the key and the MiB."""
    cfg = write_config(tmp_path / "big.toml", model_path)
    cfg.write_text(cfg.read_text().replace("slots = 8", "slots = 256")
                   .replace("n_ctx = 2048", "n_ctx = 1048576"))
    proc = subprocess.run([sys.executable, "-m", "appliance", "serve", "--config", str(cfg),
                           "--listen", "127.0.0.1:0"], capture_output=True, text=True,
                          timeout=120, check=False)
    assert 2 == proc.returncode, proc.stderr[-2000:]
    assert "models.v3.slots" in proc.stderr
    assert "MiB" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_a_prefill_beside_running_streams_fills_whole_passes(model_path: Path) -> None:
    """The engine itself, with 256-token passes (n_ubatch): while 3 streams decode, a
    700-token prompt is fed in chunks that, with the 3 decoding tokens, fill whole passes
    (256, not 3 + 256: llama.cpp would spend a whole pass over the weights on 3 tokens).
    Every stream and the long prompt still get their answers."""
    import asyncio

    from appliance.config import ModelConfig
    from appliance.engine.llama_engine import LlamaEngine
    from appliance.engine.types import Finished, SamplingParams

    steps: list[tuple[int, int]] = []  # (sequences decoding, tokens in the call)

    async def main() -> list[str]:
        spec = ModelConfig(tier="v3", path=model_path, n_threads=2, slots=4, n_ctx=1024,
                           n_ubatch=256, chat_template="gemma")
        engine = LlamaEngine(spec, model_path, ["v3"])
        await engine.start()
        ctx = engine._ctx
        assert ctx is not None
        assert (512, 256) == (ctx.n_batch, ctx.n_ubatch)
        fill = engine._fill_batch

        def spy(c, placed, held=frozenset()):  # type: ignore[no-untyped-def]
            decoding = sum(1 for s in engine._running if not s.prefilling)
            out = fill(c, placed, held)
            steps.append((decoding, c.batch_size))
            return out

        engine._fill_batch = spy  # type: ignore[method-assign]
        try:
            async def run(prompt: str, n: int, started: asyncio.Event | None = None) -> str:
                async for ev in engine.generate(engine.tokenize_prompt(prompt),
                                                SamplingParams(n, temperature=0.0)):
                    if started is not None:
                        started.set()  # its first piece: it is decoding now
                    if isinstance(ev, Finished):
                        return ev.finish_reason
                return "none"

            decoding = [asyncio.Event() for _ in range(3)]
            streams = [asyncio.create_task(run(p, 160, e))
                       for p, e in zip(PROMPTS[:3], decoding, strict=True)]
            for e in decoding:
                await e.wait()
            long = " ".join(f"Item {i} is on shelf {i % 7}." for i in range(100))
            assert len(engine.tokenize_prompt(long)) > 600
            return [await run(long, 1), *[await t for t in streams]]
        finally:
            await engine.close()

    reasons = asyncio.run(main())
    assert all(r in ("length", "stop") for r in reasons)
    mixed = [(d, n) for d, n in steps if d and n > d]
    assert len(mixed) >= 2  # the long prompt really went in beside the streams
    assert all(n <= 256 or n % 256 == 0 for _d, n in mixed), mixed
    assert any(n == 256 for _d, n in mixed), mixed


def test_background_work_is_held_while_interactive_work_runs(
        model_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The engine itself: a background sequence (a batch line) takes no part in any step
    while ``foreground`` says interactive work is in flight (no piece of it comes out, and no
    step holds its token beside the interactive request's), keeps its slot and cells, and
    goes on where it stopped once the interactive work is over, to its full answer."""
    import asyncio

    from appliance.config import ModelConfig
    from appliance.engine import llama_engine
    from appliance.engine.llama_engine import LlamaEngine

    # The bound on holding (a line held 10 s runs on) is not what this test is about: a
    # loaded machine can take longer than that over the interactive request's 24 tokens.
    monkeypatch.setattr(llama_engine, "MAX_HOLD_S", 3600.0)
    from appliance.engine.types import Finished, SamplingParams, TextPiece

    async def main() -> tuple[str, str, int, int, int]:
        spec = ModelConfig(tier="v3", path=model_path, n_threads=2, slots=2, n_ctx=512,
                           chat_template="gemma")
        engine = LlamaEngine(spec, model_path, ["v3"])
        await engine.start()
        foreground = [False]
        engine.foreground = lambda: foreground[0]
        try:
            async def run(prompt: str, n: int, *, background: bool,
                          pieces: list[str] | None = None) -> tuple[str, int]:
                text = []
                async for ev in engine.generate(engine.tokenize_prompt(prompt),
                                                SamplingParams(n, temperature=0.0),
                                                background=background):
                    if isinstance(ev, TextPiece):
                        text.append(ev.text)
                        if pieces is not None:
                            pieces.append(ev.text)
                    if isinstance(ev, Finished):
                        return "".join(text), ev.completion_tokens
                raise AssertionError("no end")

            alone, _ = await run(PROMPTS[0], 48, background=False)
            pieces: list[str] = []
            line = asyncio.create_task(run(PROMPTS[0], 48, background=True, pieces=pieces))
            while len(pieces) < 4:  # noqa: ASYNC110 - the pieces come from the engine thread
                await asyncio.sleep(0.005)
            foreground[0] = True
            # The step under way when it came ends: a round with the line held follows it (a
            # wait on the engine's own count, not a timed sleep, which a loaded machine
            # outlasts). Its pieces were handed to the loop before that count moved; a few
            # turns of the loop deliver them.
            while engine.held_steps_total == 0:  # noqa: ASYNC110 - set by the engine thread
                await asyncio.sleep(0.005)
            for _ in range(3):
                await asyncio.sleep(0)
            before = len(pieces)
            _, answered = await run(PROMPTS[1], 24, background=False)
            await asyncio.sleep(0.2)
            during = len(pieces) - before
            assert engine.held_steps_total > 0 and engine.active_jobs == 1  # it kept its slot
            foreground[0] = False
            text, tokens = await line
            return text, alone, tokens, answered, during
        finally:
            await engine.close()

    text, alone, tokens, answered, during = asyncio.run(main())
    assert 0 == during  # held: not one piece while interactive work was in flight
    assert 24 == answered  # ... which ran meanwhile
    assert_own_answer(PROMPTS[0], text, {PROMPTS[0]: alone})
    assert 48 == tokens


def test_a_held_line_never_keeps_a_waiting_request_from_its_slot(model_path: Path) -> None:
    """One slot, held by a background sequence, and an interactive request that waits for it:
    the engine stops holding (the line runs to its end and frees the slot) instead of keeping
    the request waiting for the whole hold budget."""
    import asyncio

    from appliance.config import ModelConfig
    from appliance.engine import llama_engine
    from appliance.engine.llama_engine import LlamaEngine
    from appliance.engine.types import Finished, SamplingParams, TextPiece

    async def main() -> tuple[list[str], list[tuple[bool, int]]]:
        spec = ModelConfig(tier="v3", path=model_path, n_threads=2, slots=1, n_ctx=512,
                           chat_template="gemma")
        engine = LlamaEngine(spec, model_path, ["v3"])
        await engine.start()
        ended: list[str] = []
        rounds: list[tuple[bool, int]] = []  # (a request waited for a slot, sequences held)
        held = engine._held

        def spy(now: float) -> frozenset[int]:
            out = held(now)
            rounds.append((engine.starved, len(out)))
            return out

        engine._held = spy  # type: ignore[method-assign]
        try:
            async def run(name: str, prompt: str, n: int, *, background: bool) -> None:
                async for ev in engine.generate(engine.tokenize_prompt(prompt),
                                                SamplingParams(n, temperature=0.0),
                                                background=background):
                    if isinstance(ev, Finished):
                        ended.append(name)

            engine.foreground = lambda: False
            started = asyncio.Event()

            async def line() -> None:
                async for ev in engine.generate(engine.tokenize_prompt(PROMPTS[0]),
                                                SamplingParams(32, temperature=0.0),
                                                background=True):
                    if isinstance(ev, TextPiece):
                        started.set()
                    if isinstance(ev, Finished):
                        ended.append("line")

            task = asyncio.create_task(line())
            await started.wait()
            engine.foreground = lambda: True
            await asyncio.wait_for(run("interactive", PROMPTS[1], 4, background=False),
                                   timeout=llama_engine.MAX_HOLD_S * 3)
            await task
            return ended, rounds
        finally:
            await engine.close()

    ended, rounds = asyncio.run(main())
    assert ["line", "interactive"] == ended
    assert any(starved for starved, _n in rounds)  # the request waited for the slot ...
    assert not [n for starved, n in rounds if starved and n]  # ... and was never held then
