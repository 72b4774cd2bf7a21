"""Weak name cues meet ordinary words too: a day after a greeting or a wish, a month or a
brand after "saw", a word for a role or a deity after thanks. Those are no names; the names
after the same cues still are."""

from __future__ import annotations

import pytest

from appliance.privacy.analyzer import Analyzer


@pytest.mark.parametrize("text", [
    "See you Monday!", "Thanks Monday, that was a long week.", "I saw May yesterday.",
    "We saw Apple announce it.", "we saw rose petals on the floor", "I saw mark the paper.",
    "Cheers Boss!", "Thank you Lord.", "Happy birthday Mom!",
])
def test_ordinary_words_after_weak_cues_are_left_alone(analyzer: Analyzer, text: str) -> None:
    assert [] == [text[s.start:s.end] for s in analyzer.find(text) if s.entity_type == "PERSON"]


@pytest.mark.parametrize(("text", "name"), [
    ("I saw Sarah at the shop.", "Sarah"), ("Thanks Mineko, see you soon.", "Mineko"),
    ("Sorry Amleto, I was late.", "Amleto"), ("Please forward this to Huxley.", "Huxley"),
])
def test_names_after_the_same_cues_are_masked(analyzer: Analyzer, text: str, name: str) -> None:
    assert name in [text[s.start:s.end] for s in analyzer.find(text)]


def test_a_long_transcript_of_one_cjk_speaker_is_read_once(analyzer: Analyzer) -> None:
    """Every line's label was looked up in the whole text again (quadratic in the lines):
    the labels are read once now, and each line's speaker is still masked."""
    text = "王芳: hi, can you call me back?\nAgent: sure\n" * 400
    found = [text[s.start:s.end] for s in analyzer.find(text)]
    assert 400 == found.count("王芳")
