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
  and Exit-Entry Permits (港澳通行证, C + 8 characters): with a cue word.
- ``DATE_OF_BIRTH``: a date within a few words after DOB / date of birth / born / 出生 / 生日.

A checksum failure next to a strong cue word (身份证号 1101...  with one digit mistyped) is
still masked, at :data:`CUED_NEAR_MISS_SCORE`: a compliance officer counts a typo'd ID number
as a leak just the same. Every result carries an ``analysis_explanation`` (Presidio's context
enhancer writes into it) and says whether a cue raised it.
"""

from __future__ import annotations

import re

from presidio_analyzer import EntityRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

from appliance.privacy.recognizer_base import CuedRecognizer, RegexRecognizer

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
    REGEX = re.compile(r"(?<![0-9A-Za-z])(?P<v>[CcHhMmTt][A-Za-z0-9][0-9]{7}(?:[0-9]{2})?|"
                       r"[0-9]{8}(?:[0-9]{2})?)(?![0-9A-Za-z])")
    CUES = re.compile(r"(?i)通行[证證]|回[乡鄉][证證]|台胞[证證]|travel\s*permit|"
                      r"(?:home[- ]?return|exit[- ]entry)\s*permit|permit\s*(?:no|number|#)")


# ---- Dates of birth ----------------------------------------------------------------------------

_MONTHS = (r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
           r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?")
_DATE = (
    r"(?:(?:19|20)[0-9]{2}[-/.年](?:0?[1-9]|1[0-2])[-/.月](?:0?[1-9]|[12][0-9]|3[01])日?"
    r"|(?:0?[1-9]|[12][0-9]|3[01])[-/.](?:0?[1-9]|1[0-2])[-/.](?:19|20)?[0-9]{2}"
    r"|(?:0?[1-9]|1[0-2])[-/.](?:0?[1-9]|[12][0-9]|3[01])[-/.](?:19|20)?[0-9]{2}"
    rf"|{_MONTHS}\s+(?:0?[1-9]|[12][0-9]|3[01])(?:st|nd|rd|th)?,?\s+(?:19|20)[0-9]{{2}}"
    rf"|(?:0?[1-9]|[12][0-9]|3[01])(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTHS},?\s+(?:19|20)[0-9]{{2}}"
    r"|(?:19|20)[0-9]{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01]))"
)
_DOB_CUE = (r"(?:d\.?\s?o\.?\s?b\.?|date\s+of\s+birth|birth\s*date|birthday|born(?:\s+on)?|"
            r"出生(?:日期|年月日|于|於)?|生日|出生年月)")


class DateOfBirthRecognizer(RegexRecognizer):
    ENTITY = "DATE_OF_BIRTH"
    REGEX = re.compile(rf"(?i){_DOB_CUE}[\s:：=,;是为為\-]*(?:(?:on|is|was)\s+)?(?P<v>{_DATE})"
                       r"(?![0-9])")
    SCORE = 0.85

    def accept(self, match: re.Match[str], cued: bool) -> tuple[float, str] | None:
        return self.SCORE, "date after a birth cue"


def id_recognizers(language: str = "en") -> list[EntityRecognizer]:
    return [HkIdRecognizer(language), MoIdRecognizer(language), TwIdRecognizer(language),
            CnPassportRecognizer(language), CnTravelPermitRecognizer(language),
            DateOfBirthRecognizer(language)]
