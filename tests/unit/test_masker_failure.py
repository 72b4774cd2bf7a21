"""The PII stage fails closed, and says why in the log without the text it was given."""

from __future__ import annotations

import asyncio

import pytest
import structlog

from appliance.config import PiiConfig
from appliance.errors import PrivacyFailure
from appliance.privacy.masker import PiiMasker


class BrokenAnalyzer:
    """A fake analyzer that fails the way a crashing spaCy model would."""

    def find(self, text: str, lang: str = "auto", focus: object = None) -> list[object]:
        raise MemoryError("spaCy ran out of memory")


def test_an_analysis_failure_fails_the_request_and_logs_its_type_only() -> None:
    masker = PiiMasker(PiiConfig(), BrokenAnalyzer())  # type: ignore[arg-type]
    personal = "Call Ada Lovelace on 415-555-0100"
    with structlog.testing.capture_logs() as logs, pytest.raises(PrivacyFailure):
        asyncio.run(masker.mask([personal]))
    failed = [e for e in logs if e["event"] == "pii_analysis_failed"]
    assert 1 == len(failed)
    assert "MemoryError" == failed[0]["error_type"]
    assert (1, len(personal)) == (failed[0]["texts"], failed[0]["chars"])
    assert all(personal not in str(e) and "Lovelace" not in str(e) for e in logs)
