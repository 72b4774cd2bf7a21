# ruff: noqa: RUF001, RUF002
"""A second, independent development probe for the strict (GDPR) profile: organisations,
ages, addresses and places, from sources other than Faker and in templates of its own.

``strict_probe.py`` draws its values from Faker; a profile tuned on it learns Faker's values.
This probe does not use Faker. Its values come from:

- places: the town and region names of the ``phonenumbers`` package's geocoding data (English
  and Chinese; "Canutillo, TX", "Rhade bei Zeven", "四川省乐山市") and the city names of the
  system's time-zone database (``/usr/share/zoneinfo``: Buenos Aires, Ulaanbaatar), and a list
  of countries written here (with articles and accents: the Netherlands, Côte d'Ivoire);
- organisations: lists written here (real firms and brands of several countries, fictional
  firms — Globex, Initech —, universities, hospitals, banks, NGOs, agencies and government
  bodies), names made up from syllables (Zentrivo, Korvala) with and without a legal form of
  one of twenty countries, and towns of the geocoding data in a body's name (University of
  Kastellaun, Premnitz General Hospital);
- addresses: street types of nine languages written here, street names from the ``names``
  package's surnames and the geocoding towns, house numbers, units, PO boxes, postcodes in
  the formats of several countries (European postcode first), one line, several lines, in
  forms and JSON; Chinese 省/市/区/路/号 addresses built from the Chinese geocoding data;
- ages: one to ninety-nine in the forms people write them (aged 34, 34yo, 34-year-old,
  age: 34, "I'm 34", "turned 40", "34 years of age", "patient, 67,", "Alice (34)", 34M, JSON
  and CSV fields, 年龄：34, 34岁, 34歳).

Templates are of several registers: chat, e-mail, forms, JSON, CSV, CVs, news, Q&A, support
tickets, logs and Chinese. A value counts as masked when every letter and digit of it lies
inside a finding (of any type); an age when its digits do ("aged 34": the 34). Negatives
(texts without personal data that hold durations, quantities, amounts, product names, words
after the cues for firms, capitalised words at a sentence's start, "Apple pie", "Amazon
rainforest") report the share of texts with a finding of the four classes and the
share of their words masked.

Prints one JSON object (recall per class, register and class x register; negatives), then
with ``--show`` up to ``--limit`` misses of the classes or registers named (``neg`` for the
over-masked negatives). The texts are made up; no real person's data is used.

    .venv/bin/python tools/pii_dev/strict_probe2.py 600
    .venv/bin/python tools/pii_dev/strict_probe2.py 600 --seed 5 --show ORGANIZATION,neg
"""

from __future__ import annotations

import argparse
import json
import random
import re
import string
import sys
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import names  # type: ignore[import-untyped]
import phonenumbers.geodata

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from appliance.config import STRICT_OUTPUT_SCAN_ENTITIES, STRICT_PII_ENTITIES, PiiConfig
from appliance.privacy.analyzer import Analyzer
from appliance.privacy.masker import mask_texts

MINE = frozenset({"ORGANIZATION", "LOCATION", "ADDRESS", "AGE"})
CLASSES = {"o": "ORGANIZATION", "a": "AGE", "ad": "ADDRESS", "l": "LOCATION"}

# ---- Value sources ---------------------------------------------------------------------------


def _geo() -> tuple[list[str], list[str], list[str]]:
    """English towns (no region), English towns with their region, Chinese places."""
    towns, with_region, zh = set(), set(), set()
    for entry in phonenumbers.geodata.GEOCODE_DATA.values():
        en = entry.get("en")
        if en and re.fullmatch(r"[A-Z][^\d/()]{2,30}", en):
            if ", " in en:
                with_region.add(en)
                towns.add(en.split(", ")[0])
            elif " - " not in en:
                towns.add(en)
        cn = entry.get("zh")
        if cn and re.fullmatch(r"[\u4e00-\u9fff]{2,10}", cn):
            zh.add(cn)
    return sorted(towns), sorted(with_region), sorted(zh)


def _zone_cities() -> list[str]:
    root = Path("/usr/share/zoneinfo")
    out = set()
    for area in ("Europe", "America", "Asia", "Africa", "Australia", "Pacific", "Atlantic"):
        if (root / area).is_dir():
            for p in (root / area).iterdir():
                if p.is_file() and p.name[0].isupper() and "GMT" not in p.name:
                    out.add(p.name.replace("_", " "))
    return sorted(out) or ["Ulaanbaatar", "Montevideo", "Ljubljana"]


TOWNS, TOWNS_REGION, ZH_PLACES = _geo()
ZONE_CITIES = _zone_cities()
COUNTRIES = [
    "the Netherlands", "Côte d'Ivoire", "Bosnia and Herzegovina", "New Zealand", "Uruguay",
    "Kazakhstan", "Slovenia", "Portugal", "Ghana", "Vietnam", "the Philippines", "Iceland",
    "Morocco", "Estonia", "Chile", "Sri Lanka", "Tunisia", "Ecuador", "Lithuania", "Nepal",
    "Costa Rica", "the United Arab Emirates", "Paraguay", "Mongolia", "Luxembourg", "Malta",
    "Cameroon", "Bangladesh", "Jordan", "Croatia", "Switzerland", "Belgium", "Czechia",
]

REAL_FIRMS = [
    "Stripe", "Zalando", "Siemens", "Accenture", "Rakuten", "Spotify", "Klarna", "Adyen",
    "Booking Holdings", "Ocado", "Monzo", "Wise", "Revolut", "Shopify", "Atlassian", "Canva",
    "Grab", "Sea Limited", "Infosys", "Tata Consultancy Services", "Mahindra", "Reliance",
    "Petrobras", "Ambev", "Natura", "Mercado Libre", "Embraer", "Nubank", "Bimbo", "Cemex",
    "Telmex", "Femsa", "Nokia", "Kone", "Wärtsilä", "Fortum", "Neste", "Equinor", "Orkla",
    "Telenor", "Carlsberg", "Vestas", "Ørsted", "Lego", "Pandora", "Maersk", "Novozymes",
    "Ericsson", "Sandvik", "Atlas Copco", "Electrolux", "Husqvarna", "Skanska", "Henkel",
    "Beiersdorf", "Continental", "Infineon", "Zeiss", "Trumpf", "Kärcher", "Miele", "Stihl",
    "Haribo", "Dr. Oetker", "Ravensburger", "Tchibo", "Rossmann", "Otto Group", "Bertelsmann",
    "Axel Springer", "Lufthansa", "Fraport", "Hapag-Lloyd", "Kühne + Nagel", "Schindler",
    "Swatch", "Lindt", "Givaudan", "Holcim", "Logitech", "Temenos", "Decathlon", "Leroy Merlin",
    "Auchan", "Orange", "Bouygues", "Vinci", "Saint-Gobain", "Schneider Electric", "Legrand",
    "Capgemini", "Sopra Steria", "Ubisoft", "Criteo", "BlaBlaCar", "Doctolib", "Mistral AI",
    "Telefónica", "Mapfre", "Mercadona", "El Corte Inglés", "Indra", "Ferrovial", "Acciona",
    "Luxottica", "Barilla", "Ferrero", "Lavazza", "Benetton", "Prada", "Leonardo", "Generali",
    "Intesa Sanpaolo", "UniCredit", "Philips", "ASML", "Randstad", "Ahold Delhaize", "Jumbo",
    "Coolblue", "Bol.com", "Tomtom", "Rituals", "KPN", "Allegro", "CD Projekt", "Orlen",
    "PKO Bank Polski", "Żabka", "Skoda", "Avast", "Raiffeisen", "Erste Group", "OMV",
    "Red Bull", "Swarovski", "Billa", "Tesco", "Ocado Group", "Greggs", "Pret A Manger",
    "Arm Holdings", "Rolls-Royce", "BAE Systems", "Dyson", "Sage Group", "Aviva", "Prudential",
    "Deliveroo", "Just Eat", "Kingfisher", "Marks & Spencer", "John Lewis", "Waitrose",
    "Naver", "Kakao", "Coupang", "Hanwha", "Posco", "Lotte", "Uniqlo", "Fast Retailing",
    "Muji", "Shiseido", "Kirin", "Asahi", "Suntory", "Denso", "Bridgestone", "Canon", "Kyocera",
    "Olympus", "Yamaha", "Mazda", "Subaru", "Suzuki", "Square Enix", "Capcom", "Konami",
    "Sega", "Bandai Namco", "Meituan", "Pinduoduo", "JD.com", "NetEase", "DiDi", "BYD", "Haier",
    "Midea", "Anta", "Li Ning", "Geely", "NIO", "Atlassian", "Twilio", "Okta", "Cloudflare",
    "GitLab", "HashiCorp", "Datadog", "MongoDB", "Elastic", "Confluent", "Figma", "Notion",
    "Asana", "Zendesk", "HubSpot", "Workday", "ServiceNow", "Intuit", "Autodesk", "Oracle",
    "Kroger", "Target", "Walgreens", "CVS Health", "Humana", "Cigna", "Anthem", "Aetna",
    "FedEx", "UPS", "DHL", "Maersk", "Caterpillar", "Deere", "Honeywell", "Raytheon",
    "Lockheed Martin", "General Electric", "Medtronic", "Abbott", "Baxter", "Stryker",
]
FICTIONAL_FIRMS = [
    "Globex", "Initech", "Acme", "Hooli", "Vandelay Industries", "Dunder Mifflin", "Contoso",
    "Northwind Traders", "Wayne Enterprises", "Stark Industries", "Umbrella Corporation",
    "Cyberdyne Systems", "Soylent", "Wonka Industries", "Tyrell Corporation", "Massive Dynamic",
    "Prestige Worldwide", "Pied Piper", "Aperture Science", "Black Mesa", "Oscorp", "Gringotts",
    "Sterling Cooper", "Los Pollos Hermanos", "Bluth Company", "Gekko & Co", "Monarch Solutions",
    "Fabrikam", "Tailspin Toys", "Wide World Importers", "Adventure Works", "Litware",
]
INSTITUTIONS = [
    "the Ministry of Health", "the Ministry of Finance", "the Home Office",
    "the Department for Education", "the Federal Employment Agency", "the Red Cross",
    "Médecins Sans Frontières", "Oxfam", "Amnesty International", "Greenpeace", "UNICEF",
    "the World Health Organization", "the European Commission", "the Bundesbank",
    "the Internal Revenue Service", "the Social Security Administration",
    "the National Health Service", "Save the Children", "the Salvation Army", "Caritas",
    "the Tax Agency", "the European Medicines Agency", "Europol", "Eurostat", "Interpol",
    "the Max Planck Society", "the Fraunhofer Society", "CERN", "ETH Zurich", "EPFL",
    "Sciences Po", "Karolinska Institutet", "Imperial College London",
    "the London School of Economics", "Trinity College Dublin", "KU Leuven", "TU Delft",
    "Sorbonne University", "Charité", "Mayo Clinic", "Cleveland Clinic", "Johns Hopkins",
    "Stanford", "MIT", "Caltech", "Tsinghua", "Peking University", "Seoul National University",
    "the Bank of England", "Banco Santander", "Crédit Agricole", "Sparkasse", "Volksbank",
    "Nordea", "Danske Bank", "Handelsbanken", "the Metropolitan Police", "the City Council",
]
SYLLABLES = ["zen", "tri", "vo", "kor", "va", "la", "nex", "qua", "lix", "mer", "ta", "bri",
             "do", "sol", "ra", "vin", "tek", "lu", "mo", "pa", "rix", "xo", "fen", "dri",
             "ka", "no", "vel", "sy", "ora", "pli", "gra", "ven", "tu", "cor", "ix", "ella"]
SECTOR_WORDS = ["Logistics", "Analytics", "Robotics", "Foods", "Dynamics", "Labs", "Energy",
                "Health", "Capital", "Ventures", "Studios", "Media", "Systems", "Networks",
                "Biotech", "Solutions", "Consulting", "Software", "Textiles", "Outfitters",
                "Partners", "Holdings", "Digital", "Pharma", "Motors", "Freight", "Bakery"]
LEGAL_FORMS = ["Inc.", "LLC", "Ltd", "Ltd.", "plc", "GmbH", "GmbH & Co. KG", "AG", "S.A.",
               "SAS", "SARL", "S.r.l.", "S.p.A.", "B.V.", "N.V.", "Oy", "AB", "AS", "A/S",
               "ApS", "Sp. z o.o.", "s.r.o.", "Kft.", "Pty Ltd", "Pte. Ltd.", "K.K.", "Ltda.",
               "S.L.", "Corp.", "Co., Ltd.", "SE", "S.A.S.", "d.o.o.", "OÜ", "UAB", "Sdn Bhd"]
BODY_KINDS = ["University of {t}", "{t} General Hospital", "{t} Savings Bank",
              "{t} City Council", "{t} Technical College", "{t} Football Club",
              "Bank of {t}", "{t} Community Clinic", "{t} Chamber of Commerce",
              "{t} Housing Association", "{t} Rowing Club", "{t} Institute of Technology"]
ZH_ORGS = ["华为技术有限公司", "腾讯", "阿里巴巴集团", "中国工商银行", "招商银行", "复旦大学",
           "浙江大学", "协和医院", "美团", "京东", "小米科技", "比亚迪股份有限公司", "网易",
           "蔚来汽车", "中国移动", "字节跳动", "顺丰速运", "海尔集团", "格力电器", "联想集团"]


def brand(rnd: random.Random) -> str:
    word = "".join(rnd.choice(SYLLABLES) for _ in range(rnd.choice([2, 2, 3])))
    return word.capitalize()


def _surname_firm(rnd: random.Random) -> str:
    a, b = names.get_last_name(), names.get_last_name()
    return rnd.choice([f"{a} & {b}", f"{a} {b} {rnd.choice(LEGAL_FORMS)}",
                       f"{a} & Sons", f"{a} {rnd.choice(SECTOR_WORDS)}"])


def organisation(rnd: random.Random, town: str) -> tuple[str, str]:
    """An organisation's name and its kind."""
    kind = rnd.choice(["real", "real", "fictional", "institution", "made_up", "made_form",
                       "made_sector", "body", "surname_form"])
    make = {
        "real": lambda: rnd.choice(REAL_FIRMS), "fictional": lambda: rnd.choice(FICTIONAL_FIRMS),
        "institution": lambda: rnd.choice(INSTITUTIONS), "made_up": lambda: brand(rnd),
        "made_form": lambda: f"{brand(rnd)} {rnd.choice(LEGAL_FORMS)}",
        "made_sector": lambda: f"{brand(rnd)} {rnd.choice(SECTOR_WORDS)}",
        "body": lambda: rnd.choice(BODY_KINDS).format(t=town),
        "surname_form": lambda: _surname_firm(rnd),
    }
    return make[kind](), kind


STREET_TYPES = {
    "en": ["Street", "St", "Road", "Rd", "Lane", "Drive", "Avenue", "Ave", "Court", "Crescent",
           "Terrace", "Close", "Way", "Boulevard", "Place", "Grove", "Parade", "Row", "Hill"],
    "de": ["straße", "str.", "weg", "allee", "ring", "damm", "gasse", "platz"],
    "nl": ["straat", "laan", "gracht", "weg", "plein", "kade"],
    "sv": ["gatan", "vägen"],
}
PREFIX_TYPES = {
    "fr": ["rue", "avenue", "boulevard", "chemin", "impasse", "place", "allée"],
    "es": ["Calle", "Avenida", "Paseo", "Camino", "Plaza", "C/"],
    "it": ["Via", "Viale", "Piazza", "Corso", "Vicolo"],
    "pt": ["Rua", "Avenida", "Travessa", "Largo"],
    "pl": ["ul.", "al."],
}
POSTCODE = {
    "de": lambda r: f"{r.randint(10000, 99999)}", "fr": lambda r: f"{r.randint(10000, 95999)}",
    "es": lambda r: f"{r.randint(1000, 52999):05d}", "it": lambda r: f"{r.randint(10, 98)}"
    f"{r.randint(100, 999)}", "nl": lambda r: f"{r.randint(1000, 9999)} "
    f"{r.choice('ABCDEGHJKLMNPRSTVWXZ')}{r.choice('ABCDEGHJKLMNPRSTVWXZ')}",
    "pt": lambda r: f"{r.randint(1000, 9999)}-{r.randint(100, 999)}",
    "pl": lambda r: f"{r.randint(10, 99)}-{r.randint(100, 999)}",
    "sv": lambda r: f"{r.randint(100, 999)} {r.randint(10, 99)}",
}


def street(rnd: random.Random) -> tuple[str, str]:
    """A street line (number and street) and the language it is in."""
    lang = rnd.choice(["en", "en", "de", "nl", "sv", "fr", "es", "it", "pt", "pl"])
    base = rnd.choice([names.get_last_name(), rnd.choice(TOWNS)])
    num = str(rnd.choice([rnd.randint(1, 99), rnd.randint(1, 2999), rnd.randint(1, 40)]))
    if rnd.random() < 0.15:
        num += rnd.choice(["a", "B", "-3", " bis"])
    if lang == "en":
        return f"{num} {base} {rnd.choice(STREET_TYPES['en'])}", lang
    if lang in STREET_TYPES:
        kind = rnd.choice(STREET_TYPES[lang])
        name = base.split()[0].capitalize()
        return f"{name}{kind} {num}", lang
    kind = rnd.choice(PREFIX_TYPES[lang])
    linker = rnd.choice(["", "de ", "del ", "da "]) if lang in ("es", "pt", "fr") else ""
    if lang == "fr":
        return f"{num}, {kind} {linker}{base}" if rnd.random() < 0.3 else \
            f"{num} {kind} {linker}{base}", lang
    if lang == "pl":
        return f"{kind} {base} {num}", lang
    return f"{kind} {linker}{base}, {num}" if rnd.random() < 0.5 else \
        f"{kind} {linker}{base} {num}", lang


def address(rnd: random.Random) -> tuple[str, str]:
    """A whole address on one line, or several (``\\n``), and its kind."""
    line, lang = street(rnd)
    town = rnd.choice(TOWNS)
    kind = rnd.choice(["line", "unit", "pobox", "ml", "zh", "region"])
    if kind == "zh":
        place = rnd.choice(ZH_PLACES)
        road = rnd.choice(["人民", "解放", "建设", "中山", "和平", "青年", "新华", "长江", "光明"])
        return (f"{place}{rnd.choice(['朝阳区', '城关区', '高新区', '开发区', '东城区'])}"
                f"{road}{rnd.choice(['路', '大街', '街', '大道'])}{rnd.randint(1, 399)}号"
                + rnd.choice(["", f"{rnd.randint(1, 30)}栋{rnd.randint(101, 2808)}室",
                              f"{rnd.randint(1, 9)}单元"])), kind
    if kind == "pobox":
        return rnd.choice([f"PO Box {rnd.randint(1, 9999)}, {town}",
                           f"P.O. Box {rnd.randint(1, 9999)}, {rnd.choice(TOWNS_REGION)}",
                           f"Postfach {rnd.randint(100, 99999)}, {POSTCODE['de'](rnd)} {town}"]
                          ), kind
    if lang == "en":
        tail = rnd.choice([f"{town} {rnd.choice(['SW1A 2AA', 'EH3 9QG', 'M14 5RT', 'BS8 1TH'])}",
                           rnd.choice(TOWNS_REGION) + f" {rnd.randint(10000, 99999)}",
                           rnd.choice(TOWNS_REGION)])
    else:
        code = POSTCODE.get(lang, POSTCODE["de"])(rnd)
        tail = f"{code} {town}"
    if kind == "unit":
        unit = rnd.choice([f"Apt {rnd.randint(1, 40)}", f"Unit {rnd.randint(1, 12)}",
                           f"Flat {rnd.randint(1, 9)}{rnd.choice('ABC')}",
                           f"Suite {rnd.randint(100, 990)}", f"{rnd.randint(4, 9)}th floor"])
        return (f"{unit}, {line}, {tail}" if rnd.random() < 0.5
                else f"{line}, {unit}, {tail}"), kind
    if kind == "ml":
        return f"{line}\n{tail}", kind
    if kind == "region":
        return f"{line}, {tail}, {rnd.choice(COUNTRIES).removeprefix('the ')}", kind
    return f"{line}, {tail}", kind


def age_value(rnd: random.Random) -> int:
    return rnd.choice([rnd.randint(18, 89), rnd.randint(2, 17), rnd.randint(20, 70)])


#: Age forms: {a} is the whole value that must be masked.
AGE_FORMS = [
    "aged {n}", "{n} y/o", "{n}yo", "{n} yo", "{n}-year-old", "{n} year old", "age: {n}",
    "Age {n}", "{n} years of age", "age {n} years", "{n}y", "{n} yrs old",
]
AGE_SENTENCES = {
    # {a}: value of a form; {n}: a bare number that is the age
    "chat": ["I'm {n} and honestly tired of job hunting", "my sister is {n} lol",
             "I am {n}, is that too old to learn piano?", "she turned {n} on saturday 🎉",
             "I'm {n} years old and never been to a concert", "{n}M here, looking for gym buddies",
             "my kid ({n}) won't sleep", "me ({n}F) and my bf ({n2}M) are moving in",
             "{first} ({n}) and I are flatmates", "{first}, {n}, says hi"],
    "email": ["Our applicant, {a}, would start in spring.",
              "The tenant is {n} years old and has no pets.",
              "Please note the participant is {a}."],
    "form": ["Age: {n}", "AGE: {n}", "Age (years): {n}", "Your age: {n}", "Alter: {n}"],
    "json": ['{{"age": {n}, "active": true}}', '{{"user": {{"age": "{n}"}}}}',
             '{{"patient_age": {n}}}'],
    "csv": ["id,age,plan\n17,{n},basic", "member;age;tier\nA-4;{n};gold"],
    "cv": ["Personal details: {a}, married", "Age — {n}", "Date of birth withheld ({a})"],
    "news": ["The driver, {n}, was taken to hospital.", "A {n}-year-old woman was arrested.",
             "The patient, {n}, presented with chest pain.",
             "Officers detained a man {a} near the station.",
             "The victim, {a}, died at the scene."],
    "qa": ["Q: How old is the patient?\nA: {n}", "How old are you? — {n}",
           "Q: age?\nA: {n} years"],
    "ticket": ["Customer is {a} and asked about the senior discount.",
               "Reporter states she is {n} and cannot use the app's small font."],
    "log": ["INFO signup ok age={n} plan=free", "user_profile updated: age:{n}"],
    "zh": ["年龄：{n}", "他今年{n}岁了。", "患者，男，{n}岁，主诉头痛。", "{n}歳の会社員です。",
           "我{n}岁，在找工作。"],
}


# ---- Templates ---------------------------------------------------------------------------------
# {o} organisation, {l} place, {ad} address (digits after a placeholder: another value).

TEMPLATES: dict[str, list[str]] = {
    "chat": [
        "I work at {o} now, the commute is brutal", "just got an offer from {o}!!",
        "anyone here employed by {o}? how's the culture", "he's an engineer at {o} i think",
        "joined {o} in 2019 and never looked back", "back in {l} for the holidays :)",
        "we moved from {l} to {l2} last year", "my new place is {ad}, come over sometime",
        "interviewing with {o} tomorrow, wish me luck", "ugh {o} support is useless",
        "flying out of {l} tonight", "she left {o} after 3 years",
    ],
    "email": [
        "Hello,\n\nI'm reaching out from {o} about the open position.\n\nBest regards",
        "Hi Tom,\n\nthe parcel goes to {ad}.\n\nThanks!",
        "Dear colleagues,\nthe offsite will take place in {l} this autumn.",
        "Good morning,\nplease update my address to:\n{ad}\nKind regards",
        "Dear hiring team,\nI currently work for {o} as a data engineer.",
        "Hi,\n{o} has approved the budget. Next meeting in {l}.",
    ],
    "form": [
        "Employer: {o}\nPosition: Analyst", "Company: {o}", "Organisation: {o}",
        "Street address: {ad}", "Address: {ad}", "Home address: {ad}", "City: {l}",
        "Place of residence: {l}", "Town / City: {l}", "Mailing address\n{ad}",
        "Current employer - {o}", "Billing address: {ad}\nCountry: {l}",
    ],
    "json": [
        '{{"company": "{o}", "role": "admin"}}', '{{"employer": "{o}", "since": 2021}}',
        '{{"address": "{ad}", "verified": false}}', '{{"city": "{l}", "tz": "+01:00"}}',
        '{{"org": "{o}"}}', '{{"shipping": {{"street": "{ad}"}}}}',
        '{{"location": "{l}", "remote": true}}',
    ],
    "csv": [
        "name,company,city\nJ. Doe,{o},{l}", "id;employer;town\n7;{o};{l}",
        "order,ship_to\n5531,\"{ad}\"", "customer|address\nC-12|{ad}",
    ],
    "cv": [
        "EXPERIENCE\n2018 – 2022  Backend developer, {o}\n2022 – present  Tech lead, {o2}",
        "Work history:\n- {o} (2015-2019), Sales manager", "Education: {o}, MSc Physics",
        "Based in {l}. Open to relocation.", "Contact: {ad}",
        "Previously at {o} and {o2}.", "Internship at {o}, summer 2020",
    ],
    "news": [
        "{o} said on Tuesday it would cut 300 jobs.", "Shares in {o} fell 4% in early trading.",
        "The fire broke out at a warehouse in {l} on Sunday.",
        "Police in {l} are appealing for witnesses.", "A spokesperson for {o} declined to comment.",
        "Residents of {l} were evacuated overnight.",
        "{o} has agreed to buy a rival for an undisclosed sum.",
        "The incident happened outside a shop on {ad}.",
    ],
    "qa": [
        "Q: Where do you work?\nA: {o}", "Where are you from? - {l}",
        "Q: What's your address?\nA: {ad}", "Who is your employer? {o}.",
        "Q: Which city do you live in?\nA: {l}",
    ],
    "ticket": [
        "Ticket #4411: customer from {o} cannot log in.",
        "Delivery to {ad} failed twice, please check.",
        "User reports outage in {l} since 9am.", "Account belongs to {o}; escalate to tier 2.",
        "Requester: IT desk, {o}\nIssue: VPN drops",
    ],
    "log": [
        "2024-05-01T10:22:01Z INFO tenant={o} action=login", "geo.city={l} geo.ok=true",
        "WARN address validation failed: \"{ad}\"", "org=\"{o}\" seats=25 plan=team",
    ],
    "zh": [
        "我在{zo}工作。", "地址：{zad}", "他住在{zl}。", "我老家是{zl}的。",
        "收货地址：{zad}，电话稍后发你", "她去年加入了{zo}。",
    ],
}
ZH_CLASSES = {"zo": "ORGANIZATION", "zad": "ADDRESS", "zl": "LOCATION"}

NEGATIVES = [
    "I waited {n} minutes for the bus.", "The film lasts {n} minutes.",
    "We have been married for {n} years.", "That was {n} years ago.",
    "I have {n} years of experience in sales.", "It costs ${n} per month.",
    "The box weighs {n} kg.", "Chapter {n} is the longest.", "Set the timeout to {n} seconds.",
    "The warranty covers {n} years.", "Order {n} units by Friday.", "Page {n} has a typo.",
    "Apple pie is my favourite dessert.", "The Amazon rainforest is shrinking.",
    "Windows Update failed again.", "Excel keeps crashing when I paste.",
    "Python 3.12 is out.", "Open the Settings menu and click Save.",
    "Great work on the report!", "Thanks for joining the call.",
    "Monday works for me.", "Please join the meeting at 3pm.",
    "The Kindle arrived yesterday.", "She started the Model 3 remotely.",
    "Welcome to the team!", "Happy to help with the migration.",
    "I joined the call late.", "He works at home on Fridays.",
    "We work for the common good.", "Employee of the month: nobody this time.",
    "The project took {n} weeks.", "Version {n} fixes the bug.",
    "Room temperature was {n} degrees.", "Turn left after {n} metres.",
    "I work at night mostly.", "I'm {n} minutes late, sorry.",
    "I'm 100% sure.", "She is 5 feet tall.", "Over {n} people attended.",
    "Buy {n} eggs and milk.", "The Great Barrier Reef is bleaching.",
    "Java and Rust are both fine.", "Chrome is using too much memory.",
    "Employer contributions rose {n}%.", "Company policy forbids that.",
    "Age is just a number.", "The Eiffel Tower looks great at night.",
    "He joined Engineering in May.", "She left Marketing last year.", "I work in Sales.",
    "Contact Support for help.", "Join Zoom Meeting at 10.", "Thanks for joining Monday's call.",
    "Age of Empires is a great game.", "Ages 5 to 12 welcome.", "Stage: {n}", "Voltage: {n}",
    "Page {n} of 80", "Level {n} unlocked!", "Size: {n}", "The tower was built {n} years ago.",
    "In {n} years this will pay off.", "She has worked here for {n} years.",
    "The whisky is aged {n} months in oak.", "Windows 11 and iPhone 15 are supported.",
    "Room {n} is on the left.", "Gate {n} closes early.", "Over {n} years of experience.",
    "The Board approved the budget.", "Customer Service will call back.",
    "We joined forces last spring.", "He works at Night and sleeps by Day.",
    "Please contact Human Resources.", "Our Team will reply shortly.",
    "The North Sea was rough.", "Mount Everest is tall.", "The patient was stable.",
    "The report covers {n} countries.", "Rated {n}+ for violence.", "Over-{n}s league.",
]


def fill(template: str, values: dict[str, tuple[str, str, str]],
         ) -> tuple[str, list[tuple[str, str, int, int]]]:
    """The text and each placeholder's (class, kind, start, end)."""
    parts: list[str] = []
    spans: list[tuple[str, str, int, int]] = []
    pos = 0
    for literal, field, _spec, _conv in string.Formatter().parse(template):
        parts.append(literal)
        pos += len(literal)
        if field is None:
            continue
        cls, value, kind = values[field]
        if value.startswith("the "):  # the article is no part of the name to mask
            parts.append("the ")
            pos += 4
            value = value[4:]
        if cls:
            spans.append((cls, kind, pos, pos + len(value)))
        parts.append(value)
        pos += len(value)
    return "".join(parts), spans


def draw(rnd: random.Random, register: str) -> tuple[str, list[tuple[str, str, int, int]]]:
    """One text of ``register`` and the values in it."""
    values: dict[str, Any] = {}
    if rnd.random() < 0.3 and register in AGE_SENTENCES:
        template = rnd.choice(AGE_SENTENCES[register])
        n, n2 = age_value(rnd), age_value(rnd)
        form = rnd.choice(AGE_FORMS)
        values = {"n": ("AGE", str(n), "bare"), "n2": ("AGE", str(n2), "bare"),
                  "first": ("", names.get_first_name(), ""),
                  "a": ("AGE", form.format(n=n), form.replace("{n}", "N"))}
        return fill(template, values)
    template = rnd.choice(TEMPLATES[register])
    for i in ("", "2"):
        town = rnd.choice(TOWNS)
        org, okind = organisation(rnd, town)
        loc_kind = rnd.choice(["town", "town", "zone", "region", "country"])
        loc = {"town": town, "zone": rnd.choice(ZONE_CITIES),
               "region": rnd.choice(TOWNS_REGION), "country": rnd.choice(COUNTRIES)}[loc_kind]
        addr, akind = address(rnd)
        if register in ("json", "csv", "log", "form", "chat") or "\n" in template:
            addr = addr.replace("\n", ", ")
        if register in ("csv",) and "," in addr:
            pass
        values["o" + i] = ("ORGANIZATION", org, okind)
        values["l" + i] = ("LOCATION", loc, loc_kind)
        values["ad" + i] = ("ADDRESS", addr, akind)
    values["zo"] = ("ORGANIZATION", rnd.choice(ZH_ORGS), "zh")
    values["zl"] = ("LOCATION", rnd.choice(ZH_PLACES), "zh")
    zaddr, _ = address(random.Random(rnd.random()))
    while not re.search("[\u4e00-\u9fff]", zaddr):
        zaddr, _ = address(random.Random(rnd.random()))
    values["zad"] = ("ADDRESS", zaddr, "zh")
    return fill(template, values)


def covered(text: str, start: int, end: int, spans: list[tuple[int, int]],
            digits: bool = False) -> bool:
    """Every letter and digit (only every digit: ``digits``, an age's number without its cue
    word) of ``text[start:end]`` inside ``spans``."""
    return all(any(s <= i < e for s, e in spans) for i in range(start, end)
               if (text[i].isdigit() if digits else text[i].isalnum()))


def run(n: int, seed: int, show: set[str], limit: int) -> None:
    rnd = random.Random(seed)
    names_rnd_state = random.getstate()
    random.seed(seed)  # the names package draws from the global generator
    analyzer = Analyzer(PiiConfig(entities=STRICT_PII_ENTITIES,
                                  output_scan_entities=STRICT_OUTPUT_SCAN_ENTITIES, models=()))

    def findings(text: str) -> list[Any]:
        return list(mask_texts(analyzer, [text]).findings[0])

    tot: Counter[str] = Counter()
    hit: Counter[str] = Counter()
    misses: defaultdict[str, list[str]] = defaultdict(list)
    registers = list(TEMPLATES)
    for _ in range(n):
        register = rnd.choice(registers)
        text, wanted = draw(rnd, register)
        found = [(f.start, f.end) for f in findings(text)]
        for cls, kind, start, end in wanted:
            ok = covered(text, start, end, found, digits=cls == "AGE")
            for key in (cls, f"{cls}/{register}", f"{cls}:{kind}"):
                tot[key] += 1
                hit[key] += ok
            if not ok:
                line = (f"{cls} {register} {kind} {text[start:end]!r} :: {text!r} "
                        f"found={[text[s:e] for s, e in found]}")
                misses[cls].append(line)
                misses[register].append(line)
    neg_texts = neg_hit = words = words_hit = 0
    over: list[str] = []
    for _ in range(max(200, n // 2)):
        text = rnd.choice(NEGATIVES).format(n=rnd.choice([3, 5, 12, 18, 25, 34, 40, 47, 60]))
        fs = [f for f in findings(text) if f.entity_type in MINE]
        neg_texts += 1
        neg_hit += bool(fs)
        for m in re.finditer(r"[A-Za-z0-9]+", text):
            words += 1
            words_hit += any(f.start < m.end() and m.start() < f.end for f in fs)
        if fs:
            over.append(f"OVER {text!r} found={[(text[f.start:f.end], f.entity_type) for f in fs]}")
    random.setstate(names_rnd_state)

    def rate(key: str) -> list[float]:
        return [tot[key], round(hit[key] / tot[key], 3) if tot[key] else 0.0]

    summary = {
        "recall": {c: rate(c) for c in sorted(CLASSES.values())},
        "class_register": {k: rate(k) for k in sorted(tot) if "/" in k},
        "class_kind": {k: rate(k) for k in sorted(tot) if ":" in k},
        "negatives_with_finding": [neg_texts, round(neg_hit / max(neg_texts, 1), 3)],
        "negative_words_masked": [words, round(words_hit / max(words, 1), 3)],
    }
    print(json.dumps(summary, ensure_ascii=False, indent=1))
    for key in sorted(show):
        lines = sorted(set(over)) if key == "neg" else misses.get(key, [])
        for line in lines[:limit]:
            print("MISS" if key != "neg" else "", line)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("n", nargs="?", type=int, default=600, help="texts with values (600)")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--show", default="", help="classes or registers whose misses to print, "
                        "'neg' for the over-masked negatives, comma-separated")
    parser.add_argument("--limit", type=int, default=30, help="lines printed per key (30)")
    args = parser.parse_args()
    run(args.n, args.seed, {s for s in args.show.split(",") if s}, args.limit)


if __name__ == "__main__":
    main()
