"""What a generation request can ask for: the vocabulary every layer shares.

Chat roles and messages, response formats, the sampler fields with their ranges (written once
for the request validator and the config), and the built-in chat templates. Plain data with no
dependencies, so the config, the request model, the engine and the transports all use it.

A request may set each sampler field; a field it leaves unset takes the tier's default
(``models.<tier>.<name>``), else the engine's own (:data:`ENGINE_DEFAULTS`).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

ROLES = ("system", "user", "assistant", "tool")
#: Where a transcript-style chat answer ends: the model starting the next turn.
TRANSCRIPT_STOPS = ("\nUser:", "\nSystem:")

#: Templates for models whose GGUF carries none, chosen with ``models.<tier>.chat_template``.
#: "gemma" follows Gemma's turn format; Gemma has no system role, so system text is prepended to
#: the next user turn, as Gemma's own template does.
BUILTIN_TEMPLATES = {
    "transcript": (
        "{%- for m in messages -%}"
        "{{ m['role'] | capitalize + ': ' + m['content'] + '\\n' }}"
        "{%- endfor -%}"
        "{%- if add_generation_prompt -%}{{ 'Assistant:' }}{%- endif -%}"
    ),
    "gemma": (
        "{{ bos_token }}"
        "{%- set ns = namespace(system='') -%}"
        "{%- for m in messages -%}"
        "{%- if m['role'] == 'system' -%}"
        "{%- set ns.system = ns.system + m['content'] + '\n\n' -%}"
        "{%- elif m['role'] == 'user' -%}"
        "{{ '<start_of_turn>user\n' + ns.system + m['content'] + '<end_of_turn>\n' }}"
        "{%- set ns.system = '' -%}"
        "{%- else -%}"
        "{{ '<start_of_turn>model\n' + m['content'] + '<end_of_turn>\n' }}"
        "{%- endif -%}"
        "{%- endfor -%}"
        "{%- if add_generation_prompt -%}{{ '<start_of_turn>model\n' }}{%- endif -%}"
    ),
}


@dataclass(frozen=True)
class ToolCall:
    """A call of a tool: by the model in an answer, or by an earlier assistant turn."""

    id: str
    name: str
    #: The arguments, as JSON text (an object).
    arguments: str


@dataclass(frozen=True)
class Tool:
    """A function the model may call (OpenAI's ``{"type": "function", "function": …}``)."""

    name: str
    description: str = ""
    #: JSON Schema of the arguments (JSON text of an object); "" for none.
    parameters: str = ""


@dataclass(frozen=True)
class Message:
    role: str
    content: str
    #: An assistant turn's calls of tools (its content may then be empty).
    tool_calls: tuple[ToolCall, ...] = ()
    #: A ``tool`` message: the call it answers.
    tool_call_id: str = ""


#: ``tool_choice``: the model decides, never calls, must call one or more; or
#: ``"function:NAME"``, must call that one.
TOOL_CHOICES = ("auto", "none", "required")

#: The reasoning efforts a request may ask for, least first (OpenAI's ``reasoning_effort``;
#: engine.budget.effort_budget scales the tier's reasoning budget by them).
REASONING_EFFORTS = ("none", "minimal", "low", "medium", "high")


FORMATS = ("", "text", "json_object", "json_schema")


@dataclass(frozen=True)
class ResponseFormat:
    type: str = ""
    #: With json_schema: the schema, as the caller sent it (JSON text).
    schema: str = ""

    @property
    def json(self) -> bool:
        return self.type in ("json_object", "json_schema")

    def openai(self, style: str = "openai") -> dict[str, Any] | None:
        """The same format in an OpenAI-compatible request body (for the central cluster).
        ``style`` "json_object_schema": the schema inside a json_object format, as
        llama-cpp-python's server takes it."""
        if self.type == "json_object":
            return {"type": "json_object"}
        if self.type == "json_schema":
            schema = json.loads(self.schema)
            if style == "json_object_schema":
                return {"type": "json_object", "schema": schema}
            return {"type": "json_schema",
                    "json_schema": {"name": "response", "schema": schema, "strict": True}}
        return None


#: Field -> (lowest, highest, lowest excluded, what it means), inclusive unless excluded.
RANGES: dict[str, tuple[float, float, bool, str]] = {
    "temperature": (0.0, 2.0, False, "0 is greedy"),
    "top_p": (0.0, 1.0, True, "nucleus sampling, 1 is off"),
    "top_k": (0, 1000, False, "0 is off"),
    "min_p": (0.0, 1.0, False, "0 is off"),
    "repetition_penalty": (0.0, 2.0, True, "1 is off; above 1 discourages repeats"),
    "frequency_penalty": (-2.0, 2.0, False, "0 is off"),
    "presence_penalty": (-2.0, 2.0, False, "0 is off"),
}
#: What a field is when neither the request nor the tier sets it (llama-cpp-python's chain).
ENGINE_DEFAULTS: dict[str, float] = {
    "temperature": 0.8, "top_p": 1.0, "top_k": 40, "min_p": 0.05, "repetition_penalty": 1.0,
    "frequency_penalty": 0.0, "presence_penalty": 0.0,
}
GENERATION_FIELDS = tuple(RANGES)
#: logit_bias: at most this many entries, each bias in [-100, 100] (as OpenAI's API).
MAX_LOGIT_BIAS = 300
LOGIT_BIAS_RANGE = 100.0


def problem(name: str, value: float) -> str | None:
    """Why ``value`` is not allowed for generation field ``name``, or None."""
    lo, hi, open_low, meaning = RANGES[name]
    if not math.isfinite(value) or value > hi or value < lo or (open_low and value == lo):
        span = f"greater than {lo:g} and at most {hi:g}" if open_low else \
            f"between {lo:g} and {hi:g}"
        return f"must be {span} ({meaning})"
    if name == "top_k" and value != int(value):
        return "must be a whole number"
    return None
