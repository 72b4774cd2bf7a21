"""Reading a JSON request body field by field, for every HTTP wire format (OpenAI's chat and
Responses, Anthropic's Messages): each reader names the field and the rule it breaks, never
the value sent (it may be personal data), and a key the format does not know is refused by
its position, never by its text."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from appliance.errors import InvalidArgument


def bad(field: str, rule: str) -> InvalidArgument:
    return InvalidArgument(f"{field}: {rule}", field=field)


def typed(body: Mapping[str, Any], field: str, kind: type | tuple[type, ...],
          what: str) -> Any:
    """``body[field]`` when it is a ``kind`` (a finite number, for floats); None when absent."""
    value = body.get(field)
    if value is None:
        return None
    if isinstance(value, bool) and bool not in (kind if isinstance(kind, tuple) else (kind,)):
        raise bad(field, f"must be {what}")
    if not isinstance(value, kind):
        raise bad(field, f"must be {what}")
    if isinstance(value, float) and not math.isfinite(value):
        raise bad(field, f"must be {what}")
    return value


def number(body: Mapping[str, Any], field: str) -> float | None:
    value = typed(body, field, (int, float), "a number")
    return None if value is None else float(value)


def integer(body: Mapping[str, Any], field: str) -> int | None:
    value = typed(body, field, int, "an integer")
    return None if value is None else int(value)


def flag(body: Mapping[str, Any], field: str, default: bool) -> bool:
    value = typed(body, field, bool, "true or false")
    return default if value is None else bool(value)


def check_keys(body: Mapping[str, Any], known: frozenset[str], unsupported: Mapping[str, str],
               no_effect: frozenset[str]) -> None:
    """Every key of ``body`` is known or without effect; a feature the format has and the
    appliance does not is refused by name (``unsupported``: key -> why)."""
    for position, field in enumerate(body, start=1):
        if field in unsupported:
            raise bad(field, unsupported[field])
        if field not in known and field not in no_effect:
            # Not named: a caller's key may be anything, personal data included (a key
            # "x4111111111111111" carries a card number). Which keys are accepted is
            # documented; the position says which one.
            raise InvalidArgument(f"body: key number {position} is not a recognized request "
                                  f"argument", field="body")


#: The appliance's own fields, accepted beside every wire format's.
APPLIANCE_FIELDS = frozenset({"task_type", "priority", "allow_fallback", "include_reasoning",
                              "allow_escalation", "top_k", "min_p", "repetition_penalty"})


def appliance_fields(body: Mapping[str, Any]) -> dict[str, Any]:
    """The request-model fields those set (routing hints, flags, extra sampler controls)."""
    return {"task_type": typed(body, "task_type", str, "a string") or "",
            "include_reasoning": flag(body, "include_reasoning", default=True),
            "allow_fallback": flag(body, "allow_fallback", default=True),
            "allow_escalation": flag(body, "allow_escalation", default=True),
            "priority": integer(body, "priority") or 0,
            "top_k": integer(body, "top_k"), "min_p": number(body, "min_p"),
            "repetition_penalty": number(body, "repetition_penalty")}
