"""Chinese identifiers: resident ID check digit and birth date, mobile formats, bank cards."""

from __future__ import annotations

import datetime as dt

import pytest

from appliance.privacy.recognizers_zh import (
    CnBankCardRecognizer,
    CnMobileRecognizer,
    CnPersonRecognizer,
    CnResidentIdRecognizer,
    luhn_valid,
    resident_id_valid,
)

TODAY = dt.date(2026, 11, 22)


def found(recognizer, text: str) -> list[str]:
    entity = recognizer.supported_entities[0]
    return [text[r.start:r.end] for r in recognizer.analyze(text, [entity])]


@pytest.mark.parametrize(("value", "ok"), [
    ("11010519491231002X", True),    # GB 11643 example, check digit X
    ("11010519491231002x", True),    # lower-case x
    ("110105194912310021", False),   # wrong check digit
    ("110105194902300023", False),   # 30 February
    ("110105203012310029", False),   # born in the future
    ("010105194912310021", False),   # region cannot start with 0
    ("110105491231002", True),       # legacy 15-digit, born 1949-12-31
    ("110105491331002", False),      # legacy with month 13
])
def test_resident_id_validation(value: str, ok: bool) -> None:
    assert ok == resident_id_valid(value, TODAY)


def test_resident_id_in_text_only_when_valid() -> None:
    rec = CnResidentIdRecognizer(today=lambda: TODAY)
    text = "编号11010519491231002X，错号110105194912310021，订单号 202611220001234567"
    assert ["11010519491231002X"] == found(rec, text)


def test_resident_id_near_miss_after_a_cue_word_is_still_masked() -> None:
    """A mistyped check digit right after 身份证号 is somebody's ID all the same: masked at a
    lower score. Without the cue a failed check is not an ID."""
    rec = CnResidentIdRecognizer(today=lambda: TODAY)
    (near,) = rec.analyze("身份证号 110105194912310021", ["CN_RESIDENT_ID"])
    (exact,) = rec.analyze("身份证号 11010519491231002X", ["CN_RESIDENT_ID"])
    assert 0.4 <= near.score < exact.score
    assert [] == found(rec, "流水 110105194912310021")
    assert ["110105 19491231 002X"] == found(rec, "ID card: 110105 19491231 002X")


@pytest.mark.parametrize("number", [
    "13800138000", "138 0013 8000", "138-0013-8000", "+86 138 0013 8000", "+8613800138000",
    "0086-138-0013-8000", "19912345678", "138.0013.8000", "1 3 8 0 0 1 3 8 0 0 0",
    "(+86) 138 0013 8000",
])
def test_mobile_formats(number: str) -> None:
    assert [number] == found(CnMobileRecognizer(), f"电话：{number}。")


@pytest.mark.parametrize("text", ["版本 1.38.0013.8000", "订单 1380013800012", "12800138000"])
def test_mobile_distractors(text: str) -> None:
    assert [] == found(CnMobileRecognizer(), text)


def test_bank_cards_need_luhn_and_16_to_19_digits() -> None:
    rec = CnBankCardRecognizer()
    assert luhn_valid("6222021234567890128")
    assert ["6222 0212 3456 7890 128"] == found(rec, "卡号 6222 0212 3456 7890 128 谢谢")
    assert [] == found(rec, "编号 6222 0212 3456 7890 127")       # Luhn fails, no cue
    (near,) = rec.analyze("卡号 6222 0212 3456 7890 127", ["CN_BANK_CARD"])  # cue word
    assert 0.4 <= near.score < 0.7
    assert [] == found(rec, "编号 622202123456789")                # 15 digits
    unionpay = rec.analyze("6222021234567890128", ["CN_BANK_CARD"])[0]
    other = rec.analyze("4111111111111111", ["CN_BANK_CARD"])[0]
    assert unionpay.score > other.score


@pytest.mark.parametrize(("text", "name"), [
    ("我叫王伟，今天来办理业务。", "王伟"),
    ("联系人：欧阳娜娜 电话", "欧阳娜娜"),
    ("请转告李明先生。", "李明"),
    ("客户张三丰的卡号", "张三丰"),
    ("姓名：刘洋", "刘洋"),
])
def test_chinese_names_after_or_before_a_cue(text: str, name: str) -> None:
    assert [name] == found(CnPersonRecognizer(), text)


@pytest.mark.parametrize("text", ["王国很大", "黄河流经九个省", "张家界的风景"])
def test_surname_characters_without_a_cue_are_not_names(text: str) -> None:
    assert [] == found(CnPersonRecognizer(), text)
