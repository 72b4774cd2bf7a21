"""A corpus whose values are written or computed here, by hand: names of many origins (with
particles, hyphens, diacritics, nicknames; Chinese names of two and three characters),
identifiers with their real check digits (:mod:`checksums`), phone numbers in national formats,
Chinese addresses, and the same identifiers rendered to dodge a recognizer (full-width digits,
odd spacing and grouping, wrapped over a line, glued to an escaped "\\n").

    .venv/bin/python -m bench.pii_corpora.handmade_corpus   # a few records, to read
"""

from __future__ import annotations

import random
import string
from collections.abc import Callable

from bench.pii_corpora import LOOK, Record, compose
from bench.pii_corpora import checksums as ck

CORPUS = "handmade"

# Names by origin: (given names, family names, how they are ordered).
_ORIGINS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "vietnamese": (("Văn An", "Thị Bích", "Hoàng Minh", "Thu Hà", "Quốc Bảo", "Thanh Tùng",
                    "Ngọc Lan", "Đức Huy"),
                   ("Nguyễn", "Trần", "Lê", "Phạm", "Đặng", "Võ", "Bùi", "Huỳnh")),
    "korean": (("Min-jun", "Ji-woo", "Seo-yeon", "Hyun-woo", "Da-eun", "Joon-ho", "Ha-eun"),
               ("Kim", "Park", "Lee", "Choi", "Jung", "Kang", "Yoon", "Shin")),
    "arabic": (("Mohammed", "Fatima Zahra", "Omar", "Layla", "Youssef", "Khalid", "Nour",
                "Abdelkader"),
               ("Al-Farsi", "Benali", "Haddad", "Abdel-Rahman", "El Amrani", "bin Saeed",
                "Al Mansouri", "Tahiri")),
    "pinyin": (("Wei", "Fang", "Xiaoming", "Yang", "Jing", "Zhiqiang", "Lei", "Xiuying",
                "Haoran", "Yuting"),
               ("Zhang", "Wang", "Li", "Liu", "Chen", "Huang", "Zhao", "Wu", "Zhou", "Xu")),
    "particles": (("Willem", "Ana", "Jan", "María José", "Pieter", "Luca", "Inge", "Hans",
                   "Olga", "Amélie"),
                  ("van der Berg", "de la Cruz", "de Vries", "García López", "van den Heuvel",
                   "De Santis", "ter Horst", "von Weizsäcker", "Dos Santos", "d'Aubigné")),
    "west_african": (("Oluwaseun", "Chukwuemeka", "Ngozi", "Kwame", "Adaeze", "Kofi"),
                     ("Adeyemi", "Okafor", "Mensah", "Nwosu", "Boateng", "Okonkwo")),
    "south_asian": (("Priya", "Aarav", "Lakshmi", "Vikram", "Ananya", "Rohan"),
                    ("Raghunathan", "Mehta", "Subramanian", "Chatterjee", "Iyer", "Bhatt")),
    "european": (("Siobhán", "Dmitri", "Agnieszka", "Tomás", "Ayşe", "Giorgos", "Nomvula",
                  "Kalani", "Björn", "Zsófia"),
                 ("Ní Bhriain", "Volkov", "Wiśniewska", "Ó Súilleabháin", "Yılmaz",
                  "Papadopoulos", "Dlamini", "Kahananui", "Lindqvist", "Horváth")),
}
_NICKNAMES = ("Bobby", "Lexi", "Big Mike", "Jo-Jo", "Tanya", "Kenji", "Duffy", "Mags", "Nacho",
              "Bea")
_ZH_SURNAMES: tuple[str, ...] = (*"王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘"
                     "蒋蔡杜叶程苏魏吕丁沈姚卢姜崔钟谭陆汪范金廖贾夏韦方白邹孟熊秦邱江尹薛段雷"
                     "侯龙史陶黎贺顾毛郝龚邵钱严覃戴莫孔汤", "欧阳", "司马", "上官", "诸葛")
_ZH_GIVEN = tuple("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏辉建文斌宇浩凯晨"
                  "欣怡梓涵轩雨萱诗琪嘉豪俊思远晓岚志")
_ZH_PLACES = (
    ("广东省", "深圳市", "南山区", "科技园南路"), ("浙江省", "杭州市", "西湖区", "文三路"),
    ("江苏省", "南京市", "鼓楼区", "中山北路"), ("四川省", "成都市", "武侯区", "人民南路"),
    ("湖北省", "武汉市", "洪山区", "珞喻路"), ("北京市", "北京市", "朝阳区", "建国路"),
    ("上海市", "上海市", "浦东新区", "世纪大道"), ("山东省", "青岛市", "市南区", "香港中路"),
    ("福建省", "厦门市", "思明区", "湖滨南路"), ("陕西省", "西安市", "雁塔区", "小寨东路"),
)
_CN_REGIONS = ("110101", "310104", "440305", "510107", "330106", "420111", "320102", "120101",
               "610113", "350203", "230102", "530102")
_DOMAINS = ("mail.vn", "naver.com", "web.de", "orange.fr", "qq.com", "163.com", "posteo.net",
            "ptt.vn", "outlook.sa", "example.org")
_TIMEZONE_CUES = ("UTC", "CET", "JST")


def _name(rng: random.Random) -> tuple[str, str, str]:
    """(full name, given, family) of a random origin, in that origin's usual order."""
    origin = rng.choice(sorted(_ORIGINS))
    given, family = (rng.choice(x) for x in _ORIGINS[origin])
    full = f"{family} {given}" if origin in ("vietnamese", "pinyin") else f"{given} {family}"
    if origin == "korean" and rng.random() < 0.5:
        full = f"{family} {given}"
    return full, given, family


def _zh_name(rng: random.Random) -> str:
    surname = rng.choice(_ZH_SURNAMES)
    n = 1 if len(surname) == 2 else rng.choice((1, 2))
    return surname + "".join(rng.choice(_ZH_GIVEN) for _ in range(n))


def _zh_address(rng: random.Random) -> str:
    prov, city, district, road = rng.choice(_ZH_PLACES)
    head = prov if prov == city else prov + city
    tail = rng.choice(("", f"{rng.randint(1, 30)}栋{rng.randint(1, 28)}0{rng.randint(1, 9)}室",
                       f"{rng.randint(1, 9)}单元{rng.randint(101, 2408)}"))
    return f"{head}{district}{road}{rng.randint(1, 999)}号{tail}"


def _birth(rng: random.Random) -> str:
    return f"{rng.randint(1950, 2005)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"


def _card(rng: random.Random) -> str:
    """A Luhn-valid card of a random scheme, at one of that scheme's lengths."""
    prefix, length = rng.choice((
        ("4", 16), ("4", 13), ("51", 16), ("55", 16), ("2221", 16), ("2720", 16), ("34", 15),
        ("37", 15), ("6011", 16), ("65", 16), ("3528", 16), ("3589", 16), ("62", 16),
        ("62", 19), ("5018", 12), ("5020", 13), ("6304", 19), ("6759", 18), ("36", 14),
    ))
    return ck.luhn_card(rng, prefix, length)


def _iban(rng: random.Random) -> str:
    country, parts = rng.choice((
        ("DE", "8d10d"), ("FR", "10d11a2d"), ("GB", "4L14d"), ("NL", "4L10d"), ("ES", "20d"),
        ("IT", "1L10d12a"), ("CH", "5d12a"), ("BE", "12d"), ("PL", "24d"), ("AT", "16d"),
    ))
    bban, num = "", ""
    for ch in parts:
        if ch.isdigit():
            num += ch
            continue
        pool = {"d": string.digits, "a": string.digits + string.ascii_uppercase,
                "L": string.ascii_uppercase}[ch]
        bban += "".join(rng.choice(pool) for _ in range(int(num)))
        num = ""
    return ck.iban(country, bban)


def _grouped(s: str, size: int = 4, sep: str = " ") -> str:
    return sep.join(s[i:i + size] for i in range(0, len(s), size))


def _phone(rng: random.Random) -> str:
    d = lambda n: ck.digits(rng, n)  # noqa: E731 - one letter keeps the formats readable
    area = str(rng.randint(201, 989))
    return rng.choice((
        f"({area}) {rng.randint(200, 999)}-{d(4)}", f"{area}/{rng.randint(200, 999)}-{d(4)}",
        f"{area}.{rng.randint(200, 999)}.{d(4)}", f"+1-{area}-{rng.randint(200, 999)}-{d(4)}",
        f"{rng.randint(200, 999)}-{d(4)}", f"+44 20 {rng.randint(7000, 8999)} {d(4)}",
        f"07{d(3)} {d(6)}", f"+49 30 {d(6)}", f"030 {d(7)}", f"+49 (0)89 {d(4)}-{d(3)}",
        f"+33 1 {d(2)} {d(2)} {d(2)} {d(2)}", f"0{rng.randint(1, 7)}.{d(2)}.{d(2)}.{d(2)}.{d(2)}",
        f"+39 06 {d(4)} {d(4)}", f"+31 20 {d(3)} {d(4)}", f"+81 3-{d(4)}-{d(4)}",
        f"+82 2-{d(4)}-{d(4)}", f"+61 2 {d(4)} {d(4)}", f"+55 11 {d(4)}-{d(4)}",
        f"+34 91{d(1)} {d(3)} {d(3)}", f"+852 {rng.randint(5, 9)}{d(3)} {d(4)}",
    ))


def _cn_mobile(rng: random.Random) -> str:
    number = f"1{rng.choice('3456789')}{ck.digits(rng, 9)}"
    return rng.choice((number, f"{number[:3]} {number[3:7]} {number[7:]}",
                       f"+86 {number[:3]}-{number[3:7]}-{number[7:]}", f"+86{number}"))


def _ssn(rng: random.Random) -> str:
    area = rng.choice([a for a in range(1, 900) if a != 666])
    return f"{area:03d}-{rng.randint(1, 99):02d}-{rng.randint(1, 9999):04d}"


def _mac(rng: random.Random) -> str:
    raw = rng.randbytes(6).hex()
    return rng.choice((":".join(raw[i:i + 2] for i in range(0, 12, 2)),
                       "-".join(raw[i:i + 2] for i in range(0, 12, 2)).upper(),
                       ".".join(raw[i:i + 4] for i in range(0, 12, 4))))


def _ip(rng: random.Random) -> str:
    if rng.random() < 0.6:
        return ".".join(str(rng.randint(1, 254)) for _ in range(4))
    groups = [f"{rng.randint(0, 0xFFFF):x}" for _ in range(8)]
    return rng.choice((":".join(groups), f"{groups[0]}:{groups[1]}::{groups[6]}:{groups[7]}"))


def _email(rng: random.Random) -> str:
    _, given, family = _name(rng)
    local = "".join(c for c in f"{given}.{family}".lower() if c.isascii() and
                    (c.isalnum() or c in ".-"))
    return f"{local.strip('.-') or 'x'}{rng.choice(('', str(rng.randint(1, 99))))}@" \
           f"{rng.choice(_DOMAINS)}"


def _values(rng: random.Random) -> dict[str, tuple[str, str]]:
    """One of each value for a template to pick from."""
    full, given, family = _name(rng)
    full2 = _name(rng)[0]
    birth = _birth(rng)
    unionpay = ck.luhn_card(rng, "62" + rng.choice(("2202", "1700", "2848", "5880")),
                            rng.choice((16, 19)))
    mo = f"{rng.choice('157')}{ck.digits(rng, 6)}({rng.randint(0, 9)})"
    return {
        "name": ("PERSON", full), "name2": ("PERSON", full2), "given": ("PERSON", given),
        "family": ("PERSON", family), "nick": ("PERSON", rng.choice(_NICKNAMES)),
        "zh": ("PERSON_ZH", _zh_name(rng)), "zh2": ("PERSON_ZH", _zh_name(rng)),
        "email": ("EMAIL_ADDRESS", _email(rng)), "phone": ("PHONE_NUMBER", _phone(rng)),
        # An extension follows the number unlabelled: alone it identifies no one.
        "ext": ("", rng.choice(("", "", f" x{rng.randint(10, 9999)}",
                                f" ext. {rng.randint(10, 999)}"))),
        "card": ("CREDIT_CARD", _card(rng)), "iban": ("IBAN_CODE", _iban(rng)),
        "ip": ("IP_ADDRESS", _ip(rng)), "ssn": ("US_SSN", _ssn(rng)),
        "btc": ("CRYPTO", ck.btc_address(rng)), "mac": ("MAC_ADDRESS", _mac(rng)),
        "cnid": ("CN_RESIDENT_ID", ck.cn_id(rng, rng.choice(_CN_REGIONS), birth)),
        "mobile": ("CN_MOBILE", _cn_mobile(rng)), "bankcard": ("CN_BANK_CARD", unionpay),
        "hkid": ("HK_ID", ck.hk_id(rng)), "twid": ("TW_ID", ck.tw_id(rng)), "moid": ("MO_ID", mo),
        "passport": ("CN_PASSPORT", rng.choice(("E", "EA", "EB", "G")) + ck.digits(rng, 7)
                     + ("" if rng.random() < 0.5 else ck.digits(rng, 1))),
        "twpermit": ("CN_TRAVEL_PERMIT", rng.choice(("L", "T")) + ck.digits(rng, 8)),
        "hkpermit": ("CN_TRAVEL_PERMIT", "C" + rng.choice(string.ascii_uppercase)
                     + ck.digits(rng, 7)),
        "military": ("CN_MILITARY_ID", rng.choice(("南字第", "北字第", "军字第", "海字第"))
                     + ck.digits(rng, rng.choice((6, 7, 8))) + "号"),
        "dob": ("DATE_OF_BIRTH", f"{birth[:4]}-{birth[4:6]}-{birth[6:]}"),
        "dob_us": ("DATE_OF_BIRTH", f"{int(birth[4:6])}/{int(birth[6:])}/{birth[:4]}"),
        "dob_zh": ("DATE_OF_BIRTH", f"{birth[:4]}年{int(birth[4:6])}月{int(birth[6:])}日"),
        "zh_addr": ("ADDRESS", _zh_address(rng)),
        "age": ("AGE", str(rng.randint(18, 90))),
        **_lookalikes(rng),
    }


def _lookalikes(rng: random.Random) -> dict[str, tuple[str, str]]:
    d = lambda n: ck.digits(rng, n)  # noqa: E731 - one letter keeps the formats readable
    year = rng.randint(2015, 2025)
    return {
        "order": (LOOK, f"{year}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}{d(10)}"),
        "isbn": (LOOK, ck.isbn13(rng, rng.choice(("7", "0", "3", "4")))),
        "std": (LOOK, rng.choice((f"GB/T {rng.randint(1000, 39999)}-{year}",
                                  f"GB {rng.randint(1000, 39999)}-{year}",
                                  f"ISO {rng.randint(100, 45001)}:{year}",
                                  f"ISO/IEC {rng.randint(1000, 27999)}-{rng.randint(1, 9)}"))),
        "ts": (LOOK, rng.choice((str(rng.randint(1_500_000_000, 1_800_000_000)),
                                 str(rng.randint(1_500_000_000_000, 1_800_000_000_000)),
                                 f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}T"
                                 f"{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:{rng.randint(10, 59)}"
                                 f"{rng.choice(('Z', '+08:00', '.123Z'))}"))),
        "sku": (LOOK, f"SKU-{d(5)}-{rng.choice(('BLK', 'WHT', 'RED'))}-"
                      f"{rng.choice(('S', 'M', 'XL'))}"),
        "batch": (LOOK, f"{year}{rng.randint(1, 12):02d}{d(2)}{rng.choice('ABC')}"),
        "case": (LOOK, f"({year})京{d(4)}民初{d(5)}号"),
        "version": (LOOK, f"{rng.randint(0, 12)}.{rng.randint(0, 40)}.{rng.randint(0, 300)}"),
        "price": (LOOK, rng.choice((f"¥{rng.randint(1, 99)},{d(3)}.00",
                                    f"${rng.randint(1, 9)},{d(3)}.{d(2)}",
                                    f"€{rng.randint(10, 999)},{d(2)}"))),
        "tracking": (LOOK, f"SF{d(13)}"),
        "invoice": (LOOK, f"INV-{year}-{d(6)}"),
        "field": (LOOK, rng.choice(("Size", "Width", "Genre", "Order Id", "Height", "Color",
                                    "Brand", "Title", "Weight", "Status"))),
        "tz": (LOOK, rng.choice(_TIMEZONE_CUES)),
    }


# Everyday registers: (register, template). Slots name keys of _values.
_EVERYDAY = (
    ("chat", "Agent: Hi, who am I speaking with?\nCustomer: [[name]]. My number is [[phone]][[ext]].\n"
             "Agent: Thanks [[given]], and the order?\nCustomer: [[order]], paid [[price]]."),
    ("chat", "[09:14] [[nick]]: can u send the invoice to [[email]]?\n[09:15] support: sure, "
             "[[invoice]] is on its way"),
    ("qa", "Q: What's your last name?\nA: [[family]]\nQ: And your first name?\nA: [[given]]"),
    ("qa", "What is the card number on file?\n[[card]]\nAnd the expiry? 09/27"),
    ("form", "Full name: [[name]]\nEmail: [[email]]\nPhone: [[phone]][[ext]]\nDate of birth: [[dob]]\n"
             "SKU: [[sku]]"),
    ("form", "IBAN: [[iban]]\nAccount holder: [[name]]\nReference: [[invoice]]"),
    ("email", "Hello [[given]],\n\nthe refund of [[price]] went to [[iban]] today. The shipment "
              "[[tracking]] follows.\n\nBest regards,\n[[name2]]\n[[phone]][[ext]]"),
    ("email", "Dear [[name]],\nplease find the spec ([[std]], ISBN [[isbn]]) attached.\n--\n"
              "[[name2]] | [[email]]"),
    ("log", "[[ts]] INFO login ok user=[[email]] src=[[ip]] build=[[version]]"),
    ("log", "[[ts]] WARN dhcp lease [[ip]] -> [[mac]] (host of [[given]])"),
    ("csv", "name,ssn,dob,order\n[[name]],[[ssn]],[[dob_us]],[[order]]"),
    ("json", '{"customer": "[[name]]", "card": "[[card]]", "[[field]]": "XL", "batch": '
             '"[[batch]]"}'),
    ("code", 'send_payment(to="[[btc]]", memo="[[invoice]]")  # for [[given]]'),
    ("code", 'user = User(name="[[name]]", ssn="[[ssn]]", version="[[version]]")'),
    ("list", "attendees: [[name]], [[name2]] and [[nick]]"),
    ("nickname", "Everyone calls him [[nick]], but on the lease he is [[name]]."),
    ("prose", "[[name]] was born on [[dob_us]] and moved here after the [[std]] audit."),
    ("prose", "[[name]], [[age]], signed the [[std]] checklist for [[nick]]."),
    ("prose", "Passport for [[name]]: the HKID is [[hkid]] and the Taiwan ID [[twid]]."),
    ("zh_chat", "[[zh]]昨天把报告发给我了，说下周再跟[[zh2]]确认订单号[[order]]。"),
    ("zh_chat", "请转告[[zh]]明天上午开会，地点改到[[zh_addr]]。"),
    ("zh_form", "姓名：[[zh]]\n身份证号：[[cnid]]\n手机：[[mobile]]\n出生日期：[[dob_zh]]\n"
                "地址：[[zh_addr]]"),
    ("zh_form", "开户行卡号：[[bankcard]]\n持卡人：[[zh]]\n批号：[[batch]]"),
    ("zh_prose", "会议由[[zh]]主持，[[zh2]]介绍了按[[std]]执行的方案，案号[[case]]。"),
    ("zh_prose", "[[zh]]和[[zh2]]负责这个项目，价格[[price]]，版本[[version]]。"),
    ("zh_form", "往来台湾通行证号码：[[twpermit]]\n港澳通行证：[[hkpermit]]\n护照：[[passport]]"),
    ("zh_form", "军官证号：[[military]]\n澳门身份证：[[moid]]\n联系人：[[zh]]"),
)


def _fullwidth(s: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in s)


def _spaced(s: str) -> str:
    return "  ".join(s[i:i + 4] for i in range(0, len(s), 4))


# Adversarial renderings: (register, value key, render, template with [[v]]).
_ADVERSARIAL: tuple[tuple[str, str, Callable[[str], str], str], ...] = (
    ("adv_fullwidth", "cnid", _fullwidth, "身份证：[[v]]"),
    ("adv_fullwidth", "mobile", _fullwidth, "电话[[v]]，订单号[[order]]"),
    ("adv_fullwidth", "card", _fullwidth, "card no. [[v]] please"),
    ("adv_spacing", "card", _spaced, "Card:  [[v]]  (ref [[invoice]])"),
    ("adv_spacing", "iban", _spaced, "wire to [[v]] today"),
    ("adv_spacing", "bankcard", _spaced, "卡号 [[v]]"),
    ("adv_grouping", "cnid", lambda s: f"{s[:6]}-{s[6:10]}-{s[10:14]}-{s[14:]}", "ID [[v]]"),
    ("adv_grouping", "ssn", lambda s: s.replace("-", " "), "SSN [[v]] on file"),
    ("adv_grouping", "card", lambda s: _grouped(s, 4, "-"), "cc=[[v]] ts=[[ts]]"),
    ("adv_grouping", "iban", lambda s: _grouped(s, 4, "."), "IBAN [[v]]"),
    ("adv_wrapped", "card", lambda s: f"{s[:8]}\n{s[8:]}", "my card is\n[[v]]\nthanks"),
    ("adv_wrapped", "cnid", lambda s: f"{s[:10]}\n{s[10:]}", "证件号码为[[v]]，请核对"),
    ("adv_wrapped", "iban", lambda s: f"{s[:12]}\n{s[12:]}", "Beneficiary IBAN: [[v]]"),
    ("adv_escaped_newline", "mobile", str, '{"note": "call me\\n[[v]]", "sku": "[[sku]]"}'),
    ("adv_escaped_newline", "card", str, '"msg": "card below\\n[[v]]\\nthanks"'),
    ("adv_escaped_newline", "email", str, "'text': 'reach me at\\n[[v]]'"),
    ("adv_escaped_newline", "ssn", str, '"ssn\\n[[v]]"'),
)


def build(n: int = 400, seed: int = 7) -> list[Record]:
    """``n`` records: about three everyday for each adversarial one."""
    rng = random.Random(seed)
    records = []
    for i in range(n):
        slots = _values(rng)
        if i % 4 == 3:
            register, key, render, template = rng.choice(_ADVERSARIAL)
            label, value = slots[key]
            slots["v"] = (label, render(value))
        else:
            register, template = rng.choice(_EVERYDAY)
        records.append(compose(template, slots, register, CORPUS))
    return records


if __name__ == "__main__":
    for record in build(12):
        print(record.register, repr(record.text))
