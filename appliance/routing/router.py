"""Choosing the tier for a request.

An explicit tier (``v3``, ``r1``) wins. An empty model field gets ``routing.default_tier``.
``auto`` applies the rule table: the request's ``task_type`` through ``routing.task_types``
(code_generation, math... → r1; chat, translation... → v3), else the default tier; then, once
the prompt is tokenized, a prompt too long for the chosen tier's context moves to the other
tier if that one holds it (:func:`reroute_for_length`). Between the task_type table and the
default, a ``[[routing.auto_split]]`` window sends a sticky share of identities to r1
(:mod:`appliance.routing.split`), and an identity with a run of low feedback scores has its
``auto`` requests answered by r1 (:func:`after_low_scores`). Every decision carries its
reason, which the response reports as ``route_reason``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime

from appliance.config import TIERS, RoutingConfig
from appliance.errors import InvalidArgument
from appliance.routing.split import timed_split


@dataclass(frozen=True)
class Route:
    tier: str
    reason: str
    auto: bool = False


def split_tier(split: Mapping[str, int], client: str) -> str | None:
    """The A/B tier for ``client``: a stable hash of the identity picks a percentile bucket,
    so one client always lands on the same side."""
    if not split:
        return None
    bucket = int.from_bytes(hashlib.sha256(client.encode("utf-8", "replace")).digest()[:8],
                            "big") % 100
    edge = 0
    for tier in sorted(split):
        edge += split[tier]
        if bucket < edge:
            return tier
    return None


def choose_tier(model: str, task_type: str, routing: RoutingConfig, client: str = "", *,  # noqa: PLR0913 - the request, its caller and the clock
                now: datetime | None = None, tiers: Collection[str] = TIERS) -> Route:
    """``now``: the local time an ``auto_split`` window is chosen by (default: the clock);
    ``tiers``: those the identity may use (an ``auto_split`` share never sends it elsewhere)."""
    if model in TIERS:
        return Route(model, "explicit")
    if model == "":
        tier = split_tier(routing.split, client)
        return Route(tier, f"split:{tier}") if tier else Route(routing.default_tier, "default")
    if model == "auto":
        tier = routing.task_types.get(task_type)
        if tier is not None:
            return Route(tier, f"task_type:{task_type}", auto=True)
        timed = timed_split(routing.auto_split, client, now or datetime.now().astimezone()) \
            if routing.auto_split else None  # the windows are in the box's local time
        if timed is not None and timed[0] in tiers:
            return Route(timed[0], timed[1], auto=True)
        split = split_tier(routing.split, client)
        if split is not None:
            return Route(split, f"split:{split}", auto=True)
        return Route(routing.default_tier, "auto:default", auto=True)
    raise InvalidArgument(
        # The value itself is never echoed: it reaches logs, and a caller may put PII anywhere.
        f"model: unknown tier; use one of {', '.join(TIERS)}, auto, or empty for the default "
        f"({len(model)} characters given)", field="model")


def after_low_scores(route: Route, run: int | None) -> Route:
    """An ``auto`` route of an identity whose run of ``run`` low feedback scores escalates
    it (:class:`~appliance.routing.split.LowScores`): r1, whatever the rules chose."""
    if not route.auto or run is None or route.tier == "r1":
        return route
    return Route("r1", f"low_scores:{run}", auto=True)


def reroute_for_length(route: Route, needed: int, contexts: dict[str, int]) -> Route:
    """For ``auto``: move to another tier whose context holds ``needed`` tokens when the
    chosen one cannot. Explicit choices are never moved (the caller gets the length error)."""
    if not route.auto or needed <= contexts[route.tier]:
        return route
    for tier in TIERS:
        if tier != route.tier and needed <= contexts.get(tier, 0):
            return Route(tier, f"prompt_too_long_for_{route.tier}", auto=True)
    return route
