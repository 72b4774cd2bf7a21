"""Development probe for Latin-script names in English text: recall per source and register.

Names are placed in English templates of several registers (code, lists, nicknames, prose,
chat, Q&A, e-mail, JSON, forms) written for this probe, not in the held-out evaluation's
(``bench/pii_corpora/``). Three template sets: ``old`` (the first ones, which the recognizers
were tuned on), ``new`` (written later, apart, for the weak registers: assignments, kwargs,
YAML, git log lines, SQL; bullets, bare names one per line; names mid-sentence; "goes by",
"aka"; lower-case chat) and ``fresh`` (written from scratch after both, in a style of its own,
for code, prose, lists and nicknames: see :data:`FRESH_TEMPLATES`). Names come from one of
three sources that share no list (``--source``):

- ``faker``: Faker in fourteen locales (what the PII model is trained on, and the source of
  the world name lists the recognizers ship, tools/pii_model/world_names.py: no held-out
  measure any more);
- ``gg``: given names from gender-guesser's ``nam_dict.txt`` (Jörg Michael's list of first names
  of ~50 countries; names that are English words too, Tilde, Rose, Will, as they come) with
  surnames from names-dataset (the 1,000 most common of a matching country);
- ``nd``: given names and surnames both from names-dataset (the 1,000 most common of each of
  45 countries whose names are written in Latin script).

``gg`` and ``nd`` are measurement sources only: names-dataset (derived from a leaked data set)
is never shipped, trained on or needed for the default run (``--source faker``); they read a
local cache of it (:data:`ND_CACHE`), built once where the package is installed. Neither is
used to train the model or build the gazetteer, except ``gg`` given names outside the held-out
bucket (tools/pii_model/people.py) once the model is trained on them: ``--heldout`` keeps to
that bucket.

A name counts as masked when every letter and digit of it lies inside a finding. Prints one
JSON line per source (overall recall, and ``[names, masked, recall]`` per register), then up to
25 ``LEAK`` lines for each register named on the command line (comma-separated; none by
default).

    .venv/bin/python tools/pii_dev/en_names.py 600 code,list
    .venv/bin/python tools/pii_dev/en_names.py 600 --source faker,gg,nd --templates new --seed 5
    .venv/bin/python tools/pii_dev/en_names.py 800 prose --source gg --templates fresh,new
"""

from __future__ import annotations

import argparse
import gzip
import json
import pickle
import random
import re
import sys
import zlib
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

from faker import Faker

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from appliance.config import PiiConfig
from appliance.privacy.analyzer import Analyzer, Span
from appliance.privacy.masker import mask_texts

#: Templates per register. Placeholders: ``{first}``/``{first2}``/``{first3}``, ``{last}``...,
#: ``{full}``... (first and last name of the same index), ``{full_nospace}`` (``first.last``,
#: lower case).
TEMPLATES = {
    "code": [
        'user = {{"name": "{full}", "role": "admin"}}',
        'author = "{full}"',
        "INSERT INTO users (name) VALUES ('{full}');",
        "owner: {full}\nteam: infra",
        'send_mail(to="{first}", cc="{full}")',
        "{first},{last},42,Berlin",
        'assert greet("{first}") == "Hello {first}"',
        "- name: {full}\n  email: x@example.com",
        "# TODO({first}): fix this",
        "2024-05-01 12:00:01 INFO login ok user={full_nospace}",
        'git commit --author="{full} <a@b.c>"',
    ],
    "list": [
        "Attendees: {full}, {full2} and {full3}",
        "- {full}\n- {full2}\n- {full3}",
        "Team: {last}, {last2}, {last3}",
        "| {full} | Sales | Paris |",
        "Winners: 1. {full} 2. {full2}",
        "cc: {first}; {first2}; {first3}",
    ],
    "nickname": [
        "Everyone calls me {first}.",
        "{full}, known as {first2}, joined us.",
        "I go by {first} these days.",
        "Just call me {first}!",
        "My friends call me {first2}.",
    ],
    "prose": [
        "Yesterday {full} visited the office.",
        "I met {first} at the conference.",
        "{full} will present the results.",
        "Please ask {first} about the invoice.",
        "The report was written by {full}.",
    ],
    "chat": [
        "{first}: are you coming tonight?\n{first2}: yes",
        "[10:02] {first}: ok",
        "<{first}> brb",
        "{full} joined the chat",
    ],
    "qa": [
        "What is your first name?\n{first}",
        "Last name? {last}",
        "Q: Who signed it? A: {full}",
        "Name: {full}",
    ],
    "email": [
        "Hi {first},\n\nThanks!\n{first2}",
        "From: {full} <x@example.com>",
        "Best regards,\n{full}\nHead of Sales",
        "Dear Mr. {last},",
    ],
}
#: Templates written apart from :data:`TEMPLATES`, after the recognizers were tuned, for the
#: registers that leaked most. ``{first_l}``/``{last_l}``/``{full_l}`` are lower case.
NEW_TEMPLATES = {
    "code": [
        'reviewer = "{full}"',
        'create_user(first_name="{first}", last_name="{last}", active=True)',
        "owner: {full}\nmaintainers:\n  - {full2}\n  - {full3}",
        '{{"id": 7, "assignee": "{full}", "watchers": ["{first2}", "{first3}"]}}',
        "commit 3f2a9c1\nAuthor: {full} <dev@example.org>\nDate:   Tue Mar 4 10:12:00 2025",
        "a1b2c3d 2024-02-11 {full} Merge branch 'main'",
        "# Maintained by {full}",
        "// {first}: please double-check the timeout",
        "INSERT INTO customers (first_name, last_name, city)\n"
        "VALUES ('{first}', '{last}', 'Leeds');",
        "patient = Patient(given='{first}', family='{last}')",
        'row = ["{first}", "{last}", "2024-01-05"]',
        "contact_name: {full}\nphone: 555-0100",
        "^4e1f (  {full} 2024-02-11 14) import os",
        "UPDATE staff SET manager = '{full}' WHERE id = 12;",
    ],
    "list": [
        "Present: {full}; {full2}; {full3}",
        "In the meeting were {first}, {first2} and {first3}.",
        "* {full}\n* {full2}\n* {full3}",
        "{full}\n{full2}\n{full3}",
        "Invited: {full}, {full2}, {full3}",
        "Apologies from {full} and {full2}.",
        "Shortlisted candidates:\n1) {full}\n2) {full2}",
        "Roster: {last}, {first}; {last2}, {first2}",
        "Thanks to {first}, {first2}, and {first3} for the help.",
        "participants: {first_l}, {first2_l}, {first3_l}",
        "attendees: {first}, {first2} and {first3}",
    ],
    "prose": [
        "After lunch, {full} walked over to the lab and fixed the printer.",
        "We asked {first} whether the numbers added up, and she said no.",
        "The grant went to {full} last spring.",
        "When {first} called, I was already on the train.",
        "It turns out that {full} had signed the lease two weeks earlier.",
        "My sister and {first} drove to the coast on Saturday.",
        "The committee thanked {full} for her years of service.",
        "Nobody expected {full} to win the chess final.",
        "According to {full}, the shipment left on time.",
        "I gave the keys to {first} before leaving.",
    ],
    "nickname": [
        "Her name is {full} but she goes by {first2}.",
        "Call me {first}, everybody does.",
        "{full}, aka {first2}, runs the bakery.",
        "He goes by {first} at work.",
        "you can call me {first_l}",
        "Better known as {first}, he signed up last year.",
        "His friends know him as {first}.",
    ],
    "chat": [
        "hey {first_l} {last_l} here, is the room free?",
        "ok {first_l} thx",
        "{first_l}: lol yes\n{first2_l}: omw",
        "lol {first_l} said the same",
        "yo it's {first_l}",
        "did {first_l} send the slides?",
    ],
    "email": [
        "Hello {first},\nthe draft is attached.\n\nBest,\n{first2}",
        "To: {full} <{full_nospace}@example.com>",
        "Kind regards\n\n{full}\nAccount Manager",
        "Forwarding this from {full}; she asked me to loop you in.",
    ],
    "qa": [
        "Q: Who is your emergency contact?\nA: {full}",
        "- What's the patient's surname?\n- {last}",
        "Who's on call tonight? {first}.",
    ],
    "json": [
        '{{"customer": {{"firstName": "{first}", "lastName": "{last}"}}}}',
        '[{{"name": "{full}"}}, {{"name": "{full2}"}}]',
        '{{"employee": "{full}", "dept": "R&D"}}',
    ],
    "form": [
        "First name: {first}\nLast name: {last}\nDOB: 1990-04-02",
        "Applicant .......... {full}",
        "Name of account holder: {full}",
    ],
}
#: A third set, written from scratch after ``old`` and ``new`` in a style of its own, for the
#: four registers that leak most: code (camelCase, kebab and snake keys, kwargs, f-strings,
#: SQL WHERE, structured logs, docstrings, git trailers, CSV with a header, YAML maps, HTML
#: attributes, comments naming someone), prose (possessives, after prepositions, a surname
#: alone opening a sentence, in brackets and quotes), lists (bullets of other marks, numbered
#: with no cue, semicolon and "and" lists, Markdown tables, a rota) and nicknames ("nicknamed",
#: "alias", "a.k.a.", "they call him", lower case).
FRESH_TEMPLATES = {
    "code": [
        'ticket.assignedTo = "{full}"',
        "const lead = {{ displayName: '{full}', team: 'billing' }};",
        '{{"lead-engineer": "{full}", "on_call": false}}',
        'notify(recipient_name="{full}", urgent=True)',
        'emp = Employee(firstName="{first}", lastName="{last}", grade=3)',
        'log.info(f"{{n}} tickets closed by {full}")',
        "SELECT * FROM orders WHERE customer_name = '{full}';",
        "DELETE FROM sessions WHERE owner = '{full}' AND expired = 1;",
        "INSERT INTO authors (id, given, family) VALUES (17, '{first}', '{last}');",
        'level=warn msg="password reset" actor="{full}" ip=10.0.0.4',
        "[2025-03-02T09:14:55Z] WARN session expired for {full}",
        '"""Parse the nightly export.\n\nAuthor: {full}\n"""',
        ":author: {full}\n:version: 2.1",
        "Fix flaky retry test\n\nSigned-off-by: {full} <{full_nospace}@example.net>",
        "Reviewed-by: {full}\nTested-by: {full2}",
        "id,given,family,joined\n1,{first},{last},2021-06-01",
        "employee;department\n{full};Logistics\n{full2};Finance",
        "oncall:\n  primary: {full}\n  backup: {full2}",
        '<meta name="author" content="{full}">',
        '<span class="byline" title="{full}">{first}</span>',
        '<input type="text" name="contact" value="{full}">',
        "# ask {last} before changing this constant",
        "# FIXME: {first} knows why this sleeps",
        "/* {first} says this is temporary */",
        "-- owner: {full}, last checked 2024-11",
        "MANAGER_NAME = '{full}'",
        "self.supervisor = '{full}'",
        "user_full_name: str = '{full}'",
        "expect(profile.surname).toBe('{last}');",
        "props = {{'createdBy': '{full}', 'state': 'draft'}}",
    ],
    "prose": [
        "{last}'s report arrived late, so we postponed the review.",
        "I had coffee with {first} this morning.",
        "The parcel is for {full}, not for me.",
        "We got a postcard from {first} and the kids.",
        "{last} thinks we should wait another week.",
        "{last} argued that the budget was too small.",
        "The new lead ({full}) starts on Monday.",
        '"It works now," {first} wrote in the ticket.',
        "She signed the card simply \"{first}\".",
        "On Tuesday the board and {full} agreed on a price.",
        "Last week {first} finally fixed the heater.",
        "The manager praised {first} in front of everyone.",
        "Did you invite {full} to the party?",
        "It was {first} who found the bug.",
        "{first} and I are going hiking.",
        "Tell {first} I said hi.",
        "I borrowed {first}'s bike for the weekend.",
        "Thanks to {full}, the launch went smoothly.",
        "The photos were taken by {full} during the trip.",
        "Between {first} and {first2}, nobody remembered the password.",
        "We stayed at {full}'s flat in the old town.",
        "The email from {last} was short and polite.",
        "{full} has agreed to chair the session.",
        "Everything changed when {last} left the company.",
        "You should talk to {first} about the lease.",
    ],
    "list": [
        "Volunteers for Saturday:\n• {full}\n• {full2}\n• {full3}",
        "1. {full}\n2. {full2}\n3. {full3}",
        "{last}, {first}; {last2}, {first2}; {last3}, {first3}",
        "The prize goes to {first}, {first2} and {first3}.",
        "| Name | Role |\n|---|---|\n| {full} | lead |\n| {full2} | QA |",
        "On the rota this week: {first} (Mon), {first2} (Wed), {first3} (Fri)",
        "Signed: {full}, {full2}",
        "Team A: {first}, {first2}\nTeam B: {first3}",
        "Seating, table 4 \u2013 {full}, {full2}, {full3}",
        "{full}; {full2}; {full3}",
        "Who's coming: {first_l}, {first2_l} and {first3_l}",
        "Judges\n  {full}\n  {full2}\n  {full3}",
        "[x] {full}\n[ ] {full2}\n[x] {full3}",
        "Please welcome our new hires {full}, {full2} and {full3}!",
    ],
    "nickname": [
        "Her friends call her {first}.",
        "They call him {first_l} at the gym.",
        '{full}, nicknamed "{first2}", ran the night shift.',
        "{full} (alias {first2}) was never caught.",
        "The drummer, a.k.a. {first}, missed the bus.",
        "he goes by {first_l} online",
        "Everyone knew her as {first}.",
        "{first} is what they call me back home.",
        "The kids nicknamed him {first}.",
        "known to everyone as {first_l}",
        "my nickname is {first_l}",
        "Back in school we called her {first}.",
        "Born {full}, she later went by {first2}.",
        "Most people just say {first}.",
    ],
}
TEMPLATE_SETS = {"old": TEMPLATES, "new": NEW_TEMPLATES, "fresh": FRESH_TEMPLATES}
LOCALES = [
    "en_US", "en_GB", "de_DE", "fr_FR", "es_ES", "it_IT", "nl_NL",
    "pt_BR", "pl_PL", "sv_SE", "tr_TR", "en_IN", "vi_VN", "fi_FI",
]  # fmt: skip
#: Sources of names (see the module docstring).
SOURCES = ("faker", "gg", "nd")
#: Name lists read from names-dataset, cached here (reading its pickles takes ~20 s, 2 GB).
ND_CACHE = Path.home() / ".cache" / "llm-appliance" / "en_names_nd-3.3.1.json"
#: Surnames and given names per country: the most common this many.
ND_TOP = 1000
#: names-dataset countries whose names are written in Latin script, with the column of the
#: same country in nam_dict.txt (None: none; given names then come from names-dataset).
COUNTRIES = {
    "GB": 0, "IE": 1, "US": 2, "IT": 3, "MT": 4, "PT": 5, "ES": 6, "FR": 7, "BE": 8, "LU": 9,
    "NL": 10, "DE": 12, "AT": 13, "CH": 14, "IS": 15, "DK": 16, "NO": 17, "SE": 18, "FI": 19,
    "EE": 20, "LT": 22, "PL": 23, "CZ": 24, "HU": 26, "HR": 30, "RS": 34, "SI": 35, "AL": 36,
    "AZ": 43, "TR": 46, "IN": 50, "BR": None, "MX": None, "AR": None, "CO": None, "CL": None,
    "PE": None, "PH": None, "NG": None, "ZA": None, "GH": None, "ID": None, "MY": None,
    "CA": None, "JM": None,
}  # fmt: skip
#: A name written in Latin letters, one word (a hyphen or an apostrophe inside).
_LATIN_NAME = re.compile(r"[A-ZÀ-ÖØ-ÞĀ-ž][a-zß-öø-ÿĀ-ž]+(?:['\-][A-ZÀ-ÖØ-ÞĀ-ža-zß-öø-ÿĀ-ž]+)?")
#: nam_dict.txt: the first column of country frequencies (1 rare ... D very common).
_GG_COLUMN0 = 30


def gg_first_names() -> dict[int, list[str]]:
    """Given names of gender-guesser's nam_dict.txt by country column: every name with a
    frequency there, rare ones too (Tilde, Dita), one word of Latin letters."""
    from importlib import resources

    text = resources.files("gender_guesser").joinpath("data/nam_dict.txt").read_text("utf-8")
    out: defaultdict[int, set[str]] = defaultdict(set)
    for line in text.splitlines():
        if line[:1] in "#=" or len(line) < _GG_COLUMN0:
            continue
        name = line[3:29].strip()
        if not _LATIN_NAME.fullmatch(name):
            continue
        for col, ch in enumerate(line[_GG_COLUMN0:_GG_COLUMN0 + 55]):
            if ch.strip():
                out[col].add(name)
    return {col: sorted(names) for col, names in out.items()}


def nd_names() -> dict[str, dict[str, list[str]]]:
    """names-dataset's ``ND_TOP`` most common given names and surnames of each country of
    :data:`COUNTRIES`, read once and cached in :data:`ND_CACHE`."""
    if ND_CACHE.exists():
        cached: dict[str, dict[str, list[str]]] = json.loads(ND_CACHE.read_text("utf-8"))
        return cached
    from importlib.util import find_spec

    # The data files, without importing the package (it wants pycountry for its own API).
    spec = find_spec("names_dataset")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("names-dataset is not installed: pip install names-dataset==3.3.1")
    folder = Path(next(iter(spec.submodule_search_locations))) / "v3"
    out: dict[str, dict[str, list[str]]] = {c: {} for c in COUNTRIES}
    for kind in ("first", "last"):
        with gzip.open(folder / f"{kind}_names.pkl.gz") as fh:
            table = pickle.load(fh)  # noqa: S301 - the package's own data
        ranked: defaultdict[str, list[tuple[int, str]]] = defaultdict(list)
        for name, info in table.items():
            if not _LATIN_NAME.fullmatch(name):
                continue
            for country, rank in info["rank"].items():
                if country in out and rank is not None and rank <= ND_TOP:
                    ranked[country].append((rank, name))
        for country, lists in out.items():
            lists[kind] = [n for _, n in sorted(ranked[country])]
        del table
    ND_CACHE.parent.mkdir(parents=True, exist_ok=True)
    ND_CACHE.write_text(json.dumps(out, ensure_ascii=False), "utf-8")
    return out


def held_out(word: str) -> bool:
    """The held-out bucket of tools/pii_model/people.py (names never trained on)."""
    return zlib.crc32(word.lower().encode("utf-8")) % 7 == 0


def name_drawer(source: str, seed: int, heldout: bool = False) -> Callable[[], tuple[str, str]]:
    """A function drawing one (given name, surname) from ``source``."""
    rnd = random.Random(f"{source}-{seed}")
    if source == "faker":
        fakers = {locale: Faker(locale) for locale in LOCALES}
        for faker in fakers.values():
            faker.seed_instance(seed)

        def draw_faker() -> tuple[str, str]:
            faker = fakers[rnd.choice(LOCALES)]
            return faker.first_name(), faker.last_name()

        return draw_faker
    nd = nd_names()
    gg = gg_first_names() if source == "gg" else {}
    countries = [c for c in COUNTRIES if nd[c]["last"]
                 and (source == "nd" or COUNTRIES[c] in gg)]

    def draw() -> tuple[str, str]:
        for _ in range(100):
            country = rnd.choice(countries)
            col = COUNTRIES[country]
            firsts = gg[col] if source == "gg" and col is not None else nd[country]["first"]
            first, last = rnd.choice(firsts), rnd.choice(nd[country]["last"])
            if not heldout or held_out(first):
                return first, last
        return first, last

    return draw

#: LEAK lines printed per register shown.
SHOW_LEAKS = 25


def name_values(draw: Callable[[], tuple[str, str]]) -> dict[str, str]:
    """Three first and three last names from ``draw``, and what the placeholders make of them."""
    pairs = [draw() for _ in range(3)]
    firsts = [first for first, _ in pairs]
    lasts = [last for _, last in pairs]
    values = {
        "first": firsts[0],
        "first2": firsts[1],
        "first3": firsts[2],
        "last": lasts[0],
        "last2": lasts[1],
        "last3": lasts[2],
        "full": f"{firsts[0]} {lasts[0]}",
        "full2": f"{firsts[1]} {lasts[1]}",
        "full3": f"{firsts[2]} {lasts[2]}",
        "full_nospace": f"{firsts[0]}.{lasts[0]}".lower(),
    }
    return values | {f"{key}_l": value.lower() for key, value in values.items()
                     if key != "full_nospace"}


def masked(text: str, start: int, end: int, spans: list[Span]) -> bool:
    """Whether every letter and digit of ``text[start:end]`` lies inside one of ``spans``."""
    return all(
        any(span.start <= j < span.end for span in spans)
        for j in range(start, end)
        if text[j].isalnum()
    )


def run(n: int = 600, seed: int = 21, show: str = "", *, source: str = "faker",  # noqa: PLR0913
        templates: str = "all", heldout: bool = False) -> dict[str, object]:
    """Place names from ``source`` in ``n`` texts, print the JSON summary and the leaks of
    registers ``show``; return the summary."""
    rnd = random.Random(seed)
    chosen: dict[str, list[str]] = defaultdict(list)
    for name in TEMPLATE_SETS if templates == "all" else templates.split(","):
        for register, items in TEMPLATE_SETS[name].items():
            chosen[register] += items
    draw = name_drawer(source, seed, heldout)
    analyzer = Analyzer(PiiConfig())
    per_register: defaultdict[str, list[int]] = defaultdict(lambda: [0, 0])  # [names, masked]
    leaks: defaultdict[str, list[str]] = defaultdict(list)
    for _ in range(n):
        register = rnd.choice(list(chosen))
        template = rnd.choice(chosen[register])
        values = name_values(draw)
        text = template.format(**values)
        # What the product masks: the analyzer's findings and the mentions of names found.
        spans = list(mask_texts(analyzer, [text]).findings[0])
        for key in [key for key in values if "{" + key + "}" in template]:
            value = values[key]
            start = text.find(value)
            if start < 0:
                continue
            ok = masked(text, start, start + len(value), spans)
            per_register[register][0] += 1
            per_register[register][1] += ok
            if not ok:
                leaks[register].append(f"{value!r} :: {text!r}")
    names = sum(count for count, _ in per_register.values())
    names_masked = sum(hits for _, hits in per_register.values())
    summary: dict[str, object] = {"source": source, "templates": templates,
                                  "recall": round(names_masked / names, 3)}
    for register, (count, hits) in sorted(per_register.items()):
        summary[register] = [count, hits, round(hits / count, 3)]
    print(json.dumps(summary))
    for register in show.split(",") if show else []:
        for leak in leaks[register][:SHOW_LEAKS]:
            print(source, register, "LEAK", leak)
    return summary


def main() -> None:
    """Parse the command line and run the probe."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("n", nargs="?", type=int, default=600, help="texts to probe (600)")
    parser.add_argument(
        "show",
        nargs="?",
        default="",
        help=f"registers whose leaks to print, comma-separated: {','.join(TEMPLATES)} (none)",
    )
    parser.add_argument("--seed", type=int, default=21, help="random seed (21)")
    parser.add_argument("--source", default="faker",
                        help=f"name sources, comma-separated: {','.join(SOURCES)} (faker)")
    parser.add_argument("--templates", default="all",
                        help="template sets, comma-separated: old, new, fresh; or all (all)")
    parser.add_argument("--heldout", action="store_true",
                        help="only given names of the model's held-out bucket")
    args = parser.parse_args()
    if args.templates != "all" and not set(args.templates.split(",")) <= set(TEMPLATE_SETS):
        parser.error(f"unknown template set in {args.templates!r}")
    for source in args.source.split(","):
        if source not in SOURCES:
            parser.error(f"unknown source {source!r}")
        run(args.n, seed=args.seed, show=args.show, source=source, templates=args.templates,
            heldout=args.heldout)


if __name__ == "__main__":
    main()
