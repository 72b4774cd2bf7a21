"""The strict (GDPR) profile: addresses, postcodes, places, organisations, ages, dates, URLs and
nationalities are masked in English and Chinese; ordinary prose and look-alikes are not, and
the profile exists without a [pii.profiles.strict] table."""

from __future__ import annotations

from pathlib import Path

import pytest

from appliance import config
from appliance.config import STRICT_OUTPUT_SCAN_ENTITIES, STRICT_PII_ENTITIES
from appliance.privacy.analyzer import Analyzer


def write(tmp_path: Path, text: str) -> Path:
    """A config file that opts into the development officer key."""
    path = tmp_path / "appliance.toml"
    path.write_text(text + "\n[audit]\ndev_officer_key = true\n", encoding="utf-8")
    return path


def masked(analyzer: Analyzer, text: str) -> dict[str, str]:
    """Each masked value -> its type (a sentence's full stop the NER model took along is
    left out)."""
    return {text[s.start:s.end].removesuffix("."): s.entity_type for s in analyzer.find(text)}


@pytest.mark.parametrize(("text", "value"), [
    ("I live at 221B Baker Street, London NW1 6XE.", "221B Baker Street, London NW1 6XE"),
    ("Ship it to 1600 Amphitheatre Pkwy, Mountain View, CA 94043.",
     "1600 Amphitheatre Pkwy, Mountain View, CA 94043"),
    ("Apt 4, 12 rue de la Paix, 75002 Paris", "Apt 4, 12 rue de la Paix, 75002 Paris"),
    ("Büro: Hauptstraße 5, 10115 Berlin", "Hauptstraße 5, 10115 Berlin"),
    ("我住在北京市朝阳区建国路88号SOHO现代城5号楼1201室。", "北京市朝阳区建国路88号SOHO现代城5号楼1201室"),
    ("地址：广东省深圳市南山区科技园南区高新南一道9号", "广东省深圳市南山区科技园南区高新南一道9号"),
    ("他家在杭州市西湖区和平里358号附近。", "杭州市西湖区和平里358号"),
])
def test_addresses(strict: Analyzer, text: str, value: str) -> None:
    """Street addresses, with their unit, city and postcode, are masked as one span."""
    assert "ADDRESS" == masked(strict, text).get(value)


@pytest.mark.parametrize(("text", "value"), [
    ("Postcode: SW1A 2AA", "SW1A 2AA"), ("Springfield, IL 62704", "IL 62704"),
    ("Toronto, ON M5V 2T6", "M5V 2T6"), ("邮编：518057", "518057"), ("PLZ 80331", "80331"),
])
def test_postcodes(strict: Analyzer, text: str, value: str) -> None:
    assert "POSTCODE" == masked(strict, text).get(value)


@pytest.mark.parametrize(("text", "values"), [
    ("She grew up in Lyon and moved to Norway.", ["Lyon", "Norway"]),
    ("We visited Kyoto, Osaka and Vienna in Austria.", ["Kyoto", "Osaka", "Vienna", "Austria"]),
    ("他来自浙江杭州，现在住在成都。", ["浙江", "杭州", "成都"]),
    ("我下周去伦敦出差。", ["伦敦"]),
])
def test_locations(strict: Analyzer, text: str, values: list[str]) -> None:
    found = masked(strict, text)
    assert values == [v for v in values if v in found]


@pytest.mark.parametrize(("text", "value"), [
    ("She works at Acme Corp. on weekdays.", "Acme Corp"),
    ("Our office is near Siemens AG.", "Siemens AG"),
    ("He studied at Stanford University.", "Stanford University"),
    ("Priya joined Accenture in 2019.", "Accenture"),
    ("张伟在华为技术有限公司工作。", "华为技术有限公司"),
    ("他毕业于清华大学，在中国银行上班。", "清华大学"),
    ("他毕业于清华大学，在中国银行上班。", "中国银行"),
])
def test_organizations(strict: Analyzer, text: str, value: str) -> None:
    assert value in masked(strict, text)


@pytest.mark.parametrize(("text", "value"), [
    ("He is 42 years old.", "42 years old"), ("The patient, aged 67, was seen.", "67"),
    ("Age: 35", "35"), ("a 29-year-old woman", "29-year-old"), ("他今年42岁。", "42岁"),
    ("年龄：42", "42"), ("我儿子七岁了。", "七岁"),
    # a bare number said of a person
    ("I'm 34 and I live in Leeds.", "34"), ("She is 71, retired.", "71"),
    ("He just turned 18!", "18"),
])
def test_ages(strict: Analyzer, text: str, value: str) -> None:
    assert "AGE" == masked(strict, text).get(value)


@pytest.mark.parametrize(("text", "value"), [
    ("The meeting is on March 3, 2024 at 10:30am.", "March 3, 2024 at 10:30am"),
    ("Logged at 2025-08-16T05:41:53Z.", "2025-08-16T05:41:53Z"),
    ("Due 16/08/2025.", "16/08/2025"), ("会议定于2025年8月16日召开。", "2025年8月16日"),
    ("我们下午3点见。", "下午3点"), ("我们5 July 1987见。", "5 July 1987"),
])
def test_dates(strict: Analyzer, text: str, value: str) -> None:
    assert "DATE_TIME" == masked(strict, text).get(value)


@pytest.mark.parametrize(("text", "value", "entity"), [
    ("She is French.", "French", "NRP"), ("国籍：中国", "中国", "NRP"),
    ("他是美国籍。", "美国籍", "NRP"),
    ("Visit https://intranet.acme.co.uk/hr?id=42 today.", "https://intranet.acme.co.uk/hr?id=42",
     "URL"),
])
def test_nationality_and_urls(strict: Analyzer, text: str, value: str, entity: str) -> None:
    assert entity == masked(strict, text).get(value)


@pytest.mark.parametrize(("text", "value", "entity"), [
    ("Visit http://shop.example.biz:8080/list/tag?id=42.", "http://shop.example.biz:8080/list/tag?id=42",
     "URL"),
    ("(www.ball.biz/tags/list) - thanks", "www.ball.biz/tags/list", "URL"),
    ("Website: acme-shop.de", "acme-shop.de", "URL"),
    ("Our Albanian colleague called.", "Albanian", "NRP"),
    ("He is a Bahraini national.", "Bahraini", "NRP"),
    ("Participant: Brent Gray (33), joined today.", "33", "AGE"),
    ("Patient record, Alter: 41, admitted.", "41", "AGE"),
    ("Patient Ana Lima, 71 yrs, admitted.", "71 yrs", "AGE"),
    ("PLZ 02-629", "02-629", "POSTCODE"), ('{"postcode": "4396 FG"}', "4396 FG", "POSTCODE"),
    ("Company: Bolaños y asociados S.L.", "Bolaños y asociados S.L", "ORGANIZATION"),
    ("We signed with Kelly, White and Clark last week.", "Kelly, White and Clark",
     "ORGANIZATION"),
    ("Thanks to the team at 株式会社鈴木鉱業 for the help.", "株式会社鈴木鉱業", "ORGANIZATION"),
    ('{"city": "South Alexisview"}', "South Alexisview", "LOCATION"),
    ("She moved to Suriname last year.", "Suriname", "LOCATION"),
    ("Ship to: Borgo Enzo, 260 Piano 0, 61010, Padiglione (PU)",
     "Borgo Enzo, 260 Piano 0, 61010, Padiglione (PU)", "ADDRESS"),
    ("I live at 5498 Stephen Harbor, Port Brandonport.", "5498 Stephen Harbor, Port Brandonport",
     "ADDRESS"),
    ("Büro: Maya-Kramer-Weg 98/47", "Maya-Kramer-Weg 98/47", "ADDRESS"),
    ("住所：千葉県府中市丹勢25丁目19番2号", "千葉県府中市丹勢25丁目19番2号", "ADDRESS"),
])
def test_forms_of_many_locales(strict: Analyzer, text: str, value: str, entity: str) -> None:
    """Whole URLs, nationality words, ages, postcodes, firms, places and addresses as the
    forms, sentences and records of many countries write them are each one masked span."""
    assert entity == masked(strict, text).get(value)


def test_languages_and_street_words_in_prose_are_not_masked(strict: Analyzer) -> None:
    """A nationality word naming a language and a street-type word after a count stay."""
    text = ("Translate it into French and summarize in plain English. In 2025 the 45 Union "
            "members read chapter (3).")
    assert set() == {v for v, t in masked(strict, text).items() if t in ("NRP", "ADDRESS", "AGE")}


PROSE = (
    "The committee reviewed the proposal carefully before the vote. Most members agreed that "
    "the plan was sensible, although several raised concerns about the budget and the "
    "timeline. Convert the following JSON schema into a table: the fields are name, address, "
    "city, country, postal_code, company and date_of_birth. Return the Order Status, "
    "Shipping Method and Payment Type as separate columns. Please summarize the paragraph "
    "about Python and Docker. The Release Notes mention that the Search Service now supports "
    "Boolean queries. See main.py and README.md for the details. The team met again, "
    "and last year the library stayed open late for students. "
    "这份报告介绍了系统的现状。城市的发展很快，小区里有超市和学校，地区之间的交通也越来越方便。"
    "请把下面的字段转换成表格：姓名、地址、城市、国家和公司。")


def test_ordinary_prose_is_not_masked(strict: Analyzer) -> None:
    """Capitalised words, field names, product names and vague relative dates ("last year")
    stay as written."""
    assert {} == masked(strict, PROSE)


@pytest.mark.parametrize(("text", "value"), [
    ("Can you cover my shift tomorrow?", "tomorrow"), ("Please reply today.", "today"),
    ("The courier came on the 14th.", "the 14th"), ("She is off next week.", "next week"),
    ("我们明天下午开会。", "明天"), ("下周三之前提交。", "下周三"),
])
def test_days_said_relative_to_the_message_are_dates(strict: Analyzer, text: str,
                                                     value: str) -> None:
    """Strict masks all dates: a day said relative to the message dates an appointment or an
    absence as much as "12 May" does."""
    assert covered(strict, text, value)


@pytest.mark.parametrize("text", [
    "I'm 5 minutes late.", "He is 6 feet tall.", "The answer is 42.", "version 3.1 is out",
])
def test_numbers_that_are_no_age(strict: Analyzer, text: str) -> None:
    assert "AGE" not in masked(strict, text).values()


def test_lookalikes_are_not_places_or_addresses(strict: Analyzer) -> None:
    """Order, standard and book numbers are not addresses, places or organisations (a
    timestamp is a date, which strict masks)."""
    text = ("Order 58213 ships per GB 18030-2022 and ISO 8601; ISBN 978-3-16-148410-0; "
            "SKU-4471 is out of stock; build 20240815 passed.")
    assert {} == masked(strict, text)
    # a Unix time after its key, a court's case number
    assert {} == masked(strict, "event ts=1533950364714 logged")
    assert {} == masked(strict, "案号(2017)京0105民初73702号。")


def test_strict_profile_is_built_in(tmp_path: Path) -> None:
    """An identity may name "strict" with no [pii.profiles.strict] table; it masks the GDPR
    types and scans answers for addresses, postcodes and URLs, not places or dates."""
    cfg = config.load(write(tmp_path, '[auth.identities.hr]\npii_profile = "strict"\n'))
    assert STRICT_PII_ENTITIES == cfg.pii.profiles["strict"].entities
    assert STRICT_OUTPUT_SCAN_ENTITIES == cfg.pii.profiles["strict"].output_scan_entities
    assert {} == dict(config.load(write(tmp_path, "")).pii.profiles)  # loaded when named


def test_site_table_extends_strict(tmp_path: Path) -> None:
    """A [pii.profiles.strict] table goes over the built-in profile, key by key."""
    strict = config.load(write(tmp_path, '[pii.profiles.strict]\nrestore = "keep_masked"\n')
                         ).pii.profiles["strict"]
    assert (STRICT_PII_ENTITIES, "keep_masked") == (strict.entities, strict.restore)


# ---- Third wave (issue 37): firms, places, ages and addresses by their context ---------------

def covered(analyzer: Analyzer, text: str, value: str) -> bool:
    """Every letter and digit of ``value`` (its first occurrence in ``text``) is masked."""
    start = text.index(value)
    spans = analyzer.find(text)
    return all(any(s.start <= i < s.end for s in spans)
               for i in range(start, start + len(value)) if text[i].isalnum())


def touched(analyzer: Analyzer, text: str, value: str) -> bool:
    """Some letter or digit of ``value`` (its first occurrence in ``text``) is masked."""
    start = text.index(value)
    spans = analyzer.find(text)
    return any(any(s.start <= i < s.end for s in spans)
               for i in range(start, start + len(value)) if text[i].isalnum())


@pytest.mark.parametrize(("text", "value"), [
    # after a job title, in a CV line or a signature
    ("Sales intern | Moon-Wells | 2020", "Moon-Wells"),
    ("2019–2022  Software engineer, Brightwater Lund, Leeds", "Brightwater Lund"),
    ("Regards,\nTom\nHead of Sales, Fairclough-Hale", "Fairclough-Hale"),
    # after the words for starting at, owning or speaking for a firm
    ("She started at Texier last spring.", "Texier"),
    ("Shares of Vermeulen rose 4% on Friday.", "Vermeulen"),
    ("The plant was acquired by Halvorsen Brothers in 2019.", "Halvorsen Brothers"),
    # a work-history line
    ("Work history: Fairbanks Lund (2015–2018)", "Fairbanks Lund"),
    ("Experience\n- Texier (Vago) — Data analyst, 2017-2020", "Texier"),
    # listed after the word for firms, or with a firm that has its legal form
    ("Clients: Texier, Moon-Wells and van der Sloot & Huijben", "van der Sloot & Huijben"),
    ("Clients: Texier, Moon-Wells and van der Sloot & Huijben", "Moon-Wells"),
    ("Suppliers:\n- Scheel KG\n- Texier\n- Moon-Wells", "Moon-Wells"),
    # the subject of what firms do
    ("Yesterday Texier announced a recall.", "Texier"),
    # table columns, markup, form keys and answers
    ("name,company,city,age\nJ. Doe,Texier,Vago,34", "Texier"),
    ("<company>Texier</company>", "Texier"), ('{"company_name": "Texier"}', "Texier"),
    ("Organisation - Texier", "Texier"), ("Where do you work? At Royal van Nus.", "Royal van Nus"),
    # more legal forms
    ("Invoice from Novák s.r.o. attached", "Novák s.r.o"), ("Horváth Kft. signed", "Horváth Kft"),
    ("Tan Brothers Sdn Bhd replied", "Tan Brothers Sdn Bhd"),
    # Chinese: the firm someone works at or joins, a firm in the news, more suffixes
    ("我在北京的字节跳动工作。", "字节跳动"), ("他毕业后加入了美团，一直做销售。", "美团"),
    ("听说腾讯又在招人", "腾讯"), ("工作单位：星辰网络", "星辰网络"), ("所在公司：星辰网络", "星辰网络"),
])
def test_organizations_by_context(strict: Analyzer, text: str, value: str) -> None:
    """A firm with no legal form is masked by what is said round it."""
    assert covered(strict, text, value)


@pytest.mark.parametrize(("text", "value"), [
    ("Officials in Baden-Württemberg said the roads were closed.", "Baden-Württemberg"),
    ("She grew up in Djibouti.", "Djibouti"), ("Our supplier is in Burkina Faso.", "Burkina Faso"),
    ("我去年去了吉布提。", "吉布提"),
    ("Roads in Kalmar län were closed.", "Kalmar län"), ("Rain hit County Kerry.", "County Kerry"),
    ("Sales intern | Zoutkamp, Netherlands | 2020", "Zoutkamp"),
    ("Mail it to West Kimberlyview, NJ.", "West Kimberlyview"),
    ("Just got back from Vago!", "Vago"), ("Meet me at the Zoutkamp office.", "Zoutkamp"),
    ("Offices: Vago, Zoutkamp and Baard", "Baard"),
    ("We visited Vienna, Zoutkamp and Baard.", "Zoutkamp"),
    ("Where are you from?\nA: Zoutkamp.", "Zoutkamp"),
    ("customer_id,street,city,state\n1042,Kyanoweg 86,Baard,Flevoland", "Baard"),
    ("所在城市：南宁市", "南宁市"), ("籍贯：江西省", "江西省"),
])
def test_places_by_context(strict: Analyzer, text: str, value: str) -> None:
    """Countries and regions by name, and towns by what is said round them, are masked."""
    assert covered(strict, text, value)


@pytest.mark.parametrize(("text", "value"), [
    ("Age: 34 years", "34 years"), ('{"age": 34}', "34"), ("{'age': '34'}", "34"),
    ("I (34M) and my wife (32F) need advice", "32F"), ("A man, 34, from Leeds was arrested.", "34"),
    ("Smith, 52, of Leeds was fined.", "52"), ("How old are you? 34.", "34"),
    ("My grandma turned 88 yesterday", "88"), ("My son is 7.", "7"), ("Patient aged 34.", "34"),
    ("She is in her early 40s.", "early 40s"), ("我今年35了，还没买房", "35"), ("年纪：35", "35"),
    ("年齢：34歳", "34歳"), ("34歳の男性", "34歳"),
])
def test_ages_by_context(strict: Analyzer, text: str, value: str) -> None:
    assert covered(strict, text, value)


@pytest.mark.parametrize(("text", "value"), [
    ("Ship to:\n601 Katherine Ramp\nWest Kimberlyview, NJ 78456\n\nThanks",
     "601 Katherine Ramp\nWest Kimberlyview, NJ 78456"),
    ("286 Vanessa Trail\nEast Marieton\nTF0 7ZR", "286 Vanessa Trail\nEast Marieton\nTF0 7ZR"),
    ("Kyanoweg 86\n1129TX\nBaard", "Kyanoweg 86\n1129TX\nBaard"),
    ("Distrito de da Conceição, 78\nVila Pinho\n12904047 Silva das Pedras / MG",
     "Distrito de da Conceição, 78\nVila Pinho\n12904047 Silva das Pedras / MG"),
    ("33, avenue de Traore, 02787 Saint PatriciaVille", "33, avenue de Traore, 02787 Saint PatriciaVille"),
    ("Kontor: Kyrkotorget 7, 51290 Karlstad", "Kyrkotorget 7, 51290 Karlstad"),
    ("Biuro: plac Moniuszki 78/87", "plac Moniuszki 78/87"),
    ("Sede: Stretto Vianello, 6", "Stretto Vianello, 6"),
    ("Vial de Jesús Cordero 260 Apt. 90", "Vial de Jesús Cordero 260 Apt. 90"),
    ("PSC 1234, Box 5678\nAPO AE 12345", "PSC 1234, Box 5678\nAPO AE 12345"),
    ("他住在澳门特别行政区洋市长寿戴路M座 666972，离公司很近。", "澳门特别行政区洋市长寿戴路M座 666972"),
    ("323 台北市中山路50號之9", "323 台北市中山路50號之9"),
    ("We live at 12 Foobar Strand since 2019.", "12 Foobar Strand"),
])
def test_addresses_over_lines_and_locales(strict: Analyzer, text: str, value: str) -> None:
    """Addresses written over several lines and the street forms of more countries are
    masked whole."""
    assert covered(strict, text, value)


@pytest.mark.parametrize(("text", "words"), [
    ("I work in Sales and report to Marketing.", ["Sales", "Marketing"]),
    ("We moved to Production last week.", ["Production"]),
    ("Visit Berlin, Germany this summer.", ["Visit"]),
    ("Yesterday Texier announced a recall.", ["announced"]),
    ("As a developer, I prefer tabs.", ["developer", "prefer"]),
    ("According to Figure 3, sales rose.", ["Figure"]),
    ("Clients: Many asked for a discount.", ["Many"]),
    ("The Board announced the results.", ["Board"]),
    ("Where do you work? At home, mostly.", ["home"]),
    ("I pressed (F5) twice and turned 90 degrees.", ["F5", "90"]),
    ("我在家工作。", ["家"]), ("我在这个项目上工作。", ["项目"]), ("版本发布后请测试。", ["版本"]),
    ("我们公司在招人。", ["公司"]), ("他在周末工作。", ["周末"]),
])
def test_context_cues_leave_ordinary_words(strict: Analyzer, text: str, words: list[str]) -> None:
    """Cue words before an ordinary word, a sentence's first word before a town or a firm,
    and numbers beside no person mask nothing of them."""
    assert [w for w in words if touched(strict, text, w)] == []


def test_tables_mask_typed_columns_only(strict: Analyzer) -> None:
    """A table's typed columns are masked; its order numbers and SKUs are not, nor any cell of
    a table whose header names no type."""
    text = "order_id,sku,city\n58213,SKU-4471,Vago\n58214,SKU-4472,Baard"
    assert covered(strict, text, "Vago") and covered(strict, text, "Baard")
    assert not touched(strict, text, "58213") and not touched(strict, text, "SKU-4471")
    assert {} == masked(strict, "id,sku,qty\n1,AB-12,3\n2,CD-34,5")


@pytest.mark.parametrize(("text", "value"), [
    # more legal forms and a firm's name with a particle first
    ("I am writing on behalf of Albuquerque Castro S/A regarding", "Albuquerque Castro S/A"),
    ("Farias has agreed to buy das Neves Ltda. for an undisclosed sum.", "das Neves Ltda"),
    ("Clients: Lindau Rogge e.G. and others", "Lindau Rogge e.G"),
    ("Sent from the Ede office of de Wit Groep", "de Wit Groep"),
    ("Invoice from Kornek-Bilik Sp. z o.o. Sp.k. attached", "Kornek-Bilik Sp. z o.o. Sp.k"),
    ("- Forsberg & Söderberg HB\n- Dahlgren Nordin HB", "Forsberg & Söderberg HB"),
    # a CSV row whose firm holds the delimiter
    ("name,company,city,age\nJ. Doe,Serrano, Baird and Sandoval,Ericside,45", "Ericside"),
    ("name,company,city,age\nJ. Doe,Serrano, Baird and Sandoval,Ericside,45", "45"),
    # ages in words, a Chinese age in a JSON record
    ("a thirty-four-year-old woman", "thirty-four-year-old"), ('{"年龄": 14}', "14"),
    # places: Japanese wards and towns, Chinese towns by what one does there
    ("横浜市都筑区に住んでいます。", "横浜市都筑区"), ("刚从斗六回来", "斗六"), ("你是太保人吗？", "太保"),
    ("I'm from Cáceres originally, but live in Sevilla now", "Sevilla"),
    # streets named without their number, US street types, Spanish abbreviations
    ("we're at rue de Bonnet if u want to drop by", "rue de Bonnet"),
    ("1 Wright Ridge\nPort Hazel\nN31 1YQ", "1 Wright Ridge\nPort Hazel\nN31 1YQ"),
    ("93258 Jackson Motorway Suite 376\nReynoldsberg, WI 28767",
     "93258 Jackson Motorway Suite 376\nReynoldsberg, WI 28767"),
    ("Mailing address: C. Griselda Calderon 80 Apt. 40, Sevilla, 01238",
     "C. Griselda Calderon 80 Apt. 40, Sevilla, 01238"),
    # a town after "lives in" that the dictionary also lists (Warszawa) or seems to (Novaes)
    ("She lives in Warszawa.", "Warszawa"), ("He currently lives in Novaes.", "Novaes"),
    ("Åkervägen 9, 99959 Malmö", "Åkervägen 9, 99959 Malmö"),
    ("Maximboulevard 7\n1928GP\nSas van Gent", "Maximboulevard 7\n1928GP\nSas van Gent"),
    ("I am writing on behalf of Janiuk Sp. z o.o. Sp.k. regarding it", "Janiuk Sp. z o.o. Sp.k"),
])
def test_more_forms_of_firms_places_ages_and_streets(strict: Analyzer, text: str,
                                                     value: str) -> None:
    assert covered(strict, text, value)


@pytest.mark.parametrize(("text", "words"), [
    # codes the NER model calls places or firms
    ("Upgrade to SKU-96667 before Monday.", ["SKU-96667"]), ("Ref: INC2714290", ["INC2714290"]),
    ("Your order number is v7.0.4.", ["v7.0.4"]),
    # a kind of firm, not a firm; common words before a suffix
    ("这家设计公司很好。", ["设计公司"]), ("我在一家科技公司上班。", ["科技公司"]),
    ("他在银行办了一张银行卡。", ["一张"]),
    # Chinese words with a unit that name no place, and questions about places
    ("我明天去超市买菜。", ["超市"]), ("我们这个城市很大。", ["城市"]), ("你是哪里人？", ["哪里"]),
    ("Sales grew in the North Region while costs stayed flat.", ["North", "Region"]),
    ("I'm from Marketing and moved to Production.", ["Marketing", "Production"]),
    ("I will route Traffic through the proxy.", ["Traffic"]),
])
def test_codes_and_kinds_are_not_places_or_firms(strict: Analyzer, text: str,
                                                 words: list[str]) -> None:
    assert [w for w in words if touched(strict, text, w)] == []


def test_weak_chinese_suffix_keeps_named_firms(strict: Analyzer) -> None:
    """A name before 公司, 银行 or 大学 that is no common word keeps the firm masked."""
    for text, value in (("彩虹传媒有限公司发布了财报。", "彩虹传媒有限公司"), ("他在北京大学读书。", "北京大学"),
                        ("北京市第一人民医院", "北京市第一人民医院")):
        assert covered(strict, text, value), text
