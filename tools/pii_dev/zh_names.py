"""Development probe for Chinese names: how many are fully masked, per locale.

Chinese names from Faker's ``zh_CN`` and ``zh_TW`` providers (alternating) are placed in
Chinese templates written for this probe (chat, lists, forms, CSV, JSON, signatures, mixed
English), not in the held-out evaluation's (``bench/pii_corpora/``). Prints one JSON line (the
names placed, how many were masked over their whole length, recall, and ``[names, masked]`` per
locale), then one ``LEAK`` line per text of the chosen locale in which a name was not fully
masked (newlines shown as a return symbol).

    .venv/bin/python tools/pii_dev/zh_names.py 600 0     # 600 texts, show zh_CN leaks (1: zh_TW)
"""

# The templates' full-width punctuation is the point: it is how Chinese text sits around a name.
# ruff: noqa: RUF001

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

from faker import Faker

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from appliance.config import PiiConfig
from appliance.privacy.analyzer import Analyzer

#: ``{n}``, ``{m}`` and ``{k}`` are three names of one locale.
TEMPLATES = [
    "{n}：你好，请问快递什么时候到？",
    "{n}: 明天的会议改到下午三点。",
    "参会人员：{n}、{m}、{k}",
    "昨天{n}去了北京出差。",
    "这个问题{n}已经处理好了。",
    "请把文件交给{n}。",
    "{n}和{m}是同学。",
    "签字：{n}",
    "审批人 {n}",
    "{n},13812345678,北京市海淀区",
    '{{"name": "{n}", "age": 30}}',
    "Meeting with {n} at 3pm.",
    "Please call {n} tomorrow.",
    "值班表：周一 {n}，周二 {m}",
    "{n}在群里说今天不加班了。",
    "感谢{n}的帮助！",
    "作者：{n}",
    "负责人{n}明天休假。",
    "— {n}\n销售部",
    "我今天见到了{n}，他看起来很累。",
    "{n}同志被评为先进个人。",
    "收货人{n}",
    "{n}老师布置了作业。",
    "这次比赛的冠军是{n}。",
    "{n} 2023-05-01 请假一天",
    "病人{n}今日出院。",
    "from: {n}\nto: {m}",
    "| {n} | 销售 | 北京 |",
    "{n}（工号 A123）",
    "{n}说：“好的。”",
]
#: Faker locales, by the index the command line's second argument names.
LOCALES = ("zh_CN", "zh_TW")


def fully_covered(spans: list[tuple[int, int]], start: int, end: int) -> bool:
    """Whether every character in ``[start, end)`` lies inside one of ``spans``."""
    return all(any(a <= j < b for a, b in spans) for j in range(start, end))


def run(n: int = 300, seed: int = 11, show: int = 0) -> None:
    """Place names in ``n`` texts, print the JSON summary and the leaks of locale ``show``."""
    rnd = random.Random(seed)
    fakers = [Faker(locale) for locale in LOCALES]
    for faker in fakers:
        faker.seed_instance(seed)
    analyzer = Analyzer(PiiConfig())
    total = masked = 0
    leaks: list[tuple[int, str]] = []
    per_locale = {0: [0, 0], 1: [0, 0]}  # locale index -> [names, masked]
    for i in range(n):
        locale = i % 2
        names = [fakers[locale].name() for _ in range(3)]
        template = rnd.choice(TEMPLATES)
        text = template.format(n=names[0], m=names[1], k=names[2])
        spans = [(span.start, span.end) for span in analyzer.find(text)]
        # As many names as the template has "{" (a JSON template's literal braces count too);
        # a name that does not occur in the text is skipped.
        for name in names[: template.count("{")]:
            start = text.find(name)
            if start < 0:
                continue
            total += 1
            covered = fully_covered(spans, start, start + len(name))
            masked += covered
            per_locale[locale][0] += 1
            per_locale[locale][1] += covered
            if not covered:
                leaks.append((locale, text))
    summary = {
        "names": total,
        "masked": masked,
        "recall": round(masked / total, 3),
        "cn": per_locale[0],
        "tw": per_locale[1],
    }
    print(json.dumps(summary))
    for locale, text in leaks:
        if locale == show:
            print("LEAK", text.replace("\n", "⏎"))


def main() -> None:
    """Parse the command line and run the probe."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("n", nargs="?", type=int, default=300, help="texts to probe (300)")
    parser.add_argument(
        "show", nargs="?", type=int, default=0, help="locale whose leaks to print: 0 zh_CN, 1 zh_TW"
    )
    args = parser.parse_args()
    run(args.n, show=args.show)


if __name__ == "__main__":
    main()
