"""The prefix KV cache through the real server and the real model: a repeated long prompt is
served from cached cells (and answers the same at temperature 0), another identity never
reuses them, eviction under a small budget fails no running request, a reload starts empty,
and the audit end record and the HTTP usage say how many tokens were reused. Below the server:
cells saved to host memory and restored for a shorter prefix give the logits a fresh prefill
gives (with the sliding-window cells saved on the way where the prefix is far shorter than
the saved sequence), and a buffer without room refuses a restore cleanly."""

from __future__ import annotations

import ctypes
import threading
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import llama_cpp as ll
import numpy as np
import pytest

from appliance import config as cfgmod
from appliance.access import TokenStore
from appliance.client import NO_RETRY, Client, Credentials
from appliance.config import ModelConfig
from appliance.engine.lowlevel import Context, Model, SavedSeq
from tests.inprocess import InProcessServer

#: A long shared system prompt (a support bot's), about 500 tokens.
SYSTEM = " ".join(f"Rule {i}: answer politely, cite the policy section {i}, and never share "
                  f"account numbers." for i in range(30))


def _server(tmp: Path, model_path: Path, **model: Any) -> InProcessServer:
    spec = ModelConfig(tier="v3", path=model_path, n_threads=2, chat_template="transcript",
                       **model)
    cfg = replace(cfgmod.embedded_default(), state_dir=tmp, models={"v3": spec, "r1": spec},
                  server=replace(cfgmod.ServerConfig(), listen="127.0.0.1:0"),
                  auth=replace(cfgmod.AuthConfig(), required=True),
                  audit=replace(cfgmod.AuditConfig(), dev_officer_key=True))
    return InProcessServer(cfg)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory,
         model_path: Path) -> Iterator[tuple[InProcessServer, dict[str, str]]]:
    tmp = tmp_path_factory.mktemp("prefix")
    store = TokenStore(tmp / "tokens.json")
    tokens = {name: store.create(name, "client") for name in ("alice", "bob", "carol")}
    tokens["ops"] = store.create("ops", "admin")
    server = _server(tmp, model_path)
    yield server, tokens
    server.stop()


def _ask(server: InProcessServer, token: str, question: str, **kw: Any) -> Any:
    with Client(server.address, timeout=120, retry=NO_RETRY,
                credentials=Credentials(token=token)) as c:
        return c.generate(messages=[{"role": "system", "content": SYSTEM},
                                    {"role": "user", "content": question}],
                          max_tokens=kw.pop("max_tokens", 12), temperature=0.0, **kw)


def _cache(server: InProcessServer) -> Any:
    (engine,) = server.app.registry.engines
    return engine.prefix_cache


def test_a_repeated_prefix_is_reused_and_answers_the_same(
        site: tuple[InProcessServer, dict[str, str]]) -> None:
    server, tokens = site
    cache = _cache(server)
    (engine,) = server.app.registry.engines
    before = cache.reused_tokens
    first = _ask(server, tokens["alice"], "How do I reset my password?")
    warm = engine.warm_reuses
    second = _ask(server, tokens["alice"], "How do I reset my password?")
    reused = cache.reused_tokens - before
    print(f"prompt {second.usage.prompt_tokens} tokens, {reused} reused from the cache")
    assert reused >= second.usage.prompt_tokens - 1 - 12  # all but the tail
    assert first.text == second.text  # temperature 0: the same answer from cached cells
    # Nothing ran in between: the prefix came from the cells alice's slot still held.
    assert engine.warm_reuses == warm + 1
    other = _ask(server, tokens["alice"], "Where is my invoice?")  # same system prompt
    assert cache.reused_tokens - before - reused > 400
    assert other.finish_reason
    import httpx

    text = httpx.get(f"http://{server.app.metrics_address}/metrics", timeout=30).text
    line = next(x for x in text.splitlines()
                if x.startswith("appliance_prefix_cache_reused_tokens_total{"))
    assert float(line.rsplit(" ", 1)[1]) >= cache.reused_tokens - before
    line = next(x for x in text.splitlines() if x.startswith("appliance_prefix_cache_bytes{"))
    held = float(line.rsplit(" ", 1)[1])
    assert held > 1_000_000  # a 650-token prompt's cells: ~10 MB
    with Client(server.address, timeout=30, credentials=Credentials(token=tokens["ops"])) as c:
        (engine,) = c.status().engines
    assert engine.prefix_cache.reused_tokens == cache.reused_tokens > 0
    assert engine.prefix_cache.bytes == held  # nothing ran in between
    assert engine.prefix_cache.entries == len(cache) and engine.prefix_cache.max_cells == 4096


def test_a_prefix_far_shorter_than_the_cached_sequence_answers_as_uncached(
        site: tuple[InProcessServer, dict[str, str]]) -> None:
    """The cached sequence (system prompt, a long document, the answer) is far longer than
    what the next question shares with it (the system prompt), so the sliding-window
    layers' cells for the shared part come from the windows the engine saved on the way.
    Another identity, whom the cache never serves, gets an answer computed from scratch.

    The two answers are not compared word for word: llama.cpp's logits depend on how a
    prompt is split into batches (splitting this prompt at token 517 instead of 512 moves
    its top logits by 0.06-0.09, where the two best first tokens of this base model are 0.08
    apart), so a greedy answer from restored cells and one from a fresh pass may part on
    such a near tie. They did while a misread name (Lyon as a PERSON) made both answers echo
    the same placeholder."""
    server, tokens = site
    cache = _cache(server)
    document = " ".join(f"Line {i}: the parcel left depot {i * 37 % 101} at {i % 24}:00."
                        for i in range(60))
    first = _ask(server, tokens["alice"], f"Summarise this log: {document}")
    before = cache.reused_tokens
    cached = _ask(server, tokens["alice"], "Which depot is closest to Lyon?")
    reused = cache.reused_tokens - before
    print(f"cached {first.usage.prompt_tokens} prompt tokens, {reused} reused")
    assert reused > 400
    assert first.usage.prompt_tokens > reused + 512  # the window had to come from elsewhere
    before = cache.reused_tokens
    # carol asks nothing else here: her own cache would otherwise serve her (and bob's, in
    # test_another_identity_never_reuses_the_prefix, would serve him).
    fresh = _ask(server, tokens["carol"], "Which depot is closest to Lyon?")
    assert before == cache.reused_tokens
    assert cached.text.strip() and fresh.text.strip()
    assert cached.usage.prompt_tokens == fresh.usage.prompt_tokens


def test_a_raw_prompt_reuses_the_pii_analysis_of_what_it_shares(
        site: tuple[InProcessServer, dict[str, str]]) -> None:
    """A raw prompt is one text: the same policy lines, then a new question. The policy's
    analysis is reused block by block (its KV cells by the prefix cache), the question's PII
    is still found, and the metrics say how much analysis was reused."""
    import httpx

    server, tokens = site
    assert server.app.services is not None
    cache = server.app.services.privacy.cache  # type: ignore[attr-defined]
    policy = "\n".join(f"Rule {i}: answer politely, cite the policy section {i}, and never "
                       f"share account numbers." for i in range(30))
    before = cache.reused_chars
    with Client(server.address, timeout=120, retry=NO_RETRY,
                credentials=Credentials(token=tokens["alice"])) as c:
        for question, entity in (("Mail ann.lee@example.com about it.", "EMAIL_ADDRESS"),
                                 ("Call Maria Garcia on +1 415 555 0134.", "PHONE_NUMBER")):
            r = c.generate(prompt=f"{policy}\nQuestion: {question}\nAnswer:", max_tokens=4,
                           temperature=0.0)
            assert entity in r.pii
    reused = cache.reused_chars - before
    print(f"policy {len(policy)} characters, analysis of {reused} reused")
    assert reused > len(policy) / 2
    text = httpx.get(f"http://{server.app.metrics_address}/metrics", timeout=30).text
    line = next(x for x in text.splitlines() if x.startswith(
        'appliance_pii_analysis_cache_reused_chars_total{profile="default"}'))
    assert float(line.rsplit(" ", 1)[1]) >= reused
    line = next(x for x in text.splitlines()
                if x.startswith('appliance_prefill_tokens_total{tier="v3"}'))
    assert float(line.rsplit(" ", 1)[1]) > 0


def test_a_slot_kept_warm_is_freed_for_other_work_and_the_host_copy_answers_the_same(
        site: tuple[InProcessServer, dict[str, str]]) -> None:
    """A finished sequence's cells stay in its slot only while nothing else runs: another
    identity's request frees them (they would slow its attention), and the next request of
    the first identity restores its prefix from host memory, with the same answer."""
    server, tokens = site
    (engine,) = server.app.registry.engines
    question = "Can I change the e-mail address on my account?"
    first = _ask(server, tokens["alice"], question)
    held = {w.namespace for w in engine._warm.values()}
    assert len(held) == 1  # alice's slot holds her cells: nothing else ran
    _ask(server, tokens["carol"], "Hello?", max_tokens=2)
    assert held.isdisjoint(w.namespace for w in engine._warm.values())
    warm, reused = engine.warm_reuses, _cache(server).reused_tokens
    again = _ask(server, tokens["alice"], question)
    assert engine.warm_reuses == warm
    assert _cache(server).reused_tokens - reused >= again.usage.prompt_tokens - 13
    assert again.text == first.text


def test_another_identity_never_reuses_the_prefix(
        site: tuple[InProcessServer, dict[str, str]]) -> None:
    server, tokens = site
    cache = _cache(server)
    _ask(server, tokens["alice"], "A question to cache.")
    hits, reused = cache.hits, cache.reused_tokens
    _ask(server, tokens["bob"], "A question to cache.")
    assert (hits, reused) == (cache.hits, cache.reused_tokens)


def test_the_end_record_counts_reused_tokens(
        site: tuple[InProcessServer, dict[str, str]]) -> None:
    from appliance.audit.keys import load_officer_private
    from appliance.audit.verify import verify_dir

    server, tokens = site
    _ask(server, tokens["alice"], "Count me.")
    r = _ask(server, tokens["alice"], "Count me.")
    state = server.app.config.state_dir
    records: list[dict[str, Any]] = []
    verify_dir(state / "audit", load_officer_private(state / "dev-officer" / "officer.key"),
               None, records.append)
    (end,) = [x for x in records if x.get("request_id") == r.request_id and x["type"] == "end"]
    assert end["cached_prompt_tokens"] > 400


def test_eviction_under_a_small_budget_fails_no_request(tmp_path: Path,
                                                        model_path: Path) -> None:
    server = _server(tmp_path, model_path, prefix_cache_cells=700, prefix_cache_entries=2,
                     slots=4)
    try:
        store = TokenStore(tmp_path / "tokens.json")
        token = store.create("carol", "client")
        results: list[Any] = []
        errors: list[BaseException] = []

        def ask(i: int) -> None:
            try:
                results.append(_ask(server, token, f"Question number {i}: what now?",
                                    max_tokens=8))
            except BaseException as exc:  # noqa: BLE001 - collected for the assertion
                errors.append(exc)

        for round_ in range(3):
            threads = [threading.Thread(target=ask, args=(round_ * 10 + i,)) for i in range(6)]
            for t in threads:
                t.start()
            for t in threads:
                t.join(300)
        assert [] == errors
        assert 18 == len(results) and all(r.finish_reason for r in results)
        cache = _cache(server)
        assert cache.evictions > 0 and cache.cells <= 700 and len(cache) <= 2
        assert cache.reused_tokens > 0
        # A reload starts with an empty cache.
        import asyncio

        asyncio.run_coroutine_threadsafe(server.app.reload_models(), server.loop).result(180)
        fresh = _cache(server)
        assert 0 == len(fresh) and 0 == fresh.reused_tokens
    finally:
        server.stop()


def _prefill(ctx: Context, tokens: list[int], seq: int, start: int = 0) -> np.ndarray:
    """Feed ``tokens`` at positions from ``start``; the logits after the last one."""
    return _feed(ctx, tokens, seq, start)[-1]


def _feed(ctx: Context, tokens: list[int], seq: int, start: int = 0,
          cuts: tuple[int, ...] = (), windows: list[tuple[int, np.ndarray]] | None = None,
          ) -> np.ndarray:
    """Feed ``tokens`` at positions from ``start`` in batches of at most ``ctx.n_batch``,
    also cut at the positions in ``cuts``; the logits after every token fed. With
    ``windows`` a list, save the window whenever the sequence reaches a multiple of it, as
    the engine does."""
    rows = []
    ends = sorted({*(c - start for c in cuts if start < c < start + len(tokens)),
                   *range(ctx.n_batch, len(tokens), ctx.n_batch), len(tokens)})
    begin = 0
    for end in ends:
        ctx.clear_batch()
        for i in range(begin, end):
            ctx.add(tokens[i], start + i, seq, logits=True)
        ctx.decode()
        for i in range(end - begin):
            ptr = ll.llama_get_logits_ith(ctx.ptr, i)
            rows.append(np.ctypeslib.as_array(ptr, shape=(ctx.n_vocab,)).copy())
        if windows is not None and ctx.n_swa and (start + end) % ctx.n_swa == 0:
            window = ctx.save_window(seq)
            assert window is not None
            windows.append((start + end, window))
        begin = end
    return np.stack(rows)


def _nll(rows: np.ndarray, tokens: list[int]) -> float:
    """Mean negative log-likelihood of ``tokens[1:]`` under the logits ``rows``."""
    top = rows.max(axis=1, keepdims=True)
    logp = rows - top - np.log(np.exp(rows - top).sum(axis=1, keepdims=True))
    return float(-np.mean([logp[i, t] for i, t in enumerate(tokens[1:])]))


def test_a_sequence_saved_with_its_windows_restores_a_much_shorter_prefix(
        model_path: Path) -> None:
    """Gemma 3's sliding-window layers attend back 512 positions, and a saved sequence holds
    window cells for its last 512 only: restored for a prefix much shorter than it, the
    windows saved on the way fill the rest, and the next 100 tokens score as after a fresh
    prefill. Without the windows the restore is refused, not silently wrong.

    Not bit for bit: attention sums over cells in buffer order, and restored cells sit
    elsewhere in the buffer than freshly prefilled ones (the same prefill with another
    sequence's cells in the way moves the mean log-likelihood by 0.004, the logits by up
    to 1.9). The state restored without its windows, as llama.cpp alone would, scores
    0.66 worse: that is the error this test tells apart."""
    model = Model(model_path, 0)
    ctx = Context(model, 2, 2048, 512, 2)
    mem = ll.llama_get_memory(ctx.ptr)
    try:
        assert 512 == ctx.n_swa
        text = " ".join(f"Clause {i}: the tenant pays rent on day {i % 28 + 1} and keeps "
                        f"receipt number {i * 7919 % 10007}." for i in range(80))
        prompt = model.tokenize(text, add_bos=True, special=False)[:1400]
        assert 1400 == len(prompt)
        other = model.tokenize(SYSTEM, add_bos=False, special=False)[:100]
        keep = 700  # below 1400 - 512: the saved state's own window does not reach it
        windows: list[tuple[int, np.ndarray]] = []
        _feed(ctx, prompt, 0, cuts=(keep,), windows=windows)
        assert [512, 1024] == [end for end, _ in windows]
        state = ctx.save_seq(0)
        assert state is not None
        saved = SavedSeq(len(prompt), state, tuple(windows))
        ctx.free_seq(0)
        _feed(ctx, prompt[:keep], 0)
        fresh = _feed(ctx, other, 0, start=keep)
        ctx.free_seq(0)

        assert ctx.load_seq(1, saved, keep=keep)
        assert keep - 1 == ll.llama_memory_seq_pos_max(mem, 1)
        # The sliding-window layers hold exactly the positions a token at `keep` sees.
        assert keep - 512 + 1 == ll.llama_memory_seq_pos_min(mem, 1)
        resumed = _feed(ctx, other, 1, start=keep)
        ctx.free_seq(1)
        assert abs(_nll(resumed, other) - _nll(fresh, other)) < 0.02
        assert np.mean(resumed.argmax(axis=1) == fresh.argmax(axis=1)) >= 0.95

        # What the windows are for: the saved state alone, cut to `keep`, has no window
        # cells left below it.
        assert ll.llama_state_seq_set_data(
            ctx.ptr, state.ctypes.data_as(ctypes.POINTER(ctypes.c_uint8)), len(state), 1) > 0
        ll.llama_memory_seq_rm(mem, 1, keep, -1)
        blind = _feed(ctx, other, 1, start=keep)
        ctx.free_seq(1)
        assert _nll(blind, other) - _nll(fresh, other) > 0.2
        # ... which load_seq refuses rather than serve,
        assert not ctx.load_seq(1, SavedSeq(len(prompt), state), keep=keep)
        assert -1 == ll.llama_memory_seq_pos_max(mem, 1)
        # while a prefix the state's own window covers needs no other.
        assert ctx.load_seq(1, SavedSeq(len(prompt), state), keep=1399)
        ctx.free_seq(1)
    finally:
        ctx.close()
        model.close()


def test_saved_cells_restore_for_a_shorter_prefix_and_a_full_buffer_refuses(
        model_path: Path) -> None:
    model = Model(model_path, 0)
    ctx = Context(model, 2, 256, 128, 2)  # 512 cells in all
    try:
        tokens = model.tokenize(SYSTEM, add_bos=True, special=False)
        assert len(tokens) > 400
        prompt = tokens[:256]
        _prefill(ctx, prompt, 0)
        state = ctx.save_seq(0)
        assert state is not None and len(state) > 0
        saved = SavedSeq(len(prompt), state)
        ctx.free_seq(0)
        # The same prompt prefilled fresh in the same pieces of 128 (batch shapes change the
        # float rounding, so the comparison keeps them equal).
        _prefill(ctx, prompt[:128], 0)
        fresh = _prefill(ctx, prompt[128:], 0, start=128)
        ctx.free_seq(0)
        # Restored into another sequence, cut to 128 positions, then the rest prefilled:
        # what a cache hit on a 128-token prefix does.
        assert ctx.load_seq(1, saved, keep=128)
        mem = ll.llama_get_memory(ctx.ptr)
        assert 127 == ll.llama_memory_seq_pos_max(mem, 1)
        resumed = _prefill(ctx, prompt[128:], 1, start=128)
        assert int(np.argmax(resumed)) == int(np.argmax(fresh))
        np.testing.assert_array_equal(resumed, fresh)
        ctx.free_seq(1)
        # 400 of the 512 cells in use: the 256 saved cells do not fit.
        _prefill(ctx, tokens[:400], 0)
        assert not ctx.load_seq(1, saved, keep=128)
        assert -1 == ll.llama_memory_seq_pos_max(mem, 1)  # nothing half-restored is left
        assert 399 == ll.llama_memory_seq_pos_max(mem, 0)
    finally:
        ctx.close()
        model.close()
