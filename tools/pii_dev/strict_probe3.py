"""A third development probe for the strict (GDPR) profile, written apart from
``strict_probe.py`` and ``strict_probe2.py``: other value sources, other templates, and the
registers text comes in (prose, Q&A, lists, e-mail, chat, CSV, JSON, forms) rather than
kinds of document.

Values:

- organisations: Faker ``company()`` in fourteen locales, and lists written here of names of
  the kinds people mention — banks, universities, hospitals, airlines, retailers, NGOs,
  government agencies, technology and industrial firms, one-word brands —, kept apart from
  the recognizers' own lists (``kind`` says which; ``list:*`` are real-world names);
- ages: one to ninety-nine, in digits mostly and in words now and then, in the forms the
  templates give them (age: 34, 34 years, aged 34, (34), 34-year-old, 34 y/o, turned 34,
  is 34, a CSV column, a JSON field, an answer to "How old are you?");
- places: Faker ``city()``, ``country()`` and ``state()``/region in many locales;
- NRP: nationalities, religions and political groups, a list written here;
- postcodes: Faker ``postcode()`` of many countries; addresses: Faker ``street_address()``.

Organisations stand in several frames: subject of a verb, object, possessive, after a
preposition, in a signature, a CSV column, a JSON key, an answer. A value counts as masked
when every letter and digit of it lies inside a finding of any type (an age: its digits).

Over-masking (``--clean N``): sentences of text with no personal data of the kinds scored
here — the licences under ``/usr/share/common-licenses``, docstrings of the Python standard
library, and lines of the English manual pages under ``/usr/share/man`` — and blocks of
several lines with their line breaks (six lines of a licence, whole docstrings: headings,
lists, "Args:" sections), and the share of sentences (blocks), and of words, that get a
finding of a strict type (ORGANIZATION, LOCATION, NRP, ADDRESS, POSTCODE, AGE). Names and
dates in those texts are real (authors, years), so only these types are counted; some
findings are right (the Free Software Foundation and its postal address are in the GPL), so
the rate is compared before and after a change, not read as an error rate. ``--show over``
prints them.

Prints one JSON object: masked share per class, per register, per class x register and per
class x kind, the clean-text rates and the CPU time per record; then with ``--show`` up to
``--limit`` misses of the classes or registers named.

    .venv/bin/python tools/pii_dev/strict_probe3.py 1500 --seed 1
    .venv/bin/python tools/pii_dev/strict_probe3.py 1500 --seed 2 --show ORGANIZATION,qa
    .venv/bin/python tools/pii_dev/strict_probe3.py 0 --clean 1500 --show over
"""

from __future__ import annotations

import argparse
import ast
import gzip
import json
import random
import re
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from faker import Faker

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from appliance.config import STRICT_OUTPUT_SCAN_ENTITIES, STRICT_PII_ENTITIES, PiiConfig
from appliance.privacy.analyzer import Analyzer
from appliance.privacy.masker import mask_texts

STRICT_ONLY = frozenset({"ORGANIZATION", "LOCATION", "NRP", "ADDRESS", "POSTCODE", "AGE"})

# ---- Value sources ---------------------------------------------------------------------------

ORG_LOCALES = ("en_US", "en_GB", "de_DE", "fr_FR", "es_ES", "it_IT", "nl_NL", "pl_PL", "pt_BR",
               "sv_SE", "da_DK", "cs_CZ", "en_IN", "fi_FI")
PLACE_LOCALES = ("en_US", "en_GB", "de_DE", "fr_FR", "es_ES", "it_IT", "nl_NL", "pl_PL",
                 "pt_BR", "sv_SE", "en_AU", "en_CA", "en_IN", "pt_PT", "de_AT", "cs_CZ")
POSTCODE_LOCALES = ("en_US", "en_GB", "de_DE", "fr_FR", "es_ES", "it_IT", "nl_NL", "pl_PL",
                    "pt_BR", "pt_PT", "en_CA", "sv_SE", "da_DK", "cs_CZ", "en_AU", "hu_HU")

#: Organisations of the kinds people name, written for this probe.
ORG_LISTS: dict[str, tuple[str, ...]] = {
    "bank": ("Barclays", "HSBC", "Deutsche Bank", "BNP Paribas", "Santander", "ING", "UBS",
             "Rabobank", "Nordea", "Wells Fargo", "Goldman Sachs", "Commerzbank",
             "Société Générale", "Monzo", "Revolut", "Lloyds Bank", "Credit Suisse",
             "Raiffeisen", "Sparkasse", "Bank of America", "Intesa Sanpaolo", "ABN AMRO",
             "PKO Bank Polski", "Danske Bank", "Citibank", "N26", "Standard Chartered"),
    "university": ("University of Leeds", "ETH Zurich", "Sorbonne University", "KU Leuven",
                   "Trinity College Dublin", "Stanford University", "Politecnico di Milano",
                   "TU Delft", "Jagiellonian University", "MIT", "Imperial College London",
                   "Humboldt University", "University of Toronto", "Uppsala University",
                   "the Open University", "Harvard", "Oxford Brookes University",
                   "Universidad Complutense", "LMU Munich", "King's College London"),
    "hospital": ("Charité", "Mayo Clinic", "Guy's and St Thomas'", "Karolinska Institutet",
                 "Cleveland Clinic", "Johns Hopkins Hospital", "St Mary's Hospital",
                 "Great Ormond Street Hospital", "Massachusetts General Hospital",
                 "Hôpital Necker", "Royal Infirmary of Edinburgh", "Mount Sinai"),
    "airline": ("Lufthansa", "Ryanair", "easyJet", "KLM", "Air France", "Iberia", "Emirates",
                "Qantas", "Delta Air Lines", "LOT Polish Airlines", "British Airways",
                "Wizz Air", "SAS", "Finnair", "TAP Air Portugal", "Vueling", "United Airlines"),
    "retailer": ("Tesco", "Aldi", "Lidl", "Carrefour", "Zara", "IKEA", "Walmart", "Target",
                 "Sainsbury's", "Marks & Spencer", "Decathlon", "MediaMarkt", "H&M", "Primark",
                 "Costco", "Albert Heijn", "Rewe", "Edeka", "Asda", "Boots", "Etsy", "Zalando"),
    "ngo": ("Oxfam", "Greenpeace", "Amnesty International", "Médecins Sans Frontières",
            "the Red Cross", "Save the Children", "WWF", "UNICEF", "Caritas",
            "Habitat for Humanity",
            "the Salvation Army", "Doctors Without Borders", "Human Rights Watch"),
    "agency": ("HMRC", "the NHS", "the IRS", "Bundesagentur für Arbeit", "the Home Office",
               "the FBI", "Europol", "the European Commission", "DVLA", "the Social Security "
               "Administration", "the Department for Education", "NASA", "the Met Office",
               "Transport for London", "the Environment Agency", "the UN", "the WHO",
               "the Ministry of Defence", "Pôle emploi", "the CDC"),
    "tech": ("Siemens", "SAP", "Microsoft", "Google", "Spotify", "Shopify", "Atlassian",
             "Salesforce", "Infosys", "Wipro", "Accenture", "Deloitte", "KPMG", "PwC",
             "Ericsson", "Nokia", "Philips", "Bosch", "Capgemini", "Adyen", "Booking.com",
             "Oracle", "IBM", "Cisco", "Intel", "Nvidia", "Dropbox", "GitLab", "Red Hat",
             "Canonical", "Mozilla", "JetBrains", "Palantir", "Tata Consultancy Services",
             "Ernst & Young", "McKinsey", "Thales", "Dassault Systèmes", "Rockwell Automation"),
    "brand": ("Nestlé", "Unilever", "Heineken", "Danone", "Renault", "Volkswagen", "Fiat",
              "Ferrero", "Lego", "Maersk", "Novartis", "Roche", "Bayer", "Pfizer", "Airbus",
              "Boeing", "Vodafone", "Orange", "Telefónica", "Adidas", "Puma", "Nike", "Toyota",
              "Samsung", "Sony", "Tesla", "Uber", "Deliveroo", "Peugeot", "Michelin", "BASF",
              "Shell", "BP", "Heidelberg Materials", "Carlsberg", "Electrolux", "Volvo",
              "Skoda", "Ørsted", "Allianz", "AXA", "Generali", "Aviva", "Zurich Insurance"),
}

#: Nationalities, religions and political groups (NRP), written for this probe.
NRP_VALUES = (
    "German", "French", "Polish", "Nigerian", "Brazilian", "Turkish", "Vietnamese", "Irish",
    "Dutch", "Swedish", "Moroccan", "Pakistani", "Ukrainian", "Romanian", "Greek", "Kenyan",
    "Filipino", "Mexican", "Canadian", "Portuguese", "Syrian", "Somali", "Eritrean",
    "Bangladeshi", "Hungarian", "Czech", "Slovak", "Chilean", "Peruvian", "Egyptian",
    "Muslim", "Christian", "Catholic", "Protestant", "Jewish", "Hindu", "Buddhist", "Sikh",
    "Orthodox", "Lutheran", "Baptist", "Methodist", "Anglican", "Mormon", "Jehovah's Witness",
    "atheist", "Quaker", "Evangelical", "Shia", "Sunni",
    "Labour", "Conservative", "Republican", "Democrat", "Social Democrat", "Green Party",
    "Tory", "Liberal Democrat", "Communist", "Socialist", "Christian Democrat", "SPD", "CDU",
    "Sinn Féin", "SNP", "Podemos", "Fidesz",
)

_UNITS = ("one two three four five six seven eight nine ten eleven twelve thirteen "  # noqa: SIM905
          "fourteen fifteen sixteen seventeen eighteen nineteen").split()
_TENS = ("twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")


def age_words(n: int) -> str:
    if n < 20:
        return _UNITS[n - 1]
    tens, unit = divmod(n, 10)
    return _TENS[tens - 2] + (f"-{_UNITS[unit - 1]}" if unit else "")


class Values:
    """Draws the values of each class, recording where each came from (``kind``)."""

    def __init__(self, rnd: random.Random, seed: int) -> None:
        self.rnd = rnd
        self.fakers: dict[str, Faker] = {}
        self.seed = seed

    def faker(self, locale: str) -> Faker:
        if locale not in self.fakers:
            f = Faker(locale)
            f.seed_instance(self.seed * 1009 + len(self.fakers))
            self.fakers[locale] = f
        return self.fakers[locale]

    def org(self) -> tuple[str, str]:
        if self.rnd.random() < 0.45:
            loc = self.rnd.choice(ORG_LOCALES)
            name = self.faker(loc).company()
            return name, f"faker:{loc}"
        kind = self.rnd.choice(list(ORG_LISTS))
        return self.rnd.choice(ORG_LISTS[kind]), f"list:{kind}"

    def place(self) -> tuple[str, str]:
        loc = self.rnd.choice(PLACE_LOCALES)
        f = self.faker(loc)
        what = self.rnd.choice(("city", "city", "country", "state"))
        if what == "state":
            for attr in ("state", "region", "administrative_unit", "county"):
                if hasattr(f, attr):
                    try:
                        return str(getattr(f, attr)()), f"state:{loc}"
                    except (AttributeError, TypeError):
                        continue
            what = "city"
        value = f.city() if what == "city" else f.country()
        return value, f"{what}:{loc}"

    def postcode(self) -> tuple[str, str]:
        loc = self.rnd.choice(POSTCODE_LOCALES)
        return self.faker(loc).postcode(), loc

    def address(self) -> tuple[str, str]:
        loc = self.rnd.choice(PLACE_LOCALES)
        return self.faker(loc).street_address().replace("\n", ", "), loc

    def nrp(self) -> tuple[str, str]:
        return self.rnd.choice(NRP_VALUES), "list"

    def age(self) -> tuple[int, str]:
        n = self.rnd.randint(1, 99) if self.rnd.random() < 0.3 else self.rnd.randint(16, 85)
        return n, "digits"

    def person(self) -> str:
        return self.faker(self.rnd.choice(("en_US", "en_GB", "de_DE", "fr_FR"))).name()


# ---- Templates -------------------------------------------------------------------------------
# Slots: {ORG} organisation, {LOC} place, {NRP}, {PC} postcode, {ADDR} street address,
# {N} an age's number (digits; {NW}: digits or words), {A} an age phrase (aged 34, (34): its
# number is scored), {P} a person (not scored), {P2}.

TEMPLATES: dict[str, tuple[str, ...]] = {
    "prose": (
        "{ORG} announced on Tuesday that it would cut 300 jobs at its plant.",
        "After eight years in banking, {P} joined {ORG} as head of compliance.",
        "{ORG}'s chief financial officer resigned after the audit.",
        "My brother has worked for {ORG} since he left school.",
        "The contract was signed with {ORG} last spring.",
        "{P}, {N}, grew up in {LOC} and now runs a bakery.",
        "She was {N} when she moved to {LOC} with her {NRP} husband.",
        "The victim, a {N}-year-old man from {LOC}, was taken to hospital.",
        "He turned {N} in March and still cycles to work every day.",
        "Our landlord, who is {NRP}, lives at {ADDR}, {PC} {LOC}.",
        "I have been a customer of {ORG} for years and I am thinking of leaving.",
        "A spokesperson from {ORG} said the outage was caused by a power failure.",
        "Her father, aged {N}, still volunteers with {ORG} twice a week.",
        "As a {NRP} woman living in {LOC}, she felt out of place at first.",
        "The parcel was sent from {ADDR} in {LOC} and never arrived.",
        "The driver, {A}, was not injured; his passenger, {A2}, was.",
        "Applicants {A} and over are asked to bring {ORG} ID.",
    ),
    "qa": (
        "Q: Where do you work?\nA: {ORG}",
        "Q: How old are you?\nA: {N}",
        "Q: Who is your current employer?\nA: {ORG}, in the sales team.",
        "Q: Where are you based?\nA: {LOC}",
        "Question: What is your age?\nAnswer: {NW}",
        "Q: What is your postcode?\nA: {PC}",
        "Q: Which company do you work for?\nA: I work for {ORG}.",
        "Q: Where did you grow up?\nA: In {LOC}.",
        "Q: What's your home address?\nA: {ADDR}, {PC}",
        "Q: What is your nationality?\nA: {NRP}",
        "Q: How old is the patient?\nA: {N} years.",
        "Q: Who referred you?\nA: Someone from {ORG}.",
        "Interviewer: And how old were you then?\nRespondent: I was {N}.",
        "Q: Religion (optional)?\nA: {NRP}",
    ),
    "list": (
        "Suppliers:\n- {ORG}\n- {ORG2}\n- {ORG3}",
        "Attendees by employer:\n1. {P} ({ORG})\n2. {P2} ({ORG2})",
        "Offices: {LOC}, {LOC2} and {LOC3}.",
        "Participants\n* {P}, {N}, {LOC}\n* {P2}, {N2}, {LOC2}",
        "References:\n- {ORG} (2019-2022)\n- {ORG2} (2015-2019)",
        "Ages of the children: {N}, {N2} and {N3}.",
        "- Name: {P}\n- Age: {N}\n- Employer: {ORG}\n- City: {LOC}",
        "Clients we have worked with: {ORG}, {ORG2}, {ORG3}.",
        "Shortlist\n• {ORG}\n• {ORG2}",
        "Delivery stops:\n1) {ADDR}, {PC}\n2) {ADDR2}, {PC2}",
        "Panel: {P} ({NRP}), {P2} ({NRP2})",
        "Team:\n- {P}, {A}\n- {P2}, {A2}",
        "Family: {P} ({N}), {P2} ({N2})",
    ),
    "email": (
        "Hi {P},\n\nThanks for your time today. I'll send the proposal to {ORG} by Friday.\n\n"
        "Best,\n{P2}\n{ORG2}",
        "Dear Sir or Madam,\n\nI am writing to apply for the role at {ORG}. I am {N} years old "
        "and live in {LOC}.\n\nKind regards,\n{P}",
        "Hello,\nplease update my address to {ADDR}, {PC} {LOC}.\nThanks, {P}",
        "Hi team,\n{ORG} has accepted the offer. Contract attached.\n-- \n{P} | {ORG2}",
        "From: {P}\nSubject: Meeting with {ORG}\n\nCan we move the call with {ORG2} to 3pm?",
        "Dear {P},\nWe are pleased to offer you a position with {ORG}.\nSincerely,\n{P2}\n"
        "Head of People, {ORG}",
        "Hi,\nmy son is {N} and would like to join the junior club. We live near {LOC}.\n{P}",
        "{P}\nSenior Analyst\n{ORG}\n{ADDR}\n{PC} {LOC}",
        "Hi {P}, quick one: did {ORG} ever pay the invoice? Cheers, {P2}",
        "Thanks {P}! Forwarding to our contact at {ORG}.\n\n{P2}\nSent from my phone",
        "Dear team,\nOur {NRP} guests arrive on Monday from {LOC}.\nRegards,\n{P}",
    ),
    "chat": (
        "[10:02] {P}: just got an offer from {ORG}!!\n[10:03] {P2}: congrats",
        "me: how old is ur sister\nthem: {N}",
        "lol {ORG} support is useless, been on hold for an hour",
        "{P}: anyone here from {LOC}?\n{P2}: yep born and raised",
        "i'm {N} and still can't cook rice",
        "<{P}> we're moving to {LOC} next month",
        "{P2}: who do u work for now\n{P}: {ORG}",
        "turned {N} yesterday 🎉",
        "{P}: thinking of quitting {ORG} tbh",
        "she's {N} y/o and already speaks three languages",
        "{P}: my new address is {ADDR}, {PC}",
        "user: I'm a {N} yo {NRP} guy looking for advice",
        "{P}: my grandma is {A} lol",
        "{P}: my kid ({N}) won't sleep",
    ),
    "csv": (
        "name,age,company,city\n{P},{N},{ORG},{LOC}\n{P2},{N2},{ORG2},{LOC2}",
        "employee_id;employer;age\n4471;{ORG};{N}\n4472;{ORG2};{N2}",
        "id,organization,country\n1,{ORG},{LOC}\n2,{ORG2},{LOC2}",
        "full_name\tage\tnationality\n{P}\t{N}\t{NRP}",
        "customer,street,postcode,town\n{P},{ADDR},{PC},{LOC}",
        "\"name\",\"age\",\"employer\"\n\"{P}\",\"{N}\",\"{ORG}\"",
        "Company | Contact | City\n{ORG} | {P} | {LOC}",
        "patient,age,religion\n{P},{N},{NRP}",
        "vendor,amount,currency\n{ORG},1200.50,EUR\n{ORG2},88.00,EUR",
        "Name;Alter;Firma;Ort\n{P};{N};{ORG};{LOC}",
    ),
    "json": (
        '{{"name": "{P}", "age": {N}, "company": "{ORG}"}}',
        '{{"user": {{"age": {N}, "city": "{LOC}", "employer": "{ORG}"}}}}',
        '{{"organization": "{ORG}", "country": "{LOC}"}}',
        '{{"customer": "{P}", "address": "{ADDR}", "postcode": "{PC}"}}',
        '[{{"vendor": "{ORG}"}}, {{"vendor": "{ORG2}"}}]',
        '{{"nationality": "{NRP}", "age": "{N}"}}',
        '{{"employer_name": "{ORG}", "years": 4}}',
        '{{"patient": {{"age_years": {N}, "religion": "{NRP}"}}}}',
        '{{"from": "{P}", "org": "{ORG}", "location": "{LOC}"}}',
        '{{"shipTo": {{"street": "{ADDR}", "zip": "{PC}", "city": "{LOC}"}}}}',
    ),
    "form": (
        "Name: {P}\nAge: {N}\nEmployer: {ORG}\nCity: {LOC}",
        "Applicant: {P}\nDate of birth: 1990-01-01\nNationality: {NRP}\nCurrent employer: {ORG}",
        "Company name: {ORG}\nRegistered address: {ADDR}\nPostcode: {PC}",
        "Patient age: {N}\nReligion: {NRP}\nPlace of birth: {LOC}",
        "Organisation: {ORG}\nContact: {P}",
        "Full name ........ {P}\nAge .............. {N}\nTown ............. {LOC}",
        "Workplace: {ORG}\nYears of service: 7",
        "Ship to: {ADDR}\n{PC} {LOC}",
        "Political affiliation: {NRP}",
        "School/University: {ORG}\nAge at enrolment: {N}",
    ),
}

#: Age forms put in place of {A} (an age phrase) where a template asks for one.
AGE_FORMS = ("{n} years old", "{n}-year-old", "aged {n}", "age {n}", "{n} y/o",
             "{n}yo", "{n} yrs", "{n} years of age")

_SLOT = re.compile(r"\{([A-Z]+[0-9]?)\}")
_SCORED = {"ORG": "ORGANIZATION", "LOC": "LOCATION", "NRP": "NRP", "PC": "POSTCODE",
           "ADDR": "ADDRESS", "N": "AGE", "NW": "AGE"}


def _value(values: Values, slot: str) -> tuple[str, str]:  # noqa: PLR0911 - one per slot
    base = slot.rstrip("0123456789")
    if base == "ORG":
        return values.org()
    if base == "LOC":
        return values.place()
    if base == "NRP":
        return values.nrp()
    if base == "PC":
        return values.postcode()
    if base == "ADDR":
        return values.address()
    if base in ("N", "A"):
        n, kind = values.age()
        return str(n), kind
    if base == "NW":
        n, _ = values.age()
        return (age_words(n), "words") if values.rnd.random() < 0.5 else (str(n), "digits")
    return values.person(), "person"


def draw(values: Values, register: str) -> tuple[str, list[tuple[str, str, int, int]]]:
    """A text of ``register`` and its scored values: (class, kind, start, end)."""
    template = values.rnd.choice(TEMPLATES[register])
    template = template.replace("{{", "\x00").replace("}}", "\x01")
    out: list[str] = []
    wanted: list[tuple[str, str, int, int]] = []
    at = 0
    filled: dict[str, tuple[str, str]] = {}
    for m in _SLOT.finditer(template):
        out.append(template[at:m.start()])
        slot = m.group(1)
        if slot not in filled:
            filled[slot] = _value(values, slot)
        value, kind = filled[slot]
        base = slot.rstrip("0123456789")
        if base == "A":  # an age phrase: only its number is scored
            n = value
            value = values.rnd.choice(AGE_FORMS).format(n=n)
            start = sum(map(len, out)) + value.index(n)
            wanted.append(("AGE", "phrase", start, start + len(n)))
            out.append(value)
            at = m.end()
            continue
        if register in ("json", "csv"):
            value = value.replace('"', "'")
        start = sum(map(len, out))
        out.append(value)
        if base in _SCORED:
            # "the NHS": the article is not part of the name (nor masked with it)
            skip = 4 if base == "ORG" and value.startswith("the ") else 0
            wanted.append((_SCORED[base], kind, start + skip, start + len(value)))
        at = m.end()
    out.append(template[at:])
    text = "".join(out).replace("\x00", "{").replace("\x01", "}")
    return text, wanted


def covered(text: str, start: int, end: int, spans: list[tuple[int, int]], digits: bool) -> bool:
    """Every letter and digit (an age: every digit, or its words) of ``text[start:end]`` is
    inside a span."""
    chars = [i for i in range(start, end)
             if (text[i].isdigit() if digits and any(c.isdigit() for c in text[start:end])
                 else text[i].isalnum())]
    return all(any(s <= i < e for s, e in spans) for i in chars)


# ---- Clean text ------------------------------------------------------------------------------

_SENT = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")


def _licence_sentences() -> list[str]:
    out = []
    for path in sorted(Path("/usr/share/common-licenses").glob("*")):
        if path.is_file():
            text = re.sub(r"\s+", " ", path.read_text(errors="replace"))
            out += [s for s in _SENT.split(text) if 30 <= len(s) <= 400]
    return out


def _docstring_sentences(limit: int = 4000) -> list[str]:
    out: list[str] = []
    root = Path(sys.base_prefix) / "lib"
    files = sorted(root.glob("python3*/*.py"))
    for path in files:
        try:
            tree = ast.parse(path.read_text(errors="replace"))
        except (SyntaxError, ValueError):
            continue
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.ClassDef, ast.Module, ast.AsyncFunctionDef)):
                doc = ast.get_docstring(node)
                if doc:
                    text = re.sub(r"\s+", " ", doc)
                    out += [s for s in _SENT.split(text) if 30 <= len(s) <= 400]
        if len(out) > limit:
            break
    return out


def _licence_blocks() -> list[str]:
    """Runs of six lines of the licences, line breaks kept (headings, lists, addresses)."""
    out = []
    for path in sorted(Path("/usr/share/common-licenses").glob("*")):
        if path.is_file():
            lines = path.read_text(errors="replace").splitlines()
            out += ["\n".join(lines[i:i + 6]) for i in range(0, len(lines), 6)
                    if sum(len(x) for x in lines[i:i + 6]) > 60]
    return out


def _docstring_blocks(limit: int = 4000) -> list[str]:
    """Whole docstrings of the standard library, line breaks kept (Args:, lists, tables)."""
    out: list[str] = []
    for path in sorted((Path(sys.base_prefix) / "lib").glob("python3*/*.py")):
        try:
            tree = ast.parse(path.read_text(errors="replace"))
        except (SyntaxError, ValueError):
            continue
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.ClassDef, ast.Module, ast.AsyncFunctionDef)):
                doc = ast.get_docstring(node)
                if doc and "\n" in doc and 60 <= len(doc) <= 1500:
                    out.append(doc)
        if len(out) > limit:
            break
    return out


def _man_sentences(limit: int = 4000) -> list[str]:
    out: list[str] = []
    for path in sorted(Path("/usr/share/man").glob("man[1-8]/*.gz")):
        try:
            raw = gzip.decompress(path.read_bytes()).decode(errors="replace")
        except (OSError, EOFError):
            continue
        lines = [ln for ln in raw.splitlines() if ln and not ln.startswith((".", "'", "\\"))]
        text = re.sub(r"\\f[BIRP]|\\-|\\\(..|\\[&e]", "", " ".join(lines))
        text = re.sub(r"\s+", " ", text)
        out += [s for s in _SENT.split(text) if 30 <= len(s) <= 400]
        if len(out) > limit:
            break
    return out


def clean_rates(findings: Any, n: int, seed: int, show: bool, limit: int) -> dict[str, Any]:
    rnd = random.Random(seed)
    result: dict[str, Any] = {}
    for name, sentences in (("licences", _licence_sentences()),
                            ("docstrings", _docstring_sentences()),
                            ("man", _man_sentences()),
                            ("licence_blocks", _licence_blocks()),
                            ("docstring_blocks", _docstring_blocks())):
        if not sentences:
            result[name] = "none found"
            continue
        picked = rnd.sample(sentences, min(n, len(sentences)))
        hit = words = words_hit = 0
        types: Counter[str] = Counter()
        shown = 0
        for text in picked:
            fs = [f for f in findings(text) if f.entity_type in STRICT_ONLY]
            hit += bool(fs)
            for f in fs:
                types[f.entity_type] += 1
            for m in re.finditer(r"[A-Za-z0-9]+", text):
                words += 1
                words_hit += any(f.start < m.end() and m.start() < f.end for f in fs)
            if fs and show and shown < limit:
                shown += 1
                print("OVER", name, [(text[f.start:f.end], f.entity_type) for f in fs],
                      "::", text[:200], file=sys.stderr)
        result[name] = {"sentences": len(picked), "with_finding": round(hit / len(picked), 4),
                        "words_masked": round(words_hit / max(words, 1), 4),
                        "by_type": dict(types)}
    return result


# ---- Run -------------------------------------------------------------------------------------


def run(args: argparse.Namespace) -> None:
    show = {s for s in args.show.split(",") if s}
    rnd = random.Random(args.seed)
    values = Values(rnd, args.seed)
    analyzer = Analyzer(PiiConfig(entities=STRICT_PII_ENTITIES,
                                  output_scan_entities=STRICT_OUTPUT_SCAN_ENTITIES,
                                  models=() if args.no_model else PiiConfig().models))

    def findings(text: str) -> list[Any]:
        return list(mask_texts(analyzer, [text]).findings[0])

    findings("warm up: Alice Smith, 34, works for Siemens in Berlin.")
    tot: Counter[str] = Counter()
    hit: Counter[str] = Counter()
    misses: defaultdict[str, list[str]] = defaultdict(list)
    registers = [r for r in TEMPLATES if not args.registers or r in args.registers.split(",")]
    cpu = 0.0
    for _ in range(args.n):
        register = rnd.choice(registers)
        text, wanted = draw(values, register)
        t0 = time.thread_time()
        found = [(f.start, f.end) for f in findings(text)]
        cpu += time.thread_time() - t0
        for cls, kind, start, end in wanted:
            ok = covered(text, start, end, found, digits=cls == "AGE")
            for key in (cls, f"{cls}/{register}", f"{cls}:{kind}", f"*/{register}"):
                tot[key] += 1
                hit[key] += ok
            if not ok:
                line = f"{cls} {register} {kind} {text[start:end]!r} :: {text!r}"
                misses[cls].append(line)
                misses[register].append(line)

    def rate(key: str) -> list[float]:
        return [tot[key], round(hit[key] / tot[key], 3) if tot[key] else 0.0]

    classes = sorted({k for k in tot if "/" not in k and ":" not in k})
    summary: dict[str, Any] = {
        "masked": {c: rate(c) for c in classes},
        "register": {k[2:]: rate(k) for k in sorted(tot) if k.startswith("*/")},
        "class_register": {k: rate(k) for k in sorted(tot) if "/" in k and k[0] != "*"},
        "class_kind": {k: rate(k) for k in sorted(tot) if ":" in k},
        "cpu_ms_per_record": round(1000 * cpu / max(args.n, 1), 2),
    }
    if args.clean:
        summary["clean"] = clean_rates(findings, args.clean, args.seed, "over" in show, args.limit)
    print("{")
    print(",\n".join(f" {json.dumps(k)}: {json.dumps(v, ensure_ascii=False)}"
                     for k, v in summary.items()))
    print("}")
    for key in sorted(show - {"over"}):
        for line in misses.get(key, [])[:args.limit]:
            print("MISS", line)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("n", nargs="?", type=int, default=1000, help="texts with values (1000)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--registers", default="", help="only these registers, comma-separated")
    parser.add_argument("--clean", type=int, default=0,
                        help="also this many clean sentences per source (over-masking)")
    parser.add_argument("--no-model", action="store_true",
                        help="without the PII model (models=()), as strict_probe2 runs")
    parser.add_argument("--show", default="", help="classes or registers whose misses to print, "
                        "'over' for the clean sentences with a finding, comma-separated")
    parser.add_argument("--limit", type=int, default=30, help="lines printed per key (30)")
    run(parser.parse_args())


if __name__ == "__main__":
    main()
