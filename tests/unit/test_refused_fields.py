"""Chat completion fields the appliance refuses on purpose say why (issue 33: logprobs,
top_logprobs and n > 1 stay refused, with their reason in the error)."""

from __future__ import annotations

from typing import Any

import pytest

from appliance.errors import InvalidArgument
from appliance.httpapi import openai

BODY = {"model": "v3", "messages": [{"role": "user", "content": "Hi"}]}


@pytest.mark.parametrize(("extra", "field", "why"), [
    ({"logprobs": True}, "logprobs", "PII scan"),
    ({"top_logprobs": 3}, "top_logprobs", "PII scan"),
    ({"n": 3}, "n", "audited answer"),
])
def test_refused_fields_say_why(extra: dict[str, Any], field: str, why: str) -> None:
    with pytest.raises(InvalidArgument) as err:
        openai.parse({**BODY, **extra}, chat=True, aliases={})
    assert field == err.value.context["field"]
    assert why in str(err.value)


def test_logprobs_false_and_n_1_are_accepted() -> None:
    """What OpenAI's SDKs send by default is no refusal."""
    params, _opts = openai.parse({**BODY, "logprobs": False, "n": 1}, chat=True, aliases={})
    assert "Hi" == params.messages[0].content
