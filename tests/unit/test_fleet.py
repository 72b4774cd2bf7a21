"""The central fleet's choice and failover, with scripted endpoints (fakes of
CentralClient: the real client against real servers is in tests/integration/test_fleet.py).
Time to first token is read on a fake clock that an endpoint advances by its delay, so the
shares depend on the scripted delays and the seeded choice only, never on the machine's load."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator, Sequence
from typing import Any

import pytest

from appliance.config import EndpointConfig, FallbackConfig
from appliance.engine.types import Event, Finished, SamplingParams, TextPiece
from appliance.errors import Unavailable
from appliance.generation import Message
from appliance.request import RequestInfo, current_request
from appliance.routing.central import CircuitBreaker
from appliance.routing.fleet import CentralFleet


class FakeClock:
    """The fleet's clock: it moves only when an endpoint says it took time."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class FakeEndpoint:
    """A scripted endpoint: answers ``delay`` s later on the fake clock, or fails before (or
    after) its first piece."""

    def __init__(self, name: str, delay: float = 0.0, weight: float = 1.0) -> None:
        self.name = name
        self.clock = FakeClock()  # the fleet's, once in one (_fleet)
        self.endpoint = EndpointConfig(url=f"http://{name}.example/v1", weight=weight)
        self.breaker = CircuitBreaker(1, 3600)
        self.delay = delay
        self.fail = ""  # "", "before" or "after"
        self.calls = 0

    @property
    def state(self) -> str:
        return self.breaker.state

    def available(self) -> bool:
        return self.breaker.state != "open"

    async def generate(self, messages: Sequence[Message], params: SamplingParams,
                       tier: str) -> AsyncIterator[Event]:
        self.calls += 1
        await asyncio.sleep(0)
        self.clock.now += self.delay
        if self.fail == "before":
            self.breaker.failure()
            raise Unavailable("endpoint down")
        yield TextPiece(self.name)
        if self.fail == "after":
            raise Unavailable("cut off")
        yield Finished("stop", 0, 1)


def _fleet(*eps: FakeEndpoint, retries: int = 2, seed: int = 1) -> CentralFleet:
    import random

    cfg = FallbackConfig(endpoints=tuple(e.endpoint for e in eps), max_retries=retries,
                         timeout_seconds=30)
    clock = FakeClock()
    for e in eps:
        e.clock = clock
    return CentralFleet(cfg, rng=random.Random(seed).random, clients=eps,  # type: ignore[arg-type]
                        clock=clock)


async def _ask(fleet: CentralFleet) -> str:
    out = []
    async for ev in fleet.generate([Message("user", "hi")], SamplingParams(4), "v3"):
        if isinstance(ev, TextPiece):
            out.append(ev.text)
    return "".join(out)


def test_the_faster_endpoint_gets_more_and_a_dead_one_none() -> None:
    """An endpoint five times slower to its first token gets a smaller share, not none; one
    whose breaker is open gets nothing."""
    fast, slow = FakeEndpoint("fast", 0.01), FakeEndpoint("slow", 0.05)
    fleet = _fleet(fast, slow)

    async def run() -> Counter[str]:
        return Counter([await _ask(fleet) for _ in range(100)])

    shares = asyncio.run(run())
    assert shares["fast"] > 3 * shares["slow"] > 0, shares  # falls smoothly, not to zero
    slow.breaker.failure()  # open: it gets nothing
    assert Counter(asyncio.run(run()))["slow"] == 0


def test_failure_before_the_first_byte_moves_on_and_recovery_is_picked_up() -> None:
    """A failure before the first byte moves the request to another endpoint (none lost);
    an endpoint whose breaker closes again gets traffic again."""
    a, b = FakeEndpoint("a"), FakeEndpoint("b")
    a.fail = "before"
    fleet = _fleet(a, b, seed=3)
    info = RequestInfo(request_id="r", method="m", client="c")
    current_request.set(info)
    answers = [asyncio.run(_ask(fleet)) for _ in range(10)]
    assert answers == ["b"] * 10  # none lost: every failed try moved to b
    assert a.calls == 1  # its breaker opened (threshold 1): not tried again
    assert info.central_endpoint == "b"
    a.fail = ""
    a.breaker.success()  # its probe came back
    assert "a" in {asyncio.run(_ask(fleet)) for _ in range(30)}


def test_failure_after_the_first_byte_is_not_retried() -> None:
    """After the first byte a failure is the caller's: nothing is delivered twice."""
    a, b = FakeEndpoint("a"), FakeEndpoint("b")
    a.fail = b.fail = "after"
    fleet = _fleet(a, b)
    with pytest.raises(Unavailable):
        asyncio.run(_ask(fleet))
    assert a.calls + b.calls == 1


def test_all_down_is_unavailable_and_attempts_are_bounded() -> None:
    """With every endpoint failing the request is UNAVAILABLE after max_retries + 1 tries;
    an open endpoint's weight is 0."""
    eps = [FakeEndpoint(n) for n in "abcd"]
    for e in eps:
        e.fail = "before"
    fleet = _fleet(*eps, retries=1)
    with pytest.raises(Unavailable, match="2 endpoint"):
        asyncio.run(_ask(fleet))
    assert sum(e.calls for e in eps) == 2
    assert not fleet.available() or sum(e.available() for e in eps) == 2
    status: list[dict[str, Any]] = fleet.status()
    assert {s["name"] for s in status} == set("abcd")
    assert all(s["weight"] == 0 for s in status if s["state"] == "open")


def test_static_weights_split_the_traffic() -> None:
    """Equally fast endpoints share the traffic by their static weights."""
    heavy, light = FakeEndpoint("heavy", weight=4.0), FakeEndpoint("light", weight=1.0)
    fleet = _fleet(heavy, light, seed=7)
    shares = Counter(asyncio.run(_ask(fleet)) for _ in range(300))
    assert 2.5 < shares["heavy"] / shares["light"] < 6.5, shares
