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
- ``AGE``: 42 years old, aged 42, age: 42, a 42-year-old, 42岁, 年龄：42, 四十二岁; a clinical
  note's sex and age (M/47, F/72, 47F presents) on a line that reads as one, other languages'
  units (45-jähriger, 60 tuổi, 40 ans: not "il y a 40 ans"), "ur 30" and "turning 40 in May"
  in chat, a program's (name, age) pair ("Hemi Parata", 44) and the answer to "Age?".
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

Most places and firms are known by the words round them, not by a list: a job title before a
firm (Data analyst, Moon-Wells), the words for starting at, owning or speaking for one, a
work-history line (Acme (2015–2018)), a firm as the subject of what firms do, a country or state
after a town (Zoutkamp, Netherlands), the words for travelling, working or staying somewhere
(flew back from, our office in), a region's kind (Blekinge län, County Kerry), the word for a
list (Clients:, Offices:) or a sibling item with a legal form or a known name, a table's header
cell, a markup tag, the question an answer follows; in Chinese the firm someone works at or
joins (在…工作, 加入了…) and one in the news (…宣布). :func:`doubtful` drops such a finding that
is only ordinary English words (I work in Sales) or, where the sentence's own first words may
have come along (Yesterday Texier announced), one that starts with an ordinary word. Countries
come from the locale table libphonenumber ships (every country in English, the languages of
European forms and Chinese), first-level regions from :data:`REGIONS`. Ages are also read in a
bracket with the sex (I (34M)), between commas after the person (a man, 34, from), as the answer
to "how old", as a decade (in her early 40s) and in 今年35了; addresses over several lines (the
town and postcode lines after the street), in more countries' street forms, US military mail,
and Chinese roads with a lettered building (戴路M座) and their postcodes.

Where the shape of the text says a firm is — an e-mail signature's firm line, the items of a
list of clients or suppliers, the answer to "who is your employer?", a name before its CEO or
board (Harvard's CFO) — a firm whose name is a dictionary word is kept (Oracle, Europol: the
model's lexicon lists such proper nouns as words); only answers that name no firm (Retired,
Home) are dropped. Answers are also read on a chat's next line after the speaker's label, to
questions asked without "?"; postcodes as the answer to a postcode question; ages after a
form's dot leaders or qualifier (Age at enrolment:), in a list after "ages", in a bulleted
"name, age" line and in a table whose columns only spaces part (a TSV: the normalised text
has its tabs as spaces); nationality, religion and party fields whatever their value.

The NER model is loose with these types: :func:`doubtful` drops its findings that are ordinary
words (the Order Status, Python as ORG), dates with no digit, month, weekday or day word in
them ("last year", "next month"; "today", "tomorrow", "next week" date an appointment and
stay), and URLs
that are file names (main.py, README.md).
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

from presidio_analyzer import EntityRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

from appliance.privacy.lexicon import COMMON_SURNAMES, Lexicon, ordinary_word
from appliance.privacy.lookalikes import lookalike_spans, within_lookalike
from appliance.privacy.recognizer_base import OwnRecognizer, RegexRecognizer, make_result
from appliance.privacy.recognizers_ids import FOREIGN_WEEKDAYS, MONTH_NAMES, ORDINAL_WORDS
from appliance.privacy.recognizers_names import gazetteer, stop_words, surname_ranks

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
#: First-level regions (states, provinces, Länder, regions, counties, voivodeships) of the
#: countries whose forms this profile reads most, as those countries and English write them.
#: Names that are ordinary English words (Acre, Centre, Highlands) are left out.
REGIONS = (
    "Alberta", "British Columbia", "Manitoba", "New Brunswick", "Newfoundland", "Nova Scotia",
    "Ontario", "Prince Edward Island", "Quebec", "Québec", "Saskatchewan", "Yukon", "Nunavut",
    "New South Wales", "Queensland", "South Australia", "Tasmania", "Western Australia",
    "Northern Territory", "Northern Ireland", "Cornwall", "Devon", "Dorset", "Somerset",
    "Wiltshire", "Hampshire", "Sussex", "East Sussex", "West Sussex", "Surrey", "Kent",
    "Essex", "Suffolk", "Norfolk", "Cambridgeshire", "Hertfordshire", "Bedfordshire",
    "Buckinghamshire", "Oxfordshire", "Berkshire", "Gloucestershire", "Worcestershire",
    "Warwickshire", "Herefordshire", "Shropshire", "Staffordshire", "Cheshire", "Derbyshire",
    "Nottinghamshire", "Leicestershire", "Lincolnshire", "Northamptonshire", "Yorkshire",
    "North Yorkshire", "West Yorkshire", "South Yorkshire", "Lancashire", "Merseyside",
    "Greater Manchester", "Cumbria", "Northumberland", "County Durham", "Tyne and Wear",
    "West Midlands", "East Midlands", "Greater London", "Middlesex", "Isle of Wight",
    "Midlothian", "Lanarkshire", "Aberdeenshire", "Gwynedd", "Powys", "Glamorgan", "Ulster",
    "Munster", "Leinster", "Connacht", "Galway", "Donegal",
    "Baden-Württemberg", "Bayern", "Bavaria", "Brandenburg", "Hessen", "Hesse",
    "Mecklenburg-Vorpommern", "Niedersachsen", "Lower Saxony", "Nordrhein-Westfalen",
    "North Rhine-Westphalia", "Rheinland-Pfalz", "Rhineland-Palatinate", "Saarland", "Sachsen",
    "Saxony", "Sachsen-Anhalt", "Saxony-Anhalt", "Schleswig-Holstein", "Thüringen",
    "Thuringia", "Tirol", "Tyrol", "Steiermark", "Styria", "Kärnten", "Carinthia",
    "Niederösterreich", "Oberösterreich", "Vorarlberg", "Burgenland", "Graubünden", "Aargau",
    "Ticino", "Tessin", "Valais", "Vaud", "Thurgau", "Solothurn",
    "Île-de-France", "Ile-de-France", "Auvergne-Rhône-Alpes", "Bourgogne-Franche-Comté",
    "Bretagne", "Brittany", "Centre-Val de Loire", "Corse", "Corsica", "Grand Est",
    "Hauts-de-France", "Normandie", "Normandy", "Nouvelle-Aquitaine", "Occitanie",
    "Pays de la Loire", "Provence-Alpes-Côte d'Azur", "Provence", "Alsace", "Aquitaine",
    "Auvergne", "Bourgogne", "Burgundy", "Champagne-Ardenne", "Franche-Comté",
    "Languedoc-Roussillon", "Limousin", "Midi-Pyrénées", "Nord-Pas-de-Calais", "Picardie",
    "Poitou-Charentes", "Rhône-Alpes", "Basse-Normandie", "Haute-Normandie", "Guadeloupe",
    "Martinique", "Guyane", "La Réunion", "Réunion", "Mayotte", "Côte d'Azur",
    "Andalucía", "Andalusia", "Aragón", "Aragon", "Asturias", "Baleares", "Balearic Islands",
    "Illes Balears", "Canarias", "Canary Islands", "Cantabria", "Castilla y León",
    "Castilla-La Mancha", "Cataluña", "Catalunya", "Catalonia", "Comunidad de Madrid",
    "Comunidad Valenciana", "Valencia", "Extremadura", "Galicia", "La Rioja", "Murcia",
    "Navarra", "Navarre", "País Vasco", "Euskadi", "Basque Country", "Algarve", "Alentejo",
    "Madeira", "Açores", "Azores",
    "Abruzzo", "Basilicata", "Calabria", "Campania", "Emilia-Romagna", "Friuli-Venezia Giulia",
    "Lazio", "Liguria", "Lombardia", "Lombardy", "Molise", "Piemonte", "Piedmont", "Puglia",
    "Apulia", "Sardegna", "Sardinia", "Sicilia", "Sicily", "Toscana", "Tuscany",
    "Trentino-Alto Adige", "Trentino", "South Tyrol", "Umbria", "Valle d'Aosta", "Veneto",
    "Drenthe", "Flevoland", "Friesland", "Fryslân", "Gelderland", "Groningen", "Limburg",
    "Noord-Brabant", "North Brabant", "Noord-Holland", "North Holland", "Overijssel", "Utrecht",
    "Zeeland", "Zuid-Holland", "South Holland", "Holland", "Flanders", "Vlaanderen", "Wallonia",
    "Wallonie", "Brabant", "Antwerpen", "Antwerp", "Hainaut", "Liège", "Namur",
    "Skåne", "Västra Götaland", "Norrbotten", "Västerbotten", "Jämtland", "Dalarna",
    "Värmland", "Uppland", "Småland", "Gotland", "Halland", "Blekinge", "Östergötland",
    "Södermanland", "Västmanland", "Gävleborg", "Västernorrland", "Kronoberg", "Lapland",
    "Uusimaa", "Pirkanmaa", "Jutland", "Jylland", "Sjælland",
    "Mazowieckie", "Małopolskie", "Śląskie", "Wielkopolskie", "Pomorskie", "Dolnośląskie",
    "Łódzkie", "Lubelskie", "Podkarpackie", "Kujawsko-Pomorskie", "Warmińsko-Mazurskie",
    "Zachodniopomorskie", "Lubuskie", "Opolskie", "Podlaskie", "Świętokrzyskie", "Masovia",
    "Silesia", "Pomerania",
    "Alagoas", "Amapá", "Amazonas", "Bahia", "Ceará", "Distrito Federal", "Espírito Santo",
    "Goiás", "Maranhão", "Mato Grosso", "Mato Grosso do Sul", "Minas Gerais", "Pará",
    "Paraíba", "Paraná", "Pernambuco", "Piauí", "Rio Grande do Norte", "Rio Grande do Sul",
    "Rondônia", "Roraima", "Santa Catarina", "São Paulo", "Sergipe", "Tocantins",
    "Jalisco", "Nuevo León", "Yucatán", "Oaxaca", "Chiapas", "Sonora", "Chihuahua",
    "Baja California", "Veracruz", "Puebla", "Guanajuato", "Quintana Roo", "Sinaloa",
    "Tamaulipas", "Coahuila", "Michoacán",
    "Guangdong", "Zhejiang", "Jiangsu", "Fujian", "Shandong", "Sichuan", "Hubei", "Hunan",
    "Henan", "Hebei", "Anhui", "Jiangxi", "Yunnan", "Guizhou", "Guangxi", "Hainan", "Shanxi",
    "Shaanxi", "Gansu", "Qinghai", "Ningxia", "Xinjiang", "Tibet", "Inner Mongolia",
    "Heilongjiang", "Jilin", "Liaoning", "Hokkaido", "Okinawa", "Kanagawa", "Aichi", "Fukuoka",
    "Hyogo", "Saitama", "Maharashtra", "Karnataka", "Tamil Nadu", "Kerala", "Gujarat",
    "Rajasthan", "Uttar Pradesh", "West Bengal", "Telangana", "Andhra Pradesh", "Bihar",
    "Haryana", "Odisha", "Assam",
)
#: Country names of other languages that are English words.
_NOT_COUNTRY_WORDS = frozenset(("Island", "Man"))


def _locale_table() -> dict[str, dict[str, str]]:
    """phonenumbers' ``geodata/locale.py`` alone. Imported as ``phonenumbers.geodata.locale``
    it would first run the package's ``__init__``, which loads every geocoding table: 0.3 s
    and ~96 MB in every process that masks, for a table of ~250 countries' names."""
    import importlib.util  # noqa: PLC0415

    import phonenumbers  # noqa: PLC0415 - a dependency of presidio-analyzer

    path = Path(phonenumbers.__file__).parent / "geodata" / "locale.py"
    spec = importlib.util.spec_from_file_location("phonenumbers.geodata.locale", path)
    if spec is None or spec.loader is None:  # pragma: no cover - the file ships with it
        return {}
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # its one import, ..util, is phonenumbers' own
    table: dict[str, dict[str, str]] = module.LOCALE_DATA
    return table


def _world_countries() -> tuple[frozenset[str], frozenset[str]]:
    """Every country and territory by its name in English, the European languages of the
    forms this profile reads and Chinese: Java's locale table, which libphonenumber ships
    (Presidio's phone recognizer needs that package already)."""
    LOCALE_DATA = _locale_table()  # noqa: N806 - the table's own name
    latin: set[str] = set()
    chinese: set[str] = set()
    for names in LOCALE_DATA.values():
        for lang in ("en", "de", "fr", "es", "it", "nl", "pt", "sv", "pl", "zh"):
            value = names.get(lang, "")
            for _ in range(4):  # "*aa": the same as that language's
                if not value.startswith("*"):
                    break
                value = names.get(value[1:], "")
            if not value or "(" in value or "," in value:
                continue
            if lang == "zh":
                chinese.add(value)
            elif len(value) >= 4 and value[0].isupper():
                latin.add(value)
    variants = set()
    for name in latin:  # Sao Tome and Principe, Saint Pierre and Miquelon
        folded = "".join(c for c in unicodedata.normalize("NFKD", name)
                         if not unicodedata.combining(c))
        for form in (name, folded):
            variants.add(form)
            variants.add(re.sub(r"(?<=\s)(And|Of|The|De|Da|Do|Du|Des|La|Le)(?=\s)",
                                lambda m: m.group(1).lower(), form))
    return frozenset(variants - _NOT_COUNTRY_WORDS), frozenset(chinese)


_WORLD_LATIN, _WORLD_ZH = _world_countries()
_EN_PLACES = sorted({en for en, _ in (*COUNTRIES, *CITIES)} | set(US_STATES.values()),
                    key=len, reverse=True)
#: Countries, US states and large cities by their English names: places, not people, when
#: a name recognizer meets them beside a name ("John Smith, Paris").
EN_PLACE_NAMES = frozenset(_EN_PLACES)
#: What the strict profile masks wherever it is written: those, regions and the world's
#: countries (not used for names: Chad, Victoria and Georgia are people too).
_ALL_PLACES = sorted(EN_PLACE_NAMES | set(REGIONS) | _WORLD_LATIN, key=len, reverse=True)
_EN_PLACE = re.compile(r"(?<![\w\-])(?:" + "|".join(map(re.escape, _ALL_PLACES))
                       + r")(?![\w\-])")
_ZH_PLACES = frozenset(zh for _, zh in (*COUNTRIES, *CITIES)) | _WORLD_ZH

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
    #: Words of the dictionary that are no proper noun (版本, 会议, 系统).
    common: frozenset[str] = frozenset()
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
                common: set[str] = set()
                with jieba.get_dict_file() as f:
                    for line in f:
                        parts = line.decode("utf-8").split()
                        if len(parts) == 3 and parts[2] in ("ns", "nt"):
                            tags[parts[0]] = parts[2]
                        elif len(parts) == 3 and parts[2][:2] not in ("nr", "nz", "ng", "en"):
                            common.add(parts[0])
                cls.common = frozenset(common)
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

STREET_TYPES = _STREET_TYPES = (
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
    r"Viaduct|Views|Wall|Motorway|Crossroad|Inlet|Lodge|Mission|Spur|Stravenue|Trailer|"
    r"Annex|Loaf|Ville")
_UNIT = (r"(?:(?:Apt|Apartment|Suite|Ste|Unit|Flat|Studio|Room|Rm|Floor|Fl|Level|Lvl|Bldg|"
         r"Building|#)\.?\s*"
         r"#?\s*[0-9A-Z][0-9A-Za-z\-]*|[0-9]{1,2}(?:st|nd|rd|th)[ \t]+[Ff]loor)")
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
              r"(?:[0-9]{4,5}|[0-9]{5}-?[0-9]{3}|[0-9]{3}\s[0-9]{2}),?\s+[A-ZÀ-ÖØ-Þ][\w'’\-]+"
              r"(?:\s+(?:(?:de|da|do|das|dos|la|le|sur|am|an|der|im|di|del)\s+){0,2}"
              r"[A-ZÀ-ÖØ-Þ][\w'’\-]+){0,3}|[0-9]{4,8}(?![\w\-])|"
              rf"(?:{_OTHER_POSTCODE})(?:\s+[A-ZÀ-ÖØ-Þ][\w'’\-]+(?:\s+[A-ZÀ-ÖØ-Þ][\w'’\-]+){{0,2}})?|"
              r"'t\s+[A-Z][\w\-]+|"
              r"[A-ZÀ-ÖØ-Þ][\w'’.\-]+(?:\s+(?:(?:de|da|do|di|del|la|le|sur|am|an|der|im)\s+)?"
              r"[A-ZÀ-ÖØ-Þ][\w'’.\-]+){0,3}"
              rf"(?:\s+(?:{_STATE_ABBR}|{_UK_POSTCODE}|{_CA_POSTCODE}|{_ZIP}|[0-9]{{3}}-[0-9]{{4}}"
              r"|[0-9]{4}(?![\w\-])))?)"
              # Italy's province (Milano (MI)), Brazil's state (Recife / PE).
              r"(?:\s*\([A-Z]{2}\)|\s/\s[A-Z]{2}(?![\w\-]))?")
_TAIL = rf"(?:,?[ \t]+{_UNIT})?(?:[ \t]?,[ \t]*{_TAIL_PART}){{0,5}}"
_EN_STREET = (
    rf"(?:(?:{_UNIT},?\s+)?(?:(?:[Nn]umber|[Nn]o\.|[Nn]º)[ \t]+)?[0-9]{{1,5}}[A-Za-z]?"
    rf"(?:[\-–/][0-9]{{1,5}}[A-Za-z]?){{0,2}}"
    rf"(?:[ \t]+(?:bis|ter))?|{_UNIT}),?\s+"
    rf"(?:(?:{_NAME_WORD}[ \t]+){{0,4}}(?:{_STREET_TYPES})s?|(?:{_NAME_WORD}[ \t]+){{1,4}}"
    rf"(?:{_NAMED_STREET_TYPES})s?)\b\.?(?:[ \t]+(?:N|S|E|W|NE|NW|SE|SW)\b\.?)?")
_ROMANCE_STREET = (
    rf"(?:{_UNIT},?\s+)?[0-9]{{1,4}}[A-Za-z]?(?:\s?(?:bis|ter))?,?\s+"
    r"(?:rue|avenue|av\.|boulevard|bd|place|chemin|allée|impasse|quai|route|cours|via|viale|"
    r"piazza|corso|calle|avenida|plaza|paseo|carrer|rua|praça)\s+"
    r"(?:(?:de|du|des|la|le|les|l'|d'|del|della|di|da|do|dos|de los|de las|el)\s*)*"
    r"[A-ZÉÀ][\w'\-]*(?:\s+(?:de|du|des|la|le|di|del)?\s*[A-ZÉÀ][\w'\-]*){0,3}")
_ROMANCE_STREET_FIRST = (
    r"(?:Via|Viale|Piazza|Piazzale|Corso|Largo|Vicolo|Strada|Contrada|Borgo|Rotonda|Calle|"
    r"Avenida|Av\.|Plaza|Paseo|Camino|Carrer|Cuesta|Ronda|Pasaje|Travesía|Glorieta|Rambla|"
    r"Callejón|Alameda|Rua|Travessa|Praça|Largo|Estrada|Rodovia|Alameda|Chácara|Residencial|"
    r"Quadra|Vila|Rue|Avenue|Boulevard|Chemin|Allée|Impasse|Quai|Ulica|ul\.|Aleja|al\.|"
    r"Plac|Osiedle|Stretto|Canale|Incrocio|Vial|Acceso|Bajada|Barrio|Cañada|Carretera|"
    r"Pasadizo|Urbanización|Sector|Polígono|Jardim|Lagoa|Conjunto|Setor|Loteamento|Núcleo|"
    r"Sítio|Fazenda|Parque|Ladeira|Vereda|Viela|Distrito|Trecho|Esplanada|Morro|Favela|"
    r"Colônia|Condomínio|Recanto|Passarela|Pátio|Trevo|Viaduto|Vale|Lago|Campo|Feira|"
    r"Aeroporto|Área|Estação|Setor|pl\.|plac|os\.|osiedle|aleja|ulica|C\.|Avda\.|Avd\.|"
    r"Pº|Pso\.|Ctra\.|Pza\.|Rda\.|Urb\.|Trav\.|Tv\.|R\.|C/)\s*"
    r"(?:(?:de|du|des|la|le|les|l'|d'|del|della|di|da|do|dos|das|de los|de las|el)\s*)*"
    r"[A-ZÀ-ÖØ-ÞĀ-Ž][\w'\-]*(?:\s+(?:(?:de|du|des|la|le|di|del|da|do|dos)\s+)?"
    r"[A-ZÀ-ÖØ-ÞĀ-Ž][\w'\-]*){0,3},?\s+(?:n[º°o]\.?\s*)?[0-9]{1,5}[A-Za-z]?(?:/[0-9]{1,4})?"
    r"(?:\s+(?:Apt|Apto|Piso|Piano|Puerta|Interno|Scala|Casa|Bloco|Lote|m\.|lok\.|"
    r"Appartamento|Apartamento|Sala|Andar|Bloque|Escalera|Portal|Depto|Dpto|Wohnung|Whg|"
    r"Étage|Bât|Bâtiment|mieszkanie|lokal)\.?\s*"
    r"[0-9A-Za-zº°]{1,4})*")
_GERMANIC_STREET = (r"[A-ZÀ-ÖØ-Þ][\wäöüß\-]*(?:straße|strasse|str\.|[Ww]eg|gasse|[Pp]latz|allee|"
                    r"ring|damm|ufer|chaussee|laan|straat|gracht|plein|steeg|vej|gatan|gata|"
                    r"baan|singel|kade|dijk|hof|pad|-Straße|-Allee|-Ring|vägen|väg|gränd|torget|"
                    r"torg|stigen|backen|allén|leden|dreef|plantsoen|gade|vej|boulevard)"
                    r"\s+[0-9]{1,4}(?:[a-zA-Z](?![\w])|[a-z]?(?:[/\-][0-9]{1,4}[a-z]?)?)"
                    r"(?:[ \t]+(?:bis|ter)(?![\w]))?")
#: A French, Italian, Spanish or Portuguese street named without its number (we're at rue de
#: Bonnet): the type word in lower case, as those languages write it inside a sentence.
_ROMANCE_STREET_NAMED = (
    r"(?:(?:rue|chemin|allée|impasse|quai|boulevard|via|viale|piazza|calle|avenida|rua|travessa|"
    r"praça|strada|carrer)[ \t]+(?:(?:de|du|des|la|le|les|l'|d'|del|della|di|da|do|dos|das)"
    r"[ \t]*)*|(?:avenue|place|route|cours)[ \t]+(?:de[ \t]+la|de|du|des|d'|l')[ \t]*)"
    r"[A-ZÀ-ÖØ-Þ][\w'’\-]*(?:[ \t]+[A-ZÀ-ÖØ-Þ][\w'’\-]*){0,2}")
_PO_BOX = (r"(?:P\.?\s?O\.?\s?Box|Post\s+Office\s+Box|Postfach|Postbus|Postboks|"
           r"Apartado(?:\s+de\s+[Cc]orreos)?|Bo[iî]te\s+[Pp]ostale|B\.P\.|Casella\s+[Pp]ostale|"
           r"Caixa\s+[Pp]ostal|Skrytka\s+[Pp]ocztowa|Postilokero|Case\s+[Pp]ostale)\s+[0-9]{1,6}")
#: US military mail: a unit and box or a ship, and APO/FPO/DPO with its region and ZIP.
_MILITARY = (r"(?:(?:PSC|CMR|Unit)\s+[0-9]{3,5},?\s+Box\s+[0-9]{1,5}|(?:USNS|USS|USNV|USCGC)"
             r"\s+[A-Z][A-Za-z]+)(?:,?\s+|\s*\n\s*)(?:APO|FPO|DPO)\s+(?:AA|AE|AP)\s+[0-9]{5}")
#: A Japanese address written in Latin letters: block numbers, district, then its ward or
#: city by its suffix (2-14-7 Nishi-Shinjuku, Shinjuku-ku, Tokyo 160-0023).
_JA_ROMAJI_STREET = (r"[0-9]{1,4}(?:-[0-9]{1,4}){1,2},?[ \t]+[A-Z][a-zāōū]+(?:-[A-Za-zāōū]+)*"
                     r"(?:[ \t]+[0-9]{1,2}-?[Cc]home)?,[ \t]*[A-Z][a-zāōū]+(?:-[a-zāōū]+)*"
                     r"-(?:ku|shi|cho|chō|machi|mura|gun)(?![\w\-])")
#: The grid addresses of Colombia and its neighbours: the street's kind and number, then the
#: crossing street's number and the distance from it (Calle 93 #11-27, Cra. 7 No. 71-21).
_GRID_STREET = (r"(?:Calle|Carrera|Cra\.?|Kra\.?|Cl\.?|Avenida|Av\.?|Transversal|Tv\.?|"
                r"Diagonal|Dg\.?|Ak\.?|Ac\.?)[ \t]+[0-9]{1,3}[ \t]?[A-Z]?"
                r"(?:[ \t]?(?:Bis|bis|Sur|Este))?[ \t]*(?:#|No\.?|N[º°o]\.?)[ \t]*"
                r"[0-9]{1,3}[ \t]?[A-Z]?[ \t]*-[ \t]*[0-9]{1,3}(?![\w\-])")
_EN_ADDRESS = re.compile(
    rf"(?<![\w\-])(?P<v>(?:{_EN_STREET}|{_ROMANCE_STREET}|{_JA_ROMAJI_STREET}|{_GRID_STREET}|"
    rf"(?:{_UNIT},[ \t]*)?(?:{_ROMANCE_STREET_FIRST}|{_GERMANIC_STREET}|{_PO_BOX})|"
    rf"{_ROMANCE_STREET_NAMED}){_TAIL}|{_MILITARY})")
_TOWN = (r"[A-ZÀ-ÖØ-Þ][\w'’.\-]*(?:[ \t]+(?:(?:de|da|do|das|dos|la|le|sur|am|an|der|im|di|"
         r"del|upon|on|van|den|ter|aan|op|'t)[ \t]+)?[A-ZÀ-ÖØ-Þ][\w'’.\-]*){0,3}")
#: A line of an address written over several lines that ends it: a postcode and town, a
#: town and postcode, state and ZIP, or a postcode alone (NW1 6XE, 1129TX).
_LOCALITY_LINE = (
    rf"(?:(?:{_UK_POSTCODE}|{_CA_POSTCODE}|[1-9][0-9]{{3}}[ \t]?[A-Z]{{2}}|{_OTHER_POSTCODE}|"
    rf"[0-9]{{5}}-?[0-9]{{3}}|[0-9]{{3}}[ \t][0-9]{{2}}|[0-9]{{4,6}})(?:,?[ \t]+{_TOWN})?"
    rf"|{_TOWN}(?:,?[ \t]+(?:(?:{_STATE_ABBR})\.?[ \t]+{_ZIP}|{_UK_POSTCODE}|{_CA_POSTCODE}|"
    rf"[0-9]{{4,6}}|{_OTHER_POSTCODE})|,[ \t]*[0-9]{{4,6}}))"
    r"(?:[ \t]*\([A-Z]{2}\)|[ \t]*/[ \t]*[A-Z]{2})?")
#: A line of a district or town between a street and its postcode (São Jorge 3ª Seção).
_TOWN_LINE = (r"[A-ZÀ-ÖØ-Þ0-9][\w'’.ªº°\-]*(?:[ \t]+(?:[A-ZÀ-ÖØ-Þ0-9][\w'’.ªº°\-]*|de|da|do|das|"
              r"dos|la|le|del|di|van|der|den|am|an|im|sur|on|upon)){0,5}")
#: The lines after a street that carry on its address: a town line before a locality line,
#: the locality line, and a town or country line after a postcode alone.
_MORE_LINES = re.compile(
    # A line break between the house number and the postcode is read as a space (normalize).
    rf"(?:(?:[ \t]*,)?[ \t]*\n[ \t]*(?:{_TOWN_LINE}[ \t]*\n[ \t]*){{0,2}}|[ ](?=[0-9]))"
    rf"{_LOCALITY_LINE}"
    rf"(?:[ \t]*\n[ \t]*(?:{_TOWN})(?=[ \t]*(?:\n|$)))?(?=[ \t]*(?:\n|$|[,.;]))")
#: Words before a house number that say the rest of the line is an address.
_AT_ADDRESS = re.compile(
    r"(?i:\b(?:live[sd]?|living|reside[sd]?|residing|located|based|situated|find\s+us|"
    r"visit\s+us|(?:office|offices|headquarters|HQ|store|shop|studio|home|house|flat|"
    r"apartment)(?:\s+(?:is|are))?|ship(?:ped)?\s+to|deliver(?:ed)?\s+to|send\s+(?:it\s+)?to|"
    r"moved\s+to|moving\s+to)\s+(?:at\s+)?)(?P<v>[0-9]{1,5}[A-Za-z]?,?[ \t]+[A-Za-zÀ-ÿ]"
    r"[^\n;|]{3,80}?)(?=[ \t]*(?:\n|$|;|\||\.(?:\s|$)|!|\?|[ \t]+(?:since|for|from|until|"
    r"and\s+(?:I|we|she|he|they))\b))")
#: An address cue, and the rest of its line when that holds a digit.
_ADDRESS_LINE = re.compile(
    r"(?i)(?:(?:home|street|postal|mailing|shipping|billing|delivery|residential)\s+)?"
    r"(?:address|addr\.?|residence|Adresse|Anschrift|adresse|dirección|direccion|indirizzo|"
    r"adres|endereço|endereco|adres|住所|registered\s+office|ship\s+to|deliver\s+to|"
    r"domicilio|morada|adresa|Wohnanschrift)[\"']?[ \t]*(?:is|:|=|-)[ \t]*[\"']?"
    r"(?P<v>[^\n;|\"]{6,120}?)[ \t]*(?=\n|;|\||\"|\.(?:\s|$)|$)"
    r"|(?:地址|住址|住所|通讯地址|收货地址|家庭住址|联系地址|居住地)[ \t]*"
    r"(?:[:：是为]|位于)[ \t]*(?P<z>[^\n；;。，,|]{4,80})")

#: A Japanese address: prefecture, city or ward, district and 丁目・番・号, with the building
#: and room after it (東京都新宿区西新宿2丁目8番1号 ハイツ新宿101).
_JA_ADDRESS = re.compile(
    r"(?:〒?[0-9]{3}-[0-9]{4}\s*)?[\u4e00-\u9fff]{1,4}[都道府県][\u3005\u4e00-\u9fff\u30a0-\u30ff]{1,12}?"
    r"[市区町村郡][\u3005\u4e00-\u9fff\u30a0-\u30ffー]{0,10}?(?:[0-9０-９]+丁目(?:[0-9０-９]+番(?:地)?)?"
    r"(?:[0-9０-９]+号)?|[0-9０-９]{1,4}(?:[-－‐−ー][0-9０-９]{1,4}){1,2}(?:番地?|号)?)"
    r"(?:[ \t　]*[\u3040-\u30ff\u4e00-\u9fffーA-Za-zＡ-Ｚ]{1,20}[0-9０-９]{1,5}"
    r"(?:号室|[FＦ階])?)?")
#: A Korean road-name address: province or metropolitan city, city, county or district, the
#: road (로, 길) and its building number (서울특별시 강남구 테헤란로 152).
_KO_ADDRESS = re.compile(
    r"(?:[가-힣]{1,8}(?:특별시|광역시|특별자치시|특별자치도|도)[ \t]+)?"
    r"(?:[가-힣]{1,6}(?:시|군|구)[ \t]+){1,2}(?:[가-힣]{1,6}(?:읍|면|동)[ \t]+)?"
    r"[가-힣0-9]{1,12}(?:로|길)[ \t]*[0-9]{1,5}(?:-[0-9]{1,4})?(?![0-9])"
    r"(?:[ \t]*(?:번길[ \t]*[0-9]{1,5}))?(?:,?[ \t]*[0-9]{1,4}(?:동|호|층)){0,3}")
_ZH_NUM = "0-9一二三四五六七八九十百千零〇两"
_ZH_ROAD = (rf"(?:[{_CJK}0-9]{{1,10}}?(?:大街|大道|路|街|巷|弄|胡同|里|村|道)"
            rf"(?:[东西南北中](?=[{_ZH_NUM}]))?"
            rf"(?:[0-9一二三四五六七八九十]{{1,3}}段)?(?:[0-9]{{1,4}}(?:巷|弄))*)"
            rf"(?:[{_ZH_NUM}]+(?:号|號|弄|巷)(?:之[0-9]+)?|[A-Za-z0-9]{{1,3}}(?:座|栋|棟|幢|号楼))")
_ZH_BUILDING = (rf"(?:[{_CJK}A-Za-z0-9\-]{{0,12}}?[{_ZH_NUM}A-Za-z\-]+"
                r"(?:号楼|號樓|栋|棟|幢|座|单元|單元|楼|樓|层|層|室|号房|房|户|號|号))")
_ZH_ROAD_ADDRESS = re.compile(rf"{_ZH_ROAD}(?:{_ZH_BUILDING}){{0,4}}")
_ZH_ADMIN_UNIT = r"(?:省|自治区|特别行政区|市|自治州|地区|盟|区|县|旗|镇|乡|街道)"
_ZH_ADMIN_CHAIN = re.compile(
    rf"(?:[{_CJK}]{{2,8}}?(?:省|自治区|特别行政区))?(?:[{_CJK}]{{1,7}}?(?:市|自治州|盟))"
    rf"(?:[{_CJK}]{{1,7}}?(?:区|县|旗|市))(?:[{_CJK}]{{1,7}}?(?:镇|乡|街道))?"
    rf"|[{_CJK}]{{2,8}}?(?:省|自治区|特别行政区)[{_CJK}]{{1,7}}?(?:市|自治州|盟)")


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
        out = []
        for m in _EN_ADDRESS.finditer(text):
            end = m.end("v")
            more = _MORE_LINES.match(text, end)
            if more is not None:
                end = more.end()
            out.append(make_result(self, self.ENTITY, m.start("v"), end, self.SCORE,
                                   "street address"))
        out.extend(make_result(self, self.ENTITY, *_trim_value(text, *m.span("v")), self.SCORE,
                               "house number after a cue")
                   for m in _AT_ADDRESS.finditer(text))
        for m in _ADDRESS_LINE.finditer(text):
            group = "v" if m.group("v") is not None else "z"
            value = m.group(group)
            if re.search(f"[0-9{_CJK}]", value) and (group == "z" or re.search("[0-9]", value)):
                out.append(make_result(self, self.ENTITY, *m.span(group), self.CUED,
                                       "line after an address cue", cued=True))
        out.extend(make_result(self, self.ENTITY, *m.span(), self.SCORE, "Korean address")
                   for m in _KO_ADDRESS.finditer(text))
        if _CJK_RUN.search(text):
            out.extend(make_result(self, self.ENTITY, *m.span(), self.SCORE, "Japanese address")
                       for m in _JA_ADDRESS.finditer(text))
            for m in _ZH_ROAD_ADDRESS.finditer(text):
                start = _zh_left_edge(text, m.start() + _road_name_start(m.group()),
                                      keep_first=True)
                out.append(make_result(self, self.ENTITY, *_zh_postcodes(text, start, m.end()),
                                       self.SCORE, "road and number"))
            for m in _ZH_ADMIN_CHAIN.finditer(text):
                start = max(m.start(), _zh_left_edge(text, m.end()))
                if m.end() - start >= 4 and _admin_units(text[start:m.end()]) >= 2:
                    out.append(make_result(self, self.ENTITY, start, m.end(), self.CHAIN,
                                           "administrative units"))
        return out


def _zh_postcodes(text: str, start: int, end: int) -> tuple[int, int]:
    """A Chinese address with the postcode written before it (323 台北市…) or after it
    (…M座 666972)."""
    before = re.compile(r"(?<![0-9A-Za-z\-.])[0-9]{3,6}[ \t]?$").search(
        text, max(0, start - 12), start)
    if before is not None:
        start = before.start()
    after = re.match(r"[ \t]?[0-9]{6}(?![0-9])", text[end:end + 8])
    if after is not None:
        end += after.end()
    return start, end


def _road_name_start(road: str) -> int:
    """Where the left edge search starts within a matched road: its end (the edge search
    walks back over whole words, so the road's own name is included when it is a word)."""
    m = re.search(rf"(?:大街|大道|路|街|巷|弄|胡同|里|村|道)"
                  rf"(?=[东西南北中]?[{_ZH_NUM}]|[A-Za-z0-9]{{1,3}}"
                  r"(?:座|栋|棟|幢|号楼))", road)
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
        # with a country's letters before it (H-1051, D-10115) or its digits in two groups
        # (110 00, 602 00)
        rf"(?P<cued>{_UK_POSTCODE}|{_CA_POSTCODE}|{_OTHER_POSTCODE}|(?:[A-Z]{{1,2}}-)?[0-9]{{4,8}}"
        rf"|[0-9]{{3}}[ ][0-9]{{2}})"
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
_CAP_WORD = r"[A-ZÀ-ÖØ-ÞĀ-Ž][\w'’.\-]*(?:/[A-Z]{1,2}(?![\w/]))?"  # S/A, a legal form
#: The same, read possessively (a hyphenated word is never split again at each hyphen by the
#: joiners around it: _REGION_KIND on "Lee-" * 2000 took minutes), ending before a possessive 's.
_CAP_WORD_WHOLE = r"[A-ZÀ-ÖØ-ÞĀ-Ž](?:[\w.\-]|['’](?![sS](?!\w)))*+(?:/[A-Z]{1,2}(?![\w/]))?"


#: A name that starts with a particle (da Cunha - ME, van der Sloot).
_PARTICLE_START = re.compile(r"(?:da|das|do|dos|de|del|della|van|von|der|den|di|du|des|le|la|"
                             r"ten|ter|'t)\s+[A-ZÀ-ÖØ-Þ]")
#: What may stand before a form label (``home_city``, ``Current employer``) and after it
#: (``company_name``, ``State/Province``).
_LABEL_BEFORE = (r"(?:(?:home|current|present|previous|former|last|birth|residence|"
                 r"residential|billing|shipping|mailing|delivery|work|office|user|customer|"
                 r"client|registered)[ \t_\-]?)?")
_LABEL_AFTER = r"(?:[ \t_\-]?name)?(?:[ \t]*/[ \t]*[A-Za-z]{2,12}){0,2}"
#: Between a label and its value: a colon or equals sign (a quote each side of a JSON key),
#: a dash with spaces round it (``Organisation - Acme``), or a printed form's dot leaders
#: (``Town ........ Ely``).
_LABEL_LINK = (r"[\"']?(?:[ \t]*[:：=]|[ \t]+[\-–—](?=[ \t])|[ \t]*\.{3,}|[ \t]*…+)"
               r"[ \t]*[\"']?[ \t]*")


#: The next ``key=value`` pair of a log line after a value.
_NEXT_KEY = re.compile(r"[ \t]+[A-Za-z_][\w.\-]{0,30}=")


def _field_values(labels: str, text: str, cjk_labels: str = "") -> list[tuple[int, int]]:
    """The values after a form label, a CSV-style header cell or a JSON key (``Company: …``,
    ``"city": "…"``), up to the end of the line or the closing quote. ``cjk_labels`` may
    follow other CJK characters (所在城市：)."""
    out = []
    cjk = rf"|(?:{cjk_labels})" if cjk_labels else ""
    pattern = re.compile(
        rf"(?i)(?:(?<![\w\-]){_LABEL_BEFORE}(?:{labels}){_LABEL_AFTER}{cjk}){_LABEL_LINK}"
        r"(?P<v>[^\n\";|<>{}\[\]]{2,80})")
    for m in pattern.finditer(text):
        start, end = m.span("v")
        value = m.group("v")
        if text[start - 1] == "'" or re.search(r"'[ \t]*[,:}\]]", value):
            value = value.split("'", 1)[0]  # a value in single quotes stops at its quote
        value = _NEXT_KEY.split(value, 1)[0].rstrip(" \t,")  # tenant=Acme action=login
        end = start + len(value)
        if value.startswith("the ") and value[4:5].isupper():
            start, value = start + 4, value[4:]  # "org": "the Salvation Army"
        if any(c.isalpha() for c in value) and (not value[0].islower()
                                                 or _PARTICLE_START.match(value)):
            out.append((start, end))  # "state: it is ready" is prose, not a form
    return out


# ---- Places -----------------------------------------------------------------------------------

#: Form labels of a place, in the languages of European forms.
_PLACE_LABELS = (r"city|town|village|location|place\s+of\s+birth|birth\s*place|hometown|"
                 r"country(?:\s+of\s+(?:birth|residence))?|state|province|region|county|"
                 r"residence|headquarters|HQ|based\s+in|nationality\s+country|"
                 r"Stadt|Ort|Wohnort|Geburtsort|Land|Bundesland|ville|pays|"
                 r"lieu(?:\s+de\s+naissance)?|"
                 r"ciudad|país|pais|localidad|provincia|città|citta|paese|comune|luogo|"
                 r"plaats|woonplaats|stad|cidade|estado|miasto|miejscowość|kraj|"
                 r"województwo|ort|län|kommun")
#: Chinese and Japanese labels of a place, which may follow other characters (所在城市).
_ZH_PLACE_LABELS = (r"城市|都市|所在地|出生地|市区町村|居住地|现居地|现住地|籍贯|户籍|户口所在地|"
                    r"省份|所在省|国家|地区|家乡|老家|出生地点|都道府県")
#: A place after the words that introduce one: lives in, moved to, born in, I'm from.
_PLACE_CUED = re.compile(
    r"(?i:\b(?:(?:live[sd]?|living|reside[sd]?|residing|based|located|settled|stationed|"
    r"born|raised|grew\s+up|stays?|staying|headquartered)"
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
                   for start, end in _field_values(_PLACE_LABELS, text, _ZH_PLACE_LABELS))
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
_MORE_ORG_FORMS = (r"S\.L\.N\.E|S\.L\.L|S\.L\.U|S\.A\.U|S\.C\.P|S\.L|SL|"
                   r"S\.A\.D|S\.Coop|S\.C|s\.c|Sp\.\s?j|Sp\.\s?k|"
                   r"Sp\.\s?z\s?o\.o|e\.\s?V|KGaA|OHG|GbR|mbH|UG|Ltda|EIRELI|SPA|S\.P\.A|"
                   r"s\.p\.a|s\.r\.l|srl|s\.a|VOF|Cia|Partners|Associates|Group|Holdings?|"
                   r"S\.A\.R\.L|S\.à\s?r\.l|ApS|Oyj|Ky|KK|s\.r\.o|a\.s|Kft|Zrt|Nyrt|d\.o\.o|"
                   r"OÜ|SIA|UAB|Sdn\.?\s?Bhd|Bhd|Pvt\.?\s?Ltd|PLLC|Ltée|LLP|S/A|S\.L\.L|"
                   r"S\.Coop|HB|KB|Tmi|EURL|SNC|SCS|SCA|SELARL|Sàrl|e\.U|OG|Bt|EPP|e\.\s?G|"
                   # Czech and Slovak, Finnish associations, Danish partnerships
                   r"v\.\s?o\.\s?s|k\.\s?s|o\.\s?s|spol\.\s?s\s?r\.\s?o|ry|As\s?Oy|I/S|K/S|P/S|IVS|"
                   r"Groep|Gruppe|Groupe|Gruppo|Grupo|"
                   r"-\s(?:ME|EI|EPP|EIRELI|MEI)|&\s+Co\.?(?:\s+(?:KGaA|KG|OHG))?|"
                   r"(?:and|&|e|y|et|en|und|i)\s+(?:Sons|Son|Fils|Filhos|figli|Hijos|hijos|"
                   r"Zonen|zonen|syn|synowie|Söhne|asociados|associati|Associados|Asociados|"
                   r"Partners|Associates|Co)")
#: Words that open an organisation's name (Grupo Rojas, Stichting Vermeer, PPUH Kiryluk).
_ORG_OPENERS = (r"Grupo|Gruppo|Groupe|Stichting|Fundacja|Fundación|Fondazione|Stiftung|"
                r"Spółdzielnia|Stowarzyszenie|Gabinety|Hnos|Hermanos|Comercial|Industrias|"
                r"PPUH|PHU|FHU|PPH|FPUH|PPHU|FPHU|ZPHU|ZPH|PHUP|FHUP|Laboratorios|Transportes|"
                r"Construcciones|Banco|Banca|Koninklijke|Inmobiliaria|Distribuciones|Comercializadora")
_ORG_LINK = r"(?:,\s+|\s+(?:&|and|y|e|et|en|und|i|of|de|di|da|do|van|von|der|den|del)\s+|\s+)"
#: Name particles a firm's name may start with (das Neves Ltda., van der Sloot B.V.).
_PARTICLES = r"(?:(?:da|das|do|dos|de|del|della|van|von|der|den|di|du|des|le|la|ten|ter)\s+){0,2}"
#: Where a legal form does not follow (a name's words stop before one: Janiuk Sp. z o.o.).
_NO_FORM = rf"(?!\s+(?:{_MORE_ORG_FORMS}|{_ORG_FORMS})(?![\w\-]))"
#: A second and third legal form after the first (Sp. z o.o. Sp.k., i syn s.c., S.L.N.E).
_MORE_FORMS_AFTER = (rf"(?:\s+(?:{_MORE_ORG_FORMS}|{_ORG_FORMS})(?![\w\-])\.?){{0,2}}")
_EN_ORG = re.compile(
    rf"(?<![\w\-])(?P<v>{_PARTICLES}(?:[A-Z][\w&'’.\-]*\s+(?:&\s+|and\s+|of\s+|de\s+)?){{1,4}}"
    rf"(?:&\s+)?(?:{_ORG_FORMS})\b\.?{_MORE_FORMS_AFTER}"
    rf"|{_PARTICLES}{_CAP_WORD}(?:{_ORG_LINK}{_CAP_WORD}){{0,4}}\s+(?:{_MORE_ORG_FORMS})"
    rf"(?![\w\-])\.?{_MORE_FORMS_AFTER}"
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
    rf"(?P<c>{_PARTICLES}{_CAP_WORD}(?:{_NO_FORM}{_ORG_LINK}{_CAP_WORD}){{0,3}}"
    rf"{_MORE_FORMS_AFTER})")
#: Form labels of an organisation, in the languages of European forms.
_ORG_LABELS = (r"company|employer|organi[sz]ation|org|firm|business|workplace|tenant|"
               r"education|alma\s+mater|"
               r"place\s+of\s+(?:work|employment)|affiliation|institution|university|school|"
               r"college|bank|insurer|supplier|vendor|customer\s+company|client\s+company|"
               r"Firma|Arbeitgeber|Unternehmen|Betrieb|société|entreprise|employeur|empresa|"
               r"empleador|azienda|società|datore\s+di\s+lavoro|bedrijf|werkgever|"
               r"pracodawca|firma|arbetsgivare|företag")
#: Chinese and Japanese labels of an organisation, which may follow other characters.
_ZH_ORG_LABELS = (r"公司|单位|工作单位|单位名称|公司名称|就职公司|任职公司|雇主|所在公司|"
                  r"毕业院校|学校|院校|会社|勤務先|会社名|所属")
_ORG_FORM_END = re.compile(rf"\b(?:{_ORG_FORMS})\.$")
_ZH_ORG_SUFFIX = re.compile(
    r"(?:株式会社|有限会社|合同会社|合資会社|合名会社|股份有限公司|有限责任公司|有限公司|集团|银行|大学|学院|医院|研究所|研究院|事务所|"
    r"公司|中学|小学|基金会|协会|实验室|科技|律师事务所|控股|股份|出版社|电视台|商行|"
    # Japanese: a hospital, a high school (大阪大学医学部附属病院, 県立北高等学校)
    r"病院|高等学校)")

#: Large firms people name without a legal form, by names that are no English word (Apple,
#: Amazon, Shell and Oracle are left to the NER model and the cues).
FIRMS = (
    "Microsoft", "Google", "Alphabet Inc", "Facebook", "Instagram", "WhatsApp", "LinkedIn",
    "Netflix", "Spotify", "Uber", "Airbnb", "Tesla", "SpaceX", "Nvidia", "NVIDIA", "Intel",
    "AMD", "Qualcomm", "Broadcom", "Cisco", "IBM", "Salesforce", "Adobe", "SAP", "Siemens",
    "Bosch", "BASF", "Bayer", "Allianz", "Volkswagen", "Daimler", "Mercedes-Benz", "BMW",
    "Audi", "Porsche", "Toyota", "Honda", "Nissan", "Hyundai", "Samsung", "Sony", "Panasonic",
    "Toshiba", "Hitachi", "Mitsubishi", "Huawei", "Tencent", "Alibaba", "Baidu", "ByteDance",
    "TikTok", "Xiaomi", "Lenovo", "Foxconn", "TSMC", "Infosys", "Wipro", "Tata",
    "Accenture", "Deloitte", "KPMG", "PwC", "PricewaterhouseCoopers", "Ernst & Young",
    "McKinsey", "Capgemini", "Atos", "HSBC", "Barclays", "Lloyds", "NatWest", "Santander",
    "BBVA", "BNP Paribas", "Société Générale", "Deutsche Bank", "Commerzbank", "UBS",
    "Credit Suisse", "ING", "Rabobank", "ABN AMRO", "JPMorgan", "J.P. Morgan", "Goldman Sachs",
    "Morgan Stanley", "Citigroup", "Citibank", "Wells Fargo", "Bank of America", "BlackRock",
    "PayPal", "Mastercard", "American Express", "Walmart", "Costco",
    "IKEA", "Zara", "Inditex", "H&M", "Adidas", "Nike", "Unilever", "Nestlé", "Nestle",
    "Procter & Gamble", "Pfizer", "Novartis", "Roche", "AstraZeneca", "GlaxoSmithKline", "GSK",
    "Sanofi", "Merck", "Johnson & Johnson", "Moderna", "BioNTech", "Boeing", "Airbus",
    "Lufthansa", "Ryanair", "easyJet", "KLM", "Emirates", "Philips", "Heineken",
    "TotalEnergies", "ExxonMobil", "Chevron", "Gazprom", "Vodafone", "Telefónica",
    "Deutsche Telekom", "Verizon", "AT&T", "T-Mobile", "Comcast", "Disney", "Starbucks",
    "McDonald's", "Coca-Cola", "PepsiCo", "Carrefour", "Tesco", "Sainsbury's", "Aldi", "Lidl",
    "Ericsson", "Nokia", "Spotify", "Volvo", "Scania", "Maersk", "Novo Nordisk", "Equinor",
    "Renault", "Peugeot", "Stellantis", "Fiat", "Ferrari", "Pirelli", "Eni", "Enel",
    "Iberdrola", "Repsol", "Inditex", "Zalando", "Delivery Hero", "Rakuten", "SoftBank",
    "Nintendo", "Nikon", "Fujitsu", "LG", "Kia", "Alstom", "Thales", "Dassault",
    "Michelin", "L'Oréal", "LVMH", "Danone", "Airbus", "Rolls-Royce", "Unilever", "Diageo",
    "Reckitt", "Rio Tinto", "BHP", "Glencore", "Petrobras", "Embraer", "Vale S.A",
    "Dropbox", "Slack Technologies", "Atlassian", "Shopify", "Zoom Video", "OpenAI",
    "Anthropic", "DeepMind", "Palantir", "Snowflake", "Databricks", "Stripe Inc", "Klarna",
    "Revolut", "N26", "Wise plc", "Booking.com", "Expedia", "TripAdvisor", "DoorDash", "Lyft",
)
_FIRM = re.compile(r"(?<![\w\-&])(?:" + "|".join(
    map(re.escape, sorted(set(FIRMS), key=len, reverse=True))) + r")(?![\w\-&])")

#: Suffixes that also end a kind of firm (设计公司, 一家科技公司, 上大学): the name before them
#: must hold a word that is no common word.
_ZH_WEAK_ORG_SUFFIXES = frozenset(("公司", "科技", "集团", "银行", "大学", "学院", "医院", "中学",
                                   "小学", "股份", "控股", "实验室", "协会", "病院", "高等学校"))


def _zh_name_start(text: str, start: int, end: int) -> int:
    """Where the name before a weak suffix starts: after the common words (two characters or
    more) that lead it; ``end`` (no name) when it has nothing else."""
    tokenizer = _ZhDictionary.load()
    pos = start
    for word in tokenizer.lcut(text[start:end], HMM=True):
        if len(word) >= 2 and word in _ZhDictionary.common:
            pos += len(word)
            continue
        return pos
    return end


#: A Japanese company's legal form before its name (株式会社鈴木鉱業).
_JA_ORG_PREFIX = re.compile(r"(?:株式会社|有限会社|合同会社|合資会社|合名会社)"
                            r"[\u3040-\u30ff\u4e00-\u9fffー]{1,12}")



def _legal_form_orgs(text: str) -> list[tuple[int, int]]:
    """The firms of ``_EN_ORG``: with a legal form, or after the words for working there."""
    out = []
    for m in _EN_ORG.finditer(text):
        if m.group("f") is not None and any(
                w in EN_PLACE_NAMES for w in re.findall(r"[A-Z][a-z]+", m.group("f"))):
            continue  # Kyoto, Osaka and Vienna: a list of places
        start, end = m.span("v" if m.group("v") is not None else "c")
        if m.group("v") is None and _no_name_words(text[start:end]):
            continue  # joined Engineering, works for Monday's team
        end -= text[start:end].endswith(".") and not _ORG_FORM_END.search(text, 0, end)
        if m.group("v") is not None and "\n" in text[start:end]:
            # A firm's name is on one line: "Jane Roe / Human Resources / Acme Corp" (a
            # signature's lines) is the last line's firm, not one name across them.
            start = text.rfind("\n", start, end) + 1
            start += len(text[start:end]) - len(text[start:end].lstrip())
        while start < end and text[start:end].split(" ", 1)[0] in ("The", "A", "An"):
            start += len(text[start:end].split(" ", 1)[0]) + 1
        if _GENERIC_FORM.fullmatch(text[start:end]):
            continue  # "The Bank's annual report", "the University's staff": no name
        out.append((start, end))
    return out


#: A legal form or kind of body alone, without a name (what "the" opens: "the Bank").
_GENERIC_FORM = re.compile(rf"(?:{_ORG_FORMS})\.?")


class OrganizationRecognizer(OwnRecognizer):
    ENTITY = "ORGANIZATION"
    SCORE = 0.9  # above the NER model's, as PlaceRecognizer's (Google, Apple are words too)

    def load(self) -> None:
        _ZhDictionary.load()

    def analyze(self, text: str, entities: list[str],
                nlp_artifacts: NlpArtifacts | None = None) -> list[RecognizerResult]:
        if self.ENTITY not in entities:
            return []
        out = [make_result(self, self.ENTITY, start, end, self.SCORE, "legal form")
               for start, end in _legal_form_orgs(text)]
        out.extend(make_result(self, self.ENTITY, start, end, self.SCORE, "organisation field")
                   for start, end in _field_values(_ORG_LABELS, text, _ZH_ORG_LABELS))
        out.extend(make_result(self, self.ENTITY, *m.span(), self.SCORE, "large firm")
                   for m in _FIRM.finditer(text))
        if _CJK_RUN.search(text):
            _ZhDictionary.load()
            for word, start in _zh_tokens(text):
                if word in _ZhDictionary.orgs:
                    out.append(make_result(self, self.ENTITY, start, start + len(word),
                                           self.SCORE, "organisation in the dictionary"))
            for m in _ZH_ORG_SUFFIX.finditer(text):
                start = _zh_left_edge(text, m.start())
                if m.group() in _ZH_WEAK_ORG_SUFFIXES:
                    start = _zh_name_start(text, start, m.start())
                if m.start() - start >= 2:
                    out.append(make_result(self, self.ENTITY, start, m.end(), self.SCORE,
                                           "name and organisation suffix"))
            for m in _JA_ORG_PREFIX.finditer(text):
                out.append(make_result(self, self.ENTITY, *m.span(), self.SCORE,
                                       "organisation prefix and name"))
        return out


# ---- Places and organisations by their context -----------------------------------------------
#
# What is known of most places and firms is not their name but the words round it: a job title
# before a firm ("Data analyst, Moon-Wells"), a country after a town ("Zoutkamp, Netherlands"),
# a header cell above a column, the question an answer follows, the list an item stands in.
# Findings of these recognizers that are only ordinary English words ("I work in Sales",
# "Clients: Many") are dropped by :func:`doubtful`, which has the lexicon.

#: Words of a place's name that a place's name may start with (New Alexanderfort, Port Talbot).
_PLACE_OPENERS = frozenset((
    "New", "North", "South", "East", "West", "Northern", "Southern", "Eastern", "Western",
    "Upper", "Lower", "Great", "Little", "Old", "Port", "Lake", "Mount", "Fort", "Saint", "St.",
    "St", "San", "Santa", "São", "Sao", "Bad", "La", "Le", "Les", "Los", "Las", "El", "Den",
    "Royal", "Grand", "Central", "Bay", "Point", "Glen", "Cape", "Isle", "Holy"))
#: A capitalised word with no digit in it (a postcode's M5V is none).
# Possessive: a hyphenated run (Saint-Jean-de-Luz) is one word, never split again at each
# hyphen by the joiners around it ("Lee-" * 200 took 40 s, tried every way).
_NAME_WORD_NO_DIGIT = (r"[A-ZÀ-ÖØ-ÞĀ-Ž](?:[^\W\d_]|[.\-](?=[^\W\d_])"
                       r"|['’](?![sS](?![^\W\d_]))(?=[^\W\d_]))*+\.?")  # not Harvard's 's
#: A place's name: capitalised words, with the particles that join them (Pires de Pacheco).
# Both phrases start where a word does: a phrase tried from inside a word ("AAAA…") reads on
# to the word's end from every letter of it, quadratic in the word's length.
_PLACE_PHRASE = (rf"(?<![\w\-'’])"
                 rf"(?:(?:da|das|do|dos|de|del|la|le|les|el|los|las|den|ter|'t)[ \t]+)?"
                 rf"{_NAME_WORD_NO_DIGIT}(?:[ \-](?:(?:de|del|la|le|les|am|an|im|upon|on|sur|di|"
                 rf"do|da|dos|das|aan|den|op|of|the|y|an[ ]der|an[ ]den|nad|pod|na|ob|bei|"
                 rf"sul)[ \-])?{_NAME_WORD_NO_DIGIT}){{0,3}}"
                 r"(?![\w\-])")
#: Between the items of a list of places or firms.
_ITEM_JOIN = r"(?:[ \t]*[,;/][ \t]*(?:and[ \t]+|&[ \t]+|or[ \t]+)?|[ \t]+(?:and|or|&)[ \t]+)"
_ITEM_JOIN_RE = re.compile(_ITEM_JOIN)
#: A firm's name: capitalised words (particles and links inside), and its legal form.
_ORG_LINK_INNER = (r"(?:[ \t]+(?:&|and|y|e|et|en|und|of|de|di|da|do|van|von|der|den|del|du|"
                   r"des|la|le|dos|das|für|i)[ \t]+|[ \t]+)")
_ORG_PHRASE = (rf"(?<![\w\-'’])(?:(?:van|von|de|der|den|da|di|du|le|la|el|al)[ \t]+){{0,2}}"
               rf"{_NAME_WORD_NO_DIGIT}(?:{_NO_FORM}{_ORG_LINK_INNER}{_NAME_WORD_NO_DIGIT}){{0,4}}"
               rf"(?:,?[ \t]+(?:{_MORE_ORG_FORMS}|{_ORG_FORMS})(?![\w\-])\.?)?")

#: A firm's name where the frame says a firm is: "for" may join its words there (Habitat for
#: Humanity, Transport for London), not after a weak cue (left Chrome for Firefox).
_FRAMED_ORG_PHRASE = _ORG_PHRASE.replace("(?:&|and|", "(?:&|and|for|", 1)

#: People who come from a place ("a man, 19, from Iserlohn").
_AGE_PEOPLE_FROM = (r"man|woman|men|women|boy|girl|people|person|family|resident|residents|"
                    r"student|students|couple|teenager|pensioner|driver|worker|workers|player|"
                    r"team|guy|lady|artist|someone|friend|friends|colleague|colleagues")
#: Words before a place that say less than "lives in": where one travels, works, stays.
_PLACE_WEAK_CUED = re.compile(
    r"(?i:\b(?:(?:back|return(?:ed|ing|s)?|home|flights?|flew|trains?|drive|drove|bus|trips?|"
    r"fled|escaped|visitors?|tourists?|relatives|originally|straight)\s+from"
    rf"|(?:{_AGE_PEOPLE_FROM}|[0-9]{{1,3}}),?\s+from"
    r"|(?:trips?|flights?|trains?|way|road|moving|move|going|went|go|goes|head(?:ed|ing|s)?|"
    r"fly|flies|drove|drive|driving|commut(?:e|es|ed|ing)|transferred|posted|sent|deployed|"
    r"returned|returning|return|invited|holiday|vacation|journey|visa|tickets?|welcome|"
    r"back|shipped|shipping|ship|deliver(?:ed|y|ing)?)\s+to"
    r"|visit(?:s|ed|ing)?|touring|toured|explor(?:e|ed|ing)|leaving|left"
    r"|(?:work(?:s|ed|ing)?|office|offices|branch|branches|campus|store|stores|shop|studio|"
    r"plant|factory|warehouse|holidays?|vacation|trip|stay(?:s|ed|ing)?|conference|meeting|"
    r"event|wedding|apartment|flat|house|home|property|school|university|college|stud(?:y|ied|"
    r"ying)|arriv(?:ed|ing|e|es)|landed|stuck|here|there|back|down|up|out|somewhere|weekend|"
    r"childhood|hotel|restaurant|hospital|headquarters|HQ|jobs?|openings?|site|sites|hub|"
    r"presence|operations|located|situated|registered|incorporated|founded|established|"
    r"took\s+place|held|happened|occurred|died|married|buried|grew\s+up|spent)\s+in"
    r"|(?:city|town|village|region|province|state|county|capital|outskirts|centre|center|"
    r"suburbs|streets|mayor|governor|citizens|residents|people|province|municipality|"
    r"district|island|republic|kingdom)\s+of"
    r"|(?:in|at|near|around|outside|across|throughout|to|from)\s+(?:downtown|central|rural|"
    r"greater|northern|southern|eastern|western)"
    r"))[ \t]+(?P<v>" + _PLACE_PHRASE + ")")
#: "the London office", "our Munich team": a place named by what a firm has there.
_PLACE_BEFORE_SITE = re.compile(
    rf"(?i:\b(?:the|our|their|its|his|her|my|your)[ \t]+)(?P<v>{_PLACE_PHRASE})[ \t]+"
    r"(?i:office|offices|branch|campus|plant|factory|store|headquarters|HQ|site|team|airport|"
    r"area|region|metro\s+area|suburbs|subsidiary)\b")
#: Regions named by their kind: Blekinge län, Orange County, County Cork, Province of Ferrara.
_REGION_KIND = re.compile(
    rf"(?<![\w\-])(?P<v>{_CAP_WORD_WHOLE}(?:[ \-]{_CAP_WORD_WHOLE}){{0,2}}[ \t]+(?:County|Province|"
    r"Prefecture|Oblast|Krai|Voivodeship|Canton|Parish|Shire|Governorate|District|"
    r"Municipality|Region|län|kommun|Kreis|Landkreis|Bezirk|Département|Departamento)"
    rf"|(?:County|Province|Prefecture|Canton|Region|Department|State|Republic|Kingdom|"
    rf"Commonwealth|Emirate|Principality|Grand[ \t]+Duchy|Duchy|Isle|Island|Islands|City|"
    rf"Town|Borough)[ \t]+of[ \t]+(?:the[ \t]+)?{_CAP_WORD_WHOLE}(?:[ \t]+{_CAP_WORD_WHOLE}){{0,2}}"
    rf"|County[ \t]+{_CAP_WORD_WHOLE}"
    rf"|(?:województwo|powiat|gmina|Landkreis|Kreis|Kanton|provincia[ \t]+di|provincia[ \t]+de|"
    rf"province[ \t]+de|région|département|comté|condado[ \t]+de|estado[ \t]+de|comune[ \t]+di|"
    rf"gemeente|kommune|municipio[ \t]+de|município[ \t]+de)[ \t]+{_CAP_WORD_WHOLE}"
    rf"(?:[ \-]{_CAP_WORD_WHOLE}){{0,2}})(?![\w\-])")
#: A list of places after the word for them: "Offices: Lyon, Graz and Turku".
_PLACE_LIST_LABEL = re.compile(
    r"(?i:\b(?:offices|locations|cities|towns|branches|countries|destinations|stops|regions|"
    r"sites|venues|markets|states|provinces|hubs|campuses|countries\s+visited|"
    r"places\s+visited|cities\s+visited|visited|itinerary|route|travel(?:led|ed)?\s+to|"
    r"present\s+in|operating\s+in|active\s+in))[ \t]*[:：\-–—]?[ \t]*(?=[A-ZÀ-ÖØ-ÞĀ-Ž])")
#: A list of firms after the word for them: "Clients: Acme, Moon-Wells and Texier".
_ORG_LIST_LABEL = re.compile(
    r"(?i:\b(?:clients|customers|suppliers|vendors|partners|sponsors|employers|competitors|"
    r"rivals|companies|firms|brands|manufacturers|makers|investors|backers|lenders|insurers|"
    r"carriers|subsidiaries|banks|agencies|distributors|resellers|contractors|"
    r"subcontractors|portfolio|acquisitions|members|affiliations|previous\s+employers|"
    r"past\s+employers|former\s+employers|worked\s+(?:at|for)|references)"
    r"(?:[ \t]+(?:we|I)[ \t]+(?:have[ \t]+)?(?:worked|work|partnered|partner)[ \t]+(?:with|for))?)"
    r"[ \t]*[:：\-–—][ \t]*"
    r"(?=(?:(?:van|von|de|der|den|da|di|du|le|la|el|al)[ \t]+)?[A-ZÀ-ÖØ-ÞĀ-Ž])")
#: What a heading line over a list of firms or places says.
_ORG_HEADING = re.compile(
    r"(?i)^[ \t#*]*(?:our[ \t]+|key[ \t]+|main[ \t]+|major[ \t]+|top[ \t]+|selected[ \t]+|"
    r"previous[ \t]+|past[ \t]+|former[ \t]+)?(?:clients|customers|suppliers|vendors|partners|"
    r"sponsors|employers|competitors|companies|firms|brands|manufacturers|investors|lenders|"
    r"subsidiaries|distributors|contractors|work\s+experience|experience|employment"
    r"(?:\s+history)?|work\s+history|career)[ \t]*:?[ \t*]*$")
_PLACE_HEADING = re.compile(
    r"(?i)^[ \t#*]*(?:our[ \t]+)?(?:offices|locations|cities|branches|countries|destinations|"
    r"regions|sites|venues|markets|itinerary|stops)[ \t]*:?[ \t*]*$")
#: A bulleted or numbered line's item.
_LIST_LINE = re.compile(r"(?m)^[ \t]*(?:[-*•·–]|[0-9]{1,2}[.)])[ \t]+(?P<v>[^\n]{2,80}?)[ \t]*$")

#: Job titles: what someone is at a firm ("Software engineer, Acme GmbH").
_JOB = (r"(?:(?:senior|junior|lead|chief|principal|staff|assistant|associate|deputy|vice|"
        r"managing|general|executive|regional|technical|sales|marketing|software|data|project|"
        r"product|account|finance|financial|hr|it|research|business|customer|operations|legal|"
        r"medical|graduate|trainee|summer|full[\s\-]stack|backend|frontend|web|mobile|"
        r"security|systems?|network|mechanical|civil|electrical|chemical|quality|support|"
        r"office|store|branch|team|program(?:me)?|art|creative|content|brand|"
        r"communications|design|ux|ui)[ \t]+){0,3}"
        r"(?:engineer|developer|programmer|manager|analyst|intern|consultant|designer|director|"
        r"officer|specialist|scientist|teacher|lecturer|professor|nurse|lawyer|attorney|"
        r"accountant|architect|administrator|coordinator|executive|researcher|clerk|technician|"
        r"editor|writer|journalist|representative|advisor|adviser|CEO|CTO|CFO|COO|CIO|CMO|VP|"
        r"founder|co-founder|cofounder|president|chairman|chairwoman|owner|employee|secretary|"
        r"auditor|economist|pharmacist|physician|surgeon|paralegal|recruiter|strategist|"
        r"planner|supervisor|trainee|apprentice|fellow|postdoc|cashier|receptionist|"
        r"salesperson|sales\s+rep|head\s+of\s+[A-Za-z]+(?:\s+[A-Za-z]+)?|team\s+lead|"
        r"tech\s+lead|partner|associate|assistant|Werkstudent|Praktikant(?:in)?|stagiaire|"
        r"becario|tirocinante|stagiair)s?")
_ORG_AFTER_JOB = re.compile(
    rf"(?i:(?<![\w\-]){_JOB})(?:[ \t]+(?:at|with|for|@|bei|chez|en|presso|bij|på|w)[ \t]+"
    rf"|[ \t]*[,|@·•][ \t]*|[ \t]+[\-–—][ \t]+)(?:the[ \t]+)?(?P<v>{_ORG_PHRASE})")
#: Words before a firm (cue-bounded): the firm someone starts at, a firm's people and owners.
_ORG_CUED = re.compile(
    r"(?i:\b(?:(?:start(?:ed|ing|s)?|began|begin|intern(?:ed|ing)?|volunteer(?:ed|ing|s)?|"
    r"employed|hired|job|jobs|internship|role|position|career|placement|apprenticeship|"
    r"traineeship|contract|contractor|consultant|consulting|shifts?|years|decade|stint|"
    r"tenure|customer|banking|insured|interview)\s+(?:at|with|for)"
    r"|(?:customers?|clients?|employees?|employee|staff|workers?|shareholders?|subsidiary|"
    r"division|unit|owners?|shares|stock|CEO|CFO|CTO|COO|founder|co-founder|president|"
    r"chairman|spokes(?:man|woman|person)|spokesperson|director|board|investors?|partner|"
    r"member|members|headquarters|boss|management|lawyers|representatives?|"
    r"acquisition|takeover|purchase|owner|parent|office|offices|branch|division|team)"
    r"\s+(?:of|at|for)"
    r"|(?:acquired|bought|owned|founded|run|operated|funded|backed|hired|sponsored|employed|"
    r"sued|fined|recruited|headhunted|poached|approached|contacted|offered\s+a\s+job)\s+by"
    r"|agreed\s+to\s+(?:buy|acquire)|(?:merger|merge|merged|partnership|deal|contract|"
    r"agreement)\s+with|invest(?:ed|ing|s|ment)?\s+in|stake\s+in|resigned\s+from|quit|"
    r"(?:left|leave|leaving|leaves)(?=[ \t]+(?-i:[A-Z])[\w\-]*(?:[ \t]+(?-i:[A-Z])[\w\-]*){0,4}"
    r"[ \t]+(?:in|after|to|"
    r"for|last|this|on)\b)|join(?:s|ed|ing)?|rejoin(?:s|ed)?|according\s+to|"
    r"acquire[sd]?|(?:work(?:s|ed|ing)?|employed|been)\s+(?:at|for|with)"
    r"))[ \t]+(?:the[ \t]+)?(?P<v>" + _ORG_PHRASE + ")")
#: Words before a firm that say someone works, worked or will work there, speaks for it or
#: is its customer: after them a capitalised name is a firm even when it is an English word
#: (works at Oracle, an offer from Stripe, employed by Massive Dynamic).
_ORG_STRONG = re.compile(
    r"(?i:\b(?:(?:work(?:s|ed|ing)?|employed|hired|interning|intern(?:ed)?|temping|"
    r"(?:full|part)[\s\-]time|freelancing|contracting)\s+(?:at|for|by|with)"
    r"|(?:employee|employees|staff|customer|customers|client|clients|spokes(?:person|man|woman)|"
    r"representative|engineers?|developers?|analysts?|managers?|consultants?|recruiters?)"
    r"\s+(?:of|at|for|from)"
    # the people someone knows there ("our contact at Target", "a friend at Europol")
    r"|(?:contacts?|colleagues?|co-?workers?|friends?|someone|somebody|people|folks|guys|"
    r"reps?|boss|account\s+manager)\s+at"
    r"|(?:job|jobs|offer|offers|position|internship|role|interview|interviews|career|contract)"
    r"\s+(?:at|with|from)"
    r"|(?:reaching\s+out|writing|calling|emailing|contacting\s+you)\s+from"
    r"|interview(?:ed|ing)?\s+(?:with|at|for)|applied\s+(?:to|at|for)|join(?:s|ed|ing)?|"
    r"rejoin(?:s|ed)?|(?:left|leaving|quit|quitting)(?=[ \t]+(?-i:[A-Z])[\w&\-]*"
    r"(?:[ \t]+(?-i:[A-Z])[\w&\-]*){0,4}[ \t]+(?:in|after|to|for|last|this|on|because|and|"
    r"two|three|four|five|[0-9]|tbh|lol|soon|now|today|tomorrow|already|finally|yet)\b)|"
    r"shares\s+(?:in|of)|stake\s+in|studied\s+at|graduated\s+from|alumn(?:us|a|i)\s+of"
    r"))[ \t]+(?:the[ \t]+)?(?P<v>" + _ORG_PHRASE + ")")
#: A firm named before what its customers contact ("ugh Workday support is useless"): its
#: support only with the words for a service desk after it (not "adds Rust support").
_ORG_BEFORE_SUPPORT = re.compile(
    rf"(?<=[a-z,][ \t])(?P<v>{_ORG_PHRASE})[ \t]+(?:(?:customer[ \t]+)?support[ \t]+"
    r"(?:team|agent|agents|ticket|tickets|desk|chat|line|center|centre|staff|reps?|"
    r"representatives?|is|was|were|are|said|told)|(?:customer[ \t]+)?(?:helpdesk|"
    r"help[ \t]+desk|hotline|account[ \t]+manager)|customer[ \t]+service|recruiters?|"
    r"headquarters|HQ)\b")
#: A firm's stock or shares after the words for trading them ("I bought Tesla stock"; not
#: "the Linux stock kernel").
_ORG_BEFORE_STOCK = re.compile(
    r"(?i:\b(?:bought|sold|own|owns|owned|hold|holds|held|buy|buys|buying|sell|sells|selling)"
    r"[ \t]+(?:(?:some|more|my|our|all|his|her|their)[ \t]+)?)"
    rf"(?P<v>{_ORG_PHRASE})[ \t]+(?:stock|stocks|shares)\b")
#: The cues of ``_ORG_STRONG`` that also name things other than firms (left Python 2,
#: applied to Computer Science, work with Docker Compose): a firm's one word after them is
#: no dictionary word.
_ORG_WEAK_CUE = re.compile(
    r"(?i:\b(?:left|leaving|quit|quitting|applied[ \t]+(?:to|at|for)|writing[ \t]+from|"
    r"(?P<with>work(?:s|ed|ing)?[ \t]+with))[ \t]+(?:the[ \t]+)?)$")
#: The firm in a work-history line: "Acme (2015-2018)", "Acme (Lyon) - Data analyst",
#: "Acme, Lyon - Accountant", with any dash.
_YEARS = (r"(?:(?:[A-Z][a-z]{2,8}\.?[ \t]+)?(?:19|20)[0-9]{2}[ \t]*(?:[-–—/]|to|until|bis)"
          r"[ \t]*(?:(?:[A-Z][a-z]{2,8}\.?[ \t]+)?(?:19|20)[0-9]{2}|[0-9]{2}|present|now|today|"
          r"current|date|heute|aujourd'hui|actualidad|oggi|heden)|(?:since|seit|depuis|desde)"
          r"[ \t]+(?:19|20)[0-9]{2})")
_ORG_IN_HISTORY = re.compile(
    rf"(?P<v>{_ORG_PHRASE})[ \t]*\((?i:{_YEARS})\)"
    rf"|(?m:^[ \t]*(?:(?:[-*•·]|[0-9]{{1,2}}[.)])[ \t]*)?"
    rf"(?:(?:19|20)[0-9]{{2}}[ \t]*(?:[-–—/][ \t]*"
    rf"(?:(?:19|20)[0-9]{{2}}|present|now))?[ \t:,|]+)?"
    rf"(?P<h>{_ORG_PHRASE}(?:,[ \t]+{_ORG_PHRASE}){{0,3}})"
    rf"(?:[ \t]*\((?P<hp>{_PLACE_PHRASE})\)|,[ \t]*(?P<hc>{_PLACE_PHRASE}))?[ \t]*[—–|][ \t]*"
    rf"(?i:{_JOB})\b)")
#: A firm as the subject of what firms do (left-open: its first words may be the sentence's).
_ORG_SUBJECT = re.compile(
    rf"(?:^|(?<=[.!?][ \t])|(?<=\n)|(?<=[:;][ \t]))(?:[Tt]he[ \t]+)?(?P<v>{_ORG_PHRASE})[ \t]+"
    r"(?:(?:has|have|had|will|is|was|also|on\s+\w+|today|yesterday|recently|reportedly|"
    r"said\s+it|says\s+it)[ \t]+)?"
    r"(?:announced|reported|posted|unveiled|launched|acquired|agreed|plans|planned|confirmed|"
    r"denied|issued|hired|employs|employed|recalled|filed|raised|expects|opened|signed|won|"
    r"rose|fell|slumped|jumped|warned|cut|laid\s+off|is\s+hiring|hiring|went\s+public|"
    r"shares|stock|reported|said\s+on|told\s+(?:Reuters|reporters|investors)|"
    r"will\s+(?:open|close|cut|buy|acquire|invest)|agreed\s+to|has\s+agreed|approved|declined|"
    r"rejected|sued|settled|apologi[sz]ed|responded|denied|delayed|postponed|cancell?ed)\b")

#: Chinese: the firm someone works at, joins or leaves, and a firm as the subject of news.
_ZH_ORG_WORK = re.compile(
    rf"(?:在|于|進|进|去|到)(?P<v>[{_CJK}A-Za-z0-9&]{{2,14}}?)(?:工作|上班|任职|实习|打工|就职|当[{_CJK}]{{1,4}}师|做[{_CJK}]{{1,4}}(?:师|员))"
    rf"|(?:加入了?|入职了?|就职于|任职于|供职于|受雇于|跳槽到了?|跳槽去了?|收购了?|签约了?)(?P<j>[{_CJK}A-Za-z0-9&]{{2,12}}?)"
    rf"(?=[，,。；;！!？?、\s]|$|工作|上班|担任|做|当|的|以后|之后|后|前|已经|了)"
    rf"|(?:(?P<lead>听说|据说|据悉|消息称|报道称)|^|(?<=[。！？!?\n，,；;]))(?P<s>[{_CJK}A-Za-z0-9&]{{2,8}}?)"
    rf"(?:今天|昨天|今日|近日|日前|正式|又|也|还|再次|将|已经|已|正|在)*"
    rf"(?:发布|宣布|推出|公布|裁员|招人|招聘|上市|收购)")
#: Chinese words such a cue also meets that name no firm: places of no one, times, pronouns.
_ZH_NOT_ORG = frozenset("""
家 家里 家中 这里 那里 这儿 那儿 哪里 哪儿 公司 单位 学校 医院 银行 工厂 厂里 国外 海外 外地 本地
当地 老家 城里 农村 乡下 网上 线上 线下 办公室 一起 外企 国企 私企 央企 大厂 小厂 小公司 大公司
政府 店里 餐厅 饭店 工地 现场 总部 分公司 前台 周末 晚上 白天 夜里 假期 这边 那边 附近 我们 你们
他们 她们 大家 官方 国家 有关部门 部门 团队 平台 市场 行业 北方 南方 外面 里面 今天 明天 昨天
现在 目前 以前 之前 过去 未来 将来 去年 今年 明年 每天 平时 同一家 这家 那家 一家 本公司 该公司
我 你 他 她 它 谁 什么 哪 哪家 那个 这个 一个 同事 老板 领导 对方 双方 小区 城市 地方 项目
""".split())  # noqa: SIM905 - as a list literal, four times as long


#: Lower-case words that join the words of a name (Bank of Spain, Pires de Pacheco).
_CONNECTORS = frozenset(("of", "and", "for", "de", "du", "des", "la", "le", "van", "von", "der",
                         "di", "da", "y", "e", "et", "und", "on", "upon", "the"))


def _trim_value(text: str, start: int, end: int) -> tuple[int, int]:
    """A value without the sentence's punctuation after it and the days, months, articles
    and pronouns at its ends (moved to Boston Monday, at The Acme)."""
    while end > start and text[end - 1] in " \t,;:!?)'\"’”":
        end -= 1
    if end > start and text[end - 1] == "." and not re.search(
            rf"(?:(?<![\w])(?:[A-Za-z]\.){{1,4}}|\b(?:{_ORG_FORMS}|{_MORE_ORG_FORMS}|St|Jr|Sr|Co|"
            rf"Corp|Inc|Ltd|Ltda|Bros)\.)$", text[start:end]):
        end -= 1
    while (m := _LAST_WORD.search(text, start, end)) is not None \
            and (_NOT_PLACE_WORD.fullmatch(m.group("w").strip(".,"))
                 or m.group("w") in _CONNECTORS):
        end = m.start()  # Chisinau on Sunday: the day, then the "on" it leaves
    if (m := _LEADING_ARTICLES.match(text, start, end)) is not None:
        start = m.end()
    if _NOT_PLACE_WORD.fullmatch(text[start:end].strip(".,")):
        return start, start  # left Monday
    while end > start and text[end - 1] in " \t,;:":
        end -= 1
    return start, end


_LAST_WORD = re.compile(r"[ \t]+(?P<w>\S+)$")
_LEADING_ARTICLES = re.compile(r"(?:(?:The|A|An|At|In|For|With|From|To)[ \t]+)+")


#: A Chinese place with its unit after the words for being, going or coming somewhere.
_ZH_PLACE_CUED = re.compile(
    rf"(?:在|去|到|来自|从|住在|搬到了?|搬去了?|位于|回到?了?|飞往|前往|抵达|离开了?|老家是?|是)"
    rf"(?P<v>[{_CJK}]{{1,5}}(?:省|市|县|镇))(?![{_CJK}]{{0,1}}(?:场|长|民|委|政|区|里))")
#: Words with such a unit at the end that name no one place (超市, 城市, 全省).
_ZH_NOT_PLACE = frozenset("""
城市 都市 超市 门市 股市 夜市 菜市 集市 黑市 上市 本市 该市 全市 各市 外市 全省 本省 该省 外省 各省
全县 本县 该县 各县 小镇 城镇 乡镇 村镇 古镇 本州 全州 各州 外州 新城市 大城市 小城市
""".split())  # noqa: SIM905 - as a list literal, four times as long


#: A Chinese place without its unit, by what one does there or where one is from.
_ZH_PLACE_DOING = re.compile(
    rf"(?:去|到|从|来自|住在|搬到了?|回|飞|飞往|前往|在)(?P<v>[{_CJK}]{{2,4}}?)"
    rf"(?:出差|旅游|旅行|玩|回来|出发|开会|读书|上学|定居|生活|度假|探亲|转机)"
    rf"|(?:是|来自)(?P<p>[{_CJK}]{{2,4}}?)人(?=[吗吧呢啊。，,！!？?\s]|$)")


#: A Japanese place: prefecture, city or district, ward, town or village, before the particle
#: or word that follows a place (横浜市都筑区に, 袖ケ浦市出身).
_JA_KANJI = "\u3005\u4e00-\u9fff\u30f6\u30b1"
_JA_PLACE = re.compile(
    rf"(?<![{_JA_KANJI}])(?P<v>(?:[{_JA_KANJI}]{{1,4}}[都道府県县])?(?:[{_JA_KANJI}]{{1,5}}?[市郡])?"
    rf"(?:[{_JA_KANJI}]{{1,5}}?[区區町村])?)(?=に|で|の|から|へ|出身|在住|生まれ|育ち|、|。)")


def _zh_places(text: str) -> list[tuple[int, int]]:
    out = []
    if re.search("[\u3040-\u309f]", text):  # hiragana: Japanese
        out += [m.span("v") for m in _JA_PLACE.finditer(text)
                if m.end("v") - m.start("v") >= 2
                and re.search("[都道府県县市郡区區町村]$", m.group("v"))]
    for m in _ZH_PLACE_DOING.finditer(text):
        start, end = m.span("v" if m.group("v") is not None else "p")
        value = text[start:end]
        if value not in _ZH_NOT_ORG and value not in _ZH_STOP_WORDS and value[0] not in \
                "个一这那哪某每各什我你他她它" and not re.search(r"[里上下边面]$", value):
            out.append((start, end))
    for m in _ZH_PLACE_CUED.finditer(text):
        start, end = m.span("v")
        while start < end and text[start] in _ZH_STOP_CHARS:
            start += 1
        if (d := re.match(r"(?:这个|那个|一个|每个|各个|整个|这|那|每|各|全|某)", text[start:end])):
            start += d.end()
        value = text[start:end]
        if end - start >= 2 and value not in _ZH_NOT_PLACE \
                and not value.endswith(("城市", "都市", "超市", "夜市", "股市")):
            out.append((start, end))
    return out


def _cued_places(text: str) -> list[tuple[int, int]]:
    """Places after a cue, named by their kind, before a firm's site, in a work-history line."""
    spans: list[tuple[int, int]] = []
    for pattern in (_PLACE_WEAK_CUED, _PLACE_BEFORE_SITE, _REGION_KIND):
        spans.extend(_trim_value(text, *m.span("v")) for m in pattern.finditer(text))
    for m in _ORG_IN_HISTORY.finditer(text):  # Acme (Lyon) - Data analyst
        spans.extend(_trim_value(text, *m.span(group)) for group in ("hp", "hc")
                     if m.group(group) is not None)
    if _CJK_RUN.search(text):
        spans += _zh_places(text)
    return spans


def _listed_after(text: str, found: list[tuple[int, int]], phrase: str,
                  ) -> list[tuple[int, int]]:
    """The items that follow each of ``found`` in a list on its line."""
    out: list[tuple[int, int]] = []
    for _, end in found:
        j = _ITEM_JOIN_RE.match(text, end)
        if j is not None:
            out.extend(_list_items(text, j.end(), phrase, limit=6))
    return out


def _line_listed(text: str, heading_re: re.Pattern[str], phrase: str,
                 known: Any) -> list[tuple[int, int]]:
    """The items of bulleted or numbered lines under a heading ``heading_re`` matches, or
    beside an item ``known`` (a function of its span) says is one of the kind."""
    out: list[tuple[int, int]] = []
    for heading, items in _line_list_runs(text):
        if heading_re.match(heading) or (len(items) >= 2 and any(known(s, e) for s, e in items)):
            out.extend(_trim_value(text, s, e) for s, e in items
                       if re.fullmatch(phrase, text[s:e].strip(" .")))
    return out


_ITEM_ARTICLE = re.compile(r"(?:the|The)[ \t]+(?=[A-ZÀ-ÖØ-ÞĀ-Ž])")


def _list_items(text: str, at: int, phrase: str, limit: int = 12) -> list[tuple[int, int]]:
    """The items of a list that starts at ``at``, each one ``phrase``, joined by commas,
    semicolons, slashes, "and", "or" and "&", on one line."""
    out: list[tuple[int, int]] = []
    item = re.compile(phrase)
    pos = at
    while len(out) < limit:
        if (article := _ITEM_ARTICLE.match(text, pos)) is not None:
            pos = article.end()  # "Clients: UBS, the Salvation Army": the name after it
        m = item.match(text, pos)
        if m is None:
            break
        out.append(_trim_value(text, *m.span()))
        j = _ITEM_JOIN_RE.match(text, m.end())
        if j is None:
            break
        pos = j.end()
    return [(s, e) for s, e in out if e > s]


def _line_list_runs(text: str) -> list[tuple[str, list[tuple[int, int]]]]:
    """Runs of bulleted or numbered lines next to each other: the line before the run (its
    heading, empty when the run starts the text) and each item's span."""
    runs: list[tuple[str, list[tuple[int, int]]]] = []
    last_end = -2
    for m in _LIST_LINE.finditer(text):
        line_start = m.start()
        if runs and text[last_end:line_start].strip() == "" and \
                text[last_end:line_start].count("\n") <= 1:
            runs[-1][1].append(m.span("v"))
        else:
            head = text.rfind("\n", 0, max(0, line_start - 1)) + 1
            runs.append((text[head:line_start - 1] if line_start > 0 else "", [m.span("v")]))
        last_end = m.end()
    return runs


class ContextPlaceRecognizer(OwnRecognizer):
    """Places after the words that say less than "lives in" (flew back from, our office in,
    the city of), named by their kind (Blekinge län, County Cork), listed after the word for
    them (Offices: …) or with a place (Lyon, Graz and Turku). Ordinary words are dropped in
    :func:`doubtful`."""

    ENTITY = "LOCATION"
    SCORE = 0.86  # above the NER model's 0.85: an equal span of its is dropped, not ours

    def analyze(self, text: str, entities: list[str],
                nlp_artifacts: NlpArtifacts | None = None) -> list[RecognizerResult]:
        if self.ENTITY not in entities:
            return []
        spans = _cued_places(text)
        for m in _PLACE_LIST_LABEL.finditer(text):
            spans.extend(_list_items(text, m.end(), _PLACE_PHRASE))
        # The items listed with a place: "Lyon, Graz and Turku", "in Vago, Italy".
        anchors = [m.span() for m in _EN_PLACE.finditer(text)]
        spans += _listed_after(text, [*anchors, *spans, *_strongly_cued_places(text)],
                               _PLACE_PHRASE)
        spans += _line_listed(text, _PLACE_HEADING, _PLACE_PHRASE,
                              lambda s, e: _EN_PLACE.fullmatch(text[s:e].strip()) is not None)
        return [make_result(self, self.ENTITY, s, e, self.SCORE, "place by its context")
                for s, e in set(spans) if e > s]


#: A known place: what a town's name before a comma may be followed by (Zoutkamp,
#: Netherlands; Portland, OR 97201).
_KNOWN_PLACE = ("(?:" + "|".join(map(re.escape, _ALL_PLACES)) + rf"|(?:{_STATE_ABBR})"
                r"(?=[ \t]+[0-9]{5}|[ \t]*(?:$|[\n,;.)|])))(?![\w\-])")
_BEFORE_KNOWN_PLACE = re.compile(
    rf"(?<![\w\-])(?P<v>{_PLACE_PHRASE})(?:,[ \t]*|[ \t]*\((?=[^)\n]{{2,40}}\)))"
    rf"(?={_KNOWN_PLACE})")


def _strongly_cued_places(text: str) -> list[tuple[int, int]]:
    """Places after the words that say someone lives, was born or comes from there."""
    spans: list[tuple[int, int]] = []
    for m in _PLACE_CUED.finditer(text):
        start, end = m.span("v")
        words = text[start:end].split()
        while words and _NOT_PLACE_WORD.fullmatch(words[-1].strip(".,")):
            end -= len(words.pop()) + 1  # moved to Boston Monday
        if words and not _NOT_PLACE_WORD.fullmatch(words[0]):
            spans.append((start, end - text[start:end].endswith(".")))
    return spans


class CuedPlaceRecognizer(OwnRecognizer):
    """Places after "lives in", "born in", "moved to", "I'm from": a word of the dictionary
    there is a town too (Warszawa, Leeds), so :func:`doubtful` drops only the parts of a firm
    and function words (I'm from Sales)."""

    ENTITY = "LOCATION"
    SCORE = 0.9  # above the NER model: its LOCATION alone may be dropped as a word

    def analyze(self, text: str, entities: list[str],
                nlp_artifacts: NlpArtifacts | None = None) -> list[RecognizerResult]:
        if self.ENTITY not in entities:
            return []
        spans = _strongly_cued_places(text)
        spans += _listed_after(text, spans, _PLACE_PHRASE)
        return [make_result(self, self.ENTITY, s, e, self.SCORE, "place after a cue")
                for s, e in set(spans) if e > s]


class _LeftOpenRecognizer(OwnRecognizer):
    """Findings whose first words may be the sentence's (group ``v`` of ``PATTERN``): each
    shorter reading is offered too, and :func:`doubtful` keeps those that start with no
    ordinary word."""

    SCORE = 0.86  # above the NER model's 0.85: an equal span of its is dropped, not ours
    PATTERN: re.Pattern[str]
    WHY: str

    def analyze(self, text: str, entities: list[str],
                nlp_artifacts: NlpArtifacts | None = None) -> list[RecognizerResult]:
        if self.ENTITY not in entities:
            return []
        out = []
        for m in self.PATTERN.finditer(text):
            for i, (start, end) in enumerate(
                    _left_readings(text, *_trim_value(text, *m.span("v")))):
                # A shorter reading scores higher: Presidio drops a finding that a finding of
                # its type with a score as high contains, and the longer may be dropped later.
                out.append(make_result(self, self.ENTITY, start, end, self.SCORE + 0.01 * i,
                                       self.WHY))
        return out


class NeighbourPlaceRecognizer(_LeftOpenRecognizer):
    """A town before its country, state or region: "Zoutkamp, Netherlands", "West
    Kimberlyview, NJ", "Vago (Italy)" ("Visit Zoutkamp, …": left-open)."""

    ENTITY = "LOCATION"
    PATTERN = _BEFORE_KNOWN_PLACE
    WHY = "place before a known place"


def _left_readings(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """``text[start:end]`` and each shorter span that starts at a later capitalised word."""
    out = [(start, end)]
    for m in re.finditer(r"[ \t\-](?=[A-ZÀ-ÖØ-ÞĀ-Ž])", text[start:end]):
        out.append((start + m.end(), end))
    return out


class ContextOrganizationRecognizer(OwnRecognizer):
    """Firms by what is said round them: after a job title (Data analyst, Moon-Wells), after
    the words for starting at, owning, buying or speaking for one, in a work-history line,
    listed after the word for them (Clients: …) or with a firm that has its legal form;
    Chinese firms someone works at, joins or leaves. Ordinary words are dropped in
    :func:`doubtful`."""

    ENTITY = "ORGANIZATION"
    SCORE = 0.86  # above the NER model's 0.85: an equal span of its is dropped, not ours

    def load(self) -> None:
        _ZhDictionary.load()

    def analyze(self, text: str, entities: list[str],
                nlp_artifacts: NlpArtifacts | None = None) -> list[RecognizerResult]:
        if self.ENTITY not in entities:
            return []
        spans = [_trim_value(text, *m.span("v"))
                 for pattern in (_ORG_AFTER_JOB, _ORG_CUED) for m in pattern.finditer(text)]
        spans += [_trim_value(text, *m.span("v" if m.group("v") is not None else "h"))
                  for m in _ORG_IN_HISTORY.finditer(text)]
        for m in _ORG_LIST_LABEL.finditer(text):
            spans.extend(_list_items(text, m.end(), _ORG_PHRASE))
        formal = [m.span("v") for m in _EN_ORG.finditer(text) if m.group("v") is not None]
        spans += _listed_after(text, [*formal, *spans], _ORG_PHRASE)
        spans += _line_listed(text, _ORG_HEADING, _ORG_PHRASE, lambda s, e: any(
            s <= fs and fe >= e - 1 for fs, fe in formal))
        out = [make_result(self, self.ENTITY, s, e, self.SCORE, "organisation by its context")
               for s, e in set(spans) if e > s]
        if _CJK_RUN.search(text):
            for m in _ZH_ORG_WORK.finditer(text):
                group = next(g for g in ("v", "j", "s") if m.group(g) is not None)
                span = _zh_org_value(text, *m.span(group),
                                     subject=group == "s" and m.group("lead") is None)
                if span is not None:
                    out.append(make_result(self, self.ENTITY, *span, self.SCORE,
                                           "organisation after a Chinese cue"))
        return out


def _zh_org_value(text: str, start: int, end: int, subject: bool = False,
                  ) -> tuple[int, int] | None:
    """The firm in what a Chinese cue took (the part after the last 的, with no demonstrative
    before it), or None where that names no firm (家里, 周末, 这家公司)."""
    value = text[start:end]
    if "的" in value:
        start += value.rindex("的") + 1
        value = text[start:end]
    m = re.match(r"(?:这家|那家|一家|这个|那个|一个|该|本|某|我们|我|你|他|她)+", value)
    if m:
        start += m.end()
        value = text[start:end]
    if len(value) < 2 or value in _ZH_NOT_ORG or value in _ZH_STOP_WORDS \
            or value[0] in _ZH_STOP_CHARS or re.fullmatch(r"[0-9]+", value):
        return None
    if re.search(r"(?:时候|期间|以后|之后|以前|之前|年|月|天|里|中|上|下|内|外|前|后|旁|边|地方|"
                 r"方面|行业|领域|部门|岗位|方向|单位|机构|企业|工厂|学校|医院|公司)$", value):
        return None
    if subject and all(w in _ZhDictionary.common for w in _ZhDictionary.load().lcut(value)):
        return None  # 版本发布, 会议宣布: a common noun as the subject
    return start, end


class EmployerOrganizationRecognizer(OwnRecognizer):
    """Firms after the words that say someone works there, is hired, interviewed or
    employed by one, speaks for it or is its customer (``_ORG_STRONG``), and before the
    words for its support desk: such a cue makes a capitalised name a firm even when it is
    an English word (works at Oracle); :func:`doubtful` drops only days, months, pronouns
    and the parts of a firm (joined Marketing)."""

    ENTITY = "ORGANIZATION"
    SCORE = 0.86

    def analyze(self, text: str, entities: list[str],
                nlp_artifacts: NlpArtifacts | None = None) -> list[RecognizerResult]:
        if self.ENTITY not in entities:
            return []
        out = []
        for pattern in (_ORG_STRONG, _ORG_BEFORE_SUPPORT, _ORG_BEFORE_STOCK):
            for m in pattern.finditer(text):
                start, end = _trim_value(text, *m.span("v"))
                if end > start:
                    out.append(make_result(self, self.ENTITY, start, end, self.SCORE,
                                           "organisation after a work cue"))
        return out


#: The head nouns of an institution's name that say what kind of body it is (a surgery, a
#: club, a school, a trust, a co-operative, an agency): capitalised words before one name a
#: body even where they are ordinary words (Greenway Medical Centre, Meridian Health Trust,
#: Auckland Rugby Club). Hospital and Clinic alone are legal-form words (``_ORG_FORMS``).
_INSTITUTION_HEAD = (
    r"(?:(?:Medical|Health|Healthcare|Dental|Community|Leisure|Sports?|Wellness|Family|Youth|"
    r"Cancer|Eye|Fertility|Rehabilitation|Rehab|Veterinary|Vet|Day|Care|Learning|Language|"
    r"Training|Conference|Garden|Tyre|Tire|Fitness)[ \t]+Cent(?:re|er)s?"
    r"|(?:Medical|Dental|Family|General|Veterinary|GP|Group)[ \t]+(?:Practice|Surgery|Group)"
    r"|Family[ \t]+Medicine|Urgent[ \t]+Care|Medical[ \t]+Clinic|Health[ \t]+Services?"
    r"|(?:Health|NHS|Foundation|Housing|Hospitals?|Care|Healthcare|Ambulance|Wildlife|"
    r"Community|Academy|Academies|Schools|Charitable|Educational)[ \t]+Trust"
    r"|Hospitals|Clinics|Infirmary|Hospice|Pharmacy|Chemists?|Dentistry|Dental[ \t]+Care"
    r"|(?:Rugby|Football|Cricket|Golf|Tennis|Sports|Yacht|Sailing|Rowing|Chess|Country|"
    r"Swimming|Athletic|Athletics|Boxing|Cycling|Running|Bowls|Bowling|Hockey|Netball|"
    r"Squash|Lions|Rotary|Rifle|Riding|Ski|Climbing|Badminton|Basketball|Baseball|Soccer|"
    r"Volleyball|Darts|Snooker|Angling|Gymnastics)[ \t]+Club"
    r"|(?:Primary|Secondary|High|Grammar|Infant|Infants|Junior|Middle|Elementary|"
    r"Comprehensive|Prep|Preparatory|Nursery|Montessori|Catholic|Church|Free|Independent)"
    r"[ \t]+School|Academy|Sixth[ \t]+Form[ \t]+College"
    r"|Co-?op|Co-?operative|Credit[ \t]+Union|Building[ \t]+Society|Housing[ \t]+Association"
    r"|Estate[ \t]+Agents?|Letting[ \t]+Agents?|Solicitors|Accountants|Architects|"
    r"Surveyors|Dental[ \t]+Surgery|Opticians?|Veterinary[ \t]+Surgeons?|Vets)"
)
#: A name before such a head: one to four capitalised words (no digit: not "Unit 4").
_INSTITUTION = re.compile(
    rf"(?<![\w\-'’])(?P<v>{_NAME_WORD_NO_DIGIT}(?:[ \t]+(?:(?:&|and|of|on|de|St\.?)[ \t]+)?"
    rf"{_NAME_WORD_NO_DIGIT}){{0,3}}?[ \t]+(?P<h>{_INSTITUTION_HEAD}))(?![\w\-])")
#: Words that open a capitalised run without naming its body (Call Greenway Medical Centre,
#: Our Family Practice, Local Health Trust).
_INSTITUTION_NOT_NAME = frozenset((
    "Local", "Nearest", "Nearby", "New", "Main", "Private", "Public", "State", "Your", "Our",
    "My", "His", "Her", "Their", "Its", "This", "That", "These", "Those", "Every", "Any", "Each",
    "Some", "Which", "What", "Whose", "Another", "Other", "Same", "Best", "Good", "Big", "Small",
    "Nhs", "NHS", "Independent", "Community", "Medical", "Health", "Family", "Sports",
))
#: Someone introducing themselves by the body they speak for ("this is Deborah Fuller from
#: Fuller & Sons Estate Agents", "it's Priya from Apollo Clinics"): a person's name, then the
#: body. Case-sensitive name: "it's me from work" names nothing.
_INTRO_ORG = re.compile(
    r"(?i:\b(?:this[ \t]+is|it'?s|it’s|i'?m|i’m|i[ \t]+am|my[ \t]+name[ \t]+is|here[ \t]+is)"
    r"[ \t]+(?:(?:Dr|Mr|Mrs|Ms|Miss|Prof)\.?[ \t]+)?)"
    r"(?-i:[A-Z][a-z'’\-]+(?:[ \t]+[A-Z][a-z'’\-]+){0,2})"
    r"(?:[ \t]*,[ \t]*[a-z]+(?:[ \t]+[a-z]+){0,3}[ \t]*,?)?"  # ", the practice manager,"
    r"[ \t]+(?:from|at|with)[ \t]+(?:the[ \t]+)?"
    rf"(?P<v>{_FRAMED_ORG_PHRASE}(?:[ \t]+{_INSTITUTION_HEAD})?)")
#: Experience named by the place it was gained at ("1 year experience at Costa Coffee").
_EXPERIENCE_AT = re.compile(
    rf"(?i:\bexperience[ \t]+(?:working[ \t]+)?at)[ \t]+(?:the[ \t]+)?(?P<v>{_ORG_PHRASE})")

#: Chinese: the sender's signature a Chinese text message must carry (【顺丰速运】), the body
#: someone says they speak for (我是平安保险的曹丽), a body before its department or event
#: (阿里巴巴人事部, 腾讯招聘会) and a sender line before its greeting (京东物流, a full-width
#: colon, 您的订单).
_ZH_SENDER_SIGNATURE = re.compile(rf"【(?P<v>[{_CJK}A-Za-z0-9&·]{{2,12}})】")
_ZH_SPEAKS_FOR = re.compile(
    rf"(?:我是|这里是|这边是|我们是)(?P<v>[{_CJK}A-Za-z0-9&]{{2,10}}?)的"
    rf"(?=(?:小|老|阿)[{_CJK}](?![{_CJK}])|[{_CJK}]{{1,3}}(?:[，,。！!？?、\s]|$)"
    rf"|[{_CJK}]{{0,3}}(?:经理|老师|医生|护士|师傅|主管|专员|顾问|客服|律师|工作人员))")
_ZH_DEPARTMENT = re.compile(
    r"(?:人事部|人力资源部|人力资源中心|招聘部|招聘会|招聘组|校园招聘|客服中心|客服部|财务部|"
    r"法务部|市场部|总部|分公司|分行|支行|门店|营业厅)")
_ZH_SENDER_LINE = re.compile(
    rf"(?m:^[ \t]*)(?P<v>[{_CJK}A-Za-z0-9&]{{2,8}})[：:][ \t]*"
    r"(?=您|你好|尊敬的|亲爱的|取件码|验证码|【)")
#: Kinds of message a bracket or a line's label names, not a sender (【温馨提示】, 通知).
_ZH_MESSAGE_KIND = re.compile(
    r"(?:提示|通知|提醒|公告|验证码|消息|广告|推广|活动|快讯|预警|告知|须知|声明|紧急|重要|"
    r"转发|回复|标题|备注|附件|更新|新闻|头条|热点|福利|优惠|促销)$")
#: Endings of a business that sends such lines (菜鸟驿站, 京东物流): with one, common words
#: before it name the sender still.
_ZH_BUSINESS_END = re.compile(
    r"(?:驿站|物流|快递|速运|速递|银行|保险|医院|诊所|药房|药店|超市|商城|酒店|航空|公司|集团|"
    r"电力|燃气|水务|电信|移动|联通|证券|基金|地产|物业)$")


class InstitutionOrganizationRecognizer(OwnRecognizer):
    """Bodies by what they are called and how they are introduced: capitalised words before
    the head noun of an institution (Greenway Medical Centre, Auckland Rugby Club), the body
    someone introducing themselves speaks for (this is Deborah Fuller from Fuller & Sons),
    where experience was gained; Chinese senders' signatures (【顺丰速运】), the body someone
    says they are from (我是平安保险的曹丽), a body before its department (阿里巴巴人事部) and
    a sender line (京东物流：您的订单). A sentence's opening ordinary word before a name is
    left out (Call Greenway Medical Centre)."""

    ENTITY = "ORGANIZATION"
    SCORE = 0.86

    def __init__(self, language: str = "en", lexicon: Lexicon | None = None) -> None:
        super().__init__(language)
        self._lexicon = lexicon

    def load(self) -> None:
        _ZhDictionary.load()

    def analyze(self, text: str, entities: list[str],
                nlp_artifacts: NlpArtifacts | None = None) -> list[RecognizerResult]:
        if self.ENTITY not in entities:
            return []
        out = []
        for m in _INSTITUTION.finditer(text):
            span = self._institution(text, m.start("v"), m.start("h"), m.end("h"))
            if span is not None:
                out.append(make_result(self, self.ENTITY, *span, self.SCORE,
                                       "name before an institution's head noun"))
        for pattern in (_INTRO_ORG, _EXPERIENCE_AT):
            for m in pattern.finditer(text):
                start, end = m.span("v")
                cut = re.search(r"[.!?][ \t]", text[start:end])  # a sentence ends in it
                start, end = _trim_value(text, start, start + cut.start() if cut else end)
                value = text[start:end]
                if end > start and not _no_name_words(value) and value not in EN_PLACE_NAMES \
                        and _NOT_PLACE_WORD.fullmatch(value.split()[0]) is None:
                    out.append(make_result(self, self.ENTITY, start, end, self.SCORE,
                                           "organisation someone speaks for"))
        if _CJK_RUN.search(text):
            out.extend(make_result(self, self.ENTITY, *span, self.SCORE,
                                   "Chinese organisation by its frame")
                       for span in _zh_framed_orgs(text))
        return out

    def _institution(self, text: str, start: int, head: int, end: int,
                     ) -> tuple[int, int] | None:
        """The body's span, without the opening words that name none; None where no name
        is left before the head."""
        words = [(w.start() + start, w.group()) for w in
                 re.finditer(r"\S+", text[start:head])]
        while words:
            pos, word = words[0]
            bare = word.rstrip(".,")
            opening = _sentence_start(text, pos) and self._lexicon is not None \
                and len(self._lexicon) and self._lexicon.is_word(bare) and len(words) > 1
            if bare in _INSTITUTION_NOT_NAME or bare.lower() in stop_words() \
                    or _OPENING_WORD.fullmatch(bare) or bare in ("&", "and", "of", "on") \
                    or opening:
                words.pop(0)
                continue
            break
        names = [w for _, w in words if w not in ("&", "and", "of", "on", "de")]
        if not names or _no_name_words(" ".join(names)) \
                or all(w in _GENERIC_BODIES or w in _INSTITUTION_NOT_NAME for w in names):
            return None
        return words[0][0], end


def _zh_framed_orgs(text: str) -> list[tuple[int, int]]:
    """The Chinese bodies of :class:`InstitutionOrganizationRecognizer`."""
    out = []
    for m in _ZH_SENDER_SIGNATURE.finditer(text):
        value = m.group("v")
        if _ZH_MESSAGE_KIND.search(value) is None and value not in _ZH_NOT_ORG:
            out.append(m.span("v"))
    for m in _ZH_SPEAKS_FOR.finditer(text):
        span = _zh_org_value(text, *m.span("v"))
        if span is not None and _ZH_MESSAGE_KIND.search(text[span[0]:span[1]]) is None:
            out.append(span)
    for m in _ZH_DEPARTMENT.finditer(text):
        start = _zh_left_edge(text, m.start())
        span = _zh_org_value(text, start, m.start(), subject=True) \
            if m.start() - start >= 2 else None
        if span is not None:
            out.append(span)
    for m in _ZH_SENDER_LINE.finditer(text):
        start, end = m.span("v")
        value = text[start:end]
        if _ZH_MESSAGE_KIND.search(value) is not None or value in _ZH_NOT_ORG:
            continue
        if _ZH_BUSINESS_END.search(value) is not None \
                or _zh_org_value(text, start, end, subject=True) is not None:
            out.append((start, end))
    return out


#: A letter's sign-off line, or the line ("-- ") that opens an e-mail signature.
_SIGN_OFF = (r"(?:(?:best|kind|warm|warmest|many|with\s+best)?[ \t]*(?:regards|wishes)|best|cheers|"
             r"thanks|thank\s+you|many\s+thanks|sincerely|yours(?:\s+(?:sincerely|faithfully|"
             r"truly))?|all\s+the\s+best|take\s+care|br|rgds|--)")
#: A person's name on a signature line: two or three capitalised words (particles between).
_SIG_NAME = (r"(?:(?:Dr|Prof|Mr|Mrs|Ms|Mx)\.?[ \t]+)?[A-Z][\w'’.\-]+(?:[ \t]+(?:(?:van|von|de|"
             r"der|den|da|di|du|la|le)[ \t]+)?[A-Z][\w'’.\-]+){1,3}")
#: The firm of an e-mail signature: the line under a job title that has a line of its own
#: (Senior Analyst / Europol), the line under the name after a sign-off (Best, / Ana Lima /
#: UNICEF), and the part after a bar or bullet on the name's line (Jane Doe | Acme Corp).
_SIG_ORG = re.compile(
    rf"(?im:^[ \t]*(?:{_JOB})[ \t]*\r?\n)[ \t]*(?:the[ \t]+)?(?P<v>{_FRAMED_ORG_PHRASE})[ \t]*\r?$"
    rf"|(?im:^[ \t]*{_SIGN_OFF}[ \t]*[,!.]?[ \t]*\r?\n)[ \t]*{_SIG_NAME}[ \t]*\r?\n"
    rf"(?:[ \t]*(?i:{_JOB})[ \t]*\r?\n)?[ \t]*(?:the[ \t]+)?(?P<n>{_FRAMED_ORG_PHRASE})[ \t]*\r?$"
    rf"|(?m:^)[ \t]*{_SIG_NAME}[ \t]*(?:,[ \t]*(?i:{_JOB})[ \t]*)?[|·•][ \t]*"
    rf"(?:(?i:{_JOB})[ \t]*[|·•,][ \t]*)?(?:the[ \t]+)?(?P<b>{_FRAMED_ORG_PHRASE})[ \t]*\r?$",
    re.MULTILINE)
#: A sign-off or signature line within a few lines before a "Name | Firm" line.
_SIG_BEFORE = re.compile(rf"(?im:^[ \t]*{_SIGN_OFF}[ \t]*[,!.]?[ \t]*\r?$)")


#: What follows an item of a list on its line: a join, a bracket, the line's or sentence's end.
_ITEM_END = re.compile(r"[ \t]*(?:[,;/&(]|(?:and|or)(?![\w\-])|[.!]?[ \t]*(?:\r?\n|$))")


class FramedOrganizationRecognizer(OwnRecognizer):
    """Firms where the shape of the text says a firm is there, so that a firm whose name is
    a dictionary word (Oracle, Europol, Greenpeace: the model's lexicon lists proper nouns
    too) is kept: an e-mail signature's firm line (see ``_SIG_ORG``), and the items of a
    list whose label or heading names firms (Clients: …, Suppliers: / - …). :func:`doubtful`
    drops only values that no firm is called (Home, Sales, Retired)."""

    ENTITY = "ORGANIZATION"
    SCORE = 0.86

    def analyze(self, text: str, entities: list[str],
                nlp_artifacts: NlpArtifacts | None = None) -> list[RecognizerResult]:
        if self.ENTITY not in entities:
            return []
        spans: list[tuple[int, int]] = []
        if "\n" in text:
            for m in _SIG_ORG.finditer(text):
                group = next(g for g in ("v", "n", "b") if m.group(g) is not None)
                if group == "b" and text[m.end():].strip() and _SIG_BEFORE.search(
                        text, text.rfind("\n", 0, max(0, m.start() - 200)) + 1,
                        m.start()) is None:
                    continue  # "Home | About": a bar line not in a signature
                if group != "v" and re.fullmatch(rf"(?i:{_JOB})", m.group(group).strip()):
                    continue  # the job title's own line
                spans.append(_trim_value(text, *m.span(group)))
            spans += _line_listed(text, _ORG_HEADING, _FRAMED_ORG_PHRASE, lambda s, e: False)
        for m in _ORG_LIST_LABEL.finditer(text):
            # items, not the first words of a sentence ("Clients: Many asked for …")
            spans.extend((s, e) for s, e in _list_items(text, m.end(), _FRAMED_ORG_PHRASE)
                         if _ITEM_END.match(text, e))
        return [make_result(self, self.ENTITY, s, e, self.SCORE, "organisation by its frame")
                for s, e in set(spans) if e > s]


class SubjectOrganizationRecognizer(_LeftOpenRecognizer):
    """A firm as the subject of what firms do ("Texier announced", "Shares of …" aside;
    "Yesterday Texier announced": left-open)."""

    ENTITY = "ORGANIZATION"
    PATTERN = _ORG_SUBJECT
    WHY = "organisation as a subject"


#: A firm before the possessive and one of its officers, bodies or figures ("Harvard's chief
#: financial officer", "the FBI's spokesperson", "Nestlé's share price").
_ORG_POSSESSIVE = re.compile(
    rf"(?<![\w\-'’])(?:[Tt]he[ \t]+)?(?P<v>{_ORG_PHRASE})['’]s[ \t]+(?:(?:new|former|interim|"
    r"acting|outgoing|incoming|own|global|chief)[ \t]+)*(?:(?:executive|financial|operating|"
    r"technology|information|marketing|people|legal)[ \t]+officer|CEO|CFO|CTO|COO|CIO|CMO|"
    r"chair(?:man|woman|person)?|board(?:[ \t]+of[ \t]+directors)?|shareholders|"
    r"spokes(?:person|man|woman)|headquarters|HQ|co-?founder|founder|managing[ \t]+director|"
    r"employees|staff|workforce|share[ \t]+price|shares|stock|annual[ \t]+report|earnings|"
    r"revenues?|profits?|subsidiary|parent[ \t]+company|customer[ \t]+service|"
    r"(?:HR|IT|legal|press|compliance)[ \t]+(?:department|team|office)|auditors|"
    r"lawyers|recruiters|hiring[ \t]+manager)\b")


class PossessiveOrganizationRecognizer(_LeftOpenRecognizer):
    """A firm before the possessive and its officers, board, staff or figures
    (``_ORG_POSSESSIVE``); left-open like the subject of a sentence ("Yesterday Texier's
    CEO"), and a dictionary word kept (Harvard's CFO): :func:`doubtful`."""

    ENTITY = "ORGANIZATION"
    PATTERN = _ORG_POSSESSIVE
    WHY = "organisation before its officers"


# ---- Listed companies by name -------------------------------------------------------------------
#
# Real text names real firms, mostly with no legal form and no cue (Siemens, Unilever, Adobe):
# the short names of the listed companies of many stock indices are looked up word by word
# (a dict by the first word, not one alternation of 1,800 names). A name that is an ordinary
# word (Apple, Target, Shell, Next) or a person's name (Ford, Morgan), or an acronym of a few
# letters (AES, RPC), counts only where the text says a firm is: see _doubtful_known_firm.

#: Short names of the listed companies of many stock indices (S&P 500, DAX, FTSE 100, Nikkei
#: 225 …), written by tools/pii_dev/build_org_names.py from pytickersymbols (MIT licence).
ORG_NAMES_FILE = Path(__file__).with_name("data") / "org_names.txt"
#: Where a listed company's name may start: a word not inside a word, a hyphenated name
#: (Rolls-Royce's Royce) or an e-mail or web address; its letters, digits and & are the key
#: the names are looked up by.
_FIRM_HEAD = re.compile(r"(?<![\w\-&'’@./])[^\W_][\w&]*")
#: A legal form after a listed company's name (Siemens AG, Adobe Inc., Apple, Inc.).
_FIRM_FORM = re.compile(rf",?(?<![ \t])[ \t]{{1,4}}(?:{_ORG_FORMS}|{_MORE_ORG_FORMS})"
                        r"(?![\w\-])\.?")
#: After a name, what makes it part of a longer word or name, a web address or an identifier
#: (Adobe.com, Shell-like, L'Oréal's L, Target(s)); a possessive is no such thing (Nestlé's).
_FIRM_GOES_ON = re.compile(r"[\w\-&]|['’](?![sS](?!\w))\w|\.\w|\(\w")
#: Before a name: a person's title, an initial or a particle of a surname (Mr. Ford, Gerald
#: R. Ford, Werner von Siemens): the name is part of a person's.
_FIRM_PERSON_BEFORE = re.compile(
    r"(?:\b(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof|Sir|Dame|Lady|Lord|Herr|Frau|Mme|Mlle)\.?"
    r"|\b[A-Z]\.|\b(?:von|van|de|der|den|di|du|da|le|la|del))[ \t]+$")
#: The capitalised word right before a name (Harrison Ford, Fox News).
_FIRM_WORD_BEFORE = re.compile(r"(?<![\w'’\-])([A-Z][\w'’\-]*)[ \t]+$")
#: Where a sentence, line, list item or quoted value starts, before a word.
_FIRM_SENTENCE_BEFORE = re.compile(r"(?:^|[.!?:•*>#|\"“”‘(\[{\-–—\n\r])[ \t]*$")
#: Words before a name that say it is a firm: working, joining or leaving there, buying it or
#: from it, its officers and shares (works at Ford, joined Target, Oracle's … aside).
_FIRM_CUE_BEFORE = re.compile(
    r"(?i:\b(?:at|joined|joining|join|joins|left|leaving|quit|employer|clients?|customers?|"
    r"suppliers?|competitors?|rivals?|acquired|acquire|acquires|bought|buys|sold[ \t]+to|"
    r"stake[ \t]+in|shares[ \t]+(?:of|in)|invest(?:ed|s|ing)?[ \t]+in|"
    r"work(?:s|ed|ing)?[ \t]+(?:at|for)|employed[ \t]+(?:at|by)|hired[ \t]+by|"
    r"(?:job|role|position|internship|career|offer|interview)[ \t]+(?:at|with|from)|"
    r"(?:CEO|CFO|CTO|COO|founder|chair(?:man|woman)?|director|president|employees?|"
    r"spokes(?:person|man|woman))[ \t]+(?:of|at|for))[ \t]+(?:the[ \t]+)?)$")
#: Words after a name that say it is a firm (Target's CEO, Shell shares, Next announced).
_FIRM_CUE_AFTER = re.compile(
    r"(?:['’]s)?[ \t]+(?:shares|stock|share[ \t]+price|CEO|CFO|CTO|COO|chief[ \t]+executive|"
    r"spokes(?:person|man|woman)|employees|staff|headquarters|HQ|announced|reported|posted|"
    r"annual[ \t]+report|earnings|revenues?|profits?|board|subsidiary|shareholders|"
    r"investors|stores)\b")
#: Words before an ordinary word that make it no firm's name though it is capitalised mid-
#: sentence: a determiner (the Amazon, a Target), a verb of a user interface (click Next).
_FIRM_NOT_BEFORE = re.compile(
    r"(?i:\b(?:the|a|an|this|that|these|those|my|your|our|his|her|its|their|any|each|every|"
    r"no|some|click|clicking|press|pressing|select|tap|choose|hit|pick|type|enter|open|run|"
    r"use|using|via)[ \t]+)$")
#: A word of a user interface or of computing after an ordinary word (Next button, Shell
#: script, Target pool).
_FIRM_NOT_AFTER = re.compile(
    r"[ \t]+(?i:button|key|tab|menu|field|option|command|prompt|script|scripts|window|box|"
    r"link|page|icon|screen|dialog|mode|variable|session|card|cards|resources?|pool|"
    r"instances?|type|file|directory|path|object|value|server|device|address)\b")


@lru_cache(maxsize=1)
def known_firms() -> dict[str, tuple[str, ...]]:
    """The listed companies' short names by their first word's key (``_FIRM_HEAD``), the
    longest first."""
    by_head: dict[str, list[str]] = {}
    for line in ORG_NAMES_FILE.read_text(encoding="utf-8").splitlines():
        name = line.strip()
        head = _FIRM_HEAD.match(name)
        if name and not name.startswith("#") and head is not None:
            by_head.setdefault(head.group(), []).append(name)
    return {head: tuple(sorted(names, key=len, reverse=True))
            for head, names in by_head.items()}


def _sentence_start(text: str, pos: int) -> bool:
    """``pos`` is where a sentence, a line, a list item or a quoted value starts."""
    return _FIRM_SENTENCE_BEFORE.search(text, max(0, pos - 12), pos) is not None


def _in_person_name(text: str, start: int) -> bool:
    """The name at ``start`` ends a person's name: after a title, an initial, a particle or a
    first name (Harrison Ford), or after another capitalised word mid-sentence (Fox News);
    not after a function word or a sentence's first word (At Siemens, Visit Adobe)."""
    lo = max(0, start - 40)
    if _FIRM_PERSON_BEFORE.search(text, lo, start) is not None:
        return True
    m = _FIRM_WORD_BEFORE.search(text, lo, start)
    if m is None:
        return False
    word = m.group(1)
    if word.lower() in stop_words():
        return False
    return word.upper() in gazetteer()[0] or not _sentence_start(text, m.start(1))


class KnownFirmRecognizer(OwnRecognizer):
    """Listed companies by their short names (``ORG_NAMES_FILE``), case-sensitive, whole
    words, with a legal form after them when there is one (Siemens AG); not where the name
    ends a person's (:func:`_in_person_name`), nor a name that is ordinary words, a person's
    name or a short acronym where nothing round it says a firm is (:func:`_doubtful_known_firm`,
    with the model's ``lexicon``). Checked here, not in :func:`doubtful`: a finding of ours
    dropped there would first have hidden another recognizer's finding of the same span."""

    ENTITY = "ORGANIZATION"
    SCORE = 0.91  # above the place cues' 0.9: "sent to Acushnet" names the firm, not a town

    def __init__(self, language: str = "en", lexicon: Lexicon | None = None) -> None:
        super().__init__(language)
        self._lexicon = lexicon

    def load(self) -> None:
        known_firms()

    def analyze(self, text: str, entities: list[str],
                nlp_artifacts: NlpArtifacts | None = None) -> list[RecognizerResult]:
        if self.ENTITY not in entities:
            return []
        firms = known_firms()
        out = []
        done = 0
        for m in _FIRM_HEAD.finditer(text):
            start = m.start()
            names = firms.get(m.group())
            if names is None or start < done:
                continue
            name = next((n for n in names if text.startswith(n, start)
                         and _FIRM_GOES_ON.match(text, start + len(n)) is None), None)
            if name is None or _in_person_name(text, start):
                continue
            end = start + len(name)
            form = _FIRM_FORM.match(text, end)
            end = form.end() if form is not None else end
            if _doubtful_known_firm(text, start, end, self._lexicon):
                continue
            done = end
            out.append(make_result(self, self.ENTITY, start, end, self.SCORE,
                                   "listed company by name"))
        return out


@lru_cache(maxsize=4096)
def _firm_kind(name: str, lexicon: Lexicon | None) -> str:
    """``cue`` for a listed company's name that is a person's name or a short acronym (Ford,
    AES), ``word`` for one of ordinary words only (Apple, Best Buy), else ``name``."""
    words = re.findall(r"[^\W\d_]+", name)
    rank = surname_ranks().get(name.upper())
    if (re.fullmatch(r"[A-Z0-9&.\-]{2,5}", name) and name not in FIRMS) or (
            len(words) == 1 and " " not in name and (
                name.upper() in gazetteer()[0] or (rank is not None and rank <= COMMON_SURNAMES))):
        return "cue"
    if lexicon is None or not len(lexicon) or (words and all(
            lexicon.is_word(w) or w.lower() in stop_words() for w in words)):
        return "word"  # with no lexicon, every name is taken for words
    return "name"


def _doubtful_known_firm(text: str, start: int, end: int, lexicon: Lexicon | None) -> bool:
    """A finding of :class:`KnownFirmRecognizer` whose name is no firm's there: a name with no
    legal form that is a person's name or an acronym with no firm's cue round it, or ordinary
    words with neither a cue nor the capital of a name mid-sentence (sentence-initial Target,
    the Amazon, click Next, Shell script)."""
    value = text[start:end]
    form = _FIRM_FORM.search(value)
    kind = _firm_kind(value, lexicon)
    if (form is not None and form.end() == len(value)) or kind == "name":
        return False  # Apple Inc., Next plc; Siemens
    lo = max(0, start - 40)
    if _FIRM_CUE_AFTER.match(text, end):
        return False
    longer = re.match(r"[ \t]+[A-Z]", text[end:end + 2]) is not None
    cued = _FIRM_CUE_BEFORE.search(text, lo, start) is not None
    if longer or kind == "cue":
        return longer or not cued  # a longer name: Ford Madox Brown, Target Audience
    if cued:
        return False
    before = re.search(r"(?:([^\W\d_][\w'’\-]*)|([,;&]))[ \t]*$", text[lo:start])
    mid = before is not None and (before.group(2) is not None or before.group(1)[0].islower())
    # Two capitalised words or more, the whole of a listed name, where no capitalised word
    # follows (not a heading's run): Dollar Tree, General Motors said
    mid = mid or len(value.split()) > 1
    return not mid or _FIRM_NOT_BEFORE.search(text, lo, start) is not None \
        or _FIRM_NOT_AFTER.match(text, end) is not None


# ---- Tables, markup and answers ----------------------------------------------------------------

#: Header cells and markup tags of each type (``company_name``, ``Home City``, ``年龄``).
_HEADER_TYPES = (
    ("ADDRESS", re.compile(
        r"(?i)(?:(?:home|street|postal|mailing|shipping|billing|delivery|residential|"
        r"business|office|work|customer|registered)[ _\-]?)?(?:address(?:[ _\-]?(?:line)?"
        r"[ _\-]?[12])?|addr|street(?:[ _\-]?address)?|Adresse|Anschrift|Straße|Strasse|"
        r"dirección|direccion|indirizzo|adres|endereço|endereco|rue|via|地址|住址|住所|"
        r"通讯地址|收货地址|家庭住址|联系地址)")),
    ("AGE", re.compile(r"(?i)(?:age|age[ _\-]?years|alter|âge|edad|età|idade|leeftijd|wiek|"
                       r"ålder|年龄|年齡|年齢|岁数)"
                       r"(?:[ \t]*\((?:years?|yrs?|y|in[ \t]+years|岁)\))?")),
    ("ORGANIZATION", re.compile(
        rf"(?i){_LABEL_BEFORE}(?:{_ORG_LABELS})(?:[ _\-]?name)?|{_ZH_ORG_LABELS}")),
    ("LOCATION", re.compile(
        rf"(?i){_LABEL_BEFORE}(?:{_PLACE_LABELS})(?:[ _\-]?name)?|{_ZH_PLACE_LABELS}")),
)
_TAG_VALUE = re.compile(r"<(?P<tag>[A-Za-z_\u4e00-\u9fff][\w\-]{0,30})(?:\s[^<>]{0,80})?>"
                        r"(?P<v>[^<>\n]{1,120})</(?P=tag)>")


#: A header cell: a few words of a label (``company_name``, ``Home City``, ``Address 1``).
_HEADER_CELL = re.compile(r"[\"'`*]?[\w.#()/\-]{1,30}(?:[ ][\w.#()/\-]{1,30}){0,3}[\"'`*]?")


def _header_type(cell: str) -> str | None:
    name = cell.strip().strip("\"'`*").strip()
    if not name or len(name) > 40:
        return None
    for entity, pattern in _HEADER_TYPES:
        if pattern.fullmatch(name):
            return entity
    return None


def _cells(line: str, offset: int, delim: str) -> list[tuple[int, int]]:
    """The cells of a delimited line (double quotes may hold the delimiter), as spans of the
    text, without the spaces and quotes round them; a Markdown row's outer pipes dropped."""
    spans = []
    start = 0
    quoted = False
    for i, c in enumerate(line):
        if c == '"':
            quoted = not quoted
        elif c == delim and not quoted:
            spans.append((start, i))
            start = i + 1
    spans.append((start, len(line)))
    if delim == "|":
        if spans and not line[spans[0][0]:spans[0][1]].strip():
            spans = spans[1:]
        if spans and not line[spans[-1][0]:spans[-1][1]].strip():
            spans = spans[:-1]
    out = []
    for cell_start, cell_end in spans:
        s, e = cell_start, cell_end
        while s < e and line[s] in " \t\"'":
            s += 1
        while e > s and line[e - 1] in " \t\"'":
            e -= 1
        out.append((offset + s, offset + e))
    return out


def _aligned(cells: list[tuple[int, int]], types: list[str | None],
             ) -> list[tuple[int, int]] | None:
    """A row's cells, one per header cell: a row with more cells than the header, when the
    delimiter is also in one firm's name or address (Serrano, Baird and Sandoval), has that
    column's cells joined, the columns before it read from the left and those after it from
    the right; None when the row cannot be aligned."""
    n = len(types)
    if len(cells) == n:
        return cells
    free = [k for k, t in enumerate(types) if t in ("ORGANIZATION", "ADDRESS")]
    if len(cells) < n or len(free) != 1:
        return None
    k = free[0]
    extra = len(cells) - n
    return [*cells[:k], (cells[k][0], cells[k + extra][1]), *cells[k + extra + 1:]]


def _table_cells(text: str) -> list[tuple[str, int, int]]:
    """(type, start, end) of each cell under a typed header cell."""
    lines = []
    pos = 0
    for line in text.split("\n"):
        lines.append((pos, line))
        pos += len(line) + 1
    out: list[tuple[str, int, int]] = []
    for i, (offset, line) in enumerate(lines[:-1]):
        for delim in (",", ";", "\t", "|"):
            if delim not in line:
                continue
            header = _cells(line, offset, delim)
            types = [_header_type(text[s:e]) for s, e in header]
            things = _table_of_things([text[s:e] for s, e in header])
            if not any(types) or not all(_HEADER_CELL.fullmatch(text[s:e]) for s, e in header):
                continue  # "Company, city and age are required": prose, not a header
            for row_offset, row in lines[i + 1:i + 201]:
                if delim not in row:
                    break
                cells = _aligned(_cells(row, row_offset, delim), types)
                if re.fullmatch(r"[\s|:\-+]*", row) or cells is None:
                    continue  # a Markdown table's rule, a row of another shape
                out.extend((entity, s, e) for (s, e), entity in zip(cells, types, strict=True)
                           if entity is not None and e > s and _cell_value(entity, text[s:e])
                           and (entity != "AGE" or not things))
            break
    return out


#: A header cell of a table whose columns only spaces part (a TSV, whose tabs the normalised
#: text has as spaces, or a fixed-width listing): one word of a label.
_SPACED_HEADER_CELL = re.compile(r"[A-Za-z][\w.#()/\-]{0,30}")
_BARE_NUMBER = re.compile(r"[0-9]{1,3}")
#: Words of a sentence, never of a table's header row.
_NOT_HEADER_WORDS = frozenset((
    "is", "are", "was", "were", "be", "the", "a", "an", "of", "to", "in", "on", "at", "for",
    "and", "or", "not", "no", "your", "my", "our", "his", "her", "their", "this", "that", "it",
    "here", "there", "with", "by", "as", "if", "you", "we", "i", "he", "she", "they", "will",
    "can", "has", "have", "had", "do", "does", "did", "what", "how", "when", "why",
))


def _spaced_age_cells(text: str) -> list[tuple[int, int]]:
    """The ages of a table whose columns only spaces part ("full_name age nationality" /
    "Ana Lima 34 Portuguese"): a row's cell at the age column's place counted from either
    end of the header, when it is a bare number (other cells may hold spaces too, so a row is
    read from the end that lines up; "NAME READY STATUS RESTARTS AGE" / "web-1 1/1 Running 0
    5d" has no number there)."""
    out: list[tuple[int, int]] = []
    lines: list[tuple[int, str]] = []
    pos = 0
    for line in text.split("\n"):
        lines.append((pos, line))
        pos += len(line) + 1
    i = 0
    while i < len(lines) - 1:
        # a unit in brackets goes with its header cell: "Name   Age (years)"
        header = re.findall(r"\S+(?:[ \t]\((?:years?|yrs?|y|岁)\))?", lines[i][1])
        if not 2 <= len(header) <= 12 or any(c in lines[i][1] for c in ",;|\"") \
                or not all(_SPACED_HEADER_CELL.fullmatch(h.replace(" ", "")) for h in header) \
                or any(h.lower() in _NOT_HEADER_WORDS for h in header):  # "Your age is …"
            i += 1
            continue
        ages = [k for k, h in enumerate(header) if _header_type(h) == "AGE"]
        if len(ages) != 1 or _table_of_things(header):
            i += 1
            continue
        k, n = ages[0], len(header)
        j = i + 1
        while j < len(lines) and j <= i + 200 and lines[j][1].strip():
            offset, row = lines[j]
            cells = [(m.start(), m.end()) for m in re.finditer(r"\S+", row)]
            places = [c for c in (k, len(cells) - n + k) if len(cells) >= n]
            for s, e in (cells[c] for c in dict.fromkeys(places)):
                if _BARE_NUMBER.fullmatch(row[s:e]) and int(row[s:e]) <= 129:
                    out.append((offset + s, offset + e))
                    break
            j += 1
        i = j
    return out


#: Header cells that say a table's rows are things (a package's version, a file's size, a
#: car's model): its Age column holds their ages ("Component  Version  Age").
_THING_HEADER = re.compile(
    r"(?i)(?:version|release|file(?:name)?|size|package|component|module|build|commit|branch|"
    r"image|container|pod|node|service|host|server|model|make|vehicle|car|mileage|item|"
    r"product|sku|key|cache|object|record|ticket|issue|document|page|url|path|bucket|table|"
    r"index|snapshot|backup|cert(?:ificate)?|token|session|job|task|process|pid|device|asset|"
    r"artifact|library|dependency|plugin|app|application|repo(?:sitory)?|dataset|year|"
    r"tag|instance|volume|disk|machine|vm|cluster|domain|bottle|vintage|wine|tree|building)"
    r"(?:[ _\-]?(?:name|id|no|number|type|s))?")
#: Header cells that say a table's rows are people.
_PERSON_HEADER = re.compile(
    r"(?i)(?:(?:full|first|last|given|family|sur|patient|employee|member|student|child|"
    r"user|customer|client|participant|respondent|applicant)[ _\-]?name|person|patient|"
    r"employee|member|student|child|customer|client|participant|respondent|applicant|pupil|"
    r"player|athlete|sex|gender)s?")


def _table_of_things(header: list[str]) -> bool:
    """A table header with a cell that names things and none that names people."""
    cells = [h.strip().strip("\"'`*").strip() for h in header]
    return any(_THING_HEADER.fullmatch(c) for c in cells) \
        and not any(_PERSON_HEADER.fullmatch(c) for c in cells)


def _cell_value(entity: str, value: str) -> bool:
    if entity == "AGE":
        m = re.fullmatch(r"(?P<n>[0-9]{1,3})(?:\s*(?:years?|yrs?|y|岁|歳))?", value)
        return m is not None and int(m.group("n")) <= 129
    if entity == "ADDRESS":
        return any(c.isalnum() for c in value)
    return any(c.isalpha() for c in value) and not re.fullmatch(
        r"(?i)n/?a|none|null|nil|unknown|-+|tbd|yes|no|true|false", value)


class _StrictTypesRecognizer(EntityRecognizer):
    """A recognizer of the strict profile's four types at once."""

    ENTITIES: tuple[str, ...] = ("ADDRESS", "AGE", "ORGANIZATION", "LOCATION")

    def __init__(self, language: str = "en") -> None:
        super().__init__(supported_entities=list(self.ENTITIES), supported_language=language,
                         name=type(self).__name__)

    def load(self) -> None:
        return None


class TableRecognizer(_StrictTypesRecognizer):
    """The cells under a header cell that names a type (a CSV, TSV or Markdown table whose
    header says company, city, address or age) and the text of a markup tag that does
    (``<city>…</city>``)."""

    SCORE = 0.9

    def analyze(self, text: str, entities: list[str],
                nlp_artifacts: NlpArtifacts | None = None) -> list[RecognizerResult]:
        wanted = set(entities) & set(self.ENTITIES)
        if not wanted:
            return []
        out = []
        for m in _TAG_VALUE.finditer(text):
            entity = _header_type(m.group("tag"))
            if entity in wanted and _cell_value(entity, m.group("v").strip()):
                out.append(make_result(self, entity, *m.span("v"), self.SCORE, "markup tag"))
        if "\n" in text:
            out.extend(make_result(self, entity, s, e, self.SCORE, "table column")
                       for entity, s, e in _table_cells(text) if entity in wanted)
            if "AGE" in wanted:
                out.extend(make_result(self, "AGE", s, e, self.SCORE, "spaced table column")
                           for s, e in _spaced_age_cells(text))
        return out


#: Questions that ask where someone works, lives or comes from, how old they are or where
#: they live, and the line or sentence that answers them.
#: The label that opens a line of a chat or transcript: a time, then a speaker (one to four
#: words, or in angle brackets as IRC writes it) and a colon ("[10:02] Ana Lima: ", "<bob> ",
#: "Respondent: ", "them: ").
_SPEAKER = (r"(?:[\[(]?[0-9]{1,2}:[0-9]{2}(?::[0-9]{2})?[\])]?[ \t]+)?"
            r"(?:<[\w.\-]{1,30}>|[\w][\w.'’\-]*(?:[ \t]+[\w][\w.'’\-]*){0,3}[ \t]*:)[ \t]*")
#: Labels of a tool's or a document's lines, not a chat's speakers: "Fix your address parser /
#: Tests: 12 passed" asks nothing.
_NOT_SPEAKER = (r"(?:notes?|status|results?|tests?|steps?|errors?|warnings?|output|input|info|"
                r"debug|log|summary|todo|fixme|example|usage|expected|actual|response|request|"
                r"description|title|version|build|commit|fix|changes?)[ \t]*:")
_QUESTION = re.compile(
    r"(?i)(?P<q>\b(?:where|which|what|who|how|age(?=[ \t]*\?)|"
    r"(?:your|ur|his|her|their)[ \t]+(?:age|employer|"
    r"postcode|post[ \t]?code|zip|address|hometown))\b[^?\n]{0,80})(?:\?[ \t]*(?:[\-–—][ \t]*)?"
    r"(?:\n[ \t]*)?"
    r"(?:(?:A|Answer|Antwort|R|Réponse|Respuesta|Risposta|Resposta)[ \t]*[:：.)][ \t]*"
    # a chat's answer on the next line, after its speaker; or a question asked without "?"
    # ("me: how old is ur sister" / "them: 34")
    rf"|(?<=\n){_SPEAKER})?|[ \t]*\r?\n[ \t]*(?!{_NOT_SPEAKER}){_SPEAKER})"
    r"(?P<a>[^\n]{1,160})")
_Q_AGE = re.compile(r"(?i)\bhow\s+old\b|\b(?:your|ur|his|her|their)\s+age\b|\bwhat\s+age\b|^age$")
_Q_ORG = re.compile(r"(?i)\bwhere\s+(?:do|did|does|will|are|were|is)\s+(?:you|u|ya|he|she|they)\s+"
                    r"(?:work|employed|working|intern|study|studying|studied)|\bemployer\b|"
                    r"\bwhich\s+(?:company|firm|organi[sz]ation|bank|university|school)\b|"
                    r"\bwho\s+do\s+(?:you|u|ya|they)\s+work\s+for|\b(?:company|firm)\s+do\s+(?:you|u)\b|"
                    r"\bwhere\s+(?:are|were|is)\s+(?:you|u|ya|he|she|they)\s+employed")
_Q_PLACE = re.compile(
    r"(?i)\bwhere\s+(?:are|were|is|was|do|did|does)\s+(?:you|u|ya|he|she|they|(?:your|ur)\s+\w+)\s+"
    r"(?:from|live|living|born|based|located|grow\s+up|staying|raised|moving|move|going)|"
    r"\bwhich\s+(?:city|country|town|state|region|province|county|village)\b|"
    r"\bwhere\s+(?:is|was)\s+(?:your|his|her|their)\s+(?:hometown|home|office|family)\b|"
    r"\bwhere\s+(?:do|did)\s+you\s+(?:call\s+home|come\s+from)|\bhometown\b")
_Q_ADDRESS = re.compile(r"(?i)\baddress\b")
_Q_POSTCODE = re.compile(r"(?i)\b(?:post(?:al)?[ \t]*code|zip(?:[ \t]*code)?|PLZ)\b")
#: An answer that is a postcode: a few digits and letters, maybe in two groups.
_POSTCODE_ANSWER = re.compile(r"(?i)(?:[A-Z]{1,2}-)?(?=[A-Z0-9 \-]{3,10}(?![\w\-]))"
                              r"[A-Z0-9]*[0-9][A-Z0-9]*(?-i:[ \-][A-Z0-9]{2,4})?"
                              r"(?![\w\-])")


class QuestionAnswerRecognizer(_StrictTypesRecognizer):
    """The answer to a question that asks for a firm, a place, an age, an address or a
    postcode ("Where do you work? At Texier." "How old are you? 34."), on the question's line
    or the next, after "A:" or a chat's speaker; a question in a chat may have no "?"."""

    ENTITIES = (*_StrictTypesRecognizer.ENTITIES, "POSTCODE")

    SCORE = 0.86  # above the NER model's 0.85: an equal span of its is dropped, not ours

    def analyze(self, text: str, entities: list[str],
                nlp_artifacts: NlpArtifacts | None = None) -> list[RecognizerResult]:
        if ("?" not in text and "\n" not in text) or not set(entities) & set(self.ENTITIES):
            return []
        out = []
        for m in _QUESTION.finditer(text):
            question, at = m.group("q"), m.start("a")
            answer = m.group("a")
            if _Q_AGE.search(question) and "AGE" in entities:
                a = re.match(rf"(?i)(?:i'?m[ \t]+|i[ \t]+am[ \t]+|i[ \t]+was[ \t]+|(?:he|she)"
                             rf"(?:'s|[ \t]+is|[ \t]+was)[ \t]+|they(?:'re|[ \t]+are|[ \t]+were)"
                             rf"[ \t]+|(?:just[ \t]+)?turned[ \t]+|about[ \t]+|almost[ \t]+)?"
                             rf"(?P<n>(?:{_AGE_NUM}|{_AGE_WORDS}(?![\w\-]))"
                             r"(?:[ \t]*(?:years?|yrs?)(?:[ \t]+old)?)?)"
                             r"(?![0-9]|[.,:/\-][0-9])"
                             # the age and nothing more of it (not "34 tickets left")
                             r"(?=[ \t]*(?:[.,;:!?)]|\((?:nearly|almost|turning|about)\b|$|"
                             r"(?:y/?o|yo|and|but|now|next|this|last|"
                             r"soon|lol|haha|tho|though|btw|in|on|or|I|he|she)\b))", answer)
                if a is not None:
                    out.append(make_result(self, "AGE", at + a.start("n"), at + a.end("n"),
                                           self.SCORE, "answer to how old"))
            elif _Q_POSTCODE.search(question) and "POSTCODE" in entities:
                a = _POSTCODE_ANSWER.match(answer)
                # three characters at least: "2 of them" answers "which zip file?"
                if a is not None and len(re.sub(r"[ \-]", "", a.group(0))) >= 3:
                    out.append(make_result(self, "POSTCODE", at + a.start(), at + a.end(),
                                           self.SCORE, "answer to a postcode question"))
            elif _Q_ADDRESS.search(question) and "ADDRESS" in entities:
                if re.search(r"[0-9]", answer):
                    s, e = _trim_value(text, at, m.end("a"))
                    out.append(make_result(self, "ADDRESS", s, e, self.SCORE,
                                           "answer to an address question"))
            else:
                entity = "ORGANIZATION" if _Q_ORG.search(question) else \
                    "LOCATION" if _Q_PLACE.search(question) else None
                if entity is None or entity not in entities:
                    continue
                a = re.match(r"(?i:(?:i[ \t]+(?:work|live|am|'m)[ \t]+)?(?:at|for|with|in|"
                             r"from|near|to)[ \t]+)?", answer)
                start = at + (a.end() if a else 0)
                phrase = _FRAMED_ORG_PHRASE if entity == "ORGANIZATION" else _PLACE_PHRASE
                for s, e in _list_items(text, start, phrase, limit=4):
                    out.append(make_result(self, entity, s, e, self.SCORE, "answer"))
        return out


#: Our recognizers whose findings are dropped when all their words are ordinary words.
_WORD_CHECKED = frozenset({ContextPlaceRecognizer.__name__,
                           ContextOrganizationRecognizer.__name__,
                           QuestionAnswerRecognizer.__name__})
#: Ours whose findings are also dropped when their first word is an ordinary word.
_LEFT_OPEN = frozenset({NeighbourPlaceRecognizer.__name__,
                        SubjectOrganizationRecognizer.__name__})


#: The parts of a firm, which cues for firms and places meet ("works in Sales", "joined
#: Marketing") and which are surnames too, so :func:`ordinary_word` would call them names.
_BUSINESS_WORDS = frozenset((
    "Sales", "Marketing", "Finance", "Engineering", "Support", "Operations", "Production",
    "Legal", "Accounts", "Accounting", "Board", "Research", "Development", "Management",
    "Purchasing", "Procurement", "Logistics", "Admin", "Administration", "Security",
    "Compliance", "Design", "Product", "Quality", "Testing", "Service", "Services",
    "Customer", "Customers", "Staging", "Training", "Recruiting", "Payroll", "Treasury",
    "Audit", "Risk", "Strategy", "Facilities", "Shipping", "Billing", "Partnerships",
    "IT", "HR", "QA", "PR", "Ops", "DevOps", "Dev", "Helpdesk", "Communications", "Editorial",
    # The kinds of region and the points of the compass, surnames too (North, Region).
    "County", "Province", "Prefecture", "Region", "District", "Municipality", "Canton",
    "Parish", "State", "Republic", "Kingdom", "City", "Town", "Borough", "Island", "Islands",
    "Isle", "Department", "North", "South", "East", "West", "Northern", "Southern", "Eastern",
    "Western", "Central", "Upper", "Lower", "Greater", "Capital", "Metro",
))


def _ordinary_phrase(value: str, lexicon: Lexicon | None, left_open: bool,
                     titled: bool = True) -> bool:
    """``value``, which one of our context recognizers found, is only ordinary words (or,
    ``left_open``, starts with one that is no place's first word); ``titled``: two
    capitalised words or more are a name even when they are English words (not for a town
    before a known place, "Visit Berlin, Germany", whose first word may be the sentence's)."""
    if lexicon is None or not len(lexicon):
        return False
    if re.search(f"[{_CJK}]", value):
        return False
    words = re.findall(r"[^\W\d_][\w'’\-]*", value)
    if not words or value.strip() in _TECH_ACRONYMS or _EN_PLACE.fullmatch(value.strip()):
        return not words or value.strip() in _TECH_ACRONYMS

    def plain(word: str) -> bool:
        word = re.sub(r"['’]s$", "", word)
        if _NOT_PLACE_WORD.fullmatch(word):
            return True
        if word.isupper() and len(word) > 1:
            return word in _TECH_ACRONYMS
        if word.lower() in stop_words() or word in _BUSINESS_WORDS:
            return True
        return ordinary_word(word, lexicon)  # a surname (Lund, Fairbanks) is no word here

    if titled and _titled_name(words) and not (left_open and _OPENING_WORD.fullmatch(words[0])):
        return False  # Massive Dynamic, Amnesty International: a name of English words
    if left_open and words[0] not in _PLACE_OPENERS and plain(words[0]):
        return True  # "Yesterday Texier announced": its reading "Texier" is kept
    return all(plain(w) for w in words)


#: Words a sentence opens with before a name (not the name's first word).
_OPENING_WORD = re.compile(
    rf"(?:{_NOT_PLACE_WORD.pattern}|[A-Z][a-z]+ly|Meanwhile|Earlier|Later|Now|Then|However|"
    r"Also|Still|Here|There|Tonight|Last|Next|When|After|Before|Since|Because|But|And|So|"
    r"Instead|Elsewhere|Overall|Hi|Hello|Dear|Thanks|Yes|No|Ok|OK|Well|Oh|Please)")


def _titled_name(words: list[str]) -> bool:
    """Two capitalised words or more (connectors between them) that are not only days,
    months, pronouns, the parts of a firm or the kinds of region: a name, in the place a cue
    gives a name."""
    caps = [w for w in words if w[0].isupper()]
    if len(caps) < 2 or any(w not in _CONNECTORS for w in words if not w[0].isupper()):
        return False
    return not all(w in _BUSINESS_WORDS or w.lower() in stop_words()
                   or _NOT_PLACE_WORD.fullmatch(w) for w in caps)


# ---- Ages -------------------------------------------------------------------------------------

_AGE_NUM = r"(?:1[0-2][0-9]|[1-9]?[0-9])"
_ZH_AGE_NUM = "一二三四五六七八九十两"
#: "Age:" in the languages of European forms (Alter, âge, edad, età, idade, leeftijd, wiek),
#: a JSON key's quotes round it.
#: The people whose age a key's prefix names (``patient_age``, ``userAge``; not ``max-age``).
_AGE_KEY_PEOPLE = (r"user|patient|member|child|applicant|customer|client|person|employee|"
                   r"student|driver|owner|subject|participant|respondent")
_AGE_CUES = (rf"(?:(?:(?:{_AGE_KEY_PEOPLE})[_.\-])?(?:alter|âge|age|edad|età|eta|idade|"
             r"leeftijd|wiek|ålder|alder|ikä|věk|возраст)(?:[_\-]?(?:years|yrs|in[_\-]years))?"
             rf"|(?-i:(?:{_AGE_KEY_PEOPLE})Age))"
             # a form's qualifier: "Age at enrolment:", "Age on admission:"
             r"(?:[ \t]+(?:at|on|upon|when)[ \t]+[a-z]{2,15}(?:[ \t]+[a-z]{2,15})?)?"
             r"[\"']?[ \t]*(?:\((?:years|yrs|in\s+years|y)\)[ \t]*)?(?:[:=]|[\-–—](?=[ \t])"
             # dot leaders of a printed form: "Age ........ 34"
             r"|\.{3,}|…+)"
             r"[ \t]*[\"']?")
#: Years after an age in those languages (42 Jahre, 42 ans, 42 años, 42 anni, 42 jaar, 42 lat).
_AGE_UNITS = (r"Jahre(?:\s+alt)?|J\.|ans|años|anni|anos|jaar(?:\s+oud)?|lat|år|vuotta|"
              r"yo|tuổi|éves|yaşında|"
              # … and года/лет (ru), tahun (id, ms), taong gulang (tl), साल/वर्ष (hi),
              # عاما/سنة (ar), ετών/χρονών (el), ปี (th), anys (ca)
              r"года|лет|tahun|taong\s+gulang|साल|वर्ष|عام[اًا]+|سنة|ετών|χρονών|ปี|anys")
#: An age as an adjective in those languages: ein 45-jähriger Mann, een 45-jarige man, 45-letni
#: mężczyzna, en 45-årig man, un 45enne.
_AGE_ADJECTIVE = r"[\s\-]?jährige[rnms]?|-jarige|-?letni(?:ej|ego|a|e|m|ch)?|-årig[ae]?|enne"
#: What comes after a sex and age in a clinical note: "M/47  c/o chest pain", "47F presents with".
_CLINICAL_NEXT = (r"c/o|w/|with|presents?|presenting|presented|complains?|complaining|"
                  r"admitted|brought|BIBA|hx|h/o|PMH|PMHx|s/p|referred|reports?|reporting|"
                  r"known|seen|attends?|attending|who|here|for\s+review|denies|fell|found|"
                  r"pt|patient|NKDA|SOB|CP|DOB")
#: A clinical note's line, where a sex and age stand with only punctuation after them ("Triage
#: note: F/72, fall at home", "Bed 4 - Kowalczyk - M/81 - post-op"); not "apertures F/2, F/4".
_CLINICAL_LINE = re.compile(
    r"(?i)\b(?:pt|patient|triage|handover|ward|bed|obs|ED|A&E|admitted|admission|referral|"
    r"referred|discharge|hx|h/o|c/o|presents|presented|presenting|complain\w*|PMH\w*|s/p|"
    r"GP|NKDA|allerg\w*|BP|GCS|SpO2|SOB|"
    r"post-op|pre-op|fall|fell|injury|fracture|delirium|diagnos\w*|symptoms?|pain|"
    r"clinic|consult\w*|ambulance|BIBA|surgery|theatre|nurse|Dr)\b")
#: What may follow an age after a cue: its unit (Age: 34 years, 年龄 34岁).
_AGE_AFTER = (rf"(?:[ \t]*(?:(?:years?|yrs?)(?:[ \t]+old)?|y\.?o\.?|{_AGE_UNITS})(?![\w\-])"
              r"|[ \t]*(?:周?岁|歳|세))?")
#: An age in words: one to ninety-nine.
_AGE_WORDS = (r"(?:(?:twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)(?:[\s\-](?:one|two|"
              r"three|four|five|six|seven|eight|nine))?|one|two|three|four|five|six|seven|eight|"
              r"nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|"
              r"nineteen)")
#: People an age is said of: "a man, 34, from Leeds", "my son is 7".
_AGE_PEOPLE = (r"man|woman|men|women|boy|girl|patient|driver|victim|suspect|resident|mother|"
               r"father|son|daughter|wife|husband|teen|teenager|child|pensioner|worker|student|"
               r"nurse|doctor|cyclist|pedestrian|passenger|owner|officer|player|singer|actor|"
               r"actress|grandmother|grandfather|grandma|grandpa|granny|widow|widower|retiree|"
               r"defendant|claimant|applicant|candidate|participant|customer|user|employee|"
               r"colleague|friend|partner|brother|sister|baby|toddler|infant|kid|mum|mom|dad|"
               r"boyfriend|girlfriend|bf|gf|fiancée?|neighbou?r|niece|nephew|cousin|aunt|uncle|"
               r"stepson|stepdaughter|child|author|founder|ceo|chef|teacher|pupil")

#: Two capitalised words and an opening bracket: a name with its age after it.
_NAME_BEFORE_BRACKET = re.compile(r"(?<![\w\-])[A-Z][a-z\u00e0-\u024f'’\-]+"
                                  r"(?:\s+(?:(?:van|von|de|der|den|da|di|du|la|le|dos|das|del)\s+)?"
                                  r"[A-Z][a-z\u00e0-\u024f'’\-]+)+\s\($")


#: What a person named with an age in brackets does next: "Grace Hsu (41) presents with".
_BRACKET_VERBS = (r"presents|presented|presenting|reports|reported|says|said|told|died|works|"
                  r"worked|arrived|arrives|complains|complained|attended|attends|admitted|were|"
                  r"will|would|who|with|won|lost|left|moved|came|comes|went|goes|started|"
                  r"lived|describes|described|denies|denied|wrote|writes|studies|studied|"
                  r"teaches|taught|appeared|appears|pleaded|remains|became|becomes|married|"
                  r"graduated|retired|plays|played|scored|runs|ran|needs|wants|likes|loves|"
                  r"enjoys|suffers|suffered|underwent|received|receives|requires|requested|"
                  r"leads|led|runs|owns|owned|heads|headed|manages|managed|coaches|coached|"
                  r"founded|joins|spent|spends|faces|faced|survived|escaped|drowned|vanished")
#: Time words round an age's unit that make it a span of time: "il y a 40 ans", "hace 40
#: años", "seit 40 Jahren", "for 40 yrs", "40 lat temu".
_SPAN_BEFORE = re.compile(r"(?i:(?:\bil\s+y\s+a|\bdepuis|\bhace|\bdesde|\bseit|\bvor|\bod|"
                          r"\bprzez|\bhá|\bper|\bda|\bdal|\bfor|\bover|\bin|\bafter|"
                          r"\bwithin|\bsince|\bpendant|\bdurante)\s+)$")
_SPAN_AFTER = re.compile(r"(?i:\s+(?:ago|temu|назад|fa|geleden|sedan|siden|later|earlier)\b)")
#: A day or month after "turned 5": "lily turned 5 in april", "bro turns 16 on sunday".
_TURNED_ON_DAY = re.compile(
    r"(?i:\s+(?:on|in)\s+(?:(?:mon|tues|wednes|thurs|fri|satur|sun)day|january|february|march|"
    r"april|may|june|july|august|september|october|november|december)\b)")
#: Things, not people, that turn a number: "it turned 12 on Monday".
_TURNED_THING = re.compile(r"(?i:\b(?:it|that|this|which|there|what|counter|count|number|"
                           r"score|total|clock|odometer|meter|version|app|blog|site|website|"
                           r"company|firm|project|shop|store|business|brand|product|channel|"
                           r"podcast|festival|show|series|restaurant|club|band|magazine|"
                           r"paper|newspaper|school|church|charity)(?:['’]s)?[ \t]+"
                           r"(?:just[ \t]+)?(?:turned|turns|turning)[ \t]+)$")
#: In, at, on after a bare number said of someone: an age only after a person turning it.
_AGE_PLACE_AFTER = re.compile(r"(?i:\s+(?:on|in|at)\b)")
#: A person turning an age ("she turned 40 on Saturday"; not "it turned 12 on Monday").
_TURNED_PERSON = re.compile(
    rf"(?i:\b(?:i|he|she|they|we|you|who|{_AGE_PEOPLE}|(?!it\b|that\b|this\b|there\b|what\b|"
    r"here\b|where\b)[a-z]+['’]s)(?:['’](?:s|m|re)|[ \t]+(?:is|was|are|were|will[ \t]+be|am))?"
    r"(?:[ \t]+just)?[ \t]+(?:turned|turns|turning)[ \t]+)$")


class AgeRecognizer(RegexRecognizer):
    ENTITY = "AGE"
    REGEX = re.compile(
        rf"(?i)(?<![\w.])(?P<v>{_AGE_NUM}(?:[\s\-]*(?:years?|yrs?)[\s\-]*old|[\s\-]*y/?o\b"
        rf"|[\s\-]*(?:years?|yrs?)\s+of\s+age|-year-old|[\s\-]*(?:months?|weeks?)[\s\-]*old"
        rf"|\s?(?:yrs?|y\.o\.|{_AGE_UNITS})(?![\w\-])|(?:{_AGE_ADJECTIVE})(?![\w\-]))"
        rf"|{_AGE_WORDS}(?:[\s\-]+years?[\s\-]+old|-year-old|[\s\-]+years?\s+of\s+age))"
        rf"|(?i:\baged)[ \t]+(?P<aw>{_AGE_WORDS})\b"
        rf"|(?i:\baged?|\bages|\bat\s+(?:the\s+)?age\s+of|\bage\s+of|(?<![\w\-]){_AGE_CUES})"
        rf"[ \t]*(?P<a>(?:{_AGE_NUM}(?![0-9]|[.,][0-9])|{_AGE_WORDS}(?![\w\-])){_AGE_AFTER})"
        # An age opening a sentence of what someone did at it: "At 27 she moved to Lyon",
        # "at 19, I left home" (13 and over: "at 5 we met" is a time).
        rf"|(?:^|(?<=[\n.!?][ \t])|(?<=\n))(?i:at)[ \t]+(?P<at>(?:1[3-9]|[2-9][0-9]))"
        rf"(?=,?[ \t]+(?i:i|he|she)[ \t]+(?:moved|left|married|joined|emigrated|enlisted|"
        rf"retired|graduated|became|began|started[ \t]+(?:school|university|college|work)|"
        rf"lost|won|wrote|learned|learnt|met|quit|dropped[ \t]+out|had[ \t]+(?:my|his|her))\b)"
        # A name and the age in brackets after it (Ana Lima (42)), the way lists write it.
        rf"|(?<!\w)(?-i:[A-Z])[\w'’\-]{{1,40}}\s\((?P<br>{_AGE_NUM})\)"
        rf"(?=\s*[,;:.]|\s+(?:is|was|has|had|and|from|of|in|joined|lives|{_BRACKET_VERBS})\b"
        rf"|[ \t]*(?:\r?\n|$))"
        # A name and an age as a pair of a program's data: ("Hemi Parata", 44).
        rf"|[(\[][ \t]*(?P<tq>[\"'])(?-i:[A-Z][\w'’\-]+(?:[ \t]+[A-Z][\w'’\-]+){{1,3}})(?P=tq)"
        rf"[ \t]*,[ \t]*(?P<tu>{_AGE_NUM})[ \t]*(?=[,)\]])"
        # Someone and their age and sex in brackets, as forums write it: I (34M), my wife [32F].
        rf"|(?i:\b(?:my|our|his|her|their)[ \t]+(?:{_AGE_PEOPLE}))[ \t]*[(\[]"
        rf"(?P<mb>{_AGE_NUM})[)\]]"
        # An age and sex opening a post: "34M here, looking for …".
        rf"|(?:(?:^|(?<=\n))(?={_AGE_NUM}[ \t]?[MF][ \t]+(?:here|looking|seeking|from)\b)"
        rf"|(?<=\bI'm[ \t])|(?<=\bI[ \t]am[ \t])|(?<=\bme:[ \t]))(?P<ms>{_AGE_NUM}[ \t]?[MF])"
        rf"(?=[ \t]*(?:[,.;!)]|$)|[ \t]+(?:here|looking|seeking|from|who|based)\b)"
        rf"|(?i:\b(?:I|me|my\s+[a-z]+|{_AGE_PEOPLE}))[ \t]*[(\[](?:(?P<rd>{_AGE_NUM}[ \t]?"
        rf"(?-i:[MFmf]))|(?P<rd2>(?-i:[MFmf])[ \t]?{_AGE_NUM}))[)\]]"
        # A sex and age as clinical notes write them: "M/47  c/o", "Triage: F/72, fall",
        # "Pt 47M with"; not an aperture or a size ("at F/8", "M/2 bolts", "$40M with").
        rf"|(?<![\w/.$€£¥#@+\-])(?<!\bat )(?<!\bf-stop )"
        rf"(?P<sx>(?-i:[MF])[ \t]?/[ \t]?{_AGE_NUM}|{_AGE_NUM}[ \t]?/[ \t]?(?-i:[MF]))"
        rf"(?![\w/\-]|\.[0-9])(?=[ \t]*(?:[,;)]|\.|\r?$|\n)|[ \t]{{2}}|[ \t]+[\-–—|][ \t]"
        rf"|[ \t]+(?:{_CLINICAL_NEXT})(?![\w]))"
        rf"|(?<![\w/.$€£¥#@+\-])(?P<sx2>{_AGE_NUM}[ \t]?(?-i:[MF]))(?![\w/.\-])"
        rf"(?=[ \t]*(?:[,;]|\r?$|\n)|[ \t]+[\-–—|][ \t]|[ \t]+(?:{_CLINICAL_NEXT})(?![\w]))"
        # An age between commas after the person it is said of: "a man, 34, from Leeds".
        rf"|(?i:\b(?:{_AGE_PEOPLE}))[ \t]*,[ \t]*(?P<ap>{_AGE_NUM})[ \t]*,"
        rf"|(?<!,[ \t])(?-i:\b[A-Z][a-z'’\-]{{1,40}}),[ \t]*(?P<an>{_AGE_NUM}),[ \t]*(?=(?:of|from|"
        rf"who|was|is|has|had|said|told|lives|died|were|works|worked|pleaded|admitted|denied|"
        rf"appeared|remains|male|female|single|married|divorced|widowed)\b)"
        # A list line of a person, their age and more: "- Ana Lima, 34, Porto".
        rf"|(?m:^[ \t]*(?:[-*•·–]|[0-9]{{1,2}}[.)])[ \t]+)(?-i:[A-Z][\w'’.\-]+"
        rf"(?:[ \t]+(?:(?:van|von|de|der|da|di|du|la|le)[ \t]+)?[A-Z][\w'’\-]+){{1,3}}),[ \t]*"
        rf"(?P<bl>{_AGE_NUM})(?=[ \t]*(?:,|;|\r?$))"
        # In one's forties: an age by its decade.
        rf"|\bin\s+(?:his|her|their|my|your|our)\s+(?P<dec>(?:(?:early|mid|late)[\s\-]+)?"
        rf"(?:[1-9]0'?s|twenties|thirties|forties|fifties|sixties|seventies|eighties|nineties|"
        rf"teens))\b"
        rf"|(?:年龄|年齡|年齢|年纪|年紀|岁数|歲數|芳龄|虚岁|周岁|享年)[\"']?[ \t]*"
        rf"(?:[:：是为有]|大约|约|大概)?[ \t]*[\"']?"
        rf"(?P<zh>(?:{_AGE_NUM}|[{_ZH_AGE_NUM}]{{1,4}})(?:周?[岁歳]|才)?)"
        rf"|(?<![0-9{_ZH_AGE_NUM}万])"
        rf"(?P<sui>(?:{_AGE_NUM}|[{_ZH_AGE_NUM}]{{1,4}})(?:周?岁半?|歳|세))"
        rf"|今年(?P<jn>{_AGE_NUM})(?=了|[，,。！!？?\s]|$)"
        # A bare number said of a person: "I'm 34", "she is 71 and retired", "turned 18".
        rf"|(?i:(?<![\w'’])(?:i'?m|i\s+am|(?:he|she)(?:'s|\s+is|\s+was)|they(?:'re|\s+are)|"
        rf"you(?:'re|’re|\s+are)|youre|ur|u\s+r|"
        rf"(?:who|which)(?:'s|\s+is)|just\s+turned|turned|turns|turning|"
        rf"my\s+(?:{_AGE_PEOPLE})\s+(?:is|was|turned|turns|just\s+turned)))\s+"
        rf"(?P<st>(?:{_AGE_NUM}|(?<!which is )(?<!which's ){_AGE_WORDS}(?![\w\-]))"
        rf"(?:[\s\-]*(?:years?|yrs?)[\s\-]*old)?)"
        rf"(?=\s*(?:[,;!?)]|\.(?![0-9])|$|[\u2600-\u27bf\U0001f300-\U0001faff])"
        rf"|\s+(?:and|but|not|now|today|tonight|this|(?:mon|tues|wednes|thurs|fri|satur|sun)day|"
        rf"jan(?:uary)?|feb(?:ruary)?|march|april|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|"
        rf"oct(?:ober)?|nov(?:ember)?|dec(?:ember)?|"
        rf"next|last|with|since|so|already|yet|yesterday|tomorrow|recently|soon|when|while|"
        rf"lol|haha|too|though|myself|tho|btw|on|in|at)\b)")
    SCORE = 0.85

    def accept(self, match: re.Match[str], cued: bool) -> tuple[float, str] | None:
        if match.group("st") is not None and _AGE_PLACE_AFTER.match(
                match.string, match.end("st")) and not _TURNED_PERSON.search(
                match.string, max(0, match.start("st") - 40), match.start("st")) and not (
                _TURNED_ON_DAY.match(match.string, match.end("st"))
                and re.search(r"(?i)\b(?:turned|turns|turning)[ \t]+$",
                              match.string[max(0, match.start("st") - 12):match.start("st")])
                and not _TURNED_THING.search(
                    match.string, max(0, match.start("st") - 40), match.start("st"))):
            return None  # I'm 5 in line, it turned 12 on Monday: a rank, a count, a thing
        if match.group("v") is not None and not re.search(
                r"(?i)old|alt|oud|jähr|jarig|letni|årig|enne|y\.?o|-", match.group("v")) and (
                _SPAN_BEFORE.search(match.string, max(0, match.start("v") - 20), match.start("v"))
                or _SPAN_AFTER.match(match.string, match.end("v"))):
            return None  # il y a 40 ans, for 40 yrs, 40 lat temu: a span of time
        sex = match.group("sx") or match.group("sx2")
        if sex is not None and (match.group("sx2") is not None or not re.match(
                rf"[ \t]+(?:{_CLINICAL_NEXT})(?!\w)", match.string[match.end():])):
            line_start = match.string.rfind("\n", 0, match.start()) + 1
            line_end = match.string.find("\n", match.end())
            line = match.string[line_start:line_end if line_end >= 0 else len(match.string)]
            if not _CLINICAL_LINE.search(line.replace(sex, " ")):
                return None  # apertures F/2, F/4; 10M with the plan: no clinical note
        if match.group("br") is not None and not _NAME_BEFORE_BRACKET.search(
                match.string, 0, match.start("br")):
            return None  # chapter (3), Python (3): a number in brackets after anything else
        return self.SCORE, "pattern"

    def value_span(self, match: re.Match[str]) -> tuple[int, int]:
        for group in ("v", "aw", "a", "at", "br", "sx", "sx2", "tu", "mb", "ms", "rd", "rd2", "ap",
                      "an", "bl", "dec", "zh", "sui", "jn", "st"):
            if match.group(group) is not None:
                return match.span(group)
        return match.span()


#: The ages listed after the word for them: "Ages of the children: 13, 9 and 4", "ages 7 & 9".
_AGE_LIST = re.compile(
    r"(?i:(?<![\w\-])ages(?:[ \t]+(?:of|for)[ \t]+(?:(?:the|my|our|his|her|their|all)[ \t]+)?"
    r"[a-z]{2,15}(?:[ \t]+[a-z]{2,15})?)?(?:[ \t]*[:=\-–—]|[ \t]+(?:are|were))?[ \t]*)"
    rf"(?P<v>{_AGE_NUM}(?:[ \t]*(?:,|;|&|and|,[ \t]*and)[ \t]*{_AGE_NUM}){{1,11}})"
    r"(?![0-9]|[.,:/\-][0-9]|[ \t]*(?:times|x|%|percent|ms|s|seconds?|minutes?|hours?|days?|"
    r"weeks?|months?)\b)")
_AGE_ITEM = re.compile(rf"(?<![0-9]){_AGE_NUM}(?![0-9])")


class AgeListRecognizer(OwnRecognizer):
    """Each age of a list after the word "ages" (Ages of the children: 13, 9 and 4)."""

    ENTITY = "AGE"
    SCORE = 0.85

    def analyze(self, text: str, entities: list[str],
                nlp_artifacts: NlpArtifacts | None = None) -> list[RecognizerResult]:
        if self.ENTITY not in entities:
            return []
        return [make_result(self, self.ENTITY, m.start("v") + n.start(), m.start("v") + n.end(),
                            self.SCORE, "list of ages")
                for m in _AGE_LIST.finditer(text) for n in _AGE_ITEM.finditer(m.group("v"))]


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
    rf"|(?P<zh>{_ZH_DATE})"
    # Dates said relative to the message (strict masks all dates, "next Tuesday" and "明天"
    # as much as "12 May"): they date an appointment, an absence, a visit.
    rf"|(?<![A-Za-z])(?P<rel>(?i:today|tonight|tomorrow|yesterday|"
    rf"the\s+day\s+(?:after|before)\s+(?:tomorrow|yesterday)|"
    rf"(?:this|next|last|coming)\s+(?:week(?:end)?|morning|afternoon|evening|night)|"
    rf"(?:on\s+)?the\s+{_D}(?:st|nd|rd|th)|on\s+{_D}(?:st|nd|rd|th))"
    rf"|今天|明天|昨天|后天|後天|前天|今晚|明晚|昨晚|今早|明早|"
    rf"(?:上|下|这|這|本)(?:个|個)?(?:周|週|星期|礼拜|禮拜)[一二三四五六日天末]?)"
    # (a day, not "last year" or "next month": too wide to date anyone's anything)
    rf"(?![A-Za-z])")


#: Weekdays as other languages write them (with :data:`FOREIGN_WEEKDAYS`): Turkish, Nordic,
#: Finnish, Russian (also after "в": в пятницу), Indonesian and Malay, Greek, Arabic; the
#: Portuguese ones with "-feira" (segunda, quinta alone are "second", an estate). Not the
#: ones that are words too: pazar (market), minggu (week), cuma.
_MORE_WEEKDAYS = (  # noqa: SIM905 - as a list literal, four times as long
    "pazartesi salı çarşamba perşembe cumartesi måndag tisdag onsdag torsdag fredag lördag "
    "söndag mandag tirsdag lørdag søndag maanantai tiistai keskiviikko torstai perjantai "
    "lauantai sunnuntai понедельник вторник среду среда четверг пятницу пятница субботу "
    "суббота воскресенье senin selasa rabu kamis jumat sabtu isnin khamis jumaat δευτέρα "
    "τρίτη τετάρτη πέμπτη παρασκευή σάββατο κυριακή الاثنين الثلاثاء الأربعاء الخميس الجمعة "
    "السبت الأحد").split()
_FOREIGN_WEEKDAY = ("(?:(?:segunda|terça|terca|quarta|quinta|sexta)-feira|" + "|".join(sorted(
    {*(w for w in FOREIGN_WEEKDAYS if w not in ("segunda", "quarta", "quinta", "sexta")),
     *_MORE_WEEKDAYS}, key=lambda w: (-len(w), w))) + ")")
_ARABIC_MONTHS = "يناير|فبراير|مارس|أبريل|ابريل|مايو|يونيو|يوليو|أغسطس|سبتمبر|أكتوبر|نوفمبر|ديسمبر"
#: Words for today, tomorrow and yesterday in the languages people write here (German and
#: Dutch "morgen" only in lower case: "Guten Morgen" is a greeting).
_RELATIVE_DAYS = (
    r"(?i:hoy|ayer|pasado\s+mañana|demain|hier|aujourd['’]hui|après-demain|amanhã|ontem|hoje|"
    r"domani|ieri|oggi|dopodomani|heute|gestern|übermorgen|vorgestern|vandaag|gisteren|"
    r"overmorgen|jutro|dzisiaj|dziś|wczoraj|pojutrze|yarın|bugün|dün|imorgon|i\s+morgon|"
    r"i\s+morgen|idag|i\s+dag|igår|i\s+går|huomenna|tänään|eilen|завтра|сегодня|вчера|"
    r"послезавтра|αύριο|σήμερα|χθες|besok|hari\s+ini|kemarin|esok)|(?-i:morgen)|"
    r"내일|오늘|어제|모레|明日|今日|昨日|明後日|غدا|غداً|اليوم|أمس|आज")
_CJK_RELATIVE = (
    r"(?:今天|明天|昨天|后天|後天|前天)(?:上午|下午|晚上|早上|中午|傍晚|凌晨|下班前|下班后|之前|以前)?"
    rf"|(?:下|上|本|这|這)(?:个|個)?月[{_ZH_DIGIT}]{{1,3}}[日号號]"
    r"|[一二两三四五六七八九十0-9]{1,3}(?:个|個)?(?:周|週|星期|礼拜|天|个月|個月)(?:后|後|以后|之后)"
    r"|(?:再来[週周]|来[週周]|先[週周]|今[週周])の?(?:[月火水木金土日]曜日?)?"
    r"|[0-9]{1,2}월[ \t]*[0-9]{1,2}일"
    r"|(?:내일|오늘|어제|모레)[ \t]*(?:오전|오후)(?:[ \t]*[0-9]{1,2}시)?")
_FOREIGN_DATE = re.compile(
    # "jueves 9 de abril", "terça-feira, 14/07", "donderdag 9 april", "الأحد 12 أكتوبر"
    rf"(?<![^\W\d_])(?P<v>(?:(?i:(?:в[ \t]+)?{_FOREIGN_WEEKDAY}),?[ \t]+)?"
    rf"{_D}(?:\.|º|er)?[ \t]*(?:de[ \t]+)?(?:(?i:{MONTH_NAMES})|{_ARABIC_MONTHS})"
    rf"(?:,?[ \t]+(?:de[ \t]+)?(?:{_Y}|25[0-9]{{2}}))?"
    rf"|(?i:(?:в[ \t]+)?{_FOREIGN_WEEKDAY})(?:,?[ \t]+{_D}[/.]{_M}(?![/.]?[0-9]))?)"
    rf"(?![^\W\d_])"
    rf"|(?P<cjk>{_CJK_RELATIVE})"
    rf"|(?<![^\W\d_])(?P<rel>{_RELATIVE_DAYS})(?![^\W\d_])"
    # English: "by end of March", "the end of the month", "Sat 11th", "by the twentieth"
    rf"|(?<![A-Za-z])(?P<en>(?i:(?:the[ \t]+)?(?:end|beginning|start|middle|mid)[ \t]+of[ \t]+"
    rf"(?:the[ \t]+)?(?:month|week|(?-i:{_MONTH_NAMES})))"
    rf"|{_WEEKDAYS}[ \t]+{_D}(?:st|nd|rd|th))(?![A-Za-z])"
    rf"|(?<![A-Za-z])(?i:on|by|until|till|before|after|from)[ \t]+"
    rf"(?P<ord>(?i:the[ \t]+{ORDINAL_WORDS}))"
    r"(?![A-Za-z]|[ \t]+(?:floor|time|place|day|one|page|chapter|step|item|row|line|round|"
    r"attempt|person|visit|call|question|option|half|quarter|of[ \t]+(?:the|all|these|those|"
    r"them|us|you)))"
    # A day and month without a year after a date's preposition or before a time: "booked for
    # 12/03", "Dentist … 24/03 4.15pm" (not "24/7", a ratio or a fraction)
    rf"|(?<![A-Za-z])(?i:for|on|by|until|till|from|due|le|du|au|am|vom|bis|el|del|al|il|dal|em|"
    rf"op|per|dia)[ \t]+(?P<dm>{_D}/{_M})(?![/.]?[0-9])"
    rf"|(?<![0-9/.])(?P<dmt>{_D}/{_M})[ \t]+(?=(?:{_CLOCK}|[0-9]{{1,2}}\.[0-5][0-9][ \t]?[ap]m))")


class DateTimeRecognizer(RegexRecognizer):
    ENTITY = "DATE_TIME"
    REGEX = _DATE_TIME
    SCORE = 0.8

    def value_span(self, match: re.Match[str]) -> tuple[int, int]:
        return match.span(next(g for g in ("v", "zh", "rel") if match.group(g) is not None))

    def analyze(self, text: str, entities: list[str],
                nlp_artifacts: NlpArtifacts | None = None) -> list[RecognizerResult]:
        out = super().analyze(text, entities, nlp_artifacts)
        if self.ENTITY in entities:
            # Other languages' dates and days, and English ones said in words (see above).
            out += [make_result(self, self.ENTITY, *m.span(g), self.SCORE, "date in words")
                    for m in _FOREIGN_DATE.finditer(text)
                    for g in ("v", "rel", "cjk", "en", "ord", "dm", "dmt") if m.group(g)]
        return out


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
    # a form's or record's field of nationality, religion or party: its whole value, in any
    # case ("Religion: atheist", "political_party": "Labour")
    r"|(?i:(?<![\w\-])(?:nationality|citizenship|ethnicity|ethnic[ _]origin|religion|"
    r"religious[ _]affiliation|faith|political[ _](?:party|affiliation|views)|"
    r"party[ _]affiliation)[\"']?[ \t]*(?:\([a-z ]{1,20}\)[ \t]*)?[:=][ \t]*[\"']?)"
    r"(?!(?i:we|i|it|you|they|he|she|is|are|was|the|a|an|to|of|and|in|not|no|my|our)\b)"
    # a placeholder, a type or a flag is no one's value (Religion: none, "nationality": "string")
    r"(?!(?i:none|null|nil|n/?a|unknown|other|nothing|undefined|true|false|string|str|text|"
    r"integer|int|number|boolean|bool|enum|object|array|required|optional|high|low|strong|"
    r"weak|usd|eur|gbp)[\"']?[ \t]*(?:[,;}\]\r\n]|$))"
    r"(?P<f>[^\W\d_][\w'’\\\-]*(?:[ \t][^\W\d_][\w'’\-]*){0,2}?)(?=[\"']?[ \t]*(?:[,;}\]\r\n]|$))"
    r"|(?i:nationality|citizenship|ethnicity)[ \t]*(?::|is|=)?[ \t]*"
    r"(?!(?:Unknown|Other|None|Null|Undefined|Nothing|Required|Optional|String)\b)"
    r"(?P<e>[A-Z][a-z]+(?:\s[A-Z][a-z]+)?)")


class NationalityRecognizer(RegexRecognizer):
    ENTITY = "NRP"
    REGEX = _NRP
    SCORE = 0.95  # after a cue: above the country gazetteer's LOCATION (国籍 中国)

    def value_span(self, match: re.Match[str]) -> tuple[int, int]:
        for group in ("z", "ji", "f", "e"):
            if match.group(group) is not None:
                return match.span(group)
        return match.span()


# ---- What the NER model and Presidio's patterns get wrong ------------------------------------

_BODY_WORDS = (rf"{_ORG_FORMS}|Group|Company|Holdings|Agency|Council|Association|Society|"
               r"Museum|Ministry|Department|Church|School|Academy|Commission|Committee|Union|"
               r"Party|Airport|Station|Park")
_ORG_WORDS = re.compile(rf"(?:^|\s)(?:{_BODY_WORDS})\.?$")
_DATE_WORD = re.compile(rf"(?i)[0-9]|\b{_MONTH_NAMES}\b|\b{_WEEKDAYS}\b|"
                        r"\b(?:today|tonight|tomorrow|yesterday|(?:this|next|last|coming)\s+"
                        r"(?:week(?:end)?|morning|afternoon|evening|night))\b")
#: … and the words a firm's or a practice's name is made of, for :func:`org_word`.
_ORG_WORD = re.compile(rf"(?:{_BODY_WORDS}|Trust|Practice|Surgery|Centre|Center|Services|"
                       r"Solutions|Systems|Partners|Power|Energy|Bank|Grammar|Dental|Medical|"
                       r"Plumbing|Surveyors|Co-operative|Cooperative|Club|Team|Board|Office|"
                       r"Hotel|Restaurant|Café|Cafe|Store|Shop|Market)\.?")


def org_word(word: str) -> bool:
    """Whether ``word`` is one an organisation's name ends or is made of (Ltd, Trust, Clinic)."""
    return _ORG_WORD.fullmatch(word) is not None


def place_name(text: str) -> bool:
    """Whether ``text`` is a place the strict profile's list names, whole (Quezon City)."""
    return _EN_PLACE.fullmatch(text) is not None
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


def doubtful(text: str, entity_type: str, start: int, end: int, recognizer: str,  # noqa: PLR0911, PLR0913, PLR0917 - a finding and its text; a check per kind
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
    if entity_type == "AGE":
        return _doubtful_age(text, start, end, recognizer, lexicon)
    if entity_type == "ORGANIZATION" and _no_body_named(text, start, end, recognizer, lexicon):
        return True  # the Council's decision, Python's founder, Partners: Gold, Silver
    if entity_type in ("LOCATION", "ORGANIZATION") and (
            recognizer in _WORD_CHECKED or recognizer in _LEFT_OPEN or recognizer in _FRAMED):
        return _doubtful_context(value, entity_type, recognizer, lexicon)
    if recognizer in (CuedPlaceRecognizer.__name__, EmployerOrganizationRecognizer.__name__):
        return _no_name_words(value) or (recognizer == EmployerOrganizationRecognizer.__name__
                                         and _weakly_cued(text, start, value, lexicon))
    return (ner or recognizer == NerFacilityRecognizer.__name__) \
        and _doubtful_ner(value, entity_type, lexicon)


#: Ours whose firms stand where the text's shape says a firm is (a signature's firm line, a
#: list of clients, the answer to "who is your employer?", before its CEO): a dictionary word
#: there is a firm (Oracle, Europol: the lexicon lists such proper nouns as words).
_FRAMED = frozenset({FramedOrganizationRecognizer.__name__, QuestionAnswerRecognizer.__name__,
                     PossessiveOrganizationRecognizer.__name__})


def _doubtful_context(value: str, entity_type: str, recognizer: str,
                      lexicon: Lexicon | None) -> bool:
    """A place or firm of our context recognizers that is not one: where the frame says a
    firm is, one that names none (:func:`_doubtful_framed`); else ordinary words
    (:func:`_ordinary_phrase`)."""
    if entity_type == "ORGANIZATION" and recognizer in _FRAMED:
        return _doubtful_framed(value, recognizer, lexicon)
    left_open = recognizer in _LEFT_OPEN
    return _ordinary_phrase(value, lexicon, left_open,
                            titled=not left_open or entity_type == "ORGANIZATION")


def _doubtful_framed(value: str, recognizer: str, lexicon: Lexicon | None) -> bool:
    """A firm of ``_FRAMED`` that names none (:func:`_not_a_firm`); for the left-open
    possessive, also a reading that starts with a sentence's opening word (Yesterday Texier)
    or, of two words or more, one that starts with an ordinary word."""
    if recognizer != PossessiveOrganizationRecognizer.__name__:
        return _not_a_firm(value)
    first = re.match(r"[^\W\d_][\w'’\-]*", value)
    return first is None or _OPENING_WORD.fullmatch(first.group(0)) is not None \
        or _not_a_firm(value) or (
            len(value.split()) > 1 and _ordinary_phrase(value, lexicon, left_open=True))


def _not_a_firm(value: str) -> bool:
    """``value``, where a firm is expected, names none: only function words, days, parts of
    a firm and the words of ``_NO_FIRM_WORDS`` (Home, Sales), or an answer that says there
    is no employer (Retired, Self-employed, Nowhere)."""
    bare = re.sub(r"^(?:the|The)[ \t]+|[ \t.!]+$", "", value)
    return _no_name_words(value) or bare.lower() in _NO_EMPLOYER


#: Answers to "where do you work?" that name no firm.
_NO_EMPLOYER = frozenset((
    "retired", "unemployed", "jobless", "freelance", "freelancer", "self-employed",
    "self employed", "nowhere", "remote", "remotely", "various", "none", "nothing", "myself",
    "student", "homemaker", "housewife", "househusband", "stay-at-home", "volunteer",
    "contractor", "n/a", "na", "unknown", "not working", "between jobs", "private",
    "confidential", "prefer not to say", "same", "same as above", "here", "there",
))


def _weakly_cued(text: str, start: int, value: str, lexicon: Lexicon | None) -> bool:
    """``value`` at ``start`` follows a cue that also names things other than firms (left,
    quit, applied to, writing from, work with) and is one dictionary word or computing
    acronym (left Windows, quit Smoking), or, after "work with", only such words (Docker
    Compose)."""
    cue = _ORG_WEAK_CUE.search(text, max(0, start - 40), start)
    if cue is None or lexicon is None or not len(lexicon):
        return False
    words = re.findall(r"[^\W\d_][\w'’\-]*", value)
    if len(words) != 1 and cue.group("with") is None:
        return False
    return all(w in _TECH_ACRONYMS or lexicon.is_word(re.sub(r"['’]s$", "", w)) for w in words)


#: Words that name no firm after a firm's cue: home, school subjects, the hereafter (studied
#: at Home, applied to Computer Science and Math, an offer from Heaven).
_NO_FIRM_WORDS = frozenset((
    "Home", "Homeoffice", "Home-office", "Science", "Sciences", "Computer", "Math", "Maths",
    "Mathematics", "Physics", "Chemistry", "Biology", "History", "Law", "Medicine",
    "Engineering", "Art", "Arts", "Economics", "Heaven", "Hell",
))


def _no_name_words(value: str) -> bool:
    """``value`` is only function words, days, months, computing acronyms, the parts of a
    firm and the words of ``_NO_FIRM_WORDS`` (joined Marketing, works at Monday's stand-up,
    studied at Home)."""
    return all(w in _BUSINESS_WORDS or w.lower() in stop_words() or w in _TECH_ACRONYMS
               or w in _NO_FIRM_WORDS or _NOT_PLACE_WORD.fullmatch(w)
               for w in (re.sub(r"['’]s$", "", w)
                         for w in re.findall(r"[^\W\d_][\w'’\-]*", value)))


def _doubtful_ner(value: str, entity_type: str, lexicon: Lexicon | None) -> bool:
    """The NER model's (or its FAC's) place, body or group ``value`` is a code or ordinary
    words."""
    if entity_type in ("LOCATION", "ORGANIZATION") and any(
            _CODE_WORD.fullmatch(w) for w in value.split()):
        return True  # SKU-96667, INC2714290, v7.0.4: a code, not a place or a firm
    if entity_type in ("LOCATION", "ORGANIZATION", "NRP"):
        return _ordinary_words(re.sub(r"^(?:the|The)\s+", "", value).strip(), entity_type,
                               lexicon)
    return False


#: A word of a code: digits and letters in one word (SKU-96667, AB290991, v7.0.4, ORD-2023).
_CODE_WORD = re.compile(r"[^\w]*(?=[\w\-./]*[0-9])(?=[\w\-./]*[A-Za-z])[\w\-./]+[^\w]*")


def _ordinary_words(bare: str, entity_type: str, lexicon: Lexicon | None) -> bool:
    """The NER model's place, body or group ``bare`` is ordinary words, an identifier or a
    computing acronym."""
    if not bare or not bare[0].isupper() or "_" in bare or bare in _TECH_ACRONYMS:
        return True
    if _EN_PLACE.fullmatch(bare) or (entity_type != "NRP" and _ORG_WORDS.search(bare)):
        return False
    if entity_type == "NRP" and (bare in DEMONYMS or bare.removesuffix("s") in DEMONYMS):
        return False
    words = re.findall(r"[^\W\d_][\w'’\-]*", bare)  # Lidingö is one word, not "Liding"
    if lexicon is None or not len(lexicon) or not words:
        return False
    if entity_type != "NRP" and any(w.isupper() and len(w) > 1 for w in words):
        return False  # IBM, NASA: acronyms the model calls bodies are bodies
    return all(lexicon.is_word(w) for w in words)


#: Common nouns for a kind of body, capitalised as a contract or a minute capitalises a
#: defined term ("the Company", "the Council's decision"): alone, they name no body.
_GENERIC_BODIES = frozenset((
    "Company", "Companies", "Corporation", "Firm", "Business", "Employer", "Bank", "University",
    "College", "Hospital", "Clinic", "Institute", "Foundation", "Group", "Holdings", "Agency",
    "Council", "Association", "Society", "Museum", "Ministry", "Department", "Church",
    "School", "Academy", "Commission", "Committee", "Union", "Party", "Board", "Club",
    "Government", "Authority", "Court", "Office", "Bureau", "Trust", "Fund", "Organisation",
    "Organization", "Partnership", "Charity", "Agencies", "Parliament", "Senate", "Cabinet",
    "Team", "Division", "Branch", "Subsidiary", "Client", "Supplier", "Vendor", "Contractor",
    "Licensor", "Licensee", "Provider", "Customer", "Buyer", "Seller", "Lender", "Borrower",
    "Landlord", "Tenant", "Insurer", "Publisher", "Operator", "Controller",
    "Processor", "Trustee", "Trustees", "Directors", "Shareholders", "Members",
))
#: Software, programming languages, operating systems and apps, which a firm's frame ("…'s
#: founder", "… announced") holds as often as a firm; a firm's own name is no product name.
_PRODUCTS = frozenset((
    "Python", "Java", "JavaScript", "TypeScript", "Perl", "PHP", "Ruby", "Rust", "Kotlin",
    "Haskell", "Scala", "Golang", "Erlang", "Elixir", "Fortran", "COBOL", "Lua", "Julia",
    "Linux", "Windows", "macOS", "iOS", "Android", "Ubuntu", "Debian", "Fedora", "FreeBSD",
    "Chrome", "Chromium", "Firefox", "Safari", "Thunderbird", "Excel", "PowerPoint", "Outlook",
    "OneDrive", "Photoshop", "Illustrator", "Kubernetes", "PostgreSQL", "Postgres", "MySQL",
    "SQLite", "MongoDB", "Redis", "Kafka", "Django", "Flask", "React", "Angular", "Vue",
    "NumPy", "Pandas", "PyTorch", "TensorFlow", "Node.js", "Git", "Bash", "Vim", "Emacs",
    "Gmail", "Jira", "Confluence", "Jenkins", "Terraform", "Ansible", "Nginx", "Apache",
    "WordPress", "Word", "Teams", "Bluetooth", "Wi-Fi", "WiFi", "USB-C",
))
#: What follows a product's name and its possessive ("Chrome's settings page", "Python's
#: standard library"): parts of software, not of a firm.
_PRODUCT_PART = re.compile(
    r"['’]s[ \t]+(?:(?:new|old|latest|standard|built-in|own|default|official|main|whole|"
    r"current|next|previous|first|mobile|desktop|web)[ \t]+)*(?:settings|preferences|options|"
    r"library|libraries|docs|documentation|manual|API|APIs|syntax|grammar|interpreter|"
    r"compiler|runtime|kernel|source(?:[ \t]+code)?|codebase|releases?|versions?|installer|"
    r"extensions?|plug-?ins?|add-?ons?|packages?|modules?|UI|interface|menus?|toolbar|tabs?|"
    r"address[ \t]+bar|dev[ \t]*tools|developer[ \t]+tools|type[ \t]+system|garbage[ \t]+"
    r"collector|engine|updates?|bugs?|issue[ \t]+tracker|repo(?:sitory)?|changelog|CLI|"
    r"shell|debugger|profiler|cache|cookies|bookmarks|keyboard[ \t]+shortcuts?|shortcuts?|"
    r"features?|functions?|methods?|classes|types|operators?|keywords?|dependenc(?:y|ies)|"
    r"config(?:uration)?|command[ \t]+line|terminal|console|error[ \t]+messages?|"
    r"memory[ \t]+model)(?![\w\-])")
#: A determiner before a capitalised common noun: "the Company's", "our Firm's".
_DETERMINER_BEFORE = re.compile(
    r"(?<![\w\-])(?:[Tt]he|[Oo]ur|[Yy]our|[Tt]heir|[Ii]ts|[Hh]is|[Hh]er|[Mm]y|[Tt]his|[Tt]hat|"
    r"[Ee]ach|[Ee]very|[Ww]hose|[Aa]n?)[ \t]+$")
#: Ours whose firm a label, a column or a question names ("Employer: Slack"): a product's
#: name there is the firm's.
_LABELLED = frozenset({"TableRecognizer", QuestionAnswerRecognizer.__name__,
                       OrganizationRecognizer.__name__, EmployerOrganizationRecognizer.__name__})
#: Recognizers of the items of a list a firm's cue opens ("Partners: Gold, Silver").
_LISTED = frozenset({FramedOrganizationRecognizer.__name__,
                     ContextOrganizationRecognizer.__name__, OrganizationRecognizer.__name__})


def _no_body_named(text: str, start: int, end: int, recognizer: str,  # noqa: PLR0911 - a check per kind
                   lexicon: Lexicon | None) -> bool:
    """An organisation finding that names no body: only the common nouns for one ("the
    Council's decision", "The Company's board"); one capitalised common noun after a
    determiner before a possessive ("our Firm's staff"); a product ("Python's founder",
    "Chrome's settings page"); an item of a list of ordinary words ("Partners: Gold, Silver,
    Bronze"); a department's name ("Human Resources")."""
    value = text[start:end].strip()
    bare = re.sub(r"^(?:the|The)[ \t]+", "", value)
    words = [re.sub(r"['’]s$", "", w) for w in re.findall(r"[^\W\d_][\w'’.\-]*", bare)]
    if not words:
        return False
    if all(w in _GENERIC_BODIES for w in words):
        return True
    if _department(words, lexicon):
        return True
    if recognizer in _LISTED and _ordinary_list(text, start, end, recognizer, lexicon):
        return True
    if recognizer in _LABELLED or _FIRM.fullmatch(bare) is not None:
        return False
    if len(words) == 1 and bare.removesuffix("'s").removesuffix("’s") in _PRODUCTS:
        return True
    if _PRODUCT_PART.match(text, end) is not None and len(words) <= 2:
        return True
    return len(words) == 1 and re.match(r"['’]s(?!\w)", text[end:end + 3]) is not None \
        and words[0][1:].islower() and lexicon is not None and len(lexicon) > 0 \
        and lexicon.is_word(words[0].lower()) \
        and _DETERMINER_BEFORE.search(text, max(0, start - 10), start) is not None


#: The last word of a department's name ("Human Resources", "Customer Success", "Finance
#: Department"; not of a body's: the Home Office, the Social Security Administration).
_DEPARTMENT_HEADS = frozenset((
    "Department", "Dept", "Division", "Team", "Resources", "Relations", "Operations",
    "Development", "Success", "Support", "Experience", "Management", "Engineering",
    "Communications",
))


def _department(words: list[str], lexicon: Lexicon | None) -> bool:
    """``words`` are a department's name: ordinary words that end in the word for a
    department or a function (Human Resources, Customer Success, Research and Development,
    Finance Department), or only the parts of a firm (Sales, Legal)."""
    if lexicon is None or not len(lexicon) or len(words) < 2:
        return False
    if words[-1] not in _DEPARTMENT_HEADS and not all(
            w in _BUSINESS_WORDS or w in _CONNECTORS for w in words):
        return False
    return all(w in _CONNECTORS or w in _BUSINESS_WORDS or w in _DEPARTMENT_HEADS
               or (not w.isupper() and lexicon.is_word(w) and ordinary_word(w, lexicon))
               for w in words)


def _list_siblings(text: str, start: int, end: int, recognizer: str) -> list[str]:
    """The items of the list the finding at ``start`` is one of: the bulleted lines next to
    its line, or the items after the label on its line ("Partners: Gold, Silver")."""
    lo = text.rfind("\n", 0, start) + 1
    hi = text.find("\n", end)
    hi = len(text) if hi < 0 else hi
    if recognizer == OrganizationRecognizer.__name__:
        segment = text[start:end]  # "Platinum, Gold and Silver": three names of one firm?
    elif _LIST_LINE.fullmatch(text, lo, hi) is not None:
        for _, items in _line_list_runs(text):
            if any(s <= start < e + 1 for s, e in items):
                return [text[s:e].strip(" .!") for s, e in items]
        return []
    else:
        label = max(text.rfind(":", lo, start), text.rfind("：", lo, start))
        segment = text[(label + 1 if label >= 0 else lo):hi]
    return [p.strip(" \t.!") for p in _ITEM_JOIN_RE.split(segment) if p.strip(" \t.!")]


def _ordinary_list(text: str, start: int, end: int, recognizer: str,
                   lexicon: Lexicon | None) -> bool:
    """The finding is an item of a list of two or more ordinary words, most of them
    adjectives or verbs as well as nouns (tiers, grades, kinds: Gold, Silver, Bronze;
    Premium, Standard, Basic; Local, Regional, National). A list of firms whose names are
    nouns (Oracle, Shell, Apple) has few such words."""
    if lexicon is None or not len(lexicon):
        return False
    items = _list_siblings(text, start, end, recognizer)
    if len(items) < 2 or any(_FIRM.fullmatch(i) or " " in i or not i[:1].isalpha()
                             for i in items):
        return False
    if not all(lexicon.is_word(i) and not i.isupper() for i in items):
        return False
    ranks = surname_ranks()
    if any(ranks.get(i.upper(), _COMMON_SURNAME + 1) <= _COMMON_SURNAME
           or i.upper() in gazetteer()[0] for i in items):
        return False  # Watson, Miller and Parker; Brown, Green and White: a firm's names
    return 2 * sum(lexicon.is_not_only_a_noun(i) for i in items) > len(items)


#: The rank below which a surname is common enough that a list holding it is of names.
_COMMON_SURNAME = 1000


# ---- Ages without a person ----------------------------------------------------------------

#: A number of a list of numbers: its item and what joins two.
_NUMBER_ITEM = r"[0-9]+(?:\.[0-9]+)*(?![\w%])"
_NUMBER_JOIN = r"[ \t]*(?:,|;|&|/|and|or|to|[\-–])[ \t]*"
_NUMBERS_BEFORE = re.compile(rf"(?:{_NUMBER_ITEM}{_NUMBER_JOIN})+$")
_NUMBERS_AFTER = re.compile(rf"(?:{_NUMBER_JOIN}{_NUMBER_ITEM})+")
#: Capitalised words, then a comma or an opening bracket, before a bare number: the frame of
#: "Tom, 12, from Leeds" and "Ana Lima (42)", and of titles ("Release Notes, 12, final",
#: "Solve Equation (5)").
_WORDS_BEFORE_NUMBER = re.compile(
    r"(?<![\w'’\-])(?P<w>[A-Z][\w'’\-]*(?:[ \t]+[A-Z][\w'’\-]*){0,3})[\"']?[ \t]*(?:,|\()[ \t]*$")
#: A word before "age" and a bare number: "cache age 45", "page age 12" (a thing's age).
_WORD_AGE_BEFORE = re.compile(r"(?<![\w'’\-])(?P<w>[A-Za-z]{3,})[ \t_\-]+age[ \t]*$", re.I)
#: Words that say which age of a person a form asks for ("Current age 34").
_AGE_QUALIFIERS = frozenset((
    "current", "present", "actual", "approximate", "approx", "exact", "estimated", "stated",
    "real", "biological", "chronological", "true", "reported", "claimed", "apparent", "your",
))
_PERSON_NOUN = re.compile(rf"(?i:{_AGE_PEOPLE}|persons?|people|individual|adult|mr|mrs|ms|"
                          r"miss|mx|dr|prof|sir|dame)")


def _doubtful_age(text: str, start: int, end: int, recognizer: str,
                  lexicon: Lexicon | None) -> bool:
    """A bare number found as an age that is none: one of a list of numbers with decimals
    in it (versions: "ages 10, 12, 3.5"), after a title's words and a comma or bracket
    ("Release Notes, 12, final", "Solve Equation (5)"), or after a thing's word and "age"
    ("cache age 45")."""
    if re.fullmatch(r"[0-9]{1,3}", text[start:end]) is None:
        return False
    before = _NUMBERS_BEFORE.search(text, max(0, start - 80), start)
    after = _NUMBERS_AFTER.match(text, end)
    run = (before.group() if before else "") + (after.group() if after else "")
    if re.search(r"[0-9]\.[0-9]", run):
        return True
    if recognizer != "AgeRecognizer" or lexicon is None or not len(lexicon):
        return False
    frame = _WORDS_BEFORE_NUMBER.search(text, max(0, start - 60), start)
    if frame is not None:
        words = frame.group("w").split()
        return not any(_PERSON_NOUN.fullmatch(w.rstrip(".")) for w in words) \
            and all(ordinary_word(w, lexicon) and w.lower() not in ("i", "me") for w in words)
    thing = _WORD_AGE_BEFORE.search(text, max(0, start - 40), start)
    if thing is not None:
        word = thing.group("w")
        # a word, not a first name (a surname that is a word is a thing here: "Page age")
        return word.lower() not in _AGE_QUALIFIERS and word.lower() not in stop_words() \
            and not _PERSON_NOUN.fullmatch(word) and lexicon.is_word(word.lower()) \
            and word.upper() not in gazetteer()[0]
    return False


def _as_language(text: str, start: int, end: int) -> bool:
    """``text[start:end]`` is a nationality word that names the language there (in English,
    French text)."""
    return text[start:end] in _LANGUAGE_DEMONYMS and (
        _LANGUAGE_CUE.search(text, max(0, start - 24), start) is not None
        or _LANGUAGE_AFTER.match(text, end) is not None)


#: The last few texts' look-alike spans, keyed by the text's hash and length: offsets only,
#: so no text (and none of its personal data) outlives the call that analysed it.
_NOT_DATES_SEEN: dict[tuple[int, int], list[tuple[int, int]]] = {}
_NOT_DATES_LOCK = threading.Lock()


def _not_dates(text: str) -> list[tuple[int, int]]:
    """Look-alike spans that are not themselves dates (standard, book, order numbers); once
    per text, not once per date found in it (a text of 10,000 numbers has as many). The
    list is shared: not to be changed."""
    key = (hash(text), len(text))  # a str caches its hash: no second pass over the text
    with _NOT_DATES_LOCK:
        spans = _NOT_DATES_SEEN.get(key)
    if spans is None:
        spans = [(s, e) for s, e in lookalike_spans(text)
                 if not _DATE_TIME.fullmatch(text[s:e])]
        with _NOT_DATES_LOCK:
            while len(_NOT_DATES_SEEN) >= 8:
                del _NOT_DATES_SEEN[next(iter(_NOT_DATES_SEEN))]
            _NOT_DATES_SEEN[key] = spans
    return spans


def _file_name(text: str, start: int, end: int) -> bool:
    """``main.py``, ``README.md``, ``index.ht`` (of index.html): Presidio's schema-less URL
    pattern takes file names whose extension is also a country's domain."""
    value = text[start:end]
    if "://" in value or value.lower().startswith("www.") or "/" in value or "@" in value:
        return False
    if end < len(text) and (text[end].isalnum() or text[end] == "_"):
        return True
    return value.rsplit(".", 1)[-1].lower() in _FILE_EXTENSIONS


def gdpr_recognizers(language: str = "en", lexicon: Lexicon | None = None,
                     places: Sequence[EntityRecognizer] = ()) -> list[EntityRecognizer]:
    """The strict profile's recognizers; ``lexicon``: the model's ordinary words, for the
    listed companies whose names are words too (Apple, Next); ``places``: the world towns'
    recognizer (:mod:`recognizers_places`, which reads this module's gazetteers), beside
    the other place recognizers."""
    return [AddressRecognizer(language), PostcodeRecognizer(language),
            PlaceRecognizer(language), CuedPlaceRecognizer(language),
            *places,
            NerFacilityRecognizer(language),
            OrganizationRecognizer(language), KnownFirmRecognizer(language, lexicon),
            ContextPlaceRecognizer(language),
            # before the looser context recognizers: where both find the same firm, its
            # checks are the ones that apply (see Analyzer's OrderedRegistry)
            EmployerOrganizationRecognizer(language), FramedOrganizationRecognizer(language),
            InstitutionOrganizationRecognizer(language, lexicon),
            NeighbourPlaceRecognizer(language), ContextOrganizationRecognizer(language),
            SubjectOrganizationRecognizer(language), PossessiveOrganizationRecognizer(language),
            TableRecognizer(language),
            QuestionAnswerRecognizer(language), AgeRecognizer(language),
            AgeListRecognizer(language),
            DateTimeRecognizer(language), NationalityRecognizer(language),
            DemonymRecognizer(language), WholeUrlRecognizer(language)]
