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


# --- tab-separated tables (tabs read as spaces), wrapped names, side-by-side fields ----------

@pytest.mark.parametrize(("text", "names"), [
    ("ref\tpayee\tamount\tdate\nR-118\tOrla Kinsella\t€240.00\t2026-03-02", ["Orla Kinsella"]),
    ("Surname\tFirst\tDOB\nPRZYBYLSKI\tMarek\t1971-06-30", ["PRZYBYLSKI", "Marek"]),
    ("account_holder\tsort_code\nBEATRIX QUENNELL\t20-00-00", ["BEATRIX QUENNELL"]),
    ("lot\tqty\tseller\nL-9\t2\tWilhelmina", ["Wilhelmina"]),
    ("employee\tteam\tjoined\nvan der Merwe, Pieter\tOps\t2023-11-20", ["van der Merwe, Pieter"]),
])
def test_tab_separated_name_columns(text: str, names: list[str]) -> None:
    from appliance.privacy.normalize import normalize

    seen = normalize(text).text
    assert found(StructuredNameRecognizer(), seen) == names


@pytest.mark.parametrize("text", [
    "sku\tname\tprice\tstock\nKB-204\tErgonomic Chair\t189.99\t3",  # a product's name
    "customer\tstatus\nActive\tpending",  # no digit: no record row
    "The customer name is shown below\nOrder 42 Shipped Today",  # prose, not a header
    "owner\tcount\nplatform_team\t12",  # no capitalised value
])
def test_tab_separated_near_misses(text: str) -> None:
    from appliance.privacy.normalize import normalize

    assert found(StructuredNameRecognizer(), normalize(text).text) == []


def test_fields_side_by_side_on_one_line() -> None:
    text = "TKT-88 Owner: Tamsin Achterberg Reporter: Obiageli Nwosu\nPriority: low"
    assert found(StructuredNameRecognizer(), text) == ["Tamsin Achterberg", "Obiageli Nwosu"]
    assert found(StructuredNameRecognizer(), "Contact: Ana Lima Phone: 020 7946 0000") \
        == ["Ana Lima"]


def test_surname_first_value_in_a_record() -> None:
    assert found(StructuredNameRecognizer(), '{"name": "OKONJO, CHIAMAKA", "bed": 4}') \
        == ["OKONJO, CHIAMAKA"]
    assert found(StructuredNameRecognizer(), '{"name": "thanks, see you"}') == []


def test_widening_rejoins_a_name_broken_at_the_line_end() -> None:
    text = "Dear Ms Imogen Fother-\ngill-Brook,\nThank you"
    at = text.index("Imogen")
    assert widen_names(text, at, text.index("-\n") + 1) == (at, text.index(","))
    dash = "Regards Ana Lima-\nthanks for all"  # a dash, not a broken word
    at = dash.index("Ana")
    assert widen_names(dash, at, at + len("Ana Lima")) == (at, at + len("Ana Lima"))


def test_widening_takes_a_surname_written_first() -> None:
    text = "Patient Harrison, Margaret (72) for review"
    at = text.index("Margaret")
    assert widen_names(text, at, at + len("Margaret")) == (text.index("Harrison"), at + 8)
    thanks = "Thanks, Margaret"
    at = thanks.index("Margaret")
    assert widen_names(thanks, at, at + 8)[0] == at


@pytest.mark.parametrize(("text", "name"), [
    ("Claimant Augustina Braithwaite disputes the valuation.", "Augustina Braithwaite"),
    ("Notes: Candidate Wood answered well; see the panel's scores.", "Wood"),
    ("Tenant Rosalind Okonkwo reports a leak (flat 3).", "Rosalind Okonkwo"),
])
def test_party_title_before_the_name(lexicon, text: str, name: str) -> None:
    assert found(IntroducedNameRecognizer(lexicon), text) == [name]


@pytest.mark.parametrize("text", [
    "Customer Service asks that you keep your receipt.",
    "Patient Portal is down for maintenance.",
    "Client Care will call you back.",
    "Driver Update Utility installed.",
    "Applicant Tracking System migration is complete.",
])
def test_party_title_before_a_noun_is_no_name(lexicon, text: str) -> None:
    assert found(IntroducedNameRecognizer(lexicon), text) == []


# ---- Announcements, invitations, classifieds and text messages (issue 37) ---------------------

@pytest.mark.parametrize(("text", "names"), [
    ("Margaret Doyle (91) of Ennis died peacefully at home.", ["Margaret Doyle"]),
    ("Johan van der Berg, 68, of Utrecht, formerly of Leiden.", ["Johan van der Berg"]),
    ('MURPHY, Thomas "Tommy", 80, of Limerick.', ['MURPHY, Thomas "Tommy"']),
    ("Priya & Daniel are getting married! Save the date.", ["Priya", "Daniel"]),
    ("Bike for sale, good nick. Text Sophie on 07700 900 123.", ["Sophie"]),
    ("Party at ours! RSVP to Grace by Friday, or call Grace after 5pm.", ["Grace"]),
])
def test_announcement_and_classified_frames(text: str, names: list[str]) -> None:
    assert found(CuedNameRecognizer(), text) == names


@pytest.mark.parametrize("text", [
    "Chapter (12) of Part Two covers the proof.",
    "Salt & Pepper are getting cheaper this year.",
    "Call Support on 0800 123 456 for help.",
    "Figure (3) of Section Four shows the loop.",
])
def test_announcement_frames_leave_other_text_alone(text: str) -> None:
    assert found(CuedNameRecognizer(), text) == []


def test_form_key_with_a_hint_in_brackets() -> None:
    text = "Surname (as on passport): OKAFOR"
    assert found(CuedNameRecognizer(), text) == ["OKAFOR"]


@pytest.mark.parametrize(("text", "name"), [
    ("hiya mum, it's jodie, phone died, ring me on this number", "jodie"),
    ("Hello Grandad, it's Keiran again, call me back later.", "Keiran"),
    ("happy bday shaz!! have a good one", "shaz"),
    ("Dinner's in the oven, back by 9. Marta", "Marta"),
    ("on the train now, see u soon!! jojo x", "jojo"),
])
def test_text_message_frames(lexicon, text: str, name: str) -> None:
    assert name in found(IntroducedNameRecognizer(lexicon), text)


@pytest.mark.parametrize("text", [
    "Hi, it's fine, no rush.",
    "hey it's Tuesday already!",
    "On my way home now. Love x",
    "Meeting moved to 3pm. Thanks",
    "All tests passed. Done",
])
def test_text_message_frames_leave_other_words_alone(lexicon, text: str) -> None:
    assert found(IntroducedNameRecognizer(lexicon), text) == []


@pytest.mark.parametrize(("text", "year"), [
    ("Giulia Romano, devoted mother, 1941–2025. Funeral on Friday.", "1941"),
    ("深切悼念王建国先生（1936年—2024年）", "1936年"),
])
def test_life_span_in_an_obituary(text: str, year: str) -> None:
    from appliance.privacy.recognizers_ids import DateOfBirthRecognizer

    got = [text[r.start:r.end] for r in DateOfBirthRecognizer().analyze(text, ["DATE_OF_BIRTH"])]
    assert got == [year]


@pytest.mark.parametrize("text", [
    "Acme Widgets, annual report, 1990–2020.",
    "会议纪要（2019年—2024年）",
])
def test_life_span_needs_an_obituary_or_a_name(text: str) -> None:
    from appliance.privacy.recognizers_ids import DateOfBirthRecognizer

    assert DateOfBirthRecognizer().analyze(text, ["DATE_OF_BIRTH"]) == []


@pytest.mark.parametrize(("text", "name"), [
    ("A: Who signed for it? B: Brendan? No, it was someone else.", "Brendan"),
    ("Agent: Account holder? Customer: Siobhan, sorry, it's under my name.", "Siobhan"),
])
def test_a_dialogue_turn_opened_by_a_name(lexicon, text: str, name: str) -> None:
    assert name in found(IntroducedNameRecognizer(lexicon), text)


def test_a_dialogue_turn_opened_by_a_word_is_no_name(lexicon) -> None:
    text = "A: Coffee? B: Yes, please. A: Monday? B: Fine, thanks."
    assert found(IntroducedNameRecognizer(lexicon), text) == []


def test_a_forms_question_without_its_verb(lexicon) -> None:
    text = "Q: Mother's maiden name? A: Halloran. Q: Town of birth? A: Sligo."
    assert found(AnswerRecognizer(lexicon), text) == ["Halloran"]
    assert found(AnswerRecognizer(lexicon), "Q: Project's name? A: Apollo. Q: Owner? A: Me.") == []


@pytest.mark.parametrize(("text", "names"), [
    ("Autumn: the supplier called back. Hunter: and? Autumn: they can ship Monday.",
     ["Autumn", "Hunter"]),
    ('Mr Adeyemi: "Can we start?" Summer: "Two minutes."', ["Summer"]),
])
def test_turns_written_on_one_line_name_their_speakers(analyzer, text: str,
                                                       names: list[str]) -> None:
    """Two turns or more on one line, each a label and a sentence: the labels are speakers,
    given names that are words too among them."""
    spans = {text[f.start:f.end] for f in mask_texts(analyzer, [text]).findings[0]}
    assert set(names) <= spans


@pytest.mark.parametrize("text", [
    "Status: open. Priority: high.", "Reason: price. Outcome: churned.",
    "Warning: disk full. Error: cannot write.", "Note: call back. Action: none.",
    "Redis: cache hit! Postgres: slow query.", "Chrome: passes. Firefox: fails.",
    "Spring: planting. Summer: harvest.", "Red: stop. Green: go.",
])
def test_fields_on_one_line_are_no_turns(analyzer, text: str) -> None:
    assert [] == list(mask_texts(analyzer, [text]).findings[0])


@pytest.mark.parametrize(("text", "name"), [
    ("Dietitian referral: Blaze Whitfield, 17, low BMI.", "Blaze Whitfield"),
    ("Safeguarding note — Priya Marsh, 9, missed three sessions.", "Priya Marsh"),
    ("re: Ruby-Mae Costello, 6 yrs, asthma review", "Ruby-Mae Costello"),
])
def test_names_before_an_age_between_commas(analyzer, text: str, name: str) -> None:
    """Case notes and referrals write a person as names, then the age between commas."""
    spans = {text[f.start:f.end] for f in mask_texts(analyzer, [text]).findings[0]}
    assert name in spans


@pytest.mark.parametrize("text", [
    "Sizes: Small, Medium, 10, Large", "Table Mountain, 3, Cape Town", "Main Street, 12, Leeds",
    "Grade Level, 5, Math", "High Priority, 3, open", "Star Wars, 4, Iron Man, 3,",
    "Black Friday, 25, Ford Mustang, 65,", "See Figure A, 3, and Table B, 2",
])
def test_words_before_a_number_between_commas_are_no_name(analyzer, text: str) -> None:
    assert not [f for f in mask_texts(analyzer, [text]).findings[0] if f.entity_type == "PERSON"]


def test_a_cued_name_stops_at_the_end_of_its_sentence(analyzer) -> None:
    """A full stop after a word ends the sentence ("Customer: Siobhan. Agent: …"): the next
    label is no part of the name; after an initial or a title it does not ("J. Blige")."""
    text = "Agent: And your first name? Customer: Siobhan. Agent: thanks Siobhan."
    spans = person_spans(analyzer, text)
    assert not any(s <= text.index("Agent", 10) < e for s, e in spans)
    assert covered(person_spans(analyzer, "Name: Mary J. Blige"), "Name: Mary J. Blige",
                   "Mary J. Blige")
