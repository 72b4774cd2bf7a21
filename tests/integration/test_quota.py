"""A daily token budget through the real daemon: enforced, still spent after a restart, and
the refusal says when it resets; ``appliance usage`` shows it."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import grpc
import pytest

from appliance.client import NO_RETRY, Client, Credentials, RpcError
from tests.daemon import Daemon, write_config

BUDGET = 40


def appliance(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "appliance", *args], capture_output=True,
                          text=True, timeout=120, check=False)


def _client(d: Daemon, token: Path) -> Client:
    assert d.address is not None
    return Client(d.address, timeout=60, retry=NO_RETRY,
                  credentials=Credentials.from_files(token_file=token))


def test_daily_token_budget_survives_a_restart(tmp_path: Path, model_path: Path) -> None:
    cfg = write_config(tmp_path / "appliance.toml", model_path,
                       auth=f"required = true\n\n[auth.identities.metered]\n"
                            f"tokens_per_day = {BUDGET}")
    tokens = {}
    for name in ("metered", "free"):
        tokens[name] = tmp_path / f"{name}.token"
        p = appliance("token", "create", "--config", str(cfg), "--name", name, "--role",
                      "client", "--out", str(tokens[name]))
        assert 0 == p.returncode, p.stderr
    d = Daemon(tmp_path, cfg)
    spent = 0
    try:
        d.wait_for("ready")
        with _client(d, tokens["metered"]) as c:
            while spent < BUDGET:
                r = c.generate("Count to ten:", max_tokens=8, temperature=0.0)
                spent += r.usage.prompt_tokens + r.usage.completion_tokens
            with pytest.raises(RpcError) as err:
                c.generate("Count to ten:", max_tokens=8, temperature=0.0)
        assert err.value.code == grpc.StatusCode.RESOURCE_EXHAUSTED
        midnight = (dt.datetime.now(dt.UTC) + dt.timedelta(days=1)).strftime("%Y-%m-%d")
        assert f"resets at {midnight}T00:00:00Z" in err.value.message
        assert err.value.retry_after is not None
        assert err.value.retry_after > 0
    finally:
        assert 0 == d.stop()

    usage = appliance("usage", "--config", str(cfg), "--identity", "metered", "--json")
    assert 0 == usage.returncode, usage.stderr
    row = json.loads(usage.stdout)["identities"][0]
    assert row["tokens_day"]["used"] == spent
    assert row["tokens_day"]["budget"] == BUDGET
    assert row["requests_day"]["used"] == row["requests_month"]["used"]

    again = Daemon(tmp_path, cfg)  # a restart does not give the budget back
    try:
        again.wait_for("ready")
        with _client(again, tokens["metered"]) as c, pytest.raises(RpcError) as err:
            c.generate("Count to ten:", max_tokens=8, temperature=0.0)
        assert err.value.code == grpc.StatusCode.RESOURCE_EXHAUSTED
        assert "tokens per day budget" in err.value.message
        with _client(again, tokens["free"]) as c:  # the others are not affected
            assert c.generate("Count to ten:", max_tokens=4, temperature=0.0).finish_reason
    finally:
        assert 0 == again.stop()
    table = appliance("usage", "--config", str(cfg))
    assert "metered" in table.stdout
    assert f"{spent}/{BUDGET}" in table.stdout
