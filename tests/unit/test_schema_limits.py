"""Bounds on what a JSON Schema may expand to, and on JSON text from outside (#32)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from appliance import jsontext
from appliance.engine.grammar_check import GrammarChecker
from appliance.engine.schema_limits import (
    SchemaLimits,
    SchemaTooLarge,
    check_grammar,
    check_schema,
    grammar_nesting,
    pointer,
)
from appliance.engine.structured import grammar_for
from appliance.errors import InvalidArgument
from appliance.generation import ResponseFormat


def _nested(levels: int) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "string"}
    for _ in range(levels):
        schema = {"type": "array", "items": schema}
    return schema


@pytest.mark.parametrize(("schema", "named"), [
    ({"type": "string", "maxLength": 20000}, "maxLength at (root) exceeds the limit of 1000"),
    ({"type": "array", "items": {"type": "integer"}, "maxItems": 100000},
     "maxItems at (root) exceeds the limit of 1000"),
    ({"type": "object", "properties": {"a": {"type": "string", "minLength": 5000}}},
     "minLength at /properties/*"),
    ({"enum": list(range(1001))}, "more than 1000 enum and const values"),
    (_nested(70), "nested deeper than 64 levels"),
    ({"type": "string", "pattern": "^a{0,5000}$"}, "a quantifier in (root)/pattern exceeds"),
    ({"type": "string", "pattern": "^" + "(" * 20 + "a" + ")" * 20 + "$"},
     "nests groups deeper than 16 levels"),
    ({"type": "object", "properties": {f"p{i}": {"type": "string", "maxLength": 1000}
                                       for i in range(9)}}, "add up to more than 8000"),
])
def test_each_limit_refuses_by_name(schema: dict[str, Any], named: str) -> None:
    """A schema past a limit is refused with a message naming the limit and where."""
    with pytest.raises(SchemaTooLarge) as err:
        check_schema(schema)
    assert named in str(err.value)


def test_generated_schemas_pass() -> None:
    """What Pydantic and the README generate is well inside every limit."""
    check_schema({"type": "object", "required": ["name", "legs"], "title": "Animal",
                  "properties": {"name": {"type": "string", "maxLength": 32, "title": "Name"},
                                 "legs": {"type": "integer"},
                                 "tags": {"type": "array", "items": {"type": "string"},
                                          "maxItems": 10},
                                 "kind": {"enum": ["cat", "dog", "bird"]},
                                 "code": {"type": "string", "pattern": "^[A-Z]{2}-\\d{4}$"}},
                  "$defs": {"Leg": {"type": "object"}}})


def test_errors_never_show_the_callers_names_or_values() -> None:
    """Property names, $defs names and unknown keywords are shown as *, never echoed."""
    assert "/properties/*/items/maxLength" == pointer(
        ["properties", "x4111111111111111", "items", "maxLength"])
    with pytest.raises(SchemaTooLarge) as err:
        check_schema({"properties": {"ann.lee@example.com": {"maxLength": 99999}}})
    assert "ann.lee" not in str(err.value)
    with pytest.raises(InvalidArgument) as bad:
        grammar_for(ResponseFormat("json_schema", json.dumps(
            {"type": "object", "properties": {"4111111111111111": {"type": "strnig"}}})))
    assert "4111111111111111" not in str(bad.value)
    assert "/properties/*/type" in str(bad.value)


def test_the_grammar_itself_is_bounded() -> None:
    """Nesting is measured outside literals and character classes; size and rules capped."""
    assert 3 == grammar_nesting('root ::= (a (b (c)?)?)? "((((" [(] # ((((\n')
    small = SchemaLimits(max_grammar_bytes=100, max_grammar_rules=2, max_grammar_nesting=2)
    with pytest.raises(SchemaTooLarge, match="larger than 100 bytes"):
        check_grammar("root ::= " + '"a" ' * 50, small)
    with pytest.raises(SchemaTooLarge, match="more than 2 rules"):
        check_grammar("root ::= a\na ::= b\nb ::= \"x\"", small)
    with pytest.raises(SchemaTooLarge, match="deeper than 2 levels"):
        check_grammar('root ::= ((("x")))', small)


def test_the_crashing_schema_is_invalid_argument() -> None:
    """The report's 40-byte schema no longer reaches llama.cpp at all."""
    with pytest.raises(InvalidArgument) as err:
        grammar_for(ResponseFormat("json_schema", '{"type":"string","maxLength":20000}'))
    assert "maxLength" in str(err.value)
    assert "limit of 1000" in str(err.value)


def test_json_depth_is_measured_without_recursion() -> None:
    """5,000 nested brackets are refused before json parses them; brackets in strings do
    not count; a legal document parses as json would."""
    with pytest.raises(jsontext.TooDeep, match="deeper than 64"):
        jsontext.loads("[" * 5000 + "]" * 5000, 64)
    assert {"a": "[[[[[[", "b": [[1]]} == jsontext.loads('{"a": "[[[[[[", "b": [[1]]}', 3)
    assert 1 == jsontext.depth('{"s": "\\"[[["}', 64)
    with pytest.raises(ValueError, match="Unterminated string"):
        jsontext.loads('{"unterminated": "[[[', 64)


def test_llama_cpp_parses_each_grammar_off_the_engine_thread(
        capfd: pytest.CaptureFixture[str]) -> None:
    """A grammar llama.cpp refuses is reported as such, and its text (the caller's schema)
    is not printed to stderr by the parser."""
    from llama_cpp import llama_grammar

    checker = GrammarChecker()
    try:
        ok = llama_grammar.json_schema_to_gbnf(json.dumps({"type": "string", "maxLength": 10}))
        assert checker.parses(ok).result(30)
        refused = llama_grammar.json_schema_to_gbnf(
            json.dumps({"type": "string", "maxLength": 2500, "description": "SECRET-TEXT"}))
        assert not checker.parses(refused).result(30)
        assert not checker.parses('root ::= "unterminated').result(30)
    finally:
        checker.close()
    assert "root ::=" not in capfd.readouterr().err
