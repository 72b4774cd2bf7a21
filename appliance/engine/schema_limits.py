"""What a JSON Schema may expand to, bounded before any grammar is built from it.

A schema is small and its grammar need not be: llama-cpp-python's converter writes
``maxLength: N`` (and ``maxItems``, pattern quantifiers ``{m,n}``) as N nested optional
groups, and llama.cpp's grammar parser recurses once per group on the thread that parses it.
A 40-byte ``{"type":"string","maxLength":20000}`` overflowed the engine thread's stack and
killed the daemon (SIGSEGV). Every keyword that multiplies the grammar therefore has a limit
here, checked on the parsed schema without recursion, and the grammar text itself is bounded
(size, rules, group nesting) before llama.cpp sees it. Each limit names itself in the error.

Limits that a generated schema (Pydantic, zod) meets easily, and that OpenAI's structured
outputs, with tighter ones, show clients live with (10 levels, 1,000 enum values).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

#: Keywords whose value becomes that many copies or nested groups of a rule.
REPEAT_KEYWORDS = ("minLength", "maxLength", "minItems", "maxItems", "minProperties",
                   "maxProperties", "minContains", "maxContains")
_QUANTIFIER = re.compile(r"\{\s*(\d*)\s*(?:,\s*(\d*)\s*)?\}")
#: Segments a path in an error may show: JSON Schema's own keywords. Property names, $defs
#: names and unknown keywords are the caller's text (personal data, maybe): shown as "*".
_KEYWORDS = frozenset({
    "$defs", "definitions", "properties", "patternProperties", "additionalProperties",
    "items", "prefixItems", "additionalItems", "contains", "propertyNames", "anyOf", "oneOf",
    "allOf", "not", "if", "then", "else", "dependentSchemas", "unevaluatedItems",
    "unevaluatedProperties", "enum", "const", "required", "type", "pattern", "format",
    "examples", "default", *REPEAT_KEYWORDS,
})


@dataclass(frozen=True)
class SchemaLimits:
    #: Arrays and objects nested in the schema document (JSON depth, not schema levels).
    max_depth: int = 64
    #: Objects and arrays in the whole schema document.
    max_nodes: int = 5_000
    #: Largest value of any of :data:`REPEAT_KEYWORDS` and of a pattern's ``{m,n}``.
    max_repeat: int = 1_000
    #: Their sum over the whole schema.
    max_repeat_total: int = 8_000
    #: ``enum`` values (and ``const`` ones) in the whole schema.
    max_enum_values: int = 1_000
    #: Characters of one ``pattern``, and how deep its groups nest.
    max_pattern_chars: int = 1_000
    max_pattern_groups: int = 16
    #: The converted grammar: bytes, rules, and how deep its groups nest.
    max_grammar_bytes: int = 1_000_000
    max_grammar_rules: int = 5_000
    max_grammar_nesting: int = 1_100


LIMITS = SchemaLimits()


class SchemaTooLarge(ValueError):
    """The schema (or its grammar) passes a limit; the message names the limit and where,
    never a value of the schema."""


def check_schema(schema: Any, limits: SchemaLimits = LIMITS) -> None:
    """Raise :class:`SchemaTooLarge` when ``schema`` passes one of ``limits``."""
    nodes = repeat_total = enum_values = 0
    for path, node, level in _walk(schema):
        nodes += 1
        if level > limits.max_depth:
            raise SchemaTooLarge(f"nested deeper than {limits.max_depth} levels at {path}")
        if nodes > limits.max_nodes:
            raise SchemaTooLarge(f"more than {limits.max_nodes} objects and arrays")
        if not isinstance(node, dict):
            continue
        for keyword in REPEAT_KEYWORDS:
            value = node.get(keyword)
            if isinstance(value, int | float) and not isinstance(value, bool):
                if value > limits.max_repeat:
                    raise SchemaTooLarge(f"{keyword} at {path} exceeds the limit of "
                                         f"{limits.max_repeat}")
                repeat_total += max(int(value), 0)
        enum = node.get("enum")
        enum_values += (len(enum) if isinstance(enum, list) else 0) + ("const" in node)
        if enum_values > limits.max_enum_values:
            raise SchemaTooLarge(f"more than {limits.max_enum_values} enum and const values "
                                 f"(at {path})")
        pattern = node.get("pattern")
        if isinstance(pattern, str):
            repeat_total += _check_pattern(pattern, f"{path}/pattern", limits)
        if repeat_total > limits.max_repeat_total:
            raise SchemaTooLarge(f"repetition counts (maxLength, maxItems, pattern {{m,n}} …) "
                                 f"add up to more than {limits.max_repeat_total} (at {path})")


def check_grammar(gbnf: str, limits: SchemaLimits = LIMITS) -> None:
    """Raise :class:`SchemaTooLarge` when the grammar built from a schema passes a limit."""
    if len(gbnf.encode()) > limits.max_grammar_bytes:
        raise SchemaTooLarge(f"its grammar is larger than {limits.max_grammar_bytes} bytes")
    rules = len(re.findall(r"^[A-Za-z0-9_-]+\s*::=", gbnf, re.MULTILINE))
    if rules > limits.max_grammar_rules:
        raise SchemaTooLarge(f"its grammar has more than {limits.max_grammar_rules} rules")
    if grammar_nesting(gbnf) > limits.max_grammar_nesting:
        raise SchemaTooLarge(f"its grammar nests groups deeper than "
                             f"{limits.max_grammar_nesting} levels")


_GBNF_OPAQUE = re.compile(r'"(?:[^"\\]|\\.)*+"|\[(?:[^\]\\]|\\.)*+\]|#[^\n]*', re.DOTALL)


def grammar_nesting(gbnf: str) -> int:
    """How deep parenthesised groups nest in ``gbnf`` (literals, classes, comments skipped)."""
    level = deepest = 0
    for c in _GBNF_OPAQUE.sub("", gbnf):
        if c == "(":
            level += 1
            deepest = max(deepest, level)
        elif c == ")":
            level -= 1
    return deepest


def _check_pattern(pattern: str, where: str, limits: SchemaLimits) -> int:
    """Bound one ``pattern``; returns the sum of its quantifiers' counts."""
    if len(pattern) > limits.max_pattern_chars:
        raise SchemaTooLarge(f"{where} is longer than {limits.max_pattern_chars} characters")
    level = 0
    escaped = in_class = False
    for c in pattern:
        if escaped:
            escaped = False
        elif c == "\\":
            escaped = True
        elif in_class:
            in_class = c != "]"
        elif c == "[":
            in_class = True
        elif c == "(":
            level += 1
            if level > limits.max_pattern_groups:
                raise SchemaTooLarge(f"{where} nests groups deeper than "
                                     f"{limits.max_pattern_groups} levels")
        elif c == ")":
            level -= 1
    total = 0
    for match in _QUANTIFIER.finditer(pattern):
        counts = [int(g) for g in match.groups() if g]
        biggest = max(counts, default=0)
        if biggest > limits.max_repeat:
            raise SchemaTooLarge(f"a quantifier in {where} exceeds the limit of "
                                 f"{limits.max_repeat}")
        total += biggest
    return total


def _walk(schema: Any) -> Iterator[tuple[str, Any, int]]:
    """Every object and array of ``schema`` with its JSON pointer and depth, iteratively."""
    stack: list[tuple[str, Any, int]] = [("", schema, 1)]
    while stack:
        path, node, level = stack.pop()
        if isinstance(node, dict):
            yield path or "(root)", node, level
            children = node.items()
        elif isinstance(node, list):
            yield path or "(root)", node, level
            children = enumerate(node)  # type: ignore[assignment]
        else:
            continue
        for key, child in children:
            if isinstance(child, dict | list):
                stack.append((f"{path}/{shown(key)}", child, level + 1))


def shown(key: object) -> str:
    """A path segment as errors may show it: an index or a JSON Schema keyword; anything
    else is the caller's own text (see :data:`_KEYWORDS`)."""
    return str(key) if isinstance(key, int) or key in _KEYWORDS else "*"


def pointer(path: Sequence[object]) -> str:
    """A JSON pointer of ``path`` as errors may show it (:func:`shown`)."""
    return "/" + "/".join(shown(key) for key in path) if path else "(root)"
