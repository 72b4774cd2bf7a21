"""The strict (GDPR) profile finds firms, ages, addresses and places by the words round them,
not only by the shape of their values: a firm after the words for working there (even when
its name is an English word), ages in the forms people write them, addresses that open with
their unit or a post-office box; and ordinary words after the same cues stay."""

from __future__ import annotations

import pytest

from appliance.config import STRICT_OUTPUT_SCAN_ENTITIES, STRICT_PII_ENTITIES, PiiConfig
from appliance.privacy.analyzer import Analyzer


@pytest.fixture(scope="module")
def strict() -> Analyzer:
    return Analyzer(PiiConfig(entities=STRICT_PII_ENTITIES,
                              output_scan_entities=STRICT_OUTPUT_SCAN_ENTITIES, models=()))


def masked(analyzer: Analyzer, text: str) -> dict[str, str]:
    return {text[s.start:s.end]: s.entity_type for s in analyzer.find(text)}


@pytest.mark.parametrize(("text", "value"), [
    # a firm whose name is an English word, after the words for working there
    ("I work at Oracle now, the commute is brutal.", "Oracle"),
    ("just got an offer from Stripe!!", "Stripe"),
    ("Shares in Canon fell 4% in early trading.", "Canon"),
    ("A spokesperson for Jumbo declined to comment.", "Jumbo"),
    ("I'm reaching out from Ellis Motors about the position.", "Ellis Motors"),
    ("ugh Workday support is useless", "Workday"),
    # a name of two English words wherever a cue says a firm is there
    ("Who is your employer? Amnesty International.", "Amnesty International"),
    ("Massive Dynamic has agreed to buy a rival.", "Massive Dynamic"),
    ("Tailspin Toys has approved the budget.", "Tailspin Toys"),
    ("Hi,\nthe Home Office has approved the budget.", "Home Office"),
    # form and log fields, with the article outside the name
    ('{"org": "the Salvation Army"}', "Salvation Army"),
    ("INFO tenant=Marks & Spencer action=login", "Marks & Spencer"),
    ("2018 - 2022  Backend developer, the World Health Organization",
     "World Health Organization"),
])
def test_organisations_by_their_frame(strict: Analyzer, text: str, value: str) -> None:
    assert "ORGANIZATION" == masked(strict, text).get(value)


@pytest.mark.parametrize(("text", "value"), [
    ("How old are you? — 34", "34"), ("Age — 41", "41"), ("Age (years): 52", "52"),
    ('{"patient_age": 7}', "7"), ("user_age=31 plan=free", "31"), ('{"userAge": 44}', "44"),
    ("34M here, looking for gym buddies", "34M"), ("she turned 40 on saturday", "40"),
    ("my kid (7) won't sleep", "7"),
])
def test_ages_in_the_forms_people_write(strict: Analyzer, text: str, value: str) -> None:
    assert "AGE" == masked(strict, text).get(value)


@pytest.mark.parametrize("text", [
    "page: 3", "message: 5", "Average: 45", "usage: 12", "34M users signed up last year",
    "The tower was built 34 years ago.", "I have 34 years of experience.", "It costs $34.",
])
def test_numbers_after_age_like_words_are_no_age(strict: Analyzer, text: str) -> None:
    assert "AGE" not in masked(strict, text).values()


@pytest.mark.parametrize(("text", "value"), [
    ("the parcel goes to Unit 7, Mitry-morygatan 805, 302 54 Dixon.",
     "Unit 7, Mitry-morygatan 805, 302 54 Dixon"),
    ("Address: Albacetedamm 665B, Apt 35, 86394 Bijeljina",
     "Albacetedamm 665B, Apt 35, 86394 Bijeljina"),
    ("Delivery to Postfach 41536, 19085 Lake Magenta failed.", "Postfach 41536, 19085 Lake Magenta"),
    ("Send it to 81 bis Karunagapally Close, Aliso Viejo, CA", "81 bis Karunagapally Close, "
     "Aliso Viejo, CA"),
    ("Contact: Avenida da Hermannsburg, 73B, 13433 Göstling an der Ybbs",
     "Avenida da Hermannsburg, 73B, 13433 Göstling an der Ybbs"),
    ("Ship to C/ de Gomez, 1293, 48373 Madison Heights", "C/ de Gomez, 1293, 48373 Madison Heights"),
    ("Office: Riosvägen 10a, 5th floor, 696 87 Svezhen", "Riosvägen 10a, 5th floor, 696 87 Svezhen"),
])
def test_addresses_with_units_and_boxes(strict: Analyzer, text: str, value: str) -> None:
    assert "ADDRESS" == masked(strict, text).get(value)


@pytest.mark.parametrize(("text", "value"), [
    ("Where are you from? - Holyoke", "Holyoke"),
])
def test_answers_after_a_dash(strict: Analyzer, text: str, value: str) -> None:
    assert "LOCATION" == masked(strict, text).get(value)


@pytest.mark.parametrize("text", [
    "He joined Engineering in May.", "Thanks for joining Monday's call.", "I work for IT.",
    "I work at home on Fridays.", "We work for the common good.", "I joined the call late.",
    "Apple pie is my favourite dessert.", "The Amazon rainforest is shrinking.",
    "Contact Support for help.", "The Board approved the budget.",
])
def test_ordinary_words_after_firm_cues_stay(strict: Analyzer, text: str) -> None:
    assert "ORGANIZATION" not in masked(strict, text).values()


def test_a_sentence_opening_word_is_no_part_of_the_firm(strict: Analyzer) -> None:
    """"Yesterday Texier announced": the firm is Texier, not "Yesterday Texier"."""
    assert "ORGANIZATION" == masked(strict, "Yesterday Texier announced a deal.").get("Texier")
