"""Integer bounds of a JSON Schema as a grammar rule (engine/int_range.py)."""

from __future__ import annotations

import random
import re

import pytest

from appliance.engine.int_range import bounds, int_range


def _regex(gbnf: str) -> re.Pattern[str]:
    """The rule as a Python regular expression (its GBNF uses literals, classes, groups,
    alternation and {m} / {m,} only)."""
    return re.compile(gbnf.replace('"', "").replace(" ", ""))


def _cases() -> list[tuple[int | None, int | None]]:
    rng = random.Random(3)
    fixed = [(0, 0), (1, 8), (0, 9), (7, 123), (10, 99), (-5, 5), (-120, -7), (95, 1005),
             (0, None), (1, None), (37, None), (None, 0), (None, -3), (None, 250),
             (-1000, 1000), (999, 1000), (100, 100)]
    random_ = [tuple(sorted((rng.randint(-3000, 3000), rng.randint(-3000, 3000))))
               for _ in range(40)]
    return fixed + random_  # type: ignore[return-value]


@pytest.mark.parametrize(("lo", "hi"), _cases())
def test_the_rule_matches_exactly_the_integers_in_range(lo: int | None, hi: int | None) -> None:
    pattern = _regex(int_range(lo, hi))
    window = range(-4000, 4001)
    assert [n for n in window if (lo is None or n >= lo) and (hi is None or n <= hi)] == \
        [n for n in window if pattern.fullmatch(str(n))]
    for text in ("-0", "01", "007", "", "-", "1.5"):
        assert not pattern.fullmatch(text)


def test_bounds_read_inclusive_and_exclusive_forms() -> None:
    assert (1, 8) == bounds({"minimum": 1, "maximum": 8})
    assert (3, 9) == bounds({"exclusiveMinimum": 2, "exclusiveMaximum": 10})
    assert (3, 2) == bounds({"minimum": 2.5, "maximum": 2.5})  # empty: no integer fits
    assert (-1, None) == bounds({"minimum": -1.5})
    assert bounds({"type": "integer"}) is None
    assert bounds({"minimum": True}) is None
    with pytest.raises(ValueError, match="empty"):
        int_range(3, 2)


def test_structured_output_enforces_integer_bounds() -> None:
    """The schema converter's grammar holds the bounds (llama.cpp parses it)."""
    from appliance.engine.grammar_check import GrammarChecker
    from appliance.engine.structured import grammar_for
    from appliance.generation import ResponseFormat

    gbnf = grammar_for(ResponseFormat("json_schema", '{"type": "object", "properties": '
                                      '{"hours": {"type": "integer", "minimum": 1, '
                                      '"maximum": 8}}, "required": ["hours"]}'))
    assert "[1-8]" in gbnf
    checker = GrammarChecker()
    try:
        assert checker.parses(gbnf).result(30)
    finally:
        checker.close()
