"""Remembered PII analyses of long texts: a support bot's 1,000-token system prompt, the
earlier turns of a chat, or the documents a RAG prompt repeats are analysed once, not on every
request.

What is kept is the *result* of :meth:`Analyzer.find` — entity types, offsets and scores — keyed
by a keyed hash (HMAC-SHA-256 with a key made at start, never stored) of the namespace and the
text. No text and no PII value is kept: a hit re-reads the values from the request's own text,
so placeholders and the restore vault are built per request exactly as without the cache.
Nothing is written to disk; a reload (a new PII stage) starts empty.

A long text is remembered in blocks, so that a text sharing passages with an earlier one reuses
the analysis of what it shares: a raw prompt (the same system prompt, then a new question), a
RAG prompt with one document swapped. Blocks end at the analyser's cut points (line breaks and
sentence ends outside tables, lists and wrapped numbers: see :meth:`Analyzer.cut_points`), each
at least ``block_chars`` long, chosen by the text just before the cut, so that the same passage
gives the same blocks wherever it stands, in a paragraph of prose as in a list of lines. The
last of those blocks is cut again into blocks of at least ``fine_chars``: the end of a text is
what the next request most often changes.

Each block is analysed on its own, in a *window*: the block with at least ``margin``
characters of context before it and ``margin_after`` after it, out to the nearest cut points
(whole sentences and lines: recognizers read a line's first letter and the words around a
finding). What that analysis finds touching the block is the block's, and the key covers
exactly the window's text and where the block lies in it: a block's findings depend on nothing
its key does not cover, so a remembered block gives what analysing it again would, whatever
text is around it now (a changed end, a changed beginning), and a text masks the same with the
cache empty or full. The blocks' findings are merged. A text of one block is analysed whole.
That blocks find what the whole text analysed at once finds is what the margins are for; it is
checked by tests/unit/test_span_cache_equivalence.py on random texts of many kinds and measured
by ``bench/analysis_blocks``. Known exceptions are recognizers that read a whole text or line
(the share of letters in each script, ModelNerRecognizer's "one word alone" in a text with one
alphabetic token, the share of capitalised words in a line): a window can differ there from the
whole text. Names found in one block are still looked for in the whole request afterwards
(:meth:`Analyzer.mentions`). A text seen for the first time costs more than one analysis of it
(about 1.4x: the margins are read twice), a text whose end changed far less.

Isolation: the namespace is the request's cache namespace (its identity, or the namespace its
policy names), as for the KV prefix cache, so a hit — which is faster, a timing signal — only
ever follows the same identity's own earlier request (security/THREAT_MODEL.md). Short texts
are not cached: they are cheap to analyse and the likeliest to be one-off personal messages.
"""

from __future__ import annotations

import bisect
import hashlib
import hmac
import os
import threading
import zlib
from collections import OrderedDict
from typing import Protocol

from appliance.privacy.analyzer import Span, non_overlapping

#: A block holds at least this many characters (longer: less context read twice when a text is
#: first seen; shorter: less of a text analysed again where it changed).
BLOCK_CHARS = 1024
#: Characters of context before a block that its window holds, at least: Presidio's context
#: words reach 24 tokens back (context.py), the cue words of our recognizers 12-40 characters,
#: the NER models 4 tokens either side.
MARGIN = 160
#: Characters of context after a block that its window holds, at least: what is read forward
#: is a few words (the rest of a name, an address or a number; the NER models' 4 tokens).
MARGIN_AFTER = 64
#: The last block of a text is cut further, into blocks of at least this many characters (0:
#: not cut).
FINE_CHARS = 192
#: Of the cut points past block_chars, about one in this many ends a block.
_CUT_ONE_IN = 2


class Analyser(Protocol):
    def find(self, text: str, lang: str = "auto",
             focus: tuple[int, int] | None = None) -> list[Span]: ...

    def cut_points(self, text: str) -> list[int]: ...


class SpanCache:
    def __init__(self, entries: int, min_chars: int, block_chars: int = BLOCK_CHARS,  # noqa: PLR0913 - sizes, for tests and benches
                 margin: int = MARGIN, *, fine_chars: int = FINE_CHARS,
                 margin_after: int = MARGIN_AFTER) -> None:
        self.entries = entries
        self.min_chars = min_chars
        self.block_chars = block_chars
        self.margin = margin
        self.margin_after = margin_after
        self.fine_chars = fine_chars
        self._key = os.urandom(32)
        self._lru: OrderedDict[bytes, tuple[Span, ...]] = OrderedDict()
        self._lock = threading.Lock()  # the PII pool's threads share it
        #: Lookups (of a whole text or of one block) answered from memory, and not.
        self.hits = 0
        self.misses = 0
        #: Characters of text whose analysis was reused.
        self.reused_chars = 0

    def _digest(self, namespace: str, lang: str, text: str, core: tuple[int, int]) -> bytes:
        mac = hmac.new(self._key, digestmod=hashlib.sha256)
        for part in (namespace, lang, f"{core[0]}:{core[1]}"):
            mac.update(part.encode() + b"\0")
        mac.update(text.encode("utf-8", "surrogatepass"))
        return mac.digest()

    def find(self, namespace: str, text: str, lang: str, analyser: Analyser) -> list[Span]:
        """``analyser.find(text, lang)``, reusing what is remembered for this namespace."""
        if self.entries <= 0 or len(text) < self.min_chars:
            return analyser.find(text, lang)
        cuts = analyser.cut_points(text) if len(text) >= 2 * self.block_chars else []
        blocks = self._blocks(text, cuts)
        windows = [self._window(text, cuts, start, end) for start, end in blocks]
        # A block whose window reaches the text's end is read with the last block, as one:
        # its window already holds all of that block, the next request most often changes
        # the end (it would be read again anyway), and one analysis of both costs far less
        # than two (the PII model and each recognizer have a fixed cost per call: a new
        # question after a prompt of prose, 19.9 -> 12 ms).
        while len(blocks) > 1 and windows[-2][1] == len(text):
            blocks[-2:] = [(blocks[-2][0], len(text))]
            windows[-2:] = [self._window(text, cuts, *blocks[-1])]
        keys = [self._digest(namespace, lang, text[ws:we], (start - ws, end - ws))
                for (start, end), (ws, we) in zip(blocks, windows, strict=True)]
        with self._lock:
            found: list[tuple[Span, ...] | None] = []
            for key in keys:
                remembered = self._lru.get(key)
                if remembered is not None:
                    self._lru.move_to_end(key)
                found.append(remembered)
            missing = [i for i, f in enumerate(found) if f is None]
            self.hits += len(keys) - len(missing)
            self.misses += len(missing)
            self.reused_chars += sum(e - s for (s, e), f in zip(blocks, found, strict=True)
                                     if f is not None)
        # Outside the lock: analyses run in parallel. Each block alone, in its own window.
        fresh: dict[int, tuple[Span, ...]] = {}
        for i in missing:
            ws, we = windows[i]
            start, end = blocks[i]
            spans = [Span(s.entity_type, s.start + ws, s.end + ws, s.score)
                     for s in analyser.find(text[ws:we], lang, focus=(start - ws, end - ws))]
            fresh[i] = _file(spans, *blocks[i])
        self._store(keys, fresh)
        of_blocks = [f if f is not None else fresh[i] for i, f in enumerate(found)]
        if len(blocks) == 1:
            return list(of_blocks[0])
        out: list[Span] = []
        for i, (start, _end) in enumerate(blocks):
            ws, we = windows[i]
            for s in of_blocks[i]:
                # Stored relative to the block's start; never beyond the window its key covers.
                a, b = max(ws, s.start + start), min(we, s.end + start)
                if a < b:
                    out.append(Span(s.entity_type, a, b, s.score))
        return non_overlapping(out)

    def _blocks(self, text: str, cuts: list[int]) -> list[tuple[int, int]]:
        """Blocks of at least block_chars, ending at cut points chosen by the text just
        before them (content-defined, as rsync or restic chunk files): the same passage gives
        the same blocks wherever it is, after a changed beginning or middle too. The last
        such block is cut further, into blocks of at least ``fine_chars`` at every cut point
        past that: a text's end is what the next request most often changes (a new question
        after the same prompt), and then only the small block the change falls in is
        analysed again, not the whole last block. (:meth:`find` then reads a block whose
        window reaches the text's end together with the last block.)"""
        blocks, start = [], 0
        for cut in cuts:
            size = cut - start
            if size < self.block_chars or len(text) - cut < self.block_chars // 4:
                continue
            tail = text[max(start, cut - 64):cut].encode("utf-8", "surrogatepass")
            if size >= 4 * self.block_chars or zlib.crc32(tail) % _CUT_ONE_IN == 0:
                blocks.append((start, cut))
                start = cut
        if self.fine_chars:
            for cut in cuts[bisect.bisect_right(cuts, start):]:
                if cut - start >= self.fine_chars and len(text) - cut >= self.fine_chars // 2:
                    blocks.append((start, cut))
                    start = cut
        blocks.append((start, len(text)))
        return blocks

    def _window(self, text: str, cuts: list[int], start: int, end: int) -> tuple[int, int]:
        """The block with at least ``margin`` characters before it and ``margin_after``
        after it, out to the next cut point beyond that: whole sentences and lines, so that
        the window's first line starts where a line or a sentence does (recognizers read a
        line's first letter and its capitalised words)."""
        ws, we = start - self.margin, end + self.margin_after
        i = bisect.bisect_right(cuts, ws) - 1
        ws = cuts[i] if ws > 0 and i >= 0 else 0
        i = bisect.bisect_left(cuts, we)
        we = cuts[i] if we < len(text) and i < len(cuts) else len(text)
        return ws, we

    def _store(self, keys: list[bytes], spans: dict[int, tuple[Span, ...]]) -> None:
        with self._lock:
            for i, of_block in spans.items():
                self._lru[keys[i]] = of_block
                self._lru.move_to_end(keys[i])
            while len(self._lru) > self.entries:
                self._lru.popitem(last=False)

    def __len__(self) -> int:
        return len(self._lru)


def _file(spans: list[Span], start: int, end: int) -> tuple[Span, ...]:
    """The findings that touch block [start, end), relative to its start."""
    return tuple(Span(s.entity_type, s.start - start, s.end - start, s.score)
                 for s in spans if s.start < end and s.end > start)
