"""A GBNF rule for the integers between two bounds, so that ``minimum``/``maximum`` (and their
exclusive forms) of an ``integer`` schema are enforced by the grammar.

llama-cpp-python's JSON-Schema converter ignores numeric bounds (its ``TODO`` says so): a tool
whose ``hours`` has ``maximum: 8`` got ``20``. The rule is built digit by digit: a range of
numbers with the same number of digits splits at its first digit into the part that shares the
low bound's first digit, the part between, and the part that shares the high bound's; numbers
with fewer or more digits than a bound are wholly inside or outside it. Canonical JSON
integers only: no leading zeros, no ``-0``.
"""

from __future__ import annotations

import math


def int_range(lo: int | None, hi: int | None) -> str:
    """GBNF (an alternation, parenthesised) matching exactly the integers in [lo, hi]; None:
    unbounded on that side. ValueError when the range is empty."""
    if lo is not None and hi is not None and lo > hi:
        raise ValueError("empty integer range")
    parts = []
    if lo is None or lo < 0:  # negatives: "-" then the magnitudes in [max(1, -hi), -lo]
        low_magnitude = 1 if hi is None or hi >= 0 else -hi
        parts += [f'"-" {p}' for p in _naturals(low_magnitude, None if lo is None else -lo)]
    if hi is None or hi >= 0:
        parts += _naturals(max(lo or 0, 0), hi)
    return "(" + " | ".join(parts) + ")"


def _naturals(lo: int, hi: int | None) -> list[str]:
    """Alternatives matching the non-negative integers in [lo, hi] (hi None: unbounded)."""
    out = []
    top = len(str(hi)) if hi is not None else len(str(lo))
    for digits in range(len(str(lo)), top + 1):
        first = 10 ** (digits - 1) if digits > 1 else 0
        last = 10 ** digits - 1
        a, b = max(lo, first), last if hi is None else min(hi, last)
        if a <= b:
            out += _same_length(str(a), str(b))
    if hi is None:  # every number longer than the low bound
        out.append(f"[1-9] [0-9]{{{len(str(lo))},}}")
    return out


def _same_length(a: str, b: str) -> list[str]:
    """Alternatives matching the numbers from ``a`` to ``b`` (as many digits each)."""
    if a == b:
        return [f'"{a}"']
    if len(a) == 1:
        return [f"[{a}-{b}]"]
    rest = len(a) - 1
    if a[0] == b[0]:
        return [f'"{a[0]}" ({" | ".join(_same_length(a[1:], b[1:]))})']
    out = [f'"{a[0]}" ({" | ".join(_same_length(a[1:], "9" * rest))})']
    low, high = int(a[0]) + 1, int(b[0]) - 1
    if low <= high:
        out.append(f"[{low}-{high}] [0-9]{{{rest}}}")
    out.append(f'"{b[0]}" ({" | ".join(_same_length("0" * rest, b[1:]))})')
    return out


def bounds(schema: dict[str, object]) -> tuple[int | None, int | None] | None:
    """The inclusive integer bounds an ``integer`` schema sets, or None when it sets none."""
    lo = hi = None
    for key in ("minimum", "exclusiveMinimum", "maximum", "exclusiveMaximum"):
        value = schema.get(key)
        if not isinstance(value, int | float) or isinstance(value, bool) \
                or not math.isfinite(value):
            continue
        if key == "minimum":
            edge = math.ceil(value)
        elif key == "exclusiveMinimum":
            edge = math.floor(value) + 1
        elif key == "maximum":
            edge = math.floor(value)
        else:
            edge = math.ceil(value) - 1
        if key.endswith("inimum"):
            lo = edge if lo is None else max(lo, edge)
        else:
            hi = edge if hi is None else min(hi, edge)
    return None if lo is None and hi is None else (lo, hi)
