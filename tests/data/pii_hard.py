"""A second, harder PII corpus: text written the way people and systems write it.

Each record comes from one *class* of real-world writing that the first corpus
(:mod:`tests.data.pii_corpus`) does not produce: obfuscated or unnormalised identifiers
(full-width forms, zero-width characters, odd spaces, digits split by spaces, dots or line
breaks), phone numbers that libphonenumber alone rejects, Chinese landlines, near-miss ID
numbers after a cue word, Chinese names without a cue, English names in lower case, capitals,
"Last, First", signatures, CSV and JSON, identifiers with their own recognizers (HK/Macau/
Taiwan IDs, PRC passports and permits, MAC addresses, dates of birth, e-mail in URLs), and
distractors that look like identifiers but are not PII (versions, order and tracking numbers,
epoch timestamps, hashes, prices, hotlines).

The name lists here are written by hand for this corpus and are *not* the census lists the
masking engine uses, so names outside them (most non-Anglo names) measure the engine honestly.
``python -m tests.data.pii_hard`` writes the corpus as JSONL.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import re
import string
import sys
from collections.abc import Callable
from dataclasses import dataclass, field

from tests.data.pii_corpus import _cn_id, _luhn_complete

EN_FIRST = ["Olivia", "Liam", "Emma", "Noah", "Sophia", "Ethan", "Grace", "Henry", "Chloe",
            "Samuel", "Hannah", "Isaac", "Megan", "Patrick", "Victoria", "Gregory", "Natalie"]
EN_LAST = ["Bennett", "Carter", "Foster", "Hughes", "Morgan", "Parker", "Reed", "Sullivan",
           "Turner", "Ward", "Fletcher", "Hayes", "Coleman", "Russell", "Griffin", "Barnes"]
#: Names from many places; several are in no census list.
WORLD_NAMES = ["Chinedu Okafor", "Aisha Bello", "Priya Raman", "Arjun Mehta", "Nguyen Van An",
               "Tran Thi Mai", "Fatima Al-Sayed", "Omar Haddad", "Kwame Mensah", "Ama Owusu",
               "Siddharth Iyer", "Oksana Kovalenko", "Dmitri Volkov", "Leilani Kahale",
               "Mateo Fernández", "Lucía Martínez", "Hiroshi Tanaka", "Yuki Sato",
               "Aleksandra Nowak", "Mehmet Yilmaz", "Ngozi Adeyemi", "Rania Khalil",
               "Javier Morales", "Ananya Krishnan", "Bongani Dlamini", "Thabo Nkosi"]
CN_SURNAMES_COMMON = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田"
CN_SURNAMES_RARE = ["欧阳", "司马", "上官", "诸葛", "东方", "慕容", "夏侯", "令狐", "皇甫", "尉迟",
                    "蔺", "晁", "阎", "邸", "揭", "禹", "郜", "厉", "萧", "傅"]
CN_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰建国志红梅文斌海燕晓婷子涵宇轩"

_FULL = {c: chr(ord(c) + 0xFEE0) for c in string.ascii_letters + string.digits + "@.-+()"}
_ZW = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff"]
_SPACES = ["\u00a0", "\u202f", "\u3000", "\u2009"]


def fullwidth(s: str) -> str:
    return "".join(_FULL.get(c, c) for c in s)


def zero_width(s: str, rng: random.Random) -> str:
    out = []
    for i, c in enumerate(s):
        out.append(c)
        if i and i < len(s) - 1 and rng.random() < 0.3:
            out.append(rng.choice(_ZW))
    return "".join(out)


def odd_spaces(s: str, rng: random.Random) -> str:
    return "".join(rng.choice(_SPACES) if c == " " else c for c in s)


def spaced_digits(digits: str, rng: random.Random) -> str:
    sep = rng.choice([" ", ".", "\n", " - "])
    if sep == "\n":  # a number wrapped over two lines
        cut = rng.randrange(3, len(digits) - 2)
        return digits[:cut] + "\n" + digits[cut:]
    if sep == " " and rng.random() < 0.5:
        return " ".join(digits)  # one digit at a time
    groups, i = [], 0
    while i < len(digits):
        n = rng.choice([3, 4])
        groups.append(digits[i:i + n])
        i += n
    return sep.join(groups)


def hkid(rng: random.Random) -> str:
    letters = "".join(rng.choice(string.ascii_uppercase) for _ in range(rng.choice([1, 2])))
    digits = f"{rng.randrange(0, 10**6):06d}"
    chars = letters.rjust(2, " ") + digits
    total = sum((36 if c == " " else (ord(c) - 55 if c.isalpha() else int(c))) * w
                for c, w in zip(chars, range(9, 1, -1), strict=True))
    check = (11 - total % 11) % 11
    return f"{letters}{digits}({'A' if check == 10 else check})"


def tw_id(rng: random.Random) -> str:
    codes = dict(zip("ABCDEFGHJKLMNPQRSTUVXYWZIO", range(10, 36), strict=True))
    letter = rng.choice(list(codes))
    body = [rng.choice([1, 2])] + [rng.randrange(10) for _ in range(7)]
    code = codes[letter]
    weights = (1, 9, 8, 7, 6, 5, 4, 3, 2, 1)
    total = sum(d * w for d, w in zip([code // 10, code % 10, *body], weights, strict=True))
    return letter + "".join(map(str, body)) + str((10 - total % 10) % 10)


def near_miss_id(rng: random.Random) -> str:
    good = _cn_id(rng)
    i = rng.randrange(6, 17)
    return good[:i] + str((int(good[i]) + rng.randrange(1, 10)) % 10) + good[i + 1:]


def mac(rng: random.Random) -> str:
    octets = [f"{rng.randrange(256):02x}" for _ in range(6)]
    style = rng.choice([":", "-", "upper"])
    if style == "upper":
        return ":".join(octets).upper()
    return style.join(octets)


def dob(rng: random.Random) -> tuple[str, str]:
    born = dt.date(1940, 1, 1) + dt.timedelta(days=rng.randrange(0, 365 * 60))
    value = rng.choice([f"{born:%Y-%m-%d}", f"{born:%d/%m/%Y}", f"{born:%B} {born.day}, {born.year}",
                        f"{born.year}年{born.month}月{born.day}日", f"{born.day} {born:%b} {born.year}"])
    cue = rng.choice(["DOB: {}", "date of birth {}", "born on {}", "出生日期：{}", "生日 {}",
                      "D.O.B. {}"])
    return cue.format(value), value


def cn_name(rng: random.Random, rare: bool = False) -> str:
    surname = rng.choice(CN_SURNAMES_RARE) if rare else rng.choice(CN_SURNAMES_COMMON)
    return surname + "".join(rng.choice(CN_GIVEN) for _ in range(rng.choice([1, 2])))


def us_phone_any_npa(rng: random.Random) -> str:
    npa = f"{rng.randrange(2, 10)}{rng.randrange(0, 10)}{rng.randrange(0, 10)}"
    nxx = f"{rng.randrange(2, 10)}{rng.randrange(0, 10)}{rng.randrange(0, 10)}"
    line = f"{rng.randrange(0, 10000):04d}"
    return rng.choice([f"+1 {npa} {nxx} {line}", f"({npa}) {nxx}-{line}", f"+1-{npa}-{nxx}-{line}"])


def cn_landline(rng: random.Random) -> str:
    area = rng.choice(["010", "021", "020", "0755", "0571", "028", "027", "0512"])
    local = f"{rng.randrange(2, 9)}{rng.randrange(0, 10**7):07d}" if len(area) == 3 \
        else f"{rng.randrange(2, 9)}{rng.randrange(0, 10**6):06d}" + rng.choice(["", "8"])
    return rng.choice([f"{area}-{local}", f"({area}) {local[:4]} {local[4:]}",
                       f"+86 {area[1:]} {local}"])


@dataclass
class Record:
    text: str
    cls: str
    pii: list[tuple[str, str]] = field(default_factory=list)
    distractors: list[tuple[str, str]] = field(default_factory=list)


def _obfuscated(rng: random.Random) -> Record:
    kind = rng.choice(["email", "mobile", "card", "id"])
    if kind == "email":
        user = rng.choice(EN_FIRST).lower() + "." + rng.choice(EN_LAST).lower()
        plain = f"{user}@example.com"
        value = rng.choice([fullwidth(plain), zero_width(plain, rng)])
        return Record(f"Reach me at {value} please.", "obfuscated", [("EMAIL_ADDRESS", value)])
    if kind == "mobile":
        digits = f"1{rng.choice('3456789')}{rng.randrange(0, 10**9):09d}"
        how = rng.choice(["full", "zw", "spaces", "split"])
        value = fullwidth(f"{digits[:3]} {digits[3:7]} {digits[7:]}") if how == "full" else \
            zero_width(digits, rng) if how == "zw" else \
            odd_spaces(f"{digits[:3]} {digits[3:7]} {digits[7:]}", rng) if how == "spaces" \
            else spaced_digits(digits, rng)
        return Record(f"手机号{value}，请回电。", "obfuscated", [("CN_MOBILE", value)])
    if kind == "card":
        digits = _luhn_complete(rng.choice(["4", "51", "62"]), 16, rng)
        value = rng.choice([fullwidth(" ".join(digits[i:i + 4] for i in range(0, 16, 4))),
                            odd_spaces(" ".join(digits[i:i + 4] for i in range(0, 16, 4)), rng),
                            zero_width(digits, rng)])
        return Record(f"Card on file: {value}.", "obfuscated", [("CARD", value)])
    value = rng.choice([fullwidth(_cn_id(rng)), zero_width(_cn_id(rng), rng)])
    return Record(f"证件 {value} 已登记。", "obfuscated", [("CN_RESIDENT_ID", value)])


def _phones(rng: random.Random) -> Record:
    if rng.random() < 0.5:
        value = us_phone_any_npa(rng)
        text = rng.choice(["Call {} after 5pm.", "My cell is {}.", "Phone: {}",
                           "You can reach me on {} tomorrow."]).format(value)
    else:
        value = cn_landline(rng)
        text = rng.choice(["办公室电话 {}，工作日可打。", "请致电 {} 联系前台。", "座机：{}",
                           "Office line {} (Shanghai)."]).format(value)
    return Record(text, "phone", [("PHONE_NUMBER", value)])


def _near_miss(rng: random.Random) -> Record:
    value = near_miss_id(rng)
    text = rng.choice(["身份证号{}，请核对。", "身份证号码：{}", "ID card no. {}"]).format(value)
    return Record(text, "near_miss", [("CN_RESIDENT_ID", value)])


def _cn_names(rng: random.Random) -> Record:
    a, b = cn_name(rng, rng.random() < 0.3), cn_name(rng, rng.random() < 0.3)
    form = rng.randrange(5)
    if form == 0:
        text = rng.choice(["{}和{}下周去上海出差。", "{}昨天把报告发给了{}。", "会议由{}主持，{}记录。"])
        return Record(text.format(a, b), "cn_name", [("PERSON", a), ("PERSON", b)])
    if form == 1:
        text = json.dumps({"姓名": a, "部门": "财务部", "备注": "季度复核"}, ensure_ascii=False)
        return Record(text, "cn_name", [("PERSON", a)])
    if form == 2:
        text = f"姓名,部门,城市\n{a},市场部,北京\n{b},技术部,深圳"
        return Record(text, "cn_name", [("PERSON", a), ("PERSON", b)])
    if form == 3:
        s = rng.choice(CN_SURNAMES_COMMON)
        pet = rng.choice(["小", "老"]) + s
        return Record(f"{pet}说明天的会改到三点。", "cn_name", [("PERSON", pet)])
    return Record(f"请把合同交给{a}，谢谢。", "cn_name", [("PERSON", a)])


def _en_names(rng: random.Random) -> Record:
    name = rng.choice(WORLD_NAMES) if rng.random() < 0.4 else \
        f"{rng.choice(EN_FIRST)} {rng.choice(EN_LAST)}"
    first, last = name.split(" ", 1)
    form = rng.randrange(6)
    if form == 0:
        value = name.lower()
        return Record(f"please ask {value} to review the draft", "en_name", [("PERSON", value)])
    if form == 1:
        value = name.upper()
        return Record(f"PASSENGER {value} BOARDED AT GATE 12", "en_name", [("PERSON", value)])
    if form == 2:
        value = f"{last}, {first}"
        return Record(f"Attendee list: {value} (confirmed)", "en_name", [("PERSON", value)])
    if form == 3:
        sign = rng.choice(["Best regards", "Thanks", "Cheers", "Sincerely"])
        return Record(f"I'll send the figures on Monday.\n\n{sign},\n{name}", "en_name",
                      [("PERSON", name)])
    if form == 4:
        return Record(f"name,team,city\n{name},Finance,Leeds", "en_name", [("PERSON", name)])
    return Record(json.dumps({"customer_name": name, "tier": "gold"}), "en_name",
                  [("PERSON", name)])


def _new_ids(rng: random.Random) -> Record:
    kind = rng.randrange(7)
    if kind == 0:
        v = hkid(rng)
        return Record(rng.choice(["HKID {} verified.", "香港身份证 {}"]).format(v), "ids",
                      [("HK_ID", v)])
    if kind == 1:
        v = f"{rng.choice('157')}{rng.randrange(0, 10**6):06d}({rng.randrange(10)})"
        return Record(rng.choice(["澳门身份证 {}", "Macau ID {} on file"]).format(v), "ids",
                      [("MO_ID", v)])
    if kind == 2:
        v = tw_id(rng)
        return Record(rng.choice(["身分證字號 {}", "Taiwan ID {}"]).format(v), "ids",
                      [("TW_ID", v)])
    if kind == 3:
        v = rng.choice(["E", "G"]) + f"{rng.randrange(0, 10**8):08d}"
        return Record(rng.choice(["护照号码：{}", "Passport no. {}"]).format(v), "ids",
                      [("CN_PASSPORT", v)])
    if kind == 4:
        v = "C" + f"{rng.randrange(0, 10**8):08d}"
        return Record(f"港澳通行证 {v}，有效期五年。", "ids", [("CN_TRAVEL_PERMIT", v)])
    if kind == 5:
        v = mac(rng)
        return Record(f"Device {v} joined the network.", "ids", [("MAC_ADDRESS", v)])
    text, v = dob(rng)
    return Record(f"Patient record: {text}.", "ids", [("DATE_OF_BIRTH", v)])


def _email_in_url(rng: random.Random) -> Record:
    user = rng.choice(EN_FIRST).lower() + rng.choice(["", "."]) + rng.choice(EN_LAST).lower()
    email = f"{user}@example.org"
    encoded = rng.random() < 0.5
    value = email.replace("@", "%40") if encoded else email
    text = f"Open https://crm.example.com/contacts?email={value}&src=mail to see the history."
    return Record(text, "email_url", [("EMAIL_ADDRESS", value)])


def _distractors(rng: random.Random) -> Record:
    items = [
        ("version", f"v{rng.randrange(1, 30)}.{rng.randrange(0, 40)}.{rng.randrange(0, 20)}"),
        ("order", f"SO-{rng.randrange(2020, 2027)}{rng.randrange(10**5, 10**6)}"),
        ("tracking", rng.choice([f"1Z{rng.randrange(10**15, 10**16)}",
                                 f"SF{rng.randrange(10**11, 10**12)}",
                                 f"YT{rng.randrange(10**15, 10**16)}"])),
        ("timestamp", str(rng.randrange(1_600_000_000, 1_800_000_000))),
        ("hash", "".join(rng.choice("0123456789abcdef") for _ in range(40))),
        ("price", rng.choice([f"${rng.randrange(10, 9999)}.{rng.randrange(100):02d}",
                              f"¥{rng.randrange(1, 99)},{rng.randrange(1000):03d}",
                              f"EUR {rng.randrange(100, 99999)}"])),
        ("hotline", rng.choice(["400-810-8888", "400 820 5000", "800-820-8820"])),
        ("uuid", f"{rng.getrandbits(32):08x}-{rng.getrandbits(16):04x}-4{rng.getrandbits(12):03x}"
                 f"-a{rng.getrandbits(12):03x}-{rng.getrandbits(48):012x}"),
    ]
    picked = rng.sample(items, 3)
    text = rng.choice([
        "Build {} shipped; see {} and {} for details.",
        "Logged {}, then {} — ref {}.",
        "订单信息：{}，{}，{}。",
    ]).format(*(v for _, v in picked))
    return Record(text, "distractor", distractors=picked)


CLASSES: dict[str, Callable[[random.Random], Record]] = {
    "obfuscated": _obfuscated, "phone": _phones, "near_miss": _near_miss,
    "cn_name": _cn_names, "en_name": _en_names, "ids": _new_ids, "email_url": _email_in_url,
    "distractor": _distractors,
}


def build(per_class: int = 60, seed: int = 20261201) -> list[Record]:
    rng = random.Random(seed)
    return [make(rng) for make in CLASSES.values() for _ in range(per_class)]


def _leaked(value: str, masked: str) -> bool:
    """The value survives, or (for identifiers) any run of 4+ of its digits/letters does —
    compared on the digits and letters alone, so obfuscation cannot hide a leak."""
    if value in masked:
        return True
    core = "".join(c for c in value if c.isalnum())
    seen = "".join(c for c in masked if c.isalnum())
    if any(c.isdigit() for c in core):
        runs = [core[i:i + 6] for i in range(0, max(len(core) - 5, 1))]
        # A run with a digit in it: "exampl" of an address's domain also stands, unmasked
        # and no one's, in the URL's own host (https://crm.example.com/?email=ana1@example.org)
        return any(len(r) >= 6 and r in seen and any(c.isdigit() for c in r) for r in runs)
    return False


def _name_leaked(value: str, masked: str) -> bool:
    """Any part of the name left as a word counts: a half-masked name is a leak."""
    if value in masked:
        return True
    parts = value.replace(",", " ").split() if " " in value or "," in value else [value]
    return any(re.search(rf"(?<!\w){re.escape(p)}(?!\w)", masked) for p in parts if len(p) > 1)


def evaluate(records: list[Record], mask: Callable[[str], str]) -> dict[str, object]:
    """Recall per PII type and per class; share of each distractor kind masked."""
    per_type: dict[str, dict[str, int]] = {}
    per_class: dict[str, dict[str, int]] = {}
    over: dict[str, dict[str, int]] = {}
    for rec in records:
        masked = mask(rec.text)
        for kind, value in rec.pii:
            leaked = _leaked(value, masked) if kind != "PERSON" else _name_leaked(value, masked)
            for table, key in ((per_type, kind), (per_class, rec.cls)):
                row = table.setdefault(key, {"total": 0, "leaked": 0})
                row["total"] += 1
                row["leaked"] += int(leaked)
        for kind, value in rec.distractors:
            row = over.setdefault(kind, {"total": 0, "masked": 0})
            row["total"] += 1
            row["masked"] += int(value not in masked)

    def rate(t: dict[str, dict[str, int]]) -> dict[str, dict[str, float]]:
        return {k: {**v, "recall": round(1 - v["leaked"] / v["total"], 4)}
                for k, v in sorted(t.items())}

    names = [v for k, v in per_type.items() if k == "PERSON"]
    structured = [v for k, v in per_type.items() if k != "PERSON"]
    distractors = sum(v["total"] for v in over.values())
    return {
        "records": len(records),
        "per_type": rate(per_type),
        "per_class": rate(per_class),
        "structured_values": sum(v["total"] for v in structured),
        "structured_leaks": sum(v["leaked"] for v in structured),
        "person_masked_rate": round(1 - sum(v["leaked"] for v in names)
                                    / max(sum(v["total"] for v in names), 1), 4),
        "overmasked": {k: {**v, "rate": round(v["masked"] / v["total"], 4)}
                       for k, v in sorted(over.items())},
        "distractors_masked_rate": round(sum(v["masked"] for v in over.values())
                                         / max(distractors, 1), 4),
    }


if __name__ == "__main__":
    for rec in build():
        sys.stdout.write(json.dumps(rec.__dict__, ensure_ascii=False) + "\n")
