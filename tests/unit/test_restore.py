"""Restoring placeholders in streamed text, whatever the token boundaries."""

from __future__ import annotations

import itertools
import re

from appliance.privacy.restore import PlaceholderRestorer
from appliance.privacy.vault import Vault


def vault() -> Vault:
    v = Vault()
    assert "<EMAIL_ADDRESS_1>" == v.placeholder_for("EMAIL_ADDRESS", "ann@example.org")
    assert "<PERSON_1>" == v.placeholder_for("PERSON", "Ann Lee")
    assert "<PERSON_2>" == v.placeholder_for("PERSON", "Bo Chen")
    return v


MASKED = "Mail <EMAIL_ADDRESS_1> to <PERSON_2>, not <PERSON_9> or <b>x</b> <PERSON_1>"
RESTORED = "Mail ann@example.org to Bo Chen, not <PERSON_9> or <b>x</b> Ann Lee"
VALUES = ("ann@example.org", "Ann Lee", "Bo Chen")
PARTIAL = re.compile(r"<[A-Z][A-Z_]*(?:_[0-9]*)?$")


def run(pieces: list[str]) -> list[str]:
    r = PlaceholderRestorer(vault())
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


def test_unknown_placeholders_pass_through() -> None:
    """Small models invent placeholders they never received: they stay as written."""
    assert "<PERSON_3> and <X_1>" == "".join(run(["<PERSON_3> and <X_1>"]))


def test_vault_numbers_per_type_and_hides_values() -> None:
    v = vault()
    assert "<PERSON_1>" == v.placeholder_for("PERSON", "Ann Lee")  # same value, same one
    assert "Ann Lee" not in repr(v)
    assert 3 == len(v)
