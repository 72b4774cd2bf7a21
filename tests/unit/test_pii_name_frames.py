"""Names in the frames of everyday English records, minutes and chats: a role's label, who is
to act, an attribution, a relative, a thanked or greeted one, a spelled name, a YAML or
semicolon record, fields side by side, and the near misses each frame must leave alone
(recognizers_names, recognizers_context)."""

from __future__ import annotations

import pytest

from appliance.privacy.lexicon import model_lexicon
from appliance.privacy.masker import mask_texts
from appliance.privacy.recognizers_context import (
    AnswerRecognizer,
    IntroducedNameRecognizer,
    NameListRecognizer,
    RecordNameRecognizer,
    SpeakerLabelRecognizer,
)
from appliance.privacy.recognizers_names import (
    CuedNameRecognizer,
    StructuredNameRecognizer,
    widen_names,
)


@pytest.fixture(scope="module")
def lexicon():
    from appliance.config import PiiConfig

    return model_lexicon(PiiConfig().spacy_model)


def found(recognizer, text: str) -> list[str]:
    return [text[r.start:r.end] for r in recognizer.analyze(text, ["PERSON"])]


def person_spans(analyzer, text: str) -> list[tuple[int, int]]:
    return [(f.start, f.end) for f in mask_texts(analyzer, [text]).findings[0]
            if f.entity_type == "PERSON"]


def covered(spans: list[tuple[int, int]], text: str, name: str) -> bool:
    """Every letter of ``name`` (its first occurrence in ``text``) lies inside a span."""
    at = text.index(name)
    return all(any(s <= i < e for s, e in spans)
               for i in range(at, at + len(name)) if text[i].isalnum())


# --- whole pipeline: each frame masks the whole name ------------------------------------------

@pytest.mark.parametrize(("text", "name"), [
    ("Returned from leave on 6 May. Manager: Anil Kapoor.", "Anil Kapoor"),
    ("Requester: Saoirse Ní Bhriain | Org: Health Service Executive", "Saoirse Ní Bhriain"),
    ("Action: Ignatius Mbeki to circulate the budget by Friday.", "Ignatius Mbeki"),
    ("Item 4: vendor contract discussed; Huxley to follow up.", "Huxley"),
    ("Motion proposed by Blessing Chukwuemeka, seconded by Sparrow. Carried.", "Sparrow"),
    ("Promotion effective 1 July: Mbali Zulu to Senior Analyst.", "Mbali Zulu"),
    ("Customer Perpetua Adewumi-Banks asks us to delete her data.", "Perpetua Adewumi-Banks"),
    ("Customer: Hi, I'm Declan O'Neill, my line's been down since this morning",
     "Declan O'Neill"),
    ("Caller: It's under my husband, Rhys ap Gruffydd.", "Rhys ap Gruffydd"),
    ("Customer: The account is in the name of Fitzgerald-Moyo.", "Fitzgerald-Moyo"),
    ("Rep: Can you spell your surname?\nCaller: Tshabalala. T-S-H-A-B-A-L-A-L-A.",
     "T-S-H-A-B-A-L-A-L-A"),
    ("Attendees: R. Featherstonehaugh (chair), Imelda Cruz, Owusu.", "R. Featherstonehaugh"),
    ("Attendees: R. Featherstonehaugh (chair), Imelda Cruz, Owusu.", "Owusu"),
    ("RSVPs: Cassius ✔, Delphine ✔, Obi ✘", "Cassius"),
    ("RSVPs: Cassius ✔, Delphine ✔, Obi ✘", "Obi"),
    ("congrats to my cousin Yaw on graduating!!", "Yaw"),
    ("Thanks for your help earlier, Cormac — the issue is resolved.", "Cormac"),
    ("hey priya did u get the invoice from Brightline Logistics yet", "priya"),
    ("Q: What's your middle name?\nA: Tiberius, don't laugh.", "Tiberius"),
    ("Former BBC presenter Clive Underhill-Smythe is to stand for election.",
     "Clive Underhill-Smythe"),
    ("Lefebvre;Cyprien;cyprien.lefebvre@example.fr;01 45 55 67 89", "Lefebvre"),
    ("Lefebvre;Cyprien;cyprien.lefebvre@example.fr;01 45 55 67 89", "Cyprien"),
    ("patient:\n  name: Obadiah Sterling\n  age: 58", "Obadiah Sterling"),
    ("# Winterbottom owns this file — ask before editing", "Winterbottom"),
    ('Lost property: a blue coat labelled "M. Underwood" was found.', "M. Underwood"),
    ("Surname / Family name: NGUYEN   Given names: THI HONG NHUNG   Sex: F", "THI HONG NHUNG"),
    ("Thanks Anneliese! Forwarding to Oluwaseun who handles billing.", "Oluwaseun"),
    ("Volunteers this week:\n- Agnieszka\n- Samisoni Vake\n- Hollander\n- Pip", "Pip"),
    ("Tobias [9:15]: standup moved, see you there\nHiroko [9:16]: ok thanks", "Tobias"),
    ("Refund approved for Bird, Talulah. Card to be credited within 5 days.", "Bird, Talulah"),
])
def test_frame_masks_the_whole_name(analyzer, text: str, name: str) -> None:
    assert covered(person_spans(analyzer, text), text, name)


@pytest.mark.parametrize(("text", "word"), [
    ("Customer: Hi, I'm Declan O'Neill, my line's down", "Hi"),
    ("Surname / Family name: NGUYEN   Given names: THI HONG NHUNG", "Given"),
])
def test_speech_and_next_field_are_no_name(analyzer, text: str, word: str) -> None:
    at = text.index(word)
    assert not any(s <= at < e for s, e in person_spans(analyzer, text))


# --- near misses: the frame's slot holds no person --------------------------------------------

@pytest.mark.parametrize("text", [
    "Action: Review the budget by Friday.",
    "Manager: TBD",
    "Owner: Platform Team",
    "Owner: DevOps",
    "Motion carried, seconded by the board.",
    "Item 4: Finance to circulate the figures.",
    "Migration: Postgres to MySQL",
    "Welcome to Paris",
    "Note: Click Here to Continue",
    "The account is in the name of the company.",
    "a box labelled Fragile",
    "Thanks for the update, Monday works.",
    "Hello, World!",
    "my sister Monday",
    "hey there did u get it",
    "What is the customer's name? Answer with the name only.",
    "Q: What's your name?\nA: Certainly.",
    "Thanks for calling Acme, Inc.",
    "Greetings from Paris, Anna.",
])
def test_frames_leave_near_misses(lexicon, text: str) -> None:
    for rec in (IntroducedNameRecognizer(lexicon), AnswerRecognizer(lexicon),
                NameListRecognizer(lexicon)):
        assert found(rec, text) == [], (type(rec).__name__, text)


def test_customer_service_asks_is_no_name(analyzer) -> None:
    text = "Customer Service asks that you keep your receipt."
    assert person_spans(analyzer, text) == []


def test_spelled_word_needs_a_name_or_a_spelling_cue(lexicon) -> None:
    rec = IntroducedNameRecognizer(lexicon)
    assert found(rec, "Respect. R-E-S-P-E-C-T, find out what it means") == []
    assert found(rec, "How do you spell it? S-M-I-T-H.") == ["S-M-I-T-H"]


def test_lower_case_greeting_needs_a_given_name(lexicon) -> None:
    rec = IntroducedNameRecognizer(lexicon)
    assert found(rec, "hey priya did u get it") == ["priya"]
    assert found(rec, "hey team did u get it") == []


def test_structured_and_cued_values_stay_on_their_line(lexicon) -> None:
    assert "name" not in found(StructuredNameRecognizer(), "patient:\n  name: Ana Lima")
    assert found(CuedNameRecognizer(), "Name:\nAna Lima") == ["Ana Lima"]
    assert found(StructuredNameRecognizer(), "Customer: Hi, can you help?") == []


def test_speaker_label_with_time(lexicon) -> None:
    rec = SpeakerLabelRecognizer(lexicon)
    text = "Tobias [9:15]: standup moved, see you there\nHiroko [9:16]: ok thanks"
    assert found(rec, text) == ["Tobias", "Hiroko"]


def test_record_needs_a_surname_beside_an_unknown_word(lexicon) -> None:
    rec = RecordNameRecognizer(lexicon)
    assert found(rec, "Lefebvre;Cyprien;x@example.fr;01 45 55 67 89") == ["Lefebvre", "Cyprien"]
    assert found(rec, "Blue;Large;cotton;12.00") == []


def test_widening_takes_hyphen_and_particle() -> None:
    text = "Perpetua Adewumi-Banks and Rhys ap Gruffydd"
    assert widen_names(text, 0, len("Perpetua Adewumi")) == (0, len("Perpetua Adewumi-Banks"))
    at = text.index("Rhys")
    assert widen_names(text, at, at + 4) == (at, len(text))
