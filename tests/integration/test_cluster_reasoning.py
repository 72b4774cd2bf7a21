"""Reasoning and back-pressure from the central cluster, through the whole pipeline.

The cluster here is a **fake**: a scripted OpenAI-compatible stand-in (Starlette on uvicorn, a
real HTTP server on loopback) that streams what an R1 server streams — ``reasoning_content``
(DeepSeek's API, vLLM/SGLang reasoning parsers) or ``reasoning`` deltas, or ``<think>`` inline
in ``content`` — and answers 429 with ``Retry-After``. llama-cpp-python's server, the real
cluster of the other tests, serves no reasoning model here. The local tier reports itself
loading, so every request goes to the cluster."""

from __future__ import annotations

import asyncio
import json
import re
import socket
import threading
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import grpc
import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from appliance import config as cfgmod
from appliance.client import NO_RETRY, Client, RpcError
from appliance.config import FallbackConfig, ModelConfig
from appliance.routing.central import retry_after_seconds
from tests.inprocess import InProcessServer
from tests.integration.test_fallback import LoadingEngine

EMAIL = "ann.lee@example.com"
PLACEHOLDER = re.compile(r"<[A-Z_]+_\d+>")


class FakeCluster:
    """What to stream next, and what it was sent."""

    def __init__(self) -> None:
        self.mode = "reasoning_content"
        self.busy: list[str] = []  # Retry-After values for the next requests, answered 429
        self.attempts: list[float] = []
        self.bodies: list[dict[str, Any]] = []

    def app(self) -> Starlette:
        async def models(_request: Request) -> Response:
            return JSONResponse({"object": "list", "data": [{"id": "r1", "object": "model"}]})

        async def chat(request: Request) -> Response:
            self.attempts.append(time.monotonic())
            body = await request.json()
            self.bodies.append(body)
            if self.busy:
                return JSONResponse({"error": {"message": "busy"}}, status_code=429,
                                    headers={"Retry-After": self.busy.pop(0)})
            text = " ".join(m["content"] for m in body["messages"])
            found = PLACEHOLDER.search(text)
            who = found.group(0) if found else "nobody"
            return StreamingResponse(self._stream(who), media_type="text/event-stream")

        return Starlette(routes=[Route("/v1/models", models),
                                 Route("/v1/chat/completions", chat, methods=["POST"])])

    async def _stream(self, who: str) -> AsyncIterator[str]:
        thinking = ["The user wants a note to ", who, ", so I keep it short."]
        deltas: list[dict[str, str]]
        if self.mode == "think_in_content":
            deltas = [{"content": "<think>"}, *({"content": t} for t in thinking),
                      {"content": "</think>"}, {"content": "Done."}]
        else:
            deltas = [*({self.mode: t} for t in thinking), {"content": "Done."}]
        for i, delta in enumerate(deltas):
            chunk = {"id": "x", "object": "chat.completion.chunk", "choices": [
                {"index": 0, "delta": delta,
                 "finish_reason": "stop" if i == len(deltas) - 1 else None}]}
            yield f"data: {json.dumps(chunk)}\n\n"
            await asyncio.sleep(0)
        yield "data: [DONE]\n\n"


@pytest.fixture(scope="module")
def fake() -> Iterator[tuple[FakeCluster, str]]:
    cluster = FakeCluster()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(cluster.app(), host="127.0.0.1", port=port,
                                           log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline, "the fake cluster did not start"
        time.sleep(0.05)
    yield cluster, f"http://127.0.0.1:{port}/v1"
    server.should_exit = True
    thread.join(10)


@pytest.fixture(scope="module")
def site(fake: tuple[FakeCluster, str], tmp_path_factory: pytest.TempPathFactory,
         model_path: Path) -> Iterator[InProcessServer]:
    _cluster, url = fake
    fb = FallbackConfig(url=url, allowed_pii_types=("EMAIL_ADDRESS",), probe_interval_seconds=0,
                        backoff_initial_ms=10, max_retry_after_seconds=2.0)
    models = {t: ModelConfig(tier=t, path=model_path, n_threads=1, chat_template="gemma",
                             slots=1) for t in cfgmod.TIERS}
    cfg = replace(cfgmod.embedded_default(), state_dir=tmp_path_factory.mktemp("reasoning"),
                  models=models, fallback=fb,
                  server=replace(cfgmod.ServerConfig(), listen="127.0.0.1:0"))
    server = InProcessServer(cfg, wrap=LoadingEngine)
    yield server
    server.stop()


def _ask(site: InProcessServer, **kwargs: Any) -> tuple[str, str, str]:
    text, reasoning, served = [], [], ""
    with Client(site.address, timeout=60, retry=NO_RETRY) as c:
        for chunk in c.stream(messages=[("user", f"Write a note to {EMAIL}.")], model="r1",
                              max_tokens=32, **kwargs):
            text.append(chunk.text)
            reasoning.append(chunk.reasoning)
            served = chunk.served_by or served
    return "".join(text), "".join(reasoning), served


@pytest.mark.parametrize("mode", ["reasoning_content", "reasoning", "think_in_content"])
def test_cluster_reasoning_reaches_the_reasoning_channel_restored(
        fake: tuple[FakeCluster, str], site: InProcessServer, mode: str) -> None:
    cluster, _url = fake
    cluster.mode = mode
    text, reasoning, served = _ask(site)
    assert served == "central"
    assert text == "Done."
    assert reasoning == f"The user wants a note to {EMAIL}, so I keep it short."
    sent = json.dumps(cluster.bodies[-1])
    assert EMAIL not in sent  # the cluster only ever saw the placeholder
    assert PLACEHOLDER.search(sent)


def test_reasoning_dropped_when_not_asked_for(fake: tuple[FakeCluster, str],
                                              site: InProcessServer) -> None:
    cluster, _url = fake
    cluster.mode = "reasoning_content"
    text, reasoning, _served = _ask(site, include_reasoning=False)
    assert (text, reasoning) == ("Done.", "")


def test_429_retry_after_is_waited_out(fake: tuple[FakeCluster, str],
                                       site: InProcessServer) -> None:
    cluster, _url = fake
    cluster.mode = "reasoning_content"
    cluster.attempts.clear()
    cluster.busy = ["1"]
    text, _reasoning, _served = _ask(site)
    assert text == "Done."
    assert len(cluster.attempts) == 2
    assert cluster.attempts[1] - cluster.attempts[0] >= 1.0  # as the cluster asked


def test_429_longer_than_allowed_fails_now_and_pauses_overflow(
        fake: tuple[FakeCluster, str], site: InProcessServer) -> None:
    cluster, _url = fake
    cluster.attempts.clear()
    cluster.busy = ["30"]  # more than max_retry_after_seconds
    with pytest.raises(RpcError) as err:
        _ask(site)
    assert err.value.code == grpc.StatusCode.UNAVAILABLE
    assert len(cluster.attempts) == 1  # not retried
    with pytest.raises(RpcError):
        _ask(site)  # the cluster asked for 30 s: not sent anything meanwhile
    assert len(cluster.attempts) == 1
    site.app.services.central.busy_until = 0.0  # the wait is over (without waiting 30 s)
    assert _ask(site)[0] == "Done."


def test_retry_after_forms() -> None:
    assert retry_after_seconds("7") == 7.0
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412470.0) == 10.0
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412490.0) == 0.0
    assert retry_after_seconds("soon") is None
    assert retry_after_seconds(None) is None
