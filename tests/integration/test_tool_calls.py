"""Tool calling over the OpenAI API and gRPC: with the real model, every call parses and
validates against its tool's schema; with a scripted model, PII in tool arguments and tool
results reaches the model only as placeholders and comes back restored inside the JSON."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import jsonschema
import openai
import pytest

from appliance import config as cfgmod
from appliance.client import NO_RETRY, Client
from appliance.config import ModelConfig
from tests.daemon import Daemon
from tests.inprocess import InProcessServer
from tests.scripted import ScriptedRecorder

EMAIL = "ann.lee@example.com"
TOOLS: list[dict[str, Any]] = [
    {"type": "function", "function": {
        "name": "send_email", "description": "Send an e-mail",
        "parameters": {"type": "object", "additionalProperties": False,
                       "required": ["to", "subject"],
                       "properties": {"to": {"type": "string", "maxLength": 24},
                                      "subject": {"type": "string", "maxLength": 24},
                                      "urgent": {"type": "boolean"}}}}},
    {"type": "function", "function": {
        "name": "book_room", "description": "Book a meeting room",
        "parameters": {"type": "object", "required": ["room", "hours"],
                       "properties": {"room": {"enum": ["Oak", "Elm", "Pine"]},
                                      "hours": {"type": "integer", "minimum": 1,
                                                "maximum": 8},
                                      "attendees": {"type": "array", "maxItems": 3,
                                                    "items": {"$ref": "#/$defs/person"}}},
                       "$defs": {"person": {"type": "string", "maxLength": 12}}}}},
]
SCHEMAS = {t["function"]["name"]: t["function"]["parameters"] for t in TOOLS}
#: Room for the longest call the schemas above allow (short strings, few items): a call cut
#: by the limit would be left out of the answer, and the tests below would fail by chance.
CALL_TOKENS = 200
PROMPTS = ["Book the Oak room for two hours.", "Tell Bob the report is late.",
           "Reserve a room for the team meeting.", "Send a reminder about Friday.",
           "I need a room for 3 hours with Ann and Bo.", "E-mail the client a thank-you.",
           "Schedule the Pine room.", "Write to support about the outage.",
           "Get a room for the interview.", "Notify everyone the office is closed."]


def _client(url: str) -> openai.OpenAI:
    return openai.OpenAI(base_url=url, api_key="unused", max_retries=0, timeout=300)


def _valid(name: str, arguments: str) -> bool:
    try:
        jsonschema.validate(json.loads(arguments), SCHEMAS[name])
    except (ValueError, jsonschema.ValidationError):
        return False
    return True


def test_every_required_call_parses_and_validates(daemon: Daemon) -> None:
    """Ten prompts, tool_choice required (one call each): each answer is a call naming a
    tool and validating against its schema; finish_reason tool_calls."""
    seconds = []
    calls = []
    with _client(daemon.http_url) as c:
        for prompt in PROMPTS:
            started = time.monotonic()
            r = c.chat.completions.create(model="v3", tools=TOOLS,  # type: ignore[arg-type]
                                          tool_choice="required", max_tokens=CALL_TOKENS,
                                          parallel_tool_calls=False, temperature=0.7, seed=7,
                                          messages=[{"role": "user", "content": prompt}])
            seconds.append(time.monotonic() - started)
            assert "tool_calls" == r.choices[0].finish_reason
            assert r.choices[0].message.tool_calls
            calls += [(t.function.name, t.function.arguments)  # type: ignore[union-attr]
                      for t in r.choices[0].message.tool_calls]
    valid = [call for call in calls if _valid(*call)]
    print(f"\ntool calls: {len(valid)}/{len(calls)} valid; seconds per request "
          f"{json.dumps([round(s, 2) for s in seconds])}")
    assert calls == valid


def test_a_named_tool_streams_its_call(daemon: Daemon) -> None:
    """Streamed: the call arrives as a tool_calls delta the SDK assembles; the choice
    names the tool, so that tool is called."""
    with _client(daemon.http_url) as c:
        stream = c.chat.completions.create(
            model="v3", tools=TOOLS, stream=True, max_tokens=CALL_TOKENS,  # type: ignore[arg-type]
            temperature=0,
            tool_choice={"type": "function", "function": {"name": "book_room"}},
            messages=[{"role": "user", "content": "Book a room."}])
        chunks = list(stream)
    deltas = [d for ch in chunks if ch.choices for d in ch.choices[0].delta.tool_calls or ()]
    assert ["book_room"] == [d.function.name for d in deltas]  # type: ignore[union-attr]
    assert _valid("book_room", deltas[0].function.arguments or "")  # type: ignore[union-attr]
    assert "tool_calls" == chunks[-1].choices[0].finish_reason


def test_a_history_with_calls_and_results_is_answered(daemon: Daemon) -> None:
    """An agent's second turn (its call, the tool's result) is accepted; with tool_choice
    none no call is made."""
    history = [{"role": "user", "content": "Book Oak for 2 hours."},
               {"role": "assistant", "content": None, "tool_calls": [
                   {"id": "call_1", "type": "function",
                    "function": {"name": "book_room",
                                 "arguments": '{"room": "Oak", "hours": 2}'}}]},
               {"role": "tool", "tool_call_id": "call_1", "content": "booked"}]
    with _client(daemon.http_url) as c:
        r = c.chat.completions.create(model="v3", tools=TOOLS,  # type: ignore[arg-type]
                                      tool_choice="none", max_tokens=8,
                                      messages=history)  # type: ignore[arg-type]
    assert r.choices[0].message.tool_calls is None
    assert r.choices[0].finish_reason in ("stop", "length")


def test_grpc_carries_tools_and_calls(daemon: Daemon) -> None:
    assert daemon.address is not None
    with Client(daemon.address, retry=NO_RETRY) as c:
        r = c.generate(messages=[{"role": "user", "content": "Book a room."}], tools=TOOLS,
                       tool_choice="function:book_room", max_tokens=CALL_TOKENS,
                       temperature=0)
    assert "tool_calls" == r.finish_reason
    assert ["book_room"] == [call["name"] for call in r.tool_calls]
    assert _valid("book_room", r.tool_calls[0]["arguments"])


# -- PII: a scripted model ------------------------------------------------------------------

SCRIPT = ['<tool_call>{"name": "send_email", "arguments": {"to": "<EMAIL_', 'ADDRESS_1>", ',
          '"subject": "Re: <PERSON_1>"}}</tool_call>']


@pytest.fixture(scope="module")
def scripted(tmp_path_factory: pytest.TempPathFactory,
             model_path: Path) -> Iterator[tuple[InProcessServer, list[str]]]:
    received: list[str] = []
    models = {t: ModelConfig(tier=t, path=model_path, n_threads=2, chat_template="transcript")
              for t in cfgmod.TIERS}
    cfg = replace(cfgmod.embedded_default(), state_dir=tmp_path_factory.mktemp("tools"),
                  models=models, server=replace(cfgmod.ServerConfig(), listen="127.0.0.1:0"),
                  audit=replace(cfgmod.AuditConfig(), dev_officer_key=True))
    server = InProcessServer(cfg, wrap=lambda engine: ScriptedRecorder(engine, SCRIPT, received))
    yield server, received
    if not server.loop.is_closed():  # the audit test stops it first
        server.stop()


def test_pii_in_arguments_and_results_is_masked_and_restored(
        scripted: tuple[InProcessServer, list[str]]) -> None:
    """The e-mail address in the question, in an earlier call's arguments and in a tool's
    result reaches the model as <EMAIL_ADDRESS_1> only; the answer's call carries it back,
    restored inside valid JSON."""
    server, received = scripted
    assert server.app.http is not None
    url = f"http://{server.app.http.address}/v1"
    history = [{"role": "user", "content": f"Ask John Smith to e-mail {EMAIL} again."},
               {"role": "assistant", "content": None, "tool_calls": [
                   {"id": "call_1", "type": "function", "function": {
                       "name": "send_email",
                       "arguments": json.dumps({"to": EMAIL, "subject": "John Smith"})}}]},
               {"role": "tool", "tool_call_id": "call_1",
                "content": f"bounced: {EMAIL} is full"}]
    with _client(url) as c:
        for stream in (False, True):
            received.clear()
            r = c.chat.completions.create(model="v3", tools=TOOLS,  # type: ignore[call-overload]
                                          messages=history, max_tokens=64, stream=stream)
            if stream:
                chunks = list(r)
                calls = [d for ch in chunks if ch.choices
                         for d in ch.choices[0].delta.tool_calls or ()]
                finish = chunks[-1].choices[0].finish_reason
            else:
                calls, finish = r.choices[0].message.tool_calls, r.choices[0].finish_reason
            seen = "\n".join(received)
            assert EMAIL not in seen and "John Smith" not in seen
            assert "<EMAIL_ADDRESS_1>" in seen
            assert "tool_calls" == finish
            assert ["send_email"] == [call.function.name for call in calls]
            arguments = json.loads(calls[0].function.arguments)
            # the subject is "Re: " and what <PERSON_1> stood for (the analyzer's span)
            assert EMAIL == arguments["to"]
            assert arguments["subject"].startswith("Re: ")
            assert "John Smith" in arguments["subject"]


def test_the_audit_record_names_the_calls_without_their_values(
        scripted: tuple[InProcessServer, list[str]]) -> None:
    """Last: stops the server. Each end record says how many tools were offered and which
    were called with how many bytes of arguments; no e-mail address anywhere in the log."""
    from appliance.audit.keys import load_officer_private
    from appliance.audit.verify import verify_dir

    server, _received = scripted
    state = server.app.config.state_dir
    server.stop()
    records: list[dict[str, Any]] = []
    report = verify_dir(state / "audit", load_officer_private(
        state / "dev-officer" / "officer.key"), None, records.append)
    assert report.ok, report.summary()
    ends = [r for r in records if r.get("type") == "end" and "tools" in r]
    assert ends
    for end in ends:
        assert len(TOOLS) == end["tools"]["offered"]
        assert ["send_email"] == [c["name"] for c in end["tools"]["calls"]]
        assert end["tools"]["calls"][0]["argument_bytes"] > 0
        assert "tool_calls" == end["finish_reason"]
    assert EMAIL not in json.dumps(records, ensure_ascii=False)
