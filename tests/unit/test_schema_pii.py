"""A JSON Schema's structure is never refused as PII; its data still is.

Keys, property names, titles, ``$defs`` names and ``required`` entries are structure: a schema
of an order, a person record (first_name, email, phone), a product or an event is accepted.
A person's name, an e-mail address or a phone number in a description, enum, const, default
or example is personal data, and the schema is refused. The real analyzer decides.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import pytest

from appliance.config import PiiConfig
from appliance.engine.types import SamplingParams
from appliance.errors import InvalidArgument
from appliance.generation import ResponseFormat
from appliance.privacy.masker import PiiMasker
from appliance.privacy.schema_text import schema_texts
from appliance.request import GenerateParams
from appliance.stages.mask import mask_request
from tests.data.schemas import SCHEMAS, WITH_PII


@pytest.fixture(scope="module")
def privacy(analyzer) -> Iterator[PiiMasker]:
    masker = PiiMasker(PiiConfig(), analyzer)
    yield masker
    masker.close()


def check(privacy: PiiMasker, schema: dict[str, Any]) -> None:
    params = GenerateParams(prompt="Answer as JSON.", response_format=ResponseFormat(
        "json_schema", json.dumps(schema)))
    asyncio.run(mask_request(privacy, params, SamplingParams(max_tokens=8)))


def test_ordinary_schemas_are_accepted(privacy) -> None:
    """None of a few dozen Pydantic- and zod-generated schemas is refused (before: the
    Size/Width/Genre titles and field names like order_id were masked as PERSON)."""
    assert len(SCHEMAS) >= 30
    refused = {}
    for name, schema in SCHEMAS.items():
        try:
            check(privacy, schema)
        except InvalidArgument as exc:
            refused[name] = str(exc)
    assert {} == refused


@pytest.mark.parametrize("name", sorted(WITH_PII))
def test_personal_data_in_a_schema_is_refused(privacy, name: str) -> None:
    with pytest.raises(InvalidArgument, match="contains PII"):
        check(privacy, WITH_PII[name])


def test_only_data_is_analysed() -> None:
    """Titles, property and $defs names and required entries are not handed to the
    analyzer; descriptions, enum, const, default and example values are, once each."""
    schema = {"title": "Order Id", "description": "An order.", "type": "object",
              "properties": {"genre": {"title": "Genre", "enum": ["Comedy", "Drama"],
                                       "default": "Drama"},
                             "phone": {"title": "Phone", "examples": [{"n": 4155550132}]}},
              "required": ["genre", "phone"], "$defs": {"Width": {"const": "wide"}}}
    assert ["An order.", "Comedy", "Drama", "4155550132", "wide"] == \
        schema_texts(json.dumps(schema))


def test_unknown_keywords_are_data_and_broken_json_is_analysed_whole() -> None:
    """A keyword this module does not know may be free text: its values are analysed (not
    its keys). Text that is not JSON cannot be told apart and is analysed whole."""
    assert ["call Ann"] == schema_texts('{"x-hint": {"who": "call Ann"}, "type": "string"}')
    assert ["{nope"] == schema_texts("{nope")
