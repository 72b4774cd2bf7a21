"""The PII analysis cache: same masking with and without it, per namespace, bounded."""

from __future__ import annotations

from typing import Any

from appliance.privacy.analyzer import Span
from appliance.privacy.masker import mask_texts
from appliance.privacy.span_cache import SpanCache

SYSTEM = ("You are the support assistant of Example Corp. Escalate billing disputes to "
          "ann.lee@example.com or call +1 415 555 0134; never promise refunds. " * 8)


class Counting:
    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, text: str, lang: str) -> list[Span]:
        self.calls += 1
        return [Span("X", 0, 3, 1.0)]


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
    assert cache.hits == 2  # the system prompt, on the second and third requests
    assert cache.misses == 1
    assert "ann.lee@example.com" not in repr(cache._lru)  # offsets, not values
