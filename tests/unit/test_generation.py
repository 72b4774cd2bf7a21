"""Generation controls without a model: ranges, tier defaults, grammars, JSON restore."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from appliance import config as cfgmod
from appliance.config import ConfigErrors, ModelConfig, load
from appliance.engine.chat import ChatRenderer
from appliance.engine.structured import grammar_for, with_reasoning
from appliance.errors import InvalidArgument
from appliance.generation import BUILTIN_TEMPLATES, TRANSCRIPT_STOPS, Message, ResponseFormat
from appliance.privacy.restore import PlaceholderRestorer
from appliance.privacy.vault import Vault
from appliance.request import GenerateParams
from appliance.stages.validate import validate, with_tier_defaults

LIMITS = cfgmod.LimitsConfig()


def test_unset_fields_take_the_tier_defaults_and_set_ones_win() -> None:
    tier = ModelConfig(tier="r1", temperature=0.6, top_k=20, repetition_penalty=1.2,
                       penalty_last_n=128)
    unset = with_tier_defaults(validate(GenerateParams(prompt="x"), LIMITS), tier)
    assert (0.6, 20, 1.2, 128) == (unset.temperature, unset.top_k, unset.repetition_penalty,
                                   unset.penalty_last_n)
    assert 0.05 == unset.min_p  # neither set it: the engine's default
    chosen = with_tier_defaults(validate(GenerateParams(prompt="x", temperature=0.0, top_k=5),
                                         LIMITS), tier)
    assert (0.0, 5) == (chosen.temperature, chosen.top_k)


def test_embedded_default_tiers() -> None:
    """v3 is the chat model with its own template; r1 the base model, which follows a
    transcript and samples at 0.6; two files, so two engines."""
    models = cfgmod.embedded_default().models
    assert ("auto", "transcript") == (models["v3"].chat_template, models["r1"].chat_template)
    assert 0.6 == models["r1"].temperature
    assert models["v3"].temperature is None
    assert models["v3"].engine_key() != models["r1"].engine_key()


def test_transcript_template_and_its_stops() -> None:
    r = ChatRenderer(BUILTIN_TEMPLATES["transcript"])
    text = r.render([Message("system", "Be brief."), Message("user", "Capital of France?")])
    assert "System: Be brief.\nUser: Capital of France?\nAssistant:" == text
    assert TRANSCRIPT_STOPS == r.stops
    assert () == ChatRenderer(BUILTIN_TEMPLATES["gemma"]).stops
    assert TRANSCRIPT_STOPS == ChatRenderer(None).stops  # the plain fallback is a transcript


def test_config_reads_generation_keys_and_names_bad_ones(tmp_path: Path) -> None:
    good = tmp_path / "good.toml"
    good.write_text('[audit]\ndev_officer_key = true\n[auth]\nrequired = false\n'
                    '[models.v3]\npath = "/m.gguf"\ntemperature = 0.2\ntop_k = 10\n'
                    'repetition_penalty = 1.1\nstop = ["\\nQ:"]\n', encoding="utf-8")
    v3 = load(good).models["v3"]
    assert (0.2, 10, 1.1, ("\nQ:",)) == (v3.temperature, v3.top_k, v3.repetition_penalty,
                                         v3.stop)
    bad = tmp_path / "bad.toml"
    bad.write_text('[audit]\ndev_officer_key = true\n[auth]\nrequired = false\n'
                   '[models.v3]\npath = "/m.gguf"\ntemperature = 3.0\ntop_k = -2\n',
                   encoding="utf-8")
    with pytest.raises(ConfigErrors) as info:
        load(bad)
    keys = {e.key for e in info.value}
    assert {"models.v3.temperature", "models.v3.top_k"} <= keys


@pytest.mark.parametrize(("fmt", "message"), [
    (ResponseFormat("xml"), "response_format.type: must be one of"),
    (ResponseFormat("json_schema"), "json_schema: required with type json_schema"),
    (ResponseFormat("json_schema", "[1]"), "must be a JSON object"),
    (ResponseFormat("json_schema", '{"type": 5}'), "invalid JSON Schema at /type"),
    (ResponseFormat("json_object", '{"type": "object"}'), "only with type json_schema"),
])
def test_bad_response_formats_name_the_problem(fmt: ResponseFormat, message: str) -> None:
    with pytest.raises(InvalidArgument) as info:
        grammar_for(fmt)
    assert message in str(info.value)


def test_schema_grammar_forbids_raw_control_characters_in_strings() -> None:
    """json_schema_to_gbnf's string rule allows a raw newline, which strict parsers reject."""
    gbnf = grammar_for(ResponseFormat("json_schema", json.dumps(
        {"type": "object", "properties": {"a": {"type": "string"}}})))
    assert 'char ::= [^"\\\\\\x7F\\x00-\\x1F]' in gbnf
    assert "" == grammar_for(ResponseFormat("text"))
    assert grammar_for(ResponseFormat("json_object")).lstrip().startswith("root")


def test_reasoning_tiers_may_think_before_the_json() -> None:
    gbnf = 'root ::= "{}"'
    optional = with_reasoning(gbnf, "think_tags")
    assert optional.startswith('root ::= ("<think>" think-text "</think>" [ \\n]{0,8})? answer')
    assert 'answer ::= "{}"' in optional
    assert with_reasoning(gbnf, "think_tags_open").startswith('root ::= think-text "</think>"')
    assert gbnf == with_reasoning(gbnf, "none")


def test_restored_values_are_escaped_inside_json() -> None:
    vault = Vault()
    placeholder = vault.placeholder_for("DENY_LIST", 'say "hi" \\ now\n')
    out = PlaceholderRestorer(vault, json_strings=True)
    text = out.feed('{"v": "' + placeholder[:5]) + out.feed(placeholder[5:] + '"}') + out.flush()
    assert {"v": 'say "hi" \\ now\n'} == json.loads(text)
    plain = PlaceholderRestorer(vault)
    assert 'say "hi" \\ now\n' == plain.feed(placeholder) + plain.flush()


def test_sampling_fields_reach_the_sampling_params() -> None:
    p = validate(GenerateParams(prompt="x", top_k=0, min_p=0.1, repetition_penalty=1.3,
                                frequency_penalty=0.5, presence_penalty=-0.5,
                                logit_bias=((7, -100.0),),
                                response_format=ResponseFormat("json_object")), LIMITS)
    assert (0, 0.1, 1.3, 0.5, -0.5, ((7, -100.0),)) == (
        p.top_k, p.min_p, p.repetition_penalty, p.frequency_penalty, p.presence_penalty,
        p.logit_bias)
    assert p.grammar
    assert {"temperature", "top_p"} == set(p.unset)


def test_response_format_for_the_cluster_in_both_styles() -> None:
    fmt = ResponseFormat("json_schema", '{"type": "object"}')
    assert {"type": "json_schema", "json_schema": {"name": "response",
                                                   "schema": {"type": "object"},
                                                   "strict": True}} == fmt.openai()
    assert {"type": "json_object", "schema": {"type": "object"}} == \
        fmt.openai("json_object_schema")
    assert {"type": "json_object"} == ResponseFormat("json_object").openai()
    assert ResponseFormat().openai() is None
