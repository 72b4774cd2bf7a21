"""The shipped unit file: type, readiness, and its hardening score."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

UNIT = Path(__file__).resolve().parents[2] / "systemd" / "llm-appliance.service"


def test_unit_is_notify_with_watchdog_and_dedicated_user() -> None:
    text = UNIT.read_text()
    for line in ("Type=notify", "WatchdogSec=30", "User=llm-appliance",
                 "StateDirectory=llm-appliance", "RuntimeDirectory=llm-appliance",
                 "RestartPreventExitStatus=2"):
        assert line in text.splitlines()


def test_unit_keeps_process_memory_off_swap_and_core_dumps() -> None:
    """Prompts, vaults and the prefix cache's saved cells are in the daemon's memory only."""
    lines = UNIT.read_text().splitlines()
    assert "MemorySwapMax=0" in lines
    assert "LimitCORE=0" in lines


@pytest.mark.skipif(shutil.which("systemd-analyze") is None,
                    reason="systemd-analyze is not installed on this machine")
def test_unit_exposure_score_is_at_most_1_5() -> None:
    """`systemd-analyze security --offline=true` rates the unit 1.5 or better."""
    out = subprocess.run(["systemd-analyze", "security", "--offline=true", str(UNIT)],
                         capture_output=True, text=True, timeout=60, check=False).stdout
    match = re.search(r"Overall exposure level for \S+: (\d+\.\d+)", out)
    assert match, out[-2000:]
    assert float(match.group(1)) <= 1.5


@pytest.mark.skipif(shutil.which("systemd-analyze") is None,
                    reason="systemd-analyze is not installed on this machine")
def test_gpu_drop_in_opens_only_nvidia_devices_and_scores_at_most_1_5(tmp_path: Path) -> None:
    """With systemd/gpu-nvidia.conf as a drop-in the unit still scores ≤ 1.5, and the
    drop-in allows device nodes by NVIDIA name only."""
    dropin = UNIT.parent / "gpu-nvidia.conf"
    allowed = [line.split("=", 1)[1] for line in dropin.read_text().splitlines()
               if line.startswith("DeviceAllow=")]
    assert allowed
    assert all(a.split()[0].startswith(("/dev/nvidia", "char-nvidia")) for a in allowed), allowed
    assert "DevicePolicy=closed" in dropin.read_text().splitlines()
    unit = tmp_path / UNIT.name
    unit.write_text(UNIT.read_text())
    (tmp_path / f"{UNIT.name}.d").mkdir()
    (tmp_path / f"{UNIT.name}.d" / "gpu-nvidia.conf").write_text(dropin.read_text())

    def score(path: Path) -> float:
        out = subprocess.run(["systemd-analyze", "security", "--offline=true", str(path)],
                             capture_output=True, text=True, timeout=60, check=False).stdout
        match = re.search(r"Overall exposure level for \S+: (\d+\.\d+)", out)
        assert match, out[-2000:]
        return float(match.group(1))

    with_gpu = score(unit)
    assert with_gpu <= 1.5
    # The drop-in was read (PrivateDevices=no costs exposure): the score is not the base one.
    assert with_gpu > score(UNIT)
