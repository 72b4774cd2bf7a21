"""``appliance audit export --follow`` against the live session daemon: records written while
it follows arrive exactly once, across a SIGKILL of the exporter and a graceful restart."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from appliance.client import NO_RETRY, Client
from tests.daemon import Daemon


def _exporter(daemon: Daemon, out: Path, fmt: str) -> subprocess.Popen[str]:
    log = Path(f"{out}.stderr").open("a", encoding="utf-8")  # noqa: SIM115 - the child holds it
    with log:
        return subprocess.Popen(
        [sys.executable, "-m", "appliance", "audit", "export",
         "--dir", str(daemon.workdir / "state" / "audit"),
         "--key", str(daemon.workdir / "officer" / "officer.key"), "--format", fmt,
         "--out", str(out), "--follow", "--interval", "0.3"],
            stdout=subprocess.DEVNULL, stderr=log, text=True)


def _ids(out: Path, fmt: str) -> list[str]:
    if not out.exists():
        return []
    lines = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines() if x]
    if fmt == "ocsf":
        return [e["api"]["request"]["uid"] for e in lines]
    return [r["request_id"] for r in lines]


def _ask(daemon: Daemon, n: int) -> list[str]:
    assert daemon.address is not None
    with Client(daemon.address, timeout=60, retry=NO_RETRY) as c:
        return [c.generate("Hello", max_tokens=1, temperature=0.0).request_id
                for _ in range(n)]


def _until_all(out: Path, fmt: str, ids: list[str], timeout: float = 60) -> None:
    """Until every request has all its rows: one OCSF event, or a begin and an end row."""
    need = 1 if fmt == "ocsf" else 2
    deadline = time.monotonic() + timeout
    while True:
        counts = Counter(_ids(out, fmt))
        missing = [rid for rid in ids if counts[rid] < need]
        if not missing:
            return
        assert time.monotonic() < deadline, f"{missing} never arrived in full"
        time.sleep(0.2)


@pytest.mark.parametrize("fmt", ["jsonl", "ocsf"])
def test_follow_writes_each_record_once_across_restarts(daemon: Daemon, tmp_path: Path,
                                                         fmt: str) -> None:
    out = tmp_path / f"follow.{fmt}"
    exporter = _exporter(daemon, out, fmt)
    try:
        first = _ask(daemon, 4)
        _until_all(out, fmt, first)
        exporter.kill()  # a crash: whatever it wrote after its last cursor save is cut back
        exporter.wait(30)
        second = _ask(daemon, 4)  # written while no exporter runs
        exporter = _exporter(daemon, out, fmt)
        third = _ask(daemon, 3)
        _until_all(out, fmt, second + third)
        exporter.send_signal(signal.SIGTERM)  # graceful: saves the cursor, exit 0
        assert 0 == exporter.wait(30), Path(f"{out}.stderr").read_text()
        fourth = _ask(daemon, 2)
        exporter = _exporter(daemon, out, fmt)
        _until_all(out, fmt, fourth)
    finally:
        exporter.send_signal(signal.SIGTERM)
        exporter.wait(30)
    counts = Counter(_ids(out, fmt))
    per_request = 1 if fmt == "ocsf" else 2  # one event, or a begin and an end row
    mine = first + second + third + fourth
    assert dict.fromkeys(mine, per_request) == {rid: counts[rid] for rid in mine}
    assert all(n <= per_request for n in counts.values()), "a record was written twice"
    cursor = json.loads(Path(f"{out}.cursor.json").read_text())
    assert cursor["out_bytes"] == out.stat().st_size

    # What a crash between a write and the cursor save leaves: rows past the saved size.
    # A restarted exporter cuts them off before it writes anything.
    with out.open("a", encoding="utf-8") as fh:
        fh.write('{"request_id": "written-after-the-last-cursor-save"')
    exporter = _exporter(daemon, out, fmt)
    deadline = time.monotonic() + 30
    while b"written-after" in out.read_bytes():
        assert time.monotonic() < deadline, "the partial row was not cut off"
        time.sleep(0.1)
    exporter.send_signal(signal.SIGTERM)
    assert 0 == exporter.wait(30)
    after = Counter(_ids(out, fmt))
    assert all(n <= per_request for n in after.values()), "a record was written twice"
    assert dict.fromkeys(mine, per_request) == {rid: after[rid] for rid in mine}
