"""What a site-defined recognizer's regex (``[pii.recognizers.NAME] pattern``) may be.

A pattern runs on every text of every request, on the analysis threads, and Python's ``re`` has
no time limit: one that backtracks catastrophically hangs masking, and so every request. The
rule is kept simple enough to state in the example config, and catches the usual culprits:

- it compiles, and is at most :data:`MAX_PATTERN_CHARS` characters;
- it cannot match the empty string (a finding must hold something to mask);
- no repeat of more than :data:`MAX_OUTER_REPEAT` (``+``, ``*``, ``{n,}``, ``{1,50}``) holds a
  repeat of variable length: ``(a+)+``, ``(\\d+-?)*`` and ``(?:\\w{1,5})+`` are refused;
  ``(?:\\d{3}-)+`` (fixed length inside) and ``(?:\\d{1,3}\\.){3}`` (few repeats) are not.

Overlapping alternatives (``(a|ab)+``) are not detected: the rule is a guard, not a proof.
"""

from __future__ import annotations

import re
from typing import Any

MAX_PATTERN_CHARS = 1000
MAX_OUTER_REPEAT = 10
#: ``checksum`` values: "none", or the check a value's characters must pass
#: (appliance/privacy/site_recognizers.py implements them).
CHECKSUMS = ("none", "luhn", "mod97", "iso7064_mod11_2", "verhoeff")


def _parse(pattern: str) -> Any:
    # The regex parser the re module compiles with; there is no public API for the parse tree
    # (the public alias sre_parse warns that it is deprecated since 3.11).
    from re import _parser  # type: ignore[attr-defined]  # noqa: PLC0415

    return _parser.parse(pattern)


def _nested_repeat(items: Any, outer: bool) -> bool:
    """A variable-length repeat inside a repeat of more than MAX_OUTER_REPEAT."""
    for op, av in items:
        name = str(op)
        if name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
            lo, hi, inner = av
            if outer and lo != hi:
                return True
            if _nested_repeat(inner, outer or hi > MAX_OUTER_REPEAT):
                return True
            continue
        for sub in _subpatterns(av):
            if _nested_repeat(sub, outer):
                return True
    return False


def _subpatterns(av: Any) -> list[Any]:
    """The parse trees inside a node's argument (a group's, an alternation's, a lookaround's)."""
    if hasattr(av, "data"):  # a SubPattern
        return [av]
    if isinstance(av, tuple | list):
        return [s for a in av for s in _subpatterns(a)]
    return []


def pattern_problem(pattern: str) -> str | None:
    """Why ``pattern`` cannot be a site recognizer's regex (see the module docstring)."""
    if not pattern:
        return "required"
    if len(pattern) > MAX_PATTERN_CHARS:
        return f"is {len(pattern)} characters long; at most {MAX_PATTERN_CHARS}"
    try:
        compiled = re.compile(pattern)
    except re.error as exc:
        return f"not a valid regular expression: {exc}"
    if compiled.fullmatch("") is not None:
        return "can match the empty string"
    if _nested_repeat(_parse(pattern).data, outer=False):
        return ("has a repeated group holding a repeat of variable length, like (a+)+, which "
                "can take exponential time; repeat a fixed-length group or write it out")
    return None
