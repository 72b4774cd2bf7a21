"""PII masking scored on corpora the recognizers were not written against. Prints JSON.

Corpora: (a) the project's own (``tests.data.pii_corpus`` and ``pii_hard``, scored by their
own ``evaluate``); (b) two independent ones, :mod:`bench.pii_corpora.mimesis_corpus` (values
from the mimesis library) and :mod:`bench.pii_corpora.handmade_corpus` (values written and
checksummed here, adversarial renderings included), with templates of their own; (c) clean
prose (:mod:`bench.pii_corpora.prose`) for over-masking of ordinary words. Never train or tune
a recognizer on (b) or (c): they are only worth something while nothing has seen them.

Scoring is type-agnostic: a value is masked when findings of any type cover every letter and
digit of it (half-masked is leaked); a look-alike or ordinary word is over-masked when any
finding touches it. Stock Presidio (``bench.pii.stock_engine``: every default recognizer, all
its entity types) is scored on the same records in the same run.

Profiles: ``default`` scores identifiers, names and dates of birth with the default entity
types; ``strict`` adds the address, location, organisation, age, date, URL, postcode and
nationality classes, running the analyzer with whichever entity types for them the config
knows at run time (a class with none is reported "not available").

    .venv/bin/python -m bench.pii_eval [--n 500] [--seed 7] [--profile default|strict]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import statistics
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from importlib.metadata import version
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from appliance.config import PiiConfig  # noqa: E402
from appliance.config.schema import KNOWN_PII_ENTITIES  # noqa: E402
from appliance.observability import logging as applog  # noqa: E402
from appliance.privacy.analyzer import Analyzer  # noqa: E402
from appliance.privacy.masker import mask_texts  # noqa: E402
from bench.pii_corpora import (  # noqa: E402
    ADVERSARIAL,
    DEFAULT_CLASSES,
    NOT_CONFIGURED,
    STRICT_CLASSES,
    STRUCTURED,
    Record,
    handmade_corpus,
    mimesis_corpus,
    prose,
)

Spans = Callable[[str], Sequence[tuple[int, int]]]
#: Strict classes with a target of 90 % masked (URL, postcode and nationality are reported).
STRICT_TARGETED = ("ADDRESS", "LOCATION", "ORGANIZATION", "AGE", "DATE")
TARGETS = {
    "everyday_leak_rate_max": 0.03, "structured_adversarial_leaks_max": 0,
    "person_zh_masked_min": 0.95, "strict_masked_min": 0.90,
    "lookalikes_masked_max": 0.03, "prose_words_masked_max": 0.01,
}


def strict_types() -> tuple[dict[str, list[str]], list[str]]:
    """Strict class -> the known entity types that may cover it; and the classes with none."""
    found = {cls: [t for t in types if t in KNOWN_PII_ENTITIES]
             for cls, types in STRICT_CLASSES.items()}
    return {c: t for c, t in found.items() if t}, sorted(c for c, t in found.items() if not t)


def _covered(text: str, spans: Sequence[tuple[int, int]]) -> bytearray:
    mask = bytearray(len(text))
    for start, end in spans:
        mask[start:end] = b"\1" * (end - start)
    return mask


def _masked(text: str, mask: bytearray, start: int, end: int) -> bool:
    return all(mask[i] for i in range(start, end) if text[i].isalnum())


def _touched(text: str, mask: bytearray, start: int, end: int) -> bool:
    return any(mask[i] for i in range(start, end) if text[i].isalnum())


def score(records: list[Record], spans: Spans, classes: frozenset[str]) -> dict[str, Any]:
    """Per class values/leaked/recall, leaks by register, look-alikes touched, ms per record."""
    values: Counter[str] = Counter()
    leaked: Counter[str] = Counter()
    leak_registers: Counter[str] = Counter()
    everyday = [0, 0]  # values, leaked
    adversarial = [0, 0]  # structured values, leaked
    looks = looks_masked = 0
    times: list[float] = []
    for record in records:
        start = time.perf_counter()
        found = spans(record.text)
        times.append((time.perf_counter() - start) * 1000)
        mask = _covered(record.text, found)
        for cls, s, e in record.values:
            if cls not in classes:
                continue
            lost = not _masked(record.text, mask, s, e)
            values[cls] += 1
            leaked[cls] += lost
            if lost:
                leak_registers[record.register] += 1
            if cls in NOT_CONFIGURED:
                continue
            if record.register in ADVERSARIAL:
                if cls in STRUCTURED:
                    adversarial[0] += 1
                    adversarial[1] += lost
            else:
                everyday[0] += 1
                everyday[1] += lost
        looks += len(record.lookalikes)
        looks_masked += sum(_touched(record.text, mask, s, e) for s, e in record.lookalikes)
    return {
        "records": len(records),
        "per_class": {c: {"values": values[c], "leaked": leaked[c],
                          "recall": round(1 - leaked[c] / values[c], 4)}
                      for c in sorted(values)},
        # Targets count configured classes only (see NOT_CONFIGURED).
        "everyday": {"values": everyday[0], "leaked": everyday[1],
                     "leak_rate": round(everyday[1] / max(1, everyday[0]), 4)},
        "structured_adversarial": {"values": adversarial[0], "leaked": adversarial[1]},
        "leaks_by_register": dict(sorted(leak_registers.items())),
        "lookalikes": {"n": looks, "masked": looks_masked,
                       "masked_rate": round(looks_masked / max(1, looks), 4)},
        "ms_per_record": {"p50": round(statistics.median(times), 2),
                          "p95": round(sorted(times)[int(0.95 * (len(times) - 1))], 2)},
    }


def verdict(result: dict[str, Any], strict: list[str]) -> dict[str, bool]:
    """This corpus against the issue's targets (only the targets it has values for)."""
    met = {"everyday_leak_rate": result["everyday"]["leak_rate"]
           <= TARGETS["everyday_leak_rate_max"],
           "lookalikes": result["lookalikes"]["masked_rate"] <= TARGETS["lookalikes_masked_max"]}
    if result["structured_adversarial"]["values"]:
        met["structured_adversarial"] = result["structured_adversarial"]["leaked"] \
            <= TARGETS["structured_adversarial_leaks_max"]
    per_class = result["per_class"]
    if "PERSON_ZH" in per_class:
        met["person_zh"] = per_class["PERSON_ZH"]["recall"] >= TARGETS["person_zh_masked_min"]
    for cls in strict:
        if cls in per_class and cls in STRICT_TARGETED:
            met[f"strict_{cls}"] = per_class[cls]["recall"] >= TARGETS["strict_masked_min"]
    return met


def ours_spans(analyzer: Analyzer) -> Spans:
    def spans(text: str) -> list[tuple[int, int]]:
        return [(f.start, f.end) for f in mask_texts(analyzer, [text]).findings[0]]
    return spans


def stock_spans(engine: Any) -> Spans:
    def spans(text: str) -> list[tuple[int, int]]:
        return [(r.start, r.end) for r in engine.analyze(text=text, language="en")]
    return spans


def project_corpora(ours: Analyzer, stock: Any | None) -> dict[str, Any]:
    """(a): the project's corpora, by their own ``evaluate`` (called, never copied)."""
    from bench.pii import stock_mask
    from tests.data import pii_corpus, pii_hard

    sides: dict[str, Callable[[str], str]] = {
        "ours": lambda text: mask_texts(ours, [text]).texts[0]}
    if stock is not None:
        sides["stock"] = stock_mask(stock)
    out: dict[str, Any] = {}
    for name, module, keys in (
            ("project_corpus", pii_corpus, ("structured_leaks", "structured_values",
                                            "person_masked_rate", "distractors_masked_rate",
                                            "per_type")),
            ("project_hard", pii_hard, ("records", "structured_leaks", "structured_values",
                                        "person_masked_rate", "distractors_masked_rate",
                                        "per_class"))):
        records = module.build()
        out[name] = {}
        for side, fn in sides.items():
            result = module.evaluate(records, fn)
            out[name][side] = {k: result[k] for k in keys if k in result}
    return out


def code_version() -> dict[str, Any]:
    """The commit scored, and whether the privacy code differed from it (a shared checkout)."""
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True,
                              check=False).stdout.strip()
    return {"head": git("rev-parse", "--short", "HEAD"),
            "privacy_code_uncommitted": bool(git("status", "--porcelain", "appliance"))}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=500, help="records per independent corpus")
    ap.add_argument("--prose", type=int, default=40, help="prose chunks (~600 chars each)")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--profile", choices=("default", "strict"), default="default")
    ap.add_argument("--no-stock", action="store_true", help="skip stock Presidio")
    ap.add_argument("--no-project", action="store_true", help="skip the project's corpora")
    ap.add_argument("--spacy-ner", choices=("auto", "on"), default="auto",
                    help="[pii] spacy_ner for ours")
    args = ap.parse_args(argv)
    applog.configure("console", "warning", stream=sys.stderr)

    policy = dataclasses.replace(PiiConfig(), spacy_ner=args.spacy_ner)
    strict_available, strict_missing = strict_types()
    classes = DEFAULT_CLASSES
    if args.profile == "strict":
        extra = sorted({t for ts in strict_available.values() for t in ts}
                       - set(policy.entities))
        policy = dataclasses.replace(policy, entities=(*policy.entities, *extra))
        classes = classes | frozenset(strict_available)
    strict_scored = sorted(strict_available) if args.profile == "strict" else []

    t0 = time.perf_counter()
    ours = Analyzer(policy)
    load = {"ours": round(time.perf_counter() - t0, 2)}
    sides: dict[str, Spans] = {"ours": ours_spans(ours)}
    stock = None
    if not args.no_stock:
        from bench.pii import stock_engine
        t0 = time.perf_counter()
        stock = stock_engine()
        load["stock"] = round(time.perf_counter() - t0, 2)
        sides["stock"] = stock_spans(stock)
    for fn in sides.values():  # warm both
        fn("warm up: Alice Smith, 555-0100")

    corpora = {"mimesis": mimesis_corpus.build(args.n, args.seed),
               "handmade": handmade_corpus.build(args.n, args.seed)}
    results: dict[str, Any] = {}
    for name, records in corpora.items():
        results[name] = {}
        for side, fn in sides.items():
            result = score(records, fn, classes)
            result["met"] = verdict(result, strict_scored)
            results[name][side] = result
    prose_records = prose.build(args.prose, args.seed)
    over_prose = {}
    for side, fn in sides.items():
        result = score(prose_records, fn, frozenset())
        over_prose[side] = {"words": result["lookalikes"]["n"],
                            "masked": result["lookalikes"]["masked"],
                            "masked_rate": result["lookalikes"]["masked_rate"],
                            "met": result["lookalikes"]["masked_rate"]
                            <= TARGETS["prose_words_masked_max"],
                            "ms_per_record": result["ms_per_record"]}
    project = {} if args.no_project else project_corpora(ours, stock)
    print(json.dumps({
        "bench": "pii_eval",
        "profile": args.profile, "spacy_ner": args.spacy_ner,
        "entities": list(policy.entities),
        "strict_classes": {"scored": strict_available if args.profile == "strict" else {},
                           "not_available": strict_missing},
        "seed": args.seed, "n": args.n, "code": code_version(),
        "mimesis": version("mimesis"),
        "load_seconds": load,
        "independent": results,
        "prose": {"source": prose.SOURCE, "records": len(prose_records), **over_prose},
        "project": project,
        "targets": TARGETS,
    }, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
