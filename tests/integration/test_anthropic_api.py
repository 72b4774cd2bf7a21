"""Anthropic's Messages API front door, called with the official ``anthropic`` SDK: messages,
streams, tool use and tool results, count_tokens, Anthropic's error shape and x-api-key
authentication on the real daemon and model; with a scripted model, PII in a message and in
a tool result reaches the model only as placeholders and comes back restored, and a reasoning
tier's reasoning comes back as thinking blocks."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import anthropic
import httpx
import jsonschema
import pytest

from appliance import config as cfgmod
from appliance.config import ModelConfig
from tests.daemon import Daemon, create_token, write_config
from tests.inprocess import InProcessServer
from tests.scripted import ScriptedRecorder

QUESTION = "What is the capital of France?"
#: The Claude model name the secured daemon's [http] model_aliases maps to v3.
ALIAS = "claude-haiku-4-5"
EMAIL = "ann.lee@example.com"
BOOK_ROOM: dict[str, Any] = {
    "name": "book_room", "description": "Book a meeting room",
    "input_schema": {"type": "object", "required": ["room", "hours"],
                     "properties": {"room": {"enum": ["Oak", "Elm", "Pine"]},
                                    "hours": {"type": "integer", "minimum": 1, "maximum": 8}}}}
SEND_EMAIL: dict[str, Any] = {
    "name": "send_email", "description": "Send an e-mail",
    "input_schema": {"type": "object", "required": ["to", "subject"],
                     "properties": {"to": {"type": "string", "maxLength": 64},
                                    "subject": {"type": "string", "maxLength": 60}}}}


def _client(root: str, key: str = "no-key-required", **kwargs: Any) -> anthropic.Anthropic:
    return anthropic.Anthropic(base_url=root, api_key=key, max_retries=0, timeout=300,
                               **kwargs)


def _root(daemon: Daemon) -> str:
    """The daemon's HTTP root: Anthropic's SDK adds /v1/messages itself."""
    return daemon.http_url.removesuffix("/v1")


@pytest.fixture(scope="module")
def api(daemon: Daemon) -> Iterator[anthropic.Anthropic]:
    with _client(_root(daemon)) as c:
        yield c


def _text(message: Any) -> str:
    return "".join(b.text for b in message.content if b.type == "text")


def test_a_message_is_answered_in_anthropics_shape(api: anthropic.Anthropic) -> None:
    """A plain message: Anthropic's message object, one text block, a stop reason, usage,
    the model name the caller used, and the appliance's request id in the message id."""
    raw = api.messages.with_raw_response.create(
        model="v3", max_tokens=12, messages=[{"role": "user", "content": QUESTION}])
    m = raw.parse()
    assert "message" == m.type
    assert "assistant" == m.role
    assert ["text"] == [b.type for b in m.content]
    assert _text(m)
    assert m.stop_reason in ("end_turn", "max_tokens")
    assert m.stop_sequence is None
    assert m.usage.input_tokens + (m.usage.cache_read_input_tokens or 0) > 0
    assert 0 < m.usage.output_tokens <= 12
    assert "v3" == m.model
    assert "msg_" + raw.headers["x-request-id"] == m.id


def test_stream_assembled_equals_the_unary_answer(api: anthropic.Anthropic) -> None:
    """At temperature 0 the streamed text is the non-streamed text, and the events come in
    Anthropic's order: message_start, one block's start, deltas and stop, message_delta with
    the stop reason, message_stop."""
    ask: dict[str, Any] = {"model": "v3", "max_tokens": 24, "extra_body": {"temperature": 0},
                           "messages": [{"role": "user", "content": QUESTION}]}
    whole = api.messages.create(**ask)
    events = list(api.messages.create(stream=True, **ask))
    kinds = [e.type for e in events]
    assert ["message_start", "content_block_start"] == kinds[:2]
    assert ["content_block_stop", "message_delta", "message_stop"] == kinds[-3:]
    assert {"content_block_delta"} == set(kinds[2:-3])
    text = "".join(e.delta.text for e in events if e.type == "content_block_delta")
    assert _text(whole) == text
    assert whole.stop_reason == events[-2].delta.stop_reason
    with api.messages.stream(**ask) as stream:
        assert _text(whole) == _text(stream.get_final_message())


@pytest.mark.parametrize("streamed", [False, True])
def test_a_forced_tool_call_validates_against_its_input_schema(api: anthropic.Anthropic,
                                                                streamed: bool) -> None:
    """tool_choice {type: tool, name, disable_parallel_tool_use}: the answer is one
    tool_use block calling that tool, whose input validates against its input_schema;
    stop_reason tool_use (streamed: the SDK assembles the input from input_json_delta)."""
    ask: dict[str, Any] = {"model": "v3", "max_tokens": 96, "tools": [BOOK_ROOM],
                           "tool_choice": {"type": "tool", "name": "book_room",
                                           "disable_parallel_tool_use": True},
                           "messages": [{"role": "user", "content": "Book a room."}]}
    if streamed:
        with api.messages.stream(**ask) as stream:
            m = stream.get_final_message()
    else:
        m = api.messages.create(**ask)
    uses = [b for b in m.content if b.type == "tool_use"]
    assert ["book_room"] == [b.name for b in uses]
    jsonschema.validate(uses[0].input, BOOK_ROOM["input_schema"])
    assert "tool_use" == m.stop_reason


def test_a_history_with_tool_use_and_tool_result_is_answered(api: anthropic.Anthropic) -> None:
    """An agent's second turn (its tool_use, the tool_result) is accepted; with tool_choice
    none no tool is called."""
    m = api.messages.create(  # type: ignore[call-overload]
        model="v3", max_tokens=8, tools=[BOOK_ROOM], tool_choice={"type": "none"},
        system="You book rooms.",
        messages=[{"role": "user", "content": "Book Oak for 2 hours."},
                  {"role": "assistant", "content": [
                      {"type": "text", "text": "Booking."},
                      {"type": "tool_use", "id": "toolu_1", "name": "book_room",
                       "input": {"room": "Oak", "hours": 2}}]},
                  {"role": "user", "content": [
                      {"type": "tool_result", "tool_use_id": "toolu_1", "content": "booked"},
                      {"type": "text", "text": "Thanks. Anything else?"}]}])
    assert [] == [b for b in m.content if b.type == "tool_use"]
    assert m.stop_reason in ("end_turn", "max_tokens")


def test_count_tokens_is_the_prompt_the_model_reads(api: anthropic.Anthropic) -> None:
    """count_tokens is positive, grows with the text and with the tools described, and is
    the prompt a message with the same conversation is charged (input plus cache reads)."""
    short = [{"role": "user", "content": "Hi"}]
    longer = [{"role": "user", "content": "Hi. " + QUESTION * 3}]
    n_short = api.messages.count_tokens(model="v3", messages=short).input_tokens  # type: ignore[arg-type]
    n_longer = api.messages.count_tokens(model="v3", messages=longer).input_tokens  # type: ignore[arg-type]
    n_tools = api.messages.count_tokens(model="v3", messages=short,  # type: ignore[arg-type]
                                        tools=[BOOK_ROOM]).input_tokens  # type: ignore[list-item]
    assert 0 < n_short < n_longer
    assert n_short < n_tools
    m = api.messages.create(model="v3", max_tokens=1, messages=longer)  # type: ignore[arg-type]
    assert n_longer == m.usage.input_tokens + (m.usage.cache_read_input_tokens or 0)


def test_an_unknown_key_is_refused_by_position_in_anthropics_shape(
        api: anthropic.Anthropic) -> None:
    """400 invalid_request_error naming the key's position, never its text."""
    key = "x4111111111111111"
    with pytest.raises(anthropic.BadRequestError) as err:
        api.messages.create(model="v3", max_tokens=4, extra_body={key: 1},
                            messages=[{"role": "user", "content": "Hi"}])
    body = err.value.body
    assert isinstance(body, dict)
    assert "error" == body["type"]
    assert "invalid_request_error" == body["error"]["type"]
    assert "key number" in body["error"]["message"]
    assert key not in json.dumps(body)


def test_a_missing_max_tokens_is_refused_by_name(daemon: Daemon) -> None:
    """max_tokens is required, as in Anthropic's API (the SDK requires it too, so the body
    is posted as it is)."""
    r = httpx.post(daemon.http_url + "/messages", timeout=60,
                   json={"model": "v3", "messages": [{"role": "user", "content": "Hi"}]})
    assert 400 == r.status_code
    assert {"type": "invalid_request_error",
            "message": "max_tokens: required: an integer"} == r.json()["error"]
    assert r.headers["x-request-id"] == r.json()["request_id"]


@pytest.mark.parametrize("streamed", [False, True])
def test_an_unknown_model_is_not_found_and_not_repeated(api: anthropic.Anthropic,
                                                        streamed: bool) -> None:
    """A Claude model name the site has not aliased is a 404 not_found_error (a stream is
    refused before its first event, so it is an ordinary error response)."""
    name = "claude-opus-4-7"  # not in the SDK's deprecated list (it warns on those)
    with pytest.raises(anthropic.NotFoundError) as err:
        api.messages.create(model=name, max_tokens=4, stream=streamed,
                            messages=[{"role": "user", "content": "Hi"}])
    body = err.value.body
    assert isinstance(body, dict)
    assert "not_found_error" == body["error"]["type"]
    assert name not in body["error"]["message"]


def test_messages_are_served_at_the_root_too(daemon: Daemon) -> None:
    """/messages and /messages/count_tokens, as every route is served without /v1."""
    root = _root(daemon)
    r = httpx.post(root + "/messages/count_tokens", timeout=60,
                   json={"model": "v3", "messages": [{"role": "user", "content": "Hi"}]})
    assert 200 == r.status_code
    assert r.json()["input_tokens"] > 0
    r = httpx.post(root + "/messages", timeout=120,
                   json={"model": "v3", "max_tokens": 1,
                         "messages": [{"role": "user", "content": "Hi"}]})
    assert "message" == r.json()["type"]


def test_calls_are_logged_as_http_messages(daemon: Daemon) -> None:
    """Each call's canonical log line names it http:/v1/messages (the audited method) or
    http:/v1/messages/count_tokens, whichever path it came by."""
    body = {"model": "v3", "max_tokens": 1, "messages": [{"role": "user", "content": "Hi"}]}
    assert 200 == httpx.post(_root(daemon) + "/messages", json=body, timeout=120).status_code
    del body["max_tokens"]
    assert 200 == httpx.post(_root(daemon) + "/messages/count_tokens", json=body,
                             timeout=60).status_code
    methods = {e.get("method") for e in daemon.events() if e.get("event") == "rpc"}
    assert {"http:/v1/messages", "http:/v1/messages/count_tokens"} <= methods
    assert "http:/messages" not in methods


# -- GET /v1/models: Anthropic's SDK on the paths OpenAI's uses ----------------------------


def test_models_list_and_retrieve_in_anthropics_shape(api: anthropic.Anthropic,
                                                      daemon: Daemon) -> None:
    """models.list() and models.retrieve() get Anthropic's model objects for the names
    OpenAI's list has, with the same facts: a display name with the tier's file, the epoch as
    created_at. The SDK's auto-pagination (limit=2, then after_id) walks the whole list."""
    openai_list = httpx.get(daemon.http_url + "/models", timeout=60).json()
    assert "list" == openai_list["object"]  # no anthropic-version: OpenAI's shape, as before
    names = [m["id"] for m in openai_list["data"]]
    files = {m["id"]: m["appliance"]["file_name"] for m in openai_list["data"]
             if "file_name" in m["appliance"]}
    page = api.models.list()
    assert (names, False) == ([m.id for m in page.data], page.has_more)
    assert (names[0], names[-1]) == (page.first_id, page.last_id)
    assert {"v3", "r1", "auto", "deepseek-chat"} <= set(names)
    listed = {m.id: m for m in page.data}
    assert f"v3 ({files['v3']})" == listed["v3"].display_name
    assert "deepseek-chat (alias of v3)" == listed["deepseek-chat"].display_name
    assert {"model"} == {m.type for m in page.data}
    assert {datetime(1970, 1, 1, tzinfo=UTC)} == {m.created_at for m in page.data}
    assert names == [m.id for m in api.models.list(limit=2)]  # every page, followed
    assert {name: api.models.retrieve(name) for name in names} == listed


def test_models_errors_in_anthropics_shape(api: anthropic.Anthropic, daemon: Daemon) -> None:
    """An unknown model is a 404 not_found_error that does not repeat the name; a bad page
    request a 400 naming the parameter; an unknown route, asked by an Anthropic client, a
    404 in its shape too. Without anthropic-version the same 404 is OpenAI's."""
    with pytest.raises(anthropic.NotFoundError) as err:
        api.models.retrieve(EMAIL)
    body = err.value.body
    assert isinstance(body, dict)
    assert ("error", "not_found_error") == (body["type"], body["error"]["type"])
    assert EMAIL not in err.value.response.text
    with pytest.raises(anthropic.BadRequestError) as bad:
        api.models.list(after_id=EMAIL)
    assert bad.value.response.json()["error"]["message"].startswith("after_id: ")
    assert EMAIL not in bad.value.response.text
    version = {"anthropic-version": "2023-06-01"}
    r = httpx.get(_root(daemon) + "/v1/no-such-route", headers=version, timeout=60)
    assert (404, "not_found_error") == (r.status_code, r.json()["error"]["type"])
    r = httpx.get(daemon.http_url + "/models/" + EMAIL, timeout=60)
    assert (404, "model_not_found") == (r.status_code, r.json()["error"]["code"])
    assert "object" in httpx.get(daemon.http_url + "/models/v3", timeout=60).json()
    assert "display_name" in httpx.get(daemon.http_url + "/models/v3", headers=version,
                                       timeout=60).json()


# -- authentication: a daemon that requires tokens -----------------------------------------


@pytest.fixture(scope="module")
def secured(tmp_path_factory: pytest.TempPathFactory,
            model_path: Path) -> Iterator[tuple[Daemon, str]]:
    work = tmp_path_factory.mktemp("anthropic-auth")
    cfg = write_config(work / "appliance.toml", model_path, auth="required = true",
                       http=f'model_aliases = {{ "{ALIAS}" = "v3" }}')
    token = create_token(cfg, "app", "client")
    d = Daemon(work, cfg)
    try:
        d.wait_for("ready")
        yield d, token
    finally:
        assert 0 == d.stop()


def _hi(c: anthropic.Anthropic) -> Any:
    return c.messages.create(model="v3", max_tokens=1,
                             messages=[{"role": "user", "content": "Hi"}])


def test_x_api_key_and_bearer_tokens_authenticate(secured: tuple[Daemon, str]) -> None:
    """Anthropic's SDK sends the token as x-api-key (api_key) or as a bearer token
    (auth_token); both are the appliance's tokens. A wrong or missing one is a 401
    authentication_error that says nothing more."""
    d, token = secured
    root = _root(d)
    with _client(root, token) as c:
        assert "message" == _hi(c).type
        assert c.messages.count_tokens(
            model="v3", messages=[{"role": "user", "content": "Hi"}]).input_tokens > 0
    with anthropic.Anthropic(base_url=root, api_key=None, auth_token=token, max_retries=0,
                             timeout=300) as c:
        assert "message" == _hi(c).type
    with _client(root, "llma_not-a-token") as c, \
            pytest.raises(anthropic.AuthenticationError) as err:
        _hi(c)
    assert {"type": "authentication_error", "message": "authentication failed"} == \
        err.value.body["error"]  # type: ignore[index]
    r = httpx.post(root + "/v1/messages/count_tokens", timeout=60,
                   json={"model": "v3", "messages": [{"role": "user", "content": "Hi"}]})
    assert 401 == r.status_code
    assert "authentication_error" == r.json()["error"]["type"]


def test_a_site_alias_serves_a_claude_model_name(secured: tuple[Daemon, str]) -> None:
    """[http] model_aliases maps a Claude model name onto a tier: a client configured for
    that name is served by the tier, and the message names the model it asked for."""
    d, token = secured
    with _client(_root(d), token) as c:
        m = c.messages.create(model=ALIAS, max_tokens=1,
                              messages=[{"role": "user", "content": "Hi"}])
    assert ALIAS == m.model
    assert "v3" == (m.model_extra or {})["appliance"]["tier"]


def test_models_take_x_api_key_and_list_the_site_alias(secured: tuple[Daemon, str]) -> None:
    """Anthropic's SDK lists and retrieves models with its x-api-key; the Claude name the
    site aliased is listed as an alias of its tier; without a token, a 401 in its shape."""
    d, token = secured
    with _client(_root(d), token) as c:
        assert f"{ALIAS} (alias of v3)" == c.models.retrieve(ALIAS).display_name
        assert ALIAS in {m.id for m in c.models.list()}
    with _client(_root(d), "llma_not-a-token") as c, \
            pytest.raises(anthropic.AuthenticationError) as err:
        c.models.list()
    assert "authentication_error" == err.value.body["error"]["type"]  # type: ignore[index]


# -- PII and reasoning: a scripted model ---------------------------------------------------

#: v3's answer: a call of send_email with placeholders in its arguments.
CALL = ['<tool_call>{"name": "send_email", "arguments": {"to": "<EMAIL_',
        'ADDRESS_1>", ', '"subject": "Re: <PERSON_1>"}}</tool_call>']
#: r1's answer: reasoning, then the answer, both naming the e-mail address.
THOUGHT = ["<thi", "nk>The user <EMAIL_", "ADDRESS_1> asks.</th",
           "ink>I wrote to <EMAIL_", "ADDRESS_1>."]


@pytest.fixture(scope="module")
def scripted(tmp_path_factory: pytest.TempPathFactory,
             model_path: Path) -> Iterator[tuple[str, list[str]]]:
    received: list[str] = []
    models = {
        "v3": ModelConfig(tier="v3", path=model_path, n_threads=2, chat_template="transcript"),
        # slots differ, so r1 is an engine of its own with its own script
        "r1": ModelConfig(tier="r1", path=model_path, n_threads=2, chat_template="transcript",
                          reasoning="think_tags", slots=2)}
    cfg = replace(cfgmod.embedded_default(), state_dir=tmp_path_factory.mktemp("anthropic"),
                  models=models, server=replace(cfgmod.ServerConfig(), listen="127.0.0.1:0"),
                  audit=replace(cfgmod.AuditConfig(), dev_officer_key=True))
    server = InProcessServer(cfg, wrap=lambda engine: ScriptedRecorder(
        engine, THOUGHT if engine.name == "r1" else CALL, received))
    assert server.app.http is not None
    yield f"http://{server.app.http.address}", received
    server.stop()


@pytest.mark.parametrize("streamed", [False, True])
def test_pii_in_messages_and_tool_results_is_masked_and_restored(
        scripted: tuple[str, list[str]], streamed: bool) -> None:
    """The e-mail address in the question, in an earlier tool_use's input and in a
    tool_result reaches the model as <EMAIL_ADDRESS_1> only; the answer's tool_use carries
    it back, restored inside its input."""
    root, received = scripted
    history: list[Any] = [
        {"role": "user", "content": f"Ask John Smith to e-mail {EMAIL} again."},
        {"role": "assistant", "content": [
            {"type": "tool_use", "id": "toolu_1", "name": "send_email",
             "input": {"to": EMAIL, "subject": "John Smith"}}]},
        {"role": "user", "content": [
            {"type": "tool_result", "tool_use_id": "toolu_1",
             "content": [{"type": "text", "text": f"bounced: {EMAIL} is full"}]}]}]
    received.clear()
    ask: dict[str, Any] = {"model": "v3", "max_tokens": 64, "tools": [SEND_EMAIL],
                           "messages": history}
    with _client(root) as c:
        if streamed:
            with c.messages.stream(**ask) as stream:
                m = stream.get_final_message()
        else:
            m = c.messages.create(**ask)
    seen = "\n".join(received)
    assert EMAIL not in seen and "John Smith" not in seen
    assert "<EMAIL_ADDRESS_1>" in seen
    assert "tool_use" == m.stop_reason
    uses = [b for b in m.content if b.type == "tool_use"]
    assert ["send_email"] == [b.name for b in uses]
    arguments: dict[str, Any] = uses[0].input
    assert EMAIL == arguments["to"]
    assert "John Smith" in arguments["subject"]


def test_count_tokens_counts_the_masked_conversation(scripted: tuple[str, list[str]]) -> None:
    """count_tokens tokenizes what the model would read: placeholders, never the value."""
    root, received = scripted
    received.clear()
    with _client(root) as c:
        n = c.messages.count_tokens(
            model="v3", messages=[{"role": "user", "content": f"Write to {EMAIL}."}])
    assert n.input_tokens > 0
    seen = "\n".join(received)
    assert EMAIL not in seen
    assert "<EMAIL_ADDRESS_1>" in seen


@pytest.mark.parametrize("streamed", [False, True])
def test_thinking_returns_the_reasoning_as_thinking_blocks(scripted: tuple[str, list[str]],
                                                           streamed: bool) -> None:
    """On the reasoning tier with thinking enabled, the reasoning is a thinking block before
    the text, both restored; without thinking only the text comes back."""
    root, _received = scripted
    ask: dict[str, Any] = {"model": "r1", "max_tokens": 64,
                           "messages": [{"role": "user", "content": f"I am {EMAIL}."}]}
    with _client(root) as c:
        if streamed:
            with c.messages.stream(thinking={"type": "enabled", "budget_tokens": 32},
                                   **ask) as stream:
                m = stream.get_final_message()
        else:
            m = c.messages.create(thinking={"type": "enabled", "budget_tokens": 32}, **ask)
        plain = c.messages.create(**ask)
    assert ["thinking", "text"] == [b.type for b in m.content]
    assert f"The user {EMAIL} asks." == m.content[0].thinking  # type: ignore[union-attr]
    assert f"I wrote to {EMAIL}." == _text(m)
    assert ["text"] == [b.type for b in plain.content]
    assert f"I wrote to {EMAIL}." == _text(plain)
