"""Structured output: a response format becomes a GBNF grammar the sampler enforces.

- ``json_object``: any JSON object (llama.cpp's own JSON grammar, rooted at an object).
- ``json_schema``: the schema is checked as JSON Schema (Draft 2020-12, with the
  ``jsonschema`` package), then converted by llama-cpp-python's port of llama.cpp's
  ``json_schema_to_grammar`` (the converter llama-server uses). Its string rule is tightened to
  JSON's own: no raw control characters inside strings, so the answer parses with a strict
  parser. What the schema may expand to is bounded before and after the conversion
  (:mod:`~appliance.engine.schema_limits`); llama.cpp then parses the grammar once off the
  engine thread (:mod:`~appliance.engine.grammar_check`).

Errors name the limit or the JSON Schema keyword and where in the schema it failed, never a
value of the schema or a name the caller gave (either may be personal data).

On a reasoning tier the grammar first allows the model's ``<think>…</think>`` (optional for
``think_tags``, already open for ``think_tags_open``); the answer after it is the JSON.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from appliance import jsontext
from appliance.engine import tool_calls
from appliance.engine.int_range import bounds, int_range
from appliance.engine.schema_limits import (
    LIMITS,
    SchemaTooLarge,
    check_grammar,
    check_schema,
    pointer,
)
from appliance.errors import InvalidArgument
from appliance.generation import FORMATS, ResponseFormat, Tool

#: Largest schema accepted, in bytes of JSON text.
MAX_SCHEMA_BYTES = 64 * 1024
_STRICT_CHAR = 'char ::= [^"\\\\\\x7F\\x00-\\x1F] | "\\\\" (["\\\\/bfnrt] | "u" [0-9a-fA-F]{4})'
_LOOSE_CHAR = re.compile(r"^char ::= .*$", re.MULTILINE)


def grammar_for(fmt: ResponseFormat) -> str:
    """The GBNF grammar for ``fmt`` ("" for plain text); InvalidArgument naming the problem."""
    from llama_cpp import llama_grammar  # noqa: PLC0415 - loads the native library

    if fmt.type not in FORMATS:
        raise InvalidArgument("response_format.type: must be one of text, json_object, "
                              "json_schema", field="response_format")
    if fmt.type == "json_object":
        if fmt.schema:
            raise InvalidArgument("response_format.json_schema: only with type json_schema",
                                  field="response_format")
        return llama_grammar.JSON_GBNF
    if fmt.type != "json_schema":
        if fmt.schema:
            raise InvalidArgument("response_format.json_schema: only with type json_schema",
                                  field="response_format")
        return ""
    where = _Where("response_format.json_schema", "response_format")
    return schema_grammar(checked_schema(fmt.schema, where), where)


def tool_grammar(tools: Sequence[Tool], choice: str, parallel: bool) -> str:
    """The grammar of an answer that calls ``tools`` (:mod:`~appliance.engine.tool_calls`):
    each tool's parameters checked as a response_format's schema is, the call objects'
    union converted and bounded the same way. "" when the choice is ``none``."""
    if choice == "none" or not tools:
        return ""
    for i, tool in enumerate(tools):
        if tool.parameters:
            checked_schema(tool.parameters, _Where(f"tools[{i}].function.parameters", "tools"))
    where = _Where("tools", "tools")
    return tool_calls.wrap(schema_grammar(tool_calls.call_schema(tools, choice), where),
                           choice, parallel)


@dataclass(frozen=True)
class _Where:
    """How errors name the schema they are about: its path in the request, and the field."""

    label: str
    field: str

    def error(self, rule: str) -> InvalidArgument:
        return InvalidArgument(f"{self.label}: {rule}", field=self.field)


def schema_grammar(schema: dict[str, Any], where: _Where) -> str:
    """The grammar of JSON that validates against the (checked) ``schema``, bounded."""
    from llama_cpp import llama_grammar  # noqa: PLC0415 - loads the native library

    try:
        check_schema(schema)
        converter = _converter(llama_grammar)(prop_order={}, allow_fetch=False, dotall=False,
                                              raw_pattern=False)
        converter.visit(converter.resolve_refs(json.loads(json.dumps(schema)), "stdin"), "")
        gbnf = converter.format_grammar()
    except SchemaTooLarge as exc:
        raise where.error(str(exc)) from None
    except Exception as exc:
        # The converter's messages quote the schema (patterns, names): only its kind shows.
        raise where.error(f"not supported for constrained output ({type(exc).__name__} in "
                          f"the converter; unsupported pattern syntax or keyword?)") from exc
    gbnf = _LOOSE_CHAR.sub(_STRICT_CHAR.replace("\\", "\\\\"), gbnf)
    try:
        check_grammar(gbnf)
    except SchemaTooLarge as exc:
        raise where.error(str(exc)) from None
    return gbnf


def _converter(llama_grammar: Any) -> Any:
    """llama-cpp-python's converter (as its ``json_schema_to_gbnf`` runs it), with the
    integer bounds it ignores enforced (:mod:`~appliance.engine.int_range`)."""

    class Converter(llama_grammar.SchemaConverter):  # type: ignore[misc]
        def visit(self, schema: Any, name: str) -> Any:
            found = bounds(schema) if isinstance(schema, dict) \
                and schema.get("type") == "integer" else None
            if found is None:
                return super().visit(schema, name)
            rule = f"{name}-" if name in llama_grammar.RESERVED_NAMES else name or "root"
            return self._add_rule(rule, f"{int_range(*found)} space")

    return Converter


def checked_schema(text: str, where: _Where) -> dict[str, Any]:
    """``text`` parsed (nesting bounded) as a JSON Schema within the limits."""
    import jsonschema  # noqa: PLC0415

    if not text:
        raise where.error("required with type json_schema")
    if len(text.encode()) > MAX_SCHEMA_BYTES:
        raise where.error(f"larger than the limit of {MAX_SCHEMA_BYTES} bytes")
    try:
        schema = jsontext.loads(text, LIMITS.max_depth)
    except jsontext.TooDeep as exc:
        raise where.error(str(exc)) from None
    except ValueError as exc:
        at = f" at line {exc.lineno} column {exc.colno}" \
            if isinstance(exc, json.JSONDecodeError) else ""
        raise where.error(f"not JSON{at}") from None
    if not isinstance(schema, dict):
        raise where.error("must be a JSON object")
    try:
        check_schema(schema)
    except SchemaTooLarge as exc:
        raise where.error(str(exc)) from None
    try:
        jsonschema.Draft202012Validator.check_schema(schema)
    except jsonschema.SchemaError as exc:
        # exc.message quotes the offending value: only the keyword and the place show.
        raise where.error(f"invalid JSON Schema at {pointer(list(exc.absolute_path))} "
                          f"(keyword {exc.validator})") from None
    return schema


_THINK_TEXT = 'think-text ::= ([^<] | "<" [^/])*'


def with_reasoning(gbnf: str, reasoning: str) -> str:
    """``gbnf`` preceded by the tier's reasoning (see the module docstring)."""
    if not gbnf or reasoning == "none":
        return gbnf
    body = re.sub(r"^root(\s*)::=", r"answer\1::=", gbnf, count=1, flags=re.MULTILINE)
    if reasoning == "think_tags_open":
        root = 'root ::= think-text "</think>" [ \\n]{0,8} answer'
    else:
        root = 'root ::= ("<think>" think-text "</think>" [ \\n]{0,8})? answer'
    return f"{root}\n{_THINK_TEXT}\n{body}"
