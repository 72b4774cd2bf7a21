"""Phone numbers, scanned once per candidate instead of once per region over the whole text.

Presidio's ``PhoneRecognizer`` runs ``phonenumbers.PhoneNumberMatcher`` over the whole text once
for every supported region; with seven regions that was the largest single cost of masking a
prompt. Here one regex finds the few runs of digits and separators that could hold a number,
and the same matcher, with the same VALID leniency Presidio uses, runs only on each run (with a
little text either side, which the matcher looks at to reject numbers glued to letters). The
findings are the ones Presidio's recognizer reports; the cost no longer grows with text length
times regions.
"""

from __future__ import annotations

import re

import phonenumbers
from presidio_analyzer import EntityRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

from appliance.privacy.recognizer_base import cue_before, make_result
from appliance.privacy.recognizers_zh import luhn_valid, resident_id_valid

_CANDIDATE = re.compile(r"(?<![0-9A-Za-z+])(?:\+|00)?\(?[0-9][0-9 ().\-]{5,24}[0-9]\)?")
_MARGIN = 3
_CARD_FORM = re.compile(r"[0-9](?:[ -]?[0-9])+")
# No region's numbers are shorter (phonenumbers' own minimum for a valid number).
_MIN_DIGITS = 7
_VALID = phonenumbers.Leniency.VALID


_PHONE_CUES = re.compile(
    r"(?i)\b(?:tel(?:ephone)?|phone|mobile|cell(?:phone)?|call(?:ed)?|fax|whats\s?app|wechat|"
    r"contact|reach|ring|text|sms|dial(?:led)?|hotline|extension|ext|mob|ph)\b|"
    r"电话|電話|手机|手機|座机|固话|联系|聯繫|联络|传真|致电|拨打|热线|号码|號碼|微信")
#: A number of the form +CC …, or (NPA) NXX-XXXX: written as a phone number, whatever its
#: region's numbering plan says about it today.
_PHONE_FORM = re.compile(r"^(?:\+|00)[1-9]|^\(\d{2,5}\)\s?\d")
_SEPARATED = re.compile(r"[0-9][ ().\-]+[0-9]")
#: Toll-free and national business numbers (400/800 hotlines): published, not personal.
_BUSINESS = re.compile(r"^(?:400|800)[0-9]{7}$")


#: Four or more dot-separated number groups read as a version or build number, not a phone.
VERSION_LIKE = re.compile(r"\+?[0-9]+(?:\.[0-9]+){3,}")


def glued(text: str, start: int, end: int) -> bool:
    """Digits joined to letters or by -_/. to something else: part of another identifier."""
    before = text[start - 1] if start > 0 else " "
    after = text[end] if end < len(text) else " "
    return (before.isascii() and (before.isalnum() or before in "-_/.")) or \
        (after.isascii() and (after.isalnum() or after in "-_/"))


class FastPhoneRecognizer(EntityRecognizer):
    """Phone numbers, for recall first: a number written as a phone number is one.

    Scores, with the default threshold of 0.4:

    - valid in one of the configured regions (libphonenumber), separated into groups: 0.5;
    - +CC numbers checked against their own country: valid 0.75, merely *possible* (the right
      length, an area code not yet assigned) 0.6, since "+1 555 …" is written as a phone;
    - (NPA) NXX-XXXX and other possible numbers in separated groups: 0.45 with parentheses,
      else 0.3, which a cue word before it (call, phone, my cell, 电话, 手机 …) or Presidio's
      context enhancer lifts over the threshold;
    - a contiguous run of digits (a 10-digit epoch timestamp or an order number looks the
      same) at most 0.3 unless cued.
    """

    SCORE = 0.5
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

    def _national(self, window: str, lo: int, m: re.Match[str],
                  found: dict[tuple[int, int], tuple[float, str]]) -> bool:
        """Valid numbers in the configured regions; True when one covers the whole run."""
        for region in self.regions:
            covered = False
            for match in phonenumbers.PhoneNumberMatcher(window, region, leniency=_VALID):
                span = (lo + match.start, lo + match.end)
                found.setdefault(span, (self.SCORE, f"valid in {region}"))
                covered = covered or (span[0] <= m.start() and span[1] >= m.end())
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

    def analyze(self, text: str, entities: list[str],
                nlp_artifacts: NlpArtifacts | None = None) -> list[RecognizerResult]:
        if "PHONE_NUMBER" not in entities:
            return []
        found: dict[tuple[int, int], tuple[float, str]] = {}
        for m in _CANDIDATE.finditer(text):
            run = m.group(0)
            digits = "".join(c for c in run if c.isdigit())
            if len(digits) < _MIN_DIGITS or self._masked_anyway(run.strip(), digits):
                continue
            if _BUSINESS.match(digits) and not run.startswith("+"):
                continue
            if glued(text, m.start(), m.end()) or VERSION_LIKE.fullmatch(run):
                continue  # a piece of another identifier; the analyzer would drop it anyway
            lo, hi = max(m.start() - _MARGIN, 0), min(m.end() + _MARGIN, len(text))
            separated = _SEPARATED.search(run) is not None
            international = run.lstrip("(").startswith(("+", "00"))
            before = len(found)
            if international:
                intl = self._international(run.lstrip("("))
                if intl is not None:
                    found[m.span()] = intl
            else:
                self._national(text[lo:hi], lo, m, found)
                if len(found) == before and self._possible(run):
                    form = _PHONE_FORM.match(run) is not None
                    found[m.span()] = (0.45, "phone form, possible") if form and separated \
                        else (0.3, "possible number")
            if not separated and not international:
                # 1700000000 (an epoch second) and an order number read like this too.
                for span in [s for s in found if s[0] >= m.start() and s[1] <= m.end()]:
                    found[span] = (min(found[span][0], 0.3), "contiguous digits")
        out = []
        for (start, end), (base, reason) in found.items():
            cued = cue_before(_PHONE_CUES, text, start)
            score, why = (max(base, self.CUED), reason + ", cue word") if cued else (base,
                                                                                    reason)
            out.append(make_result(self, "PHONE_NUMBER", start, end, score, why, cued))
        return out
