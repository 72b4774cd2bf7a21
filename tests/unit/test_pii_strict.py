"""The strict (GDPR) profile: addresses, postcodes, places, organisations, ages, dates, URLs and
nationalities are masked in English and Chinese; ordinary prose and look-alikes are not, and
the profile exists without a [pii.profiles.strict] table."""

from __future__ import annotations

from pathlib import Path

import pytest

from appliance import config
from appliance.config import STRICT_OUTPUT_SCAN_ENTITIES, STRICT_PII_ENTITIES, PiiConfig
from appliance.privacy.analyzer import Analyzer


def write(tmp_path: Path, text: str) -> Path:
    """A config file that opts into the development officer key."""
    path = tmp_path / "appliance.toml"
    path.write_text(text + "\n[audit]\ndev_officer_key = true\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def strict() -> Analyzer:
    return Analyzer(PiiConfig(entities=STRICT_PII_ENTITIES,
                              output_scan_entities=STRICT_OUTPUT_SCAN_ENTITIES, models=()))


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
    "Boolean queries. See main.py and README.md for the details. Today the team met again, "
    "and last year the library stayed open late for students. "
    "这份报告介绍了系统的现状。城市的发展很快，小区里有超市和学校，地区之间的交通也越来越方便。"
    "请把下面的字段转换成表格：姓名、地址、城市、国家和公司。")


def test_ordinary_prose_is_not_masked(strict: Analyzer) -> None:
    """Capitalised words, field names, product names and relative dates stay as written."""
    assert {} == masked(strict, PROSE)


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
