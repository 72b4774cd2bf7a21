"""Copy a trained pipeline (spaCy's model-best) into the package with a versioned meta.json.

Usage: python tools/pii_model/package.py BUILD_DIR DEST_DIR
BUILD_DIR holds data/data.json (tools/pii_model/generate.py) and out/model-best (spacy train).
The training paths in config.cfg are blanked: the artifact names nothing on the build host.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

#: The shipped model's version: bumped when its data, config or labels change.
MODEL_VERSION = "0.1.0"


def main(argv: list[str]) -> int:
    build, dest = Path(argv[0]), Path(argv[1])
    best = build / "out" / "model-best"
    data = json.loads((build / "data" / "data.json").read_text(encoding="utf-8"))
    if dest.exists():
        shutil.rmtree(dest)
    shutil.copytree(best, dest)
    meta_path = dest / "meta.json"
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    meta.update({
        "name": "pii_ner_en", "version": MODEL_VERSION,
        "description": "The appliance's PII token classifier (PERSON, ADDRESS): a small CNN "
                       "trained on CPU by `make pii-model` (tools/pii_model/) on synthetic "
                       "text from Faker in many locales and the project's own templates.",
        "author": "llm-appliance", "license": "Proprietary",
        "sources": [{"name": "Faker", "version": data["faker_version"],
                     "url": "https://pypi.org/project/Faker/"}],
        "training_data": data,
    })
    meta_path.write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    cfg = dest / "config.cfg"
    lines = []
    for line in cfg.read_text(encoding="utf-8").splitlines():
        key = line.split("=")[0].strip()
        blank = key in ("train", "dev") and line.startswith(("train", "dev"))
        lines.append(f"{key} = null" if blank else line)
    cfg.write_text("\n".join(lines) + "\n", encoding="utf-8")
    size = sum(p.stat().st_size for p in dest.rglob("*") if p.is_file())
    print(json.dumps({"model": str(dest), "version": MODEL_VERSION, "bytes": size,
                      "dev_scores": {k: meta.get("performance", {}).get(k)
                                     for k in ("ents_f", "ents_p", "ents_r")}}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
