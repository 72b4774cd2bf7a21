"""``appliance audit rotate-device-key``: the explicit way to a new appliance identity.

Run while the daemon is stopped (the state directory's lock says so otherwise). The old
device key signs a statement naming the new one, bound to the segment it begins and the link
to the segment before (:func:`appliance.audit.format.rotation_statement`); the new key signs
that segment's header with the statement inside, so the officer's verify follows the log
across the change and shows it, while a key swapped any other way stays ``KEY_MISMATCH``.
The old key is kept under a dated name (0600), never deleted: segments it signed are
verified with its public half, which their headers carry.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from appliance.audit import format as fmt
from appliance.audit.identity import finish_pending_rotation, load_device_key, stage_new_key
from appliance.audit.keys import load_officer_public
from appliance.audit.lock import DirectoryLock
from appliance.audit.stage import officer_key_path, writer_settings
from appliance.audit.writer import AuditWriter
from appliance.errors import ConfigError

if TYPE_CHECKING:
    from appliance.config import Config


@dataclass(frozen=True)
class Rotated:
    old_appliance_id: str
    new_appliance_id: str
    #: The segment whose header carries the rotation statement.
    segment: int
    #: Where the old key is kept.
    retired: Path


def rotate_device_key(config: Config, clock: Callable[[], float] = time.time,
                      new_key: Ed25519PrivateKey | None = None) -> Rotated:
    """Replace the device key, recording the hand-over in the audit log first."""
    state_lock = DirectoryLock(config.state_dir, "state directory", ".state.lock")
    state_lock.acquire()
    try:
        keys = config.state_dir / "keys"
        audit_dir = config.audit.resolved_dir(config.state_dir)
        officer = load_officer_public(officer_key_path(config))
        old = load_device_key(keys, audit_dir, create=False)
        new = new_key or Ed25519PrivateKey.generate()
        stage_new_key(keys, new)
        settings = writer_settings(config, officer, new, rotate_from=old)
        writer = AuditWriter(replace(settings, clock=clock))
        writer.open()  # recovers the old segment, writes the rotation segment's start
        writer.close()  # and its final checkpoint
        retired = finish_pending_rotation(keys, audit_dir, now=clock())
        if retired is None:  # the log does not name the new key: nothing was changed
            raise ConfigError(f"the audit log in {audit_dir} did not record the rotation; "
                              f"the device key is unchanged", key="audit.dir")
        return Rotated(fmt.fingerprint(old.public_key()), fmt.fingerprint(new.public_key()),
                       writer.segment, retired)
    finally:
        state_lock.release()
