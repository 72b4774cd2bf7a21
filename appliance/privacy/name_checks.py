"""Checks on the names an NER model reads into text, applied inside its recognizer.

A model reads a name from the look of words and a little context, and runs it into the words
around it: "Kwame Asante\\n2." in a numbered list, "Samuel spake", "thee" in old prose, "Genre"
as a schema's field label. The checks here cut such a finding down to the name or drop it.
They run in the recognizer, before Presidio's engine de-duplicates findings: the engine keeps
one of several findings over the same words, the best scored, and a model's finding dropped
afterwards would take with it the name a cue recognizer found inside it.

- a name ends at a line break;
- lower-case words at its edges go (name particles stay: van der, da, bin), and so does an
  ordinary word that only opens the sentence ("See ISO 8601", "Ask Freud");
- it has no digits, and is no short acronym (GB, HR);
- not all its words are ordinary (:func:`lexicon.not_a_name`);
- it is not inside a line's label that ends in a field word ("Genre:", "Summer Sale:");
- a name in lower case counts only where the line is written in lower case (a chat), not
  where it starts with a capital or capitalises two words: whoever writes so would have
  capitalised a name.
"""

from __future__ import annotations

import re

from presidio_analyzer import RecognizerResult
from presidio_analyzer.predefined_recognizers import SpacyRecognizer

from appliance.privacy.lexicon import Lexicon, not_a_name, ordinary_word
from appliance.privacy.recognizers_context import in_field_label
from appliance.privacy.recognizers_gdpr import EN_PLACE_NAMES
from appliance.privacy.recognizers_names import gazetteer, lower_in_cased_line

#: Lower-case words that belong to names (van der Vlist, da Silva, bin Salman).
PARTICLES = frozenset(("van", "der", "den", "de", "del", "della", "di", "da", "dos", "das", "du",
                       "la", "le", "von", "zu", "bin", "binti", "ibn", "al", "el", "ten", "ter"))
_WORD = re.compile(r"[^\W\d_][\w'’\-]*")
_DIGIT = re.compile(r"[0-9]")
#: Capitalised words run together with no space: how code names a type (PartialPerson).
_CAMEL = re.compile(r"(?:[A-Z][a-z]+){2,}")
_CAMEL_PART = re.compile(r"[A-Z][a-z]+")
#: The text before a sentence's first word: nothing, or a stop, a colon or a line break.
#: Around a one-word name that is also a known place (Jordan, Georgia, Austin, Florence): the
#: words that make it a person. Before it: a greeting or a person's title; after it: a verb of
#: saying or asking, a speaker's colon, or a possessive with a word for a person's own things.
_PERSON_BEFORE = re.compile(
    r"(?:\b(?:[Hh]i|[Hh]ello|[Hh]ey|[Dd]ear|[Tt]hanks|[Tt]hank you|[Cc]heers|[Mm]rs?|[Mm]s|"
    r"[Dd]r|[Pp]rof|[Uu]ncle|[Aa]unt|[Cc]ousin|[Cc]olleague|[Ff]riend|[Bb]oss|[Mm]anager|"
    r"[Ss]ister|[Bb]rother|[Dd]aughter|[Ss]on|[Ww]ife|[Hh]usband|[Pp]artner)\.?,?[ \t]+)$")
_PERSON_AFTER = re.compile(
    r"(?:[ \t]+(?:said|says|asked|asks|called|calls|wrote|writes|told|tells|replied|replies|"
    r"emailed|texted|phoned|thinks|thought|wants|wanted|agreed|signed|mentioned|will call|"
    r"is my|was my|and I\b|from (?:HR|IT|sales|support|accounting|finance))\b"
    r"|:[ \t]"
    r"|['’]s (?:mother|father|mom|dad|wife|husband|son|daughter|sister|brother|phone|number|"
    r"email|e-mail|address|birthday|account|manager|desk|office)\b)")
_SENTENCE_START = re.compile(r"(?:^|[.!?:;\n][\s\"'(]*)$")


def person_context(text: str, start: int, end: int) -> bool:
    """Whether the words around ``text[start:end]`` make it a person's name: a greeting or a
    title before it, a verb of saying, a speaker's colon or a person's possessive after it."""
    return _PERSON_BEFORE.search(text, max(0, start - 24), start) is not None \
        or _PERSON_AFTER.match(text, end) is not None


def first_line(text: str, start: int, end: int) -> tuple[int, int]:
    """``start, end`` cut at the first line break with text before it, less trailing space."""
    value = text[start:end]
    lead = len(value) - len(value.lstrip())
    cut = value.find("\n", lead)
    if cut >= 0:
        end = start + len(value[:cut].rstrip())
    return start + lead, max(start + lead, end)


def trim_lower_edges(text: str, start: int, end: int) -> tuple[int, int]:
    """A name with a capitalised word loses the lower-case words at its edges that are no
    name particle ("Samuel spake" is Samuel)."""
    words = list(_WORD.finditer(text, start, end))
    if not any(w.group(0)[0].isupper() for w in words):
        return start, end
    while words and words[-1].group(0).islower() and words[-1].group(0) not in PARTICLES:
        words.pop()
    while words and words[0].group(0).islower() and words[0].group(0) not in PARTICLES:
        words.pop(0)
    return (words[0].start(), words[-1].end()) if words else (start, start)


def drop_sentence_verb(text: str, start: int, end: int, lexicon: Lexicon) -> int:
    """``start`` moved past a first word that opens a sentence and is an ordinary English
    word, not a first name ("See ISO 8601", "Ask Freud"): capitalised for the sentence."""
    m = _WORD.match(text, start)
    if m is None or m.end() >= end or not _SENTENCE_START.search(text[:start]):
        return start
    word = m.group(0)
    nxt = _WORD.search(text, m.end(), end)
    if nxt is None or not lexicon.is_word(word):
        return start
    firsts, lasts = gazetteer()
    if word.upper() in firsts and (nxt.group(0).upper() in lasts
                                   or not lexicon.is_not_only_a_noun(word)):
        return start  # "Will Smith said", "Rose left": a first name after all
    return nxt.start()


def checked_name(text: str, start: int, end: int, lexicon: Lexicon) -> tuple[int, int] | None:
    """Where the name a model found at ``text[start:end]`` is, or None if it is none (see
    the module docstring)."""
    start, end = trim_lower_edges(text, *first_line(text, start, end))
    start = drop_sentence_verb(text, start, end, lexicon)
    value = text[start:end]
    if start == end or _DIGIT.search(value) or (len(value) <= 3 and value.isupper()):
        return None
    if not_a_name(text, start, end, lexicon) or in_field_label(text, start, end, lexicon) \
            or lower_in_cased_line(text, start, end) \
            or (value in EN_PLACE_NAMES and not person_context(text, start, end)):
        # ... and "Paris" alone: a model's name that is a known place is the place, unless
        # the words around it make it a person ("Hi Georgia,", "Jordan said")
        return None
    if _code_identifier(text, start, end, lexicon):
        return None
    return start, end


def _code_identifier(text: str, start: int, end: int, lexicon: Lexicon) -> bool:
    """``text[start:end]`` is code: in backticks, or ordinary words run together in CamelCase
    ("PartialPerson", "UserName"; McDonald and DeShawn are names: Mc and De are no words)."""
    if text[start - 1:start] == "`" and text[end:end + 1] == "`":
        return True
    value = text[start:end]
    parts = _CAMEL_PART.findall(value)
    return _CAMEL.fullmatch(value) is not None and len(parts) >= 2 \
        and all(len(p) >= 3 and ordinary_word(p, lexicon) for p in parts)


def checked_results(text: str, results: list[RecognizerResult],
                    lexicon: Lexicon) -> list[RecognizerResult]:
    """``results`` with their PERSON findings checked: cut down, or left out."""
    out = []
    for r in results:
        if r.entity_type == "PERSON":
            span = checked_name(text, r.start, r.end, lexicon)
            if span is None:
                continue
            r.start, r.end = span
        out.append(r)
    return out


class CheckedSpacyRecognizer(SpacyRecognizer):
    """Presidio's spaCy recognizer, its names checked (same name, so findings read the same)."""

    def __init__(self, lexicon: Lexicon, supported_entities: list[str],
                 language: str = "en") -> None:
        super().__init__(supported_language=language, supported_entities=supported_entities,
                         name="SpacyRecognizer")
        self._lexicon = lexicon

    def analyze(self, text: str, entities: list[str],
                nlp_artifacts: object = None) -> list[RecognizerResult]:
        return checked_results(text, super().analyze(text, entities, nlp_artifacts),
                               self._lexicon)
