"""Issue 37, second round of fields: dates of birth, cards and phone numbers in registers the
first round missed — read out digit by digit in dictation and call transcripts, answers a turn
or two after a birth-date question, a scan's spaced-out digits, Japanese era dates, a quoted
date after its cue, "DOB as …", a validation error that names the field in one key and gives
the value in the next — and the look-alikes in the same registers that stay unmasked."""

from __future__ import annotations

import pytest

from appliance.privacy.masker import mask_texts


def found(analyzer, text: str, entity: str) -> list[str]:
    findings = mask_texts(analyzer, [text]).findings[0]
    return [text[f.start:f.end] for f in findings if f.entity_type == entity]


def covered(analyzer, text: str, value: str, entity: str) -> bool:
    """Every letter and digit of ``value`` lies inside a finding of ``entity``."""
    start = text.index(value)
    spans = [(f.start, f.end) for f in mask_texts(analyzer, [text]).findings[0]
             if f.entity_type == entity]
    return all(any(s <= i < e for s, e in spans)
               for i in range(start, start + len(value)) if text[i].isalnum())


@pytest.mark.parametrize(("text", "value"), [
    ("patient date of birth the ninth of February nineteen sixty-one, no allergies",
     "the ninth of February nineteen sixty-one"),
    ("dob is twelve oh seven nineteen ninety one and the claim is open",
     "twelve oh seven nineteen ninety one"),
    ("born on March the second, two thousand and four in Galway",
     "March the second, two thousand and four"),
    ("Nurse: can I take your date of birth?\nPatient: erm, the 3rd of May 1950\nNurse: lovely",
     "3rd of May 1950"),
    ("Agent: and the DOB on the account?\nCaller: it's, er, it's fourth of June nineteen "
     "eighty-eight\nAgent: thanks", "fourth of June nineteen eighty-eight"),
    ("User: my birthday is wrong on my profile\nBot: What should it be?\nUser: 02/11/1984",
     "02/11/1984"),
    ("Name: J SMITH\nD.O.B: 1 2.0 3.1 9 8 0\nWard 4", "1 2.0 3.1 9 8 0"),
    ("氏名：佐藤 花子\n生年月日：平成3年11月20日\n住所：東京都", "平成3年11月20日"),
    ("import failed: bad date of birth '1979-12-01' on row 12", "1979-12-01"),
    ("the passport scan shows DOB as 14.02.1977 which matches", "14.02.1977"),
    ('{"errors": [{"name": "birth_date", "value": "1968-04-30", "msg": "in future"}]}',
     "1968-04-30"),
])
def test_a_birth_date_in_speech_dialogue_and_records(analyzer, text: str, value: str) -> None:
    assert covered(analyzer, text, value, "DATE_OF_BIRTH"), found(analyzer, text,
                                                                  "DATE_OF_BIRTH")


@pytest.mark.parametrize("text", [
    "Agent: date of birth?\nCaller: hang on\nAgent: when did you move in?\nCaller: 3 May 2021",
    "User: what's my dob on file?\nBot: I can't see that. Your last login was 12 March 2025.",
    "Nurse: date of birth?\nPatient: rather not say. My appointment is 4 June 2026 though.",
    "the dob column was added as of 2024-05-01 in the migration",
    '{"field": "created_at", "value": "2024-05-01"}',
    "the birthday party is on the fourth of July twenty twenty-six",
])
def test_dates_beside_a_birth_word_that_are_no_birth_date(analyzer, text: str) -> None:
    assert found(analyzer, text, "DATE_OF_BIRTH") == []


@pytest.mark.parametrize(("text", "value"), [
    ("ok the visa is four one one one one one one one one one one one one one one one, "
     "expiry oh nine twenty seven", "four one one one one one one one one one one one one one "
     "one one"),
    ("Caller: the card number is five five five five, five five five five, four four four "
     "four, four four four four\nAgent: thanks",
     "five five five five, five five five five, four four four four, four four four four"),
])
def test_a_card_number_read_out_after_a_card_cue(analyzer, text: str, value: str) -> None:
    assert covered(analyzer, text, value, "CREDIT_CARD")


@pytest.mark.parametrize(("text", "value"), [
    ("ring him back on oh two one four nine six three three eight seven tomorrow",
     "oh two one four nine six three three eight seven"),
    ("Customer: yeah my phone number is zero seven seven double four one two three four five"
     "\nAgent: great", "zero seven seven double four one two three four five"),
    ("new contact, mobile plus four four seven seven zero zero nine zero zero one two three",
     "plus four four seven seven zero zero nine zero zero one two three"),
])
def test_a_phone_number_read_out_after_a_phone_cue(analyzer, text: str, value: str) -> None:
    assert covered(analyzer, text, value, "PHONE_NUMBER")


@pytest.mark.parametrize("text", [
    "step one two three four five six seven eight then restart the router",
    "the code is one two three four five six seven eight nine zero one two three four",
    "card game tonight: five four three two one go!",
    "Rep: and the card expiry?\nCustomer: oh nine twenty seven",
])
def test_digit_words_no_cue_names_stay(analyzer, text: str) -> None:
    findings = mask_texts(analyzer, [text]).findings[0]
    assert [f.entity_type for f in findings
            if f.entity_type in ("CREDIT_CARD", "PHONE_NUMBER", "DATE_OF_BIRTH")] == []
