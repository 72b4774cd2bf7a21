"""The reasoning token budget on the real model. The small default model never writes
<think> itself, so the r1 tier is configured as ``think_tags_open`` (the prompt opened the
reasoning): everything it writes is reasoning until the budget closes it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from appliance import config as cfgmod
from appliance.client import Client
from appliance.config import ModelConfig
from appliance.engine.budget import ReasoningBudget
from appliance.engine.types import SamplingParams
from tests.inprocess import InProcessServer

PROMPT = "The capital of France is"


def _server(tmp: Path, model_path: Path, budget: int) -> InProcessServer:
    models = {t: ModelConfig(tier=t, path=model_path, n_threads=2, chat_template="gemma",
                             n_ctx=512, slots=1,
                             reasoning="think_tags_open" if t == "r1" else "none",
                             reasoning_budget=budget if t == "r1" else 0)
              for t in cfgmod.TIERS}
    cfg = replace(cfgmod.embedded_default(), state_dir=tmp, models=models,
                  server=replace(cfgmod.ServerConfig(), listen="127.0.0.1:0"))
    return InProcessServer(cfg)


@pytest.fixture(scope="module")
def budget_5(tmp_path_factory: pytest.TempPathFactory,
             model_path: Path) -> Iterator[InProcessServer]:
    s = _server(tmp_path_factory.mktemp("budget"), model_path, 5)
    yield s
    s.stop()


def test_budget_closes_reasoning_and_the_model_answers(budget_5: InProcessServer) -> None:
    with Client(budget_5.address) as c:
        r = c.generate(PROMPT, model="r1", max_tokens=24, temperature=0.0)
        chunks = list(c.stream(PROMPT, model="r1", max_tokens=24, temperature=0.0))
    assert r.reasoning.strip()
    assert r.text.strip(), r  # after the forced </think> the model went on answering
    # The engine's closing tag is consumed by the splitter (the small model may imitate one
    # later in its answer; after the close everything is answer).
    assert "</think>" not in r.reasoning
    assert len(r.reasoning.split()) <= 5 + 1
    assert 24 == r.usage.completion_tokens or r.finish_reason == "stop"
    assert r.reasoning == "".join(ch.reasoning for ch in chunks)
    assert r.text == "".join(ch.text for ch in chunks)


def test_without_a_budget_the_open_reasoning_never_closes(tmp_path: Path,
                                                          model_path: Path) -> None:
    server = _server(tmp_path, model_path, 0)
    try:
        with Client(server.address) as c:
            r = c.generate(PROMPT, model="r1", max_tokens=12, temperature=0.0)
    finally:
        server.stop()
    assert r.reasoning.strip()
    assert "" == r.text.strip()


@pytest.mark.parametrize(("pieces", "forced_after"), [
    (["<th", "ink>", "a", "b", "c", "d"], 5),       # tag split across tokens, then 3 inside
    (["  <think>", "a", "</think>", "x", "y"], None),  # closed in time: nothing forced
    (["Hello", "<think>", "a", "b", "c"], None),      # answer does not open with reasoning
])
def test_reasoning_state_machine(pieces: list[str], forced_after: int | None) -> None:
    budget = ReasoningBudget.of(SamplingParams(max_tokens=50, reasoning="think_tags",
                                               reasoning_budget=3))
    for i, piece in enumerate(pieces):
        if not budget.active:  # the engine stops tracking then
            break
        if budget.spend(piece):  # the engine now writes CLOSE_REASONING itself
            assert forced_after == i + 1
            return
    assert forced_after is None
