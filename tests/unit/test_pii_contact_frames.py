"""Frames read on the hand-written development sets w9 and w10 (issue 37): a name between a
verb of getting in touch and the number or address to use, a title in dictated lower case,
an extension alone after its cue, a date of birth in an SQL insert or a record's row with no
header, the given name of a Chinese name found elsewhere; and the look-alikes of each."""

from __future__ import annotations

import pytest

from appliance.privacy.masker import mask_texts


def found(analyzer, text: str, kind: str) -> list[str]:
    findings = mask_texts(analyzer, [text]).findings[0]
    return [text[f.start:f.end] for f in findings if f.entity_type == kind]


@pytest.mark.parametrize(("text", "name"), [
    ("Lost dog near the park! Please DM Sarah or call 07700 900461", "Sarah"),
    ("Te koop: kinderwagen, €120. Ophalen in Utrecht-Oost, bel Sanne 06-12345678", "Sanne"),
    ("Black lab answers to Biscuit. Please ring Jade 07123 456789. Reward.", "Jade"),
    ("Maths tutor, DBS checked, based in Harrow. Call Arjun 07456 789012", "Arjun"),
    ("Worn once, £350. Message Autumn on autumn.lees@hotmail.co.uk", "Autumn"),
    ("ok so call back mrs lindqvist on oh seven nine four six double one two", "lindqvist"),
    ("reminder to self ring mr abara before friday", "abara"),
])
def test_a_name_in_a_frame_of_getting_in_touch(analyzer, text: str, name: str) -> None:
    assert name in found(analyzer, text, "PERSON")


@pytest.mark.parametrize("text", [
    "Call Room 12 from the lobby phone, or ring Reception 0161 496 0000.",
    "Please call Customer Service at 1-800-555-0100.",
    "Call Center 0800 100 200 is open around the clock.",
    "For billing questions call Support 0800 123 456.",
    "the request took 200 ms latency and 30 ms to parse",
    "set the timeout to 500 ms so the dr server can fail over",
])
def test_what_one_rings_is_no_name(analyzer, text: str) -> None:
    assert found(analyzer, text, "PERSON") == []


@pytest.mark.parametrize(("text", "number"), [
    ("Printer jams. Reported by Grace Adeyemi (ext. 4417). Please check.", "4417"),
    ("报修人：钱多多，分机8023，问题：投影仪无法开机", "8023"),
    ("Sure, it's 555-0176, extension 22.", "22"),
    ("Bitte Durchwahl 315 wählen.", "315"),
])
def test_an_extension_alone_after_its_cue(analyzer, text: str, number: str) -> None:
    assert number in found(analyzer, text, "PHONE_NUMBER")


@pytest.mark.parametrize("text", [
    "We agreed a lease extension 12 months from now and a deadline extension 3 days.",
    "Rename files with extension .txt; the Chrome extension v2.3 is installed.",
    "Diet Coke x10, cartons x12.",
])
def test_extension_words_without_an_extension(analyzer, text: str) -> None:
    assert found(analyzer, text, "PHONE_NUMBER") == []


@pytest.mark.parametrize(("text", "date"), [
    ("INSERT INTO patients (name, dob, phone) VALUES ('Mohammed al-Farsi', '1975-02-14', "
     "'+971 4 555 0192');", "1975-02-14"),
    ("Bianca Ferreira da Silva\t07/07/2001\tPorto Alegre\tPending docs", "07/07/2001"),
    ("Priya Raghunathan,1986-03-09,Finance,approved", "1986-03-09"),
    ("Q: And your date of birth please? A: the 3rd of February 1991",
     "the 3rd of February 1991"),
])
def test_a_date_of_birth_in_a_record(analyzer, text: str, date: str) -> None:
    assert date in found(analyzer, text, "DATE_OF_BIRTH")


@pytest.mark.parametrize("text", [
    "Priya Raghunathan,2025-09-01,Finance,approved",  # this year's: the row's event
    "James Smith\t2001-03-01\t2005-04-02\ttransfer",  # two dates: which one is unknown
    "Release 1.2,2010-05-06,Kevin Lee,stable",  # the date before the name
    "Widget Pro\t2012-01-05\t1204\t88310.00\tEUR",  # no one's row
    "INSERT INTO orders (customer, placed_on) VALUES ('Ann Lee', '1999-02-14');",
])
def test_dates_in_rows_that_are_no_birth_date(analyzer, text: str) -> None:
    assert found(analyzer, text, "DATE_OF_BIRTH") == []


def test_a_quote_after_a_name_stays(analyzer) -> None:
    text = "INSERT INTO staff (name) VALUES ('Mohammed al-Farsi');"
    assert found(analyzer, text, "PERSON") == ["Mohammed al-Farsi"]


def test_the_given_name_of_a_chinese_name_found_elsewhere(analyzer) -> None:
    text = "@陈思远 思远，服务器10.0.12.254又挂了，麻烦看一下"
    assert found(analyzer, text, "PERSON") == ["陈思远", "思远"]
    # a given name that is a frequent word is not looked for alone
    assert found(analyzer, "张文明负责，文明建设很重要", "PERSON") == ["张文明"]
