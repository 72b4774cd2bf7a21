"""The central cluster as a fleet of two real OpenAI-compatible servers (``llama_cpp.server``
on the small model, loopback). Each is reached through a loopback TCP proxy that holds each
answer's first byte back — 0.1 s for the near one, 0.4 s for the farther one; the servers
themselves are real. The local tier reports itself loading, so every request goes to the
fleet. Shares are printed; one endpoint is killed mid-run and comes back.

The fleet reads time to first token on a virtual clock that only the proxies advance, by
their delay: what the fleet measures is the distance set here, not how long a loaded machine
took to answer, so its EWMAs, weights and (with a seeded choice) shares are deterministic."""

from __future__ import annotations

import asyncio
import random
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest

from appliance import config as cfgmod
from appliance.client import NO_RETRY, Client, RpcError
from appliance.config import EndpointConfig, FallbackConfig, ModelConfig
from appliance.routing.fleet import CentralFleet
from tests import cluster as servers
from tests.inprocess import InProcessServer
from tests.integration.test_fallback import LoadingEngine

NEAR_DELAY_S, DELAY_S = 0.1, 0.4


class VirtualClock:
    """The fleet's clock (TTFT and the age of measurements): it moves only when a proxy holds
    an answer back, by exactly that delay."""

    def __init__(self) -> None:
        self._now = 1000.0
        self._lock = threading.Lock()

    def __call__(self) -> float:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._now += seconds


class SlowProxy:
    """Forwards a loopback port to another, holding the first bytes of each answer back
    ``delay`` s (every request on a kept-alive connection too); for a completion (not a
    probe's GET /models) it also advances ``clock`` by ``delay``."""

    def __init__(self, upstream: int, delay: float, clock: VirtualClock) -> None:
        self.upstream, self.delay, self.clock = upstream, delay, clock
        self.port = servers.free_port()
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self._thread.start()
        self._server = asyncio.run_coroutine_threadsafe(asyncio.start_server(
            self._client, "127.0.0.1", self.port), self.loop).result(10)

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_r, up_w = await asyncio.open_connection("127.0.0.1", self.upstream)
        except OSError:
            writer.close()
            return

        asked = asyncio.Event()  # a request went up; its answer's first bytes wait
        completion = [False]  # ... and it was a completion, whose TTFT the fleet measures

        async def up() -> None:
            try:
                while data := await reader.read(65536):
                    if not asked.is_set():
                        completion[0] = b"/completions " in data
                    asked.set()
                    up_w.write(data)
                    await up_w.drain()
            except OSError:
                pass
            finally:
                up_w.close()

        async def down() -> None:
            try:
                while data := await up_r.read(65536):
                    if asked.is_set():  # the first bytes of an answer (keep-alive or not)
                        asked.clear()
                        await asyncio.sleep(self.delay)
                        if completion[0]:
                            self.clock.advance(self.delay)
                    writer.write(data)
                    await writer.drain()
            except OSError:
                pass
            finally:
                writer.close()

        await asyncio.gather(up(), down())

    def close(self) -> None:
        async def shutdown() -> None:
            # End every forwarding task on its own loop, so that their sockets close here and
            # not in a later test's garbage collection (an unraisable warning fails that test).
            self._server.close()
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for t in tasks:
                t.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            await asyncio.sleep(0)  # let the transports' close callbacks run

        asyncio.run_coroutine_threadsafe(shutdown(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(10)
        self.loop.close()


class Fleet:
    def __init__(self, tmp: Path, model_path: Path) -> None:
        self.tmp, self.model = tmp, model_path
        self.port_a, self.port_b = servers.free_port(), servers.free_port()
        self.a = servers.start(model_path, tmp / "a.log", self.port_a)
        self.b = servers.start(model_path, tmp / "b.log", self.port_b)
        self.clock = VirtualClock()
        self.near_proxy = SlowProxy(self.port_a, NEAR_DELAY_S, self.clock)
        self.proxy = SlowProxy(self.port_b, DELAY_S, self.clock)
        for port in (self.port_a, self.port_b):  # warm: a cold first answer is not the case here
            httpx.post(f"http://127.0.0.1:{port}/v1/chat/completions", timeout=120, json={
                "messages": [{"role": "user", "content": "Hi"}], "max_tokens": 2})
        fb = FallbackConfig(
            endpoints=(EndpointConfig(url=f"http://127.0.0.1:{self.near_proxy.port}/v1",
                                      name="near"),
                       EndpointConfig(url=f"http://127.0.0.1:{self.proxy.port}/v1",
                                      name="far")),
            probe_interval_seconds=0.5, breaker_failures=1, breaker_cooldown_seconds=1.0,
            connect_timeout_seconds=1.0, max_retries=1, backoff_initial_ms=10)
        models = {t: ModelConfig(tier=t, path=model_path, n_threads=1, chat_template="gemma",
                                 slots=1) for t in cfgmod.TIERS}
        cfg = replace(cfgmod.embedded_default(), state_dir=tmp / "state", models=models,
                      fallback=fb, server=replace(cfgmod.ServerConfig(), listen="127.0.0.1:0"))
        # A seeded choice on the virtual clock: the shares are the same on every run.
        self.server = InProcessServer(cfg, wrap=LoadingEngine, central=CentralFleet(
            fb, rng=random.Random(5).random, clock=self.clock))

    def requests(self) -> dict[str, int]:
        with Client(self.server.address, timeout=30, retry=NO_RETRY) as c:
            return {e.name: e.requests for e in c.status().central_endpoints}

    def state(self, name: str) -> str:
        with Client(self.server.address, timeout=30, retry=NO_RETRY) as c:
            return next(e.state for e in c.status().central_endpoints if e.name == name)

    def close(self) -> None:
        self.server.stop()
        self.proxy.close()
        self.near_proxy.close()
        for proc in (self.a, self.b):
            servers.stop(proc)


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory, model_path: Path) -> Iterator[Fleet]:
    f = Fleet(tmp_path_factory.mktemp("fleet"), model_path)
    yield f
    f.close()


def _ask(fleet: Fleet) -> str:
    """One streamed request: "ok", "lost" (failed before any text: must never happen while an
    endpoint lives) or "cut" (failed mid-stream)."""
    got_text = False
    try:
        with Client(fleet.server.address, timeout=60, retry=NO_RETRY) as c:
            for chunk in c.stream(messages=[("user", "Say hello.")], max_tokens=8,
                                  temperature=0.0):
                got_text = got_text or bool(chunk.text)
    except RpcError:
        return "cut" if got_text else "lost"
    return "ok"


def test_both_endpoints_serve_and_the_nearer_one_more(fleet: Fleet) -> None:
    """Both endpoints take requests; the one four times nearer to its first token has the
    larger weight and the larger share."""
    before = fleet.requests()
    results = [_ask(fleet) for _ in range(24)]
    after = fleet.requests()
    shares = {n: after[n] - before.get(n, 0) for n in after}
    with Client(fleet.server.address, timeout=30, retry=NO_RETRY) as c:
        eps = {e.name: e for e in c.status().central_endpoints}
    print(f"\nfleet shares over 24 requests (near: +{NEAR_DELAY_S} s, far: +{DELAY_S} s to "
          f"first byte): {shares}; "
          + ", ".join(f"{n}: TTFT EWMA {e.ttft_ewma_ms:.0f} ms, weight {e.weight:.2f}"
                      for n, e in eps.items()))
    assert results == ["ok"] * 24
    assert eps["near"].weight > eps["far"].weight > 0
    assert shares["near"] > shares["far"] > 0, shares


def test_a_killed_endpoint_loses_nothing_unstarted_and_comes_back(fleet: Fleet) -> None:
    outcomes: list[str] = []
    stop = threading.Event()

    def traffic() -> None:
        while not stop.is_set():
            outcomes.append(_ask(fleet))

    worker = threading.Thread(target=traffic)
    worker.start()
    time.sleep(2.0)
    servers.stop(fleet.a)  # mid-run: the near endpoint goes away
    time.sleep(4.0)
    killed_at = len(outcomes)
    time.sleep(2.0)
    stop.set()
    worker.join(120)
    print(f"\nkilled mid-run: {outcomes.count('ok')} ok, {outcomes.count('cut')} cut off "
          f"mid-stream, {outcomes.count('lost')} lost before their first byte")
    assert "lost" not in outcomes, outcomes
    assert outcomes[killed_at:].count("ok") == len(outcomes[killed_at:]) > 0  # far serves
    assert fleet.state("near") in ("open", "half_open")

    fleet.a = servers.start(fleet.model, fleet.tmp / "a.log", fleet.port_a)
    deadline = time.monotonic() + 30
    while fleet.state("near") != "closed":  # its probe closes the breaker
        assert time.monotonic() < deadline, "the near endpoint was not picked up again"
        time.sleep(0.3)
    before = fleet.requests()["near"]
    results = [_ask(fleet) for _ in range(8)]
    assert results == ["ok"] * 8
    assert fleet.requests()["near"] > before


def test_status_shows_each_endpoint(fleet: Fleet) -> None:
    """Admin.GetStatus lists each endpoint with its URL, static weight and TTFT EWMA (the
    far one's is its proxy's delay, the near one's less)."""
    with Client(fleet.server.address, timeout=30, retry=NO_RETRY) as c:
        eps: Any = {e.name: e for e in c.status().central_endpoints}
    assert set(eps) == {"near", "far"}
    assert DELAY_S * 1000 == pytest.approx(eps["far"].ttft_ewma_ms)
    assert eps["far"].ttft_ewma_ms > eps["near"].ttft_ewma_ms
    assert eps["far"].url.startswith("http://127.0.0.1:")
    assert all(e.static_weight == 1.0 for e in eps.values())


def test_the_audit_record_names_the_endpoint_that_answered(fleet: Fleet) -> None:
    from appliance.audit.keys import load_officer_private
    from appliance.audit.verify import verify_dir

    assert _ask(fleet) == "ok"
    state = fleet.tmp / "state"
    key = load_officer_private(state / "dev-officer" / "officer.key")
    deadline = time.monotonic() + 20
    while True:
        records: list[dict[str, Any]] = []
        verify_dir(state / "audit", key, None, records.append)
        ends = [r for r in records if r.get("type") == "end" and r.get("route") == "central"]
        if ends or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert ends
    assert {r.get("central_endpoint") for r in ends} <= {"near", "far"}
    assert {"near", "far"} & {r.get("central_endpoint") for r in ends}
