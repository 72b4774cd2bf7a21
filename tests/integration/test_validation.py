"""Every invalid input gets INVALID_ARGUMENT with a message naming the field and the limit."""

from __future__ import annotations

from typing import Any

import grpc
import pytest

from appliance.client import NO_RETRY, Client, RpcError
from tests.daemon import Daemon

USER = [{"role": "user", "content": "hi"}]

CASES: list[tuple[str, dict[str, Any], str]] = [
    ("empty prompt", {"prompt": ""}, "prompt: one of prompt or messages is required"),
    ("both prompt and messages", {"prompt": "x", "messages": USER}, "mutually exclusive"),
    ("negative max_tokens", {"prompt": "x", "max_tokens": -1}, "max_tokens: must be positive"),
    ("max_tokens above cap", {"prompt": "x", "max_tokens": 2049},
     "max_tokens: exceeds the limit of 2048"),
    ("temperature too high", {"prompt": "x", "temperature": 2.5},
     "temperature: must be between 0 and 2"),
    ("negative temperature", {"prompt": "x", "temperature": -0.1}, "temperature: must be"),
    ("NaN temperature", {"prompt": "x", "temperature": float("nan")}, "temperature: must be"),
    ("top_p zero", {"prompt": "x", "top_p": 0.0}, "top_p: must be greater than 0"),
    ("top_p above one", {"prompt": "x", "top_p": 1.5}, "top_p: must be greater than 0"),
    ("unknown tier", {"prompt": "x", "model": "gpt5"}, "model: unknown tier; use one of v3"),
    ("prompt longer than context", {"prompt": "hello " * 3000, "max_tokens": 16},
     "prompt tokens plus max_tokens exceed model v3's context of 2048 tokens"),
    ("prompt over the character limit", {"prompt": "a" * 100_001},
     "prompt: 100001 characters exceed the limit of 100000"),
    ("too many messages", {"messages": USER * 257}, "messages: 257 messages exceed the limit"),
    ("unknown role", {"messages": [{"role": "robot", "content": "x"}]},
     "messages[0].role: must be one of"),
    ("empty message", {"messages": [{"role": "user", "content": ""}]},
     "messages[0].content: must not be empty"),
    ("too many stop strings", {"prompt": "x", "stop": ["a"] * 9},
     "stop: 9 stop strings exceed the limit of 8"),
    ("stop string too long", {"prompt": "x", "stop": ["a" * 65]}, "stop[0]: longer than 64"),
    ("seed out of range", {"prompt": "x", "seed": 2**32 - 1}, "seed: must be between 0 and"),
    ("priority out of range", {"prompt": "x", "priority": 10}, "priority: must be between 0"),
    ("negative top_k", {"prompt": "x", "top_k": -1}, "top_k: must be between 0 and 1000"),
    ("min_p above one", {"prompt": "x", "min_p": 1.5}, "min_p: must be between 0 and 1"),
    ("repetition_penalty zero", {"prompt": "x", "repetition_penalty": 0.0},
     "repetition_penalty: must be greater than 0 and at most 2"),
    ("frequency_penalty too high", {"prompt": "x", "frequency_penalty": 3.0},
     "frequency_penalty: must be between -2 and 2"),
    ("presence_penalty too low", {"prompt": "x", "presence_penalty": -2.5},
     "presence_penalty: must be between -2 and 2"),
    ("logit_bias out of range", {"prompt": "x", "logit_bias": {5: 250.0}},
     "logit_bias: entry 1: token ids are 0 or more and biases between -100 and 100"),
    ("logit_bias token outside the vocabulary", {"prompt": "x", "logit_bias": {10**9: 1.0}},
     "logit_bias: token ids must be below model v3's vocabulary size 262144"),
    ("unknown response_format", {"prompt": "x", "response_format": "yaml"},
     "response_format.type: must be one of text, json_object, json_schema"),
    ("schema that is not JSON", {"prompt": "x", "json_schema": "{nope"},
     "response_format.json_schema: not JSON"),
    ("invalid JSON Schema", {"prompt": "x", "json_schema": {"type": "strnig"}},
     "response_format.json_schema: invalid JSON Schema at /type"),
    ("schema with PII", {"prompt": "x", "json_schema": {
        "type": "object", "description": "Contact ann.lee@example.com for changes"}},
     "response_format.json_schema: contains PII (EMAIL_ADDRESS)"),
    ("tool with PII", {"messages": USER, "tools": [
        {"name": "notify", "description": "Mails ann.lee@example.com"}]},
     "tools[0]: its description or schema contains PII (EMAIL_ADDRESS)"),
    ("tool schema with PII", {"messages": USER, "tools": [
        {"name": "notify", "parameters": {"type": "object", "properties": {
            "to": {"type": "string", "default": "ann.lee@example.com"}}}}]},
     "tools[0]: its description or schema contains PII (EMAIL_ADDRESS)"),
    ("tool call naming no tool", {"messages": [{"role": "tool", "content": "x",
                                                "tool_call_id": "c1"}]},
     "messages[0].tool_call_id: must name a tool call"),
]


@pytest.mark.parametrize(("kwargs", "message"), [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_invalid_input_is_rejected_with_its_field(daemon: Daemon, kwargs: dict[str, Any],
                                                   message: str) -> None:
    """The request is refused with INVALID_ARGUMENT and a message naming field and limit."""
    assert daemon.address is not None
    with Client(daemon.address, retry=NO_RETRY) as c:
        for call in (c.generate, lambda **kw: list(c.stream(**kw))):
            with pytest.raises(RpcError) as info:
                call(**kwargs)
            assert grpc.StatusCode.INVALID_ARGUMENT == info.value.code
            assert message in info.value.message
            assert info.value.request_id


PII_VALUE = "ann.lee@example.com"


@pytest.mark.parametrize("kwargs", [
    {"prompt": "x", "model": PII_VALUE},
    {"messages": [{"role": PII_VALUE, "content": "x"}]},
    {"prompt": "x", "response_format": PII_VALUE},
    {"prompt": "x", "task_type": PII_VALUE * 10},
    {"prompt": "x", "stop": [PII_VALUE * 4]},
    {"prompt": "x", "json_schema": {"type": "object", "description": PII_VALUE}},
], ids=["model", "role", "response_format", "task_type", "stop", "json_schema"])
def test_no_request_value_in_errors_or_logs(daemon: Daemon, kwargs: dict[str, Any]) -> None:
    """A caller may put PII in any field: a refusal names the field and the limit, never the
    value, in the message and in the daemon's log."""
    assert daemon.address is not None
    with Client(daemon.address, retry=NO_RETRY) as c, pytest.raises(RpcError) as info:
        c.generate(**kwargs)
    assert grpc.StatusCode.INVALID_ARGUMENT == info.value.code
    assert PII_VALUE not in info.value.message
    log = daemon.log_path.read_text(encoding="utf-8", errors="replace")
    assert info.value.request_id in log
    assert PII_VALUE not in log


@pytest.mark.parametrize("body", [
    {"model": PII_VALUE, "messages": [{"role": "user", "content": "x"}]},
    {"messages": [{"role": PII_VALUE, "content": "x"}]},
    {"messages": [{"role": "user", "content": "x"}], "response_format": {"type": PII_VALUE}},
    {"messages": [{"role": "user", "content": "x"}], "task_type": PII_VALUE * 10},
    {"messages": [{"role": "user", "content": "x"}], "stop": [PII_VALUE * 4]},
    {"messages": [{"role": "user", "content": "x"}], "user": PII_VALUE * 20},
    {"messages": [{"role": "user", "content": "x"}], PII_VALUE: 1},
    {"messages": [{"role": "user", "content": "x"}], "response_format": {
        "type": "json_schema", "json_schema": {"name": "s", "schema": {
            "type": "object", "description": PII_VALUE}}}},
    {"messages": [{"role": "user", "content": PII_VALUE}], "temperature": PII_VALUE},
], ids=["model", "role", "response_format", "task_type", "stop", "user", "field_name",
        "json_schema", "temperature"])
def test_no_request_value_in_http_errors_or_logs(daemon: Daemon, body: dict[str, Any]) -> None:
    """The same over the HTTP API: the error object names the field, never the value."""
    import httpx

    r = httpx.post(daemon.http_url + "/chat/completions", json=body, timeout=60)
    assert r.status_code in (400, 404)
    assert PII_VALUE not in r.text
    assert r.json()["error"]["param"]
    log = daemon.log_path.read_text(encoding="utf-8", errors="replace")
    assert r.headers["x-request-id"] in log
    assert PII_VALUE not in log
