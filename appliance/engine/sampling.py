"""Generation controls: their ranges, written once for the request validator and the config.

A request may set each of these; a field it leaves unset takes the tier's default
(``models.<tier>.<name>``), else the engine's own (:data:`ENGINE_DEFAULTS`).
"""

from __future__ import annotations

import math

#: Field -> (lowest, highest, lowest excluded, what it means), inclusive unless excluded.
RANGES: dict[str, tuple[float, float, bool, str]] = {
    "temperature": (0.0, 2.0, False, "0 is greedy"),
    "top_p": (0.0, 1.0, True, "nucleus sampling, 1 is off"),
    "top_k": (0, 1000, False, "0 is off"),
    "min_p": (0.0, 1.0, False, "0 is off"),
    "repetition_penalty": (0.0, 2.0, True, "1 is off; above 1 discourages repeats"),
    "frequency_penalty": (-2.0, 2.0, False, "0 is off"),
    "presence_penalty": (-2.0, 2.0, False, "0 is off"),
}
#: What a field is when neither the request nor the tier sets it (llama-cpp-python's chain).
ENGINE_DEFAULTS: dict[str, float] = {
    "temperature": 0.8, "top_p": 1.0, "top_k": 40, "min_p": 0.05, "repetition_penalty": 1.0,
    "frequency_penalty": 0.0, "presence_penalty": 0.0,
}
GENERATION_FIELDS = tuple(RANGES)
#: logit_bias: at most this many entries, each bias in [-100, 100] (as OpenAI's API).
MAX_LOGIT_BIAS = 300
LOGIT_BIAS_RANGE = 100.0


def problem(name: str, value: float) -> str | None:
    """Why ``value`` is not allowed for generation field ``name``, or None."""
    lo, hi, open_low, meaning = RANGES[name]
    if not math.isfinite(value) or value > hi or value < lo or (open_low and value == lo):
        span = f"greater than {lo:g} and at most {hi:g}" if open_low else \
            f"between {lo:g} and {hi:g}"
        return f"must be {span} ({meaning}), got {value:g}"
    if name == "top_k" and value != int(value):
        return f"must be a whole number, got {value:g}"
    return None
