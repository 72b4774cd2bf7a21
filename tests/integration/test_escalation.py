"""v3 -> r1 escalation of weak answers, on the real model through the real server: what counts
as weak is set by the config, so each reason is produced deterministically."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from appliance import config as cfgmod
from appliance.audit.keys import generate_officer_key, load_officer_private
from appliance.audit.verify import verify_dir
from appliance.client import Client
from appliance.config import EscalationConfig, ModelConfig
from appliance.engine.types import Finished
from appliance.stages.escalate import weakness
from tests.inprocess import InProcessServer

PROMPT = "The capital of France is"


def _server(tmp: Path, model_path: Path, esc: EscalationConfig) -> InProcessServer:
    models = {t: ModelConfig(tier=t, path=model_path, n_threads=2, chat_template="gemma",
                             n_ctx=512, slots=1, reasoning="none") for t in cfgmod.TIERS}
    _priv, public, _fp = generate_officer_key(tmp / "officer")
    cfg = replace(cfgmod.embedded_default(), state_dir=tmp / "state", models=models,
                  server=replace(cfgmod.ServerConfig(), listen="127.0.0.1:0"),
                  routing=replace(cfgmod.RoutingConfig(), escalation=esc),
                  audit=replace(cfgmod.AuditConfig(), officer_public_key=public))
    return InProcessServer(cfg)


@pytest.fixture(scope="module")
def always_weak(tmp_path_factory: pytest.TempPathFactory,
                model_path: Path) -> Iterator[tuple[InProcessServer, Path]]:
    """Every answer is weak: no real answer has a mean log-probability of 0."""
    tmp = tmp_path_factory.mktemp("esc")
    s = _server(tmp, model_path, EscalationConfig(min_mean_logprob=-1e-9, on_cut_off=False))
    yield s, tmp
    s.stop()


def test_weak_answer_is_replaced_by_r1_and_audited(
        always_weak: tuple[InProcessServer, Path]) -> None:
    server, tmp = always_weak
    with Client(server.address) as c:
        r = c.generate(PROMPT, model="auto", max_tokens=8, temperature=0.0)
    assert "r1" == r.model
    assert "escalated:low_confidence" == r.route_reason
    assert "local" == r.served_by
    assert r.text

    records: list[dict[str, object]] = []
    verify_dir(tmp / "state" / "audit", load_officer_private(tmp / "officer" / "officer.key"),
               None, records.append)
    end = next(x for x in records if x.get("type") == "end" and x["request_id"] == r.request_id)
    assert "r1" == end["tier"]
    assert "escalated:low_confidence" == end["route_reason"]
    attempt = end["escalated_from"]
    assert isinstance(attempt, dict)
    assert "v3" == attempt["tier"] and "low_confidence" == attempt["reason"]
    assert isinstance(attempt["mean_logprob"], float) and attempt["mean_logprob"] < 0
    assert 0 < attempt["completion_tokens"] <= 8
    begin = next(x for x in records
                 if x.get("type") == "begin" and x["request_id"] == r.request_id)
    assert "v3" == begin["tier"]  # as first routed


def test_streams_explicit_tiers_and_opt_outs_are_never_escalated(
        always_weak: tuple[InProcessServer, Path]) -> None:
    server, _ = always_weak
    with Client(server.address) as c:
        chunks = list(c.stream(PROMPT, model="auto", max_tokens=8, temperature=0.0))
        assert "v3" == chunks[0].model and "auto:default" == chunks[0].route_reason
        r = c.generate(PROMPT, model="auto", max_tokens=8, temperature=0.0,
                       allow_escalation=False)
        assert ("v3", "auto:default") == (r.model, r.route_reason)
        r = c.generate(PROMPT, model="v3", max_tokens=8, temperature=0.0)
        assert ("v3", "explicit") == (r.model, r.route_reason)
        r = c.generate(PROMPT, model="auto", task_type="math", max_tokens=8, temperature=0.0)
        assert ("r1", "task_type:math") == (r.model, r.route_reason)


def test_cut_off_answer_escalates_only_when_configured(tmp_path: Path, model_path: Path) -> None:
    server = _server(tmp_path / "a", model_path, EscalationConfig(min_mean_logprob=-1e9))
    try:
        with Client(server.address) as c:
            cut = c.generate(PROMPT, model="auto", max_tokens=2, temperature=0.0)
            assert ("r1", "escalated:cut_off") == (cut.model, cut.route_reason)
    finally:
        server.stop()
    server = _server(tmp_path / "b", model_path,
                     EscalationConfig(min_mean_logprob=-1e9, on_cut_off=False))
    try:
        with Client(server.address) as c:
            kept = c.generate(PROMPT, model="auto", max_tokens=2, temperature=0.0)
            assert ("v3", "auto:default", "length") == \
                (kept.model, kept.route_reason, kept.finish_reason)
    finally:
        server.stop()


@pytest.mark.parametrize(("text", "finished", "expected"), [
    ("", Finished("stop", 3, 1, mean_logprob=-0.1), "empty"),
    ("  \n", Finished("stop", 3, 2, mean_logprob=-0.1), "empty"),
    ("Paris", Finished("length", 3, 8, mean_logprob=-0.1), "cut_off"),
    ("Paris", Finished("stop", 3, 2, mean_logprob=-2.0), "low_confidence"),
    ("Paris", Finished("stop", 3, 2, mean_logprob=-0.5), None),
    ("Paris", Finished("stop", 3, 2, mean_logprob=None), None),  # the cluster answered
])
def test_weakness_rules(text: str, finished: Finished, expected: str | None) -> None:
    assert expected == weakness(text, finished, EscalationConfig())
    assert weakness(text, finished, EscalationConfig(on_empty=False, on_cut_off=False)) in (
        None, "low_confidence")
