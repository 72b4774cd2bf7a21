"""Overflow to a real central cluster: llama-cpp-python's OpenAI-compatible server on loopback,
serving the same small model (the test's stand-in for vLLM / llama-server / TGI)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import grpc
import pytest

from appliance import config as cfgmod
from appliance.client import NO_RETRY, Client, RpcError
from appliance.config import FallbackConfig, ModelConfig
from appliance.errors import EngineFailure, Unavailable
from appliance.routing.central import CentralClient
from tests.cluster import free_port, serve
from tests.inprocess import InProcessServer

EMAIL = "ann.lee@example.com"


@pytest.fixture(scope="module")
def cluster(model_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with serve(model_path, tmp_path_factory.mktemp("cluster") / "server.log") as url:
        yield url


class RecordingCentral:
    """Wraps the real central client and records the messages it sends to the cluster."""

    def __init__(self, inner: Any, sent: list[str]) -> None:
        self._inner = inner
        self.sent = sent

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def generate(self, messages: Any, params: Any, tier: str) -> Any:
        self.sent.extend(m.content for m in messages)
        return self._inner.generate(messages, params, tier)


def _config(tmp: Path, model: Path, fallback: FallbackConfig) -> cfgmod.Config:
    models = {t: ModelConfig(tier=t, path=model, n_threads=1, chat_template="gemma", slots=1,
                             queue_limit=1) for t in cfgmod.TIERS}
    return replace(cfgmod.embedded_default(), state_dir=tmp, models=models, fallback=fallback,
                   server=replace(cfgmod.ServerConfig(), listen="127.0.0.1:0"))


def _burst(address: str, n: int, prompt: str) -> list[Any]:
    results: list[Any] = [None] * n

    def ask(i: int) -> None:
        with Client(address, retry=NO_RETRY) as c:
            try:
                results[i] = c.generate(prompt, max_tokens=24, temperature=0.0)
            except RpcError as exc:
                results[i] = exc

    threads = [threading.Thread(target=ask, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    return results


def test_overflow_goes_central_with_only_placeholders(cluster: str, tmp_path: Path,
                                                      model_path: Path) -> None:
    """1 slot + queue 1 locally, 6 concurrent requests: all succeed, some served centrally,
    and the cluster received placeholders, never the e-mail address."""
    sent: list[str] = []
    fb = FallbackConfig(url=cluster, allowed_pii_types=("EMAIL_ADDRESS",),
                        max_local_wait_ms=60_000)
    server = InProcessServer(_config(tmp_path, model_path, fb),
                             central=RecordingCentral(CentralClient(fb), sent))
    try:
        results = _burst(server.address, 6, f"Write to {EMAIL} about the meeting.")
    finally:
        server.stop()
    assert all(not isinstance(r, RpcError) for r in results), results
    places = [r.served_by for r in results]
    assert "central" in places
    assert "local" in places
    central = [r for r in results if r.served_by == "central"]
    assert all(r.route_reason == "fallback:queue_full" for r in central)
    assert all(r.usage.prompt_tokens > 0 for r in central), [r.usage for r in central]
    assert sent
    assert all(EMAIL not in s and "<EMAIL_ADDRESS_1>" in s for s in sent)


def test_pii_policy_keeps_requests_local(cluster: str, tmp_path: Path,
                                         model_path: Path) -> None:
    """With no PII types allowed to leave (the default), a request with an e-mail is never
    sent: beyond local capacity it gets RESOURCE_EXHAUSTED with retry-after."""
    sent: list[str] = []
    fb = FallbackConfig(url=cluster)
    server = InProcessServer(_config(tmp_path, model_path, fb),
                             central=RecordingCentral(CentralClient(fb), sent))
    try:
        results = _burst(server.address, 5, f"Write to {EMAIL} about the meeting.")
    finally:
        server.stop()
    assert [] == sent
    refused = [r for r in results if isinstance(r, RpcError)]
    assert refused
    assert all(r.code == grpc.StatusCode.RESOURCE_EXHAUSTED and r.retry_after for r in refused)


def test_dead_cluster_opens_the_breaker_and_fails_fast(tmp_path: Path,
                                                       model_path: Path) -> None:
    """Nothing listens at the cluster address: overflow attempts fail as RESOURCE_EXHAUSTED
    with retry-after, the breaker opens, and later refusals do not wait on the cluster."""
    fb = FallbackConfig(url=f"http://127.0.0.1:{free_port()}/v1", max_retries=0,
                        breaker_failures=2, breaker_cooldown_seconds=600)
    sent: list[str] = []
    server = InProcessServer(_config(tmp_path, model_path, fb),
                             central=RecordingCentral(CentralClient(fb), sent))
    try:
        results = _burst(server.address, 6, "Tell me about the meeting.")
        with Client(server.address) as c:
            breaker = c.status().central_breaker_state
        attempts = len(sent)
        late = _burst(server.address, 4, "Tell me about the meeting.")
    finally:
        server.stop()
    refused = [r for r in results + late if isinstance(r, RpcError)]
    assert refused
    assert all(r.code == grpc.StatusCode.RESOURCE_EXHAUSTED and r.retry_after for r in refused)
    assert "open" == breaker
    assert attempts > 0
    assert attempts == len(sent)  # with the breaker open, nothing more went to the cluster


class FailingEngine:
    """A fake engine: the real one, except that every generation fails before its first token
    the way a llama.cpp decode error does (EngineFailure)."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    async def generate(self, *_args: Any, **_kwargs: Any) -> Any:
        raise EngineFailure("injected decode failure", engine="fake")
        yield  # an async generator, like the real one


class LoadingEngine:
    """A fake engine that is still loading (as during start-up or a reload)."""

    state = "loading"

    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def check_ready(self) -> None:
        raise Unavailable("model v3+r1 is loading")


@pytest.mark.parametrize(("fake", "reason", "without"), [
    (FailingEngine, "fallback:local_failure", grpc.StatusCode.INTERNAL),
    (LoadingEngine, "fallback:local_loading", grpc.StatusCode.UNAVAILABLE),
])
def test_local_failure_or_loading_goes_central(cluster: str, tmp_path: Path, model_path: Path,
                                               fake: Any, reason: str,
                                               without: grpc.StatusCode) -> None:
    """A local engine that fails before its first token, or is not loaded yet: the request
    is served by the cluster and says why; when it may not leave, the local error stands."""
    server = InProcessServer(_config(tmp_path, model_path, FallbackConfig(url=cluster)),
                             wrap=fake)
    try:
        with Client(server.address, timeout=120, retry=NO_RETRY) as c:
            r = c.generate(messages=[("user", "Say hello.")], max_tokens=8, temperature=0.0)
            assert ("central", reason) == (r.served_by, r.route_reason)
            assert r.finish_reason
            with pytest.raises(RpcError) as err:
                c.generate(messages=[("user", "Say hello.")], max_tokens=8,
                           allow_fallback=False)
            assert without == err.value.code
    finally:
        server.stop()


def test_health_probe_opens_and_closes_the_breaker(cluster: str) -> None:
    """GET /models probes: a dead address opens the breaker without any request paying for
    it; the live cluster closes it again."""
    import asyncio

    from appliance.routing.central import CentralClient

    async def run() -> tuple[list[bool], str, bool, str]:
        dead = CentralClient(FallbackConfig(url=f"http://127.0.0.1:{free_port()}/v1",
                                            breaker_failures=2, connect_timeout_seconds=0.5))
        results = [await dead.probe() for _ in range(3)]
        dead_state = dead.breaker.state
        await dead.close()
        live = CentralClient(FallbackConfig(url=cluster, breaker_failures=2))
        live.breaker.failure()
        live.breaker.failure()
        assert "open" == live.breaker.state
        ok = await live.probe()
        state = live.breaker.state
        await live.close()
        return results, dead_state, ok, state

    results, dead_state, ok, state = asyncio.run(run())
    assert [False, False, False] == results
    assert "open" == dead_state
    assert ok
    assert "closed" == state
