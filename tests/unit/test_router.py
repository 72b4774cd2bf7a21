"""The tier router: explicit, default, auto by task type, and by prompt length."""

from __future__ import annotations

import grpc
import pytest

from appliance import errors
from appliance.config import RoutingConfig
from appliance.routing.router import Route, choose_tier, reroute_for_length

ROUTING = RoutingConfig()


@pytest.mark.parametrize(("model", "task", "tier", "reason"), [
    ("r1", "chat", "r1", "explicit"),          # an explicit tier wins over the task type
    ("v3", "math", "v3", "explicit"),
    ("", "math", "v3", "default"),             # empty model: the default tier, no rules
    ("auto", "math", "r1", "task_type:math"),
    ("auto", "code_generation", "r1", "task_type:code_generation"),
    ("auto", "translation", "v3", "task_type:translation"),
    ("auto", "", "v3", "auto:default"),
    ("auto", "poetry", "v3", "auto:default"),
])
def test_choose_tier(model: str, task: str, tier: str, reason: str) -> None:
    route = choose_tier(model, task, ROUTING)
    assert (tier, reason) == (route.tier, route.reason)


def test_unknown_model_is_invalid_argument() -> None:
    with pytest.raises(errors.InvalidArgument) as info:
        choose_tier("gpt-5", "", ROUTING)
    assert grpc.StatusCode.INVALID_ARGUMENT == errors.grpc_status(info.value)


def test_site_task_types_extend_the_table() -> None:
    routing = RoutingConfig(task_types={**ROUTING.task_types, "chat": "r1"})
    assert "r1" == choose_tier("auto", "chat", routing).tier


def test_long_prompt_moves_auto_requests_to_the_larger_context() -> None:
    contexts = {"v3": 2048, "r1": 8192}
    auto = Route("v3", "task_type:chat", auto=True)
    assert Route("r1", "prompt_too_long_for_v3", auto=True) == \
        reroute_for_length(auto, 5000, contexts)
    assert auto == reroute_for_length(auto, 1000, contexts)
    assert auto == reroute_for_length(auto, 9000, contexts)  # fits nowhere: stays, errors later
    explicit = Route("v3", "explicit")
    assert explicit == reroute_for_length(explicit, 5000, contexts)


def test_ab_split_is_sticky_and_proportional() -> None:
    from appliance.config import RoutingConfig
    from appliance.routing.router import choose_tier

    routing = RoutingConfig(split={"v3": 80, "r1": 20})
    clients = [f"app-{i}" for i in range(2000)]
    first = {c: choose_tier("", "", routing, c).tier for c in clients}
    assert first == {c: choose_tier("", "", routing, c).tier for c in clients}  # sticky
    share = sum(1 for t in first.values() if t == "r1") / len(clients)
    assert 0.16 < share < 0.24
    r = choose_tier("", "", routing, "app-1")
    assert r.reason == f"split:{r.tier}"
    # Explicit tiers and task-type rules are not split.
    assert "explicit" == choose_tier("v3", "", routing, "app-1").reason
    assert "task_type:math" == choose_tier("auto", "math", routing, "app-1").reason
    assert "default" == choose_tier("", "", RoutingConfig(), "app-1").reason
