"""The text the recognizers read: a normalised view of the caller's text, with a way back.

People and systems write identifiers in ways no pattern expects: full-width digits and letters
(１３８…, ｊｏｈｎ＠…), zero-width or other invisible format characters inside a number, NBSP,
narrow NBSP or ideographic spaces between digit groups, a number wrapped over two lines. The
recognizers read a normalised view instead:

- every character in its NFKC compatibility form (full-width → ASCII, ligatures split,
  circled and super-/subscript digits → digits);
- format characters (Unicode category Cf: zero-width space/joiners, word joiner, BOM, soft
  hyphen, bidi marks) removed;
- every other kind of space (Zs, tabs) folded to an ASCII space;
- a line break between two digits (``138\\n0013 8000``) folded to a space;
- percent-encoded letters, digits and ``@.+-_`` decoded (``john%40example.com`` in a URL's
  query string is an e-mail address), and JSON's ``\\uXXXX`` escapes decoded (a serialiser
  that escapes non-ASCII writes 张伟 as ``\\u5f20\\u4f1f``).

:class:`Normalized` keeps, for every character of the view, the span of original characters it
came from, so a finding in the view maps back to the original span that produced it —
obfuscation included — and that is what gets replaced.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

_LINE_BREAKS = frozenset("\n\r\u2028\u2029\x0b\x0c\x85")
_PERCENT = {f"{ord(c):02X}": c for c in
            "@.+-_0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"}
_HEX4 = re.compile(r"[0-9A-Fa-f]{4}")
_WRAPPED_DIGITS = re.compile(r"[0-9][ \t]*[\n\r\x0b\x0c][ \t]*[0-9]")


@lru_cache(maxsize=4096)
def _fold(ch: str) -> str:
    """What one original character becomes in the view ("" when it is dropped)."""
    if ch.isascii():
        return " " if ch == "\t" else ch
    category = unicodedata.category(ch)
    if category == "Cf":
        return ""
    if category == "Zs":
        return " "
    return unicodedata.normalize("NFKC", ch)


@dataclass(frozen=True)
class Normalized:
    #: The caller's text.
    original: str
    #: What the recognizers read.
    text: str
    #: For each character of ``text``: where the original characters it came from start and end.
    starts: tuple[int, ...]
    ends: tuple[int, ...]

    @property
    def identity(self) -> bool:
        return self.text is self.original

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The original span behind ``text[start:end]`` (``end > start``)."""
        if self.identity:
            return start, end
        return self.starts[start], self.ends[end - 1]

    def to_view(self, pos: int) -> int:
        """The first view position at or after original position ``pos``."""
        if self.identity:
            return pos
        return bisect.bisect_left(self.starts, pos)


def normalize(text: str) -> Normalized:
    """The recognizers' view of ``text`` (see the module docstring)."""
    if text.isascii() and "\t" not in text and "%" not in text and "\\u" not in text \
            and not _has_wrapped_digits(text):
        return Normalized(text, text, (), ())
    out: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    n = len(text)
    i = 0
    while i < n:
        ch = text[i]
        if ch in _LINE_BREAKS:
            j = i + 1
            if ch == "\r" and j < n and text[j] == "\n":
                j += 1
            if _after_digit(out) and _digit_follows(text, j):
                out.append(" ")
                starts.append(i)
                ends.append(j)
                i = j
                continue
            out.append(ch if ch in "\n\r" else "\n")
            starts.append(i)
            ends.append(i + 1)
            i += 1
            continue
        if ch == "\\" and text.startswith("u", i + 1) and i + 5 < n \
                and _HEX4.fullmatch(text, i + 2, i + 6):
            code = int(text[i + 2:i + 6], 16)
            if not 0xD800 <= code <= 0xDFFF:  # surrogate pairs stay as written
                out.append(_fold(chr(code)) or " ")
                starts.append(i)
                ends.append(i + 6)
                i += 6
                continue
        if ch == "%" and i + 2 < n:
            decoded = _PERCENT.get(text[i + 1:i + 3].upper())
            if decoded is not None:
                out.append(decoded)
                starts.append(i)
                ends.append(i + 3)
                i += 3
                continue
        folded = _fold(ch)
        for c in folded:
            out.append(c)
            starts.append(i)
            ends.append(i + 1)
        i += 1
    view = "".join(out)
    if view == text:
        return Normalized(text, text, (), ())
    return Normalized(text, view, tuple(starts), tuple(ends))


def _after_digit(out: list[str]) -> bool:
    for c in reversed(out):
        if c != " ":
            return c.isdigit() and c.isascii()
    return False


def _digit_follows(text: str, j: int) -> bool:
    n = len(text)
    while j < n and _fold(text[j]) in ("", " "):
        j += 1
    return j < n and _fold(text[j])[:1].isdigit() and _fold(text[j])[:1].isascii()


def _has_wrapped_digits(text: str) -> bool:
    """An ASCII text with a line break between digits still needs a view."""
    return _WRAPPED_DIGITS.search(text) is not None
