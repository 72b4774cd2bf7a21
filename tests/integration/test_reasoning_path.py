"""Reasoning through the real server and PII stage, with the model's output scripted.

The embedded default model (Gemma 3 270M) never writes <think> tags, so this test wraps the
real engine in a named fake, ``ScriptedEngine``, whose ``generate`` yields a fixed reasoning-model
output split at awkward token boundaries. Everything else (gRPC, masking, restore, splitting)
is the real path.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from appliance import config as cfgmod
from appliance.client import Client
from appliance.config import ModelConfig
from tests.inprocess import InProcessServer
from tests.scripted import ScriptedEngine

SCRIPT = ["<thi", "nk>The user <EMA", "IL_ADDRESS_1> asks for a sum. 2+2", "=4.</th",
          "ink>\n", "Send it to <EMAIL_", "ADDRESS_1>: 4."]
EMAIL = "ann.lee@example.com"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, model_path: Path) -> Iterator[InProcessServer]:
    models = {t: ModelConfig(tier=t, path=model_path, n_threads=2, chat_template="gemma",
                             reasoning="think_tags" if t == "r1" else "none")
              for t in cfgmod.TIERS}
    cfg = replace(cfgmod.embedded_default(), state_dir=tmp_path_factory.mktemp("r"),
                  models=models, server=replace(cfgmod.ServerConfig(), listen="127.0.0.1:0"))
    s = InProcessServer(cfg, wrap=lambda e: ScriptedEngine(e, SCRIPT))
    yield s
    s.stop()


def test_unary_splits_reasoning_and_restores_both(server: InProcessServer) -> None:
    with Client(server.address) as c:
        r = c.generate(f"My mail is {EMAIL}. What is 2+2?", model="r1")
    assert f"The user {EMAIL} asks for a sum. 2+2=4." == r.reasoning
    assert f"\nSend it to {EMAIL}: 4." == r.text


def test_stream_carries_reasoning_in_its_own_field(server: InProcessServer) -> None:
    with Client(server.address) as c:
        chunks = list(c.stream(f"My mail is {EMAIL}. What is 2+2?", model="r1"))
    assert f"The user {EMAIL} asks for a sum. 2+2=4." == "".join(ch.reasoning for ch in chunks)
    assert f"\nSend it to {EMAIL}: 4." == "".join(ch.text for ch in chunks)
    assert not any("<th" in ch.text or "</th" in ch.reasoning for ch in chunks)


def test_include_reasoning_false_drops_it(server: InProcessServer) -> None:
    with Client(server.address) as c:
        r = c.generate(f"My mail is {EMAIL}.", model="r1", include_reasoning=False)
    assert "" == r.reasoning
    assert f"\nSend it to {EMAIL}: 4." == r.text


def test_tier_without_reasoning_passes_tags_through(server: InProcessServer) -> None:
    """v3 is configured with reasoning = "none": its output is all answer."""
    with Client(server.address) as c:
        r = c.generate(f"My mail is {EMAIL}.", model="v3")
    assert "" == r.reasoning
    assert r.text.startswith("<think>The user ")
