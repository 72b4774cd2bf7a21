"""Masking many texts each on its own (an embeddings request's inputs): the PII models read them
in batches, and every text gets what masking it alone gives."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Sequence
from typing import Any

import pytest

from appliance.config import PiiConfig
from appliance.privacy.analyzer import Analyzer
from appliance.privacy.masker import PiiMasker, mask_each_text, mask_texts
from appliance.privacy.model_ner import ModelNerRecognizer
from appliance.privacy.stage import MaskedRequest
from appliance.stages.mask import mask_each

TEXTS = [
    "Please send the contract to alice.jones@example.com today",
    "Liwia Gębura met with Okonkwo about the lease in Lyon",
    "The invoice for team 12 is delayed until next week",
    "Call me on +44 20 7946 0958, this is Tao, calling about 张伟的账户",
    "Prepared for Dominik Cvetko, Ardore Marina",
    "The invoice for team 12 is delayed until next week",  # the same text twice
    "Sorry to hear that, Mineko",
    "Judges were Ó Murchaidhe and Smith",
]


def test_each_text_is_masked_as_it_is_alone(analyzer: Analyzer) -> None:
    """Masked text and findings equal those of mask_texts([text]) for every text, across
    chunk boundaries of the batched reading (chunk 3 of 8 texts)."""
    alone = [mask_texts(analyzer, [t]) for t in TEXTS]
    each = mask_each_text(analyzer, TEXTS, chunk=3)
    assert [m.texts for m in alone] == [m.texts for m in each]
    assert [m.findings for m in alone] == [m.findings for m in each]
    assert any(m.entity_counts.get("PERSON") for m in each)  # the model found names


class _CountingNlp:
    """A spy around a real spaCy pipeline: counts one-text calls, passes everything on."""

    def __init__(self, nlp: Any) -> None:
        self.nlp = nlp
        self.calls = 0

    def __call__(self, text: str) -> Any:
        self.calls += 1
        return self.nlp(text)

    def pipe(self, texts: Any, **kwargs: Any) -> Any:
        return self.nlp.pipe(texts, **kwargs)


def test_analyses_use_the_docs_read_ahead(analyzer: Analyzer,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """Inside reading(), finding PII in those texts reads none of them again one by one
    (outside, each find is one call)."""
    model = next(r for r in analyzer._models if isinstance(r, ModelNerRecognizer))
    spy = _CountingNlp(model.nlp)
    monkeypatch.setattr(model, "nlp", spy)
    with analyzer.reading(TEXTS):
        for text in TEXTS:
            analyzer.find(text)
    assert 0 == spy.calls
    analyzer.find(TEXTS[0])
    assert 1 == spy.calls


def test_read_ahead_docs_are_dropped_and_private_to_the_thread(analyzer: Analyzer) -> None:
    """While reading, only this thread's analyses see the docs read ahead; after, none."""
    models = [r for r in analyzer._models if isinstance(r, ModelNerRecognizer)]
    assert models
    seen_elsewhere: list[int] = []
    with analyzer.reading(TEXTS):
        assert len(set(TEXTS)) == len(models[0]._ahead.docs)
        other = threading.Thread(target=lambda: seen_elsewhere.append(
            len(getattr(models[0]._ahead, "docs", {}))))
        other.start()
        other.join()
    assert [0] == seen_elsewhere
    assert {} == models[0]._ahead.docs


def test_each_input_has_its_own_vault() -> None:
    """Through the stage: two e-mail addresses in two inputs are both <EMAIL_ADDRESS_1>."""
    masker = PiiMasker.load(PiiConfig(), 100_000)
    try:
        got = asyncio.run(mask_each(masker, ["write to ann@example.com",
                                             "write to bob@example.net"]))
    finally:
        masker.close()
    assert [("write to <EMAIL_ADDRESS_1>",), ("write to <EMAIL_ADDRESS_1>",)] == [
        m.texts for m in got]


class _OneByOne:
    """A PII stage without mask_each (a fake: it masks nothing, only records its calls)."""

    pass_through = True

    def __init__(self) -> None:
        self.calls: list[list[str]] = []

    async def mask(self, texts: Sequence[str], namespace: str | None = None) -> MaskedRequest:
        self.calls.append(list(texts))
        return MaskedRequest(texts=tuple(texts), findings=((),) * len(texts))

    def output(self, masked: MaskedRequest) -> object:
        raise NotImplementedError


def test_a_stage_without_mask_each_masks_one_text_a_call() -> None:
    stage = _OneByOne()
    got = asyncio.run(mask_each(stage, ["a", "b"]))  # type: ignore[arg-type]
    assert [["a"], ["b"]] == stage.calls
    assert [("a",), ("b",)] == [m.texts for m in got]
