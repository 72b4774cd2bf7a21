"""journalctl REQUEST_ID=... finds one request: a real systemd-journald in a private mount
namespace, the daemon's stdout connected to it the way systemd connects a unit's, and the
daemon's auto-detection upgrading to native journal entries with structured fields."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.daemon import write_config
from tests.journald_child import JOURNALD

ROOT = Path(__file__).resolve().parents[2]


def _can_run_journald() -> str | None:
    if not Path(JOURNALD).exists() or shutil.which("journalctl") is None:
        return "systemd-journald/journalctl not installed"
    if os.geteuid() != 0 or shutil.which("unshare") is None:
        return "needs root and unshare for a private mount namespace"
    probe = subprocess.run(["unshare", "-m", "--propagation", "private", "true"],
                           capture_output=True, check=False)
    if probe.returncode != 0:
        return f"unshare -m refused: {probe.stderr.decode()[:200]}"
    return None


@pytest.mark.skipif(_can_run_journald() is not None, reason=str(_can_run_journald()))
def test_journalctl_finds_one_request_by_request_id(tmp_path: Path, model_path: Path) -> None:
    cfg = write_config(tmp_path / "appliance.toml", model_path)
    cfg.write_text(cfg.read_text().replace('format = "json"', 'format = "auto"'))
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.run(
        ["unshare", "-m", "--propagation", "private", sys.executable, "-m",
         "tests.journald_child", str(cfg), str(port)],
        capture_output=True, text=True, timeout=300, cwd=ROOT, check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    rid, entries = out["request_id"], out["entries"]
    assert entries, "journalctl REQUEST_ID=... found nothing"
    assert {e["REQUEST_ID"] for e in entries} == {rid}
    # Native entries (not stdout lines): the daemon detected the journal stream.
    assert {e["_TRANSPORT"] for e in entries} == {"journal"}
    rpc = [e for e in entries if e.get("APPLIANCE_EVENT") == "rpc"]
    assert len(rpc) == 1
    e = rpc[0]
    assert (e["TIER"], e["ROUTE"], e["STATUS"], e["METHOD"]) == ("v3", "local", "OK",
                                                                 "Generate")
    assert e["CLIENT"] and e["SYSLOG_IDENTIFIER"] == "llm-appliance" and e["PRIORITY"] == "6"
    assert json.loads(e["MESSAGE"])["request_id"] == rid
    # Other entries (start-up, ready...) are there too, without a request id.
    assert out["appliance_entries"] > len(entries)
