"""Phone numbers, scanned once per candidate instead of once per region over the whole text.

Presidio's ``PhoneRecognizer`` runs ``phonenumbers.PhoneNumberMatcher`` over the whole text once
for every supported region; with seven regions that was the largest single cost of masking a
prompt. Here one regex finds the few runs of digits and separators that could hold a number,
and the same matcher, with the same VALID leniency Presidio uses, runs only on each run (with a
little text either side, which the matcher looks at to reject numbers glued to letters). The
findings are the ones Presidio's recognizer reports; the cost no longer grows with text length
times regions.

Numbers from regions outside ``phone_regions`` are found by how they are written rather than by
each region's plan: digit groups set apart as people write phone numbers (``04.94.38.88.56``,
``21 27 70 20``, ``702/825-5090``, ``864-4358``, ``081234 63635``), an extension kept with its
number (``650-752-7354x549``, ``… ext. 12``), and a contiguous national number with a trunk
prefix (``02448638754``) that is valid in a country that writes one. Groupings other numbers
use (thousands ``1 402 112 000``, dates, year ranges, ZIP+4, decimals, versions) are not phone
forms; other contiguous digit runs still need a cue word (an order number looks the same).
A cue that names the number right before it ("my new number is 880 061 432", "M: 3341388805")
or after it ("… is my number"), a signature's contact line and a table's phone column make any
7 to 15 digits a phone number, whatever plan they follow.
"""

from __future__ import annotations

import re
from functools import lru_cache

import phonenumbers
from presidio_analyzer import EntityRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

from appliance.privacy.recognizer_base import cue_before, make_result
from appliance.privacy.recognizers_zh import card_grouping, luhn_valid, resident_id_valid

_CANDIDATE = re.compile(
    r"(?<![0-9+])(?:\+|00)?\(?[0-9][0-9 ()./\-]{5,24}[0-9]\)?"
    # An extension stays with its number: 650-752-7354x549, … ext. 12, 010-6512 3456 转 802.
    r"(?P<ext>[ ]?(?i:x|ext\.?|extension)[ ]?[0-9]{1,6}(?![0-9A-Za-z])"
    r"|[ ]?(?:分机|转|轉)[ ]?[0-9]{1,6})?")
_MARGIN = 3
#: An internal extension alone after its cue, no number before it: "(ext. 4417)", "extension
#: 22", "分机8023", "Durchwahl 12" (a bare "x10" is as often a count). Not a year ("contract
#: extension 2025", "内线2024年") nor a count ("分机 25台", "extension 3000 rpm").
_EXTENSION = re.compile(
    r"(?:(?i:(?<![^\W\d_])(?:(?P<latin>ext\.?|extn\.?|extension)|durchwahl|wewn\.?))"
    r"[ \t]*(?:[:#.][ \t]*)?|(?:分机|分機|内线|內線)[ \t]*(?:[:：][ \t]*)?)"
    r"(?P<v>(?!(?:19|20)[0-9]{2}(?![0-9]))[0-9]{2,6})"
    r"(?![0-9]|[.,][0-9]|[ \t]*(?:[%年台条个号部]|(?i:lines?|chars?|characters|rpm|months?|"
    r"years?|weeks?|days?|hours?|min(?:ute)?s?|times|units?|pcs|[mck]m|kg)(?![A-Za-z])))")
#: What makes a Latin extension cue a telephone's: a bracket before it ("(ext. 4417)"), or a
#: phone cue or a number in the words before it ("Sure, it's 555-0176, extension 22").
_EXTENSION_CONTEXT = re.compile(r"[(\[][ \t]*\Z|[0-9][ \t]*[,;][ \t]*\Z")
_EXTENSION_CUES = re.compile(r"(?i)(?<![A-Za-z])(?:tel|phone|call(?:ing)?|ring|reach|dial|"
                             r"contact|switchboard|desk|reception)(?![A-Za-z])|电话|電話|联系")
_CARD_FORM = re.compile(r"[0-9](?:[ -]?[0-9])+")
# No region's numbers are shorter (phonenumbers' own minimum for a valid number).
_MIN_DIGITS = 7
_VALID = phonenumbers.Leniency.VALID


_PHONE_CUES = re.compile(
    r"(?i)(?<![A-Za-z])(?:tel(?:ephone|efon[oe]?)?|t[ée]l[ée]phone|t[ée]l|phone|mobile?|cell(?:phone)?|"
    r"call(?:ed)?|fax|whats\s?app|wechat|handy|"
    r"contact|reach|ring|text|sms|dial(?:led)?|hotline|extension|ext|mob|ph)(?![A-Za-z])|"
    r"电话|電話|手机|手機|座机|固话|联系|聯繫|联络|传真|致电|拨打|热线|号码|號碼|微信|"
    # The same in the other languages people write here: call / reach / mobile verbs and
    # nouns (Rufen Sie … an, Sie erreichen mich unter, appelez-nous au, llámenos al, chiamaci
    # al, bel ons op, zadzwoń pod; Handy, portable, móvil, cellulare, mobiel, komórka).
    r"(?i:(?<![^\W\d_])(?:anrufen|ruf(?:en)?|erreichen|erreichbar|rufnummer|mobil(?:nummer)?|"
    r"festnetz|appel(?:ez|er|le)(?:-(?:nous|moi))?|joindre|portable|llam(?:e|a|ar|en)(?:nos|me)?|"
    r"ll[aá]m(?:enos|ame|anos)|m[oó]vil|celular|chiam(?:a|are|i|ate)(?:ci|mi)?|cellulare|"
    r"contatt(?:aci|ami|are)|bel(?:len)?|mobiel|telefoon(?:nummer)?|zadzwo[nń]|dzwo[nń]|"
    r"kom[oó]rk[aię]|tel[eé]fono|telefon(?:u|em)?)(?![^\W\d_]))|"
    r"携[帯带]|[連联]絡先|전화|연락처|휴대폰|핸드폰|문의")
#: Cues that name the number right after them (see :func:`named_by_cue`) but say too little
#: a few words away: a signature's or a form's line labels ("Office: …", "Direct: …",
#: "M: …", "T. …") and "my new number is …", "their number:", "best contact no. …".
_NAMING_CUES = re.compile(
    r"(?i)(?<![A-Za-z])(?:(?:office|direct(?:\s+(?:line|dial))?|home|work)(?=[ \t]*[:(])|"
    r"landline|switchboard|call-?back|"
    r"(?:my|your|his|her|their|our|new|old|home|work|best|right|correct|private|personal)"
    r"(?:\s+(?:new|home|work|private|personal))?\s+(?:number|no\.|nr\.?|#))(?![A-Za-z])|"
    # "Meine Nummer", "mon numéro", "mi número", "il mio numero", "mijn nummer", "mój numer"
    r"(?i:(?<![^\W\d_])(?:meine?|unsere?|mon|notre|mi|nuestro|il\s+mio|il\s+nostro|mijn|ons|"
    r"m[oó]j|nasz)\s+(?:nummer|num[ée]ro|n[uú]mero|numero|numer)(?![^\W\d_]))|"
    r"(?<![^\n])[ \t]*[TMPFOHWD](?=[ \t]*[.:])")
#: What may stand between a cue and the number it names: a colon, a bracket, a line break
#: (``Phone:\n0612…``) and a few short words ("is", "me back at", "on my mobile"), nothing
#: else ("My number one tip: save 9 860 107 255" names no phone).
_CUE_GAP = re.compile(
    r"(?i)(?:[ \t]*(?:(?:is|was|are|'s|’s|me|us|him|her|them|at|on|to|back|now|here|anytime|"
    r"directly|instead|please|only|also|still|my|your|the|number|no|nr|mobile|cell|home|work|"
    r"office|private|direct)(?![A-Za-z])|"
    # "Chiamaci al", "appelez-nous au", "Sie erreichen mich unter", "zadzwoń pod", "bel ons op"
    r"(?:sie|uns|mich|ihn|unter|am|auf|nous|moi|au|sous|nos|me|al|en|ci|mi|ons|mij|op|pod|"
    r"na|numer|nummer|num[ée]ro|n[uú]mero|numero)(?![^\W\d_])|"
    # whom to call, then "on" or "at": "call back mrs lindqvist on oh seven nine …"
    r"[^\W\d_][\w'’\-]*(?=(?:[ \t]+[^\W\d_][\w'’\-]*){0,2}[ \t]+(?:on|at)(?![A-Za-z]))|"
    r"[:#=(),\-–\"'“”]|\.(?![ \t]*[A-Z])))*+"
    r"[ \t]*(?:\r?\n[ \t]*)?")
#: Words after a number that say it is a phone number: "… is my number", "… as her mobile",
#: "Is … the right number?"
_CUE_AFTER = re.compile(
    r"(?i)[ \t,]*(?:(?:is|as|was|being)\s+)?(?:my|his|her|their|our|your|the\s+(?:right|best|"
    r"correct|new|old))\s+(?:new\s+|old\s+|home\s+|work\s+)?(?:phone\s+)?(?:number|phone|mobile|"
    r"cell|landline)(?![A-Za-z])")
#: A number of the form +CC …, or (NPA) NXX-XXXX: written as a phone number, whatever its
#: region's numbering plan says about it today.
_PHONE_FORM = re.compile(r"^(?:\+|00)[1-9]|^\(\d{2,5}\)\s?\d")
_SEPARATED = re.compile(r"[0-9][ ()./\-]+[0-9]")
#: Toll-free and national business numbers (400/800 hotlines): published, not personal.
_BUSINESS = re.compile(r"^(?:400|800)[0-9]{7}$")
#: Phone cue words that people glue to the number (Tel0612345678, Telefon912 310 161).
_GLUED_CUE = re.compile(r"(?i)(?<![A-Za-z])(?:tel|t[ée]l|t[ée]l[ée]fono?|telefon|phone|fax|"
                        r"mobile?|cell|ph|handy|tlf|tfn)\.?:?$")
#: Countries whose national numbers begin with a trunk prefix 0 (or, like Italy's landlines,
#: with a 0 of their own): a contiguous 0… number valid in one of them is written as a phone.
_TRUNK_REGIONS = ("IT", "FR", "DE", "GB", "NL", "BE", "AT", "CH", "SE", "FI", "IE", "AU", "NZ",
                  "JP", "KR", "TW", "TH", "VN", "ID", "PH", "MY", "BR", "AR", "TR", "IL", "UA",
                  "RO", "ZA", "EG", "PK")
_GROUP = re.compile(r"[0-9]+")
_YEAR = re.compile(r"(?:1[89]|20)[0-9]{2}")


#: Four or more dot-separated number groups read as a version or build number, not a phone;
#: but groups of two to four digits after a trunk prefix 0 (04.94.38.88.56) are a phone.
#: A version never starts with a country code (+61.432.547.082 is a phone).
VERSION_LIKE = re.compile(r"(?!0[1-9][0-9]{0,3}(?:\.[0-9]{2,4}){3,5}$)[0-9]+(?:\.[0-9]+){3,}")


#: Digits read out one by one, as dictation and call transcripts write them (issue 37): "oh
#: eight seven two …", "plus three five three …", "five four one two, seven five zero zero",
#: "double seven". Only digit words: "twenty", "eighty" make a year or an amount, not a
#: number read digit by digit.
_DIGIT_WORDS = {"zero": "0", "oh": "0", "nought": "0", "one": "1", "two": "2", "three": "3",
                "four": "4", "five": "5", "six": "6", "seven": "7", "eight": "8", "nine": "9"}
_DIGIT_WORD = r"(?:zero|oh|nought|one|two|three|four|five|six|seven|eight|nine)"
_SPOKEN_TOKEN = rf"(?:(?:double|triple)[ \t-]+)?{_DIGIT_WORD}"
SPOKEN_DIGITS = re.compile(
    rf"(?i)(?<![A-Za-z\-])(?P<plus>plus[ \t]+)?{_SPOKEN_TOKEN}"
    rf"(?:(?:[ \t]*,[ \t]*|[ \t]+|-){_SPOKEN_TOKEN})+(?![A-Za-z\-])")


def spoken_digits(words: str) -> str:
    """The digits a run of :data:`SPOKEN_DIGITS` reads out ("double seven" is "77")."""
    out, times = [], 1
    for word in re.findall(r"[A-Za-z]+", words.lower()):
        if word in ("double", "triple"):
            times = 2 if word == "double" else 3
        elif word in _DIGIT_WORDS:
            out.append(_DIGIT_WORDS[word] * times)
            times = 1
    return "".join(out)


def glued(text: str, start: int, end: int) -> bool:
    """Digits joined to letters or by -_/. to something else: part of another identifier
    (letters that are a phone cue word, as in ``Tel0612345678``, do not count)."""
    after = text[end] if end < len(text) else " "
    return glued_before(text, start) or (after.isascii() and (after.isalnum() or after in "-_/"))


def glued_before(text: str, start: int) -> bool:
    """The digits at ``start`` continue a code that starts before them (SF123…, A1 234 …)."""
    before = text[start - 1] if start > 0 else " "
    if _GLUED_CUE.search(text, max(0, start - 12), start) is not None:
        return False
    return before.isascii() and (before.isalnum() or before in "-_/.")


def _date_like(groups: list[str]) -> bool:
    """Three groups that read as a date: 2025 08 16, 16 08 2025, 08/16/2025."""
    if len(groups) != 3:
        return False
    if _YEAR.fullmatch(groups[0]):
        month, day = groups[1], groups[2]
    elif _YEAR.fullmatch(groups[2]):
        month, day = sorted((groups[0], groups[1]), key=lambda g: int(g) > 12)
    else:
        return False
    return len(month) <= 2 and len(day) <= 2 and 1 <= int(month) <= 12 and 1 <= int(day) <= 31


def other_number(run: str) -> bool:
    """``run`` is grouped the way other numbers are: thousands (``1 402 112 000``,
    ``12.345.678``), a date, a range of years, a decimal number, a ZIP+4 code."""
    groups = _GROUP.findall(run)
    if len(groups) < 2 or "(" in run or "/" in run:
        return False
    if len(groups[0]) <= 3 and all(len(g) == 3 for g in groups[1:]) \
            and not groups[0].startswith("0") and "-" not in run:
        return True  # thousands are set apart by spaces, dots or commas, never hyphens
    if _date_like(groups) or (len(groups) == 2 and all(_YEAR.fullmatch(g) for g in groups)):
        return True
    return len(groups) == 2 and ("." in run or (len(groups[0]), len(groups[1])) == (5, 4))


def phone_shape(run: str) -> str | None:
    """Why ``run`` (digits with separators, no extension) is grouped the way phone numbers are
    written, or None when it is not."""
    groups = _GROUP.findall(run)
    digits = sum(len(g) for g in groups)
    if len(groups) < 2 or not 7 <= digits <= 15 or run.count("/") > 1:
        return None
    if any(len(g) < 2 for g in groups[1:]) or other_number(run):
        return None  # 1 2 3 4 5 6 7 is a list
    if "." in run and (set(run.strip("()")) - set("0123456789.") or not (
            groups[0].startswith("0") or [len(g) for g in groups] == [3, 3, 4])):
        return None  # 17.16.291, 6.26.10-181: a version; dotted phones are 0… or 3.3.4
    if "(" in run:
        return "area code in parentheses"
    if "/" in run:
        return "area code / number"
    return "trunk prefix and groups" if groups[0].startswith("0") else "digit groups"


def named_by_cue(text: str, start: int, end: int) -> bool:
    """A phone cue stands right before ``text[start:end]`` (only words such as "is", "me on",
    a colon or a line break between), words right after it call it a phone number, or it
    stands on a line of contact details (:func:`contact_line`)."""
    for regex in (_PHONE_CUES, _NAMING_CUES):
        cues = list(regex.finditer(text, max(0, start - 40), start))
        if cues and _CUE_GAP.fullmatch(text, cues[-1].end(), start) is not None:
            return True
    return _CUE_AFTER.match(text, end) is not None or contact_line(text, start, end) \
        or phone_column(text, start)


#: A table's header over a column of phone numbers: phone, Mobile, tel., phone_number, Work
#: Phone, fax …
_PHONE_KEY = re.compile(
    r"(?i)[\"' ]*(?:[a-z]+[ _\-])?(?:phone|tel|telephone|mobile|cell|fax|msisdn|whats\s?app|"
    r"handy|telefon[oe]?)(?:[ _\-]?(?:no\.?|nr\.?|number|num|#|[0-9]))?\.?[\"' ]*")
_DELIMITERS = (",", ";", "\t", "|")


@lru_cache(maxsize=8)
def _headers(text: str, delimiter: str) -> dict[int, str]:
    """For every line of ``text`` below the first line of a block of lines with as many
    ``delimiter`` (one or more), that first line: the header of the record it is in. Read
    once per text, however many numbers its table holds."""
    headers: dict[int, str] = {}
    header, count, at = "", 0, 0
    for line in text.split("\n"):
        n = line.count(delimiter)
        if n and n == count:
            headers[at] = header
        else:
            header, count = line.rstrip("\r"), n
        at += len(line) + 1
    return headers


def phone_column(text: str, start: int) -> bool:
    """The number at ``start`` is a field of a delimited record under a header that names its
    column a phone number ("first_name;last_name;mobile" over "Carla;Schenk;00475 775657")."""
    line_start = text.rfind("\n", 0, start) + 1
    for delimiter in _DELIMITERS:
        header = _headers(text, delimiter).get(line_start) if delimiter in text else None
        if header is None:
            continue
        fields = header.split(delimiter)
        index = text.count(delimiter, line_start, start)
        if index < len(fields) and _PHONE_KEY.fullmatch(fields[index]) is not None:
            return True
    return False


_EMAIL = r"[^\s@|,;<>()]+@[^\s@|,;<>()]+\.[A-Za-z]{2,}"
#: What else a line of contact details holds: separators and e-mail or web addresses.
_CONTACT_REST = re.compile(rf"(?:[ \t|·•/,;–—\-]|{_EMAIL}|(?:https?://|www\.)\S+)*+")
_EMAIL_NEAR = re.compile(_EMAIL)


def contact_line(text: str, start: int, end: int) -> bool:
    """``text[start:end]`` is alone on its line but for separators and addresses, and an
    e-mail address is on that line or close by: a line of a signature's contact block
    ("792 373 411 | ana@example.com" under a name)."""
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    line_end = len(text) if line_end < 0 else line_end
    if _CONTACT_REST.fullmatch(text[line_start:start] + " " + text[end:line_end]) is None:
        return False
    return _EMAIL_NEAR.search(text, max(0, line_start - 120), line_end + 120) is not None


def cued_digits(run: str) -> bool:
    """``run`` may be a phone number when a cue names it: 7 to 15 digits, in any groups, that
    are not a date or a range of years (an extension, a short subscriber number, a number of
    a plan no region here knows: ``880 061 432``, ``879 2 409``, ``5537941355932``)."""
    groups = _GROUP.findall(run)
    digits = sum(len(g) for g in groups)
    return 7 <= digits <= 15 and not _date_like(groups) \
        and not (len(groups) == 2 and all(_YEAR.fullmatch(g) for g in groups))


@lru_cache(maxsize=1024)
def trunk_number(digits: str) -> bool:
    """A contiguous 0… number valid in a country that writes a trunk prefix."""
    if not (digits.startswith("0") and digits[1:2] != "0" and 9 <= len(digits) <= 12):
        return False
    for region in _TRUNK_REGIONS:
        try:
            if phonenumbers.is_valid_number(phonenumbers.parse(digits, region)):
                return True
        except phonenumbers.NumberParseException:
            continue
    return False


class FastPhoneRecognizer(EntityRecognizer):
    """Phone numbers, for recall first: a number written as a phone number is one.

    Scores, with the default threshold of 0.4:

    - valid in one of the configured regions (libphonenumber), separated into groups: 0.5;
    - +CC numbers checked against their own country: valid 0.75, merely *possible* (the right
      length, an area code not yet assigned) 0.6, since "+1 555 …" is written as a phone;
    - digit groups as phone numbers are written (:func:`phone_shape`: pairs, an area code in
      parentheses or before a slash, a trunk prefix 0, groups ending in four …), and a
      contiguous national number with a trunk prefix (:func:`trunk_number`): 0.45;
    - other possible numbers in separated groups (thousands-like 912 310 161): 0.3, which a
      cue word before it (call, phone, my cell, 电话, 手机 …) or Presidio's context enhancer
      lifts over the threshold;
    - a contiguous run of digits (a 10-digit epoch timestamp or an order number looks the
      same) at most 0.3 unless cued;
    - any 7 to 15 digits, in any groups, that a cue names (:func:`named_by_cue`: a cue right
      before them with only short words between, "… is my number" after them, a line of
      contact details beside an e-mail address, a column a table's header calls a phone):
      0.85, a number of a plan no configured region knows included (issue 37).
    """

    SCORE = 0.5
    #: Written as a phone number (see :func:`phone_shape`), whatever region it is from.
    FORM = 0.45
    CUED = 0.85
    CONTEXT = ("phone", "telephone", "cell", "cellphone", "mobile", "call", "tel", "fax",
               "contact", "reach", "dial")

    def __init__(self, supported_regions: tuple[str, ...] | list[str],
                 supported_language: str = "en", skip_cards: bool = False,
                 skip_resident_ids: bool = False) -> None:
        self.regions = tuple(supported_regions)
        # A run that is, as a whole, a valid card number or CN resident ID is masked by that
        # recognizer anyway; matching it against every region's phone plan only costs time.
        self._skip_cards = skip_cards
        self._skip_ids = skip_resident_ids
        super().__init__(supported_entities=["PHONE_NUMBER"], name="PhoneRecognizer",
                         supported_language=supported_language, context=list(self.CONTEXT))

    def load(self) -> None:
        return None

    def _masked_anyway(self, run: str, digits: str) -> bool:
        """The run is exactly what CnBankCardRecognizer (any Luhn-valid 16-19 digits, spaces
        or hyphens between) or CnResidentIdRecognizer (contiguous digits) will mask."""
        if self._skip_cards and 16 <= len(digits) <= 19 and _CARD_FORM.fullmatch(run) \
                and luhn_valid(digits):
            return True
        return self._skip_ids and run == digits and len(digits) in (15, 18) \
            and resident_id_valid(digits)

    def _international(self, run: str) -> tuple[float, str] | None:
        number = "+" + run[2:] if run.startswith("00") else run
        try:
            parsed = phonenumbers.parse(number, None)
        except phonenumbers.NumberParseException:
            return None
        if phonenumbers.is_valid_number(parsed):
            return 0.75, "+CC number, valid for its country"
        if phonenumbers.is_possible_number(parsed):
            return 0.6, "+CC number, possible for its country"
        return None

    def _national(self, window: str, lo: int, run: tuple[int, int],
                  found: dict[tuple[int, int], tuple[float, str]]) -> bool:
        """Valid numbers in the configured regions; True when one covers the whole run."""
        for region in self.regions:
            covered = False
            for match in phonenumbers.PhoneNumberMatcher(window, region, leniency=_VALID):
                span = (lo + match.start, lo + match.end)
                found.setdefault(span, (self.SCORE, f"valid in {region}"))
                covered = covered or (span[0] <= run[0] and span[1] >= run[1])
            if covered:  # the whole run is one number: other regions cannot add to it
                return True
        return False

    def _possible(self, run: str) -> bool:
        for region in self.regions:
            try:
                if phonenumbers.is_possible_number(phonenumbers.parse(run, region)):
                    return True
            except phonenumbers.NumberParseException:
                continue
        return False

    def _skipped(self, text: str, start: int, end: int, run: str, digits: str) -> bool:
        """The run cannot be a phone number, or another recognizer masks it anyway."""
        if len(digits) < _MIN_DIGITS or self._masked_anyway(run.strip(), digits):
            return True
        if len(digits) > 15 and card_grouping(run) and not run.startswith(("+", "00")):
            return True  # 16-19 digits in fours: a card number or no number at all
        if _BUSINESS.match(digits) and not run.startswith("+"):
            return True
        # A piece of another identifier; the analyzer would drop it anyway.
        return glued(text, start, end) or VERSION_LIKE.fullmatch(run) is not None

    def _score_national(self, text: str, span: tuple[int, int], end: int,
                        found: dict[tuple[int, int], tuple[float, str]]) -> None:
        """A number without +CC: valid in a configured region, written as a phone number,
        or merely possible there."""
        start, core_end = span
        run = text[start:core_end]
        digits = "".join(c for c in run if c.isdigit())
        separated = _SEPARATED.search(run) is not None
        before = len(found)
        self._national(text[max(start - _MARGIN, 0):min(end + _MARGIN, len(text))],
                       max(start - _MARGIN, 0), span, found)
        shape = phone_shape(run) if separated else None
        if end > core_end and (separated or len(digits) >= 9):
            shape = "number with an extension"
        # The run's digits end here (a closing bracket after them is the sentence's:
        # "(phone 138 0013 8000)").
        last = start + len(run.rstrip(")]} \t"))
        if shape is not None and not any(s <= start and e >= last for s, e in found):
            # Also when the matcher found only a part ("168873" of "(01119) 168873"): the
            # parts merge into one finding, and no digit of the number is left.
            found[start, last] = (self.FORM, shape)
        if len(found) == before and shape is None and self._possible(run):
            form = _PHONE_FORM.match(run) is not None
            found[span] = (0.45, "phone form, possible") if form and separated \
                else (0.3, "possible number")
        if end == core_end and (not separated or other_number(run)):
            # 1700000000 (an epoch second), an order number, 1 402 112 000 people.
            for sub in [sub for sub in found if sub[0] >= start and sub[1] <= end]:
                found[sub] = (min(found[sub][0], 0.3), "digits as other numbers are written")
            if not separated and trunk_number(digits):
                found[span] = (self.FORM, "national number with a trunk prefix")

    def _spoken(self, text: str, found: dict[tuple[int, int], tuple[float, str]]) -> None:
        """A number read out digit by digit right after a phone cue ("her number is oh eight
        seven …", "mobile plus three five three …"): seven digits at least."""
        for m in SPOKEN_DIGITS.finditer(text):
            if _MIN_DIGITS <= len(spoken_digits(m.group(0))) <= 15 \
                    and named_by_cue(text, m.start(), m.end()) \
                    and not any(s < m.end() and m.start() < e for s, e in found):
                found[m.span()] = (self.CUED, "digits read out, a phone cue names them")

    @staticmethod
    def _extensions(text: str, found: dict[tuple[int, int], tuple[float, str]]) -> None:
        """An extension alone after its cue ("(ext. 4417)", "分机8023"): no number before it."""
        for m in _EXTENSION.finditer(text):
            if m.group("latin") and not (
                    _EXTENSION_CONTEXT.search(text, max(0, m.start() - 4), m.start())
                    or cue_before(_EXTENSION_CUES, text, m.start())):
                continue  # "Chrome extension 1234", "PHP ext 82", "EXT. 55 PARKING LOT"
            if not any(s < m.end("v") and m.start("v") < e for s, e in found):
                found[m.span("v")] = (FastPhoneRecognizer.CUED, "an extension after its cue")

    def analyze(self, text: str, entities: list[str],
                nlp_artifacts: NlpArtifacts | None = None) -> list[RecognizerResult]:
        if "PHONE_NUMBER" not in entities:
            return []
        found: dict[tuple[int, int], tuple[float, str]] = {}
        for m in _CANDIDATE.finditer(text):
            start, end = m.start(), m.end()
            core_end = m.start("ext") if m.group("ext") else end
            if glued_before(text, start):
                continue  # SF123…, A1 234 567: part of a code that starts before it
            run = text[start:core_end]
            digits = "".join(c for c in run if c.isdigit())
            if self._skipped(text, start, end, run, digits):
                continue
            if run.lstrip("(").startswith(("+", "00")):
                intl = self._international(run.lstrip("("))
                if intl is not None:
                    found[start, core_end] = intl
            else:
                self._score_national(text, (start, core_end), end, found)
            if not any(s < core_end and start < e for s, e in found) and cued_digits(run) \
                    and named_by_cue(text, start, end):
                found[start, core_end] = (self.CUED, "digits a phone cue names")
            if end > core_end:  # the extension goes with the number it follows
                for sub in [sub for sub in found if sub[0] >= start and core_end <= sub[1] < end]:
                    found[sub[0], end] = found.pop(sub)
        self._spoken(text, found)
        self._extensions(text, found)
        out = []
        for (start, end), (base, reason) in found.items():
            cued = cue_before(_PHONE_CUES, text, start) or named_by_cue(text, start, end)
            score, why = (max(base, self.CUED), reason + ", cue word") if cued else (base,
                                                                                    reason)
            out.append(make_result(self, "PHONE_NUMBER", start, end, score, why, cued))
        return out
