"""The per-request vault: which placeholder (or surrogate) stands for which value.

Lives in memory for one request only, is never logged or audited, and is dropped with the
request. One value gets one placeholder across all messages of the request; placeholders are
numbered per entity type in order of first appearance: ``<EMAIL_ADDRESS_1>``. With
``surrogates`` (``[pii] style = "surrogate"``) a value gets a made-up value of its type instead
(see :mod:`surrogates`), or a placeholder where no surrogate fits; both map back the same way.
"""

from __future__ import annotations

from collections import Counter

from appliance.privacy.surrogates import Surrogates


class Vault:
    __slots__ = ("_counts", "_drawn", "_placeholders", "_surrogates", "_values")

    def __init__(self, surrogates: Surrogates | None = None) -> None:
        self._placeholders: dict[str, str] = {}
        self._values: dict[str, str] = {}
        self._counts: Counter[str] = Counter()
        self._surrogates = surrogates
        self._drawn: list[str] = []

    def placeholder_for(self, entity_type: str, value: str) -> str:
        """The value's stand-in: its placeholder, or in surrogate style its surrogate."""
        existing = self._placeholders.get(value)
        if existing is not None:
            return existing
        self._counts[entity_type] += 1
        token = self._surrogates.draw(entity_type, value) if self._surrogates else None
        if token is not None:
            self._drawn.append(token)
        placeholder = token or f"<{entity_type}_{self._counts[entity_type]}>"
        self._placeholders[value] = placeholder
        self._values[placeholder] = value
        return placeholder

    def value_of(self, placeholder: str) -> str | None:
        return self._values.get(placeholder)

    def surrogates(self) -> tuple[str, ...]:
        """The surrogates handed out (empty in placeholder style): what restore looks for, and
        what the output scan must leave alone."""
        return tuple(self._drawn)

    def entity_types(self) -> frozenset[str]:
        """The types of the values held (never the values)."""
        return frozenset(self._counts)

    def __len__(self) -> int:
        return len(self._values)

    def __repr__(self) -> str:  # never show values, even in a traceback or debugger
        return f"<Vault with {len(self._values)} placeholders>"
