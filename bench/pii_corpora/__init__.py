"""Evaluation corpora written apart from the recognizers, for ``bench/pii_eval.py``.

Each generator is deterministic from its seed and labels what it wrote: the PII values (class,
start, end), the look-alikes that must stay (order numbers, ISBNs, versions...), and the
register of the template (a chat, a form, a log line...). The values come from sources the
recognizers and their training data never used: the mimesis library (:mod:`mimesis_corpus`)
and lists and checksummed numbers written by hand here (:mod:`handmade_corpus`); the templates
are this package's own. Nothing here may be used to train or tune a recognizer.

A class name is what the value *is*, not a Presidio entity type: scoring is type-agnostic (a
value is masked when findings of any type cover every letter and digit of it), so the bench
does not depend on how a recognizer names what it finds.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

#: Identifiers with a fixed shape: the target is 0 leaks, adversarial renderings included.
STRUCTURED = frozenset({
    "EMAIL_ADDRESS", "PHONE_NUMBER", "CREDIT_CARD", "IBAN_CODE", "IP_ADDRESS", "US_SSN",
    "CRYPTO", "CN_RESIDENT_ID", "CN_MOBILE", "CN_BANK_CARD", "HK_ID", "MO_ID", "TW_ID",
    "CN_PASSPORT", "CN_TRAVEL_PERMIT", "CN_MILITARY_ID", "MAC_ADDRESS",
})
#: Written in the corpora because people write them, but no entity type is meant to cover them
#: yet (军官证, the PLA officer's card): reported per class, left out of the leak-rate targets.
NOT_CONFIGURED = frozenset({"CN_MILITARY_ID"})
#: Names: PERSON in Latin script (any origin), PERSON_ZH in Chinese characters.
NAMES = frozenset({"PERSON", "PERSON_ZH"})
#: Scored under the default profile: identifiers, names and dates of birth.
DEFAULT_CLASSES = STRUCTURED | NAMES | {"DATE_OF_BIRTH"}
#: Scored only under the strict profile, each with the entity types that may cover it (the
#: first of them that the config knows makes the class available).
STRICT_CLASSES: Mapping[str, tuple[str, ...]] = {
    "ADDRESS": ("ADDRESS", "LOCATION"),
    "LOCATION": ("LOCATION", "ADDRESS"),
    "ORGANIZATION": ("ORGANIZATION", "ORG"),
    "AGE": ("AGE",),
    "DATE": ("DATE_TIME", "DATE"),
    "URL": ("URL",),
    "POSTCODE": ("POSTCODE", "ADDRESS"),
    "NRP": ("NRP",),
}
#: Registers that render values to dodge recognizers: full-width digits, odd spacing and
#: grouping, a value wrapped over a line or glued to an escaped "\n".
ADVERSARIAL = frozenset({"adv_fullwidth", "adv_spacing", "adv_grouping", "adv_wrapped",
                         "adv_escaped_newline"})

#: A template's slot: ``[[name]]``. Square brackets, so JSON and code templates keep braces.
_SLOT = re.compile(r"\[\[(\w+)\]\]")
#: The label of a look-alike slot (a value that must stay); "" labels plain filler.
LOOK = "~"


@dataclass(frozen=True)
class Record:
    """One text and what is in it. Positions are ``text`` indices, end exclusive."""

    text: str
    values: tuple[tuple[str, int, int], ...]
    lookalikes: tuple[tuple[int, int], ...]
    register: str
    corpus: str


def compose(template: str, slots: Mapping[str, tuple[str, str]], register: str,
            corpus: str) -> Record:
    """Fill ``[[name]]`` slots with ``slots[name] = (label, text)`` and record where each
    labelled text landed. A label is a class, :data:`LOOK`, or "" for unlabelled filler; a
    slot used twice is labelled twice."""
    parts: list[str] = []
    values: list[tuple[str, int, int]] = []
    looks: list[tuple[int, int]] = []
    pos = last = 0
    for m in _SLOT.finditer(template):
        literal = template[last:m.start()]
        parts.append(literal)
        pos += len(literal)
        label, text = slots[m.group(1)]
        if label == LOOK:
            looks.append((pos, pos + len(text)))
        elif label:
            values.append((label, pos, pos + len(text)))
        parts.append(text)
        pos += len(text)
        last = m.end()
    parts.append(template[last:])
    return Record("".join(parts), tuple(values), tuple(looks), register, corpus)
