"""Validation: every field of a request checked against its limit before anything else runs,
and the identity's admission (priority cap, rate limit, tiers it may use)."""

from __future__ import annotations

import math
import time
from dataclasses import replace
from typing import Any

from appliance.access import RateLimits
from appliance.config import LimitsConfig, ModelConfig, Policy
from appliance.engine.structured import grammar_for
from appliance.engine.types import SamplingParams
from appliance.errors import DeadlineExceeded, InvalidArgument, PermissionDenied
from appliance.generation import (
    ENGINE_DEFAULTS,
    GENERATION_FIELDS,
    LOGIT_BIAS_RANGE,
    MAX_LOGIT_BIAS,
    ROLES,
)
from appliance.generation import problem as generation_problem
from appliance.request import GenerateParams, RequestInfo

MAX_SEED = 2**32 - 2  # llama.cpp reserves 0xFFFFFFFF for "random"
MAX_PRIORITY = 9
MAX_TASK_TYPE_CHARS = 64


def check_deadline(deadline: float | None) -> None:
    if deadline is not None and time.monotonic() >= deadline:
        raise DeadlineExceeded("deadline passed before the request was admitted")


def admit(params: GenerateParams, info: RequestInfo, limits: RateLimits | None) -> bool:
    """The identity's priority cap, concurrency and per-minute limits (nothing without a
    policy). True when the request now counts against the identity's limits (the caller
    releases it when the request ends)."""
    policy = info.policy
    if policy is None:
        return False
    if params.priority < policy.highest_priority:
        raise PermissionDenied(f"priority: more urgent than identity {info.client}'s cap "
                               f"of {policy.highest_priority}",
                               identity=info.client)
    if limits is None:
        return False
    limits.admit(info.client, policy)
    return True


def check_tier(policy: Policy | None, tier: str, client: str) -> None:
    """Whether the identity may use the tier the request is about to run on."""
    if policy is not None and tier not in policy.tiers:
        raise PermissionDenied(f"identity {client} may not use tier {tier}", identity=client)


def validate(p: GenerateParams, limits: LimitsConfig) -> SamplingParams:
    """Check every field against its limit; the first problem raises InvalidArgument.
    Returns the sampling parameters the request asks for (engine defaults where unset)."""
    _check_input(p, limits)
    if p.max_tokens < 0:
        raise InvalidArgument(f"max_tokens: must be positive (or 0 for the default "
                              f"{limits.default_max_tokens})", field="max_tokens")
    if p.max_tokens > limits.max_tokens:
        raise InvalidArgument(f"max_tokens: exceeds the limit of {limits.max_tokens}",
                              field="max_tokens")
    generation = _generation(p)
    grammar = grammar_for(p.response_format)
    _check_stops(p.stop, limits)
    if p.seed is not None and not 0 <= p.seed <= MAX_SEED:
        raise InvalidArgument(f"seed: must be between 0 and {MAX_SEED}", field="seed")
    if not 0 <= p.priority <= MAX_PRIORITY:
        raise InvalidArgument(f"priority: must be between 0 and {MAX_PRIORITY}",
                              field="priority")
    if len(p.task_type) > MAX_TASK_TYPE_CHARS:
        raise InvalidArgument(f"task_type: longer than {MAX_TASK_TYPE_CHARS} characters",
                              field="task_type")
    return SamplingParams(
        max_tokens=p.max_tokens or limits.default_max_tokens, seed=p.seed, stop=tuple(p.stop),
        **{name: generation.get(name, ENGINE_DEFAULTS[name]) for name in GENERATION_FIELDS},
        unset=frozenset(GENERATION_FIELDS) - set(generation), logit_bias=p.logit_bias,
        grammar=grammar, response_format=p.response_format,
    )


def _check_input(p: GenerateParams, limits: LimitsConfig) -> None:
    """The prompt or the messages: exactly one, within the limits, roles known."""
    if p.prompt and p.messages:
        raise InvalidArgument("prompt and messages are mutually exclusive: set exactly one",
                              field="prompt")
    if not p.prompt and not p.messages:
        raise InvalidArgument("prompt: one of prompt or messages is required and must not be "
                              "empty", field="prompt")
    if p.messages:
        if len(p.messages) > limits.max_messages:
            raise InvalidArgument(f"messages: {len(p.messages)} messages exceed the limit of "
                                  f"{limits.max_messages}", field="messages")
        for i, m in enumerate(p.messages):
            if m.role not in ROLES:
                raise InvalidArgument(f"messages[{i}].role: must be one of {', '.join(ROLES)}",
                                      field="messages")
            if not m.content:
                raise InvalidArgument(f"messages[{i}].content: must not be empty",
                                      field="messages")
        if p.messages[-1].role == "assistant":
            raise InvalidArgument("messages: the last message must not be from the assistant",
                                  field="messages")
    size = len(p.prompt) if p.prompt else sum(len(m.content) for m in p.messages)
    if size > limits.max_prompt_chars:
        what = "prompt" if p.prompt else "messages"
        raise InvalidArgument(f"{what}: {size} characters exceed the limit of "
                              f"{limits.max_prompt_chars}", field=what)


def _generation(p: GenerateParams) -> dict[str, Any]:
    """The sampler fields the request set, each within its range; logit_bias checked."""
    generation: dict[str, Any] = {}
    for name in GENERATION_FIELDS:
        value = getattr(p, name)
        if value is None:
            continue
        why = generation_problem(name, float(value))
        if why is not None:
            raise InvalidArgument(f"{name}: {why}", field=name)
        generation[name] = value
    if len(p.logit_bias) > MAX_LOGIT_BIAS:
        raise InvalidArgument(f"logit_bias: {len(p.logit_bias)} entries exceed the limit of "
                              f"{MAX_LOGIT_BIAS}", field="logit_bias")
    for i, (token, bias) in enumerate(p.logit_bias):
        if token < 0 or not (math.isfinite(bias) and abs(bias) <= LOGIT_BIAS_RANGE):
            raise InvalidArgument(f"logit_bias: entry {i + 1}: token ids are 0 or more and "
                                  f"biases between -{LOGIT_BIAS_RANGE:g} and "
                                  f"{LOGIT_BIAS_RANGE:g}", field="logit_bias")
    return generation


def _check_stops(stop: tuple[str, ...], limits: LimitsConfig) -> None:
    if len(stop) > limits.max_stop_strings:
        raise InvalidArgument(f"stop: {len(stop)} stop strings exceed the limit of "
                              f"{limits.max_stop_strings}", field="stop")
    for i, s in enumerate(stop):
        if not s:
            raise InvalidArgument(f"stop[{i}]: must not be empty", field="stop")
        if len(s.encode("utf-8")) > limits.max_stop_string_bytes:
            raise InvalidArgument(f"stop[{i}]: longer than {limits.max_stop_string_bytes} bytes",
                                  field="stop")


def with_tier_defaults(sampling: SamplingParams, spec: ModelConfig | None) -> SamplingParams:
    """The tier's generation defaults for the fields the request left unset."""
    if spec is None:
        return sampling
    defaults: dict[str, Any] = {k: v for k, v in spec.generation_defaults().items()
                                if k in sampling.unset}
    return replace(sampling, **defaults, unset=sampling.unset - set(defaults),
                   penalty_last_n=spec.penalty_last_n)
