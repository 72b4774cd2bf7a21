"""Numeric look-alikes in other languages and registers (issue 37): order and invoice numbers
after a cue word in German, French, Spanish, Italian, Dutch, Polish, Japanese and Korean,
meeting and dial-in codes, software versions and OIDs are not phone numbers or IP addresses —
and a phone number after a phone cue, or an IP address in a log line, written with the same
shapes in the same sentence, is still masked.

The values are generated here (seeded), in digit groups phone numbers also use.
"""

from __future__ import annotations

import random

import pytest

from appliance.privacy.lookalikes import lookalike_spans
from appliance.privacy.masker import mask_texts

ORDERS = [
    "Bestellnummer {v}, Lieferung in 2 Werktagen.",
    "Die Bestellung {v} wurde am Lager verpackt.",
    "Rechnungs-Nr. {v} liegt bei.",
    "Aktenzeichen: {v}",
    "Número de pedido: {v}. Gracias por su compra.",
    "N° de commande : {v}",
    "Il suo numero d'ordine è {v}.",
    "Factuurnummer {v}",
    "Numer zamówienia: {v}",
    "注文番号：{v}",
    "주문번호 {v} 배송 준비 중입니다.",
    "Ordernummer {v} wordt vandaag geleverd.",
]
MEETINGS = [
    "Meeting ID: {v} · Passcode: 551902",
    "Dial-in code: {v}#",
    "Conference ID: {v}#",
    "Konferenz-ID: {v}",
    "ID de réunion : {v}",
    "会議ID：{v}",
    "회의 ID: {v}",
]
VERSIONS = [
    "Patch {v} fixes the memory leak.",
    "Upgrade to version {v} tonight.",
    "Running firmware v{v}.",
    "La versión {v} corrige el error.",
]


def _digits(rng: random.Random, n: int) -> str:
    return str(rng.randint(1, 9)) + "".join(str(rng.randint(0, 9)) for _ in range(n - 1))


def _grouped(rng: random.Random) -> str:
    shape = rng.choice([(4, 4, 2), (2, 4, 4), (3, 3, 4), (3, 4, 4), (3, 3, 3), (4, 5)])
    return rng.choice(["-", " "]).join(_digits(rng, n) for n in shape)


def _version(rng: random.Random) -> str:
    return ".".join(str(rng.randint(0, 200)) for _ in range(4))


def masked(analyzer, text: str) -> str:
    return mask_texts(analyzer, [text]).texts[0]


def _texts(frames: list[str], value, seed: int) -> list[tuple[str, str]]:
    rng = random.Random(seed)
    return [(f.replace("{v}", v), v) for f in frames for v in (value(rng) for _ in range(3))]


@pytest.mark.parametrize(("frames", "value"), [(ORDERS, _grouped), (MEETINGS, _grouped),
                                               (VERSIONS, _version)],
                         ids=["order", "meeting", "version"])
def test_lookalikes_in_other_languages_are_not_masked(analyzer, frames, value) -> None:
    """The number stays (what the NER model makes of the words around it is another matter)."""
    texts = _texts(frames, value, 37)
    assert [] == [(t, out) for t, v in texts if v not in (out := masked(analyzer, t))]


@pytest.mark.parametrize("text", [
    "OID 1.3.6.1.4.1.2021.10.1.3.1 returned 0.42",
    "snmpwalk -v2c -c public host 1.3.6.1.2.1.1.3.0",
    "Section 4.2.1.3.7 of the manual covers it.",
])
def test_a_dotted_run_of_more_than_four_numbers_is_no_ip_address(analyzer, text: str) -> None:
    assert text == masked(analyzer, text)


@pytest.mark.parametrize("text", [
    "Bestellnummer 4400-2291-88 – bei Fragen Telefon 030 12345678.",
    "Número de pedido: 55-8812-9031. Teléfono: 612 345 678",
    "Meeting ID: 842 1193 2270 · or call me on 0151 2345 6789",
    "주문번호 20250311-000482 전화번호: 010-1234-5678",
    "注文番号：4400-2291-88 電話：03-1234-5678",
    "Zadzwoń pod 669 236 685. Faktura nr 292-284-8850 w załączniku.",
    "Chiamaci al 347 123 4567. Il suo numero d'ordine è 2024-99812.",
])
def test_a_phone_number_beside_a_lookalike_is_still_masked(analyzer, text: str) -> None:
    out = masked(analyzer, text)
    kept = [v for v in ("030 12345678", "612 345 678", "0151 2345 6789", "010-1234-5678",
                        "03-1234-5678", "669 236 685", "347 123 4567") if v in out]
    assert [] == kept, out
    # … and the look-alike beside it stays.
    assert any(v in out for v in ("4400-2291-88", "55-8812-9031", "842 1193 2270",
                                  "20250311-000482", "292-284-8850", "2024-99812")), out


@pytest.mark.parametrize("text", [
    "2025-03-11 08:14:22 INFO connection from 10.20.30.40 accepted",
    "Failed password for root from 192.168.17.4 port 22 ssh2",
    "IP 172.16.5.9.443 > 10.0.0.1.51514: Flags [S]",
])
def test_an_ip_address_in_a_log_line_is_still_masked(analyzer, text: str) -> None:
    out = masked(analyzer, text)
    assert not any(ip in out for ip in ("10.20.30.40", "192.168.17.4", "172.16.5.9")), out


@pytest.mark.parametrize("text", [
    "Kundennummer 4400-2291-88",
    "Dial-in number: 030 1234 5678",
    "Service suivi : 01 23 45 67 89",
    "ご注文は 03-1234-5678 まで",
])
def test_cues_that_name_a_person_or_a_phone_line_are_no_lookalikes(text: str) -> None:
    """A customer number names a person; a dial-in number, a service line and "ご注文は" (order
    by phone) name a phone number: none of them opens a look-alike."""
    assert [] == lookalike_spans(text)
