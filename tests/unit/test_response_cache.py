"""The response cache (appliance/stages/cache.py): the store's TTL, LRU and byte budget, and
the pipeline serving hits restored with the requester's own values.

The pipeline tests reuse test_pipeline's fakes, each named as one there (ScriptedEngine,
LiteralPrivacy, RecordingAudit); the store is the real one with an injected clock. End-to-end
coverage with the real model, Presidio and the daemon is in
tests/integration/test_response_cache.py.
"""

from __future__ import annotations

import dataclasses
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from appliance.access import RateLimits
from appliance.config import ModelConfig, Policy, embedded_default
from appliance.engine.facts import ModelFacts
from appliance.errors import EngineFailure, PermissionDenied
from appliance.generation import Message, Tool
from appliance.pipeline import Pipeline, Services
from appliance.request import Chunk, GenerateParams, RequestInfo
from appliance.stages.cache import CachedAnswer, ResponseCache, cache_control
from tests.unit.test_pipeline import (
    FakeRegistry,
    LiteralPrivacy,
    RecordingAudit,
    ScriptedEngine,
    run,
)

SHA = "ab" * 32


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def answer(text: str = "x", request_id: str = "r") -> CachedAnswer:
    return CachedAnswer(text, "", "stop", 3, 1, request_id)


# -- the store --

def test_an_entry_is_served_until_its_ttl_then_dropped() -> None:
    """A kept answer is a hit until ttl seconds have passed, then a miss (and gone)."""
    clock = Clock()
    cache = ResponseCache(max_bytes=10_000, ttl=60, clock=clock)
    assert cache.put("k", answer(), cache.generation)
    clock.now += 59
    assert answer() == cache.get("k")
    clock.now += 1
    assert cache.get("k") is None
    assert (1, 1, 1, 0, 0) == (cache.hits, cache.misses, cache.expired, len(cache), cache.bytes)


def test_the_least_recently_used_entry_goes_first_when_bytes_run_out() -> None:
    """Over max_bytes, the entry used longest ago is evicted; a hit counts as a use."""
    size = answer().size
    cache = ResponseCache(max_bytes=2 * size, ttl=60, clock=Clock())
    cache.put("a", answer(), 0)
    cache.put("b", answer(), 0)
    assert cache.get("a") is not None  # b is now the least recently used
    cache.put("c", answer(), 0)
    assert (["a", "c"], 1, 2 * size) == (
        [k for k in ("a", "b", "c") if cache.get(k) is not None], cache.evictions, cache.bytes)


def test_an_answer_larger_than_the_whole_cache_is_not_kept() -> None:
    cache = ResponseCache(max_bytes=1024, ttl=60)
    assert not cache.put("big", answer("x" * 2000), 0)
    assert (0, 0) == (len(cache), cache.bytes)


def test_clear_drops_everything_and_refuses_answers_begun_before_it() -> None:
    """A reload clears the cache; an answer whose lookup came before it is not kept."""
    cache = ResponseCache(max_bytes=10_000, ttl=60)
    begun = cache.generation
    cache.put("a", answer(), begun)
    cache.clear()
    assert (0, 0) == (len(cache), cache.bytes)
    assert not cache.put("b", answer(), begun)
    assert cache.put("b", answer(), cache.generation)


def test_cache_control_directives() -> None:
    assert "no-store" == cache_control("no-cache, no-store")
    assert "no-cache" == cache_control("No-Cache")
    assert "no-cache" == cache_control("max-age=0, no-cache")
    assert "" == cache_control("max-age=60")
    assert "" == cache_control("")


# -- the pipeline --

@dataclasses.dataclass
class CacheRig:
    pipeline: Pipeline
    engine: ScriptedEngine
    audit: RecordingAudit
    cache: ResponseCache


def cache_rig(pieces: tuple[str, ...] = ("Dear ", "<PERSON_1>", ", noted."),
              config: Any = None) -> CacheRig:
    cfg = replace(config or embedded_default(),
                  models={"v3": ModelConfig(tier="v3"), "r1": ModelConfig(tier="r1")})
    engines = {"v3": ScriptedEngine("v3", pieces), "r1": ScriptedEngine("r1", ("deep",))}
    for engine in engines.values():
        engine.facts = ModelFacts(Path("m.gguf"), SHA, 1, "gemma3", "Q4_K_M", 2048, 2048,
                                  None, "")
    audit = RecordingAudit()
    cache = ResponseCache(max_bytes=1 << 20, ttl=3600)
    services = Services(config=cfg, registry=FakeRegistry(engines),  # type: ignore[arg-type]
                        privacy=LiteralPrivacy("Ada Lovelace", "Grace Hopper"),
                        pii_profiles={}, audit=audit, central=None, limits=RateLimits(),
                        cache=cache)
    return CacheRig(Pipeline(services, lambda: None), engines["v3"], audit, cache)


def info(request_id: str, client: str = "alice", policy: Policy | None = None) -> RequestInfo:
    return RequestInfo(request_id=request_id, method="Generate", client=client,
                       policy=policy or Policy())


def ask(r: CacheRig, ri: RequestInfo, prompt: str, *, chat: bool = False,
        **kw: Any) -> list[Chunk]:
    """``prompt`` as a raw prompt, or (``chat``) as the one user message."""
    asked = {"messages": (Message("user", prompt),)} if chat else {"prompt": prompt}
    params = GenerateParams(**asked, model="v3", temperature=kw.pop("temperature", 0.0), **kw)

    async def go() -> list[Chunk]:
        return [c async for c in r.pipeline.run(params, ri, None)]

    return run(go())


def text(chunks: list[Chunk]) -> str:
    return "".join(c.text for c in chunks)


def test_a_request_differing_only_in_pii_is_a_hit_restored_with_its_own_values() -> None:
    """The second caller's name differs; the model is not asked again, and the answer
    names the second caller's person, never the first's."""
    r = cache_rig()
    first, second = info("r-1"), info("r-2")
    assert "Dear Ada Lovelace, noted." == text(ask(r, first, "Summarise Ada Lovelace's case"))
    chunks = ask(r, second, "Summarise Grace Hopper's case")
    assert "Dear Grace Hopper, noted." == text(chunks)
    assert 1 == len(r.engine.sampling)  # generated once
    assert 1 == len(r.engine.tokenized)  # a hit is not even placed
    assert ("miss", None, "local") == (first.cache, first.cached_from, first.route)
    assert ("hit", "r-1", "cache") == (second.cache, second.cached_from, second.route)
    assert ("stop", 3) == (chunks[-1].finish_reason, chunks[-1].completion_tokens)
    assert [("begin", "r-1", ""), ("end", "r-1", "ok"),
            ("begin", "r-2", ""), ("end", "r-2", "ok")] == r.audit.records
    assert "Dear <PERSON_1>, noted." == second.masked_answer
    assert 0 == r.engine.leases


def test_nothing_the_cache_holds_contains_a_pii_value() -> None:
    """Every kept answer and key, walked: placeholders only."""
    r = cache_rig(("<PERSON_1> and <PERSON_2> met.",))
    ask(r, info("r-1"), "Ada Lovelace wrote to Grace Hopper")
    held = [str(dataclasses.asdict(e)) for e in r.cache.entries()]
    held += list(r.cache._entries)  # the keys (SHA-256 of the masked request)
    assert 1 == len(r.cache)
    for value in ("Ada", "Lovelace", "Grace", "Hopper"):
        assert not any(value in h for h in held)
    assert "<PERSON_1> and <PERSON_2> met." == r.cache.entries()[0].answer


def test_another_identity_gets_no_hit() -> None:
    r = cache_rig()
    ask(r, info("r-1", client="alice"), "Summarise Ada Lovelace's case")
    other = info("r-2", client="bob")
    ask(r, other, "Summarise Ada Lovelace's case")
    assert ("miss", 2) == (other.cache, len(r.engine.sampling))


def test_identities_sharing_a_namespace_share_answers() -> None:
    shared = Policy(response_cache_namespace="team")
    r = cache_rig()
    ask(r, info("r-1", client="alice", policy=shared), "Summarise Ada Lovelace's case")
    other = info("r-2", client="bob", policy=shared)
    assert "Dear Grace Hopper, noted." == text(ask(r, other, "Summarise Grace Hopper's case"))
    assert ("hit", 1) == (other.cache, len(r.engine.sampling))


def test_a_sampled_request_is_not_kept_unless_the_policy_says_always() -> None:
    r = cache_rig()
    ask(r, info("r-1"), "Hi Ada Lovelace", temperature=0.7)
    again = info("r-2")
    ask(r, again, "Hi Ada Lovelace", temperature=0.7)
    assert ("bypass", 0, 2) == (again.cache, len(r.cache), len(r.engine.sampling))
    always = Policy(response_cache="always")
    ask(r, info("r-3", policy=always), "Hi Ada Lovelace", temperature=0.7)
    hit = info("r-4", policy=always)
    ask(r, hit, "Hi Ada Lovelace", temperature=0.7)
    assert ("hit", 3) == (hit.cache, len(r.engine.sampling))


def test_a_seeded_request_is_kept() -> None:
    r = cache_rig()
    ask(r, info("r-1"), "Hi Ada Lovelace", temperature=0.7, seed=7)
    hit = info("r-2")
    ask(r, hit, "Hi Ada Lovelace", temperature=0.7, seed=7)
    other_seed = info("r-3")
    ask(r, other_seed, "Hi Ada Lovelace", temperature=0.7, seed=8)
    assert ("hit", "miss") == (hit.cache, other_seed.cache)


def test_the_policy_can_turn_the_cache_off() -> None:
    off = Policy(response_cache="off")
    r = cache_rig()
    ask(r, info("r-1", policy=off), "Hi Ada Lovelace")
    assert 0 == len(r.cache)


def test_no_cache_answers_afresh_and_keeps_the_answer() -> None:
    r = cache_rig()
    ask(r, info("r-1"), "Hi Ada Lovelace")
    fresh = info("r-2")
    ask(r, fresh, "Hi Ada Lovelace", cache_control="no-cache")
    hit = info("r-3")
    ask(r, hit, "Hi Ada Lovelace")
    assert ("bypass", "hit", "r-2", 2) == (fresh.cache, hit.cache, hit.cached_from,
                                           len(r.engine.sampling))


def test_no_store_neither_looks_up_nor_keeps() -> None:
    r = cache_rig()
    ask(r, info("r-1"), "Hi Ada Lovelace", cache_control="no-store")
    assert 0 == len(r.cache)
    ask(r, info("r-2"), "Hi Ada Lovelace")
    skipped = info("r-3")
    ask(r, skipped, "Hi Ada Lovelace", cache_control="no-store")
    assert ("bypass", 3) == (skipped.cache, len(r.engine.sampling))


def test_other_sampling_parameters_are_another_key() -> None:
    r = cache_rig()
    ask(r, info("r-1"), "Hi Ada Lovelace")
    longer = info("r-2")
    ask(r, longer, "Hi Ada Lovelace", max_tokens=99)
    assert "miss" == longer.cache


def test_a_streamed_hit_comes_as_chunks_with_the_last_finishing() -> None:
    r = cache_rig()
    ask(r, info("r-1"), "Summarise Ada Lovelace's case")
    chunks = ask(r, info("r-2"), "Summarise Grace Hopper's case")
    assert len(chunks) >= 2
    assert [None] * (len(chunks) - 1) + ["stop"] == [c.finish_reason for c in chunks]


def test_a_cleared_cache_misses() -> None:
    r = cache_rig()
    ask(r, info("r-1"), "Hi Ada Lovelace")
    r.cache.clear()
    again = info("r-2")
    ask(r, again, "Hi Ada Lovelace")
    assert "miss" == again.cache


def test_a_failed_request_is_not_kept() -> None:
    r = cache_rig()
    r.engine.fail_before_first_token = True
    with pytest.raises(EngineFailure):
        ask(r, info("r-1"), "Hi Ada Lovelace")
    assert 0 == len(r.cache)


def test_a_hit_of_tool_calls_gives_the_calls_with_the_requesters_values() -> None:
    """A kept answer that calls a tool is read again: the same call, with the second
    caller's value inside its JSON arguments, and finish_reason tool_calls."""
    call = '<tool_call>{"name": "lookup", "arguments": {"who": "<PERSON_1>"}}</tool_call>'
    r = cache_rig((call,))
    tools = (Tool("lookup", "Find a customer", '{"type": "object"}'),)
    ask(r, info("r-1"), "Look up Ada Lovelace", chat=True, tools=tools, tool_choice="auto")
    hit = info("r-2")
    chunks = ask(r, hit, "Look up Grace Hopper", chat=True, tools=tools, tool_choice="auto")
    last = chunks[-1]
    assert ("hit", "tool_calls", 1) == (hit.cache, last.finish_reason, len(r.engine.sampling))
    assert [("lookup", '{"who": "Grace Hopper"}')] == [
        (c.name, c.arguments) for c in last.tool_calls]


def test_the_officers_report_shows_the_hit_ratio(tmp_path: Path) -> None:
    """End records of hits and misses (from the audit stage's own record function), written
    by the real writer, read back by the report: hits over lookups; bypasses not counted."""
    import json
    import re

    from appliance.audit import format as fmt
    from appliance.audit.export import Filters
    from appliance.audit.report import build
    from appliance.audit.stage import end_record
    from tests.audit_helpers import new_log

    log = new_log(tmp_path / "log")
    writer = log.writer()
    for i, status in enumerate(("miss", "hit", "hit", "hit", "bypass", None)):
        ri = info(f"{i:032x}")
        ri.tier, ri.route, ri.cache = "v3", "cache" if status == "hit" else "local", status
        ri.cached_from = "0" * 32 if status == "hit" else None
        writer.append(fmt.canonical(end_record(ri, "masked"))).result(10)
    writer.close()
    out = tmp_path / "report.html"
    build(log.dir, log.officer, out, Filters())
    page = out.read_text()
    found = re.search(r'<script type="application/json" id="report-data">(.*?)</script>',
                      page, re.DOTALL)
    assert found is not None
    assert {"hits": 3, "misses": 1, "hit_ratio": 0.75} == json.loads(found.group(1))["cache"]
    assert "75.0%" in page


def test_a_hit_never_bypasses_the_tier_policy() -> None:
    """An identity that may not use the tier gets PERMISSION_DENIED, not a shared answer."""
    r = cache_rig()
    ask(r, info("r-1", policy=Policy(response_cache_namespace="team")), "Hi Ada Lovelace")
    barred = Policy(response_cache_namespace="team", tiers=("r1",))
    with pytest.raises(PermissionDenied):
        ask(r, info("r-2", client="bob", policy=barred), "Hi Grace Hopper")
