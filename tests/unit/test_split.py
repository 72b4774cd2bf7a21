"""[[routing.auto_split]] windows (time of day, sticky weighted shares) and the escalation of
an identity after a run of low feedback scores: pure functions and the config reader, with an
injected clock."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import pytest

from appliance import config
from appliance.config import Policy, RoutingConfig, SplitWindow
from appliance.errors import ConfigError
from appliance.routing.router import Route, after_low_scores, choose_tier
from appliance.routing.split import LowScores, timed_split, window_at

DAY = SplitWindow(8 * 60, 20 * 60, 0.1)
NIGHT = SplitWindow(20 * 60, 8 * 60, 0.6)  # wraps past midnight
CLIENTS = [f"app-{i}" for i in range(4000)]


def at(hhmm: str) -> datetime:
    h, m = hhmm.split(":")
    return datetime(2026, 12, 6, int(h), int(m), 59, tzinfo=UTC)


@pytest.mark.parametrize(("hhmm", "expected"), [
    ("07:59", NIGHT), ("08:00", DAY), ("19:59", DAY), ("20:00", NIGHT), ("23:59", NIGHT),
    ("00:00", NIGHT), ("03:30", NIGHT)])
def test_window_boundaries_include_the_start_and_wrap_past_midnight(
        hhmm: str, expected: SplitWindow) -> None:
    assert expected == window_at([DAY, NIGHT], at(hhmm))


def test_no_window_outside_them_and_an_equal_start_and_end_is_all_day() -> None:
    lunch = SplitWindow(12 * 60, 13 * 60, 1.0)
    assert window_at([lunch], at("11:59")) is None and window_at([lunch], at("13:00")) is None
    assert lunch == window_at([lunch], at("12:59"))
    always = SplitWindow(0, 0, 0.5)
    assert all(window_at([always], at(t)) == always for t in ("00:00", "12:00", "23:59"))
    assert "20:00-08:00" == NIGHT.label


@pytest.mark.parametrize("window", [DAY, NIGHT])
def test_the_share_sent_to_r1_is_the_weight_and_sticky(window: SplitWindow) -> None:
    now = at("09:00") if window is DAY else at("02:00")
    tiers = [timed_split([DAY, NIGHT], c, now) for c in CLIENTS]
    share = sum(1 for t in tiers if t is not None and t[0] == "r1") / len(CLIENTS)
    assert abs(share - window.r1_weight) < 0.03, share
    assert tiers == [timed_split([DAY, NIGHT], c, now) for c in CLIENTS]  # deterministic
    assert {f"auto_split:{t}@{window.label}" for t in ("v3", "r1")} == {t[1] for t in tiers
                                                                         if t is not None}


def test_a_caller_on_r1_by_day_stays_on_r1_by_night() -> None:
    """The same hash in every window: raising the weight only adds identities to r1."""
    day_r1 = {c for c in CLIENTS
              if timed_split([DAY], c, at("09:00")) == ("r1", "auto_split:r1@08:00-20:00")}
    night_r1 = {c for c in CLIENTS
                if timed_split([NIGHT], c, at("21:00")) == ("r1", "auto_split:r1@20:00-08:00")}
    assert day_r1 and day_r1 < night_r1


def test_the_router_applies_windows_to_auto_requests_no_task_type_rule_places() -> None:
    routing = RoutingConfig(auto_split=(SplitWindow(0, 0, 1.0),))
    assert Route("r1", "auto_split:r1@00:00-00:00", auto=True) == choose_tier(
        "auto", "", routing, "app-1", now=at("10:00"))
    assert "task_type:chat" == choose_tier("auto", "chat", routing, "app-1").reason
    assert Route("v3", "explicit") == choose_tier("v3", "", routing, "app-1")
    assert "default" == choose_tier("", "", routing, "app-1").reason
    # an identity that may not use r1 is not sent there by a share
    assert "auto:default" == choose_tier("auto", "", routing, "app-1", tiers=("v3",)).reason
    outside = RoutingConfig(auto_split=(SplitWindow(60, 120, 1.0),))
    assert "auto:default" == choose_tier("auto", "", outside, "app-1", now=at("02:00")).reason


def _record(scores: LowScores, client: str, score: float, policy: Policy | None) -> int:
    return asyncio.run(scores.record(client, score, policy))


def test_low_scores_escalate_after_n_in_a_row_and_a_good_score_resets() -> None:
    policy = Policy(escalate_after_low_scores=2, low_score_below=0.0)
    scores = LowScores()
    assert 1 == _record(scores, "a", -1.0, policy)
    assert scores.escalated("a", policy) is None
    assert 2 == _record(scores, "a", -0.2, policy)
    assert 2 == scores.escalated("a", policy)
    assert scores.escalated("b", policy) is None  # per identity
    v3 = Route("v3", "task_type:chat", auto=True)
    assert Route("r1", "low_scores:2", auto=True) == after_low_scores(v3, 2)
    assert Route("v3", "explicit") == after_low_scores(Route("v3", "explicit"), 2)
    assert 0 == _record(scores, "a", 0.0, policy)  # not below the line: resets
    assert scores.escalated("a", policy) is None
    assert scores.escalated("a", Policy(escalate_after_low_scores=2, tiers=("v3",))) is None


def test_low_scores_are_not_kept_without_the_rule_and_the_memory_is_bounded() -> None:
    scores = LowScores(capacity=3)
    assert 0 == _record(scores, "a", -1.0, Policy()) == _record(scores, "a", -1.0, None)
    on = Policy(escalate_after_low_scores=1)
    for name in ("a", "b", "c", "d"):
        _record(scores, name, -1.0, on)
    assert scores.escalated("a", on) is None and 1 == scores.escalated("d", on)


def test_shared_runs_count_scores_from_every_box(tmp_path: Path) -> None:
    """Two boxes on one real Redis: low scores sent to either count in one run, a box that
    never saw a score routes by the shared run once it has read it, a good score on one box
    resets the run for both, and Redis holds no identity name."""
    from tests.redisserver import RedisServer
    from tests.unit.test_cache_store import PASSWORD, closing, redis_state

    policy = Policy(escalate_after_low_scores=3, low_score_below=0.0, tiers=("v3", "r1"))
    server = RedisServer(tmp_path / "redis", password=PASSWORD).start()
    try:
        async def go() -> None:
            a = LowScores(shared=redis_state(server.url, "ls:", tmp_path / "a"))
            b = LowScores(shared=redis_state(server.url, "ls:", tmp_path / "b"))
            assert (1, 2) == (await a.record("ann.lee", -1.0, policy),
                              await b.record("ann.lee", -0.5, policy))
            assert 3 == await a.record("ann.lee", -1.0, policy)
            assert 3 == a.escalated("ann.lee", policy)
            assert b.escalated("ann.lee", policy) is None  # b last read 2: reads again
            for _ in range(200):
                if b.escalated("ann.lee", policy) == 3:
                    break
                b._read_at.clear()  # as if REFRESH_S had passed
                await asyncio.sleep(0.01)
            assert 3 == b.escalated("ann.lee", policy)
            assert 0 == await b.record("ann.lee", 0.5, policy)
            a._read_at.clear()
            a.escalated("ann.lee", policy)
            for _ in range(200):
                if a.escalated("ann.lee", policy) is None and "ann.lee" not in a._runs:
                    break
                await asyncio.sleep(0.01)
            assert a.escalated("ann.lee", policy) is None
            await a.record("ann.lee", -1.0, policy)
            client = a._shared.client  # type: ignore[union-attr]
            keys = [k async for k in client.scan_iter("ls:*")]
            assert keys and not [k for k in keys if "ann" in str(k)]

        asyncio.run(closing(go()))
    finally:
        server.stop()


def _load(tmp_path: Path, text: str) -> config.Config:
    path = tmp_path / "a.toml"
    path.write_text('[audit]\ndev_officer_key = true\n' + text, encoding="utf-8")
    return config.load(path)


def test_the_config_reads_windows_and_policy_keys(tmp_path: Path) -> None:
    cfg = _load(tmp_path, '\n'.join([
        '[routing]', 'default_tier = "v3"',
        'auto_split = [{from = "08:00", to = "20:00", r1_weight = 0.1},',
        '              {from = "20:00", to = "08:00", r1_weight = 1}]',
        '[auth.default]', 'escalate_after_low_scores = 3', 'low_score_below = -0.25']))
    assert (DAY, SplitWindow(20 * 60, 8 * 60, 1.0)) == cfg.routing.auto_split
    assert (3, -0.25) == (cfg.auth.default.escalate_after_low_scores,
                          cfg.auth.default.low_score_below)
    assert () == _load(tmp_path, "").routing.auto_split


@pytest.mark.parametrize(("text", "keys"), [
    ('[[routing.auto_split]]\nfrom = "8:00"\nto = "20:00"\nr1_weight = 0.1',
     ["routing.auto_split.0.from"]),
    ('[[routing.auto_split]]\nfrom = "08:00"\nto = "24:00"\nr1_weight = 1.5',
     ["routing.auto_split.0.to", "routing.auto_split.0.r1_weight"]),
    ('[[routing.auto_split]]\nfrom = "08:00"\nto = "20:00"\nweight = 0.1',
     ["routing.auto_split.0.weight", "routing.auto_split.0.r1_weight"]),
    ('[[routing.auto_split]]\nfrom = "08:00"\nto = "20:00"\nr1_weight = 0.1\n'
     '[[routing.auto_split]]\nfrom = "19:00"\nto = "09:00"\nr1_weight = 0.5',
     ["routing.auto_split.1"]),
    ('[routing]\nauto_split = "08:00-20:00"', ["routing.auto_split"]),
    ('[auth.default]\nescalate_after_low_scores = -1\nlow_score_below = 2',
     ["auth.default.escalate_after_low_scores", "auth.default.low_score_below"]),
])
def test_bad_windows_and_policy_keys_are_named(tmp_path: Path, text: str,
                                               keys: list[str]) -> None:
    with pytest.raises(config.ConfigErrors) as caught:
        _load(tmp_path, text)
    problems: list[ConfigError] = list(caught.value)
    assert sorted(keys) == sorted(p.key for p in problems), [str(p) for p in problems]
