"""The strict (GDPR) profile's types: where someone lives, works, how old they are, when.

- ``ADDRESS``: an English street address (a house number, street words and a street type —
  221B Baker Street, 1600 Amphitheatre Pkwy, 12 rue de la Paix, Hauptstraße 5, PO Box 12 —
  with the unit, city, state and postcode that follow it), or a Chinese one: a road with its
  number (建国路88号) and the 省/市/区/县/镇/街道 units before it and the building, 单元 and 室
  after it; also a chain of two administrative units with no road (广东省深圳市南山区), and
  the line after an address cue (地址：…, Address: …) that holds a digit.
- ``POSTCODE``: UK and Canadian postcodes by their strict formats; a US ZIP after a state; a
  5-digit code before a city at the start of an address line (75002 Paris); any 5- or 6-digit
  code after a cue word (ZIP, postcode, PLZ, 邮编).
- ``LOCATION``: countries, US states and large cities from the gazetteers below, in English
  (capitalised as written) and Chinese; Chinese place names from jieba's dictionary when the
  name, with 省/市/区/县 after it, is itself a dictionary place (湖北 from 湖北省), or the word
  carries that suffix. spaCy's GPE, LOC and FAC come through Presidio's SpacyRecognizer (and
  :class:`NerFacilityRecognizer` for FAC, which Presidio's default mapping leaves out).
- ``ORGANIZATION``: names ending in a legal form or an institution word (Acme Corp., Siemens
  AG, Stanford University, 华为技术有限公司, 中国银行), University/Bank of X, and jieba's
  organisation words (tag ``nt``); spaCy's ORG through SpacyRecognizer.
- ``AGE``: 42 years old, aged 42, age: 42, a 42-year-old, 42岁, 年龄：42, 四十二岁.
- ``DATE_TIME``: written dates and times (ISO, numeric, month names, 2025年8月16日, 下午3点);
  Presidio's DateRecognizer and spaCy's DATE and TIME add their own.
- ``NRP``: nationality after a cue (国籍：中国, nationality: French), X籍 and X国人 for a country
  X; spaCy's NORP through SpacyRecognizer.

Other countries' forms are read by their words, not by a list of their places or firms:
values after form labels and JSON keys (City:, "company":, Firma, Alter:), places after cues
(lives in, moved to, I'm from), legal forms and firm endings (S.L., Sp. z o.o., e.V., e figli,
株式会社), street-first addresses (Via Roma, 12), Japanese 丁目 addresses, NL/PL/PT/BR/JP
postcodes, nationality words (``DEMONYMS``, not where they name a language: into plain
English) and whole URLs (:class:`WholeUrlRecognizer`).

The NER model is loose with these types: :func:`doubtful` drops its findings that are ordinary
words (the Order Status, Python as ORG), dates with no digit, month or weekday in them (today,
last year), and URLs that are file names (main.py, README.md).
"""

from __future__ import annotations

import re
import threading
from typing import Any

from presidio_analyzer import EntityRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

from appliance.privacy.lexicon import Lexicon
from appliance.privacy.lookalikes import lookalike_spans, within_lookalike
from appliance.privacy.recognizer_base import OwnRecognizer, RegexRecognizer, make_result

#: The types this module adds to the standard profile.
GDPR_TYPES = frozenset({"ADDRESS", "POSTCODE", "LOCATION", "ORGANIZATION", "AGE", "DATE_TIME",
                        "NRP", "URL"})

_WEEKDAYS_RE = (r"(?:Mon|Tue|Tues|Wed|Thu|Thur|Thurs|Fri|Sat|Sun)(?:day|sday|nesday|rsday|"
                r"urday)?")
_MONTHS_RE = (r"(?:January|February|March|April|May|June|July|August|September|October|"
              r"November|December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)")

# ---- Gazetteers -------------------------------------------------------------------------------

US_STATES = {
    "AL": "Alabama", "AK": "Alaska", "AZ": "Arizona", "AR": "Arkansas", "CA": "California",
    "CO": "Colorado", "CT": "Connecticut", "DE": "Delaware", "DC": "District of Columbia",
    "FL": "Florida", "GA": "Georgia", "HI": "Hawaii", "ID": "Idaho", "IL": "Illinois",
    "IN": "Indiana", "IA": "Iowa", "KS": "Kansas", "KY": "Kentucky", "LA": "Louisiana",
    "ME": "Maine", "MD": "Maryland", "MA": "Massachusetts", "MI": "Michigan", "MN": "Minnesota",
    "MS": "Mississippi", "MO": "Missouri", "MT": "Montana", "NE": "Nebraska", "NV": "Nevada",
    "NH": "New Hampshire", "NJ": "New Jersey", "NM": "New Mexico", "NY": "New York",
    "NC": "North Carolina", "ND": "North Dakota", "OH": "Ohio", "OK": "Oklahoma", "OR": "Oregon",
    "PA": "Pennsylvania", "RI": "Rhode Island", "SC": "South Carolina", "SD": "South Dakota",
    "TN": "Tennessee", "TX": "Texas", "UT": "Utah", "VT": "Vermont", "VA": "Virginia",
    "WA": "Washington", "WV": "West Virginia", "WI": "Wisconsin", "WY": "Wyoming",
    "PR": "Puerto Rico",
}
#: English name, Chinese name: countries and places people write as countries.
COUNTRIES = (
    ("China", "中国"), ("United States", "美国"), ("USA", "美利坚"), ("United Kingdom", "英国"),
    ("UK", "大不列颠"), ("England", "英格兰"), ("Scotland", "苏格兰"), ("Wales", "威尔士"),
    ("Ireland", "爱尔兰"), ("France", "法国"), ("Germany", "德国"), ("Italy", "意大利"),
    ("Spain", "西班牙"), ("Portugal", "葡萄牙"), ("Netherlands", "荷兰"), ("Belgium", "比利时"),
    ("Switzerland", "瑞士"), ("Austria", "奥地利"), ("Sweden", "瑞典"), ("Norway", "挪威"),
    ("Denmark", "丹麦"), ("Finland", "芬兰"), ("Iceland", "冰岛"), ("Poland", "波兰"),
    ("Czech Republic", "捷克"), ("Czechia", "捷克共和国"), ("Slovakia", "斯洛伐克"),
    ("Hungary", "匈牙利"), ("Romania", "罗马尼亚"), ("Bulgaria", "保加利亚"),
    ("Greece", "希腊"), ("Turkey", "土耳其"), ("Russia", "俄罗斯"), ("Ukraine", "乌克兰"),
    ("Belarus", "白俄罗斯"), ("Croatia", "克罗地亚"), ("Serbia", "塞尔维亚"),
    ("Slovenia", "斯洛文尼亚"), ("Estonia", "爱沙尼亚"), ("Latvia", "拉脱维亚"),
    ("Lithuania", "立陶宛"), ("Luxembourg", "卢森堡"), ("Monaco", "摩纳哥"), ("Malta", "马耳他"),
    ("Cyprus", "塞浦路斯"), ("Canada", "加拿大"), ("Mexico", "墨西哥"), ("Brazil", "巴西"),
    ("Argentina", "阿根廷"), ("Chile", "智利"), ("Peru", "秘鲁"), ("Colombia", "哥伦比亚"),
    ("Venezuela", "委内瑞拉"), ("Cuba", "古巴"), ("Ecuador", "厄瓜多尔"), ("Bolivia", "玻利维亚"),
    ("Uruguay", "乌拉圭"), ("Paraguay", "巴拉圭"), ("Japan", "日本"), ("South Korea", "韩国"),
    ("Korea", "朝鲜"), ("North Korea", "北朝鲜"), ("Mongolia", "蒙古"), ("India", "印度"),
    ("Pakistan", "巴基斯坦"), ("Bangladesh", "孟加拉国"), ("Sri Lanka", "斯里兰卡"),
    ("Nepal", "尼泊尔"), ("Afghanistan", "阿富汗"), ("Iran", "伊朗"), ("Iraq", "伊拉克"),
    ("Syria", "叙利亚"), ("Israel", "以色列"), ("Palestine", "巴勒斯坦"), ("Jordan", "约旦"),
    ("Lebanon", "黎巴嫩"), ("Saudi Arabia", "沙特阿拉伯"), ("Qatar", "卡塔尔"),
    ("Kuwait", "科威特"), ("United Arab Emirates", "阿联酋"), ("UAE", "阿拉伯联合酋长国"),
    ("Oman", "阿曼"), ("Yemen", "也门"), ("Egypt", "埃及"), ("Morocco", "摩洛哥"),
    ("Algeria", "阿尔及利亚"), ("Tunisia", "突尼斯"), ("Libya", "利比亚"), ("Nigeria", "尼日利亚"),
    ("Kenya", "肯尼亚"), ("Ethiopia", "埃塞俄比亚"), ("Ghana", "加纳"), ("South Africa", "南非"),
    ("Tanzania", "坦桑尼亚"), ("Uganda", "乌干达"), ("Senegal", "塞内加尔"),
    ("Indonesia", "印度尼西亚"), ("Malaysia", "马来西亚"), ("Singapore", "新加坡"),
    ("Thailand", "泰国"), ("Vietnam", "越南"), ("Philippines", "菲律宾"), ("Cambodia", "柬埔寨"),
    ("Laos", "老挝"), ("Myanmar", "缅甸"), ("Australia", "澳大利亚"), ("New Zealand", "新西兰"),
    ("Kazakhstan", "哈萨克斯坦"), ("Uzbekistan", "乌兹别克斯坦"), ("Taiwan", "台湾"),
    ("Hong Kong", "香港"), ("Macau", "澳门"), ("Macao", "印尼"), ("Georgia", "格鲁吉亚"),
    ("Armenia", "亚美尼亚"), ("Azerbaijan", "阿塞拜疆"),
)
#: Large cities and regions, English and Chinese (the Chinese dictionary adds its own).
CITIES = (
    ("London", "伦敦"), ("Paris", "巴黎"), ("Berlin", "柏林"), ("Munich", "慕尼黑"),
    ("Hamburg", "汉堡"), ("Frankfurt", "法兰克福"), ("Vienna", "维也纳"), ("Zurich", "苏黎世"),
    ("Geneva", "日内瓦"), ("Rome", "罗马"), ("Milan", "米兰"), ("Madrid", "马德里"),
    ("Barcelona", "巴塞罗那"), ("Lisbon", "里斯本"), ("Amsterdam", "阿姆斯特丹"),
    ("Brussels", "布鲁塞尔"), ("Dublin", "都柏林"), ("Edinburgh", "爱丁堡"),
    ("Manchester", "曼彻斯特"), ("Stockholm", "斯德哥尔摩"), ("Oslo", "奥斯陆"),
    ("Copenhagen", "哥本哈根"), ("Helsinki", "赫尔辛基"), ("Warsaw", "华沙"), ("Prague", "布拉格"),
    ("Budapest", "布达佩斯"), ("Athens", "雅典"), ("Istanbul", "伊斯坦布尔"), ("Moscow", "莫斯科"),
    ("Kyiv", "基辅"), ("Lyon", "里昂"), ("Marseille", "马赛"), ("New York", "纽约"),
    ("Los Angeles", "洛杉矶"), ("San Francisco", "旧金山"), ("Chicago", "芝加哥"),
    ("Boston", "波士顿"), ("Seattle", "西雅图"), ("Houston", "休斯顿"), ("Miami", "迈阿密"),
    ("Toronto", "多伦多"), ("Vancouver", "温哥华"), ("Montreal", "蒙特利尔"),
    ("Mexico City", "墨西哥城"), ("Sydney", "悉尼"), ("Melbourne", "墨尔本"), ("Tokyo", "东京"),
    ("Osaka", "大阪"), ("Kyoto", "京都"), ("Seoul", "首尔"), ("Beijing", "北京"),
    ("Shanghai", "上海"), ("Guangzhou", "广州"), ("Shenzhen", "深圳"), ("Hangzhou", "杭州"),
    ("Chengdu", "成都"), ("Wuhan", "武汉"), ("Nanjing", "南京"), ("Tianjin", "天津"),
    ("Chongqing", "重庆"), ("Xi'an", "西安"), ("Suzhou", "苏州"), ("Taipei", "台北"),
    ("Mumbai", "孟买"), ("Delhi", "德里"), ("New Delhi", "新德里"), ("Bangalore", "班加罗尔"),
    ("Dubai", "迪拜"), ("Cairo", "开罗"), ("Bangkok", "曼谷"), ("Jakarta", "雅加达"),
    ("Kuala Lumpur", "吉隆坡"), ("Manila", "马尼拉"), ("Hanoi", "河内"),
    ("Ho Chi Minh City", "胡志明市"), ("Sao Paulo", "圣保罗"), ("Rio de Janeiro", "里约热内卢"),
    ("Buenos Aires", "布宜诺斯艾利斯"), ("Lagos", "拉各斯"), ("Nairobi", "内罗毕"),
    ("Johannesburg", "约翰内斯堡"), ("Cape Town", "开普敦"), ("Silicon Valley", "硅谷"),
)
_EN_PLACES = sorted({en for en, _ in (*COUNTRIES, *CITIES)} | set(US_STATES.values()),
                    key=len, reverse=True)
#: Countries, US states and large cities by their English names: places, not people, when
#: a name recognizer meets them beside a name ("John Smith, Paris").
EN_PLACE_NAMES = frozenset(_EN_PLACES)
_EN_PLACE = re.compile(r"(?<![\w\-])(?:" + "|".join(map(re.escape, _EN_PLACES))
                       + r")(?![\w\-])")
_ZH_PLACES = frozenset(zh for _, zh in (*COUNTRIES, *CITIES))

_CJK = "\u3400-\u4dbf\u4e00-\u9fff"
_CJK_RUN = re.compile(f"[{_CJK}]+")
#: Words that end a Chinese name going left: pronouns, verbs of living and moving, particles.
_ZH_STOP_WORDS = frozenset("""
我 你 您 他 她 它 我们 你们 他们 她们 咱们 的 在 是 了 和
与 及 或 跟 同 去 到 从 自 于 往 向 住 住在 位于 来自
寄 寄到 送到 发往 搬到 搬 地址 住址 为 是在 这 那 这个 那个 这家 那家
一家 一个 本 该 贵 家 工作 任职 就职 就读 毕业 毕业于 就读于 加入 成立 所在
所 请 把 给 由 被 对 也 都 还 又 很 就 说 要 会
能 有 没有 现在 目前 今年 去年 明年 已经 曾 曾经 后 前 再 先 联系
公司 单位 学校 医院 银行 城市 国家 地区 省 市 区 县 所有 各 每 某
其 其他 出生 出生于 生于 老家 家乡 籍贯 户籍 收件 收货 详细 新 旧 我家 他家
她家 个 位 名 间 座 些 上 下 里 中 内 外
""".split())  # noqa: SIM905 - as a list literal, four times as long

#: Particles and pronouns a name never starts with.
_ZH_STOP_CHARS = frozenset("于在到从是的和与及我你他她为把被")


class _ZhDictionary:
    """jieba's dictionary, read once: place words (ns) that name an administrative unit and
    organisation words (nt)."""

    _lock = threading.Lock()
    places: frozenset[str] = frozenset()
    orgs: frozenset[str] = frozenset()
    loaded = False

    @classmethod
    def load(cls) -> Any:
        from appliance.privacy.recognizers_zh_names import load_segmenter  # noqa: PLC0415

        tokenizer = load_segmenter()
        if cls.loaded:
            return tokenizer
        with cls._lock:
            if not cls.loaded:
                import jieba  # noqa: PLC0415

                tags: dict[str, str] = {}
                with jieba.get_dict_file() as f:
                    for line in f:
                        parts = line.decode("utf-8").split()
                        if len(parts) == 3 and parts[2] in ("ns", "nt"):
                            tags[parts[0]] = parts[2]
                # A place word counts when it carries an administrative suffix (杭州市) or
                # is the stem of one that does (杭州): the tag alone is noisy (城市, 美丽).
                admin = {w for w, t in tags.items()
                         if t == "ns" and len(w) >= 3 and w[-1] in "省市区县州"}
                stems = {w[:-1] for w in admin} | {w[:-2] for w in admin
                                                    if w.endswith(("新区", "自治区"))}
                cls.places = frozenset(admin | {w for w in stems
                                                 if len(w) >= 2 and tags.get(w) == "ns"})
                cls.orgs = frozenset(w for w, t in tags.items()
                                     if t == "nt" and len(w) >= 3 and w not in _ZH_NOT_ORGS)
                cls.loaded = True
        return tokenizer


#: Dictionary organisation words that are kinds of body, not one body.
_ZH_NOT_ORGS = frozenset(("国际化", "中南部", "联合会", "党组织", "解放区", "国家机关", "人民公社",
                          "交易所", "通讯社", "公安局", "人民政府", "人民法院", "人民检察院",
                          "高级中学", "文理学院", "理工学院", "委员会", "代表大会"))


def _zh_tokens(text: str) -> list[tuple[str, int]]:
    """jieba's words in each CJK run of ``text`` (digits and Latin letters between CJK words
    are their own tokens) with their start offsets."""
    tokenizer = _ZhDictionary.load()
    out = []
    for m in re.finditer(f"[{_CJK}0-9A-Za-z]+", text):
        if not _CJK_RUN.search(m.group()):
            continue
        pos = m.start()
        for w in tokenizer.lcut(m.group(), HMM=True):
            out.append((w, pos))
            pos += len(w)
    return out


def _zh_left_edge(text: str, end: int, limit: int = 24, keep_first: bool = False) -> int:
    """Where a Chinese name ending at ``end`` starts: going left over whole words until a
    stop word, a non-CJK character or ``limit`` characters (``keep_first``: the word just
    before ``end`` is taken whatever it is: 和平里 ends in 里)."""
    start = end
    lo = max(0, end - limit)
    run_start = start
    while run_start > lo and re.match(f"[{_CJK}0-9]", text[run_start - 1]):
        run_start -= 1
    if run_start == end:
        return end
    tokenizer = _ZhDictionary.load()
    words = tokenizer.lcut(text[run_start:end], HMM=True)
    for i, w in enumerate(reversed(words)):
        if w in _ZH_STOP_WORDS and not (keep_first and i == 0):
            break
        start -= len(w)
    while start < end and text[start] in _ZH_STOP_CHARS:
        start += 1  # 于清华大学: the segmenter joined a particle to the name
    return start


# ---- Addresses --------------------------------------------------------------------------------

_STREET_TYPES = (
    r"Street|St|Road|Rd|Avenue|Ave|Av|Boulevard|Blvd|Lane|Ln|Drive|Dr|Court|Ct|Place|Pl|"
    r"Square|Sq|Terrace|Ter|Way|Parkway|Pkwy|Highway|Hwy|Close|Crescent|Cres|Circle|Cir|"
    r"Trail|Trl|Row|Mews|Grove|Gardens|Gdns|Walk|Plaza|Alley|Expressway|Expy|Freeway|Fwy|"
    r"Route|Rte|Loop|Pike|Turnpike|Causeway|Embankment|Quay|Wharf|Broadway")
#: The rest of the US Postal Service's street suffixes people write out: words of prose too
#: (Key, Park, Union), so a street name must come before them (5498 Stephen Harbor).
_NAMED_STREET_TYPES = (
    r"Harbor|Harbour|Ridge|View|Tunnel|Hill|Hills|Heights|Park|Point|Port|Junction|Crossing|"
    r"Summit|Valley|Meadow|Meadows|Mill|Mills|Spring|Springs|Station|Stream|Vista|Villa|"
    r"Village|Ville|Well|Wells|Fork|Forks|Fort|Ford|Glen|Green|Haven|Island|Isle|Key|Knoll|"
    r"Lake|Lakes|Landing|Light|Lock|Manor|Mount|Mountain|Neck|Oval|Pass|Path|Pine|Pines|"
    r"Plain|Plains|Prairie|Ranch|Rapid|Rapids|Rest|Run|Shoal|Shore|Shores|Skyway|Trace|Track|"
    r"Trafficway|Underpass|Union|Vale|Via|Ways|Bypass|Camp|Canyon|Cape|Center|Centre|Cliff|"
    r"Club|Common|Corner|Corners|Course|Cove|Creek|Crest|Curve|Dale|Dam|Divide|Estate|"
    r"Estates|Extension|Falls|Ferry|Field|Fields|Flat|Flats|Forest|Forge|Garden|Gateway|"
    r"Burg|Burgs|Branch|Brook|Brooks|Bridge|Bluff|Bluffs|Bottom|Beach|Bend|Arcade|Orchard|"
    r"Overpass|Parks|Radial|Ramp|Ridges|River|Roads|Squares|Streets|Throughway|Unions|"
    r"Viaduct|Views|Wall")
_UNIT = (r"(?:Apt|Apartment|Suite|Ste|Unit|Flat|Room|Rm|Floor|Fl|Bldg|Building|#)\.?\s*#?\s*"
         r"[0-9A-Z][0-9A-Za-z\-]*")
_NAME_WORD = r"(?:[A-Z][A-Za-z'’.\-]*|[0-9]{1,3}(?:st|nd|rd|th)|of|the|de|la|del)"
_UK_POSTCODE = (r"(?:[A-PR-UWYZ][0-9]{1,2}|[A-PR-UWYZ][A-HK-Y][0-9]{1,2}"
                r"|[A-PR-UWYZ][0-9][A-HJKPSTUW]|[A-PR-UWYZ][A-HK-Y][0-9][ABEHMNPRVWXY])\s[0-9][ABD-HJLNP-UW-Z]{2}")
_CA_POSTCODE = r"[ABCEGHJ-NPRSTVXY][0-9][ABCEGHJ-NPRSTV-Z]\s?[0-9][ABCEGHJ-NPRSTV-Z][0-9]"
_STATE_ABBR = "|".join(US_STATES)
_STATE_NAME = "|".join(re.escape(s) for s in US_STATES.values())
_ZIP = r"[0-9]{5}(?:-[0-9]{4})?"
#: What may follow a street: ", City", ", CA 94043", ", London NW1 6XE", ", 75002 Paris".
#: Postcodes with a letter or hyphen in them: NL 1234 AB, PL 00-950, PT 1000-001, BR 01000-000,
#: JP 100-0001.
_OTHER_POSTCODE = (r"[1-9][0-9]{3}\s?(?!SS|SA|SD)[A-Z]{2}|[0-9]{2}-[0-9]{3}|[0-9]{4}-[0-9]{3}|"
                   r"[0-9]{5}-[0-9]{3}|[0-9]{3}-[0-9]{4}")
_TAIL_PART = (rf"(?:{_UNIT}|(?:{_STATE_ABBR})\.?\s+{_ZIP}|{_UK_POSTCODE}|{_CA_POSTCODE}|"
              r"[0-9]{4,5}\s+[A-Z][A-Za-zäöüéèàç\-]+|[0-9]{4,8}(?![\w\-])|"
              rf"{_OTHER_POSTCODE}|"
              r"[A-Z][A-Za-z'’.\-]+(?:\s+[A-Z][A-Za-z'’.\-]+){0,2}"
              rf"(?:\s+(?:{_STATE_ABBR}|{_UK_POSTCODE}|{_CA_POSTCODE}|{_ZIP}))?)"
              # Italy's province (Milano (MI)), Brazil's state (Recife / PE).
              r"(?:\s*\([A-Z]{2}\)|\s/\s[A-Z]{2}(?![\w\-]))?")
_TAIL = rf"(?:,?[ \t]+{_UNIT})?(?:[ \t]?,[ \t]*{_TAIL_PART}){{0,5}}"
_EN_STREET = (
    rf"(?:{_UNIT},?\s+)?[0-9]{{1,5}}[A-Za-z]?(?:[\-–/][0-9]{{1,5}}[A-Za-z]?)?,?\s+"
    rf"(?:(?:{_NAME_WORD}\s+){{0,4}}(?:{_STREET_TYPES})|(?:{_NAME_WORD}\s+){{1,4}}"
    rf"(?:{_NAMED_STREET_TYPES}))\b\.?(?:\s+(?:N|S|E|W|NE|NW|SE|SW)\b\.?)?")
_ROMANCE_STREET = (
    rf"(?:{_UNIT},?\s+)?[0-9]{{1,4}}(?:\s?(?:bis|ter))?,?\s+"
    r"(?:rue|avenue|av\.|boulevard|bd|place|chemin|allée|impasse|quai|route|cours|via|viale|"
    r"piazza|corso|calle|avenida|plaza|paseo|carrer|rua|praça)\s+"
    r"(?:(?:de|du|des|la|le|les|l'|d'|del|della|di|da|do|dos|de los|de las|el)\s*)*"
    r"[A-ZÉÀ][\w'\-]*(?:\s+(?:de|du|des|la|le|di|del)?\s*[A-ZÉÀ][\w'\-]*){0,3}")
_ROMANCE_STREET_FIRST = (
    r"(?:Via|Viale|Piazza|Piazzale|Corso|Largo|Vicolo|Strada|Contrada|Borgo|Rotonda|Calle|"
    r"Avenida|Av\.|Plaza|Paseo|Camino|Carrer|Cuesta|Ronda|Pasaje|Travesía|Glorieta|Rambla|"
    r"Callejón|Alameda|Rua|Travessa|Praça|Largo|Estrada|Rodovia|Alameda|Chácara|Residencial|"
    r"Quadra|Vila|Rue|Avenue|Boulevard|Chemin|Allée|Impasse|Quai|Ulica|ul\.|Aleja|al\.|"
    r"Plac|Osiedle)\s+"
    r"(?:(?:de|du|des|la|le|les|l'|d'|del|della|di|da|do|dos|das|de los|de las|el)\s*)*"
    r"[A-ZÀ-ÖØ-ÞĀ-Ž][\w'\-]*(?:\s+(?:(?:de|du|des|la|le|di|del|da|do|dos)\s+)?"
    r"[A-ZÀ-ÖØ-ÞĀ-Ž][\w'\-]*){0,3},?\s+(?:n[º°o]\.?\s*)?[0-9]{1,5}[A-Za-z]?(?:/[0-9]{1,4})?"
    r"(?:\s+(?:Apt|Apto|Piso|Piano|Puerta|Interno|Scala|Casa|Bloco|Lote|m\.|lok\.)\.?\s*"
    r"[0-9A-Za-zº°]{1,4})*")
_GERMANIC_STREET = (r"[A-ZÄÖÜ][\wäöüß\-]*(?:straße|strasse|str\.|[Ww]eg|gasse|[Pp]latz|allee|"
                    r"ring|damm|ufer|chaussee|laan|straat|gracht|plein|steeg|vej|gatan|gata|"
                    r"baan|singel|kade|dijk|hof|pad|-Straße|-Allee|-Ring)"
                    r"\s+[0-9]{1,4}[a-z]?(?:[/\-][0-9]{1,4}[a-z]?)?")
_PO_BOX = r"(?:P\.?\s?O\.?\s?Box|Post\s+Office\s+Box)\s+[0-9]{1,6}"
_EN_ADDRESS = re.compile(
    rf"(?<![\w\-])(?P<v>(?:{_EN_STREET}|{_ROMANCE_STREET}|{_ROMANCE_STREET_FIRST}|"
    rf"{_GERMANIC_STREET}|{_PO_BOX}){_TAIL})")
#: An address cue, and the rest of its line when that holds a digit.
_ADDRESS_LINE = re.compile(
    r"(?i)(?:(?:home|street|postal|mailing|shipping|billing|delivery|residential)\s+)?"
    r"(?:address|addr\.?|residence|Adresse|Anschrift|adresse|dirección|direccion|indirizzo|"
    r"adres|endereço|endereco|adres|住所)[\"']?[ \t]*(?:is|:|=|-)[ \t]*[\"']?"
    r"(?P<v>[^\n;|\"]{6,120}?)[ \t]*(?=\n|;|\||\"|\.(?:\s|$)|$)"
    r"|(?:地址|住址|住所|通讯地址|收货地址|家庭住址|联系地址|居住地)[ \t]*"
    r"(?:[:：是为]|位于)[ \t]*(?P<z>[^\n；;。，,|]{4,80})")

#: A Japanese address: prefecture, city or ward, district and 丁目・番・号, with the building
#: and room after it (東京都新宿区西新宿2丁目8番1号 ハイツ新宿101).
_JA_ADDRESS = re.compile(
    r"(?:〒?[0-9]{3}-[0-9]{4}\s*)?[\u4e00-\u9fff]{1,4}[都道府県][\u4e00-\u9fff\u30a0-\u30ff]{1,12}?"
    r"[市区町村郡][\u4e00-\u9fff\u30a0-\u30ffー]{0,10}?[0-9０-９]+丁目(?:[0-9０-９]+番(?:地)?)?"
    r"(?:[0-9０-９]+号)?(?:[ \t　]*[\u3040-\u30ff\u4e00-\u9fffーA-Za-z]{1,20}[0-9０-９]{1,5}"
    r"(?:号室)?)?")
_ZH_NUM = "0-9一二三四五六七八九十百千零〇两"
_ZH_ROAD = (rf"(?:[{_CJK}0-9]{{1,10}}?(?:大街|大道|路|街|巷|弄|胡同|里|村|道))"
            rf"(?:[{_ZH_NUM}]+(?:号|號|弄|巷))")
_ZH_BUILDING = (rf"(?:[{_CJK}A-Za-z0-9\-]{{0,12}}?[{_ZH_NUM}A-Za-z\-]+"
                r"(?:号楼|號樓|栋|棟|幢|座|单元|單元|楼|樓|层|層|室|号房|房|户|號|号))")
_ZH_ROAD_ADDRESS = re.compile(rf"{_ZH_ROAD}(?:{_ZH_BUILDING}){{0,4}}")
_ZH_ADMIN_UNIT = r"(?:省|自治区|特别行政区|市|自治州|地区|盟|区|县|旗|镇|乡|街道)"
_ZH_ADMIN_CHAIN = re.compile(
    rf"(?:[{_CJK}]{{2,8}}?(?:省|自治区|特别行政区))?(?:[{_CJK}]{{1,7}}?(?:市|自治州|盟))"
    rf"(?:[{_CJK}]{{1,7}}?(?:区|县|旗|市))(?:[{_CJK}]{{1,7}}?(?:镇|乡|街道))?"
    rf"|[{_CJK}]{{2,8}}?(?:省|自治区)[{_CJK}]{{1,7}}?(?:市|自治州|盟)")


class AddressRecognizer(OwnRecognizer):
    """English and Chinese street addresses (see the module docstring)."""

    ENTITY = "ADDRESS"
    # Above the places and organisations inside an address, which its span absorbs and types.
    SCORE = 0.95
    CUED = 1.0
    CHAIN = 0.92

    def load(self) -> None:
        _ZhDictionary.load()

    def analyze(self, text: str, entities: list[str],
                nlp_artifacts: NlpArtifacts | None = None) -> list[RecognizerResult]:
        if self.ENTITY not in entities:
            return []
        out = [make_result(self, self.ENTITY, *m.span("v"), self.SCORE, "street address")
               for m in _EN_ADDRESS.finditer(text)]
        for m in _ADDRESS_LINE.finditer(text):
            group = "v" if m.group("v") is not None else "z"
            value = m.group(group)
            if re.search(f"[0-9{_CJK}]", value) and (group == "z" or re.search("[0-9]", value)):
                out.append(make_result(self, self.ENTITY, *m.span(group), self.CUED,
                                       "line after an address cue", cued=True))
        if _CJK_RUN.search(text):
            out.extend(make_result(self, self.ENTITY, *m.span(), self.SCORE, "Japanese address")
                       for m in _JA_ADDRESS.finditer(text))
            for m in _ZH_ROAD_ADDRESS.finditer(text):
                start = _zh_left_edge(text, m.start() + _road_name_start(m.group()),
                                      keep_first=True)
                out.append(make_result(self, self.ENTITY, start, m.end(), self.SCORE,
                                       "road and number"))
            for m in _ZH_ADMIN_CHAIN.finditer(text):
                start = max(m.start(), _zh_left_edge(text, m.end()))
                if m.end() - start >= 4 and _admin_units(text[start:m.end()]) >= 2:
                    out.append(make_result(self, self.ENTITY, start, m.end(), self.CHAIN,
                                           "administrative units"))
        return out


def _road_name_start(road: str) -> int:
    """Where the left edge search starts within a matched road: its end (the edge search
    walks back over whole words, so the road's own name is included when it is a word)."""
    m = re.search(rf"(?:大街|大道|路|街|巷|弄|胡同|里|村|道)(?=[{_ZH_NUM}])", road)
    return m.end() if m else len(road)


def _admin_units(value: str) -> int:
    return len(re.findall(_ZH_ADMIN_UNIT, value))


# ---- Postcodes --------------------------------------------------------------------------------

class PostcodeRecognizer(RegexRecognizer):
    ENTITY = "POSTCODE"
    SCORE = 0.9  # above the NER model, which calls "IL 62704" an organisation
    REGEX = re.compile(
        rf"(?<![\w\-])(?P<v>{_UK_POSTCODE}|{_CA_POSTCODE})(?![\w\-])"
        rf"|(?<![\w\-])(?:{_STATE_ABBR}|{_STATE_NAME})\.?,?[ \t]+(?P<zip>{_ZIP})(?![\w\-])"
        r"|(?:^|\n|,)[ \t]*(?:[DFAI]-)?(?P<eu>[0-9]{5})[ \t]+(?=[A-ZÄÖÜÉ][a-zäöüßéèêàç])"
        r"|(?<![\w\-])(?i:zip(?:\s*code)?|post(?:al)?[\s_]*code|postcode|PLZ|code\s+postal|CAP|CEP|CP|"
        r"postleitzahl|c[oó]digo\s+postal|codice\s+postale|kod\s+pocztowy|"
        r"邮编|邮政编码|郵遞區號|郵編|郵便番号)[\"']?[ \t]*(?:[:：#=]|is)?[ \t]*[\"']?[ \t]*〒?"
        rf"(?P<cued>{_UK_POSTCODE}|{_CA_POSTCODE}|{_OTHER_POSTCODE}|[0-9]{{4,8}})"
        r"(?![\w\-])"
        # Formats of their own, where a 4- or 5-digit number would be anything: NL 1234 AB,
        # PL 00-950, PT 1000-001, BR 01000-000, JP 〒100-0001, after a comma, a line start or
        # before a city.
        rf"|(?:^|\n|,|〒)[ \t]*(?P<own>{_OTHER_POSTCODE})(?![\w\-])")

    def value_span(self, match: re.Match[str]) -> tuple[int, int]:
        for group in ("v", "zip", "eu", "cued", "own"):
            if match.group(group) is not None:
                return match.span(group)
        return match.span()


# ---- Form fields ------------------------------------------------------------------------------

#: A capitalised word of a name in any European language (Bolaños, Łódź, O'Neill, Wilson-Hodges).
_CAP_WORD = r"[A-ZÀ-ÖØ-ÞĀ-Ž][\w'’.\-]*"


def _field_values(labels: str, text: str) -> list[tuple[int, int]]:
    """The values after a form label, a CSV-style header cell or a JSON key (``Company: …``,
    ``"city": "…"``), up to the end of the line or the closing quote."""
    out = []
    pattern = re.compile(
        rf"(?i)(?<![\w\-])(?:{labels})[\"']?[ \t]*[:：=][ \t]*[\"']?[ \t]*"
        r"(?P<v>[^\n\"';|<>{}\[\]]{2,80})")
    for m in pattern.finditer(text):
        start, end = m.span("v")
        value = m.group("v").rstrip(" \t,")  # a quoted value stops at its quote
        end = start + len(value)
        if any(c.isalpha() for c in value):
            out.append((start, end))
    return out


# ---- Places -----------------------------------------------------------------------------------

#: Form labels of a place, in the languages of European forms.
_PLACE_LABELS = (r"city|town|village|location|place\s+of\s+birth|birth\s*place|hometown|"
                 r"country(?:\s+of\s+(?:birth|residence))?|state|province|region|county|"
                 r"Stadt|Ort|Wohnort|Geburtsort|Land|ville|pays|lieu(?:\s+de\s+naissance)?|"
                 r"ciudad|país|pais|localidad|provincia|città|citta|paese|comune|luogo|"
                 r"plaats|woonplaats|stad|cidade|estado|miasto|miejscowość|kraj|城市|都市|"
                 r"所在地|出生地|市区町村")
#: A place after the words that introduce one: lives in, moved to, born in, I'm from.
_PLACE_CUED = re.compile(
    r"(?i:\b(?:(?:live[sd]?|living|reside[sd]?|residing|based|located|settled|stationed|"
    r"born|raised|grew\s+up|stays?|staying|office|offices|headquartered|work(?:s|ed|ing)?)"
    r"\s+in|(?:moved|moving|relocated?|relocating|travel(?:l?ed|l?ing)?|flew|flying|"
    r"emigrated|immigrated)\s+to|(?:am|is|are|was|were|'m|'s|come[s]?|came|hails?)\s+from|"
    r"native\s+of|resident\s+of|near|outside|suburbs?\s+of))\s+"
    rf"(?P<v>[{_CJK}]{{2,12}}|{_CAP_WORD}(?:[ \-](?:(?:de|del|la|le|les|am|an|im|upon|on|sur|"
    rf"di|do|da|aan|den|op)[ \-])?{_CAP_WORD}){{0,3}})")
#: Capitalised words after such a cue that are not places: days, months, pronouns, articles.
_NOT_PLACE_WORD = re.compile(
    rf"(?:{_WEEKDAYS_RE}|{_MONTHS_RE}|The|A|An|This|That|These|Those|My|Our|Your|His|Her|"
    r"Their|It|I|We|He|She|They|Today|Tomorrow|Yesterday|Spring|Summer|Autumn|Fall|Winter|"
    r"Christmas|Easter|Room|Section|Chapter|Version|Step|Order|Phase|Q[1-4]|Mr|Mrs|Ms|Dr)\.?")


class PlaceRecognizer(OwnRecognizer):
    """Countries, states and cities from the gazetteers, and Chinese administrative places."""

    ENTITY = "LOCATION"
    # Above the NER model's 0.85: Presidio keeps one of two equal spans of a type, the higher,
    # and the model's alone may be dropped as an ordinary word (China, Turkey).
    SCORE = 0.9
    CUED_SCORE = 0.9  # above the NER model: its LOCATION alone may be dropped as a word

    def load(self) -> None:
        _ZhDictionary.load()

    def analyze(self, text: str, entities: list[str],
                nlp_artifacts: NlpArtifacts | None = None) -> list[RecognizerResult]:
        if self.ENTITY not in entities:
            return []
        out = [make_result(self, self.ENTITY, *m.span(), self.SCORE, "gazetteer")
               for m in _EN_PLACE.finditer(text)]
        out.extend(make_result(self, self.ENTITY, start, end, self.SCORE, "place field")
                   for start, end in _field_values(_PLACE_LABELS, text))
        for m in _PLACE_CUED.finditer(text):
            start, end = m.span("v")
            words = text[start:end].split()
            while words and _NOT_PLACE_WORD.fullmatch(words[-1].strip(".,")):
                end -= len(words.pop()) + 1  # moved to Boston Monday
            if words and not _NOT_PLACE_WORD.fullmatch(words[0]):
                out.append(make_result(self, self.ENTITY, start,
                                       end - text[start:end].endswith("."),
                                       self.CUED_SCORE, "place after a cue"))
        if _CJK_RUN.search(text):
            _ZhDictionary.load()
            for word, start in _zh_tokens(text):
                if word in _ZH_PLACES or word in _ZhDictionary.places:
                    out.append(make_result(self, self.ENTITY, start, start + len(word),
                                           self.SCORE, "place in the dictionary"))
        return out


class NerFacilityRecognizer(OwnRecognizer):
    """spaCy's FAC entities (airports, bridges, buildings), which Presidio's default label
    mapping does not name, as LOCATION."""

    ENTITY = "LOCATION"
    SCORE = 0.6

    def analyze(self, text: str, entities: list[str],
                nlp_artifacts: NlpArtifacts | None = None) -> list[RecognizerResult]:
        if self.ENTITY not in entities or nlp_artifacts is None:
            return []
        return [make_result(self, self.ENTITY, e.start_char, e.end_char, self.SCORE,
                            "NER facility")
                for e in nlp_artifacts.entities if e.label_ == "FAC"]


# ---- Organisations ----------------------------------------------------------------------------

_ORG_FORMS = (r"Inc|Incorporated|Ltd|Limited|LLC|L\.L\.C|LLP|PLC|plc|GmbH|gGmbH|AG|KG|SE|"
              r"S\.A|SA|S\.A\.S|SAS|SARL|S\.p\.A|SpA|S\.r\.l|Srl|B\.V|BV|N\.V|NV|Oy|AB|ASA|A/S|"
              r"Pty|Pte|K\.K|Co|Corp|Corporation|Bank|University|College|Hospital|Clinic|"
              r"Institute|Foundation|Laboratories|Pharmaceuticals|Airlines|Bancorp")
#: Legal forms and family-firm endings of more countries (Spain's S.L., Poland's Sp. z o.o.,
#: Brazil's Ltda., Italy's e figli), some written in lower case.
_MORE_ORG_FORMS = (r"S\.L\.N\.E|S\.L|SL|S\.A\.D|S\.Coop|S\.C|s\.c|Sp\.\s?j|Sp\.\s?k|"
                   r"Sp\.\s?z\s?o\.o|e\.\s?V|KGaA|OHG|GbR|mbH|UG|Ltda|EIRELI|SPA|S\.P\.A|"
                   r"s\.p\.a|s\.r\.l|srl|s\.a|VOF|Cia|Partners|Associates|Group|Holdings?|"
                   r"(?:and|&|e|y|et|en|und|i)\s+(?:Sons|Son|Fils|Filhos|figli|Hijos|hijos|"
                   r"Zonen|zonen|syn|synowie|Söhne|asociados|associati|Associados|Asociados|"
                   r"Partners|Associates|Co)")
#: Words that open an organisation's name (Grupo Rojas, Stichting Vermeer, PPUH Kiryluk).
_ORG_OPENERS = (r"Grupo|Gruppo|Groupe|Stichting|Fundacja|Fundación|Fondazione|Stiftung|"
                r"Spółdzielnia|Stowarzyszenie|Gabinety|Hnos|Hermanos|Comercial|Industrias|"
                r"PPUH|PHU|FHU|PPH|Laboratorios|Transportes|Construcciones|Banco|Banca")
_ORG_LINK = r"(?:,\s+|\s+(?:&|and|y|e|et|en|und|i|of|de|di|da|do|van|von|der|den|del)\s+|\s+)"
_EN_ORG = re.compile(
    r"(?<![\w\-])(?P<v>(?:[A-Z][\w&'’.\-]*\s+(?:&\s+|and\s+|of\s+|de\s+)?){1,4}"
    rf"(?:&\s+)?(?:{_ORG_FORMS})\b\.?"
    rf"|{_CAP_WORD}(?:{_ORG_LINK}{_CAP_WORD}){{0,4}}\s+(?:{_MORE_ORG_FORMS})(?![\w\-])\.?"
    rf"|(?:{_ORG_OPENERS})\s+{_CAP_WORD}(?:{_ORG_LINK}{_CAP_WORD}){{0,3}}"
    rf"(?:\s+(?:{_MORE_ORG_FORMS}|{_ORG_FORMS})(?![\w\-])\.?)?"
    # Three surnames in a firm's name: Kelly, White and Clark (not after a comma: the end
    # of a longer list).
    r"|(?<!,\s)(?P<f>[A-Z][a-z]+,\s+[A-Z][a-z]+,?\s+(?:and|&|e|y|et|en|und)\s+[A-Z][a-z]+)"
    r"(?!,?\s+(?:and|&)\s)(?![\w\-])"
    r"|(?:University|Bank|Institute|College|Hospital|Museum|Ministry|Department)\s+of\s+"
    r"(?:the\s+)?[A-Z][\w\-]+(?:\s+[A-Z][\w\-]+){0,2})"
    # An employer named by what people do there: works at Accenture, joined Barclays.
    r"|(?:\b(?:work(?:s|ed|ing)?\s+(?:at|for)|joined|employed\s+(?:at|by)|hired\s+by|"
    r"interview(?:ed|ing)?\s+(?:with|at)|(?:job|internship|position)\s+at|employer:?|"
    r"team\s+at|(?:contract|agreement|partnership|deal)\s+with|partnered\s+with|"
    r"on\s+behalf\s+of)\s+)"
    rf"(?P<c>{_CAP_WORD}(?:{_ORG_LINK}{_CAP_WORD}){{0,3}}(?:\s+(?:{_MORE_ORG_FORMS})\.?)?)")
#: Form labels of an organisation, in the languages of European forms.
_ORG_LABELS = (r"company(?:\s+name)?|employer|organi[sz]ation|firm|business(?:\s+name)?|"
               r"Firma|Arbeitgeber|Unternehmen|société|entreprise|employeur|empresa|"
               r"empleador|azienda|società|datore\s+di\s+lavoro|bedrijf|werkgever|"
               r"pracodawca|公司|单位|工作单位|会社|勤務先")
_ORG_FORM_END = re.compile(rf"\b(?:{_ORG_FORMS})\.$")
_ZH_ORG_SUFFIX = re.compile(
    r"(?:株式会社|有限会社|合同会社|合資会社|合名会社|股份有限公司|有限责任公司|有限公司|集团|银行|大学|学院|医院|研究所|研究院|事务所|"
    r"公司|中学|小学|基金会|协会|实验室|科技|律师事务所)")

#: A Japanese company's legal form before its name (株式会社鈴木鉱業).
_JA_ORG_PREFIX = re.compile(r"(?:株式会社|有限会社|合同会社|合資会社|合名会社)"
                            r"[\u3040-\u30ff\u4e00-\u9fffー]{1,12}")



class OrganizationRecognizer(OwnRecognizer):
    ENTITY = "ORGANIZATION"
    SCORE = 0.9  # above the NER model's, as PlaceRecognizer's (Google, Apple are words too)

    def load(self) -> None:
        _ZhDictionary.load()

    def analyze(self, text: str, entities: list[str],
                nlp_artifacts: NlpArtifacts | None = None) -> list[RecognizerResult]:
        if self.ENTITY not in entities:
            return []
        out = []
        for m in _EN_ORG.finditer(text):
            if m.group("f") is not None and any(
                    w in EN_PLACE_NAMES for w in re.findall(r"[A-Z][a-z]+", m.group("f"))):
                continue  # Kyoto, Osaka and Vienna: a list of places
            start, end = m.span("v" if m.group("v") is not None else "c")
            end -= text[start:end].endswith(".") and not _ORG_FORM_END.search(text, 0, end)
            while start < end and text[start:end].split(" ", 1)[0] in ("The", "A", "An"):
                start += len(text[start:end].split(" ", 1)[0]) + 1
            out.append(make_result(self, self.ENTITY, start, end, self.SCORE, "legal form"))
        out.extend(make_result(self, self.ENTITY, start, end, self.SCORE, "organisation field")
                   for start, end in _field_values(_ORG_LABELS, text))
        if _CJK_RUN.search(text):
            _ZhDictionary.load()
            for word, start in _zh_tokens(text):
                if word in _ZhDictionary.orgs:
                    out.append(make_result(self, self.ENTITY, start, start + len(word),
                                           self.SCORE, "organisation in the dictionary"))
            for m in _ZH_ORG_SUFFIX.finditer(text):
                start = _zh_left_edge(text, m.start())
                if m.start() - start >= 2:
                    out.append(make_result(self, self.ENTITY, start, m.end(), self.SCORE,
                                           "name and organisation suffix"))
            for m in _JA_ORG_PREFIX.finditer(text):
                out.append(make_result(self, self.ENTITY, *m.span(), self.SCORE,
                                       "organisation prefix and name"))
        return out


# ---- Ages -------------------------------------------------------------------------------------

_AGE_NUM = r"(?:1[0-2][0-9]|[1-9]?[0-9])"
_ZH_AGE_NUM = "一二三四五六七八九十两"
#: "Age:" in the languages of European forms (Alter, âge, edad, età, idade, leeftijd, wiek).
_AGE_CUES = (r"(?:alter|âge|age|edad|età|eta|idade|leeftijd|wiek|ålder|alder|ikä|věk|возраст)"
             r"\s*[:=]")
#: Years after an age in those languages (42 Jahre, 42 ans, 42 años, 42 anni, 42 jaar, 42 lat).
_AGE_UNITS = (r"Jahre(?:\s+alt)?|J\.|ans|años|anni|anos|jaar(?:\s+oud)?|lat|år|vuotta|"
              r"歳|세|yo")

#: Two capitalised words and an opening bracket: a name with its age after it.
_NAME_BEFORE_BRACKET = re.compile(r"(?<![\w\-])[A-Z][a-z\u00e0-\u024f'’\-]+"
                                  r"(?:\s+[A-Z][a-z\u00e0-\u024f'’\-]+)+\s\($")


class AgeRecognizer(RegexRecognizer):
    ENTITY = "AGE"
    REGEX = re.compile(
        rf"(?i)(?<![\w.])(?P<v>{_AGE_NUM}(?:[\s\-]*(?:years?|yrs?)[\s\-]*old|[\s\-]*y/?o\b"
        rf"|[\s\-]*(?:years?|yrs?)\s+of\s+age|-year-old|[\s\-]*(?:months?|weeks?)[\s\-]*old"
        rf"|\s?(?:yrs?|y\.o\.|{_AGE_UNITS})(?![\w\-])))"
        rf"|(?i:\baged?|\bage\s*[:=]|\bage\s+of|\bat\s+the\s+age\s+of|{_AGE_CUES})"
        rf"[ \t]*(?P<a>{_AGE_NUM})(?![0-9.])"
        # A name and the age in brackets after it (Ana Lima (42)), the way lists write it.
        rf"|(?<!\w)[A-Z][\w'’\-]+\s\((?P<br>{_AGE_NUM})\)"
        rf"(?=\s*[,;:.]|\s+(?:is|was|has|had|and|from|of|in|joined|lives))"
        rf"|(?:年龄|年齡|岁数)[ \t]*(?:[:：是为]|大约|约)?[ \t]*"
        rf"(?P<zh>{_AGE_NUM}|[{_ZH_AGE_NUM}]{{1,4}})"
        rf"(?:周?岁)?"
        rf"|(?<![0-9{_ZH_AGE_NUM}万])(?P<sui>(?:{_AGE_NUM}|[{_ZH_AGE_NUM}]{{1,4}})周?岁半?)"
        # A bare number said of a person: "I'm 34", "she is 71 and retired", "turned 18".
        rf"|(?i:(?<![\w'’])(?:i'?m|i\s+am|(?:he|she)(?:'s|\s+is|\s+was)|they(?:'re|\s+are)|"
        rf"(?:who|which)(?:'s|\s+is)|just\s+turned|turned|turns|turning))\s+"
        rf"(?P<st>{_AGE_NUM})(?=\s*(?:[,;!?)]|\.(?![0-9])|$)|\s+(?:and|but|now|today|this|"
        rf"next|last|with|since|so|already|yet)\b)")
    SCORE = 0.85

    def accept(self, match: re.Match[str], cued: bool) -> tuple[float, str] | None:
        if match.group("br") is not None and not _NAME_BEFORE_BRACKET.search(
                match.string, 0, match.start("br")):
            return None  # chapter (3), Python (3): a number in brackets after anything else
        return self.SCORE, "pattern"

    def value_span(self, match: re.Match[str]) -> tuple[int, int]:
        for group in ("v", "a", "br", "zh", "sui", "st"):
            if match.group(group) is not None:
                return match.span(group)
        return match.span()


# ---- Dates and times --------------------------------------------------------------------------

_MONTH_NAMES = (r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|"
                r"Aug(?:ust)?|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?")
_WEEKDAYS = (r"(?:Mon(?:day)?|Tue(?:s(?:day)?)?|Wed(?:nesday)?|Thu(?:r(?:s(?:day)?)?)?|"
             r"Fri(?:day)?|Sat(?:urday)?|Sun(?:day)?)")
_D = r"(?:0?[1-9]|[12][0-9]|3[01])"
_M = r"(?:0?[1-9]|1[0-2])"
_Y = r"(?:1[89][0-9]{2}|20[0-9]{2})"
_CLOCK = (r"(?:[01]?[0-9]|2[0-3])[:：][0-5][0-9](?:[:：][0-5][0-9](?:[.,][0-9]{1,9})?)?"
          r"(?:\s?(?:[AaPp]\.[Mm]\.|[AaPp][Mm]))?(?:\s?(?:Z|UTC|GMT|[+-][0-9]{2}:?[0-9]{2}))?"
          r"|(?:1[0-2]|0?[1-9])\s?(?:[AaPp]\.[Mm]\.|[AaPp][Mm])(?![A-Za-z])")
_ZH_DIGIT = "0-9〇零一二三四五六七八九十"
_ZH_DATE = (rf"(?:[{_ZH_DIGIT}]{{2,4}}年)?[{_ZH_DIGIT}]{{1,2}}月[{_ZH_DIGIT}]{{1,3}}[日号號]"
            rf"|[0-9〇零一二三四五六七八九]{{4}}年(?:[{_ZH_DIGIT}]{{1,2}}月)?"
            rf"|(?:上午|下午|晚上|早上|凌晨|中午|傍晚)?[{_ZH_DIGIT}两]{{1,3}}[点點时時](?:[{_ZH_DIGIT}]{{1,3}}分|半|整)?")
_DATE_TIME = re.compile(
    rf"(?<![A-Za-z0-9.\-/])(?P<v>(?:{_WEEKDAYS},?\s+)?(?:"
    rf"{_Y}[-/.]{_M}[-/.]{_D}(?:(?:T|\s+){_CLOCK})?"
    rf"|{_D}[-/.]{_M}[-/.](?:{_Y}|[0-9]{{2}})(?:\s+{_CLOCK})?"
    rf"|{_M}[-/.]{_D}[-/.](?:{_Y}|[0-9]{{2}})(?:\s+{_CLOCK})?"
    rf"|{_MONTH_NAMES}\s+{_D}(?:st|nd|rd|th)?(?:,?\s+{_Y})?"
    rf"|{_D}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH_NAMES}(?:,?\s+{_Y})?"
    rf"|{_MONTH_NAMES},?\s+{_Y}"
    rf"|{_Y}-(?:0[1-9]|1[0-2])"
    rf"|{_CLOCK})(?:\s+(?:at\s+)?(?:{_CLOCK}))?)(?![A-Za-z0-9/])"
    rf"|(?P<zh>{_ZH_DATE})")


class DateTimeRecognizer(RegexRecognizer):
    ENTITY = "DATE_TIME"
    REGEX = _DATE_TIME
    SCORE = 0.8

    def value_span(self, match: re.Match[str]) -> tuple[int, int]:
        return match.span("v" if match.group("v") is not None else "zh")


# ---- URLs -------------------------------------------------------------------------------------

#: Top-level domains a bare host name (acme-shop.de, no scheme, no www.) ends with: the common
#: generic ones and Europe's, the Americas' and Asia's country codes that are not also file
#: extensions a prompt names (.py, .md, .sh are files, not hosts).
_TLDS = ("com|org|net|edu|gov|biz|info|name|mobi|app|dev|shop|online|site|store|tech|cloud|"
         "co|uk|de|fr|es|it|nl|be|ch|at|se|dk|fi|ie|eu|pt|br|ar|cl|mx|au|nz|ca|us|jp|cn|kr|"
         "hk|tw|sg|ru|ua|cz|sk|hu|ro|bg|gr|tr|za|ng|ke|pe|uy|ve|lu|lt|lv|ee|si|hr|rs|is")
_URL_CHARS = r"[^\s<>\"'`()\[\]{}|\\^]"
_URL = re.compile(
    rf"(?<![\w@.\-/])(?P<v>(?:(?:https?|ftps?|sftp|wss?)://|www\.){_URL_CHARS}+"
    rf"(?:\({_URL_CHARS}*\){_URL_CHARS}*)*"
    rf"|(?:[^\W_](?:[\w\-]*[^\W_])?\.)+(?:{_TLDS})(?::[0-9]{{2,5}})?(?![\w\-@])"
    rf"(?:[/?#]{_URL_CHARS}*)?)", re.IGNORECASE)


class WholeUrlRecognizer(RegexRecognizer):
    """Whole URLs: with a scheme or www., or a host name with a known top-level domain, with
    its port, path, query and fragment, the sentence's closing punctuation left out (Presidio's
    own pattern stops at a port or inside .biz)."""

    ENTITY = "URL"
    REGEX = _URL
    SCORE = 0.9

    def value_span(self, match: re.Match[str]) -> tuple[int, int]:
        start, end = match.span("v")
        value = match.group("v")
        trimmed = value.rstrip(".,;:!?'\"’”»…")
        return start, end - (len(value) - len(trimmed))


# ---- Nationality ------------------------------------------------------------------------------

_ZH_COUNTRY = "|".join(sorted((zh for _, zh in COUNTRIES), key=len, reverse=True))
_NRP = re.compile(
    rf"(?:国籍|國籍|民族)[ \t]*(?:[:：是为]|为)?[ \t]*(?P<z>[{_CJK}]{{1,8}}?(?:族|籍|国|人)?)"
    rf"(?=[\s，,。；;、)）]|$)"
    rf"|(?P<ji>(?:{_ZH_COUNTRY})籍|外籍|(?:{_ZH_COUNTRY})人(?![民口工才员士物气家]))"
    r"|(?i:nationality|citizenship|ethnicity)[ \t]*(?::|is|=)?[ \t]*"
    r"(?P<e>[A-Z][a-z]+(?:\s[A-Z][a-z]+)?)")


class NationalityRecognizer(RegexRecognizer):
    ENTITY = "NRP"
    REGEX = _NRP
    SCORE = 0.95  # after a cue: above the country gazetteer's LOCATION (国籍 中国)

    def value_span(self, match: re.Match[str]) -> tuple[int, int]:
        for group in ("z", "ji", "e"):
            if match.group(group) is not None:
                return match.span(group)
        return match.span()


# ---- What the NER model and Presidio's patterns get wrong ------------------------------------

_ORG_WORDS = re.compile(rf"(?:^|\s)(?:{_ORG_FORMS}|Group|Company|Holdings|Agency|Council|"
                        r"Association|Society|Museum|Ministry|Department|Church|School|"
                        r"Academy|Commission|Committee|Union|Party|Airport|Station|Park)\.?$")
_DATE_WORD = re.compile(rf"(?i)[0-9]|\b{_MONTH_NAMES}\b|\b{_WEEKDAYS}\b")
#: Acronyms of formats and computing, never places or bodies.
_TECH_ACRONYMS = frozenset((
    "JSON", "XML", "HTML", "CSS", "API", "SQL", "CSV", "PDF", "HTTP", "HTTPS", "URL", "REST",
    "YAML", "TOML", "UTF", "ASCII", "CPU", "GPU", "RAM", "SSD", "USB", "LLM", "AI", "ML", "NLP",
    "SDK", "CLI", "GUI", "UI", "UX", "FAQ", "ID", "OK", "TODO", "UUID", "JWT", "TLS", "SSL",
    "DNS", "TCP", "UDP", "IP", "SSH", "FTP", "OCR", "ETL", "CRM", "ERP", "KPI", "ROI", "SaaS",
    "PNG", "JPEG", "GIF", "SVG", "MP4", "RGB", "ISO", "ASAP", "FYI", "PS", "QA", "PR", "CI",
    "CD", "OS", "VM", "AWS", "GCP", "LaTeX", "GraphQL", "gRPC", "RPC", "DOM", "MVP", "SLA",
))
#: Nationalities, peoples and faiths: the NER model's NORP findings that are groups (it also
#: calls Boolean, Gaussian and Victorian NORP, which are adjectives from names).
DEMONYMS = frozenset((
    "American", "British", "English", "Scottish", "Welsh", "Irish", "French", "German",
    "Italian", "Spanish", "Portuguese", "Dutch", "Belgian", "Swiss", "Austrian", "Swedish",
    "Norwegian", "Danish", "Finnish", "Icelandic", "Polish", "Czech", "Slovak", "Hungarian",
    "Romanian", "Bulgarian", "Greek", "Turkish", "Russian", "Ukrainian", "Belarusian",
    "Croatian", "Serbian", "Slovenian", "Estonian", "Latvian", "Lithuanian", "Canadian",
    "Mexican", "Brazilian", "Argentine", "Argentinian", "Chilean", "Peruvian", "Colombian",
    "Venezuelan", "Cuban", "Chinese", "Japanese", "Korean", "Mongolian", "Indian", "Pakistani",
    "Bangladeshi", "Nepali", "Afghan", "Iranian", "Persian", "Iraqi", "Syrian", "Israeli",
    "Palestinian", "Jordanian", "Lebanese", "Saudi", "Emirati", "Egyptian", "Moroccan",
    "Algerian", "Tunisian", "Libyan", "Nigerian", "Kenyan", "Ethiopian", "Ghanaian",
    "South African", "Indonesian", "Malaysian", "Singaporean", "Thai", "Vietnamese", "Filipino",
    "Australian", "New Zealander", "Taiwanese", "Tibetan", "Uyghur", "Kurdish", "Arab", "Arabic",
    "European", "Asian", "African", "Latino", "Latina", "Hispanic", "Jewish", "Muslim",
    "Christian", "Catholic", "Protestant", "Buddhist", "Hindu", "Sikh", "Orthodox", "Mormon",
    "Democrat", "Republican", "Communist", "Socialist", "Conservative", "Liberal", "Brit",
    "Scot", "Swede", "Dane", "Finn", "Pole", "Turk", "Jew", "Han", "Cantonese", "Mandarin",
    "Americans", "Chinese-American", "Québécois", "Bavarian", "Catalan", "Basque", "Sri Lankan",
    # The rest of the world's nationalities, as English writes them.
    "Afghani", "Albanian", "Andorran", "Angolan", "Antiguan", "Armenian", "Azerbaijani",
    "Azeri", "Bahamian", "Bahraini", "Barbadian", "Belizean", "Beninese", "Bhutanese",
    "Bolivian", "Bosnian", "Herzegovinian", "Botswanan", "Motswana", "Batswana", "Bruneian",
    "Burkinabe", "Burmese", "Burundian", "Cambodian", "Cameroonian", "Cape Verdean",
    "Central African", "Chadian", "Comoran", "Congolese", "Costa Rican", "Ivorian", "Cypriot",
    "Djiboutian", "Dominican", "Ecuadorian", "Ecuadorean", "Salvadoran", "Salvadorean",
    "Equatorial Guinean", "Eritrean", "Eswatini", "Swazi", "Fijian", "Gabonese", "Gambian",
    "Georgian", "Grenadian", "Guatemalan", "Guinean", "Bissau-Guinean", "Guyanese", "Haitian",
    "Honduran", "Hong Konger", "Jamaican", "Kazakh", "Kazakhstani", "Kiribati", "Kosovar",
    "Kuwaiti", "Kyrgyz", "Lao", "Laotian", "Liberian", "Liechtensteiner", "Luxembourgish",
    "Luxembourger", "Macedonian", "North Macedonian", "Malagasy", "Malawian", "Maldivian",
    "Malian", "Maltese", "Marshallese", "Mauritanian", "Mauritian", "Micronesian", "Moldovan",
    "Monegasque", "Montenegrin", "Mozambican", "Namibian", "Nauruan", "Nepalese", "Ni-Vanuatu",
    "Nicaraguan", "Nigerien", "North Korean", "Omani", "Palauan", "Panamanian",
    "Papua New Guinean", "Paraguayan", "Puerto Rican", "Qatari", "Rwandan", "Kittitian",
    "Saint Lucian", "Vincentian", "Samoan", "Sammarinese", "Santomean", "Senegalese",
    "Seychellois", "Sierra Leonean", "Slovene", "Solomon Islander", "Somali", "Somalian",
    "South Korean", "South Sudanese", "Sudanese", "Surinamese", "Syrian", "Tajik", "Tajikistani",
    "Tanzanian", "Timorese", "Togolese", "Tongan", "Trinidadian", "Tobagonian", "Turkmen",
    "Tuvaluan", "Ugandan", "Uruguayan", "Uzbek", "Uzbekistani", "Vanuatuan", "Yemeni",
    "Zambian", "Zimbabwean", "Kiwi", "Aussie", "Emirian", "Greenlandic", "Faroese", "Flemish",
    "Walloon", "Corsican", "Sicilian", "Sardinian", "Galician", "Cornish", "Northern Irish",
    "Maori", "Māori", "Aboriginal", "Inuit", "Roma", "Romani", "Berber", "Amazigh", "Tamil",
    "Punjabi", "Bengali", "Gujarati", "Pashtun", "Baloch", "Hazara", "Yoruba", "Igbo", "Hausa",
    "Zulu", "Xhosa", "Maasai", "Tutsi", "Hutu", "Druze", "Copt", "Coptic", "Armenians",
    "Hindus", "Muslims", "Sikhs", "Jews", "Christians", "Buddhists", "Evangelical", "Lutheran",
    "Anglican", "Baptist", "Methodist", "Presbyterian", "Shia", "Shiite", "Sunni", "Atheist",
))
#: Nationality words that are also languages: "translate into plain English" is a language.
_LANGUAGE_DEMONYMS = frozenset((
    "English", "French", "German", "Spanish", "Italian", "Portuguese", "Dutch", "Chinese",
    "Japanese", "Korean", "Russian", "Arabic", "Greek", "Turkish", "Polish", "Swedish", "Danish",
    "Norwegian", "Finnish", "Czech", "Hungarian", "Romanian", "Ukrainian", "Hindi", "Persian",
    "Vietnamese", "Thai", "Indonesian", "Hebrew", "Mandarin", "Cantonese", "Catalan", "Basque",
    "Tamil", "Punjabi", "Bengali", "Gujarati", "Latin", "Swahili", "Icelandic", "Slovak",
    "Croatian", "Serbian", "Bulgarian", "Slovenian", "Estonian", "Latvian", "Lithuanian",
    "Albanian", "Armenian", "Georgian", "Malay", "Filipino", "Welsh", "Irish", "Galician",
    "Flemish", "Maltese", "Somali", "Yoruba", "Igbo", "Hausa", "Zulu", "Xhosa", "Mongolian",
    "Kazakh", "Uzbek", "Burmese", "Nepali", "Nepalese", "Pashto", "Urdu", "Malagasy",
))
_DEMONYM = re.compile(
    r"(?<![\w\-])(?P<v>" + "|".join(map(re.escape, sorted(DEMONYMS, key=len, reverse=True)))
    + r")s?(?![\w\-])")
#: Words before a language name: "in English", "speaks French", "from German into Spanish".
_LANGUAGE_CUE = re.compile(
    r"(?i)(?:\b(?:in|into|to|from|plain|speak|speaks|spoke|speaking|learn|learning|learned|"
    r"fluent|native|write|written|translate|translated|and|or|british|american|simplified|"
    r"traditional|modern|old|middle|classical|standard|business|basic))\s*$")
#: Words after a language name: "English text", "French translation".
_LANGUAGE_AFTER = re.compile(
    r"\s+(?:text|texts|version|versions|translation|translations|language|languages|"
    r"speakers?|words?|sentences?|grammar|spelling|dictionary|subtitles|keyboard|locale|"
    r"teacher|class|course|lessons?|literature|edition|original|word|name|names|"
    r"documentation|docs|prompt|prompts|output|input|model|tokenizer)\b")
class DemonymRecognizer(RegexRecognizer):
    """Nationalities, peoples and faiths by name (Nigerian, Sri Lankan, Buddhist), capitalised
    as written; a word that is also a language is left where it reads as the language
    (in plain English, French text)."""

    ENTITY = "NRP"
    REGEX = _DEMONYM
    SCORE = 0.8

    def accept(self, match: re.Match[str], cued: bool) -> tuple[float, str] | None:
        if _as_language(match.string, *match.span("v")):
            return None
        return self.SCORE, "nationality or group"


_FILE_EXTENSIONS = frozenset(("py", "md", "sh", "rs", "pl", "js", "ts", "cc", "am", "in", "so",
                              "ai", "io", "me", "ps", "ml", "rb", "go", "cs", "sc", "st", "do",
                              "txt", "zip", "gz", "tar", "yml", "cfg", "log", "bin", "mk", "ini",
                              "cpp", "hpp", "java", "kt", "swift", "lock", "toml", "yaml",
                              "json", "csv", "html", "css", "xml", "pdf", "png", "jpg", "sql"))


def doubtful(text: str, entity_type: str, start: int, end: int, recognizer: str,  # noqa: PLR0913, PLR0917 - a finding and its text
             ner: bool, lexicon: Lexicon | None) -> bool:
    """A strict-profile finding that is not personal data (see the module docstring);
    ``ner``: ``recognizer`` is an NER model."""
    value = text[start:end]
    if entity_type == "URL":
        return _file_name(text, start, end)
    if entity_type == "DATE_TIME" and (ner or recognizer == "DateRecognizer"):
        return (ner and _DATE_WORD.search(value) is None) \
            or within_lookalike(text, start, end, _not_dates(text))
    if entity_type == "NRP" and _as_language(text, start, end):
        return True  # translate into plain English: the language, not the people
    if ner and entity_type in ("LOCATION", "ORGANIZATION", "NRP"):
        return _ordinary_words(re.sub(r"^(?:the|The)\s+", "", value).strip(), entity_type,
                               lexicon)
    return False


def _ordinary_words(bare: str, entity_type: str, lexicon: Lexicon | None) -> bool:
    """The NER model's place, body or group ``bare`` is ordinary words, an identifier or a
    computing acronym."""
    if not bare or not bare[0].isupper() or "_" in bare or bare in _TECH_ACRONYMS:
        return True
    if _EN_PLACE.fullmatch(bare) or (entity_type != "NRP" and _ORG_WORDS.search(bare)):
        return False
    if entity_type == "NRP" and (bare in DEMONYMS or bare.removesuffix("s") in DEMONYMS):
        return False
    words = re.findall(r"[A-Za-z][A-Za-z'’\-]*", bare)
    if lexicon is None or not len(lexicon) or not words:
        return False
    if entity_type != "NRP" and any(w.isupper() and len(w) > 1 for w in words):
        return False  # IBM, NASA: acronyms the model calls bodies are bodies
    return all(lexicon.is_word(w) for w in words)


def _as_language(text: str, start: int, end: int) -> bool:
    """``text[start:end]`` is a nationality word that names the language there (in English,
    French text)."""
    return text[start:end] in _LANGUAGE_DEMONYMS and (
        _LANGUAGE_CUE.search(text, max(0, start - 24), start) is not None
        or _LANGUAGE_AFTER.match(text, end) is not None)


def _not_dates(text: str) -> list[tuple[int, int]]:
    """Look-alike spans that are not themselves dates (standard, book, order numbers)."""
    return [(s, e) for s, e in lookalike_spans(text) if not _DATE_TIME.fullmatch(text[s:e])]


def _file_name(text: str, start: int, end: int) -> bool:
    """``main.py``, ``README.md``, ``index.ht`` (of index.html): Presidio's schema-less URL
    pattern takes file names whose extension is also a country's domain."""
    value = text[start:end]
    if "://" in value or value.lower().startswith("www.") or "/" in value or "@" in value:
        return False
    if end < len(text) and (text[end].isalnum() or text[end] == "_"):
        return True
    return value.rsplit(".", 1)[-1].lower() in _FILE_EXTENSIONS


def gdpr_recognizers(language: str = "en") -> list[EntityRecognizer]:
    return [AddressRecognizer(language), PostcodeRecognizer(language),
            PlaceRecognizer(language), NerFacilityRecognizer(language),
            OrganizationRecognizer(language), AgeRecognizer(language),
            DateTimeRecognizer(language), NationalityRecognizer(language),
            DemonymRecognizer(language), WholeUrlRecognizer(language)]
