"""Putting the caller's values back where the model wrote placeholders, also mid-stream.

A placeholder can arrive split across tokens (``<EMAIL`` + ``_ADDRESS`` + ``_1>``). Text from
where a placeholder could still be growing is held back until it either completes or cannot be
one, so no half placeholder and no half value ever reaches the caller.

**Placeholders the request never had.** A small model copies the pattern it was shown and
invents new ones: ``<PERSON_2> (EMAIL_ADDRESS_2) called about…`` when the request held only
``<PERSON_1>`` and ``<EMAIL_ADDRESS_1>``. They stand for nobody, and read to the caller as
garbage or, worse, as somebody withheld. Every placeholder-shaped token the vault does not hold
is replaced by a neutral marker naming what kind of thing the model made up, such as
``[unknown person] ([unknown email address]) called about…``: the reader sees that the model
referred to someone the request did not contain, not a value that was hidden. Placeholder-shaped
means ``<TYPE_N>`` for any upper-case TYPE, and, for the PII entity types only, ``TYPE_N``
written bare or in square brackets (``EMAIL_ADDRESS_2``, ``[PERSON_2]``, or ``<PERSON_2`` with
its ``>`` lost); a bare or bracketed one the vault holds is restored like ``<TYPE_N>``.

Tokens of that shape that the request itself contained (a caller that masks its own data, code
with a ``PHONE_NUMBER_1`` constant) are the caller's text and pass through as written. With
``restore = keep_masked`` the vault's placeholders also stay as written; invented ones are
still replaced. The output scan's unnumbered placeholders (``<EMAIL_ADDRESS>``, PII the model
wrote on its own) are not of this shape and are left alone.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from functools import lru_cache

from appliance.config import KNOWN_PII_ENTITIES
from appliance.privacy.vault import Vault

#: A placeholder as the vault writes it.
PLACEHOLDER = re.compile(r"<[A-Z][A-Z_]*_[0-9]{1,6}>")
_MAY_GROW = re.compile(r"<(?:[A-Z][A-Z_]*(?:_[0-9]{0,6})?)?")
_MAX_PLACEHOLDER = 48
#: How a made-up placeholder of a type reads (others: the type in lower case, "_" as " ").
LABELS = {"PERSON": "person", "EMAIL_ADDRESS": "email address", "PHONE_NUMBER": "phone number",
          "CN_MOBILE": "mobile number", "CN_RESIDENT_ID": "ID number",
          "CREDIT_CARD": "card number", "CN_BANK_CARD": "card number", "IBAN_CODE": "IBAN",
          "IP_ADDRESS": "IP address", "US_SSN": "SSN", "MAC_ADDRESS": "MAC address",
          "DATE_OF_BIRTH": "date of birth", "HK_ID": "ID number", "MO_ID": "ID number",
          "TW_ID": "ID number", "CN_PASSPORT": "passport number", "US_PASSPORT": "passport number",
          "CN_TRAVEL_PERMIT": "permit number", "LOCATION": "location", "URL": "URL"}


def marker(entity_type: str) -> str:
    """What the caller reads in place of a placeholder the request never had."""
    label = LABELS.get(entity_type) or entity_type.lower().replace("_", " ").strip()
    return f"[unknown {label}]"


@lru_cache(maxsize=64)
def _shapes(types: frozenset[str]) -> tuple[re.Pattern[str], frozenset[str]]:
    """``<TYPE_N>`` for any TYPE of two or more letters (``List<T_1>`` is code); bare,
    ``[…]`` or ``>``-less for the given ``types``. And every prefix of those types."""
    names = "|".join(sorted((re.escape(t) for t in types), key=len, reverse=True))
    shape = re.compile(
        r"<(?P<a>[A-Z][A-Z_]+)_(?P<an>[0-9]{1,6})>"
        rf"|\[(?P<b>{names})_(?P<bn>[0-9]{{1,6}})\]"
        rf"|(?<![A-Za-z0-9_])<?(?P<c>{names})_(?P<cn>[0-9]{{1,6}})(?![A-Za-z0-9_>])")
    return shape, frozenset(t[:i] for t in types for i in range(1, len(t) + 1))


class PlaceholderRestorer:
    """``json_strings``: the output is JSON (structured output), so a placeholder can only
    stand inside a string; its value is escaped for one (quotes, backslashes, control
    characters), and the answer stays valid JSON. ``restore``: False for keep_masked (the
    vault's placeholders stay). ``request_texts``: the masked texts of the request, whose own
    placeholder-shaped tokens pass through (see the module docstring)."""

    def __init__(self, vault: Vault, json_strings: bool = False, *, restore: bool = True,
                 request_texts: Iterable[str] = ()) -> None:
        self._vault = vault
        self._pending = ""
        self._json = json_strings
        self._restore = restore
        self._types = KNOWN_PII_ENTITIES | vault.entity_types()
        self._shape, self._bare_prefixes = _shapes(self._types)
        self._literal = frozenset(
            p for text in request_texts for m in self._shape.finditer(text)
            if vault.value_of(p := _canonical(m)) is None)

    def feed(self, text: str) -> str:
        buf = self._pending + text
        cut = self._hold_from(buf)
        ready, self._pending = buf[:cut], buf[cut:]
        return self._substitute(ready)

    def flush(self) -> str:
        out, self._pending = self._substitute(self._pending), ""
        return out

    def _hold_from(self, buf: str) -> int:
        """Where the tail of ``buf`` that may still grow into a placeholder begins."""
        cut = len(buf)
        lt = buf.rfind("<")
        if lt != -1 and len(buf) - lt <= _MAX_PLACEHOLDER and _MAY_GROW.fullmatch(buf, lt):
            cut = lt
        # A bare or [bracketed] one: the last word, if it is the start of TYPE_N.
        start = len(buf)
        while start > 0 and len(buf) - start < _MAX_PLACEHOLDER \
                and (buf[start - 1].isascii() and (buf[start - 1].isalnum()
                                                   or buf[start - 1] == "_")):
            start -= 1
        word = buf[start:]
        if (word and self._may_grow_bare(word)) or (not word and buf.endswith("[")):
            cut = min(cut, start - 1 if start > 0 and buf[start - 1] in "[<" else start)
        return cut

    def _may_grow_bare(self, word: str) -> bool:
        """``word`` is the start of ``TYPE_N`` (TYPE one of the types), or one still growing."""
        if word in self._bare_prefixes:
            return True
        head, sep, digits = word.rpartition("_")
        return bool(sep) and head in self._types and len(digits) <= 6 \
            and (not digits or digits.isdigit())

    def _substitute(self, text: str) -> str:
        if "_" not in text:
            return text
        return self._shape.sub(self._value, text)

    def _value(self, m: re.Match[str]) -> str:
        placeholder = _canonical(m)
        if placeholder in self._literal:
            return m.group(0)
        value = self._vault.value_of(placeholder)
        if value is None:
            return marker(placeholder[1:placeholder.rindex("_")])
        if not self._restore:
            return m.group(0)
        return json.dumps(value, ensure_ascii=False)[1:-1] if self._json else value


def _canonical(m: re.Match[str]) -> str:
    """The match as the vault writes a placeholder: ``<TYPE_N>``."""
    kind = next(k for k in "abc" if m.group(k))
    return f"<{m.group(kind)}_{m.group(kind + 'n')}>"


#: A character that continues a word for a surrogate's boundary: Latin letters and digits
#: (Chinese has no spaces between words, so a Chinese name has no boundary to respect).
_WORDY = r"[0-9A-Za-z\u00C0-\u024F]"


def _wordy(c: str) -> bool:
    return bool(c) and re.fullmatch(_WORDY, c) is not None


def _edge(s: str, at: int) -> str:
    """A word boundary to require at one end of ``s``, where that end is a letter or digit:
    ``Ann Lee`` is not restored inside ``Ann Leeds``."""
    if not _wordy(s[at]):
        return ""
    return f"(?<!{_WORDY})" if at == 0 else f"(?!{_WORDY})"


class SurrogateRestorer:
    """Surrogate style: the request's surrogates back to its values, also mid-stream.

    Text from where a surrogate could still be growing is held back, like a half placeholder
    (a surrogate may arrive as ``+1 415-5`` + ``55-0134``); so is a whole one at the end of the
    text so far, whose next character may still show it to be part of a longer word. A
    surrogate is matched whole and on word boundaries, the longest first. ``json_strings`` and
    ``restore`` as for :class:`PlaceholderRestorer`. Placeholder-shaped tokens are that class's
    business: it runs first (see :func:`restorer_for`)."""

    def __init__(self, vault: Vault, json_strings: bool = False, *, restore: bool = True) -> None:
        self._vault = vault
        self._json = json_strings
        self._restore = restore
        self._surrogates = sorted(vault.surrogates(), key=len, reverse=True)
        self._pattern = re.compile("|".join(
            _edge(s, 0) + re.escape(s) + _edge(s, -1) for s in self._surrogates)) \
            if self._surrogates else None
        self._pending = ""
        #: The last character released: the word boundary before the next piece.
        self._before = ""

    def feed(self, text: str) -> str:
        buf = self._pending + text
        cut = self._hold_from(buf)
        return self._release(buf, cut)

    def flush(self) -> str:
        return self._release(self._pending, len(self._pending))

    def _hold_from(self, buf: str) -> int:
        """Where the tail of ``buf`` that may still become (or extend) a surrogate begins."""
        cut = len(buf)
        for s in self._surrogates:
            for k in range(min(len(s), len(buf)), 0, -1):
                start = len(buf) - k
                if start >= cut:
                    break
                if buf.endswith(s[:k]) and (k < len(s) or _wordy(s[-1])) and not (
                        _wordy(s[0]) and _wordy(buf[start - 1] if start else self._before)):
                    cut = start
                    break
        return cut

    def _release(self, buf: str, cut: int) -> str:
        if self._pattern is None or not self._restore:
            self._pending = buf[cut:]
            self._before = (self._before + buf[:cut])[-1:]
            return buf[:cut]
        text = self._before + buf
        offset = len(self._before)
        out: list[str] = []
        pos = offset
        for m in self._pattern.finditer(text, offset):
            if m.end() > offset + cut:
                # Straddles the cut: hold it whole.
                cut = min(cut, m.start() - offset)
                break
            value = self._vault.value_of(m.group(0)) or m.group(0)
            out += [text[pos:m.start()],
                    json.dumps(value, ensure_ascii=False)[1:-1] if self._json else value]
            pos = m.end()
        out.append(text[pos:offset + cut])
        self._pending = buf[cut:]
        # The boundary is judged on the model's text (the surrogate), not on the value.
        self._before = text[:offset + cut][-1:]
        return "".join(out)


class Chain:
    """Two restorers, one after the other, as one."""

    def __init__(self, first: PlaceholderRestorer, then: SurrogateRestorer) -> None:
        self._first, self._then = first, then

    def feed(self, text: str) -> str:
        return self._then.feed(self._first.feed(text))

    def flush(self) -> str:
        return self._then.feed(self._first.flush()) + self._then.flush()


def restorer_for(vault: Vault, json_strings: bool = False, *, restore: bool = True,
                 request_texts: Iterable[str] = ()) -> PlaceholderRestorer | Chain:
    """The vault's restorer: placeholders (known ones restored, invented ones marked), and in
    surrogate style then the surrogates."""
    placeholders = PlaceholderRestorer(vault, json_strings, restore=restore,
                                       request_texts=request_texts)
    if not vault.surrogates():
        return placeholders
    return Chain(placeholders, SurrogateRestorer(vault, json_strings, restore=restore))
