"""The Redis backend's Lua scripts against a real redis-server: budgets, rate limits and
concurrency counted atomically, the end of a request in one step, revocations shared, the
fail-closed and local policies when Redis is down, and no name in any key."""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from appliance.config import Config, Policy, StateConfig, embedded_default
from appliance.errors import ConfigError, Overloaded, Unavailable
from appliance.state import open_state
from appliance.state.keys import identity_id
from appliance.state.local import Quotas, RateLimits
from appliance.state.redis_state import RedisState, connect, read_password
from tests.certs import CA
from tests.redisserver import RedisServer

PASSWORD = "s3cret-for-tests"  # noqa: S105 - a test server's password
NOV30 = dt.datetime(2026, 11, 30, 22, 0, tzinfo=dt.UTC)
_prefixes = itertools.count()


class Clock:
    def __init__(self, when: dt.datetime) -> None:
        self.now = when

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += dt.timedelta(seconds=seconds)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    s = RedisServer(tmp_path_factory.mktemp("redis"), password=PASSWORD).start()
    yield s
    s.stop()


def _config(server: RedisServer, **kw: Any) -> StateConfig:
    return StateConfig(backend=server.url, password_env="TEST_REDIS_PASSWORD",
                       key_prefix=f"t{next(_prefixes)}:", timeout_seconds=10.0, **kw)


def _state(server: RedisServer, tmp_path: Path, clock: Clock | None = None,
           **kw: Any) -> RedisState:
    config = _config(server, **kw)
    client = connect(config, {"TEST_REDIS_PASSWORD": PASSWORD})
    return RedisState(config, client, RateLimits(Quotas(tmp_path / "q.json")),
                      clock=clock or Clock(NOV30))


def run(coro: Any) -> Any:
    return asyncio.run(coro)


def test_token_budget_per_day_then_reset_at_midnight(server: RedisServer,
                                                     tmp_path: Path) -> None:
    """As the local backend: admitted while the day's use is under the budget (the answer may
    go over), refused after with the reset time, every identity on its own, reset at 00:00
    UTC."""
    clock = Clock(NOV30)
    policy = Policy(tokens_per_day=100, requests_per_minute=0)

    async def go() -> None:
        s = _state(server, tmp_path, clock)
        await s.enter("app", policy, "r1")
        await s.leave("app", policy, "r1", 60, counted=True)
        await s.enter("app", policy, "r2")  # 60 < 100
        await s.leave("app", policy, "r2", 60, counted=True)
        with pytest.raises(Overloaded) as err:
            await s.enter("app", policy, "r3")
        assert "quota" == err.value.reason
        assert "tokens per day budget of 100" in err.value.message
        assert "resets at 2026-12-01T00:00:00Z" in err.value.message
        assert 7200.0 == err.value.retry_after
        await s.enter("other", policy, "r4")
        clock.now = dt.datetime(2026, 12, 1, 0, 0, 1, tzinfo=dt.UTC)
        await s.enter("app", policy, "r5")
        assert {("day", "tokens"): 0, ("day", "requests"): 0, ("month", "tokens"): 0,
                ("month", "requests"): 0} == await s.used("app")
        await s.aclose()

    run(go())


def test_concurrent_admissions_take_exactly_the_request_budget(server: RedisServer,
                                                              tmp_path: Path) -> None:
    """Two boxes (two clients, two box ids) admitting 60 requests at once against a budget of
    25 requests a month: exactly 25 admitted, the count is 25."""
    clock = Clock(NOV30)
    policy = Policy(requests_per_month=25, requests_per_minute=0, max_concurrent=0)

    async def go() -> None:
        a = _state(server, tmp_path, clock)
        b = RedisState(a.config, connect(a.config, {"TEST_REDIS_PASSWORD": PASSWORD}),
                       RateLimits(Quotas(tmp_path / "b.json")), clock=clock)

        async def one(box: RedisState, i: int) -> str:
            try:
                await box.enter("app", policy, f"r{i}")
            except Overloaded as exc:
                return exc.reason
            return "admitted"

        results = await asyncio.gather(*(one(a if i % 2 else b, i) for i in range(60)))
        assert {"admitted": 25, "quota": 35} == Counter(results)
        assert 25 == (await a.used("app"))[("month", "requests")]
        await a.aclose()
        await b.aclose()

    run(go())


def test_ends_charge_every_token_once(server: RedisServer, tmp_path: Path) -> None:
    """300 requests ending at once, from two boxes: the day's use is their sum, no update
    lost."""
    policy = Policy(tokens_per_day=10**9)

    async def go() -> None:
        a = _state(server, tmp_path)
        b = RedisState(a.config, connect(a.config, {"TEST_REDIS_PASSWORD": PASSWORD}),
                       RateLimits(Quotas(tmp_path / "b.json")), clock=Clock(NOV30))
        await asyncio.gather(*(box.leave("app", policy, f"r{i}", i, counted=False)
                               for i in range(300) for box in [a if i % 2 else b]))
        assert sum(range(300)) == (await a.used("app"))[("day", "tokens")]
        assert sum(range(300)) == (await b.used("app"))[("month", "tokens")]
        await a.aclose()
        await b.aclose()

    run(go())


def test_concurrency_limit_across_boxes_and_leases(server: RedisServer, tmp_path: Path) -> None:
    """Requests in flight count on every box; an ended one frees its place; a box that never
    ends its request (crashed) frees it when the lease runs out."""
    clock = Clock(NOV30)
    policy = Policy(max_concurrent=2, requests_per_minute=0)

    async def go() -> None:
        a = _state(server, tmp_path, clock, lease_seconds=60)
        b = RedisState(a.config, connect(a.config, {"TEST_REDIS_PASSWORD": PASSWORD}),
                       RateLimits(Quotas(tmp_path / "b.json")), clock=clock)
        await a.enter("app", policy, "r1")
        await b.enter("app", policy, "r2")
        with pytest.raises(Overloaded) as err:
            await a.enter("app", policy, "r3")
        assert "concurrency_limit" == err.value.reason
        assert "2 requests in flight" in err.value.message
        await b.leave("app", policy, "r2", 0, counted=True)
        await a.enter("app", policy, "r3")
        clock.advance(61)  # r1 and r3 were never ended: their leases ran out
        await b.enter("app", policy, "r4")
        await b.enter("app", policy, "r5")
        await a.aclose()
        await b.aclose()

    run(go())


def test_requests_per_minute_shared_and_refilled(server: RedisServer, tmp_path: Path) -> None:
    """A bucket of 3 requests a minute across two boxes: the fourth waits 20 s (retry-after),
    and is admitted 20 s later."""
    clock = Clock(NOV30)
    policy = Policy(requests_per_minute=3)

    async def go() -> None:
        a = _state(server, tmp_path, clock)
        b = RedisState(a.config, connect(a.config, {"TEST_REDIS_PASSWORD": PASSWORD}),
                       RateLimits(Quotas(tmp_path / "b.json")), clock=clock)
        for i, box in enumerate((a, b, a)):
            await box.enter("app", policy, f"r{i}")
        with pytest.raises(Overloaded) as err:
            await b.enter("app", policy, "r4")
        assert "rate_limit" == err.value.reason
        assert 20.0 == err.value.retry_after
        clock.advance(20)
        await b.enter("app", policy, "r4")
        await a.aclose()
        await b.aclose()

    run(go())


def test_tokens_per_minute_paid_by_later_calls(server: RedisServer, tmp_path: Path) -> None:
    """An answer larger than the bucket leaves it below zero: the next request waits until
    one token is back (150 tokens at 100 a minute leave -50: 51 to refill, 30.6 s)."""
    clock = Clock(NOV30)
    policy = Policy(tokens_per_minute=100, requests_per_minute=0)

    async def go() -> None:
        s = _state(server, tmp_path, clock)
        await s.enter("app", policy, "r1")
        await s.leave("app", policy, "r1", 150, counted=True)
        with pytest.raises(Overloaded) as err:
            await s.enter("app", policy, "r2")
        assert 30.6 == err.value.retry_after
        clock.advance(31)
        await s.enter("app", policy, "r2")
        await s.aclose()

    run(go())


def test_revocations_are_read_by_every_box(server: RedisServer, tmp_path: Path) -> None:
    """A digest one box adds is revoked on another once it has read the set."""

    async def go() -> None:
        a = _state(server, tmp_path)
        b = RedisState(a.config, connect(a.config, {"TEST_REDIS_PASSWORD": PASSWORD}),
                       RateLimits(Quotas(tmp_path / "b.json")))
        await b.read_revocations()
        assert not b.revoked("ab" * 32)
        assert 1 == await a.revoke(["ab" * 32])
        await b.read_revocations()
        assert b.revoked("ab" * 32)
        assert not b.revoked("cd" * 32)
        await a.aclose()
        await b.aclose()

    run(go())


def test_redis_down_fails_closed(tmp_path: Path) -> None:
    """With nothing listening, a request that counts is refused UNAVAILABLE with a message
    that says why; so is a token check (revocations never read); nothing is counted here."""
    dead = RedisServer(tmp_path / "dead")  # never started: its port is closed
    policy = Policy(tokens_per_day=100)

    async def go() -> None:
        s = _state(dead, tmp_path)
        with pytest.raises(Unavailable) as err:
            await s.enter("app", policy, "r1")
        assert "shared state (Redis) is unavailable" in err.value.message
        assert "shared_state" == err.value.context["state"]
        with pytest.raises(Unavailable):
            s.revoked("ab" * 32)
        assert 0 == s.fallback.quotas.used("app", "day", "requests")
        await s.aclose()

    run(go())


def test_redis_down_local_fallback_counts_here(tmp_path: Path) -> None:
    """With on_unavailable = "local", requests are served and counted against this box's own
    budget (its quota-usage.json) until Redis answers; token checks use the tokens file."""
    dead = RedisServer(tmp_path / "dead")
    policy = Policy(requests_per_day=2, requests_per_minute=0)

    async def go() -> None:
        s = _state(dead, tmp_path, on_unavailable="local")
        await s.enter("app", policy, "r1")
        await s.leave("app", policy, "r1", 5, counted=True)
        await s.enter("app", policy, "r2")
        with pytest.raises(Overloaded):
            await s.enter("app", policy, "r3")
        assert 2 == s.fallback.quotas.used("app", "day", "requests")
        assert not s.revoked("ab" * 32)
        await s.aclose()

    run(go())


def test_keys_name_no_identity(server: RedisServer, tmp_path: Path) -> None:
    """An identity named like an e-mail address appears in Redis only as its keyed hash."""
    name = "ann.lee@example.com"
    policy = Policy(tokens_per_day=100, requests_per_day=10, requests_per_minute=5,
                    tokens_per_minute=1000, max_concurrent=3)

    async def go() -> RedisState:
        s = _state(server, tmp_path)
        await s.enter(name, policy, "r1")
        await s.leave(name, policy, "r1", 12, counted=True)
        await s.enter(name, policy, "r2")
        await s.aclose()
        return s

    s = run(go())
    dump = {k: v for k, v in server.dump().items() if k.startswith(s.config.key_prefix)}
    assert dump
    text = repr(dump).lower()
    for part in ("ann", "lee", "example", "@"):
        assert part not in text
    ident = identity_id(name)
    assert all(ident in key for key in dump)


def test_password_from_file_or_env_never_in_the_url(tmp_path: Path) -> None:
    """The password comes from a file or a variable; a URL holding one is a config error
    whose message does not repeat it."""
    from appliance.config import load

    secret = tmp_path / "redis.pass"
    secret.write_text("from-file\n")
    assert "from-file" == read_password(StateConfig(backend="redis://h", password_file=secret),
                                        {})
    assert "from-env" == read_password(StateConfig(backend="redis://h", password_env="P"),
                                       {"P": "from-env"})
    with pytest.raises(ConfigError, match="environment variable P"):
        read_password(StateConfig(backend="redis://h", password_env="P"), {})
    cfg = tmp_path / "appliance.toml"
    cfg.write_text('[state]\nbackend = "redis://:hunter2@127.0.0.1:6379/0"\n')
    with pytest.raises(Exception) as err:  # noqa: PT011 - ConfigErrors, whose text is checked
        load(cfg)
    assert "password_file" in str(err.value)
    assert "hunter2" not in str(err.value)


def test_tls_with_a_client_certificate(tmp_path: Path) -> None:
    """rediss://: the server's certificate is checked against ca_file, and the client shows
    its certificate; without it, or trusting another CA, the state is unavailable (closed)."""
    ca = CA(tmp_path / "pki", "redis-ca")
    cert, key = ca.issue("127.0.0.1", server=True)
    client = ca.issue("appliance-1")
    server = RedisServer(tmp_path / "tls", password=PASSWORD, tls=(cert, key, ca.path),
                         client_tls=client).start()
    other = CA(tmp_path / "other", "other-ca")
    policy = Policy(requests_per_day=5, requests_per_minute=0)

    async def go(**tls: Any) -> None:
        s = _state(server, tmp_path, **tls)
        try:
            await s.enter("app", policy, "r1")
        finally:
            await s.aclose()

    try:
        assert server.url.startswith("rediss://")
        run(go(ca_file=ca.path, client_cert=client[0], client_key=client[1]))
        with pytest.raises(Unavailable):
            run(go(ca_file=ca.path))  # no client certificate
        with pytest.raises(Unavailable):
            run(go(ca_file=other.path, client_cert=client[0], client_key=client[1]))
    finally:
        server.stop()


def test_doctor_says_whether_redis_answers(server: RedisServer, tmp_path: Path) -> None:
    """``appliance doctor`` pings the configured Redis with the configured password: ok when
    it answers, FAIL naming the target (never the password) when it does not."""
    from appliance import doctor

    (tmp_path / "pass").write_text(PASSWORD + "\n")
    dead = RedisServer(tmp_path / "dead")
    findings = {}
    for label, url in (("up", server.url), ("down", dead.url)):
        cfg = tmp_path / f"{label}.toml"
        cfg.write_text(f'state_dir = "state"\n[audit]\ndev_officer_key = true\n'
                       f'[state]\nbackend = "{url}"\npassword_file = "pass"\n')
        _cfg, out = doctor.run(cfg, hash_models=False, probe=lambda _a: None)
        findings[label] = next(f for f in out if f.check == "state.backend")
    assert ("ok", f"Redis at {server.url} answers") == (findings["up"].level,
                                                        findings["up"].message)
    assert "FAIL" == findings["down"].level
    assert dead.url in findings["down"].message
    assert "refused (UNAVAILABLE)" in findings["down"].message
    assert PASSWORD not in repr(findings)


def test_shared_state_gauge(tmp_path: Path) -> None:
    """appliance_shared_state_up: absent with the local backend; 1 while Redis answers, 0
    from a failed command until one succeeds."""
    from prometheus_client import generate_latest

    from appliance.observability.metrics import Metrics

    def gauge(metrics: Metrics) -> str | None:
        text = generate_latest(metrics.registry).decode()
        return next((line for line in text.splitlines()
                     if line.startswith("appliance_shared_state_up ")), None)

    dead = RedisServer(tmp_path / "dead")
    s = _state(dead, tmp_path)
    metrics = Metrics()
    metrics.sources.shared_state_up = lambda: s.up
    assert gauge(Metrics()) is None
    assert "appliance_shared_state_up 1.0" == gauge(metrics)
    with pytest.raises(Unavailable):
        run(s.enter("app", Policy(), "r1"))
    assert "appliance_shared_state_up 0.0" == gauge(metrics)
    assert RateLimits().up is None
    run(s.aclose())


def test_local_is_the_default() -> None:
    """No [state]: the local backend, today's behaviour."""
    config: Config = embedded_default({})
    assert "local" == config.state.backend
    assert "local" == open_state(config).kind
