"""Anthropic's Messages wire format onto the request model and back
(:mod:`appliance.httpapi.anthropic`): what each block becomes, and the events a stream is."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from appliance.errors import InvalidArgument, Unavailable
from appliance.generation import Message, ToolCall
from appliance.httpapi import anthropic
from appliance.request import Chunk, RequestInfo

BOOK = {"name": "book_room", "input_schema": {"type": "object"}}


def _parse(**body: Any) -> Any:
    body = {"model": "v3", "max_tokens": 8, **body}
    return anthropic.parse(body, aliases={"claude-haiku-4-5": "v3"})[0]


def test_tool_results_become_tool_messages_in_their_order() -> None:
    """A user turn's text and tool_result blocks keep their order: text before a result is
    a user message before it; the system prompt comes first; earlier thinking is dropped."""
    params = _parse(system=[{"type": "text", "text": "Be brief."}], messages=[
        {"role": "user", "content": "Book Oak."},
        {"role": "assistant", "content": [
            {"type": "thinking", "thinking": "hmm", "signature": "x"},
            {"type": "text", "text": "Booking."},
            {"type": "tool_use", "id": "t1", "name": "book_room", "input": {"room": "Oak"}}]},
        {"role": "user", "content": [
            {"type": "text", "text": "Here:"},
            {"type": "tool_result", "tool_use_id": "t1", "content": "booked", "is_error": True},
            {"type": "text", "text": "Thanks."}]}])
    assert (Message("system", "Be brief."), Message("user", "Book Oak."),
            Message("assistant", "Booking.",
                    tool_calls=(ToolCall("t1", "book_room", '{"room": "Oak"}'),)),
            Message("user", "Here:"), Message("tool", "Error: booked", tool_call_id="t1"),
            Message("user", "Thanks.")) == params.messages


@pytest.mark.parametrize(("choice", "expected"), [
    ({"type": "auto"}, ("auto", True)),
    ({"type": "any"}, ("required", True)),
    ({"type": "none"}, ("none", True)),
    ({"type": "tool", "name": "book_room", "disable_parallel_tool_use": True},
     ("function:book_room", False)),
])
def test_tool_choice_maps_onto_the_request_model(choice: dict[str, Any],
                                                 expected: tuple[str, bool]) -> None:
    params = _parse(tools=[BOOK], tool_choice=choice,
                    messages=[{"role": "user", "content": "Hi"}])
    assert expected == (params.tool_choice, params.parallel_tool_calls)


def test_fields_map_and_aliases_apply() -> None:
    """Sampling fields, the end user and thinking reach the request model; an alias names
    the tier while the answer keeps the caller's name."""
    params, opts = anthropic.parse(
        {"model": "claude-haiku-4-5", "max_tokens": 5, "temperature": 0.5, "top_k": 3,
         "stop_sequences": ["END"], "metadata": {"user_id": "u1"}, "stream": True,
         "thinking": {"type": "enabled", "budget_tokens": 64},
         "messages": [{"role": "user", "content": "Hi"}]}, aliases={"claude-haiku-4-5": "v3"})
    assert ("v3", 5, 0.5, 3, ("END",), "u1", True, False) == (
        params.model, params.max_tokens, params.temperature, params.top_k, params.stop,
        params.end_user, params.include_reasoning, params.unary)
    assert ("claude-haiku-4-5", True) == (opts.model, opts.stream)


@pytest.mark.parametrize(("body", "field"), [
    ({"messages": [{"role": "user", "content": [{"type": "image", "source": {}}]}]},
     "messages[0].content[0]"),
    ({"messages": [{"role": "system", "content": "x"}]}, "messages[0].role"),
    ({"messages": [{"role": "user", "content": "x"}], "tools": [{"name": "f"}]},
     "tools[0].input_schema"),
    ({"messages": [{"role": "user", "content": "x"}], "mcp_servers": []}, "mcp_servers"),
    ({"messages": [{"role": "user", "content": "x"}], "ann@example.com": 1}, "body"),
])
def test_unsupported_content_is_refused_by_field(body: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidArgument) as err:
        _parse(**body)
    assert field == err.value.field
    assert "ann@example.com" not in err.value.message


def test_a_missing_max_tokens_is_refused() -> None:
    with pytest.raises(InvalidArgument) as err:
        anthropic.parse({"model": "v3", "messages": [{"role": "user", "content": "x"}]},
                        aliases={})
    assert "max_tokens" == err.value.field


def _stream(pieces: list[Chunk]) -> list[dict[str, Any]]:
    writer = anthropic.Writer(RequestInfo("r1", "http:/v1/messages", "c", prompt_tokens=7),
                              anthropic.Options(model="v3", stream=True))
    events = writer.opening()
    for i, piece in enumerate(pieces):
        events += writer.events(piece, first=i == 0)
    events += writer.closing(pieces[-1])
    for event in events:
        assert event.name == event.data["type"]
    return [event.data for event in events]


def test_a_stream_opens_one_block_per_kind_in_order() -> None:
    """Reasoning, then text, then each tool call: each its own block, indexed in order,
    each closed before the next opens; the stop reason and usage come in message_delta."""
    call = ToolCall("call_1", "book_room", '{"room": "Oak"}')
    events = _stream([Chunk(reasoning="Think"), Chunk(reasoning=" more", text="Do"),
                      Chunk(text="ne", tool_calls=(call,), finish_reason="tool_calls",
                            prompt_tokens=7, completion_tokens=3)])
    assert ["message_start",
            "content_block_start", "content_block_delta", "content_block_delta",
            "content_block_stop",
            "content_block_start", "content_block_delta", "content_block_delta",
            "content_block_stop",
            "content_block_start", "content_block_delta", "content_block_stop",
            "message_delta", "message_stop"] == [e["type"] for e in events]
    starts = [e for e in events if e["type"] == "content_block_start"]
    assert [(0, "thinking"), (1, "text"), (2, "tool_use")] == \
        [(e["index"], e["content_block"]["type"]) for e in starts]
    assert {"type": "input_json_delta", "partial_json": '{"room": "Oak"}'} == events[10]["delta"]
    assert {"stop_reason": "tool_use", "stop_sequence": None} == events[-2]["delta"]
    assert 3 == events[-2]["usage"]["output_tokens"]
    assert 7 == events[0]["message"]["usage"]["input_tokens"]


def test_an_empty_stream_still_has_a_text_block() -> None:
    """As the non-streamed message always has one."""
    events = _stream([Chunk(finish_reason="length")])
    assert [("content_block_start", {"type": "text", "text": ""}), ("content_block_stop", None)] \
        == [(e["type"], e.get("content_block")) for e in events[1:3]]
    assert "max_tokens" == events[-2]["delta"]["stop_reason"]


@pytest.mark.parametrize(("error", "status", "kind"), [
    (InvalidArgument("model: unknown tier", field="model"), 404, "not_found_error"),
    (InvalidArgument("max_tokens: too large", field="max_tokens"), 400,
     "invalid_request_error"),
    (Unavailable("appliance is draining"), 503, "overloaded_error"),
    (RuntimeError("secret detail"), 500, "api_error"),
])
def test_errors_have_anthropics_shape_and_the_one_mappings_status(
        error: BaseException, status: int, kind: str) -> None:
    got_status, body = anthropic.http_error(error, "rid")
    assert (status, "error", kind, "rid") == (got_status, body["type"], body["error"]["type"],
                                              body["request_id"])
    assert "secret detail" not in body["error"]["message"]


def test_x_api_key_is_presented_as_a_bearer_token_unless_authorization_is_sent() -> None:
    assert ("authorization", "Bearer k") in anthropic.credentials([("x-api-key", "k")])
    sent = [("authorization", "Bearer a"), ("x-api-key", "k")]
    assert sent == anthropic.credentials(sent)


# -- GET /v1/models in Anthropic's shape ----------------------------------------------------


def _entry(name: str, facts: dict[str, Any]) -> dict[str, Any]:
    """An OpenAI model object as the transport lists it."""
    return {"id": name, "object": "model", "created": 0, "owned_by": "llm-appliance",
            "appliance": facts}


MODELS = {
    "r1": _entry("r1", {"file_name": "r1.gguf", "sha256": "ab", "context_length": 4096}),
    "v3": _entry("v3", {"file_name": "v3.gguf", "sha256": "cd", "context_length": 2048}),
    "auto": _entry("auto", {"tier": "auto"}),
    "claude-haiku-4-5": _entry("claude-haiku-4-5", {"tier": "v3"}),
}
ORDER = list(MODELS)


def test_model_objects_name_what_each_model_is() -> None:
    """Each name is Anthropic's model object: a display name saying its file, the router or
    its tier, the epoch as an RFC 3339 created_at, an alias with its tier's context."""
    infos = {name: anthropic.model_info(e, MODELS) for name, e in MODELS.items()}
    assert {"v3 (v3.gguf)", "r1 (r1.gguf)", "auto (the router picks a tier per request)",
            "claude-haiku-4-5 (alias of v3)"} == {i["display_name"] for i in infos.values()}
    alias = infos["claude-haiku-4-5"]
    assert ("model", "claude-haiku-4-5", "active", 2048) == (
        alias["type"], alias["id"], alias["lifecycle"], alias["max_input_tokens"])
    assert infos["auto"]["max_input_tokens"] is None
    assert datetime(1970, 1, 1, tzinfo=UTC) == datetime.fromisoformat(infos["v3"]["created_at"])


def _ids(query: list[tuple[str, str]]) -> tuple[list[str], bool, str | None, str | None]:
    page = anthropic.models_page(MODELS, query)
    return [m["id"] for m in page["data"]], page["has_more"], page["first_id"], page["last_id"]


def test_the_list_pages_by_limit_and_cursors_as_anthropics_sdk_follows_them() -> None:
    """limit, then after_id = the last id (the SDK's next page) to the end; before_id = the
    first id walks back; has_more says whether more lie in the direction asked."""
    assert (ORDER, False, "r1", "claude-haiku-4-5") == _ids([])
    assert (["r1", "v3"], True, "r1", "v3") == _ids([("limit", "2")])
    assert (["auto", "claude-haiku-4-5"], False, "auto", "claude-haiku-4-5") == _ids(
        [("limit", "2"), ("after_id", "v3")])
    assert ([], False, None, None) == _ids([("after_id", "claude-haiku-4-5")])
    assert (["v3", "auto"], True, "v3", "auto") == _ids(
        [("limit", "2"), ("before_id", "claude-haiku-4-5")])
    assert (["r1"], False, "r1", "r1") == _ids([("limit", "2"), ("before_id", "v3")])
    # lifecycle[] as the SDK sends a list: every model here is active
    assert ORDER == _ids([("lifecycle[]", "active"), ("lifecycle[]", "deprecated")])[0]
    assert [] == _ids([("lifecycle[]", "retired")])[0]


@pytest.mark.parametrize(("query", "field"), [
    ([("limit", "0")], "limit"), ([("limit", "1001")], "limit"), ([("limit", "x")], "limit"),
    ([("limit", "²")], "limit"), ([("limit", "٣")], "limit"),  # digits int() refuses or reads
    ([("after_id", "jane.roe@example.org")], "after_id"), ([("before_id", "gpt-4")], "before_id"),
    ([("after_id", "r1"), ("before_id", "auto")], "before_id"),
    ([("lifecycle[]", "gone")], "lifecycle")])
def test_a_bad_page_request_is_a_400_naming_the_parameter_not_the_value(
        query: list[tuple[str, str]], field: str) -> None:
    with pytest.raises(InvalidArgument) as err:
        anthropic.models_page(MODELS, query)
    status, body = anthropic.http_error(err.value, "r-1")
    assert (400, "invalid_request_error") == (status, body["error"]["type"])
    assert body["error"]["message"].startswith(f"{field}: ")
    assert all(value not in body["error"]["message"] for key, value in query
               if key.endswith("_id"))


def test_bounds_the_sdk_moved_into_descriptions_come_back() -> None:
    """messages.parse() sends Field(ge=0, le=150) as "\\n\\n{minimum: 0, maximum: 150}" at the
    end of the description (anthropic.lib._parse._transform): the grammar gets them back; a
    bound the schema states itself wins, and a block holding anything else is left alone."""
    import json

    fmt = anthropic._format({"type": "json_schema", "schema": {
        "type": "object",
        "properties": {
            "age": {"type": "integer",
                    "description": "the person's age in years\n\n{minimum: 0, maximum: 150}"},
            "score": {"type": "number", "maximum": 5,
                      "description": "a score\n\n{minimum: 0.5, maximum: 10}"},
            "note": {"type": "string", "description": "free text\n\n{minimum: 1, pattern: x}"},
            "tags": {"type": "array", "items": {"type": "string"},
                     "description": "labels\n\n{maxItems: 3}"}}}}, "output_config.format")
    props = json.loads(fmt.schema)["properties"]
    assert (props["age"]["minimum"], props["age"]["maximum"]) == (0, 150)
    assert (props["score"]["minimum"], props["score"]["maximum"]) == (0.5, 5)
    assert "minimum" not in props["note"]
    assert props["tags"]["maxItems"] == 3
