"""The prefix cache's bookkeeping: longest-prefix match per namespace, LRU eviction under a cell
budget, chat turns replacing their earlier turn, sequence ids handed back."""

from __future__ import annotations

import random

from appliance.engine.prefix_cache import PrefixCache


def _cache(cells: int = 1000, ids: int = 4) -> PrefixCache:
    return PrefixCache(list(range(10, 10 + ids)), cells, min_tokens=4)


def test_longest_prefix_within_a_namespace_only() -> None:
    c = _cache()
    a = tuple(range(100))
    b = (*range(50), *range(1000, 1050))
    sa, _ = c.store("app1", a)
    sb, _ = c.store("app1", b)
    hit = c.lookup("app1", [*range(60), 7, 7])
    assert hit is not None and (hit.entry.key, hit.length) == (sa, 60)
    hit = c.lookup("app1", [*range(50), *range(1000, 1010)])
    assert hit is not None and (hit.entry.key, hit.length) == (sb, 60)
    assert c.lookup("app2", list(range(100))) is None  # another tenant: nothing
    assert c.lookup("app1", [1, 2, 3]) is None  # below min_tokens
    assert (2, 2) == (c.hits, c.misses)


def test_a_later_chat_turn_replaces_the_earlier_one() -> None:
    c = _cache()
    turn1 = tuple(range(40))
    s1, _ = c.store("app", turn1)
    s2, evicted = c.store("app", (*turn1, *range(500, 520)))
    assert [s1] == evicted and s2 is not None
    assert 1 == len(c) and 60 == c.cells
    assert c.store("app", turn1) == (None, [])  # covered by the longer entry


def test_lru_eviction_keeps_within_the_cell_budget() -> None:
    c = _cache(cells=100, ids=8)
    first, _ = c.store("a", tuple(range(0, 40)))
    c.store("a", tuple(range(100, 140)))
    assert c.lookup("a", list(range(100, 140))) is not None  # second is now more recent
    third, evicted = c.store("a", tuple(range(200, 240)))
    assert [first] == evicted and third == first  # its id is reused
    assert c.cells <= 100 and 1 == c.evictions
    assert c.lookup("a", list(range(0, 40))) is None
    assert c.store("a", tuple(range(1000, 1101))) == (None, [])  # larger than the budget


def test_ids_run_out_then_the_lru_entry_goes() -> None:
    c = _cache(cells=10_000, ids=2)
    ids = [c.store("a", tuple(range(k * 100, k * 100 + 10)))[0] for k in range(2)]
    new, evicted = c.store("a", tuple(range(900, 910)))
    assert evicted == [ids[0]] and new == ids[0]


def test_random_operations_keep_the_trie_consistent() -> None:
    rng = random.Random(3)
    c = _cache(cells=400, ids=6)
    stored: dict[int, tuple[int, ...]] = {}
    for _ in range(500):
        tokens = tuple(rng.choice([1, 2, 3]) for _ in range(rng.randrange(4, 40)))
        ns = rng.choice(["a", "b"])
        seq, evicted = c.store(ns, tokens)
        for e in evicted:
            stored.pop(e, None)
        if seq is not None:
            stored[seq] = tokens
        assert c.cells == sum(len(e.tokens) for e in c._entries.values()) <= 400
        hit = c.lookup(ns, list(tokens))
        if hit is not None:
            assert hit.entry.tokens[:hit.length] == tokens[:hit.length]
    cleared = c.clear()
    assert sorted(cleared) == sorted(stored)
    assert 0 == c.cells and 0 == len(c) and not c._roots
