"""The embeddings wire format and vector arithmetic: base64, dimensions, input shapes."""

from __future__ import annotations

import base64
import json

import numpy as np
import pytest

from appliance.engine.embedding import Embedded, normalized, shortened
from appliance.errors import InvalidArgument, ModelError
from appliance.httpapi import embeddings
from appliance.request import RequestInfo


def test_base64_is_little_endian_float32() -> None:
    """base64 carries each component as 4 little-endian bytes, and decodes to the same."""
    v = np.array([1.0, -0.5, 0.25], dtype=np.float32)
    data = embeddings.encoded(v, "base64")
    assert isinstance(data, str)
    assert b"\x00\x00\x80\x3f\x00\x00\x00\xbf\x00\x00\x80\x3e" == base64.b64decode(data)
    assert np.array_equal(v, embeddings.decoded(data))
    assert [1.0, -0.5, 0.25] == embeddings.encoded(v, "float")


def test_shortened_keeps_the_first_components_at_unit_length() -> None:
    """dimensions=N: the first N components, renormalised; the full width is unchanged."""
    v = normalized(np.array([[3.0, 4.0, 12.0]], dtype=np.float32))
    short = shortened(v, 2)
    assert np.allclose([[0.6, 0.8]], short)
    assert shortened(v, 3) is v
    assert shortened(v, None) is v
    with pytest.raises(InvalidArgument):
        shortened(v, 4)


def test_normalized_leaves_a_zero_row_zero() -> None:
    rows = normalized(np.array([[0.0, 0.0], [0.0, 2.0]], dtype=np.float32))
    assert np.array_equal(np.array([[0.0, 0.0], [0.0, 1.0]], dtype=np.float32), rows)


def test_parse_takes_a_string_or_strings() -> None:
    params, encoding = embeddings.parse({"input": "a", "model": "embed"}, aliases={})
    assert (("a",), "embed", None, "float") == (params.inputs, params.model,
                                                params.dimensions, encoding)
    params, encoding = embeddings.parse({"input": ["a", "b"], "dimensions": 8,
                                         "encoding_format": "base64", "user": "u"}, aliases={})
    assert (("a", "b"), 8, "base64", "u") == (params.inputs, params.dimensions, encoding,
                                              params.end_user)


@pytest.mark.parametrize("body", [{"input": [1, 2, 3]}, {"input": [[1, 2], [3]]}])
def test_token_arrays_are_refused_with_the_reason(body: dict[str, object]) -> None:
    """Token ids cannot be masked: refused, and the message says so."""
    with pytest.raises(InvalidArgument, match="masked") as err:
        embeddings.parse(body, aliases={})
    assert "input" == err.value.context["field"]


@pytest.mark.parametrize(("body", "field"), [
    ({}, "input"), ({"input": []}, "input"), ({"input": ["a", 1]}, "input"),
    ({"input": "a", "encoding_format": "int8"}, "encoding_format"),
    ({"input": "a", "dimensions": 0}, "dimensions"),
    ({"input": "a", "dimensions": 1.5}, "dimensions"),
    ({"input": "a", "stream": True}, "body"),
])
def test_bad_bodies_name_the_field(body: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidArgument) as err:
        embeddings.parse(body, aliases={})
    assert field == err.value.context["field"]


def test_response_has_openai_shape() -> None:
    info = RequestInfo(request_id="r1", method="http:/v1/embeddings", client="c")
    info.pii_counts = {"EMAIL_ADDRESS": 1}
    result = Embedded(normalized(np.array([[1.0, 0.0]], dtype=np.float32)), 7)
    body = json.loads(embeddings.body(result, "embed", "float", info))
    assert {"object": "list", "model": "embed",
            "data": [{"object": "embedding", "index": 0, "embedding": [1.0, 0.0]}],
            "usage": {"prompt_tokens": 7, "total_tokens": 7}} == {
        k: v for k, v in body.items() if k != "appliance"}
    assert {"EMAIL_ADDRESS": 1} == body["appliance"]["pii"]


def test_float_json_gives_back_every_float32_exactly() -> None:
    """The float vectors' JSON text (9 significant digits) parses back to the same float32
    values, tiny and negative ones included; base64 carries the same bytes."""
    rng = np.random.default_rng(7)
    rows = rng.standard_normal((3, 384)).astype(np.float32)
    rows[0, :4] = [1e-30, -0.0, 3.4e38, -1.17549435e-38]
    result = Embedded(rows, 3)
    info = RequestInfo(request_id="r1", method="http:/v1/embeddings", client="c")
    floats = json.loads(embeddings.body(result, "embed", "float", info))["data"]
    assert np.array_equal(rows, np.array([d["embedding"] for d in floats], dtype=np.float32))
    b64 = json.loads(embeddings.body(result, "embed", "base64", info))["data"]
    assert np.array_equal(rows, np.array([embeddings.decoded(d["embedding"]) for d in b64]))
    assert [0, 1, 2] == [d["index"] for d in b64]


def test_a_vector_that_is_not_finite_is_a_model_error() -> None:
    """NaN or infinity (a broken model) is no JSON number: the request fails, never sends it."""
    info = RequestInfo(request_id="r1", method="http:/v1/embeddings", client="c")
    bad = Embedded(np.array([[np.nan, 1.0]], dtype=np.float32), 2)
    with pytest.raises(ModelError):
        embeddings.body(bad, "embed", "float", info)
