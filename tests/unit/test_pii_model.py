"""The PII token classifier shipped in the package, and a site's own model beside the rules."""

from __future__ import annotations

import dataclasses
import json
import shutil
from pathlib import Path

import pytest
import spacy

from appliance.config import PiiConfig
from appliance.config.reader import ConfigErrors, load
from appliance.config.schema import DEFAULT_MODEL_LABELS
from appliance.errors import ConfigError
from appliance.privacy.analyzer import Analyzer
from appliance.privacy.lexicon import model_lexicon
from appliance.privacy.masker import mask_texts
from appliance.privacy.model_ner import (
    ModelNerRecognizer,
    address_like,
    builtin_models_dir,
    model_path,
    model_recognizers,
    named,
)

SHIPPED = "builtin:pii-ner-en"
_DEV = "[audit]\ndev_officer_key = true\n"


@pytest.fixture(scope="module")
def byo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A site's own model directory: the shipped one, copied elsewhere."""
    dest = tmp_path_factory.mktemp("site-model") / "pii-ner"
    shutil.copytree(model_path(SHIPPED), dest)
    return dest


@pytest.fixture(scope="module")
def analyzer(byo_dir: Path) -> Analyzer:
    """Rules and spaCy's NER, with the site's model beside them, street addresses wanted."""
    policy = PiiConfig()
    return Analyzer(dataclasses.replace(policy, models=(str(byo_dir),),
                                        entities=(*policy.entities, "ADDRESS")))


@pytest.fixture(scope="module")
def shipped() -> ModelNerRecognizer:
    return ModelNerRecognizer(SHIPPED, DEFAULT_MODEL_LABELS)


def test_shipped_model_is_in_the_package_with_its_version() -> None:
    """builtin:pii-ner-en is a directory in the package, its meta.json naming its version
    and the seed and generator versions of its training data."""
    path = model_path(SHIPPED)
    assert builtin_models_dir() / "pii-ner-en" == path
    meta = json.loads((path / "meta.json").read_text(encoding="utf-8"))
    assert "0.1.0" == meta["version"]
    assert {"seed", "generator_version", "faker_version"} <= set(meta["training_data"])
    assert ["ADDRESS", "PERSON"] == sorted(meta["labels"]["ner"])


@pytest.mark.parametrize(("text", "name"), [
    ("Could you forward the minutes to Nguyen Van An?", "Nguyen Van An"),
    ("Okonkwo: the build is green again", "Okonkwo"),
    ("Anna van der Vlist joined the board in spring.", "Anna van der Vlist"),
    ("i spoke with priya yesterday about the refund", "priya"),
])
def test_shipped_model_finds_names_in_unseen_contexts(shipped: ModelNerRecognizer, text: str,
                                                      name: str) -> None:
    """The shipped model tags names in sentences not among its training templates."""
    found = [text[r.start:r.end] for r in shipped.analyze(text, ["PERSON"])]
    assert name in found


def test_shipped_model_finds_street_addresses(shipped: ModelNerRecognizer) -> None:
    """ADDRESS: a street address, without the city after it."""
    text = "Please send the parcel to 221B Baker Street, London."
    found = [(text[r.start:r.end], r.entity_type) for r in shipped.analyze(text, ["ADDRESS"])]
    assert [("221B Baker Street", "ADDRESS")] == found


def test_missing_model_directory_is_a_config_error(tmp_path: Path) -> None:
    """A models entry with no pipeline there is refused, naming pii.models; nothing is
    downloaded."""
    with pytest.raises(ConfigError) as caught:
        ModelNerRecognizer(str(tmp_path / "nowhere"), DEFAULT_MODEL_LABELS)
    assert "pii.models" == caught.value.key


def test_pipeline_without_ner_is_a_config_error(tmp_path: Path) -> None:
    """A spaCy pipeline with no ner component is refused, naming pii.models."""
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    nlp.to_disk(tmp_path / "no-ner")
    with pytest.raises(ConfigError, match="no ner component") as caught:
        ModelNerRecognizer(str(tmp_path / "no-ner"), DEFAULT_MODEL_LABELS)
    assert "pii.models" == caught.value.key


def test_labels_are_mapped_and_unmapped_ones_ignored() -> None:
    """model_labels decides the type a label is reported as; a label it leaves out is not
    reported at all."""
    rec = ModelNerRecognizer(SHIPPED, {"PERSON": "NRP"})
    text = "Could you forward the minutes to Nguyen Van An at 221B Baker Street?"
    assert ["NRP"] == rec.supported_entities
    assert {"NRP"} == {r.entity_type for r in rec.analyze(text, ["NRP", "ADDRESS"])}


def test_site_model_runs_beside_the_rules(analyzer: Analyzer) -> None:
    """A model loaded from a local path is one recognizer among the rules, and its findings
    are masked with theirs."""
    assert {"ModelNerRecognizer", "GazetteerNameRecognizer", "EmailAddressRecognizer"} \
        <= set(analyzer.recognizer_names)
    masked = mask_texts(analyzer, ["Okonkwo: mail jo@example.com the keys for "
                                   "221B Baker Street"]).texts[0]
    assert "<PERSON_1>: mail <EMAIL_ADDRESS_1> the keys for <ADDRESS_1>" == masked


def test_ordinary_words_stay(analyzer: Analyzer) -> None:
    """Capitalised ordinary words, schema titles and acronyms are not masked, nor headings
    where the model alone would see a name ("Free", "Body")."""
    texts = ["Describe a cat as JSON with name and legs.",
             '{"title": "Size", "type": "integer"}, {"title": "Width"}, {"title": "Order Id"}',
             "Sort by Order Id, then by Size.", "We met in Paris on Monday in May.",
             "Buy One Get One Free today", "Heading One\n===\nSome Body Text",
             "Thanks for the help, talk soon!"]
    assert texts == list(mask_texts(analyzer, texts).texts)


def test_addresses_only_where_the_policy_wants_them(shipped: ModelNerRecognizer) -> None:
    """Without ADDRESS among the entities the model's addresses are not reported, and a
    policy that wants none of its types loads no recognizer for it."""
    text = "Send it to 221B Baker Street, Okonkwo."
    assert {"PERSON"} == {r.entity_type for r in shipped.analyze(text, ["PERSON"])}
    only_email = dataclasses.replace(PiiConfig(), entities=("EMAIL_ADDRESS",))
    assert [] == model_recognizers(only_email)


def test_config_check_names_a_missing_model_directory(tmp_path: Path) -> None:
    """`appliance config check` reports a models entry that is no pipeline, by its key; a
    relative directory is read relative to the config file."""
    (tmp_path / "ours").mkdir()
    shutil.copy(model_path(SHIPPED) / "config.cfg", tmp_path / "ours" / "config.cfg")
    good = tmp_path / "good.toml"
    good.write_text(f'[pii]\nmodels = ["builtin:pii-ner-en", "ours"]\n{_DEV}', encoding="utf-8")
    assert ("builtin:pii-ner-en", str(tmp_path / "ours")) == load(good).pii.models
    bad = tmp_path / "bad.toml"
    bad.write_text(f'[pii]\nmodels = ["missing", "builtin:nope"]\n{_DEV}', encoding="utf-8")
    with pytest.raises(ConfigErrors) as caught:
        load(bad)
    assert ["pii.models"] == sorted({e.key for e in caught.value.problems})


@pytest.mark.parametrize(("text", "name"), [
    ("Housing application: applicant Oksana Didenko, DOB 03/07/1979.", "Oksana Didenko"),
    ("Referral to the memory clinic, re: Mary-Kate O'Sullivan, 81, repeated falls.",
     "Mary-Kate O'Sullivan"),
    ("Flu clinic: Agnes Mill, 88, needs a home visit.", "Agnes Mill"),
])
def test_a_name_the_model_files_as_an_address_is_masked_as_a_name(text: str, name: str) -> None:
    """The small model sometimes tags a name in a form's or a referral's frame ADDRESS. With
    no house number before its first comma and no street word, the span's capitalised words
    count as a name when one of them is a known name or two words are not dictionary words."""
    lexicon = model_lexicon(PiiConfig().spacy_model)
    assert not address_like(f"{name}, 81") and named(name, lexicon)
    analyzer = Analyzer(PiiConfig())
    spans = {text[f.start:f.end] for f in mask_texts(analyzer, [text]).findings[0]}
    assert name in spans


def test_what_is_no_name_stays_an_address_or_nothing() -> None:
    """Street words and house numbers keep a span an address; jargon, rooms, firms and places
    are no name."""
    lexicon = model_lexicon(PiiConfig().spacy_model)
    assert address_like("14 Elm Grove") and address_like("Flat 3, Rosebank")
    assert address_like("Church Road") and not address_like("Agnes Mill, 88")
    for text in ("Changelog", "Conference Room B;CUTYPE", "Smile Dental Clinic",
                 "Quezon City", "Ecobank Ghana"):
        assert not named(text, lexicon), text
    table = "SKU\tItem\tPrice\nKB-210\tMechanical Keyboard\t89.99\nMS-110\tWireless Mouse\t24.50"
    assert [] == list(mask_texts(Analyzer(PiiConfig()), [table]).findings[0])


@pytest.mark.parametrize("text", [
    "le 3 mars", "el próximo lunes", "am Freitag um 10 Uhr", "Dienstag, 4. März",
])
def test_other_languages_dates_are_no_names(text: str) -> None:
    """Weekdays, months and their articles in other languages are no one's name (a model
    trained on English text tags "Freitag", "März" and "le"). Whole sentences of other
    languages are beyond this: the model still tags some of their nouns."""
    found = mask_texts(Analyzer(PiiConfig()), [text]).findings[0]
    assert [] == [text[f.start:f.end] for f in found if f.entity_type == "PERSON"]


def test_a_given_name_spelled_as_a_month_stays_a_name() -> None:
    text = "Hey it's Marco from the courier, Julio is downstairs."
    spans = {text[f.start:f.end] for f in mask_texts(Analyzer(PiiConfig()), [text]).findings[0]}
    assert {"Marco", "Julio"} <= spans
