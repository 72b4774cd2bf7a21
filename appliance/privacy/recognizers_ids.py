"""Identifiers Presidio does not ship, and the cue words that vouch for a near miss.

- ``HK_ID``: Hong Kong identity card, one or two letters, six digits, check digit (0-9 or A),
  usually written ``A123456(7)``; the mod-11 check digit is verified.
- ``MO_ID``: Macau resident identity card, ``1/5/7`` + six digits + a check digit in
  parentheses (``1234567(8)``); its check digit is not public, so the parenthesised form or a
  cue word is required.
- ``TW_ID``: Taiwan national identification number, a letter, 1/2 (8/9 for resident
  certificates) and eight digits, with its weighted mod-10 check.
- ``CN_PASSPORT``: PRC passports (E/G + 8 digits, E + letter + 7 digits, D/S/P + 7 digits) —
  only next to a cue word (护照, passport): alone they look like any code.
- ``CN_TRAVEL_PERMIT``: Mainland Travel Permits for HK/Macau/Taiwan residents (回乡证, 台胞证)
  and Exit-Entry Permits (港澳通行证 C12345678, 往来台湾通行证 L62483587: one or two letters and
  7-10 digits, or 8 or 10 digits): with a cue word.
- ``CN_PASSPORT`` also holds military and police identity cards (军官证 沈字第8995143号, 士兵证,
  警官证: the whole ``X字第NNNN号`` token, or the bare number), after their cue word: they stand
  in for a passport or resident ID, and the policy has no type of their own.
- ``CREDIT_CARD``: any Luhn-valid card number of 12-19 digits written in card groups (4-4-4-4,
  4-6-5, 4-6-4, with one kind of separator, doubled spaces too), or in any form right after a
  card cue word — Maestro, JCB, Diners, Mir, RuPay and other IIN ranges that Presidio's
  pattern does not list; a Luhn failure in card groups after a cue is a near miss.
- ``IP_ADDRESS``: IPv4 addresses glued to CJK text (服务器地址192.168.1.1无法访问), which
  Presidio's ``\\b``-bounded pattern cannot see.
- ``IBAN_CODE``: after "IBAN" (glued to it too), an IBAN whose mod-97 check fails is a near
  miss; a valid one is found even when wrapped or glued to CJK text.
- ``EMAIL_ADDRESS``: in place of Presidio's recognizer — addresses inside a logged URL or a
  ``key=value`` field, under a suffix the public suffix list holds whole (``*.sch.uk``) or a
  private top-level name (``.internal``, ``.corp``), and glued to Chinese text.
- ``DATE_OF_BIRTH``: a date within a few words after DOB / date of birth / born / 出生 / 生日
  (14/03/1987, 1987-03-14, 14 March 1987, March 14th, 1987, 14-Mar-1987 …).
- ``CREDIT_CARD`` cue words count up to 48 characters before the number: a question names the
  card a line before its answer.

A checksum failure next to a strong cue word (身份证号 1101...  with one digit mistyped) is
still masked, at :data:`CUED_NEAR_MISS_SCORE`: a compliance officer counts a typo'd ID number
as a leak just the same. Every result carries an ``analysis_explanation`` (Presidio's context
enhancer writes into it) and says whether a cue raised it.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

from presidio_analyzer import EntityRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

from appliance.privacy.lexicon import COMMON_SURNAMES
from appliance.privacy.lookalikes import lookalike_spans, within_lookalike
from appliance.privacy.recognizer_base import (
    CUED_NEAR_MISS_SCORE,
    CuedRecognizer,
    RegexRecognizer,
    cue_before,
    make_result,
)
from appliance.privacy.recognizers_names import gazetteer, surname_ranks
from appliance.privacy.recognizers_phone import SPOKEN_DIGITS, spoken_digits
from appliance.privacy.recognizers_zh import card_grouping, luhn_valid, one_separator

# ---- Hong Kong -------------------------------------------------------------------------------

def hkid_valid(value: str) -> bool:
    s = re.sub(r"[()\s]", "", value).upper()
    m = re.fullmatch(r"([A-Z]{1,2})([0-9]{6})([0-9A])", s)
    if m is None:
        return False
    letters, digits, check = m.groups()
    chars = letters.rjust(2, " ") + digits
    total = sum((36 if c == " " else (ord(c) - 55 if c.isalpha() else int(c))) * w
                for c, w in zip(chars, range(9, 1, -1), strict=True))
    expected = (11 - total % 11) % 11
    return check == ("A" if expected == 10 else str(expected))


class HkIdRecognizer(CuedRecognizer):
    ENTITY = "HK_ID"
    REGEX = re.compile(r"(?<![0-9A-Za-z])(?P<v>[A-Za-z]{1,2}[0-9]{6}(?:\([0-9Aa]\)|[0-9Aa]))"
                       r"(?![0-9A-Za-z])")
    CUES = re.compile(r"(?i)HKID|hong\s*kong\s*(?:id|identity)|identity\s*card|id\s*card|"
                      r"香港身份[证證]|身份[证證]|[证證]件")


# ---- Macau -----------------------------------------------------------------------------------

class MoIdRecognizer(CuedRecognizer):
    ENTITY = "MO_ID"
    REGEX = re.compile(r"(?<![0-9A-Za-z/])(?P<v>[157][0-9]{6}(?:\([0-9]\)|[0-9]))(?![0-9A-Za-z])")
    CUES = re.compile(r"(?i)macau|macao|BIR\b|澳[门門]|身份[证證]|[证證]件")
    VALID = 0.6  # the parenthesised form; its check digit is not public
    VALID_CUED = 0.85
    NEAR_MISS_CUED = 0.85  # the plain 8-digit form, only with a cue

    def valid(self, value: str) -> bool:
        return "(" in value


# ---- Taiwan ----------------------------------------------------------------------------------

_TW_LETTERS = {c: v for v, c in enumerate("ABCDEFGHJKLMNPQRSTUVXYWZIO", start=10)}


def tw_id_valid(value: str) -> bool:
    s = value.upper()
    if not re.fullmatch(r"[A-Z][1289][0-9]{8}", s):
        return False
    code = _TW_LETTERS[s[0]]
    digits = [code // 10, code % 10] + [int(c) for c in s[1:]]
    weights = (1, 9, 8, 7, 6, 5, 4, 3, 2, 1, 1)
    return sum(d * w for d, w in zip(digits, weights, strict=True)) % 10 == 0


class TwIdRecognizer(CuedRecognizer):
    ENTITY = "TW_ID"
    REGEX = re.compile(r"(?<![0-9A-Za-z])(?P<v>[A-Za-z][1289][0-9]{8})(?![0-9A-Za-z])")
    CUES = re.compile(r"(?i)taiwan|身分[证證]|身份[证證]|[统統]一[编編]號|國民身分|"
                      r"ID\s*(?:no|number|#)")
    VALID = 0.85


# ---- PRC passport and travel permits (cue words required) -----------------------------------

class CnPassportRecognizer(CuedRecognizer):
    ENTITY = "CN_PASSPORT"
    REGEX = re.compile(r"(?<![0-9A-Za-z])(?P<v>[EGegDSPdsp][0-9]{7,8}|[Ee][A-Za-z][0-9]{7})"
                       r"(?![0-9A-Za-z])")
    CUES = re.compile(r"(?i)护照|護照|passport")
    NEAR_MISS_CUED = None

    def analyze(self, text: str, entities: list[str],
                nlp_artifacts: NlpArtifacts | None = None) -> list[RecognizerResult]:
        # Without a cue word these are any code: report only cued ones.
        return [r for r in super().analyze(text, entities, nlp_artifacts)
                if r.recognition_metadata[RecognizerResult.IS_SCORE_ENHANCED_BY_CONTEXT_KEY]]


class CnTravelPermitRecognizer(CnPassportRecognizer):
    ENTITY = "CN_TRAVEL_PERMIT"
    REGEX = re.compile(r"(?<![0-9A-Za-z])(?P<v>[A-Za-z]{1,2}[0-9]{7,10}|"
                       r"[0-9]{8}(?:[0-9]{2})?)(?![0-9A-Za-z])")
    CUES = re.compile(r"(?i)通行[证證]|回[乡鄉][证證]|台胞[证證]|travel\s*permit|"
                      r"(?:home[- ]?return|exit[- ]entry)\s*permit|permit\s*(?:no|number|#)")


class CnServiceIdRecognizer(CnPassportRecognizer):
    """军官证/士兵证/警官证 numbers: 沈字第8995143号 as a whole, or the bare number."""

    ENTITY = "CN_PASSPORT"
    REGEX = re.compile(r"(?<![0-9A-Za-z])(?P<v>[\u4e00-\u9fff]字第[0-9]{4,10}号|"
                       r"[A-Za-z]?[0-9]{6,10})(?![0-9A-Za-z])")
    CUES = re.compile(r"(?i)军官证|軍官證|士兵证|士兵證|军人证|軍人證|文职干部证|文職幹部證|"
                      r"警官证|警官證|武警|军官|軍官|士兵|militar(?:y|y\s+id)|officer'?s?\s+id")


# ---- Dates of birth ----------------------------------------------------------------------------

#: Month names as dates write them, in the languages of the people who write to us: English,
#: German, French, Spanish, Italian, Portuguese, Dutch, Polish (genitive: "8 sierpnia"),
#: Turkish and Russian (genitive: "8 августа"), full or cut to three or four letters.
_MONTH_WORDS = (  # noqa: SIM905 - as a list literal, four times as long
    "january february march april may june july august september october november december "
    "januar jänner februar märz mai juni juli oktober dezember "
    "janvier février fevrier mars avril juin juillet août aout septembre octobre novembre "
    "décembre "
    "enero febrero marzo abril mayo junio julio agosto septiembre setiembre octubre noviembre "
    "diciembre "
    "gennaio febbraio aprile maggio giugno luglio settembre ottobre dicembre "
    "janeiro fevereiro março marco abril maio junho julho agosto setembro outubro novembro "
    "dezembro "
    "januari februari maart mei augustus "
    "styczeń stycznia luty lutego marzec marca kwiecień kwietnia maj maja czerwiec czerwca "
    "lipiec lipca sierpień sierpnia wrzesień września październik października listopad "
    "listopada grudzień grudnia "
    "ocak şubat subat mart nisan mayıs mayis haziran temmuz ağustos agustos eylül eylul ekim "
    "kasım kasim aralık aralik "
    "январь января февраль февраля март марта апрель апреля май мая июнь июня июль июля "
    "август августа сентябрь сентября октябрь октября ноябрь ноября декабрь декабря "
    # id, ms, tl, sv, cs (genitive), el (genitive), th
    "maret agustus desember mac julai ogos disember pebrero marso hunyo hulyo setyembre "
    "oktubre nobyembre disyembre augusti ledna února března dubna května června července srpna "
    "září října listopadu prosince ιανουαρίου φεβρουαρίου μαρτίου απριλίου μαΐου ιουνίου "
    "ιουλίου αυγούστου σεπτεμβρίου οκτωβρίου νοεμβρίου δεκεμβρίου มกราคม กุมภาพันธ์ มีนาคม "
    "เมษายน พฤษภาคม มิถุนายน กรกฎาคม สิงหาคม กันยายน ตุลาคม พฤศจิกายน ธันวาคม "
    "jan feb mar apr jun jul aug sep sept oct nov dec"
).split()
_WEEKDAY_WORDS = (  # noqa: SIM905 - as a list literal, four times as long
    "montag dienstag mittwoch donnerstag freitag samstag sonntag sonnabend "
    "lundi mardi mercredi jeudi vendredi samedi dimanche "
    "lunes martes miércoles miercoles jueves viernes sábado sabado domingo "
    "lunedì lunedi martedì martedi mercoledì mercoledi giovedì giovedi venerdì venerdi sabato "
    "domenica segunda terça terca quarta quinta sexta maandag dinsdag woensdag donderdag "
    "vrijdag zaterdag zondag poniedziałek wtorek środa czwartek piątek sobota niedziela"
).split()
#: Month and weekday names of other languages: a name model trained on English tags "Freitag",
#: "Juni" and "lunes" as names. English ones are not among them (June, April and Friday are
#: someone's name), nor those a given name is spelled as too (Marco, Mei, Julio, Domingo): see
#: :func:`calendar_word`.
CALENDAR_WORDS = frozenset((*_MONTH_WORDS[12:], *_WEEKDAY_WORDS)) - frozenset(_MONTH_WORDS[:12])

#: Other languages' cut names, only with their full stop: bare, many are words ("set", "out",
#: "gen", "ago", "lis").
_MONTH_CUTS = (  # noqa: SIM905 - as a list literal, four times as long
    "mär mrz okt dez janv févr fév avr juil déc ene abr ago dic gen mag giu lug set ott fev "
    "out mrt sty lut kwi cze lip sie wrz paź lis gru янв фев февр мар апр авг сен сент окт "
    "нояб дек"
).split()
_MONTHS = ("(?:(?:" + "|".join(sorted(set(_MONTH_WORDS), key=lambda w: (-len(w), w)))
           + r")(?![^\W\d_])\.?|(?:"
           + "|".join(sorted(set(_MONTH_CUTS), key=lambda w: (-len(w), w))) + r")\.)")
_DAY = r"(?:0?[1-9]|[12][0-9]|3[01])"
_MONTH = r"(?:0?[1-9]|1[0-2])"
_YEAR = r"(?:19|20)[0-9]{2}"
#: (For the strict profile's dates: month names of many languages, as a pattern, and the
#: weekdays of other languages.)
MONTH_NAMES = _MONTHS
FOREIGN_WEEKDAYS = tuple(_WEEKDAY_WORDS)
#: After a month's name: four digits, '66, or two digits that are no clock time ("7 Jan 01").
_NAMED_YEAR = r"(?:(?:19|20|25)[0-9]{2}|['’][0-9]{2}|[0-9]{2}(?![0-9:]))"  # 25xx: Thai (BE)
#: 1st, 1er (fr), 1º (es, pt), 23. (de, pl, tr, ru write the day with a full stop).
_ORDINAL = r"(?:st|nd|rd|th|er|º|°|\.)?"
#: The word "year" after a Russian year (written out or cut), and after a Polish one.
_YEAR_WORD = r"(?:[ \t]?(?:г\.|года|r\.|roku)(?![^\W\d_]))?"
_DATE = (
    # 1987-03-14, 1987年3月14日, 1988년 8월 8일, 1988. 8. 8.: year first, as CJK writes it.
    rf"(?:{_YEAR}(?:[-/.年]|년)[ \t]?{_MONTH}(?:[-/.月]|월)[ \t]?{_DAY}(?:[日号號일]|\.(?![0-9]))?"
    # 昭和23年5月2日: a Japanese era year, as Japanese forms and records write a birth date.
    rf"|(?:明治|大正|昭和|平成|令和)[ \t]?(?:[0-9]{{1,2}}|元)年[ \t]?{_MONTH}月[ \t]?{_DAY}日"
    rf"|{_DAY}[-/.]{_MONTH}[-/.](?:19|20)?[0-9]{{2}}"
    rf"|{_MONTH}[-/.]{_DAY}[-/.](?:19|20)?[0-9]{{2}}"
    rf"|{_MONTHS}[ \t]+{_DAY}(?:st|nd|rd|th)?,?[ \t]+{_NAMED_YEAR}"
    # 14 March 1987, the 3rd of June, 1966, 23. Juni 1971, 8 de agosto de 1988, 7 Jan 01.
    rf"|{_DAY}{_ORDINAL}[ \t]*(?:(?:of|de)[ \t]+)?{_MONTHS},?[ \t]+(?:de[ \t]+|del[ \t]+)?"
    rf"{_NAMED_YEAR}{_YEAR_WORD}"
    # 14-Mar-1987, 14/Mar/87: a month's name between separators, as forms and banks write it.
    rf"|{_DAY}[-/]{_MONTHS}[-/](?:19|20)?[0-9]{{2}}"
    r"|(?:19|20)[0-9]{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])"
    # The month and year only (1988年10月, June 1966, agosto de 1988, 10/1988): a birth date
    # as a CV or a form asking for "Geburtsmonat" gives it.
    rf"|{_YEAR}(?:年|년)[ \t]?{_MONTH}(?:月|월)"
    rf"|{_MONTHS},?[ \t]+(?:de[ \t]+|del[ \t]+)?{_YEAR}{_YEAR_WORD}"
    rf"|{_MONTH}[/.]{_YEAR}|{_YEAR}[./]{_MONTH}(?![0-9]|[./][0-9]))"
)
#: Letters a cue word must not run on into (Latin with accents, Cyrillic).
_NO_LETTER = r"(?![A-Za-zÀ-ÖØ-öø-ɏЀ-ӿ])"
_DOB_CUE = (r"(?:(?<![A-Za-z])d\.?\s?o\.?\s?b\.?|date\s+of\s+birth|birth\s*-?\s*date|"
            r"birth\s*-?\s*day|b-?day|b['’]day|born(?:\s+on)?|birth(?=\s*[:=])|"
            # The same cue in the languages of the people who write to us: Geburtsdatum: …,
            # geb. 23.06.1971, fecha de nacimiento, F. nac., née le, Né(e) le, data di
            # nascita, nato/a il, geboortedatum, ur., Дата рождения, 生年月日, 생년월일 …
            r"geburts(?:datum|tag|jahr|monat(?:\s+und\s+-jahr)?)|geburt(?=\s*[:=])|\(\s*\*|"
            r"geboren|(?<![A-Za-z])geb\.(?:\s*-?\s*datum)?|"
            r"fecha\s+(?:de\s+)?nac(?:imiento|\.|(?=\s*:))|(?<![A-Za-z])f\.\s?nac\.|nacimiento|"
            r"nac(?:id[oa]s?(?:/[ao])?|í|iste|ió)|"
            r"date\s+de\s+naissance|naissance(?=\s*[:=])|né(?:e|\(e\))?\s+(?:le|en)|"
            r"data\s+(?:di\s+)?nascita|nacqu[ei]|(?-i:[Nn]at[oa](?:/[ao])?)(?=[ \t:])|"
            r"data\s+de\s+nascimento|nascimento|(?<![A-Za-z])dt\.\s?nasc\.|"
            r"nasc(?:id[oa]|i)\s+em|nasceu\s+em|"
            r"geboortedatum|geboren\s+op|(?<![A-Za-z])geb\.\s*datum|"
            r"f[öo]delsedatum|f[øo]dselsdato|data\s+urodzenia|data\s+ur\.|(?<![A-Za-z])ur\.|"
            r"urodzon[ya]|urodzi[łl](?:a|am|em|aś|eś)?(?:\s+si[ęe])?|"
            r"do[ğg]um\s+tarih(?:i|im|iniz|in)?|"
            r"datum\s+narozen[íi]|narozen[aá]?|"
            r"дата\s+рожд(?:ения|\.)|родил(?:ся|ась|ись)|"
            r"生年月日|생년월일|생일|출생(?:일)?|"
            # … and ngày sinh (vi), tanggal/tarikh lahir (id, ms), petsa ng kapanganakan (tl),
            # tarehe ya kuzaliwa (sw), जन्म तिथि (hi), تاريخ الميلاد (ar), ημερομηνία γέννησης
            # (el), วันเกิด (th), תאריך לידה (he), född/født (sv, da, no), syntymäaika (fi),
            # születési idő (hu), data nașterii (ro).
            # (not "phát sinh ngày": arisen on; not "lahir pada": figurative "born on")
            r"ng[àa]y\s+sinh|(?<![^\W\d_])(?<!ph[áa]t\s)(?<!h[ọo]c\s)sinh\s+ng[àa]y|"
            r"(?:tanggal|tgl\.?|tarikh)\s+lahir|lahir\s+(?:tanggal|tarikh)|"
            r"petsa\s+ng\s+kapanganakan|kaarawan|ipinanganak(?:\s+noong)?|"
            r"tarehe\s+ya\s+kuzaliwa|alizaliwa|janm\s+tithi|"
            r"जन्म\s*(?:तिथि|दिनांक|की\s+तारीख)|"
            r"تاريخ\s+(?:الميلاد|الولادة)|مواليد|"
            r"ημερομηνία\s+γέννησης|ημ\.?\s*γέννησης|γεννήθηκε|"
            r"วันเกิด|เกิดวันที่|תאריך\s+(?:ה)?לידה|נולד(?:ה)?|"
            r"f[öø]dd|født|syntym[äa]aika|syntynyt|sz[üu]let[ée]si\s+(?:id[őo]|d[áa]tum)|"
            r"data\s+na[șs]terii|n[ăa]scut(?:[ăa])?|"
            r"(?:(?<=\()|(?<=,)|(?<=,[ \t]))b\.|"
            r"出生(?:日期|年月日|于|於)?|生日|出生年月)")
#: Between a birth cue and its date: a colon, quotes ("dob": "…"), "is", "on the", a format
#: hint ("(dd/mm/yyyy)"), a place ("born in Lyon on", "nata a Torino il"): up to three such
#: words, no others ("the dob field was added on 2024-05-01", "the birthday card by 12/05"
#: name no birth date).
_DOB_GAP = (r"(?:[\s:：=,;\-–—\"“”'‘?？]*(?:(?-i:[A-Z])[^\s\d.!?:：=,;\-–—\"“”]*+|"
            r"\([^)\d\n]{1,16}\)|"
            r"(?:is|was|on|the|of|in|at|to|'s|’s|home|around|circa|ca|exactly|as(?![ \t]+of)|"
            r"please|pls|sir|madam|ma['’]am|"
            r"am|im|op|te|il|el|le|em|en|à|a|w|we|в|[是为為])"
            r"(?![^\s\d.!?:：=,;\-–—\"“”]))){0,3}?[\s:：=,;\-–—.\"“”'‘?？]*")
#: After a date, a word that says it is a birth date: "am 3.4.1980 (in Bremen) geboren",
#: "1988年8月8日生まれ", "1988年8月8日出生", "1988년 8월 8일생", "8.8.1988 doğumlu",
#: "08.08.1988 года рождения".
_DOB_AFTER = (r"(?:[ \t]*(?:生まれ|生れ|出生|生(?=[\s）)、,，。]|$)"
              r"|출생|생(?![가-힣])|에[ \t]*태어)"
              r"|(?:[ \t]+(?:in|im|te|zu)[ \t]+(?-i:[A-Z])[^\W\d_]*)?[ \t]+geboren(?![^\W\d_])"
              r"|[ \t]+(?:tarihinde[ \t]+)?do[ğg](?:du|dum|dun|umlu|muş)(?![^\W\d_])"
              r"|[ \t]*(?:г(?:ода|\.)[ \t]*)?рождения|[ \t]*г\.[ \t]*р\.)")
#: A bare year is a birth date only in a birth frame: right after "born", "b." in brackets or
#: after a comma, as biographies write it ("Anna Smith (b. 1962)", "Smith, b. 1962", "born
#: 1951 in Cork"; not "section b. 2019"), the same words in other languages ("Geboren: 1977"),
#: or a year-of-birth field. Not after a preposition: "born in 1985" stays a year.
_YEAR_CUE = (r"(?:(?<![A-Za-z])born|(?:(?<=\()|(?<=,)|(?<=,[ \t]))b\.|year\s+of\s+birth|"
             r"birth\s*-?\s*year|"
             r"(?<![A-Za-z])yob|geburtsjahr|jahrgang|année\s+de\s+naissance|geboren|né(?:e|\(e\))?|"
             r"nacid[oa]|nascid[oa]|urodzon[ya]|"
             r"año\s+de\s+nacimiento|anno\s+di\s+nascita|ano\s+de\s+nascimento|geboortejaar|"
             r"rok\s+urodzenia|doğum\s+yılı|год\s+рождения|出生年份)")
def _after_a_name(text: str, cue: int) -> bool:
    """"b." stands for born only after someone's name: "Ada Lovelace (b. 1815)", not
    "Products (b. 2019)" or "Section 4, b. 2019": the word before the bracket or comma is a
    listed given name (or one of the two before it), or a common surname."""
    before = re.search(r"((?:[^\W\d_][^\W\d_'’.-]*[ \t]+){0,2}[^\W\d_][^\W\d_'’-]*)"
                       r"[ \t]*[(,][ \t]*$", text[max(0, cue - 96):cue])
    if before is None:
        return False
    firsts, _lasts = gazetteer()
    words = [w for w in before.group(1).split() if w[0].isupper()]
    last_rank = surname_ranks().get(words[-1].upper()) if words else None
    return any(w.upper() in firsts for w in words) or (
        last_rank is not None and last_rank <= COMMON_SURNAMES)


#: A life span after a name, in an obituary or a biography: "RIP Uncle Bartek, 1951-2024",
#: "Anna Kowalska (1951-2024)": two capitalised words, then the span after a comma or in
#: brackets. The first year is the birth year. Outside an obituary one of the words must be
#: a known first name ("Annual Revenue, 1990-2020" is none) and the span at least 10 years
#: ("Growth Strategy (2019-2024)"); none runs backwards.
_LIFESPAN = re.compile(
    r"(?<![^\W\d_])(?P<a>[A-ZÀ-ÖØ-Þ][^\W\d_]*)"
    r"(?:[ \t]+(?:de|du|da|di|del|dos|das|van|von|der|den|la|le|y))*"
    r"[ \t]+(?P<b>[A-Z][^\W\d_]+)(?:[-'’][A-Z][^\W\d_]+)?(?:,[ \t]*|[ \t]*\([ \t]*(?:\*[ \t]*)?)"
    r"(?:(?P<role>(?:[a-z][^\W\d_]*[ \t]+){0,3}[a-z][^\W\d_]*),[ \t]*)?"
    rf"(?P<v>{_YEAR})[ \t]*(?:[–—\-]|†)[ \t]*(?P<d>{_YEAR})(?![0-9])")
#: The same in Chinese or Japanese, in full-width brackets after a name and its title:
#: "沉痛悼念郭秀兰女士" and the years in full-width brackets.
_CJK_LIFESPAN = re.compile(
    r"(?<=[\u4e00-\u9fff])[（(][ \t]*"
    rf"(?P<v>{_YEAR}年?)[ \t]*[–—\-－~～至][ \t]*(?P<d>{_YEAR})年?[ \t]*[）)]")


#: An obituary's opening words: after them a short life span is a life too ("In loving memory
#: of Tom Hale (2009-2016)").
_MOURNING = re.compile(r"(?i)(?<![A-Za-z])(?:rip|r\.i\.p|in\s+(?:loving\s+)?memory|in\s+memoriam|"
                       r"obituary|funeral|nachruf|wir\s+trauern|avis\s+de\s+d[ée]c[èe]s|"
                       r"necrologio|nekrolog|esquela|overlijdensbericht|некролог|"
                       r"passed\s+away|beloved|the\s+late)(?![A-Za-z])|†|悼念|讣告|訃告|逝世|去世|追悼|"
                       r"告别|告別")


#: A date read out in words, as dictation and call transcripts write it (issue 37): "twenty-third
#: of November nineteen seventy-six", "March the fourth, two thousand and one", "fourteen oh
#: three nineteen eighty two" (day, month, year as digits read out).
_UNIT_W = r"(?:one|two|three|four|five|six|seven|eight|nine)"
_TEEN_W = (r"(?:ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|"
           r"nineteen)")
_ORD_W = (r"(?:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|eleventh|"
          r"twelfth|thirteenth|fourteenth|fifteenth|sixteenth|seventeenth|eighteenth|"
          r"nineteenth|twentieth|thirtieth)")
ORDINAL_WORDS = _ORD_W  # (for the strict profile's dates)
_W = r"[ \t-]+"
_SPOKEN_DAY = (rf"(?:(?:the{_W})?(?:(?:twenty|thirty){_W}(?:{_ORD_W}|{_UNIT_W})|{_ORD_W}|"
               rf"{_TEEN_W}|twenty|thirty(?:{_W}one)?|{_UNIT_W}))")
_SPOKEN_YEAR = (rf"(?:nineteen{_W}(?:(?:twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)"
                rf"(?:{_W}{_UNIT_W})?|oh{_W}{_UNIT_W}|{_TEEN_W})|"
                rf"two{_W}thousand(?:{_W}(?:and{_W})?(?:twenty(?:{_W}{_UNIT_W})?|{_TEEN_W}|"
                rf"{_UNIT_W}))?|twenty{_W}(?:oh{_W}{_UNIT_W}|{_TEEN_W}|twenty(?:{_W}{_UNIT_W})?))")
_SPOKEN_MONTH_NO = rf"(?:oh{_W}{_UNIT_W}|ten|eleven|twelve)"
#: A year read out as two digits ("twelve oh three eighty five"): only after a month read as
#: its number, where the three groups read out are a date.
_SPOKEN_YY = (rf"(?:(?:twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)(?:{_W}{_UNIT_W})?"
              rf"|oh{_W}{_UNIT_W}|{_TEEN_W})")
_SPOKEN_DATE = (rf"(?:{_SPOKEN_DAY}(?:{_W}of)?{_W}{_MONTHS},?{_W}(?:{_SPOKEN_YEAR}|{_YEAR})"
                rf"|{_MONTHS}(?:{_W}the)?{_W}{_SPOKEN_DAY},?{_W}(?:{_SPOKEN_YEAR}|{_YEAR})"
                rf"|{_SPOKEN_DAY}{_W}{_SPOKEN_MONTH_NO}{_W}(?:{_SPOKEN_YEAR}|{_SPOKEN_YY}))"
                r"(?![A-Za-z])")
_ANY_DATE = re.compile(rf"(?i)(?<![0-9A-Za-z])(?:{_DATE}(?![0-9])|{_SPOKEN_DATE})")
_DOB_CUE_RE = re.compile(rf"(?i){_DOB_CUE}{_NO_LETTER}")
#: A speaker's turn in a transcript or a chat log: "Caller: …", "User: …".
_TURN = re.compile(r"(?m)^[ \t]*[A-Z][\w .'’\-]{0,24}:[ \t]*(?P<rest>[^\n]{1,120})$")
#: Turns written on one line, as chat exports and notes do: "Agent: your date of birth?
#: Caller: the fourth of May 1988." A label after a sentence's end, its turn up to the next.
_INLINE_TURNS = re.compile(
    r"(?<=[.!?…\"”])[ \t]+[A-Z][\w.'’\-]{0,20}(?:[ \t][A-Z][\w.'’\-]{0,20})?:[ \t]*"
    r"(?P<rest>[^\n]{1,120}?)(?=[ \t]+[A-Z][\w.'’\-]{0,20}(?:[ \t][A-Z][\w.'’\-]{0,20})?:[ \t]|$)",
    re.MULTILINE)
_ORDINAL_ARTICLE = re.compile(r"(?i)(?<![A-Za-z])the[ \t]+\Z")
_ORDINAL_DAY = re.compile(rf"(?i)[0-9]{{1,2}}(?:st|nd|rd|th)(?![A-Za-z])|{_ORD_W}")
_WHEN = re.compile(r"(?i)(?<![A-Za-z])when(?![A-Za-z])")
#: What may open an answer before its date: hesitation, "it's", "born on", and the false
#: start of a date read out ("twenty-third of, er, twenty-third of November …"); nothing
#: else ("not sure, ask HR. Ticket opened Jul 10" answers no birth-date question).
_ANSWER_OPENING = re.compile(
    rf"(?i)(?:(?:er|erm|um+|uh+m?|ah|oh|so|well|yes|yeah|yep|sure|ok(?:ay)?|right|"
    rf"it['’]?s|it\s+is|that['’]?s|that\s+is|mine(?:['’]s|\s+is)?|"
    rf"(?:i\s+was\s+)?born(?:\s+on)?|on|the|of|and|twenty|thirty|{_ORD_W}|{_TEEN_W}|{_UNIT_W}|"
    rf"[0-9]{{1,2}}(?:st|nd|rd|th)?)(?![A-Za-z])[\s,.…\-]*)*")


class DateOfBirthRecognizer(RegexRecognizer):
    ENTITY = "DATE_OF_BIRTH"
    REGEX = re.compile(rf"(?i){_DOB_CUE}{_NO_LETTER}{_DOB_GAP}(?<![0-9])(?P<v>{_DATE})"
                       r"(?![0-9])")
    #: A date with its birth word after it ("am 3.4.1980 geboren", "1988年8月8日生まれ").
    DATE_FIRST = re.compile(rf"(?i)(?<![0-9])(?P<v>{_DATE})(?![0-9]){_DOB_AFTER}")
    #: Text in which every birth word of :data:`_DOB_AFTER` can be found: the date pattern,
    #: tried at every character, took 0.3 ms of a short record that holds none.
    DATE_FIRST_HINT = re.compile(r"(?i)生|생|태어|geboren|do[ğg](?:du|um|mu)|рождения|г\.[ \t]*р\.")
    #: A bare year in a birth frame; not one a month or day follows ("born 1951", not
    #: "born 1951/52 season").
    YEAR = re.compile(rf"(?i){_YEAR_CUE}{_NO_LETTER}[ \t]*[:=]?[ \t]*(?P<v>{_YEAR})"
                      r"(?![0-9]|[./\-][0-9])")
    #: A date read out in words after the cue ("dob is fourteen oh three nineteen eighty two").
    SPOKEN = re.compile(rf"(?i){_DOB_CUE}{_NO_LETTER}{_DOB_GAP}(?P<v>{_SPOKEN_DATE})")
    #: Digits a scan spaced out ("D.O.B: 0 7/0 9/1 9 5 2"): a date once the spaces go.
    SPACED = re.compile(rf"(?i){_DOB_CUE}{_NO_LETTER}{_DOB_GAP}(?<![0-9])"
                        r"(?P<v>[0-9](?:[ ]?[0-9/.\-])*(?<=[0-9]))(?![0-9])")
    SCORE = 0.85

    def accept(self, match: re.Match[str], cued: bool) -> tuple[float, str] | None:
        return self.SCORE, "date after a birth cue"

    @staticmethod
    def answered(text: str) -> list[tuple[tuple[int, int], str]]:
        """A date that answers a question about the birth date a turn or two before, in a
        call transcript or a chat log: "Agent: Date of birth?\nCaller: er, 17th March 1999".
        Not across a turn that asks when something else happened."""
        found = []
        turns = sorted([*_TURN.finditer(text), *_INLINE_TURNS.finditer(text)],
                       key=lambda t: t.start("rest"))
        for i, turn in enumerate(turns):
            before = [t for t in turns[max(0, i - 2):i] if t.end() >= turn.start() - 200]
            for prior in reversed(before):
                if _DOB_CUE_RE.search(prior.group("rest")) is None:
                    if _WHEN.search(prior.group("rest")) or _ANY_DATE.search(
                            prior.group("rest")):
                        break
                    continue
                date = _ANY_DATE.search(text, turn.start("rest"), turn.end("rest"))
                if date is not None and _ANSWER_OPENING.fullmatch(
                        text, turn.start("rest"), date.start()) is not None \
                        and _DOB_CUE_RE.search(turn.group("rest")) is None:
                    found.append((date.span(), "date answering a birth-date question"))
                break
        return found

    def analyze(self, text: str, entities: list[str],
                nlp_artifacts: NlpArtifacts | None = None) -> list[RecognizerResult]:
        if self.ENTITY not in entities:
            return []
        # REGEX, SPOKEN, SPACED and answered() each need a birth cue: one search for it (0.2
        # ms on a few lines) spares the other four on the texts that hold none.
        cued = _DOB_CUE_RE.search(text) is not None
        out = super().analyze(text, entities, nlp_artifacts) if cued else []
        found = [(m.span("v"), "date before a birth word")
                 for m in self.DATE_FIRST.finditer(text)] \
            if self.DATE_FIRST_HINT.search(text) else []
        found += [(m.span("v"), "year after a birth cue") for m in self.YEAR.finditer(text)
                  if m.group(0)[:2].lower() != "b." or _after_a_name(text, m.start())]
        if cued:
            found += [(m.span("v"), "date in words after a birth cue")
                      for m in self.SPOKEN.finditer(text)]
            found += [(m.span("v"), "spaced-out date after a birth cue")
                      for m in self.SPACED.finditer(text) if " " in m.group("v")
                      and re.fullmatch(rf"(?i){_DATE}", m.group("v").replace(" ", ""))]
            found += self.answered(text)
        for m in _LIFESPAN.finditer(text):
            years = int(m.group("d")) - int(m.group("v"))
            # A few words between the name and the span ("Rosa Bianchi, beloved nonna,
            # 1938-2026") only in an obituary, whose words may follow the span too.
            mourned = _MOURNING.search(text, max(0, m.start() - 60), m.start()) is not None \
                or (m.group("role") is not None
                    and _MOURNING.search(text, m.start(), min(len(text), m.end() + 60)))
            if m.group("role") is not None and not mourned:
                continue
            if mourned:
                lived = 1 <= years <= 115
            else:
                firsts = gazetteer()[0]
                lived = 10 <= years <= 115 and (m.group("a").upper() in firsts
                                                or m.group("b").upper() in firsts)
            if lived:
                found.append((m.span("v"), "birth year of a life span"))
        for m in _CJK_LIFESPAN.finditer(text):
            years = int(m.group("d")) - int(m.group("v")[:4])
            if 1 <= years <= 115 and _MOURNING.search(
                    text, max(0, m.start() - 30), min(len(text), m.end() + 30)):
                found.append((m.span("v"), "birth year of a life span"))
        out += [make_result(self, self.ENTITY, s, e, self.SCORE, why, cued=True)
                for (s, e), why in found]
        for r in out:
            # "the 3rd of February 1991": the article belongs to a day said as an ordinal.
            article = _ORDINAL_ARTICLE.search(text, max(0, r.start - 8), r.start)
            if article is not None and _ORDINAL_DAY.match(text, r.start):
                r.start = article.start()
        return out


# ---- Payment cards in other IIN ranges --------------------------------------------------------

_CARD_CUES = re.compile(r"(?i)card|\bPAN\b|CC\s*#|visa|master\s*card|maestro|amex|"
                        r"american\s+express|diners|discover|JCB|union\s*pay|rupay|\bmir\b|"
                        r"卡号|卡號|银行卡|銀行卡|信用卡|储蓄卡|借记卡|借記卡|贷记卡|银联|銀聯")
#: Verbs of paying: they make a Luhn-valid number a card ("Could you charge 676355642155?"),
#: but not one a reference cue names ("charge it to order 676355642155").
_PAYMENT_CUES = re.compile(r"(?i)\b(?:charge|debit|pa(?:y|id)\s+with|pay\s+by)\b")
_CARD_SEP = r"(?:[ ]{1,6}|[ ]{0,2}[\-–][ ]{0,2}|[ ]{0,2}[\-–]?[ ]*\r?\n[ ]*)"


class PaymentCardRecognizer(RegexRecognizer):
    """Card numbers of 12-19 digits with the Luhn check, in card groups or after a cue."""

    ENTITY = "CREDIT_CARD"
    REGEX = re.compile(rf"(?<![0-9])(?P<v>[0-9]{{2,6}}(?:{_CARD_SEP}[0-9]{{1,6}}){{1,5}}|"
                       rf"[0-9]{{12,19}})(?![0-9])(?!{_CARD_SEP}[0-9])")
    CUES = _CARD_CUES
    SCORE = 0.8
    #: A question names the card a line before its answer: "Which card would you like to
    #: use?\nCustomer: 630428740868".
    WINDOW = 48

    def accept(self, match: re.Match[str], cued: bool) -> tuple[float, str] | None:
        value = match.group("v")
        digits = re.sub(r"[^0-9]", "", value)
        if not 12 <= len(digits) <= 19 or not one_separator(value):
            return None
        grouped = card_grouping(value)
        if not cued and len(digits) < 16 and within_lookalike(
                match.string, *match.span("v"), lookalike_spans(match.string)):
            return None  # 交易号 6876-0090-2716: a Luhn digit holds for one number in ten
        cued = cued or cue_before(_PAYMENT_CUES, match.string, match.start("v"), window=24)
        if luhn_valid(digits) and (grouped or cued):
            if cued:
                return 1.0, "Luhn valid, cue word"
            return self.SCORE, "Luhn valid, card groups"
        if cued and grouped:
            return CUED_NEAR_MISS_SCORE, "Luhn failed, card groups, cue word"
        return None

    def analyze(self, text: str, entities: list[str],
                nlp_artifacts: NlpArtifacts | None = None) -> list[RecognizerResult]:
        out = super().analyze(text, entities, nlp_artifacts)
        if self.ENTITY not in entities:
            return out
        for m in SPOKEN_DIGITS.finditer(text):
            # A card number read out digit by digit after a card cue, as a call transcript or
            # a dictation writes it ("card number four five three two zero one …").
            digits = spoken_digits(m.group(0))
            if m.group("plus") or not 13 <= len(digits) <= 19 \
                    or not cue_before(self.CUES, text, m.start(), self.WINDOW):
                continue
            score, why = (1.0, "read out, Luhn valid, cue word") if luhn_valid(digits) else (
                CUED_NEAR_MISS_SCORE, "read out, Luhn failed, cue word")
            out.append(make_result(self, self.ENTITY, m.start(), m.end(), score, why,
                                   cued=True))
        return out


# ---- IPv4 glued to CJK text ----------------------------------------------------------------

_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])"


class CjkIpv4Recognizer(RegexRecognizer):
    """IPv4 addresses with no word boundary before or after them (CJK letters are word
    characters to ``\\b``), and not after a version cue (版本 2.14.3.1)."""

    ENTITY = "IP_ADDRESS"
    REGEX = re.compile(rf"(?<![0-9A-Za-z.])(?P<v>{_OCTET}(?:\.{_OCTET}){{3}})"
                       rf"(?![0-9A-Za-z]|\.[0-9])")
    CUES = re.compile(r"(?i)\bv(?:er(?:sion)?)?\.?\s*$|版本|build")
    SCORE = 0.6

    def accept(self, match: re.Match[str], cued: bool) -> tuple[float, str] | None:
        if cue_before(self.CUES, match.string, match.start(), window=12):
            return None
        return self.SCORE, "IPv4 address"


# ---- e-mail addresses -------------------------------------------------------------------------

#: Top-level names no public registry sells, which sites use for their own mail: RFC 2606 and
#: RFC 6761 reserved names, and the usual private ones (corp, internal, lan: RFC 6762 names
#: them; ICANN reserved .internal in 2024). An appliance on a site's network sees these.
PRIVATE_TLDS = frozenset({"example", "test", "invalid", "localhost", "local", "internal",
                          "intranet", "corp", "lan", "home", "private", "localdomain", "arpa"})


@functools.cache
def known_tlds() -> frozenset[str]:
    """Every top-level label in the public suffix list that tldextract bundles (read once,
    offline), and :data:`PRIVATE_TLDS`."""
    import tldextract  # noqa: PLC0415

    text = (Path(tldextract.__file__).parent / ".tld_set_snapshot").read_text(encoding="utf-8")
    tlds = {line.strip().rsplit(".", 1)[-1].lower() for line in text.splitlines()
            if line.strip() and not line.startswith("//")}
    return frozenset(tlds | PRIVATE_TLDS)


_LOCAL = "A-Za-z0-9_%+\\-\u00c0-\u024f"
_LABEL = "A-Za-z0-9\u00c0-\u024f\u0400-\u04ff"


class EmailAddressRecognizer(RegexRecognizer):
    """E-mail addresses, in place of Presidio's recognizer, which loses two common kinds:

    - an address inside a longer token (``?email=ana@x.org`` in a logged URL, ``user=ana@x.org``
      in a log line): its pattern lets ``/ ? =`` into the local part, so the match starts at
      the URL's path, and the public suffix check then rejects the whole;
    - an address whose domain the public suffix list holds as a suffix (``*.sch.uk``:
      ``head@oakwood.sch.uk``) or under a private top-level name (``.internal``, ``.corp``,
      ``.example``) that mail inside a site uses.

    The local part is dot-separated runs of letters, digits and ``_ % + - '`` (no leading,
    trailing or doubled dot); the domain is dot-separated labels ending in a top-level name
    that :func:`known_tlds` lists, so ``icon@2x.png`` and ``pkg@1.2.3`` are not addresses."""

    ENTITY = "EMAIL_ADDRESS"
    # Separators are required between runs, so each character has one reading: linear time.
    # Latin letters only (and Cyrillic in the domain): an address glued to Chinese text
    # (邮箱wang.lei@163.com谢谢) ends where the Chinese begins.
    REGEX = re.compile(
        rf"(?<![{_LOCAL}.])(?P<v>[{_LOCAL}]+(?:['.][{_LOCAL}]+)*"
        rf"@(?:[{_LABEL}][{_LABEL}-]*\.)+(?P<tld>[A-Za-z]{{2,63}}|xn--[A-Za-z0-9-]+))"
        rf"(?![{_LABEL}-]|\.[{_LABEL}])")
    SCORE = 1.0

    def load(self) -> None:
        known_tlds()  # read the suffix list when the analyzer is built, not on a request

    def accept(self, match: re.Match[str], cued: bool) -> tuple[float, str] | None:
        if match["tld"].lower() not in known_tlds():
            return None
        return self.SCORE, "e-mail address"


# ---- IBAN after its cue --------------------------------------------------------------------------

_IBAN_LETTERS = {c: str(int(c, 36)) for c in "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"}


def iban_valid(value: str) -> bool:
    s = re.sub(r"\s", "", value).upper()
    if not re.fullmatch(r"[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}", s):
        return False
    return int("".join(_IBAN_LETTERS[c] for c in s[4:] + s[:4])) % 97 == 1


#: An IBAN in groups set apart by one kind of dot, dash, slash or underscore
#: (NL92.NVQY.2730.8428.23, DE89-3704-0044-0532-0130-00).
_GROUPED_IBAN = re.compile(
    r"(?<![A-Za-z0-9])(?P<v>[A-Z]{2}[0-9]{2}(?P<sep>[.\-/_])[A-Z0-9]{4}"
    r"(?:(?P=sep)[A-Z0-9]{4}){1,6}(?:(?P=sep)[A-Z0-9]{1,3})?)(?![A-Za-z0-9])")


class CuedIbanRecognizer(RegexRecognizer):
    """IBANs glued to "IBAN" or CJK text, or wrapped; after "IBAN", a check failure too."""

    ENTITY = "IBAN_CODE"
    REGEX = re.compile(r"(?:(?<=IBAN)|(?<=IBAN[:：])|(?<![A-Za-z0-9]))"
                       r"(?P<v>[A-Z]{2}[0-9]{2}(?:[ ]{0,3}\r?\n?[ ]{0,3}[A-Z0-9]){11,34})"
                       r"(?![A-Za-z0-9])")
    CUES = re.compile(r"(?i)IBAN|国际银行账号|國際銀行帳號")
    SCORE = 0.85

    def analyze(self, text: str, entities: list[str],
                nlp_artifacts: NlpArtifacts | None = None) -> list[RecognizerResult]:
        if self.ENTITY not in entities:
            return []
        out = []
        for m in self.REGEX.finditer(text):
            start = m.start("v")
            tokens = re.split(r"(?<=[A-Z0-9])(?=[ \r\n])", m.group("v"))
            # The longest run of its space-separated groups that is valid ("… 00 BIC COBA").
            ends = [start + sum(len(t) for t in tokens[:k]) for k in range(len(tokens), 0, -1)]
            end = next((e for e in ends if iban_valid(text[start:e])), None)
            if end is not None:
                out.append(make_result(self, self.ENTITY, start, end, self.SCORE, "mod-97 valid"))
            elif cue_before(self.CUES, text, start, window=12):
                # Drop trailing groups that are words ("… 38 THANKS").
                words = [e for e, t in zip(ends, tokens[::-1], strict=True)
                         if not t.strip().isalpha()]
                out.append(make_result(self, self.ENTITY, start, words[0] if words else m.end(),
                                       CUED_NEAR_MISS_SCORE, "mod-97 failed, cue word", True))
        for m in _GROUPED_IBAN.finditer(text):
            value = re.sub(r"[.\-/_]", "", m.group("v"))
            if iban_valid(value):
                out.append(make_result(self, self.ENTITY, *m.span("v"), self.SCORE,
                                       "mod-97 valid, grouped"))
            elif cue_before(self.CUES, text, m.start("v"), window=12):
                out.append(make_result(self, self.ENTITY, *m.span("v"), CUED_NEAR_MISS_SCORE,
                                       "mod-97 failed, grouped, cue word", True))
        return out


def id_recognizers(language: str = "en") -> list[EntityRecognizer]:
    return [HkIdRecognizer(language), MoIdRecognizer(language), TwIdRecognizer(language),
            CnPassportRecognizer(language), CnTravelPermitRecognizer(language),
            CnServiceIdRecognizer(language), DateOfBirthRecognizer(language),
            PaymentCardRecognizer(language), CjkIpv4Recognizer(language),
            CuedIbanRecognizer(language), EmailAddressRecognizer(language)]
