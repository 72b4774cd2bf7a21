"""Canary arms: sticky assignment by identity, the rollback decision, and the watch that
rolls a failing canary back and audits it (appliance/routing/canary.py)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from appliance.config import CanaryConfig
from appliance.engine.types import CanaryArm
from appliance.observability.metrics import Metrics
from appliance.request import Outcome, RequestInfo
from appliance.routing.canary import (
    CANARY,
    PRIMARY,
    ROLLBACK_METHOD,
    ArmWindow,
    CanaryWatch,
    WindowStats,
    arm_of,
    decide,
)

SETTINGS = CanaryConfig(path=Path("next.gguf"), weight=0.5, window_seconds=60.0,
                        min_requests=10, max_error_rate_margin=0.05, max_latency_ratio=1.5)


def test_an_identity_keeps_its_arm() -> None:
    """The same identity on the same tier always gets the same arm."""
    for i in range(200):
        first = arm_of(f"app-{i}", "v3", 0.3)
        assert [first] * 5 == [arm_of(f"app-{i}", "v3", 0.3) for _ in range(5)]


@pytest.mark.parametrize("weight", [0.05, 0.1, 0.5, 0.9])
def test_the_canary_share_of_identities_is_its_weight(weight: float) -> None:
    """Over 20,000 identities the canary's share is the weight within 1.5 points."""
    n = 20_000
    share = sum(arm_of(f"identity-{i}", "v3", weight) == CANARY for i in range(n)) / n
    assert abs(share - weight) < 0.015


def test_weight_zero_and_one_are_all_or_nothing() -> None:
    """Weight 0 sends no one to the canary, weight 1 everyone."""
    ids = [f"id-{i}" for i in range(1000)]
    assert {PRIMARY} == {arm_of(c, "v3", 0.0) for c in ids}
    assert {CANARY} == {arm_of(c, "v3", 1.0) for c in ids}


def test_a_larger_weight_keeps_the_canary_callers() -> None:
    """Raising the weight only moves callers onto the canary, never off it."""
    ids = [f"id-{i}" for i in range(2000)]
    small = {c for c in ids if arm_of(c, "v3", 0.1) == CANARY}
    large = {c for c in ids if arm_of(c, "v3", 0.3) == CANARY}
    assert small <= large


def test_arms_of_two_tiers_are_independent() -> None:
    """The tier is part of the hash: a caller on v3's canary is not always on r1's."""
    ids = [f"id-{i}" for i in range(2000)]
    v3 = {c for c in ids if arm_of(c, "v3", 0.5) == CANARY}
    r1 = {c for c in ids if arm_of(c, "r1", 0.5) == CANARY}
    assert v3 != r1


def stats(requests: int, errors: int = 0, p95: float = 1.0) -> WindowStats:
    return WindowStats(requests=requests, errors=errors, p95=p95, succeeded=requests - errors)


def test_a_canary_erring_beyond_the_margin_is_rolled_back() -> None:
    """Canary 20 % errors against the primary's 0 %: rolled back for its error rate."""
    verdict = decide(stats(50), stats(10, errors=2), SETTINGS)
    assert verdict is not None
    assert "error_rate" == verdict.reason
    assert 0.2 == verdict.canary


def test_errors_within_the_margin_keep_the_canary() -> None:
    """Canary 10 % errors against the primary's 8 %: within the 5-point margin."""
    assert decide(stats(100, errors=8), stats(20, errors=2), SETTINGS) is None


def test_too_few_canary_requests_decide_nothing() -> None:
    """Below min_requests even a canary that always fails is kept (not enough evidence)."""
    assert decide(stats(50), stats(9, errors=9), SETTINGS) is None


def test_a_slow_canary_is_rolled_back() -> None:
    """Canary p95 2 s against the primary's 1 s, ratio limit 1.5: rolled back for latency."""
    verdict = decide(stats(20, p95=1.0), stats(20, p95=2.0), SETTINGS)
    assert verdict is not None
    assert "latency" == verdict.reason


def test_latency_within_the_ratio_keeps_the_canary() -> None:
    """Canary p95 1.4 s against 1 s: within the 1.5 ratio."""
    assert decide(stats(20, p95=1.0), stats(20, p95=1.4), SETTINGS) is None


def test_latency_needs_enough_primary_requests() -> None:
    """No latency verdict while the primary has fewer than min_requests to compare with."""
    assert decide(stats(5, p95=0.1), stats(20, p95=5.0), SETTINGS) is None


def test_the_window_forgets_old_requests() -> None:
    """Requests older than window_seconds leave the window; p95 is of successful ones."""
    w = ArmWindow()
    for i in range(10):
        w.add(float(i), error=True, latency=9.0)
    for i in range(20):
        w.add(100.0 + i, error=False, latency=float(i + 1))
    s = w.stats(now=120.0, window=60.0)
    assert (20, 0, 20) == (s.requests, s.errors, s.succeeded)
    assert 19.0 == s.p95


@dataclass(frozen=True)
class FakeFacts:
    sha256: str = "ab" * 32


@dataclass
class FakeEngine:
    """Stands for a loaded engine: only its name and SHA-256 are read."""

    name: str = "v3.canary"
    facts: Any = field(default_factory=FakeFacts)


class FakeRegistry:
    """A fake registry holding one canary on v3 (the watch only asks for and drops it)."""

    def __init__(self, config: CanaryConfig) -> None:
        self.engine: FakeEngine | None = FakeEngine()
        self.config = config

    def canary_for(self, tier: str) -> CanaryArm | None:
        return CanaryArm(self.engine, self.config) if tier == "v3" and self.engine else None  # type: ignore[arg-type]

    def drop_canary(self, tier: str, by: str = "appliance") -> FakeEngine | None:
        engine, self.engine = self.engine, None
        return engine

    def promote_canary(self, tier: str, by: str = "appliance") -> FakeEngine | None:
        return self.drop_canary(tier, by)


def ended(arm: str, outcome: Outcome = Outcome.OK) -> RequestInfo:
    info = RequestInfo(request_id="r", method="Generate", client="c", tier="v3", route="local",
                       arm=arm, outcome=outcome, finish_reason="stop")
    info.first_output_at = info.started
    return info


def test_the_watch_rolls_a_failing_canary_back_and_audits_it() -> None:
    """Canary requests failing beyond the margin: the canary leaves placement at once, the
    rollback is audited (method canary/rollback, the canary's SHA-256) and counted."""
    clock = [1000.0]
    registry = FakeRegistry(SETTINGS)
    recorded: list[RequestInfo] = []
    metrics = Metrics()

    async def record(info: RequestInfo) -> None:
        recorded.append(info)

    async def run() -> None:
        watch = CanaryWatch(registry, record, metrics, clock=lambda: clock[0])
        for _ in range(20):
            watch.observe(ended(PRIMARY))
        for i in range(10):
            clock[0] += 0.1
            watch.observe(ended(CANARY, Outcome.ERROR if i % 2 else Outcome.OK))
        clock[0] += 1.0
        watch.observe(ended(CANARY, Outcome.ERROR))
        await asyncio.sleep(0)
        await asyncio.sleep(0)

    asyncio.run(run())
    assert registry.engine is None
    assert 1 == len(recorded)
    rec = recorded[0]
    assert (ROLLBACK_METHOD, "v3", "canary_rolled_back:error_rate", "ab" * 32, CANARY) == (
        rec.method, rec.tier, rec.route_reason, rec.model_sha256, rec.arm)
    assert 1.0 == metrics.registry.get_sample_value(
        "appliance_canary_rollbacks_total", {"tier": "v3", "reason": "error_rate"})
    assert 6.0 == metrics.registry.get_sample_value(
        "appliance_arm_requests_total", {"tier": "v3", "arm": "canary", "result": "error"})


def test_cancelled_requests_are_no_arm_s_error() -> None:
    """A caller that went away counts for neither arm: a canary is never rolled back for it."""
    registry = FakeRegistry(SETTINGS)
    clock = [0.0]

    async def record(info: RequestInfo) -> None:
        raise AssertionError("no rollback expected")

    watch = CanaryWatch(registry, record, None, clock=lambda: clock[0])
    for _ in range(30):
        clock[0] += 1.0
        watch.observe(ended(CANARY, Outcome.CANCELLED))
    assert registry.engine is not None


def test_cache_hits_count_for_neither_arm() -> None:
    """A response-cache hit ran on no engine: it is no arm's request (its near-zero latency
    would tilt the latency rule towards the arm with more hits)."""
    metrics = Metrics()

    async def record(info: RequestInfo) -> None:
        raise AssertionError("no rollback expected")

    watch = CanaryWatch(FakeRegistry(SETTINGS), record, metrics)
    for arm in (PRIMARY, CANARY):
        hit = ended(arm)
        hit.route = "cache"
        watch.observe(hit)
    watch.observe(ended(PRIMARY))
    counted = {arm: metrics.registry.get_sample_value(
        "appliance_arm_requests_total", {"tier": "v3", "arm": arm, "result": "ok"})
        for arm in (PRIMARY, CANARY)}
    assert {PRIMARY: 1.0, CANARY: None} == counted


def test_auto_rollback_off_keeps_the_canary() -> None:
    """auto_rollback = false: the watch counts but never rolls back."""
    from dataclasses import replace

    registry = FakeRegistry(replace(SETTINGS, auto_rollback=False))
    clock = [0.0]

    async def record(info: RequestInfo) -> None:
        raise AssertionError("no rollback expected")

    watch = CanaryWatch(registry, record, None, clock=lambda: clock[0])
    for _ in range(30):
        clock[0] += 1.0
        watch.observe(ended(CANARY, Outcome.ERROR))
    assert registry.engine is not None


def test_a_new_canary_starts_with_empty_windows() -> None:
    """After a reload loads another canary, the errors of the last one do not count."""
    registry = FakeRegistry(SETTINGS)
    clock = [0.0]

    async def record(info: RequestInfo) -> None:
        raise AssertionError("no rollback expected")

    watch = CanaryWatch(registry, record, None, clock=lambda: clock[0])
    for _ in range(9):  # one short of min_requests: no verdict yet
        clock[0] += 0.01
        watch.observe(ended(CANARY, Outcome.ERROR))
    registry.engine = FakeEngine(name="v3.canary")  # a reload: another engine
    for _ in range(9):
        clock[0] += 1.0
        watch.observe(ended(CANARY, Outcome.ERROR))
    _primary, canary, _c = watch.stats("v3") or (None, None, None)
    assert canary is not None
    assert 9 == canary.requests


def test_feedback_counts_for_the_arm_that_answered() -> None:
    """A caller's score of its own canary answer is counted for the canary arm; a score of
    another identity's request, or of an unknown id, is not counted per arm."""
    metrics = Metrics()

    async def record(info: RequestInfo) -> None:
        return None

    watch = CanaryWatch(FakeRegistry(SETTINGS), record, metrics)
    answered = ended(CANARY)
    answered.request_id = "req-1"
    watch.observe(answered)
    watch.feedback("c", "req-1", -1.0)
    watch.feedback("someone-else", "req-1", 1.0)
    watch.feedback("c", "unknown", 1.0)
    count = metrics.registry.get_sample_value("appliance_arm_feedback_score_count",
                                              {"tier": "v3", "arm": "canary"})
    lowest = metrics.registry.get_sample_value("appliance_arm_feedback_score_bucket",
                                               {"tier": "v3", "arm": "canary", "le": "-1.0"})
    points = metrics.registry.get_sample_value("appliance_arm_feedback_score_points",
                                               {"tier": "v3", "arm": "canary"})
    assert (1.0, 1.0, -1.0) == (count, lowest, points)
