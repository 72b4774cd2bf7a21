"""Batch data at rest: AES-256-GCM with a key file only the daemon's user may read.

Each line (its request, its answer) and each uploaded file is sealed on its own, with a fresh
96-bit nonce and the row it belongs to as associated data: a line is written in the same
transaction that marks it done, so it is sealed alone (no blob to re-encrypt as answers
arrive), and a sealed value copied into another row does not open there. An uploaded file is
sealed whole: it arrives at once and is read whole (to create a batch, or to download it).

The key (32 random bytes) is made on first use with mode 0600 and never leaves
``state_dir/batch``. It protects the database, its WAL and its backups from whoever reads the
disk without the daemon's user: the same boundary as the state directory's own mode.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from appliance.errors import ConfigError

KEY_BYTES = 32
NONCE_BYTES = 12
KEY_FILE = "batch.key"


class Unsealable(Exception):
    """A sealed value does not open with this key for this row (tampered, or moved)."""


def load_key(directory: Path) -> bytes:
    """The key in ``directory/batch.key``, made (0600) when there is none yet."""
    path = directory / KEY_FILE
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        key = path.read_bytes()
        if len(key) != KEY_BYTES:
            raise ConfigError(f"{path}: not a batch key ({KEY_BYTES} bytes)",
                              key="state_dir") from None
        return key
    key = secrets.token_bytes(KEY_BYTES)
    try:
        os.write(fd, key)
        os.fsync(fd)
    finally:
        os.close(fd)
    return key


class Sealer:
    """Seals and opens values bound to the row that holds them."""

    def __init__(self, key: bytes) -> None:
        self._aead = AESGCM(key)

    def seal(self, data: bytes, where: str) -> bytes:
        nonce = secrets.token_bytes(NONCE_BYTES)
        return nonce + self._aead.encrypt(nonce, data, where.encode())

    def open(self, sealed: bytes, where: str) -> bytes:
        try:
            return self._aead.decrypt(sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], where.encode())
        except (InvalidTag, ValueError):
            raise Unsealable(where) from None
