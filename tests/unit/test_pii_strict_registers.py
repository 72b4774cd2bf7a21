"""The strict (GDPR) profile in the registers text comes in: a firm whose name is a dictionary
word where the shape of the text says a firm is (an e-mail signature, a list of clients, the
answer to "who is your employer?", before its CEO), answers on a chat's next line, ages in
printed forms, lists and tab-separated tables, postcodes asked for, and fields of
nationality, religion and party; and the look-alikes of each stay."""

from __future__ import annotations

import pytest

from appliance.privacy.analyzer import Analyzer
from appliance.privacy.recognizers_gdpr import _FRAMED_ORG_PHRASE, _ORG_PHRASE


def masked(analyzer: Analyzer, text: str) -> dict[str, str]:
    return {text[s.start:s.end]: s.entity_type for s in analyzer.find(text)}


def covered(analyzer: Analyzer, text: str, value: str) -> bool:
    """Every character of ``value`` (its first occurrence in ``text``) is in a finding."""
    start = text.index(value)
    spans = [(s.start, s.end) for s in analyzer.find(text)]
    return all(any(s <= i < e for s, e in spans) for i in range(start, start + len(value)))


# ---- Firms where the frame says a firm is ------------------------------------------------------

@pytest.mark.parametrize(("text", "value"), [
    # a signature: the line under a job title, under the name after a sign-off, after a bar
    ("Sarah Gutierrez\nSenior Analyst\nEuropol\n", "Europol"),
    ("Thanks for the call.\n\nBest,\nMelanie Hughes\nUNICEF", "UNICEF"),
    ("Contract attached.\n-- \nAnne Henry | Greenpeace", "Greenpeace"),
    ("Best regards,\nAnna Lindqvist\nProject Manager\nHabitat for Humanity",
     "Habitat for Humanity"),
    # a list whose label or heading names firms
    ("Suppliers:\n- Iberia\n- Oracle\n- Lego", "Iberia"),
    ("Clients we have worked with: UBS, the Salvation Army, Capgemini.", "Salvation Army"),
    # the answer to a question about the employer, in Q&A and in a chat without "?"
    ("Q: Who is your current employer?\nA: Target, in the sales team.", "Target"),
    ("Q: Where do you work?\nA: the Social Security Administration",
     "Social Security Administration"),
    ("Carl Ward: who do u work for now\nTiffany Bell: Europol", "Europol"),
    # before its officers, board or figures
    ("Harvard's chief financial officer resigned after the audit.", "Harvard"),
    ("Yesterday Texier's CEO resigned.", "Texier"),
    ("Her father still volunteers with HMRC twice a week.", "HMRC"),
    ("Thanks! Forwarding to our contact at Target.\n\nJoseph Lee", "Target"),
    # Czech, Slovak and Finnish legal forms
    ("Q: Who is your current employer?\nA: Vlčková v.o.s., in the sales team.", "Vlčková v.o.s."),
])
def test_firms_in_their_frame(strict: Analyzer, text: str, value: str) -> None:
    assert covered(strict, text, value), masked(strict, text)


@pytest.mark.parametrize(("text", "word"), [
    ("Q: Where do you work?\nA: Retired", "Retired"),
    ("Q: Who is your employer?\nA: Self-employed", "Self-employed"),
    ("Clients: Many asked for a discount.", "Many"),  # a sentence after the label, no list
    ("Home | About Us | Contact Us", "Contact Us"),  # a bar line outside a signature
    ("Thanks,\nJohn Smith\nSent from my phone", "Sent"),
    ("Yesterday Texier's CEO resigned.", "Yesterday"),
    ("I left Chrome for Firefox", "Firefox"),  # "for" joins a firm's words only in a frame
    ("See you folks at Christmas!", "Christmas"),
    ("I quit Smoking tbh", "Smoking"),
])
def test_no_firm_where_the_frame_has_none(strict: Analyzer, text: str, word: str) -> None:
    found = masked(strict, text)
    assert not any(word in v and t == "ORGANIZATION" for v, t in found.items()), found


def test_for_joins_a_firm_name_only_in_a_frame() -> None:
    import re

    assert re.fullmatch(_FRAMED_ORG_PHRASE, "Transport for London")
    assert not re.fullmatch(_ORG_PHRASE, "Transport for London")


# ---- Ages ------------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "value"), [
    ("me: how old is ur sister\nthem: 34", "34"),
    ("Interviewer: And how old were you then?\nRespondent: I was 34.", "34"),
    ("Question: What is your age?\nAnswer: thirty-four", "thirty-four"),
    ("Q: And your age?\nA: 52", "52"),
    ("Full name ........ Michael Hayes\nAge .............. 18\nTown ............. Ely", "18"),
    ("School: Leeds Grammar\nAge at enrolment: 24", "24"),
    ("Ages of the children: 13, 9 and 4.", "9"),
    ("Ages of the children: 13, 9 and 4.", "4"),
    ("Participants\n* Bobby Parker, 22, Tyrone\n* Hilde Dietz, 13, Essex", "22"),
    ("Family: Randall Smith (17), Jorg Ullrich (68)", "68"),
    ("full_name\tage\tnationality\nChristelle Mahe\t21\tMethodist", "21"),
    ("Name    Age   City\nAna Lima    34   Porto", "34"),
])
def test_ages_in_every_register(strict: Analyzer, text: str, value: str) -> None:
    assert covered(strict, text, value), masked(strict, text)


@pytest.mark.parametrize(("text", "number"), [
    ("what is the status of the build\nbot: 34 tests passed", "34"),
    ("how many users do we have\nalice: 34", "34"),
    ("Your age is not relevant here\nbob: 34 tickets left", "34"),  # prose, not a header
    ("The page ages 3, 4 times faster with the cache.", "4"),
    ("NAME READY STATUS RESTARTS AGE\nweb-1 1/1 Running 0 5d", "0"),
    ("Supported Python versions: 3, 11 and 12.", "12"),
])
def test_counts_and_columns_are_no_age(strict: Analyzer, text: str, number: str) -> None:
    found = masked(strict, text)
    assert not any(number in v and t == "AGE" for v, t in found.items()), found


# ---- Postcodes and NRP fields ----------------------------------------------------------------

@pytest.mark.parametrize(("text", "value"), [
    ("Q: What is your postcode?\nA: 57143", "57143"),
    ("Q: What's your zip?\nA: 1648 UE", "1648 UE"),
    ('{"street": "41 Dixon Turnpike", "zip": "H-4905"}', "H-4905"),
    ("Postcode: 110 00", "110 00"),
])
def test_postcodes_asked_for_and_in_fields(strict: Analyzer, text: str, value: str) -> None:
    assert covered(strict, text, value), masked(strict, text)


def test_no_postcode_in_an_answer_without_one(strict: Analyzer) -> None:
    assert "POSTCODE" not in masked(strict, "Q: What is your postcode?\nA: I don't know").values()


@pytest.mark.parametrize(("text", "value"), [
    ("Patient age: 49\nReligion: Jehovah's Witness\nPlace of birth: Ely", "Jehovah's Witness"),
    ('{"nationality": "atheist", "age": "21"}', "atheist"),
    ('{"patient": {"religion": "Quaker"}}', "Quaker"),
    ("Political affiliation: Social Democrat", "Social Democrat"),
])
def test_nationality_religion_and_party_fields(strict: Analyzer, text: str, value: str) -> None:
    assert masked(strict, text).get(value) == "NRP"


@pytest.mark.parametrize("text", [
    "Religion is important to me: it shapes my life.",
    "faith: we keep it",
])
def test_prose_about_religion_is_no_field(strict: Analyzer, text: str) -> None:
    assert "NRP" not in masked(strict, text).values()


# ---- Ages in words, and an age opening a sentence ---------------------------------------------

@pytest.mark.parametrize(("text", "value"), [
    ("He turned forty-two last week.", "forty-two"),
    ("I'm thirty four.", "thirty four"),
    ("Age: thirty-two", "thirty-two"),
    ("At 27 she moved to Berlin.", "27"),
    ("Bio. At 19, I left home.", "19"),
])
def test_ages_in_words_and_at_the_start(strict: Analyzer, text: str, value: str) -> None:
    assert covered(strict, text, value), masked(strict, text)


@pytest.mark.parametrize("text", [
    "At 5 we met at the station.",  # a time
    "At 10 we start the meeting.",
    "I'm one of the founders.",
    "I'm two minutes away.",
    "She is one of the best.",
    "The light turned one shade darker.",
    "The answer, which is two.",
])
def test_number_words_that_are_no_age(strict: Analyzer, text: str) -> None:
    assert "AGE" not in masked(strict, text).values(), masked(strict, text)


def test_the_name_before_an_age_in_brackets_is_bounded() -> None:
    """"Ana Lima (42)": a capitalised word of at most 40 letters before the bracket. An
    unbounded run under the pattern's (?i) read every lowercase run to its end from every
    start ("thirty-" * 5000 took 1.7 s)."""
    from appliance.privacy.recognizers_gdpr import AgeRecognizer
    found = [m.group("br") for m in AgeRecognizer.REGEX.finditer("Ana Lima (42) and lima (43)")]
    assert [b for b in found if b is not None] == ["42"]
    assert not any(m.group("br") for m in AgeRecognizer.REGEX.finditer("A" + "a" * 60 + " (42)"))


def test_a_hyphenated_run_is_one_word_to_the_place_patterns() -> None:
    """"Saint-Jean-de-Luz Canton", "Zoutkamp, Netherlands": a hyphenated word is read once,
    not split at each hyphen by the joiners around it. Split every way, "Lee-" * 200 took 40 s
    and "Lee-" * 2000 minutes; read once, this test takes milliseconds."""
    from appliance.privacy.recognizers_gdpr import _BEFORE_KNOWN_PLACE, _REGION_KIND
    assert [m.group(0) for m in _REGION_KIND.finditer("Saint-Jean-de-Luz Canton")] \
        == ["Saint-Jean-de-Luz Canton"]
    assert _BEFORE_KNOWN_PLACE.search("Stratford-upon-Avon, England") is not None
    for pattern in (_REGION_KIND, _BEFORE_KNOWN_PLACE):
        assert list(pattern.finditer("Lee-" * 500)) == []


@pytest.mark.parametrize("text", [
    "Religion: none", "Nationality: Unknown", "Ethnicity: Other",
    '{"nationality": "string", "political_party": "string"}', "Denomination: USD",
    "religion = True",
])
def test_placeholders_in_nrp_fields_are_no_one_s_value(strict: Analyzer, text: str) -> None:
    assert "NRP" not in masked(strict, text).values(), masked(strict, text)


@pytest.mark.parametrize("text", [
    "At 18 we opened the doors.", "At 20 she released version 2.",
    "At 16 we moved the servers to Frankfurt.",
])
def test_an_hour_opening_a_sentence_is_no_age(strict: Analyzer, text: str) -> None:
    assert "AGE" not in masked(strict, text).values(), masked(strict, text)


def test_a_postcode_answer_takes_no_word_after_it(strict: Analyzer) -> None:
    text = "Which zip file do I need?\nA: 2 of them"
    assert "POSTCODE" not in masked(strict, text).values(), masked(strict, text)
    assert covered(strict, "What is your postcode?\nA: SW1A 1AA", "SW1A 1AA")


@pytest.mark.parametrize("text", [
    "Fix your address parser\nTests: 12 passed", "Update your age check\nStatus: 18",
    "Check your postcode lookup\nResult: 404",
])
def test_a_tool_s_line_label_is_no_speaker_answering(strict: Analyzer, text: str) -> None:
    assert masked(strict, text) == {}, masked(strict, text)
