"""Ordinary English words, for telling a word the NER model tagged PERSON from a name.

spaCy's small English model tags capitalised ordinary words as people where little context
surrounds them — "Convert this CSV", "Width", "Size", a JSON Schema's titles — and acronyms
too ("Describe a cat as JSON with name and legs": JSON, a PERSON). A finding of the model alone
is not a name when every word of it is one of:

- an **ordinary word**: in the WordNet index that the model's own rule lemmatizer ships (about
  90,000 lemmas, found through its suffix rules and exceptions, so "legs" and "Describes"
  count), and not a census first name. A census surname (US Census Bureau lists, see
  :mod:`recognizers_names`) is a name unless it is rarer than the :data:`COMMON_SURNAMES` most
  common *and* also a verb, adjective or adverb (List, Model): WordNet lists people as nouns
  (Freud, Huxley), so a surname that is only a noun stays a name. What is left out is a famous
  person's name that is no US surname, written alone (Mandela);
- an **acronym**: upper case, no census name at all (JSON, YAML, HTML — "NGUYEN" is a name);
- a **function word** (spaCy's English stop words: "This", "To"), unless a first name (Will);
- an **identifier**: it has an underscore (order_id, first_name).

A title before it (Mr, Dr, Prof …) always makes it a name. The model's other evidence, and that
of our name recognizers (census pairs, cue words, name fields), is not second-guessed here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path

import structlog

from appliance.privacy.recognizers_names import gazetteer, stop_words, surname_ranks

log = structlog.get_logger("appliance.privacy")

#: Surnames ranked at most this in the census list are names even when they are words too.
COMMON_SURNAMES = 20_000
_WORD = re.compile(r"[A-Za-z][A-Za-z'’\-]*|[^\sA-Za-z]+")
_TITLE = re.compile(r"(?i)(?:^|[\s(])(?:mr|mrs|ms|miss|mx|dr|prof|sir|dame|lady|lord|madam|"
                    r"mister|doctor|professor|rev|fr|sr|sra|herr|frau|mme|mlle|m)\.?\s+$")


class Lexicon:
    """Lemmas of ordinary words, nouns apart from the rest (WordNet lists people as nouns
    only), and the rules that reduce an inflected word to one."""

    def __init__(self, nouns: frozenset[str], others: frozenset[str] = frozenset(),
                 rules: Mapping[str, list[tuple[str, str]]] | None = None,
                 exceptions: Mapping[str, str] | None = None) -> None:
        self._nouns = nouns
        self._others = others
        self._rules = [r for pos_rules in (rules or {}).values() for r in pos_rules]
        self._exceptions = exceptions or {}

    def __len__(self) -> int:
        return len(self._nouns) + len(self._others)

    def _lemmas(self, word: str) -> set[str]:
        w = word.lower().replace("’", "'")
        found = {w, self._exceptions.get(w, w)}
        found.update(w[:len(w) - len(old)] + new for old, new in self._rules
                     if old and len(w) > len(old) and w.endswith(old))
        return found

    def is_word(self, word: str) -> bool:
        """``word`` (any case) is an ordinary word or an inflection of one."""
        return any(x in self._nouns or x in self._others for x in self._lemmas(word))

    def is_not_only_a_noun(self, word: str) -> bool:
        """``word`` is also a verb, adjective or adverb (or an inflection of one)."""
        return any(x in self._others for x in self._lemmas(word))


def _lookups_dir(model: str) -> Path | None:
    import spacy.util  # noqa: PLC0415 - loads spaCy

    try:
        root = spacy.util.get_package_path(model)
    except (ImportError, ModuleNotFoundError):
        return None
    found = sorted(root.glob("*/lemmatizer/lookups")) + sorted(root.glob("lemmatizer/lookups"))
    return found[0] if found else None


@lru_cache(maxsize=4)
def model_lexicon(model: str) -> Lexicon:
    """The lexicon in spaCy model package ``model``'s rule lemmatizer (read once per model);
    an empty one, which calls nothing ordinary, when the model has none."""
    from spacy.lookups import Lookups  # noqa: PLC0415

    path = _lookups_dir(model)
    if path is None:
        log.warning("pii_lexicon_missing", spacy_model=model)
        return Lexicon(frozenset())
    lookups = Lookups().from_disk(path)
    if not lookups.has_table("lemma_index"):
        log.warning("pii_lexicon_missing", spacy_model=model)
        return Lexicon(frozenset())
    index = lookups.get_table("lemma_index")
    nouns = frozenset(index.get("noun", ()))
    others = frozenset(w for pos in ("verb", "adj", "adv") for w in index.get(pos, ()))
    rules: dict[str, list[tuple[str, str]]] = {}
    if lookups.has_table("lemma_rules"):
        table = lookups.get_table("lemma_rules")
        rules = {str(pos): [(str(a), str(b)) for a, b in table[pos]] for pos in table}
    exceptions: dict[str, str] = {}
    if lookups.has_table("lemma_exc"):
        for per_pos in lookups.get_table("lemma_exc").values():
            for word, forms in per_pos.items():
                if forms:
                    exceptions.setdefault(word, forms[0])
    return Lexicon(nouns, others, rules, exceptions)


def not_a_name(text: str, start: int, end: int, lexicon: Lexicon) -> bool:
    """``text[start:end]``, which the NER model alone tagged PERSON, is ordinary words,
    acronyms or identifiers (see the module docstring)."""
    if not len(lexicon) or _TITLE.search(text, max(0, start - 12), start):
        return False
    value = text[start:end]
    if "_" in value:
        return True
    words = [w for w in _WORD.findall(value) if w[0].isalpha()]
    return bool(words) and all(ordinary_word(w, lexicon) for w in words)


def ordinary_word(word: str, lexicon: Lexicon) -> bool:
    """An acronym, or an ordinary word that is not a first name or a surname as well."""
    firsts, lasts = gazetteer()
    key = word.upper().replace("’", "'")
    if key in firsts:
        return False
    if word.lower() in stop_words():
        return True  # "This", "To": no name is a function word
    if word.isupper() and len(word) > 1:
        return key not in lasts
    rank = surname_ranks().get(key)
    if rank is not None and (rank <= COMMON_SURNAMES or not lexicon.is_not_only_a_noun(word)):
        return False  # a surname; a noun of that name may be someone (Huxley, Freud)
    return lexicon.is_word(word)
