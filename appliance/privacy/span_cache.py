"""Remembered PII analyses of long texts: a support bot's 1,000-token system prompt, or the
earlier turns of a chat, are analysed once, not on every request.

What is kept is the *result* of :meth:`Analyzer.find` — entity types, offsets and scores — keyed
by a keyed hash (HMAC-SHA-256 with a key made at start, never stored) of the namespace and the
text. No text and no PII value is kept: a hit re-reads the values from the request's own text,
so placeholders and the restore vault are built per request exactly as without the cache.
Nothing is written to disk; a reload (a new PII stage) starts empty.

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
from collections import OrderedDict
from collections.abc import Callable

from appliance.privacy.analyzer import Span


class SpanCache:
    def __init__(self, entries: int, min_chars: int) -> None:
        self.entries = entries
        self.min_chars = min_chars
        self._key = os.urandom(32)
        self._lru: OrderedDict[bytes, tuple[Span, ...]] = OrderedDict()
        self._lock = threading.Lock()  # the PII pool's threads share it
        self.hits = 0
        self.misses = 0

    def _digest(self, namespace: str, lang: str, text: str) -> bytes:
        mac = hmac.new(self._key, digestmod=hashlib.sha256)
        for part in (namespace, lang):
            mac.update(part.encode() + b"\0")
        mac.update(text.encode("utf-8", "surrogatepass"))
        return mac.digest()

    def find(self, namespace: str, text: str, lang: str,
             analyse: Callable[[str, str], list[Span]]) -> list[Span]:
        """``analyse(text, lang)``, or its remembered result for this namespace and text."""
        if self.entries <= 0 or len(text) < self.min_chars:
            return analyse(text, lang)
        key = self._digest(namespace, lang, text)
        with self._lock:
            spans = self._lru.get(key)
            if spans is not None:
                self._lru.move_to_end(key)
                self.hits += 1
                return list(spans)
            self.misses += 1
        found = analyse(text, lang)  # outside the lock: analyses run in parallel
        with self._lock:
            self._lru[key] = tuple(found)
            self._lru.move_to_end(key)
            while len(self._lru) > self.entries:
                self._lru.popitem(last=False)
        return found

    def __len__(self) -> int:
        return len(self._lru)
