"""Measure what the PII model adds, on held-out text (tools/pii_model/heldout.py): PERSON and
ADDRESS recall, ordinary words masked, load time, time per record and memory, for the analyzer
without models, with the shipped one, and with another spaCy model package as the main NER.

Usage: python tools/pii_model/measure.py [--variants base,model,...] [--md PACKAGE]
Each variant runs in a fresh process (load time and RSS are its own); prints one JSON object.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import re
import resource
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from people import fixed_hash_seed

_WORD = re.compile(r"[A-Za-z][A-Za-z'\-]*")


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def policy(variant: str, md: str):
    from appliance.config import PiiConfig

    base = PiiConfig()
    entities = (*base.entities, "ADDRESS")
    return {
        "base": dataclasses.replace(base, models=()),
        "model": dataclasses.replace(base, models=("builtin:pii-ner-en",)),
        "model+spacy": dataclasses.replace(base, models=("builtin:pii-ner-en",), spacy_ner="on"),
        "model+address": dataclasses.replace(base, models=("builtin:pii-ner-en",),
                                             entities=entities),
        "md": dataclasses.replace(base, models=(), spacy_model=md),
        "md+model": dataclasses.replace(base, models=("builtin:pii-ner-en",), spacy_model=md),
        # en_core_web_md as a site's own model beside the small one (its PERSON only).
        "md-beside": dataclasses.replace(base, models=(md,)),
    }[variant]


def _main_model_from_dir(md: str) -> None:
    """Let the analyzer take a model directory (not an installed package, as vendored
    en_core_web_md is) as its main spaCy model, with the lexicon from its own lemmatizer."""
    import spacy.util

    from appliance.privacy import lexicon

    if not Path(md).is_dir():
        return
    is_package, load = spacy.util.is_package, spacy.load
    spacy.util.is_package = lambda name: name == md or is_package(name)  # type: ignore[assignment]
    spacy.load = lambda name, **kw: load(Path(name) if name == md else name, **kw)  # type: ignore[assignment]
    lookups = lexicon._lookups_dir
    lexicon._lookups_dir = (  # type: ignore[assignment]
        lambda name: Path(md) / "lemmatizer" / "lookups" if name == md else lookups(name))


def run_variant(variant: str, md: str) -> dict[str, object]:
    import spacy  # noqa: F401 - imported before the clock, as the daemon has it
    from heldout import heldout

    from appliance.privacy.analyzer import Analyzer
    from appliance.privacy.masker import mask_texts

    if variant.startswith("md"):
        _main_model_from_dir(md)
    rss0 = _rss_mb()
    t0 = time.perf_counter()
    analyzer = Analyzer(policy(variant, md))
    load_s = time.perf_counter() - t0
    rss1 = _rss_mb()
    data = heldout()
    mask_texts(analyzer, [data[0][0]])  # warm-up
    found: dict[str, list[int]] = {"PERSON": [0, 0], "ADDRESS": [0, 0]}
    words = masked_words = neg_texts = neg_hit = 0
    wrong: list[str] = []
    missed: list[str] = []
    t0 = time.perf_counter()
    results = [mask_texts(analyzer, [text]).findings[0] for text, _ in data]
    per_record_ms = (time.perf_counter() - t0) * 1000 / len(data)
    for (text, gold), findings in zip(data, results, strict=True):
        for start, end, label in gold:
            if label not in found:
                continue
            found[label][1] += 1
            want = "PERSON" if label == "PERSON" else None
            if any(f.start <= start and end <= f.end and (want is None or f.entity_type == want)
                   for f in findings):
                found[label][0] += 1
            elif len(missed) < 40:
                missed.append(f"{text[start:end]!r} in {text!r}")
        if not gold:
            neg_texts += 1
            neg_hit += bool(findings)
        for m in _WORD.finditer(text):
            if any(s < m.end() and m.start() < e for s, e, _ in gold):
                continue
            words += 1
            if any(f.start < m.end() and m.start() < f.end for f in findings):
                masked_words += 1
                if len(wrong) < 40:
                    wrong.append(f"{m.group(0)!r} in {text!r}")
    return {
        "variant": variant, "records": len(data),
        "person_recall": round(found["PERSON"][0] / max(1, found["PERSON"][1]), 4),
        "persons": found["PERSON"][1],
        "address_recall": round(found["ADDRESS"][0] / max(1, found["ADDRESS"][1]), 4),
        "ordinary_words": words, "ordinary_words_masked": masked_words,
        "overmask_rate": round(masked_words / max(1, words), 4),
        "negative_texts": neg_texts, "negative_texts_with_a_finding": neg_hit,
        "load_s": round(load_s, 2), "per_record_ms": round(per_record_ms, 2),
        "rss_added_mb": round(rss1 - rss0, 1), "rss_mb": round(_rss_mb(), 1),
        "missed_sample": missed[:15], "overmasked_sample": wrong[:15],
    }


def main() -> int:
    fixed_hash_seed()
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--variants", default="base,model,model+address")
    ap.add_argument("--md", default="en_core_web_md")
    ap.add_argument("--one", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        print(json.dumps(run_variant(args.one, args.md)))
        return 0
    out = []
    for variant in args.variants.split(","):
        proc = subprocess.run([sys.executable, __file__, "--one", variant, "--md", args.md],
                              capture_output=True, text=True, check=False)
        if proc.returncode:
            out.append({"variant": variant, "error": proc.stderr.strip().splitlines()[-1]})
            continue
        out.append(json.loads(proc.stdout.strip().splitlines()[-1]))
    print(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
