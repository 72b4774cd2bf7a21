"""Audit writer behaviour: rotation, batch durability, key files, record content."""

from __future__ import annotations

import asyncio
import stat
import subprocess
import sys
import time
from concurrent.futures import Future
from pathlib import Path

import pytest

from appliance.audit import format as fmt
from appliance.audit.keys import load_officer_private, load_signer
from appliance.audit.stage import AuditLog, begin_record, end_record
from appliance.errors import ConfigError, Unavailable
from appliance.request import RequestInfo
from tests.audit_helpers import new_log


def test_rotation_by_size_keeps_the_chain(tmp_path: Path) -> None:
    log = new_log(tmp_path / "log", segment_max_bytes=4096)
    sent = log.write_session(60)
    report = log.verify(anchors=True)
    assert report.ok, report.as_dict()
    assert len(report.segments) >= 3
    assert all(s.closed for s in report.segments)
    assert [r["n"] for r in log.records()] == list(range(60))
    assert len(sent) == 60


def test_batch_durability_syncs_within_the_interval(tmp_path: Path) -> None:
    log = new_log(tmp_path / "log", durability="batch", batch_interval=0.05)
    w = log.writer()
    syncs = []
    real = w.os_fdatasync

    def counting(fd: int) -> None:
        syncs.append(time.monotonic())
        real(fd)

    w.os_fdatasync = counting
    for i in range(3):
        w.append(fmt.canonical({"n": i})).result(5)  # acknowledged once written
    acked = time.monotonic()
    deadline = acked + 5
    while not any(t >= acked - 0.01 for t in syncs) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert syncs, "batch mode never synced"
    assert syncs[-1] - acked < 1.0
    w.close()
    assert log.verify().ok


def test_signer_seed_is_replaced_after_each_checkpoint(tmp_path: Path) -> None:
    log = new_log(tmp_path / "log")
    w = log.writer()
    first = load_signer(log.settings.signer_path)
    for i in range(10):
        w.append(fmt.canonical({"n": i})).result(5)
    later = load_signer(log.settings.signer_path)
    w.close()
    assert first is not None
    assert later is not None
    assert later.index > first.index
    assert later.seed != first.seed
    assert 0o600 == stat.S_IMODE(log.settings.signer_path.stat().st_mode)


def test_records_hold_masked_text_or_none(tmp_path: Path) -> None:
    info = RequestInfo(request_id="r1", method="Generate", client="ipv4:127.0.0.1:5")
    info.masked_prompt = ("Mail <EMAIL_ADDRESS_1>",)
    info.masked_answer = "Sent to <EMAIL_ADDRESS_1>."
    info.pii_counts = {"EMAIL_ADDRESS": 1}
    b, e = begin_record(info, "masked"), end_record(info, "masked")
    assert ["Mail <EMAIL_ADDRESS_1>"] == b["prompt"]
    assert "Sent to <EMAIL_ADDRESS_1>." == e["answer"]
    assert {"EMAIL_ADDRESS": 1} == e["pii"]
    assert "prompt" not in begin_record(info, "none")
    assert "answer" not in end_record(info, "none")


def test_keygen_cli_with_passphrase(tmp_path: Path) -> None:
    (tmp_path / "pass").write_text("correct horse\n")
    out = tmp_path / "keys"
    p = subprocess.run([sys.executable, "-m", "appliance", "audit", "keygen", "--out", str(out),
                        "--passphrase-file", str(tmp_path / "pass")],
                       capture_output=True, text=True, timeout=60, check=False)
    assert 0 == p.returncode, p.stderr
    assert 0o600 == stat.S_IMODE((out / "officer.key").stat().st_mode)
    assert load_officer_private(out / "officer.key", b"correct horse")
    with pytest.raises(ConfigError, match="passphrase"):
        load_officer_private(out / "officer.key")
    with pytest.raises(ConfigError):
        load_officer_private(out / "officer.key", b"wrong")
    again = subprocess.run([sys.executable, "-m", "appliance", "audit", "keygen", "--out",
                            str(out)], capture_output=True, text=True, timeout=60, check=False)
    assert 2 == again.returncode
    assert "refusing to overwrite" in again.stderr


def test_a_caller_that_gives_up_neither_loses_its_record_nor_suspends_the_log(
        tmp_path: Path) -> None:
    """A request whose client goes away cancels its wait for the record (asyncio cancels the
    wrapped future); the writer still writes the record and keeps serving. It used to fail
    the whole batch with InvalidStateError and suspend the audit log for everyone."""
    log = new_log(tmp_path / "log", checkpoint_records=1000)
    w = log.writer()
    futures = [w.append(fmt.canonical({"type": "begin", "request_id": f"r{i}"}))
               for i in range(200)]
    cancelled = sum(f.cancel() for f in futures)
    w.append(fmt.canonical({"type": "begin", "request_id": "after"})).result(10)
    assert w.suspended is None
    w.close()
    assert cancelled > 0  # some were still queued when their callers gave up
    ids = [r["request_id"] for r in log.records()]
    assert [f"r{i}" for i in range(200)] + ["after"] == ids


class StuckWriter:
    """A fake writer whose disk never answers (a hung fdatasync)."""

    def append(self, record: bytes) -> Future[None]:
        return Future()


def test_a_record_not_durable_in_time_fails_its_request_closed() -> None:
    """An audit append that does not finish within append_timeout_seconds fails the request
    with UNAVAILABLE instead of holding it for its whole deadline."""
    stage = AuditLog(StuckWriter(), "masked", append_timeout=0.2)  # type: ignore[arg-type]
    info = RequestInfo(request_id="r", method="Generate", client="c")
    started = time.monotonic()
    with pytest.raises(Unavailable) as err:
        asyncio.run(stage.begin(info))
    assert time.monotonic() - started < 5
    assert "not durable within 0.2 s" in err.value.message
