"""Anthropic's Messages API wire format, translated to and from the request model.

``POST /v1/messages`` bodies become :class:`~appliance.request.GenerateParams` (the same the
OpenAI routes and the gRPC servicers build) and answers become Anthropic's message object, its
named server-sent events and its error object; ``POST /v1/messages/count_tokens`` bodies become
the same parameters, counted by the pipeline. ``GET /v1/models`` and ``/v1/models/{id}`` asked by
an Anthropic client (an ``anthropic-version`` header) answer Anthropic's model objects
(:func:`models_page`, :func:`model_info`). Nothing here serves: the transport
(:mod:`appliance.httpapi.app`) reads bodies and writes responses.

The mapping:

- ``system`` (a string or text blocks) is a first ``system`` message; ``messages`` are ``user``
  and ``assistant`` turns of text blocks. An assistant's ``tool_use`` blocks are its
  :class:`~appliance.generation.ToolCall`\\ s (``input`` as JSON text); a user's
  ``tool_result`` blocks are ``tool`` messages answering ``tool_use_id`` (``is_error``
  prefixes the result with "Error: "), in the order they came, around the turn's text. Earlier
  ``thinking`` blocks are dropped, as reasoning is not sent back to a model.
- ``tools`` (``{name, description, input_schema}``), ``tool_choice`` (``auto``, ``any`` =
  required, ``tool`` = that one, ``none``; ``disable_parallel_tool_use``), ``max_tokens``
  (required), ``temperature``, ``top_p``, ``top_k``, ``stop_sequences``, ``stream``,
  ``metadata.user_id`` (the end user), ``thinking`` (``enabled``/``adaptive``: the reasoning
  of a reasoning tier comes back as ``thinking`` blocks; otherwise it is not returned),
  ``output_config`` (``format``: ``{type: json_schema, schema}``, the answer's text is JSON
  valid against the schema, generated under a grammar like OpenAI's ``json_schema``; the
  SDK's ``messages.parse(output_format=Model)`` sends it; ``effort``: the reasoning effort,
  ``xhigh`` and ``max`` read as ``high``) and the earlier beta's top-level ``output_format``.
- The appliance's own ``task_type``, ``priority``, ``allow_fallback``, ``allow_escalation``
  are accepted, as on the OpenAI routes.

Like Anthropic's API, a field this API does not know is refused (400), and so is a feature
the appliance does not offer (images, documents, server tools, MCP, containers): a client is
never answered as if it had been honoured. Error messages name the field and the rule, never
the value sent; an unknown key is named by its position only.

Known gap: the engine does not say which stop string ended an answer, so an answer ended by
one of ``stop_sequences`` reads ``stop_reason: "end_turn"`` with ``stop_sequence: null``.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from appliance.generation import Message, ResponseFormat, Tool, ToolCall
from appliance.httpapi import openai
from appliance.httpapi.fields import bad, check_keys, flag, integer, number, typed
from appliance.httpapi.sse import Event
from appliance.request import Chunk, GenerateParams, RequestInfo

#: Fields of Anthropic's API the appliance does not offer: refused by name, never ignored.
UNSUPPORTED = {
    "container": "code execution containers are not supported",
    "mcp_servers": "MCP connectors are not supported",
    "context_management": "context management is not supported",
}
#: Accepted and without effect on the answer (Anthropic-side capacity and caching hints; the
#: appliance's prefix cache works without being asked).
NO_EFFECT = frozenset({"service_tier", "cache_control"})
#: The appliance's own fields, as on the OpenAI routes.
_APPLIANCE = frozenset({"task_type", "priority", "allow_fallback", "allow_escalation"})
#: Fields of a count_tokens body (``POST /v1/messages/count_tokens``).
COUNT_FIELDS = frozenset({"model", "messages", "system", "tools", "tool_choice", "thinking",
                          "task_type", "output_config", "output_format"})
#: Fields of a messages body.
MESSAGE_FIELDS = COUNT_FIELDS | _APPLIANCE | {"max_tokens", "metadata", "stop_sequences",
                                              "stream", "temperature", "top_p", "top_k"}
#: What the appliance's finish reasons are called in Anthropic's API.
_STOP = {"stop": "end_turn", "length": "max_tokens", "tool_calls": "tool_use"}
_THINKING = ("enabled", "adaptive", "disabled")
#: output_config.effort -> the request model's reasoning effort.
_EFFORT = {"low": "low", "medium": "medium", "high": "high", "xhigh": "high", "max": "high"}
#: OpenAI error object (type, code) -> Anthropic error type; the statuses stay the one
#: table's (:func:`appliance.httpapi.openai.http_error`).
_ERROR_TYPES = {
    "authentication_error": "authentication_error",
    "permission_error": "permission_error",
    "rate_limit_error": "rate_limit_error",
    "timeout_error": "timeout_error",
    "service_unavailable": "overloaded_error",
    "internal_error": "api_error",
}
_ERROR_CODES = {"model_not_found": "not_found_error", "unknown_url": "not_found_error",
                "request_too_large": "request_too_large"}


@dataclass(frozen=True)
class Options:
    """How to answer, beside what to generate."""

    model: str
    stream: bool


# -- reading a request ----------------------------------------------------------------------


def _blocks(value: Any, field: str) -> list[dict[str, Any]]:
    """A content value as blocks: a string is one text block."""
    if isinstance(value, str):
        return [{"type": "text", "text": value}]
    if not isinstance(value, list) or not all(isinstance(b, dict) for b in value):
        raise bad(field, "must be a string or a list of content blocks")
    return value


def _text(block: Mapping[str, Any], field: str) -> str:
    text = block.get("text")
    if not isinstance(text, str):
        raise bad(f"{field}.text", "must be a string")
    return text


def _texts(value: Any, field: str) -> str:
    """Text-only content (a system prompt, a tool result): a string or text blocks."""
    parts = []
    for j, block in enumerate(_blocks(value, field)):
        if block.get("type") != "text":
            raise bad(f"{field}[{j}]", "only text blocks are supported (no images or "
                       "documents)")
        parts.append(_text(block, f"{field}[{j}]"))
    return "\n".join(parts)


def _tool_use(block: Mapping[str, Any], field: str) -> ToolCall:
    call_id, name, arguments = block.get("id"), block.get("name"), block.get("input", {})
    if not isinstance(call_id, str) or not isinstance(name, str) \
            or not isinstance(arguments, dict):
        raise bad(field, "must be {type: tool_use, id, name, input: an object}")
    return ToolCall(call_id, name, json.dumps(arguments, ensure_ascii=False))


def _tool_result(block: Mapping[str, Any], field: str) -> Message:
    call_id = block.get("tool_use_id")
    if not isinstance(call_id, str):
        raise bad(f"{field}.tool_use_id", "required: a string")
    content = _texts(block.get("content", ""), f"{field}.content")
    is_error = block.get("is_error", False)
    if not isinstance(is_error, bool):
        raise bad(f"{field}.is_error", "must be true or false")
    # The request model has no error flag on a result: the model reads it in the text.
    return Message("tool", f"Error: {content}" if is_error else content,
                   tool_call_id=call_id)


def _turn(m: Mapping[str, Any], i: int) -> list[Message]:
    """One Anthropic message as the request model's messages: a user turn's tool results
    become ``tool`` messages in the order they came; an assistant's tool uses its calls."""
    field = f"messages[{i}]"
    role = m.get("role")
    if role not in ("user", "assistant"):
        raise bad(f"{field}.role", "must be user or assistant (a system prompt goes in the "
                   "top-level system field)")
    out: list[Message] = []
    text: list[str] = []
    calls: list[ToolCall] = []
    for j, block in enumerate(_blocks(m.get("content"), f"{field}.content")):
        where, kind = f"{field}.content[{j}]", block.get("type")
        if kind == "text":
            text.append(_text(block, where))
        elif kind == "tool_use" and role == "assistant":
            calls.append(_tool_use(block, where))
        elif kind == "tool_result" and role == "user":
            if text:  # text before a result stays before it
                out.append(Message("user", "\n".join(text)))
                text = []
            out.append(_tool_result(block, where))
        elif kind in ("thinking", "redacted_thinking") and role == "assistant":
            continue  # earlier reasoning is not sent back to a model
        else:
            raise bad(where, f"{role} content supports text"
                       + (", tool_use and thinking" if role == "assistant" else
                          " and tool_result") + " blocks only (no images or documents)")
    if text or calls or not out:
        out.append(Message(role, "\n".join(text), tool_calls=tuple(calls)))
    return out


def _messages(body: Mapping[str, Any]) -> tuple[Message, ...]:
    value = body.get("messages")
    if not isinstance(value, list) or not value:
        raise bad("messages", "required: a non-empty list of {role, content} objects")
    out = []
    system = body.get("system")
    if system is not None:
        text = _texts(system, "system")
        if text:
            out.append(Message("system", text))
    for i, m in enumerate(value):
        if not isinstance(m, dict):
            raise bad(f"messages[{i}]", "must be an object with role and content")
        out += _turn(m, i)
    return tuple(out)


def _tools(body: Mapping[str, Any]) -> dict[str, Any]:
    """``tools`` and ``tool_choice`` as the request model's fields; names and schemas are
    checked by the validator."""
    value = body.get("tools")
    rule = "a list of {name, description, input_schema}"
    if value is not None and not isinstance(value, list):
        raise bad("tools", f"must be {rule}")
    tools = []
    for i, tool in enumerate(value or ()):
        if not isinstance(tool, dict) or not isinstance(tool.get("name"), str):
            raise bad(f"tools[{i}]", f"must be {rule}")
        if tool.get("type", "custom") not in ("custom", None):
            raise bad(f"tools[{i}].type", "only custom tools are supported (no server tools)")
        description, schema = tool.get("description", ""), tool.get("input_schema")
        if not isinstance(description, str):
            raise bad(f"tools[{i}].description", "must be a string")
        if not isinstance(schema, dict):
            raise bad(f"tools[{i}].input_schema", "required: a JSON Schema object")
        tools.append(Tool(tool["name"], description, json.dumps(schema)))
    choice = body.get("tool_choice", {"type": "auto" if tools else "none"})
    kind = choice.get("type") if isinstance(choice, dict) else None
    name = choice.get("name") if isinstance(choice, dict) else None
    if kind not in ("auto", "any", "tool", "none") or (kind == "tool"
                                                      and not isinstance(name, str)):
        raise bad("tool_choice", "must be {type: auto}, {type: any}, {type: none} or "
                   "{type: tool, name}")
    single = flag(choice, "disable_parallel_tool_use", default=False)
    chosen = f"function:{name}" if kind == "tool" else "required" if kind == "any" \
        else str(kind)
    return {"tools": tuple(tools), "tool_choice": chosen, "parallel_tool_calls": not single}


def _stop(body: Mapping[str, Any]) -> tuple[str, ...]:
    value = body.get("stop_sequences")
    if value is None:
        return ()
    if isinstance(value, list) and all(isinstance(s, str) for s in value):
        return tuple(value)
    raise bad("stop_sequences", "must be a list of strings")


def _end_user(body: Mapping[str, Any]) -> str:
    value = body.get("metadata")
    if value is None:
        return ""
    if not isinstance(value, dict) or set(value) - {"user_id"}:
        raise bad("metadata", "must be an object with user_id only")
    user = typed(value, "user_id", str, "a string") or ""
    if len(user) > openai.MAX_USER_CHARS:
        raise bad("metadata.user_id", f"longer than {openai.MAX_USER_CHARS} characters")
    return str(user)


def _thinking(body: Mapping[str, Any]) -> bool:
    """Whether the reasoning comes back (``thinking`` enabled or adaptive, and shown)."""
    value = body.get("thinking")
    if value is None:
        return False
    kind = value.get("type") if isinstance(value, dict) else None
    if kind not in _THINKING:
        raise bad("thinking", "must be {type: enabled, budget_tokens}, {type: adaptive} or "
                   "{type: disabled}")
    if kind == "enabled" and (integer(value, "budget_tokens") or 0) < 1:
        raise bad("thinking.budget_tokens", "required: a positive integer")
    display = value.get("display")
    if display not in (None, "summarized", "omitted"):
        raise bad("thinking.display", "must be summarized or omitted")
    return bool(kind != "disabled" and display != "omitted")


def _format(value: Any, where: str) -> ResponseFormat:
    kind = value.get("type") if isinstance(value, dict) else None
    if kind != "json_schema":
        raise bad(f"{where}.type", "must be json_schema")
    _only(value, {"type", "schema"}, where)
    schema = value.get("schema")
    if not isinstance(schema, dict):
        raise bad(f"{where}.schema", "required: a JSON Schema object")
    return ResponseFormat("json_schema", json.dumps(_sdk_bounds(schema)))


#: What Anthropic's SDK appends to a description for the bounds its API does not take
#: (anthropic.lib._parse._transform: "A number\n\n{minimum: 1, maximum: 10}").
_PAIR = r"[A-Za-z]+: -?[0-9]+(?:\.[0-9]+)?"
_MOVED = re.compile(rf"\n\n\{{({_PAIR}(?:, {_PAIR})*)\}}$")
_BOUNDS = frozenset(("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum",
                     "minLength", "maxLength", "minItems", "maxItems"))


def _sdk_bounds(schema: Any) -> Any:
    """``schema`` with the numeric bounds Anthropic's SDK moved into descriptions put back,
    so that the grammar holds them as it holds a schema's own: messages.parse() with
    ``Field(ge=0, le=150)`` sends an unbounded integer, and a small model wrote a 16-digit age
    the caller's own validation then refused. Only a description's last block of the SDK's
    exact shape, only numeric bounds, never one the schema states itself."""
    if isinstance(schema, list):
        return [_sdk_bounds(x) for x in schema]
    if not isinstance(schema, dict):
        return schema
    out = {k: _sdk_bounds(v) for k, v in schema.items()}
    description = out.get("description")
    m = _MOVED.search(description) if isinstance(description, str) else None
    if m is not None:
        pairs = [pair.split(": ") for pair in m.group(1).split(", ")]
        if all(key in _BOUNDS for key, _ in pairs):
            for key, number in pairs:
                out.setdefault(key, float(number) if "." in number else int(number))
    return out


def _only(value: Mapping[str, Any], known: set[str], where: str) -> None:
    """A nested object holds only ``known`` keys (an unknown one is named by position only,
    as a caller's key may be anything)."""
    for position, key in enumerate(value, start=1):
        if key not in known:
            raise bad(where, f"key number {position} is not one of {', '.join(sorted(known))}")


def _output(body: Mapping[str, Any]) -> tuple[ResponseFormat, str]:
    """(the answer's format, the reasoning effort) of ``output_config`` or the earlier beta's
    top-level ``output_format``."""
    config = body.get("output_config")
    fmt, effort = body.get("output_format"), ""
    if config is not None:
        if not isinstance(config, dict):
            raise bad("output_config", "must be an object")
        _only(config, {"format", "effort"}, "output_config")
        if config.get("format") is not None:
            if fmt is not None:
                raise bad("output_format", "give the format once: in output_config.format")
            return _format(config["format"], "output_config.format"), _effort(config)
        effort = _effort(config)
    if fmt is None:
        return ResponseFormat(), effort
    return _format(fmt, "output_format"), effort


def _effort(config: Mapping[str, Any]) -> str:
    value = config.get("effort")
    if value is None:
        return ""
    if value not in _EFFORT:
        raise bad("output_config.effort", f"must be one of {', '.join(_EFFORT)}")
    return _EFFORT[value]


def _max_tokens(body: Mapping[str, Any]) -> int:
    value = integer(body, "max_tokens")
    if value is None:
        raise bad("max_tokens", "required: an integer")
    if value < 1:
        raise bad("max_tokens", "must be at least 1")
    return value


def _model(body: Mapping[str, Any], aliases: Mapping[str, str]) -> tuple[str, str]:
    """(the name the caller used, what the pipeline takes: a tier, "auto" or an alias's
    tier); an unknown name is the pipeline's 404."""
    name = typed(body, "model", str, "a string")
    if not name:
        raise bad("model", "required: a model name (GET /v1/models lists them)")
    return str(name), aliases.get(name, name)


def _body(body: Any, known: frozenset[str]) -> Mapping[str, Any]:
    if not isinstance(body, dict):
        raise bad("body", "must be a JSON object")
    check_keys(body, known, UNSUPPORTED, NO_EFFECT)
    return body


def parse(body: Any, *, aliases: Mapping[str, str]) -> tuple[GenerateParams, Options]:
    """A messages request body as the request model, and how to answer. Raises
    InvalidArgument naming the first field that is wrong."""
    body = _body(body, MESSAGE_FIELDS)
    shown, model = _model(body, aliases)
    max_tokens = _max_tokens(body)
    stream = flag(body, "stream", default=False)
    response_format, effort = _output(body)
    params = GenerateParams(
        messages=_messages(body), model=model, max_tokens=max_tokens,
        temperature=number(body, "temperature"), top_p=number(body, "top_p"),
        top_k=integer(body, "top_k"), stop=_stop(body),
        task_type=typed(body, "task_type", str, "a string") or "",
        include_reasoning=_thinking(body), response_format=response_format,
        reasoning_effort=effort, allow_fallback=flag(body, "allow_fallback", default=True),
        allow_escalation=flag(body, "allow_escalation", default=True),
        priority=integer(body, "priority") or 0,
        **_tools(body), end_user=_end_user(body), unary=not stream)
    return params, Options(model=shown, stream=stream)


def parse_count(body: Any, *, aliases: Mapping[str, str]) -> GenerateParams:
    """A count_tokens body as the request model (what would be sent, not how to sample)."""
    body = _body(body, COUNT_FIELDS)
    _shown, model = _model(body, aliases)
    _thinking(body)
    _output(body)
    return GenerateParams(messages=_messages(body), model=model,
                          task_type=typed(body, "task_type", str, "a string") or "",
                          **_tools(body))


# -- writing an answer ----------------------------------------------------------------------


def stop_reason(chunk: Chunk) -> str | None:
    if chunk.finish_reason is None:
        return None
    return _STOP.get(chunk.finish_reason, "end_turn")


def _input(call: ToolCall) -> dict[str, Any]:
    value = json.loads(call.arguments or "{}")
    return value if isinstance(value, dict) else {}


def _tool_use_block(call: ToolCall) -> dict[str, Any]:
    return {"type": "tool_use", "id": call.id, "name": call.name, "input": _input(call)}


def count(tokens: int) -> dict[str, Any]:
    """count_tokens' answer."""
    return {"input_tokens": tokens}


class Writer:
    """Builds one request's message and its stream (:class:`appliance.httpapi.sse.Writer`):
    ``message_start``; per content block (thinking, text, each tool use, in that order)
    ``content_block_start``, its deltas and ``content_block_stop``; ``message_delta`` with
    the stop reason and usage; ``message_stop``. One writer per request: it remembers which
    block is open."""

    def __init__(self, info: RequestInfo, opts: Options,
                 clock: Callable[[], float] = time.time) -> None:
        self.info = info
        self.opts = opts
        self.id = "msg_" + info.request_id
        self.created = int(clock())
        #: The open block's type ("" for none) and the next block's index.
        self._open = ""
        self._blocks = 0

    def _usage(self, last: Chunk) -> dict[str, Any]:
        """Anthropic counts prompt tokens read from a cache apart from ``input_tokens``."""
        prompt = last.prompt_tokens or self.info.prompt_tokens
        cached = min(self.info.cached_tokens, prompt)
        return {"input_tokens": prompt - cached, "cache_read_input_tokens": cached,
                "output_tokens": last.completion_tokens}

    def _message(self, content: list[dict[str, Any]], last: Chunk) -> dict[str, Any]:
        return {"id": self.id, "type": "message", "role": "assistant",
                "model": self.opts.model or self.info.tier or "", "content": content,
                "stop_reason": stop_reason(last), "stop_sequence": None,
                "usage": self._usage(last), "appliance": openai.extras(self.info)}

    def whole(self, text: str, reasoning: str, last: Chunk) -> dict[str, Any]:
        """The non-streamed message."""
        content: list[dict[str, Any]] = []
        if reasoning:
            content.append({"type": "thinking", "thinking": reasoning, "signature": ""})
        if text or not last.tool_calls:
            content.append({"type": "text", "text": text})
        content += [_tool_use_block(c) for c in last.tool_calls]
        return self._message(content, last)

    # -- as server-sent events --

    def opening(self) -> list[Event]:
        """``message_start``: sent with the first piece, once the prompt is counted."""
        start = self._message([], Chunk())
        start["usage"]["output_tokens"] = 0
        return [Event({"type": "message_start", "message": start}, "message_start")]

    def _close(self) -> list[Event]:
        if not self._open:
            return []
        self._open = ""
        return [Event({"type": "content_block_stop", "index": self._blocks - 1},
                      "content_block_stop")]

    def _start(self, block: dict[str, Any]) -> list[Event]:
        events = self._close()
        events.append(Event({"type": "content_block_start", "index": self._blocks,
                             "content_block": block}, "content_block_start"))
        self._open, self._blocks = block["type"], self._blocks + 1
        return events

    def _delta(self, delta: dict[str, Any]) -> Event:
        return Event({"type": "content_block_delta", "index": self._blocks - 1,
                      "delta": delta}, "content_block_delta")

    def events(self, piece: Chunk, *, first: bool) -> list[Event]:
        """A piece's reasoning, text and tool calls as block events (a new block whenever
        the kind changes; the reasoning all comes first)."""
        events: list[Event] = []
        if piece.reasoning:
            if self._open != "thinking":
                events += self._start({"type": "thinking", "thinking": "", "signature": ""})
            events.append(self._delta({"type": "thinking_delta",
                                       "thinking": piece.reasoning}))
        if piece.text:
            if self._open != "text":
                events += self._start({"type": "text", "text": ""})
            events.append(self._delta({"type": "text_delta", "text": piece.text}))
        for call in piece.tool_calls:
            events += self._start({"type": "tool_use", "id": call.id, "name": call.name,
                                   "input": {}})
            events.append(self._delta({"type": "input_json_delta",
                                       "partial_json": call.arguments}))
        return events

    def closing(self, last: Chunk) -> list[Event]:
        """The open block's stop (an empty text block if none came: the message has the
        same blocks as the non-streamed one), ``message_delta``, ``message_stop``."""
        events = [] if self._blocks else self._start({"type": "text", "text": ""})
        events += self._close()
        delta = {"type": "message_delta",
                 "delta": {"stop_reason": stop_reason(last), "stop_sequence": None},
                 "usage": self._usage(last)}
        return [*events, Event(delta, "message_delta"),
                Event({"type": "message_stop"}, "message_stop")]

    def failure(self, error: dict[str, Any]) -> list[Event]:
        """An ``error`` event (``error``: the OpenAI error object, in Anthropic's shape)."""
        return [Event(error_object(error, self.info.request_id), "error")]


# -- the models list and retrieve-model -----------------------------------------------------
#
# GET /v1/models and /v1/models/{id} are OpenAI's and Anthropic's paths both; Anthropic's SDKs
# send ``anthropic-version`` on every request, and an answer to one is in Anthropic's shape
# (a page of model objects with cursors; errors as below); OpenAI's otherwise. The entries are
# the transport's OpenAI model objects (their ``appliance`` facts say what each name is).

#: The header Anthropic's SDKs send on every request.
VERSION_HEADER = "anthropic-version"
#: ``created_at``: the release date is unknown (Anthropic's API says the epoch then).
EPOCH = "1970-01-01T00:00:00Z"
#: The list's page size: 20 unless ``limit`` says (1 to 1000), as Anthropic's API.
DEFAULT_LIMIT, MAX_LIMIT = 20, 1000
_LIFECYCLES = ("active", "deprecated", "retired")


def speaks(headers: Mapping[str, str]) -> bool:
    """Whether the request came from an Anthropic client (an ``anthropic-version`` header)."""
    return VERSION_HEADER in headers


def _display_name(name: str, facts: Mapping[str, Any]) -> str:
    tier, file_name = facts.get("tier"), facts.get("file_name")
    if tier == "auto":
        return "auto (the router picks a tier per request)"
    if file_name:  # a tier, or the embedding tier
        return f"{name} ({file_name})"
    return f"{name} (alias of {tier})" if tier and tier != name else name


def model_info(entry: Mapping[str, Any],
               models: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """Anthropic's model object for one OpenAI model object; ``models`` (every entry by
    name) gives an alias its tier's context length."""
    name = entry["id"]
    facts = entry.get("appliance", {})
    context = facts.get("context_length")
    if context is None and facts.get("tier") in models:
        context = models[facts["tier"]].get("appliance", {}).get("context_length")
    return {"type": "model", "id": name, "display_name": _display_name(name, facts),
            "created_at": EPOCH, "lifecycle": "active", "max_input_tokens": context,
            "appliance": dict(facts)}


def _limit(values: list[str]) -> int:
    if not values:
        return DEFAULT_LIMIT
    value = values[-1].strip()
    if not (value.isascii() and value.isdecimal()) or not 1 <= int(value) <= MAX_LIMIT:
        raise bad("limit", f"must be an integer from 1 to {MAX_LIMIT}")
    return int(value)


def _cursor(ids: list[str], values: list[str], field: str) -> int | None:
    """The position of the cursor ``field`` names (None without one)."""
    if not values:
        return None
    if values[-1] not in ids:
        raise bad(field, "not the id of a listed model")
    return ids.index(values[-1])


def models_page(models: Mapping[str, Mapping[str, Any]],
                query: Iterable[tuple[str, str]]) -> dict[str, Any]:
    """A page of the list, in the list's order: ``limit`` models from the start, after
    ``after_id`` or immediately before ``before_id``; ``lifecycle`` (``lifecycle[]`` as the
    SDKs send it) filters by stage, and every model here is ``active``. ``has_more`` says
    whether more lie in the direction asked."""
    params: dict[str, list[str]] = {}
    for key, value in query:
        params.setdefault(key.removesuffix("[]"), []).append(value)
    limit = _limit(params.get("limit", []))
    stages = params.get("lifecycle", [])
    if any(s not in _LIFECYCLES for s in stages):
        raise bad("lifecycle", "each must be active, deprecated or retired")
    entries = list(models.values()) if not stages or "active" in stages else []
    ids = [e["id"] for e in entries]
    after = _cursor(ids, params.get("after_id", []), "after_id")
    before = _cursor(ids, params.get("before_id", []), "before_id")
    if after is not None and before is not None:
        raise bad("before_id", "give before_id or after_id, not both")
    if before is not None:
        start = max(0, before - limit)
        page, has_more = entries[start:before], start > 0
    else:
        start = 0 if after is None else after + 1
        page, has_more = entries[start:start + limit], start + limit < len(entries)
    data = [model_info(e, models) for e in page]
    return {"data": data, "has_more": has_more,
            "first_id": data[0]["id"] if data else None,
            "last_id": data[-1]["id"] if data else None}


# -- errors ---------------------------------------------------------------------------------


def error_object(error: Mapping[str, Any], request_id: str) -> dict[str, Any]:
    """Anthropic's error object for the OpenAI one :func:`openai.http_error` built: the same
    message, the type Anthropic's SDKs know for the same status."""
    inner = error.get("error", {})
    kind = _ERROR_CODES.get(inner.get("code")) or _ERROR_TYPES.get(inner.get("type"),
                                                                    "invalid_request_error")
    return {"type": "error", "error": {"type": kind, "message": inner.get("message", "")},
            "request_id": request_id}


def http_error(error: BaseException, request_id: str) -> tuple[int, dict[str, Any]]:
    """(HTTP status, Anthropic error object) for ``error``: the one error tree, mapped as on
    every HTTP route (:func:`appliance.httpapi.openai.http_error`)."""
    status, body = openai.http_error(error, request_id)
    return status, error_object(body, request_id)


def credentials(headers: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """The headers with Anthropic's ``x-api-key`` presented as the bearer token it holds
    (Anthropic's SDKs send ``x-api-key``; an ``authorization`` header, if any, wins)."""
    headers = list(headers)
    if any(k == "authorization" for k, _v in headers):
        return headers
    key = next((v for k, v in headers if k == "x-api-key"), None)
    return headers if key is None else [*headers, ("authorization", f"Bearer {key}")]
