"""Canary rollout through a real daemon: a v3 canary that fails is rolled back on its own, the
rollback is audited, and every request on the primary succeeds meanwhile.

The canary is a real GGUF (the embedded chat model, else the base model) loaded with a context
of 64 tokens: every request of this test is too long for it, so each one the canary takes
fails after placement (INVALID_ARGUMENT naming the model's context), as a canary with a
wrong setting would fail in production. No fake: the real engines, pipeline and audit log.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

from appliance.audit.keys import load_officer_private
from appliance.audit.verify import verify_dir
from appliance.client import Client, Credentials, RetryPolicy, RpcError
from appliance.engine.default_model import find_chat_model
from appliance.routing.canary import CANARY, PRIMARY, arm_of
from tests.daemon import Daemon, create_token, write_config

GEN = {"temperature": 0.0, "max_tokens": 4, "model": "v3"}
NO_RETRY = RetryPolicy(max_attempts=1)
#: Longer than the canary's 64-token context, short for the primary's 2048.
PROMPT = ("Write one line about the history of mechanical clocks, the escapement, the "
          "pendulum of Huygens, the marine chronometer of Harrison, the quartz oscillator, "
          "the atomic clocks of national laboratories and the leap seconds they announce, "
          "and why sailors needed to know the time at sea to find their longitude.")


def _name_on(arm: str) -> str:
    return next(n for n in (f"app-{i}" for i in range(100)) if arm_of(n, "v3", 0.5) == arm)


def test_a_failing_canary_is_rolled_back_and_audited(tmp_path: Path, model_path: Path) -> None:
    chat = find_chat_model()
    canary_file = chat[0] if chat is not None else model_path
    cfg = write_config(tmp_path / "appliance.toml", model_path, models="slots = 2")
    cfg.write_text(cfg.read_text().replace(
        "[models.r1]",
        f'[models.v3.canary]\npath = "{canary_file}"\nweight = 0.5\nn_ctx = 64\n'
        "min_requests = 3\nwindow_seconds = 60\n\n[models.r1]", 1), encoding="utf-8")
    primary_name, canary_name = _name_on(PRIMARY), _name_on(CANARY)
    tokens = {n: create_token(cfg, n, "client") for n in (primary_name, canary_name)}
    d = Daemon(tmp_path, cfg)
    try:
        d.wait_for("ready")
        assert d.address is not None
        with Client(d.address, timeout=60, retry=NO_RETRY) as c:
            arms = sorted((m.tier, m.arm) for m in c.list_models() if m.tier != "embed")
        assert [("r1", ""), ("v3", "canary"), ("v3", "primary")] == arms

        stop = threading.Event()
        primary_ok: list[str] = []
        primary_errors: list[RpcError] = []

        def primary_load() -> None:
            creds = Credentials(token=tokens[primary_name])
            with Client(d.address or "", credentials=creds, timeout=120, retry=NO_RETRY) as c:
                while not stop.is_set():
                    try:
                        primary_ok.append(c.generate(PROMPT, **GEN).finish_reason)
                    except RpcError as exc:
                        primary_errors.append(exc)

        worker = threading.Thread(target=primary_load)
        worker.start()
        canary_errors: list[str] = []
        served_after = None
        try:
            creds = Credentials(token=tokens[canary_name])
            with Client(d.address, credentials=creds, timeout=120, retry=NO_RETRY) as c:
                deadline = time.monotonic() + 120
                while time.monotonic() < deadline:
                    try:
                        served_after = c.generate(PROMPT, **GEN)
                        break  # the canary is gone: this caller is on the primary now
                    except RpcError as exc:
                        canary_errors.append(exc.code.name)
                        time.sleep(0.2)
            d.wait_for("canary_rolled_back", timeout=30)
            time.sleep(0.5)
        finally:
            stop.set()
            worker.join(120)

        assert served_after is not None, "the canary was not rolled back"
        assert len(canary_errors) >= 3
        assert {"INVALID_ARGUMENT"} == set(canary_errors)
        assert [] == primary_errors
        assert primary_ok
        with Client(d.address, timeout=60, retry=NO_RETRY) as c:
            assert [("r1", ""), ("v3", "")] == sorted((m.tier, m.arm) for m in c.list_models()
                                                      if m.tier != "embed")

        key = load_officer_private(tmp_path / "officer" / "officer.key")
        deadline = time.monotonic() + 15
        while True:
            records: list[dict[str, object]] = []
            verify_dir(tmp_path / "state" / "audit", key, None, records.append)
            rollbacks = [r for r in records if r.get("type") == "end"
                         and r.get("method") == "canary/rollback"]
            if rollbacks or time.monotonic() > deadline:
                break
            time.sleep(0.3)
        assert 1 == len(rollbacks)
        rb = rollbacks[0]
        ends = [r for r in records if r.get("type") == "end" and r.get("method") != "canary/rollback"]
        canary_ends = [r for r in ends if r.get("arm") == CANARY]
        assert ("v3", "canary_rolled_back:error_rate", "appliance") == (
            rb["tier"], rb["route_reason"], rb["client"])
        assert {canary_ends[0]["model_sha256"]} == {rb["model_sha256"]}
        assert {"INVALID_ARGUMENT"} == {r["status"] for r in canary_ends}
        assert {canary_name} == {r["client"] for r in canary_ends}
        primary_ends = [r for r in ends if r.get("arm") == PRIMARY]
        assert primary_ends
        assert {"OK"} == {r["status"] for r in primary_ends}
        assert rb["model_sha256"] not in {r["model_sha256"] for r in primary_ends} \
            or canary_file == model_path

        # The rollback is remembered (state_dir/canary-decisions.json): a reload, as a
        # restart would, leaves the rolled-back canary out though the config still names it;
        # once its entry is deleted, the config's canary runs again.
        decisions = tmp_path / "state" / "canary-decisions.json"
        assert "rolled_back" in decisions.read_text()
        with Client(d.address, timeout=300, retry=NO_RETRY) as c:
            c.reload_models()
            assert ("v3", "canary") not in {(m.tier, m.arm) for m in c.list_models()}
            decisions.unlink()
            c.reload_models()
            assert ("v3", "canary") in {(m.tier, m.arm) for m in c.list_models()}
        # Promoting it by hand makes it v3's primary, audited with the admin's identity.
        promoted = appliance("models", "promote", "v3", "--target", d.address)
        assert 0 == promoted.returncode, promoted.stderr
        assert canary_file.name in promoted.stdout
        with Client(d.address, timeout=60, retry=NO_RETRY) as c:
            v3 = [m for m in c.list_models() if m.tier == "v3"]
        assert [(canary_file.name, "", 64)] == [(m.file_name, m.arm, m.context_length)
                                                for m in v3]
        again = appliance("models", "rollback", "v3", "--target", d.address)
        assert (1, 1) == (again.returncode, len(again.stderr.splitlines()))
        assert "FAILED_PRECONDITION" in again.stderr
        deadline = time.monotonic() + 15
        while True:
            records = []
            verify_dir(tmp_path / "state" / "audit", key, None, records.append)
            promotions = [r for r in records if r.get("type") == "end"
                          and r.get("method") == "canary/promote"]
            if promotions or time.monotonic() > deadline:
                break
            time.sleep(0.3)
        assert [("v3", "canary_promoted:manual")] == [(r["tier"], r["route_reason"])
                                                      for r in promotions]
        # The promotion outlives a restart: v3's primary is the canary's file, with no canary.
        d.stop()
        d = Daemon(tmp_path, cfg)
        d.wait_for("ready")
        with Client(d.address or "", timeout=60, retry=NO_RETRY) as c:
            v3 = [m for m in c.list_models() if m.tier == "v3"]
        assert [(canary_file.name, "", 64)] == [(m.file_name, m.arm, m.context_length)
                                                for m in v3]
    finally:
        d.stop()


def appliance(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "appliance", *args], capture_output=True,
                          text=True, timeout=120, check=False)


def test_models_promote_needs_a_tier_with_a_canary(daemon: Daemon) -> None:
    """On a daemon without a canary, promote/rollback exit 1 with one line; no tier: 2."""
    assert daemon.address is not None
    p = appliance("models", "rollback", "v3", "--target", daemon.address)
    assert (1, 1) == (p.returncode, len(p.stderr.splitlines()))
    assert "FAILED_PRECONDITION" in p.stderr
    assert 2 == appliance("models", "promote", "--target", daemon.address).returncode
