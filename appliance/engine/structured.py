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
from typing import Any

from appliance import jsontext
from appliance.engine.schema_limits import (
    LIMITS,
    SchemaTooLarge,
    check_grammar,
    check_schema,
    pointer,
)
from appliance.errors import InvalidArgument
from appliance.generation import FORMATS, ResponseFormat

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
    schema = _checked_schema(fmt.schema)
    try:
        gbnf = llama_grammar.json_schema_to_gbnf(json.dumps(schema))
    except Exception as exc:
        # The converter's messages quote the schema (patterns, names): only its kind shows.
        raise InvalidArgument(f"response_format.json_schema: not supported for constrained "
                              f"output ({type(exc).__name__} in the converter; unsupported "
                              f"pattern syntax or keyword?)", field="response_format") from exc
    gbnf = _LOOSE_CHAR.sub(_STRICT_CHAR.replace("\\", "\\\\"), gbnf)
    try:
        check_grammar(gbnf)
    except SchemaTooLarge as exc:
        raise InvalidArgument(f"response_format.json_schema: {exc}",
                              field="response_format") from None
    return gbnf


def _checked_schema(text: str) -> Any:
    import jsonschema  # noqa: PLC0415

    if not text:
        raise InvalidArgument("response_format.json_schema: required with type json_schema",
                              field="response_format")
    if len(text.encode()) > MAX_SCHEMA_BYTES:
        raise InvalidArgument(f"response_format.json_schema: larger than the limit of "
                              f"{MAX_SCHEMA_BYTES} "
                              f"bytes", field="response_format")
    try:
        schema = jsontext.loads(text, LIMITS.max_depth)
    except jsontext.TooDeep as exc:
        raise InvalidArgument(f"response_format.json_schema: {exc}",
                              field="response_format") from None
    except ValueError as exc:
        where = f" at line {exc.lineno} column {exc.colno}" \
            if isinstance(exc, json.JSONDecodeError) else ""
        raise InvalidArgument(f"response_format.json_schema: not JSON{where}",
                              field="response_format") from None
    if not isinstance(schema, dict):
        raise InvalidArgument("response_format.json_schema: must be a JSON object",
                              field="response_format")
    try:
        check_schema(schema)
    except SchemaTooLarge as exc:
        raise InvalidArgument(f"response_format.json_schema: {exc}",
                              field="response_format") from None
    try:
        jsonschema.Draft202012Validator.check_schema(schema)
    except jsonschema.SchemaError as exc:
        # exc.message quotes the offending value: only the keyword and the place show.
        raise InvalidArgument(f"response_format.json_schema: invalid JSON Schema at "
                              f"{pointer(list(exc.absolute_path))} (keyword {exc.validator})",
                              field="response_format") from None
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
