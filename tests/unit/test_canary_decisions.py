"""Promotions and rollbacks of canaries outlive a restart (appliance/engine/canary_decisions.py):
a rolled-back canary is not loaded again, a promoted one loads as the primary, and a config
that names another canary file makes the decision stale."""

from __future__ import annotations

import json
import os
from pathlib import Path

from appliance.config import CanaryConfig, ModelConfig
from appliance.engine import canary_decisions as cd


def _models(tmp_path: Path, canary: Path) -> dict[str, ModelConfig]:
    primary = tmp_path / "primary.gguf"
    primary.write_bytes(b"p" * 10)
    return {"v3": ModelConfig(tier="v3", path=primary, canary=CanaryConfig(path=canary,
                                                                          weight=0.5)),
            "r1": ModelConfig(tier="r1", path=primary)}


def test_a_rolled_back_canary_is_not_loaded_again(tmp_path: Path) -> None:
    canary = tmp_path / "canary.gguf"
    canary.write_bytes(b"c" * 20)
    models = _models(tmp_path, canary)
    assert models == cd.apply(tmp_path / "state", models)  # nothing decided yet
    cd.record(tmp_path / "state", "v3", cd.ROLLED_BACK, models["v3"], "appliance")
    applied = cd.apply(tmp_path / "state", models)
    assert applied["v3"].canary is None
    assert applied["v3"].path == models["v3"].path
    assert applied["r1"] == models["r1"]
    assert 0o600 == (tmp_path / "state" / cd.FILE_NAME).stat().st_mode & 0o777


def test_a_promoted_canary_loads_as_the_primary(tmp_path: Path) -> None:
    canary = tmp_path / "canary.gguf"
    canary.write_bytes(b"c" * 20)
    models = _models(tmp_path, canary)
    cd.record(tmp_path / "state", "v3", cd.PROMOTED, models["v3"], "admin-1")
    applied = cd.apply(tmp_path / "state", models)
    assert (canary, None) == (applied["v3"].path, applied["v3"].canary)
    entry = json.loads((tmp_path / "state" / cd.FILE_NAME).read_text())["tiers"]["v3"]
    assert ("promoted", "admin-1") == (entry["decision"], entry["by"])


def test_another_canary_file_makes_the_decision_stale(tmp_path: Path) -> None:
    canary = tmp_path / "canary.gguf"
    canary.write_bytes(b"c" * 20)
    models = _models(tmp_path, canary)
    cd.record(tmp_path / "state", "v3", cd.ROLLED_BACK, models["v3"], "appliance")
    canary.write_bytes(b"d" * 21)  # a new build at the same path
    os.utime(canary, ns=(1, 1))
    assert models == cd.apply(tmp_path / "state", models)
    other = tmp_path / "other.gguf"
    other.write_bytes(b"c" * 20)
    assert _models(tmp_path, other) == cd.apply(tmp_path / "state", _models(tmp_path, other))


def test_an_unreadable_file_serves_the_config(tmp_path: Path) -> None:
    canary = tmp_path / "canary.gguf"
    canary.write_bytes(b"c" * 20)
    models = _models(tmp_path, canary)
    (tmp_path / "state").mkdir()
    (tmp_path / "state" / cd.FILE_NAME).write_text("{not json")
    assert models == cd.apply(tmp_path / "state", models)
    cd.record(tmp_path / "state", "v3", cd.ROLLED_BACK, models["v3"], "appliance")  # rewritten
    assert cd.apply(tmp_path / "state", models)["v3"].canary is None
