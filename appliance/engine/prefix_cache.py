"""Which finished sequences' KV cells are kept, and which cached prefix a new prompt reuses.

The engine saves a finished sequence's KV cells (prompt and answer) to host memory under an
entry of its own (``llama_state_seq_get_data``) before it frees them; a new prompt that starts
with the same tokens, in the same namespace, gets those cells restored into its sequence
(``llama_state_seq_set_data``, the positions past the shared prefix dropped) and prefills only
the rest. This module is the bookkeeping, without llama.cpp: a token trie per namespace
(longest-prefix match in time proportional to the prompt, not to the number of entries),
least-recently-used eviction under a budget of cells, and the entry ids in use.

Namespaces isolate tenants: a cache hit is a timing side channel (a faster first token tells
that someone sent this prefix recently), so by default an identity reuses only its own
prefixes (security/THREAT_MODEL.md). The cache holds KV of masked text only (prompts reach the
engine masked) and lives in memory only.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field


@dataclass
class Entry:
    key: int
    namespace: str
    tokens: tuple[int, ...]
    used: int = 0  # LRU clock


@dataclass
class _Node:
    children: dict[int, _Node] = field(default_factory=dict)
    #: Entries whose tokens pass through this node (share the prefix up to it).
    entries: set[int] = field(default_factory=set)


@dataclass(frozen=True)
class Hit:
    entry: Entry
    #: Leading tokens of the prompt the entry's cells cover.
    length: int


class PrefixCache:
    """Entries of cached KV cells, by namespace; at most ``max_cells`` cells in all."""

    def __init__(self, keys: list[int], max_cells: int, min_tokens: int = 16) -> None:
        self.max_cells = max_cells
        #: A prefix shorter than this is not worth a copy (nor an entry).
        self.min_tokens = min_tokens
        self._free = list(reversed(keys))
        self._entries: dict[int, Entry] = {}
        self._roots: dict[str, _Node] = {}
        self._clock = itertools.count(1)
        self.cells = 0
        # Counters for metrics and status.
        self.hits = 0
        self.misses = 0
        self.reused_tokens = 0
        self.evictions = 0

    def __len__(self) -> int:
        return len(self._entries)

    def lookup(self, namespace: str, tokens: list[int] | tuple[int, ...]) -> Hit | None:
        """The entry sharing the longest prefix with ``tokens`` (at least ``min_tokens``),
        or None. Counts a hit or a miss."""
        node = self._roots.get(namespace)
        depth, best = 0, None
        while node is not None and depth < len(tokens):
            child = node.children.get(tokens[depth])
            if child is None:
                break
            node, depth = child, depth + 1
            if depth >= self.min_tokens:
                best = (node, depth)
        if best is None:
            self.misses += 1
            return None
        node, depth = best
        entry = max((self._entries[i] for i in node.entries), key=lambda e: e.used)
        entry.used = next(self._clock)
        self.hits += 1
        return Hit(entry, depth)

    def count_reuse(self, tokens: int) -> None:
        self.reused_tokens += tokens

    def store(self, namespace: str, tokens: tuple[int, ...]) -> tuple[int | None, list[int]]:
        """Make room for an entry of ``tokens``: (the key to save its cells under, or None
        when it is not worth keeping; the keys of evicted entries, whose saved cells the
        caller drops)."""
        if len(tokens) < self.min_tokens or len(tokens) > self.max_cells:
            return None, []
        evicted: list[int] = []
        # Entries this one covers entirely (an earlier turn of the same chat) go.
        for entry in list(self._entries.values()):
            if entry.namespace == namespace and len(entry.tokens) <= len(tokens) \
                    and tokens[:len(entry.tokens)] == entry.tokens:
                evicted.append(self._remove(entry))
        for entry in self._entries.values():
            if entry.namespace == namespace and entry.tokens[:len(tokens)] == tokens:
                entry.used = next(self._clock)  # already covered by a longer one
                return None, evicted
        while self._entries and (not self._free or self.cells + len(tokens) > self.max_cells):
            lru = min(self._entries.values(), key=lambda e: e.used)
            evicted.append(self._remove(lru))
            self.evictions += 1
        if not self._free:
            return None, evicted
        entry = Entry(self._free.pop(), namespace, tokens, next(self._clock))
        self._insert(entry)
        return entry.key, evicted

    def drop(self, key: int) -> None:
        """Forget an entry :meth:`store` just made (its cells could not be saved)."""
        self._remove(self._entries[key])

    def clear(self) -> list[int]:
        """Drop every entry; returns their keys (whose saved cells the caller drops)."""
        return [self._remove(e) for e in list(self._entries.values())]

    def _insert(self, entry: Entry) -> None:
        self._entries[entry.key] = entry
        self.cells += len(entry.tokens)
        node = self._roots.setdefault(entry.namespace, _Node())
        for token in entry.tokens:
            node = node.children.setdefault(token, _Node())
            node.entries.add(entry.key)

    def _remove(self, entry: Entry) -> int:
        del self._entries[entry.key]
        self.cells -= len(entry.tokens)
        root = self._roots[entry.namespace]
        path = [root]
        for token in entry.tokens:
            path.append(path[-1].children[token])
        for depth in range(len(entry.tokens), 0, -1):
            node = path[depth]
            node.entries.discard(entry.key)
            if not node.entries and not node.children:
                del path[depth - 1].children[entry.tokens[depth - 1]]
        if not root.children:
            del self._roots[entry.namespace]
        self._free.append(entry.key)
        return entry.key
