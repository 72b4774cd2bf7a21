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


@pytest.mark.skipif(shutil.which("systemd-analyze") is None,
                    reason="systemd-analyze is not installed on this machine")
def test_unit_exposure_score_is_at_most_1_5() -> None:
    """`systemd-analyze security --offline=true` rates the unit 1.5 or better."""
    out = subprocess.run(["systemd-analyze", "security", "--offline=true", str(UNIT)],
                         capture_output=True, text=True, timeout=60, check=False).stdout
    match = re.search(r"Overall exposure level for \S+: (\d+\.\d+)", out)
    assert match, out[-2000:]
    assert float(match.group(1)) <= 1.5
