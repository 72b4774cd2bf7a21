"""Answer quality under masking: extraction questions answered by the real local model on the
unmasked prompt, with placeholders and with surrogates ([pii] style). Prints JSON.

Each of the generated records is a customer message with a name, a phone number, an e-mail
address and a card number; the question asks for one of them ("Answer with the ... only"),
after one worked example in the same form. The model answers greedily (one line). Masked
prompts go through the real PII stage (:class:`appliance.privacy.masker.PiiMasker` with the
default policy: analysis, output scan and restore), exactly as a request would; the score is
exact match of the answer the caller reads with the true value. The unmasked condition is the
baseline measured in the same run: no PII stage at all.

    .venv/bin/python -m bench.pii_quality [--records 40] [--threads 2]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from appliance.config import PiiConfig  # noqa: E402
from appliance.engine.default_model import ensure_default_model  # noqa: E402
from appliance.observability import logging as applog  # noqa: E402
from appliance.privacy.masker import PiiMasker  # noqa: E402

FIRST = ("Oscar", "Ingrid", "Tobias", "Marta", "Felix", "Nadia", "Hugo", "Elena", "Viktor",
         "Lena", "Arthur", "Sofia", "Jonas", "Irene", "Milo", "Greta")
LAST = ("Lindqvist", "Moreau", "Novak", "Castillo", "Brandt", "Okafor", "Reyes", "Keller",
        "Sandoval", "Larsen", "Duarte", "Whitman", "Horvat", "Ferreira", "Quinn", "Adler")
DOMAINS = ("gmail.com", "outlook.com", "proton.me")
FIELDS = {"name": "name", "phone": "phone number", "email": "email address",
          "card": "card number"}
EXAMPLE = ("Message: Hello, this is Dana Whitfield. My card 4539 1488 0343 6467 was charged "
           "twice. Call me at (646) 372-9104 or mail dana.whitfield@fastmail.com.\n"
           "Question: What is the customer's email address? Answer with the email address "
           "only.\nAnswer: dana.whitfield@fastmail.com\n\n")


def luhn_complete(body: str) -> str:
    total = 0
    for i, c in enumerate(reversed(body)):
        d = int(c) * (2 if i % 2 == 0 else 1)
        total += d - 9 if d > 9 else d
    return body + str((10 - total % 10) % 10)


def records(n: int, seed: int = 0) -> list[dict[str, str]]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        card = luhn_complete("4" + "".join(rng.choice("0123456789") for _ in range(14)))
        rec = {
            "name": f"{first} {last}",
            "phone": f"({rng.randint(201, 989)}) {rng.randint(200, 989)}-{rng.randint(1000, 9999)}",
            "email": f"{first.lower()}.{last.lower()}@{rng.choice(DOMAINS)}",
            "card": " ".join(card[k:k + 4] for k in range(0, 16, 4)),
            "field": list(FIELDS)[i % len(FIELDS)],
        }
        rec["prompt"] = (
            f"{EXAMPLE}Message: Hi, my name is {rec['name']}. I have a question about my card "
            f"{rec['card']}. You can reach me at {rec['phone']} or {rec['email']}.\n"
            f"Question: What is the customer's {FIELDS[rec['field']]}? Answer with the "
            f"{FIELDS[rec['field']]} only.\nAnswer:")
        out.append(rec)
    return out


def answer(llm: Any, prompt: str, max_tokens: int) -> str:
    r = llm.create_completion(prompt, max_tokens=max_tokens, temperature=0.0, top_k=1,
                              stop=["\n"])
    return str(r["choices"][0]["text"])


async def masked_answer(masker: PiiMasker, llm: Any, prompt: str, max_tokens: int) -> str:
    """The whole PII stage around the model, as the pipeline runs it (one piece, then flush)."""
    masked = await masker.mask([prompt])
    out = masker.output(masked)
    text = await out.feed(answer(llm, masked.texts[0], max_tokens))
    return text + await out.flush()


def normal(text: str) -> str:
    return text.strip().rstrip(".").strip()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--records", type=int, default=40)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--max-tokens", type=int, default=24)
    args = ap.parse_args(argv)

    from llama_cpp import Llama

    from appliance.privacy.analyzer import Analyzer

    applog.configure("console", "warning", stream=sys.stderr)  # stdout is for the JSON only
    work = Path(tempfile.mkdtemp(prefix="bench-pii-quality-"))
    model, sha = ensure_default_model(work / "models")
    llm = Llama(model_path=str(model), n_ctx=1024, n_threads=args.threads,
                n_threads_batch=args.threads, verbose=False)
    analyzer = Analyzer(PiiConfig())
    maskers = {style: PiiMasker(replace(PiiConfig(), style=style), analyzer)
               for style in ("placeholder", "surrogate")}
    recs = records(args.records)
    conditions: dict[str, dict[str, Any]] = {}
    try:
        for condition in ("unmasked", "placeholder", "surrogate"):
            start = time.perf_counter()
            hits: dict[str, list[bool]] = {f: [] for f in FIELDS}
            for rec in recs:
                if condition == "unmasked":
                    got = answer(llm, rec["prompt"], args.max_tokens)
                else:
                    got = asyncio.run(masked_answer(maskers[condition], llm, rec["prompt"],
                                                    args.max_tokens))
                hits[rec["field"]].append(normal(got) == rec[rec["field"]])
            total = [h for v in hits.values() for h in v]
            conditions[condition] = {
                "exact_match": round(sum(total) / len(total), 3),
                "by_field": {f: f"{sum(v)}/{len(v)}" for f, v in hits.items()},
                "seconds": round(time.perf_counter() - start, 1),
            }
    finally:
        for m in maskers.values():
            m.close()
    print(json.dumps({"model": model.name, "model_sha256": sha, "records": len(recs),
                      "decoding": "greedy", "conditions": conditions}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
