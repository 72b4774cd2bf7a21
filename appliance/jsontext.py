"""JSON text from outside the process, parsed with its nesting bounded first.

Python's ``json`` recurses once per nested array or object: a body of 5,000 ``[`` ends in a
RecursionError deep inside the parser (a 500, and an exception no caller expects), and every
later recursive walk of the document (schema checks, converters) has the same limit. The depth
is therefore measured on the text, without recursion, before anything parses it.
"""

from __future__ import annotations

import json
import re
from typing import Any

#: A JSON string literal (escapes included): brackets inside strings do not nest.
_STRING = re.compile(r'"(?:[^"\\]|\\.)*+"', re.DOTALL)
_BRACKET = re.compile(r"[\[\]{}]")


class TooDeep(ValueError):
    """The text nests arrays and objects deeper than allowed."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"nested deeper than {limit} levels")
        self.limit = limit


def depth(text: str, limit: int) -> int:
    """How deep ``text`` nests arrays and objects; stops counting (raising
    :class:`TooDeep`) as soon as it passes ``limit``. Text that is not JSON gets some
    number: the parser that runs next reports it."""
    level = deepest = 0
    for match in _BRACKET.finditer(_STRING.sub('""', text)):
        if match.group() in "[{":
            level += 1
            if level > limit:
                raise TooDeep(limit)
            deepest = max(deepest, level)
        else:
            level -= 1
    return deepest


def loads(text: str | bytes, max_depth: int) -> Any:
    """``json.loads`` of ``text`` once its nesting is within ``max_depth`` (else
    :class:`TooDeep`); ValueError (or UnicodeDecodeError) for text that is not JSON."""
    if isinstance(text, bytes | bytearray):
        text = bytes(text).decode("utf-8")
    depth(text, max_depth)
    return json.loads(text)
