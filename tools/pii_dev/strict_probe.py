# ruff: noqa: RUF001
"""Development probe for the strict (GDPR) profile: organisations, places, addresses and ages.

Company names, cities, regions, countries, street addresses and ages from Faker in thirteen
locales are placed in templates written for this probe (chat, e-mail, forms, CSV and JSON rows,
signatures, CVs, news-like prose, Q&A, lists; Chinese and Japanese forms, prose and chat), not
in the held-out evaluation's (``bench/pii_corpora/``), and masked by a strict-profile analyzer.
A value counts as masked when every letter and digit of it lies inside a finding (of any type).

Over-masking is measured on texts with no personal data: sentences holding a look-alike (order
number, ISBN, timestamp, version, SKU, build or ticket number; a look-alike counts as masked
when any letter or digit of it is), and ordinary prose (Faker's lorem words in English and
Chinese and sentences written for this probe; the share of words, or Chinese characters,
masked). Timestamps are reported apart: the strict profile masks dates and times on purpose.

Prints one JSON object: recall per class, per register and per class and register, and the
over-masking rates; then, for the classes or registers named with ``--show``, up to
``--limit`` misses each (``MISS class register value :: text``); ``over`` prints the masked
look-alikes and ``prose`` the over-masked prose (``OVER``). The texts are made up; the probe
logs no real data.

    .venv/bin/python tools/pii_dev/strict_probe.py 800
    .venv/bin/python tools/pii_dev/strict_probe.py 800 --show ORGANIZATION,zh_prose,prose
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

from faker import Faker

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from appliance.config import STRICT_OUTPUT_SCAN_ENTITIES, STRICT_PII_ENTITIES, PiiConfig
from appliance.privacy.analyzer import Analyzer
from appliance.privacy.masker import mask_texts

LATIN = ["en_US", "en_GB", "de_DE", "fr_FR", "es_ES", "it_IT", "nl_NL", "pt_BR", "sv_SE", "pl_PL"]
CJK = ["zh_CN", "zh_TW", "ja_JP"]
#: Placeholder -> class. A placeholder may end in a digit (``{org2}``): another value.
CLASSES = {"org": "ORGANIZATION", "city": "LOCATION", "state": "LOCATION",
           "country": "LOCATION", "street": "ADDRESS", "address": "ADDRESS",
           "address_ml": "ADDRESS", "age": "AGE", "age_years": "AGE", "age_hyph": "AGE",
           "age_sui": "AGE", "brand": "ORGANIZATION"}

#: English templates per register (Latin-script locales' values).
EN = {
    "chat": [
        "hey, I just started at {org} last week",
        "lol I'm {age} and still no idea what I want to do",
        "moving to {city} next month!!",
        "I'm from {city} originally, but live in {city2} now",
        "we're at {street} if u want to drop by",
        "she's {age} and works for {org}",
        "anyone here based in {country}? need advice on visas",
        "just got back from {city}, {country} - amazing trip",
        "my grandma turned {age} yesterday",
        "ok I'll send it to {address}",
    ],
    "email": [
        "Dear team,\n\nPlease send the signed contract to {org} at {address}.\n\nThanks",
        "Hi,\n\nI am writing on behalf of {org} regarding invoice 4471.\n\nKind regards",
        "Please ship the samples to:\n{address_ml}\n\nBest",
        "Hello,\nour new office is at {street}, {city}. See you there!",
        "Hi Sam,\nthe candidate is {age} years old and currently lives in {city}.\nCheers",
        "Dear Sir or Madam,\nI have been a customer of {org} for six years.",
        "Hi all, quick reminder that the workshop moves to {city} ({country}) this year.",
    ],
    "form": [
        "Employer: {org}\nCity: {city}\nAge: {age}",
        "Company name: {org}",
        "Address: {street}\nCountry: {country}",
        "Organisation - {org}",
        "State/Province: {state}",
        "Place of birth: {city}",
        "Current employer: {org}\nLocation: {city}, {state}",
        "Age {age}\nResidence: {city}",
        "Mailing address: {address}",
        "Registered office: {address}",
    ],
    "csv": [
        "name,company,city,age\nJ. Doe,{org},{city},{age}",
        "id;employer;country\n17;{org};{country}",
        "customer_id,street,city,state\n1042,{street},{city},{state}",
        "{org},{city},{country},2021-04-01",
        "company\tcity\n{org}\t{city}",
    ],
    "json": [
        '{{"employer": "{org}", "city": "{city}", "age": {age}}}',
        '{{"address": "{street}", "country": "{country}"}}',
        'company: {org}\nlocation: {city}',
        '{{"user": {{"age": "{age}", "state": "{state}"}}}}',
        "<company>{org}</company><city>{city}</city>",
        "{{'org': '{org}', 'hq': '{city}'}}",
    ],
    "signature": [
        "--\nA. Smith\nSenior Engineer | {org}\n{street}, {city}",
        "Best,\nAnna\n{org} · {city}, {country}",
        "Regards,\nTom Baker\nHead of Sales, {org}\n{address_ml}",
        "Sent from the {city} office of {org}",
    ],
    "cv": [
        "2019–2022  Software engineer, {org}, {city}",
        "Experience\n- {org} ({city}) — Data analyst, 2017-2020",
        "Work history: {org} (2015–2018); {org2} (2018–present)",
        "2012 - 2016: Project manager at {org}",
        "Sales intern | {org} | {city}, {country} | 2020",
        "EXPERIENCE\n{org}, {city} — Accountant (2010–2014)",
    ],
    "news": [
        "{org} announced on Tuesday that it will open a new plant in {city}.",
        "Shares of {org} rose 4% after the quarterly results.",
        "The {age_hyph}, who lives in {city}, was taken to hospital.",
        "A man, {age}, from {city} was arrested on Friday.",
        "Officials in {state} said the storm had passed.",
        "The firm, based in {city}, {country}, employs 300 people.",
        "According to {org}, demand in {country} fell sharply.",
        "Police said the victim, aged {age}, was a resident of {city}.",
        "{org} has agreed to buy {org2} for an undisclosed sum.",
    ],
    "qa": [
        "Where do you work? At {org}.",
        "Q: Where are you from?\nA: {city}.",
        "How old are you? {age}.",
        "What's your address? {street}",
        "Which country do you live in? {country}",
        "Q: Who is your employer?\nA: {org}",
        "Where were you born?\nIn {city}, {country}.",
    ],
    "list": [
        "Clients: {org}, {org2} and {org3}",
        "Offices: {city}, {city2}, {city3}",
        "- {org}\n- {org2}\n- {org3}",
        "Countries visited: {country}, {country2}",
        "Suppliers\n1. {org}\n2. {org2}",
        "Branches in {city}, {city2} and {city3}.",
    ],
}
#: Chinese templates (zh_CN and zh_TW values).
ZH = {
    "zh_form": [
        "公司：{org}\n地址：{address}\n年龄：{age}",
        "工作单位：{org}",
        "所在城市：{city}",
        "姓名：王小明\n年龄：{age}岁\n籍贯：{state}",
        "收货地址：{address}",
        "单位名称：{org}  联系电话：略",
        "现居住地：{city}",
    ],
    "zh_prose": [
        "我在{city}的{org}工作，今年{age_sui}。",
        "他住在{address}，离公司很近。",
        "她来自{state}，现在在{city}读书。",
        "{org}宣布将在{city}设立新的研发中心。",
        "我老家是{state}的，后来搬到了{city}。",
        "她{age_sui}，在{org}上班。",
        "我们公司在{address}，欢迎来访。",
        "去年我去{country}旅游了两周。",
        "他毕业后加入了{org}，一直做销售。",
        "我在{brand}工作三年了。",
        "{brand}今天发布了新的财报。",
    ],
    "zh_chat": [
        "我下个月去{city}出差",
        "在{org}上班好累啊",
        "我今年{age_sui}了，还没买房",
        "寄到{address}就行",
        "你是{state}人吗？",
        "刚从{city}回来",
        "听说{brand}又在招人",
    ],
    "zh_table": [
        "姓名,公司,城市,年龄\n张三,{org},{city},{age}",
        '{{"公司": "{org}", "城市": "{city}", "年龄": {age}}}',
        "| 单位 | 地址 |\n| {org} | {address} |",
    ],
}
#: Japanese templates (ja_JP values).
JA = {
    "ja": [
        "住所：{address}",
        "勤務先：{org}",
        "{city}に住んでいます。",
        "年齢：{age}歳",
        "{org}に勤めています。",
    ],
}
#: Well-known Chinese firms named without a legal form, in the way people write them.
ZH_BRANDS = ["字节跳动", "腾讯", "阿里巴巴", "百度", "京东", "美团", "小米", "华为", "网易",
             "拼多多", "滴滴", "快手", "比亚迪", "联想", "中兴", "大疆", "携程", "蚂蚁集团"]

#: Sentences holding one look-alike each: ``{x}`` is where it goes.
LOOKALIKE_TEMPLATES = [
    "Order {x} shipped yesterday.", "Your order number is {x}.", "Ref: {x}",
    "Please quote {x} in any reply.", "Item {x} is out of stock.", "See {x} for details.",
    "订单号：{x}", "版本 {x} 已发布", "The build {x} passed all checks.", "ISBN {x}",
    "Upgrade to {x} before Monday.", "{x} - backordered", "ticket {x} was closed",
]
ORDINARY_EN = [
    "Please review the pull request and merge it when the checks pass.",
    "The Search Service now supports Boolean queries and faster indexing.",
    "Summarize the following paragraph in three bullet points.",
    "Return the Order Status, Shipping Method and Payment Type as columns.",
    "The committee reviewed the proposal and most members agreed with the plan.",
    "Convert the fields name, address, city, country, company and age into a table.",
    "Our Park Service volunteers cleaned the trail after the storm.",
    "The Union members voted to accept the offer.",
    "Translate the text into French and keep the tone formal.",
    "Bank holidays are not counted as working days.",
    "University students can apply for a discount.",
    "The Station Manager role was advertised internally.",
    "Sales grew in the North Region while costs stayed flat.",
    "Install Python and Docker, then run the setup script.",
    "She asked whether the Main Street redesign was finished.",
    "He is 6 feet tall and I'm 5 minutes late.",
    "Add the Company Name and City fields to the form.",
    "The answer is 42, and version 3 is faster.",
    "Group the results by Department and Country.",
    "I work from home on most days.",
    "We moved to the new system last year.",
    "They are from the marketing team.",
    "Based in part on user feedback, we changed the layout.",
]
ORDINARY_ZH = [
    "这份报告介绍了系统的现状和下一步的计划。",
    "城市的发展很快，地区之间的交通也越来越方便。",
    "请把下面的字段转换成表格：姓名、地址、城市、国家和公司。",
    "我明天要去医院看病。",
    "他在银行办了一张银行卡。",
    "大学生可以申请助学金。",
    "公司的年会定在下个月。",
    "这家店的东西很便宜。",
    "请总结这段文字的主要内容。",
    "这个区的学校很多。",
    "路上车很多，我们晚点到。",
    "集团内部的流程需要优化。",
    "他是一个很有经验的工程师。",
    "小区里有超市和学校。",
]

_FIELD = re.compile(r"([a-z_]+?)(\d*)$")
#: The classes this probe measures, as entity types.
MINE = frozenset({"ORGANIZATION", "LOCATION", "ADDRESS", "AGE"})


def _age_values(rnd: random.Random) -> dict[str, str]:
    age = rnd.choice([rnd.randint(18, 90), rnd.randint(1, 17), rnd.randint(18, 65)])
    return {"age": str(age), "age_years": f"{age} years old", "age_hyph": f"{age}-year-old",
            "age_sui": f"{age}岁"}


def _region(faker: Faker) -> str:
    for method in ("state", "province", "region", "administrative_unit", "prefecture",
                   "estado_nome", "autonomous_community"):
        if hasattr(faker, method):
            return str(getattr(faker, method)())
    return str(faker.city())


def values_for(locale: str, faker: Faker, en: Faker, zh: Faker, rnd: random.Random,
               ) -> dict[str, str]:
    """One value per placeholder, and numbered ones (``org2``) for lists."""
    cjk = locale in CJK
    countries = zh if locale.startswith("zh") else en  # an English text names "Germany"
    out: dict[str, str] = {}
    for i in ("", "2", "3"):
        out["org" + i] = str(faker.company())
        out["city" + i] = str(faker.city())
        out["country" + i] = str(countries.country())
    out["state"] = _region(faker) if locale != "zh_TW" else str(faker.city())
    street = str(faker.street_address()).strip()
    address = str(faker.address()).strip()
    out["street"] = street
    out["address"] = re.sub(r"\s*\n\s*", "" if cjk else ", ", address)
    out["address_ml"] = address
    out["brand"] = rnd.choice(ZH_BRANDS)
    out.update(_age_values(rnd))
    return out


def fill(template: str, values: dict[str, str]) -> tuple[str, list[tuple[str, int, int]]]:
    """The text and each placeholder's (class, start, end) in it."""
    parts: list[str] = []
    spans: list[tuple[str, int, int]] = []
    pos = 0
    for literal, field, _spec, _conv in string.Formatter().parse(template):
        parts.append(literal)
        pos += len(literal)
        if field is None:
            continue
        value = values[field]
        base = _FIELD.match(field)
        if base is None:
            raise ValueError(f"placeholder {field!r}")
        spans.append((CLASSES[base.group(1)], pos, pos + len(value)))
        parts.append(value)
        pos += len(value)
    return "".join(parts), spans


def covered(text: str, start: int, end: int, spans: list[tuple[int, int]], whole: bool) -> bool:
    """Every (``whole``) or any letter or digit of ``text[start:end]`` inside ``spans``."""
    inside = [any(s <= i < e for s, e in spans) for i in range(start, end) if text[i].isalnum()]
    return all(inside) if whole else any(inside)


def lookalikes(faker: Faker, rnd: random.Random) -> tuple[str, str]:
    """A look-alike and its kind."""
    kind = rnd.choice(["order", "isbn", "version", "sku", "ticket", "build", "timestamp"])
    if kind == "order":
        x = rnd.choice([f"#{rnd.randint(10000, 99999)}", f"ORD-{rnd.randint(2019, 2026)}-"
                        f"{rnd.randint(0, 999999):06d}", f"{rnd.randint(100, 999)}-"
                        f"{rnd.randint(1000000, 9999999)}-{rnd.randint(1000000, 9999999)}",
                        str(rnd.randint(10000000, 99999999))])
    elif kind == "isbn":
        x = str(rnd.choice([faker.isbn13, faker.isbn10])())
    elif kind == "version":
        x = rnd.choice([f"v{rnd.randint(0, 9)}.{rnd.randint(0, 30)}.{rnd.randint(0, 99)}",
                        f"{rnd.randint(1, 20)}.{rnd.randint(0, 9)}",
                        f"release-{rnd.randint(1, 9)}.{rnd.randint(0, 9)}-rc{rnd.randint(1, 5)}"])
    elif kind == "sku":
        x = rnd.choice([f"SKU-{rnd.randint(100, 99999)}", f"{faker.lexify('???').upper()}-"
                        f"{rnd.randint(1000, 9999)}-{rnd.choice(['BLK', 'WHT', 'RED'])}-"
                        f"{rnd.choice(['S', 'M', 'XL'])}", f"AB{rnd.randint(100000, 999999)}"])
    elif kind == "ticket":
        x = rnd.choice([f"JIRA-{rnd.randint(1, 9999)}", f"INC{rnd.randint(1000000, 9999999)}",
                        f"#{rnd.randint(100, 9999)}"])
    elif kind == "build":
        x = rnd.choice([f"{rnd.randint(2019, 2026)}{rnd.randint(1, 12):02d}"
                        f"{rnd.randint(1, 28):02d}", f"{faker.sha1()[:7]}"])
    else:
        x = rnd.choice([str(faker.iso8601()), str(rnd.randint(1500000000, 1800000000)),
                        f"{faker.date()} {faker.time()}"])
    return x, kind


def _tokens(text: str) -> list[tuple[int, int]]:
    return [m.span() for m in re.finditer(r"[A-Za-z0-9]+|[\u3400-\u9fff]", text)]


def run(n: int, seed: int, show: set[str], limit: int) -> None:  # noqa: C901, PLR0912, PLR0915 - one probe
    rnd = random.Random(seed)
    fakers = {loc: Faker(loc) for loc in [*LATIN, *CJK]}
    for i, faker in enumerate(fakers.values()):
        faker.seed_instance(seed + i)
    en, zh = fakers["en_US"], fakers["zh_CN"]
    analyzer = Analyzer(PiiConfig(entities=STRICT_PII_ENTITIES,
                                  output_scan_entities=STRICT_OUTPUT_SCAN_ENTITIES, models=()))

    def spans_of(text: str) -> list[Any]:
        return list(mask_texts(analyzer, [text]).findings[0])

    per_class: Counter[str] = Counter()
    hit_class: Counter[str] = Counter()
    per_reg: Counter[str] = Counter()
    hit_reg: Counter[str] = Counter()
    per_cr: Counter[str] = Counter()
    hit_cr: Counter[str] = Counter()
    misses: defaultdict[str, list[str]] = defaultdict(list)
    for _ in range(n):
        locale = rnd.choice([*LATIN, *LATIN, *CJK])
        if locale == "ja_JP":
            register = "ja"
            template = rnd.choice(JA["ja"])
        elif locale in CJK:
            register = rnd.choice(list(ZH))
            template = rnd.choice(ZH[register])
        else:
            register = rnd.choice(list(EN))
            template = rnd.choice(EN[register])
        values = values_for(locale, fakers[locale], en, zh, rnd)
        text, wanted = fill(template, values)
        found = [(f.start, f.end) for f in spans_of(text)]
        for cls, start, end in wanted:
            ok = covered(text, start, end, found, whole=True)
            per_class[cls] += 1
            hit_class[cls] += ok
            per_reg[register] += 1
            hit_reg[register] += ok
            per_cr[f"{cls}/{register}"] += 1
            hit_cr[f"{cls}/{register}"] += ok
            if not ok:
                shown = [text[s:e] for s, e in found]
                misses[cls].append(f"{cls} {register} {text[start:end]!r} :: {text!r} "
                                   f"found={shown}")
                misses[register].append(misses[cls][-1])

    # Over-masking: look-alikes and ordinary prose.
    looks_mine = 0
    looks: Counter[str] = Counter()
    looks_hit: Counter[str] = Counter()
    over: list[str] = []  # look-alikes masked
    over_prose: list[str] = []
    for _ in range(max(200, n // 2)):
        x, kind = lookalikes(en, rnd)
        template = rnd.choice(LOOKALIKE_TEMPLATES)
        text, _ = fill(template.replace("{x}", "{age}"), {"age": x})
        start = template.index("{x}")
        findings = spans_of(text)
        found = [(f.start, f.end) for f in findings]
        hit = covered(text, start, start + len(x), found, whole=False)
        looks[kind] += 1
        looks_hit[kind] += hit
        looks_mine += covered(text, start, start + len(x), whole=False, spans=[
            (f.start, f.end) for f in findings if f.entity_type in MINE])
        if hit:
            over.append(f"OVER lookalike {kind} :: {text!r} found={[text[s:e] for s, e in found]}")
    words = words_hit = 0
    own_words = own_hit = 0
    prose = [*ORDINARY_EN, *ORDINARY_ZH]
    prose += [str(en.paragraph(nb_sentences=3)) for _ in range(max(60, n // 10))]
    prose += [str(zh.paragraph(nb_sentences=3)) for _ in range(max(30, n // 20))]
    for text in prose:
        findings = spans_of(text)
        found = [(f.start, f.end) for f in findings]
        found_mine = [(f.start, f.end) for f in findings if f.entity_type in MINE]
        toks = _tokens(text)
        for s, e in toks:
            words += 1
            words_hit += covered(text, s, e, found, whole=False)
            own_words += 1
            own_hit += covered(text, s, e, found_mine, whole=False)
        if findings:
            over_prose.append(f"OVER prose :: {text!r} found="
                        f"{[(text[f.start:f.end], f.entity_type) for f in findings]}")

    def rate(hit: int, total: int) -> float:
        return round(hit / total, 3) if total else 0.0

    stamps = looks["timestamp"]
    non_stamp = sum(v for k, v in looks.items() if k != "timestamp")
    non_stamp_hit = sum(v for k, v in looks_hit.items() if k != "timestamp")
    summary = {
        "recall": {c: [per_class[c], rate(hit_class[c], per_class[c])] for c in sorted(per_class)},
        "register": {r: [per_reg[r], rate(hit_reg[r], per_reg[r])] for r in sorted(per_reg)},
        "class_register": {k: [per_cr[k], rate(hit_cr[k], per_cr[k])] for k in sorted(per_cr)},
        "lookalikes_masked": [non_stamp, rate(non_stamp_hit, non_stamp)],
        "lookalikes_by_kind": {k: [looks[k], rate(looks_hit[k], looks[k])] for k in sorted(looks)},
        "timestamps_masked": [stamps, rate(looks_hit["timestamp"], stamps)],
        "lookalikes_masked_as_org_loc_addr_age": [sum(looks.values()),
                                                  rate(looks_mine, sum(looks.values()))],
        "prose_words_masked": [words, rate(words_hit, words)],
        "prose_words_masked_as_org_loc_addr_age": [own_words, rate(own_hit, own_words)],
    }
    print(json.dumps(summary, ensure_ascii=False, indent=1))
    for key in sorted(show):
        if key in ("over", "prose"):
            for line in (over if key == "over" else over_prose)[:limit]:
                print(line)
            continue
        for line in misses.get(key, [])[:limit]:
            print("MISS", line)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("n", nargs="?", type=int, default=800, help="texts with values (800)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--show", default="",
                        help="classes or registers whose misses to print, 'over' for the "
                             "masked look-alikes and 'prose' for the over-masked prose, "
                             "comma-separated")
    parser.add_argument("--limit", type=int, default=30, help="lines printed per key (30)")
    args = parser.parse_args()
    run(args.n, args.seed, {s for s in args.show.split(",") if s}, args.limit)


if __name__ == "__main__":
    main()
