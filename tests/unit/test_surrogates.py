"""Surrogate style: made-up values of the same type and shape, valid where the type has a
check digit, one per value within a request and new in the next, never the value itself nor
anything the request contains; restored on the way out, also split across stream pieces and
inside JSON strings; the output scan leaves them to restore."""

from __future__ import annotations

import asyncio
import ipaddress
import itertools
import json
import random
import re
from dataclasses import replace

import pytest

from appliance.privacy.masker import PiiMasker, mask_texts
from appliance.privacy.recognizers_ids import hkid_valid, tw_id_valid
from appliance.privacy.recognizers_zh import luhn_valid, resident_id_valid
from appliance.privacy.restore import restorer_for
from appliance.privacy.stage import MaskedRequest
from appliance.privacy.surrogates import CN_ID_REGION, Surrogates, iban_check
from appliance.privacy.vault import Vault


def draws(entity_type: str, value: str, n: int = 50) -> list[str]:
    """``n`` surrogates for ``value``, each from a fresh request."""
    out = []
    for seed in range(n):
        s = Surrogates([value], random.Random(seed)).draw(entity_type, value)
        assert s is not None
        out.append(s)
    return out


def shape(text: str) -> str:
    return re.sub(r"[0-9]", "9", text)


@pytest.mark.parametrize("value", ["4111 1111 1111 1111", "4111-1111-1111-1111",
                                   "378282246310005", "5500 0000 0000 0004"])
def test_card_numbers_pass_luhn_in_the_same_grouping(value: str) -> None:
    """Same length and grouping, the same scheme's first digit, and Luhn-valid."""
    for s in draws("CREDIT_CARD", value):
        assert shape(value) == shape(s)
        assert value[0] == s[0]
        assert luhn_valid(re.sub(r"\D", "", s))


@pytest.mark.parametrize("value", ["GB82 WEST 1234 5698 7654 32", "DE89370400440532013000"])
def test_ibans_keep_country_length_and_pass_mod_97(value: str) -> None:
    for s in draws("IBAN_CODE", value):
        compact = s.replace(" ", "")
        assert value[:2] == s[:2]
        assert len(value) == len(s)
        assert [len(g) for g in value.split()] == [len(g) for g in s.split()]
        moved = compact[4:] + compact[:4]
        assert 1 == int("".join(str(int(c, 36)) for c in moved)) % 97
        assert compact[2:4] == iban_check(compact[:2], compact[4:])


def test_cn_resident_ids_have_a_valid_date_and_check_digit() -> None:
    """The fixed fictitious region, a real birth date and the right check digit."""
    for s in draws("CN_RESIDENT_ID", "11010519491231002X"):
        assert 18 == len(s)
        assert s.startswith(CN_ID_REGION)
        assert resident_id_valid(s)


def test_hk_and_tw_ids_have_the_right_check_digit() -> None:
    for s in draws("HK_ID", "A123456(3)"):
        assert re.fullmatch(r"[A-Z][0-9]{6}\([0-9A]\)", s)
        assert hkid_valid(s)
    for s in draws("TW_ID", "A123456789"):
        assert "1" == s[1]
        assert tw_id_valid(s)


@pytest.mark.parametrize(("value", "reserved"), [
    ("+1 415-555-0132", r"\+1 [0-9]{3}-555-01[0-9]{2}"),
    ("(415) 555-0132", r"\([0-9]{3}\) 555-01[0-9]{2}"),
    ("07911 123456", r"07700 900[0-9]{3}"),
    ("+44 7911 123456", r"\+44 7700 900[0-9]{3}"),
])
def test_phone_numbers_come_from_reserved_ranges(value: str, reserved: str) -> None:
    for s in draws("PHONE_NUMBER", value):
        assert re.fullmatch(reserved, s), s


def test_other_phone_numbers_keep_their_shape_and_country_code() -> None:
    for s in draws("PHONE_NUMBER", "+49 151 23456789"):
        assert shape("+49 151 23456789") == shape(s)
        assert s.startswith("+49 1")


def test_emails_use_reserved_domains() -> None:
    for s in draws("EMAIL_ADDRESS", "john.smith@corp.io"):
        assert re.fullmatch(r"[a-z]+\.[a-z]+@example\.(com|org|net)", s)


def test_ips_come_from_documentation_networks() -> None:
    docs = [ipaddress.ip_network(n) for n in ("192.0.2.0/24", "198.51.100.0/24",
                                              "203.0.113.0/24", "2001:db8::/32")]
    for value in ("10.1.2.3", "fe80::1"):
        for s in draws("IP_ADDRESS", value):
            assert any(ipaddress.ip_address(s) in net for net in docs)


def test_names_keep_script_and_word_count() -> None:
    """A Chinese name for a Chinese name (as many characters), Latin for Latin (as many words,
    initials as initials)."""
    for s in draws("PERSON", "王伟"):
        assert re.fullmatch(r"[\u4e00-\u9fff]{2}", s)
    for s in draws("PERSON", "欧阳建华"):
        assert re.fullmatch(r"[\u4e00-\u9fff]{4}", s)
    for s in draws("PERSON", "John Smith"):
        assert re.fullmatch(r"[A-Z][a-z]+ [A-Z][a-z]+", s)
        assert "John" not in s
        assert "Smith" not in s
    for s in draws("PERSON", "Ann"):
        assert re.fullmatch(r"[A-Z][a-z]+", s)
    for s in draws("PERSON", "J. Smith"):
        assert re.fullmatch(r"[A-Z]\. [A-Z][a-z]+", s)


def test_dates_keep_their_format() -> None:
    for value, form in (("1990-05-03", r"[0-9]{4}-[0-9]{2}-[0-9]{2}"),
                        ("3 March 1985", r"[0-9]{1,2} [A-Z][a-z]+ [0-9]{4}"),
                        ("1990年5月3日", r"[0-9]{4}年[0-9]{1,2}月[0-9]{1,2}日")):
        for s in draws("DATE_OF_BIRTH", value):
            assert re.fullmatch(form, s), s


def test_unknown_types_keep_the_shape() -> None:
    """A site's own type: letters for letters, digits for digits, the type prefix kept."""
    for s in draws("EMPLOYEE_ID", "EMP-001234"):
        assert re.fullmatch(r"EMP-[0-9]{6}", s)
        assert "EMP-001234" != s


def test_consistent_within_a_request_and_new_in_the_next() -> None:
    """One value, one surrogate in a request; the next request draws another."""
    texts = ["Call John Smith at +1 415-555-0132.", "John Smith again: +1 415-555-0132"]
    firsts = set()
    for _ in range(5):
        v = Vault(Surrogates(texts))
        a = v.placeholder_for("PERSON", "John Smith")
        assert a == v.placeholder_for("PERSON", "John Smith")
        assert "John Smith" == v.value_of(a)
        firsts.add(a + v.placeholder_for("PHONE_NUMBER", "+1 415-555-0132"))
    assert len(firsts) > 1


def test_never_the_value_another_surrogate_or_text_of_the_request() -> None:
    """A draw equal to the value, containing or contained in another surrogate, or found in
    the request's texts is drawn again."""
    texts = ["Mary Carter met James Miller and Ann."]
    for seed in range(200):
        v = Vault(Surrogates(texts, random.Random(seed)))
        got = [v.placeholder_for("PERSON", n) for n in ("Mary Carter", "James Miller", "Ann")]
        assert len(set(got)) == 3
        for i, s in enumerate(got):
            assert not any(s in t for t in texts)
            assert not any(s in o or o in s for j, o in enumerate(got) if j != i)


def test_a_value_no_draw_fits_gets_a_placeholder() -> None:
    """One digit has ten shapes; with all ten in the text, the vault falls back."""
    v = Vault(Surrogates(["0123456789"], random.Random(0)))
    assert "<EMPLOYEE_ID_1>" == v.placeholder_for("EMPLOYEE_ID", "7")
    assert () == v.surrogates()


def vault() -> Vault:
    v = Vault(Surrogates(["Mail ann@corp.io about Ann Lee."], random.Random(7)))
    for kind, value in (("EMAIL_ADDRESS", "ann@corp.io"), ("PERSON", "Ann Lee"),
                        ("PERSON", 'Bo "B" Chen'), ("CREDIT_CARD", "4111 1111 1111 1111")):
        v.placeholder_for(kind, value)
    return v


def model_text(v: Vault) -> tuple[str, str]:
    """What a model might write with the vault's surrogates, and what the caller reads."""
    email, ann, bo, card = v.surrogates()
    text = (f"{ann} wrote to {email}; {bo} paid with {card}. {ann}s is not {ann}, nor is "
            f"X{ann}. <PERSON_4> too.")
    restored = ('Ann Lee wrote to ann@corp.io; Bo "B" Chen paid with 4111 1111 1111 1111. '
                f"{ann}s is not Ann Lee, nor is X{ann}. [unknown person] too.")
    return text, restored


def run(v: Vault, pieces: list[str], **kwargs: bool) -> list[str]:
    r = restorer_for(v, **kwargs)
    out = [r.feed(p) for p in pieces]
    out.append(r.flush())
    return out


def test_restored_whatever_the_split() -> None:
    """Split anywhere, two ways: the caller reads the values, never half a surrogate; a
    surrogate inside a longer word stays; an invented placeholder is marked."""
    v = vault()
    text, restored = model_text(v)
    for i in range(len(text) + 1):
        out = run(v, [text[:i], text[i:]])
        assert restored == "".join(out), i


def test_restored_one_character_at_a_time() -> None:
    v = vault()
    text, restored = model_text(v)
    out = run(v, list(text))
    assert restored == "".join(out)
    assert any("4111 1111 1111 1111" in p for p in out)  # the value arrives whole


def test_restored_three_way_splits_of_a_short_answer() -> None:
    v = vault()
    _email, ann, bo, _card = v.surrogates()
    text = f"{bo} and {ann}."
    for i, j in itertools.combinations(range(len(text) + 1), 2):
        assert 'Bo "B" Chen and Ann Lee.' == "".join(run(v, [text[:i], text[i:j], text[j:]]))


def test_json_output_escapes_restored_values() -> None:
    """Structured output: a restored value is escaped for a JSON string."""
    v = vault()
    bo = v.surrogates()[2]
    text = json.dumps({"name": bo})
    for i in range(len(text) + 1):
        out = "".join(run(v, [text[:i], text[i:]], json_strings=True))
        assert {"name": 'Bo "B" Chen'} == json.loads(out)


def test_keep_masked_keeps_surrogates() -> None:
    v = vault()
    ann = v.surrogates()[1]
    assert f"Hi {ann}" == "".join(run(v, [f"Hi {ann}"], restore=False))


async def _through(masker: PiiMasker, masked: MaskedRequest, pieces: list[str]) -> str:
    out = masker.output(masked)
    text = "".join([await out.feed(p) for p in pieces])
    return text + await out.flush()


def test_output_scan_leaves_surrogates_to_restore(analyzer) -> None:
    """A card number the model repeats from the prompt is the request's surrogate: restored,
    not masked as PII of the model's own, in word and sentence mode, however split; a card
    of the model's own is still masked."""
    prompt = "My card is 4111 1111 1111 1111, my name is Ann Lee."
    for policy in (analyzer.policy, replace(analyzer.policy, output_scan_entities=(
            *analyzer.policy.output_scan_entities, "PERSON"))):
        masker = PiiMasker(policy, analyzer)
        try:
            masked = mask_texts(analyzer, [prompt], style="surrogate", rng=random.Random(3))
            card = next(s for s in masked.vault.surrogates() if s[0].isdigit())
            answer = f"Your card {card} is noted. Mine is 5105 1051 0510 5100 ok."
            for i in range(0, len(answer) + 1, 3):
                assert ("Your card 4111 1111 1111 1111 is noted. Mine is <CREDIT_CARD> ok."
                        == asyncio.run(_through(masker, masked, [answer[:i], answer[i:]])))
        finally:
            masker.close()


def test_mask_texts_in_surrogate_style(analyzer) -> None:
    """The masked text carries surrogates, no values; findings record the same types and
    positions as with placeholders."""
    text = "Name: John Smith, email john.smith@corp.io, phone +1 415-555-0132."
    plain = mask_texts(analyzer, [text])
    masked = mask_texts(analyzer, [text], style="surrogate")
    for value in ("John Smith", "john.smith@corp.io", "415-555-0132"):
        assert value not in masked.texts[0]
    assert plain.entity_counts == masked.entity_counts
    assert [(f.entity_type, f.start, f.end) for f in plain.findings[0]] == \
        [(f.entity_type, f.start, f.end) for f in masked.findings[0]]
    assert "<" not in masked.texts[0]
