"""The PII model reads a block and a few words around it, not its whole window (issue 36), and
its matrix products run on numpy's BLAS: what it finds in the block is what it finds reading
everything."""

from __future__ import annotations

import pytest
import spacy

from appliance.privacy.model_ner import (
    MODEL_CONTEXT,
    MODEL_CONTEXT_WORDS,
    ModelNerRecognizer,
    _read,
    load_pipeline,
    model_path,
)

ENTRY = "builtin:pii-ner-en"
LABELS = {"PERSON": "PERSON", "ADDRESS": "ADDRESS"}


@pytest.fixture(scope="module")
def rec() -> ModelNerRecognizer:
    return ModelNerRecognizer(ENTRY, LABELS)


def _found(rec: ModelNerRecognizer, text: str) -> list[tuple[str, int, int]]:
    return sorted((r.entity_type, r.start, r.end) for r in rec.analyze(text, ["PERSON"]))


FILLER = " ".join(f"Policy {i}: answers are polite and cite section {i}." for i in range(12))


def test_a_focused_reading_finds_what_the_whole_reading_finds_in_the_block(
        rec: ModelNerRecognizer) -> None:
    tail = "\nQuestion: please ask Margarethe Vollmer to call me back about the refund?"
    text = f"Please ask Joaquim Ferreira to sign. {FILLER}{tail}"
    block = (len(text) - len(tail), len(text))
    whole = _found(rec, text)
    in_block = [f for f in whole if f[2] > block[0]]
    assert in_block, "the model finds the name in the block at all"
    rec.focus(text, *block)
    try:
        focused = _found(rec, text)
    finally:
        rec.focus(text, 0, len(text))
    assert focused == in_block
    # The name far before the block was not read (its findings are the caller's to drop).
    assert not any(f[2] <= block[0] - MODEL_CONTEXT for f in focused)
    assert any(f[1] < 30 for f in whole), "the name far before the block is a finding there"
    assert _found(rec, text) == whole, "focus(0, len) reads the whole text again"


def test_the_part_read_ends_between_words() -> None:
    text = "alpha " * 40 + "Margarethe Vollmer" + " omega" * 40
    lo, hi = _read(text, (240, 258))
    assert lo <= 240 - MODEL_CONTEXT and text[lo - 1] == " "
    assert hi >= 258 + MODEL_CONTEXT and text[hi] == " "
    assert _read(text, None) == (0, len(text))
    # A URL or a hash is one word: the part read still has eight words either side.
    url = "https://example.com/" + "a" * 120
    long = f"one two three four five six seven eight nine {url} {url} then Margarethe Vollmer"
    start = long.index("Margarethe")
    lo, _hi = _read(long, (start, len(long)))
    assert len(long[lo:start].split()) >= MODEL_CONTEXT_WORDS
    assert _read("short text", (2, 5)) == (0, len("short text"))


@pytest.mark.parametrize(("text", "block"), [
    ("Vollmer" + " 1234" * 20 + " and then we talked about the weather", (0, 7)),
    ("Dear Margarethe Vollmer, thanks for the call. " + FILLER + " Regards, Ines Duarte", None),
    ("Webinar", (0, 7)),
])
def test_focused_findings_equal_the_whole_readings_in_the_block(
        rec: ModelNerRecognizer, text: str, block: tuple[int, int] | None) -> None:
    """Also where the part read holds one word alone but the text does not (the model's
    "one word alone" rule is judged on the whole text)."""
    start, end = block or (len(text) - 20, len(text))
    whole = [f for f in _found(rec, text) if f[1] < end and f[2] > start]
    rec.focus(text, start, end)
    try:
        focused = [f for f in _found(rec, text) if f[1] < end and f[2] > start]
    finally:
        rec.focus(text, 0, len(text))
    assert focused == whole


def test_the_pipeline_multiplies_on_numpy_not_blis() -> None:
    nlp = load_pipeline(ENTRY)
    nodes = [node for _name, pipe in nlp.pipeline for node in pipe.model.walk()]
    assert nodes and all(getattr(node.ops, "use_blis", False) is False for node in nodes)
    stock = spacy.load(model_path(ENTRY))
    texts = ["Please ask Margarethe Vollmer to call me.", "Mr. Joaquim Ferreira lives at "
             "221B Baker Street, London.", "nothing personal in this sentence at all"]
    for text in texts:
        assert [(e.start_char, e.end_char, e.label_) for e in nlp(text).ents] == \
            [(e.start_char, e.end_char, e.label_) for e in stock(text).ents]
