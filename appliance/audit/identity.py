"""The appliance's identity: its device key, as the daemon loads it at start, and the file
moves of a device key rotation.

The device key (``state_dir/keys/device-ed25519.pem``) is what every segment header is signed
by, and its fingerprint is the ``appliance_id`` the officer verifies against. The daemon
creates it only on a first start: no key *and* no audit log yet. Once the log exists, a key
that is missing, unreadable or not the one the newest segment names stops the start with one
line (:class:`~appliance.errors.ConfigError`), instead of quietly becoming a new appliance.
The one way to a new identity is ``appliance audit rotate-device-key``
(:mod:`appliance.audit.rotation`): it leaves the new key beside the old as
``device-ed25519.pem.next`` while it writes the rotation into the log, then retires the old
key (kept, never deleted) and installs the new one; a start after a crash in between finishes
or abandons that step from what the log says.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import structlog
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    load_pem_private_key,
)

from appliance.audit import format as fmt
from appliance.errors import ConfigError
from appliance.files import fsync_dir, write_atomic

log = structlog.get_logger("appliance.audit")

DEVICE_KEY = "device-ed25519.pem"
SIGNER_STATE = "audit-signer.json"
#: The new key while a rotation writes itself into the log.
NEXT_KEY = DEVICE_KEY + ".next"
RETIRED_PREFIX = DEVICE_KEY + ".retired-"
#: Enough of a segment's start to hold its header (a few hundred bytes).
_HEADER_BYTES = 64 * 1024


def load_device_key(keys: Path, audit_dir: Path, create: bool = True) -> Ed25519PrivateKey:
    """The device key in ``keys``; created only when there is neither a key nor an audit log
    (and ``create``). Raises ConfigError, naming the file, when it is missing or unreadable
    while the log exists, or is not the key that signed the newest segment."""
    finish_pending_rotation(keys, audit_dir)
    path = keys / DEVICE_KEY
    has_log, newest = log_identity(audit_dir, keys)
    if not path.exists():
        if has_log:
            raise ConfigError(
                f"the device key {path} is missing but the audit log {audit_dir} already "
                f"holds segments{f' of appliance {newest}' if newest else ''}: restore the "
                f"key from a backup (a new identity only via appliance audit "
                f"rotate-device-key, which needs the old key)", key="state_dir")
        if not create:
            raise ConfigError(f"there is no device key {path} yet: the daemon creates one "
                              f"at its first start", key="state_dir")
        key = Ed25519PrivateKey.generate()
        write_atomic(path, _pem(key))
        log.info("audit_device_identity", appliance_id=fmt.fingerprint(key.public_key()),
                 created=True, path=str(path))
        return key
    key = read_device_key(path)
    ident = fmt.fingerprint(key.public_key())
    if newest is not None and newest != ident:
        raise ConfigError(
            f"the device key {path} is appliance {ident}, but the newest audit segment was "
            f"written by appliance {newest}: restore that key (a new identity only via "
            f"appliance audit rotate-device-key)", key="state_dir")
    log.info("audit_device_identity", appliance_id=ident, created=False, path=str(path))
    return key


def read_device_key(path: Path) -> Ed25519PrivateKey:
    """An Ed25519 private key from a PEM file, or ConfigError naming the file."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read the device key {path}: {exc.strerror}",
                          key="state_dir") from exc
    try:
        key = load_pem_private_key(data, password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        raise ConfigError(f"the device key {path} is corrupt (not an unencrypted PEM private "
                          f"key): restore it from a backup", key="state_dir") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise ConfigError(f"the device key {path} is not an Ed25519 private key",
                          key="state_dir")
    return key


def log_identity(audit_dir: Path, keys: Path) -> tuple[bool, str | None]:
    """Whether an audit log exists (a segment, or the signer state its writer leaves), and
    the appliance_id of its newest segment with a readable header."""
    try:
        names = [p.name for p in audit_dir.iterdir()]
    except FileNotFoundError:
        names = []
    numbers = sorted((n for n, _ in fmt.iter_segments(names)), reverse=True)
    has_log = bool(numbers) or (keys / SIGNER_STATE).exists()
    for number in numbers:
        ident = _header_identity(audit_dir / fmt.segment_name(number))
        if ident is not None:
            return True, ident
    return has_log, None


def _header_identity(path: Path) -> str | None:
    try:
        with path.open("rb") as fh:
            data = fh.read(_HEADER_BYTES)
    except OSError:
        return None
    frames = fmt.scan(data).frames
    if not frames or frames[0].ftype != fmt.HEADER:
        return None
    header = fmt.parse_signed(frames[0], with_device=True)
    ident = header.doc.get("appliance_id") if header else None
    return ident if isinstance(ident, str) else None


def stage_new_key(keys: Path, key: Ed25519PrivateKey) -> None:
    """Put the rotation's new key beside the current one (0600) before the log names it."""
    write_atomic(keys / NEXT_KEY, _pem(key))


def finish_pending_rotation(keys: Path, audit_dir: Path, now: float | None = None
                            ) -> Path | None:
    """Complete a rotation whose new key the log already names (retire the old key, install
    the new one), or abandon one the log never recorded (its new key signed nothing that
    remains). Returns where the old key was kept, when this completed one."""
    staged = keys / NEXT_KEY
    if not staged.exists():
        return None
    new = fmt.fingerprint(read_device_key(staged).public_key())
    if log_identity(audit_dir, keys)[1] != new:
        staged.unlink()
        fsync_dir(keys)
        log.warning("audit_device_key_rotation_abandoned", new_appliance_id=new,
                    detail="the audit log never recorded the rotation; the key is unchanged")
        return None
    current = keys / DEVICE_KEY
    retired = _retire(current, now) if current.exists() else None
    staged.replace(current)
    fsync_dir(keys)
    log.warning("audit_device_key_rotated", appliance_id=new,
                retired=str(retired) if retired else None)
    return retired


def _retire(current: Path, now: float | None) -> Path:
    """A second name for the old key (kept, 0600), before the new key takes its place; a
    crash after this leaves both names on the old key, and the retry reuses this one."""
    for other in current.parent.glob(RETIRED_PREFIX + "*"):
        if other.samefile(current):
            return other
    when = dt.datetime.fromtimestamp(now, dt.UTC) if now is not None else dt.datetime.now(dt.UTC)
    stamp = when.strftime("%Y%m%dT%H%M%SZ")
    for n in range(1000):
        target = current.with_name(f"{RETIRED_PREFIX}{stamp}{f'-{n}' if n else ''}")
        try:
            os.link(current, target)
        except FileExistsError:
            continue
        target.chmod(0o600)
        return target
    raise ConfigError(f"cannot find a free name to keep the old device key {current} under",
                      key="state_dir")


def _pem(key: Ed25519PrivateKey) -> bytes:
    return key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
