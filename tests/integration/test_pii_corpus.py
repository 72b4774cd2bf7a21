"""The masking engine against a generated corpus of several hundred English, Chinese and mixed
records: zero structured leaks, >= 90% of names masked, <= 10% of distractors masked."""

from __future__ import annotations

import json

from appliance.privacy.masker import mask_texts
from tests.data.pii_corpus import STRUCTURED, build, evaluate


def test_corpus_meets_the_masking_targets(analyzer) -> None:
    records = build()
    figures = evaluate(records, lambda text: mask_texts(analyzer, [text]).texts[0])
    print(json.dumps(figures, indent=1))  # per-type figures, shown with -s
    assert len(records) >= 400
    assert set(STRUCTURED) | {"PERSON"} == set(figures["per_type"])  # every type is exercised
    assert {"en", "zh", "mixed"} == {r.lang for r in records}
    assert 0 == figures["structured_leaks"]
    assert figures["person_masked_rate"] >= 0.90
    assert figures["distractors_masked_rate"] <= 0.10
