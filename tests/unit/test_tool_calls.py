"""Tool calls in the generic format: the grammar built from tools, the text a history becomes,
and how an answer's calls are read back (no model)."""

from __future__ import annotations

import json

import jsonschema
import pytest

from appliance.config import LimitsConfig
from appliance.engine import tool_calls
from appliance.engine.grammar_check import GrammarChecker
from appliance.engine.structured import tool_grammar
from appliance.errors import InvalidArgument
from appliance.generation import Message, Tool, ToolCall
from appliance.request import GenerateParams
from appliance.stages.validate import validate

WEATHER = Tool("get_weather", "Weather for a city", json.dumps({
    "type": "object", "properties": {"city": {"type": "string", "maxLength": 40},
                                     "unit": {"enum": ["c", "f"]}},
    "required": ["city"]}))
MAIL = Tool("send_email", "Send an e-mail", json.dumps({
    "type": "object", "properties": {"to": {"$ref": "#/$defs/address"}},
    "required": ["to"], "$defs": {"address": {"type": "string", "maxLength": 64}}}))
USER = (Message("user", "hi"),)


@pytest.mark.parametrize("choice", ["auto", "required", "function:send_email"])
def test_each_choice_builds_a_grammar_llama_cpp_parses(choice: str) -> None:
    checker = GrammarChecker()
    try:
        assert checker.parses(tool_grammar([WEATHER, MAIL], choice, True)).result(30)
    finally:
        checker.close()


def test_the_call_schema_keeps_each_tools_refs_and_names() -> None:
    """A call object validates against the union; another tool's name or extra keys do not;
    a tool's own $defs still resolve under their prefix."""
    schema = tool_calls.call_schema([WEATHER, MAIL], "auto")
    ok = {"name": "send_email", "arguments": {"to": "<EMAIL_ADDRESS_1>"}}
    jsonschema.validate(ok, schema)
    for bad in ({"name": "send_email", "arguments": {"to": 5}},
                {"name": "delete_all", "arguments": {}},
                {"name": "get_weather", "arguments": {"city": "Paris"}, "x": 1}):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(bad, schema)
    only = tool_calls.call_schema([WEATHER, MAIL], "function:get_weather")
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(ok, only)


def test_a_history_becomes_text_in_the_generic_format() -> None:
    """Calls join their assistant turn; a tool's result is a user turn naming its call."""
    history = (Message("user", "Mail Ann"),
               Message("assistant", "", tool_calls=(ToolCall("c1", "send_email",
                                                             '{"to": "ann@x.org"}'),)),
               Message("tool", "sent", tool_call_id="c1"))
    text = tool_calls.as_text(history)
    assert ["user", "assistant", "user"] == [m.role for m in text]
    assert '<tool_call>{"name": "send_email", "arguments": {"to": "ann@x.org"}}</tool_call>' \
        == text[1].content
    assert {"tool_call_id": "c1", "name": "send_email", "content": "sent"} == json.loads(
        text[2].content.removeprefix("<tool_response>").removesuffix("</tool_response>"))


def test_calls_are_read_back_once_each_and_a_cut_one_is_left_out() -> None:
    answer = ('<tool_call>{"name": "a", "arguments": {"x": 1}}</tool_call>\n'
              '<tool_call>{"name": "a", "arguments": {"x": 1}}</tool_call>\n'
              '<tool_call>{"name": "b", "arguments": {}}</tool_call>\n<tool_call>{"name": "a", "ar')
    text, calls = tool_calls.parse(answer)
    assert ("", [("a", '{"x": 1}'), ("b", "{}")]) == (text, calls)
    assert ("Just text.", []) == tool_calls.parse("Just text.")
    assert ("<tool_call>not json</tool_call>", []) == tool_calls.parse(
        "<tool_call>not json</tool_call>")


@pytest.mark.parametrize(("fields", "named"), [
    ({"tools": (Tool("bad name!"),)}, "tools[0].function.name"),
    ({"tools": (WEATHER, WEATHER)}, "tools: two tools have the same name"),
    ({"tools": (WEATHER,), "tool_choice": "function:nope"}, "tool_choice: names a function"),
    ({"tool_choice": "required"}, "tool_choice: needs tools"),
    ({"tools": (WEATHER,), "tool_choice": "sometimes"}, "tool_choice: must be"),
    ({"tools": (Tool("t", "", '{"type": "string", "maxLength": 50000}'),)},
     "tools[0].function.parameters: maxLength"),
    ({"messages": (Message("user", "x"), Message("tool", "result", tool_call_id="c9"))},
     "messages[1].tool_call_id: must name a tool call"),
    ({"messages": (Message("assistant", "", tool_calls=(ToolCall("c1", "f", "[1]"),)),
                   Message("user", "x"))}, "messages[0].tool_calls[0].function.arguments"),
])
def test_tool_problems_are_invalid_argument_by_field(fields: dict[str, object],
                                                      named: str) -> None:
    params = GenerateParams(**{"messages": USER, **fields})  # type: ignore[arg-type]
    with pytest.raises(InvalidArgument) as err:
        validate(params, LimitsConfig())
    assert named in str(err.value)
    assert "bad name!" not in str(err.value)
