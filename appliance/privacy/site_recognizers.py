"""The site's own entity types: ``[pii.recognizers.NAME]`` tables as recognizers.

Employee, patient, customer and contract numbers have a form only the site knows. Each table
gives the type, a regex (checked when the config is read: appliance/config/patterns.py), and
optionally cue words and a check digit:

- the regex runs on the normalised view of the text, like every other recognizer, so a number
  typed in full-width digits or with a zero-width space inside is found all the same;
- with ``context``, a match scores ``score`` only when a cue word ends within
  ``context_window`` characters before it, else ``score_without_context`` (default 0: dropped);
- with a ``checksum``, a value whose check fails is dropped, cue or not.

A site type is never dropped as a look-alike (a date, an order or contract reference: see
:mod:`lookalikes`) as loosely matched built-in types are: the site wrote the pattern, and cue
words, for exactly these values.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping

from presidio_analyzer import EntityRecognizer

from appliance.config import PiiConfig, SiteRecognizerConfig
from appliance.privacy.recognizer_base import RegexRecognizer

# ---- Check digits ------------------------------------------------------------------------------

def luhn_valid(value: str) -> bool:
    """The Luhn (mod 10) check over ``value``'s digits holds (cards, IMEIs, many staff IDs)."""
    digits = [int(c) for c in value if c.isdigit()]
    if len(digits) < 2:
        return False
    doubled = (0, 2, 4, 6, 8, 1, 3, 5, 7, 9)  # 2d, its digits summed
    total = sum(doubled[d] if i % 2 else d for i, d in enumerate(reversed(digits)))
    return total % 10 == 0


def mod97_valid(value: str) -> bool:
    """ISO 7064 MOD 97-10 over ``value``'s letters (A=10 … Z=35) and digits, check digits last:
    the number they spell leaves 1 divided by 97 (the IBAN check, without moving the country
    code; other characters are ignored)."""
    chars = [c for c in value.upper() if c.isascii() and c.isalnum()]
    if len(chars) < 3:
        return False
    return int("".join(str(int(c, 36)) for c in chars)) % 97 == 1


def iso7064_mod11_2_valid(value: str) -> bool:
    """ISO 7064 MOD 11-2 over ``value``'s digits, its last letter or digit a check character
    0-9 or X (CN resident IDs, ORCID, ISNI; letters before it and other characters are
    ignored, so a prefix such as PT may stay in the value)."""
    chars = [c for c in value.upper() if c.isascii() and c.isalnum()]
    digits = [int(c) for c in chars[:-1] if c.isdigit()]
    if len(digits) < 1 or not (chars[-1].isdigit() or chars[-1] == "X"):
        return False
    p = 0
    for d in digits:
        p = (p + d) * 2 % 11
    check = (12 - p) % 11
    return chars[-1] == ("X" if check == 10 else str(check))


#: Verhoeff's tables: multiplication in the dihedral group D5, and the position permutations.
_VERHOEFF_D = ("0123456789", "1234067895", "2340178956", "3401289567", "4012395678",
               "5987604321", "6598710432", "7659821043", "8765932104", "9876543210")
_VERHOEFF_P = ("0123456789", "1576283094", "5803796142", "8916043527", "9453126870",
               "4286573901", "2793806415", "7046913258")


def verhoeff_valid(value: str) -> bool:
    """The Verhoeff check over ``value``'s digits holds (Aadhaar and other national numbers)."""
    digits = [int(c) for c in value if c.isdigit()]
    if len(digits) < 2:
        return False
    c = 0
    for i, d in enumerate(reversed(digits)):
        c = int(_VERHOEFF_D[c][int(_VERHOEFF_P[i % 8][d])])
    return c == 0


#: ``checksum`` → the check (CHECKSUMS in appliance/config/patterns.py names the same).
CHECKS: Mapping[str, Callable[[str], bool]] = {
    "none": lambda value: True, "luhn": luhn_valid, "mod97": mod97_valid,
    "iso7064_mod11_2": iso7064_mod11_2_valid, "verhoeff": verhoeff_valid,
}


# ---- Recognizers ---------------------------------------------------------------------------------

def _cue_regex(words: tuple[str, ...]) -> re.Pattern[str]:
    """Any of ``words``, any case, as whole words (not inside a longer Latin word); a space in
    a cue matches any run of spaces. Cues are normalised as the text is (NFKC)."""
    alternatives = sorted((r"\s+".join(map(re.escape, unicodedata.normalize("NFKC", w).split()))
                           for w in words), key=len, reverse=True)
    return re.compile(rf"(?i)(?<![A-Za-z0-9])(?:{'|'.join(alternatives)})(?![A-Za-z0-9])")


class SiteRecognizer(RegexRecognizer):
    """One ``[pii.recognizers.NAME]`` table (see the module docstring)."""

    def __init__(self, name: str, spec: SiteRecognizerConfig, language: str = "en") -> None:
        self.ENTITY = spec.entity
        self.REGEX = re.compile(spec.pattern)
        if spec.context:
            self.CUES = _cue_regex(spec.context)
        self.WINDOW = spec.context_window
        self._spec = spec
        self._check = CHECKS[spec.checksum]
        super().__init__(language, name=f"SiteRecognizer[{name}]")

    def value_span(self, match: re.Match[str]) -> tuple[int, int]:
        return match.span(self._spec.group or 0)

    def accept(self, match: re.Match[str], cued: bool) -> tuple[float, str] | None:
        spec = self._spec
        value = match.group(spec.group or 0)
        if not value or not self._check(value):
            return None
        score = spec.score if cued or not spec.context else spec.score_without_context
        if score <= 0:
            return None
        check = "" if spec.checksum == "none" else f", {spec.checksum} valid"
        return score, f"site pattern{', cue word' if cued else ''}{check}"


def site_recognizers(policy: PiiConfig, language: str = "en") -> list[EntityRecognizer]:
    """The recognizers of ``policy``'s own entity types (its profiles have their own)."""
    return [SiteRecognizer(name, spec, language)
            for name, spec in sorted(policy.recognizers.items())]
