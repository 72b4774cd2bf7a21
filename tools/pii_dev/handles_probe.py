"""Development probe for user handles and login names (issue 37): recall and over-masking.

Handles come from Faker's ``user_name()`` in twelve locales and from a generator of the
probe's own (given names and surnames listed here, joined as ``first.last``, ``f.last``,
``first_last``, ``first-l``, ``lastf``, ``first.last2``, mixed case and digits). They are
placed in templates written for this probe, by family — chat, social, log, config (YAML, INI,
XML), json, csv (CSV, TSV, Markdown tables), git, comment — in three groups written apart:
``a``, the group the recognizers were tuned on; ``b``, written after ``a`` (its misses led to
three fixes: JSON lists of reviewers, ``> @x`` quoted replies, CamelCase handles); ``c``,
written last and only measured. Negatives of each group (decorators, annotations, doc
tags, CSS at-rules, npm scopes, e-mail addresses, times, system and service accounts, chat
turns, code that assigns a ``user``) count the texts with any PERSON finding.

A handle counts as masked when every letter and digit of it lies in a finding (any type).
Prints one JSON line per group: recall overall, per family and per source, the negatives'
over-masking, then up to ``--show`` misses and over-masked negatives.

``--clean N`` instead scans clean text — N files of the standard library's source, every
licence under ``/usr/share/common-licenses`` and N/5 README/METADATA files of site-packages —
with the handle recognizers alone, and prints every finding (the lead checks each one).

The analyzer is the real one with the default policy; when it does not list the handle
recognizers yet, they are added to its registry the way analyzer.py adds the others
(``--without`` leaves them out: the baseline).

    .venv/bin/python tools/pii_dev/handles_probe.py 400 --group a --show 20
    .venv/bin/python tools/pii_dev/handles_probe.py 400 --group b --seed 7
    .venv/bin/python tools/pii_dev/handles_probe.py 400 --without
    .venv/bin/python tools/pii_dev/handles_probe.py --clean 300 --seed 1
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from collections import defaultdict
from pathlib import Path

from faker import Faker

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from appliance.config import PiiConfig
from appliance.privacy import analyzer as analyzer_module
from appliance.privacy.analyzer import Analyzer
from appliance.privacy.lexicon import model_lexicon
from appliance.privacy.recognizers_handles import handle_recognizers

LOCALES = ["en_US", "en_GB", "de_DE", "fr_FR", "es_ES", "it_IT", "pl_PL", "pt_BR", "nl_NL",
           "sv_SE", "tr_TR", "ja_JP"]
#: The probe's own name parts (not the recognizers' lists).
GIVEN = ["dani", "benny", "noor", "percival", "svetlana", "nadia", "ingvild", "ravi", "tomasz",
         "magnus", "rhiannon", "oluwaseun", "mei", "joao", "aiko", "kwame", "siobhan", "lars",
         "fatima", "dmitri", "priya", "mateo", "ines", "yusuf", "hannelore", "bartek", "chidi",
         "elif", "sven", "leilani", "anouk", "radu"]
SURNAMES = ["ferreira", "sandoval", "alhashimi", "ng", "orlova", "haddad", "rossi", "kowalski",
            "thorsen", "okafor", "lindqvist", "nakamura", "mensah", "oconnor", "petrov", "iyer",
            "gutierrez", "moreau", "demir", "brandt", "nwosu", "yilmaz", "kaur", "vasquez",
            "dubois", "horvath", "achterberg", "popescu", "tanaka", "mwangi"]

#: Templates per group and family; ``{h}`` and ``{h2}`` are handles, ``{n}`` a number.
TEMPLATES: dict[str, dict[str, list[str]]] = {
    "a": {
        "chat": ["@{h}: has anyone looked at the flaky test?", "thanks @{h}!",
                 "cc @{h} @{h2}", "@{h} can you review this when you get a chance",
                 "ping @{h} re: the outage", "lol @{h} that's wild",
                 "is @{h} still on leave?", "its @{h}"],
        "social": ["shoutout to @{h} for the amazing talk", "follow @{h} for more",
                   "RT @{h}: new blog post is up", "congrats @{h} 🎉", "photo by @{h}",
                   "transfer ownership to @{h}"],
        "log": ["audit: actor={h} action=DELETE resource=bucket/7",
                "user={h} src=10.0.4.2 result=ok", "login: {h}",
                "Accepted publickey for {h} from 10.1.2.3 port 5022 ssh2",
                "new device for {h} from Beirut"],
        "config": ["owner: {h}", "oncall:\n  primary: {h}\n  secondary: {h2}",
                   "reviewers:\n  - {h}\n  - {h2}", "metadata:\n  created_by: {h}\n  tier: 2"],
        "json": ['{{"assignee": "{h}", "status": "open"}}',
                 '{{"user": {{"login": "{h}", "id": {n}}}}}', '"author": "{h}",'],
        "csv": ["username,last_login,failed\n{h},2024-03-02,0\n{h2},2024-02-11,3",
                "user\tteam\n{h}\tpayments"],
        "git": ["Merge pull request #{n} from {h}/fix-tz",
                "Merge pull request #{n} from {h}/feature/login-flow"],
        "comment": ["# TODO({h}): remove after migration", "// FIXME({h}) race on shutdown",
                    "/**\n * Parses the header.\n * @author {h}\n */"],
    },
    "b": {
        "chat": ["hey @{h}, quick q about the deploy", "@{h} @{h2} standup in 5",
                 "> @{h} wrote: the cache is stale", "looping in @{h} (she owns billing)",
                 "nvm, @{h} fixed it", "@{h} - any update on the ticket?"],
        "social": ["huge thanks to @{h} and @{h2} 🙏", "new video with @{h} out now",
                   "great thread (via @{h})", "ig: @{h}", "h/t @{h}"],
        "log": ['2024-05-01T10:22:01Z level=info msg="token refreshed" user={h} ip=192.0.2.7',
                "[auth] login ok username={h} method=sso",
                "event=repo.push actor={h} repo=infra/terraform",
                "Failed password for invalid user {h} from 203.0.113.9 port 4422 ssh2",
                "pam_unix(sshd:session): session opened for user {h} by (uid=0)"],
        "config": ["assignee: {h}\npriority: high", "[deploy]\nuser = {h}\nhost = 10.0.0.5",
                   "approvers:\n- {h}\n- {h2}", "on_call: {h}",
                   "pagerduty:\n  primary: {h}\n  backup: {h2}"],
        "json": ['{{"requester":"{h}","approver":"{h2}"}}', "{{'owner': '{h}', 'team': 'ops'}}",
                 "<reporter>{h}</reporter>", '{{"reviewers": ["{h}", "{h2}"]}}'],
        "csv": ["id;user;action\n1;{h};delete\n2;{h2};create",
                "| login | role |\n|---|---|\n| {h} | admin |"],
        "git": ["Merge pull request #{n} from {h}/chore/bump-deps\n\nBump deps",
                "* 3f2a1c9 Merge pull request #{n} from {h}/hotfix"],
        "comment": ["// TODO({h}): handle retries", "/* XXX({h}) this leaks */",
                    "# NOTE({h}): keep in sync with api.py"],
    },
    "c": {
        "chat": ["[10:42] <{h}> anyone know why prod is slow?", "@{h} pls",
                 "Sorry @{h}, I missed that. @{h2} can you take it?",
                 "ok so @{h} and I paired on it yesterday", "@{h}: +1"],
        "social": ["Podcast ep. 12 is live ft. @{h}!", "@{h} you're a legend",
                   "Big news from @{h} today", "(photo: @{h})"],
        "log": ["{{\"ts\":\"2024-06-01\",\"actor\":\"{h}\",\"op\":\"grant\"}}",
                "WARN  auth - lockout user={h} attempts=5",
                "GET /api/v2/me 200 user:{h} 12ms",
                "Invalid user {h} from 198.51.100.23 port 50122"],
        "config": ["CODEOWNERS\n/docs/  @{h}\n/src/   @{h2}",
                   "maintainers:\n  - {h}  # docs\n  - {h2}", "remote_user = {h}",
                   "triage:\n  owner: {h}\n  sla: 48h"],
        "json": ['{{"created_by": "{h}", "updated_by": "{h2}"}}',
                 '{{"data":{{"user":{{"username":"{h}"}}}}}}', "assignedTo: '{h}'"],
        "csv": ["Date,Author,Lines\n2024-01-02,{h},120\n2024-01-03,{h2},8",
                "reporter|severity\n{h}|high"],
        "git": ["Merge pull request #{n} from {h}/docs-typo\n\nFix typo in README",
                "commit 9c1e2f0\nMerge: a1b2c3d e4f5a6b\n\n    Merge pull request #{n} "
                "from {h}/patch-1"],
        "comment": ["    # TODO({h}) drop py3.8 support", "-- FIXME({h}): index this column",
                    "// HACK({h}): the vendor API returns 200 on error"],
    },
}
#: Texts with no handle of a person: every PERSON finding on them is over-masking.
NEGATIVES: dict[str, list[str]] = {
    "a": ["@property\ndef name(self):\n    return self._name",
          "@dataclass(frozen=True)\nclass Point:\n    x: int",
          '@app.route("/login", methods=["POST"])\ndef login():', "@param user the caller",
          "/**\n * @return the parsed value\n */", "@Override\npublic String toString() {",
          "@media (max-width: 600px) {\n  .nav { display: none; }\n}",
          '@import url("theme.css");', "npm install --save-dev @types/node",
          "mail me at dani.ferreira@example.com", "let's meet @ 5pm", "logo@2x.png",
          "user=root action=reboot", "actor=github-actions event=push",
          "owner: svc-billing", "user: str", "User: thanks, that works!",
          "user = get_current_user()", "owner = self.owner", "create(user=user, owner=owner)",
          "# TODO(perf): cache this", "@here the build is green"],
    "b": ["    @staticmethod\n    def parse(raw):", "@pytest.fixture\ndef client():",
          "@functools.lru_cache(maxsize=None)", "@Test\nvoid parsesDates() {",
          "@keyframes spin { from { transform: rotate(0deg); } }",
          '"@angular/core": "^17.0.0"', "DECLARE @count INT = 0;",
          "<button @click=\"save\">Save</button>", "ssh git@github.com", "see you @10am",
          "assignee=unassigned reporter=jenkins", "user: nobody", "author: dependabot[bot]",
          "login: admin", "User: how do I reset my password?", "reviewer = args.reviewer",
          "\t@echo Building...", "# FIXME(security): validate input", "@channel standup moved",
          "uid=1000 gid=1000"],
    "c": ["@abstractmethod\ndef run(self): ...", "@unittest.skipIf(sys.platform == 'win32')",
          "@SuppressWarnings(\"unchecked\")", "@font-face {\n  font-family: Inter;\n}",
          "yarn add @babel/core", "write to support@acme.io", "owner: platform-team",
          "user=www-data", "reviewer: renovate[bot]", "@everyone please update",
          "User: Hello!", "username = form.cleaned_data['username']", "# TODO(cleanup)",
          "@@ -12,7 +12,8 @@ def f():"],
}


def own_handle(rng: random.Random) -> str:
    first, last = rng.choice(GIVEN), rng.choice(SURNAMES)
    forms = [f"{first}.{last}", f"{first[0]}.{last}", f"{first}_{last}", f"{first}-{last[0]}",
             f"{last}{first[0]}", f"{first}.{last}{rng.randrange(2, 99)}",
             f"{first.capitalize()}{last.capitalize()}", f"{first}{rng.randrange(70, 2005)}"]
    return rng.choice(forms)


def draw(n: int, group: str, seed: int) -> list[tuple[str, str, str, list[str]]]:
    """(family, source, text, handles) records."""
    rng = random.Random(seed)
    fakers = {loc: Faker(loc) for loc in LOCALES}
    for i, f in enumerate(fakers.values()):
        f.seed_instance(seed * 100 + i)
    families = TEMPLATES[group]
    out = []
    for i in range(n):
        family = list(families)[i % len(families)]
        template = rng.choice(families[family])
        if i % 2:
            source = "own"
            h, h2 = own_handle(rng), own_handle(rng)
        else:
            source = rng.choice(LOCALES)
            h, h2 = fakers[source].user_name(), fakers[source].user_name()
        text = template.format(h=h, h2=h2, n=rng.randrange(10, 9999))
        handles = [h] + ([h2] if "{h2}" in template else [])
        out.append((family, source, text, handles))
    return out


def build_analyzer(without: bool) -> Analyzer:
    policy = PiiConfig()
    if not without:
        original = analyzer_module.id_recognizers
        lexicon = model_lexicon(policy.spacy_model)

        def patched(language: str = "en") -> list:
            return [*original(language), *handle_recognizers(lexicon, language)]

        analyzer_module.id_recognizers = patched  # type: ignore[assignment]
    try:
        a = Analyzer(policy)
    finally:
        if not without:
            analyzer_module.id_recognizers = original  # type: ignore[assignment]
    names = set(a.recognizer_names)
    if without and "MentionRecognizer" in names:
        sys.exit("the analyzer registers the handle recognizers already: no baseline")
    return a


def masked(text: str, value: str, spans: list[tuple[int, int]]) -> bool:
    for m in re.finditer(re.escape(value), text):
        for i in range(m.start(), m.end()):
            if text[i].isalnum() and not any(s <= i < e for s, e in spans):
                return False
    return True


def recall(args: argparse.Namespace) -> None:
    a = build_analyzer(args.without)
    for group in args.group.split(","):
        per_family: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        per_source: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        misses = []
        for family, source, text, handles in draw(args.n, group, args.seed):
            spans = [(s.start, s.end) for s in a.find(text)]
            for h in handles:
                ok = masked(text, h, spans)
                for table, key in ((per_family, family), (per_source, source)):
                    table[key][0] += 1
                    table[key][1] += ok
                if not ok:
                    misses.append((family, text))
        over = []
        for text in NEGATIVES[group]:
            found = [text[s.start:s.end] for s in a.find(text) if s.entity_type == "PERSON"]
            if found:
                over.append((text, found))
        total = sum(v[0] for v in per_family.values())
        hit = sum(v[1] for v in per_family.values())
        print(json.dumps({
            "group": group, "seed": args.seed, "without": args.without, "handles": total,
            "recall": round(hit / max(total, 1), 3),
            "family": {k: [*v, round(v[1] / v[0], 3)] for k, v in sorted(per_family.items())},
            "source": {k: [*v, round(v[1] / v[0], 3)] for k, v in sorted(per_source.items())},
            "negatives": len(NEGATIVES[group]), "negatives_with_person": len(over),
        }, ensure_ascii=False))
        for family, text in misses[:args.show]:
            print("MISS", family, json.dumps(text, ensure_ascii=False), file=sys.stderr)
        for text, found in over:
            print("OVER", json.dumps(text, ensure_ascii=False), found, file=sys.stderr)


def clean(args: argparse.Namespace) -> None:
    """Every finding of the handle recognizers alone on clean code and text."""
    lexicon = model_lexicon(PiiConfig().spacy_model)
    recognizers = handle_recognizers(lexicon)
    rng = random.Random(args.seed)
    stdlib = Path(sys.base_prefix) / "lib" / f"python{sys.version_info[0]}.{sys.version_info[1]}"
    files = sorted(p for p in stdlib.rglob("*.py") if "site-packages" not in p.parts)
    picked = rng.sample(files, min(args.clean, len(files)))
    picked += sorted(Path("/usr/share/common-licenses").glob("*"))
    site = Path(analyzer_module.__file__).resolve().parents[2] / ".venv" / "lib"
    docs = sorted(site.glob("python*/site-packages/**/*.md"))
    docs += sorted(site.glob("python*/site-packages/*.dist-info/METADATA"))
    picked += rng.sample(docs, min(args.clean // 5, len(docs)))
    count, chars = 0, 0
    for path in picked:
        if not path.is_file():
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        chars += len(text)
        for rec in recognizers:
            for r in rec.analyze(text, ["PERSON"]):
                count += 1
                line = text[text.rfind("\n", 0, r.start) + 1:text.find("\n", r.end)].strip()
                print(f"{path.name}\t{rec.name}\t{text[r.start:r.end]!r}\t{line[:110]!r}")
    print(json.dumps({"files": len(picked), "chars": chars, "findings": count}))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("n", type=int, nargs="?", default=400, help="texts per group")
    p.add_argument("--group", default="a,b,c", help="a, b, c or a comma list")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--show", type=int, default=15, help="misses to print (stderr)")
    p.add_argument("--without", action="store_true", help="baseline: no handle recognizers")
    p.add_argument("--clean", type=int, default=0, help="scan N stdlib files instead")
    args = p.parse_args()
    if args.clean:
        clean(args)
    else:
        recall(args)


if __name__ == "__main__":
    main()
