"""Restoring placeholders in streamed text, whatever the token boundaries; placeholders the
request never had become a neutral marker, also when split across pieces."""

from __future__ import annotations

import itertools
import json
import re

import pytest

from appliance.privacy.restore import PlaceholderRestorer, marker
from appliance.privacy.vault import Vault


def vault() -> Vault:
    v = Vault()
    assert "<EMAIL_ADDRESS_1>" == v.placeholder_for("EMAIL_ADDRESS", "ann@example.org")
    assert "<PERSON_1>" == v.placeholder_for("PERSON", "Ann Lee")
    assert "<PERSON_2>" == v.placeholder_for("PERSON", "Bo Chen")
    return v


MASKED = ("Mail <EMAIL_ADDRESS_1> to <PERSON_2>, not <PERSON_9> (EMAIL_ADDRESS_2) or "
          "[PERSON_3] or <b>x</b> <PERSON_1>, I said PERSON_1")
RESTORED = ("Mail ann@example.org to Bo Chen, not [unknown person] ([unknown email address]) "
            "or [unknown person] or <b>x</b> Ann Lee, I said Ann Lee")
VALUES = ("ann@example.org", "Ann Lee", "Bo Chen")
PARTIAL = re.compile(r"<[A-Z][A-Z_]*(?:_[0-9]*)?$")
#: Upper-case words and code that only resemble placeholders.
ORDINARY = "MAX_RETRIES_3 = 5; HTTP_2 and UTF_8; List<T_1>; I am OK; PERSONAL_1 <EMAILS> x_1"


def run(pieces: list[str], **kwargs: object) -> list[str]:
    r = PlaceholderRestorer(vault(), **kwargs)  # type: ignore[arg-type]
    out = [r.feed(p) for p in pieces]
    out.append(r.flush())
    return out


def test_every_two_way_split() -> None:
    """Split anywhere: the caller reads the restored text, and no piece ends in half a
    placeholder of the vault or carries half a value."""
    for i in range(len(MASKED) + 1):
        out = run([MASKED[:i], MASKED[i:]])
        assert RESTORED == "".join(out), i
        for piece in out:
            for ph in ("<EMAIL_ADDRESS_1>", "<PERSON_1>", "<PERSON_2>"):
                assert not any(piece.endswith(ph[:k]) for k in range(2, len(ph))), (i, piece)
        assert all(any(v in p for p in out) for v in VALUES), i


def test_every_three_way_split() -> None:
    for i, j in itertools.combinations(range(len(MASKED) + 1), 2):
        assert RESTORED == "".join(run([MASKED[:i], MASKED[i:j], MASKED[j:]])), (i, j)


def test_one_character_at_a_time() -> None:
    """Token by token at the finest grain: values arrive whole, in one piece each."""
    out = run(list(MASKED))
    assert RESTORED == "".join(out)
    assert set(VALUES) <= set(out)


def test_the_issue_example() -> None:
    """A small model copied the pattern: placeholders the request never had read as
    unknowns, never raw."""
    text = "<PERSON_3> (EMAIL_ADDRESS_2) called about <PERSON_1>'s order."
    assert "[unknown person] ([unknown email address]) called about Ann Lee's order." == \
        "".join(run([text]))


@pytest.mark.parametrize(("placeholder", "expected"), [
    ("<PERSON_3>", "[unknown person]"), ("<NAME_1>", "[unknown name]"),
    ("<CN_RESIDENT_ID_2>", "[unknown ID number]"), ("PHONE_NUMBER_4", "[unknown phone number]"),
    ("[EMAIL_ADDRESS_2]", "[unknown email address]"), ("<PERSON_7", "[unknown person]"),
])
def test_made_up_placeholders_of_every_shape_become_a_marker(placeholder: str,
                                                             expected: str) -> None:
    assert f"to {expected}." == "".join(run([f"to {placeholder}."]))


def test_markers_name_the_type() -> None:
    assert "[unknown person]" == marker("PERSON")
    assert "[unknown street address]" == marker("STREET_ADDRESS")


def test_text_that_only_resembles_placeholders_is_untouched_in_every_split() -> None:
    """Constants, protocol names, generics and a lone capital I pass through, whatever the
    token boundaries."""
    for i in range(len(ORDINARY) + 1):
        assert ORDINARY == "".join(run([ORDINARY[:i], ORDINARY[i:]])), i
    assert ORDINARY == "".join(run(list(ORDINARY)))


def test_placeholders_the_request_itself_wrote_pass_through() -> None:
    """A caller that masks its own data, or code with a PHONE_NUMBER_1 constant: tokens the
    request contained are its own text, not the model's invention."""
    out = run(["Call <PERSON_5> at PHONE_NUMBER_1, not <PERSON_6>"],
              request_texts=["Who is <PERSON_5>? PHONE_NUMBER_1 = '555'", "<PERSON_1>"])
    assert "Call <PERSON_5> at PHONE_NUMBER_1, not [unknown person]" == "".join(out)


def test_keep_masked_keeps_the_vaults_placeholders_and_replaces_made_up_ones() -> None:
    out = run(["<PERSON_1> and <PER", "SON_4> wrote"], restore=False)
    assert "<PERSON_1> and [unknown person] wrote" == "".join(out)


def test_made_up_placeholders_in_json_leave_it_valid() -> None:
    """Structured output: markers and values both sit inside JSON strings."""
    answer = '{"who": "<PERSON_3>", "mail": "EMAIL_ADDRESS_2", "known": "<PERSON_1>"}'
    for i in range(len(answer) + 1):
        out = "".join(run([answer[:i], answer[i:]], json_strings=True))
        assert {"who": "[unknown person]", "mail": "[unknown email address]",
                "known": "Ann Lee"} == json.loads(out), i


def test_vault_numbers_per_type_and_hides_values() -> None:
    v = vault()
    assert "<PERSON_1>" == v.placeholder_for("PERSON", "Ann Lee")  # same value, same one
    assert "Ann Lee" not in repr(v)
    assert 3 == len(v)
