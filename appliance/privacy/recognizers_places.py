"""The strict (GDPR) profile's towns of the world: a gazetteer of GeoNames' places (population
15,000 and more, and the capitals of smaller countries), read where the text says a place is.

The list (``data/cities.txt``, written by ``tools/pii_dev/build_place_names.py``; GeoNames,
CC BY 4.0) holds each place's own name, with and without accents (Kraków, Krakow), other Latin
names of places of 100,000 and more (München, Warszawa) and the Chinese names of Chinese places
(桂林). Many town names are words or people's names too (Bath, Reading, Nice, Mobile, Split,
Hamilton, Victoria, Florence), so a name is a place:

- **in a frame**: after a locative word — English in, from, at, near, to, outside, around, via;
  German aus, nach, bei; French à, de, en; Spanish and Italian desde, en, da, di; Polish w, z;
  Scandinavian i, fra, från; Russian в, из — or a direction word (northern Ethiopia, central
  Leeds: the direction word is part of the place); before a comma and a known country, region
  or state (Monterrey, Mexico; Hilo, HI); as a cell of a CSV/TSV column or the value of a field
  whose name says place (city, town, office, location, site, branch, Ort, ville, ciudad);
  or as the answer to a where/which-city question. A name that is an ordinary word there must
  also end its phrase (in Bath on Sunday, not "in Reading mode"); one that is a first name is
  not read after from, to, at or with (a message from Florence);
- **alone** only where it is a place's own name (not one of its other names), is no ordinary
  English word (the model's lexicon: a verb, adjective or adverb, a function word; WordNet
  also lists towns as nouns, so a noun is let through where no article stands before it and,
  for a town under 100,000, not at a sentence's start), no census first name and no common
  census surname — that of a town of a million or more is let through (Berlin) — and no
  capitalised word stands right before it (Jack London);
- never when a capitalised word follows it that is not part of its name (Paris Hilton,
  Florence Welch, Split View, Reading Room).

Chinese: a Chinese place name right after a province (广西桂林), before 市/县/区, or after the
words for living in, coming from and going to (住在, 来自, 前往).

Each capitalised run of words is looked up once per start word (at most four words long): the
cost is linear in the text, whatever the size of the list.
"""

from __future__ import annotations

import bisect
import re
import threading
from functools import lru_cache
from pathlib import Path

from presidio_analyzer import RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

from appliance.privacy.lexicon import COMMON_SURNAMES, Lexicon
from appliance.privacy.recognizer_base import OwnRecognizer, make_result
from appliance.privacy.recognizers_names import gazetteer, stop_words, surname_ranks

#: The shipped list (see the module docstring); tests and probes may point it elsewhere.
CITIES_FILE = Path(__file__).with_name("data") / "cities.txt"
#: Kinds of name in the list: a place's own name, another Latin name of it, a Chinese name.
OWN, OTHER, CHINESE = 0, 1, 2
_MAX_WORDS = 4
_MAX_CHARS = 48
#: Lower-case words inside a town's name (Stratford-upon-Avon, Rio de Janeiro).
_LINKS = frozenset((
    "of", "upon", "on", "de", "da", "do", "dos", "das", "del", "la", "le", "les", "am", "an",
    "im", "sur", "di",
))

_lock = threading.Lock()


@lru_cache(maxsize=1)
def place_names() -> dict[str, int]:
    """Name -> ``kind * 10 + magnitude`` (the population's digits less one), read once."""
    kinds = {"c": OWN, "a": OTHER, "z": CHINESE}
    out: dict[str, int] = {}
    with _lock, CITIES_FILE.open(encoding="utf-8") as fh:
        for line in fh:
            if line.startswith("#"):
                continue
            name, _, tag = line.rstrip("\n").partition("\t")
            if name and len(tag) == 2 and tag[0] in kinds:
                out[name] = kinds[tag[0]] * 10 + int(tag[1])
    return out


@lru_cache(maxsize=1)
def known_regions() -> tuple[frozenset[str], frozenset[str]]:
    """Countries, regions, US states and large cities (the strict profile's own list), and
    the short forms of US states and Canadian and Australian provinces: what may follow a
    town and its comma. Read from :mod:`recognizers_gdpr` when first needed, so that module
    may import this one."""
    from appliance.privacy.recognizers_gdpr import (  # noqa: PLC0415 - see above
        _ALL_PLACES,
        US_STATES,
    )

    return frozenset(_ALL_PLACES), frozenset(US_STATES) | _REGION_CODES


_REGION_CODES = frozenset((
    "AB", "BC", "MB", "NB", "NL", "NS", "NT", "NU", "ON", "PE", "QC", "SK", "YT", "NSW", "VIC",
    "QLD", "TAS", "ACT", "UK", "USA", "UAE",
))

# Case-insensitive words before a place. A first name after from/to/at/with is someone.
_FRAME_WORDS = (
    r"(?:^|(?<=[\s(\[\"'«„“]))(?P<f>(?i:in|from|at|near|to|outside|around|via|into|towards?|"
    r"across|throughout|aus|nach|bei|à|de|en|vers|dans|desde|hacia|cerca\s+de|da|di|dal|"
    r"w|we|z|ze|i|fra|från|til|till|uit|naar|bij|em|в|во|из|под|около))[ \t]+")
_FRAME = re.compile(_FRAME_WORDS + "$")
#: A frame word and an adjective before the place (greetings from sunny Split).
_FRAME_ADJECTIVE = re.compile(_FRAME_WORDS + r"(?P<a>[a-z]{3,})[ \t]+$")
_WEAK_FRAMES = frozenset(("from", "to", "at", "into", "towards", "toward", "via"))
#: Frame words that are also name particles (Charles de Gaulle, Leonardo da Vinci).
_PARTICLES = frozenset(("de", "da", "di", "dal", "i", "z"))
_DIRECTION = re.compile(
    r"(?:^|(?<=[\s(\[\"'«„“]))(?P<d>(?i:(?:north|south)(?:-?(?:east|west))?(?:ern)?|"
    r"(?:east|west)(?:ern)?|central|northeastern|northwestern|southeastern|southwestern|"
    r"inner|outer|greater|upstate|downtown|rural))[ \t]+$")
_CAP_BEFORE = re.compile(r"[A-ZÀ-ÖØ-ÞĀ-Ž][\w'’\-]*[ \t]+$")
_MID_SENTENCE = re.compile(r"(?:[a-z0-9,]|[a-z][.)]?[ \t]*[\"'(])[ \t]*$")
_ARTICLE = re.compile(r"(?i:\b(?:the|a|an|this|that|our|your|their|its))[ \t]+$")
_TOKEN = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")
#: What may come right after a place in a frame when its name is also a word: the end of the
#: text or a line, punctuation, or a function word (in Bath on Sunday, in Reading, UK).
_PHRASE_END = re.compile(r"[ \t]*(?:$|[\n.,;:!?)\]}\"'’”»|·•/–—]|[ \t]+(?P<w>[a-z]+)\b)")

#: Column headers and field names that say their value is a place.
_PLACE_FIELDS = frozenset((
    "geo", "city", "town", "village", "office", "location", "loc", "site", "branch", "place",
    "hometown", "birthplace", "municipality", "locality", "base", "ort", "wohnort", "stadt",
    "standort", "ville", "lieu", "ciudad", "localidad", "città", "citta", "luogo", "sede",
    "cidade", "plaats", "stad", "woonplaats", "miasto", "miejscowość", "город", "destination",
    "origin", "residence",
))
_FIELD_PART = re.compile(r"[^\W\d_]+")
#: Words of prose, not of a table's header ("I love the city").
_PROSE_WORDS = frozenset((
    "a", "an", "the", "and", "or", "but", "of", "in", "on", "at", "to", "from", "by", "with",
    "for", "is", "are", "was", "were", "be", "been", "i", "you", "he", "she", "we", "they",
    "it", "my", "your", "our", "their", "his", "her", "this", "that", "these", "those", "not",
    "no", "so", "as", "if", "then", "than", "love", "like",
))
_FIELD_CELL = re.compile(r"[^\W\d][\w.\-]{0,30}")
_KEY_VALUE = re.compile(
    r"(?P<k>[\"']?[^\W\d][\w \-]{1,30}?[\"']?)[ \t]*[:=][ \t]*[\"']?(?=[^\W\d_])")
_QUESTION = re.compile(
    r"(?i)(?:\bwhere\b|\bwhich\s+(?:city|town|place|office|site|branch|location)\b|"
    r"\bwhat\s+(?:city|town|place|location)\b|\bhome\s*town\b|\bwoher\b|\bwo\b|"
    r"\bwelche[rsn]?\s+stadt\b|\boù\b|\bquelle\s+ville\b|\bd[oó]nde\b|\bqué\s+ciudad\b)")
_ANSWER_LABEL = re.compile(r"[ \t]*(?:[A-Z][\w.\- ]{0,24}[ \t]*[:：>][ \t]*)?")

# ---- Chinese ----------------------------------------------------------------------------------

_ZH_PROVINCE = re.compile(
    r"(?:北京|天津|上海|重庆|河北|山西|辽宁|吉林|黑龙江|江苏|浙江|安徽|福建|江西|山东|河南|湖北|"
    r"湖南|广东|海南|四川|贵州|云南|陕西|甘肃|青海|台湾|内蒙古|广西|西藏|宁夏|新疆)"
    r"(?:省|市|壮族自治区|回族自治区|维吾尔自治区|自治区)?")
_ZH_CUE = re.compile(r"(?:住在|来自|位于|前往|飞往|回到|搬到|出生于|生于|老家在|家在)")
_ZH_SUFFIX = "市县区"
_CJK = re.compile(r"[\u4e00-\u9fff]")


def _zh_name_at(text: str, pos: int, names: dict[str, int], suffix: bool) -> int:
    """The end of the Chinese place name (of the list, 2 to 4 characters) at ``pos``; with
    ``suffix``, 2 or 3 characters of any kind before 市/县/区 too. ``pos`` where none."""
    for size in (4, 3, 2):
        word = text[pos:pos + size]
        if len(word) == size and names.get(word, -1) // 10 == CHINESE:
            return pos + size
    if suffix:
        for size in (3, 2):
            word = text[pos:pos + size + 1]
            if len(word) == size + 1 and word[-1] in _ZH_SUFFIX and all(
                    _CJK.match(c) for c in word[:-1]):
                return pos + size + 1
    return pos


def chinese_places(text: str, names: dict[str, int]) -> list[tuple[int, int]]:
    """Chinese places after a province or a cue, and those of the list before 市/县/区."""
    spans = []
    for pattern, suffix in ((_ZH_PROVINCE, True), (_ZH_CUE, False)):
        for m in pattern.finditer(text):
            end = _zh_name_at(text, m.end(), names, suffix)
            if end > m.end():
                spans.append((m.end(), end))
    for m in re.finditer(f"[\u4e00-\u9fff]{{2,4}}(?=[{_ZH_SUFFIX}])", text):
        for start in range(m.start(), m.end() - 1):  # the longest name before the suffix
            if names.get(text[start:m.end()], -1) // 10 == CHINESE:
                spans.append((start, m.end() + 1))
                break
    return spans


# ---- Latin script -----------------------------------------------------------------------------


_SEGMENT_SEP = re.compile(r"[ \t]+[·•|][ \t]+")
_DATELINE = re.compile(r"(?m)^[ \t]*(?P<v>[^\W\d][^\n—–]{1,47}?)[ \t]+(?:—|–|--)[ \t]")
_BRACKETED = re.compile(r"\((?P<v>[^()\n]{2,48})\)")


def cell_slots(text: str) -> dict[int, int]:
    """Start -> end of each value that the text's shape sets apart as one item, where a town
    often stands: a segment of a line parted by · • | (Engineer · Leeds · 2019), a bracket's
    whole content (St Mary's Hospital (Walnut Creek)), a news dateline (Telford — …), and a
    cell of a CSV line with no header (Tuiasosopo,Malia,22,Pago Pago: its commas have no
    space after them, unlike a sentence's)."""
    slots: dict[int, int] = {}
    for m in _BRACKETED.finditer(text):
        slots[m.start("v")] = m.end("v")
    for m in _DATELINE.finditer(text):
        slots[m.start("v")] = m.end("v")
    offset = 0
    for line in text.split("\n"):
        start = offset
        offset += len(line) + 1
        parts = _SEGMENT_SEP.split(line)
        if len(parts) < 2:
            delim = next((d for d in ",;\t" if line.count(d) >= 2), None)
            if delim is None or (delim == "," and ", " in line):
                continue
            parts = line.split(delim)
        pos = start
        for part in parts:
            at = text.index(part, pos) if part else pos
            value = part.strip(" \t\"'\r")
            if value:
                lead = at + part.index(value)
                slots.setdefault(lead, lead + len(value))
            pos = at + len(part)
    return slots


def _field_slots(text: str) -> dict[int, int]:
    """Start -> end of each value that a place column holds; -1: the value of a place field
    or an answer, whose end the name itself says."""
    slots: dict[int, int] = {}
    for m in _KEY_VALUE.finditer(text):
        if _place_field(m.group("k")):
            slots[m.end()] = -1
    _column_slots(text, slots)
    offset = 0
    asked = False  # the line before (or the one before a blank line) asked where
    for line in text.split("\n"):
        if asked and line.strip():
            label = _ANSWER_LABEL.match(text, offset)
            slots.setdefault(label.end() if label else offset, -1)
            asked = False
        elif line.strip():
            asked = _QUESTION.search(line) is not None
        offset += len(line) + 1
    return slots


def _place_field(name: str) -> bool:
    return any(w.lower() in _PLACE_FIELDS for w in _FIELD_PART.findall(name))


def space_table_rows(text: str) -> list[tuple[int, int]]:
    """The rows under a header of field names parted by spaces (a TSV whose tabs were made
    spaces) that names a place column: each row's span, up to a blank line."""
    rows: list[tuple[int, int]] = []
    in_table = False
    offset = 0
    for line in text.split("\n"):
        start = offset
        offset += len(line) + 1
        if in_table and line.strip():
            rows.append((start, start + len(line)))
            continue
        cells = line.split()
        in_table = 2 <= len(cells) <= 10 and all(
            _FIELD_CELL.fullmatch(c) and c.lower() not in _PROSE_WORDS for c in cells) \
            and any(_place_field(c) for c in cells)
    return rows


def _column_slots(text: str, slots: dict[int, int]) -> None:
    """The cells of the place columns of each CSV/TSV table (a header line of field names,
    the lines below it with as many cells)."""
    offset = 0
    header: tuple[str, int, list[int]] | None = None  # delimiter, cells, place columns
    for line in text.split("\n"):
        cells_at = offset
        offset += len(line) + 1
        if header is not None:
            delim, count, columns = header
            cells = line.split(delim)
            if len(cells) != count:
                header = None
            else:
                starts = [cells_at]
                for cell in cells[:-1]:
                    starts.append(starts[-1] + len(cell) + 1)
                for col in columns:
                    raw = cells[col]
                    lead = len(raw) - len(raw.lstrip(" \"'"))
                    value = raw.strip(" \"'\r")
                    if value:
                        slots[starts[col] + lead] = starts[col] + lead + len(value)
                continue
        for delim in ("\t", ";", ",", "|"):
            cells = line.split(delim)
            if len(cells) < 2 or not all(re.fullmatch(r"[ \"']*[^\W\d][\w .\-]{0,30}[ \"'\r]*", c)
                                         for c in cells):
                continue
            columns = [i for i, c in enumerate(cells) if _place_field(c)]
            if columns:
                header = (delim, len(cells), columns)
            break


class GazetteerPlaceRecognizer(OwnRecognizer):
    """Towns of the world's gazetteer where the text says a place is (see the module
    docstring); ``lexicon``: the model's ordinary words."""

    ENTITY = "LOCATION"
    SCORE = 0.87  # above the NER model's 0.85 and the context recognizers' 0.86

    def __init__(self, language: str = "en", lexicon: Lexicon | None = None) -> None:
        super().__init__(language)
        self._lexicon = lexicon if lexicon is not None else Lexicon(frozenset())
        self._kinds: dict[str, tuple[int, bool]] = {}

    def load(self) -> None:
        place_names()
        known_regions()
        surname_ranks_cached()
        gazetteer()

    def analyze(self, text: str, entities: list[str],
                nlp_artifacts: NlpArtifacts | None = None) -> list[RecognizerResult]:
        if self.ENTITY not in entities:
            return []
        names = place_names()
        spans = self._latin_places(text, names)
        if _CJK.search(text):
            spans += chinese_places(text, names)
        return [make_result(self, self.ENTITY, s, e, self.SCORE, "place in the gazetteer")
                for s, e in sorted(set(spans))]

    def _latin_places(self, text: str, names: dict[str, int]) -> list[tuple[int, int]]:
        tokens = [m.span() for m in _TOKEN.finditer(text)]
        slots = _field_slots(text)
        rows = space_table_rows(text) if " " in text else []
        cells = cell_slots(text)
        spans: list[tuple[int, int]] = []
        i = 0
        while i < len(tokens):
            found = self._name_at(text, tokens, i, names)
            if found is None:
                start = tokens[i][0]
                direction = _DIRECTION.search(text, max(0, start - 24), start) \
                    if text[start].isupper() else None
                end = self._region_at(text, tokens, i) if direction else 0
                if direction is not None and end:
                    spans.append((direction.start("d"), end))  # northern Ethiopia
                i += 1
                continue
            k, code = found
            span = self._judge(text, tokens, i, k, code, (slots, cells), rows)
            if span is not None:
                spans.append(span)
            i += k
        return spans

    @staticmethod
    def _name_at(text: str, tokens: list[tuple[int, int]], i: int, names: dict[str, int],
                 ) -> tuple[int, int] | None:
        """(words, code) of the longest listed name that starts at capitalised token ``i``."""
        start = tokens[i][0]
        if not text[start].isupper() or (start > 0 and text[start - 1] in "-'’"):
            return None
        for k in range(min(_MAX_WORDS, len(tokens) - i), 0, -1):
            end = tokens[i + k - 1][1]
            if end - start > _MAX_CHARS or (end < len(text) and text[end] in "-'’"
                                            and text[end + 1:end + 2].isalpha()):
                continue
            code = names.get(text[start:end])
            if code is not None and code // 10 != CHINESE:
                return k, code
        return None

    def _judge(self, text: str, tokens: list[tuple[int, int]], i: int, k: int, code: int,  # noqa: PLR0911, PLR0913, PLR0917 - one decision, read top to bottom
               slots: tuple[dict[int, int], dict[int, int]], rows: list[tuple[int, int]],
               ) -> tuple[int, int] | None:
        """The span of the place at tokens ``i`` .. ``i + k - 1``, or None where it is none."""
        start, end = tokens[i][0], tokens[i + k - 1][1]
        name = text[start:end]
        after = tokens[i + k] if i + k < len(tokens) else None
        gap = text[end:after[0]] if after else ""
        paired = after is not None and gap.rstrip(" \t") == "," and gap.count(",") == 1 \
            and self._region_at(text, tokens, i + k) > 0
        if after is not None and re.fullmatch(r"[ \t]+", gap) and text[after[0]].isupper() \
                and not paired:
            return None  # Paris Hilton, Florence Welch, Split View
        if paired:
            return start, end
        row = bisect.bisect_right(rows, (start, len(text))) - 1
        if slots[0].get(start, 0) in (end, -1) or (row >= 0 and end <= rows[row][1]):
            return start, end  # a place column's cell, a place field, an answer
        word, first = self._word_kinds(name)
        if slots[1].get(start) == end and word <= 2 and not first:
            return start, end  # an item set apart: a segment, a bracket, a CSV cell
        before = text[max(0, start - 24):start]
        framed = self._framed(before, first)
        direction = _DIRECTION.search(before)
        if framed or direction is not None:
            if word == 3 and k == 1:
                m = _PHRASE_END.match(text, end)
                if m is None or (m.group("w") and m.group("w") not in stop_words()):
                    return None  # in Reading mode, in Mobile apps
            return (direction.start("d") if direction is not None else start), end
        if code // 10 != OWN or word >= 2 or first or _CAP_BEFORE.search(before) or (
                word == 1 and (_ARTICLE.search(before) or (
                    code % 10 < 5 and not _MID_SENTENCE.search(before)))):
            return None  # a noun of the lexicon after an article, or a small town's name at
            # a sentence's start: "the University of California", "Union members"
        return start, end

    def _framed(self, before: str, first: bool) -> bool:
        """A locative word (and perhaps an adjective) ends ``before``: not a name particle
        after a name (Charles de Gaulle), nor, for a first name, from/to/at (a message from
        Florence)."""
        frame = _FRAME.search(before)
        if frame is None:
            frame = _FRAME_ADJECTIVE.search(before)
            if frame is not None and (frame.group("a") in stop_words()
                                      or not self._lexicon.is_not_only_a_noun(frame.group("a"))):
                return False  # in the Reading room, from our Bath office
        if frame is None:
            return False
        f = frame.group("f").lower()
        if f in _PARTICLES and _CAP_BEFORE.search(before, 0, frame.start()):
            return False
        return not (first and f in _WEAK_FRAMES)

    def _word_kinds(self, name: str) -> tuple[int, bool]:
        """(how much the name reads as other words, it is a first name), cached. The first:
        0 where a word of it is no word of the lexicon nor a common surname; 1 where it is a
        noun of the lexicon only (WordNet lists towns as nouns: Mashhad, Leicester; and some
        nouns are towns too: Union, Enterprise); 2 a common surname (Hamilton); 3 words of
        the language (a verb, adjective or adverb reading, a function word: Reading, Nice)."""
        kinds = self._kinds.get(name)
        if kinds is None:
            firsts, _ = gazetteer()
            ranks = surname_ranks_cached()
            code = place_names().get(name, 0)
            words = [w for w in _TOKEN.findall(name) if w.lower() not in _LINKS]

            def level(w: str) -> int:
                if w.lower() in stop_words() or self._lexicon.is_not_only_a_noun(w):
                    return 3
                rank = ranks.get(w.upper())
                if rank is not None and rank <= COMMON_SURNAMES and code % 10 < 6:
                    return 2  # a surname; a town of a million is that town (Berlin)
                return 1 if self._lexicon.is_word(w) else 0

            levels = [level(w) for w in words] or [3]
            kinds = (0 if min(levels) == 0 else max(levels),
                     len(words) == 1 and name.upper() in firsts)
            if len(self._kinds) < 100_000:
                self._kinds[name] = kinds
        return kinds

    @staticmethod
    def _region_at(text: str, tokens: list[tuple[int, int]], j: int) -> int:
        """The end of the known country, region or state (or its code) that starts at token
        ``j``; 0 where none does."""
        start = tokens[j][0]
        regions, codes = known_regions()
        for k in range(min(_MAX_WORDS, len(tokens) - j), 0, -1):
            end = tokens[j + k - 1][1]
            value = text[start:end]
            if value in regions or (k == 1 and value in codes):
                free = end >= len(text) or not (text[end].isalnum() or text[end] == "-")
                return end if free else 0
        return 0


@lru_cache(maxsize=1)
def surname_ranks_cached() -> dict[str, int]:
    """The census surnames' ranks, read once (:func:`surname_ranks` reads its file again)."""
    return surname_ranks()
