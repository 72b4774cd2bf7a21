"""Structured output: a response format becomes a GBNF grammar the sampler enforces.

- ``json_object``: any JSON object (llama.cpp's own JSON grammar, rooted at an object).
- ``json_schema``: the schema is checked as JSON Schema (Draft 2020-12, with the
  ``jsonschema`` package), then converted by llama-cpp-python's port of llama.cpp's
  ``json_schema_to_grammar`` (the converter llama-server uses). Its string rule is tightened to
  JSON's own: no raw control characters inside strings, so the answer parses with a strict
  parser.

On a reasoning tier the grammar first allows the model's ``<think>…</think>`` (optional for
``think_tags``, already open for ``think_tags_open``); the answer after it is the JSON.
"""

from __future__ import annotations

import json
import re
from typing import Any

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
        raise InvalidArgument(f"response_format.json_schema: not supported for constrained "
                              f"output: {str(exc)[:200]}", field="response_format") from exc
    return _LOOSE_CHAR.sub(_STRICT_CHAR.replace("\\", "\\\\"), gbnf)


def _checked_schema(text: str) -> Any:
    import jsonschema  # noqa: PLC0415

    if not text:
        raise InvalidArgument("response_format.json_schema: required with type json_schema",
                              field="response_format")
    if len(text.encode()) > MAX_SCHEMA_BYTES:
        raise InvalidArgument(f"response_format.json_schema: larger than {MAX_SCHEMA_BYTES} "
                              f"bytes", field="response_format")
    try:
        schema = json.loads(text)
    except ValueError as exc:
        raise InvalidArgument(f"response_format.json_schema: not JSON: {exc}",
                              field="response_format") from exc
    if not isinstance(schema, dict):
        raise InvalidArgument("response_format.json_schema: must be a JSON object",
                              field="response_format")
    try:
        jsonschema.Draft202012Validator.check_schema(schema)
    except jsonschema.SchemaError as exc:
        where = "/".join(str(p) for p in exc.absolute_path) or "(root)"
        raise InvalidArgument(f"response_format.json_schema: invalid JSON Schema at {where}: "
                              f"{exc.message[:200]}", field="response_format") from exc
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
