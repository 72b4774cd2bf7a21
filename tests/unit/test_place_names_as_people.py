"""A one-word name the model finds that is also a known place (Jordan, Georgia, Austin) is the
place, unless the words around it make it a person: a greeting or title before it, a verb of
saying, a speaker's colon or a person's possessive after it."""

from __future__ import annotations

import pytest

from appliance.privacy.analyzer import Analyzer


@pytest.mark.parametrize(("text", "name"), [
    ("Jordan said the invoice is late again.", "Jordan"),
    ("Hi Georgia, your parcel is ready.", "Georgia"),
    ("Sydney: can you check the logs?", "Sydney"),
    ("Florence's phone is broken.", "Florence"),
    ("Thanks Austin, the report looks good.", "Austin"),
])
def test_a_place_name_used_for_a_person_is_masked(analyzer: Analyzer, text: str,
                                                   name: str) -> None:
    assert name in [text[s.start:s.end] for s in analyzer.find(text)]


@pytest.mark.parametrize("text", [
    "We flew to Jordan last year.",
    "Paris, London and Rome are lovely.",
    "The office in Georgia is closed.",
    "I moved to Austin in May.",
])
def test_a_place_stays_a_place(analyzer: Analyzer, text: str) -> None:
    assert [] == [text[s.start:s.end] for s in analyzer.find(text)
                  if s.entity_type == "PERSON"]
