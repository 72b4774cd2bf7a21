"""Crash and disk-full behaviour of the audit writer, with real processes and real files."""

from __future__ import annotations

import errno
import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

from appliance.audit import format as fmt
from appliance.audit.keys import generate_officer_key, load_officer_private
from appliance.audit.writer import AuditUnavailable
from tests.audit_helpers import full_count, new_log

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_kill_9_at_random_points_loses_no_acknowledged_record(tmp_path: Path) -> None:
    """SIGKILL a writer process at random moments (during recovery, open, appends and
    checkpoints), 100 times (200 with make test-full). Every record whose append was
    acknowledged is in the log afterwards, and the whole log verifies, with each crash
    noted as a recovery."""
    runs = full_count(100, 200)
    device = Ed25519PrivateKey.generate()
    (tmp_path / "device.pem").write_bytes(
        device.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()))
    private, _public, _fp = generate_officer_key(tmp_path)
    rng = random.Random(20261123)
    acked: list[str] = []
    opened = 0  # runs killed after their open finished: each leaves a crash to recover
    for run in range(runs):
        proc = subprocess.Popen(
            [sys.executable, "-m", "tests.audit_crash_child", str(tmp_path), str(run)],
            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        lines: list[str] = []
        reader = threading.Thread(target=lambda p=proc, out=lines: out.extend(p.stdout))
        reader.start()
        time.sleep(rng.uniform(0.0, 0.8))  # child start-up is ~0.3 s: some die in recovery
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)
        reader.join(30)
        if proc.stdout is not None:
            proc.stdout.close()
        acked += [line.split()[1] for line in lines if line.startswith("ACK ")]
        opened += "READY\n" in lines
    # most runs got far enough to acknowledge something
    assert len(acked) > runs, (len(acked), runs, opened)

    log = new_log(tmp_path, device=device, officer=load_officer_private(private))
    log.write_session(1, tag="final-")  # one last start recovers the last crash
    got: list[dict[str, object]] = []
    from appliance.audit.verify import verify_dir

    report = verify_dir(log.dir, log.officer, log.anchors, got.append)
    assert report.ok, [s for s in report.segments if s.status != "VALID"]
    present = {str(r["request_id"]) for r in got}
    missing = [a for a in acked if a not in present]
    assert [] == missing
    recoveries = sum(1 for s in report.segments for e in s.events if "crash recovery" in e)
    # Each of those crashes is recovered by the next open that completes (a later run's or
    # the final session's), and those opens are distinct: one noted recovery each. (Not a
    # share of all runs: how many die before their open ends depends on machine speed.)
    assert recoveries >= opened > runs // 4, (recoveries, opened)


def test_disk_full_fails_closed_and_resumes(tmp_path: Path) -> None:
    """ENOSPC on write: the append in flight fails (never acknowledged), later appends fail
    at once, nothing torn stays on disk; once space returns, appends work again and the log
    verifies with the suspension recorded."""
    states: list[tuple[bool, str]] = []
    log = new_log(tmp_path / "log")
    from dataclasses import replace

    from appliance.audit.writer import AuditWriter

    w = AuditWriter(replace(log.settings), on_state=lambda ok, why: states.append((ok, why)))
    w.open()
    for i in range(5):
        w.append(fmt.canonical({"request_id": f"before-{i}"})).result(5)

    def full(fd: int, data: memoryview) -> int:
        os.write(fd, bytes(data[: len(data) // 2]))  # a partial write, then the disk is full
        raise OSError(errno.ENOSPC, "No space left on device")

    real_write = w.os_write
    w.os_write = full
    with pytest.raises(AuditUnavailable):
        w.append(fmt.canonical({"request_id": "lost"})).result(5)
    assert [(False, "disk_full")] == states
    with pytest.raises(AuditUnavailable):
        w.append(fmt.canonical({"request_id": "refused"})).result(5)
    size = log.segment(1).stat().st_size
    assert "ok" == fmt.scan(log.segment(1).read_bytes()).state  # the torn part was cut off

    w.os_write = real_write
    deadline = time.monotonic() + 10
    while w.suspended is not None and time.monotonic() < deadline:
        time.sleep(0.05)
        w.append(b'{"probe":1}')  # wakes the writer; refused while suspended
    assert w.suspended is None
    assert (True, "") == states[-1]
    w.append(fmt.canonical({"request_id": "after"})).result(5)
    w.close()
    assert log.segment(1).stat().st_size > size  # closed at its last durable point
    report = log.verify(anchors=True)
    assert report.ok, report.as_dict()
    ids = [r.get("request_id") for r in log.records()]
    assert [f"before-{i}" for i in range(5)] == ids[:5]
    assert "after" in ids
    assert "lost" not in ids
    assert "refused" not in ids
    assert any(e.startswith("resumed") for e in report.segments[1].events)


def test_low_free_space_refuses_before_the_disk_is_full(tmp_path: Path) -> None:
    """Below free_refuse_bytes the writer records SUSPENDED (while it still can) and
    refuses appends; above it again, it records RESUMED in the same segment."""
    log = new_log(tmp_path / "log")
    from appliance.audit.writer import AuditWriter

    w = AuditWriter(log.settings)
    w.open()
    w.append(b'{"n":1}').result(5)
    free = {"bytes": 10}
    w._free = lambda: free["bytes"]  # type: ignore[method-assign]
    w.s = type(w.s)(**{**w.s.__dict__, "free_refuse_bytes": 1000, "free_warn_bytes": 2000})
    with pytest.raises(AuditUnavailable):
        w.append(b'{"n":2}').result(5)
    assert "disk_space" == w.suspended
    free["bytes"] = 10_000
    deadline = time.monotonic() + 10
    while w.suspended is not None and time.monotonic() < deadline:
        time.sleep(0.05)
        w.append(b'{"probe":1}')
    assert w.suspended is None
    w.append(b'{"n":3}').result(5)
    w.close()
    report = log.verify()
    assert report.ok
    events = report.segments[0].events
    assert any(e.startswith("suspended") for e in events)
    assert any(e.startswith("resumed") for e in events)


@pytest.mark.parametrize("leftover", [b"", b"AL", b"\0" * 4096], ids=["empty", "torn", "zeros"])
def test_segment_torn_before_its_header_is_discarded_and_reused(tmp_path: Path,
                                                                 leftover: bytes) -> None:
    """A crash between creating a segment and syncing its header leaves an empty or cut-short
    file. The next start removes it and uses its number again; the log verifies whole, with
    the discard noted, and later segments are not flagged."""
    log = new_log(tmp_path)
    log.write_session(3, tag="a")
    log.segment(2).write_bytes(leftover)
    log.write_session(3, tag="b")
    log.write_session(1, tag="c")
    report = log.verify()
    assert report.ok, [s for s in report.segments if s.status != "VALID"]
    assert [1, 2, 3] == [s.segment for s in report.segments]
    assert {"a0", "a1", "a2", "b0", "b1", "b2", "c0"} == {
        str(r["request_id"]) for r in log.records()}


def test_headerless_garbage_segment_is_left_for_the_officer(tmp_path: Path) -> None:
    """A newest segment without a header that is not a torn write (garbage) is not removed:
    the writer starts a new segment and verify reports the bad one."""
    log = new_log(tmp_path)
    log.write_session(2, tag="a")
    log.segment(2).write_bytes(b"this is not an audit segment")
    log.write_session(1, tag="b")
    assert log.segment(2).read_bytes() == b"this is not an audit segment"
    report = log.verify()
    assert not report.ok
    assert ["TAMPERED"] == [s.status for s in report.segments if s.segment == 2]
