"""The appliance's identity: the device key is created only on a first start, a missing,
corrupt or swapped key stops the start once a log exists, and ``appliance audit
rotate-device-key`` is the one way to a new identity, which verify follows and shows.

Real keys, the real writer and the daemon's own ``open_audit`` on a config whose state
directory is a temporary one.
"""

from __future__ import annotations

import json
import stat
from dataclasses import replace
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

from appliance import config as cfgmod
from appliance.audit import format as fmt
from appliance.audit.identity import (
    DEVICE_KEY,
    NEXT_KEY,
    RETIRED_PREFIX,
    finish_pending_rotation,
    load_device_key,
    read_device_key,
    stage_new_key,
)
from appliance.audit.keys import load_officer_private, load_officer_public
from appliance.audit.lock import DirectoryLock
from appliance.audit.rotation import rotate_device_key
from appliance.audit.stage import open_audit, writer_settings
from appliance.audit.verify import Report, verify_dir
from appliance.audit.writer import AuditWriter
from appliance.cli import main
from appliance.config import Config
from appliance.errors import ConfigError
from tests.audit_helpers import new_log


@pytest.fixture
def cfg(tmp_path: Path) -> Config:
    return replace(cfgmod.embedded_default(), state_dir=tmp_path / "state")


def _keys(cfg: Config) -> Path:
    return cfg.state_dir / "keys"


def _session(cfg: Config, records: int, tag: str) -> None:
    """What a daemon does to the log: start, write records, stop."""
    audit = open_audit(cfg)
    try:
        for i in range(records):
            audit.writer.append(fmt.canonical({"type": "begin", "request_id": f"{tag}{i}"})
                                ).result(10)
    finally:
        audit.close()


def _verify(cfg: Config, records: list[dict[str, object]] | None = None) -> Report:
    officer = load_officer_private(cfg.state_dir / "dev-officer" / "officer.key")
    return verify_dir(cfg.state_dir / "audit", officer, cfg.state_dir / "audit-anchors.jsonl",
                      None if records is None else records.append)


def _fingerprint(key: Ed25519PrivateKey) -> str:
    return fmt.fingerprint(key.public_key())


def _pem(key: Ed25519PrivateKey) -> bytes:
    return key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())


def _segments(cfg: Config) -> list[Path]:
    return sorted((cfg.state_dir / "audit").glob("seg-*.alog"))


# ---- start: create, load, refuse ----------------------------------------------------------


def test_first_start_creates_the_key_and_later_starts_load_it(cfg: Config) -> None:
    """No key and no log: a new key (0600); the next start loads that same key."""
    audit_dir = cfg.state_dir / "audit"
    created = load_device_key(_keys(cfg), audit_dir)
    path = _keys(cfg) / DEVICE_KEY
    assert 0o600 == stat.S_IMODE(path.stat().st_mode)
    assert _fingerprint(created) == _fingerprint(load_device_key(_keys(cfg), audit_dir))


def test_a_missing_key_with_a_log_refuses_to_start(cfg: Config) -> None:
    """Segments on disk and no key: ConfigError naming the key file; no key is made."""
    _session(cfg, 2, "a")
    path = _keys(cfg) / DEVICE_KEY
    path.unlink()
    segments = _segments(cfg)
    with pytest.raises(ConfigError) as info:
        open_audit(cfg)
    assert str(path) in str(info.value)
    assert "\n" not in str(info.value)
    assert not path.exists()
    assert segments == _segments(cfg)


def test_a_missing_key_refuses_when_only_the_signer_state_remains(cfg: Config) -> None:
    """The segments deleted as well: the signer state the writer left still says a log was
    kept, so the start refuses rather than begin a new identity."""
    _session(cfg, 1, "a")
    (_keys(cfg) / DEVICE_KEY).unlink()
    for seg in _segments(cfg):
        seg.unlink()
    with pytest.raises(ConfigError, match="missing"):
        load_device_key(_keys(cfg), cfg.state_dir / "audit")


@pytest.mark.parametrize("damage", ["garbage", "truncated", "empty"])
def test_a_corrupt_key_refuses_to_start_and_is_left_alone(cfg: Config, damage: str) -> None:
    """An unparseable key: ConfigError (one line, naming the file); the file and the log
    stay as they were, and the lock is released for the next try."""
    _session(cfg, 2, "a")
    path = _keys(cfg) / DEVICE_KEY
    good = path.read_bytes()
    bad = {"garbage": b"\x00\x01 not a key", "truncated": good[: len(good) // 2],
           "empty": b""}[damage]
    path.write_bytes(bad)
    segments = _segments(cfg)
    with pytest.raises(ConfigError) as info:
        open_audit(cfg)
    assert str(path) in str(info.value)
    assert "\n" not in str(info.value)
    assert bad == path.read_bytes()
    assert segments == _segments(cfg)
    path.write_bytes(good)
    _session(cfg, 1, "b")  # the lock went with the failed start
    assert _verify(cfg).ok


def test_a_swapped_key_refuses_to_start(cfg: Config) -> None:
    """A valid key that is not the one the newest segment names: ConfigError, no segment."""
    _session(cfg, 1, "a")
    path = _keys(cfg) / DEVICE_KEY
    path.write_bytes(_pem(Ed25519PrivateKey.generate()))
    segments = _segments(cfg)
    with pytest.raises(ConfigError, match="rotate-device-key"):
        open_audit(cfg)
    assert segments == _segments(cfg)


# ---- rotation ------------------------------------------------------------------------------


def test_rotation_is_recorded_and_the_log_verifies_across_it(cfg: Config) -> None:
    """Segments before the rotation signed by the old key, after it by the new: VALID, every
    record decrypts, and the report names the rotation (old and new appliance_id)."""
    _session(cfg, 5, "before-")
    old = read_device_key(_keys(cfg) / DEVICE_KEY)
    new = Ed25519PrivateKey.generate()
    done = rotate_device_key(cfg, clock=lambda: 1_800_000_000.0, new_key=new)
    assert (_fingerprint(old), _fingerprint(new)) == (done.old_appliance_id,
                                                      done.new_appliance_id)
    _session(cfg, 5, "after-")
    records: list[dict[str, object]] = []
    report = _verify(cfg, records)
    assert report.ok, report.as_dict()
    assert [{"segment": done.segment, "from": _fingerprint(old), "to": _fingerprint(new),
             "time": 1_800_000_000.0}] == report.rotations
    assert _fingerprint(new) == report.appliance_id
    assert "device key rotated" in report.summary
    rotated = report.segments[done.segment - 1]
    assert any("device key rotated" in e for e in rotated.events)
    assert [f"before-{i}" for i in range(5)] + [f"after-{i}" for i in range(5)] == \
        [r["request_id"] for r in records]
    headers = [fmt.parse_signed(fmt.scan(p.read_bytes()).frames[0], with_device=True)
               for p in _segments(cfg)]
    assert [_fingerprint(old)] * (done.segment - 1) + [_fingerprint(new)] * 2 == \
        [h.doc["appliance_id"] for h in headers if h is not None]


def test_deleting_the_rotation_and_all_after_it_is_caught_by_the_anchors(cfg: Config) -> None:
    """The anchor lines of the rotation's segment carry its statement, so the anchors of the
    new identity still count as this log's when every segment it wrote is gone."""
    _session(cfg, 2, "a")
    done = rotate_device_key(cfg)
    _session(cfg, 2, "b")
    for seg in _segments(cfg)[done.segment - 1:]:
        seg.unlink()
    report = _verify(cfg)
    assert not report.ok
    assert {done.segment, done.segment + 1} == {s.segment for s in report.segments
                                                if s.status == "MISSING"}


def test_an_anchor_line_with_a_forged_rotation_statement_is_malformed(cfg: Config) -> None:
    """A statement on an anchor line must be signed by the old key, like the header's."""
    _session(cfg, 1, "a")
    done = rotate_device_key(cfg)
    anchors = cfg.state_dir / "audit-anchors.jsonl"
    lines = anchors.read_text().splitlines()
    at = next(i for i, line in enumerate(lines) if '"rotation"' in line)
    doc = json.loads(lines[at])
    doc["rotation"]["time"] += 1
    lines[at] = json.dumps(doc)
    anchors.write_text("\n".join(lines) + "\n")
    report = _verify(cfg)
    assert not report.ok
    assert [("ANCHOR_MALFORMED", at + 1)] == [(p.kind, p.line) for p in report.problems]
    assert done.segment == report.rotations[0]["segment"]  # the header's own still verifies


def test_rotation_keeps_the_old_key_and_installs_the_new(cfg: Config) -> None:
    """The old key is kept (0600, same bytes, a dated name); the new one is the device key."""
    _session(cfg, 1, "a")
    path = _keys(cfg) / DEVICE_KEY
    old_bytes = path.read_bytes()
    new = Ed25519PrivateKey.generate()
    done = rotate_device_key(cfg, clock=lambda: 1_800_000_000.0, new_key=new)
    assert done.retired.name == f"{RETIRED_PREFIX}20270115T080000Z"
    assert old_bytes == done.retired.read_bytes()
    assert 0o600 == stat.S_IMODE(done.retired.stat().st_mode)
    assert _fingerprint(new) == _fingerprint(read_device_key(path))
    assert not (_keys(cfg) / NEXT_KEY).exists()
    assert "PRIVATE KEY" not in json.dumps(_verify(cfg).as_dict())


def test_two_rotations_chain(cfg: Config) -> None:
    """A second rotation hands over from the key the first installed."""
    _session(cfg, 1, "a")
    first = rotate_device_key(cfg)
    _session(cfg, 1, "b")
    second = rotate_device_key(cfg)
    _session(cfg, 1, "c")
    report = _verify(cfg)
    assert report.ok, report.as_dict()
    assert first.new_appliance_id == second.old_appliance_id
    assert [first.segment, second.segment] == [r["segment"] for r in report.rotations]
    assert 2 == len(list(_keys(cfg).glob(RETIRED_PREFIX + "*")))


def test_rotation_after_a_crash_closes_the_old_segment_under_its_own_identity(
        tmp_path: Path) -> None:
    """The daemon died without closing its segment; the rotation's writer closes it by
    crash recovery (a checkpoint for the old appliance_id) and the log verifies."""
    old, new = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    log = new_log(tmp_path / "log", device=old)
    w = log.writer()
    for i in range(6):
        w.append(fmt.canonical({"n": i})).result(5)
    w.halt_as_if_crashed()
    log.writer(device=new, rotate_from=old).close()
    w = log.writer(device=new)  # the daemon again, now with the new key
    w.append(fmt.canonical({"n": 6})).result(5)
    w.close()
    report = log.verify(anchors=True)
    assert report.ok, report.as_dict()
    assert list(range(7)) == [r["n"] for r in log.records()]
    assert any("crash recovery" in e for e in report.segments[0].events)
    assert 1 == len(report.rotations)


def test_a_key_swapped_without_the_command_fails_verification(tmp_path: Path) -> None:
    """A new device key that continues the chain but carries no rotation statement."""
    log = new_log(tmp_path / "log")
    log.write_session(3)
    log.write_session(3)
    intruder = log.writer(device=Ed25519PrivateKey.generate())
    intruder.append(fmt.canonical({"n": 1})).result(5)
    intruder.close()
    report = log.verify(anchors=True)
    assert not report.ok
    assert "KEY_MISMATCH" == report.segments[2].status
    assert [] == report.rotations


def test_a_rotation_statement_by_a_key_that_is_not_the_appliances_fails(
        tmp_path: Path) -> None:
    """Another key vouching for the new one does not hand over this appliance's log."""
    log = new_log(tmp_path / "log")
    log.write_session(3)
    forged = log.writer(device=Ed25519PrivateKey.generate(),
                        rotate_from=Ed25519PrivateKey.generate())
    forged.close()
    report = log.verify()
    assert not report.ok
    assert "KEY_MISMATCH" == report.segments[1].status


def test_an_edited_rotation_statement_fails(tmp_path: Path) -> None:
    """The statement bound to another segment number: the old key's signature no longer
    covers it, even with the header re-signed by the new key."""
    old, new = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    statement = fmt.rotation_statement(old, new.public_key(), 2, None, 0.0)
    header = {"appliance_id": _fingerprint(new), "device_pub": statement["new_device_pub"],
              "segment": 2, "prev": None, "rotation": statement}
    assert _fingerprint(old) == fmt.rotation_from(header)
    assert fmt.rotation_from({**header, "segment": 3, "rotation": {**statement,
                                                                   "segment": 3}}) is None
    assert fmt.rotation_from({**header, "rotation": {**statement, "time": 1.0}}) is None
    assert fmt.rotation_from({**header, "prev": {"segment": 1, "hash": "00"}}) is None


def test_rotation_refuses_while_the_daemon_runs(cfg: Config) -> None:
    """The state directory's lock is held: ConfigError, and the key is unchanged."""
    _session(cfg, 1, "a")
    before = (_keys(cfg) / DEVICE_KEY).read_bytes()
    daemon = DirectoryLock(cfg.state_dir, "state directory", ".state.lock")
    daemon.acquire()
    try:
        with pytest.raises(ConfigError, match="in use"):
            rotate_device_key(cfg)
    finally:
        daemon.release()
    assert before == (_keys(cfg) / DEVICE_KEY).read_bytes()


def test_rotation_needs_the_old_key(cfg: Config) -> None:
    """No key yet, or a corrupt one: nothing can sign the hand-over, so ConfigError."""
    with pytest.raises(ConfigError, match="no device key"):
        rotate_device_key(cfg)
    _session(cfg, 1, "a")
    (_keys(cfg) / DEVICE_KEY).write_bytes(b"corrupt")
    with pytest.raises(ConfigError, match="corrupt"):
        rotate_device_key(cfg)
    assert not (_keys(cfg) / NEXT_KEY).exists()


def test_a_start_after_a_crash_mid_rotation_finishes_it(cfg: Config) -> None:
    """The log names the new key but the key files were not yet swapped: the next start
    retires the old key and uses the new one, and the log verifies."""
    _session(cfg, 1, "a")
    keys = _keys(cfg)
    old = read_device_key(keys / DEVICE_KEY)
    new = Ed25519PrivateKey.generate()
    stage_new_key(keys, new)
    officer = load_officer_public(cfg.state_dir / "dev-officer" / "officer.pub")
    w = AuditWriter(writer_settings(cfg, officer, new, rotate_from=old))
    w.open()
    w.close()  # ... and the command dies here
    _session(cfg, 1, "b")
    assert _fingerprint(new) == _fingerprint(read_device_key(keys / DEVICE_KEY))
    assert [_fingerprint(old)] == [_fingerprint(read_device_key(p))
                                   for p in keys.glob(RETIRED_PREFIX + "*")]
    assert _verify(cfg).ok


def test_a_start_after_a_crash_before_the_log_named_the_new_key_abandons_it(
        cfg: Config) -> None:
    """The new key staged but never written into the log: it goes, the old key stays."""
    _session(cfg, 1, "a")
    keys = _keys(cfg)
    before = (keys / DEVICE_KEY).read_bytes()
    stage_new_key(keys, Ed25519PrivateKey.generate())
    assert finish_pending_rotation(keys, cfg.state_dir / "audit") is None
    assert not (keys / NEXT_KEY).exists()
    assert before == (keys / DEVICE_KEY).read_bytes()
    _session(cfg, 1, "b")
    assert _verify(cfg).ok


def test_rotate_device_key_command(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    """``appliance audit rotate-device-key``: exit 0 and one line naming both identities;
    exit 2 with one line while the daemon holds the state directory."""
    monkeypatch.setenv("APPLIANCE_CONFIG", "")
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    cfg = cfgmod.embedded_default()
    _session(cfg, 1, "a")
    old = _fingerprint(read_device_key(_keys(cfg) / DEVICE_KEY))
    assert 0 == main(["audit", "rotate-device-key"])
    new = _fingerprint(read_device_key(_keys(cfg) / DEVICE_KEY))
    out = capsys.readouterr().out
    assert f"appliance {old} -> {new}" in out
    daemon = open_audit(cfg)
    try:
        assert 2 == main(["audit", "rotate-device-key"])
    finally:
        daemon.close()
    err = capsys.readouterr().err
    assert 1 == len([line for line in err.splitlines() if line.startswith("appliance:")])
