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
- a line break between two digits (``138\\n0013 8000``) folded to a space, and one after a
  digit and a hyphen (``010-6512-\\n3456``) dropped;
- percent-encoded letters, digits and ``@.+-_`` decoded (``john%40example.com`` in a URL's
  query string is an e-mail address), and JSON's ``\\uXXXX`` escapes decoded (a serialiser
  that escapes non-ASCII writes 张伟 as ``\\u5f20\\u4f1f``);
- JSON's ``\\n``, ``\\r`` and ``\\t`` escapes read as the line break or space they stand for:
  in a serialised message ``"Tel:\\n0612345678"`` the number follows a line break, not the
  letter ``n``;
- an ideographic full stop between digits (``192。168。1。1``, as a Chinese input method types
  it) read as ``.``;
- a run of 64 or more punctuation characters broken by a space every 32 (spaCy's tokenizer
  reads one long run of them in quadratic time);
- traditional Chinese characters read as their simplified forms, one character for one
  (陳麗華 → 陈丽华, 聯繫人 → 联系人): the surname lists, cue words and jieba's dictionary the
  Chinese recognizers use are simplified, and Taiwan, Hong Kong and Macau write traditional.
  The table is OpenCC's character mapping (``t2s``, applied one character at a time so that no
  phrase rule changes a length), built once when the PII stage loads (:func:`load_tables`);
  a table that does not load stops the stage (fail closed), never masks less unannounced.

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
_WRAPPED_DIGITS = re.compile(r"[0-9]-?[ \t]*(?:\r\n|[\n\r\x0b\x0c])[ \t]*[0-9]")
#: JSON escapes the view decodes (``\\`` is matched so that ``\\\\n`` stays a backslash and n).
_ESCAPE = re.compile(r"\\[\\unrt]")
_ESCAPED = {"n": "\n", "r": "\r", "t": " "}
_IDEOGRAPHIC_STOPS = frozenset("\u3002\uff61")


#: CJK Unified Ideographs and Extension A: the characters OpenCC's table can simplify.
_CJK_BLOCKS = ((0x4E00, 0xA000), (0x3400, 0x4DC0))


#: Pairs OpenCC's table has at least (about 3,800 today): fewer means it did not load right.
MIN_SIMPLIFIED = 2_000


@lru_cache(maxsize=1)
def _simplified() -> dict[str, str]:
    """Traditional character -> simplified, one for one (about 3,800 pairs; ~25 ms to build)."""
    import opencc  # noqa: PLC0415 - only texts with CJK characters need it

    chars = [chr(c) for lo, hi in _CJK_BLOCKS for c in range(lo, hi)]
    # One character per line: OpenCC's phrase rules never span a line, so each maps alone.
    converted = opencc.OpenCC("t2s").convert("\n".join(chars)).split("\n")
    table = {a: b for a, b in zip(chars, converted, strict=False) if a != b and len(b) == 1}
    if len(converted) != len(chars) or len(table) < MIN_SIMPLIFIED:
        # Never seen. Without the table every name in traditional characters is missed:
        # fail closed (the PII stage does not load) rather than mask less without a word.
        raise RuntimeError(f"OpenCC's t2s table does not line up ({len(converted)} of "
                           f"{len(chars)} characters, {len(table)} pairs): reinstall opencc")
    return table


def load_tables() -> None:
    """Build the traditional-to-simplified table now (the PII stage's start), so that a
    broken OpenCC install stops the daemon at start, not its first Chinese request."""
    _simplified()


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
    folded = unicodedata.normalize("NFKC", ch)
    if len(folded) == 1 and "\u3400" <= folded <= "\u9fff":
        return _simplified().get(folded, folded)
    return folded


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
    return _break_runs(_normalize(text))


#: A run of punctuation this long is broken by a space every :data:`_RUN_BREAK` characters in
#: the view: spaCy's tokenizer strips a word's suffixes one at a time, each a search of the
#: rest, so one "word" of 10,000 commas took 18 s (quadratic). No identifier or name is made
#: of punctuation alone.
_LONG_RUN = re.compile(r"[^\w\s]{64,}")
_RUN_BREAK = 32


def _break_runs(view: Normalized) -> Normalized:
    runs = list(_LONG_RUN.finditer(view.text))
    if not runs:
        return view
    chars = list(view.text)
    for m in runs:
        for i in range(m.start() + _RUN_BREAK, m.end(), _RUN_BREAK):
            chars[i] = " "
    if view.identity:
        n = len(view.text)
        return Normalized(view.original, "".join(chars), tuple(range(n)), tuple(range(1, n + 1)))
    return Normalized(view.original, "".join(chars), view.starts, view.ends)


def _normalize(text: str) -> Normalized:
    if text.isascii() and "\t" not in text and "%" not in text \
            and _ESCAPE.search(text) is None and not _has_wrapped_digits(text):
        return Normalized(text, text, (), ())
    out: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    i = 0
    while i < len(text):
        piece, j = _step(text, i, out)
        for c in piece:
            out.append(c)
            starts.append(i)
            ends.append(j)
        i = j
    view = "".join(out)
    if view == text:
        return Normalized(text, text, (), ())
    return Normalized(text, view, tuple(starts), tuple(ends))


def _step(text: str, i: int, out: list[str]) -> tuple[str, int]:
    """What ``text[i:j]`` becomes in the view (after ``out``), and ``j``."""
    ch = text[i]
    if ch in _LINE_BREAKS:
        return _line_break(text, i, out)
    if ch == "\\":
        escaped = _escape(text, i, out)
        if escaped is not None:
            return escaped
    if ch in _IDEOGRAPHIC_STOPS and out and out[-1].isdigit() and out[-1].isascii() \
            and _digit_follows(text, i + 1):
        return ".", i + 1
    if ch == "%" and i + 2 < len(text):
        decoded = _PERCENT.get(text[i + 1:i + 3].upper())
        if decoded is not None:
            return decoded, i + 3
    return _fold(ch), i + 1


def _line_break(text: str, i: int, out: list[str]) -> tuple[str, int]:
    j = i + 1
    if text[i] == "\r" and j < len(text) and text[j] == "\n":
        j += 1
    if _after_digit_hyphen(out) and _digit_follows(text, j):
        return "", j  # 010-6512-\n3456: wrapped after a hyphen, the break is no separator
    if _after_digit(out) and _digit_follows(text, j):
        return " ", j
    return (text[i] if text[i] in "\n\r" else "\n"), i + 1


def _escape(text: str, i: int, out: list[str]) -> tuple[str, int] | None:
    """A JSON escape at ``text[i]`` (a backslash), decoded, or None."""
    nxt = text[i + 1:i + 2]
    if nxt == "\\":
        return "\\\\", i + 2
    if nxt in _ESCAPED:
        # A line break (or tab) a serialiser escaped: what it stands for, joined like a
        # real one when it falls between two digits.
        between = _after_digit(out) and _digit_follows(text, i + 2)
        return (" " if between else _ESCAPED[nxt]), i + 2
    if nxt == "u" and _HEX4.fullmatch(text, i + 2, i + 6):
        code = int(text[i + 2:i + 6], 16)
        if not 0xD800 <= code <= 0xDFFF:  # surrogate pairs stay as written
            return _fold(chr(code)) or " ", i + 6
    return None


def _after_digit(out: list[str]) -> bool:
    for c in reversed(out):
        if c != " ":
            return c.isdigit() and c.isascii()
    return False


def _after_digit_hyphen(out: list[str]) -> bool:
    """The view so far ends with a digit and a hyphen (spaces after it aside)."""
    k = len(out)
    while k > 0 and out[k - 1] == " ":
        k -= 1
    return k >= 2 and out[k - 1] == "-" and out[k - 2].isdigit() and out[k - 2].isascii()


def _digit_follows(text: str, j: int) -> bool:
    n = len(text)
    while j < n and _fold(text[j]) in ("", " "):
        j += 1
    return j < n and _fold(text[j])[:1].isdigit() and _fold(text[j])[:1].isascii()


def _has_wrapped_digits(text: str) -> bool:
    """An ASCII text with a line break between digits still needs a view."""
    return _WRAPPED_DIGITS.search(text) is not None
