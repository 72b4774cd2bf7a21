"""The model's text on its way out: invented PII masked, the caller's values restored,
whatever the token boundaries."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import pytest

from appliance.config import PiiConfig
from appliance.privacy.masker import PiiMasker, mask_texts
from appliance.privacy.output_scan import word_cut

# What the model writes: a placeholder it was given, and an e-mail and phone of its own.
OUTPUT = ("Sure. Write to <EMAIL_ADDRESS_1> or to bob.jones@example.net, "
          "or call +1 415 555 0132 before noon.")
EXPECTED = ("Sure. Write to ann.lee@example.com or to <EMAIL_ADDRESS>, "
            "or call <PHONE_NUMBER> before noon.")


@pytest.fixture(scope="module")
def masker(analyzer) -> PiiMasker:
    return PiiMasker(analyzer.policy, analyzer)


def run(masker: PiiMasker, pieces: list[str]) -> list[str]:
    masked = mask_texts(masker._analyzer, ["My mail is ann.lee@example.com"])

    async def go() -> list[str]:
        out = masker.output(masked)
        emitted = [await out.feed(p) for p in pieces]
        emitted.append(await out.flush())
        return emitted

    return asyncio.run(go())


def test_every_two_way_split(masker: PiiMasker) -> None:
    """Split anywhere: the same result, and no piece ever carries invented PII."""
    for i in range(0, len(OUTPUT) + 1, 3):
        out = run(masker, [OUTPUT[:i], OUTPUT[i:]])
        assert EXPECTED == "".join(out), i
        assert not any("bob.jones" in p or "555 0132" in p for p in out), i


def test_token_by_token_lags_by_about_a_word(masker: PiiMasker) -> None:
    """Fed word by word, text is released as it comes, not at the end."""
    words = [w + " " for w in ["Here", "is", "a", "plain", "sentence", "with", "no", "identifiers", "at", "all"]]
    out = run(masker, words)
    assert "".join(words) == "".join(out)
    assert sum(1 for p in out[:-1] if p) >= len(words) - 2


def test_off_passes_output_through(analyzer) -> None:
    m = PiiMasker(replace(analyzer.policy, output_scan="off"), analyzer)
    assert OUTPUT.replace("<EMAIL_ADDRESS_1>", "ann.lee@example.com") == "".join(run(m, [OUTPUT]))


def test_person_in_scan_entities_switches_to_sentences(analyzer) -> None:
    """With NER in the output scan, names the model invents are masked too."""
    policy = replace(PiiConfig(), output_scan_entities=("PERSON", "EMAIL_ADDRESS"))
    m = PiiMasker(policy, analyzer)
    out = run(m, ["Yesterday John Smith ", "wrote to bob@example.org. Fine."])
    assert "Yesterday <PERSON> wrote to <EMAIL_ADDRESS>. Fine." == "".join(out)


@pytest.mark.parametrize(("buf", "released"), [
    ("Hello world", "Hello "),
    ("Hello world ", "Hello world "),
    ("Call 415 555", "Call "),
    ("IBAN DE89 3704", "IBAN "),
    ("Call 415 555 0132 now and", "Call 415 555 0132 now "),
])
def test_word_cut_keeps_digit_groups_together(buf: str, released: str) -> None:
    assert released == buf[:word_cut(buf)]


# A JSON answer (structured output) with a card number the model wrote as a bare number, one
# inside a string, and a string holding an escaped quote and a backslash before it.
JSON_ANSWER = ('{"note": "say \\"hi\\" \\\\", "card": 4111111111111111, '
               '"text": "card 5500 0000 0000 0004 here", "n": 3, "neg": -4111111111111111.5}')


def test_a_number_masked_in_a_json_answer_leaves_it_json(masker: PiiMasker) -> None:
    """Structured output: a value the scan masks outside a string becomes a JSON string, so
    the answer still parses (split anywhere in a stream, the same); inside a string it stays
    a placeholder in that string."""
    import json

    masked = replace(mask_texts(masker._analyzer, ["Describe a person."]), json_output=True)

    async def go(pieces: list[str]) -> str:
        out = masker.output(masked)
        emitted = [await out.feed(p) for p in pieces]
        emitted.append(await out.flush())
        return "".join(emitted)

    for i in range(0, len(JSON_ANSWER) + 1, 5):
        text = asyncio.run(go([JSON_ANSWER[:i], JSON_ANSWER[i:]]))
        assert {"note": 'say "hi" \\', "card": "<CREDIT_CARD>",
                "text": "card <CREDIT_CARD> here", "n": 3,
                "neg": "<CREDIT_CARD>"} == json.loads(text), i
    # not a JSON answer: the placeholder stands as it is
    plain = asyncio.run(_plain(masker, JSON_ANSWER))
    assert '"card": <CREDIT_CARD>,' in plain


async def _plain(masker: PiiMasker, text: str) -> str:
    out = masker.output(mask_texts(masker._analyzer, ["Describe a person."]))
    return await out.feed(text) + await out.flush()
