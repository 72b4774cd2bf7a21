"""Build the world name lists the name recognizers read beside the US census lists
(appliance/privacy/models/world-names/): the given names and surnames of every Faker locale
whose names are written in Latin script (Faker's person providers, MIT licence; lists of
common names per country compiled from public statistics offices and name registers).

What is kept (see :func:`keep`):

- a name of one of the ``first_names*`` / ``last_names*`` lists (tuples or weighted
  dictionaries) of a locale of :func:`latin_locales`, one word of Latin letters (a hyphen or
  an apostrophe inside), four letters or more (a short word is an abbreviation as often as a
  name: "dev", "Ops"), not already in the census lists;
- no English function word (spaCy's stop words);
- no ordinary English word at all (WordNet lemmas of the spaCy model's lemmatizer, with their
  inflections): "Will", "May", "Mark", "Grace", "Heaven", "Mission" stay out, so that prose
  does not turn into names (the census lists have the common English ones anyway). What is
  lost: names that WordNet lists as nouns and are no census name.

gender-guesser's nam_dict.txt is never read here: tools/pii_dev/en_names.py measures on it.
Since the lists come from Faker, the probe's ``faker`` source measures names the product
knows; ``gg`` stays the held-out measure.

Usage: python tools/pii_model/world_names.py [--out DIR]
"""

from __future__ import annotations

import argparse
import importlib
import json
import pkgutil
import re
import sys
import unicodedata
from collections.abc import Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

_LATIN_NAME = re.compile(r"[A-ZÀ-ÖØ-ÞĀ-ž][a-zß-öø-ÿĀ-ž]+(?:['\-][A-ZÀ-ÖØ-ÞĀ-ža-zß-öø-ÿĀ-ž]+)?")
#: The shortest name kept.
MIN_LETTERS = 4
#: A locale is taken when at least this share of its names is written in Latin letters only.
LATIN_SHARE = 0.9
#: Lists of a person provider that are not names as written ("Jóns" without its "-son").
SKIP_LISTS = frozenset({"last_names_without_suffix"})


def _names(value: object) -> list[str]:
    """The names of one provider list: a tuple/list of names or a dict of name -> weight."""
    if isinstance(value, dict):
        value = list(value)
    if isinstance(value, (tuple, list)):
        return [v for v in value if isinstance(v, str)]
    return []


def provider_names(locale: str) -> tuple[set[str], set[str]]:
    """(given names, surnames) of the Faker person provider of ``locale``, as written."""
    provider = importlib.import_module(f"faker.providers.person.{locale}").Provider
    firsts: set[str] = set()
    lasts: set[str] = set()
    for attr in dir(provider):
        if attr in SKIP_LISTS:
            continue
        if attr.startswith("first_names"):
            firsts.update(_names(getattr(provider, attr)))
        elif attr.startswith("last_names"):
            lasts.update(_names(getattr(provider, attr)))
    return firsts, lasts


def _latin(name: str) -> bool:
    return all(not ch.isalpha() or "LATIN" in unicodedata.name(ch, "") for ch in name)


def latin_locales() -> list[str]:
    """Faker person locales whose names are (nearly) all written in Latin letters, sorted."""
    from faker.providers import person

    out = []
    for module in pkgutil.iter_modules(person.__path__):
        firsts, lasts = provider_names(module.name)
        names = firsts | lasts
        if names and sum(map(_latin, names)) >= LATIN_SHARE * len(names):
            out.append(module.name)
    return sorted(out)


def candidates(names: Iterable[str]) -> set[str]:
    """Names of one Latin word (a hyphen or apostrophe inside), :data:`MIN_LETTERS` or more."""
    return {n for n in names if len(n) >= MIN_LETTERS and _LATIN_NAME.fullmatch(n)}


def keep(name: str, lexicon: object, stop: frozenset[str], census: frozenset[str]) -> bool:
    """``name`` goes on a world list: no census name, no English word."""
    return name.upper() not in census and name.lower() not in stop \
        and not lexicon.is_word(name)  # type: ignore[attr-defined]


def main(argv: list[str] | None = None) -> int:
    import faker

    from appliance.config import PiiConfig
    from appliance.privacy.lexicon import model_lexicon
    from appliance.privacy.recognizers_names import census_gazetteer, stop_words

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", type=Path,
                    default=ROOT / "appliance" / "privacy" / "models" / "world-names")
    args = ap.parse_args(argv)
    locales = latin_locales()
    all_first: set[str] = set()
    all_last: set[str] = set()
    for locale in locales:
        firsts, lasts = provider_names(locale)
        all_first |= candidates(firsts)
        all_last |= candidates(lasts)
    lexicon = model_lexicon(PiiConfig().spacy_model)
    stop = stop_words()
    census_first, census_last = census_gazetteer()

    def listed(names: set[str], census: frozenset[str]) -> list[str]:
        # one spelling per upper-case form (the recognizers compare upper case)
        kept = {n.upper(): n for n in sorted(names) if keep(n, lexicon, stop, census)}
        return sorted(kept.values())

    firsts_out = listed(all_first, census_first)
    lasts_out = listed(all_last, census_last)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "first.txt").write_text("\n".join(firsts_out) + "\n", encoding="utf-8")
    (args.out / "last.txt").write_text("\n".join(lasts_out) + "\n", encoding="utf-8")
    info = {"source": f"Faker {faker.VERSION} (faker.providers.person)", "license": "MIT",
            "locales": locales, "min_letters": MIN_LETTERS,
            "first": len(firsts_out), "last": len(lasts_out)}
    (args.out / "meta.json").write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(info))
    return 0


if __name__ == "__main__":
    sys.exit(main())
