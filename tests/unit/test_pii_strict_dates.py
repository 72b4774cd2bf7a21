"""The strict profile's dates in other languages and in words (issue 37): weekdays and month
names of the languages people write here, today/tomorrow/yesterday in them, Chinese, Japanese
and Korean relative dates, "end of March", "by the twentieth", a day and month without a year
after a date's preposition; and the numbers and words that are no date."""

from __future__ import annotations

import pytest

from appliance.privacy.masker import mask_texts


def dates(analyzer, text: str) -> list[str]:
    return [text[f.start:f.end] for f in mask_texts(analyzer, [text]).findings[0]
            if f.entity_type == "DATE_TIME"]


def masked(analyzer, text: str) -> list[str]:
    return [text[f.start:f.end] for f in mask_texts(analyzer, [text]).findings[0]]


@pytest.mark.parametrize(("text", "date"), [
    ("Te confirmo la reunión el jueves 9 de abril en Valencia.", "jueves 9 de abril"),
    ("Salut ! On se retrouve à Lyon samedi ?", "samedi"),
    ("Cześć, jutro o 9 spotkanie w Krakowie.", "jutro"),
    ("Lütfen yarın sabaha kadar sıfırlayın.", "yarın"),
    ("VPN bricht seit gestern ständig ab.", "gestern"),
    ("Møtet er flyttet til fredag.", "fredag"),
    ("Договор подпишем в понедельник.", "в понедельник"),
    ("Nous accusons réception de votre dossier daté du 2 septembre.", "2 septembre"),
    ("ραντεβού στις 20 Μαΐου", "20 Μαΐου"),
    ("希望今天下班前处理。", "今天下班前"),
    ("庭审改期至下月十五号。", "下月十五号"),
    ("两周后复查。", "两周后"),
    ("来週の火曜日に打ち合わせです。", "来週の火曜日"),
    ("3월 2일부터 출근합니다.", "3월 2일"),
    ("Action: send revised budget by end of March.", "end of March"),
    ("he wants the report by the twentieth", "the twentieth"),
    ("Driver: van 14, shift Sat 11th", "Sat 11th"),
    ("Re-delivery booked for 12/03, signature required.", "12/03"),
    ("Dentist @ Smile Studio 24/03 4.15pm", "24/03"),
])
def test_a_date_in_another_language_or_in_words(strict, text: str, date: str) -> None:
    # (masked whole, as a date or under a type another recognizer gave the same words)
    assert any(date in found for found in masked(strict, text))


@pytest.mark.parametrize("text", [
    "Support is open 24/7; mix 3/4 cup of flour.",
    "订单号 2026120700158 已发货，预计三天内送达。",
    "Take the lift to the first floor; from the second of them on.",
    "Guten Morgen, the pazar is open; Quinta do Lago; segunda opção.",
])
def test_no_date_there(strict, text: str) -> None:
    assert dates(strict, text) == []
