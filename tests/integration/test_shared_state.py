"""Two real daemons sharing a real redis-server ([state] backend): budgets, rate limits and
revocations hold across both; Redis killed mid-load fails closed on the box that says so and
is served from local counts on the box with on_unavailable = "local"; and nothing personal
ever reaches Redis.

The tests run in file order on one module-scoped site (two model loads for the module): the
last one kills Redis."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import grpc
import httpx
import pytest

from appliance.audit.keys import OFFICER_PRIVATE, load_officer_private
from appliance.audit.verify import verify_dir
from appliance.client import NO_RETRY, Client, Credentials, RpcError
from appliance.state.keys import identity_id
from tests.daemon import Daemon, create_token, write_config
from tests.redisserver import RedisServer

PASSWORD = "redis-pass-for-tests"  # noqa: S105 - the test server's password
#: An identity whose name is personal data (token names may be e-mail addresses).
PERSON = "ann.lee@example.com"
#: Personal data in the prompts: none of it may reach Redis.
PII_PROMPT = "Ann Lee (SSN 078-05-1120, ann.lee@example.com, +1 415 555 0134) asks: count to ten."
PII_STRINGS = ("ann", "lee", "example.com", "078-05-1120", "555 0134", "count to ten")
TOKEN_BUDGET = 100
REQUEST_BUDGET = 6

AUTH = f"""required = true

[auth.identities."{PERSON}"]
tokens_per_day = {TOKEN_BUDGET}
max_concurrent = 1
requests_per_minute = 0

[auth.identities.counted]
requests_per_day = {REQUEST_BUDGET}
requests_per_minute = 0

[auth.identities.paced]
requests_per_minute = 1
"""
NAMES = (PERSON, "counted", "paced", "revokee", "steady")


def appliance(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "appliance", *args], capture_output=True,
                          text=True, timeout=120, check=False)


@dataclass
class Site:
    redis: RedisServer
    #: "a" fails closed when Redis is down; "b" falls back to local counts.
    daemons: dict[str, Daemon]
    configs: dict[str, Path]
    tokens: dict[str, str]
    secrets: list[str] = field(default_factory=list)

    def client(self, box: str, name: str) -> Client:
        address = self.daemons[box].address
        assert address is not None
        return Client(address, timeout=120, retry=NO_RETRY,
                      credentials=Credentials(token=self.tokens[name]))

    def usage(self, name: str) -> dict[str, Any]:
        p = appliance("usage", "--config", str(self.configs["a"]), "--identity", name, "--json")
        assert 0 == p.returncode, p.stderr
        return dict(json.loads(p.stdout)["identities"][0])


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, model_path: Path) -> Iterator[Site]:
    root = tmp_path_factory.mktemp("shared-state")
    redis = RedisServer(root / "redis", password=PASSWORD).start()
    (root / "redis.pass").write_text(PASSWORD + "\n")
    configs, daemons = {}, {}
    for box, policy in (("a", "fail"), ("b", "local")):
        state = (f'backend = "{redis.url}"\npassword_file = "{root / "redis.pass"}"\n'
                 f'on_unavailable = "{policy}"\ntimeout_seconds = 5.0\n'
                 f"revocation_poll_seconds = 0.2")
        (root / box).mkdir()
        configs[box] = write_config(root / box / "appliance.toml", model_path, auth=AUTH,
                                    state=state)
    tokens = {name: create_token(configs["a"], name, "client") for name in NAMES}
    # Each box has its own tokens file, as on separate machines: a copy of the same tokens.
    (root / "b" / "state").mkdir(parents=True, exist_ok=True)
    shutil.copy(root / "a" / "state" / "tokens.json", root / "b" / "state" / "tokens.json")
    try:
        for box in ("a", "b"):
            daemons[box] = Daemon(root / box, configs[box])
        for d in daemons.values():
            d.wait_for("ready")
        yield Site(redis, daemons, configs, tokens, secrets=list(tokens.values()))
    finally:
        for d in daemons.values():
            d.stop()
        redis.stop()


def _flood(site: Site, name: str, n: int, call: Callable[[Client], Any]) -> list[Any]:
    """``n`` calls at once, alternating between the two boxes: each result or RpcError."""

    def one(i: int) -> Any:
        with site.client("ab"[i % 2], name) as c:
            try:
                return call(c)
            except RpcError as exc:
                return exc

    with ThreadPoolExecutor(max_workers=n) as pool:
        return list(pool.map(one, range(n)))


def test_request_budget_is_exact_across_both_boxes(site: Site) -> None:
    """18 requests at once on two boxes against a budget of 6 requests a day: exactly 6
    served, 12 refused RESOURCE_EXHAUSTED naming the budget, and the shared count is 6."""
    results = _flood(site, "counted", 3 * REQUEST_BUDGET,
                     lambda c: c.generate("Say hi.", max_tokens=1, temperature=0.0))
    refused = [r for r in results if isinstance(r, RpcError)]
    assert REQUEST_BUDGET == len(results) - len(refused), [r.message for r in refused]
    for r in refused:
        assert grpc.StatusCode.RESOURCE_EXHAUSTED == r.code
        assert "requests per day budget" in r.message
    assert REQUEST_BUDGET == site.usage("counted")["requests_day"]["used"]


def test_token_budget_is_exact_across_both_boxes(site: Site) -> None:
    """Four clients (two per box) spend one daily token budget until refused. Admission
    admits while the day's use is under the budget and the answer is charged when it ends,
    as on one box; the identity's one concurrency place is shared, so the requests run one
    after another across the boxes. Exact: the shared use is the sum of the usage every
    answer reported, the budget is reached, and the last answer was admitted below it
    (use before it < budget), which two boxes counting apart would break."""
    done: list[tuple[float, int]] = []
    unexpected: list[RpcError] = []
    lock = threading.Lock()

    def spend(box: str) -> None:
        with site.client(box, PERSON) as c:
            while True:
                try:
                    r = c.generate(PII_PROMPT, max_tokens=8, temperature=0.0)
                except RpcError as exc:
                    refusal = exc
                else:
                    with lock:
                        done.append((time.monotonic(),
                                     r.usage.prompt_tokens + r.usage.completion_tokens))
                    continue
                if "tokens per day budget" in refusal.message:
                    return
                if "requests in flight" not in refusal.message:
                    unexpected.append(refusal)
                    return
                time.sleep(0.1)  # the other box's request holds the identity's one place

    threads = [threading.Thread(target=spend, args=(box,)) for box in "abab"]
    for t in threads:
        t.start()
    for t in threads:
        t.join(600)
    assert [] == [(e.code, e.message) for e in unexpected]
    used = site.usage(PERSON)["tokens_day"]["used"]
    assert sum(cost for _, cost in done) == used
    assert used >= TOKEN_BUDGET
    last_cost = max(done)[1]
    assert used - last_cost < TOKEN_BUDGET, (used, done)
    for box in "ab":  # spent for both boxes
        with site.client(box, PERSON) as c, pytest.raises(RpcError) as err:
            c.generate("Say hi.", max_tokens=1)
        assert "tokens per day budget" in err.value.message


def test_rate_limit_is_shared(site: Site) -> None:
    """One request a minute for the identity, eight at once on two boxes: one served (two,
    had each box its own bucket), the rest refused with the rate limit and a retry-after."""
    start = time.monotonic()
    results = _flood(site, "paced", 8,
                     lambda c: c.generate("Say hi.", max_tokens=1, temperature=0.0))
    elapsed = time.monotonic() - start
    served = [r for r in results if not isinstance(r, RpcError)]
    assert 1 <= len(served) <= 1 + elapsed / 60
    for r in results:
        if isinstance(r, RpcError):
            assert grpc.StatusCode.RESOURCE_EXHAUSTED == r.code
            assert "rate limit" in r.message
            assert r.retry_after is not None


def test_a_token_revoked_on_one_box_is_refused_on_the_other(site: Site) -> None:
    """``appliance token revoke`` on box a revokes in a's tokens file and in Redis; box b,
    whose tokens file still holds the token live, refuses it once it has read the
    revocations (every 0.2 s here)."""
    with site.client("b", "revokee") as c:
        assert c.generate("Say hi.", max_tokens=1).finish_reason
    p = appliance("token", "revoke", "--config", str(site.configs["a"]), "--name", "revokee")
    assert 0 == p.returncode, p.stderr
    assert "shared with every appliance" in p.stderr
    listed = appliance("token", "list", "--config", str(site.configs["b"]), "--json")
    assert [None] == [t["revoked"] for t in json.loads(listed.stdout) if t["name"] == "revokee"]
    for box in "ab":
        deadline = time.monotonic() + 60
        while (code := _code(site, box, "revokee")) is None:
            assert time.monotonic() < deadline, f"box {box} still accepts the revoked token"
            time.sleep(0.1)
        assert grpc.StatusCode.UNAUTHENTICATED == code


def test_nothing_personal_in_redis(site: Site) -> None:
    """Every key and value in Redis after the tests above: the identities appear as keyed
    hashes, never as names; no prompt text, no PII from the prompts, no token."""
    dump = site.redis.dump()
    assert dump
    text = json.dumps(dump).lower()
    for s in (*PII_STRINGS, *site.secrets, "counted", "paced", "revokee", "say hi"):
        assert s.lower() not in text, s
    assert any(identity_id(PERSON) in key for key in dump)


def _served_after(results: list[tuple[float, Any]], since: float) -> list[Any]:
    return [r for t, r in results if t > since]


def test_redis_killed_mid_load(site: Site) -> None:
    """Both boxes under load; Redis killed. Box a (on_unavailable "fail") refuses UNAVAILABLE
    with a message naming shared state, audits the refusal and reports
    appliance_shared_state_up 0; box b ("local") goes on serving from its own counts. Redis
    back: box a serves again."""
    results: dict[str, list[tuple[float, Any]]] = {"a": [], "b": []}
    stop = threading.Event()

    def load(box: str) -> None:
        while not stop.is_set():
            with site.client(box, "steady") as c:
                started = time.monotonic()
                try:
                    r: Any = c.generate("Say hi.", max_tokens=2)
                except RpcError as exc:
                    r = exc
            results[box].append((started, r))

    threads = [threading.Thread(target=load, args=(box,)) for box in "aabb"]
    for t in threads:
        t.start()
    try:
        deadline = time.monotonic() + 300
        while min(len(results["a"]), len(results["b"])) < 4:
            assert time.monotonic() < deadline
            time.sleep(0.05)
        assert all(not isinstance(r, RpcError) for box in "ab" for _, r in results[box])
        assert 1.0 == _shared_state_up(site.daemons["a"])
        site.redis.kill()
        killed = time.monotonic()
        while min(len(_served_after(results["a"], killed)),
                  len(_served_after(results["b"], killed))) < 4:
            assert time.monotonic() < deadline
            time.sleep(0.05)
    finally:
        stop.set()
        for t in threads:
            t.join(300)
    refused = _served_after(results["a"], killed)
    for r in refused:
        assert isinstance(r, RpcError)
        assert grpc.StatusCode.UNAVAILABLE == r.code
        assert "shared state (Redis) is unavailable" in r.message
    for r in _served_after(results["b"], killed):
        assert not isinstance(r, RpcError), r.message
    _assert_audited(site, refused[0].request_id)
    assert 0.0 == _shared_state_up(site.daemons["a"])

    site.redis.start()  # same port, empty (no persistence)
    deadline = time.monotonic() + 60
    while (code := _code(site, "a", "steady")) is not None:
        assert grpc.StatusCode.UNAVAILABLE == code
        assert time.monotonic() < deadline, "box a did not serve again after Redis came back"
        time.sleep(0.2)
    assert 1.0 == _shared_state_up(site.daemons["a"])
    for box, d in site.daemons.items():  # the outage is logged by target, never a password
        events = [e.get("event") for e in d.events()]
        assert "state_unavailable" in events, box
        assert "state_available" in events, box
        assert PASSWORD not in d.log_path.read_text(errors="replace")
    down = next(e for e in site.daemons["a"].events() if e.get("event") == "state_unavailable")
    assert (site.redis.url, "fail") == (down["backend"], down["policy"])


def _shared_state_up(d: Daemon) -> float:
    """The daemon's appliance_shared_state_up gauge, as Prometheus scrapes it."""
    text = httpx.get(d.metrics_url, timeout=30).text
    line = next(x for x in text.splitlines() if x.startswith("appliance_shared_state_up "))
    return float(line.split()[1])


def _code(site: Site, box: str, name: str) -> grpc.StatusCode | None:
    """The status of one small request of ``name`` on ``box`` (None: served)."""
    with site.client(box, name) as c:
        try:
            c.generate("Say hi.", max_tokens=1)
        except RpcError as exc:
            return exc.code
    return None


def _assert_audited(site: Site, request_id: str | None) -> None:
    """The refusal has its end record (UNAVAILABLE) in box a's audit log, as other refusals
    in the pipeline."""
    assert request_id
    root = site.configs["a"].parent
    key = load_officer_private(root / "officer" / OFFICER_PRIVATE)
    deadline = time.monotonic() + 60
    while True:
        records: list[dict[str, object]] = []
        verify_dir(root / "state" / "audit", key, on_record=records.append)
        mine = [r for r in records if r.get("request_id") == request_id]
        if any(r.get("type") == "end" for r in mine):
            break
        assert time.monotonic() < deadline, "no end record for the refused request"
        time.sleep(0.5)
    end = next(r for r in mine if r.get("type") == "end")
    assert ("rejected", "UNAVAILABLE") == (end["outcome"], end["status"])
