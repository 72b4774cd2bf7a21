"""The response cache in a shared Redis (appliance/state/cache_store.py, issue 35), against a
real redis-server: an answer kept through one box's pipeline is a hit through another's with
that box's own values, another identity misses, nothing in Redis holds a PII value or the
masked text, the byte budget of all boxes together, a reload that empties nothing shared, and
Redis down (a miss, a dropped store, counted and logged without a value).

Each "box" is its own pipeline, ResponseCache and Redis client (test_pipeline's fakes for the
engine, PII stage and audit, as tests/unit/test_response_cache.py); Redis is real.
"""

from __future__ import annotations

import asyncio
import dataclasses
import itertools
import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import structlog

from appliance.config import CacheConfig, ModelConfig, Policy, StateConfig, embedded_default
from appliance.engine.facts import ModelFacts
from appliance.generation import Message
from appliance.pipeline import Pipeline, Services
from appliance.request import Chunk, GenerateParams, RequestInfo
from appliance.stages.cache import RETRY_AFTER_S, CachedAnswer, ResponseCache, tier_settings
from appliance.state.cache_store import ENTRY_OVERHEAD, CacheKeys, RedisCacheStore, unseal
from appliance.state.local import Quotas, RateLimits
from appliance.state.redis_state import RedisState, connect
from tests.redisserver import RedisServer
from tests.unit.test_pipeline import FakeRegistry, LiteralPrivacy, RecordingAudit, ScriptedEngine

PASSWORD = "cache-pass-for-tests"  # noqa: S105 - a test server's password
ENV = {"TEST_REDIS_PASSWORD": PASSWORD}
SHA = "cd" * 32
#: The personal data in the prompts: none of it may reach Redis.
PII = ("Ada Lovelace", "Grace Hopper", "Alan Turing")
#: (Not "ada" alone: it is three hex digits, and key names are hex.)
PII_WORDS = ("ada lovelace", "lovelace", "grace", "hopper", "alan", "turing")
#: The prompt's own words (masked text): not in Redis either, only an HMAC of the key.
PROMPT_WORDS = ("summarise", "case")
_prefixes = itertools.count()


class Clock:
    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    s = RedisServer(tmp_path_factory.mktemp("redis"), password=PASSWORD).start()
    yield s
    s.stop()


@pytest.fixture
def prefix() -> str:
    return f"c{next(_prefixes)}:"


def state_config(url: str, prefix: str, **kw: Any) -> StateConfig:
    return StateConfig(backend=url, password_env="TEST_REDIS_PASSWORD", key_prefix=prefix,
                       timeout_seconds=2.0, **kw)


#: Every state backend a test opened, closed by :func:`close_all` at the end of its loop.
_opened: list[RedisState] = []


def redis_state(url: str, prefix: str, tmp_path: Path, **kw: Any) -> RedisState:
    """A box's state backend (its own client: call inside the test's event loop)."""
    config = state_config(url, prefix, **kw)
    state = RedisState(config, connect(config, ENV), RateLimits(Quotas(tmp_path / "q.json")))
    _opened.append(state)
    return state


async def close_all() -> None:
    while _opened:
        await _opened.pop().aclose()


async def closing(coro: Any) -> Any:
    """Run the test's coroutine, then close the clients it opened (in its own loop)."""
    try:
        return await coro
    finally:
        await close_all()


def shared_cache(url: str, prefix: str, tmp_path: Path, *, max_bytes: int = 1 << 20,
                 ttl: float = 3600, clock: Clock | None = None,
                 wall: Clock | None = None, **kw: Any) -> ResponseCache:
    state = redis_state(url, prefix, tmp_path, **kw)
    store = RedisCacheStore.for_state(state, ttl, max_bytes)
    return ResponseCache(max_bytes, ttl, clock or Clock(), shared=store,
                         wall_clock=wall or Clock(1.7e9))


@dataclasses.dataclass
class Box:
    pipeline: Pipeline
    engine: ScriptedEngine
    cache: ResponseCache


def box(cache: ResponseCache, pieces: tuple[str, ...] = ("Dear ", "<PERSON_1>", ", noted."),
        template: str = "auto") -> Box:
    cfg = replace(embedded_default(),
                  models={"v3": ModelConfig(tier="v3", chat_template=template),
                          "r1": ModelConfig(tier="r1")})
    engines = {"v3": ScriptedEngine("v3", pieces), "r1": ScriptedEngine("r1", ("deep",))}
    for engine in engines.values():
        engine.facts = ModelFacts(Path("m.gguf"), SHA, 1, "gemma3", "Q4_K_M", 2048, 2048,
                                  None, "")
    services = Services(config=cfg, registry=FakeRegistry(engines),  # type: ignore[arg-type]
                        privacy=LiteralPrivacy(*PII), pii_profiles={}, audit=RecordingAudit(),
                        central=None, limits=RateLimits(), cache=cache)
    return Box(Pipeline(services, lambda: None), engines["v3"], cache)


def info(request_id: str, client: str = "alice", policy: Policy | None = None) -> RequestInfo:
    return RequestInfo(request_id=request_id, method="Generate", client=client,
                       policy=policy or Policy())


async def ask(b: Box, ri: RequestInfo, prompt: str, **kw: Any) -> str:
    params = GenerateParams(messages=(Message("user", prompt),), model="v3", temperature=0.0,
                            **kw)
    chunks: list[Chunk] = [c async for c in b.pipeline.run(params, ri, None)]
    return "".join(c.text for c in chunks)


def dump(server: RedisServer, prefix: str) -> dict[bytes, Any]:
    """Every key under ``prefix`` and its value, as bytes (values are binary)."""
    import redis

    r = redis.Redis(host="127.0.0.1", port=server.port, password=PASSWORD, socket_timeout=5)
    out: dict[bytes, Any] = {}
    for key in r.scan_iter(match=f"{prefix}*", count=1000):
        kind = r.type(key)
        if kind == b"string":
            out[key] = r.get(key)
        elif kind == b"hash":
            out[key] = r.hgetall(key)
        elif kind == b"zset":
            out[key] = r.zrange(key, 0, -1, withscores=True)
        else:
            out[key] = kind
    return out


def entry_values(server: RedisServer, prefix: str) -> dict[bytes, bytes]:
    return {k: v for k, v in dump(server, prefix).items() if b"}:e:" in k}


# -- across boxes, through the pipeline --

def test_an_answer_kept_on_one_box_is_a_hit_on_another(server: RedisServer, prefix: str,
                                                       tmp_path: Path) -> None:
    """Box a generates and keeps; box b (its own client, memory and engine) finds it for the
    same identity and restores it with its own caller's value; b's model is never asked."""
    async def go() -> None:
        a = box(shared_cache(server.url, prefix, tmp_path))
        b = box(shared_cache(server.url, prefix, tmp_path))
        first = info("r-1")
        assert "Dear Ada Lovelace, noted." == await ask(a, first, "Summarise Ada Lovelace's case")
        second = info("r-2")
        assert "Dear Grace Hopper, noted." == await ask(b, second,
                                                        "Summarise Grace Hopper's case")
        assert ("miss", "hit", "r-1") == (first.cache, second.cache, second.cached_from)
        assert (1, 0) == (len(a.engine.sampling), len(b.engine.sampling))
        assert (1, 1, 0) == (a.cache.stores, b.cache.hits, b.cache.misses)
        assert 1 == len(a.cache)  # the shared entries, as a's store saw them

    asyncio.run(closing(go()))


def test_another_identity_misses_unless_a_namespace_is_shared(server: RedisServer,
                                                              prefix: str,
                                                              tmp_path: Path) -> None:
    async def go() -> None:
        a = box(shared_cache(server.url, prefix, tmp_path))
        b = box(shared_cache(server.url, prefix, tmp_path))
        await ask(a, info("r-1", client="alice"), "Summarise Ada Lovelace's case")
        other = info("r-2", client="bob")
        await ask(b, other, "Summarise Ada Lovelace's case")
        assert ("miss", 1) == (other.cache, len(b.engine.sampling))
        team = Policy(response_cache_namespace="team")
        await ask(a, info("r-3", client="carol", policy=team), "Summarise Ada Lovelace's case")
        mate = info("r-4", client="dave", policy=team)
        assert "Dear Alan Turing, noted." == await ask(b, mate, "Summarise Alan Turing's case")
        assert ("hit", 1) == (mate.cache, len(b.engine.sampling))

    asyncio.run(closing(go()))


def test_redis_holds_no_pii_value_and_no_masked_text(server: RedisServer, prefix: str,
                                                     tmp_path: Path) -> None:
    """Every key and value under the prefix, raw and (values) unsealed: no PII value, no word
    of the prompt; the unsealed value is the masked answer, placeholders only; the entry's
    Redis TTL is the cache's."""
    async def go() -> RedisCacheStore:
        cache = shared_cache(server.url, prefix, tmp_path, ttl=600)
        a = box(cache, pieces=("<PERSON_1> and <PERSON_2> met.",))
        text = await ask(a, info("r-1"), "Summarise Ada Lovelace and Grace Hopper's case")
        assert "Ada Lovelace and Grace Hopper met." == text
        assert isinstance(cache.shared, RedisCacheStore)
        return cache.shared

    store = asyncio.run(closing(go()))
    held = dump(server, prefix)
    assert len(held) == 4  # the entry, the index, the sizes, the total
    raw = repr(held).lower()
    for word in (*PII_WORDS, *PROMPT_WORDS, "person"):
        assert word not in raw, word
    [(name, blob)] = entry_values(server, prefix).items()
    fields = unseal(store.keys, name.decode(), blob)
    plain = json.dumps(fields).lower()
    assert "<person_1> and <person_2> met." in plain
    for word in PII_WORDS:
        assert word not in plain, word
    import redis

    r = redis.Redis(host="127.0.0.1", port=server.port, password=PASSWORD)
    assert 0 < r.pttl(name) <= 600_000


def test_a_value_does_not_open_under_another_key_or_secret(server: RedisServer, prefix: str,
                                                           tmp_path: Path) -> None:
    """A sealed value moved under another entry's name is a miss, and boxes with another
    secret (identity_key_file) neither name nor open the same entries."""
    secret = tmp_path / "ident.key"
    secret.write_bytes(b"k" * 32)

    async def go() -> None:
        a = shared_cache(server.url, prefix, tmp_path, identity_key_file=secret)
        stranger = shared_cache(server.url, prefix, tmp_path)
        assert await a.store("key-1", CachedAnswer("one <PERSON_1>", "", "stop", 3, 2, "r-1"),
                             a.generation)
        assert await a.lookup("key-1") is not None
        assert await stranger.lookup("key-1") is None
        assert isinstance(a.shared, RedisCacheStore)
        k = a.shared.keys
        await a.shared.client.copy(k.entry("key-1"), k.entry("key-2"))
        assert await a.lookup("key-2") is None
        assert await a.shared.get("key-2") is None  # the value is there, and does not open

    asyncio.run(closing(go()))


def test_the_budget_of_all_boxes_drops_the_oldest(server: RedisServer, prefix: str,
                                                  tmp_path: Path) -> None:
    """max_bytes counts every box's entries: a store over it drops the entries kept first
    (of either box), and Redis' total is the sum of the sizes of the entries left."""
    one = CachedAnswer("x" * 100, "", "stop", 3, 2, "r")

    async def go() -> None:
        wall = Clock(1.7e9)
        # One entry's size in Redis, under a prefix of the same length (the key name counts).
        probe = shared_cache(server.url, "p" + prefix[1:], tmp_path)
        await probe.store("k", one, 0)
        size = probe.bytes
        assert size > ENTRY_OVERHEAD + 100
        a = shared_cache(server.url, prefix, tmp_path, max_bytes=2 * size + 10, wall=wall)
        b = shared_cache(server.url, prefix, tmp_path, max_bytes=2 * size + 10, wall=wall)
        for cache, key in ((a, "k1"), (b, "k2"), (a, "k3")):
            wall.now += 1
            assert await cache.store(key, one, 0)
        assert [False, True, True] == [await a.lookup(k) is not None
                                       for k in ("k1", "k2", "k3")]
        assert (1, 2 * size, 2) == (a.evictions, a.bytes, len(a))
        # A whole budget too small for one answer keeps nothing.
        tiny = shared_cache(server.url, prefix + "tiny:", tmp_path, max_bytes=size - 1)
        assert not await tiny.store("k", one, 0)

    asyncio.run(closing(go()))


def test_expired_entries_leave_the_budget(server: RedisServer, prefix: str,
                                          tmp_path: Path) -> None:
    """An entry past its TTL (by the storing box's clock) is forgotten by the next store:
    its bytes no longer count."""
    one = CachedAnswer("y" * 50, "", "stop", 3, 2, "r")

    async def go() -> None:
        wall = Clock(1.7e9)
        cache = shared_cache(server.url, prefix, tmp_path, ttl=60, wall=wall)
        await cache.store("old", one, 0)
        size = cache.bytes
        wall.now += 61
        await cache.store("new", one, 0)
        assert (1, size, 1) == (cache.expired, cache.bytes, len(cache))

    asyncio.run(closing(go()))


def test_a_reload_keeps_shared_answers_and_drops_those_begun_before_it(
        server: RedisServer, prefix: str, tmp_path: Path) -> None:
    """The key holds the model's SHA-256 and the tier's settings: a reload of the same file
    and settings still hits (nothing to flush), an answer begun before the reload is not
    kept, and a box whose tier has another template misses."""
    async def go() -> None:
        a = box(shared_cache(server.url, prefix, tmp_path))
        await ask(a, info("r-1"), "Summarise Ada Lovelace's case")
        begun = a.cache.generation
        a.cache.clear()
        again = info("r-2")
        await ask(a, again, "Summarise Ada Lovelace's case")
        assert "hit" == again.cache
        assert not await a.cache.store("late", CachedAnswer("z", "", "stop", 1, 1, "r"), begun)
        other = box(shared_cache(server.url, prefix, tmp_path), template="plain")
        differs = info("r-3")
        await ask(other, differs, "Summarise Ada Lovelace's case")
        assert "miss" == differs.cache

    asyncio.run(closing(go()))
    assert tier_settings(ModelConfig(tier="v3")) != tier_settings(
        ModelConfig(tier="v3", reasoning_budget=64))
    assert tier_settings(ModelConfig(tier="v3")) == tier_settings(
        ModelConfig(tier="v3", n_threads=3, slots=7))


def test_from_config_shares_only_with_a_redis_state(server: RedisServer, prefix: str,
                                                    tmp_path: Path) -> None:
    async def go() -> None:
        state = redis_state(server.url, prefix, tmp_path)
        on = CacheConfig(enabled=True)
        shared = ResponseCache.from_config(on, state)
        assert shared is not None
        assert isinstance(shared.shared, RedisCacheStore)
        local = ResponseCache.from_config(replace(on, shared=False), state)
        assert local is not None
        assert local.shared is None
        alone = ResponseCache.from_config(on, RateLimits())
        assert alone is not None
        assert alone.shared is None
        assert ResponseCache.from_config(CacheConfig(), state) is None

    asyncio.run(closing(go()))


# -- Redis down --

def test_redis_down_is_a_miss_and_a_dropped_store_never_an_error(tmp_path: Path) -> None:
    """Nothing listens where Redis should be: the request is served (a miss), its answer
    is not kept; both counted; the outage logged once, with no value, key or text; the
    store is not asked again until RETRY_AFTER_S has passed."""
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    clock = Clock()

    async def go() -> None:
        cache = shared_cache(f"redis://127.0.0.1:{port}/0", "down:", tmp_path, clock=clock)
        b = box(cache)
        with structlog.testing.capture_logs() as logs:
            first = info("r-1")
            assert "Dear Ada Lovelace, noted." == await ask(b, first,
                                                            "Summarise Ada Lovelace's case")
            second = info("r-2")
            assert "Dear Grace Hopper, noted." == await ask(b, second,
                                                            "Summarise Grace Hopper's case")
        assert ("miss", "miss", 2) == (first.cache, second.cache, len(b.engine.sampling))
        assert ({"lookup": 2, "store": 2}, 2, 0) == (cache.errors, cache.misses, cache.stores)
        down = [e for e in logs if e["event"] == "response_cache_unavailable"]
        assert 1 == len(down)
        assert "lookup" == down[0]["operation"]
        assert str(port) in down[0]["backend"]
        text = json.dumps(logs, default=str).lower()
        for word in (*PII_WORDS, PASSWORD):
            assert word not in text, word
        for word in PROMPT_WORDS:
            assert word not in json.dumps(down).lower(), word
        # Past the pause, the store is asked again (and fails again: counted again).
        clock.now += RETRY_AFTER_S
        assert await cache.lookup("k") is None
        assert 3 == cache.errors["lookup"]

    asyncio.run(closing(go()))


def test_redis_killed_then_back(tmp_path: Path) -> None:
    """A box with a live shared cache; Redis killed: misses, not errors; Redis back (empty):
    answers are kept and found again, and the recovery is logged."""
    clock = Clock()
    server = RedisServer(tmp_path / "redis", password=PASSWORD).start()
    try:
        async def go() -> None:
            cache = shared_cache(server.url, "k:", tmp_path, clock=clock)
            b = box(cache)
            await ask(b, info("r-1"), "Summarise Ada Lovelace's case")
            assert 1 == cache.stores
            server.kill()
            gone = info("r-2")
            assert "Dear Grace Hopper, noted." == await ask(b, gone,
                                                            "Summarise Grace Hopper's case")
            assert "miss" == gone.cache
            assert cache.errors["lookup"] >= 1
            server.start()
            clock.now += RETRY_AFTER_S
            with structlog.testing.capture_logs() as logs:
                await ask(b, info("r-3"), "Summarise Ada Lovelace's case")
            back = info("r-4")
            await ask(b, back, "Summarise Alan Turing's case")
            assert "hit" == back.cache
            assert ["response_cache_available"] == [
                e["event"] for e in logs if e["event"].startswith("response_cache")]

        asyncio.run(closing(go()))
    finally:
        server.stop()


def test_cache_keys_are_hmacs_of_the_cache_key() -> None:
    keys = CacheKeys.derive("p:", b"s" * 16)
    other = CacheKeys.derive("p:", b"t" * 16)
    name = keys.entry("a" * 64)
    assert name.startswith("p:{rc}:e:")
    assert 32 == len(name.rsplit(":", 1)[1])
    assert "a" * 8 not in name
    assert name != other.entry("a" * 64)
    assert keys.entry("a" * 64) == name
