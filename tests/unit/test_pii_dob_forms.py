"""Dates of birth beyond English forms (issue 37): birth words in other languages, dates in
their own styles (month names, ordinals, two-digit years, CJK, month and year only), a bare
year only in a birth frame, and answers a line after their birth question; and the dates,
years and "born" that are no date of birth."""

from __future__ import annotations

import pytest

from appliance.privacy.masker import mask_texts


def birth_dates(analyzer, text: str) -> list[str]:
    findings = mask_texts(analyzer, [text]).findings[0]
    return [text[f.start:f.end] for f in findings if f.entity_type == "DATE_OF_BIRTH"]


@pytest.mark.parametrize(("text", "value"), [
    ("Personalien: Jürgen Weißhaupt, geb. 23.06.1971, wohnhaft in Köln", "23.06.1971"),
    ("Patientin, geboren am 4. März 1958, klagt über Schwindel.", "4. März 1958"),
    ("Geburtsmonat und -jahr: Juni 1966", "Juni 1966"),
    ("Wir trauern um Karl Bauer (* 2.4.1945)", "2.4.1945"),
    ("Nom : Kouassi  Prénom : Aya  Né(e) le : 08/08/1988  Tél : 0102030405", "08/08/1988"),
    ("Date de naissance : 14 février 1979", "14 février 1979"),
    ("F. nac.: 03/11/1990", "03/11/1990"),
    ("Yo nací el 8 de agosto de 1988 en Sevilla.", "8 de agosto de 1988"),
    ("Cognome e nome: Rossi Anna\nData di nascita: 12/05/1961", "12/05/1961"),
    ("nata a Torino il 30 novembre 1939", "30 novembre 1939"),
    ("Paulo Souza, nascido em 3 de novembro de 1945, natural de Recife", "3 de novembro de 1945"),
    ("Jan de Vries, geboren op 17-09-1977 te Utrecht", "17-09-1977"),
    ("Anna Nowak, ur. 5 sierpnia 1988 r. w Krakowie", "5 sierpnia 1988 r."),
    ("Doğum tarihim 21.04.1993", "21.04.1993"),
    ("08.08.1988 tarihinde doğdum.", "08.08.1988"),
    ("Дата рождения: 9 мая 1950 г.", "9 мая 1950 г."),
    ("Иванов И. И., 12.03.1964 года рождения, проживает в Казани", "12.03.1964"),
    ("1988年8月8日生まれ、東京都出身。", "1988年8月8日"),
    ("생년월일: 1988년 8월 8일", "1988년 8월 8일"),
    ("1990.03.05생 김민수입니다.", "1990.03.05"),
    ("王芳，1975年6月2日出生，汉族", "1975年6月2日"),
    ("出生年月：1988年10月", "1988年10月"),
    ("Fecha de Nac: 12-10-1985", "12-10-1985"),
    ("Дата рождения — 01.02.1990", "01.02.1990"),
    ("생일: 1990년 1월 2일", "1990년 1월 2일"),
    ("nacque il 4 luglio 1950 a Napoli", "4 luglio 1950"),
    ("Họ tên: Trần Văn Bảo, ngày sinh: 21/07/1984", "21/07/1984"),
    ("Nama: Siti Rahma, tanggal lahir 9 Agustus 1991", "9 Agustus 1991"),
    ("Tarikh lahir: 15 Julai 1979", "15 Julai 1979"),
    ("Petsa ng kapanganakan: Hunyo 12, 1993", "Hunyo 12, 1993"),
    ("Tarehe ya kuzaliwa: 02/05/1987", "02/05/1987"),
    ("जन्म तिथि: 11/11/1975", "11/11/1975"),
    ("تاريخ الميلاد: 1982/04/30", "1982/04/30"),
    ("Ημερομηνία γέννησης: 17/02/1969", "17/02/1969"),
    ("วันเกิด 5 สิงหาคม 2530", "5 สิงหาคม 2530"),
    ("תאריך לידה: 08/10/1990", "08/10/1990"),
    ("Personnummer saknas, född 1971-03-28", "1971-03-28"),
])
def test_a_birth_word_in_another_language_marks_the_date(analyzer, text: str,
                                                         value: str) -> None:
    """A birth word of the writer's language before (or after) the date, in that
    language's date style, marks the date as a date of birth."""
    assert [value] == birth_dates(analyzer, text)


@pytest.mark.parametrize(("text", "value"), [
    ("my dob is 7 Jan 01 and postcode SW1A 1AA", "7 Jan 01"),
    ("born June 3rd '66 in Tulsa", "June 3rd '66"),
    ("I was born June 1966 in Leeds.", "June 1966"),
    ("DOB 10/1988", "10/1988"),
])
def test_english_dates_in_short_and_partial_forms(analyzer, text: str, value: str) -> None:
    """Two-digit years after a month's name, '66, and a month with its year only."""
    assert [value] == birth_dates(analyzer, text)


@pytest.mark.parametrize(("text", "value"), [
    ("Q: When were you born?\nA: the 3rd of June, 1966", "the 3rd of June, 1966"),
    ("问：您的出生年月？\n答：1988年10月", "1988年10月"),
    ("Q: What year were you born?\nA: 1999, so 25.", "1999"),
    ("F: Wann sind Sie geboren?\nA: 23. Juni 1971", "23. Juni 1971"),
    ("—¿Cuándo naciste?\n—El 8 de agosto de 1988", "8 de agosto de 1988"),
    ("問：生年月日を教えてください。\n答：1985年3月14日です。", "1985年3月14日"),
    ("Interviewer: And what year were you born?\nMaggie: 1954, I think.", "1954"),
    ("Agent: can I take your date of birth please?\nCaller: yeah it's nine oh four seventy six",
     "nine oh four seventy six"),
])
def test_an_answer_a_line_after_its_birth_question(analyzer, text: str, value: str) -> None:
    """The answer to a birth question in any of these languages is a date of birth, a bare
    year too when it opens the answer."""
    assert [value] == birth_dates(analyzer, text)


@pytest.mark.parametrize(("text", "value"), [
    ("RIP Uncle Bartek, 1951–2024", "1951"),
    ("Anna Smith (b. 1962) is a painter.", "1962"),
    ("He was born 1951 in Cork.", "1951"),
    ("In loving memory of Tom Hale (2009–2016)", "2009"),
    ("Maria Kowalska (1931–2019) taught in Lublin.", "1931"),
    ("Geboren: 1977", "1977"),
    ("Grace Hopper (b. 9 December 1906)", "9 December 1906"),
])
def test_a_bare_year_in_a_birth_frame(analyzer, text: str, value: str) -> None:
    """A year alone is a birth year after "born", after "b." in a biography's brackets, and
    as the first year of a person's life span."""
    assert [value] == birth_dates(analyzer, text)


def test_a_birth_date_column_named_in_another_language(analyzer) -> None:
    """A record's date-of-birth column or key in another language marks its dates."""
    text = "nom,date_de_naissance\nAya Kouassi,08/08/1988\nJean Dupont,1975-02-03"
    assert ["08/08/1988", "1975-02-03"] == birth_dates(analyzer, text)
    assert ["23.06.1971"] == birth_dates(analyzer, '{"geburtsdatum": "23.06.1971", "plz": 1}')


@pytest.mark.parametrize("text", [
    "in 1999 we moved to Bath",
    "invoice date 23.06.1971",
    "version 1.2.2001",
    "Rechnungsdatum: 23.06.1971",
    "Rendez-vous le 08/08/2025 à 10h",
    "La NATO il 04/04/1949 fu fondata.",
    "our first-born started school 12/03/2020",
    "a born-again cyclist since 2001",
    "born and raised in Leeds, moved in 2004",
    "see section b. 2019 figures",
    "Annual Revenue, 1990–2020, is in the appendix",
    "Growth Strategy (2019–2024) approved",
    "Protokoll\n* 12.03.2024 Teamsitzung\n* 19.03.2024 Review",
    "Q: When does the contract start?\nA: 01/09/2025",
    "Agent: confirm your DOB please.\nCaller: hang on, I moved here in 2019.",
    "发票日期：2024年3月1日",
    "2024年我们搬了家。",
    "Our team was born in 2019 out of a hackathon",
    "Meeting minutes (2001–2024) archive",
    "Stand: März 2024",
])
def test_dates_and_years_no_birth_frame_claims(analyzer, text: str) -> None:
    """Dates under other cues, years in prose, "born" with no date and life-span look-alikes
    are no dates of birth."""
    assert [] == birth_dates(analyzer, text)


@pytest.mark.parametrize(("text", "dob"), [
    ("Products (b. 2019) were discontinued.", None),
    ("Fiscal years (b. 2021) are listed.", None),
    ("See Section 4, b. 2019 guidelines.", None),
    ("Smith (b. 1962) joined the board.", "1962"),
    ("Jan Kowalski, b. 1962, joined in 2001.", "1962"),
])
def test_b_dot_is_born_only_after_a_name(analyzer, text: str, dob: str | None) -> None:
    found = [text[f.start:f.end] for f in mask_texts(analyzer, [text]).findings[0]
             if f.entity_type == "DATE_OF_BIRTH"]
    assert found == ([dob] if dob else [])


@pytest.mark.parametrize(("text", "value"), [
    ("Agent: can you confirm your date of birth? Caller: yeah, the fourth of may 1988.",
     "the fourth of may 1988"),
    ("Officer: Your date of birth, sir? Driver: nineteenth of July, nineteen seventy-nine.",
     "nineteenth of July, nineteen seventy-nine"),
    ("Agent: date of birth please. Customer: twelve oh three eighty five",
     "twelve oh three eighty five"),
    ("what's your date of birth? the second of march 1979", "the second of march 1979"),
])
def test_a_question_and_its_answer_on_one_line(analyzer, text: str, value: str) -> None:
    """Chat exports and notes write a dialogue on one line: the answer after the turn that
    asks for the birth date, read out or written, is the date of birth."""
    assert [value] == birth_dates(analyzer, text)


@pytest.mark.parametrize("text", [
    "When was the contract signed? 12/03/2020",
    "Agent: when did the outage start? Caller: 3 March 2024.",
    "Agent: and your date of birth? Caller: hang on. Agent: when did you last log in? "
    "Caller: 4 May 2024.",
])
def test_other_questions_answered_on_one_line_are_no_birth_date(analyzer, text: str) -> None:
    assert [] == birth_dates(analyzer, text)


@pytest.mark.parametrize("text", [
    "Chi phí phát sinh ngày 12/05/2023 đã được thanh toán.",
    "Lỗi phát sinh ngày 03/04/2024 trên máy chủ.",
    "Produk ini lahir pada 12 Maret 2023.",
])
def test_birth_words_inside_other_phrases_are_no_cue(analyzer, text: str) -> None:
    """"phát sinh ngày" (arisen on) holds the Vietnamese birth words; an Indonesian product
    "born on" a date is figurative."""
    assert [] == birth_dates(analyzer, text)
