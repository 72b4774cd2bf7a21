"""Generation controls on the real model: defaults that answer, sampling controls, and
structured (JSON) output enforced by a grammar — unary, streaming, batched, with PII."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from appliance import config as cfgmod
from appliance.client import NO_RETRY, Client
from appliance.config import PiiConfig
from tests.daemon import Daemon
from tests.inprocess import InProcessServer

#: The issue's test schema: a string, an integer enum and an array (bounded, so an answer
#: always finishes within max_tokens on a small model).
SCHEMA = {
    "type": "object",
    "properties": {
        "name": {"type": "string", "maxLength": 24},
        "size": {"type": "integer", "enum": [1, 2, 3]},
        "tags": {"type": "array", "items": {"type": "string", "maxLength": 16},
                 "maxItems": 3},
    },
    "required": ["name", "size", "tags"],
}
#: Values with a quote and a backslash, always masked (deny list): restored inside a JSON
#: string they must be escaped.
AWKWARD = 'ACME "Falcon" \\ Ltd'
SHOT = 'Globex "Hawk" \\ Inc'


def test_readme_first_ask_example_answers(tmp_path: Path) -> None:
    """`make serve` (the embedded default: no config file) and the README's first example at
    temperature 0: the default chat model (v3) answers, and stops at the end of its turn."""
    daemon = Daemon(tmp_path)
    try:
        daemon.wait_for("ready", timeout=300)
        out = subprocess.run(
            [sys.executable, "-m", "appliance", "ask", "--target", str(daemon.address),
             "--temperature", "0", "What is the capital of France? Answer in one sentence."],
            capture_output=True, text=True, timeout=120, check=False)
        calls = _chat_model_tool_calls(daemon)
    finally:
        assert 0 == daemon.stop()
    assert 0 == out.returncode, out.stderr
    assert "The capital of France is Paris." == out.stdout.strip()
    assert all(name == "get_weather" for name, _ in calls)
    for _name, arguments in calls:
        jsonschema.validate(json.loads(arguments), WEATHER["function"]["parameters"])


WEATHER: dict[str, Any] = {"type": "function", "function": {
    "name": "get_weather", "description": "The weather in a city",
    "parameters": {"type": "object", "required": ["city"], "additionalProperties": False,
                   "properties": {"city": {"type": "string", "maxLength": 20},
                                  "unit": {"enum": ["C", "F"]}}}}}


def _chat_model_tool_calls(daemon: Daemon) -> list[tuple[str, str]]:
    """The embedded chat model (v3, its own ChatML template) with the official SDK: three
    required calls, then an agent's second turn (its call and the tool's result) answered
    in text."""
    import openai

    client = openai.OpenAI(base_url=daemon.http_url, api_key="unused", max_retries=0,
                           timeout=300)
    calls = []
    for city in ("Paris", "Oslo", "Lima"):
        r = client.chat.completions.create(
            model="v3", tools=[WEATHER], tool_choice="required", max_tokens=60, seed=3,  # type: ignore[list-item]
            messages=[{"role": "user", "content": f"What is the weather in {city}?"}])
        assert "tool_calls" == r.choices[0].finish_reason
        calls += [(t.function.name, t.function.arguments)  # type: ignore[union-attr]
                  for t in r.choices[0].message.tool_calls or ()]
    r = client.chat.completions.create(model="v3", tools=[WEATHER], max_tokens=40,  # type: ignore[list-item]
                                       temperature=0, messages=[  # type: ignore[list-item]
        {"role": "user", "content": "What is the weather in Paris?"},
        {"role": "assistant", "content": None, "tool_calls": [{
            "id": "call_1", "type": "function",
            "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'}}]},
        {"role": "tool", "tool_call_id": "call_1", "content": "Sunny, 21 degrees C"}])
    assert r.choices[0].finish_reason in ("stop", "length", "tool_calls")
    assert len(calls) >= 3
    return calls


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory,
           model_path: Path) -> Iterator[InProcessServer]:
    """The embedded default's r1 settings (the base model, transcript template, r1 at 0.6)
    on both tiers, v3 greedy by default, and AWKWARD on the deny list."""
    models = {t: replace(m, path=model_path, n_threads=2,
                         chat_template=cfgmod.DEFAULT_MODEL_CHAT_TEMPLATE)
              for t, m in cfgmod.embedded_default().models.items()}
    models["v3"] = replace(models["v3"], temperature=0.0)
    # The default model is no reasoning model: on r1 it may open <think> and ramble; the
    # budget closes its reasoning, and the JSON answer follows.
    models["r1"] = replace(models["r1"], reasoning_budget=24)
    config = replace(cfgmod.embedded_default(), state_dir=tmp_path_factory.mktemp("gen"),
                     models=models, pii=replace(PiiConfig(), deny_list=(AWKWARD, SHOT)),
                     server=replace(cfgmod.ServerConfig(), listen="127.0.0.1:0"))
    s = InProcessServer(config)
    yield s
    s.stop()


def _ask(address: str, i: int, stream: bool, out: list[Any]) -> None:
    kwargs: dict[str, Any] = {
        "messages": [("user", "Describe an animal as JSON.")], "temperature": 0.8,
        "seed": 1000 + i, "max_tokens": 160, "json_schema": SCHEMA}
    with Client(address, timeout=180, retry=NO_RETRY) as c:
        if stream:
            chunks = list(c.stream(**kwargs))
            out[i] = ("".join(ch.text for ch in chunks), chunks[-1].finish_reason)
        else:
            r = c.generate(**kwargs)
            out[i] = (r.text, r.finish_reason)


def test_json_schema_output_always_parses_and_validates(server: InProcessServer) -> None:
    """20 of 20 at temperature 0.8 with different seeds, half of them streamed, four at a
    time in one batch: every answer parses and validates against the schema."""
    results: list[Any] = [None] * 20
    for first in range(0, 20, 4):
        threads = [threading.Thread(target=_ask, args=(server.address, i, i % 2 == 1, results))
                   for i in range(first, first + 4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(300)
    assert all(r is not None for r in results)
    answers = []
    for text, finish in results:
        assert "stop" == finish, text
        value = json.loads(text)
        jsonschema.validate(value, SCHEMA)
        answers.append(value["name"])
    assert len(set(answers)) > 1  # different seeds, different answers: sampling is on


def test_json_object_mode(server: InProcessServer) -> None:
    with Client(server.address, timeout=120) as c:
        r = c.generate(messages=[("user", "Give me a JSON object about Paris.")],
                       temperature=0.8, seed=5, max_tokens=200, response_format="json_object")
    if r.finish_reason == "stop":
        assert isinstance(json.loads(r.text), dict)
    else:  # cut off by max_tokens: still a JSON object so far
        assert r.text.lstrip().startswith("{")


def test_restored_values_inside_json_stay_valid_json(server: InProcessServer) -> None:
    """The model copies placeholders into the JSON; the caller gets its own values back,
    escaped for a JSON string (AWKWARD has a quote and a backslash)."""
    # The model sees: Text: <DENY_LIST_1> wrote. JSON: {"name": "<DENY_LIST_1>"} Text:
    # <DENY_LIST_2> wrote. JSON: and copies the placeholder.
    prompt = (f'Text: {SHOT} wrote.\nJSON: {{"name": "{SHOT}"}}\n'
              f"Text: {AWKWARD} wrote.\nJSON:")
    schema = {"type": "object", "properties": {"name": {"type": "string", "maxLength": 40}},
              "required": ["name"]}
    with Client(server.address, timeout=120) as c:
        r = c.generate(prompt=prompt, temperature=0.0, max_tokens=40, json_schema=schema)
    assert {"name": AWKWARD} == json.loads(r.text)
    assert 2 == dict(r.pii)["DENY_LIST"]


def _repeated_trigrams(text: str) -> int:
    words = re.findall(r"\w+", text.lower())
    counts = Counter(zip(words, words[1:], words[2:], strict=False))
    return sum(n - 1 for n in counts.values() if n > 1)


def test_repetition_penalty_reduces_repeated_ngrams(server: InProcessServer) -> None:
    """Greedy decoding of a story on the small model loops; the penalty breaks the loops."""
    counts = {}
    with Client(server.address, timeout=120) as c:
        for penalty in (None, 1.3):
            texts = [c.generate(prompt=p, temperature=0.0, max_tokens=120,
                                repetition_penalty=penalty).text
                     for p in ("Once upon a time", "The history of the city",
                               "My favourite recipe is")]
            counts[penalty] = sum(_repeated_trigrams(t) for t in texts)
    print(counts)
    assert counts[1.3] < counts[None]


def test_logit_bias_bans_a_token(server: InProcessServer) -> None:
    """A bias of -100 on the token greedy decoding picks first makes it pick another."""
    engine = server.app.registry.engine_for("v3")
    prompt = "The capital of France is"
    with Client(server.address, timeout=120) as c:
        free = c.generate(prompt=prompt, temperature=0.0, max_tokens=3)
        first = next(t for t in engine.tokenize_prompt(free.text) if t != engine._model.bos)
        banned = c.generate(prompt=prompt, temperature=0.0, max_tokens=3,
                            logit_bias={first: -100.0})
    again = next(t for t in engine.tokenize_prompt(banned.text) if t != engine._model.bos)
    assert first != again


def test_tier_generation_defaults_apply_to_unset_fields(server: InProcessServer) -> None:
    """v3 is configured greedy: without a temperature, two differently seeded requests give
    the same answer; with one, the request wins."""
    with Client(server.address, timeout=120) as c:
        a, b = (c.generate(prompt="Once upon a time", max_tokens=24, seed=s, model="v3").text
                for s in (1, 2))
        hot = {c.generate(prompt="Once upon a time", max_tokens=24, seed=s, model="v3",
                          temperature=1.5).text for s in (1, 2, 3)}
    assert a == b
    assert len(hot) > 1


def test_json_schema_on_the_reasoning_tier_and_with_escalation(server: InProcessServer) -> None:
    """r1 (reasoning "think_tags": the grammar lets it think first, the budget closes the
    thinking) and "auto" requests that may escalate answer JSON that validates."""
    with Client(server.address, timeout=120) as c:
        for model, seed in (("r1", 7), ("r1", 8), ("auto", 7)):
            r = c.generate(messages=[("user", "Describe an animal as JSON.")], model=model,
                           seed=seed, max_tokens=200, json_schema=SCHEMA)
            assert "stop" == r.finish_reason, r.text
            jsonschema.validate(json.loads(r.text), SCHEMA)
