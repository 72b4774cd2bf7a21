"""v3 → r1 escalation: a unary ``auto`` request answered weakly by v3 (empty, cut off, low
mean log-probability) is answered by r1 instead. v3's answer is never shown then; the end
record says that r1 took over and why (``escalated_from``: metadata, never v3's text)."""

from __future__ import annotations

from dataclasses import replace

import structlog

from appliance.config import Config, EscalationConfig
from appliance.engine.types import EngineState, Finished, TextPiece
from appliance.request import GenerateParams, RequestInfo
from appliance.stages.place import (
    Fit,
    Flight,
    Placement,
    Placer,
    Prepared,
    events,
    provisional,
    tokenize,
)

log = structlog.get_logger("appliance.pipeline")


def may_escalate(config: Config, params: GenerateParams, placement: Placement,
                 info: RequestInfo) -> bool:
    """Escalation applies to unary ``auto`` requests routed to v3 that allow it, when
    escalation is on and the identity may use r1."""
    policy = info.policy
    return (config.routing.escalation.enabled and params.unary and params.allow_escalation
            and params.model == "auto" and placement.tier == "v3" and "r1" in config.models
            and (policy is None or "r1" in policy.tiers))


async def escalate(first: Placement, placer: Placer, prep: Prepared,
                   flight: Flight) -> Placement:
    """Run v3 to the end without showing it; if its answer is weak and r1 can take the
    request, the r1 placement (recorded in the flight's info), else v3's answer to replay."""
    info = flight.info
    collected = [event async for event in events(first, flight, prep.params.priority)]
    replay = replace(first, replay=tuple(collected))
    finished = next((e for e in collected if isinstance(e, Finished)), None)
    if finished is None or info.route != "local":
        return replay  # went to the cluster: no log-probabilities to judge
    text = "".join(e.text for e in collected if isinstance(e, TextPiece) and not e.reasoning)
    why = weakness(text, finished, placer.config.routing.escalation)
    if why is None:
        return replay
    r1 = placer.registry.engine_for("r1")
    if r1.state is not EngineState.READY:
        log.info("escalation_skipped", reason=why, r1_state=r1.state)
        return replay
    flight.hold(r1)
    r1_tokens, _what = await tokenize(r1, prep.params, prep.masked.texts)
    if len(r1_tokens) + prep.sampling.max_tokens > r1.n_ctx:
        log.info("escalation_skipped", reason=why, r1_state="context_too_small")
        return replay
    info.escalated_from = {
        "tier": "v3", "reason": why, "finish_reason": finished.finish_reason,
        "completion_tokens": finished.completion_tokens,
        "mean_logprob": None if finished.mean_logprob is None
        else round(finished.mean_logprob, 3)}
    fit = Fit(r1, "r1", f"escalated:{why}", r1_tokens)
    provisional(fit, prep.sampling).record(info)
    placed = placer.on_engine(fit, prep, info.policy, info.client)
    placed.record(info)
    return placed


def weakness(text: str, finished: Finished, esc: EscalationConfig) -> str | None:
    """Why an answer is too weak to serve (``empty``, ``cut_off``, ``low_confidence``), or
    None when it is good enough."""
    if esc.on_empty and not text.strip():
        return "empty"
    if esc.on_cut_off and finished.finish_reason == "length":
        return "cut_off"
    if finished.mean_logprob is not None and finished.mean_logprob < esc.min_mean_logprob:
        return "low_confidence"
    return None


