"""Structured identifiers written the way a red team writes them: full-width, doubled spaces,
other groupings, wrapped lines, escaped line breaks, glued to CJK text, other countries' phone
formats — and the look-alikes next to them (timestamps, order numbers, versions) that stay.

Each test names one mechanism; the values are made up (valid check digits where the form has
one).
"""

from __future__ import annotations

import pytest

from appliance.privacy.masker import mask_texts
from appliance.privacy.recognizers_phone import other_number, phone_shape
from appliance.privacy.recognizers_zh import card_grouping, luhn_valid, one_separator


def masked(analyzer, text: str) -> str:
    return mask_texts(analyzer, [text]).texts[0]


def luhn_complete(body: str) -> str:
    return next(body + c for c in "0123456789" if luhn_valid(body + c))


def grouped(number: str, sizes: tuple[int, ...], sep: str) -> str:
    parts, i = [], 0
    for n in sizes:
        parts.append(number[i:i + n])
        i += n
    return sep.join(parts)


@pytest.mark.parametrize("text", [
    "服务器地址１９２．１６８．１０．２３无法访问",
    "登录IP为10.24.183.7。",
    "来自172。16。5。9的请求",
])
def test_ip_addresses_full_width_or_glued_to_cjk(analyzer, text: str) -> None:
    assert "<IP_ADDRESS_1>" in masked(analyzer, text)


def test_a_version_glued_to_cjk_is_not_an_ip_address(analyzer) -> None:
    assert "升级到版本2.14.3.1" == masked(analyzer, "升级到版本2.14.3.1")


@pytest.mark.parametrize(("body", "sizes", "sep"), [
    ("50180000000", (4, 4, 4), " "),              # Maestro, 12 digits
    ("352812345678901", (4, 4, 4, 4), "  "),      # JCB, doubled spaces
    ("220012345678901", (4, 4, 4, 4), " - "),     # Mir
    ("3612345678901", (4, 6, 4), " "),            # Diners
    ("60811234567890", (4, 4, 4, 3), "-"),        # RuPay, 15 digits
    ("62123456789012345", (4, 4, 4, 4, 2), "\u00a0"),  # UnionPay 18, NBSP
])
def test_luhn_valid_cards_in_card_groups(analyzer, body: str, sizes: tuple[int, ...],
                                         sep: str) -> None:
    card = grouped(luhn_complete(body), sizes, sep)
    out = masked(analyzer, f"资料：{card}。")
    assert out.count("<") == 1 and not any(g in out for g in card.split(sep)), out


def test_full_width_card_after_a_cue(analyzer) -> None:
    card = luhn_complete("676123456789012")
    wide = "".join(chr(ord(c) + 0xFEE0) for c in card)
    assert "PAN: <CREDIT_CARD_1>" == masked(analyzer, f"PAN: {wide}")


def test_contiguous_card_needs_a_cue(analyzer) -> None:
    card = luhn_complete("5018000000001")
    assert "<CREDIT_CARD_1>" in masked(analyzer, f"Maestro card {card}")


@pytest.mark.parametrize("value", [
    "110108-1992-0517-1907", "320 102 1961 0113 4498", "110108.1992.0517.1907",
    "320102 1961\n0113 4498", "110108-1992-\n0517-1907",
])
def test_resident_ids_in_other_groupings(analyzer, value: str) -> None:
    assert "登记 <CN_RESIDENT_ID_1> 完成" == masked(analyzer, f"登记 {value} 完成")


def test_grouped_resident_id_with_a_failed_check_needs_a_cue(analyzer) -> None:
    assert "<CN_RESIDENT_ID_1>" in masked(analyzer, "身份证号 110108-1992-0517-1908")
    assert "1908" in masked(analyzer, "编号 110108-1992-0517-1908")


@pytest.mark.parametrize("text", [
    "IBAN: GB45 KOHF 9808 4534 6832 38", "账户IBANDE11370400440532013000",
])
def test_iban_after_its_cue_with_a_failed_check(analyzer, text: str) -> None:
    out = masked(analyzer, text)
    assert "<IBAN_CODE_1>" in out and "9808" not in out and "0440" not in out, out


@pytest.mark.parametrize(("text", "placeholder"), [
    ("往来台湾通行证 L62483587", "<CN_TRAVEL_PERMIT_1>"),
    ("港澳通行证：C12345678", "<CN_TRAVEL_PERMIT_1>"),
    ("台胞证号码 08123456", "<CN_TRAVEL_PERMIT_1>"),
    ("往来港澳通行证 ＫＡ１２３４５６７", "<CN_TRAVEL_PERMIT_1>"),
    ("军官证沈字第8995143号", "<CN_PASSPORT_1>"),
    ("士兵证：兵字第12095777号，有效", "<CN_PASSPORT_1>"),
])
def test_travel_permits_and_service_ids_after_their_cue(analyzer, text: str,
                                                        placeholder: str) -> None:
    out = masked(analyzer, text)
    assert placeholder in out and "字第" not in out, out


def test_document_numbers_without_a_cue_stay(analyzer) -> None:
    assert "依据京政字第12号文件" == masked(analyzer, "依据京政字第12号文件")


@pytest.mark.parametrize("number", [
    "04.94.38.88.56",          # France, dotted pairs
    "21 27 70 20",             # Denmark, pairs
    "650-752-7354x549",        # an x-extension
    "(650) 752-7354 ext. 12",
    "96 466712",               # a short national form
    "864-4358",                # a local form
    "702/825-5090",            # area code / number
    "02448638754",             # Italy: contiguous, with its leading 0
    "081234 63635",
    "0501.237.07.59",
])
def test_phone_numbers_in_the_worlds_formats(analyzer, number: str) -> None:
    assert "forward it to <PHONE_NUMBER_1> today" == masked(
        analyzer, f"forward it to {number} today")


def test_number_after_an_escaped_line_break(analyzer) -> None:
    out = masked(analyzer, '{"text": "note\\n0612345678\\nbye"}')
    assert '{"text": "note\\n<PHONE_NUMBER_1>\\nbye"}' == out


@pytest.mark.parametrize("text", ["Tel0612345678", "Telefon 912 310 161",
                                  "请核对Tel.:601 132 792。"])
def test_phone_cue_glued_to_the_number(analyzer, text: str) -> None:
    assert "<PHONE_NUMBER_1>" in masked(analyzer, text)


@pytest.mark.parametrize("text", [
    "2025-08-16 05:41:53 ERROR worker", "下单时间20221203 112833", "订单号20243615473800",
    "批号：452 896 5154", "SKU 551 381 5024", "population 1 402 112 000", "running 6.26.10-181",
    "version 17.16.291", "from 1990-2025", "ZIP 94103-1234", "ISBN 978-7-111-54742-6",
    "GB 18030-2022 and ISO 8601", "total ¥12,345,678.00", "coords 39.9042, 116.4074",
    "ref 0992 7469 7942 8199",
])
def test_lookalikes_stay(analyzer, text: str) -> None:
    assert text == masked(analyzer, text)


@pytest.mark.parametrize(("run", "phone"), [
    ("04 94 38 88 56", True), ("(0755) 8601 2345", True), ("702/825-5090", True),
    ("512-337-578", True), ("1 402 112 000", False), ("12.345.678", False),
    ("2025 08 16", False), ("1990-2025", False), ("94103-1234", False), ("17.16.291", False),
    ("1 2 3 4 5 6 7", False),
])
def test_phone_shape(run: str, phone: bool) -> None:
    """Groupings phone numbers are written in, not those of thousands, dates or versions."""
    assert phone == (phone_shape(run) is not None)


def test_other_number_groupings() -> None:
    assert other_number("600 184 686")  # thousands, unless a cue word says phone
    assert not other_number("600-184-686")  # thousands are never set apart by hyphens


def test_card_grouping_and_separators() -> None:
    assert card_grouping("5018 0000 0009") and card_grouping("3612 345678 9013")
    assert not card_grouping("50180 0000 009")
    assert one_separator("1101 0819 9205") and one_separator("1101-0819 9205-1719")
    assert not one_separator("1101-0819.9205 1719")


@pytest.mark.parametrize("text", ["Pay to NL91.ABNA.0417.1643.00 please.",
                                  "IBAN: DE89-3704-0044-0532-0130-00",
                                  "IBAN: GB00.WEST.1234.5698.7654.32"])
def test_ibans_grouped_by_dots_or_dashes(analyzer, text: str) -> None:
    assert "<IBAN_CODE_1>" in mask_texts(analyzer, [text]).texts[0]


def test_a_dashed_reference_that_fails_mod_97_is_no_iban(analyzer) -> None:
    text = "Ref AB12-3456-7890-1234 is a ticket."
    assert mask_texts(analyzer, [text]).texts[0] == text
