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
    with pytest.raises(Unavailable) as err:
        asyncio.run(stage.begin(info))
    assert "not durable within 0.2 s" in err.value.message


def _system_events(log_dir: Path) -> list[dict[str, object]]:
    events = []
    for path in sorted(log_dir.glob("*.seg")) or sorted(log_dir.iterdir()):
        if path.name.startswith("."):
            continue
        for f in fmt.scan(path.read_bytes()).frames:
            if f.ftype == fmt.SYSTEM:
                doc = fmt.parse_json_payload(f)
                if doc is not None:
                    events.append(doc)
    return events


def test_an_end_record_refused_while_suspended_is_written_late_when_the_log_returns(
        tmp_path: Path) -> None:
    """A request that began on the record and ended while the disk failed gets its end
    record once writing works again, marked late; the resumed event counts the late records
    and every refusal, those at the door included."""
    import errno

    log = new_log(tmp_path / "log")
    w = log.writer()
    stage = AuditLog(w, "masked")
    info = RequestInfo(request_id="began-then-disk-failed", method="GenerateStream",
                       client="app1")
    asyncio.run(stage.begin(info))
    real = w.os_write

    def broken(fd: int, data: memoryview) -> int:
        raise OSError(errno.EIO, "Input/output error")

    w.os_write = broken
    with pytest.raises(Unavailable):
        asyncio.run(stage.begin(RequestInfo(request_id="x", method="Generate", client="c")))
    assert w.suspended is not None
    with pytest.raises(Unavailable):
        asyncio.run(stage.end(info))  # refused: owed
    for _ in range(3):
        stage.count_refusal()  # requests the daemon refused at the door meanwhile
    w.os_write = real
    deadline = time.monotonic() + 10
    while w.suspended is not None and time.monotonic() < deadline:
        w.append(fmt.canonical({"type": "probe"}))
        time.sleep(0.05)
    assert w.suspended is None
    w.close()
    ends = [r for r in log.records() if r.get("type") == "end"]
    assert ["began-then-disk-failed"] == [r["request_id"] for r in ends]
    assert "unavailable" in str(ends[0]["late"])
    resumed = next(e for e in _system_events(log.dir) if e.get("event") == "resumed")
    assert 1 == resumed["late_records"]
    assert int(str(resumed["refused_requests"])) >= 5  # the begin, the end, 3 at the door


def test_verify_names_begins_without_an_end_and_what_explains_them(tmp_path: Path) -> None:
    """With the officer's key, verify reports every begin record that no end record closes:
    unexplained in a closed segment, "in_flight" in the open newest one."""
    log = new_log(tmp_path / "log")
    stage_w = log.writer()
    stage = AuditLog(stage_w, "masked")
    done = RequestInfo(request_id="done", method="Generate", client="c")
    asyncio.run(stage.begin(done))
    asyncio.run(stage.end(done))
    asyncio.run(stage.begin(RequestInfo(request_id="lost", method="Generate", client="c")))
    stage_w.close()
    w = log.writer()  # the next segment, still open
    w.append(fmt.canonical({"type": "begin", "request_id": "running"})).result(5)
    w.append(fmt.canonical({"type": "begin", "request_id": "pad"})).result(5)
    w.append(fmt.canonical({"type": "end", "request_id": "pad"})).result(5)
    w.append(fmt.canonical({"type": "end", "request_id": "pad2"})).result(5)  # anchors them
    report = log.verify()
    whys = {u["request_id"]: u["why"] for u in report.unended}
    assert {"lost": "", "running": "in_flight"} == whys
    assert ["lost"] == [u["request_id"] for u in report.unexplained]
    assert "2 requests began without an end record (1 unexplained)" in report.summary
    w.close()
