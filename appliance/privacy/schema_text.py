"""The data in a JSON Schema, apart from its structure, for the PII check of a schema.

A schema leaves the site with an overflowing request, so one that carries personal data is
refused (appliance/stages/mask.py). Only what a schema *says* can carry it: the values of
``enum``, ``const``, ``default``, ``examples`` (and OpenAPI's ``example``), ``description``
and ``$comment``, and of keywords this module does not know (an ``x-hint`` is free text too).
Its structure never does, and is never analysed: keys, property names (``first_name``,
``email`` and ``phone`` name fields, they hold no one's data), ``title`` (Pydantic titles
every field: "Order Id", "Width"), ``$defs`` and ``definitions`` names, ``required`` and
``dependentRequired`` entries, ``type``, ``format``, ``pattern``, ``$ref`` and the other
keywords of :data:`STRUCTURE`.

Inside a data value only values are data: the keys of a ``default`` object are property names.
Numbers in data values count (an ``enum`` of phone numbers written as integers).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

#: Keywords whose value is free text or example data: analysed.
DATA = frozenset({"enum", "const", "default", "examples", "example", "description",
                  "$comment"})
#: Keywords whose value maps names to subschemas: the names are structure.
NAMED_SUBSCHEMAS = frozenset({"properties", "patternProperties", "$defs", "definitions",
                              "dependentSchemas"})
#: Keywords whose value is one subschema or a list of them.
SUBSCHEMAS = frozenset({"items", "prefixItems", "additionalItems", "additionalProperties",
                        "unevaluatedItems", "unevaluatedProperties", "contains",
                        "propertyNames", "not", "if", "then", "else", "allOf", "anyOf",
                        "oneOf", "contentSchema",
                        "schema"})  # OpenAI's {"name", "strict", "schema"} wrapper
#: Keywords whose value is structure: names, types, formats, references, bounds.
STRUCTURE = frozenset({
    "title", "required", "dependentRequired", "type", "format", "pattern", "$ref", "$id",
    "$schema", "$anchor", "$dynamicRef", "$dynamicAnchor", "$vocabulary", "$recursiveRef",
    "$recursiveAnchor", "id", "contentMediaType", "contentEncoding", "discriminator",
    "minLength", "maxLength", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum",
    "multipleOf", "minItems", "maxItems", "uniqueItems", "minProperties", "maxProperties",
    "minContains", "maxContains", "readOnly", "writeOnly", "deprecated", "nullable",
    "propertyOrdering", "strict", "name"})


def schema_texts(schema_json: str) -> list[str]:
    """The data strings of a schema given as JSON text, each once, in order of appearance.
    Text that is not JSON is returned whole: nothing in it can be told apart as structure."""
    try:
        schema = json.loads(schema_json)
    except ValueError:
        return [schema_json]
    return list(dict.fromkeys(t for t in _schema(schema) if t.strip()))


def _schema(node: Any) -> Iterator[str]:
    """Data strings of one (sub)schema."""
    if isinstance(node, list):  # a list of subschemas (allOf, prefixItems …)
        for item in node:
            yield from _schema(item)
        return
    if not isinstance(node, dict):  # true / false schemas
        return
    for keyword, value in node.items():
        if keyword in DATA:
            yield from _values(value)
        elif keyword in NAMED_SUBSCHEMAS or keyword == "dependencies":
            # Names -> subschemas (draft-07 "dependencies" may map a name to a list of names).
            for sub in value.values() if isinstance(value, dict) else ():
                yield from _schema(sub) if isinstance(sub, dict) else ()
        elif keyword in SUBSCHEMAS:
            yield from _schema(value)
        elif keyword not in STRUCTURE:
            yield from _values(value)  # unknown: free text, as far as we can tell


def _values(value: Any) -> Iterator[str]:
    """The strings and numbers in a data value (not the keys of its objects)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, bool) or value is None:
        return
    elif isinstance(value, int | float):
        yield str(value)
    elif isinstance(value, list):
        for item in value:
            yield from _values(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _values(item)
