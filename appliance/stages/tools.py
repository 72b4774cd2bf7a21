"""Tool calling on the pipeline: a request's tool calls and tool results become text in the
generic format (:mod:`~appliance.engine.tool_calls`) before masking, so their arguments and
results are masked like any message, recorded masked, and restored in the answer; the tools'
description is added after masking, as structure; the answer's calls are read back at its end.
"""

from __future__ import annotations

import secrets
from dataclasses import replace

from appliance.engine import tool_calls
from appliance.generation import Message, ToolCall
from appliance.privacy.stage import MaskedRequest
from appliance.request import GenerateParams, RequestInfo


def uses_tools(params: GenerateParams) -> bool:
    """Whether the model is told about tools (a ``none`` choice tells it nothing)."""
    return bool(params.tools) and params.tool_choice != "none"


def history_as_text(params: GenerateParams) -> GenerateParams:
    """``params`` with earlier tool calls and tool results as text messages."""
    if not any(m.tool_calls or m.role == "tool" for m in params.messages):
        return params
    return replace(params, messages=tool_calls.as_text(params.messages))


def with_preamble(params: GenerateParams, masked: MaskedRequest,
                  ) -> tuple[GenerateParams, MaskedRequest]:
    """The tools' description as a first system message beside the already masked texts: a
    tool's name, description and schema are structure and are not masked (they are checked
    for PII instead, as a response_format's schema is)."""
    if not uses_tools(params):
        return params, masked
    text = tool_calls.preamble(params.tools, params.tool_choice)
    findings = masked.findings or tuple(() for _ in masked.texts)
    return (replace(params, messages=(Message("system", text), *params.messages)),
            replace(masked, texts=(text, *masked.texts), findings=((), *findings)))


def read_calls(text: str, info: RequestInfo) -> tuple[str, tuple[ToolCall, ...]]:
    """The answer's text outside its calls, and the calls (each with a fresh id), noted in
    the request's record by name and argument size."""
    rest, found = tool_calls.parse(text)
    calls = tuple(ToolCall(f"call_{secrets.token_hex(12)}", name, arguments)
                  for name, arguments in found)
    info.tool_calls = tuple((c.name, len(c.arguments.encode())) for c in calls)
    return rest, calls
