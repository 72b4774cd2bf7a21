"""The PII analysis cache: same masking with and without it, per namespace, bounded."""

from __future__ import annotations

from typing import Any

from appliance.privacy.analyzer import Span
from appliance.privacy.masker import mask_texts
from appliance.privacy.span_cache import SpanCache

SYSTEM = ("You are the support assistant of Example Corp. Escalate billing disputes to "
          "ann.lee@example.com or call +1 415 555 0134; never promise refunds. " * 8)


class Counting:
    """A fake analyser: one finding at the start of every text, no cut points."""

    def __init__(self) -> None:
        self.calls = 0

    def find(self, text: str, lang: str = "auto", focus: object = None) -> list[Span]:
        self.calls += 1
        return [Span("X", 0, 3, 1.0)]

    def cut_points(self, text: str) -> list[int]:
        return []


class Recording:
    """The real analyser, recording how many characters it was given to read."""

    def __init__(self, analyzer: Any) -> None:
        self.analyzer = analyzer
        self.read: list[int] = []

    def find(self, text: str, lang: str = "auto", focus: object = None) -> list[Span]:
        self.read.append(len(text))
        return list(self.analyzer.find(text, lang))

    def cut_points(self, text: str) -> list[int]:
        return list(self.analyzer.cut_points(text))


def test_hit_only_in_the_same_namespace_and_for_long_texts() -> None:
    cache, analyse = SpanCache(entries=8, min_chars=100), Counting()
    long, short = "a" * 200, "b" * 50
    assert cache.find("id:a", long, "auto", analyse) == [Span("X", 0, 3, 1.0)]
    cache.find("id:a", long, "auto", analyse)
    assert (analyse.calls, cache.hits) == (1, 1)
    cache.find("id:b", long, "auto", analyse)  # another identity: analysed again
    cache.find("id:a", long, "zh", analyse)  # another language setting
    cache.find("id:a", short, "auto", analyse)
    cache.find("id:a", short, "auto", analyse)  # short texts are never remembered
    assert analyse.calls == 5
    assert len(cache) == 3


def test_least_recently_used_goes_first() -> None:
    cache, analyse = SpanCache(entries=2, min_chars=1), Counting()
    for text in ("one", "two", "one", "three"):  # "two" is the oldest when "three" comes
        cache.find("", text, "auto", analyse)
    assert len(cache) == 2
    calls = analyse.calls
    cache.find("", "one", "auto", analyse)
    assert analyse.calls == calls
    cache.find("", "two", "auto", analyse)
    assert analyse.calls == calls + 1


def test_off_when_no_entries() -> None:
    cache, analyse = SpanCache(entries=0, min_chars=1), Counting()
    for _ in range(3):
        cache.find("", "text", "auto", analyse)
    assert analyse.calls == 3
    assert len(cache) == 0


def test_masking_is_identical_with_the_cache(analyzer: Any) -> None:
    """The real analyser: the cached second request masks exactly like an uncached one,
    placeholders numbered per request (the user's message differs each time)."""
    cache = SpanCache(entries=16, min_chars=256)
    for user in ("My card is 4111 1111 1111 1111, call me back.",
                 "Write to bob.smith@example.org about the invoice.",
                 "Nothing personal here."):
        texts = [SYSTEM, user]
        plain = mask_texts(analyzer, texts)
        cached = mask_texts(analyzer, texts, cache=cache, namespace="id:app")
        assert cached.texts == plain.texts
        assert cached.findings == plain.findings
        assert dict(cached.entity_counts) == dict(plain.entity_counts)
    # The system prompt's blocks: analysed on the first request, reused on the next two.
    assert cache.hits == 2 * cache.misses > 0
    assert "ann.lee@example.com" not in repr(cache._lru)  # offsets, not values


POLICY = "\n".join(f"Rule {i}: answer politely, cite section {i}, and escalate to "
                   f"desk {i} when unsure." for i in range(40))


def test_a_text_that_starts_like_an_earlier_one_reuses_its_blocks(analyzer: Any) -> None:
    """A raw prompt: the same long policy, then a different question with PII in it. Only
    the end is read again, and the findings are the whole text's."""
    cache, reader = SpanCache(entries=64, min_chars=256), Recording(analyzer)
    first = f"{POLICY}\nQuestion: can Maria Garcia (maria.garcia@example.com) get a refund?"
    assert cache.find("id:a", first, "auto", reader) == analyzer.find(first)
    # A new text: each block read once, with its margins.
    assert len(first) < sum(reader.read) < 2.5 * len(first)
    second = f"{POLICY}\nQuestion: call James Smith on +1 415 555 0134 about ticket 4471."
    del reader.read[:]
    got = cache.find("id:a", second, "auto", reader)
    assert got == analyzer.find(second)
    assert {s.entity_type for s in got} >= {"PERSON", "PHONE_NUMBER"}
    assert sum(reader.read) < len(second) / 3  # the end and its margin, not the policy
    assert cache.reused_chars > len(POLICY) / 2
    del reader.read[:]
    cache.find("id:b", second, "auto", reader)  # another namespace reuses nothing
    assert sum(reader.read) > len(second)


def test_a_changed_middle_reuses_both_ends(analyzer: Any) -> None:
    """A RAG prompt with one document swapped: the blocks before and after are reused."""
    cache, reader = SpanCache(entries=64, min_chars=256), Recording(analyzer)
    docs = [POLICY, "Contact: Olga Petrova, olga@example.net, +44 20 7946 0958.\n" * 3, POLICY]
    cache.find("n", "\n\n".join(docs), "auto", reader)
    docs[1] = "Contact: Kenji Sato, kenji.sato@example.org, IBAN DE89370400440532013000.\n"
    second = "\n\n".join(docs)
    del reader.read[:]
    assert cache.find("n", second, "auto", reader) == analyzer.find(second)
    assert sum(reader.read) < len(second) / 2


def test_no_cut_inside_a_table_or_a_wrapped_number(analyzer: Any) -> None:
    rows = "\n".join(f"{i},Maria Garcia {i},Lyon" for i in range(60))
    text = f"Intro line one.\nid,name,city\n{rows}\nCall +1 415 555\n0134 now.\nThe end.\n"
    cuts = analyzer.cut_points(text)
    table = (text.index("id,name"), text.index("\nCall"))
    assert not [c for c in cuts if table[0] < c <= table[1]]
    assert text.index("0134") not in cuts
    assert text.index("The end") in cuts and text.index("id,name") in cuts
    # So a table that a cache splits nowhere still masks every row, with or without it.
    cache = SpanCache(entries=64, min_chars=256, block_chars=128)
    cache.find("n", "Preamble.\n" + text, "auto", analyzer)
    assert cache.find("n", "Other preamble.\n" + text, "auto", analyzer) == analyzer.find(
        "Other preamble.\n" + text)


class LongFinding:
    """A fake analyser whose one finding runs from the start to the end of what it reads."""

    def find(self, text: str, lang: str = "auto", focus: object = None) -> list[Span]:
        return [Span("X", 0, len(text), 1.0)]

    def cut_points(self, text: str) -> list[int]:
        return [i + 1 for i, c in enumerate(text) if c == "\n"]


def test_remembered_findings_never_reach_beyond_the_text_their_key_covers() -> None:
    cache = SpanCache(entries=64, min_chars=10, block_chars=20, margin=5)
    line = "0123456789 abcdefghij\n"
    cache.find("n", line * 6, "auto", LongFinding())
    shorter = line * 5 + "end"  # its last block is new; the others are remembered
    got = cache.find("n", shorter, "auto", LongFinding())
    assert got == [Span("X", 0, len(shorter), 1.0)]


class Nothing:
    """A fake analyser that finds nothing and cuts nowhere."""

    def find(self, text: str, lang: str = "auto", focus: object = None) -> list[Span]:
        return []

    def cut_points(self, text: str) -> list[int]:
        return []


def test_a_remembered_text_without_findings_is_a_hit() -> None:
    cache = SpanCache(entries=8, min_chars=10)
    for _ in range(2):
        assert cache.find("n", "nothing to see here " * 10, "auto", Nothing()) == []
    assert (cache.hits, cache.misses) == (1, 1)
