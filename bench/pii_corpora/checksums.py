"""Identifiers generated with their real check digits, and the checks themselves.

Written from the published rules (ISO/IEC 7812 Luhn, ISO 13616 IBAN mod-97, GB 11643-1999,
the Hong Kong and Taiwan ID check digits, Bitcoin's Base58Check), not from any recognizer.
"""

from __future__ import annotations

import hashlib
import random
import string

_CN_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CN_CHECK = "10X98765432"
_TW_LETTERS = {  # Taiwan's letter codes: I, O, W... out of order, as the ROC assigned them.
    "A": 10, "B": 11, "C": 12, "D": 13, "E": 14, "F": 15, "G": 16, "H": 17, "I": 34, "J": 18,
    "K": 19, "L": 20, "M": 21, "N": 22, "O": 35, "P": 23, "Q": 24, "R": 25, "S": 26, "T": 27,
    "U": 28, "V": 29, "W": 32, "X": 30, "Y": 31, "Z": 33,
}
_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def digits(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(string.digits) for _ in range(n))


def luhn_ok(number: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(number)):
        d = int(ch)
        if i % 2 == 1:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def luhn_card(rng: random.Random, prefix: str, length: int) -> str:
    body = prefix + digits(rng, length - len(prefix) - 1)
    return next(body + c for c in string.digits if luhn_ok(body + c))


def iban_ok(iban: str) -> bool:
    s = iban.replace(" ", "").upper()
    moved = s[4:] + s[:4]
    return int("".join(str(int(c, 36)) for c in moved)) % 97 == 1


def iban(country: str, bban: str) -> str:
    moved = bban + country + "00"
    check = 98 - int("".join(str(int(c, 36)) for c in moved)) % 97
    return f"{country}{check:02d}{bban}"


def cn_id_ok(number: str) -> bool:
    body, check = number[:17], number[17:].upper()
    return body.isdigit() and check == _CN_CHECK[
        sum(int(d) * w for d, w in zip(body, _CN_WEIGHTS, strict=True)) % 11]


def cn_id(rng: random.Random, region: str, birth: str) -> str:
    body = region + birth + digits(rng, 3)
    return body + _CN_CHECK[sum(int(d) * w for d, w in zip(body, _CN_WEIGHTS, strict=True)) % 11]


def _hk_sum(body: str) -> int:
    padded = body.rjust(8)  # one-letter IDs count a space (36) in front
    return sum((36 if c == " " else int(c, 36)) * w
               for c, w in zip(padded, range(9, 1, -1), strict=True))


def hk_id(rng: random.Random) -> str:
    letters = rng.choice(["", rng.choice(string.ascii_uppercase)]) + \
        rng.choice(string.ascii_uppercase)
    body = letters + digits(rng, 6)
    check = (11 - _hk_sum(body) % 11) % 11
    return f"{body}({'A' if check == 10 else check})"


def hk_id_ok(value: str) -> bool:
    body, check = value[:-3], value[-2]
    return (11 - _hk_sum(body) % 11) % 11 == (10 if check == "A" else int(check))


def _tw_sum(value: str) -> int:
    code = _TW_LETTERS[value[0]]
    return code // 10 + (code % 10) * 9 + sum(
        int(d) * w for d, w in zip(value[1:], (8, 7, 6, 5, 4, 3, 2, 1, 1), strict=True))


def tw_id(rng: random.Random) -> str:
    body = rng.choice(string.ascii_uppercase) + rng.choice("12") + digits(rng, 7)
    return next(body + c for c in string.digits if _tw_sum(body + c) % 10 == 0)


def tw_id_ok(value: str) -> bool:
    return _tw_sum(value) % 10 == 0


def _b58(raw: bytes) -> str:
    n = int.from_bytes(raw, "big")
    out = ""
    while n:
        n, r = divmod(n, 58)
        out = _B58[r] + out
    return "1" * (len(raw) - len(raw.lstrip(b"\0"))) + out


def btc_address(rng: random.Random) -> str:
    """A P2PKH ("1...") or P2SH ("3...") address with a valid Base58Check checksum."""
    payload = bytes([rng.choice((0x00, 0x05))]) + rng.randbytes(20)
    check = hashlib.sha256(hashlib.sha256(payload).digest()).digest()[:4]
    return _b58(payload + check)


def btc_ok(address: str) -> bool:
    n = 0
    for c in address:
        n = n * 58 + _B58.index(c)
    raw = n.to_bytes(25, "big")
    return hashlib.sha256(hashlib.sha256(raw[:21]).digest()).digest()[:4] == raw[21:]


def isbn13(rng: random.Random, group: str = "7") -> str:
    """A valid ISBN-13 (978 prefix), hyphenated: a look-alike that must stay."""
    publisher = digits(rng, 3)
    title = digits(rng, 5)
    body = "978" + group + publisher + title
    check = (10 - sum(int(d) * (1 if i % 2 == 0 else 3) for i, d in enumerate(body)) % 10) % 10
    return f"978-{group}-{publisher}-{title}-{check}"
