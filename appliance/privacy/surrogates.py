"""Surrogates: realistic stand-ins for PII, the other masking style (``[pii] style``).

A placeholder (``<PHONE_NUMBER_1>``) tells the model that something was there, not what kind of
thing it looks like, and a small model answers worse around it. A surrogate is a made-up value
of the same type and shape: a name for a name (Chinese for Chinese, as many words), a phone
number with the same digit count and separators, a card number of the same length and grouping
that passes Luhn, an IBAN of the same country and length with valid check digits, a CN resident
ID with a valid birth date and check digit. The caller gets its own values back on the way out
(restore), as with placeholders.

Where a reserved range exists the surrogate is drawn from it, so it can never be somebody's:
e-mail at example.com/.org/.net (RFC 2606), US numbers 555-01xx, UK mobiles 07700 900xxx
(Ofcom's drama range), IPs from the documentation networks (RFC 5737, RFC 3849), MAC addresses
00-00-5E-00-53-xx (RFC 7042), SSNs in area 666 (never issued), card numbers under the card
schemes' test IINs, CN resident IDs under region code 990101 (no such region). Elsewhere the
shape is kept and the rest is random; a type with no generator of its own (a site's recognizer)
gets the generic one: letters for letters, digits for digits.

**Per request, never derived from the value.** Each request draws from its own
``random.Random`` seeded by :mod:`secrets`; nothing is computed from the value (a hash would let
anyone who sees the surrogate test a guess), and the same value gets a different surrogate in
the next request. Within a request one value has one surrogate. A surrogate never equals its
value, never contains or is contained in another surrogate of the request, and never occurs in
the request's texts, where restore would otherwise turn an innocent occurrence into a value;
a draw that breaks a rule is drawn again, and a value no draw fits (``"7"``) gets a placeholder.

**What cannot be told apart.** A surrogate the model writes is restored; a name the model makes
up is just a name. Unlike an invented placeholder, an invented surrogate-like value cannot be
recognised as invented, so it reaches the caller as the model wrote it (the output scan still
masks identifiers the model writes on its own, except the request's surrogates). The model may
also write a surrogate in another case or form (``MARY CARTER``, ``M. Carter``): only the exact
surrogate is restored.
"""

from __future__ import annotations

import ipaddress
import random
import re
import secrets
import string
from collections.abc import Callable, Sequence

from appliance.privacy.recognizers_zh import luhn_valid

#: Tries per value before the vault falls back to a placeholder.
MAX_DRAWS = 64

FIRST_NAMES = (
    "James", "Mary", "Robert", "Patricia", "Michael", "Linda", "David", "Susan", "Daniel",
    "Karen", "Thomas", "Nancy", "Mark", "Laura", "Paul", "Emily", "Kevin", "Anna", "Brian",
    "Rachel", "Peter", "Helen", "Steven", "Grace", "Andrew", "Julia", "Oliver", "Sophie",
    "Lucas", "Clara",
)
LAST_NAMES = (
    "Miller", "Carter", "Turner", "Parker", "Collins", "Morgan", "Bennett", "Hughes", "Foster",
    "Reed", "Brooks", "Hayes", "Porter", "Ward", "Fisher", "Cooper", "Palmer", "Mills", "Walsh",
    "Barnes", "Grant", "Shaw", "Hunt", "Webb", "Fleming", "Lawson", "Dunn", "Harper", "Holt",
    "Marsh",
)
CJK_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林高罗"
CJK_GIVEN = "伟芳娜敏静丽强磊洋艳勇军杰娟涛明超秀霞平刚英华玉兰建文斌欣怡"
PLACES = ("Springfield", "Riverton", "Fairview", "Lakewood", "Greenville", "Madison",
          "Franklin", "Georgetown", "Ashford", "Millbrook")
CJK_PLACES = ("东城", "西山", "南湖", "北岭", "青石", "白水", "清河", "松原")
EMAIL_DOMAINS = ("example.com", "example.org", "example.net")
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")
#: Real area codes: only the exchange (555) and line (01xx) must be the reserved ones.
NANP_AREAS = ("201", "212", "303", "312", "404", "415", "503", "602", "617", "702", "713",
              "808", "919")
#: Issuer numbers of the card schemes' published test cards, by what the original starts with.
TEST_IINS = (("62", "620000"), ("34", "378282"), ("37", "378282"), ("36", "305693"),
             ("30", "305693"), ("38", "305693"), ("35", "356600"), ("6", "601111"),
             ("5", "555555"), ("2", "510510"), ("4", "424242"))
CN_ID_REGION = "990101"

_CJK = re.compile(r"[\u3400-\u9fff]")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_TW_LETTERS = {c: v for v, c in enumerate("ABCDEFGHJKLMNPQRSTUVXYWZIO", start=10)}


class Surrogates:
    """One request's surrogates. ``texts``: the request's texts, where no surrogate may occur;
    ``rng``: the request's randomness (a fresh one from :mod:`secrets` unless a test fixes it)."""

    __slots__ = ("_issued", "_rng", "_texts")

    def __init__(self, texts: Sequence[str], rng: random.Random | None = None) -> None:
        self._texts = tuple(texts)
        self._rng = rng if rng is not None else random.Random(secrets.randbits(64))  # noqa: S311 - seeded from secrets; not for keys
        self._issued: list[str] = []

    def draw(self, entity_type: str, value: str) -> str | None:
        """A new surrogate for ``value`` (None: no draw fits; use a placeholder)."""
        make = GENERATORS.get(entity_type, generic)
        for attempt in range(MAX_DRAWS):
            # The type's own generator first; if its space is exhausted, the generic shape.
            candidate = (make if attempt < MAX_DRAWS // 2 else generic)(value, self._rng)
            if self._fits(candidate, value):
                self._issued.append(candidate)
                return candidate
        return None

    def _fits(self, candidate: str, value: str) -> bool:
        if not candidate.strip() or candidate.casefold() == value.casefold():
            return False
        if any(candidate in s or s in candidate for s in self._issued):
            return False
        return not any(candidate in text for text in self._texts)

    def __repr__(self) -> str:  # never show values or surrogates
        return f"<Surrogates: {len(self._issued)} drawn>"


# ---- shapes ----------------------------------------------------------------------------------

def _fill(layout: str, chars: str, keep: Callable[[str], bool] = str.isalnum) -> str:
    """``layout`` with the characters that ``keep`` selects replaced by ``chars`` in order
    (separators stay where they were)."""
    it = iter(chars)
    return "".join(next(it) if keep(c) else c for c in layout)


def _digits(n: int, rng: random.Random) -> str:
    return "".join(rng.choice(string.digits) for _ in range(n))


def _case_like(word: str, like: str) -> str:
    if len(like) > 1 and like.isupper():
        return word.upper()
    return word.lower() if like.islower() else word


def generic(value: str, rng: random.Random) -> str:
    """Letters for letters (same case), digits for digits, CJK for CJK; the rest stays. A value
    with digits keeps up to three leading letters (a type prefix such as a passport's ``E``)."""
    lead = len(value) - len(value.lstrip(string.ascii_letters)) if any(
        c.isdigit() for c in value) else 0
    out = list(value[:min(lead, 3)])
    for c in value[len(out):]:
        if c.isdigit():
            out.append(rng.choice(string.digits))
        elif c.isascii() and c.isalpha():
            out.append(rng.choice(string.ascii_uppercase if c.isupper()
                                  else string.ascii_lowercase))
        elif _CJK.match(c):
            out.append(rng.choice(CJK_GIVEN))
        else:
            out.append(c)
    return "".join(out)


# ---- names, places, e-mail -------------------------------------------------------------------

def person(value: str, rng: random.Random) -> str:
    """A Chinese name of as many characters for a Chinese name; else as many words, the first a
    given name and the others surnames, each differing from the word it stands for."""
    if _CJK.search(value):
        n = max(len(value.strip()), 2)
        return rng.choice(CJK_SURNAMES) + "".join(rng.choice(CJK_GIVEN) for _ in range(n - 1))
    parts = re.split(r"(\s+)", value)
    out: list[str] = []
    words = 0
    for part in parts:
        if not part or part.isspace():
            out.append(part)
            continue
        if re.fullmatch(r"[A-Za-z]\.?", part):  # an initial
            out.append(rng.choice(string.ascii_uppercase) + part[1:])
        else:
            pool = FIRST_NAMES if words == 0 else LAST_NAMES
            name = rng.choice([n for n in pool if n.casefold() != part.casefold()])
            out.append(_case_like(name, part))
        words += 1
    return "".join(out)


def location(value: str, rng: random.Random) -> str:
    return rng.choice(CJK_PLACES if _CJK.search(value) else PLACES)


def email(value: str, rng: random.Random) -> str:
    """``first.last@example.org``-like: the local part's separator and trailing digits kept."""
    local = value.rpartition("@")[0]
    first, last = rng.choice(FIRST_NAMES).lower(), rng.choice(LAST_NAMES).lower()
    sep = next((c for c in "._-" if c in local), "")
    name = f"{first}{sep}{last}" if sep or len(local) > 8 else f"{first[0]}{last}"
    tail = len(local) - len(local.rstrip(string.digits))
    return f"{name}{_digits(tail, rng)}@{rng.choice(EMAIL_DOMAINS)}"


# ---- numbers ---------------------------------------------------------------------------------

def phone(value: str, rng: random.Random) -> str:
    """Same digit count and separators. US/Canada: 555-01xx; UK mobiles: 07700 900xxx; other
    numbers keep their country code (``+CC``) and the digit after it, or their first two
    digits, the rest random."""
    digits = re.sub(r"\D", "", value)
    plus = value.lstrip().startswith("+")
    n = len(digits)
    groups = [len(g) for g in re.findall(r"[0-9]+", value)]
    if not plus and re.fullmatch(r"1[3-9][0-9]{9}", digits) and (
            groups in ([11], [3, 4, 4]) or digits[4] in "01"):
        # 138 0013 8000 is a Chinese mobile: written 3-4-4 or whole, and no NANP exchange
        # (1 380 013…) starts with 0 or 1.
        return cn_mobile(value, rng)
    if (n == 11 and digits[0] == "1") or (n == 10 and not plus and digits[0] in "23456789"):
        new = digits[0] * (n == 11) + rng.choice(NANP_AREAS) + "55501" + _digits(2, rng)
    elif (plus and n == 12 and digits.startswith("447")) or (
            not plus and n == 11 and digits.startswith("07")):
        new = ("447700900" if plus else "07700900") + _digits(3, rng)
    else:
        keep = min(_country_code_length(digits) + 1 if plus else 2, n - 1)
        new = digits[:keep] + _digits(n - keep, rng)
    return _fill(value, new, str.isdigit)


def _country_code_length(digits: str) -> int:
    import phonenumbers  # noqa: PLC0415 - Presidio's dependency; only numbers written +CC need it

    for k in (1, 2, 3):
        if phonenumbers.region_code_for_country_code(int(digits[:k] or 0)) != "ZZ":
            return min(k, len(digits) - 1)
    return min(1, len(digits) - 1)


def cn_mobile(value: str, rng: random.Random) -> str:
    digits = re.sub(r"\D", "", value)
    if len(digits) < 11:
        return generic(value, rng)
    new = digits[:-11] + "1" + rng.choice("3589") + _digits(9, rng)
    return _fill(value, new, str.isdigit)


def luhn_digit(body: str) -> str:
    """The check digit that makes ``body`` + it pass Luhn."""
    return next(d for d in "0123456789" if luhn_valid(body + d))


def card(value: str, rng: random.Random) -> str:
    """Same length and grouping, under a test IIN of the same scheme, Luhn-valid."""
    digits = re.sub(r"\D", "", value)
    if not 12 <= len(digits) <= 19:
        return generic(value, rng)
    iin = next((iin for start, iin in TEST_IINS if digits.startswith(start)), "424242")
    body = iin + _digits(len(digits) - len(iin) - 1, rng)
    return _fill(value, body + luhn_digit(body), str.isdigit)


def iban_check(country: str, bban: str) -> str:
    """The two check digits of an IBAN (ISO 13616, mod 97)."""
    numeric = "".join(str(int(c, 36)) for c in bban + country + "00")
    return f"{98 - int(numeric) % 97:02d}"


def iban(value: str, rng: random.Random) -> str:
    """Same country, length and layout; a random account under valid check digits."""
    compact = re.sub(r"[^0-9A-Za-z]", "", value).upper()
    if len(compact) < 5 or not compact[:2].isalpha():
        return generic(value, rng)
    country = compact[:2]
    bban = "".join(rng.choice(string.digits) if c.isdigit() else rng.choice(
        string.ascii_uppercase) for c in compact[4:])
    new = country + iban_check(country, bban) + bban
    return _fill(value, new if value.isupper() or not value.islower() else new.lower())


def ip_address(value: str, rng: random.Random) -> str:
    """An address from the documentation networks of the same version."""
    try:
        version = ipaddress.ip_address(value).version
    except ValueError:
        return generic(value, rng)
    if version == 4:
        net = rng.choice(("192.0.2", "198.51.100", "203.0.113"))
        return f"{net}.{rng.randint(1, 254)}"
    out = str(ipaddress.IPv6Address((0x20010DB8 << 96) | rng.getrandbits(96)))
    return out.upper() if any(c.isupper() for c in value) else out


def ssn(value: str, rng: random.Random) -> str:
    digits = re.sub(r"\D", "", value)
    if len(digits) != 9:
        return generic(value, rng)
    new = f"666{rng.randint(1, 99):02d}{rng.randint(1, 9999):04d}"
    return _fill(value, new, str.isdigit)


def mac_address(value: str, rng: random.Random) -> str:
    """00-00-5E-00-53-xx, the documentation block, in the original's separators and case."""
    hexes = re.sub(r"[^0-9A-Fa-f]", "", value)
    if len(hexes) != 12:
        return generic(value, rng)
    new = f"00005E0053{rng.getrandbits(8):02X}"
    new = new.lower() if value.lower() == value else new
    return _fill(value, new, lambda c: c in string.hexdigits)


def cn_resident_id(value: str, rng: random.Random) -> str:
    """Region 990101 (none such), a valid birth date, a valid check digit; same layout."""
    compact = re.sub(r"[ \-]", "", value)
    year, month, day = rng.randint(1950, 2005), rng.randint(1, 12), rng.randint(1, 28)
    if len(compact) == 15:
        return _fill(value, f"{CN_ID_REGION}{year % 100:02d}{month:02d}{day:02d}"
                            f"{_digits(3, rng)}")
    if len(compact) != 18:
        return generic(value, rng)
    body = f"{CN_ID_REGION}{year}{month:02d}{day:02d}{_digits(3, rng)}"
    check = "10X98765432"[sum(int(c) * w for c, w in zip(body, _ID_WEIGHTS, strict=True)) % 11]
    return _fill(value, body + (check.lower() if compact[-1] == "x" else check))


def hk_id(value: str, rng: random.Random) -> str:
    """Same number of letters, random digits, the right check digit; brackets kept."""
    compact = re.sub(r"[()\s]", "", value).upper()
    m = re.fullmatch(r"([A-Z]{1,2})[0-9]{6}[0-9A]", compact)
    if m is None:
        return generic(value, rng)
    letters = "".join(rng.choice(string.ascii_uppercase) for _ in m.group(1))
    body = letters + _digits(6, rng)
    chars = body[:-6].rjust(2, " ") + body[-6:]
    total = sum((36 if c == " " else (ord(c) - 55 if c.isalpha() else int(c))) * w
                for c, w in zip(chars, range(9, 1, -1), strict=True))
    expected = (11 - total % 11) % 11
    return _fill(value, body + ("A" if expected == 10 else str(expected)))


def tw_id(value: str, rng: random.Random) -> str:
    """A letter, the same sex digit, random digits, the right check digit."""
    if not re.fullmatch(r"[A-Za-z][1289][0-9]{8}", value):
        return generic(value, rng)
    letter = rng.choice(list(_TW_LETTERS))
    body = letter + value[1] + _digits(7, rng)
    code = _TW_LETTERS[letter]
    weights = (1, 9, 8, 7, 6, 5, 4, 3, 2, 1)
    total = sum(d * w for d, w in zip([code // 10, code % 10, *map(int, body[1:])], weights,
                                      strict=True))
    return body + str((10 - total % 10) % 10)


def date(value: str, rng: random.Random) -> str:
    """Another date in the same format: years moved, days and months redrawn within ranges any
    calendar accepts, month names for month names."""
    def swap(m: re.Match[str]) -> str:
        tok = m.group(0)
        if tok.isalpha():
            full = next((name for name in MONTHS if name.lower().startswith(tok.lower())), None)
            if full is None or len(tok) < 3:
                return tok
            new = rng.choice([name for name in MONTHS if name != full])
            return _case_like(new if len(tok) > 3 else new[:3], tok)
        n = int(tok)
        if len(tok) == 4:
            new_n = rng.choice([y for y in range(1940, 2006) if y != n])
        elif n > 31:
            new_n = rng.randint(40, 99)
        elif n > 12:
            new_n = rng.randint(13, 28)
        else:
            new_n = rng.randint(1, 12)
        return str(new_n).zfill(len(tok))

    return re.sub(r"[0-9]+|[A-Za-z]+", swap, value)


def url(value: str, rng: random.Random) -> str:
    scheme = re.match(r"[A-Za-z][A-Za-z0-9+.-]*://", value)
    path = value[scheme.end():].partition("/")[2] if scheme else ""
    return (f"{scheme.group(0) if scheme else ''}www.{rng.choice(EMAIL_DOMAINS)}"
            + (f"/{generic(path, rng)}" if path else ""))


GENERATORS: dict[str, Callable[[str, random.Random], str]] = {
    "PERSON": person, "LOCATION": location, "EMAIL_ADDRESS": email, "PHONE_NUMBER": phone,
    "CN_MOBILE": cn_mobile, "CREDIT_CARD": card, "CN_BANK_CARD": card, "IBAN_CODE": iban,
    "IP_ADDRESS": ip_address, "US_SSN": ssn, "MAC_ADDRESS": mac_address,
    "CN_RESIDENT_ID": cn_resident_id, "HK_ID": hk_id, "TW_ID": tw_id,
    "DATE_OF_BIRTH": date, "DATE_TIME": date, "URL": url,
}
