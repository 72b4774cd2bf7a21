"""The central cluster as a fleet: several OpenAI-compatible endpoints (``[[fallback.endpoints]]``),
each with its own circuit breaker, health probe and measurements, chosen per request.

Selection is weighted random. An endpoint's weight is its static ``weight`` divided by its
expected time to first token — the EWMA of measured TTFTs times one plus the requests it has
in flight — and multiplied by its EWMA success rate: a slow endpoint's share falls smoothly as
its latency rises, a failing one's with its errors, an open breaker (or a 429's Retry-After)
gives it nothing, and one that recovers (its probe or a half-open trial succeeds) is picked up
again. An endpoint without a measurement is assumed to be as fast as the others' median, and
a measurement relaxes toward that median as it ages, so one slow answer does not starve an
endpoint of the traffic that would show it is fast again; TTFTs under 10 ms count as 10 ms.
Both are read on the fleet's ``clock`` (``time.monotonic``; tests give one they advance).

A request that fails before its first byte moves to another endpoint (each endpoint tried at
most once, ``max_retries + 1`` attempts in all, within ``timeout_seconds`` overall); after the
first byte it fails as with one endpoint, so nothing is ever delivered twice. The endpoint
that answered is written on the request (``RequestInfo.central_endpoint``) for its audit
record.
"""

from __future__ import annotations

import asyncio
import math
import random
import time
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from typing import Any

import structlog

from appliance.config import FallbackConfig
from appliance.engine.types import Event, SamplingParams
from appliance.errors import Unavailable
from appliance.generation import Message
from appliance.request import current_request
from appliance.routing.central import CentralClient

log = structlog.get_logger("appliance.central")

#: Weight of a new measurement in the EWMAs.
ALPHA = 0.3
#: The TTFT assumed for an endpoint before it has answered once when no other has either
#: (otherwise: the median of the others', so a new or returning endpoint gets a fair trial).
INITIAL_TTFT_S = 0.5
#: TTFTs below this count as this: differences of a few milliseconds are noise, not speed.
MIN_TTFT_S = 0.01
#: The success rate an endpoint whose breaker has just closed again starts from (at least).
RECOVERED_SUCCESS = 0.5
#: A measurement's weight halves-and-more every this many seconds without a new one: an
#: endpoint that had one slow answer (a cold start, a pause) and so gets little traffic drifts
#: back to the fleet's median and is tried again, instead of being starved by old news.
STALE_TAU_S = 10.0


@dataclass
class Member:
    client: CentralClient
    weight: float
    #: EWMA of measured TTFTs; None until the endpoint has answered once.
    ttft_ewma_s: float | None = None
    success_ewma: float = 1.0
    in_flight: int = 0
    requests: int = 0
    failures: int = 0
    #: Whether it could take work when last looked at (a change to True is a recovery).
    was_available: bool = True
    #: clock() of the last measurement.
    measured_at: float = 0.0
    #: What TTFTs and the age of measurements are read on (tests give one they advance).
    clock: Callable[[], float] = time.monotonic

    @property
    def name(self) -> str:
        return self.client.name

    def effective_weight(self, default_ttft_s: float = INITIAL_TTFT_S) -> float:
        """The share it gets now (0: none); ``default_ttft_s`` while it has no measurement."""
        available = self.client.available()
        if available and not self.was_available:  # its probe or a trial closed the breaker
            self.success_ewma = max(self.success_ewma, RECOVERED_SUCCESS)
        self.was_available = available
        if not available:
            return 0.0
        expected = max(self.ttft_s(default_ttft_s), MIN_TTFT_S) * (1 + self.in_flight)
        return self.weight * max(self.success_ewma, 0.02) / expected

    def ttft_s(self, default_ttft_s: float) -> float:
        """The TTFT it is expected to have: its EWMA, relaxed toward ``default_ttft_s`` as
        the measurement ages (STALE_TAU_S)."""
        if self.ttft_ewma_s is None:
            return default_ttft_s
        fresh = math.exp(-(self.clock() - self.measured_at) / STALE_TAU_S)
        return default_ttft_s + (self.ttft_ewma_s - default_ttft_s) * fresh

    def measured(self, ttft_s: float | None) -> None:
        if ttft_s is None:  # failed before the first byte
            self.failures += 1
            self.success_ewma = (1 - ALPHA) * self.success_ewma
            return
        self.success_ewma = (1 - ALPHA) * self.success_ewma + ALPHA
        self.ttft_ewma_s = ttft_s if self.ttft_ewma_s is None else \
            (1 - ALPHA) * self.ttft_ewma_s + ALPHA * ttft_s
        self.measured_at = self.clock()

    def as_dict(self, default_ttft_s: float = INITIAL_TTFT_S) -> dict[str, Any]:
        return {"name": self.name, "url": self.client.endpoint.url, "state": self.client.state,
                "weight": round(self.effective_weight(default_ttft_s), 4),
                "static_weight": self.weight,
                "ttft_ewma_ms": round((self.ttft_ewma_s or 0.0) * 1000, 1),
                "success_ewma": round(self.success_ewma, 3), "in_flight": self.in_flight,
                "requests": self.requests, "failures": self.failures}


class CentralFleet:
    """Implements the cluster protocol (:class:`appliance.engine.types.Cluster`) over several
    endpoints. ``clock`` measures TTFTs and their age (the deadline stays on real time)."""

    def __init__(self, config: FallbackConfig, rng: Callable[[], float] = random.random,
                 clients: Sequence[CentralClient] | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.config = config
        self._rng = rng
        self._clock = clock
        if clients is None:
            clients = [CentralClient(config, rng, endpoint=ep, max_retries=0)
                       for ep in config.endpoint_list()]
        self.members = [Member(c, c.endpoint.weight, clock=clock) for c in clients]

    def available(self) -> bool:
        return self.config.enabled and any(m.client.available() for m in self.members)

    def breaker_state(self) -> str:
        """The best of the endpoints' breakers: closed if any is closed."""
        states = {m.client.breaker.state for m in self.members}
        for state in ("closed", "half_open"):
            if state in states:
                return state
        return "open"

    def status(self) -> list[dict[str, Any]]:
        return [m.as_dict(self.default_ttft()) for m in self.members]

    def default_ttft(self) -> float:
        """What an endpoint without a measurement is assumed to take: the others' median."""
        measured = sorted(m.ttft_ewma_s for m in self.members if m.ttft_ewma_s is not None)
        return measured[len(measured) // 2] if measured else INITIAL_TTFT_S

    def choose(self, exclude: set[str]) -> Member | None:
        """A weighted random pick among the endpoints not tried yet that may take work."""
        default = self.default_ttft()
        pool = [(m, m.effective_weight(default)) for m in self.members
                if m.name not in exclude]
        pool = [(m, w) for m, w in pool if w > 0]
        if not pool:
            return None
        point = self._rng() * sum(w for _, w in pool)
        for member, w in pool:
            point -= w
            if point < 0:
                return member
        return pool[-1][0]

    async def probe_loop(self) -> None:
        await asyncio.gather(*(m.client.probe_loop() for m in self.members))

    async def close(self) -> None:
        for m in self.members:
            await m.client.close()

    async def generate(self, messages: Sequence[Message], params: SamplingParams,
                       tier: str) -> AsyncIterator[Event]:
        """Stream from one endpoint; before the first byte a failure moves to the next."""
        tried: set[str] = set()
        deadline = time.monotonic() + self.config.timeout_seconds
        attempts = self.config.max_retries + 1
        last: Unavailable | None = None
        while attempts > 0 and time.monotonic() < deadline:
            member = self.choose(tried)
            if member is None:
                break
            attempts -= 1
            tried.add(member.name)
            started, first = self._clock(), None
            member.in_flight += 1
            member.requests += 1
            try:
                async for event in member.client.generate(messages, params, tier):
                    if first is None:
                        first = self._clock() - started
                        member.measured(first)
                        info = current_request.get()
                        if info is not None:
                            info.central_endpoint = member.name
                    yield event
                return
            except Unavailable as exc:
                if first is not None:
                    raise  # after the first byte: as with one endpoint
                member.measured(None)
                last = exc
                log.warning("central_endpoint_failed", endpoint=member.name,
                            tried=len(tried), left=attempts)
            finally:
                member.in_flight -= 1
        if last is not None:
            raise Unavailable(f"central cluster: {len(tried)} endpoint(s) failed",
                              **last.context) from last
        raise Unavailable("central cluster unavailable (no endpoint can take the request)")


#: What the daemon talks to: one endpoint, or a fleet of them.
Central = CentralClient | CentralFleet


def open_central(config: FallbackConfig) -> Central | None:
    """The ``[fallback]`` cluster: a fleet for ``[[fallback.endpoints]]``, one client for
    ``url``, None when neither is set."""
    if config.endpoints:
        return CentralFleet(config)
    if config.url:
        return CentralClient(config)
    return None
