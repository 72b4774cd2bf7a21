"""A corpus whose values come from the mimesis library (names, e-mails, phones, cards, IPs,
MAC addresses, dates, addresses, cities, postcodes, companies, URLs, nationalities; ISBNs,
EANs, versions, prices and UUIDs as look-alikes) in eleven locales, set in templates written
here: support chats with speaker labels, web forms, e-mails with signatures, log lines,
CSV/JSON rows, code, questions and answers, lists, nicknames and prose.

mimesis has no IBAN, SSN or Chinese identifiers (see :mod:`handmade_corpus`), and its Bitcoin
addresses carry no valid checksum, so CRYPTO is not drawn from it.

    .venv/bin/python -m bench.pii_corpora.mimesis_corpus   # a few records, to read
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from mimesis import (
    Address,
    Code,
    Cryptographic,
    Datetime,
    Development,
    Finance,
    Internet,
    Locale,
    Payment,
    Person,
)
from mimesis.enums import CardType

from bench.pii_corpora import LOOK, Record, compose

CORPUS = "mimesis"
LOCALES = ("en", "en-gb", "de", "fr", "es", "it", "nl", "pt-br", "ja", "ko", "zh")


@dataclass(frozen=True)
class _Providers:
    person: Any
    address: Any
    finance: Any
    datetime: Any
    # Locale-free providers, seeded once.
    internet: Any
    payment: Any
    code: Any
    development: Any
    crypto: Any


def _providers(locale: str, seed: int) -> _Providers:
    loc = Locale(locale)
    return _Providers(Person(loc, seed=seed), Address(loc, seed=seed + 1),
                      Finance(loc, seed=seed + 2), Datetime(loc, seed=seed + 3),
                      Internet(seed=seed + 4), Payment(seed=seed + 5), Code(seed=seed + 6),
                      Development(seed=seed + 7), Cryptographic(seed=seed + 8))


def _full_name(p: _Providers, locale: str) -> tuple[str, str, str, str]:
    """(class, full, given, family): Chinese names family first, unspaced, as written."""
    given, family = p.person.first_name(), p.person.last_name()
    if locale == "zh":
        return "PERSON_ZH", family + given, given, family
    if locale in ("ja", "ko"):
        return "PERSON", family + given, given, family
    return "PERSON", f"{given} {family}", given, family


def _values(p: _Providers, locale: str, rng: random.Random) -> dict[str, tuple[str, str]]:
    cls, full, given, family = _full_name(p, locale)
    _, full2, _, _ = _full_name(p, locale)
    card_type = rng.choice((CardType.VISA, CardType.MASTER_CARD, CardType.AMERICAN_EXPRESS))
    birth = p.datetime.date(start=1940, end=2006)
    values = {
        "name": (cls, full), "name2": (cls, full2), "given": (cls, given),
        "family": (cls, family),
        "nick": ("PERSON", p.person.first_name()),  # a handle that is a first name
        "email": ("EMAIL_ADDRESS", p.person.email()),
        "phone": ("PHONE_NUMBER", p.person.telephone()),
        "card": ("CREDIT_CARD", p.payment.credit_card_number(card_type)),
        "ip": ("IP_ADDRESS", p.internet.ip_v4() if rng.random() < 0.7 else p.internet.ip_v6()),
        "mac": ("MAC_ADDRESS", p.internet.mac_address()),
        "dob": ("DATE_OF_BIRTH", rng.choice((birth.isoformat(), birth.strftime("%d.%m.%Y"),
                                             birth.strftime("%B %d, %Y")))),
        "address": ("ADDRESS", p.address.address()),
        "city": ("LOCATION", p.address.city()),
        "country": ("LOCATION", p.address.country()),
        "postcode": ("POSTCODE", p.address.postal_code()),
        "company": ("ORGANIZATION", p.finance.company()),
        "age": ("AGE", str(rng.randint(18, 95))),
        "date": ("DATE", p.datetime.formatted_date()),
        "url": ("URL", p.internet.url()),
        "nationality": ("NRP", p.person.nationality()),
        # look-alikes: must stay
        "isbn": (LOOK, p.code.isbn()), "ean": (LOOK, p.code.ean()),
        "version": (LOOK, p.development.version()), "price": (LOOK, str(p.finance.price())),
        "uuid": (LOOK, p.crypto.uuid()), "ts": (LOOK, str(p.datetime.timestamp())),
        "order": (LOOK, f"ORD-{rng.randint(10**7, 10**8 - 1)}"),
        "field": (LOOK, rng.choice(("Size", "Width", "Genre", "Order Id", "Color", "Title"))),
    }
    # Some locale data carries stray spaces ("深圳市 "): a label covers the value, not them.
    return {k: (label, text.strip()) for k, (label, text) in values.items()}


_TEMPLATES = (
    ("chat", "Agent: Thank you for calling, may I have your name?\nCaller: It's [[name]].\n"
             "Agent: And a callback number?\nCaller: [[phone]]\nAgent: Ticket [[order]] opened."),
    ("chat", "<[[nick]]> my new address is [[address]], [[city]] [[postcode]]\n<bot> noted, "
             "parcel EAN [[ean]] rerouted"),
    ("chat", "user: I'm [[age]] and I work at [[company]] in [[city]]\nassistant: Thanks, "
             "[[given]]!"),
    ("form", "First name: [[given]]\nLast name: [[family]]\nE-mail: [[email]]\nBirthday: "
             "[[dob]]\nNationality: [[nationality]]"),
    ("form", "name=[[name]]&email=[[email]]&phone=[[phone]]&ref=[[uuid]]"),
    ("form", "Cardholder: [[name]]\nCard number: [[card]]\nAmount: [[price]]\nISBN: [[isbn]]"),
    ("email", "Hi [[given]],\n\nour meeting on [[date]] moves to the [[city]] office. Slides: "
              "[[url]]\n\nCheers,\n[[name2]]\n[[company]]\nTel. [[phone]]"),
    ("email", "From: [[email]]\nSubject: invoice [[order]]\n\nDear [[name]], the amount of "
              "[[price]] is due. Version [[version]] of the portal is live."),
    ("log", "[[ts]] sshd: Accepted publickey for deploy from [[ip]] port 52214"),
    ("log", "[[ts]] DHCPACK on [[ip]] to [[mac]] via eth0 (build [[version]])"),
    ("csv", "id,name,email,city,postcode\n[[uuid]],[[name]],[[email]],[[city]],[[postcode]]"),
    ("json", '{"name": "[[name]]", "phone": "[[phone]]", "country": "[[country]]", '
             '"[[field]]": 42, "isbn": "[[isbn]]"}'),
    ("code", "charge(card='[[card]]', owner='[[name]]', order='[[order]]')"),
    ("code", "ALLOWED = ['[[ip]]']  # [[given]]'s laptop, see [[url]]"),
    ("qa", "What's your last name?\n[[family]]\nAnd where were you born?\n[[city]], "
           "[[country]]"),
    ("qa", "Q: date of birth?\nA: [[dob]]\nQ: age?\nA: [[age]]"),
    ("list", "Attendees: [[name]], [[name2]] and [[given]] ([[company]])"),
    ("nickname", "[[name]] (\"[[nick]]\" on the forum) wrote the patch for [[version]]."),
    ("prose", "[[name]], a [[age]]-year-old [[nationality]] engineer, lives at [[address]] "
              "in [[city]]."),
    ("prose", "On [[date]], [[company]] opened a branch in [[city]]; [[name]] leads it."),
)
_ZH_TEMPLATES = (
    ("zh_chat", "客服：请问您贵姓？\n用户：我叫[[name]]，电话[[phone]]。\n客服：好的，订单[[order]]已登记。"),
    ("zh_form", "姓名：[[name]]\n邮箱：[[email]]\n出生日期：[[dob]]\n城市：[[city]]\n邮编：[[postcode]]"),
    ("zh_prose", "[[name]]在[[company]]工作，上周和[[name2]]去了[[city]]。"),
)


def build(n: int = 400, seed: int = 7) -> list[Record]:
    """``n`` records over :data:`LOCALES` in turn; the Chinese locale uses Chinese
    templates half the time."""
    rng = random.Random(seed)
    providers = {loc: _providers(loc, seed * 1000 + i * 10) for i, loc in enumerate(LOCALES)}
    records = []
    for i in range(n):
        locale = LOCALES[i % len(LOCALES)]
        slots = _values(providers[locale], locale, rng)
        templates = _ZH_TEMPLATES if locale == "zh" and rng.random() < 0.5 else _TEMPLATES
        register, template = rng.choice(templates)
        records.append(compose(template, slots, register, CORPUS))
    return records


if __name__ == "__main__":
    for record in build(12):
        print(record.register, repr(record.text))
