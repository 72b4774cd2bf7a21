"""OpenAI's Responses API (``POST /v1/responses``), called with the official ``openai``
package's ``client.responses.create`` against the real daemon: the same pipeline as chat
completions behind a third front door, stateless.

Two servers: the session daemon (real model) for answers, streams, tools and structured
output; an in-process server whose v3 engine records what the model reads and answers with a
scripted tool call, and whose r1 engine is a named fake writing <think> tags (the small model
never does), for masking, reasoning items and a stream failing midway.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any, TypeVar

import httpx
import jsonschema
import openai
import pytest
from openai.types.responses import (
    FunctionTool,
    Response,
    ResponseCompletedEvent,
    ResponseErrorEvent,
    ResponseFailedEvent,
    ResponseFunctionCallArgumentsDoneEvent,
    ResponseFunctionToolCall,
    ResponseIncompleteEvent,
    ResponseOutputMessage,
    ResponseReasoningItem,
    ResponseReasoningTextDeltaEvent,
    ResponseStreamEvent,
    ResponseTextDeltaEvent,
    ResponseTextDoneEvent,
)

from appliance import config as cfgmod
from appliance.config import ModelConfig
from tests.daemon import Daemon
from tests.inprocess import InProcessServer
from tests.scripted import ScriptedRecorder

EMAIL = "ann.lee@example.com"
QUESTION = "What is the capital of France?"
BOOK_ROOM: Any = {
    "type": "function", "name": "book_room", "description": "Book a meeting room",
    "parameters": {"type": "object", "additionalProperties": False,
                   "required": ["room", "hours"],
                   "properties": {"room": {"enum": ["Oak", "Elm", "Pine"]},
                                  "hours": {"type": "integer", "minimum": 1, "maximum": 8}}}}
SEND_EMAIL: Any = {
    "type": "function", "name": "send_email", "description": "Send an e-mail",
    "parameters": {"type": "object", "required": ["to", "subject"],
                   "properties": {"to": {"type": "string"}, "subject": {"type": "string"}}}}
T = TypeVar("T")
CITY = {"type": "object", "additionalProperties": False, "required": ["city"],
        "properties": {"city": {"type": "string", "maxLength": 24}}}


def _client(base_url: str) -> openai.OpenAI:
    return openai.OpenAI(base_url=base_url, api_key="unused", max_retries=0, timeout=300)


@pytest.fixture(scope="module")
def api(daemon: Daemon) -> Iterator[openai.OpenAI]:
    with _client(daemon.http_url) as c:
        yield c


# -- the session daemon: real model ---------------------------------------------------------


def _only(kind: type[T], items: Iterable[object]) -> list[T]:
    """The items the SDK parsed as ``kind``."""
    return [i for i in items if isinstance(i, kind)]


def _last(events: list[ResponseStreamEvent]) -> Response:
    """The whole response the last event of a stream holds (completed or incomplete)."""
    last = events[-1]
    assert isinstance(last, ResponseCompletedEvent | ResponseIncompleteEvent)
    return last.response


def test_a_text_input_is_answered(api: openai.OpenAI) -> None:
    """A string input gets a response whose output_text (the SDK's) is the one message
    item's text, completed unless it used all of max_output_tokens (the small model often
    does); usage adds up; the id carries the request id."""
    raw = api.responses.with_raw_response.create(model="v3", input=QUESTION, temperature=0,
                                                 max_output_tokens=64)
    r = raw.parse()
    assert "response" == r.object
    assert r.output_text
    assert r.usage is not None
    assert ("incomplete" if r.usage.output_tokens == 64 else "completed") == r.status
    assert [ResponseOutputMessage] == [type(item) for item in r.output]
    assert "resp_" + raw.headers["x-request-id"] == r.id
    assert "v3" == r.model
    assert 0 < r.usage.output_tokens <= 64
    assert r.usage.total_tokens == r.usage.input_tokens + r.usage.output_tokens


def test_instructions_and_input_items_are_answered(api: openai.OpenAI) -> None:
    """instructions, and message items in both content forms (a string, text parts), from
    the developer, user and assistant roles, make one conversation."""
    items: Any = [
        {"role": "developer", "content": "Be polite."},
        {"role": "user", "content": [{"type": "input_text", "text": "Hello."}]},
        {"type": "message", "role": "assistant",
         "content": [{"type": "output_text", "text": "Hello! How can I help?"}]},
        {"role": "user", "content": QUESTION}]
    r = api.responses.create(model="v3", instructions="Answer in one short sentence.",
                             max_output_tokens=24, temperature=0, input=items)
    assert r.status in ("completed", "incomplete")
    assert r.output_text


def test_stream_events_come_in_order_and_assemble_the_answer(api: openai.OpenAI) -> None:
    """Streamed: created, in_progress, the message item and its part opened, text deltas,
    then each closed and response.completed; sequence numbers count from 0; the deltas
    assembled are the text of the done event and of the completed response. (A JSON format
    makes the small model's answer end before max_output_tokens.)"""
    events = list(api.responses.create(
        model="v3", input=QUESTION, max_output_tokens=48, stream=True,
        text={"format": {"type": "json_schema", "name": "city", "schema": CITY}}))
    kinds = [e.type for e in events]
    assert ["response.created", "response.in_progress", "response.output_item.added",
            "response.content_part.added"] == kinds[:4]
    assert ["response.output_text.done", "response.content_part.done",
            "response.output_item.done", "response.completed"] == kinds[-4:]
    assert {"response.output_text.delta"} == set(kinds[4:-4])
    assert list(range(len(events))) == [e.sequence_number for e in events]
    text = "".join(e.delta for e in _only(ResponseTextDeltaEvent, events))
    assert text
    assert [text] == [e.text for e in _only(ResponseTextDoneEvent, events)]
    done = events[-1]
    assert isinstance(done, ResponseCompletedEvent)
    assert text == done.response.output_text
    assert "completed" == done.response.status


def test_max_output_tokens_reached_is_incomplete(api: openai.OpenAI) -> None:
    """An answer cut at max_output_tokens is incomplete, with reason max_output_tokens."""
    r = api.responses.create(model="v3", input="Write a long story about a dragon.",
                             max_output_tokens=3)
    assert "incomplete" == r.status
    assert r.incomplete_details is not None
    assert "max_output_tokens" == r.incomplete_details.reason
    assert ["incomplete"] == [m.status for m in _only(ResponseOutputMessage, r.output)]


def test_a_stream_cut_at_max_output_tokens_ends_incomplete(api: openai.OpenAI) -> None:
    """Streamed, the last event is response.incomplete (as OpenAI's), not completed."""
    events = list(api.responses.create(model="v3", input="Write a long story.",
                                       max_output_tokens=3, stream=True))
    assert isinstance(events[-1], ResponseIncompleteEvent)
    assert "incomplete" == events[-1].response.status


def test_a_named_function_is_called_with_valid_arguments(api: openai.OpenAI) -> None:
    """tool_choice naming a function: the output is function_call items of that name, each
    with a call id and arguments that validate against the tool's parameters."""
    r = api.responses.create(model="v3", input="Book a room for the team.",
                             tools=[BOOK_ROOM, SEND_EMAIL],
                             tool_choice={"type": "function", "name": "book_room"},
                             max_output_tokens=96, temperature=0.7)
    calls = _only(ResponseFunctionToolCall, r.output)
    assert calls
    assert len(r.output) == len(calls)
    for call in calls:
        assert "book_room" == call.name
        assert call.call_id
        jsonschema.validate(json.loads(call.arguments), BOOK_ROOM["parameters"])
    assert ["book_room", "send_email"] == [t.name for t in _only(FunctionTool, r.tools)]


def test_a_streamed_call_arrives_as_argument_events(api: openai.OpenAI) -> None:
    """Streamed, the call (one: parallel_tool_calls false) is a function_call item whose
    arguments come as delta and done events; the done arguments validate and equal the
    completed response's."""
    events = list(api.responses.create(
        model="v3", input="Book a room.", tools=[BOOK_ROOM],
        tool_choice={"type": "function", "name": "book_room"}, max_output_tokens=96,
        parallel_tool_calls=False, stream=True))
    done = _only(ResponseFunctionCallArgumentsDoneEvent, events)
    assert 1 == len(done)
    jsonschema.validate(json.loads(done[0].arguments), BOOK_ROOM["parameters"])
    calls = _only(ResponseFunctionToolCall, _last(events).output)
    assert [done[0].arguments] == [c.arguments for c in calls]


def test_a_second_turn_with_the_call_and_its_output_is_answered(api: openai.OpenAI) -> None:
    """An agent's second turn: the first response's output items passed back as they are,
    and a function_call_output for the call, are accepted; with tool_choice none, text."""
    question: Any = {"role": "user", "content": "Book Oak for 2 hours."}
    first = api.responses.create(model="v3", input=[question], tools=[BOOK_ROOM],
                                 tool_choice="required", max_output_tokens=96)
    call = _only(ResponseFunctionToolCall, first.output)[0]
    history: Any = [question, *[item.model_dump(exclude_none=True) for item in first.output],
                    {"type": "function_call_output", "call_id": call.call_id,
                     "output": "booked"}]
    second = api.responses.create(model="v3", tools=[BOOK_ROOM], tool_choice="none",
                                  max_output_tokens=16, input=history)
    assert second.status in ("completed", "incomplete")
    assert [ResponseOutputMessage] == [type(item) for item in second.output]


def test_a_json_schema_format_answers_valid_json(api: openai.OpenAI) -> None:
    """text.format json_schema: output_text parses and validates against the schema."""
    r = api.responses.create(
        model="v3", input=QUESTION, max_output_tokens=48,
        text={"format": {"type": "json_schema", "name": "city", "schema": CITY,
                         "strict": True}})
    assert "completed" == r.status
    jsonschema.validate(json.loads(r.output_text), CITY)
    assert r.text is not None and r.text.format is not None
    assert "json_schema" == r.text.format.type


@pytest.mark.parametrize(("extra", "field"), [
    ({"previous_response_id": f"resp_{EMAIL}"}, "previous_response_id"),
    ({"store": True}, "store"),
    ({"background": True}, "background"),
    ({"conversation": f"conv_{EMAIL}"}, "conversation"),
    ({"tools": [{"type": "web_search"}]}, "tools[0].type"),
    ({"include": ["reasoning.encrypted_content"]}, "include"),
    ({"input": [{"type": "input_image", "image_url": f"https://{EMAIL}"}]}, "input[0].type"),
])
def test_what_needs_storage_or_builtin_tools_is_refused_by_name(
        api: openai.OpenAI, extra: dict[str, Any], field: str) -> None:
    """The appliance keeps no responses and offers no built-in tools: a request relying on
    them is a 400 naming the field, never repeating the value."""
    ask: dict[str, Any] = {"model": "v3", "input": "Hi", **extra}
    with pytest.raises(openai.BadRequestError) as err:
        api.responses.create(**ask)
    assert field == err.value.param
    assert field in err.value.message
    assert EMAIL not in err.value.response.text


def test_store_false_and_left_out_are_accepted(api: openai.OpenAI) -> None:
    """store false (nothing is kept) is accepted, as is leaving it out (the SDKs do); the
    response says store false either way."""
    stored = api.responses.create(model="v3", input="Hi", max_output_tokens=4, store=False)
    left_out = api.responses.create(model="v3", input="Hi", max_output_tokens=4)
    assert [False, False] == [(r.model_extra or {})["store"] for r in (stored, left_out)]


def test_served_without_v1_and_logged_by_its_v1_name(daemon: Daemon) -> None:
    """/responses answers as /v1/responses does (DeepSeek-style base URLs have no /v1), and
    the call is logged as http:/v1/responses."""
    r = httpx.post(daemon.http_url.removesuffix("/v1") + "/responses", timeout=120,
                   json={"model": "v3", "input": "Hi", "max_output_tokens": 4})
    assert 200 == r.status_code
    assert "response" == r.json()["object"]
    rpc = [e for e in daemon.events() if e.get("event") == "rpc"
           and e.get("request_id") == r.headers["x-request-id"]]
    assert ["http:/v1/responses"] == [e["method"] for e in rpc]


# -- a scripted server: masking, reasoning, a failing stream --------------------------------

#: v3's answer: a call of send_email with placeholders in its arguments.
CALL_SCRIPT = ['<tool_call>{"name": "send_email", "arguments": {"to": "<EMAIL_',
               'ADDRESS_1>", "subject": "Re: <PERSON_1>"}}</tool_call>']
#: r1's answer: reasoning, then the answer, a placeholder in each.
THINK_SCRIPT = ["<thi", "nk>The user <EMAIL_", "ADDRESS_1> asks.</th", "ink>Mail <EMAIL_",
                "ADDRESS_1> now."]
#: A request with this max_output_tokens makes r1 fail after its first pieces.
FAIL_AT = 13


@pytest.fixture(scope="module")
def scripted(tmp_path_factory: pytest.TempPathFactory,
             model_path: Path) -> Iterator[tuple[openai.OpenAI, list[str]]]:
    received: list[str] = []
    models = {
        "v3": ModelConfig(tier="v3", path=model_path, n_threads=2, chat_template="transcript"),
        # slots differ, so r1 is an engine of its own
        "r1": ModelConfig(tier="r1", path=model_path, n_threads=2, chat_template="transcript",
                          reasoning="think_tags", slots=2)}
    cfg = replace(cfgmod.embedded_default(), state_dir=tmp_path_factory.mktemp("responses"),
                  models=models, server=replace(cfgmod.ServerConfig(), listen="127.0.0.1:0"),
                  audit=replace(cfgmod.AuditConfig(), dev_officer_key=True))

    def wrap(engine: Any) -> Any:
        if engine.name == "r1":
            return ScriptedRecorder(engine, THINK_SCRIPT, received, fail_at=4,
                                    fail_when_max_tokens=FAIL_AT)
        return ScriptedRecorder(engine, CALL_SCRIPT, received)

    server = InProcessServer(cfg, wrap=wrap)
    assert server.app.http is not None
    with _client(f"http://{server.app.http.address}/v1") as c:
        yield c, received
    server.stop()


@pytest.mark.parametrize("stream", [False, True])
def test_pii_reaches_the_model_as_placeholders_and_comes_back_restored(
        scripted: tuple[openai.OpenAI, list[str]], stream: bool) -> None:
    """The e-mail address in a message, an earlier call's arguments and a function's output
    reaches the model as <EMAIL_ADDRESS_1> only; the answer's call carries it back, restored
    inside its JSON arguments."""
    client, received = scripted
    received.clear()
    items: Any = [
        {"role": "user", "content": f"Ask John Smith to e-mail {EMAIL} again."},
        {"type": "function_call", "call_id": "call_1", "name": "send_email",
         "arguments": json.dumps({"to": EMAIL, "subject": "John Smith"})},
        {"type": "function_call_output", "call_id": "call_1",
         "output": f"bounced: {EMAIL} is full"}]
    if stream:
        r = _last(list(client.responses.create(model="v3", tools=[SEND_EMAIL], input=items,
                                               max_output_tokens=64, stream=True)))
    else:
        r = client.responses.create(model="v3", tools=[SEND_EMAIL], input=items,
                                    max_output_tokens=64)
    seen = "\n".join(received)
    assert EMAIL not in seen and "John Smith" not in seen
    assert "<EMAIL_ADDRESS_1>" in seen
    calls = _only(ResponseFunctionToolCall, r.output)
    assert ["send_email"] == [c.name for c in calls]
    arguments = json.loads(calls[0].arguments)
    assert EMAIL == arguments["to"]
    assert "John Smith" in arguments["subject"]


def test_reasoning_is_an_item_before_the_message(
        scripted: tuple[openai.OpenAI, list[str]]) -> None:
    """On a reasoning tier the output is a reasoning item (its text restored) and then the
    message; streamed, every reasoning delta comes before the first text delta, and the
    stream assembles what the whole response holds."""
    client, _ = scripted
    whole = client.responses.create(model="r1", input=f"I am {EMAIL}. Note it.")
    assert "completed" == whole.status
    assert [ResponseReasoningItem, ResponseOutputMessage] == [type(i) for i in whole.output]
    thought = _only(ResponseReasoningItem, whole.output)[0]
    assert f"The user {EMAIL} asks." == "".join(c.text for c in thought.content or ())
    assert f"Mail {EMAIL} now." == whole.output_text
    events = list(client.responses.create(model="r1", input=f"I am {EMAIL}. Note it.",
                                          stream=True))
    deltas = [e for e in events
              if isinstance(e, ResponseReasoningTextDeltaEvent | ResponseTextDeltaEvent)]
    thinking = [isinstance(e, ResponseReasoningTextDeltaEvent) for e in deltas]
    assert sorted(thinking, reverse=True) == thinking
    assert f"The user {EMAIL} asks." == "".join(
        e.delta for e in _only(ResponseReasoningTextDeltaEvent, events))
    assert whole.output_text == _last(events).output_text
    assert [0, 1] == sorted({e.output_index for e in deltas})


def test_a_stream_failing_midway_ends_with_error_and_failed_events(
        scripted: tuple[openai.OpenAI, list[str]]) -> None:
    """A failure after the first event is OpenAI's error event, then response.failed; the
    message says only that an internal error happened, with the request id."""
    client, _ = scripted
    events = list(client.responses.create(model="r1", input="Go.", stream=True,
                                          max_output_tokens=FAIL_AT))
    error, failed = events[-2:]
    assert isinstance(error, ResponseErrorEvent)
    assert isinstance(failed, ResponseFailedEvent)
    assert "internal error (request id " in error.message
    assert "failed" == failed.response.status
    assert list(range(len(events))) == [e.sequence_number for e in events]
