"""PII masking on texts written by hand by authors who never saw the recognizers (issue 37).

Each file is JSON lines: ``{"text", "register", "spans": [{"start", "end", "type"}]}``, the
spans every personal value of the text; look-alike records (``register`` "lookalike") have
none. Authors wrote them from a brief of registers and conventions alone (titles outside a
name, an age's number only, a handle without its ``@``), without reading the code or any
other set: ``bench/pii_corpora/authored/`` holds the two sets kept out of development (never
read to write or tune a rule), ``tools/pii_dev/authored/`` the ones that were (their leaks
were read and fixed by class, so they flatter). When a held-out set's leaks are read, it moves
there, and a set written afterwards takes its place.

Per profile (the default policy, and strict: the default plus the strict classes), per file:
each type's values and how many leaked (a value leaks unless every letter and digit of it is
inside some finding, of any type), the default-policy classes' leak rate, and look-alike
records with any finding. Prints JSON.

    .venv/bin/python -m bench.pii_authored                       # the held-out sets
    .venv/bin/python -m bench.pii_authored tools/pii_dev/authored/*.jsonl
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from appliance.config import PiiConfig  # noqa: E402
from appliance.observability import logging as applog  # noqa: E402
from appliance.privacy.analyzer import Analyzer  # noqa: E402
from appliance.privacy.masker import mask_texts  # noqa: E402
from bench.pii_eval import _covered, _masked, strict_types  # noqa: E402

HELD_OUT = sorted((ROOT / "bench" / "pii_corpora" / "authored").glob("*.jsonl"))
#: What the default policy masks, in the authors' type names.
DEFAULT_TYPES = ("PERSON", "PERSON_ZH", "PHONE_NUMBER", "EMAIL_ADDRESS", "DATE_OF_BIRTH",
                 "CREDIT_CARD", "IP_ADDRESS")
STRICT_TYPES = ("ADDRESS", "LOCATION", "ORGANIZATION", "AGE", "DATE")


def analyzers() -> dict[str, Analyzer]:
    policy = PiiConfig()
    available, _missing = strict_types()
    extra = sorted({t for types in available.values() for t in types} - set(policy.entities))
    return {"default": Analyzer(policy),
            "strict": Analyzer(dataclasses.replace(policy,
                                                   entities=(*policy.entities, *extra)))}


def score(path: Path, analyzer: Analyzer, types: tuple[str, ...]) -> dict[str, Any]:
    values: Counter[str] = Counter()
    leaked: Counter[str] = Counter()
    registers: Counter[str] = Counter()
    looks = looks_touched = 0
    for line in path.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        text = record["text"]
        findings = mask_texts(analyzer, [text]).findings[0]
        if not record["spans"]:
            looks += 1
            looks_touched += bool(findings)
            continue
        mask = _covered(text, [(f.start, f.end) for f in findings])
        for span in record["spans"]:
            if span["type"] not in types:
                continue
            values[span["type"]] += 1
            if not _masked(text, mask, span["start"], span["end"]):
                leaked[span["type"]] += 1
                registers[record["register"]] += 1
    default_values = sum(values[t] for t in DEFAULT_TYPES)
    default_leaked = sum(leaked[t] for t in DEFAULT_TYPES)
    return {
        "per_type": {t: {"values": values[t], "leaked": leaked[t]} for t in sorted(values)},
        "default_types_leak_rate": round(default_leaked / max(1, default_values), 4),
        "default_types": {"values": default_values, "leaked": default_leaked},
        "leaks_by_register": dict(registers.most_common()),
        "lookalike_records": {"n": looks, "with_a_finding": looks_touched},
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("files", nargs="*", type=Path, default=HELD_OUT)
    args = ap.parse_args(argv)
    applog.configure("console", "warning", stream=sys.stderr)
    out: dict[str, Any] = {}
    for profile, analyzer in analyzers().items():
        types = DEFAULT_TYPES + (STRICT_TYPES if profile == "strict" else ())
        out[profile] = {p.name: score(p, analyzer, types) for p in args.files}
    print(json.dumps({"bench": "pii_authored", "files": [str(p) for p in args.files], **out},
                     indent=1, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
