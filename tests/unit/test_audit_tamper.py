"""The audit log against an attacker who can edit the files: each attack and its verdict.

Every test builds a real log with the real writer (real HPKE, AES-GCM, Ed25519, fdatasync),
attacks the bytes on disk, and runs the officer's verifier.
"""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from appliance.audit import format as fmt
from appliance.audit.keys import load_signer
from tests.audit_helpers import Log, frames, full_count, new_log, raw_frame, reframe


@pytest.fixture
def log3(tmp_path: Path) -> Log:
    """Three closed segments of 10 records each (checkpoints every 4 frames)."""
    log = new_log(tmp_path / "log")
    for s in range(3):
        log.write_session(10, tag=f"s{s}-")
    return log


def statuses(report) -> dict[int, str]:
    return {s.segment: s.status for s in report.segments}


def test_untouched_log_verifies_and_decrypts(log3: Log) -> None:
    report = log3.verify(anchors=True)
    assert report.ok, report.as_dict()
    assert {1: "VALID", 2: "VALID", 3: "VALID"} == statuses(report)
    assert report.anchors_checked > 0
    recs = log3.records()
    assert [f"s{s}-{i}" for s in range(3) for i in range(10)] == [r["request_id"] for r in recs]
    # Without the key: chain and signatures only, same verdict.
    assert log3.verify(key=False, anchors=True).ok


def test_bit_flips_anywhere_in_a_segment_are_all_detected(log3: Log) -> None:
    """One bit flipped at every byte of the middle segment (bit index rotating): none of
    the flips verifies as valid."""
    path = log3.segment(2)
    original = path.read_bytes()
    undetected = []
    for i in range(len(original)):
        data = bytearray(original)
        data[i] ^= 1 << (i % 8)
        path.write_bytes(bytes(data))
        if log3.verify(key=False).ok:
            undetected.append(i)
    path.write_bytes(original)
    assert [] == undetected
    assert len(original) > 1000  # the sweep covered a real segment


@pytest.mark.slow
def test_every_bit_of_a_segment_flipped(log3: Log) -> None:
    """All 8 bits of each byte, verified with the officer's key: the first 256 bytes (header
    and first frames) in CI, the whole segment with make test-full."""
    path = log3.segment(3)
    original = path.read_bytes()
    undetected = []
    for i in range(min(len(original), full_count(256, 1 << 30))):
        for bit in range(8):
            data = bytearray(original)
            data[i] ^= 1 << bit
            path.write_bytes(bytes(data))
            if log3.verify().ok:
                undetected.append((i, bit))
    path.write_bytes(original)
    assert [] == undetected


def test_truncation_at_a_record_boundary(log3: Log) -> None:
    path = log3.segment(3)
    fs = frames(path)
    record = next(f for f in fs[5:] if f.ftype == fmt.RECORD)
    with path.open("r+b") as fh:
        fh.truncate(record.end)
    # Without the anchors, the cut log no longer ends in a signed final checkpoint.
    report = log3.verify()
    assert not report.ok
    assert statuses(report)[3] in ("UNANCHORED_TAIL", "ROLLBACK")
    # With them, the anchored checkpoints that are gone prove the rollback.
    assert "ROLLBACK" == statuses(log3.verify(anchors=True))[3]


def test_truncation_exactly_after_a_checkpoint_needs_the_anchors(log3: Log) -> None:
    """Cut right after a non-final checkpoint: the log looks like a live one ending there;
    only the external anchors show that later checkpoints existed."""
    path = log3.segment(3)
    cp = [f for f in frames(path) if f.ftype == fmt.CHECKPOINT][1]
    with path.open("r+b") as fh:
        fh.truncate(cp.end)
    assert "ROLLBACK" == statuses(log3.verify(anchors=True))[3]


def test_truncation_mid_record(log3: Log) -> None:
    last = log3.segment(3)
    fs = frames(last)
    with last.open("r+b") as fh:
        fh.truncate(fs[6].offset + 9)
    assert "TORN_TAIL" == statuses(log3.verify())[3]
    middle = log3.segment(2)
    fs = frames(middle)
    with middle.open("r+b") as fh:
        fh.truncate(fs[6].offset + 9)
    assert "TAMPERED" == statuses(log3.verify())[2]


def test_middle_segment_deleted(log3: Log) -> None:
    log3.segment(2).unlink()
    report = log3.verify()
    assert {1: "VALID", 2: "MISSING", 3: "VALID"} == statuses(report)
    assert not report.ok


def test_newest_segment_deleted_is_caught_by_the_anchors(log3: Log) -> None:
    log3.segment(3).unlink()
    assert log3.verify().ok  # two whole segments are all the directory shows ...
    report = log3.verify(anchors=True)  # ... but the anchors remember a third
    assert "MISSING" == statuses(report)[3]


@pytest.mark.parametrize("attack", ["swap", "duplicate", "drop"])
def test_records_reordered_duplicated_or_removed(log3: Log, attack: str) -> None:
    path = log3.segment(2)
    data = path.read_bytes()
    fs = frames(path)
    i = next(i for i in range(1, len(fs) - 1)
             if fs[i].ftype == fs[i + 1].ftype == fmt.RECORD)
    a, b = fs[i], fs[i + 1]
    if attack == "swap":
        data = data[:a.offset] + raw_frame(data, b) + raw_frame(data, a) + data[b.end:]
    elif attack == "duplicate":
        data = data[:b.offset] + raw_frame(data, a) + data[b.offset:]
    else:
        data = data[:a.offset] + data[a.end:]
    path.write_bytes(data)
    report = log3.verify(key=False)
    assert "TAMPERED" == statuses(report)[2]
    assert report.segments[1].seq in (i, i + 1)


def test_old_segment_replayed(log3: Log) -> None:
    """Segment 1 copied over segment 3."""
    shutil.copy(log3.segment(1), log3.segment(3))
    assert "ROLLBACK" == statuses(log3.verify())[3]


def test_older_copy_of_a_segment_restored(tmp_path: Path) -> None:
    """A backup of the open segment, taken mid-way, restored over the finished one."""
    log = new_log(tmp_path / "log")
    w = log.writer()
    for i in range(6):
        w.append(fmt.canonical({"n": i})).result(5)
    backup = log.segment(1).read_bytes()
    for i in range(6, 12):
        w.append(fmt.canonical({"n": i})).result(5)
    w.close()
    log.write_session(3)
    log.segment(1).write_bytes(backup)
    report = log.verify(anchors=True)
    assert statuses(report)[1] in ("ROLLBACK", "TAMPERED")
    assert not report.ok


def test_segment_spliced_from_another_appliance(log3: Log, tmp_path: Path) -> None:
    other = new_log(tmp_path / "other", officer=log3.officer)
    for _ in range(2):
        other.write_session(10)
    shutil.copy(other.segment(2), log3.segment(2))
    assert "KEY_MISMATCH" == statuses(log3.verify())[2]


def test_header_field_edited(log3: Log) -> None:
    """A header field changed and the CRC recomputed: the signatures break."""
    path = log3.segment(2)
    data = path.read_bytes()
    header = frames(path)[0]
    body = header.body.replace(b'"segment":2', b'"segment":7')
    assert body != header.body
    path.write_bytes(reframe(data, header, body))
    assert "TAMPERED" == statuses(log3.verify(key=False))[2]


def test_record_replaced_with_crc_fixed(log3: Log) -> None:
    path = log3.segment(2)
    data = path.read_bytes()
    rec = frames(path)[2]
    body = bytearray(rec.body)
    body[20] ^= 0xFF
    path.write_bytes(reframe(data, rec, bytes(body)))
    report = log3.verify(key=False)
    assert "TAMPERED" == statuses(report)[2]


def test_wrong_officer_key(log3: Log) -> None:
    log3.officer = X25519PrivateKey.generate()
    report = log3.verify()
    assert {"KEY_MISMATCH"} == set(statuses(report).values())


def test_resealing_with_the_current_device_key(log3: Log, tmp_path: Path) -> None:
    """An attacker with every key the daemon holds now (device key and the current one-time
    signing seed) rewrites history: a forged segment 1, and a forged segment 3. Both show."""
    forger = log3.copy(tmp_path / "forger")
    shutil.rmtree(forger.dir)
    forger.dir.mkdir()
    fake = forger.write_session(10, tag="forged-")
    assert fake
    original_3 = log3.segment(3).read_bytes()
    shutil.copy(forger.segment(1), log3.segment(1))
    report = log3.verify()
    assert not report.ok
    assert "TAMPERED" == statuses(report)[2]  # segment 2 no longer continues segment 1
    # Forging the newest segment instead: its first signature is not by the key the
    # previous segment's final checkpoint certified.
    log3.segment(1).write_bytes(log3.copy(tmp_path / "x").segment(1).read_bytes())
    shutil.copy(forger.segment(1), log3.segment(3))
    report = log3.verify()
    assert "TAMPERED" == statuses(report)[3] or "ROLLBACK" == statuses(report)[3]
    log3.segment(3).write_bytes(original_3)


def test_persisted_state_cannot_decrypt_closed_records(log3: Log, tmp_path: Path) -> None:
    """Everything the daemon keeps on disk (device key, signer seed, the log itself) and
    everything the writer holds in memory after writing: no closed record opens with it."""
    state_files = [p for p in log3.root.rglob("*") if p.is_file()]
    signer = load_signer(log3.settings.signer_path)
    assert signer is not None
    secrets = [signer.seed] + [p.read_bytes() for p in state_files]
    target = next(f for f in frames(log3.segment(2)) if f.ftype == fmt.RECORD)
    head = fmt.chain_start(frames(log3.segment(2))[0].body)
    for f in frames(log3.segment(2))[1:]:
        if f is target or f.offset == target.offset:
            break
        head = fmt.chain_next(head, f.ftype, f.body)
    aad = fmt.record_aad(fmt.fingerprint(log3.settings.device.public_key()), 2, target.seq, head)
    for secret in secrets:
        for candidate in (secret[:32], fmt.first_chain(secret[:32].ljust(32, b"\0"))):
            key = candidate.ljust(32, b"\0")
            assert fmt.decrypt_record(key, target.payload, aad) is None
    # The officer's private key is nowhere in the daemon's files.
    officer_raw = log3.officer.private_bytes_raw()
    assert all(officer_raw not in p.read_bytes() for p in state_files)
    # A live writer's newest chain key opens neither earlier records nor, ratcheted, them.
    w = log3.writer()
    w.append(b'{"n":1}').result(5)
    chain = w._chain
    w.close()
    last = log3.segment(4)
    recs = [f for f in frames(last) if f.ftype == fmt.RECORD]
    head = fmt.chain_start(frames(last)[0].body)
    for f in frames(last)[1:]:
        if f.offset == recs[0].offset:
            break
        head = fmt.chain_next(head, f.ftype, f.body)
    aad = fmt.record_aad(fmt.fingerprint(log3.settings.device.public_key()), 4, recs[0].seq,
                         head)
    for _ in range(4):
        assert fmt.decrypt_record(chain, recs[0].payload, aad) is None
        chain = fmt.next_chain(chain)
    assert log3.verify().ok  # and the officer can


def test_retention_leaves_signed_tombstones(tmp_path: Path) -> None:
    """Segments past retention are deleted whole, and a signed tombstone says so: verify
    reports DELETED_BY_RETENTION (and still VALID overall), while a segment deleted by hand
    is MISSING."""
    log = new_log(tmp_path / "log")
    for s in range(3):
        log.write_session(5, tag=f"s{s}-")
    # Retention runs when a writer opens and at rotation: a writer whose clock reads 91 days
    # later finds every closed segment past a 90-day retention.
    sooner = time.time() + 89 * 86400
    log.writer(retention_days=90, clock=lambda: sooner).close()
    assert all(log.segment(n).exists() for n in (1, 2, 3))  # 89 days: all kept
    later = time.time() + 91 * 86400
    log.writer(retention_days=90, clock=lambda: later).close()
    report = log.verify(anchors=True)
    got = statuses(report)
    # 4: the 89-day writer's own segment, closed 2 days before the 91-day one looked.
    assert ["DELETED_BY_RETENTION"] * 3 + ["VALID"] * 2 == [got[n] for n in (1, 2, 3, 4, 5)]
    assert report.ok, report.as_dict()
    assert not log.segment(1).exists()
    log.write_session(2)
    log.segment(4).unlink()
    got = statuses(log.verify())
    assert ("DELETED_BY_RETENTION", "MISSING", "VALID") == (got[3], got[4], got[5])


def test_torn_tail_is_recovered_on_restart(tmp_path: Path) -> None:
    log = new_log(tmp_path / "log")
    w = log.writer()
    for i in range(7):
        w.append(fmt.canonical({"n": i})).result(5)
    # A crash mid-append: no final checkpoint, half a frame at the end.
    w.halt_as_if_crashed()
    with log.segment(1).open("ab") as fh:
        fh.write(fmt.encode_frame(fmt.RECORD, b"\0" * 40)[:25])
    assert "TORN_TAIL" == statuses(log.verify())[1]
    log.write_session(2)
    report = log.verify(anchors=True)
    assert report.ok, report.as_dict()
    assert any("crash recovery" in e for e in report.segments[0].events)
    assert any(e.startswith("recovery") for e in report.segments[1].events)
    assert 9 == len(log.records())


def test_anchor_file_lines_are_checkpoints(log3: Log) -> None:
    lines = [json.loads(x) for x in log3.anchors.read_text().splitlines()]
    assert lines
    assert {"appliance_id", "segment", "seq", "time", "final", "checkpoint"} <= set(lines[0])
    assert sum(1 for x in lines if x["final"]) == 3
