"""Anthropic's structured outputs on /v1/messages: ``output_config.format`` (what the
``anthropic`` SDK's ``messages.parse(output_format=Model)`` sends; found by the client tests in
tests/clients, where it was a 400) and the earlier beta's top-level ``output_format``. The
answer's text is JSON valid against the schema (generated under the grammar); a malformed
format is a 400 naming the field. On the session daemon, raw HTTP (the project venv's SDK
predates ``output_config``)."""

from __future__ import annotations

import json
from typing import Any

import httpx
import jsonschema
import pytest

from tests.daemon import Daemon

PERSON: dict[str, Any] = {
    "type": "object", "additionalProperties": False, "required": ["name", "age"],
    "properties": {"name": {"type": "string", "maxLength": 20},
                   "age": {"type": "integer", "minimum": 0, "maximum": 150}}}
ASK = [{"role": "user", "content": "Extract the person: Alice is 31 years old."}]


def _post(daemon: Daemon, path: str, body: dict[str, Any]) -> httpx.Response:
    return httpx.post(daemon.http_url + path, json=body, timeout=300)


@pytest.mark.parametrize("where", ["output_config", "output_format"])
def test_the_answer_is_json_valid_against_the_schema(daemon: Daemon, where: str) -> None:
    fmt = {"type": "json_schema", "schema": PERSON}
    extra = {"output_config": {"format": fmt, "effort": "low"}} if where == "output_config" \
        else {"output_format": fmt}
    r = _post(daemon, "/messages", {"model": "v3", "max_tokens": 64, "messages": ASK, **extra})
    assert 200 == r.status_code, r.text
    message = r.json()
    assert "end_turn" == message["stop_reason"], message
    jsonschema.validate(json.loads(message["content"][0]["text"]), PERSON)


def test_count_tokens_takes_output_config(daemon: Daemon) -> None:
    r = _post(daemon, "/messages/count_tokens", {
        "model": "v3", "messages": ASK,
        "output_config": {"format": {"type": "json_schema", "schema": PERSON}}})
    assert 200 == r.status_code, r.text
    assert r.json()["input_tokens"] > 0


@pytest.mark.parametrize(("extra", "param"), [
    ({"output_config": {"format": {"type": "json_object"}}}, "output_config.format.type"),
    ({"output_config": {"format": {"type": "json_schema"}}}, "output_config.format.schema"),
    ({"output_config": {"effort": "extreme"}}, "output_config.effort"),
    ({"output_config": {"verbosity": "low"}}, "output_config"),
    ({"output_config": "json"}, "output_config"),
    ({"output_format": {"type": "json_schema", "schema": PERSON},
      "output_config": {"format": {"type": "json_schema", "schema": PERSON}}}, "output_format"),
])
def test_a_malformed_output_config_is_refused_by_name(daemon: Daemon, extra: dict[str, Any],
                                                      param: str) -> None:
    r = _post(daemon, "/messages", {"model": "v3", "max_tokens": 8, "messages": ASK, **extra})
    assert 400 == r.status_code, r.text
    error = r.json()["error"]
    assert "invalid_request_error" == error["type"]
    assert error["message"].startswith(param), error
    assert "verbosity" not in error["message"]  # an unknown key is named by position only
