"""Development probe for the default profile's classes in everyday text: leaks per class.

Values from Faker in nineteen locales — phone numbers in each locale's own formats (with
``phone_number``, ``msisdn`` and extensions), card numbers of every Faker card type, dates of
birth in many formats, e-mail addresses, IBANs and names — are placed in templates written for
this probe (chat turns, customer-service Q&A, forms, e-mail signatures, JSON and CSV with
escaped newlines, transcripts with speaker labels, prose), not in the held-out evaluation's
(``bench/pii_corpora/``). A value counts as masked when every letter and digit of it lies
inside a finding (of any type: a phone number masked as CN_MOBILE is not a leak).

Look-alikes (order and tracking numbers, timestamps, versions, ISBNs, amounts, dates that are
no birth date) are placed in the same kinds of template: a look-alike with any letter or digit
inside a finding counts as over-masked.

Prints one JSON line: the share of values leaked overall, ``[values, leaked, leak rate]`` per
class, per template family and per locale, and the share of look-alikes over-masked; then up
to 25 (``--most``) ``MISS`` lines for each class named on the command line (comma-separated;
``LOOK`` shows over-masked look-alikes).

    .venv/bin/python tools/pii_dev/everyday_probe.py 800 PHONE,DOB,LOOK
"""

from __future__ import annotations

import argparse
import json
import random
import string
import sys
from collections import defaultdict
from collections.abc import Callable
from datetime import date
from pathlib import Path

from faker import Faker

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from appliance.config import PiiConfig
from appliance.privacy.analyzer import Analyzer, Span
from appliance.privacy.masker import mask_texts

LOCALES = [
    "en_US", "en_GB", "en_IN", "en_AU", "fr_FR", "de_DE", "es_ES", "it_IT", "nl_NL", "pt_BR",
    "pt_PT", "pl_PL", "sv_SE", "da_DK", "ja_JP", "ko_KR", "zh_CN", "tr_TR", "cs_CZ",
]  # fmt: skip
CARD_TYPES = ["maestro", "mastercard", "visa16", "visa13", "visa19", "amex", "discover",
              "diners", "jcb15", "jcb16"]
#: Placeholder -> class of the value it stands for.
CLASS_OF = {
    "first": "NAME", "last": "NAME", "full": "NAME", "first2": "NAME", "full2": "NAME",
    "last2": "NAME", "first_lower": "NAME", "phone": "PHONE", "phone2": "PHONE", "card": "CARD",
    "dob": "DOB", "email": "EMAIL", "iban": "IBAN", "look": "LOOK", "look2": "LOOK",
}  # fmt: skip

#: Templates per family. ``\\n`` in a template is an escaped newline, as a serialised message
#: holds it.
TEMPLATES: dict[str, list[str]] = {
    "chat": [
        "hey it's {first}, text me on {phone} when you land",
        "can you update my number to {phone}? the old one is gone",
        "new mobile: {phone}",
        "my card {card} keeps getting declined, can you check?",
        "I paid with my card ending... actually the full number is {card}",
        "pls send the invoice to {email} and call me at {phone}",
        "Hi! I'm {first} and I'd like to book a table for 4. My phone is {phone}.",
        "my name is {first}, I ordered last week",
        "everyone calls me {first}, by the way",
        "you can reach me on {phone} or {phone2}",
        "ring me on {phone} after 6",
        "wire it to my IBAN {iban} please",
        "here's my iban: {iban}",
        "card number {card}, exp 04/29, cvv 123",
        "thanks {first}! see you tomorrow",
        "I was born on {dob} if that helps",
        "my birthday is {dob}",
        "whatsapp me {phone}",
        "Call me: {phone}",
        "Is {phone} the right number for {full}?",
    ],
    "support": [
        "Agent: Can I have your date of birth, please?\nCustomer: {dob}",
        "Agent: Could you confirm your date of birth for security?\nCaller: Yes, it's {dob}.",
        "What's your birthday?\n{dob}",
        "Q: Date of birth?\nA: {dob}",
        "Bot: To verify your identity, please enter your date of birth.\nUser: {dob}",
        "Agent: And the birth date on the account?\nCustomer: {dob}",
        "Rep: what is the DOB of the account holder?\nCustomer: {dob}",
        "Agent: Can you tell me when you were born?\nCustomer: {dob}",
        "Agent: Thanks. Date of birth?\nCustomer: {dob}, you should have it on file.",
        "Agent: Please verify your date of birth.\nCustomer: sure - {dob}",
        "Agent: And your birthdate, please?\nCustomer: It's {dob}.",
        "Agent: What's the best number to reach you?\nCustomer: {phone}",
        "Agent: Can I get a callback number?\nCustomer: {phone}",
        "Agent: What number are you calling from?\nCustomer: it's {phone}",
        "Agent: May I have your name?\nCustomer: {full}",
        "Agent: What's your last name?\nCustomer: {last}",
        "Agent: And your first name?\nCustomer: {first}",
        "Agent: Could you spell your surname?\nCustomer: {last}",
        "Agent: Which card would you like to use?\nCustomer: {card}",
        "Agent: Please read me the long number on the card.\nCustomer: {card}",
        "Agent: What's the e-mail on the account?\nCustomer: {email}",
        "Agent: Which account should the refund go to?\nCustomer: {iban}",
        "Q: What is your phone number?\nA: {phone}",
        "Q: Your name?\nA: {full}",
    ],
    "form": [
        "Name: {full}\nPhone: {phone}\nE-mail: {email}\nDate of birth: {dob}",
        "First name: {first}\nLast name: {last}\nMobile: {phone}",
        "Full name: {full}\nDOB: {dob}\nIBAN: {iban}",
        "Contact person: {full}, tel. {phone}",
        "Cardholder: {full}\nCard no.: {card}",
        "Surname: {last}\nGiven names: {first}\nBirth date: {dob}",
        "Applicant: {full} | Phone {phone} | Email {email}",
        "Bank details - IBAN {iban}, account holder {full}",
        "Emergency contact: {full2} ({phone2})",
        "Tel: {phone} / Fax: {phone2}",
    ],
    "signature": [
        "Best regards,\n{full}\nSales Manager\nT: {phone}\nM: {phone2}\n{email}",
        "Kind regards,\n{full}\n{phone} | {email}",
        "Cheers,\n{first}\n\nSent from my phone",
        "--\n{full}\nOffice: {phone}\nMobile: {phone2}",
        "Thanks,\n{full}\nDirect: {phone}",
        "Regards\n{first} {last}\nPh {phone}",
        "Many thanks,\n{full}\n{phone}\n{email}",
    ],
    "json": [
        '{{"role": "user", "content": "Hi, I am {first}.\\nMy number: {phone}\\nThanks"}}',
        '{{"messages": [{{"role": "user", "content": "Name: {full}\\nPhone: {phone}"}}]}}',
        '{{"content": "Agent: date of birth?\\nCustomer: {dob}"}}',
        '{{"text": "call me back\\n{phone}"}}',
        '{{"customer": "{full}", "phone": "{phone}", "email": "{email}"}}',
        '{{"content": "card: {card}\\nexpiry 08/28"}}',
        '{{"prompt": "Write a reply to {first}.\\nTheir number is {phone}."}}',
        '{{"content": "IBAN:\\n{iban}"}}',
    ],
    "csv": [
        "name,phone,email\n{full},{phone},{email}",
        "first_name;last_name;mobile\n{first};{last};{phone}",
        "name,dob\n{full},{dob}",
        'id,customer,card\n17,"{full}",{card}',
        "\"note\"\n\"Call {first} at {phone}\\nre: invoice\"",
    ],
    "transcript": [
        "{first}: hi, can you call me back at {phone}?\nAgent: sure.\n{first}: thanks",
        "Agent: Hello, how can I help?\n{first}: I lost my card.\nAgent: Sorry to hear that.",
        "{first}: my new number is {phone}\n{first2}: saved!",
        "[09:14] {first}: running late\n[09:15] {first2}: ok",
        "Interviewer: Please state your name.\n{full}: {full}.",
        "{last}: The figures are final.\n{last2}: Agreed.",
        "Dispatcher: What's the callback number?\nCaller: {phone}",
    ],
    "prose": [
        "Please call {full} on {phone} after 6pm.",
        "{full} will present the results; questions to {email}.",
        "I spoke with {first} yesterday and she gave me {phone} as her number.",
        "The refund goes to {iban} ({full}).",
        "Reminder: {first}'s birthday is {dob}.",
        "Our guests {full} and {full2} arrive on Friday.",
        "My landlord {full} can be reached at {phone}.",
        "Could you charge {card} for the deposit?",
        "I had lunch with {first} today and she says hi.",
        "{first} and I are going to Lisbon next week.",
        "Tell {first} I said thanks for the cake!",
        "My sister {first} lives in Lyon now.",
        "Happy birthday {first}! Hope you have a great day.",
        "Can you ask {first} to call me back on {phone}?",
        "{first}'s flight lands at 6, can someone pick her up?",
        "I met {full} at the gym yesterday.",
        "My neighbour {full} lost her cat again.",
        "{last} said the report will be late.",
        "Thanks to {first} and {first2} for organising the party.",
        "Is {first} coming to dinner tonight?",
        "my boss {first} wants the slides by friday",
        "Our new colleague is {full}; please welcome her.",
        "We're naming the baby {first} after my grandmother.",
        "Dr {last} moved my appointment to Tuesday.",
        "reach me at {phone} or mail {email}",
        "{phone} is my cell, text anytime",
        "my number's {phone}",
        "New number, save it: {phone}",
        "I'm on {phone} all day tomorrow.",
        "the bank says my iban is {iban}, is that right?",
        "Sent the money from card {card} yesterday.",
        "I was born {dob} in a small village.",
        "Her date of birth is {dob}.",
    ],
    "everyday": [
        "i saw {first_lower} at the market this morning",
        "{first} {last} is the new treasurer of our club.",
        "Can you send the photos to {first}? She missed the trip.",
        "Mrs. {last} from next door watered our plants.",
        "Mr and Mrs {last} will join us for dinner.",
        "Grandma {first} turns 90 next month!",
        "Shoutout to {full} for fixing the printer.",
        "According to {full}, the store closes at 8.",
        "{first}, can you pick up milk on the way home?",
        "Hi {first}, just checking in about Saturday.",
        "Sorry {first}, I can't make it tonight.",
        "Did {first} {last} ever reply to your message?",
        "I think {first} left her umbrella here.",
        "We stayed with {first} and {first2} in Porto.",
        "The plumber, {full}, said he'd be here by noon.",
        "My son's teacher is {full}.",
        "{full} ({email}) asked about the refund.",
        "Please give this to {first} {last} at reception.",
        "{first} from HR called about your contract.",
        "I'm so proud of {first} for finishing the marathon!",
        "{last}, {first} - room 12",
        "Went hiking with {first}, {first2} and their dog.",
        "Dinner at {first}'s place on Friday?",
        "Say hello to {first} for me.",
        "The keys are with {full} until Monday.",
    ],
}
#: Texts with look-alikes only: none of these values is personal data.
LOOKALIKE_TEMPLATES = [
    "Your order {look} has shipped.",
    "Order #{look} - thanks for shopping with us!",
    "Tracking number: {look}",
    "Ticket {look} was closed at {look2}.",
    "Logged at {look}: disk usage high",
    "Upgrade to {look} before Friday.",
    "ISBN {look}",
    "Total: {look} incl. VAT",
    "The meeting is on {look} in room 1204.",
    '{{"order_id": "{look}", "created": "{look2}"}}',
    "invoice,amount\n{look},{look2}",
    "Agent: What's your order number?\nCustomer: {look}",
    "Build {look} failed on {look2}.",
    "We now have {look} customers.",
    "Reference: {look}\nAmount: {look2}",
    "The call lasted {look} and cost {look2}.",
    "Please call before {look}.",
    "Office: room 1204, open until {look}",
    "Contact us by {look} to get {look2} off.",
    "Sent from my phone\nOrder {look}",
    "Thanks!\n{look} | shop@example.com",
    "My number one tip: save {look} every month.",
    "Text STOP to 88022. Offer ends {look}.",
]

_DOB_FORMATS: list[Callable[[date], str]] = [
    lambda d: d.strftime("%d/%m/%Y"),
    lambda d: d.strftime("%m/%d/%Y"),
    lambda d: d.strftime("%Y-%m-%d"),
    lambda d: d.strftime("%d.%m.%Y"),
    lambda d: d.strftime("%d-%m-%Y"),
    lambda d: d.strftime("%B %d, %Y"),
    lambda d: f"{d.day} {d.strftime('%B %Y')}",
    lambda d: d.strftime("%d %b %Y"),
    lambda d: d.strftime("%d-%b-%Y"),
    lambda d: d.strftime("%b %d %Y"),
    lambda d: f"{d.day}/{d.month}/{d.year}",
    lambda d: d.strftime("%d/%m/%y"),
    lambda d: f"{d.day}{_ordinal(d.day)} of {d.strftime('%B %Y')}",
    lambda d: f"{d.strftime('%B')} {d.day}{_ordinal(d.day)}, {d.year}",
    lambda d: d.strftime("%Y/%m/%d"),
    lambda d: d.strftime("%d %B, %Y"),
]


def _ordinal(day: int) -> str:
    return "th" if 10 <= day % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")


def phone_value(faker: Faker, rnd: random.Random) -> str:
    """A phone number in one of the locale's own formats, sometimes with an extension."""
    kind = rnd.random()
    if kind < 0.12:
        number = faker.msisdn()
    elif kind < 0.25 and hasattr(faker, "cellphone_number"):
        number = faker.cellphone_number()
    else:
        number = faker.phone_number()
    if rnd.random() < 0.1 and "x" not in number:
        ext = str(rnd.randint(1, 9999))
        number += rnd.choice([f"x{ext}", f" x{ext}", f" ext. {ext}", f" ext {ext}"])
    return number


def card_value(faker: Faker, rnd: random.Random) -> str:
    """A card number of any Faker type, contiguous or in its usual groups."""
    card_type = rnd.choice(CARD_TYPES)
    try:
        digits = faker.credit_card_number(card_type=card_type)
    except KeyError:  # a locale with card types of its own
        digits = Faker("en_US").credit_card_number(card_type=card_type)
    style = rnd.random()
    if style < 0.4:
        return digits
    if len(digits) in (14, 15):  # American Express 4-6-5, Diners 4-6-4
        groups = [digits[:4], digits[4:10], digits[10:]]
    else:
        groups = [digits[i:i + 4] for i in range(0, len(digits), 4)]
    return (" " if style < 0.8 else "-").join(groups)


def iban_value(faker: Faker, rnd: random.Random) -> str:
    """An IBAN, contiguous or in groups of four."""
    try:
        iban = faker.iban()
    except AttributeError:
        iban = Faker("en_GB").iban()
    if rnd.random() < 0.5:
        return iban
    return " ".join(iban[i:i + 4] for i in range(0, len(iban), 4))


def email_value(faker: Faker, rnd: random.Random) -> str:
    return rnd.choice([faker.email, faker.free_email, faker.company_email])()


def lookalike_value(rnd: random.Random) -> str:
    """A value that is written like an identifier and is not personal data."""
    n = rnd.randint
    kinds: list[Callable[[], str]] = [
        lambda: str(n(10**6, 10**11)),                                    # order number
        lambda: f"{n(2015, 2026)}-{n(1, 12):02d}-{n(1, 28):02d} {n(0, 23):02d}:"
                f"{n(0, 59):02d}:{n(0, 59):02d}",                          # timestamp
        lambda: f"{n(1, 28):02d}/{n(1, 12):02d}/{n(2020, 2026)} {n(0, 23):02d}:{n(0, 59):02d}",
        lambda: f"v{n(0, 12)}.{n(0, 40)}.{n(0, 200)}",                     # version
        lambda: f"{n(1, 20)}.{n(0, 9)}.{n(0, 99999)}.{n(0, 9999)}",          # build number
        lambda: _isbn13(rnd),
        lambda: f"${n(1, 99)},{n(100, 999)}.{n(0, 99):02d}",                  # amount
        lambda: f"€ {n(1, 99)}.{n(100, 999)},{n(0, 99):02d}",
        lambda: f"{n(1, 9)} {n(100, 999)} {n(100, 999)} {n(100, 999)}",      # a count
        lambda: f"1Z{''.join(rnd.choice('0123456789ABCDEFGHJKLMNPRSTUVWXYZ') for _ in range(16))}",
        lambda: " ".join(f"{n(0, 9999):04d}" for _ in range(5)) + f" {n(10, 99)}",  # USPS
        lambda: f"INV-{n(2020, 2026)}-{n(1000, 99999)}",
        lambda: f"{n(1, 28)}/{n(1, 12)}/{n(2023, 2026)}",                     # a date
        lambda: f"{n(10**9 + 5 * 10**8, 1_800_000_000)}",                      # epoch seconds
        lambda: f"#{n(10000, 999999)}",
        lambda: f"{n(1, 99)}.{n(0, 99):02d}%",
    ]
    return rnd.choice(kinds)()


def _isbn13(rnd: random.Random) -> str:
    body = "978" + "".join(str(rnd.randint(0, 9)) for _ in range(9))
    check = (10 - sum(int(c) * (1 if i % 2 == 0 else 3) for i, c in enumerate(body)) % 10) % 10
    s = body + str(check)
    return f"{s[:3]}-{s[3]}-{s[4:7]}-{s[7:12]}-{s[12]}"


def values_for(faker: Faker, rnd: random.Random) -> dict[str, str]:
    """One value for every placeholder (see :data:`CLASS_OF`)."""
    firsts = [faker.first_name() for _ in range(2)]
    lasts = [faker.last_name() for _ in range(2)]
    dob = faker.date_of_birth(minimum_age=18, maximum_age=90)
    return {
        "first": firsts[0], "first2": firsts[1], "first_lower": firsts[0].lower(),
        "last": lasts[0], "last2": lasts[1],
        "full": f"{firsts[0]} {lasts[0]}", "full2": f"{firsts[1]} {lasts[1]}",
        "phone": phone_value(faker, rnd), "phone2": phone_value(faker, rnd),
        "card": card_value(faker, rnd), "dob": rnd.choice(_DOB_FORMATS)(dob),
        "email": email_value(faker, rnd), "iban": iban_value(faker, rnd),
        "look": lookalike_value(rnd), "look2": lookalike_value(rnd),
    }  # fmt: skip


def fill(template: str, values: dict[str, str]) -> tuple[str, list[tuple[str, int, int]]]:
    """The text of ``template`` with ``values``, and where each placeholder's value lies."""
    parts: list[str] = []
    placed: list[tuple[str, int, int]] = []
    at = 0
    for literal, field, _, _ in string.Formatter().parse(template):
        parts.append(literal)
        at += len(literal)
        if field is None:
            continue
        value = values[field]
        placed.append((field, at, at + len(value)))
        parts.append(value)
        at += len(value)
    return "".join(parts), placed


def covered(text: str, start: int, end: int, spans: list[Span]) -> bool:
    """Every letter and digit of ``text[start:end]`` lies inside one of ``spans``."""
    return all(any(s.start <= j < s.end for s in spans)
               for j in range(start, end) if text[j].isalnum())


def touched(text: str, start: int, end: int, spans: list[Span]) -> bool:
    """Some letter or digit of ``text[start:end]`` lies inside one of ``spans``."""
    return any(any(s.start <= j < s.end for s in spans)
               for j in range(start, end) if text[j].isalnum())


def run(n: int, seed: int, show: set[str], most: int = 25) -> None:
    rnd = random.Random(seed)
    fakers = {locale: Faker(locale) for locale in LOCALES}
    for i, faker in enumerate(fakers.values()):
        faker.seed_instance(seed + i)
    analyzer = Analyzer(PiiConfig())
    per: dict[str, defaultdict[str, list[int]]] = {
        k: defaultdict(lambda: [0, 0]) for k in ("class", "family", "locale")}
    misses: defaultdict[str, list[str]] = defaultdict(list)
    looks = [0, 0]
    families = [*TEMPLATES, "lookalike"]
    for i in range(n):
        locale = LOCALES[i % len(LOCALES)]
        faker = fakers[locale]
        family = families[rnd.randrange(len(families))]
        template = rnd.choice(LOOKALIKE_TEMPLATES if family == "lookalike"
                              else TEMPLATES[family])
        values = values_for(faker, rnd)
        text, placed = fill(template, values)
        spans = list(mask_texts(analyzer, [text]).findings[0])
        for field, start, end in placed:
            cls = CLASS_OF[field]
            if cls == "LOOK":
                looks[0] += 1
                if touched(text, start, end, spans):
                    looks[1] += 1
                    misses["LOOK"].append(f"{text[start:end]!r} :: {text!r}")
                continue
            leaked = not covered(text, start, end, spans)
            for key, table in (("class", cls), ("family", family), ("locale", locale)):
                per[key][table][0] += 1
                per[key][table][1] += leaked
            if leaked:
                found = [(s.entity_type, text[s.start:s.end]) for s in spans]
                misses[cls].append(f"[{locale} {family}] {text[start:end]!r} :: {text!r} "
                                   f":: {found}")
    total = sum(v[0] for v in per["class"].values())
    leaked = sum(v[1] for v in per["class"].values())
    summary: dict[str, object] = {"values": total, "leak_rate": round(leaked / max(total, 1), 4),
                                  "lookalikes_over_masked": [*looks, round(
                                      looks[1] / max(looks[0], 1), 4)]}
    for key, table in per.items():
        summary[key] = {k: [c, m, round(m / c, 3)] for k, (c, m) in sorted(table.items())}
    print(json.dumps(summary, ensure_ascii=False))
    for cls in sorted(show):
        for line in misses[cls][:most]:
            print(cls, "MISS", line)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("n", nargs="?", type=int, default=800, help="texts to probe (800)")
    parser.add_argument("show", nargs="?", default="",
                        help="classes whose misses to print, comma-separated: "
                             "NAME,PHONE,CARD,DOB,EMAIL,IBAN,LOOK (none)")
    parser.add_argument("--seed", type=int, default=37)
    parser.add_argument("--most", type=int, default=25, help="misses shown per class (25)")
    args = parser.parse_args()
    run(args.n, args.seed, {s for s in args.show.split(",") if s}, args.most)


if __name__ == "__main__":
    main()
