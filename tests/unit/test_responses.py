"""OpenAI's Responses wire format onto the request model and back
(:mod:`appliance.httpapi.responses`): what each input item becomes, what is refused, and the
events a stream is. The SDK tests against the real daemon are in
tests/integration/test_responses_api.py."""

from __future__ import annotations

import json
from typing import Any

import pytest

from appliance.errors import InvalidArgument
from appliance.generation import Message, ResponseFormat, ToolCall
from appliance.httpapi import responses
from appliance.request import Chunk, RequestInfo

BOOK = {"type": "function", "name": "book_room", "parameters": {"type": "object"}}


def _parse(**body: Any) -> Any:
    return responses.parse({"model": "v3", **body}, aliases={"gpt-4.1": "v3"})


def _writer() -> responses.Writer:
    info = RequestInfo(request_id="abc", method="http:/v1/responses", client="test", tier="v3")
    return responses.Writer(info, _parse(input="Hi")[1], clock=lambda: 1000.0)


def test_items_become_messages_in_order() -> None:
    """instructions come first; developer is system; a function call joins the assistant
    turn before it, several calls one turn; outputs are tool messages; an earlier answer's
    reasoning item is dropped."""
    params, _ = _parse(instructions="Be brief.", input=[
        {"role": "developer", "content": "Use metric units."},
        {"role": "user", "content": [{"type": "input_text", "text": "Book "},
                                     {"type": "input_text", "text": "Oak."}]},
        {"type": "reasoning", "id": "rs_1", "summary": []},
        {"type": "message", "role": "assistant", "id": "msg_1", "status": "completed",
         "content": [{"type": "output_text", "text": "Booking.", "annotations": []}]},
        {"type": "function_call", "call_id": "c1", "name": "book_room",
         "arguments": '{"room": "Oak"}'},
        {"type": "function_call", "call_id": "c2", "name": "book_room",
         "arguments": {"room": "Elm"}},
        {"type": "function_call_output", "call_id": "c1", "output": "booked"},
        {"type": "function_call_output", "call_id": "c2",
         "output": [{"type": "input_text", "text": "full"}]}])
    assert (Message("system", "Be brief."), Message("system", "Use metric units."),
            Message("user", "Book Oak."),
            Message("assistant", "Booking.", tool_calls=(
                ToolCall("c1", "book_room", '{"room": "Oak"}'),
                ToolCall("c2", "book_room", '{"room": "Elm"}'))),
            Message("tool", "booked", tool_call_id="c1"),
            Message("tool", "full", tool_call_id="c2")) == params.messages


def test_fields_map_onto_the_request_model() -> None:
    """Sampling, tools, the named tool choice, the JSON Schema format, the effort and the end
    user reach the request model; an alias names the tier while the answer keeps the
    caller's name."""
    schema = {"type": "object"}
    params, opts = _parse(
        model="gpt-4.1", input="Hi", max_output_tokens=32, temperature=0.5, top_p=0.9,
        tools=[BOOK], tool_choice={"type": "function", "name": "book_room"},
        parallel_tool_calls=False, reasoning={"effort": "low", "summary": "auto"},
        text={"format": {"type": "json_schema", "name": "x", "schema": schema}},
        user="u1", store=False, stream=True)
    assert ("v3", 32, 0.5, 0.9) == (params.model, params.max_tokens, params.temperature,
                                    params.top_p)
    assert ["book_room"] == [t.name for t in params.tools]
    assert ("function:book_room", False) == (params.tool_choice, params.parallel_tool_calls)
    assert ResponseFormat("json_schema", json.dumps(schema)) == params.response_format
    assert ("low", "u1", False) == (params.reasoning_effort, params.end_user, params.unary)
    assert ("gpt-4.1", True) == (opts.model, opts.stream)
    assert {"type": "function", "name": "book_room"} == opts.echo["tool_choice"]


@pytest.mark.parametrize(("body", "field"), [
    ({"previous_response_id": "resp_1"}, "previous_response_id"),
    ({"conversation": "conv_1"}, "conversation"),
    ({"store": True}, "store"),
    ({"background": True}, "background"),
    ({"prompt": {"id": "pmpt_1"}}, "prompt"),
    ({"include": ["message.output_text.logprobs"]}, "include"),
    ({"truncation": "auto"}, "truncation"),
    ({"tools": [{"type": "file_search", "vector_store_ids": ["v"]}]}, "tools[0].type"),
    ({"tool_choice": {"type": "web_search_preview"}}, "tool_choice"),
    ({"text": {"format": {"type": "json_schema", "name": "x"}}}, "text.format.schema"),
    ({"reasoning": {"effort": "max"}}, "reasoning.effort"),
    ({"max_output_tokens": 0}, "max_output_tokens"),
    ({"input": ""}, "input"),
    ({"input": [{"role": "tool", "content": "x"}]}, "input[0].role"),
    ({"input": [{"role": "user", "content": [{"type": "input_image"}]}]},
     "input[0].content"),
    ({"input": [{"type": "item_reference", "id": "msg_1"}]}, "input[0].type"),
    ({"input": [{"type": "function_call", "name": "f", "arguments": "{}"}]},
     "input[0].call_id"),
])
def test_refusals_name_the_field(body: dict[str, Any], field: str) -> None:
    """What needs storage, built-in tools or non-text input is refused by field name."""
    with pytest.raises(InvalidArgument) as err:
        _parse(**{"input": "Hi", **body})
    assert field == err.value.field


def test_an_unknown_key_is_refused_by_position() -> None:
    with pytest.raises(InvalidArgument) as err:
        _parse(input="Hi", frobnicate=1)
    assert "body" == err.value.field
    assert "frobnicate" not in str(err.value)


def test_whole_answer_lists_reasoning_message_and_calls() -> None:
    """The whole response: a reasoning item, the message, then a function_call per call;
    a cut answer is incomplete with its reason."""
    call = ToolCall("call_1", "book_room", '{"room": "Oak"}')
    r = _writer().whole("Done.", "Thinking.", Chunk(tool_calls=(call,), finish_reason="length",
                                                      prompt_tokens=5, completion_tokens=7))
    assert ["reasoning", "message", "function_call"] == [i["type"] for i in r["output"]]
    assert ("incomplete", {"reason": "max_output_tokens"}) == (r["status"],
                                                               r["incomplete_details"])
    assert "Thinking." == r["output"][0]["content"][0]["text"]
    assert ("call_1", "book_room") == (r["output"][2]["call_id"], r["output"][2]["name"])
    assert {"input_tokens": 5, "output_tokens": 7, "total_tokens": 12} == {
        k: r["usage"][k] for k in ("input_tokens", "output_tokens", "total_tokens")}
    assert ("resp_abc", 1000) == (r["id"], r["created_at"])


def test_stream_events_open_and_close_each_item_in_turn() -> None:
    """Reasoning, then text, then a call: each item is opened, filled and closed before the
    next; sequence numbers count every event; the last event holds the whole response."""
    w = _writer()
    call = ToolCall("call_1", "book_room", "{}")
    events = [*w.opening(), *w.events(Chunk(reasoning="Hm."), first=True),
              *w.events(Chunk(reasoning=" Ok.", text="Do"), first=False),
              *w.events(Chunk(text="ne."), first=False),
              *w.closing(Chunk(tool_calls=(call,), finish_reason="tool_calls"))]
    assert [
        "response.created", "response.in_progress",
        "response.output_item.added", "response.content_part.added",
        "response.reasoning_text.delta", "response.reasoning_text.delta",
        "response.reasoning_text.done", "response.content_part.done",
        "response.output_item.done",
        "response.output_item.added", "response.content_part.added",
        "response.output_text.delta", "response.output_text.delta",
        "response.output_text.done", "response.content_part.done",
        "response.output_item.done",
        "response.output_item.added", "response.function_call_arguments.delta",
        "response.function_call_arguments.done", "response.output_item.done",
        "response.completed"] == [e.name for e in events]
    assert list(range(len(events))) == [e.data["sequence_number"] for e in events]
    assert all(e.name == e.data["type"] for e in events)
    final = events[-1].data["response"]
    assert ["reasoning", "message", "function_call"] == [i["type"] for i in final["output"]]
    assert "Done." == final["output"][1]["content"][0]["text"]
    assert events[-1].encode().startswith(b"event: response.completed\ndata: {")


def test_an_empty_answer_is_still_a_message() -> None:
    """No text and no call: the stream still opens and closes an (empty) message item."""
    w = _writer()
    kinds = [e.name for e in w.closing(Chunk(finish_reason="stop"))]
    assert ["response.output_item.added", "response.content_part.added",
            "response.output_text.done", "response.content_part.done",
            "response.output_item.done", "response.completed"] == kinds


def test_a_failure_is_an_error_event_then_response_failed() -> None:
    w = _writer()
    error = {"error": {"message": "internal error (request id abc)", "type": "internal_error",
                       "param": None, "code": "internal_error"}}
    events = w.failure(error)
    assert ["error", "response.failed"] == [e.name for e in events]
    assert "internal error (request id abc)" == events[0].data["message"]
    failed = events[1].data["response"]
    assert ("failed", "server_error") == (failed["status"], failed["error"]["code"])
