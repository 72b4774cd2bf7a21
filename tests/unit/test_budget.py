"""A request's reasoning_effort as a reasoning budget (appliance.engine.budget.effort_budget)."""

from __future__ import annotations

import pytest

from appliance.engine.budget import REASONING_EFFORTS, effort_budget


@pytest.mark.parametrize(("effort", "budget"), [
    ("", 64), ("high", 64), ("medium", 32), ("low", 16), ("minimal", 1), ("none", 1)])
def test_effort_is_a_share_of_the_tier_budget(effort: str, budget: int) -> None:
    """On a tier with a reasoning_budget (64 here), high is all of it, medium half, low a
    quarter; minimal and none the smallest budget there is, one token."""
    assert budget == effort_budget(64, effort, max_tokens=1000)


@pytest.mark.parametrize(("effort", "budget"), [
    ("", 0), ("high", 0), ("medium", 50), ("low", 25), ("minimal", 1), ("none", 1)])
def test_without_a_tier_budget_effort_is_a_share_of_max_tokens(effort: str,
                                                                budget: int) -> None:
    """A tier without a budget (0) is limited by max_tokens alone: high leaves it so, the
    lower efforts take their share of max_tokens."""
    assert budget == effort_budget(0, effort, max_tokens=100)


def test_a_share_is_never_zero() -> None:
    """0 would mean "no budget": a tiny budget's share is still at least one token."""
    assert [1] * len(REASONING_EFFORTS[:-1]) == [effort_budget(2, e, max_tokens=3)
                                                 for e in REASONING_EFFORTS[:-1]]
