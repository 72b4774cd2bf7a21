"""Names of the world lists (appliance/privacy/models/world-names) beside the census lists, and
the name sources of the dev probe (tools/pii_dev/en_names.py)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

from appliance.privacy.analyzer import Analyzer
from appliance.privacy.masker import mask_texts
from appliance.privacy.recognizers_names import (
    GazetteerNameRecognizer,
    census_gazetteer,
    gazetteer,
    world_names,
)

ROOT = Path(__file__).resolve().parents[2]


def masked(analyzer: Analyzer, text: str) -> str:
    return mask_texts(analyzer, [text]).texts[0]


def test_world_lists_are_shipped_without_english_words() -> None:
    """The lists are in the package, and hold names no census list has, none of them an
    English word ("Will", "Grace", "Heaven") or a function word."""
    firsts, lasts = world_names()
    assert len(firsts) > 10_000 and len(lasts) > 5_000
    assert {"TELLERVO", "SIGRUN", "NURIA", "KARDELEN"} <= firsts
    assert {"JÄRVINEN", "KASEMETS", "PESONEN"} <= lasts
    census_first, census_last = census_gazetteer()
    assert not firsts & census_first and not lasts & census_last
    for word in ("WILL", "MAY", "MARK", "GRACE", "HOPE", "ROSE", "HEAVEN", "MISSION", "THE",
                 "SALES", "TABLE", "SUMMER"):
        assert word not in firsts and word not in lasts, word


def test_gazetteer_is_census_and_world_lists() -> None:
    firsts, lasts = gazetteer()
    census_first, census_last = census_gazetteer()
    world_first, world_last = world_names()
    assert firsts == census_first | world_first
    assert lasts == census_last | world_last


@pytest.mark.parametrize(("text", "name"), [
    ("According to Nuria Vila, the shipment left on time.", "Nuria Vila"),  # world + census
    ("a1b2c3d 2024-02-11 Kaisa Kasemets Merge branch 'main'", "Kaisa Kasemets"),  # world both
    ("PASSENGER SIGRUN PESONEN", "SIGRUN PESONEN"),
])
def test_pairs_of_world_names(text: str, name: str) -> None:
    rec = GazetteerNameRecognizer()
    rec.load()
    assert [name] == [text[r.start:r.end] for r in rec.analyze(text, ["PERSON"])]


@pytest.mark.parametrize(("text", "expected"), [
    # lower-case chat: a name the model reads, which no census list knew
    ("lol tellervo said the same", "lol <PERSON_1> said the same"),
    ("participants: kardelen, sigrun", "participants: <PERSON_1>, <PERSON_2>"),
    ("hey aino virtanen here, is the room free?", "hey <PERSON_1> here, is the room free?"),
    ("According to Nuria Vila, the shipment left on time.",
     "According to <PERSON_1>, the shipment left on time."),
])
def test_names_only_the_world_lists_know(analyzer: Analyzer, text: str, expected: str) -> None:
    assert expected == masked(analyzer, text)


@pytest.mark.parametrize("text", [
    "I will mark it done", "Grace period ends in May.", "hope to see you there",
    "the dev server is down again", "Mission accomplished, Heaven knows how.",
    "ok see you at 5", "Sales, Marketing and Support",
])
def test_english_words_stay(analyzer: Analyzer, text: str) -> None:
    assert text == masked(analyzer, text)


def _tool(folder: str, name: str) -> Any:
    sys.path.insert(0, str(ROOT / "tools" / folder))
    try:
        return __import__(name)
    finally:
        sys.path.pop(0)


class _Lexicon:
    def is_word(self, word: str) -> bool:
        return word.lower() in {"grace", "heaven", "mission"}


def test_world_lists_name_their_source() -> None:
    """meta.json names the Faker version and locales the lists were built from, and no
    other source."""
    import json

    folder = ROOT / "appliance" / "privacy" / "models" / "world-names"
    meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    assert meta["source"].startswith("Faker ") and meta["license"] == "MIT"
    assert {"fi_FI", "et_EE", "tr_TR", "pl_PL", "vi_VN"} <= set(meta["locales"])
    assert not {"ru_RU", "zh_CN", "el_GR", "ja_JP"} & set(meta["locales"])  # other scripts
    assert meta["first"] == len(world_names()[0]) and meta["last"] == len(world_names()[1])


def test_world_list_builder_reads_faker_lists() -> None:
    """Tuples and weighted dictionaries of a person provider both count; short names and
    names of other scripts are left out."""
    builder = _tool("pii_model", "world_names")
    firsts, lasts = builder.provider_names("fi_FI")
    assert "Tellervo" in firsts and "Virtanen" in lasts
    firsts, _ = builder.provider_names("en_US")  # OrderedDict of weights
    assert "Jennifer" in firsts
    assert "ru_RU" not in builder.latin_locales()
    assert builder.candidates(["Aino", "Bo", "Jean-Luc", "Иван", "Two Words"]) \
        == {"Aino", "Jean-Luc"}


def test_world_list_builder_keeps_no_english_word_and_no_census_name() -> None:
    keep = _tool("pii_model", "world_names").keep
    stop = frozenset({"the", "will"})
    census = frozenset({"JOHN"})
    assert keep("Tellervo", _Lexicon(), stop, census)
    assert not keep("Grace", _Lexicon(), stop, census)
    assert not keep("Will", _Lexicon(), stop, census)
    assert not keep("John", _Lexicon(), stop, census)


def test_probe_placeholders_in_lower_case() -> None:
    en_names = _tool("pii_dev", "en_names")
    values = en_names.name_values(lambda: ("Tilde", "Koch"))
    assert "tilde koch" == values["full_l"] and "Tilde Koch" == values["full"]
    for register in en_names.NEW_TEMPLATES.values():
        for template in register:
            template.format(**values)  # every placeholder is known


@pytest.mark.parametrize(("text", "names"), [
    ("maintainers:\n  - Amanda Mozart\n  - Angela Dean", ["Amanda Mozart", "Angela Dean"]),
    ('members:\n- "Ana Lima"\n- Bo Stone  # lead\n', ["Ana Lima", "Bo Stone"]),
    ('{"id": 7, "watchers": ["Tansel", "Malte"]}', ["Tansel", "Malte"]),
    # YAML lists of things, and keys that name machines, not people
    ("dependencies:\n  - numpy\n  - Flask\nsteps:\n  - Build Image", []),
    ("hosts:\n  - web01\n  - Db Primary", []),
    ("reviewers:\n  - Ana Lima\nlabels:\n  - Bug Fix", ["Ana Lima"]),
])
def test_people_in_yaml_block_lists_and_role_lists(text: str, names: list[str]) -> None:
    from appliance.privacy.recognizers_names import StructuredNameRecognizer

    rec = StructuredNameRecognizer()
    rec.load()
    assert names == [text[r.start:r.end] for r in rec.analyze(text, ["PERSON"])]


class _EveryWord:
    """Every word an English noun; "hope" and "mark" verbs too."""

    def is_word(self, word: str) -> bool:
        return True

    def is_not_only_a_noun(self, word: str) -> bool:
        return word.lower() in {"hope", "mark"}


@pytest.mark.parametrize(("word", "trimmed"), [
    ("tellervo", False),  # a world given name in lower case stays in the model's name
    ("ivy", False),  # a census given name that is an English noun too
    ("hope", True),  # ... but not one that is a verb too ("hope to see you")
    ("mark", True),
    ("will", True),  # a function word goes, though a census name
    ("table", True),  # no name
    ("Table", True),
])
def test_lower_case_given_names_stay_at_the_edge_of_a_model_name(word: str,
                                                                 trimmed: bool) -> None:
    from appliance.privacy.model_ner import _edge_word

    assert trimmed == _edge_word(word, _EveryWord())  # type: ignore[arg-type]
