"""OpenAI's Responses API (``POST /v1/responses``), translated to and from the request model.

The Responses API's ``input`` (a string, or message, ``function_call`` and
``function_call_output`` items), ``instructions``, function ``tools``, ``text.format`` and
``reasoning.effort`` become :class:`~appliance.request.GenerateParams`, as a chat completion
does (:mod:`appliance.httpapi.openai`, whose field readers and error mapping this reuses); the
answer becomes a ``response`` object, or typed server-sent events (``response.created`` …
``response.completed``) when streamed.

Stateless: the appliance stores no response and no conversation. ``store`` may be left out or
false (nothing is kept either way); ``store: true``, ``previous_response_id``,
``conversation``, ``background`` and stored ``prompt`` templates are refused by name, so a
caller is never answered as if a later call could refer back. The caller sends the whole
conversation as input items each time (an earlier ``response.output`` may be passed back as
it is). Built-in tools (web search, file search, …) are refused by name; only function tools
are offered. Error messages name the field and the rule, never the value sent.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from appliance.generation import REASONING_EFFORTS, Message, ResponseFormat, Tool, ToolCall
from appliance.httpapi.fields import appliance_fields, bad, flag, integer, number, typed
from appliance.httpapi.openai import MAX_USER_CHARS, _check_fields, _model, _user, extras
from appliance.httpapi.sse import Event
from appliance.request import Chunk, GenerateParams, RequestInfo

#: Fields that would need the appliance to keep responses: refused when set, by name.
STATEFUL = {
    "previous_response_id": "the appliance keeps no responses: send the conversation so far "
                            "as input items",
    "conversation": "the appliance keeps no conversations: send the conversation so far as "
                    "input items",
    "prompt": "stored prompt templates are not supported: send instructions and input",
    "max_tool_calls": "not supported: parallel_tool_calls false allows one call per answer",
}
#: Accepted and without effect on the answer (OpenAI-side storage, billing and cache hints).
NO_EFFECT = frozenset({"metadata", "service_tier", "prompt_cache_key",
                       "prompt_cache_retention"})
RESPONSE_FIELDS = frozenset({
    "model", "input", "instructions", "stream", "stream_options", "max_output_tokens",
    "temperature", "top_p", "tools", "tool_choice", "parallel_tool_calls", "text", "reasoning",
    "user", "safety_identifier", "store", "background", "include", "truncation",
    # the appliance's own extras, as on chat completions
    "seed", "top_k", "min_p", "repetition_penalty", "task_type", "priority", "allow_fallback",
    "include_reasoning", "allow_escalation",
}) | STATEFUL.keys() | NO_EFFECT

_INPUT_RULE = "required: a non-empty string or a non-empty list of input items"
_TEXT_PARTS = "only text parts are supported (input_text, output_text; no images, audio or " \
              "files)"
_ROLES = {"user": "user", "assistant": "assistant", "system": "system",
          "developer": "system"}  # OpenAI's newer name for the system role
_SUMMARIES = (None, "auto", "concise", "detailed")


@dataclass(frozen=True)
class Options:
    """How to answer, beside what to generate."""

    model: str
    stream: bool
    #: The request's settings the response object repeats (as OpenAI's does).
    echo: dict[str, Any] = field(default_factory=dict)


# -- reading a request ----------------------------------------------------------------------


def _text(content: Any, where: str) -> str:
    """A message's or output's content: a string, or a list of text parts."""
    if isinstance(content, str):
        return content
    if not isinstance(content, list):
        raise bad(where, "must be a string or a list of text parts")
    texts = []
    for part in content:
        kind = part.get("type") if isinstance(part, dict) else None
        key = "refusal" if kind == "refusal" else "text"
        if kind not in ("input_text", "output_text", "refusal") \
                or not isinstance(part.get(key), str):
            raise bad(where, _TEXT_PARTS)
        texts.append(part[key])
    return "".join(texts)


def _message(item: Mapping[str, Any], where: str) -> Message:
    role = item.get("role")
    role = _ROLES.get(role) if isinstance(role, str) else None
    if role is None:
        raise bad(f"{where}.role", "must be user, assistant, system or developer")
    return Message(role, _text(item.get("content"), f"{where}.content"))


def _call_id(item: Mapping[str, Any], where: str) -> str:
    call_id = item.get("call_id")
    if not isinstance(call_id, str):
        raise bad(f"{where}.call_id", "required: a string")
    return call_id


def _function_call(item: Mapping[str, Any], where: str) -> ToolCall:
    """A call an earlier answer made: ``{call_id, name, arguments}`` (arguments as JSON text,
    checked by the validator)."""
    name = item.get("name")
    if not isinstance(name, str):
        raise bad(f"{where}.name", "required: a string")
    arguments = item.get("arguments", "{}")
    if isinstance(arguments, dict):  # some clients send the object itself
        arguments = json.dumps(arguments, ensure_ascii=False)
    if not isinstance(arguments, str):
        raise bad(f"{where}.arguments", "must be JSON text")
    return ToolCall(_call_id(item, where), name, arguments)


def _messages(body: Mapping[str, Any]) -> tuple[Message, ...]:
    """``instructions`` (a system message first) and ``input``. Consecutive function calls
    join the assistant turn before them, as one chat message with several tool calls."""
    out: list[Message] = []
    instructions = typed(body, "instructions", str, "a string")
    if instructions:
        out.append(Message("system", instructions))
    value = body.get("input")
    if isinstance(value, str) and value:
        return (*out, Message("user", value))
    if not isinstance(value, list) or not value:
        raise bad("input", _INPUT_RULE)
    for i, item in enumerate(value):
        where = f"input[{i}]"
        if not isinstance(item, dict):
            raise bad(where, "must be an object: a message, function_call or "
                       "function_call_output item")
        kind = item.get("type", "message")
        if kind == "message":
            out.append(_message(item, where))
        elif kind == "function_call":
            call = _function_call(item, where)
            if out and out[-1].role == "assistant":
                out[-1] = replace(out[-1], tool_calls=(*out[-1].tool_calls, call))
            else:
                out.append(Message("assistant", "", tool_calls=(call,)))
        elif kind == "function_call_output":
            out.append(Message("tool", _text(item.get("output"), f"{where}.output"),
                               tool_call_id=_call_id(item, where)))
        elif kind != "reasoning":  # an earlier answer's reasoning passed back: not re-read
            raise bad(f"{where}.type", "must be message, function_call, "
                       "function_call_output or reasoning (no built-in tool items, no item "
                       "references: nothing is stored)")
    return tuple(out)


def _tools(body: Mapping[str, Any]) -> tuple[tuple[Tool, ...], list[dict[str, Any]]]:
    """Function tools ``{type: function, name, description, parameters, strict}``, and as the
    response repeats them; names and schemas are checked by the validator."""
    value = body.get("tools")
    if value is not None and not isinstance(value, list):
        raise bad("tools", "must be a list of {type: function, name, description, "
                   "parameters}")
    tools, echo = [], []
    for i, tool in enumerate(value or ()):
        if not isinstance(tool, dict) or tool.get("type") != "function":
            raise bad(f"tools[{i}].type", "only function tools are supported (no built-in "
                       "tools: web_search, file_search, code_interpreter, mcp, …)")
        name = tool.get("name")
        if not isinstance(name, str):
            raise bad(f"tools[{i}].name", "required: a string")
        description = typed(tool, "description", str, "a string") or ""
        parameters = tool.get("parameters")
        if parameters is not None and not isinstance(parameters, dict):
            raise bad(f"tools[{i}].parameters", "must be a JSON Schema object")
        typed(tool, "strict", bool, "true or false")
        tools.append(Tool(name, description,
                          json.dumps(parameters) if parameters is not None else ""))
        # strict is what the appliance always does: arguments follow the schema's grammar
        echo.append({"type": "function", "name": name, "description": description or None,
                     "parameters": parameters, "strict": True})
    return tuple(tools), echo


def _tool_choice(body: Mapping[str, Any], tools: tuple[Tool, ...]) -> tuple[str, Any]:
    """(the request model's tool_choice, as the response repeats it)."""
    choice = body.get("tool_choice")
    if choice is None:
        return ("auto" if tools else "none"), "auto"
    if isinstance(choice, str):
        return choice, choice  # checked by the validator
    name = choice.get("name") if isinstance(choice, dict) else None
    if not isinstance(choice, dict) or choice.get("type") != "function" \
            or not isinstance(name, str):
        raise bad("tool_choice", "must be auto, none, required or {type: function, name}")
    return f"function:{name}", {"type": "function", "name": name}


def _text_format(body: Mapping[str, Any]) -> tuple[ResponseFormat, dict[str, Any]]:
    """``text.format``: text, json_object or json_schema ``{name, schema, strict}``."""
    text = body.get("text")
    if text is None:
        text = {}
    if not isinstance(text, dict) or set(text) - {"format", "verbosity"}:
        raise bad("text", "must be an object with format (and verbosity)")
    if text.get("verbosity") not in (None, "medium"):
        raise bad("text.verbosity", "only medium is supported")
    fmt = text.get("format") or {"type": "text"}
    kind = fmt.get("type") if isinstance(fmt, dict) else None
    echo: dict[str, Any] = {"format": {"type": kind}, "verbosity": "medium"}
    if kind in ("text", "json_object"):
        return ResponseFormat(kind), echo
    if kind != "json_schema":
        raise bad("text.format.type", "must be text, json_object or json_schema")
    schema, name = fmt.get("schema"), fmt.get("name")
    if not isinstance(schema, dict):
        raise bad("text.format.schema", "required: a JSON Schema object")
    if not isinstance(name, str):
        raise bad("text.format.name", "required: a string")
    description = typed(fmt, "description", str, "a string")
    typed(fmt, "strict", bool, "true or false")
    # strict is what the appliance always does: the answer follows the schema's grammar
    echo["format"] = {"type": kind, "name": name, "schema": schema, "strict": True,
                      "description": description}
    return ResponseFormat("json_schema", json.dumps(schema)), echo


def _reasoning(body: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    """``reasoning.effort`` scales the tier's reasoning budget, as ``reasoning_effort`` does
    on chat completions. A ``summary`` is accepted: the reasoning is returned whole
    (``reasoning_text``), never summarised."""
    value = body.get("reasoning")
    if value is None:
        value = {}
    if not isinstance(value, dict) or set(value) - {"effort", "summary", "generate_summary"}:
        raise bad("reasoning", "must be an object with effort (and summary)")
    effort = value.get("effort")
    if effort is not None and effort not in REASONING_EFFORTS:
        raise bad("reasoning.effort", f"must be one of {', '.join(REASONING_EFFORTS)}")
    for key in ("summary", "generate_summary"):
        if value.get(key) not in _SUMMARIES:
            raise bad(f"reasoning.{key}", "must be auto, concise or detailed")
    return effort or "", {"effort": effort, "summary": value.get("summary")}


def _refuse_state(body: Mapping[str, Any]) -> None:
    """What would need storage or OpenAI-only output: refused by name when set."""
    for name, why in STATEFUL.items():
        if body.get(name) is not None:
            raise bad(name, why)
    if flag(body, "store", default=False):
        raise bad("store", "the appliance stores no responses: leave store out or set it to "
                   "false (nothing is kept either way)")
    if flag(body, "background", default=False):
        raise bad("background", "background responses need storage, which the appliance "
                   "does not keep: stream the response instead")
    include = body.get("include")
    if include is not None and include != []:
        raise bad("include", "no additional output data is offered (no encrypted reasoning, "
                   "no log probabilities)")
    if body.get("truncation") not in (None, "disabled"):
        raise bad("truncation", "only disabled: the appliance never drops input to fit")
    options = body.get("stream_options")
    if options is not None and (not isinstance(options, dict) or set(options) -
                                {"include_obfuscation"}
                                or flag(options, "include_obfuscation", default=False)):
        raise bad("stream_options", "only include_obfuscation false is supported (deltas "
                   "are not padded)")


def _end_user(body: Mapping[str, Any]) -> str:
    """``user``, or OpenAI's newer ``safety_identifier``: who the application acts for."""
    identifier = typed(body, "safety_identifier", str, "a string") or ""
    if len(identifier) > MAX_USER_CHARS:
        raise bad("safety_identifier", f"longer than {MAX_USER_CHARS} characters")
    return _user(body) or identifier


def parse(body: Any, *, aliases: Mapping[str, str]) -> tuple[GenerateParams, Options]:
    """A Responses API request body as the request model, and how to answer. Raises
    InvalidArgument naming the first field that is wrong."""
    if not isinstance(body, dict):
        raise bad("body", "must be a JSON object")
    _refuse_state(body)
    _check_fields(body, RESPONSE_FIELDS)
    shown, model = _model(body, aliases)
    stream = flag(body, "stream", default=False)
    max_tokens = integer(body, "max_output_tokens")
    if max_tokens is not None and max_tokens < 1:
        raise bad("max_output_tokens", "must be 1 or more")
    tools, tools_echo = _tools(body)
    choice, choice_echo = _tool_choice(body, tools)
    response_format, text_echo = _text_format(body)
    effort, reasoning_echo = _reasoning(body)
    parallel = flag(body, "parallel_tool_calls", default=True)
    params = GenerateParams(
        messages=_messages(body), model=model, max_tokens=max_tokens or 0,
        temperature=number(body, "temperature"), top_p=number(body, "top_p"),
        seed=integer(body, "seed"),
        **appliance_fields(body),
        response_format=response_format, tools=tools, tool_choice=choice,
        parallel_tool_calls=parallel, end_user=_end_user(body), reasoning_effort=effort,
        unary=not stream)
    echo = {"instructions": body.get("instructions"), "max_output_tokens": max_tokens,
            "temperature": params.temperature, "top_p": params.top_p,
            "parallel_tool_calls": parallel, "tool_choice": choice_echo, "tools": tools_echo,
            "text": text_echo, "reasoning": reasoning_echo, "store": False,
            "background": False, "previous_response_id": None, "truncation": "disabled",
            "metadata": body.get("metadata") or {}}
    return params, Options(model=shown, stream=stream, echo=echo)


# -- writing an answer ----------------------------------------------------------------------


@dataclass
class _Open:
    """The output item being streamed: its kind (message or reasoning), place and text."""

    kind: str
    index: int
    id: str
    parts: list[str] = field(default_factory=list)


class Writer:
    """Builds one request's response object, or its stream of events (ids, creation time and
    the events' sequence numbers fixed per request)."""

    def __init__(self, info: RequestInfo, opts: Options, *,
                 clock: Callable[[], float] = time.time) -> None:
        self.info = info
        self.opts = opts
        self.created = int(clock())
        self.id = "resp_" + info.request_id
        self._sequence = 0
        self._items: list[dict[str, Any]] = []  # streamed: the output items so far
        self._open: _Open | None = None

    # -- the response object and its output items --

    def _item_id(self, kind: str, index: int) -> str:
        prefix = {"message": "msg", "reasoning": "rs", "function_call": "fc"}[kind]
        return f"{prefix}_{self.info.request_id}_{index}"

    def _response(self, status: str, output: list[dict[str, Any]],
                  last: Chunk | None) -> dict[str, Any]:
        incomplete = {"reason": "max_output_tokens"} if status == "incomplete" else None
        return {"id": self.id, "object": "response", "created_at": self.created,
                "status": status, "error": None, "incomplete_details": incomplete,
                "model": self.opts.model or self.info.tier or "", "output": output,
                "usage": self._usage(last) if last is not None else None,
                "user": None, **self.opts.echo, "appliance": extras(self.info)}

    def _usage(self, last: Chunk) -> dict[str, Any]:
        return {"input_tokens": last.prompt_tokens,
                "input_tokens_details": {"cached_tokens": self.info.cached_tokens},
                "output_tokens": last.completion_tokens,
                # output_tokens counts them too; the engine does not count them apart
                "output_tokens_details": {"reasoning_tokens": 0},
                "total_tokens": last.prompt_tokens + last.completion_tokens}

    def _message(self, text: str, status: str, index: int) -> dict[str, Any]:
        content = [{"type": "output_text", "text": text, "annotations": []}] \
            if status != "in_progress" else []
        return {"type": "message", "id": self._item_id("message", index), "role": "assistant",
                "status": status, "content": content}

    def _reasoning(self, text: str, status: str, index: int) -> dict[str, Any]:
        content = [{"type": "reasoning_text", "text": text}] if status != "in_progress" else []
        return {"type": "reasoning", "id": self._item_id("reasoning", index), "summary": [],
                "content": content, "status": status}

    def _call(self, call: ToolCall, status: str, index: int) -> dict[str, Any]:
        return {"type": "function_call", "id": self._item_id("function_call", index),
                "call_id": call.id, "name": call.name,
                "arguments": call.arguments if status != "in_progress" else "",
                "status": status}

    @staticmethod
    def _status(last: Chunk) -> str:
        return "incomplete" if last.finish_reason == "length" else "completed"

    def whole(self, text: str, reasoning: str, last: Chunk) -> dict[str, Any]:
        """The non-streamed answer: reasoning (r1), the message, then the calls it made."""
        status = self._status(last)
        output: list[dict[str, Any]] = []
        if reasoning:
            output.append(self._reasoning(reasoning, "incomplete" if status == "incomplete"
                                          and not text else "completed", len(output)))
        if text or not last.tool_calls:
            output.append(self._message(text, status, len(output)))
        for call in last.tool_calls:
            output.append(self._call(call, "completed", len(output)))
        return self._response(status, output, last)

    # -- as server-sent events (appliance.httpapi.sse.Writer) --

    def _event(self, kind: str, **fields: Any) -> Event:
        event = Event({"type": kind, "sequence_number": self._sequence, **fields}, name=kind)
        self._sequence += 1
        return event

    def opening(self) -> list[Event]:
        pending = self._response("in_progress", [], None)
        return [self._event("response.created", response=pending),
                self._event("response.in_progress", response=pending)]

    def events(self, piece: Chunk, *, first: bool) -> list[Event]:
        """Reasoning and answer text as deltas of their items (calls come with the end)."""
        out: list[Event] = []
        if piece.reasoning:
            out += self._delta("reasoning", piece.reasoning)
        if piece.text:
            out += self._delta("message", piece.text)
        return out

    def _delta(self, kind: str, delta: str) -> list[Event]:
        out: list[Event] = []
        item = self._open
        if item is None or item.kind != kind:
            out += self._close("completed")
            item, begun = self._begin(kind)
            out += begun
        item.parts.append(delta)
        where = {"item_id": item.id, "output_index": item.index, "content_index": 0}
        if kind == "message":
            out.append(self._event("response.output_text.delta", **where, delta=delta,
                                   logprobs=[]))
        else:
            out.append(self._event("response.reasoning_text.delta", **where, delta=delta))
        return out

    def _begin(self, kind: str) -> tuple[_Open, list[Event]]:
        index = len(self._items)
        if kind == "message":
            item = self._message("", "in_progress", index)
            part: dict[str, Any] = {"type": "output_text", "text": "", "annotations": []}
        else:
            item = self._reasoning("", "in_progress", index)
            part = {"type": "reasoning_text", "text": ""}
        self._items.append(item)
        self._open = _Open(kind, index, item["id"])
        return self._open, [
            self._event("response.output_item.added", output_index=index, item=item),
            self._event("response.content_part.added", item_id=item["id"], output_index=index,
                        content_index=0, part=part)]

    def _close(self, status: str) -> list[Event]:
        opened, self._open = self._open, None
        if opened is None:
            return []
        text = "".join(opened.parts)
        where = {"item_id": opened.id, "output_index": opened.index, "content_index": 0}
        if opened.kind == "message":
            item = self._message(text, status, opened.index)
            done = self._event("response.output_text.done", **where, text=text, logprobs=[])
        else:
            item = self._reasoning(text, status, opened.index)
            done = self._event("response.reasoning_text.done", **where, text=text)
        self._items[opened.index] = item
        return [done, self._event("response.content_part.done", **where,
                                  part=item["content"][0]),
                self._event("response.output_item.done", output_index=opened.index,
                            item=item)]

    def closing(self, last: Chunk) -> list[Event]:
        """The open item's end, the calls (each whole: arguments are restored only once
        complete), then ``response.completed`` (or ``response.incomplete``) with the whole
        response."""
        status = self._status(last)
        out = self._close(status)
        if not last.tool_calls and not any(i["type"] == "message" for i in self._items):
            out += self._begin("message")[1] + self._close(status)  # an empty answer
        for call in last.tool_calls:
            index = len(self._items)
            item = self._call(call, "completed", index)
            self._items.append(item)
            out += [self._event("response.output_item.added", output_index=index,
                                item=self._call(call, "in_progress", index)),
                    self._event("response.function_call_arguments.delta", item_id=item["id"],
                                output_index=index, delta=call.arguments),
                    self._event("response.function_call_arguments.done", item_id=item["id"],
                                output_index=index, name=call.name,
                                arguments=call.arguments),
                    self._event("response.output_item.done", output_index=index, item=item)]
        kind = "response.incomplete" if status == "incomplete" else "response.completed"
        out.append(self._event(kind, response=self._response(status, self._items, last)))
        return out

    def failure(self, error: dict[str, Any]) -> list[Event]:
        """OpenAI's way: an ``error`` event, then ``response.failed``."""
        detail = error.get("error") or {}
        code, message = detail.get("code"), detail.get("message", "")
        failed = self._response("failed", self._items, None)
        failed["error"] = {"code": code if code == "rate_limit_exceeded" else "server_error",
                           "message": message}
        return [self._event("error", code=code, message=message, param=detail.get("param")),
                self._event("response.failed", response=failed)]

