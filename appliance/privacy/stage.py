"""The PII stage's interface and the masked request it produces.

The pipeline calls :meth:`PrivacyStage.mask` on every text that could reach a model, before
routing, and :meth:`MaskedRequest.restorer` to map placeholders back in the output stream.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Protocol, runtime_checkable

from appliance.privacy.restore import restorer_for
from appliance.privacy.vault import Vault


class Restorer(Protocol):
    """Turns a stream of masked output text back into what the caller may read."""

    def feed(self, text: str) -> str: ...

    def flush(self) -> str: ...


@dataclass(frozen=True)
class Finding:
    """One masked value: its type, where it was in the original text, and its placeholder."""

    entity_type: str
    start: int
    end: int
    placeholder: str
    score: float


@dataclass(frozen=True)
class MaskedRequest:
    #: The texts, in the order given, with PII replaced by placeholders (or surrogates).
    texts: tuple[str, ...]
    #: Per text, what was masked (positions in the original text). Never logged.
    findings: tuple[tuple[Finding, ...], ...] = ()
    vault: Vault = field(default_factory=Vault, repr=False)
    #: Whether the caller gets its values back in the answer (policy ``restore``).
    restore: bool = True
    #: The request's stop strings, masked with the same vault as the texts.
    stop: tuple[str, ...] = ()
    #: The answer is JSON (structured output): restored values are escaped for JSON strings.
    json_output: bool = False

    def split_stop(self, n_texts: int) -> MaskedRequest:
        """The first ``n_texts`` texts stay texts; the rest were the stop strings, masked in
        the same call so a value has one placeholder in both."""
        if n_texts >= len(self.texts):
            return self
        return replace(self, texts=self.texts[:n_texts], stop=self.texts[n_texts:])

    @property
    def entity_counts(self) -> Mapping[str, int]:
        """Entity type -> number of distinct values masked. Never the values."""
        seen: dict[str, set[str]] = {}
        for per_text in self.findings:
            for f in per_text:
                seen.setdefault(f.entity_type, set()).add(f.placeholder)
        return {k: len(v) for k, v in sorted(seen.items())}

    def restorer(self) -> Restorer:
        """Restores the vault's placeholders or surrogates (unless the policy keeps them
        masked) and replaces placeholders the model made up (see :mod:`restore`)."""
        return restorer_for(self.vault, json_strings=self.json_output, restore=self.restore,
                            request_texts=(*self.texts, *self.stop))


class OutputFilter(Protocol):
    """What the model writes, on its way to the caller: scanned, then restored."""

    #: PII the model wrote on its own and the filter masked, by type.
    masked_counts: dict[str, int]

    @property
    def masked_text(self) -> str:
        """Everything released so far, as masked text (before restore): what the audit keeps."""
        ...

    async def feed(self, text: str) -> str: ...

    async def flush(self) -> str: ...


class PrivacyStage(Protocol):
    #: True while this stage does not mask anything (reported by Admin.GetStatus).
    pass_through: bool

    async def mask(self, texts: Sequence[str], namespace: str | None = None) -> MaskedRequest:
        """Mask ``texts`` in one vault. ``namespace``: whose remembered analyses of long
        texts may be reused (the request's cache namespace); None: none are."""

    def output(self, masked: MaskedRequest) -> OutputFilter: ...


@runtime_checkable
class EachMasking(Protocol):
    """A PII stage that masks many texts, each on its own, faster than one call each."""

    async def mask_each(self, texts: Sequence[str],
                        namespace: str | None = None) -> list[MaskedRequest]:
        """Each of ``texts`` masked as ``mask([text], namespace)`` masks it (its own vault)."""
