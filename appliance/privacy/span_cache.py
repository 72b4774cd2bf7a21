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
RAG prompt with one document swapped. Blocks end at the analyser's cut points (line breaks
outside tables and wrapped numbers, see :meth:`Analyzer.cut_points`), each at least
``block_chars`` long, chosen by the text just before the cut, so that the same passage gives the
same blocks wherever it stands. A block's key covers its text *and* ``margin`` characters either
side: the recognizers and the NER model read a few words around each finding, so a block reused
only where its surroundings are the same finds what the whole text would. Blocks not remembered
are analysed together, with the same margins as context; a finding that touches a block's own
text belongs to it, and findings are merged at the end. A text seen for the first time is
analysed whole, as without the cache, and its findings filed by block. ``bench/analysis_blocks``
measures that both ways find the same.

Isolation: the namespace is the request's cache namespace (its identity, or the namespace its
policy names), as for the KV prefix cache, so a hit — which is faster, a timing signal — only
ever follows the same identity's own earlier request (security/THREAT_MODEL.md). Short texts
are not cached: they are cheap to analyse and the likeliest to be one-off personal messages.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import threading
import zlib
from collections import OrderedDict
from typing import Protocol

from appliance.privacy.analyzer import Span, non_overlapping

#: A block holds at least this many characters (fewer blocks: less context re-read per
#: analysed run; smaller: less of a changed text analysed again).
BLOCK_CHARS = 512
#: Characters of context either side of a block that its key covers and its analysis reads.
MARGIN = 256
#: Of the cut points past block_chars, about one in this many ends a block.
_CUT_ONE_IN = 4


class Analyser(Protocol):
    def find(self, text: str, lang: str = "auto") -> list[Span]: ...

    def cut_points(self, text: str) -> list[int]: ...


class SpanCache:
    def __init__(self, entries: int, min_chars: int, block_chars: int = BLOCK_CHARS,
                 margin: int = MARGIN) -> None:
        self.entries = entries
        self.min_chars = min_chars
        self.block_chars = block_chars
        self.margin = margin
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
        blocks = self._blocks(text, analyser) if len(text) >= 2 * self.block_chars \
            else [(0, len(text))]
        windows = [self._window(text, start, end) for start, end in blocks]
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
        # Outside the lock: analyses run in parallel.
        if len(missing) == len(blocks):  # a new text: analysed whole, as without the cache
            whole = analyser.find(text, lang)
            self._store(keys, {i: _file(whole, *block) for i, block in enumerate(blocks)})
            return whole
        fresh: dict[int, tuple[Span, ...]] = {}
        for run in _runs(missing):
            ws, we = windows[run[0]][0], windows[run[-1]][1]
            spans = [Span(s.entity_type, s.start + ws, s.end + ws, s.score)
                     for s in analyser.find(text[ws:we], lang)]
            fresh |= {i: _file(spans, *blocks[i]) for i in run}
        self._store(keys, fresh)
        if len(blocks) == 1:
            return list(found[0] or ())
        out: list[Span] = []
        for i, (start, _end) in enumerate(blocks):
            ws, we = windows[i]
            for s in found[i] or fresh.get(i, ()):
                # Stored relative to the block's start; never beyond the window its key covers.
                a, b = max(ws, s.start + start), min(we, s.end + start)
                if a < b:
                    out.append(Span(s.entity_type, a, b, s.score))
        return non_overlapping(out)

    def _blocks(self, text: str, analyser: Analyser) -> list[tuple[int, int]]:
        """Blocks of at least block_chars, ending at cut points chosen by the text just
        before them (content-defined, as rsync or restic chunk files): the same passage gives
        the same blocks wherever it is, after a changed beginning or middle too."""
        blocks, start = [], 0
        for cut in analyser.cut_points(text):
            size = cut - start
            if size < self.block_chars or len(text) - cut < self.block_chars // 4:
                continue
            tail = text[max(start, cut - 64):cut].encode("utf-8", "surrogatepass")
            if size >= 4 * self.block_chars or zlib.crc32(tail) % _CUT_ONE_IN == 0:
                blocks.append((start, cut))
                start = cut
        blocks.append((start, len(text)))
        return blocks

    def _window(self, text: str, start: int, end: int) -> tuple[int, int]:
        """The block with up to ``margin`` characters either side, not starting or ending
        inside a word where a space is near."""
        ws, we = max(0, start - self.margin), min(len(text), end + self.margin)
        if ws > 0:
            space = next((i for i in range(ws, start) if text[i].isspace()), None)
            ws = space + 1 if space is not None else ws
        if we < len(text):
            space = next((i for i in range(we - 1, end - 1, -1) if text[i].isspace()), None)
            we = space if space is not None else we
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


def _runs(indices: list[int]) -> list[list[int]]:
    """Consecutive runs of sorted indices: [1, 2, 4] -> [[1, 2], [4]]."""
    runs: list[list[int]] = []
    for i in indices:
        if runs and runs[-1][-1] == i - 1:
            runs[-1].append(i)
        else:
            runs.append([i])
    return runs
