"""Placeholders the request never had never reach the caller raw, through the real output
stage (the answer's PII scan, then restore) with the real analyzer: streamed in pieces of any
size, split inside a placeholder, whole, and as structured (JSON) output."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator

import pytest

from appliance.config import PiiConfig
from appliance.privacy.masker import PiiMasker
from appliance.privacy.stage import MaskedRequest
from appliance.stages.output import Answer

PROMPT = "Ann Lee (ann.lee@example.com) called about her order. Summarise."
#: What a small model wrote: the request had PERSON_1 and EMAIL_ADDRESS_1 only.
ANSWER = ("<PERSON_1> (<EMAIL_ADDRESS_1>) called. Then <PERSON_2> (EMAIL_ADDRESS_2) "
          "called about [PERSON_3]'s order.")
SHOWN = ("Ann Lee (ann.lee@example.com) called. Then [unknown person] ([unknown email "
         "address]) called about [unknown person]'s order.")


@pytest.fixture(scope="module")
def privacy(analyzer) -> Iterator[PiiMasker]:
    masker = PiiMasker(PiiConfig(), analyzer)
    yield masker
    masker.close()


def answer(privacy: PiiMasker, masked: MaskedRequest, pieces: list[str],
           json_output: bool = False) -> tuple[list[str], str]:
    """The chunks' texts the caller receives, and what the audit record keeps."""
    async def go() -> tuple[list[str], str]:
        a = Answer(privacy, masked, json_output=json_output, include_reasoning=False,
                   reasoning_style="none")
        out = [(await a.piece(p)).text for p in pieces]
        out.append((await a.tail()).text)
        return out, a.output.masked_text
    return asyncio.run(go())


def mask(privacy: PiiMasker, text: str) -> MaskedRequest:
    masked = asyncio.run(privacy.mask([text]))
    assert {"EMAIL_ADDRESS": 1, "PERSON": 1} == dict(masked.entity_counts)
    return masked


def test_whole_answer(privacy) -> None:
    out, audited = answer(privacy, mask(privacy, PROMPT), [ANSWER])
    assert SHOWN == "".join(out)
    assert ANSWER == audited  # the record keeps what the model wrote, masked


@pytest.mark.parametrize("size", [1, 2, 3, 5, 8, 13])
def test_streamed_answer(privacy, size: int) -> None:
    """Pieces of ``size`` characters split every placeholder somewhere: no piece carries a
    fragment of a made-up one."""
    pieces = [ANSWER[i:i + size] for i in range(0, len(ANSWER), size)]
    out, _ = answer(privacy, mask(privacy, PROMPT), pieces)
    assert SHOWN == "".join(out)
    assert not [p for p in out if "_2" in p or "PERSON" in p or "ADDRESS_" in p]


def test_structured_answer_stays_valid_json(privacy) -> None:
    raw = json.dumps({"caller": "<PERSON_1>", "email": "<EMAIL_ADDRESS_1>",
                      "other": "<PERSON_2>", "other_email": "EMAIL_ADDRESS_2"})
    for pieces in ([raw], [raw[i:i + 4] for i in range(0, len(raw), 4)]):
        out, _ = answer(privacy, mask(privacy, PROMPT), pieces, json_output=True)
        assert {"caller": "Ann Lee", "email": "ann.lee@example.com",
                "other": "[unknown person]", "other_email": "[unknown email address]"} == \
            json.loads("".join(out))


def test_made_up_placeholders_are_replaced_when_the_request_had_none(privacy) -> None:
    """An empty vault restores nothing, and still lets no made-up placeholder through."""
    masked = asyncio.run(privacy.mask(["Write a short note about a customer call."]))
    assert {} == dict(masked.entity_counts)
    out, _ = answer(privacy, masked, ["<PERSON_1> cal", "led from <PHONE_NUM", "BER_1>."])
    assert "[unknown person] called from [unknown phone number]." == "".join(out)
