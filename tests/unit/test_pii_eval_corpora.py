"""The independent evaluation corpora (bench/pii_corpora) say what they hold: the same seed
builds the same records, every label points at text inside the record, and identifiers carry
valid check digits (a bad checksum would score a recognizer's correct refusal as a leak)."""

from __future__ import annotations

import re
import unicodedata

import pytest

from bench.pii_corpora import (
    DEFAULT_CLASSES,
    STRICT_CLASSES,
    Record,
    compose,
    handmade_corpus,
    mimesis_corpus,
)
from bench.pii_corpora import checksums as ck

BUILDERS = {"handmade": handmade_corpus.build, "mimesis": mimesis_corpus.build}


def plain(text: str) -> str:
    """Letters and digits only, full-width folded: what a check digit is computed over."""
    return re.sub(r"[^0-9A-Za-z]", "", unicodedata.normalize("NFKC", text))


@pytest.fixture(scope="module", params=sorted(BUILDERS))
def records(request: pytest.FixtureRequest) -> list[Record]:
    return BUILDERS[request.param](100, 11)


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_same_seed_same_records_other_seed_other_records(name):
    """A corpus is a function of its seed."""
    build = BUILDERS[name]
    assert build(40, 3) == build(40, 3)
    assert build(40, 3) != build(40, 4)


def test_labels_are_in_bounds_and_trimmed(records):
    """Every value and look-alike span lies inside its text and starts and ends on a visible
    character, and every class is one the bench scores."""
    for r in records:
        for cls, start, end in r.values:
            assert cls in DEFAULT_CLASSES | set(STRICT_CLASSES)
            assert 0 <= start < end <= len(r.text)
            assert r.text[start:end] == r.text[start:end].strip()
        for start, end in r.lookalikes:
            assert 0 <= start < end <= len(r.text)


def test_values_and_lookalikes_do_not_overlap(records):
    """No character is both PII and a look-alike that must stay."""
    for r in records:
        pii = {i for _, s, e in r.values for i in range(s, e)}
        assert not any(i in pii for s, e in r.lookalikes for i in range(s, e))


CHECKS = {
    "CREDIT_CARD": lambda v: ck.luhn_ok(plain(v)),
    "CN_BANK_CARD": lambda v: ck.luhn_ok(plain(v)),
    "IBAN_CODE": lambda v: ck.iban_ok(plain(v)),
    "CN_RESIDENT_ID": lambda v: ck.cn_id_ok(plain(v)),
    "HK_ID": ck.hk_id_ok,
    "TW_ID": ck.tw_id_ok,
    "CRYPTO": ck.btc_ok,
}


def test_identifiers_carry_valid_check_digits(records):
    """Cards and bank cards pass Luhn, IBANs mod-97, resident IDs GB 11643, HK and TW IDs
    their check digits, Bitcoin addresses Base58Check — as written, adversarial renderings
    included."""
    checked = 0
    for r in records:
        for cls, start, end in r.values:
            if cls in CHECKS:
                assert CHECKS[cls](r.text[start:end]), (cls, r.register)
                checked += 1
    assert checked > 0


def test_checks_reject_a_wrong_digit():
    """The checks themselves catch a changed digit (they are not always true)."""
    import random

    rng = random.Random(1)
    card = ck.luhn_card(rng, "4", 16)
    cn = ck.cn_id(rng, "110101", "19900101")
    iban = ck.iban("DE", "370400440532013000")
    assert "DE89370400440532013000" == iban  # the published example IBAN
    for ok, value in ((ck.luhn_ok, card), (ck.cn_id_ok, cn), (ck.iban_ok, iban)):
        wrong = value[:-2] + str((int(value[-2]) + 1) % 10) + value[-1]
        assert ok(value)
        assert not ok(wrong)


def test_compose_labels_each_use_of_a_slot():
    """A slot used twice is labelled twice; look-alikes and filler are told apart."""
    r = compose("[[a]] and [[a]] at [[b]][[c]]",
                {"a": ("PERSON", "Ana"), "b": ("~", "v1.2"), "c": ("", "!")}, "t", "x")
    assert "Ana and Ana at v1.2!" == r.text
    assert (("PERSON", 0, 3), ("PERSON", 8, 11)) == r.values
    assert ((15, 19),) == r.lookalikes
