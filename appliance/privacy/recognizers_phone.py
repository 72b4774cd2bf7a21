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

from appliance.privacy.recognizers_zh import luhn_valid, resident_id_valid

_CANDIDATE = re.compile(r"(?<![0-9A-Za-z+])(?:\+|00)?\(?[0-9][0-9 ().\-]{5,24}[0-9]\)?")
_MARGIN = 3
_CARD_FORM = re.compile(r"[0-9](?:[ -]?[0-9])+")
# No region's numbers are shorter (phonenumbers' own minimum for a valid number).
_MIN_DIGITS = 7
_VALID = phonenumbers.Leniency.VALID


class FastPhoneRecognizer(EntityRecognizer):
    SCORE = 0.4
    CONTEXT = ("phone", "number", "telephone", "cell", "cellphone", "mobile", "call", "tel")

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

    def analyze(self, text: str, entities: list[str],
                nlp_artifacts: NlpArtifacts | None = None) -> list[RecognizerResult]:
        if "PHONE_NUMBER" not in entities:
            return []
        found: dict[tuple[int, int], RecognizerResult] = {}
        for m in _CANDIDATE.finditer(text):
            run = m.group(0)
            digits = "".join(c for c in run if c.isdigit())
            if len(digits) < _MIN_DIGITS or self._masked_anyway(run.strip(), digits):
                continue
            lo, hi = max(m.start() - _MARGIN, 0), min(m.end() + _MARGIN, len(text))
            window = text[lo:hi]
            # A +CC number parses the same whatever the region (00 is not every IDD).
            international = run.lstrip("(").startswith("+")
            for region in self.regions[:1] if international else self.regions:
                covered = False
                for match in phonenumbers.PhoneNumberMatcher(window, region,
                                                             leniency=_VALID):
                    span = (lo + match.start, lo + match.end)
                    if span not in found:
                        found[span] = RecognizerResult("PHONE_NUMBER", *span, self.SCORE)
                    covered = covered or (span[0] <= m.start() and span[1] >= m.end())
                if covered:  # the whole run is one number: other regions cannot add to it
                    break
        return list(found.values())
