"""Splitting <think>...</think> from the answer, whatever the token boundaries."""

from __future__ import annotations

import itertools

import pytest

from appliance.routing.reasoning import ReasoningSplitter

CASES = [
    # (output, starts_open, expected reasoning, expected answer)
    (" <think>Let me add: 2+2=4.</think>The answer is 4.", False,
     "Let me add: 2+2=4.", "The answer is 4."),
    ("Compute 17*3 = 51.\n</think>\n\n51", True, "Compute 17*3 = 51.\n", "\n\n51"),
    ("Plain answer with <b>tags</b> and </think> text.", False, "",
     "Plain answer with <b>tags</b> and </think> text."),
    ("<the> is not a tag", False, "", "<the> is not a tag"),
    ("<think>never closed", False, "never closed", ""),
]


def run(text: str, starts_open: bool, cuts: tuple[int, ...]) -> tuple[list[str], list[str]]:
    s = ReasoningSplitter(starts_open)
    reasoning: list[str] = []
    answer: list[str] = []
    bounds = [0, *cuts, len(text)]
    for a, b in itertools.pairwise(bounds):
        r, t = s.feed(text[a:b])
        reasoning.append(r)
        answer.append(t)
    r, t = s.flush()
    return [*reasoning, r], [*answer, t]


@pytest.mark.parametrize(("text", "starts_open", "reasoning", "answer"), CASES)
def test_every_two_and_three_way_split(text: str, starts_open: bool, reasoning: str,
                                       answer: str) -> None:
    """Tags split anywhere are still recognised, and no piece carries part of a tag."""
    for n in (1, 2):
        for cuts in itertools.combinations(range(1, len(text)), n):
            r, a = run(text, starts_open, cuts)
            assert (reasoning, answer) == ("".join(r), "".join(a)), cuts
            if "</think>" not in answer:
                assert not any(p.endswith(("</", "</th", "</think")) for p in r + a), cuts


def test_token_by_token() -> None:
    text = "<think>abc</think>xyz"
    r, a = run(text, False, tuple(range(1, len(text))))
    assert ("abc", "xyz") == ("".join(r), "".join(a))
