"""Held-out texts for measuring the PII model: templates never used in training (written apart
from tools/pii_model/templates.py, in other words and layouts), names only from the held-out
side of the split in people.py, another seed. Not an evaluation corpus of the project's
benchmarks (bench/pii_corpora is built independently); this is the model's own check.
"""

from __future__ import annotations

import random
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from people import NameSource

POSITIVES = (
    "hello, the name's {first} and i have a billing question",
    "Hi there, {first} speaking, how can I help?", "I am {first}, I ordered last week.",
    "this is {first}, calling back about the quote", "yeah it's me, {first}",
    "What's your last name? - {last}", "Your surname please? {last}",
    "and the family name? {last}", "everyone calls me {nick}", "people call me {nick} at work",
    "{first}: the deploy failed again\n{first2}: on it", "{full}: can you review my PR?",
    "[{first}] morning all", "{first} > lunch?\n{first2} > sure",
    "our founders: {last}, {last2} and {last3}", "Panel: {last}, {last2}, {last3}",
    "Judges were {last}, {last2} and {last3}.", "We interviewed {full} and {full2} today.",
    "Could you proofread the letter from {full}?", "Book a table for {first} at 7.",
    "{full} will present the {month} numbers.", "Thanks {first}, talk soon!",
    "Assign the bug to {full} please", "Did {first} ever reply about {country}?",
    "My neighbour {full} lost her cat.", "my brother {first} is visiting from {city}",
    "The defendant, {full}, pleaded not guilty.", "Witness: {full}",
    "Approved by: {full}", "Prepared for {full}, {city}", "Attn. {full}",
    "{full}\nHead of Procurement\n{phone}", "Cheers mate,\n{first}",
    "{{\"owner\": \"{full}\", \"tier\": \"gold\"}}", "owner,region\n{full},{country}",
    "reviewer = \"{full}\"", "2025-03-02 12:00:01 WARN locked account of {full}",
    "Send the invoice to {street}, {city}.", "we're at {street} now",
    "Home address: {street}", "Please ship to {full}, {street}",
    "i asked {first} and {first2} but nobody knew", "ask {last} about it",
    "{first} {last} called; she'll call back.", "Is this {full}'s desk?",
)

NEGATIVES = (
    "Describe a cat as JSON with name and legs.",
    '{{"title": "Size", "type": "integer"}}', '{{"title": "Width", "type": "number"}}',
    '{{"title": "Genre", "enum": ["Drama", "Comedy"]}}',
    '{{"title": "Order Id", "type": "string"}}',
    "Make a table with columns Country, Capital and Population.",
    "List the planets: Mercury, Venus, Earth, Mars.",
    "Explain the difference between Java and Rust.",
    "How long does it take to fly from {city} to {city2}?",
    "Which is bigger, {country} or {country2}?",
    "Schedule the standup for {weekday} at nine.", "Is {month} a good time to visit {country}?",
    "Output Format: Markdown", "Heading One\n===========\nSome Body Text",
    "Title: Quarterly Review\nStatus: Draft\nOwner Team: Finance",
    "Return a YAML document with keys Name, Version and License.",
    "The Red Cross and the Salvation Army sent help.", "Write a haiku about Autumn Leaves.",
    "Translate Good Morning into German.", "What does the Big Bang theory say?",
    "Use Python to read a CSV called Sales Data.", "Summer Sale: Buy One Get One Free",
    "Rename Customer Name to Client Name in the schema.", "I'm not sure this works.",
    "I'm glad you asked.", "This is a test.", "Call me back later.", "My name field is empty.",
    "Please explain Newton's laws.", "The Great Wall is in China.",
    "Set the Max Width property to 300.", "Priority: High, Severity: Low",
    "class OrderItem:\n    size: int\n    genre: str", "SELECT title, genre FROM books;",
    "Happy New Year!", "Merry Christmas and a Happy Holiday Season.",
)

_SLOT = re.compile(r"(?<!\{)\{([A-Za-z]+)(\d?)\}(?!\})")
_COUNTRIES = ("Peru", "Ghana", "Austria", "Mexico", "Greece", "Thailand", "Ireland", "Morocco")
_MONTHS = ("March", "June", "October", "December")
_WEEKDAYS = ("Monday", "Thursday", "Friday")

Span = tuple[int, int, str]


def _fill(template: str, src: NameSource) -> tuple[str, list[Span]]:
    people: dict[str, object] = {}
    values: dict[str, str] = {}
    out, spans, pos = [], [], 0
    rng = src.rng
    case = "lower" if rng.random() < 0.1 else "title"
    for m in _SLOT.finditer(template):
        out.append(template[pos:m.start()].replace("{{", "{").replace("}}", "}"))
        kind, idx = m.group(1), m.group(2)
        label = None
        if kind in ("full", "first", "last", "nick"):
            person = people.setdefault(idx, src.name())
            value = src.nickname() if kind == "nick" else getattr(person, kind)
            value = value.lower() if case == "lower" else value
            label = "PERSON"
        elif kind == "street":
            value, label = src.street(), "ADDRESS"
        elif kind == "phone":
            value, label = f"+44 20 7946 {rng.randint(1000, 9999)}", "OTHER"
        else:
            key = kind + idx
            if key not in values:
                values[key] = {"city": src.city, "country": lambda: rng.choice(_COUNTRIES),
                               "month": lambda: rng.choice(_MONTHS),
                               "weekday": lambda: rng.choice(_WEEKDAYS)}[kind]()
            value = values[key]
        start = sum(len(x) for x in out)
        out.append(value)
        if label:
            spans.append((start, start + len(value), label))
        pos = m.end()
    out.append(template[pos:].replace("{{", "{").replace("}}", "}"))
    return "".join(out), spans


def heldout(seed: int = 777, per_template: int = 6) -> list[tuple[str, list[Span]]]:
    """Held-out texts with their gold spans: each positive template ``per_template`` times with
    fresh held-out names, each negative template twice."""
    src = NameSource(seed, training=False)
    random.Random(seed)
    data = [_fill(t, src) for t in POSITIVES for _ in range(per_template)]
    data += [_fill(t, src) for t in NEGATIVES for _ in range(2)]
    return data
