"""Look-alikes stay: order, batch, SKU and case numbers after their cue words, ISBNs, GB/ISO
standard numbers and timestamps are not phone numbers or IDs — and real PII written next to
them is still masked.

The look-alikes are generated here (seeded), by kind, independently of the recognizers.
"""

from __future__ import annotations

import datetime as dt
import random

import pytest

from appliance.privacy.lookalikes import isbn_valid, lookalike_spans
from appliance.privacy.masker import mask_texts
from tests.data.pii_corpus import _cn_id, _luhn_complete


def masked(analyzer, text: str) -> str:
    return mask_texts(analyzer, [text]).texts[0]


def _isbn13(rng: random.Random) -> str:
    body = rng.choice(["978", "979"]) + "".join(rng.choice("0123456789") for _ in range(9))
    check = (10 - sum(int(c) * (1 if i % 2 == 0 else 3) for i, c in enumerate(body)) % 10) % 10
    s = body + str(check)
    return rng.choice([s, f"{s[:3]}-{s[3]}-{s[4:6]}-{s[6:12]}-{s[12]}",
                       f"{s[:3]}-{s[3]}-{s[4:7]}-{s[7:12]}-{s[12]}"])


def _isbn10(rng: random.Random) -> str:
    body = "".join(rng.choice("0123456789") for _ in range(9))
    check = (11 - sum((10 - i) * int(c) for i, c in enumerate(body)) % 11) % 11
    s = body + ("X" if check == 10 else str(check))
    return rng.choice([s, f"{s[0]}-{s[1:4]}-{s[4:9]}-{s[9]}"])


def _timestamp(rng: random.Random) -> str:
    t = dt.datetime(2020, 1, 1, tzinfo=dt.UTC) + dt.timedelta(seconds=rng.randrange(0, 6 * 365 * 86400))
    return t.strftime(rng.choice(["%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%SZ", "%Y/%m/%d %H:%M",
                                  "%d/%m/%Y %H:%M:%S", "%Y-%m-%d %H:%M:%S,123"]))


def _digits(rng: random.Random, n: int) -> str:
    return str(rng.randrange(1, 10)) + "".join(rng.choice("0123456789") for _ in range(n - 1))


def lookalikes(seed: int = 7) -> dict[str, list[str]]:
    """Kind -> texts, several per kind, each with one look-alike and nothing personal."""
    rng = random.Random(seed)
    out: dict[str, list[str]] = {}
    out["order"] = [rng.choice(["订单号{}", "订单号码：{}", "您的订单{}已发货", "Order {} shipped",
                                "order no. {} was refunded", "Order ID: {}",
                                "PO {} approved", "Your order number is {}."]).format(
        _digits(rng, rng.choice([10, 11, 12, 14]))) for _ in range(8)]
    out["batch"] = [rng.choice(["Batch {} failed QC", "batch no. {}", "批号 {}", "批次号{}",
                                "Lot {} recalled"]).format(
        rng.choice([_digits(rng, 11), f"{_digits(rng, 6)}-{_digits(rng, 4)}"]))
        for _ in range(6)]
    out["sku"] = [rng.choice(["SKU {} out of stock", "SKU: {}", "货号 {}", "EAN {}",
                              "item #{} restocked"]).format(_digits(rng, rng.choice([10, 13])))
                  for _ in range(6)]
    out["case"] = [rng.choice(["Case number {} opened", "case no. {}", "Ticket #{}",
                               "工单 {} 已关闭", "tracking {} in transit", "运单号{}"]).format(
        rng.choice([f"{rng.randrange(2019, 2027)}-{_digits(rng, 7)}", _digits(rng, 12)]))
        for _ in range(6)]
    out["isbn"] = [rng.choice(["ISBN {}", "ISBN: {}", "书号 ISBN {}", "The book {} is out.",
                               "ISBN-13 {}"]).format(_isbn13(rng)) for _ in range(5)]
    out["isbn"] += [rng.choice(["ISBN {}", "ISBN-10: {}", "see ISBN {} (2nd ed.)"]).format(
        _isbn10(rng)) for _ in range(4)]
    out["standard"] = [
        "Text must be encoded as GB 18030-2022.", "Dates follow ISO 8601.",
        "References use GB/T 7714-2015.", "We comply with ISO/IEC 27001:2013.",
        "Per IEC 62443-3-3 and EN 1090-2:2018.", "See ISO 8601:2004 section 4.",
        "执行标准：GB/T 19001-2016", "按 GB 2312-1980 编码",
    ]
    out["timestamp"] = [rng.choice(["{} ERROR connection reset", "[{}] user login",
                                    "Call log: {} incoming", "联系时间 {}", "Phone support at {}",
                                    "The job ran at {} and stopped."]).format(_timestamp(rng))
                        for _ in range(10)]
    return out


def test_generated_isbns_pass_their_own_check() -> None:
    """The generator writes valid ISBNs (else the test below would measure nothing)."""
    rng = random.Random(1)
    assert all(isbn_valid(_isbn13(rng)) and isbn_valid(_isbn10(rng)) for _ in range(50))
    assert not isbn_valid("978-3-16-148410-1")


@pytest.mark.parametrize("kind", sorted(lookalikes()))
def test_lookalikes_are_not_masked(analyzer, kind: str) -> None:
    """No order, batch, SKU or case number, ISBN, standard number or timestamp is masked."""
    texts = lookalikes()[kind]
    assert len(texts) >= 4
    assert [] == [(t, masked(analyzer, t)) for t in texts if masked(analyzer, t) != t]


def test_the_time_of_a_timestamp_is_never_part_of_a_phone_number(analyzer) -> None:
    """Regression: ``2025-08-16 05:41:53`` became ``<PHONE_NUMBER_2>:41:53``."""
    text = "Phone log 2025-08-16 05:41:53: customer called"
    assert text == masked(analyzer, text)


@pytest.mark.parametrize(("text", "kept", "placeholder"), [
    ("订单号20243615473800，手机13812345678", "20243615473800", "<CN_MOBILE_1>"),
    ("Order 4155550132 shipped; call me at 415-555-0132.", "4155550132", "<PHONE_NUMBER_1>"),
    ("2025-08-16 05:41:53 call from +1 415 555 0132", "2025-08-16 05:41:53",
     "<PHONE_NUMBER_1>"),
    ("ISBN 0-306-40615-2, author phone (212) 555-0199", "0-306-40615-2", "<PHONE_NUMBER_1>"),
    ("Batch 230815-0042 handled by ann.lee@example.com", "230815-0042", "<EMAIL_ADDRESS_1>"),
    ("GB 18030-2022 审核人手机 139 0000 1234", "GB 18030-2022", "<CN_MOBILE_1>"),
    ("Case no. 2023-0012345, SSN 536-22-8726", "2023-0012345", "<US_SSN_1>"),
    ("SKU 4006381333931 sold to John Smith", "4006381333931", "<PERSON_1>"),
])
def test_real_pii_next_to_lookalikes_is_still_masked(analyzer, text: str, kept: str,
                                                     placeholder: str) -> None:
    out = masked(analyzer, text)
    assert kept in out
    assert placeholder in out


def test_a_checksum_outweighs_the_cue_word(analyzer) -> None:
    """A Luhn-valid card number or a valid resident ID after an order cue is still masked:
    the check digit is stronger evidence than the word before it."""
    rng = random.Random(3)
    card, cn_id = _luhn_complete("4", 16, rng), _cn_id(rng)
    assert "order <CREDIT_CARD_1>" == masked(analyzer, f"order {card}")
    assert "订单号<CN_RESIDENT_ID_1>" == masked(analyzer, f"订单号{cn_id}")


def test_a_cue_word_covers_only_the_value_right_after_it() -> None:
    """The reference span ends with its value: a number further on is not covered."""
    text = "order 12345 then 4155550132"
    assert [(6, 11)] == lookalike_spans(text)


@pytest.mark.parametrize(("text", "value"), [
    ("card 2720-3892-2431-4080 ts=1533950364714", "1533950364714"),
    ('{"created_at": 1700000000}', "1700000000"),
    ("（2020）沪0105民初1234号", "（2020）沪0105民初1234号"),
])
def test_unix_times_and_case_numbers_are_lookalikes(text: str, value: str) -> None:
    assert [value] == [text[s:e] for s, e in lookalike_spans(text)]


def test_a_ten_digit_number_without_a_time_key_is_no_unix_time() -> None:
    assert [] == lookalike_spans("call 1533950364 now")
