"""One daemon per state and audit directory: a second one on the same directories (a rolling
restart on a shared volume) fails at start, before recovery touches the live log."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from appliance import config as cfgmod
from appliance.audit.stage import open_audit
from appliance.errors import ConfigError
from tests.daemon import Daemon


def test_second_daemon_on_the_same_directories_fails_at_start(daemon: Daemon) -> None:
    config = daemon.workdir / "appliance.toml"
    segments = sorted((daemon.workdir / "state" / "audit").glob("seg-*"))
    second = subprocess.run(
        [sys.executable, "-m", "appliance", "serve", "--config", str(config),
         "--listen", "127.0.0.1:0", "--metrics-listen", ""],
        capture_output=True, text=True, timeout=120, check=False, cwd=daemon.workdir)
    assert 2 == second.returncode, second.stderr
    lines = [line for line in second.stderr.splitlines() if "in use by another" in line]
    assert 1 == len(lines), second.stderr
    assert f"(PID {daemon.proc.pid})" in lines[0]
    # The live log was not touched: no recovery, no new segment.
    assert segments == sorted((daemon.workdir / "state" / "audit").glob("seg-*"))
    assert daemon.proc.poll() is None


def test_the_lock_goes_with_its_holder(tmp_path: Path) -> None:
    cfg = replace(cfgmod.embedded_default(), state_dir=tmp_path)
    first = open_audit(cfg)
    with pytest.raises(ConfigError) as info:
        open_audit(cfg)
    assert f"(PID {os.getpid()})" in str(info.value)
    first.close()
    open_audit(cfg).close()  # released on close (and by the kernel when a holder dies)
