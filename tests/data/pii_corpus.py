"""A generated PII corpus, English and Chinese, with ground truth, and its evaluation.

Every record is built from a template with typed slots, so we know exactly which values are PII
(and of which type) and which are distractors that must stay. Values are synthetic but valid:
cards and bank cards pass Luhn, IBANs their mod-97 check, CN resident IDs their GB 11643 check
digit, SSNs avoid the ranges never issued. ``python -m tests.data.pii_corpus`` writes the
corpus as JSONL; tests and ``bench/pii.py`` build it in memory from the same seed.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import re
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

FIRST = ["James", "Mary", "Robert", "Patricia", "Michael", "Jennifer", "William", "Linda",
         "David", "Elizabeth", "Richard", "Barbara", "Joseph", "Susan", "Thomas", "Jessica",
         "Charles", "Sarah", "Daniel", "Karen", "Matthew", "Nancy", "Anthony", "Lisa", "Mark",
         "Emily", "Steven", "Michelle", "Andrew", "Laura", "Kevin", "Rachel", "Brian", "Anna"]
LAST = ["Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis",
        "Rodriguez", "Martinez", "Wilson", "Anderson", "Taylor", "Thomas", "Moore", "Jackson",
        "Martin", "Thompson", "White", "Harris", "Clark", "Lewis", "Walker", "Hall", "Young"]
CN_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹"
CN_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰"
DOMAINS = ["example.com", "mail.example.org", "corp.example.net", "example.co.uk", "qq.com",
           "163.com"]

EN_TEMPLATES = [
    "Please contact {PERSON} at {EMAIL_ADDRESS} about ticket {TICKET}.",
    "Customer {PERSON} called from {PHONE_NUMBER} regarding order {ORDER}.",
    "Refund the charge on card {CREDIT_CARD} for {PERSON}; see {TICKET}.",
    "Wire the deposit to IBAN {IBAN_CODE} (account holder {PERSON}).",
    "Login from {IP_ADDRESS} failed for {EMAIL_ADDRESS} after upgrading to {VERSION}.",
    "Employee {PERSON}, SSN {US_SSN}, starts Monday. Badge build {VERSION}.",
    "Hi, I'm {PERSON}. My number is {PHONE_NUMBER} and my email is {EMAIL_ADDRESS}.",
    "Server {IP_ADDRESS} runs version {VERSION}; escalate {TICKET} to {PERSON}.",
    "Dear {PERSON}, your order {ORDER} shipped. Questions? Call {PHONE_NUMBER}.",
    "Patient {PERSON} (SSN {US_SSN}) paid with {CREDIT_CARD} on {DATE}.",
]
ZH_TEMPLATES = [
    "我叫{CN_PERSON}，身份证号{CN_RESIDENT_ID}，手机{CN_MOBILE}。",
    "客户{CN_PERSON}的银行卡号是{CN_BANK_CARD}，订单号{ORDER}。",
    "请联系{CN_PERSON}先生，电话 {CN_MOBILE}，工单 {TICKET}。",
    "申请人：{CN_PERSON}，证件号码：{CN_RESIDENT_ID}，版本 {VERSION}。",
    "收件人{CN_PERSON}，手机号码{CN_MOBILE}，邮箱 {EMAIL_ADDRESS}。",
    "持卡人{CN_PERSON}，卡号 {CN_BANK_CARD}，于{DATE}办理。",
]
MIXED_TEMPLATES = [
    "Ticket {TICKET}: 用户{CN_PERSON}（手机 {CN_MOBILE}）asked {PERSON} to email {EMAIL_ADDRESS}.",
    "{PERSON} 的身份证号是 {CN_RESIDENT_ID}，IP {IP_ADDRESS}，版本 {VERSION}。",
]

#: Slot name -> the entity type the analyzer should report (CN_PERSON is a Chinese PERSON).
SLOT_TYPE = {"CN_PERSON": "PERSON"}
DISTRACTOR_SLOTS = {"TICKET", "ORDER", "VERSION", "DATE"}


def _luhn_complete(prefix: str, length: int, rng: random.Random) -> str:
    body = prefix + "".join(rng.choice("0123456789") for _ in range(length - len(prefix) - 1))
    total = 0
    for i, c in enumerate(reversed(body)):
        d = int(c)
        if i % 2 == 0:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return body + str((10 - total % 10) % 10)


def _group(s: str, sizes: Iterable[int], sep: str) -> str:
    out, i = [], 0
    for n in sizes:
        out.append(s[i:i + n])
        i += n
    out.append(s[i:])
    return sep.join(part for part in out if part)


def _iban(country: str, bban: str) -> str:
    moved = bban + country + "00"
    num = int("".join(str(int(c, 36)) for c in moved))
    return f"{country}{98 - num % 97:02d}{bban}"


def _cn_id(rng: random.Random) -> str:
    region = rng.choice(["110105", "310104", "440305", "510107", "330106"])
    born = dt.date(1950, 1, 1) + dt.timedelta(days=rng.randrange(0, 365 * 50))
    body = f"{region}{born:%Y%m%d}{rng.randrange(0, 1000):03d}"
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    check = "10X98765432"[sum(int(c) * w for c, w in zip(body, weights, strict=True)) % 11]
    return body + check


def _phone(rng: random.Random) -> str:
    area = rng.choice(["415", "212", "312", "617", "206", "303"])
    line = f"{rng.randrange(200, 999)}-{rng.randrange(1000, 9999)}"
    return rng.choice([f"({area}) {line}", f"{area}-{line}", f"+1 {area} {line.replace('-', ' ')}",
                       f"{area}.{line.replace('-', '.')}", "+44 20 7946 0958",
                       "+49 30 901820"])


GENERATORS: dict[str, Callable[[random.Random], str]] = {
    "PERSON": lambda r: f"{r.choice(FIRST)} {r.choice(LAST)}",
    "CN_PERSON": lambda r: r.choice(CN_SURNAMES) + "".join(
        r.choice(CN_GIVEN) for _ in range(r.choice([1, 2]))),
    "EMAIL_ADDRESS": lambda r: f"{r.choice(FIRST).lower()}.{r.choice(LAST).lower()}"
                               f"{r.randrange(1, 99)}@{r.choice(DOMAINS)}",
    "PHONE_NUMBER": _phone,
    "CREDIT_CARD": lambda r: _group(_luhn_complete(r.choice(["4", "51", "55"]), 16, r),
                                    (4, 4, 4, 4), r.choice([" ", "-", ""])),
    "IBAN_CODE": lambda r: _group(r.choice([
        _iban("DE", "".join(r.choice("0123456789") for _ in range(18))),
        _iban("GB", "NWBK" + "".join(r.choice("0123456789") for _ in range(14))),
        _iban("FR", "".join(r.choice("0123456789") for _ in range(23)))]), [4] * 8,
        r.choice([" ", ""])),
    "IP_ADDRESS": lambda r: r.choice([
        f"{r.randrange(11, 223)}.{r.randrange(0, 255)}.{r.randrange(0, 255)}."
        f"{r.randrange(1, 254)}",
        f"2001:db8:{r.randrange(0, 65535):x}::{r.randrange(1, 65535):x}"]),
    "US_SSN": lambda r: f"{r.choice([r.randrange(1, 665), r.randrange(667, 899)]):03d}-"
                        f"{r.randrange(1, 99):02d}-{r.randrange(1, 9999):04d}",
    "CN_RESIDENT_ID": _cn_id,
    "CN_MOBILE": lambda r: _group(r.choice("3456789") and
                                  f"1{r.choice('3456789')}{r.randrange(0, 10)}"
                                  f"{r.randrange(0, 10**8):08d}", (3, 4, 4),
                                  r.choice(["", " ", "-"])),
    "CN_BANK_CARD": lambda r: _group(_luhn_complete("62", r.choice([16, 19]), r), [4] * 5,
                                     r.choice([" ", ""])),
    "TICKET": lambda r: r.choice([f"INC-{r.randrange(100000, 999999)}",
                                  f"JIRA-{r.randrange(100, 9999)}",
                                  f"#{r.randrange(1000, 99999)}"]),
    "ORDER": lambda r: r.choice([f"ORD-{r.randrange(20240101, 20261231)}-{r.randrange(1, 9999):04d}",
                                 f"{r.randrange(10**9, 10**10)}", f"PO {r.randrange(10000, 99999)}"]),
    "VERSION": lambda r: r.choice([f"v{r.randrange(1, 20)}.{r.randrange(0, 30)}.{r.randrange(0, 9)}",
                                   f"{r.randrange(1, 9)}.{r.randrange(0, 99)}.{r.randrange(0, 9999):04d}."
                                   f"{r.randrange(0, 9999):04d}",
                                   f"build {r.randrange(1000, 99999)}"]),
    "DATE": lambda r: f"{2020 + r.randrange(0, 7)}-{r.randrange(1, 13):02d}-{r.randrange(1, 29):02d}",
}


@dataclass
class Record:
    text: str
    #: (entity type, value) for each PII value in the text.
    pii: list[tuple[str, str]] = field(default_factory=list)
    distractors: list[str] = field(default_factory=list)
    lang: str = "en"


_SLOT = re.compile(r"\{([A-Z_]+)\}")


def build(n: int = 420, seed: int = 20261122) -> list[Record]:
    rng = random.Random(seed)
    pools = [(EN_TEMPLATES, "en"), (ZH_TEMPLATES, "zh"), (MIXED_TEMPLATES, "mixed")]
    weights = [0.55, 0.35, 0.10]
    records = []
    for _ in range(n):
        templates, lang = rng.choices(pools, weights)[0]
        template = rng.choice(templates)
        rec = Record(text="", lang=lang)

        def fill(m: re.Match[str], rec: Record = rec) -> str:
            slot = m.group(1)
            value = GENERATORS[slot](rng)
            if slot in DISTRACTOR_SLOTS:
                rec.distractors.append(value)
            else:
                rec.pii.append((SLOT_TYPE.get(slot, slot), value))
            return value

        rec.text = _SLOT.sub(fill, template)
        records.append(rec)
    return records


STRUCTURED = ("EMAIL_ADDRESS", "PHONE_NUMBER", "CREDIT_CARD", "IBAN_CODE", "IP_ADDRESS",
              "US_SSN", "CN_RESIDENT_ID", "CN_MOBILE", "CN_BANK_CARD")


def _leaked(value: str, masked: str) -> bool:
    """The value, or any run of 4+ of its digits or letters, survives masking."""
    if value in masked:
        return True
    return any(len(run) >= 4 and run in masked for run in re.findall(r"[0-9A-Za-z@.]+", value)
               if not run.isalpha())


def evaluate(records: list[Record], mask: Callable[[str], str]) -> dict[str, object]:
    """Per-type leak/mask figures for ``mask`` (text -> masked text) over ``records``."""
    per_type: dict[str, dict[str, int]] = {}
    distractors = masked_distractors = 0
    for rec in records:
        masked = mask(rec.text)
        for kind, value in rec.pii:
            row = per_type.setdefault(kind, {"total": 0, "leaked": 0})
            row["total"] += 1
            row["leaked"] += int(_leaked(value, masked) if kind in STRUCTURED
                                 else value in masked)
        for d in rec.distractors:
            distractors += 1
            masked_distractors += int(d not in masked)
    figures = {k: {**v, "masked_rate": round(1 - v["leaked"] / v["total"], 4)}
               for k, v in sorted(per_type.items())}
    structured_leaks = sum(v["leaked"] for k, v in per_type.items() if k in STRUCTURED)
    return {
        "records": len(records),
        "per_type": figures,
        "structured_values": sum(v["total"] for k, v in per_type.items() if k in STRUCTURED),
        "structured_leaks": structured_leaks,
        "person_masked_rate": figures.get("PERSON", {}).get("masked_rate", 1.0),
        "distractors": distractors,
        "distractors_masked_rate": round(masked_distractors / max(distractors, 1), 4),
    }


if __name__ == "__main__":
    for rec in build():
        sys.stdout.write(json.dumps(rec.__dict__, ensure_ascii=False) + "\n")
