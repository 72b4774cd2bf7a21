"""Tool calls in the generic format: how a model is told about tools, how a call is written, the
grammar that makes every call parse against its tool's schema, and how calls are read back.

The format (Hermes-style, which many small instruct models have seen; the same for every model,
local or central, so a history written by one tier reads the same on the other)::

    <tool_call>{"name": "get_weather", "arguments": {"city": "Paris"}}</tool_call>

one block per call, nothing else in the answer. Earlier calls in the history are rendered the
same way in their assistant turn; a tool's result is a user turn::

    <tool_response>{"tool_call_id": "call_1", "name": "get_weather", "content": "…"}</tool_response>

The tools themselves are described in a system message (:func:`preamble`): name, description and
the JSON Schema of the arguments. They are structure, not personal data: the preamble is added
after masking, so no schema is changed by it (a tool's schema is checked for PII like a
response_format's, and refused if it carries any).

The grammar (:func:`grammar`): the call object ``{"name": NAME, "arguments": ARGS}`` for each
tool is a JSON Schema whose ``arguments`` is the tool's own; their union is converted by the
same converter and limits as structured output (:mod:`~appliance.engine.structured`), so a
call always parses and validates. ``required`` (or a named tool) makes the answer one call (or
several, with ``parallel_tool_calls``); ``auto`` lets the answer be calls or text, where text
is anything that does not start with ``<`` (a limitation of the generic format, documented).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence
from typing import Any

from appliance.generation import Message, Tool, ToolCall

OPEN, CLOSE = "<tool_call>", "</tool_call>"
RESPONSE_OPEN, RESPONSE_CLOSE = "<tool_response>", "</tool_response>"
#: OpenAI's rule for a function's name.
NAME = re.compile(r"[A-Za-z0-9_-]{1,64}")
_REF = re.compile(r"^#/(\$defs|definitions)/")


def named(choice: str) -> str | None:
    """The tool a ``tool_choice`` of ``function:NAME`` names, else None."""
    return choice.removeprefix("function:") if choice.startswith("function:") else None


def call_schema(tools: Sequence[Tool], choice: str) -> dict[str, Any]:
    """The JSON Schema of one call object: one alternative per tool the choice allows. Each
    tool's ``$defs`` move to the top under a prefix, so its ``$ref``s still resolve."""
    only = named(choice)
    defs: dict[str, Any] = {}
    alternatives = []
    for i, tool in enumerate(tools):
        if only is not None and tool.name != only:
            continue
        params: dict[str, Any] = json.loads(tool.parameters) if tool.parameters \
            else {"type": "object"}
        for key in ("$defs", "definitions"):
            found = params.pop(key, None)
            for name, sub in (found if isinstance(found, dict) else {}).items():
                defs[f"t{i}_{name}"] = _prefixed(sub, i)
        alternatives.append({
            "type": "object", "additionalProperties": False, "required": ["name", "arguments"],
            "properties": {"name": {"const": tool.name}, "arguments": _prefixed(params, i)}})
    schema: dict[str, Any] = alternatives[0] if len(alternatives) == 1 else \
        {"anyOf": alternatives}
    if defs:
        schema = {**schema, "$defs": defs}
    return schema


def _prefixed(schema: Any, index: int) -> Any:
    """``schema`` with its local ``$ref``s pointing at the prefixed ``$defs`` (iteratively:
    the schema's depth is bounded, but this need not rely on it)."""
    root = json.loads(json.dumps(schema))
    stack = [root]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and _REF.match(ref):
                node["$ref"] = "#/$defs/" + f"t{index}_" + _REF.sub("", ref)
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return root


def wrap(call_gbnf: str, choice: str, parallel: bool) -> str:
    """The answer's grammar around the call object's (whose root becomes ``call``)."""
    body = re.sub(r"^root(\s*)::=", r"call\1::=", call_gbnf, count=1, flags=re.MULTILINE)
    one = f'"{OPEN}" call "{CLOSE}"'
    calls = f'{one} ("\\n" {one})*' if parallel else one
    if choice == "auto":
        root = f"root ::= calls | plain\ncalls ::= {calls}\nplain ::= [^<] .*"
    else:
        root = f"root ::= {calls}"
    return f"{root}\n{body}"


def preamble(tools: Sequence[Tool], choice: str) -> str:
    """The system text that describes the tools and the format (see the module docstring)."""
    only = named(choice)
    listed = [t for t in tools if only is None or t.name == only]
    lines = ["You can call these tools. To call a tool, answer with nothing but",
             f'{OPEN}{{"name": "<tool name>", "arguments": {{<arguments as JSON>}}}}{CLOSE}',
             "one line per call. The results come back in <tool_response> blocks.",
             "Tools:"]
    lines += [json.dumps({"name": t.name, "description": t.description,
                          "parameters": json.loads(t.parameters) if t.parameters else {}},
                         ensure_ascii=False) for t in listed]
    if choice == "required" or only is not None:
        lines.append("Call a tool now.")
    return "\n".join(lines)


def as_text(messages: Sequence[Message]) -> tuple[Message, ...]:
    """The conversation with tool calls and tool results as text in the generic format, so
    masking, the audit record, every chat template and the cluster see plain messages."""
    names = {call.id: call.name for m in messages for call in m.tool_calls}
    out = []
    for m in messages:
        if m.tool_calls:
            calls = "\n".join(render_call(c) for c in m.tool_calls)
            out.append(Message("assistant", f"{m.content}\n{calls}" if m.content else calls))
        elif m.role == "tool":
            result = json.dumps({"tool_call_id": m.tool_call_id,
                                 "name": names.get(m.tool_call_id, ""),
                                 "content": m.content}, ensure_ascii=False)
            out.append(Message("user", f"{RESPONSE_OPEN}{result}{RESPONSE_CLOSE}"))
        else:
            out.append(m)
    return tuple(out)


def render_call(call: ToolCall) -> str:
    return f'{OPEN}{{"name": {json.dumps(call.name)}, "arguments": {call.arguments}}}{CLOSE}'


def parse(text: str) -> tuple[str, list[tuple[str, str]]]:
    """(text outside calls, [(name, arguments JSON)]) of an answer. A block that does not
    hold a call object stays in the text; a call cut off by the token limit (an opening tag
    with no closing one) is left out, as is a call repeating an earlier one word for word
    (a small model, free to write several calls, may loop on one until the limit)."""
    calls: list[tuple[str, str]] = []
    rest: list[str] = []
    for kind, piece in _blocks(text):
        if kind == "cut":
            continue
        if kind == "call":
            try:
                obj = json.loads(piece)
            except ValueError:
                obj = None
            if isinstance(obj, dict) and isinstance(obj.get("name"), str) \
                    and isinstance(obj.get("arguments"), dict):
                call = (obj["name"], json.dumps(obj["arguments"], ensure_ascii=False))
                if call not in calls:
                    calls.append(call)
                continue
            rest.append(f"{OPEN}{piece}{CLOSE}")
        else:
            rest.append(piece)
    return "".join(rest).strip() if calls else "".join(rest), calls


def _blocks(text: str) -> Iterator[tuple[str, str]]:
    """("text" | "call" | "cut", piece) in order; "cut" is a last call with no closing tag."""
    pos = 0
    while (start := text.find(OPEN, pos)) >= 0:
        yield "text", text[pos:start]
        end = text.find(CLOSE, start + len(OPEN))
        if end < 0:
            yield "cut", text[start:]
            return
        yield "call", text[start + len(OPEN):end]
        pos = end + len(CLOSE)
    yield "text", text[pos:]
