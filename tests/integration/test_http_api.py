"""The OpenAI-compatible HTTP API, called with the official ``openai`` package (sync and async)
against the real daemon: the same pipeline as gRPC behind a second front door.

Three servers: the session daemon (real model, no authentication) for answers and streams; an
in-process server whose v3 engine records what the model receives and whose r1 engine is a
named fake (``tests.scripted.ScriptedEngine``: the small model never writes <think> tags) for masking and
reasoning; a daemon with required tokens for the refusals.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest

from appliance import config as cfgmod
from appliance.config import ModelConfig
from tests.daemon import Daemon, create_token, write_config
from tests.inprocess import InProcessServer, RecordingEngine
from tests.scripted import ScriptedEngine

EMAIL = "jane.roe@example.org"
RESIDENT_ID = "11010519491231002X"  # checksum-valid 居民身份证号码 (the standard's example)
QUESTION = "What is the capital of France?"


def _client(base_url: str, key: str = "sk-no-key-required") -> openai.OpenAI:
    return openai.OpenAI(base_url=base_url, api_key=key, max_retries=0, timeout=120)


# -- the session daemon: real model, real answers ------------------------------------------


@pytest.fixture(scope="module")
def api(daemon: Daemon) -> Iterator[openai.OpenAI]:
    with _client(daemon.http_url) as c:
        yield c


def test_chat_answer_with_request_id_and_appliance_fields(api: openai.OpenAI) -> None:
    raw = api.chat.completions.with_raw_response.create(
        model="v3", messages=[{"role": "user", "content": QUESTION}], max_tokens=12,
        temperature=0)
    r = raw.parse()
    assert r.object == "chat.completion"
    assert r.choices[0].message.role == "assistant"
    assert r.choices[0].message.content
    assert r.choices[0].finish_reason in ("stop", "length")
    assert r.usage is not None and 0 < r.usage.completion_tokens <= 12
    assert r.usage.total_tokens == r.usage.prompt_tokens + r.usage.completion_tokens
    extra = (r.model_extra or {})["appliance"]
    assert raw.headers["x-request-id"] == extra["request_id"]
    assert r.id == "chatcmpl-" + extra["request_id"]
    assert {"served_by": "local", "tier": "v3"} == {k: extra[k] for k in ("served_by", "tier")}
    assert "v3" == r.model


def test_stream_assembled_equals_the_unary_answer(api: openai.OpenAI) -> None:
    ask = {"model": "deepseek-chat", "messages": [{"role": "user", "content": QUESTION}],
           "max_tokens": 24, "temperature": 0, "seed": 7}
    whole = api.chat.completions.create(**ask)
    chunks = list(api.chat.completions.create(**ask, stream=True,
                                              stream_options={"include_usage": True}))
    text = "".join(ch.choices[0].delta.content or "" for ch in chunks if ch.choices)
    assert whole.choices[0].message.content == text
    assert "deepseek-chat" == whole.model == chunks[0].model
    assert "assistant" == chunks[0].choices[0].delta.role
    finals = [ch.choices[0].finish_reason for ch in chunks if ch.choices]
    assert [whole.choices[0].finish_reason] == [f for f in finals if f is not None]
    usage_chunk = chunks[-1]
    assert [] == usage_chunk.choices
    assert whole.usage == usage_chunk.usage
    assert all(ch.usage is None for ch in chunks[:-1])


def test_completions_stream_and_unary_agree(api: openai.OpenAI) -> None:
    ask = {"model": "v3", "prompt": "Once upon a time", "max_tokens": 16, "temperature": 0}
    whole = api.completions.create(**ask)
    streamed = "".join(ch.choices[0].text for ch in api.completions.create(**ask, stream=True))
    assert whole.choices[0].text == streamed
    assert "text_completion" == whole.object
    assert 16 == whole.usage.completion_tokens  # type: ignore[union-attr]


def test_async_client_streams(daemon: Daemon) -> None:
    async def ask() -> tuple[str, str]:
        async with openai.AsyncOpenAI(base_url=daemon.http_url, api_key="x",
                                      max_retries=0) as c:
            ask = {"model": "v3", "messages": [{"role": "user", "content": QUESTION}],
                   "max_tokens": 10, "temperature": 0}
            whole = await c.chat.completions.create(**ask)
            stream = await c.chat.completions.create(**ask, stream=True)
            parts = [ch.choices[0].delta.content or "" async for ch in stream]
            return whole.choices[0].message.content or "", "".join(parts)

    whole, streamed = asyncio.run(ask())
    assert whole and whole == streamed


def test_models_lists_tiers_and_deepseek_names(api: openai.OpenAI) -> None:
    ids = [m.id for m in api.models.list().data]
    assert {"v3", "r1", "deepseek-chat", "deepseek-reasoner"} <= set(ids)


def test_auto_is_listed_and_accepted(api: openai.OpenAI) -> None:
    """"auto" (the router picks the tier) is a model name like the others: listed, and a
    request naming it is answered by a tier."""
    assert "auto" in {m.id for m in api.models.list().data}
    r = api.chat.completions.create(model="auto", max_tokens=1,
                                    messages=[{"role": "user", "content": "Hi"}])
    assert (r.model_extra or {})["appliance"]["tier"] in ("v3", "r1")


def test_every_listed_model_can_be_retrieved(api: openai.OpenAI) -> None:
    """OpenAI's retrieve-model (GET /v1/models/{id}) answers each listed name with the
    object the list holds for it."""
    listed = {m.id: m for m in api.models.list().data}
    assert {name: api.models.retrieve(name) for name in listed} == listed


def test_retrieving_an_unknown_model_is_404_and_names_no_value(api: openai.OpenAI) -> None:
    """An unknown id is a 404 in OpenAI's error shape (model_not_found) that does not repeat
    the id."""
    with pytest.raises(openai.NotFoundError) as err:
        api.models.retrieve(EMAIL)
    assert ("model", "model_not_found") == (err.value.param, err.value.code)
    assert EMAIL not in err.value.response.text


def test_every_route_is_served_without_v1(daemon: Daemon) -> None:
    """DeepSeek's base URL has no /v1: a client configured with it reaches every route at the
    root, and the call is logged under its /v1 method name."""
    with _client(daemon.http_url.removesuffix("/v1")) as c:
        raw = c.chat.completions.with_raw_response.create(
            model="deepseek-chat", max_tokens=1, messages=[{"role": "user", "content": "Hi"}])
        assert raw.parse().choices[0].finish_reason
        assert c.completions.create(model="v3", prompt="Hi", max_tokens=1).choices
        assert "deepseek-reasoner" in {m.id for m in c.models.list().data}
        assert "r1" == c.models.retrieve("r1").id
    rpc = [e for e in daemon.events() if e.get("event") == "rpc"
           and e.get("request_id") == raw.headers["x-request-id"]]
    assert ["http:/v1/chat/completions"] == [e["method"] for e in rpc]


@pytest.mark.parametrize("value", [EMAIL, 3, "HIGH"])
def test_an_unknown_reasoning_effort_is_refused_by_name(api: openai.OpenAI,
                                                        value: object) -> None:
    """reasoning_effort takes OpenAI's values only; anything else is a 400 naming the field,
    never the value."""
    with pytest.raises(openai.BadRequestError) as err:
        api.chat.completions.create(model="r1", messages=[{"role": "user", "content": "Hi"}],
                                    extra_body={"reasoning_effort": value})
    assert "reasoning_effort" == err.value.param
    assert EMAIL not in err.value.response.text


@pytest.mark.parametrize(("extra", "field"), [
    ({"functions": [{"name": "f"}]}, "functions"),
    ({"n": 2}, "n"),
    ({"logprobs": True}, "logprobs"),
    ({"audio": {"voice": "alloy", "format": "wav"}}, "audio"),
])
def test_unsupported_features_are_refused_by_name(api: openai.OpenAI, extra: dict[str, Any],
                                                  field: str) -> None:
    with pytest.raises(openai.BadRequestError) as err:
        api.chat.completions.create(model="v3", messages=[{"role": "user", "content": "Hi"}],
                                    extra_body=extra)
    assert field == err.value.param
    assert field in err.value.message


def test_an_unknown_key_is_refused_by_position_not_name(api: openai.OpenAI) -> None:
    """A key the API does not know is refused (param "body"), and its text is not repeated:
    a key may carry personal data as well as a value."""
    with pytest.raises(openai.BadRequestError) as err:
        api.chat.completions.create(model="v3", messages=[{"role": "user", "content": "Hi"}],
                                    extra_body={"frobnicate": 1})
    assert "body" == err.value.param
    assert "frobnicate" not in err.value.response.text


def test_a_stream_refused_before_its_first_chunk_is_an_ordinary_error(
        api: openai.OpenAI) -> None:
    with pytest.raises(openai.BadRequestError) as err:
        list(api.chat.completions.create(model="v3", temperature=9.0, stream=True,
                                         messages=[{"role": "user", "content": "Hi"}]))
    assert "temperature" == err.value.param


def test_image_parts_are_refused(api: openai.OpenAI) -> None:
    with pytest.raises(openai.BadRequestError) as err:
        api.chat.completions.create(model="v3", messages=[{"role": "user", "content": [
            {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA"}}]}])
    assert "messages[0].content" == err.value.param


def test_unknown_model_is_404_and_names_no_value(api: openai.OpenAI) -> None:
    with pytest.raises(openai.NotFoundError) as err:
        api.chat.completions.create(model=EMAIL, messages=[{"role": "user", "content": "Hi"}])
    assert "model" == err.value.param
    assert EMAIL not in err.value.message


def test_body_errors(daemon: Daemon) -> None:
    url = daemon.http_url + "/chat/completions"
    bad = httpx.post(url, content=b"{not json", headers={"content-type": "application/json"})
    assert 400 == bad.status_code
    assert "body" == bad.json()["error"]["param"]
    big = httpx.post(url, content=b" " * (5 * 1024 * 1024),
                     headers={"content-type": "application/json"})
    assert 413 == big.status_code
    assert "request_too_large" == big.json()["error"]["code"]
    health = httpx.get(daemon.http_url.removesuffix("/v1") + "/health")
    assert (200, "SERVING") == (health.status_code, health.json()["status"])


# -- masking and reasoning: recorded and scripted engines ----------------------------------

ANSWER = ["<thi", "nk>The user <EMAIL_", "ADDRESS_1> asks.</th", "ink>Your ID <CN_RESIDENT",
          "_ID_1> is noted."]


#: A request with this max_tokens makes the fake fail after its first pieces.
FAIL_AT_MAX_TOKENS = 13


class SamplingRecorder(ScriptedEngine):
    """The scripted engine, also recording the sampling parameters each request reaches it
    with (the reasoning budget the pipeline chose)."""

    def __init__(self, *args: Any, seen: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.seen = seen

    def generate(self, tokens: list[int], params: Any, *args: Any, **kwargs: Any) -> Any:
        self.seen.append(params)
        return super().generate(tokens, params, *args, **kwargs)


#: The r1 tier's reasoning_budget on the site (the script ignores it; the recorder sees it).
R1_BUDGET = 40


class Site:
    def __init__(self, server: InProcessServer, received: list[str],
                 sampled: list[Any]) -> None:
        self.server = server
        self.received = received
        self.sampled = sampled
        assert server.app.http is not None
        self.url = f"http://{server.app.http.address}/v1"
        self.stopped = False

    def stop(self) -> None:
        if not self.stopped:
            self.stopped = True
            self.server.stop()


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, model_path: Path) -> Iterator[Site]:
    received: list[str] = []
    sampled: list[Any] = []
    models = {
        "v3": ModelConfig(tier="v3", path=model_path, n_threads=2, chat_template="transcript"),
        # slots differ, so r1 is an engine of its own (the one the fake wraps)
        "r1": ModelConfig(tier="r1", path=model_path, n_threads=2, chat_template="transcript",
                          reasoning="think_tags", slots=2, reasoning_budget=R1_BUDGET)}
    state = tmp_path_factory.mktemp("http")
    cfg = replace(cfgmod.embedded_default(), state_dir=state, models=models,
                  server=replace(cfgmod.ServerConfig(), listen="127.0.0.1:0"),
                  audit=replace(cfgmod.AuditConfig(), dev_officer_key=True))

    def wrap(engine: Any) -> Any:
        if engine.name == "r1":
            return SamplingRecorder(engine, ANSWER, fail_at=4,
                                    fail_when_max_tokens=FAIL_AT_MAX_TOKENS, seen=sampled)
        return RecordingEngine(engine, received)

    site = Site(InProcessServer(cfg, wrap=wrap), received, sampled)
    yield site
    site.stop()


def test_pii_reaches_the_model_only_as_placeholders(site: Site) -> None:
    with _client(site.url) as c:
        r = c.chat.completions.create(
            model="v3", max_tokens=4, temperature=0, user=EMAIL,
            messages=[{"role": "system", "content": "You are terse."},
                      {"role": "user", "content": f"Mail {EMAIL}, 身份证号 {RESIDENT_ID}."}])
    seen = "\n".join(site.received)
    assert EMAIL not in seen and RESIDENT_ID not in seen
    assert "<EMAIL_ADDRESS_1>" in seen and "<CN_RESIDENT_ID_1>" in seen
    pii = (r.model_extra or {})["appliance"]["pii"]
    assert {"EMAIL_ADDRESS": 1, "CN_RESIDENT_ID": 1} == pii


def test_reasoner_streams_reasoning_content_apart_and_restored(site: Site) -> None:
    prompt = f"I am {EMAIL}, 身份证号 {RESIDENT_ID}. Note it."
    with _client(site.url) as c:
        chunks = list(c.chat.completions.create(
            model="deepseek-reasoner", stream=True,
            messages=[{"role": "user", "content": prompt}]))
        whole = c.chat.completions.create(model="deepseek-reasoner",
                                          messages=[{"role": "user", "content": prompt}])
    deltas = [ch.choices[0].delta for ch in chunks if ch.choices]
    reasoning = "".join((d.model_extra or {}).get("reasoning_content") or "" for d in deltas)
    content = "".join(d.content or "" for d in deltas)
    assert f"The user {EMAIL} asks." == reasoning
    assert f"Your ID {RESIDENT_ID} is noted." == content
    message = whole.choices[0].message
    assert reasoning == (message.model_extra or {})["reasoning_content"]
    assert content == message.content


def test_reasoning_streams_wholly_before_the_answer(site: Site) -> None:
    """Every reasoning_content delta comes before the first answer delta, and no delta
    carries both, though the closing tag is split ("</th" "ink>") and the reasoning's last
    words were still held by its PII scan when the answer began."""
    with _client(site.url) as c:
        chunks = list(c.chat.completions.create(
            model="deepseek-reasoner", stream=True,
            messages=[{"role": "user", "content": f"I am {EMAIL}. Note it."}]))
    kinds = []
    for d in (ch.choices[0].delta for ch in chunks if ch.choices):
        thought = bool((d.model_extra or {}).get("reasoning_content"))
        assert not (thought and d.content)
        if thought or d.content:
            kinds.append("reasoning" if thought else "answer")
    assert "answer" in kinds
    assert "reasoning" not in kinds[kinds.index("answer"):]


@pytest.mark.parametrize(("effort", "budget"), [
    (None, R1_BUDGET), ("high", R1_BUDGET), ("medium", R1_BUDGET // 2),
    ("low", R1_BUDGET // 4), ("minimal", 1), ("none", 1)])
def test_reasoning_effort_scales_the_tier_reasoning_budget(site: Site, effort: str | None,
                                                           budget: int) -> None:
    """OpenAI's reasoning_effort reaches the engine as a share of the tier's
    reasoning_budget: high all of it, medium half, low a quarter; minimal and none close the
    reasoning after its first token. Not given: the tier's budget."""
    extra = {} if effort is None else {"reasoning_effort": effort}
    with _client(site.url) as c:
        c.chat.completions.create(model="deepseek-reasoner", extra_body=extra,
                                  messages=[{"role": "user", "content": "Go."}])
    assert budget == site.sampled[-1].reasoning_budget


def test_a_stream_failing_midway_ends_with_an_error_event(site: Site) -> None:
    with _client(site.url) as c:
        stream = c.chat.completions.create(
            model="deepseek-reasoner", stream=True, max_tokens=FAIL_AT_MAX_TOKENS,
            messages=[{"role": "user", "content": "Go."}])
        seen = []
        with pytest.raises(openai.APIError) as err:
            seen.extend(stream)
    assert seen  # the failure came after chunks had been sent
    assert "internal error (request id " in err.value.message


def test_http_calls_are_counted_with_their_method(site: Site) -> None:
    address = site.server.app.metrics_address
    text = httpx.get(f"http://{address}/metrics", timeout=30).text
    assert 'method="http:/v1/chat/completions"' in text


def test_audit_log_holds_http_requests_without_pii(site: Site) -> None:
    """Last in this part: stops the server, so the log is complete, then verifies it."""
    from appliance.audit.keys import load_officer_private
    from appliance.audit.verify import verify_dir

    with _client(site.url) as c:
        c.chat.completions.create(model="v3", max_tokens=2, user=EMAIL,
                                  messages=[{"role": "user", "content": f"Hi, {EMAIL}"}])
    state = site.server.app.config.state_dir
    site.stop()
    records: list[dict[str, Any]] = []
    report = verify_dir(state / "audit", load_officer_private(
        state / "dev-officer" / "officer.key"), None, records.append)
    assert report.ok, report.summary()
    http = [r for r in records if str(r.get("method", "")).startswith("http:")]
    assert {"http:/v1/chat/completions"} == {r["method"] for r in http}
    assert {"begin", "end"} == {r["type"] for r in http}
    assert "<EMAIL_ADDRESS_1>" in {r.get("end_user") for r in http if r["type"] == "begin"}
    dumped = json.dumps(records, ensure_ascii=False)
    assert EMAIL not in dumped and RESIDENT_ID not in dumped
    out = state / "export.jsonl"
    export = subprocess.run(
        [sys.executable, "-m", "appliance", "audit", "export", "--dir", str(state / "audit"),
         "--key", str(state / "dev-officer" / "officer.key"), "--format", "jsonl",
         "--out", str(out), "--quiet"],
        capture_output=True, text=True, timeout=120, check=False)
    assert 0 == export.returncode, export.stderr
    exported = out.read_text(encoding="utf-8")
    assert "http:/v1/chat/completions" in exported
    assert EMAIL not in exported and RESIDENT_ID not in exported


# -- refusals: a daemon that requires tokens -----------------------------------------------


@pytest.fixture(scope="module")
def secured(tmp_path_factory: pytest.TempPathFactory,
            model_path: Path) -> Iterator[tuple[Daemon, dict[str, str], Path]]:
    work = tmp_path_factory.mktemp("http-auth")
    cfg = write_config(work / "appliance.toml", model_path,
                       http=f"body_timeout_seconds = 1.0\ncors_origins = [\"{ORIGIN}\"]",
                       auth="required = true\n\n[auth.identities.limited]\n"
                            "requests_per_minute = 2\n\n"
                            '[auth.identities.batch]\ntiers = ["r1"]')
    tokens = {name: create_token(cfg, name, role) for name, role in
              [("app", "client"), ("limited", "client"), ("batch", "client"),
               ("gone", "client"), ("aud", "auditor")]}
    d = Daemon(work, cfg)
    try:
        d.wait_for("ready")
        yield d, tokens, cfg
    finally:
        assert 0 == d.stop()


#: The one web origin the secured daemon lets browsers call it from ([http] cors_origins).
ORIGIN = "https://chat.example"


def _ask(c: openai.OpenAI, model: str = "v3") -> Any:
    return c.chat.completions.create(model=model, max_tokens=1,
                                     messages=[{"role": "user", "content": "Hi"}])


def test_refusals_in_openai_terms(secured: tuple[Daemon, dict[str, str], Path]) -> None:
    d, tokens, cfg = secured
    with _client(d.http_url, tokens["app"]) as c:
        assert _ask(c).choices[0].finish_reason
    with _client(d.http_url, "llma_not-a-token") as c, \
            pytest.raises(openai.AuthenticationError):
        _ask(c)
    plain = httpx.post(d.http_url + "/chat/completions", json={"model": "v3", "messages": []})
    assert 401 == plain.status_code
    assert "authentication_error" == plain.json()["error"]["type"]
    with _client(d.http_url, tokens["batch"]) as c, pytest.raises(openai.PermissionDeniedError):
        _ask(c, "v3")  # batch may use r1 only
    with _client(d.http_url, tokens["aud"]) as c:
        with pytest.raises(openai.PermissionDeniedError):
            _ask(c)  # an auditor may list models, not generate
        assert [m.id for m in c.models.list().data]
    with _client(d.http_url, tokens["limited"]) as c:
        _ask(c)
        _ask(c)
        with pytest.raises(openai.RateLimitError) as err:
            _ask(c)
    assert float(err.value.response.headers["retry-after"]) > 0
    # Revoked: refused on the next call.
    p = subprocess.run([sys.executable, "-m", "appliance", "token", "revoke", "--config",
                        str(cfg), "--name", "gone"], capture_output=True, text=True,
                       timeout=120, check=False)
    assert 0 == p.returncode, p.stderr
    with _client(d.http_url, tokens["gone"]) as c, pytest.raises(openai.AuthenticationError):
        _ask(c)
    rpc = [e for e in d.events() if e.get("event") == "rpc"
           and str(e.get("method")).startswith("http:")]
    assert {"UNAUTHENTICATED", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "OK"} <= \
        {e["status"] for e in rpc}


def test_slow_clients_are_cut_off(secured: tuple[Daemon, dict[str, str], Path]) -> None:
    """Headers not sent, or a body not sent, within [http] body_timeout_seconds (1 s here)."""
    import socket

    d, tokens, _cfg = secured
    host, port = d.http_url.removeprefix("http://").removesuffix("/v1").rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=30) as idle:
        idle.sendall(b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\n")  # and no more
        # closed by the daemon (after 1 s); were it left open, recv would time out at 30 s
        assert b"" == idle.recv(4096)
    with socket.create_connection((host, int(port)), timeout=30) as slow:
        slow.sendall(b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\n"
                     b"Content-Type: application/json\r\nContent-Length: 100\r\n"
                     b"Authorization: Bearer " + tokens["app"].encode() + b"\r\n\r\n{")
        answer = b""
        while b"request_timeout" not in answer and (part := slow.recv(65536)):
            answer += part
    assert answer.decode().startswith("HTTP/1.1 408"), answer[:200]
    assert b'"code":"request_timeout"' in answer


def test_root_routes_are_under_the_same_access_control(
        secured: tuple[Daemon, dict[str, str], Path]) -> None:
    """A route served without /v1 checks tokens and roles exactly as its /v1 route."""
    d, tokens, _cfg = secured
    root = d.http_url.removesuffix("/v1")
    body = {"model": "v3", "max_tokens": 1, "messages": [{"role": "user", "content": "Hi"}]}
    assert 401 == httpx.post(root + "/chat/completions", json=body).status_code
    assert 401 == httpx.get(root + "/models").status_code
    auditor = {"authorization": f"Bearer {tokens['aud']}"}
    assert 403 == httpx.post(root + "/chat/completions", json=body,
                             headers=auditor).status_code
    assert 200 == httpx.get(root + "/models/deepseek-chat", headers=auditor).status_code


@pytest.mark.parametrize("path", ["/v1/models", "/models"])
def test_cors_for_listed_origins_only(secured: tuple[Daemon, dict[str, str], Path],
                                      path: str) -> None:
    """With [http] cors_origins set, a browser's preflight from a listed origin is answered
    and the answer carries access-control-allow-origin (and exposes x-request-id); an
    unlisted origin gets neither."""
    d, tokens, _cfg = secured
    url = d.http_url.removesuffix("/v1") + path
    preflight = {"access-control-request-method": "GET",
                 "access-control-request-headers": "authorization"}
    auth = {"authorization": f"Bearer {tokens['aud']}"}
    ok = httpx.options(url, headers={"origin": ORIGIN, **preflight})
    assert (200, ORIGIN) == (ok.status_code, ok.headers.get("access-control-allow-origin"))
    assert "authorization" in ok.headers["access-control-allow-headers"].lower()
    got = httpx.get(url, headers={"origin": ORIGIN, **auth})
    assert (200, ORIGIN) == (got.status_code, got.headers.get("access-control-allow-origin"))
    assert "x-request-id" in got.headers["access-control-expose-headers"]
    other = "https://evil.example"
    refused = httpx.options(url, headers={"origin": other, **preflight})
    assert "access-control-allow-origin" not in refused.headers
    assert "access-control-allow-origin" not in httpx.get(url, headers={"origin": other,
                                                                        **auth}).headers


def test_no_cors_headers_unless_configured(daemon: Daemon) -> None:
    """Without [http] cors_origins (the default) no origin gets CORS headers, and a
    preflight is not answered as one."""
    url = daemon.http_url + "/models"
    r = httpx.options(url, headers={"origin": ORIGIN, "access-control-request-method": "GET"})
    assert 405 == r.status_code
    assert not any(h.startswith("access-control-") for h in r.headers)
    got = httpx.get(url, headers={"origin": ORIGIN})
    assert not any(h.startswith("access-control-") for h in got.headers)
