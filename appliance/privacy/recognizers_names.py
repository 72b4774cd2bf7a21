"""Names the small English NER model misses, from signals beside it.

spaCy's ``en_core_web_sm`` finds "John Smith" in a sentence, but misses or half-masks names
written the way records and people write them: lower case or ALL CAPS, "Smith, John", a name
alone on a signature line, a CSV column, a JSON value. Three recognizers add what it misses:

- :class:`GazetteerNameRecognizer`: a first name followed by a surname (optionally with a
  middle initial), or "Surname, First", from the US Census Bureau's 1990 name lists (88,799
  surnames, 5,494 first names; public domain, shipped in the ``names`` package's wheel) and
  the world lists (:func:`world_names`: about 15,000 given names and 10,000 surnames of
  Faker's Latin-script locales, none an English word). Capitalised or ALL CAPS pairs may use
  either; lower-case pairs only census names and no English stop word ("will young").
- :class:`CuedNameRecognizer`: the words after "name:", "contact:", "Dear", "Hi", "Attn:",
  "From:", and on the line after a sign-off ("Regards,", "Thanks,", "Best,", "Sincerely,").
- :class:`StructuredNameRecognizer`: values of name-like keys in JSON, YAML or key=value text
  (``"name": "…"``, ``contact=…``, ``"姓名": "…"``) and cells of name-like columns in CSV/TSV
  tables (a header row naming the column).

:func:`widen_names` also grows a name found by NER over adjacent name tokens, so "Maria" of
"Maria Gonzalez-Ruiz" does not leave the surname in clear text.
"""

from __future__ import annotations

import datetime
import re
import threading
from collections.abc import Callable
from functools import lru_cache
from importlib import resources

from presidio_analyzer import EntityRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

from appliance.privacy.recognizer_base import OwnRecognizer, make_result

_WORD = re.compile(r"[A-Za-zÀ-ÖØ-öø-ÿĀ-ʯḀ-ỿ][A-Za-zÀ-ÖØ-öø-ÿĀ-ʯḀ-ỿ'’\-]*")
_CAPITALISED = re.compile(r"(?<![\w'’])[A-ZÀ-ÞĀ-ʯḀ-ỿ][a-zà-ÿĀ-ʯḀ-ỿ]")
#: A contraction's tail: "It's" is the function word "it".
_CONTRACTION = re.compile(r"['’](?:s|m|re|ll|ve|d)$")
_lock = threading.Lock()
_first: frozenset[str] = frozenset()
_last: frozenset[str] = frozenset()


def gazetteer() -> tuple[frozenset[str], frozenset[str]]:
    """(first names, surnames), upper case, read once: the census lists
    (:func:`census_gazetteer`) and the world lists (:func:`world_names`) together."""
    global _first, _last  # noqa: PLW0603 - one process-wide table, read once
    if _last:  # built: read-only from here on, no lock on the hot path
        return _first, _last
    with _lock:
        if not _last:
            census_first, census_last = census_gazetteer()
            world_first, world_last = world_names()
            _first = census_first | world_first
            _last = census_last | world_last
        return _first, _last


@lru_cache(maxsize=1)
def census_gazetteer() -> tuple[frozenset[str], frozenset[str]]:
    """(first names, surnames), upper case, of the US Census Bureau's 1990 lists in the
    ``names`` package."""
    def read(name: str) -> set[str]:
        text = resources.files("names").joinpath(name).read_text(encoding="ascii")
        return {line.split()[0] for line in text.splitlines() if line.strip()}

    return frozenset(read("dist.male.first") | read("dist.female.first")), \
        frozenset(read("dist.all.last"))


#: Where the world name lists are (tools/pii_model/world_names.py writes them).
WORLD_NAMES = ("models", "world-names")


@lru_cache(maxsize=1)
def world_names() -> tuple[frozenset[str], frozenset[str]]:
    """(first names, surnames), upper case, that the census lists lack: the given names and
    surnames of Faker's person providers (MIT) of the locales whose names are written in Latin
    script, without English words (none in WordNet or the stop words, so "Will" and "Grace"
    stay census names). Built by tools/pii_model/world_names.py; empty where not shipped."""
    folder = resources.files("appliance.privacy").joinpath(*WORLD_NAMES)

    def read(name: str) -> frozenset[str]:
        try:
            text = folder.joinpath(name).read_text(encoding="utf-8")
        except (FileNotFoundError, NotADirectoryError):
            return frozenset()
        return frozenset(line.strip().upper() for line in text.splitlines() if line.strip())

    return read("first.txt"), read("last.txt")


@lru_cache(maxsize=1)
def surname_ranks() -> dict[str, int]:
    """Census surname (upper case) -> its rank by frequency, 1 the most common."""
    text = resources.files("names").joinpath("dist.all.last").read_text(encoding="ascii")
    return {parts[0]: int(parts[3]) for line in text.splitlines()
            if len(parts := line.split()) == 4}


@lru_cache(maxsize=1)
def stop_words() -> frozenset[str]:
    from spacy.lang.en.stop_words import STOP_WORDS  # noqa: PLC0415

    return frozenset(STOP_WORDS)


class _NameRecognizer(OwnRecognizer):
    ENTITY = "PERSON"

    def load(self) -> None:
        gazetteer()


def _shape(word: str) -> str:
    if word.isupper() and len(word) > 1:
        return "upper"
    if word[:1].isupper():
        return "title"
    return "lower"


#: A capitalised word right before (a reversed pair's surname would then end a name).
_FIRST_BEFORE = re.compile(r"(?<![\w'’\-])[A-ZÀ-ÞĀ-ʯḀ-ỿ][a-zà-ÿĀ-ʯḀ-ỿ'’\-]+[ \t]+$")


class GazetteerNameRecognizer(_NameRecognizer):
    TITLE = 0.7
    UPPER = 0.6
    LOWER = 0.5
    _PAIR = re.compile(
        r"(?<![\w'’\-])(?P<f>[A-Za-zÀ-ÿĀ-ʯḀ-ỿ][a-zà-ÿĀ-ʯḀ-ỿA-Z'’\-]+)"
        r"(?P<mid>\s+[A-Za-z]\.?)?\s+(?P<l>[A-Za-zÀ-ÿĀ-ʯḀ-ỿ][A-Za-zà-ÿĀ-ʯḀ-ỿ'’\-]+)(?![^\W\d_])")
    _REVERSED = re.compile(
        r"(?<![\w'’\-])(?P<l>[A-Za-zÀ-ÿĀ-ʯḀ-ỿ][A-Za-zà-ÿĀ-ʯḀ-ỿ'’\-]+),\s?(?P<f>[A-Za-zÀ-ÿĀ-ʯḀ-ỿ][a-zà-ÿĀ-ʯḀ-ỿA-Z'’\-]+)"
        r"(?![^\W\d_])")

    def __init__(self, language: str = "en") -> None:
        super().__init__(language)
        self._stop = stop_words()

    def _score(self, first: str, last: str, reversed_order: bool) -> float | None:
        firsts, lasts = gazetteer()
        surname = last.upper().replace("’", "'")
        if first.upper() not in firsts or (surname not in lasts
                                           and surname.split("-", 1)[0] not in lasts):
            return None
        shapes = {_shape(first), _shape(last)}
        if shapes == {"title"}:
            return self.TITLE
        if shapes == {"upper"}:
            return self.UPPER
        if reversed_order or len(shapes) > 1:
            return None  # "Paris, france", "John smith" are not how either is written
        census_first, census_last = census_gazetteer()
        if first.lower() in self._stop or last.lower() in self._stop \
                or first.upper() not in census_first or surname not in census_last:
            return None  # lower case: census names only ("tellervo said": Said is a surname)
        return self.LOWER

    def analyze(self, text: str, entities: list[str],
                nlp_artifacts: NlpArtifacts | None = None) -> list[RecognizerResult]:
        if self.ENTITY not in entities:
            return []
        out = []
        for regex, rev in ((self._PAIR, False), (self._REVERSED, True)):
            pos = 0
            while (m := regex.search(text, pos)) is not None:
                score = self._score(m.group("f"), m.group("l"), rev)
                if rev and score is not None and _FIRST_BEFORE.search(text, 0, m.start()):
                    score = None  # "John Smith, Paris": Smith ends a name, Paris starts a list
                if score is None:
                    # Overlapping pairs: "Dr Mary Jones" must still try "Mary Jones".
                    pos = m.start() + max(1, len(m.group("f" if not rev else "l")))
                    continue
                if score == self.LOWER and lower_in_cased_line(text, m.start(), m.end()):
                    score = None  # "king spake" in a capitalised sentence
                if score is None:
                    pos = m.start() + max(1, len(m.group("f" if not rev else "l")))
                    continue
                out.append(make_result(self, self.ENTITY, m.start(), m.end(), score,
                                       "census first name + surname"))
                pos = m.end()
        return out


#: A name in Chinese characters, Hangul or katakana (a form's surname field may hold one
#: character: "Last name: 越").
_CJK_NAME = r"[\u4e00-\u9fff]{1,4}|[\uac00-\ud7a3]{1,4}|[\u30a0-\u30ff]{2,10}"
#: Between a key's separator and its value: spaces, or a line break when the next line is
#: no key of its own ("Name:\nAna Lima", but not "patient:\n  name: Ana Lima").
_SAME_OR_NEXT_LINE = r"(?:[ \t]*\r?\n(?![^\n:=]{1,30}[:=]))?[ \t]*"
#: What ends a field's value on a line of several fields: a run of spaces, a tab, a bar.
_FIELD_GAP = re.compile(r"[ \t]{2,}|\t|[ \t]+\|")
#: A full stop inside a name only after an initial or a title ("J. Smith", "Dr. Lee"): after
#: a word it ends a sentence ("Customer: Siobhan. Agent: thanks").
_NAME_STOP = r"(?:(?<=(?<![^\W\d_])[^\W\d_])\.|(?<=Jr|Sr|Dr|Mr|Ms|St)\.|(?<=Mrs)\.)?"
_NAME_TOKENS = (rf"(?:[A-Za-zÀ-ÿĀ-ʯḀ-ỿ][A-Za-zà-ÿĀ-ʯḀ-ỿ'’\-]*{_NAME_STOP})"
                rf"(?:[ \t]+[A-Za-zÀ-ÿĀ-ʯḀ-ỿ][A-Za-zà-ÿĀ-ʯḀ-ỿ'’\-]*{_NAME_STOP}){{0,3}}"
                rf"|(?:{_CJK_NAME})(?![\u4e00-\u9fff\uac00-\ud7a3\u30a0-\u30ff])")


#: Who a greeting addresses when it names no one.
_GREETED_NO_ONE = frozenset((
    "world", "all", "everyone", "everybody", "team", "there", "guys", "folks", "sir", "sirs",
    "madam", "madame", "friends", "friend", "colleagues", "again", "back", "aboard", "stranger",
    "universe", "earth", "user", "users", "admin", "developers", "readers", "reader", "customer",
    "customers", "people", "ladies", "gentlemen", "y'all", "anyone", "mate", "buddy", "dude",
    "boss", "sales", "support", "hr", "it", "mom", "mum", "dad",
    # "See you Monday", "Thanks God": days and exclamations (months are names too: April, May)
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "today",
    "tomorrow", "tonight", "god", "lord", "goodness", "heaven", "heavens"))


class CuedNameRecognizer(_NameRecognizer):
    SCORE = 0.75
    _KEYED = re.compile(
        r"(?im)(?:^|(?<=[\s,;(]))(?:full\s+name|first\s+name|last\s+name|surname|name|"
        r"contact(?:\s+person)?|attn|attention|from|signed|patient|customer|client|employee|"
        r"applicant|recipient|cardholder|account\s+holder|passenger|guest|reported\s+by|"
        rf"assigned\s+to|owner)(?:[ \t]*\([^()\n]{{1,30}}\))?[ \t]*[:=\-–]{_SAME_OR_NEXT_LINE}"
        rf"(?P<v>{_NAME_TOKENS})")
    #: A greeting and a name, in prose or inside a string of code ("print('Hello Alice')",
    #: f"Thanks {x}" aside): it starts a line or follows a space, a comma, a quote or an
    #: opening bracket, and the name ends the clause, the line or the string.
    _GREETING = re.compile(
        r"(?m)(?:^|(?<=[\s,\"'“‘(\[{>]))(?:Dear|Hi|Hello|Hey|Thanks|Thank\s+you|Cheers|Bye|"
        r"Goodbye|(?i:hi|hey|hello)|Good\s+(?:morning|afternoon|evening))[ \t]+"
        r"(?P<v>[A-ZÀ-ÞĀ-ʯḀ-ỿ][A-Za-zà-ÿĀ-ʯḀ-ỿ’\-]+(?:'[A-Za-zà-ÿĀ-ʯḀ-ỿ]+)*"
        r"(?:[ \t]+[A-ZÀ-ÞĀ-ʯḀ-ỿ][A-Za-zà-ÿĀ-ʯḀ-ỿ'’\-]+)?)"
        r"(?=\s*[,!.:\n\"”’)\]}<]|'(?![A-Za-z])|$)")
    #: A greeting to several people: "Hello Mats and Tijs,", "Hi Ana, Bo and Cy!".
    _GREETING_LIST = re.compile(
        r"(?m)(?:^|(?<=[\s,]))(?:Dear|(?i:hi|hey|hello)|Good\s+(?:morning|afternoon|evening))"
        r"[ \t]+(?P<v>[A-ZÀ-ÞĀ-ʯḀ-ỿ][A-Za-zà-ÿĀ-ʯḀ-ỿ'’\-]+"
        r"(?:(?:[ \t]*,[ \t]*|[ \t]+(?:and|&)[ \t]+)"
        r"[A-ZÀ-ÞĀ-ʯḀ-ỿ][A-Za-zà-ÿĀ-ʯḀ-ỿ'’\-]+){1,5})(?=\s*[,!.:\n]|$)")
    _GREETED = re.compile(r"[A-ZÀ-ÞĀ-ʯḀ-ỿ][A-Za-zà-ÿĀ-ʯḀ-ỿ'’\-]+")
    _SIGNOFF = re.compile(
        r"(?im)^[ \t]*(?:best(?:\s+regards)?|kind\s+regards|regards|warm\s+regards|thanks|"
        r"thank\s+you|many\s+thanks|cheers|sincerely(?:\s+yours)?|yours(?:\s+truly)?|"
        r"respectfully|--|—|-)[ \t]*,?[ \t]*\r?\n[ \t]*(?:[-—~]+[ \t]*)?"
        r"(?P<v>[A-Za-zÀ-ÿĀ-ʯḀ-ỿ][A-Za-zà-ÿĀ-ʯḀ-ỿ'’\-]+"
        r"(?:[ \t]+[A-Za-zÀ-ÿĀ-ʯḀ-ỿ][A-Za-zà-ÿĀ-ʯḀ-ỿ'’\-.]+){0,2})"
        r"[ \t]*$")

    #: Announcements and obituaries name a person, then the age and the home town: "Pieter de
    #: Vries (79) of Haarlem passed away", "Mary Byrne, 84, of Cork", or surname first as death
    #: notices head them: "LONG, Robert \"Bobby\", 73, of Galway." (issue 37).
    _AGED_OF = re.compile(
        r"(?m)(?:^|(?<=[\s(\"“]))(?:(?P<s>[A-Z][A-Z'’\-]+),[ \t]+)?"
        r"(?P<v>[A-ZÀ-ÞĀ-ʯḀ-ỿ][a-zà-ÿĀ-ʯḀ-ỿ'’\-]+(?:[ \t]+(?:(?:van|von|de|der|den|da|di|del|du|"
        r"dos|la|le)[ \t]+)*[A-ZÀ-ÞĀ-ʯḀ-ỿ][a-zà-ÿĀ-ʯḀ-ỿ'’\-]+){0,3})"
        r"(?P<n>[ \t]+[\"“][A-Z][a-z]+[\"”])?"
        r"(?:[ \t]*\((?:aged[ \t]+)?[1-9][0-9]?[0-9]?\)|,[ \t]*(?:aged[ \t]+)?[1-9][0-9]?[0-9]?,)"
        r"[ \t]+(?:of|from)[ \t]+[A-ZÀ-ÞĀ-ʯḀ-ỿ]")
    #: A couple's news in an announcement or an invitation: "Ayşe & Mehmet are getting married!"
    _COUPLE = re.compile(
        r"(?<![\w'’])(?P<a>[A-ZÀ-ÞĀ-ʯḀ-ỿ][a-zà-ÿĀ-ʯḀ-ỿ'’\-]+)[ \t]+(?:&|and)[ \t]+"
        r"(?P<b>[A-ZÀ-ÞĀ-ʯḀ-ỿ][a-zà-ÿĀ-ʯḀ-ỿ'’\-]+)[ \t]+(?:are|were|have[ \t]+got)[ \t]+"
        r"(?:getting[ \t]+married|engaged|expecting|tying[ \t]+the[ \t]+knot|just[ \t]+married)"
        r"(?![A-Za-z])")
    #: Whom to contact, and on what number or at what time, in classifieds, invitations and
    #: notes: "RSVP to Hannah on 0412 999 001", "call Jo after 6pm", "text Sam at 07700…".
    _CONTACT_AT = re.compile(
        r"(?i:(?<![A-Za-z])(?:rsvp|reply|call|ring|phone|text|message|whatsapp|ask[ \t]+for|"
        r"contact|speak[ \t]+to|talk[ \t]+to))(?:[ \t]+to)?[ \t]+"
        r"(?P<v>[A-ZÀ-ÞĀ-ʯḀ-ỿ][a-zà-ÿĀ-ʯḀ-ỿ'’\-]+)[ \t]+(?:on|at|after|before|via|between)"
        r"[ \t]+(?=[+(0-9])")

    def __init__(self, language: str = "en") -> None:
        super().__init__(language)
        self._stop = stop_words()

    def _plausible(self, value: str) -> tuple[int, int] | None:
        """The part of ``value`` that reads as a name: leading words not stop words."""
        if re.fullmatch(_CJK_NAME, value):
            return 0, len(value)
        words = list(_WORD.finditer(value))
        if words and (words[0].group(0).lower() in _GREETED_NO_ONE
                      or words[0].group(0).lower() in _SPEECH_OPENERS):
            return None  # "Hello World", "Dear Sir", "Thanks Team"; "Customer: Hi, …"
        keep = []
        for w in words:
            if _CONTRACTION.sub("", w.group(0).lower()) in self._stop:
                break  # "It's", "I'm": a transcript line's speech, not a name
            keep.append(w)
        if not keep:
            return None
        return keep[0].start(), keep[-1].end()

    def analyze(self, text: str, entities: list[str],
                nlp_artifacts: NlpArtifacts | None = None) -> list[RecognizerResult]:
        if self.ENTITY not in entities:
            return []
        out = []
        for regex, why in ((self._KEYED, "after a name key"), (self._GREETING, "greeting"),
                           (self._SIGNOFF, "signature line")):
            for m in regex.finditer(text):
                value = m.group("v")
                if regex is self._KEYED:
                    # A form's fields side by side: "Surname: NGUYEN   Given names: THI"
                    value = _FIELD_GAP.split(value, maxsplit=1)[0]
                part = self._plausible(value)
                if part is None or _inside_identifier(text, m.start("v") + part[1]):
                    continue
                start = m.start("v") + part[0]
                out.append(make_result(self, self.ENTITY, start, m.start("v") + part[1],
                                       self.SCORE, why, cued=True))
        firsts = gazetteer()[0]
        out += self._announced(text, firsts)
        for m in self._GREETING_LIST.finditer(text):
            # Greeted together: names when one of them is a first name ("Hello Sales and
            # Marketing" greets no one).
            items = [w for w in self._GREETED.finditer(m.group("v"))
                     if w.group(0).lower() not in self._stop]
            if not any(w.group(0).upper() in firsts for w in items):
                continue
            out += [make_result(self, self.ENTITY, m.start("v") + w.start(),
                                m.start("v") + w.end(), self.SCORE, "greeted together",
                                cued=True) for w in items]
        return out

    def _announced(self, text: str, firsts: frozenset[str]) -> list[RecognizerResult]:
        """Names in an announcement's frames (:data:`_AGED_OF`, :data:`_COUPLE`) and whom
        to contact on a number or at a time (:data:`_CONTACT_AT`); one of the words must be
        a known first name."""
        out = []
        for m in self._AGED_OF.finditer(text):
            words = m.group("v").split()
            if not any(w.upper() in firsts for w in words) \
                    or any(w.lower() in self._stop for w in words):
                continue
            start = m.start("s") if m.group("s") else m.start("v")
            end = m.end("n") if m.group("n") else m.end("v")
            out.append(make_result(self, self.ENTITY, start, end, self.SCORE,
                                   "named with age and home town", cued=True))
        for m in self._COUPLE.finditer(text):
            pair = (m.group("a"), m.group("b"))
            if any(w.upper() in firsts for w in pair) \
                    and not any(w.lower() in self._stop for w in pair):
                out += [make_result(self, self.ENTITY, *m.span(g), self.SCORE,
                                    "a couple's news", cued=True) for g in ("a", "b")]
        for m in self._CONTACT_AT.finditer(text):
            if m.group("v").upper() in firsts and m.group("v").lower() not in self._stop:
                out.append(make_result(self, self.ENTITY, *m.span("v"), self.SCORE,
                                       "whom to contact", cued=True))
        return out


def lower_in_cased_line(text: str, start: int, end: int) -> bool:
    """``text[start:end]`` has no capital letter, and its line starts with one or has two
    capitalised words or more."""
    value = text[start:end]
    if value != value.lower() or not any(c.isalpha() for c in value):
        return False
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    line = text[line_start:len(text) if line_end < 0 else line_end].lstrip(" \t-*>\"'(")
    return line[:1].isupper() or len(_CAPITALISED.findall(line)) >= 2



def _inside_identifier(text: str, end: int) -> bool:
    """The words run on into a file name, address or handle (report.pdf, j.doe@…, a/b)."""
    nxt = text[end:end + 2]
    return nxt[:1] in ("@", "/", "_", "\\") or (nxt[:1] == "." and nxt[1:].isalnum())


_NAME_KEYS = (r"(?:full[_\- ]?name|first[_\- ]?name|last[_\- ]?name|given[_\- ]?name|"
              r"family[_\- ]?name|sur[_\- ]?name|display[_\- ]?name|contact(?:[_\- ]?name)?|"
              r"customer(?:[_\- ]?name)?|client(?:[_\- ]?name)?|patient(?:[_\- ]?name)?|"
              r"employee(?:[_\- ]?name)?|owner(?:[_\- ]?name)?|author|assignee|reporter|"
              r"recipient|sender|holder(?:[_\- ]?name)?|applicant|passenger|guest|name|"
              r"姓名|名字|联系人|聯繫人|客户(?:姓名)?|客戶(?:姓名)?|收件人|寄件人|申请人|持卡人|"
              r"患者(?:姓名)?|员工(?:姓名)?|负责人|经办人)")


#: Keys of code and data whose quoted value (or list of values) is a person: roles people
#: hold. Read only with a quoted value, never in prose's "speaker: thanks everyone".
_ROLE_KEYS = (r"(?:maintainer|reviewer|approver|committer|signer|signatory|creator|"
              r"(?:created|modified|updated|requested|approved|reviewed|signed|written|assigned|"
              r"submitted|owned|authored|reported)[_\- ]?by|member|attendee|participant|speaker|"
              r"watcher|follower|subscriber|collaborator|contributor|invitee|organi[sz]er|"
              r"mentor|mentee|coach|volunteer|"
              r"person|teacher|student|doctor|physician|nurse|tenant|landlord|spouse|"
              r"emergency[_\- ]?contact|next[_\- ]?of[_\- ]?kin|beneficiary|witness|candidate|"
              r"nick[_\- ]?name|alias|manager|supervisor|(?:team|tech|project)[_\- ]?lead|"
              r"user[_\- ]?name)")
#: Jobs as keys ("lead-engineer", "consultantName"): read like role keys, but a program's
#: settings use some of them for things (developer = "Microsoft"), so the value must be a
#: full name or a name the name lists hold.
_JOB_KEYS = (r"(?:lead|engineer|developer|designer|architect|analyst|officer|director|"
             r"consultant|representative|translator|photographer|interviewer|presenter|"
             r"chair(?:person)?|secretary|treasurer|forename)")
#: Keys of one part of a name that name other things alone (a font's family, a middle
#: value): a name when another part's key stands on the same line (given=…, family=…), or
#: when the value is a full name or a listed name.
_PART_KEYS = frozenset(("given", "family", "middle", "forename"))
_PART_KEY_NEAR = re.compile(r"(?i)(?:first|last|given|family|middle|sur|fore)[_\- ]?(?:name)?"
                            r"[\"']?\s*(?:=|:=|:|=>)")
#: Keys that name a person only with a capitalised value (first="Ana"; to="Ana Lima").
_WEAK_KEYS = r"(?:first|last|given|family|middle|to|cc|bcc|by)"
#: Keys whose value must be a full name, two or three capitalised words.
_FULL_ONLY_KEYS = frozenset(("to", "cc", "bcc", "by"))
#: An RFC 5322 display name before its address: "Ana Lima <ana@x.org>" (From:, Author:,
#: Co-authored-by:, git --author, a mailing list's header).
_DISPLAY_NAME = re.compile(
    r"(?<![\w'’.\-])(?P<v>[A-Za-zÀ-ÿĀ-ʯḀ-ỿ][\w'’.\-]*+(?:[ \t]++[A-Za-zÀ-ÿĀ-ʯḀ-ỿ][\w'’.\-]*+)"
    r"{0,3})[ \t]*+[\"']?[ \t]*+<[^<>\s@]+@[^<>\s]+>")  # possessive: no blank run split twice
#: Copyright lines name their holder after the year: "Copyright (c) 2019-2021 Ana Lima".
_COPYRIGHT = re.compile(
    r"(?i:copyright|©|\(c\))[ \t]*(?:\(c\)|©)?[ \t]*[0-9]{4}(?:[ \t]*[-–,][ \t]*[0-9]{4})*"
    r"[ \t,]+(?:by[ \t]+)?(?P<v>[A-ZÀ-ÞĀ-ʯḀ-ỿ][a-zà-ÿĀ-ʯḀ-ỿ'’\-]+"
    r"(?:[ \t]+[A-ZÀ-ÞĀ-ʯḀ-ỿ][a-zà-ÿĀ-ʯḀ-ỿ'’\-]+){1,2})(?![ \t]*(?:,[ \t]*)?"
    r"(?i:inc|llc|ltd|gmbh|corp|co\b|foundation|authors|contributors|project|team))")
#: Organisations, not people, in a display name or a copyright line.
_ORG_WORDS = frozenset(("inc", "llc", "ltd", "gmbh", "corp", "corporation", "foundation",
                        "authors", "contributors", "team", "support", "project", "group", "bot",
                        "noreply", "no-reply", "admin", "info", "sales", "service",
                        "notifications"))
#: Last words of a field's value that name a team, a bot, a firm or a product, not a person.
_NOT_A_PERSON_END = frozenset(("team", "bot", "corp", "inc", "group", "pro", "ltd", "llc",
                               "gmbh", "squad", "crew", "department", "dept", "org"))
#: Words that open a line of speech, not a name: "Customer: Hi, I'm …".
_SPEECH_OPENERS = frozenset(("hi", "hello", "hey", "thanks", "yes", "yeah", "ok", "okay", "sure",
                             "sorry", "please", "dear", "morning", "evening", "afternoon"))
#: The bare key "name" in code (not first_name, author …).
_BARE_NAME_KEY = re.compile(r"(?i)(?<![A-Za-z0-9_])name\s*(?:=|:=|:|=>)")
#: Two or three capitalised words: how a person's full name is written.
_FULL_NAME = re.compile(r"[A-ZÀ-ÞĀ-ʯḀ-ỿ][a-zà-ÿĀ-ʯḀ-ỿ'’\-]+"
                        r"(?:[ \t]+[A-ZÀ-ÞĀ-ʯḀ-ỿ][a-zà-ÿĀ-ʯḀ-ỿ'’\-]+){1,2}")


class StructuredNameRecognizer(_NameRecognizer):
    SCORE = 0.8
    _JSON = re.compile(
        rf"(?i)[\"']{_NAME_KEYS}[\"']\s*(?::|=>)\s*[\"'](?P<v>[^\"'\n\\\\]{{1,60}})[\"']")
    #: Code: a quoted string assigned to a name-like identifier or keyword argument
    #: (owner='Vic Hollers', user.full_name = "…", author: '…', firstName := "…").
    _CODE = re.compile(
        rf"(?i)(?<![A-Za-z0-9])(?:[A-Za-z0-9]+[._])?{_NAME_KEYS}\s*(?:=|:=|:|=>)\s*"
        r"[\"'`](?P<v>[^\"'`\n\\\\]{1,60})[\"'`]")
    _PAIR = re.compile(
        rf"(?im)(?:^|(?<=[\s,;&?{{]))(?<![A-Za-z_\-]){_NAME_KEYS}[ \t]*[=:]{_SAME_OR_NEXT_LINE}"
        r"(?P<v>[^\s,;&\"'{}=:][^,;&\"'{}=:\n]{0,59})")
    _HEADER_KEY = re.compile(rf"(?i)^\s*[\"']?(?:{_NAME_KEYS}|{_ROLE_KEYS}|"
                             r"(?:card|account|policy|primary|secondary|emergency|billing|"
                             r"shipping)[_ \-]?(?:holder|contact)(?:[_ \-]?name)?)[\"']?\s*$")
    #: A tab-separated table's name column: the header keys, the parties of an order or a
    #: gift (buyer, seller, donor, payee) that only a column's header makes a person, and
    #: a key after a prefix ("card_holder", "primary_contact"; :func:`spaced_column_values`).
    _TABLE_KEY = re.compile(rf"(?i)\s*[\"']?(?:{_NAME_KEYS}|{_ROLE_KEYS}|buyer|seller|donor|"
                            r"purchaser|payee|payer)[\"']?\s*$")
    #: A quoted value after a role key or a weak key (see :data:`_ROLE_KEYS`, _WEAK_KEYS).
    #: The identifier is matched whole (a match never starts inside a dotted or hyphenated
    #: chain) and its key found by :func:`_role_key`: a camelCase split inside a repeated
    #: regex group backtracks exponentially on an API key or a base64 blob.
    _ROLE = re.compile(
        r"(?<![A-Za-z0-9_])(?<![A-Za-z0-9_][.\-])[\"']?"
        r"(?P<id>[A-Za-z0-9][A-Za-z0-9._\-]*(?: [A-Za-z0-9._\-]+){0,2})"
        r"[\"']?\s*(?:=|:=|:|=>)\s*[\"'`](?P<v>[^\"'`\n\\\\]{1,60})[\"'`]")
    #: A list of quoted values after a plural name or role key: reviewers = ['Ana', 'Bo'].
    _LIST = re.compile(
        rf"(?i)(?<![A-Za-z0-9_])(?:[A-Za-z0-9]+[._])?[\"']?(?:{_NAME_KEYS}|{_ROLE_KEYS})s?"
        r"[\"']?\s*(?:=|:=|:|=>)\s*[\[(]\s*(?P<v>[\"'][^\]\)\n]{1,400})[\])]")
    _QUOTED = re.compile(r"[\"']([^\"'\n\\\\]{1,60})[\"']")
    #: A name field compared with a quoted value, as tests and queries write it:
    #: ``assert user.last_name == "Nowak"``, ``expect(p.surname).toBe('Nowak')``,
    #: ``assertEqual(u.first_name, 'Ana')``.
    _COMPARED = re.compile(
        rf"(?i)(?<![A-Za-z0-9_])(?<![A-Za-z0-9_]\.)[A-Za-z0-9_][A-Za-z0-9_.]*\."
        rf"(?P<k>{_NAME_KEYS}|{_ROLE_KEYS})"
        r"(?:\(\))?\)?[ \t]*(?:[!=]==?|\.to(?:Be|Equal)\(|\.equals\(|,)[ \t]*"
        r"[\"'`](?P<v>[^\"'`\n\\\\]{1,60})[\"'`]")
    #: A reStructuredText or Javadoc field: ":author: Ana Lima", "@author Ana Lima".
    _FIELD = re.compile(
        rf"(?im)^[ \t]*(?:[*#/]+[ \t]*)?(?::(?:{_NAME_KEYS}|{_ROLE_KEYS})s?:|@(?:author|maintainer|"
        r"owner|contact))[ \t]+(?P<v>[^\n<>@,;:()]{1,60}?)[ \t]*(?=<|\(|,|$)")
    #: An HTML or XML element whose name-like attribute says its value is a person:
    #: ``<meta name="author" content="…">``, ``<input name="contact" value="…">``.
    _ATTRIBUTE = re.compile(
        rf"(?i)\b(?:name|id|itemprop|property)[ \t]*=[ \t]*[\"'](?:[a-z]+:)?(?:{_NAME_KEYS}|"
        rf"{_ROLE_KEYS})[\"'][^<>]{{0,80}}?\b(?:content|value)[ \t]*=[ \t]*"
        r"[\"'](?P<v>[^\"'<>\n]{1,60})[\"']")
    #: An SQL INSERT with a column list: the values of name columns are names.
    _INSERT = re.compile(
        r"(?is)\binsert[ \t]+into[ \t]+[\w.\"`\[\]]+[ \t]*\((?P<cols>[^()]{1,400})\)[ \t\r\n]*"
        r"values[ \t\r\n]*(?P<rows>(?:\([^()]{1,600}\)[ \t\r\n]*,?[ \t\r\n]*)+)")
    _SQL_VALUE = re.compile(r"'(?:[^'\n]|'')*'|[^,()'\s][^,()]*")
    #: A YAML block list under a plural name or role key ("maintainers:\n  - Ana Lima").
    _YAML_LIST = re.compile(
        rf"(?im)^(?P<i>[ \t]*)(?:{_NAME_KEYS}|{_ROLE_KEYS})s?[ \t]*:[ \t]*\r?\n"
        r"(?P<v>(?:(?P=i)[ \t]*-[ \t]+[^\n]*(?:\r?\n|$))+)")
    _YAML_ITEM = re.compile(
        r"(?m)^[ \t]*-[ \t]+[\"']?(?P<v>[^\"'\n#]+?)[\"']?[ \t]*(?:#[^\n]*)?$")

    def _name_like(self, value: str) -> bool:
        value = value.strip()
        if not value or any(c.isdigit() for c in value) or "@" in value:
            return False
        if value.split()[-1].lower().rstrip(".") in _NOT_A_PERSON_END:
            return False  # owner = "Platform Team", "@author Build Bot", "Widget Pro"
        if re.fullmatch(_CJK_NAME, value):
            return True
        words = value.split()
        if words and (_CONTRACTION.sub("", words[0].lower()) in stop_words()
                      or words[0].lower().strip(",.!") in _SPEECH_OPENERS):
            return False  # "customer: It's broken", "Customer: Hi, …" are lines of speech
        if len(words) >= 2 and words[0].endswith(",") and words[0][:1].isupper() \
                and words[1][:1].isupper():
            words[0] = words[0][:-1]  # "MUKHERJEE, ANIRBAN": a record's surname-first form
        return 1 <= len(words) <= 4 and all(_WORD.fullmatch(w.rstrip(".")) for w in words)

    def tables(self, text: str) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
        """The names in name columns of delimited tables, and the extent (header row to last
        row) of every table with a name or a date-of-birth column: a header decides how every
        row below it is read, so a table is the one thing in a text whose reading depends on
        lines far apart."""
        spans, extents = column_values(text, self._HEADER_KEY, self._name_like)
        spans += column_values(text, _PART_HEADER, _capitalised_name(self._name_like),
                               together=2)[0]
        spans += spaced_column_values(text, self._TABLE_KEY,
                                      _capitalised_name(self._name_like), extents)
        extents += column_values(text, _DOB_HEADER, _date_like)[1]
        return spans, sorted(set(extents))

    def analyze(self, text: str, entities: list[str],
                nlp_artifacts: NlpArtifacts | None = None) -> list[RecognizerResult]:
        if self.ENTITY not in entities:
            return []
        spans = []
        for regex in (self._JSON, self._CODE, self._PAIR):
            for m in self._pairs(text) if regex is self._PAIR else regex.finditer(text):
                value = m.group("v").rstrip()
                if regex is self._PAIR:
                    # A form's fields side by side: "Surname: NGUYEN   Given names: THI"
                    value = _FIELD_GAP.split(value, maxsplit=1)[0]
                    if text[m.end():m.end() + 1] == ":" and " " in value.strip():
                        value = value.rstrip().rpartition(" ")[0].rstrip()  # a next key
                if regex is self._CODE and _BARE_NAME_KEY.search(text, m.start(), m.start("v")) \
                        and not _FULL_NAME.fullmatch(value):
                    continue  # name = "build", name="Widget": code names things, not people
                if self._name_like(value):
                    spans.append((m.start("v"), m.start("v") + len(value)))
        spans += self._roles(text)
        spans += self.tables(text)[0]
        return [make_result(self, self.ENTITY, s, e, self.SCORE, "value of a name field",
                            cued=True) for s, e in spans]


    def _pairs(self, text: str) -> list[re.Match[str]]:
        """The :data:`_PAIR` fields of ``text``, and the next field's when a value runs on to
        its key one space away, as a tracker's or a form's line sets fields side by side
        ("Assignee: Wiremu Tane Reporter: Sarah-Jane Oduya"): the value stops at the colon, so
        its last word is that key."""
        found: list[re.Match[str]] = []
        pos = 0
        while len(found) < 200 and (m := self._PAIR.search(text, pos)) is not None:
            found.append(m)
            pos = m.end()
            value = m.group("v").rstrip()
            if text[m.end():m.end() + 1] == ":" and " " in value.strip():
                pos = m.start("v") + len(value.rpartition(" ")[0]) + 1
        return found

    def _yaml_lists(self, text: str) -> list[tuple[int, int]]:
        """Items of YAML block lists under a name or role key, capitalised and name-like."""
        spans = []
        for m in self._YAML_LIST.finditer(text):
            for q in self._YAML_ITEM.finditer(m.group("v")):
                value = q.group("v")
                if self._name_like(value) and value[:1].isupper():
                    at = m.start("v") + q.start("v")
                    spans.append((at, at + len(value)))
        return spans

    def _fields(self, text: str) -> list[tuple[int, int]]:
        """Values of name fields compared in tests, of documentation fields (":author:") and
        of HTML attributes, capitalised and name-like."""
        spans = []
        for regex in (self._COMPARED, self._FIELD, self._ATTRIBUTE):
            for m in regex.finditer(text):
                value = m.group("v").rstrip()
                if regex is self._COMPARED and m.group("k").lower() == "name" \
                        and not _FULL_NAME.fullmatch(value):
                    continue  # x.name == "Widget": code names things, not people
                if self._name_like(value) and (value[:1].isupper()
                                               or re.fullmatch(_CJK_NAME, value)):
                    spans.append((m.start("v"), m.start("v") + len(value)))
        return spans

    def _inserts(self, text: str) -> list[tuple[int, int]]:
        """Quoted values of an SQL INSERT's name columns ("INSERT INTO t (id, given, family)
        VALUES (17, 'Ana', 'Lima')"), capitalised and name-like."""
        spans = []
        for m in self._INSERT.finditer(text):
            cols = [c.strip(" \t\r\n\"`[]") for c in m.group("cols").split(",")]
            parts = {k for k, c in enumerate(cols)
                     if re.fullmatch(r"(?i)(?:given|family|first|last|middle)", c)}
            # A lone part column names other things ("fonts (id, family, weight)"): read
            # parts only beside another, as :data:`_PART_HEADER` columns are read
            wanted = {k for k, c in enumerate(cols) if self._HEADER_KEY.match(c)
                      and k not in parts} | (parts if len(parts) >= 2 else set())
            if not wanted:
                continue
            for row in re.finditer(r"\(([^()]*)\)", m.group("rows")):
                base = m.start("rows") + row.start(1)
                values = list(self._SQL_VALUE.finditer(row.group(1)))
                if len(values) != len(cols):
                    continue
                for k in wanted:
                    raw = values[k].group(0)
                    value = raw.strip().strip("'")
                    if raw.strip().startswith("'") and value[:1].isupper() \
                            and self._name_like(value):
                        at = base + values[k].start() + raw.index(value)
                        spans.append((at, at + len(value)))
        return spans

    def _role_value(self, text: str, m: re.Match[str]) -> tuple[int, int] | None:
        """The span of a :data:`_ROLE` match's value when its identifier ends in a role, job
        or weak key and the value suits that key."""
        found = _role_key(m.group("id"))
        if found is None:
            return None
        key = found.group("k").lower()
        key_at = m.start("id") + found.start("k")
        value = m.group("v").rstrip()
        if not self._name_like(value):
            return None
        if key in _FULL_ONLY_KEYS and not _FULL_NAME.fullmatch(value):
            return None
        if (re.fullmatch(_JOB_KEYS, key) or key in _PART_KEYS) \
                and not _FULL_NAME.fullmatch(value) and not _listed_name(value) \
                and not (key in _PART_KEYS and _other_part_key(text, key_at)):
            return None  # developer = "Microsoft", family = "Serif"
        if not (value[:1].isupper() or re.fullmatch(_CJK_NAME, value)):
            return None  # first = "page", member: "true", user_name = "admin"
        return m.start("v"), m.start("v") + len(value)

    def _roles(self, text: str) -> list[tuple[int, int]]:
        """Values of role keys and lists (bracketed or YAML blocks), display names before an
        address, copyright holders."""
        spans = [span for m in self._ROLE.finditer(text)
                 if (span := self._role_value(text, m)) is not None]
        for m in self._LIST.finditer(text):
            for q in self._QUOTED.finditer(m.group("v")):
                value = q.group(1).strip()
                if self._name_like(value) and value[:1].isupper():
                    at = m.start("v") + q.start(1)
                    spans.append((at, at + len(q.group(1).rstrip())))
        spans += self._yaml_lists(text)
        spans += self._fields(text)
        spans += self._inserts(text)
        for regex in (_DISPLAY_NAME, _COPYRIGHT):
            for m in regex.finditer(text):
                value = m.group("v").rstrip(" .")
                words = [w.strip(".").lower() for w in value.split()]
                if not self._name_like(value) or _ORG_WORDS.intersection(words) \
                        or not any(w[:1].isupper() for w in value.split()):
                    continue
                spans.append((m.start("v"), m.start("v") + len(value)))
        return spans


_DELIMITERS = (",", "\t", ";", "|")
#: A column of one part of a name, read only beside another such column ("given,family",
#: "first;last"): alone, "family" or "first" name other things (a font family, a first try).
_PART_HEADER = re.compile(r"(?i)^\s*[\"']?(?:given|family|first|last|middle|fore)(?:[_\- ]?names?)?"
                          r"[\"']?\s*$")


def _other_part_key(text: str, at: int) -> bool:
    """Another name part's key stands on the line of the key at ``at``."""
    start = text.rfind("\n", 0, at) + 1
    end = text.find("\n", at)
    line_end = len(text) if end < 0 else end
    return any(m.start() != at for m in _PART_KEY_NEAR.finditer(text, start, line_end))


#: Where a key may start inside an identifier: after a separator or at a camelCase hump.
_ID_SPLIT = re.compile(r"[._\- ]|(?<=[a-z0-9])(?=[A-Z])")
_ROLE_KEY = re.compile(rf"(?i)(?P<k>{_ROLE_KEYS}|{_JOB_KEYS}|{_WEAK_KEYS})(?:[_\- ]?name)?")


def _role_key(ident: str) -> re.Match[str] | None:
    """The role, job or weak key that ends the identifier ``ident`` (``reviewer``,
    ``build.owner``, ``projectLeadName``, ``created by``), starting at its beginning, after a
    separator or at a camelCase hump; the last such start wins, as a greedy prefix would."""
    starts = [0] + [m.end() for m in _ID_SPLIT.finditer(ident)]
    for pos in reversed(starts):
        if len(ident) - pos > 48:
            break
        found = _ROLE_KEY.fullmatch(ident, pos)
        if found:
            return found
    return None


def _listed_name(value: str) -> bool:
    """``value`` is one word that the name lists hold as a given name: alone after a job key,
    a surname is as often a word (director = "Sales", chair = "Board", photographer =
    "Canon": the census lists them all as surnames)."""
    key = value.strip().upper().replace("’", "'")
    return " " not in key and key in gazetteer()[0]


def _capitalised_name(accept: Callable[[str], bool]) -> Callable[[str], bool]:
    return lambda value: value[:1].isupper() and accept(value)


def column_values(text: str, header_key: re.Pattern[str], accept: Callable[[str], bool],
                  together: int = 1) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """The cells of ``text``'s delimited tables (CSV, TSV, ``;`` or ``|``) whose column's
    header matches ``header_key`` (in at least ``together`` columns of the header) and whose
    value ``accept`` takes, as spans without quotes; and each such table's extent, its header
    row to its last row."""
    spans: list[tuple[int, int]] = []
    extents: list[tuple[int, int]] = []
    lines = [(m.start(), m.group(0)) for m in re.finditer(r"[^\r\n]+", text)]
    for i, (head_pos, header) in enumerate(lines):
        for delim in _DELIMITERS:
            cells = header.split(delim)
            if len(cells) < 2:
                continue
            columns = [k for k, c in enumerate(cells) if header_key.match(c)]
            if not columns or len(columns) < together:
                continue
            last = head_pos + len(header)
            for pos, row in lines[i + 1:]:
                row_cells = row.split(delim)
                if len(row_cells) != len(cells):
                    break
                last = pos + len(row)
                offset = 0
                for k, cell in enumerate(row_cells):
                    if k in columns and accept(cell.strip(" \"'")):
                        inner = cell.strip()
                        lead = cell.index(inner) + (1 if inner[:1] in "\"'" else 0)
                        value = inner.strip("\"'")
                        spans.append((pos + offset + lead, pos + offset + lead + len(value)))
                    offset += len(cell) + len(delim)
            extents.append((head_pos, last))
            break
    return spans, extents


#: A header cell of a tab-separated table once normalised (tabs read as spaces): one
#: identifier-like word ("order_id", "Surname", "card_holder").
_SPACED_KEY = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,30}")
#: Columns only a table of people has: a bare "name" column is a person's beside one of them
#: ("id name email city"), a thing's beside a price or a stock ("sku name price stock").
_PERSON_COLUMN = re.compile(
    r"(?i)(?:[a-z]+_)?(?:e-?mail|phone|mobile|tel|cell|dob|birth[_a-z]*|age|gender|sex|"
    r"address|nationality|salutation|ssn|nhs|ward|dept|department|role|salary|grade|class)")
#: A word of a name cell in such a table: capitalised (or upper case), a lower-case particle
#: ("de la Fuente, Álvaro"), the surname-first comma allowed.
_SPACED_NAME_WORD = re.compile(
    r"(?:[A-ZÀ-ÞĀ-ʯḀ-ỿ][A-Za-zÀ-ÿĀ-ʯḀ-ỿ'’\-]*\.?|ap|van|von|de|da|di|dos|das|del|della|du|"
    r"la|le|bin|binti|ibn|ter|ten|den|der),?")


def spaced_column_values(text: str, header_key: re.Pattern[str],
                         accept: Callable[[str], bool],
                         extents: list[tuple[int, int]] | None = None) -> list[tuple[int, int]]:
    """The cells of name columns of tab-separated tables whose tabs the normalised view has
    folded to spaces (see :mod:`normalize`), so that a cell's own spaces cannot be told from
    the gaps between cells. The header is a line of 2 to 12 identifier-like words joined by
    single spaces, one a name key (part keys count beside a name key or another part key); a
    row is read while it has at least as many words as the header, at most four more, and a
    digit (a record's id, date, phone or amount: prose under a line of words rarely has all
    three). With as many words as
    the header, each word is its cell; with more, only the first name column is read, when
    every cell before it is one word with a digit or no letter (an id, a quantity), as the run
    of up to four name words from its place, no longer than the row's spare words allow.
    ``extents`` gets each such table's extent, header to last row read (see ``tables``)."""
    spans: list[tuple[int, int]] = []
    lines = [(m.start(), m.group(0)) for m in re.finditer(r"[^\r\n]+", text)]
    for i, (head, header) in enumerate(lines):
        keys = header.strip().split()
        if not 2 <= len(keys) <= 12 or header.strip() != " ".join(keys) \
                or not all(_SPACED_KEY.fullmatch(k) for k in keys):
            continue
        named = [k for k, c in enumerate(keys)
                 if any(header_key.match(c, m.end()) for m in re.finditer(r"^|_", c))
                 and (c.lower() != "name" or any(_PERSON_COLUMN.fullmatch(o) for o in keys))]
        parts = [k for k, c in enumerate(keys) if _PART_HEADER.match(c) and k not in named]
        if named or len(parts) >= 2:
            named = sorted(named + parts)
        last = None
        for pos, row in lines[i + 1:] if named else []:
            words = [(pos + m.start(), m.group(0)) for m in re.finditer(r"\S+", row)]
            extra = len(words) - len(keys)
            # A line of prose that has a digit is no row: rows are short (a name of up to four
            # words, a multi-word cell or two).
            if extra < 0 or extra > 4 or not any(ch.isdigit() for ch in row):
                break
            last = pos + len(row)
            cells = [(k, k + 1) for k in named] if extra == 0 else []
            if extra > 0 and all(any(ch.isdigit() for ch in w) or not any(ch.isalpha() for ch in w)
                                 for _, w in words[:named[0]]):
                col, n = named[0], 0
                while n < min(4, extra + 1) and _SPACED_NAME_WORD.fullmatch(words[col + n][1]):
                    n += 1
                cells = [(col, col + n)] if n else []
            for a, b in cells:
                if not all(_SPACED_NAME_WORD.fullmatch(w) for _, w in words[a:b]):
                    continue
                start = words[a][0]
                value = text[start:words[b - 1][0] + len(words[b - 1][1])].rstrip(",")
                first = re.search(r"[A-ZÀ-ÞĀ-ʯḀ-ỿ]", value)
                if first is not None and accept(value[first.start():]):
                    spans.append((start, start + len(value)))
        if last is not None and extents is not None:
            extents.append((head, last))
    return spans


_DOB_KEYS = (r"(?:d\.?o\.?b\.?|date[_\- ]?of[_\- ]?birth|birth[_\- ]?date|birth[_\- ]?day|"
             r"born(?:[_\- ]?on)?|出生日期|出生年月日?|生日|"
             # The same column in other languages' records (issue 37): "geburtsdatum",
             # "date_de_naissance", "fecha_nacimiento", "data_urodzenia", "生年月日" …
             r"geburtsdatum|date[_\- ]de[_\- ]naissance|fecha[_\- ](?:de[_\- ])?nacimiento|"
             r"data[_\- ]d[ie][_\- ]nasc(?:ita|imento)|geboortedatum|data[_\- ]urodzenia|"
             r"do[ğg]um[_\- ]tarihi|дата[_\- ]рождения|生年月日|생년월일)")
_DOB_HEADER = re.compile(rf"(?i)^\s*[\"']?{_DOB_KEYS}[\"']?\s*$")
_DATE_VALUE = re.compile(
    r"(?:(?:19|20)?[0-9]{2}|[0-9]{1,2})[-/.年][0-9]{1,2}[-/.月][0-9]{1,4}日?"
    r"|[0-9]{1,2}(?:st|nd|rd|th)?\s+[A-Za-z]{3,9}\.?,?\s+[0-9]{2,4}"
    r"|[A-Za-z]{3,9}\.?\s+[0-9]{1,2}(?:st|nd|rd|th)?,?\s+[0-9]{2,4}|(?:19|20)[0-9]{6}")


def _date_like(value: str) -> bool:
    return _DATE_VALUE.fullmatch(value.strip()) is not None


#: An SQL row: ``INSERT INTO patients (name, dob) VALUES ('Ann Lee', '1975-02-14')``.
_SQL_INSERT = re.compile(r"(?i)insert[ \t]+into[ \t]+[\w.\"`\[\]]+[ \t]*"
                         r"\((?P<cols>[^()\n]{1,400})\)\s*values\s*\((?P<vals>[^()\n]{1,2000})\)")
_SQL_VALUE = re.compile(r"[ \t]*(?:'(?P<q>(?:[^'\n]|'')*)'|(?P<b>[^,'\n]*?))[ \t]*(?:,|$)")
#: A cell that holds a person's name: a given name, then one to four capitalised words or
#: particles ("Bianca Ferreira da Silva").
_ROW_NAME = re.compile(r"[A-ZÀ-Þ][\w'’\-]+(?:[ ]+(?:[A-ZÀ-Þ][\w'’\-]*\.?|da|de|del|della|di|do|"
                       r"dos|das|du|van|von|der|den|ter|bin|binti|al|el|la|le)){1,4}")
_ROW_DATE = re.compile(rf"(?<![\w/.\-])(?:{_DATE_VALUE.pattern})(?![\w/.\-])")
_ROW_NAME_DATE = re.compile(rf"[ \t]*(?P<n>{_ROW_NAME.pattern})[ \t]+(?P<d>{_ROW_DATE.pattern})"
                            r"(?:[ \t]|$)")
#: Years a date of birth in a headerless row may have: old enough not to be the row's event.
_BIRTH_YEARS_AGO = 10


def _sql_dobs(text: str) -> list[tuple[int, int]]:
    """Values of an SQL insert whose column is a date of birth."""
    spans = []
    for m in _SQL_INSERT.finditer(text):
        columns = [c.strip(" \t\"`[]") for c in m.group("cols").split(",")]
        values = []
        pos = m.start("vals")
        while pos < m.end("vals"):
            v = _SQL_VALUE.match(text, pos, m.end("vals"))
            if v is None or v.end() == pos:
                break
            group = "q" if v.group("q") is not None else "b"
            values.append(v.span(group))
            pos = v.end()
        if len(values) != len(columns):
            continue
        spans += [(s, e) for col, (s, e) in zip(columns, values, strict=True)
                  if _DOB_HEADER.match(col) and _date_like(text[s:e])]
    return spans


def _row_dobs(text: str, this_year: int, is_word: Callable[[str], bool],
              ) -> list[tuple[int, int]]:
    """A date in a record's row with no header (tab- or comma-separated, three cells at
    least) after a cell with a person's name, when it is the row's only date and from at
    least :data:`_BIRTH_YEARS_AGO` years ago: "Yaw Mensah<TAB>1984-09-17<TAB>5537 …". A
    table with a header is read by its header (a hire date's column is no birth date), and
    a name cell is a given name and words no dictionary holds ("Morgan Stanley" passes,
    "Madison Square Garden" and "Max Planck Institute" do not)."""
    spans = []
    lines = list(re.finditer(r"[^\r\n]+", text))
    headed: dict[str, int] = {}  # per delimiter: cells of the table a header line opened
    for line in lines:
        for delim in ("\t", ","):
            cells = line.group(0).split(delim)
            if len(cells) < 3:
                headed.pop(delim, None)
                continue
            if headed.get(delim) == len(cells):
                break  # a row of a table with a header
            named, offset = False, line.start()
            dates: list[tuple[int, int]] = []
            for cell in cells:
                value = cell.strip(" \"'")
                if _person_cell(value, is_word):
                    named = not dates  # the name first, then its date
                elif value and _date_like(value):
                    start = offset + cell.index(value)
                    dates.append((start, start + len(value)))
                offset += len(cell) + len(delim)
            if not named and not dates:
                headed[delim] = len(cells)  # a header: "name,hire_date,department"
            elif named and len(dates) == 1 and _old_enough(text[slice(*dates[0])], this_year):
                spans.append(dates[0])
            break
        else:
            # Tab-separated, read with its tabs as spaces (see normalize): the name opens the
            # line and the date follows it with nothing between, then no prose ("Anna Lee
            # 2012-03-01 fix typo" is a commit log's line).
            m = _ROW_NAME_DATE.match(line.group(0))
            if m is not None and _person_cell(m.group("n"), is_word) \
                    and _old_enough(m.group("d"), this_year) \
                    and len(_ROW_DATE.findall(line.group(0))) == 1 \
                    and not re.match(r"[ \t]+[a-z]", line.group(0)[m.end("d"):]):
                spans.append((line.start() + m.start("d"), line.start() + m.end("d")))
    return spans


def _person_cell(value: str, is_word: Callable[[str], bool]) -> bool:
    """A record's cell that holds a person's name: a given name or a word no dictionary holds
    ("Yaw"), then capitalised words no dictionary holds (or given names) and particles."""
    if _ROW_NAME.fullmatch(value) is None:
        return False
    words = value.split()
    firsts = gazetteer()[0]
    return (words[0].upper() in firsts or not is_word(words[0])) and all(
        not w[:1].isupper() or w.upper() in firsts or not is_word(w.rstrip(".")) for w in words[1:])


def _old_enough(date: str, this_year: int) -> bool:
    years = re.findall(r"(?<![0-9])(?:19|20)[0-9]{2}(?![0-9])", date)
    return bool(years) and 1900 <= int(years[-1]) <= this_year - _BIRTH_YEARS_AGO


class DobFieldRecognizer(OwnRecognizer):
    """Dates of birth in a record's fields: a DOB column of a table, ``"dob": "…"`` in JSON,
    ``birth_date=…``, an SQL insert's DOB column, a headerless row's one old date beside a
    person's name — where no cue word stands right before the date."""

    ENTITY = "DATE_OF_BIRTH"
    SCORE = 0.85
    _FIELD = re.compile(
        rf"(?i)(?<![A-Za-z0-9])[\"']?{_DOB_KEYS}[\"']?\s*(?:=>|:=|[:=：])\s*[\"'`]?"
        r"(?P<v>[^\"'`\n,;}]{6,30}?)[\"'`]?\s*(?=[,;}\n]|$)")
    #: A record that names its field in one key and gives its value in the next, as
    #: validation errors and form dumps write it: ``{"field": "dob", "value": "31/02/1990"}``.
    _NAMED = re.compile(
        r"(?i)[\"']?(?:field|name|key|attr(?:ibute)?|param(?:eter)?|column|path)[\"']?\s*[:=]\s*"
        rf"[\"']{_DOB_KEYS}[\"']\s*,\s*[\"']?(?:value|val|input|given|got)[\"']?\s*[:=]\s*"
        r"[\"'](?P<v>[^\"'\n]{6,30})[\"']")

    def __init__(self, language: str = "en", is_word: Callable[[str], bool] | None = None,
                 ) -> None:
        super().__init__(language)
        #: Whether a word is in the dictionary (the analyzer's lexicon); without one, every
        #: capitalised word after a given name counts.
        self._is_word = is_word or (lambda _word: False)

    def analyze(self, text: str, entities: list[str],
                nlp_artifacts: NlpArtifacts | None = None) -> list[RecognizerResult]:
        if self.ENTITY not in entities:
            return []
        spans = [m.span("v") for regex in (self._FIELD, self._NAMED)
                 for m in regex.finditer(text) if _date_like(m.group("v"))]
        spans += column_values(text, _DOB_HEADER, _date_like)[0]
        if _SQL_INSERT.search(text):
            spans += _sql_dobs(text)
        out = [make_result(self, self.ENTITY, s, e, self.SCORE, "date of birth field",
                           cued=True) for s, e in spans]
        out += [make_result(self, self.ENTITY, s, e, 0.6,
                            "an old date beside a name in a record's row", cued=False)
                for s, e in _row_dobs(text, datetime.datetime.now(datetime.UTC).year, self._is_word)
                if not any(a <= s < b for a, b in spans)]
        return out


def widen_names(text: str, start: int, end: int) -> tuple[int, int]:
    """Grow a PERSON span over adjacent words that are census names or initials, so a name
    is never half masked ("Maria" found, "Gonzalez-Ruiz" left)."""
    firsts, lasts = gazetteer()
    stop = stop_words()

    def name_word(w: str) -> bool:
        if re.fullmatch(r"[A-Z]\.", w):
            return True
        core = w.rstrip(".")
        if not core[:1].isupper() or core.lower() in stop:
            return False
        key = core.upper().replace("’", "'")
        return key in firsts or key in lasts or key.split("-")[0] in lasts

    while True:
        if (m := _NEXT_WORD.match(text, end)) is not None and name_word(m.group(1)):
            end = m.end()
        elif (h := _HYPHEN_PART.match(text, end)) is not None:
            end = h.end()  # "Adewumi" of "Adewumi-Banks": a double surname is one name
        elif (broken := _line_broken_end(text, end)) is not None:
            end = broken  # "Ogun-\nleye": a scanned or wrapped letter split the name
        elif (p := _PARTICLE_THEN_NAME.match(text, end)) is not None:
            end = p.end()  # "Rhys ap Gruffydd", "Ana de Souza": a particle and a surname
        elif (q := _NICKNAME_THEN_NAME.match(text, end)) is not None:
            end = q.end()  # Edwin "Buzz" Aldrin: the nickname and the surname after it
        else:
            break
    while (grown := _name_before(text, start, name_word)) < start:
        start = grown
    return _surname_first(text, start, end), end


def _name_before(text: str, start: int, name_word: Callable[[str], bool]) -> int:
    """Where a name word right before ``start`` begins (with a particle between: "Felipe de"
    of "Felipe de Sousa Lima" when "Sousa" was found), or ``start``."""
    before = text[max(0, start - 40):start]
    if (m := _PREV_WORD.search(before)) is not None and name_word(m.group(1)):
        return start - len(m.group(0))
    if (p := _NAME_THEN_PARTICLE.search(before)) is not None and name_word(p.group("n")):
        return start - len(p.group(0))
    return start


def _line_broken_end(text: str, end: int) -> int | None:
    """Where a name ending at ``end`` ends when its last word goes on after a hyphen at the
    end of the line: the finder took the hyphen ("Ogun-"), or the two halves make a name the
    lists hold ("Per-" and "kins"); else None ("Ana Lima-\nthanks": a dash)."""
    if (b := _BROKEN_AT_LINE_END.match(text, end - 1)) is None:
        return None
    if text[end - 1] != "-":
        firsts, lasts = gazetteer()
        head = re.search(r"[^\W\d_]+$", text[max(0, end - 40):end])
        tail = re.match(r"-[ \t]*\r?\n[ \t]*([^\W\d_]+)", b.group(0))
        key = ((head.group(0) if head else "") + (tail.group(1) if tail else "")).upper()
        if key not in lasts and key not in firsts:
            return None
    return b.end()


def _surname_first(text: str, start: int, end: int) -> int:
    """Where a one-word given name starting at ``start`` starts with the surname a record
    writes before it ("Patient Summers, Jacqueline"): a listed surname, no function word."""
    firsts, lasts = gazetteer()
    if " " in text[start:end].strip() or text[start:end].upper() not in firsts:
        return start
    m = _SURNAME_FIRST.search(text[max(0, start - 40):start])
    if m is None or m.group(1).upper() not in lasts or m.group(1).lower() in stop_words():
        return start
    return start - len(m.group(0))


#: A hyphen and a capitalised word right after a name (Adewumi-Banks, Underhill-Smythe).
_HYPHEN_PART = re.compile(r"-[A-ZÀ-ÞĀ-ʯḀ-ỿ][a-zà-ÿĀ-ʯḀ-ỿ'’]+(?![\w\-])")
#: A word broken by a hyphen at the end of a line and its lower-case rest on the next, as
#: scanned letters and hard-wrapped text split a name ("Ogun-\nleye", "Per-\nkins-Wade").
_BROKEN_AT_LINE_END = re.compile(
    r"(?<=[^\W\d_])-[ \t]*\r?\n[ \t]*[a-zà-ÿĀ-ʯḀ-ỿ]{2,}"
    r"(?:-[A-ZÀ-ÞĀ-ʯḀ-ỿ][a-zà-ÿĀ-ʯḀ-ỿ'’]+)?(?![\w\-])")
#: A capitalised word and a comma right before a one-word given name: a record's surname
#: first ("Patient Summers, Jacqueline"); not after another comma or "and", where the word
#: is one item of a list.
_SURNAME_FIRST = re.compile(
    r"(?<![,&][ \t])(?<!\band[ \t])(?<![^\W\d_])([A-ZÀ-ÞĀ-ʯḀ-ỿ][A-Za-zà-ÿĀ-ʯḀ-ỿ'’\-]+),[ \t]$")
#: A lower-case name particle and a capitalised word after a name ("Rhys ap Gruffydd").
#: A name and a particle right before a found surname: "Felipe de " of "Felipe de Sousa".
_NAME_THEN_PARTICLE = re.compile(
    r"(?<![\w'’\-])(?P<n>[A-ZÀ-Þ][\w'’\-]+)[ \t]+(?:de|da|do|dos|das|di|del|della|du|van|von|"
    r"ter|ten|bin|binti|ibn)(?:[ \t]+(?:la|las|los|der|den))?[ \t]+\Z")
_PARTICLE_THEN_NAME = re.compile(
    r"[ \t]+(?:ap|ab|van|von|de|da|di|do|dos|das|del|della|du|bin|binti|ibn|ní|nic|ó|mac|"
    r"ter|ten|van[ \t]+der|van[ \t]+den|de[ \t]+la|de[ \t]+los)[ \t]+"
    r"[A-ZÀ-ÞĀ-ʯḀ-ỿ][a-zà-ÿĀ-ʯḀ-ỿ'’]+(?:-[A-ZÀ-ÞĀ-ʯḀ-ỿ][a-zà-ÿĀ-ʯḀ-ỿ'’]+)?(?![\w\-])")
_NICKNAME_THEN_NAME = re.compile(
    r"[ \t]+[\"“'‘(][A-Z][A-Za-z'’\-]*[\"”'’)][ \t]+[A-Z][A-Za-z'’\-]+(?![^\W\d_])")
#: (One space: a run of spaces is a gap between a form's fields, "NGUYEN   Given names:".)
_NEXT_WORD = re.compile(r"[ \t]([A-Za-zÀ-ÿĀ-ʯḀ-ỿ][A-Za-zà-ÿĀ-ʯḀ-ỿ'’\-]*\.?)(?![^\W\d_])")
_PREV_WORD = re.compile(r"(?<![^\W\d_])([A-Za-zÀ-ÿĀ-ʯḀ-ỿ][A-Za-zà-ÿĀ-ʯḀ-ỿ'’\-]*\.?)[ \t]$")


def name_recognizers(language: str = "en", is_word: Callable[[str], bool] | None = None,
                     ) -> list[EntityRecognizer]:
    return [GazetteerNameRecognizer(language), CuedNameRecognizer(language),
            StructuredNameRecognizer(language), DobFieldRecognizer(language, is_word)]
