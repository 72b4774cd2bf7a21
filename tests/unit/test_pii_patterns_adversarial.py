"""Every compiled pattern of the PII recognizers, run over long repetitions of short units
("Lee-", "aB", "a.", tabs, "人 "): text any client can send. A pattern that splits such a run
every way (nested or adjacent quantifiers over the same characters) grows as a high power of
the run's length or exponentially in it: "Lee-" * 200 took 40 s in the strict place patterns,
a 90-character camelCase key over 100 s in the code-key pattern. Here such a pattern runs past
pytest's timeout (pyproject: 300 s) instead of returning; nothing here measures a time. CI runs
12 units at 2,000 characters; ``make test-full`` (APPLIANCE_FULL_TESTS=1) every unit at
4,000."""

from __future__ import annotations

import importlib
import os
import pkgutil
import re

import pytest

from appliance import privacy

FULL = os.environ.get("APPLIANCE_FULL_TESTS") == "1"
#: Units that broke a pattern once, first; then others of the same families.
UNITS = ["Lee-", "aB", "a.", "ab-", "\t", "人 ", "A.", "thirty-", "Ana Lima, ", "- A, 34,\n",
         "张", "1-"]
MORE = ["a", "a ", "A", "Ab", "1", "1 ", "1.", "1,", "12 ", "张 ", "Name: ", "age ", "Left ",
        "at ", "a'", "Mr. ", "x=", '"a": ', "- A\n", "A, ", "a\n", " \n", "Wang ", "de ", "A B ",
        "A-B ", "0x", "@a.", "//a", "Clients: A, "]
LENGTH = 4000 if FULL else 2000


def _patterns() -> list[tuple[str, re.Pattern[str]]]:
    found: dict[str, re.Pattern[str]] = {}
    for info in pkgutil.iter_modules(privacy.__path__):
        module = importlib.import_module(f"{privacy.__name__}.{info.name}")
        for name, obj in vars(module).items():
            if isinstance(obj, re.Pattern):
                found.setdefault(f"{info.name}.{name}", obj)
            elif isinstance(obj, type) and obj.__module__ == module.__name__:
                for attr, value in vars(obj).items():
                    if isinstance(value, re.Pattern):
                        found.setdefault(f"{info.name}.{name}.{attr}", value)
    return sorted(found.items())


PATTERNS = _patterns()


def test_the_recognizers_patterns_are_found() -> None:
    """The collection itself: the modules' patterns, the ones that broke once among them."""
    names = {name for name, _ in PATTERNS}
    assert len(PATTERNS) > 200
    assert {"recognizers_gdpr._BEFORE_KNOWN_PLACE", "recognizers_gdpr._REGION_KIND",
            "analyzer._LIST_NEXT", "recognizers_names.StructuredNameRecognizer._ROLE"} <= names


@pytest.mark.parametrize("unit", UNITS + (MORE if FULL else []))
def test_each_pattern_reads_a_long_repetition_of_a_unit_once(unit: str) -> None:
    text = unit * (LENGTH // len(unit))
    for name, pattern in PATTERNS:
        for m in pattern.finditer(text):
            assert m.end() <= len(text), name


@pytest.mark.parametrize("blank", [" ", "\t"])
def test_a_long_blank_run_after_a_label_is_read_once(analyzer, blank: str) -> None:
    """Padded text (fixed-width reports, tab-separated pastes): a pattern that may start at
    every position inside a blank run and then reads to its end is quadratic — 19 s at 16,000
    blanks through the whole analyzer, minutes at this length. Read once, it is about a
    second; quadratic, it runs past pytest's timeout."""
    from appliance.privacy.masker import mask_texts

    for label in ("Summary:", "Manager:", "Given names:"):
        text = f"{label}{blank * 60000}Ana Lima"
        assert f"{label}{blank * 60000}<PERSON_1>" == mask_texts(analyzer, [text]).texts[0]


def test_long_blank_runs_inside_a_line_are_read_once(analyzer) -> None:
    """A blank run between two words, or a tab run before a label: patterns with two blank runs
    around an optional part (a speaker label, a log graph's margin, a display name before an
    address) split such a run every way. At 40,000 blanks one text took 36 s before; these six
    texts of 99,000 characters would run for many minutes, past pytest's timeout. Read once,
    a few seconds each."""
    from appliance.privacy.masker import mask_texts

    n = 99_000
    for blank in (" ", "\t"):
        for text in (f"hi{blank * n}x", f"{blank * n}Name: Ana Lima", f"Ana{blank * n}<a@b.io>"):
            masked = mask_texts(analyzer, [text]).texts[0]
            assert masked.count(blank) >= n - 1
