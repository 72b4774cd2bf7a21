"""Synthetic training data for the appliance's PII token classifier (``make pii-model``).

Names and street addresses come from Faker in many locales (tools/pii_model/people.py), placed
in our own templates (tools/pii_model/templates.py) written in the registers prompts come in:
sentences, chat transcripts with speaker labels, e-mails with signatures, forms, CSV and JSON
records, log lines, code and Q&A pairs; about a third of the texts are hard negatives full of
capitalised ordinary words (schema titles, headings, products, months, cities), so the model
learns context, not capitalisation. Names are sometimes lower case or ALL CAPS for the same
reason. The same seed gives the same files.

Usage: python tools/pii_model/generate.py OUT_DIR [--seed N] [--train N] [--dev N]
Writes OUT_DIR/train.spacy and OUT_DIR/dev.spacy (spaCy DocBin) and OUT_DIR/data.json (what
was generated, with the generator versions, for the model's meta.json).
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from people import Name, NameSource, fixed_hash_seed
from templates import (
    CHAT_TURNS,
    COUNTRIES,
    FIELDS,
    IDENTS,
    MONTHS,
    NEGATIVES,
    PRODUCTS,
    SENTENCES,
    SIGNOFFS,
    TEAMS,
    WEEKDAYS,
    WORDS,
)

#: Bumped when the templates or the way texts are put together change.
GENERATOR_VERSION = "2"
_SLOT = re.compile(r"(?<!\{)\{([A-Za-z]+)(\d?)\}(?!\})")
_PERSON_SLOTS = {"full", "first", "last", "nick"}

Spans = list[tuple[int, int, str]]


class Writer:
    """Builds one text with its labelled spans."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.spans: Spans = []
        self.pos = 0

    def add(self, text: str, label: str | None = None) -> None:
        if label is not None and text.strip():
            self.spans.append((self.pos, self.pos + len(text), label))
        self.parts.append(text)
        self.pos += len(text)

    def text(self) -> str:
        return "".join(self.parts)


class Filler:
    """Fills template slots; people in one text keep their names across slots."""

    def __init__(self, source: NameSource, case: str) -> None:
        self.src = source
        self.rng = source.rng
        self.case = case
        self.people: dict[str, Name] = {}
        self.nicks: dict[str, str] = {}
        self.values: dict[str, str] = {}

    def cased(self, value: str) -> str:
        if self.case == "lower":
            return value.lower()
        if self.case == "upper":
            return value.upper()
        return value

    def person(self, index: str) -> Name:
        if index not in self.people:
            self.people[index] = self.src.name()
        return self.people[index]

    def slot(self, kind: str, index: str) -> tuple[str, str | None]:
        if kind in _PERSON_SLOTS:
            p = self.person(index)
            if kind == "nick":
                if index not in self.nicks:
                    self.nicks[index] = self.src.nickname()
                return self.cased(self.nicks[index]), "PERSON"
            return self.cased({"full": p.full, "first": p.first, "last": p.last}[kind]), "PERSON"
        if kind == "street":
            return self.src.street(), "ADDRESS"
        key = kind + index
        if key not in self.values:
            self.values[key] = self._plain(kind)
        return self.values[key], None

    def _plain(self, kind: str) -> str:
        rng = self.rng
        if kind == "city":
            return self.src.city()
        if kind == "email":
            p = self.person("9")
            return f"{p.first[:1]}{p.last.split()[-1]}@example.com".lower().replace("'", "")
        if kind == "phone":
            return f"+1 {rng.randint(200, 999)} {rng.randint(200, 999)} {rng.randint(1000, 9999)}"
        if kind == "num":
            return str(rng.randint(2, 99))
        if kind == "date":
            return f"{rng.randint(1, 28)} {rng.choice(MONTHS)} {rng.randint(1950, 2026)}"
        table = {"country": COUNTRIES, "month": MONTHS, "weekday": WEEKDAYS, "Word": WORDS,
                 "Field": FIELDS, "product": PRODUCTS, "team": TEAMS, "ident": IDENTS}
        return rng.choice(table[kind])

    def fill(self, template: str, w: Writer) -> None:
        pos = 0
        for m in _SLOT.finditer(template):
            w.add(template[pos:m.start()].replace("{{", "{").replace("}}", "}"))
            value, label = self.slot(m.group(1), m.group(2))
            w.add(value, label)
            pos = m.end()
        w.add(template[pos:].replace("{{", "{").replace("}}", "}"))


def _case(rng: random.Random, lower: float = 0.08) -> str:
    r = rng.random()
    return "lower" if r < lower else "upper" if r < lower + 0.03 else "title"


def sentences(src: NameSource, w: Writer) -> None:
    f = Filler(src, _case(src.rng))
    for i in range(src.rng.choice((1, 1, 2, 3))):
        if i:
            w.add(src.rng.choice((" ", " ", "\n")))
        pool = NEGATIVES if src.rng.random() < 0.35 else SENTENCES
        f.fill(src.rng.choice(pool), w)


def negatives(src: NameSource, w: Writer) -> None:
    f = Filler(src, "title")
    for i in range(src.rng.choice((1, 2, 3))):
        if i:
            w.add(src.rng.choice((" ", "\n", "\n\n")))
        f.fill(src.rng.choice(NEGATIVES), w)


def chat(src: NameSource, w: Writer) -> None:
    rng = src.rng
    f = Filler(src, _case(rng, 0.15))
    speakers = [str(i) for i in range(rng.choice((2, 2, 3)))]
    style = rng.choice(("plain", "time", "bracket", "full"))
    for turn in range(rng.randint(2, 6)):
        who = speakers[turn % len(speakers)]
        if turn:
            w.add("\n")
        if style == "time":
            w.add(f"[{rng.randint(8, 18):02d}:{rng.randint(0, 59):02d}] ")
        name = f.person("1" + who).full if style == "full" else f.person("1" + who).short
        if style == "bracket":
            w.add("<")
            w.add(f.cased(name), "PERSON")
            w.add("> ")
        else:
            w.add(f.cased(name), "PERSON")
            w.add(": ")
        f.fill(rng.choice(CHAT_TURNS + SENTENCES[:12]), w)


def email(src: NameSource, w: Writer) -> None:
    rng = src.rng
    f = Filler(src, "title")
    greeting = rng.choice(("Hi ", "Dear ", "Hello ", "Hey ", "Good morning ", ""))
    if greeting:
        w.add(greeting)
        f.fill(rng.choice(("{first}", "{first}", "Mr. {last}", "Ms {last}", "{full}",
                           "Dr {last}", "{first} and {first2}", "team")), w)
        w.add(",\n\n")
    for _ in range(rng.randint(1, 2)):
        f.fill(rng.choice(SENTENCES + NEGATIVES), w)
        w.add(" ")
    w.add("\n\n" + rng.choice(SIGNOFFS) + "\n")
    f.fill(rng.choice(("{full3}", "{first3}", "{full3}\n{Word} Manager, {team}",
                       "{full3} | {team}\n{phone}", "{first3}\nSent from my phone",
                       "{full3}\n{street3}\n{city}")), w)


def form(src: NameSource, w: Writer) -> None:
    rng = src.rng
    f = Filler(src, _case(rng, 0.1))
    lines = [("Name", "{full}"), ("Full name", "{full}"), ("First name", "{first}"),
             ("Last name", "{last}"), ("Surname", "{last}"), ("Preferred name", "{nick}"),
             ("Address", "{street}"), ("Street", "{street}"), ("City", "{city}"),
             ("Country", "{country}"), ("Phone", "{phone}"), ("Email", "{email}"),
             ("Date of birth", "{date}"), ("Department", "{team}"), ("Size", "{Field}"),
             ("Emergency contact", "{full2}"), ("Signature", "{full}"), ("Status", "Active")]
    sep = rng.choice((": ", ":\t", " - ", " = ", ": "))
    for i, (key, value) in enumerate(rng.sample(lines, rng.randint(3, 7))):
        if i:
            w.add("\n")
        w.add(key + sep)
        f.fill(value, w)


def table(src: NameSource, w: Writer) -> None:
    rng = src.rng
    f_case = _case(rng, 0.1)
    cols = rng.sample([("name", "{full}"), ("first_name", "{first}"), ("last_name", "{last}"),
                       ("city", "{city}"), ("address", "{street}"), ("Size", "{num}"),
                       ("Genre", "{Word}"), ("Order Id", "{num}{num}"), ("email", "{email}"),
                       ("product", "{product}"), ("month", "{month}")], rng.randint(2, 4))
    sep = rng.choice((",", ";", "\t", " | "))
    w.add(sep.join(c for c, _ in cols))
    for _ in range(rng.randint(1, 4)):
        w.add("\n")
        f = Filler(src, f_case)
        for i, (_, v) in enumerate(cols):
            if i:
                w.add(sep)
            f.fill(v, w)


def record(src: NameSource, w: Writer) -> None:
    rng = src.rng
    f = Filler(src, _case(rng, 0.05))
    if rng.random() < 0.3:  # a JSON Schema or a record without people
        w.add('{"title": "')
        f.fill("{Field}", w)
        w.add('", "type": "object", "properties": {"')
        f.fill('{Field2}": {"title": "{Field2}", "type": "number"}, "name": {"type": "string"}}}',
               w)
        return
    keys = rng.sample([("name", "{full}"), ("customer", "{full}"), ("author", "{full}"),
                       ("assignee", "{first}"), ("lastName", "{last}"), ("city", "{city}"),
                       ("street", "{street}"), ("size", "{Field}"), ("status", "Open"),
                       ("genre", "{Word}"), ("id", "{num}")], rng.randint(2, 5))
    yaml = rng.random() < 0.3
    w.add("" if yaml else "{")
    for i, (k, v) in enumerate(keys):
        if i:
            w.add("\n" if yaml else ", ")
        w.add(f"{k}: " if yaml else f'"{k}": "')
        f.fill(v, w)
        w.add("" if yaml else '"')
    w.add("" if yaml else "}")


def log_line(src: NameSource, w: Writer) -> None:
    rng = src.rng
    f = Filler(src, _case(rng, 0.2))
    for i in range(rng.randint(1, 3)):
        if i:
            w.add("\n")
        w.add(f"2024-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}T{rng.randint(0, 23):02d}"
              f":{rng.randint(0, 59):02d}:00Z {rng.choice(('INFO', 'WARN', 'ERROR'))} ")
        f.fill(rng.choice((
            "login succeeded for {full} from 10.0.{num}.{num}",
            'user="{full}" action=export rows={num}', "password reset requested by {first} {last}",
            "{product} worker {num} restarted", "job {ident} finished in {num} ms",
            "ticket #{num} assigned to {full}", "{Field} validation failed for order {num}",
            "delivery address changed to {street}")), w)


def code(src: NameSource, w: Writer) -> None:
    rng = src.rng
    f = Filler(src, "title")
    f.fill(rng.choice((
        'author = "{full}"\nversion = "{num}.0"', "# TODO({first}): handle empty {ident}",
        'send_email(to="{email}", name="{full}")', "def {ident}(user):\n    return user.name",
        'const owner = "{full}";', "git commit --author=\"{full} <{email}>\"",
        "class {Word}{Word2}:\n    width: int\n    height: int",
        'SELECT name FROM users WHERE last_name = \'{last}\';', "Co-authored-by: {full} <{email}>",
        "print(f\"Hello, {{name}}!\")", '{{"Size": {num}, "Width": {num}, "Genre": "{Word}"}}',
        "customer = Customer(name=\"{full}\", city=\"{city}\")",
        # names in strings, arguments, comparisons and rows, as code and data carry them
        "print('Hello {first}')", 'msg = "Thanks {first}, your order shipped."',
        'assert greet("{first}") == "Hi {first}"', "users.append('{full}')",
        "INSERT INTO staff VALUES ({num}, '{first}', '{last}', '{city}');",
        "{first},{last},{num},{city}", "{last};{first};{country}", "{num}\t{full}\t{team}",
        'if owner == "{first}":\n    notify("{full}")', "reviewers: [{first}, {first2}]",
        'expect(user.name).toBe("{full}");', "// reviewed by {full}",
        'logger.info("user %s logged in", "{first}")', "name: {full}\nrole: {Word}",
        'test_user = {{"first": "{first}", "last": "{last}"}}',
        "# {ident}: {Word} {Word2}", 'label = "{Field}"', "print('Hello World')",
        'title = "{Word} {Word2}"', "SELECT {ident} FROM {Word};")), w)


def inline_list(src: NameSource, w: Writer) -> None:
    """People listed on one line: numbered, bulleted or joined, with and without a lead-in."""
    rng = src.rng
    f = Filler(src, _case(rng, 0.05))
    lead = rng.choice(("Winners: ", "Shortlist: ", "Speakers: ", "Team: ", "On call: ",
                       "Attendees were ", "Ranking: "))
    people = rng.choice(("{full}", "{full}", "{first}", "{last}"))
    n = rng.randint(2, 4)
    style = rng.choice(("numbered", "paren", "semicolon", "slash"))
    w.add(lead)
    for i in range(n):
        item = people.replace("}", f"{i + 1}}}") if i else people
        if style == "numbered":
            w.add(("" if i == 0 else " ") + f"{i + 1}. ")
        elif style == "paren":
            w.add(("" if i == 0 else " ") + f"({i + 1}) ")
        elif i:
            w.add({"semicolon": "; ", "slash": " / ", "and": ", " if i < n - 1 else " and "}[style])
        f.fill(item, w)
    if rng.random() < 0.7:  # and lists of things that are no people, in the same shapes
        w.add("\n" + rng.choice(("Agenda: ", "Steps: ", "Stops: ", "Stack: ", "")))
        things = rng.choice(("{Word} {Word2}", "{Field}", "{product}", "{city}", "{month}",
                             "{country}", "{product} {Word}"))
        for i in range(rng.randint(2, 4)):
            if style in ("numbered", "paren"):
                w.add(("" if i == 0 else " ") + (f"{i + 1}. " if style == "numbered"
                                                  else f"({i + 1}) "))
            elif i:
                w.add(rng.choice((", ", " and ", "; ", " / ")))
            Filler(src, f.case).fill(things, w)  # fresh values for each item


def qa(src: NameSource, w: Writer) -> None:
    rng = src.rng
    f = Filler(src, _case(rng, 0.12))
    f.fill(rng.choice((
        "Q: What's your name?\nA: {first}", "Q: What's your last name?\nA: {last}",
        "Q: Who should we contact?\nA: {full}, on {phone}", "Q: Who signed it?\nA: {last}.",
        "Q: Where do you live?\nA: {street}, {city}", "Q: What do people call you?\nA: {nick}",
        "Q: What is a {Word}?\nA: A kind of {Word2}.", "Q: Name three months.\nA: {month}, "
        "{month2}, {month3}", "Q: Best city for {product}?\nA: {city}")), w)


REGISTERS: tuple[tuple[Callable[[NameSource, Writer], None], float], ...] = (
    (sentences, 0.30), (negatives, 0.14), (chat, 0.12), (email, 0.10), (form, 0.08),
    (table, 0.06), (record, 0.07), (log_line, 0.04), (code, 0.07), (qa, 0.05),
    (inline_list, 0.04))


def examples(seed: int, count: int, training: bool = True) -> list[tuple[str, Spans]]:
    """``count`` texts with their (start, end, label) spans."""
    src = NameSource(seed, training=training)
    funcs = [f for f, _ in REGISTERS]
    weights = [p for _, p in REGISTERS]
    out = []
    for _ in range(count):
        w = Writer()
        src.rng.choices(funcs, weights)[0](src, w)
        out.append((w.text(), w.spans))
    return out


def to_docbin(nlp: object, data: list[tuple[str, Spans]]) -> tuple[object, int]:
    from spacy.tokens import DocBin

    db, skipped = DocBin(), 0
    for text, spans in data:
        doc = nlp.make_doc(text)  # type: ignore[attr-defined]
        ents = []
        for start, end, label in spans:
            # Trim the spaces a slot may carry; expand to whole tokens ("Min-jun" is 3).
            first = start + len(text[start:end]) - len(text[start:end].lstrip())
            span = doc.char_span(first, end, label=label, alignment_mode="expand")
            if span is None:
                break
            ents.append(span)
        else:
            try:
                doc.ents = ents
            except ValueError:  # overlapping spans after expansion
                skipped += 1
                continue
            db.add(doc)
            continue
        skipped += 1
    return db, skipped


def main(argv: list[str] | None = None) -> int:
    import faker
    import spacy

    fixed_hash_seed()
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--seed", type=int, default=20240601)
    ap.add_argument("--train", type=int, default=14000)
    ap.add_argument("--dev", type=int, default=1500)
    args = ap.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    nlp = spacy.blank("en")
    stats = {}
    for name, count, seed in (("train", args.train, args.seed), ("dev", args.dev, args.seed + 1)):
        data = examples(seed, count)
        db, skipped = to_docbin(nlp, data)
        db.to_disk(args.out / f"{name}.spacy")  # type: ignore[attr-defined]
        stats[name] = {"texts": count - skipped, "skipped": skipped,
                       "words": sum(len(t.split()) for t, _ in data),
                       "spans": sum(len(s) for _, s in data)}
    info = {"seed": args.seed, "generator_version": GENERATOR_VERSION,
            "faker_version": faker.VERSION, "spacy_version": spacy.__version__, **stats}
    (args.out / "data.json").write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(info))
    return 0


if __name__ == "__main__":
    sys.exit(main())
