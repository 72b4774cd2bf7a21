"""appliance doctor through the CLI: what it finds on a broken and on a good installation."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

from appliance.engine.default_model import sha256_file
from tests.daemon import Daemon, officer_keys


def doctor(cfg: Path, *extra: str) -> tuple[int, dict[str, Any]]:
    proc = subprocess.run([sys.executable, "-m", "appliance", "doctor", "--config", str(cfg),
                           "--json", *extra], capture_output=True, text=True, timeout=120,
                          check=False)
    return proc.returncode, json.loads(proc.stdout)


def by_check(report: dict[str, Any]) -> dict[str, list[dict[str, str]]]:
    out: dict[str, list[dict[str, str]]] = {}
    for f in report["findings"]:
        out.setdefault(f["check"], []).append(f)
    return out


def test_broken_installation_names_each_problem_and_its_fix(tmp_path: Path,
                                                            model_path: Path) -> None:
    busy = socket.socket()
    busy.bind(("127.0.0.1", 0))
    busy.listen()
    port = busy.getsockname()[1]
    state = tmp_path / "state"
    (state / "keys").mkdir(parents=True)
    leaky = state / "keys" / "device-ed25519.pem"
    leaky.write_text("not really a key")
    leaky.chmod(0o644)
    cfg = tmp_path / "appliance.toml"
    cfg.write_text(f"""
state_dir = "{state}"
[server]
listen = "127.0.0.1:{port}"
[auth]
required = false
[models.v3]
path = "{tmp_path / 'missing.gguf'}"
[models.r1]
path = "{model_path}"
sha256 = "{'0' * 64}"
n_gpu_layers = -1
[audit]
officer_public_key = "{tmp_path / 'nowhere.pub'}"
[metrics]
listen = ""
""")
    try:
        code, report = doctor(cfg)
    finally:
        busy.close()
    assert code == 1
    found = by_check(report)
    fails = {f["check"] for f in report["findings"] if f["level"] == "FAIL"}
    assert fails == {"models.v3", "models.r1", "audit.officer_public_key", "state_dir", "gpu",
                     "server.listen"}, report
    assert "not found" in found["models.v3"][0]["message"]
    assert "pins " + "0" * 64 in found["models.r1"][0]["message"]
    assert "chmod 0600" in next(f["fix"] for f in found["state_dir"] if f["level"] == "FAIL")
    assert f"127.0.0.1:{port}" in found["server.listen"][0]["message"]
    assert all(f["fix"] for f in report["findings"] if f["level"] == "FAIL")


def test_good_installation_passes_and_recognises_the_running_daemon(
        tmp_path: Path, model_path: Path, daemon: Daemon) -> None:
    _private, public = officer_keys(tmp_path / "officer")
    digest = sha256_file(model_path)
    assert daemon.address is not None
    cfg = tmp_path / "appliance.toml"
    cfg.write_text(f"""
state_dir = "{tmp_path / 'state'}"
[server]
listen = "{daemon.address}"
[auth]
required = false
[models.v3]
path = "{model_path}"
sha256 = "{digest}"
[models.r1]
path = "{model_path}"
[audit]
officer_public_key = "{public}"
[metrics]
listen = "{daemon.metrics_url.removeprefix('http://').removesuffix('/metrics')}"
""")
    code, report = doctor(cfg)
    assert code == 0, report
    found = by_check(report)
    assert "matches its pinned SHA-256" in found["models.v3"][0]["message"]
    # r1 is the same file: hashed once, and unpinned is only a warning with the pin to add.
    assert found["models.r1"][0]["level"] in ("ok", "warn")
    assert "in use by a running appliance (SERVING)" in found["server.listen"][0]["message"]
    assert "in use by a running appliance (serving metrics)" in \
        found["metrics.listen"][0]["message"]


def test_config_that_does_not_load_exits_2(tmp_path: Path) -> None:
    cfg = tmp_path / "bad.toml"
    cfg.write_text("[server]\nlisten = 5\n")
    code, report = doctor(cfg)
    assert code == 2
    assert report["findings"][0]["level"] == "FAIL"
    assert "server.listen" in report["findings"][0]["check"]
