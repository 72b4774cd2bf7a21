"""The prefix KV cache through the real server and the real model: a repeated long prompt is
served from cached cells (and answers the same at temperature 0), another identity never
reuses them, eviction under a small budget fails no running request, a reload starts empty,
and the audit end record and the HTTP usage say how many tokens were reused."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from appliance import config as cfgmod
from appliance.access import TokenStore
from appliance.client import NO_RETRY, Client, Credentials
from appliance.config import ModelConfig
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
    tokens = {name: store.create(name, "client") for name in ("alice", "bob")}
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
    before = cache.reused_tokens
    first = _ask(server, tokens["alice"], "How do I reset my password?")
    second = _ask(server, tokens["alice"], "How do I reset my password?")
    reused = cache.reused_tokens - before
    print(f"prompt {second.usage.prompt_tokens} tokens, {reused} reused from the cache")
    assert reused >= second.usage.prompt_tokens - 1 - 12  # all but the tail
    assert first.text == second.text  # temperature 0: the same answer from cached cells
    other = _ask(server, tokens["alice"], "Where is my invoice?")  # same system prompt
    assert cache.reused_tokens - before - reused > 400
    assert other.finish_reason
    import httpx

    text = httpx.get(f"http://{server.app.metrics_address}/metrics", timeout=30).text
    line = next(x for x in text.splitlines()
                if x.startswith("appliance_prefix_cache_reused_tokens_total{"))
    assert float(line.rsplit(" ", 1)[1]) >= cache.reused_tokens - before
    with Client(server.address, timeout=30, credentials=Credentials(token=tokens["ops"])) as c:
        (engine,) = c.status().engines
    assert engine.prefix_cache.reused_tokens == cache.reused_tokens > 0
    assert engine.prefix_cache.entries == len(cache) and engine.prefix_cache.max_cells == 4096


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
