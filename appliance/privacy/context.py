"""Presidio's context enhancer, bounded: a cue word near a finding raises its score as
upstream does, in linear rather than cubic time."""

from __future__ import annotations

import bisect
from typing import Any

from presidio_analyzer.context_aware_enhancers import LemmaContextAwareEnhancer


class BoundedContextEnhancer(LemmaContextAwareEnhancer):
    """Presidio's context enhancer, in linear time.

    Upstream ``_add_n_words`` walks from each finding towards the end of the text until it
    has collected n context words, testing each lemma against a *list*: with many findings
    in a long text that is cubic (16 KB took 15 s). Here the walk stops after a bounded
    window of tokens and membership is a set lookup; the context words it can find within
    that window are the same.
    """

    def enhance_using_context(self, text: str, raw_results: list[Any],
                              nlp_artifacts: Any, recognizers: list[Any],
                              context: list[str] | None = None) -> list[Any]:
        # Upstream deep-copies every result first; only those it may change need it:
        # from a recognizer with context words, not already raised by its own cue check.
        with_context = {r.id for r in recognizers if r.context}
        todo, done = [], []
        for r in raw_results:
            meta = r.recognition_metadata or {}
            if meta.get("recognizer_identifier") in with_context \
                    and not meta.get("is_score_enhanced_by_context"):
                todo.append(r)
            else:
                done.append(r)
        if not todo:
            return done
        return done + list(super().enhance_using_context(
            text, todo, nlp_artifacts, recognizers, context))

    @staticmethod
    def _add_n_words(index: int, n_words: int, lemmas: list[str],
                     lemmatized_filtered_keywords: list[str],
                     is_backward: bool) -> list[str]:
        keywords = set(lemmatized_filtered_keywords)
        step = -1 if is_backward else 1
        stop = index + step * (4 * (n_words + 1))
        words: list[str] = []
        i = index
        while 0 <= i < len(lemmas) and i != stop and len(words) <= n_words:
            lower = lemmas[i].lower()
            if lower in keywords:
                words.append(lower)
            i += step
        return words

    @staticmethod
    def _find_index_of_match_token(word: str, start: int, tokens: Any,
                                   tokens_indices: list[int]) -> int:
        # Upstream scans every token for every finding; tokens are ordered, so bisect.
        i = bisect.bisect_right(tokens_indices, start) - 1
        if i >= 0 and start < tokens_indices[i] + len(tokens[i]):
            return i
        if i + 1 < len(tokens_indices):
            return i + 1
        raise ValueError("no token at the finding's position")
