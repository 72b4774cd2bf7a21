"""The central cluster's circuit breaker, with the clock injected."""

from __future__ import annotations

from appliance.routing.central import CircuitBreaker


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_opens_after_threshold_probes_after_cooldown_and_closes_on_success() -> None:
    clock = Clock()
    b = CircuitBreaker(failures=3, cooldown_s=30, clock=clock)
    for _ in range(2):
        assert b.allow()
        b.failure()
    assert "closed" == b.state
    b.failure()
    assert "open" == b.state
    assert not b.allow()
    clock.now += 30
    assert "half_open" == b.state
    assert b.allow()          # one probe
    assert not b.allow()      # and only one
    b.success()
    assert "closed" == b.state
    assert b.allow()


def test_failed_probe_reopens_for_another_cooldown() -> None:
    clock = Clock()
    b = CircuitBreaker(failures=1, cooldown_s=10, clock=clock)
    b.failure()
    clock.now += 10
    assert b.allow()
    b.failure()
    assert "open" == b.state
    clock.now += 9
    assert not b.allow()
    clock.now += 1
    assert b.allow()
