"""Day and month budgets: enforced, reset on the UTC day and month, kept across restarts."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from appliance.access import Quotas, RateLimits, period_end
from appliance.config import Policy
from appliance.errors import ConfigError, Overloaded


class Clock:
    def __init__(self, when: dt.datetime) -> None:
        self.now = when

    def __call__(self) -> dt.datetime:
        return self.now


NOV30 = dt.datetime(2026, 11, 30, 22, 0, tzinfo=dt.UTC)


def test_token_budget_per_day_then_reset_at_midnight(tmp_path: Path) -> None:
    clock = Clock(NOV30)
    limits = RateLimits(Quotas(tmp_path / "q.json", clock=clock))
    policy = Policy(tokens_per_day=100, requests_per_minute=0)
    limits.admit("app", policy)
    limits.charge("app", policy, 60)
    limits.release("app")
    limits.admit("app", policy)  # 60 < 100: admitted; the answer may go over
    limits.charge("app", policy, 60)
    limits.release("app")
    with pytest.raises(Overloaded) as err:
        limits.admit("app", policy)
    assert err.value.reason == "quota"
    assert "resets at 2026-12-01T00:00:00Z" in err.value.message
    assert err.value.retry_after == 7200.0
    limits.admit("other", policy)  # every identity has its own budget
    clock.now = dt.datetime(2026, 12, 1, 0, 0, 1, tzinfo=dt.UTC)
    limits.release("other")
    limits.admit("app", policy)


def test_request_budget_per_month(tmp_path: Path) -> None:
    clock = Clock(NOV30)
    quotas = Quotas(tmp_path / "q.json", clock=clock)
    limits = RateLimits(quotas)
    policy = Policy(requests_per_month=2, requests_per_minute=0)
    for _ in range(2):
        limits.admit("app", policy)
        limits.release("app")
    with pytest.raises(Overloaded) as err:
        limits.admit("app", policy)
    assert "requests per month" in err.value.message
    assert "2026-12-01T00:00:00Z" in err.value.message
    assert quotas.used("app", "month", "requests") == 2
    clock.now = dt.datetime(2026, 12, 15, tzinfo=dt.UTC)
    limits.admit("app", policy)


def test_use_survives_a_restart_and_a_bad_file_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "q.json"
    clock = Clock(NOV30)
    policy = Policy(tokens_per_day=50)
    first = Quotas(path, save_interval=3600, clock=clock)
    first.add("app", policy, "tokens", 20)
    first.add("app", policy, "tokens", 30)  # not saved yet (interval), until flush
    first.flush()
    again = Quotas(path, clock=clock)
    assert again.used("app", "day", "tokens") == 50
    with pytest.raises(Overloaded):
        again.check("app", policy)
    assert not list(tmp_path.glob(".q.json.tmp"))  # written by atomic replace
    path.write_text("{not json")
    with pytest.raises(ConfigError, match="quota usage file"):
        Quotas(path)


def test_nothing_is_kept_without_a_budget(tmp_path: Path) -> None:
    quotas = Quotas(tmp_path / "q.json")
    quotas.add("app", Policy(), "tokens", 500)
    quotas.flush()
    assert not (tmp_path / "q.json").exists()


def test_report_and_period_ends(tmp_path: Path) -> None:
    clock = Clock(NOV30)
    quotas = Quotas(tmp_path / "q.json", clock=clock)
    policy = Policy(tokens_per_day=10, requests_per_day=5)
    quotas.add("app", policy, "tokens", 7)
    rows = quotas.report({"app": policy, "idle": Policy(tokens_per_month=9)}, Policy())
    by = {r["identity"]: r for r in rows}
    assert by["app"]["tokens_day"] == {"used": 7, "budget": 10, "resets": "2026-12-01T00:00:00Z"}
    assert by["idle"]["tokens_month"]["budget"] == 9
    assert by["idle"]["tokens_day"]["budget"] is None
    dec = dt.datetime(2026, 12, 31, 23, tzinfo=dt.UTC)
    assert period_end("month", dec) == dt.datetime(2027, 1, 1, tzinfo=dt.UTC)
    assert json.loads(json.dumps(rows)) == rows
