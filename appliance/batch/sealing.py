"""Batch data at rest: AES-256-GCM with a key file only the daemon's user may read.

Each line (its request, its answer), each uploaded file and each file's name is sealed on its
own, with a fresh 96-bit nonce and the row it belongs to as associated data: a line is written
in the same transaction that marks it done, so it is sealed alone (no blob to re-encrypt as
answers arrive), and a sealed value copied into another row does not open there. An uploaded
file is sealed whole: it arrives at once and is read whole (to create a batch, or to download
it).

The key (32 random bytes) is ``[batch] key_file``, by default ``state_dir/batch/batch.key``
beside the database. It is made on first use: written to a temporary file, fsync'ed, then
linked into place (mode 0600), so a crash leaves either no key or a whole one, never an empty
file. A key file that is present but not 32 bytes is never replaced: without the key the
sealed batches cannot be read, so the daemon refuses to start and says so (the site restores
the key from its backup, or moves the batch directory aside to throw every batch away).
Beside the database the key protects it, its WAL and its copies from whoever reads the disk
without the daemon's user; kept elsewhere (``key_file`` on another disk or a secret mount,
outside the backups of ``state_dir``), it also protects backups that hold the database alone.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from appliance.errors import ConfigError
from appliance.files import fsync_dir

KEY_BYTES = 32
NONCE_BYTES = 12
KEY_FILE = "batch.key"
#: The config key that names the key file (errors point at it).
KEY_SETTING = "batch.key_file"


class Unsealable(Exception):
    """A sealed value does not open with this key for this row (tampered, or moved)."""


def read_key(path: Path) -> bytes | None:
    """The key in ``path``; None when there is no such file. ConfigError when the file is
    there but is not a key (empty or short: never silently replaced)."""
    try:
        key = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise ConfigError(f"batch key {path} cannot be read ({exc.strerror})",
                          key=KEY_SETTING) from None
    if len(key) != KEY_BYTES:
        raise ConfigError(
            f"batch key {path} holds {len(key)} bytes, not a {KEY_BYTES}-byte key; the sealed "
            f"batches cannot be read without their key, so it is not replaced: restore it from "
            f"a backup, or stop the daemon and move the batch directory and the key aside to "
            f"throw every batch away", key=KEY_SETTING)
    return key


def make_key(path: Path) -> bytes:
    """A new key in ``path`` (0600), written whole before it appears: a temporary file,
    fsync'ed, then linked into place (never over an existing key: if one appeared meanwhile,
    that one is returned). A crash leaves at most the temporary file, removed next time."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    key = secrets.token_bytes(KEY_BYTES)
    tmp = path.with_name(f".{path.name}.tmp")
    with contextlib.suppress(FileNotFoundError):
        tmp.unlink()
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            if os.write(fd, key) != KEY_BYTES:
                raise OSError(f"short write to {tmp}")
            os.fsync(fd)
        finally:
            os.close(fd)
        try:
            os.link(tmp, path)
        except FileExistsError:
            existing = read_key(path)
            if existing is None:
                raise ConfigError(f"batch key {path} appeared and vanished while it was "
                                  f"made", key=KEY_SETTING) from None
            return existing
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
    fsync_dir(path.parent)
    return key


def load_key(path: Path) -> bytes:
    """The key in ``path``, made (0600) when there is none yet."""
    key = read_key(path)
    return key if key is not None else make_key(path)


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
