"""OpenAI's embeddings API (``POST /v1/embeddings``) onto :meth:`Pipeline.embed`.

``input`` is a string or a list of strings. Token arrays (a list of token ids, or a list of
them), which OpenAI also takes, are refused with 400: every input is PII-masked before it is
embedded, and masking reads text; ids of a tokenizer the appliance cannot see are opaque to it.
``encoding_format`` ``float`` (the default) gives lists of numbers, ``base64`` the vector's
little-endian float32 bytes in base64 (what OpenAI's SDK asks for and decodes by default).
``dimensions`` shortens every vector to its first N components, renormalised.
"""

from __future__ import annotations

import base64
import functools
import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from appliance.errors import ModelError
from appliance.httpapi.fields import bad, check_keys, typed
from appliance.httpapi.openai import MAX_USER_CHARS, extras
from appliance.request import EmbedParams, RequestInfo

if TYPE_CHECKING:  # the pipeline's result types, for annotations only (see [tool.importlinter])
    from appliance.engine.embedding import Embedded, Vectors

KNOWN = frozenset({"input", "model", "encoding_format", "dimensions", "user"})
ENCODINGS = ("float", "base64")
TOKENS_REFUSED = ("token arrays cannot be PII-masked (masking reads text); send the text "
                  "as a string or a list of strings")


def parse(body: Any, aliases: Mapping[str, str]) -> tuple[EmbedParams, str]:
    """(the request, the encoding_format) from an embeddings body."""
    if not isinstance(body, Mapping):
        raise bad("body", "must be a JSON object")
    check_keys(body, KNOWN, {}, frozenset())
    raw = body.get("input")
    if isinstance(raw, str):
        inputs: tuple[str, ...] = (raw,)
    elif isinstance(raw, list) and raw and all(isinstance(x, str) for x in raw):
        inputs = tuple(raw)
    elif isinstance(raw, list) and raw and all(
            isinstance(x, int) or (isinstance(x, list) and all(isinstance(t, int) for t in x))
            for x in raw):
        raise bad("input", TOKENS_REFUSED)
    else:
        raise bad("input", "required: a string or a non-empty list of strings")
    name = typed(body, "model", str, "a string") or ""
    encoding = typed(body, "encoding_format", str, "a string") or "float"
    if encoding not in ENCODINGS:
        raise bad("encoding_format", "must be float or base64")
    dimensions = typed(body, "dimensions", int, "an integer")
    if dimensions is not None and dimensions < 1:
        raise bad("dimensions", "must be a positive integer")
    user = typed(body, "user", str, "a string") or ""
    if len(user) > MAX_USER_CHARS:
        raise bad("user", f"at most {MAX_USER_CHARS} characters")
    return EmbedParams(inputs, model=aliases.get(name, name), dimensions=dimensions,
                       end_user=user), encoding


def encoded(vector: Vectors, encoding: str) -> list[float] | str:
    """One vector as the wire carries it: numbers, or base64 of little-endian float32."""
    if encoding == "base64":
        return base64.b64encode(vector.astype("<f4").tobytes()).decode("ascii")
    return [float(x) for x in vector.tolist()]


def decoded(data: str) -> Vectors:
    """The inverse of ``encoded(..., "base64")`` (tests, clients)."""
    return np.frombuffer(base64.b64decode(data), dtype="<f4").astype(np.float32)


@functools.lru_cache(maxsize=16)
def _row_format(width: int) -> str:
    return "[" + ",".join(("%.9g",) * width) + "]"


def _vector_json(vector: Vectors, encoding: str) -> str:
    """One vector as JSON text. Floats get 9 significant digits, which give back every float32
    exactly (the vectors are float32): a third shorter than json's repr of each as a double,
    and about three times faster to write (json.dumps of a 32 x 384 answer took ~15 ms)."""
    if encoding == "base64":
        return f'"{encoded(vector, encoding)}"'
    return _row_format(len(vector)) % tuple(vector.tolist())


def body(result: Embedded, model: str, encoding: str, info: RequestInfo) -> bytes:
    """The response body, JSON: OpenAI's ``{"object": "list", "data": [{"object":
    "embedding", "index", "embedding"}], "model", "usage"}``; ``appliance`` holds the request
    id and the PII types and counts masked (as on chat completions)."""
    if not np.isfinite(result.vectors).all():  # never written as JSON numbers
        raise ModelError("the embedding model gave a vector that is not finite")
    head = json.dumps({"object": "list", "model": model, "appliance": extras(info),
                       "usage": {"prompt_tokens": result.prompt_tokens,
                                 "total_tokens": result.prompt_tokens}},
                      ensure_ascii=False, separators=(",", ":"))
    data = ",".join(f'{{"object":"embedding","index":{i},"embedding":'
                    f"{_vector_json(row, encoding)}}}" for i, row in enumerate(result.vectors))
    return f'{head[:-1]},"data":[{data}]}}'.encode()
