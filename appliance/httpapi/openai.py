"""The OpenAI/DeepSeek chat API's wire format, translated to and from the request model.

Request bodies become :class:`~appliance.request.GenerateParams` (the same the gRPC servicers
build), answers become OpenAI's response, chunk and error objects. Nothing here serves: the
transport (:mod:`appliance.httpapi.app`) reads bodies and writes responses.

Like OpenAI's own API, a field this API does not know is refused (400 naming it), and so is a
feature the appliance does not offer (tools, several choices, log probabilities, audio, images):
a client is never answered as if it had been honoured. Error messages name the field and the
rule, never the value sent (it may be personal data).
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from appliance.errors import (
    ApplianceError,
    Cancelled,
    DeadlineExceeded,
    FailedPrecondition,
    InvalidArgument,
    Overloaded,
    PermissionDenied,
    Unauthenticated,
    Unavailable,
    client_message,
)
from appliance.generation import REASONING_EFFORTS, Message, ResponseFormat, Tool, ToolCall
from appliance.httpapi.fields import (
    appliance_fields,
    bad,
    check_keys,
    flag,
    integer,
    number,
    typed,
)
from appliance.httpapi.sse import Event
from appliance.request import Chunk, GenerateParams, RequestInfo

#: Fields of OpenAI's API the appliance does not offer: refused by name, never ignored.
UNSUPPORTED = {
    "functions": "the legacy functions API is not supported: use tools",
    "function_call": "the legacy functions API is not supported: use tool_choice",
    "audio": "audio output is not supported",
    "modalities": "only text output is supported",
    "prediction": "predicted outputs are not supported",
    "web_search_options": "web search is not supported",
    "top_logprobs": "log probabilities are not supported: they would carry the model's tokens "
                    "and alternatives past the output PII scan and restore, which read text",
    "best_of": "best_of is not supported",
    "echo": "echo is not supported",
    "suffix": "suffix (insertion) is not supported",
}
#: Accepted and without effect on the answer (OpenAI-side storage and billing hints).
NO_EFFECT = frozenset({"store", "metadata", "service_tier"})

#: Body fields shared by both endpoints (the appliance's own extras at the end).
_COMMON = frozenset({
    "model", "stream", "stream_options", "max_tokens", "temperature", "top_p", "stop", "seed",
    "n", "user", "frequency_penalty", "presence_penalty", "logit_bias", "logprobs",
    "top_k", "min_p", "repetition_penalty",
    "task_type", "priority", "allow_fallback", "include_reasoning", "allow_escalation",
    "reasoning_effort",
})
CHAT_FIELDS = _COMMON | {"messages", "max_completion_tokens", "response_format", "tools",
                          "tool_choice", "parallel_tool_calls"}
COMPLETION_FIELDS = _COMMON | {"prompt"}


#: What the appliance's finish reasons are called in OpenAI's API.
_FINISH = {"stop": "stop", "length": "length", "tool_calls": "tool_calls"}
MAX_USER_CHARS = 256


@dataclass(frozen=True)
class Options:
    """How to answer, beside what to generate."""

    model: str
    stream: bool
    include_usage: bool


# -- reading a request ----------------------------------------------------------------------


def _check_fields(body: Mapping[str, Any], known: frozenset[str]) -> None:
    check_keys(body, known, UNSUPPORTED, NO_EFFECT)
    n = integer(body, "n")
    if n is not None and n != 1:
        raise bad("n", "only one choice per request is supported (n = 1): one request is one "
                       "engine slot, one output scan and one audited answer; send n requests")
    if typed(body, "logprobs", (bool, int), "true or false"):
        raise bad("logprobs", "log probabilities are not supported: they would carry the "
                              "model's tokens and alternatives past the output PII scan and "
                              "restore, which read text")


def _stop(body: Mapping[str, Any]) -> tuple[str, ...]:
    value = body.get("stop")
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(s, str) for s in value):
        return tuple(value)
    raise bad("stop", "must be a string or a list of strings")


def _logit_bias(body: Mapping[str, Any]) -> tuple[tuple[int, float], ...]:
    value = body.get("logit_bias")
    if value is None:
        return ()
    if not isinstance(value, dict):
        raise bad("logit_bias", "must be an object of token id to bias")
    out = []
    for key, bias in value.items():
        if not (isinstance(key, str) and key.isdigit()) or isinstance(bias, bool) \
                or not isinstance(bias, int | float) or not math.isfinite(bias):
            raise bad("logit_bias", "keys must be token ids, values numbers")
        out.append((int(key), float(bias)))
    return tuple(sorted(out))


def _content(message: Mapping[str, Any], i: int) -> str:
    content = message.get("content")
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if not isinstance(content, list):
        raise bad(f"messages[{i}].content", "must be a string or a list of text parts")
    texts = []
    for part in content:
        if not isinstance(part, dict) or part.get("type") != "text" \
                or not isinstance(part.get("text"), str):
            raise bad(f"messages[{i}].content", "only text parts are supported "
                       "(no images, audio or files)")
        texts.append(part["text"])
    return "".join(texts)


def _messages(body: Mapping[str, Any]) -> tuple[Message, ...]:
    value = body.get("messages")
    if not isinstance(value, list) or not value:
        raise bad("messages", "required: a non-empty list of {role, content} objects")
    out = []
    for i, m in enumerate(value):
        if not isinstance(m, dict):
            raise bad(f"messages[{i}]", "must be an object with role and content")
        for field in m:
            if field in ("function_call", "audio"):
                raise bad(f"messages[{i}].{field}", "legacy function and audio messages are "
                           "not supported")
        role = m.get("role")
        if not isinstance(role, str):
            raise bad(f"messages[{i}].role", "must be a string")
        if role == "developer":  # OpenAI's newer name for the system role
            role = "system"
        call_id = m.get("tool_call_id", "") if role == "tool" else ""
        if not isinstance(call_id, str):
            raise bad(f"messages[{i}].tool_call_id", "must be a string")
        out.append(Message(role, _content(m, i), tool_calls=_calls(m, i),
                           tool_call_id=call_id))
    return tuple(out)


def _calls(message: Mapping[str, Any], i: int) -> tuple[ToolCall, ...]:
    """An assistant message's ``tool_calls``: ``[{id, type: function, function: {name,
    arguments}}]``, arguments as JSON text (checked by the validator)."""
    value = message.get("tool_calls")
    if value is None:
        return ()
    rule = "a list of {id, type: function, function: {name, arguments}}"
    if not isinstance(value, list):
        raise bad(f"messages[{i}].tool_calls", f"must be {rule}")
    calls = []
    for j, call in enumerate(value):
        fn = call.get("function") if isinstance(call, dict) else None
        if not isinstance(fn, dict) or call.get("type", "function") != "function" \
                or not isinstance(call.get("id"), str) or not isinstance(fn.get("name"), str):
            raise bad(f"messages[{i}].tool_calls[{j}]", f"must be {rule}")
        arguments = fn.get("arguments", "{}")
        if isinstance(arguments, dict):  # some clients send the object itself
            arguments = json.dumps(arguments, ensure_ascii=False)
        if not isinstance(arguments, str):
            raise bad(f"messages[{i}].tool_calls[{j}].function.arguments",
                       "must be JSON text")
        calls.append(ToolCall(call["id"], fn["name"], arguments))
    return tuple(calls)


def _tools(body: Mapping[str, Any]) -> tuple[tuple[Tool, ...], str, bool]:
    """``tools``, ``tool_choice`` (as the request model's string) and
    ``parallel_tool_calls``; names and schemas are checked by the validator."""
    value = body.get("tools")
    rule = "a list of {type: function, function: {name, description, parameters}}"
    if value is not None and not isinstance(value, list):
        raise bad("tools", f"must be {rule}")
    tools = []
    for i, tool in enumerate(value or ()):
        fn = tool.get("function") if isinstance(tool, dict) else None
        if not isinstance(fn, dict) or tool.get("type") != "function" \
                or not isinstance(fn.get("name"), str):
            raise bad(f"tools[{i}]", f"must be {rule}")
        description = fn.get("description", "")
        parameters = fn.get("parameters")
        if not isinstance(description, str):
            raise bad(f"tools[{i}].function.description", "must be a string")
        if parameters is not None and not isinstance(parameters, dict):
            raise bad(f"tools[{i}].function.parameters", "must be a JSON Schema object")
        tools.append(Tool(fn["name"], description,
                          json.dumps(parameters) if parameters is not None else ""))
    choice = body.get("tool_choice", "auto" if tools else "none")
    if isinstance(choice, dict):
        fn = choice.get("function")
        name = fn.get("name") if isinstance(fn, dict) else None
        if choice.get("type") != "function" or not isinstance(name, str):
            raise bad("tool_choice", "must be auto, none, required or "
                       "{type: function, function: {name}}")
        choice = f"function:{name}"
    if not isinstance(choice, str):
        raise bad("tool_choice", "must be auto, none, required or a function")
    return tuple(tools), choice, flag(body, "parallel_tool_calls", default=True)


def _tool_fields(body: Mapping[str, Any]) -> dict[str, Any]:
    tools, choice, parallel = _tools(body)
    return {"tools": tools, "tool_choice": choice, "parallel_tool_calls": parallel}


def _response_format(body: Mapping[str, Any]) -> ResponseFormat:
    value = body.get("response_format")
    if value is None:
        return ResponseFormat()
    kind = value.get("type") if isinstance(value, dict) else None
    if kind in ("text", "json_object"):
        return ResponseFormat(kind)
    if kind == "json_schema":
        spec = value.get("json_schema")
        schema = spec.get("schema") if isinstance(spec, dict) else None
        if not isinstance(schema, dict):
            raise bad("response_format.json_schema.schema", "required: a JSON Schema object")
        return ResponseFormat("json_schema", json.dumps(schema))
    raise bad("response_format.type", "must be text, json_object or json_schema")


def _model(body: Mapping[str, Any], aliases: Mapping[str, str]) -> tuple[str, str]:
    """(the name the caller used, what the pipeline takes: a tier, "auto" or "")."""
    name = typed(body, "model", str, "a string") or ""
    return name, aliases.get(name, name)


def _user(body: Mapping[str, Any]) -> str:
    user = typed(body, "user", str, "a string") or ""
    if len(user) > MAX_USER_CHARS:
        raise bad("user", f"longer than {MAX_USER_CHARS} characters")
    return user


def _reasoning_effort(body: Mapping[str, Any]) -> str:
    """OpenAI's ``reasoning_effort``: scales the tier's reasoning budget
    (:func:`appliance.engine.budget.effort_budget`); no effect on a tier that does not reason."""
    rule = f"must be one of {', '.join(REASONING_EFFORTS)}"
    effort = typed(body, "reasoning_effort", str, rule) or ""
    if effort and effort not in REASONING_EFFORTS:
        raise bad("reasoning_effort", rule)
    return str(effort)


def _stream(body: Mapping[str, Any]) -> tuple[bool, bool]:
    stream = flag(body, "stream", default=False)
    options = body.get("stream_options")
    include_usage = False
    if options is not None:
        if not isinstance(options, dict) or set(options) - {"include_usage"}:
            raise bad("stream_options", "only include_usage is supported")
        include_usage = flag(options, "include_usage", default=False)
    return stream, include_usage


def parse(body: Any, *, chat: bool, aliases: Mapping[str, str]) -> tuple[GenerateParams, Options]:
    """A chat (``chat``) or completion request body as the request model, and how to answer.
    Raises InvalidArgument naming the first field that is wrong."""
    if not isinstance(body, dict):
        raise bad("body", "must be a JSON object")
    _check_fields(body, CHAT_FIELDS if chat else COMPLETION_FIELDS)
    shown, model = _model(body, aliases)
    stream, include_usage = _stream(body)
    max_tokens = integer(body, "max_completion_tokens") if chat else None
    if max_tokens is None:
        max_tokens = integer(body, "max_tokens")
    if chat:
        texts: dict[str, Any] = {"messages": _messages(body)}
    else:
        prompt = body.get("prompt")
        if isinstance(prompt, list) and len(prompt) == 1 and isinstance(prompt[0], str):
            prompt = prompt[0]
        if not isinstance(prompt, str) or not prompt:
            raise bad("prompt", "required: a non-empty string (one prompt per request)")
        texts = {"prompt": prompt}
    params = GenerateParams(
        **texts, model=model, max_tokens=max_tokens or 0,
        temperature=number(body, "temperature"), top_p=number(body, "top_p"),
        stop=_stop(body), seed=integer(body, "seed"),
        **appliance_fields(body),
        frequency_penalty=number(body, "frequency_penalty"),
        presence_penalty=number(body, "presence_penalty"),
        logit_bias=_logit_bias(body),
        response_format=_response_format(body) if chat else ResponseFormat(),
        **_tool_fields(body) if chat else {},
        end_user=_user(body), reasoning_effort=_reasoning_effort(body), unary=not stream)
    return params, Options(model=shown, stream=stream, include_usage=include_usage)


# -- writing an answer ----------------------------------------------------------------------


def extras(info: RequestInfo) -> dict[str, Any]:
    """The appliance's own fields on a response (clients ignore what they do not know)."""
    return {"request_id": info.request_id, "served_by": info.route or "",
            "tier": info.tier or "", "route_reason": info.route_reason or "",
            "pii": dict(sorted(info.pii_counts.items()))}


def usage(chunk: Chunk) -> dict[str, int]:
    return {"prompt_tokens": chunk.prompt_tokens, "completion_tokens": chunk.completion_tokens,
            "total_tokens": chunk.prompt_tokens + chunk.completion_tokens}


def finish_reason(chunk: Chunk) -> str | None:
    if chunk.finish_reason is None:
        return None
    return _FINISH.get(chunk.finish_reason, chunk.finish_reason)


def _call(call: ToolCall) -> dict[str, Any]:
    return {"id": call.id, "type": "function",
            "function": {"name": call.name, "arguments": call.arguments}}


def _model_name(opts: Options, info: RequestInfo) -> str:
    return opts.model or info.tier or ""


class Writer:
    """Builds one request's response objects (ids and creation time fixed per request)."""

    def __init__(self, info: RequestInfo, opts: Options, *, chat: bool,
                 clock: Callable[[], float] = time.time) -> None:
        self.info = info
        self.opts = opts
        self.chat = chat
        self.created = int(clock())
        self.id = ("chatcmpl-" if chat else "cmpl-") + info.request_id

    def _head(self, kind: str) -> dict[str, Any]:
        return {"id": self.id, "object": kind, "created": self.created,
                "model": _model_name(self.opts, self.info), "system_fingerprint": None}

    def whole(self, text: str, reasoning: str, last: Chunk) -> dict[str, Any]:
        """The non-streamed answer."""
        if self.chat:
            message: dict[str, Any] = {"role": "assistant",
                                       "content": text or (None if last.tool_calls else "")}
            if reasoning:
                message["reasoning_content"] = reasoning
            if last.tool_calls:
                message["tool_calls"] = [_call(c) for c in last.tool_calls]
            choice: dict[str, Any] = {"index": 0, "message": message, "logprobs": None,
                                      "finish_reason": finish_reason(last)}
            out = self._head("chat.completion")
        else:
            choice = {"index": 0, "text": text, "logprobs": None,
                      "finish_reason": finish_reason(last)}
            out = self._head("text_completion")
        return {**out, "choices": [choice], "usage": self._usage(last),
                "appliance": extras(self.info)}

    def _usage(self, last: Chunk) -> dict[str, Any]:
        """OpenAI's usage, with the prompt tokens the prefix cache served."""
        return {**usage(last),
                "prompt_tokens_details": {"cached_tokens": self.info.cached_tokens}}

    def chunk(self, piece: Chunk, *, first: bool) -> dict[str, Any]:
        """One streamed chunk (the first carries the role; the last the finish reason)."""
        if self.chat:
            delta: dict[str, Any] = {}
            if first:
                delta["role"] = "assistant"
            if piece.reasoning:
                delta["reasoning_content"] = piece.reasoning
            if piece.text or first or not (piece.reasoning or piece.tool_calls):
                delta["content"] = piece.text
            if piece.tool_calls:
                delta["tool_calls"] = [{"index": i, **_call(c)}
                                       for i, c in enumerate(piece.tool_calls)]
            choice: dict[str, Any] = {"index": 0, "delta": delta, "logprobs": None,
                                      "finish_reason": finish_reason(piece)}
            out = self._head("chat.completion.chunk")
        else:
            choice = {"index": 0, "text": piece.text, "logprobs": None,
                      "finish_reason": finish_reason(piece)}
            out = self._head("text_completion")
        out["choices"] = [choice]
        if self.opts.include_usage:  # as OpenAI: null on every chunk but the usage chunk
            out["usage"] = None
        if first or piece.finish_reason is not None:
            out["appliance"] = extras(self.info)
        return out

    def chunks(self, piece: Chunk, *, first: bool) -> list[dict[str, Any]]:
        """The streamed chunks of ``piece``: a piece carrying both the end of the reasoning
        and the start of the answer is sent as two, reasoning first, so that every reasoning
        delta reaches the caller before any answer delta."""
        if not (self.chat and piece.reasoning and piece.text):
            return [self.chunk(piece, first=first)]
        thought = Chunk(reasoning=piece.reasoning)
        return [self.chunk(thought, first=first),
                self.chunk(replace(piece, reasoning=""), first=False)]

    def usage_chunk(self, last: Chunk) -> dict[str, Any]:
        """``stream_options.include_usage``: a last chunk with no choices and the usage."""
        kind = "chat.completion.chunk" if self.chat else "text_completion"
        return {**self._head(kind), "choices": [], "usage": self._usage(last)}

    # -- as server-sent events (appliance.httpapi.sse.Writer): untyped data lines --

    def opening(self) -> list[Event]:
        return []

    def events(self, piece: Chunk, *, first: bool) -> list[Event]:
        return [Event(chunk) for chunk in self.chunks(piece, first=first)]

    def closing(self, last: Chunk) -> list[Event]:
        usage_event = [Event(self.usage_chunk(last))] if self.opts.include_usage else []
        return [*usage_event, Event("[DONE]")]

    def failure(self, error: dict[str, Any]) -> list[Event]:
        """The error object as a data line: the SDKs raise it (no ``[DONE]`` follows)."""
        return [Event(error)]


# -- errors ---------------------------------------------------------------------------------

#: Error class -> (HTTP status, OpenAI error type, code).
_HTTP: list[tuple[type[ApplianceError], int, str, str | None]] = [
    (Unauthenticated, 401, "authentication_error", "invalid_api_key"),
    (PermissionDenied, 403, "permission_error", "permission_denied"),
    (Overloaded, 429, "rate_limit_error", "rate_limit_exceeded"),
    (DeadlineExceeded, 504, "timeout_error", "deadline_exceeded"),
    (Cancelled, 499, "cancelled", "cancelled"),
    (Unavailable, 503, "service_unavailable", "unavailable"),
    (FailedPrecondition, 409, "invalid_request_error", "failed_precondition"),
    (InvalidArgument, 400, "invalid_request_error", None),
]


class BodyError(InvalidArgument):
    """The body itself: too large (413), not JSON (400), not sent in time (408)."""

    def __init__(self, message: str, *, status: int) -> None:
        super().__init__(message, field="body")
        self.status = status


def http_error(error: BaseException, request_id: str) -> tuple[int, dict[str, Any]]:
    """(HTTP status, OpenAI error object) for ``error``: the one error tree, mapped."""
    if isinstance(error, BodyError):
        body_code = {413: "request_too_large", 408: "request_timeout"}.get(error.status,
                                                                           "invalid_json")
        return error.status, _error(client_message(error), "invalid_request_error", "body",
                                    body_code)
    for cls, status, kind, code in _HTTP:
        if isinstance(error, cls):
            param = error.context.get("field") if isinstance(error, InvalidArgument) else None
            if isinstance(error, InvalidArgument) and param == "model":
                return 404, _error(client_message(error), "invalid_request_error", "model",
                                   "model_not_found")
            return status, _error(client_message(error), kind, param, code)
    return 500, _error(f"internal error (request id {request_id})", "internal_error", None,
                       "internal_error")


def route_error(message: str, status: int) -> dict[str, Any]:
    """The error object of a path or method the API does not have."""
    return _error(message, "invalid_request_error", None,
                  "method_not_allowed" if status == 405 else "unknown_url")


def _error(message: str, kind: str, param: str | None, code: str | None) -> dict[str, Any]:
    return {"error": {"message": message, "type": kind, "param": param, "code": code}}
