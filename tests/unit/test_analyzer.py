"""The Presidio analyzer: offline, policy-driven, mixed English and Chinese."""

from __future__ import annotations

import socket
from dataclasses import replace

import pytest

from appliance.config import PiiConfig
from appliance.errors import ConfigError
from appliance.privacy.analyzer import Analyzer
from appliance.privacy.masker import mask_texts
from appliance.privacy.output_scan import Segmenter, scan_output


def test_tldextract_never_touches_the_network(analyzer, monkeypatch: pytest.MonkeyPatch) -> None:
    """E-mail validation uses the bundled suffix list: with sockets forbidden it still works."""
    import tldextract.tldextract as impl

    assert () == impl.TLD_EXTRACTOR.suffix_list_urls

    def no_network(*_a, **_k):
        raise AssertionError("network access attempted")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    spans = analyzer.find("write to mei.lin@example.co.uk today")
    assert ["EMAIL_ADDRESS"] == [s.entity_type for s in spans]


def test_missing_spacy_model_is_a_config_error_not_a_download(monkeypatch) -> None:
    import spacy.cli

    def no_download(*_a, **_k):
        raise AssertionError("spaCy download attempted")

    monkeypatch.setattr(spacy.cli, "download", no_download)
    with pytest.raises(ConfigError) as info:
        Analyzer(replace(PiiConfig(), spacy_model="en_core_web_lg"))
    assert "pii.spacy_model" == info.value.key


def test_mixed_language_text(analyzer) -> None:
    """Chinese recognizers and English NER both apply within one prompt."""
    m = mask_texts(analyzer, ["我叫王伟，手机 138 0013 8000。John Smith 也在，email js@example.com。"])
    assert "我叫<PERSON_1>，手机 <CN_MOBILE_1>。<PERSON_2> 也在，email <EMAIL_ADDRESS_1>。" == m.texts[0]


def test_one_value_one_placeholder_across_messages(analyzer) -> None:
    m = mask_texts(analyzer, ["Mail ann.lee@example.com", "Again: ann.lee@example.com",
                              "Other: bo@example.com"])
    assert ["Mail <EMAIL_ADDRESS_1>", "Again: <EMAIL_ADDRESS_1>", "Other: <EMAIL_ADDRESS_2>"] \
        == list(m.texts)
    assert {"EMAIL_ADDRESS": 2} == dict(m.entity_counts)


def test_allow_and_deny_lists() -> None:
    a = Analyzer(replace(PiiConfig(), allow_list=("support@example.com",),
                         deny_list=("Project Falcon",)))
    m = mask_texts(a, ["Ask support@example.com or ann@example.com about Project Falcon."])
    assert "Ask support@example.com or <EMAIL_ADDRESS_1> about <DENY_LIST_1>." == m.texts[0]


def test_distractors_are_left_alone(analyzer) -> None:
    text = "Upgrade to v2.14.3, see ticket INC-482193, order 20261122-0042, build 1.38.0013.8000."
    assert text == mask_texts(analyzer, [text]).texts[0]


def test_output_scan_masks_invented_pii_but_not_placeholders(analyzer) -> None:
    text, counts = scan_output(analyzer, "Write to <EMAIL_ADDRESS_1> or to bob.jones@example.net.")
    assert "Write to <EMAIL_ADDRESS_1> or to <EMAIL_ADDRESS>." == text
    assert {"EMAIL_ADDRESS": 1} == counts


def test_segmenter_releases_sentences_and_keeps_numbers_whole() -> None:
    s = Segmenter(max_segment=20)
    out = s.feed("Hi there. Call +1 415 555 0132 now and again and again")
    out.append(s.flush())
    assert "Hi there. Call +1 415 555 0132 now and again and again" == "".join(out)
    assert "Hi there." == out[0]
    assert any("+1 415 555 0132" in piece for piece in out)


def test_a_run_of_blanks_after_a_listed_name_is_read_once() -> None:
    """The join between list items ("Ana Lima, Rosa Diaz", "; ", " and ", " & ", "/",
    "2. ") keeps its meaning, and a long run of tabs after a name is read once: split
    between the join's optional blanks every way, 30,000 tabs took seconds per match."""
    from appliance.privacy.analyzer import _LIST_NEXT
    for text in ("Ana Lima, Rosa Diaz", "Ana Lima; Rosa Diaz", "Ana Lima & Rosa Diaz",
                 "Ana Lima/Rosa Diaz", "1. Ana Lima 2. Rosa Diaz", "Ana Lima, and Rosa Diaz"):
        m = _LIST_NEXT.match(text, text.index("Lima") + 4)
        assert m is not None and m.group("v") == "Rosa Diaz", text
    assert _LIST_NEXT.match("Ana Limaand Rosa", 8) is None
    assert _LIST_NEXT.match("Team: Ana Lima," + "\t" * 30000 + "x", 14) is None
