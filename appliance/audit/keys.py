"""Key files: the compliance officer's X25519 keypair, the appliance's Ed25519 identity, and the
persisted state of the one-time signing key ratchet.

Every secret is written to a temporary file created 0600, fsynced, renamed into place and the
directory fsynced, so a crash leaves either the old file or the new one.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import structlog
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.serialization import (
    BestAvailableEncryption,
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
    load_pem_private_key,
    load_pem_public_key,
)

from appliance.audit.format import fingerprint, signer_key
from appliance.errors import ConfigError
from appliance.files import write_atomic

log = structlog.get_logger("appliance.audit")

OFFICER_PRIVATE = "officer.key"
OFFICER_PUBLIC = "officer.pub"


def generate_officer_key(out: Path, passphrase: bytes | None = None) -> tuple[Path, Path, str]:
    """Create ``officer.key`` (0600, PKCS#8 PEM, encrypted when a passphrase is given) and
    ``officer.pub`` in ``out``; refuses to overwrite. Returns both paths and the fingerprint."""
    key = X25519PrivateKey.generate()
    private, public = out / OFFICER_PRIVATE, out / OFFICER_PUBLIC
    for p in (private, public):
        if p.exists():
            raise ConfigError(f"{p} already exists; refusing to overwrite an officer key")
    encryption = BestAvailableEncryption(passphrase) if passphrase else NoEncryption()
    write_atomic(private, key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, encryption))
    write_atomic(public, key.public_key().public_bytes(
        Encoding.PEM, PublicFormat.SubjectPublicKeyInfo), mode=0o644)
    return private, public, fingerprint(key.public_key())


def load_officer_public(path: Path) -> X25519PublicKey:
    try:
        key = load_pem_public_key(path.read_bytes())
    except OSError as exc:
        raise ConfigError(f"cannot read the officer's public key {path}: {exc.strerror}",
                          key="audit.officer_public_key") from exc
    except ValueError as exc:
        raise ConfigError(f"{path} is not a PEM public key", key="audit.officer_public_key"
                          ) from exc
    if not isinstance(key, X25519PublicKey):
        raise ConfigError(f"{path} is not an X25519 key (create one with appliance audit "
                          f"keygen)", key="audit.officer_public_key")
    return key


def load_officer_private(path: Path, passphrase: bytes | None = None) -> X25519PrivateKey:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read the officer's private key {path}: {exc.strerror}"
                          ) from exc
    try:
        key = load_pem_private_key(data, password=passphrase)
    except TypeError as exc:
        raise ConfigError(f"{path} is encrypted: give its passphrase (--passphrase-file)"
                          if passphrase is None else
                          f"{path} is not encrypted: leave out the passphrase") from exc
    except ValueError as exc:
        raise ConfigError(f"{path}: not a PEM private key, or the passphrase is wrong") from exc
    if not isinstance(key, X25519PrivateKey):
        raise ConfigError(f"{path} is not an X25519 private key")
    return key


@dataclass(frozen=True)
class SignerState:
    """The newest one-time signing seed; everything before it is gone."""

    appliance_id: str
    seed: bytes
    index: int

    @property
    def public_hex(self) -> str:
        from appliance.audit.format import raw_public  # noqa: PLC0415

        return raw_public(signer_key(self.seed).public_key()).hex()


def save_signer(path: Path, state: SignerState) -> None:
    write_atomic(path, json.dumps({"appliance_id": state.appliance_id,
                                   "seed": state.seed.hex(), "index": state.index}).encode())


def load_signer(path: Path) -> SignerState | None:
    try:
        doc = json.loads(path.read_text())
        return SignerState(str(doc["appliance_id"]), bytes.fromhex(doc["seed"]),
                           int(doc["index"]))
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        log.error("audit_signer_state_unreadable", path=str(path), error=type(exc).__name__)
        return None
