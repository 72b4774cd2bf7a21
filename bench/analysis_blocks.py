"""Does a long text analysed partly from remembered blocks mask exactly like the whole text
analysed afresh? And how much faster is it? Prints JSON.

Long texts are put together from the PII corpora (tests/data, other seeds than the tests use),
with the shapes that stress block edges mixed in: CSV tables with a name column (a header
governs every row below it), numbers wrapped over two lines, key: value lines, paragraphs
separated by blank lines or by single line breaks. Three ways two requests share text:

- ``prefix``: the same long beginning, then a different ending (a raw prompt: system prompt,
  then a new question);
- ``middle``: the same beginning and end, a different part between (a RAG prompt with one
  document swapped);
- ``suffix``: a different beginning, the same long rest.

For each pair the first text is analysed through the cache (a new text: analysed whole, filed by
block); the second through the cache (remembered blocks reused, the rest analysed with their
margins) and again afresh. The findings must be identical; any difference is counted by kind
(characters masked afresh but not through the cache are the ones that would leak) and its
entity types printed, never a value.

    .venv/bin/python -m bench.analysis_blocks [--pairs 300] [--seed 7]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from appliance.config import PiiConfig  # noqa: E402
from appliance.observability import logging as applog  # noqa: E402
from appliance.privacy.analyzer import Analyzer, Span  # noqa: E402
from appliance.privacy.span_cache import BLOCK_CHARS, MARGIN, SpanCache  # noqa: E402
from tests.data import pii_corpus, pii_hard  # noqa: E402

FIRST = ["Maria", "James", "Wei", "Aisha", "Olga", "Kenji", "Luis", "Fatima", "Tom", "Ingrid"]
LAST = ["Garcia", "Smith", "Zhang", "Khan", "Petrova", "Sato", "Moreno", "Haddad", "Berg"]


def _table(rng: random.Random) -> str:
    delim = rng.choice([",", ";", "\t", "|"])
    header = delim.join(["id", rng.choice(["name", "Name", "full_name", "customer"]),
                         "city"])
    rows = [delim.join([str(rng.randrange(100, 999)),
                        f"{rng.choice(FIRST)} {rng.choice(LAST)}", rng.choice(
                            ["Lyon", "Austin", "Pune", "Osaka", "Leeds"])])
            for _ in range(rng.randrange(3, 40))]
    return "\n".join([header, *rows])


def _wrapped(rng: random.Random) -> str:
    number = f"+1 415 555 {rng.randrange(1000, 9999)}"
    cut = rng.randrange(4, len(number) - 2)
    return f"Call me on {number[:cut]}\n{number[cut:]} after six."


def _pairs(rng: random.Random, n: int) -> str:
    return "\n".join(f"{k}: {v}" for k, v in rng.sample([
        ("Name", f"{rng.choice(FIRST)} {rng.choice(LAST)}"), ("Ticket", str(rng.randrange(10**5))),
        ("Email", f"{rng.choice(FIRST).lower()}@example.net"), ("Status", "open"),
        ("Phone", f"020 7946 {rng.randrange(1000, 9999)}")], n))


class Texts:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.pieces = [r.text for r in pii_corpus.build(600, seed=seed + 1)] + \
            [r.text for r in pii_hard.build(40, seed=seed + 2)]

    def piece(self) -> str:
        roll = self.rng.random()
        if roll < 0.08:
            return _table(self.rng)
        if roll < 0.14:
            return _wrapped(self.rng)
        if roll < 0.20:
            return _pairs(self.rng, self.rng.randrange(2, 5))
        return self.rng.choice(self.pieces)

    def text(self, chars: int) -> str:
        out: list[str] = []
        while sum(len(p) for p in out) < chars:
            out += [self.piece(), self.rng.choice(["\n", "\n", "\n\n", " ", "\n\n---\n\n"])]
        return "".join(out[:-1])


def _compare(got: list[Span], want: list[Span]) -> dict[str, Any]:
    covered = {i for s in got for i in range(s.start, s.end)}
    wanted = {i for s in want for i in range(s.start, s.end)}
    return {"missed_chars": len(wanted - covered), "extra_chars": len(covered - wanted),
            "types": sorted({s.entity_type for s in set(got) ^ set(want)})}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pairs", type=int, default=300)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--block-chars", type=int, default=BLOCK_CHARS)
    ap.add_argument("--margin", type=int, default=MARGIN,
                    help="context either side of a block (try a few characters: differences "
                         "appear, which shows the comparison can fail)")
    args = ap.parse_args(argv)
    applog.configure(level="warning", fmt="console")
    analyzer = Analyzer(PiiConfig())
    texts = Texts(args.seed)
    rng = random.Random(args.seed)
    result: dict[str, Any] = {"pairs": 0, "identical": 0, "differing": Counter(),
                              "missed_chars": 0, "extra_chars": 0, "types": Counter()}
    timing: dict[str, list[float]] = {"cached_ms": [], "fresh_ms": []}
    reused: list[float] = []
    for i in range(args.pairs):
        kind = ("prefix", "middle", "suffix")[i % 3]
        shared_a, shared_b = texts.text(rng.randrange(1500, 6000)), texts.text(
            rng.randrange(300, 3000))
        own = [texts.text(rng.randrange(50, 1500)) for _ in range(2)]
        sep = rng.choice(["\n", "\n\n", " "])
        if kind == "prefix":
            first, second = shared_a + sep + own[0], shared_a + sep + own[1]
        elif kind == "middle":
            first, second = (sep.join([shared_a, own[0], shared_b]),
                             sep.join([shared_a, own[1], shared_b]))
        else:
            first, second = own[0] + sep + shared_a, own[1] + sep + shared_a
        cache = SpanCache(entries=4096, min_chars=256, block_chars=args.block_chars,
                           margin=args.margin)
        cache.find("bench", first, "auto", analyzer)
        before = cache.reused_chars
        started = time.perf_counter()
        got = cache.find("bench", second, "auto", analyzer)
        timing["cached_ms"].append((time.perf_counter() - started) * 1000)
        reused.append((cache.reused_chars - before) / len(second))
        started = time.perf_counter()
        want = analyzer.find(second)
        timing["fresh_ms"].append((time.perf_counter() - started) * 1000)
        result["pairs"] += 1
        if got == want:
            result["identical"] += 1
            continue
        diff = _compare(got, want)
        result["differing"][kind] += 1
        result["missed_chars"] += diff["missed_chars"]
        result["extra_chars"] += diff["extra_chars"]
        result["types"].update(diff["types"])
        print(f"pair {i} ({kind}): {diff}", file=sys.stderr)
    out = {**result, "differing": dict(result["differing"]), "types": dict(result["types"]),
           "reused_share_of_chars_median": round(statistics.median(reused), 3),
           **{f"{k}_p50": round(statistics.median(v), 1) for k, v in timing.items()},
           "speedup_p50": round(statistics.median(
               f / c for f, c in zip(timing["fresh_ms"], timing["cached_ms"], strict=True)), 2),
           "seed": args.seed, "block_chars": args.block_chars, "margin": args.margin}
    print(json.dumps(out, indent=2))
    return 0 if out["identical"] == out["pairs"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
