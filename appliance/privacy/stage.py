"""The PII stage's interface, and the pass-through that stands in until masking lands.

The pipeline calls :meth:`PrivacyStage.mask` on every text that could reach a model, before
routing, and :meth:`MaskedRequest.restorer` to map placeholders back in the output stream.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import structlog

log = structlog.get_logger("appliance.privacy")


class Restorer(Protocol):
    """Turns a stream of masked output text back into what the caller may read."""

    def feed(self, text: str) -> str: ...

    def flush(self) -> str: ...


class _Identity:
    def feed(self, text: str) -> str:
        return text

    def flush(self) -> str:
        return ""


@dataclass(frozen=True)
class MaskedRequest:
    #: The texts, in the order given, with PII replaced by placeholders.
    texts: tuple[str, ...]
    #: Entity type -> how many values of that type were masked. Never the values.
    entity_counts: Mapping[str, int] = field(default_factory=dict)

    def restorer(self) -> Restorer:
        return _Identity()


class PrivacyStage(Protocol):
    #: True while this stage does not mask anything (reported by Admin.GetStatus).
    pass_through: bool

    async def mask(self, texts: Sequence[str]) -> MaskedRequest: ...


class PassThroughPrivacy:
    """Masks nothing. Stands in for the Presidio stage until it is built (issue #3)."""

    pass_through = True

    def __init__(self) -> None:
        log.warning("pii_stage_pass_through",
                    detail="PII masking is not implemented yet: prompts reach the model as sent")

    async def mask(self, texts: Sequence[str]) -> MaskedRequest:
        return MaskedRequest(texts=tuple(texts))
