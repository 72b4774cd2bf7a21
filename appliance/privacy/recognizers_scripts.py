"""Names written in a script other than Latin or Chinese: Cyrillic, Greek, Armenian (scripts
with capitals), Hebrew, Arabic and Persian, Georgian, Devanagari, Thai, Hangul and Japanese
(scripts without).

The English NER model and the name patterns read Latin letters only, so "Author: Финдо Стойков"
or "send_invite(to=\"Ευτέρπη Τσότρας\")" passed every one of them. Two observations make a
rule that needs no word list:

- In the cased scripts only proper nouns and a sentence's first word are capitalised, so two
  or three capitalised words in a row are a proper noun (a person's name, most often).
- In text written in Latin letters (an English prompt, code, a CSV file; at least a quarter of
  its letters, so that a short frame around two names counts), a short run of one to three
  words in another script is almost always a proper noun too: a name kept in its own script.
  A longer run is a quotation and stays.

So: a run of one to three words of one of these scripts is a name when the text around it is
mostly Latin (and, in a cased script, each word is capitalised); in text mostly in that
script, a run of two or three capitalised words of a cased script is. Japanese names written
"given family" in kanji or kana with a space ("美加子 山田") count as a run of two in Latin
text; a single Chinese word is left to the Chinese name recognizers.
"""

from __future__ import annotations

import re
from collections import Counter

from presidio_analyzer import RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

from appliance.privacy.recognizer_base import OwnRecognizer, make_result

#: Capitals of the cased scripts (Greek with tonos, Cyrillic incl. Ukrainian and the letters
#: of Kazakh, Tatar and others, where capitals and small letters alternate: each word's first
#: letter is checked again with str.isupper; Armenian).
_CASED_UPPER = ("\u0386\u0388-\u038f\u0391-\u03a9\u0400-\u042f\u0460-\u0480\u048a-\u052f"
                "\u0531-\u0556")
#: Letters of the cased scripts, either case, and the apostrophes inside Ukrainian names.
_CASED_LETTER = "\u0370-\u03ff\u1f00-\u1fff\u0400-\u052f\u0531-\u0587\u02bc'’"
#: Letters only: an apostrophe inside a name is part of it, one before or after a run is the
#: quote around a value ('Ευτέρπη Τσότρας' in SQL or Python).
_LETTERS = _CASED_LETTER.removesuffix("\u02bc'’")
#: Letters (and combining marks) of scripts without capitals.
_CASELESS = ("\u05d0-\u05ea\u05b0-\u05c7\u0620-\u065f\u0670-\u06d3\u06fa-\u06ff\u10d0-\u10ff"
             "\u0900-\u0963\u0966-\u097f\u0e01-\u0e4e\uac00-\ud7a3\u3040-\u30ff")
_HAN = "\u4e00-\u9fff"
#: An apostrophe only inside a word (Сем'ян), never its last character (a closing quote).
_CASED_WORD = rf"[{_CASED_UPPER}][{_LETTERS}\-]*(?:['’ʼ][{_LETTERS}\-]+)*"
_CASELESS_WORD = rf"[{_CASELESS}][{_CASELESS}\-]*"
_ANY_WORD = rf"[{_CASED_LETTER}{_CASELESS}][{_CASED_LETTER}{_CASELESS}\-]*"
_EDGE = rf"(?<![{_LETTERS}{_CASELESS}{_HAN}\w])"
_END = rf"(?![{_LETTERS}{_CASELESS}{_HAN}\w])"
#: One to three words of one script, and the words around them (to see how long the run is).
_CASED_RUN = re.compile(rf"{_EDGE}{_CASED_WORD}(?:[ \t]+{_CASED_WORD}){{0,2}}{_END}")
_CASELESS_RUN = re.compile(rf"{_EDGE}{_CASELESS_WORD}(?:[ \t]+{_CASELESS_WORD}){{0,2}}{_END}")
_JAPANESE_NAME = re.compile(
    rf"(?<![{_HAN}\u3040-\u30ff\w])[{_HAN}\u3040-\u30ff]{{1,4}}[ \t\u3000]"
    rf"[{_HAN}\u3040-\u30ff]{{1,4}}(?![{_HAN}\u3040-\u30ff\w])")
_FOREIGN_WORD = re.compile(_ANY_WORD)
#: A whole item of one to three words of these scripts (a list item of a list of people).
FOREIGN_ITEM = re.compile(rf"(?:{_CASED_WORD}(?:[ \t]+{_CASED_WORD}){{0,2}}"
                          rf"|{_CASELESS_WORD}(?:[ \t]+{_CASELESS_WORD}){{0,2}})")
_LETTER = re.compile(r"[^\W\d_]")
#: The scripts told apart when counting a text's letters: (first code point, last, name).
_SCRIPTS = ((0x0370, 0x03ff, "greek"), (0x1f00, 0x1fff, "greek"), (0x0400, 0x052f, "cyrillic"),
            (0x0530, 0x058f, "armenian"), (0x0590, 0x05ff, "hebrew"), (0x0600, 0x06ff, "arabic"),
            (0x0900, 0x097f, "devanagari"), (0x0e00, 0x0e7f, "thai"), (0x10a0, 0x10ff, "georgian"),
            (0x3040, 0x30ff, "cjk"), (0x4e00, 0x9fff, "cjk"), (0xac00, 0xd7a3, "hangul"))
_LOWER_CASED = re.compile(rf"[{_CASED_LETTER}]")
_WORD_BEFORE = re.compile(rf"{_ANY_WORD}[ \t]+$")
_WORD_AFTER = re.compile(rf"[ \t]+{_ANY_WORD}")


class ForeignScriptNameRecognizer(OwnRecognizer):
    ENTITY = "PERSON"
    #: In Latin text; and two or more capitalised words in text of their own script.
    SCORE = 0.6

    def analyze(self, text: str, entities: list[str],
                nlp_artifacts: NlpArtifacts | None = None) -> list[RecognizerResult]:
        if self.ENTITY not in entities:
            return []
        if _FOREIGN_WORD.search(text) is None and _JAPANESE_NAME.search(text) is None:
            return []
        letters = _letters_by_script(text)
        total = sum(letters.values())
        out = []
        for regex in (_CASED_RUN, _CASELESS_RUN, _JAPANESE_NAME):
            for m in regex.finditer(text):
                words = m.group(0).split()
                cased = regex is _CASED_RUN
                own = letters[_script(m.group(0)[0])]
                # In text of other scripts, a short run of this one is a name: where they
                # have a quarter of the letters or more (a short English frame around two
                # names, "Team: 이현지; 이정훈", 'author = "ზინა კუპატაძე"', has no more).
                minority = own <= 3 * (total - own)
                # There, two or three capitalised words are a name inside a phrase too (after
                # a title: "пані Олена Баранець", "Др. Свидна Тодорова"); in text of their own
                # script a phrase around them may be a firm's ("в Московском Государственном").
                if regex is not _JAPANESE_NAME and not (minority and cased and len(words) >= 2) \
                        and self._in_phrase(text, m.start(), m.end()):
                    continue  # a quoted sentence, not a name
                if not minority and not (cased and len(words) >= 2):
                    continue
                if cased and any(not _LOWER_CASED.search(w[1:]) for w in words if len(w) > 1):
                    continue  # an acronym in capitals, not a name
                if cased and not all(w[0].isupper() for w in words):
                    continue  # the extended Cyrillic block mixes capitals and small letters
                out.append(make_result(self, self.ENTITY, m.start(), m.end(), self.SCORE,
                                       "proper noun in another script"))
        return out

    @staticmethod
    def _in_phrase(text: str, start: int, end: int) -> bool:
        """Another word of these scripts right before or after the run (a space apart): the
        run is part of a longer phrase."""
        return _WORD_BEFORE.search(text, max(0, start - 40), start) is not None \
            or _WORD_AFTER.match(text, end) is not None


def _script(char: str) -> str:
    code = ord(char)
    return next((name for lo, hi, name in _SCRIPTS if lo <= code <= hi), "other")


def _letters_by_script(text: str) -> Counter[str]:
    """How many letters ``text`` has in each script (Latin and the rest count as "other")."""
    return Counter(_script(c) for c in _LETTER.findall(text))
