"""Every field of a request that can reach a model or leave the site is masked.

The proto is audited field by field: each field of GenerateRequest (and of ChatMessage) is
either text that reaches a model (masked, and tested below against the real local engine,
recorded at its door, and the real central cluster, ``llama_cpp.server`` on loopback, recorded
on the wire) or a field that never leaves the pipeline, with the reason. A new field fails
:func:`test_every_request_field_is_classified` until someone decides which it is.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from google.protobuf.descriptor import FieldDescriptor

from appliance import config as cfgmod
from appliance.client import NO_RETRY, Client
from appliance.config import FallbackConfig, ModelConfig
from appliance.v1 import appliance_pb2 as pb
from tests.inprocess import InProcessServer, RecordingEngine
from tests.integration.test_fallback import LoadingEngine, cluster

__all__ = ["cluster"]  # the real OpenAI-compatible cluster fixture, shared with test_fallback

#: Text fields that reach a model: masked before anything else sees them.
MASKED = {"prompt", "messages.content", "stop", "messages.tool_calls.arguments_json",
          "messages.tool_call_id"}
#: Fields that never reach a model or the cluster, and why.
NOT_SENT = {
    "messages.role": "one of system/user/assistant (validated); the template renders it",
    "model": "picks the tier; the cluster gets the tier's configured model name",
    "task_type": "picks the tier (routing table); never sent",
    "max_tokens": "a number", "temperature": "a number", "top_p": "a number",
    "seed": "a number", "priority": "a number",
    "include_reasoning": "a flag", "allow_fallback": "a flag", "allow_escalation": "a flag",
    "top_k": "a number", "min_p": "a number", "repetition_penalty": "a number",
    "frequency_penalty": "a number", "presence_penalty": "a number",
    "logit_bias.key": "a token id", "logit_bias.value": "a number",
    "response_format.type": "one of text/json_object/json_schema (validated)",
    "messages.tool_calls.id": "matched against a tool message's tool_call_id; not rendered",
    "tool_choice": "auto/none/required/function:NAME (validated)",
    "parallel_tool_calls": "a flag",
}
#: Text that reaches a model as structure, validated to a shape that holds no free text.
STRUCTURE = {
    "tools.name": "a function name: letters, digits, _ and - (at most 64), validated",
    "messages.tool_calls.name": "the same, and rendered inside its turn's masked text",
}
#: Text fields that reach a model or leave the site and are refused, not masked, when they
#: carry PII (masking would change their meaning). Tested in test_validation.py.
REFUSED_WITH_PII = {"response_format.json_schema", "tools.description", "tools.parameters_json"}

EMAIL = "ann.lee@example.com"
CN_ID = "11010519491231002X"

#: field -> request keyword arguments carrying ``value`` in that field.
REQUESTS: dict[str, Callable[[str], dict[str, Any]]] = {
    "prompt": lambda v: {"prompt": f"Write to {v} about the meeting."},
    "messages.content[system]": lambda v: {"messages": [
        ("system", f"The customer's contact is {v}."), ("user", "Say hello.")]},
    "messages.content[user]": lambda v: {"messages": [("user", f"My address is {v}.")]},
    "messages.content[assistant]": lambda v: {"messages": [
        ("user", "Hi."), ("assistant", f"Noted: {v}."), ("user", "Go on.")]},
    "stop": lambda v: {"prompt": "Say hello.", "stop": [f"Bye {v}", "\n\n"]},
    "messages.tool_calls.arguments_json": lambda v: {"messages": [
        {"role": "user", "content": "Mail the client."},
        {"role": "assistant", "content": "", "tool_calls": [
            {"id": "call_1", "function": {"name": "send_email",
                                          "arguments": json.dumps({"to": v})}}]},
        {"role": "tool", "tool_call_id": "call_1", "content": "sent"}]},
    "messages.content[tool]": lambda v: {"messages": [
        {"role": "user", "content": "Look the client up."},
        {"role": "assistant", "content": "", "tool_calls": [
            {"id": "call_1", "function": {"name": "lookup", "arguments": "{}"}}]},
        {"role": "tool", "tool_call_id": "call_1", "content": f"The client is {v}."}]},
    "messages.tool_call_id": lambda v: {"messages": [
        {"role": "user", "content": "Look the client up."},
        {"role": "assistant", "content": "", "tool_calls": [
            {"id": f"id {v}", "function": {"name": "lookup", "arguments": "{}"}}]},
        {"role": "tool", "tool_call_id": f"id {v}", "content": "found"}]},
}


def _fields(descriptor: Any, prefix: str = "") -> Iterator[str]:
    for f in descriptor.fields:
        if f.type == FieldDescriptor.TYPE_MESSAGE:
            yield from _fields(f.message_type, f"{prefix}{f.name}.")
        else:
            yield prefix + f.name


def test_every_request_field_is_classified() -> None:
    fields = set(_fields(pb.GenerateRequest.DESCRIPTOR))
    classified = MASKED | set(NOT_SENT) | set(STRUCTURE) | REFUSED_WITH_PII
    assert set() == fields - classified, "classify the new field here"
    assert set() == classified - fields, "a classified field no longer exists"
    assert {f.split("[")[0] for f in REQUESTS} == MASKED  # every masked field has a test


def _config(tmp: Path, model: Path, fallback: FallbackConfig | None = None) -> cfgmod.Config:
    models = {t: ModelConfig(tier=t, path=model, n_threads=2, chat_template="gemma")
              for t in cfgmod.TIERS}
    return replace(cfgmod.embedded_default(), state_dir=tmp, models=models,
                   fallback=fallback or FallbackConfig(),
                   server=replace(cfgmod.ServerConfig(), listen="127.0.0.1:0"))


@pytest.fixture(scope="module")
def local(tmp_path_factory: pytest.TempPathFactory,
          model_path: Path) -> Iterator[tuple[InProcessServer, list[str]]]:
    received: list[str] = []
    server = InProcessServer(_config(tmp_path_factory.mktemp("local"), model_path),
                             wrap=lambda e: RecordingEngine(e, received))
    yield server, received
    server.stop()


@pytest.fixture(scope="module")
def central(cluster: str, tmp_path_factory: pytest.TempPathFactory,
            model_path: Path) -> Iterator[tuple[InProcessServer, list[str]]]:
    """The local tier reports itself loading, so every request goes to the real cluster;
    every PII type may leave (masked), and every HTTP body sent is recorded."""
    sent: list[str] = []
    fb = FallbackConfig(url=cluster, allowed_pii_types=tuple(cfgmod.KNOWN_PII_ENTITIES),
                        response_format_style="json_object_schema")  # llama_cpp.server's
    server = InProcessServer(_config(tmp_path_factory.mktemp("central"), model_path, fb),
                             wrap=LoadingEngine)

    async def record(request: Any) -> None:
        if request.method == "POST":
            sent.append(request.content.decode())

    server.app.services.central._http.event_hooks["request"].append(record)
    yield server, sent
    server.stop()


@pytest.mark.parametrize("value", [EMAIL, CN_ID])
@pytest.mark.parametrize("field", sorted(REQUESTS))
def test_field_reaches_the_local_model_masked(local, field: str, value: str) -> None:
    server, received = local
    received.clear()
    with Client(server.address, timeout=120, retry=NO_RETRY) as c:
        r = c.generate(max_tokens=4, temperature=0.0, **REQUESTS[field](value))
    assert "local" == r.served_by
    assert received, "the engine recorded nothing"
    assert not [t for t in received if value in t]
    assert any("<" in t and ">" in t for t in received)  # the value became a placeholder


@pytest.mark.parametrize("field", sorted(REQUESTS))
def test_field_leaves_for_the_cluster_masked(central, field: str) -> None:
    server, sent = central
    sent.clear()
    with Client(server.address, timeout=120, retry=NO_RETRY) as c:
        r = c.generate(max_tokens=4, temperature=0.0, **REQUESTS[field](EMAIL))
    assert ("central", "fallback:local_loading") == (r.served_by, r.route_reason)
    (body,) = sent
    assert EMAIL not in body
    payload = json.loads(body)
    wire = json.dumps(payload, ensure_ascii=False)
    assert "<EMAIL_ADDRESS_1>" in wire
    if field == "stop":
        assert "Bye <EMAIL_ADDRESS_1>" in payload["stop"]


def test_structured_output_is_sent_to_the_cluster(central) -> None:
    """An overflowing JSON Schema request asks the cluster for the same format, and the
    cluster's answer (llama_cpp.server enforces it with its own grammar) parses."""
    server, sent = central
    sent.clear()
    schema = {"type": "object", "properties": {"city": {"type": "string", "maxLength": 20}},
              "required": ["city"]}
    with Client(server.address, timeout=120, retry=NO_RETRY) as c:
        r = c.generate(messages=[("user", "Name a city as JSON.")], max_tokens=40,
                       temperature=0.0, json_schema=schema)
    assert "central" == r.served_by
    (body,) = sent
    assert {"type": "json_object", "schema": schema} == json.loads(body)["response_format"]
    if r.finish_reason == "stop":
        assert "city" in json.loads(r.text)
