"""Output scan: PII the model wrote on its own is masked before it leaves.

The model only ever sees placeholders, so any PII in its output was invented or regurgitated
from training data, never the caller's. It is replaced by an unnumbered placeholder of its type
(``<EMAIL_ADDRESS>``), which restore leaves alone. Placeholders from the request are skipped,
and so are its surrogates (surrogate style): a card number the model repeats from the prompt is
the caller's own, restored after the scan, also when a stream cuts it in two.

Streams are scanned as they go, in one of two modes:

- **word** (the default, ``pii.output_scan_entities`` without NER types): pattern recognizers
  only. :func:`word_cut` holds back the last word, and the words before it while they contain
  digits (phone numbers, cards and IBANs are written in digit groups), so an identifier is
  always scanned whole; everything before that is released. A stream lags by about one word.
- **sentence** (``PERSON`` or another NER type in ``output_scan_entities``): NER needs context,
  so :class:`Segmenter` holds text until a sentence or line ends.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from appliance.privacy.analyzer import Analyzer, Span
from appliance.privacy.restore import PLACEHOLDER

NER_TYPES = frozenset({"PERSON", "LOCATION", "NRP", "DATE_TIME"})
#: Types whose every value contains a digit or an "@": text with neither cannot hold one, and
#: need not be scanned at all (most of a typical answer).
CLUED_TYPES = frozenset({"EMAIL_ADDRESS", "PHONE_NUMBER", "CREDIT_CARD", "IBAN_CODE",
                         "IP_ADDRESS", "US_SSN", "CRYPTO", "CN_RESIDENT_ID", "CN_MOBILE",
                         "CN_BANK_CARD", "US_BANK_NUMBER", "US_ITIN", "US_PASSPORT", "UK_NHS",
                         "MAC_ADDRESS", "HK_ID", "MO_ID", "TW_ID", "CN_PASSPORT",
                         "CN_TRAVEL_PERMIT", "DATE_OF_BIRTH"})
_CLUE = re.compile(r"[0-9@]")

_BOUNDARY = re.compile(r"(?:[.!?](?=\s)|[。！？]|\n)")
_SAFE_SPACE = re.compile(r"(?<![0-9])\s|\s(?![0-9+(])")
_WORD = re.compile(r"\S+")
_DIGITISH = re.compile(r"[0-9]|^[+(]+$")
MAX_SEGMENT = 240
#: A held-back run longer than this is released anyway (no identifier is this long), keeping
#: the last MAX_IDENTIFIER characters back.
MAX_HOLD = 256
MAX_IDENTIFIER = 64


def word_cut(buf: str) -> int:
    """How much of ``buf`` can be scanned and released now (see the module docstring)."""
    words = list(_WORD.finditer(buf))
    if not words:
        return len(buf)
    cut = len(buf)
    last = words[-1]
    if last.end() == len(buf) or _DIGITISH.search(last.group(0)):
        cut = last.start()
        for w in reversed(words[:-1]):
            if not _DIGITISH.search(w.group(0)):
                break
            cut = w.start()
    return cut


class Segmenter:
    """Sentence mode: releases text a sentence (or line) at a time."""

    def __init__(self, max_segment: int = MAX_SEGMENT) -> None:
        self._buf = ""
        self._max = max_segment

    def feed(self, text: str) -> list[str]:
        self._buf += text
        out = []
        while True:
            ends = [m.end() for m in _BOUNDARY.finditer(self._buf)]
            if ends:
                cut = ends[-1]
            elif len(self._buf) > self._max:
                spaces = [m.end() for m in _SAFE_SPACE.finditer(self._buf, 0, self._max)]
                cut = spaces[-1] if spaces else len(self._buf)
            else:
                break
            out.append(self._buf[:cut])
            self._buf = self._buf[cut:]
            if ends:
                break
        return out

    def flush(self) -> str:
        out, self._buf = self._buf, ""
        return out


def find_output_pii(analyzer: Analyzer, text: str, entities: frozenset[str]) -> list[Span]:
    if entities & NER_TYPES:
        return [s for s in analyzer.find(text) if s.entity_type in entities]
    return analyzer.find_patterns(text, entities)


def _surrogate_spans(text: str, exempt: Sequence[str],
                     ) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """Where the request's surrogates stand in ``text``: whole ones (a finding that overlaps one
    is left alone), and the part of one cut off at either end of this piece of a stream (a
    finding inside that part is left alone)."""
    whole: list[tuple[int, int]] = []
    parts: list[tuple[int, int]] = []
    for s in exempt:
        at = text.find(s)
        while at != -1:
            whole.append((at, at + len(s)))
            at = text.find(s, at + 1)
        head = next((k for k in range(min(len(s), len(text) + 1) - 1, 0, -1)
                     if text.startswith(s[-k:])), 0)
        tail = next((k for k in range(min(len(s), len(text) + 1) - 1, 0, -1)
                     if text.endswith(s[:k])), 0)
        parts += [(0, head)] * bool(head) + [(len(text) - tail, len(text))] * bool(tail)
    return whole, parts


#: Where a JSON text stands: (inside a string, just after a backslash in one).
JsonState = tuple[bool, bool]
JSON_START: JsonState = (False, False)
#: The characters of a JSON number.
_JSON_NUMBER = frozenset("0123456789+-.eE")


def json_walk(text: str, state: JsonState) -> tuple[list[bool], JsonState]:
    """Whether each character of ``text`` lies inside a JSON string (its quotes excluded),
    given the ``state`` at its start; and the state after it."""
    inside, escaped = state
    flags = []
    for ch in text:
        if not inside:
            flags.append(False)
            inside = ch == '"'
        elif escaped:
            flags.append(True)
            escaped = False
        elif ch == "\\":
            flags.append(True)
            escaped = True
        elif ch == '"':
            flags.append(False)
            inside = False
        else:
            flags.append(True)
    return flags, (inside, escaped)


def mask_spans(text: str, spans: Iterable[Span], exempt: Sequence[str] = (),
               json_state: JsonState | None = None) -> tuple[str, dict[str, int]]:
    """``text`` with ``spans`` masked, except request placeholders and the surrogates in
    ``exempt`` (the model repeating them is the request's own data, restored later).
    ``json_state``: the text is (a piece of) a JSON answer, in this state at its start: a
    value masked outside a string (a number the model wrote) becomes a JSON string,
    ``"<CREDIT_CARD>"``, so that the answer still parses (its schema's type for that value
    no longer holds, which a client's validation then says)."""
    spans = list(spans)
    # (the caller walks the released text for the next piece's state; here only when a
    # value is masked)
    in_string = json_walk(text, json_state)[0] if json_state is not None and spans else None
    keep = [m.span() for m in PLACEHOLDER.finditer(text)]
    inside: list[tuple[int, int]] = []
    if exempt:
        whole, inside = _surrogate_spans(text, exempt)
        keep += whole
    parts: list[str] = []
    counts: dict[str, int] = {}
    pos = 0
    for s in spans:
        if s.start < pos or any(s.start < e and s.end > b for b, e in keep) or any(
                b <= s.start and s.end <= e for b, e in inside):
            continue
        placeholder, start, end = f"<{s.entity_type}>", s.start, s.end
        if in_string is not None and not in_string[start]:
            # The whole number it is part of becomes the string (-4111… or 4111….5 would
            # otherwise leave a sign or a fraction beside the quotes).
            while start > pos and text[start - 1] in _JSON_NUMBER:
                start -= 1
            while end < len(text) and text[end] in _JSON_NUMBER:
                end += 1
            placeholder = f'"{placeholder}"'
        parts += [text[pos:start], placeholder]
        counts[s.entity_type] = counts.get(s.entity_type, 0) + 1
        pos = end
    parts.append(text[pos:])
    return "".join(parts), counts


def scan_output(analyzer: Analyzer, text: str, entities: frozenset[str] | None = None,
                exempt: Sequence[str] = (), json_state: JsonState | None = None,
                ) -> tuple[str, dict[str, int]]:
    """``text`` with PII that is not a request placeholder (or one of the request's surrogates,
    ``exempt``) masked; and counts by type. ``json_state``: see :func:`mask_spans`."""
    if not text.strip():
        return text, {}
    wanted = entities if entities is not None else frozenset(analyzer.policy.output_scan_entities)
    return mask_spans(text, find_output_pii(analyzer, text, wanted), exempt, json_state)


def needs_scan(text: str, entities: frozenset[str]) -> bool:
    """False when ``text`` cannot contain any of ``entities`` (no digit, no @)."""
    return not entities <= CLUED_TYPES or _CLUE.search(text) is not None


def scan_words(analyzer: Analyzer, buf: str, entities: frozenset[str],  # noqa: PLR0913, PLR0917 - the scan's options (run_in_executor passes them by position)
               final: bool, exempt: Sequence[str] = (), json_state: JsonState | None = None,
               ) -> tuple[str, str, dict[str, int]]:
    """Word mode, one step: (released and masked text, text still held, counts)."""
    cut = len(buf) if final else word_cut(buf)
    if not final and len(buf) - cut > MAX_HOLD:
        cut = len(buf) - MAX_IDENTIFIER
        for s in analyzer.find_patterns(buf, entities):
            if s.start < cut < s.end:
                cut = s.start
    if cut <= 0:
        return "", buf, {}
    out, counts = scan_output(analyzer, buf[:cut], entities, exempt, json_state)
    return out, buf[cut:], counts
