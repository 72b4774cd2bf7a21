"""The strict (GDPR) profile finds firms, ages, addresses and places by the words round them,
not only by the shape of their values: a firm after the words for working there (even when
its name is an English word), ages in the forms people write them, addresses that open with
their unit or a post-office box; and ordinary words after the same cues stay."""

from __future__ import annotations

import gc
import weakref

import pytest

from appliance.privacy.analyzer import Analyzer
from appliance.privacy.recognizers_gdpr import _ORG_CUED, _ORG_STRONG, _not_dates


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


def test_a_left_cue_reads_only_capitalised_words_on_its_line() -> None:
    """After left/leaving/quit the firm is capitalised words on the same line, a few of them:
    no letter of any case, no newline, no unbounded run of words (``"left " * 10000`` took
    seconds per pattern)."""
    for pattern in (_ORG_CUED, _ORG_STRONG):
        assert pattern.search("I left Globex in 2019") is not None
        assert pattern.search("I left globex in 2019") is None
        assert pattern.search("I left\nGlobex in 2019") is None
        assert pattern.search("I left A B C D E F G in 2019") is None
        assert pattern.search("left " * 2000) is None


@pytest.mark.parametrize("text", [
    "This release adds Rust support", "We improved Windows support in v2", "Enable CUDA support",
    "It now has Bluetooth support", "Ask for Vim support", "a Python support library",
    "Docker support sucks", "Check the Linux stock kernel",
])
def test_technical_names_before_support_or_stock_are_no_firm(strict: Analyzer, text: str) -> None:
    assert "ORGANIZATION" not in masked(strict, text).values()


@pytest.mark.parametrize(("text", "value"), [
    ("I called Comcast support team yesterday", "Comcast"),
    ("I bought Tesla stock in 2020", "Tesla"),
])
def test_a_firm_before_its_service_desk_or_traded_stock(strict: Analyzer, text: str,
                                                        value: str) -> None:
    assert "ORGANIZATION" == masked(strict, text).get(value)


@pytest.mark.parametrize("text", [
    "I left Python 2 behind", "We left Windows in 2019", "I left Chrome for Firefox",
    "Quitting Smoking in 5 steps", "He applied to Computer Science and Math",
    "I studied at Home during lockdown", "I'm writing from Home", "an offer from Heaven",
    "I work with Docker Compose every day",
])
def test_ordinary_words_after_weak_firm_cues_stay(strict: Analyzer, text: str) -> None:
    assert "ORGANIZATION" not in masked(strict, text).values()


@pytest.mark.parametrize("text", [
    "Cache-Control: max-age=60", "{ maxAge: 100 }", '"cacheAge": 60', "session.maxAge = 30",
    "retention-age: 7", "storage-age: 12", "min_age: 18",
    "3M and Honeywell reported earnings.", "10M with the new plan", "5M, 10M and 20M budgets",
    "I'm 5 in line", "He is 3 in the ranking", "They're 4 in total", "She's 2 at the moment",
    "The counter turned 9 on reboot", "It turned 12 on Monday",
])
def test_settings_amounts_and_ranks_are_no_age(strict: Analyzer, text: str) -> None:
    assert "AGE" not in masked(strict, text).values()


@pytest.mark.parametrize(("text", "value"), [
    ("I'm 34M from Leeds", "34M"), ('{"member_age": 29}', "29"), ("I'm 34 years old", "34 years old"),
])
def test_ages_said_of_people_stay(strict: Analyzer, text: str, value: str) -> None:
    assert "AGE" == masked(strict, text).get(value)


class _Text(str):
    """A text that a weak reference can follow (a plain str cannot)."""


def test_no_text_outlives_the_date_check() -> None:
    """The look-alike spans of a text are kept by its hash, not by the text: its personal
    data is not held in a module global after the call."""
    text = _Text("Ticket ISO 8601 for Ann Lee, born 1990-01-02")
    ref = weakref.ref(text)
    spans = _not_dates(text)
    assert spans is _not_dates(_Text(str(text)))
    del text
    gc.collect()
    assert ref() is None
