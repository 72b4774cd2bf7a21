"""Validation: every field of a request checked against its limit before anything else runs,
and the identity's admission (priority cap, rate limit, tiers it may use)."""

from __future__ import annotations

import json
import math
import time
from dataclasses import replace
from typing import Any

from appliance.config import LimitsConfig, ModelConfig, Policy
from appliance.engine.structured import grammar_for, tool_grammar
from appliance.engine.tool_calls import NAME, named
from appliance.engine.types import SamplingParams
from appliance.errors import DeadlineExceeded, InvalidArgument, PermissionDenied
from appliance.generation import (
    ENGINE_DEFAULTS,
    GENERATION_FIELDS,
    LOGIT_BIAS_RANGE,
    MAX_LOGIT_BIAS,
    ROLES,
    TOOL_CHOICES,
    Message,
)
from appliance.generation import problem as generation_problem
from appliance.request import GenerateParams, RequestInfo
from appliance.state import SharedState

MAX_SEED = 2**32 - 2  # llama.cpp reserves 0xFFFFFFFF for "random"
MAX_PRIORITY = 9
MAX_TASK_TYPE_CHARS = 64
#: Tools a request may offer, and calls one assistant turn may hold.
MAX_TOOLS = 128
MAX_TOOL_ID_CHARS = 128
MAX_TOOL_DESCRIPTION_CHARS = 4096


def check_deadline(deadline: float | None) -> None:
    if deadline is not None and time.monotonic() >= deadline:
        raise DeadlineExceeded("deadline passed before the request was admitted")


async def admit(params: GenerateParams, info: RequestInfo, limits: SharedState | None) -> bool:
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
    await limits.enter(info.client, policy, info.request_id)
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
    if p.tools or p.tool_choice != "auto":
        grammar = _check_tools(p) or grammar
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
        calls: set[str] = set()
        for i, m in enumerate(p.messages):
            if m.role not in ROLES:
                raise InvalidArgument(f"messages[{i}].role: must be one of {', '.join(ROLES)}",
                                      field="messages")
            if not m.content and not m.tool_calls:
                raise InvalidArgument(f"messages[{i}].content: must not be empty",
                                      field="messages")
            _check_tool_turn(i, m, calls)
        if p.messages[-1].role == "assistant":
            raise InvalidArgument("messages: the last message must not be from the assistant",
                                  field="messages")
    size = len(p.prompt) if p.prompt else sum(
        len(m.content) + sum(len(c.arguments) for c in m.tool_calls) for m in p.messages)
    if size > limits.max_prompt_chars:
        what = "prompt" if p.prompt else "messages"
        raise InvalidArgument(f"{what}: {size} characters exceed the limit of "
                              f"{limits.max_prompt_chars}", field=what)


def _check_tool_turn(i: int, m: Message, calls: set[str]) -> None:
    """An assistant turn's tool calls are well formed (``calls`` collects their ids); a tool
    message answers one of them."""
    if m.tool_calls and m.role != "assistant":
        raise InvalidArgument(f"messages[{i}].tool_calls: only in assistant messages",
                              field="messages")
    if len(m.tool_calls) > MAX_TOOLS:
        raise InvalidArgument(f"messages[{i}].tool_calls: more than {MAX_TOOLS}",
                              field="messages")
    for j, call in enumerate(m.tool_calls):
        where = f"messages[{i}].tool_calls[{j}]"
        if not call.id or len(call.id) > MAX_TOOL_ID_CHARS or not NAME.fullmatch(call.name):
            raise InvalidArgument(f"{where}: needs an id (at most {MAX_TOOL_ID_CHARS} "
                                  f"characters) and a function name of letters, digits, _ "
                                  f"and - (at most 64)", field="messages")
        try:
            arguments = json.loads(call.arguments)
        except ValueError:
            arguments = None
        if not isinstance(arguments, dict):
            raise InvalidArgument(f"{where}.function.arguments: must be a JSON object (as "
                                  f"text)", field="messages")
        calls.add(call.id)
    if m.role == "tool" and m.tool_call_id not in calls:
        raise InvalidArgument(f"messages[{i}].tool_call_id: must name a tool call of an "
                              f"earlier assistant message", field="messages")


def _check_tools(p: GenerateParams) -> str:
    """The tools and the tool choice; the grammar of an answer that calls them."""
    if len(p.tools) > MAX_TOOLS:
        raise InvalidArgument(f"tools: more than {MAX_TOOLS} tools", field="tools")
    names = [t.name for t in p.tools]
    for i, tool in enumerate(p.tools):
        if not NAME.fullmatch(tool.name):
            raise InvalidArgument(f"tools[{i}].function.name: letters, digits, _ and - only, "
                                  f"at most 64", field="tools")
        if len(tool.description) > MAX_TOOL_DESCRIPTION_CHARS:
            raise InvalidArgument(f"tools[{i}].function.description: longer than "
                                  f"{MAX_TOOL_DESCRIPTION_CHARS} characters", field="tools")
    if len(set(names)) != len(names):
        raise InvalidArgument("tools: two tools have the same name", field="tools")
    choice, only = p.tool_choice, named(p.tool_choice)
    if choice not in TOOL_CHOICES and only is None:
        raise InvalidArgument("tool_choice: must be auto, none, required or a function",
                              field="tool_choice")
    if choice != "none" and not p.tools:
        raise InvalidArgument("tool_choice: needs tools", field="tool_choice")
    if only is not None and only not in names:
        raise InvalidArgument("tool_choice: names a function that is not in tools",
                              field="tool_choice")
    if p.tools and choice != "none" and p.response_format.type not in ("", "text"):
        raise InvalidArgument("response_format: not supported together with tools (the "
                              "answer is then a tool call or text)", field="response_format")
    if p.tools and p.prompt:
        raise InvalidArgument("tools: only with messages (a chat)", field="tools")
    return tool_grammar(p.tools, choice, p.parallel_tool_calls)


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
