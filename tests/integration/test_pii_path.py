"""Invariant 1 through the real server: only placeholders reach the model; fail closed."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import grpc
import pytest

from appliance import config as cfgmod
from appliance.client import NO_RETRY, Client, RpcError
from appliance.config import ModelConfig
from appliance.privacy.masker import PiiMasker
from tests.inprocess import InProcessServer, RecordingEngine

VALUES = {
    "EMAIL_ADDRESS": "john.smith@example.com",
    "PHONE_NUMBER": "+1 415-555-0132",
    "PERSON": "John Smith",
    "CN_RESIDENT_ID": "11010519491231002X",
    "CN_MOBILE": "138 0013 8000",
    "CREDIT_CARD": "4111 1111 1111 1111",
}
PROMPT = (f"Name: {VALUES['PERSON']}\nEmail: {VALUES['EMAIL_ADDRESS']}\n"
          f"Phone: {VALUES['PHONE_NUMBER']}\nCard: {VALUES['CREDIT_CARD']}\n"
          f"身份证号 {VALUES['CN_RESIDENT_ID']}，手机 {VALUES['CN_MOBILE']}\n\n"
          f"Name: {VALUES['PERSON']}\nEmail:")


def _config(tmp: Path, model: Path) -> cfgmod.Config:
    models = {t: ModelConfig(tier=t, path=model, n_threads=2, chat_template="gemma")
              for t in cfgmod.TIERS}
    return replace(cfgmod.embedded_default(), state_dir=tmp, models=models,
                   server=replace(cfgmod.ServerConfig(), listen="127.0.0.1:0"))


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory,
             model_path: Path) -> Iterator[tuple[InProcessServer, list[str]]]:
    received: list[str] = []
    server = InProcessServer(_config(tmp_path_factory.mktemp("pii"), model_path),
                             wrap=lambda e: RecordingEngine(e, received))
    yield server, received
    server.stop()


@pytest.mark.parametrize("streaming", [False, True])
def test_model_receives_only_placeholders(recorded, streaming: bool) -> None:
    """No PII value reaches the engine; each value became a typed placeholder; the same value
    got one placeholder; the response counts types, never values."""
    server, received = recorded
    received.clear()
    with Client(server.address) as c:
        if streaming:
            chunks = list(c.stream(PROMPT, max_tokens=12, temperature=0.0))
            pii = {p.entity_type: p.count for p in chunks[-1].pii}
        else:
            pii = dict(c.generate(PROMPT, max_tokens=12, temperature=0.0).pii)
    assert 1 == len(received)
    seen = received[0]
    for kind, value in VALUES.items():
        assert value not in seen, f"{kind} reached the model"
    for placeholder in ("<EMAIL_ADDRESS_1>", "<CN_RESIDENT_ID_1>", "<CN_MOBILE_1>",
                        "<CREDIT_CARD_1>", "<PHONE_NUMBER_1>"):
        assert placeholder in seen
    person = seen.split("\n")[0].removeprefix("Name: ")
    assert seen.count(person) == 2  # one value, one placeholder, both times
    assert {"EMAIL_ADDRESS", "CN_RESIDENT_ID", "CN_MOBILE", "CREDIT_CARD", "PERSON",
            "PHONE_NUMBER"} <= set(pii)


def test_caller_gets_its_values_back(recorded) -> None:
    """When the model writes a placeholder it was given, the caller reads the value."""
    server, _received = recorded
    with Client(server.address) as c:
        r = c.generate(PROMPT, max_tokens=8, temperature=0.0)
        streamed = "".join(ch.text for ch in c.stream(PROMPT, max_tokens=8, temperature=0.0))
    # Greedy, the small model continues the pattern with the e-mail placeholder.
    assert VALUES["EMAIL_ADDRESS"] in r.text
    assert "<EMAIL_ADDRESS_1>" not in r.text
    assert r.text == streamed


def test_an_ordinary_instruction_reaches_the_model_unchanged(recorded) -> None:
    """Regression: "JSON" in this instruction was masked as a PERSON, so the model was asked
    to describe a cat as <PERSON_1>."""
    server, received = recorded
    received.clear()
    prompt = "Describe a cat as JSON with name and legs."
    with Client(server.address) as c:
        r = c.generate(prompt, max_tokens=4, temperature=0.0)
    assert 1 == len(received)
    assert prompt in received[0]
    assert {} == dict(r.pii)


class BrokenAnalyzer:
    """A fake analyzer that fails, standing in for a crashed spaCy or recognizer."""

    def find(self, text: str, lang: str = "auto", focus: object = None) -> list:
        raise RuntimeError("analyzer crashed")


def test_analysis_failure_fails_closed(tmp_path: Path, model_path: Path) -> None:
    """If analysis fails: opaque INTERNAL, and nothing at all reaches the model."""
    received: list[str] = []
    cfg = _config(tmp_path, model_path)
    server = InProcessServer(cfg, privacy=PiiMasker(cfg.pii, BrokenAnalyzer()),  # type: ignore[arg-type]
                             wrap=lambda e: RecordingEngine(e, received))
    try:
        with Client(server.address, retry=NO_RETRY) as c:
            for call in (c.generate, lambda *a, **k: list(c.stream(*a, **k))):
                with pytest.raises(RpcError) as info:
                    call(PROMPT, max_tokens=4)
                assert grpc.StatusCode.INTERNAL == info.value.code
                assert "internal error" == info.value.message
    finally:
        server.stop()
    assert [] == received


def test_keep_masked_policy_returns_placeholders(tmp_path: Path, model_path: Path) -> None:
    """With restore = "keep_masked" the caller sees the placeholders the model wrote."""
    cfg = _config(tmp_path, model_path)
    cfg = replace(cfg, pii=replace(cfg.pii, restore="keep_masked"))
    server = InProcessServer(cfg)
    try:
        with Client(server.address) as c:
            r = c.generate(PROMPT, max_tokens=8, temperature=0.0)
    finally:
        server.stop()
    assert "<EMAIL_ADDRESS_1>" in r.text
    assert VALUES["EMAIL_ADDRESS"] not in r.text


def test_surrogate_style_sends_surrogates_and_restores_values(tmp_path: Path,
                                                              model_path: Path) -> None:
    """With style = "surrogate" the model reads made-up values (no value of the request, no
    placeholder), and the caller reads its own values where the model repeated them."""
    received: list[str] = []
    cfg = _config(tmp_path, model_path)
    cfg = replace(cfg, pii=replace(cfg.pii, style="surrogate"))
    server = InProcessServer(cfg, wrap=lambda e: RecordingEngine(e, received))
    try:
        with Client(server.address) as c:
            r = c.generate(PROMPT, max_tokens=16, temperature=0.0)
    finally:
        server.stop()
    assert 1 == len(received)
    seen = received[0]
    surrogate = seen.split("Email: ")[1].split("\n")[0]
    for kind, value in VALUES.items():
        assert value not in seen, f"{kind} reached the model"
    assert "<" not in seen.replace("<start_of_turn>", "").replace("<end_of_turn>", "")
    # Greedy, the small model continues the pattern with the e-mail: its surrogate, restored.
    assert surrogate.endswith((".com", ".org", ".net"))
    assert VALUES["EMAIL_ADDRESS"] in r.text
    assert surrogate not in r.text
