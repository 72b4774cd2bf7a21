"""Development probe for Latin-script names in English text: recall per register.

Names from Faker in fourteen locales are placed in English templates of several registers
(code, lists, nicknames, prose, chat, Q&A, e-mail) written for this probe, not in the held-out
evaluation's (``bench/pii_corpora/``). A name counts as masked when every letter and digit of it
lies inside a finding. Prints one JSON line (overall recall, and ``[names, masked, recall]`` per
register in the order the registers first came up), then up to 25 ``LEAK`` lines for each
register named on the command line (comma-separated; none by default).

    .venv/bin/python tools/pii_dev/en_names.py 600 code,list
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections import defaultdict
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
LOCALES = [
    "en_US", "en_GB", "de_DE", "fr_FR", "es_ES", "it_IT", "nl_NL",
    "pt_BR", "pl_PL", "sv_SE", "tr_TR", "en_IN", "vi_VN", "fi_FI",
]  # fmt: skip
#: LEAK lines printed per register shown.
SHOW_LEAKS = 25


def name_values(faker: Faker) -> dict[str, str]:
    """Three first and three last names from ``faker``, and what the placeholders make of them."""
    firsts = [faker.first_name() for _ in range(3)]
    lasts = [faker.last_name() for _ in range(3)]
    return {
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


def masked(text: str, start: int, end: int, spans: list[Span]) -> bool:
    """Whether every letter and digit of ``text[start:end]`` lies inside one of ``spans``."""
    return all(
        any(span.start <= j < span.end for span in spans)
        for j in range(start, end)
        if text[j].isalnum()
    )


def run(n: int = 600, seed: int = 21, show: str = "code") -> None:
    """Place names in ``n`` texts, print the JSON summary and the leaks of registers ``show``."""
    rnd = random.Random(seed)
    fakers = {locale: Faker(locale) for locale in LOCALES}
    for faker in fakers.values():
        faker.seed_instance(seed)
    analyzer = Analyzer(PiiConfig())
    per_register: defaultdict[str, list[int]] = defaultdict(lambda: [0, 0])  # [names, masked]
    leaks: defaultdict[str, list[str]] = defaultdict(list)
    for _ in range(n):
        faker = fakers[rnd.choice(LOCALES)]
        register = rnd.choice(list(TEMPLATES))
        template = rnd.choice(TEMPLATES[register])
        values = name_values(faker)
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
    summary: dict[str, object] = {"recall": round(names_masked / names, 3)}
    for register, (count, hits) in per_register.items():
        summary[register] = [count, hits, round(hits / count, 3)]
    print(json.dumps(summary))
    for register in show.split(",") if show else []:
        for leak in leaks[register][:SHOW_LEAKS]:
            print(register, "LEAK", leak)


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
    args = parser.parse_args()
    run(args.n, show=args.show)


if __name__ == "__main__":
    main()
