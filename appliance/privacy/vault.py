"""The per-request vault: which placeholder stands for which value.

Lives in memory for one request only, is never logged or audited, and is dropped with the
request. One value gets one placeholder across all messages of the request; placeholders are
numbered per entity type in order of first appearance: ``<EMAIL_ADDRESS_1>``.
"""

from __future__ import annotations

from collections import Counter


class Vault:
    __slots__ = ("_counts", "_placeholders", "_values")

    def __init__(self) -> None:
        self._placeholders: dict[str, str] = {}
        self._values: dict[str, str] = {}
        self._counts: Counter[str] = Counter()

    def placeholder_for(self, entity_type: str, value: str) -> str:
        existing = self._placeholders.get(value)
        if existing is not None:
            return existing
        self._counts[entity_type] += 1
        placeholder = f"<{entity_type}_{self._counts[entity_type]}>"
        self._placeholders[value] = placeholder
        self._values[placeholder] = value
        return placeholder

    def value_of(self, placeholder: str) -> str | None:
        return self._values.get(placeholder)

    def entity_types(self) -> frozenset[str]:
        """The types of the values held (never the values)."""
        return frozenset(self._counts)

    def __len__(self) -> int:
        return len(self._values)

    def __repr__(self) -> str:  # never show values, even in a traceback or debugger
        return f"<Vault with {len(self._values)} placeholders>"
