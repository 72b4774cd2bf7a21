"""Strict (GDPR) profile ages in the frames everyday text writes them in (issue 37): clinical
shorthand (M/47, 47F, 47 y.o.), a name with the age in brackets, chat ("ur 30", "turning
40"), other languages' units, delimited tables and a program's (name, age) pairs, and the
answer to a bare "Age?"; and the numbers beside those frames that are no one's age."""

from __future__ import annotations

import pytest

from appliance.privacy.analyzer import Analyzer


def ages(analyzer: Analyzer, text: str) -> list[str]:
    """The values found as ages in ``text``."""
    return [text[s.start:s.end] for s in analyzer.find(text) if s.entity_type == "AGE"]


def masked(analyzer: Analyzer, text: str, age: str) -> bool:
    """Every character of ``age`` (its first occurrence in ``text``) is inside an age."""
    at = text.index(age)
    spans = [(s.start, s.end) for s in analyzer.find(text) if s.entity_type == "AGE"]
    return all(any(s <= i < e for s, e in spans) for i in range(at, at + len(age)))


# ---- 1. Clinical shorthand --------------------------------------------------------------------

@pytest.mark.parametrize(("text", "age"), [
    ("Pt: Oyelaran, Babatunde  M/47  c/o chest tightness x2 days. NKDA.", "47"),
    ("Triage note: F/72, fall at home, lives alone.", "72"),
    ("Bed 4 - Kowalczyk, Tomasz - M/81 - post-op day 2.", "81"),
    ("Referral: F/35 with 3/12 hx of fatigue.", "35"),
    ("Pt 47M with chest pain since this morning.", "47"),
    ("33F presenting with severe headache.", "33"),
    ("Handover - 90F, delirium, family visiting.", "90"),
    ("Pt is a 62 y.o. female with known AF.", "62"),
    ("The patient is a 39yo man with no PMH.", "39"),
    ("Mrs Delacroix, an 84-yr-old widow, lives alone.", "84"),
    ("Case: a 52 year old builder fell from scaffolding.", "52"),
])
def test_clinical_sex_and_age(strict: Analyzer, text: str, age: str) -> None:
    assert masked(strict, text, age)


# ---- 2. A name and the age in brackets --------------------------------------------------------

@pytest.mark.parametrize(("text", "age"), [
    ("Pt Grace Hsu (41) presents with migraine.", "41"),
    ("Witness Kerstin Aalto (64) said she heard two shots.", "64"),
    ("Nurse Efua Boateng (41) received a bravery award.", "41"),
    ("Manager Sione Tupou (39) runs the warehouse.", "39"),
    ("Climber Anouk de Vries (26) survived three nights in the snow.", "26"),
])
def test_name_with_age_in_brackets(strict: Analyzer, text: str, age: str) -> None:
    assert masked(strict, text, age)


# ---- 3. Chat ----------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "age"), [
    ("happy bday tiggy!!! can't believe ur 30 🎉", "30"),
    ("wait ur 35?? u look way younger", "35"),
    ("lol you're 50 now, deal with it", "50"),
    ("she's turning 40", "40"),
    ("he's turning 60 in june so we're planning a party", "60"),
    ("bro turns 16 on sunday", "16"),
    ("u r 25 not 52 stop acting old", "25"),
])
def test_chat_age(strict: Analyzer, text: str, age: str) -> None:
    assert masked(strict, text, age)


# ---- 4. Other languages -----------------------------------------------------------------------

@pytest.mark.parametrize(("text", "age"), [
    ("Ein 45-jähriger Mann aus Dortmund wurde festgenommen.", "45"),
    ("Ông Lê Văn Hùng, 60 tuổi, trú tại Đà Nẵng.", "60"),
    ("Mi abuela tiene 80 años.", "80"),
    ("Elle a 33 ans et travaille à Lyon.", "33"),
    ("Ona ma 40 lat.", "40"),
    ("Er ist 40 Jahre alt.", "40"),
    ("彼は40歳です", "40"),
    ("그는 40세입니다", "40"),
    ("他今年40岁", "40"),
    ("Een 23-jarige man is aangehouden.", "23"),
])
def test_age_in_other_languages(strict: Analyzer, text: str, age: str) -> None:
    assert masked(strict, text, age)


# ---- 5. Tables and a program's data -----------------------------------------------------------

@pytest.mark.parametrize(("text", "found_ages"), [
    ("employee_id;name;age;office\n7781;Ragnhild Sæther;39;Bergen", ["39"]),
    ('users = [("Hemi Parata", 44), ("Lucinda Spry", 29)]', ["44", "29"]),
    ("patients = [('Ilse Brandt', 81), ('Jonah Whitfield', 9)]", ["81", "9"]),
    ('rows = [["Santiago Ruiz", 42, "Bogotá"]]', ["42"]),
])
def test_table_and_pairs(strict: Analyzer, text: str, found_ages: list[str]) -> None:
    assert all(masked(strict, text, a) for a in found_ages)


def test_tab_separated_table(strict: Analyzer) -> None:
    text = "name\tage\tdept\nRania Haddad\t31\tFinance"
    assert masked(strict, text, "31")


# ---- 6. The answer to "Age?" ------------------------------------------------------------------

@pytest.mark.parametrize(("text", "age"), [
    ("Q: Age?\nA: 16 (nearly 17)", "16"),
    ("Q: Age?\nA: 42", "42"),
    ("Q: How old are you?\nA: 27 (almost 28)", "27"),
])
def test_answer_to_age_question(strict: Analyzer, text: str, age: str) -> None:
    assert masked(strict, text, age)


# ---- 7. Numbers beside those frames that are no age -------------------------------------------

@pytest.mark.parametrize("text", [
    "Use M/2 bolts for the bracket.",
    "The F/8 lens is sharp.",
    "Shot at F/8, ISO 100.",
    "apertures F/2, F/4 and F/8.",
    "Mem: 64M, swap: 8M",
    "We raised $40M with investors.",
    "Room (41) is on the left.",
    "Apartment (41) is on the second floor.",
    "version 40 was released",
    "That was 40 years ago.",
    "She worked there for 40 years.",
    "music of the 40s",
    "il y a 40 ans",
    "Hace 30 años que vivo aquí.",
    "It turned 12 on Monday.",
    "the counter turns 16 on Monday",
    "I'm 5 in line.",
    "The B/47 bus runs every ten minutes.",
    'pairs = [("Release Notes", 12)]',
    "Q: Which chapter?\nA: 12 (nearly done)",
])
def test_no_age(strict: Analyzer, text: str) -> None:
    assert ages(strict, text) == []


@pytest.mark.parametrize(("text", "value"), [
    ("Ей 34 года.", "34 года"), ("Umurnya 34 tahun.", "34 tahun"), ("είναι 34 ετών", "34 ετών"),
    ("Siya ay 34 taong gulang.", "34 taong gulang"),
])
def test_an_age_with_its_unit_in_more_languages(strict: Analyzer, text: str, value: str) -> None:
    assert masked(strict, text, value)
