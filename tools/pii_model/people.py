"""Name and address values for the PII model's synthetic data, from Faker in many locales and a
few lists of our own (romanised Korean and Vietnamese forms Faker writes only in Hangul or with
diacritics, nicknames, particles).

Held-out names: a name part whose CRC-32 falls in :data:`HELD_OUT_BUCKET` is never used in
training data, so the measurement (tools/pii_model/measure.py) can count names the model has
never seen as well as contexts it has never seen.
"""

from __future__ import annotations

import os
import random
import sys
import unicodedata
import zlib
from dataclasses import dataclass

from faker import Faker

#: Locales whose names Faker writes in Latin script (name order: given, family).
LATIN_LOCALES = (
    "en_US", "en_GB", "en_IN", "en_AU", "en_CA", "en_IE", "en_NZ", "en_PH", "en_NG", "en_PK",
    "de_DE", "de_AT", "de_CH", "fr_FR", "fr_CA", "es_ES", "es_MX", "es_AR", "it_IT", "nl_NL",
    "nl_BE", "pt_BR", "pt_PT", "pl_PL", "tr_TR", "cs_CZ", "sv_SE", "no_NO", "da_DK", "fi_FI",
    "ro_RO", "hr_HR", "sk_SK", "sl_SI", "id_ID", "fil_PH", "yo_NG", "ig_NG", "ha_NG", "sw",
    "zu_ZA", "ga_IE", "et_EE", "lt_LT", "lv_LV", "az_AZ",
)
#: Locales with a street address format worth learning (Latin script).
ADDRESS_LOCALES = ("en_US", "en_GB", "en_AU", "en_CA", "en_IE", "de_DE", "fr_FR", "es_ES",
                   "it_IT", "nl_NL", "pt_BR", "pl_PL", "cs_CZ", "sv_SE", "fi_FI", "ro_RO")

# Romanised Korean: Faker's ko_KR writes Hangul only.
_KO_FAMILY = ("Kim", "Lee", "Park", "Choi", "Jung", "Kang", "Cho", "Yoon", "Jang", "Lim", "Han",
              "Oh", "Seo", "Shin", "Kwon", "Hwang", "Ahn", "Song", "Yoo", "Hong", "Jeon", "Ko",
              "Moon", "Yang", "Son", "Bae", "Baek", "Heo", "Nam", "Noh", "Ha", "Gwak", "Sung")
_KO_SYLLABLES = ("min", "jun", "seo", "yeon", "ji", "woo", "hyun", "su", "bin", "ha", "eun",
                 "do", "yun", "ho", "jae", "young", "sung", "hee", "kyung", "tae", "hoon", "na",
                 "ra", "in", "jin", "gyu", "sang", "chul", "mi", "so", "ye", "dong", "hwan")
# Vietnamese middle names; family and given names come from Faker's vi_VN.
_VI_MIDDLE = ("Văn", "Thị", "Minh", "Đức", "Ngọc", "Hữu", "Quang", "Thanh", "Xuân", "Hoàng",
              "Gia", "Bảo", "Anh", "Thu", "Kim", "Công", "Trung", "Đình")
#: Family-name particles, lower case as written inside a name ("Anna van der Vlist").
PARTICLES = ("van", "van der", "van den", "van de", "de", "de la", "del", "della", "di", "da",
             "dos", "du", "le", "von", "von der", "zu", "ter", "ten", "bin", "al", "el", "O'",
             "Mac", "Mc", "St.")
#: Everyday short forms of given names (the values a "call me …" answer gives).
NICKNAMES = ("Bill", "Bob", "Liz", "Beth", "Kate", "Jim", "Jimmy", "Tom", "Tommy", "Sam",
             "Alex", "Andy", "Chris", "Dave", "Ed", "Fred", "Gabe", "Izzy", "Jen", "Jo", "Kat",
             "Len", "Lou", "Max", "Meg", "Mick", "Nate", "Pat", "Pip", "Rob", "Sue", "Ted",
             "Tony", "Vic", "Wes", "Zoe", "Bea", "Cass", "Dot", "Fitz", "Gus", "Hal", "Jojo",
             "Kit", "Mo", "Ned", "Ollie", "Rick", "Sid", "Trish", "Val", "Zed", "Bubba", "Skip",
             "Rusty", "Buzz", "Dee", "Gigi", "Lulu", "Tito", "Nando", "Paco", "Beppe", "Sasha",
             "Misha", "Kolya", "Yuki", "Kenji", "Mimi", "Nene", "Bao", "Tuan", "Joon")

_GLUED = frozenset({"O'", "Mac", "Mc"})
HELD_OUT_BUCKET = 0
_BUCKETS = 7


def fixed_hash_seed() -> None:
    """Run this process again with PYTHONHASHSEED=0 unless it already is: Faker's providers
    draw from sets in places, whose order follows the string hash, so without it one seed
    gives different texts in every run."""
    if os.environ.get("PYTHONHASHSEED") != "0":
        os.execve(sys.executable, [sys.executable, *sys.argv],  # noqa: S606 - fixed argv
                  {**os.environ, "PYTHONHASHSEED": "0"})


def held_out(word: str) -> bool:
    """``word`` (a name part) is reserved for measurement: never in training data."""
    key = word.lower().encode("utf-8")
    return zlib.crc32(key) % _BUCKETS == HELD_OUT_BUCKET


def fold(text: str) -> str:
    """``text`` without diacritics ("Nguyễn Văn An" -> "Nguyen Van An"), as people type it."""
    text = text.replace("Đ", "D").replace("đ", "d").replace("ł", "l").replace("Ł", "L")
    return "".join(c for c in unicodedata.normalize("NFKD", text)
                   if not unicodedata.combining(c))


@dataclass(frozen=True)
class Name:
    first: str
    last: str
    full: str
    #: What a speaker label, a greeting or "call me" would use.
    short: str


class NameSource:
    """Names of many origins, deterministic for a seed; ``training`` picks which side of the
    held-out split they come from."""

    def __init__(self, seed: int, training: bool = True) -> None:
        self.rng = random.Random(seed)
        self.training = training
        self._fakers: dict[str, Faker] = {}
        self._seed = seed

    def faker(self, locale: str) -> Faker:
        if locale not in self._fakers:
            f = Faker(locale)
            f.seed_instance(self._seed + zlib.crc32(locale.encode()))
            self._fakers[locale] = f
        return self._fakers[locale]

    def _ok(self, *parts: str) -> bool:
        words = [w for p in parts for w in p.replace("-", " ").split() if w[:1].isupper()]
        if self.training:
            return not any(held_out(w) for w in words)
        return any(held_out(w) for w in words)

    def name(self) -> Name:
        for _ in range(200):
            n = self._draw()
            if self._ok(n.full, n.short):
                return n
        return n

    def _draw(self) -> Name:
        r = self.rng.random()
        if r < 0.07:
            return self._korean()
        if r < 0.14:
            return self._vietnamese()
        if r < 0.20:
            f = self.faker("zh_CN")
            first, last = f.first_romanized_name(), f.last_romanized_name()
            return Name(first, last, f"{last} {first}" if self.rng.random() < 0.6
                        else f"{first} {last}", first)
        if r < 0.25:
            f = self.faker("ja_JP")
            first, last = f.first_romanized_name(), f.last_romanized_name()
            return Name(first, last, f"{first} {last}" if self.rng.random() < 0.6
                        else f"{last} {first}", first)
        f = self.faker(self.rng.choice(LATIN_LOCALES))
        first, last = f.first_name(), f.last_name()
        if self.rng.random() < 0.12:
            particle = self.rng.choice(PARTICLES)
            last = f"{particle}{last}" if particle in _GLUED else f"{particle} {last}"
        if self.rng.random() < 0.15:
            last = fold(last)
            first = fold(first)
        middle = ""
        if self.rng.random() < 0.08:
            middle = self.rng.choice((f.first_name(), f"{f.first_name()[0]}."))
        full = " ".join(p for p in (first, middle, last) if p)
        return Name(first, last, full, first)

    def _korean(self) -> Name:
        family = self.rng.choice(_KO_FAMILY)
        a, b = self.rng.sample(_KO_SYLLABLES, 2)
        given = self.rng.choice((f"{a.title()}-{b}", f"{a.title()}{b}", f"{a.title()} {b.title()}",
                                 f"{a.title()}-{b.title()}"))
        full = f"{family} {given}" if self.rng.random() < 0.7 else f"{given} {family}"
        return Name(given, family, full, given)

    def _vietnamese(self) -> Name:
        f = self.faker("vi_VN")
        family, given = f.last_name(), f.first_name()
        full = f"{family} {self.rng.choice(_VI_MIDDLE)} {given}"
        if self.rng.random() < 0.6:
            full, family, given = fold(full), fold(family), fold(given)
        return Name(given, family, full, given)

    def nickname(self) -> str:
        for _ in range(50):
            n = self.rng.choice(NICKNAMES) if self.rng.random() < 0.5 else self.name().first
            if self._ok(n):
                return n
        return n

    def street(self) -> str:
        f = self.faker(self.rng.choice(ADDRESS_LOCALES))
        return " ".join(f.street_address().split())

    def city(self) -> str:
        return fold(self.faker(self.rng.choice(ADDRESS_LOCALES)).city())
