"""Fixtures shared by the unit tests."""

from __future__ import annotations

import pytest

from appliance.config import STRICT_OUTPUT_SCAN_ENTITIES, STRICT_PII_ENTITIES, PiiConfig
from appliance.privacy.analyzer import Analyzer


@pytest.fixture(scope="session")
def strict() -> Analyzer:
    """The strict (GDPR) profile's analyzer, without the PII model (the rules alone): built
    once for every strict-profile test module."""
    return Analyzer(PiiConfig(entities=STRICT_PII_ENTITIES,
                              output_scan_entities=STRICT_OUTPUT_SCAN_ENTITIES, models=()))
