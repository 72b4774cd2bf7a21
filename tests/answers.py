"""Checking concurrent answers against answers computed alone.

Batched decoding is not bit-identical to decoding one sequence: llama.cpp's matrix kernels
accumulate in a different order for a multi-token batch, so a greedy answer can drift after a
few tokens (the same happens in llama-server and vLLM; seen here: " was born.\nThe" against
" was born.\n\nThe"). Cross-talk between sequences is a different failure: a stream would
carry another prompt's continuation from its first tokens. So a concurrent answer must start
like its own solo answer, and resemble no other prompt's answer more than its own.
"""

from __future__ import annotations

MIN_SHARED_PREFIX = 4


def shared_prefix(a: str, b: str) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


def assert_own_answer(prompt: str, got: str, alone: dict[str, str]) -> None:
    own = shared_prefix(got, alone[prompt])
    assert own >= min(MIN_SHARED_PREFIX, len(alone[prompt])), (prompt, got, alone[prompt])
    for other, answer in alone.items():
        if other != prompt and answer != alone[prompt]:
            assert own >= shared_prefix(got, answer), (prompt, other, got)
