"""The strict profile's listed companies (``KnownFirmRecognizer``): real firms' names with no
legal form and no cue, in the registers text comes in; names that are ordinary words or
people's names only where the text says a firm is; nothing in the default profile."""

from __future__ import annotations

import fnmatch
import tomllib
from pathlib import Path

import pytest

from appliance.config import PiiConfig
from appliance.privacy import recognizers_gdpr
from appliance.privacy.analyzer import Analyzer

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def default() -> Analyzer:
    """The default profile's analyzer, without the PII model."""
    return Analyzer(PiiConfig(models=()))


def orgs(analyzer: Analyzer, text: str) -> list[str]:
    return [text[s.start:s.end] for s in analyzer.find(text) if s.entity_type == "ORGANIZATION"]


def masked_as_org(analyzer: Analyzer, text: str, name: str) -> bool:
    at = text.index(name)
    spans = [(s.start, s.end) for s in analyzer.find(text) if s.entity_type == "ORGANIZATION"]
    return any(s <= at and at + len(name) <= e for s, e in spans)


@pytest.mark.parametrize(("text", "name"), [
    ("I had a call with Unilever yesterday about the renewal.", "Unilever"),
    ("Beiersdorf announced a new share buyback on Monday.", "Beiersdorf"),
    ("lol Fresenius just emailed me back", "Fresenius"),
    ("2019\u20132022: Software engineer, Halma", "Halma"),
    ("date,vendor,total\n2021-03-14 09:00,Experian,89.99", "Experian"),
    ('{"vendor": "Beiersdorf", "status": "paid"}', "Beiersdorf"),
    ("Our clients include:\n- Mitsui Fudosan\n- a regional bank", "Mitsui Fudosan"),
    ("Kind regards,\nAnna Berg\nSenior Analyst\nAcushnet", "Acushnet"),
    ("The proposal we sent to Acushnet is attached.", "Acushnet"),
    ("We met Nestlé's procurement team.", "Nestlé"),
])
def test_listed_firms_are_found_in_each_register(strict: Analyzer, text: str, name: str) -> None:
    """A listed company's name is an ORGANIZATION in prose, chat, CV lines, CSV, JSON,
    lists and signatures, with no legal form or cue needed."""
    assert masked_as_org(strict, text, name)


def test_a_legal_form_after_the_name_is_part_of_it(strict: Analyzer) -> None:
    """``Siemens AG`` and ``Adobe Inc.``: the legal form is masked with the name."""
    text = "The contract between Fresenius SE and Halma plc was signed."
    found = orgs(strict, text)
    assert any("Fresenius SE" in f for f in found)
    assert any("Halma plc" in f for f in found)


@pytest.mark.parametrize("text", [
    "Target the users who churned first.",
    "Apple pie is my favourite dessert.",
    "Shell scripts are run by the shell.",
    "Next, open the file.",
    "- Compass\n- Map\n- Torch",
    "Then click Next to continue.",
    "The Amazon is the largest rainforest.",
    "the target was an apple and a shell",
])
def test_word_like_names_sentence_initially_or_in_lower_case_are_not_firms(
        strict: Analyzer, text: str) -> None:
    """Listed names that are ordinary words (Target, Apple, Shell, Next, Compass, Amazon) at
    a sentence's or list item's start, after a determiner or a user-interface verb, or in
    lower case, are no ORGANIZATION of the gazetteer's."""
    words = {"Target", "Apple", "Shell", "Next", "Compass", "Amazon", "target", "apple"}
    assert [f for f in orgs(strict, text) if f in words] == []


@pytest.mark.parametrize(("text", "name"), [
    ("She has worked at Target since March.", "Target"),
    ("I bought the laptop from a reseller, not at Apple directly.", "Apple"),
    ("He joined Ford in 2010 as an engineer.", "Ford"),
    ("Next plc raised its profit forecast again.", "Next plc"),
])
def test_word_like_and_person_like_names_with_a_firm_cue_are_firms(
        strict: Analyzer, text: str, name: str) -> None:
    """The same names after a work cue (works at Target, joined Ford) or with a legal form
    are firms."""
    assert masked_as_org(strict, text, name)


@pytest.mark.parametrize("text", [
    "Harrison Ford starred in the film.",
    "We asked Mr. Ford about the schedule.",
    "The tour ended at Werner von Siemens Ring.",
])
def test_a_name_ending_a_persons_name_is_not_a_firm(strict: Analyzer, text: str) -> None:
    """Ford in "Harrison Ford" or "Mr. Ford", Siemens in "Werner von Siemens": the person's
    name, not the firm."""
    rec = recognizers_gdpr.KnownFirmRecognizer("en")
    assert [] == rec.analyze(text, ["ORGANIZATION"])
    assert "Ford" not in orgs(strict, text)


def test_the_default_profile_finds_no_listed_firm(default: Analyzer) -> None:
    """The default profile masks no organisation, listed or not."""
    text = "I had a call with Unilever and Beiersdorf; she works at Target."
    assert [] == [s for s in default.find(text) if s.entity_type == "ORGANIZATION"]
    assert "KnownFirmRecognizer" not in default.recognizer_names


def test_the_strict_profile_has_the_recognizer(strict: Analyzer) -> None:
    assert "KnownFirmRecognizer" in strict.recognizer_names


def test_the_data_file_parses_and_names_real_firms() -> None:
    """The shipped list: a header naming its source and licence, and short names
    (no "Inc.", no "Class A", diacritics kept)."""
    path = recognizers_gdpr.ORG_NAMES_FILE
    lines = path.read_text(encoding="utf-8").splitlines()
    header = "\n".join(line for line in lines if line.startswith("#"))
    assert "pytickersymbols" in header
    assert "MIT" in header
    names = {line for line in lines if line and not line.startswith("#")}
    assert len(names) > 1000
    assert {"Siemens", "Unilever", "Adobe", "Toyota", "Nestlé", "Johnson & Johnson"} <= names
    assert not any(n.endswith((" Inc.", " Inc", " Corp.", " plc", " AG")) for n in names)
    assert not any("Class A" in n for n in names)
    firms = recognizers_gdpr.known_firms()
    assert "Johnson & Johnson" in firms["Johnson"]


def test_the_data_file_is_package_data() -> None:
    """pyproject's package data takes the file into the wheel (and so the .deb)."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = config["tool"]["setuptools"]["package-data"]["appliance"]
    relative = recognizers_gdpr.ORG_NAMES_FILE.relative_to(ROOT / "appliance").as_posix()
    assert any(fnmatch.fnmatch(relative, p) for p in patterns)
