"""The response cache shared through Redis (issue 35): two real daemons with [cache] on and
one real redis-server as their [state] backend. An answer box a generated is a hit on box b
for the same identity, restored with b's caller's own values; another identity misses;
nothing in Redis holds a PII value, a word of the prompt or a token, and the sealed values
open (with the site's identity key) to placeholders only; Redis killed: both boxes go on
serving (misses), count the errors and log the outage without a value.

The tests run in file order on one module-scoped site (two model loads): the last one kills
Redis.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from appliance.state.cache_store import CacheKeys, unseal
from tests.daemon import Daemon, create_token, write_config
from tests.redisserver import RedisServer

PASSWORD = "redis-pass-for-cache-tests"  # noqa: S105 - the test server's password
IDENTITY_KEY = b"cache-test-identity-key-0123456789"
PREFIX = "sc:"
#: A pattern the small model continues by repeating the (masked) address
#: (tests/integration/test_response_cache.py).
TEMPLATE = "Contact: {0}\nContact: {0}\nContact: {0}\nContact:"
ADA, GRACE, ALAN = ("ada.lovelace@example.com", "grace.hopper@example.org",
                    "alan.turing@example.net")
PII_STRINGS = (ADA, GRACE, ALAN, "lovelace", "hopper", "turing", "example.")
AUTH = """required = true

[auth.identities.alice]
requests_per_minute = 0

[auth.identities.bob]
requests_per_minute = 0
"""


@dataclass
class Site:
    redis: RedisServer
    daemons: dict[str, Daemon]
    tokens: dict[str, str]

    def complete(self, box: str, who: str, address: str, **body: Any) -> httpx.Response:
        payload = {"model": "v3", "prompt": TEMPLATE.format(address), "max_tokens": 12,
                   "temperature": 0, **body}
        r = httpx.post(f"{self.daemons[box].http_url}/completions", json=payload, timeout=300,
                       headers={"authorization": f"Bearer {self.tokens[who]}"})
        assert 200 == r.status_code, r.text
        return r


def text_of(response: httpx.Response) -> str:
    return str(response.json()["choices"][0]["text"])


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, model_path: Path) -> Iterator[Site]:
    root = tmp_path_factory.mktemp("shared-cache")
    redis = RedisServer(root / "redis", password=PASSWORD).start()
    (root / "redis.pass").write_text(PASSWORD + "\n")
    (root / "identity.key").write_bytes(IDENTITY_KEY)
    configs, daemons = {}, {}
    for box in "ab":
        # "local": with Redis killed, admission goes on on this box's counts, so the last
        # test sees what the cache does without Redis (the state's own outage is
        # tests/integration/test_shared_state.py's).
        state = (f'backend = "{redis.url}"\npassword_file = "{root / "redis.pass"}"\n'
                 f'identity_key_file = "{root / "identity.key"}"\nkey_prefix = "{PREFIX}"\n'
                 f'on_unavailable = "local"\ntimeout_seconds = 5.0')
        (root / box).mkdir()
        configs[box] = write_config(root / box / "appliance.toml", model_path, auth=AUTH,
                                    state=state, cache="enabled = true\nttl_seconds = 600")
    tokens = {name: create_token(configs["a"], name, "client") for name in ("alice", "bob")}
    (root / "b" / "state").mkdir(parents=True, exist_ok=True)
    (root / "b" / "state" / "tokens.json").write_bytes(
        (root / "a" / "state" / "tokens.json").read_bytes())
    try:
        for box in "ab":
            daemons[box] = Daemon(root / box, configs[box])
        for d in daemons.values():
            d.wait_for("ready")
        yield Site(redis, daemons, tokens)
    finally:
        for d in daemons.values():
            d.stop()
        redis.stop()


def test_an_answer_box_a_kept_is_a_hit_on_box_b(site: Site) -> None:
    """The same identity on the other box, another address: a hit, the first answer with
    the second caller's address in place of the first's."""
    first = site.complete("a", "alice", ADA)
    assert "miss" == first.headers["x-appliance-cache"]
    assert ADA in text_of(first)  # the model repeated the placeholder, restored
    second = site.complete("b", "alice", GRACE)
    assert "hit" == second.headers["x-appliance-cache"]
    assert text_of(first).replace(ADA, GRACE) == text_of(second)
    assert ADA not in text_of(second)


def test_another_identity_misses_then_finds_its_own(site: Site) -> None:
    """Alice's answer is in Redis; Bob asking the same on box b misses (no shared
    namespace), and then finds his own answer on box a."""
    assert "hit" == site.complete("a", "alice", ALAN).headers["x-appliance-cache"]
    assert "miss" == site.complete("b", "bob", ADA).headers["x-appliance-cache"]
    assert "hit" == site.complete("a", "bob", GRACE).headers["x-appliance-cache"]


def _raw_dump(redis: RedisServer) -> dict[bytes, Any]:
    import redis as redispy

    r = redispy.Redis(host="127.0.0.1", port=redis.port, password=PASSWORD, socket_timeout=5)
    out: dict[bytes, Any] = {}
    for key in r.scan_iter(count=1000):
        kind = r.type(key)
        out[key] = {b"string": r.get, b"hash": r.hgetall, b"set": r.smembers,
                    b"zset": lambda k: r.zrange(k, 0, -1, withscores=True)}.get(
            kind, lambda _k, kind=kind: kind)(key)
    return out


def test_redis_holds_no_pii_no_prompt_and_no_token(site: Site) -> None:
    """Every key and value Redis holds, raw: no address, no word of the prompt, no token;
    each answer's value opens (with the site's identity key) to the masked answer, whose
    placeholder stands where the address was."""
    site.complete("a", "alice", ALAN, max_tokens=10)
    dump = _raw_dump(site.redis)
    raw = repr(dump).lower()
    for s in (*PII_STRINGS, "contact", *site.tokens.values()):
        assert s.lower() not in raw, s
    keys = CacheKeys.derive(PREFIX, IDENTITY_KEY)
    entries = {k.decode(): v for k, v in dump.items() if k.startswith(keys.entry_prefix.encode())}
    assert len(entries) >= 3  # alice's, bob's, alice's with max_tokens 10
    plain = [json.dumps(unseal(keys, name, blob)) for name, blob in entries.items()]
    assert any("<EMAIL_ADDRESS_1>" in p for p in plain)
    for p in plain:
        for s in PII_STRINGS:
            assert s not in p.lower(), s
    ttl = [site.redis.client().pttl(name) for name in entries]
    assert all(0 < t <= 600_000 for t in ttl), ttl


def _metric(d: Daemon, name: str) -> float:
    text = httpx.get(d.metrics_url, timeout=30).text
    pattern = re.compile(rf"^{re.escape(name)} (\S+)$", re.MULTILINE)
    found = pattern.search(text)
    assert found is not None, name
    return float(found.group(1))


def test_redis_killed_requests_are_served_as_misses(site: Site) -> None:
    """Redis gone: a request that was a hit is served as a miss on both boxes (generated
    again), the lookups and stores are counted as errors, and each box logs the outage once,
    by target, with no address or password in its log."""
    site.complete("a", "alice", ADA, max_tokens=9)
    assert "hit" == site.complete("b", "alice", GRACE, max_tokens=9).headers[
        "x-appliance-cache"]
    site.redis.kill()
    for box in "ab":
        served = site.complete(box, "alice", GRACE, max_tokens=9)
        assert "miss" == served.headers["x-appliance-cache"]
        assert GRACE in text_of(served)
    for box, d in site.daemons.items():
        assert _metric(d, 'appliance_response_cache_errors_total{operation="lookup"}') >= 1
        deadline = time.monotonic() + 30
        while "response_cache_unavailable" not in [e.get("event") for e in d.events()]:
            assert time.monotonic() < deadline, box
            time.sleep(0.1)
        down = [e for e in d.events() if e.get("event") == "response_cache_unavailable"]
        assert 1 == len(down), box
        assert site.redis.url == down[0]["backend"]
        log = d.log_path.read_text(errors="replace").lower()
        for s in (*PII_STRINGS, PASSWORD.lower()):
            assert s not in log, (box, s)
