"""``POST /v1/feedback``: a caller's score of one of its answers, onto
:meth:`Pipeline.feedback` (audited, counted in the metrics); gRPC's ``Inference.Feedback``
reads its fields by the same rules (:func:`parse`).

Body: ``request_id`` (the ``x-request-id`` / ``request_id`` of the answer) and ``score``, a
number from -1 (bad) to 1 (good). No free text: a comment could carry personal data, and the
audit log keeps no unmasked text. Answer: ``{"object": "feedback", "request_id", "score"}``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from appliance.httpapi.fields import bad, check_keys, number, typed

KNOWN = frozenset({"request_id", "score"})
#: A request id as the daemon makes them (uuid4, 32 hex digits).
REQUEST_ID = re.compile(r"[0-9a-f]{32}")
SCORES = (-1.0, 1.0)


def parse(body: Any) -> tuple[str, float]:
    """(the rated request's id, the score) from a feedback body."""
    if not isinstance(body, Mapping):
        raise bad("body", "must be a JSON object")
    check_keys(body, KNOWN, {}, frozenset())
    rated = typed(body, "request_id", str, "a string")
    if rated is None or not REQUEST_ID.fullmatch(rated):
        raise bad("request_id", "required: the request id of the answer being scored "
                                "(32 hex digits, as x-request-id gives it)")
    score = number(body, "score")
    if score is None or not SCORES[0] <= score <= SCORES[1]:
        raise bad("score", f"required: a number from {SCORES[0]:g} (bad) to {SCORES[1]:g} "
                           f"(good)")
    return rated, float(score)


def response(rated: str, score: float) -> dict[str, Any]:
    return {"object": "feedback", "request_id": rated, "score": score}
