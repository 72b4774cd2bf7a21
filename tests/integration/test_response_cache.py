"""The response cache through the real server: real model, real Presidio, real HTTP and gRPC
front doors, the real encrypted audit log. A request that differs from an earlier one only in
its personal data is answered from the cache, restored with its own values; the cache holds
no PII value; another identity gets no hit unless a shared namespace says so; Cache-Control
and reproducibility decide what is looked up and kept; streams and gRPC say hit in their own
shape; the audit says route = cache and where the answer came from; a reload empties it.

One in-process server for the module (tests reach inside it: the cache's memory, a reload),
with [cache] enabled; the session daemon keeps it off, as a config without [cache] does.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import grpc
import httpx
import pytest

from appliance import config as cfgmod
from appliance.access import TokenStore
from appliance.audit.keys import load_officer_private
from appliance.audit.verify import verify_dir
from appliance.config import CacheConfig, ModelConfig, Policy
from appliance.stages.cache import ResponseCache
from appliance.v1 import appliance_pb2 as pb
from appliance.v1 import appliance_pb2_grpc as pb_grpc
from tests.inprocess import InProcessServer

#: A pattern the small model continues by repeating the (masked) address: its answer then
#: carries the placeholder, restored to each caller's own address.
TEMPLATE = "Contact: {0}\nContact: {0}\nContact: {0}\nContact:"
ADA, GRACE, ALAN = ("ada.lovelace@example.com", "grace.hopper@example.org",
                    "alan.turing@example.net")


@dataclasses.dataclass
class Site:
    server: InProcessServer
    tokens: dict[str, str]
    state: Path

    @property
    def url(self) -> str:
        assert self.server.app.http is not None
        return f"http://{self.server.app.http.address}/v1"

    @property
    def cache(self) -> ResponseCache:
        services = self.server.app.services
        assert services is not None
        assert services.cache is not None
        return services.cache


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, model_path: Path) -> Iterator[Site]:
    tmp = tmp_path_factory.mktemp("response-cache")
    store = TokenStore(tmp / "tokens.json")
    tokens = {name: store.create(name, "client") for name in ("alice", "bob", "carol", "dave")}
    spec = ModelConfig(tier="v3", path=model_path, n_threads=2, chat_template="transcript")
    team = Policy(response_cache_namespace="team")
    cfg = replace(cfgmod.embedded_default(), state_dir=tmp, models={"v3": spec, "r1": spec},
                  server=replace(cfgmod.ServerConfig(), listen="127.0.0.1:0"),
                  auth=replace(cfgmod.AuthConfig(), required=True,
                               identities={"carol": team, "dave": team}),
                  audit=replace(cfgmod.AuditConfig(), dev_officer_key=True),
                  cache=CacheConfig(enabled=True))
    server = InProcessServer(cfg)
    try:
        yield Site(server, tokens, tmp)
    finally:
        server.stop()


def complete(site: Site, who: str, address: str, *, headers: dict[str, str] | None = None,
             **body: Any) -> httpx.Response:
    payload = {"model": "v3", "prompt": TEMPLATE.format(address), "max_tokens": 12,
               "temperature": 0, **body}
    return httpx.post(f"{site.url}/completions", json=payload, timeout=120,
                      headers={"authorization": f"Bearer {site.tokens[who]}", **(headers or {})})


def text_of(response: httpx.Response) -> str:
    assert 200 == response.status_code, response.text
    return str(response.json()["choices"][0]["text"])


def test_a_request_differing_only_in_pii_is_a_hit_with_its_own_values(site: Site) -> None:
    """The second caller's address differs from the first's: its answer comes from the
    cache, with its own address where the first got the first's."""
    first = complete(site, "alice", ADA)
    assert ADA in text_of(first)  # the model repeated the placeholder, restored
    assert "miss" == first.headers["x-appliance-cache"]
    second = complete(site, "alice", GRACE)
    assert "hit" == second.headers["x-appliance-cache"]
    assert text_of(first).replace(ADA, GRACE) == text_of(second)
    assert ADA not in text_of(second)


def test_the_cache_holds_no_pii_value(site: Site) -> None:
    """Every kept answer and every key, walked after requests that carried addresses."""
    complete(site, "alice", ALAN)
    held = [json.dumps(dataclasses.asdict(e)) for e in site.cache.entries()]
    held += list(site.cache._entries)
    assert held
    for value in (ADA, GRACE, ALAN, "lovelace", "hopper", "turing"):
        assert not any(value in h for h in held), value
    assert any("<EMAIL_ADDRESS_1>" in h for h in held)


def test_another_identity_gets_no_hit_unless_a_namespace_is_shared(site: Site) -> None:
    complete(site, "alice", ADA)
    assert "miss" == complete(site, "bob", ADA).headers["x-appliance-cache"]
    first = complete(site, "carol", ADA, max_tokens=10)
    assert "miss" == first.headers["x-appliance-cache"]
    shared = complete(site, "dave", GRACE, max_tokens=10)
    assert "hit" == shared.headers["x-appliance-cache"]
    assert text_of(first).replace(ADA, GRACE) == text_of(shared)


def test_no_cache_answers_afresh_and_no_store_keeps_nothing(site: Site) -> None:
    stores = site.cache.stores
    fresh = complete(site, "alice", ADA, max_tokens=9, headers={"cache-control": "no-store"})
    assert ("miss", stores) == (fresh.headers["x-appliance-cache"], site.cache.stores)
    fresh = complete(site, "alice", ADA, max_tokens=9, headers={"cache-control": "no-cache"})
    assert ("miss", stores + 1) == (fresh.headers["x-appliance-cache"], site.cache.stores)
    assert "hit" == complete(site, "alice", GRACE, max_tokens=9).headers["x-appliance-cache"]
    again = complete(site, "alice", GRACE, max_tokens=9, headers={"cache-control": "no-cache"})
    assert "miss" == again.headers["x-appliance-cache"]


def test_a_sampled_request_is_not_kept(site: Site) -> None:
    stores = site.cache.stores
    for _ in range(2):
        sampled = complete(site, "alice", ADA, temperature=0.9, max_tokens=7)
        assert "miss" == sampled.headers["x-appliance-cache"]
    assert stores == site.cache.stores
    seeded = [complete(site, "alice", ADA, temperature=0.9, seed=11, max_tokens=7)
              for _ in range(2)]
    assert ["miss", "hit"] == [r.headers["x-appliance-cache"] for r in seeded]


def test_a_streamed_hit_comes_as_server_sent_chunks(site: Site) -> None:
    """The same SSE shape as a generated stream: chunks of text, a last one with the
    finish reason, then [DONE]."""
    def stream(address: str) -> tuple[str, str, list[dict[str, Any]]]:
        payload = {"model": "v3", "prompt": TEMPLATE.format(address), "max_tokens": 11,
                   "temperature": 0, "stream": True}
        with httpx.stream("POST", f"{site.url}/completions", json=payload, timeout=120,
                          headers={"authorization": f"Bearer {site.tokens['alice']}"}) as r:
            lines = [line for line in r.iter_lines() if line.startswith("data: ")]
            status = r.headers["x-appliance-cache"]
        assert "data: [DONE]" == lines[-1]
        chunks = [json.loads(line.removeprefix("data: ")) for line in lines[:-1]]
        return status, "".join(c["choices"][0]["text"] for c in chunks), chunks

    missed, text, _ = stream(ADA)
    hit, restored, chunks = stream(GRACE)
    assert ("miss", "hit") == (missed, hit)
    assert text.replace(ADA, GRACE) == restored
    assert ADA in text
    finishes = [c["choices"][0].get("finish_reason") for c in chunks]
    assert len(chunks) >= 2
    assert [None] * (len(chunks) - 1) == finishes[:-1]
    assert finishes[-1] in ("stop", "length")


def _grpc(site: Site, address: str, *metadata: tuple[str, str]) -> tuple[Any, Any]:
    with grpc.insecure_channel(site.server.address) as channel:
        stub = pb_grpc.InferenceStub(channel)
        request = pb.GenerateRequest(prompt=TEMPLATE.format(address), model="v3",
                                     max_tokens=10, temperature=0.0)
        return stub.Generate.with_call(request, timeout=120, metadata=(
            ("authorization", f"Bearer {site.tokens['alice']}"), *metadata))


def test_grpc_says_hit_in_its_trailing_metadata(site: Site) -> None:
    _grpc(site, ADA)
    response, call = _grpc(site, GRACE)
    assert ("hit", "cache") == (dict(call.trailing_metadata())["x-appliance-cache"],
                                response.served_by)
    assert GRACE in response.text
    _, call = _grpc(site, GRACE, ("cache-control", "no-cache"))
    assert "miss" == dict(call.trailing_metadata())["x-appliance-cache"]


def test_the_audit_record_of_a_hit_says_route_cache_and_where_it_came_from(
        site: Site) -> None:
    first = complete(site, "alice", ADA, max_tokens=8)
    hit = complete(site, "alice", GRACE, max_tokens=8)
    assert "hit" == hit.headers["x-appliance-cache"]
    ids = first.headers["x-request-id"], hit.headers["x-request-id"]
    records: list[dict[str, Any]] = []
    key = load_officer_private(site.state / "dev-officer" / "officer.key")
    verify_dir(site.state / "audit", key, None, records.append)
    ends = {r["request_id"]: r for r in records if r.get("type") == "end"}
    assert ("cache", ids[0], "hit", "OK") == (
        ends[ids[1]]["route"], ends[ids[1]].get("cached_from"), ends[ids[1]]["cache"],
        ends[ids[1]]["status"])
    assert GRACE not in json.dumps(ends[ids[1]])  # the answer is recorded masked


def test_metrics_count_hits_misses_and_bytes(site: Site) -> None:
    complete(site, "alice", ADA, max_tokens=6)
    complete(site, "alice", GRACE, max_tokens=6)
    text = httpx.get(f"http://{site.server.app.metrics_address}/metrics", timeout=30).text
    values = {line.split(" ")[0]: float(line.split(" ")[1]) for line in text.splitlines()
              if line.startswith("appliance_response_cache_")}
    assert values["appliance_response_cache_hits_total"] >= 1
    assert values["appliance_response_cache_misses_total"] >= 1
    assert values["appliance_response_cache_bytes"] == site.cache.bytes > 0
    assert 'route="cache"' in text  # appliance_requests_total of the hits


def test_a_reload_empties_the_cache(site: Site) -> None:
    complete(site, "alice", ADA, max_tokens=5)
    assert "hit" == complete(site, "alice", GRACE, max_tokens=5).headers["x-appliance-cache"]
    server = site.server
    asyncio.run_coroutine_threadsafe(server.app.reload_models(), server.loop).result(180)
    assert 0 == len(site.cache)
    assert "miss" == complete(site, "alice", GRACE, max_tokens=5).headers["x-appliance-cache"]


def test_the_byte_budget_evicts_the_least_recent_and_the_ttl_expires(site: Site) -> None:
    """With room for one answer, a second one evicts the first (a miss again); with a TTL
    shorter than a request, a kept answer is expired by the time it is asked for."""
    cache = site.cache
    budget, ttl = cache.max_bytes, cache.ttl
    try:
        cache.clear()
        complete(site, "alice", ADA, max_tokens=3)
        cache.max_bytes = cache.bytes * 3 // 2  # room for one answer of about that size
        evictions = cache.evictions
        complete(site, "alice", ADA, max_tokens=4)
        assert (1, evictions + 1) == (len(cache), cache.evictions)
        assert "miss" == complete(site, "alice", GRACE, max_tokens=3).headers[
            "x-appliance-cache"]
        cache.max_bytes, cache.ttl = budget, 1e-6
        expired = cache.expired
        complete(site, "alice", ADA, max_tokens=5)
        assert "miss" == complete(site, "alice", GRACE, max_tokens=5).headers[
            "x-appliance-cache"]
        assert expired + 1 == cache.expired
    finally:
        cache.max_bytes, cache.ttl = budget, ttl
