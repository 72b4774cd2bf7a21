"""The TLS files a listener is given, checked before any listener sees them.

grpc takes a certificate and key as bytes and only finds them unusable when it binds: it then
writes C-core log lines to stderr and reports a bind failure that reads like a busy port.
Loading them here first turns a missing, unreadable, unparseable, encrypted or mismatched file
into one ConfigError naming the file and its key (``server.tls_key``), never its content.
"""

from __future__ import annotations

from pathlib import Path

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization

from appliance.errors import ConfigError


def _read(path: Path, key: str, source: str | None) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror}", file=source,
                          key=key) from None


def check_tls_files(cert: Path, private_key: Path | None, client_ca: Path | None, *,
                    section: str, source: str | None) -> None:
    """Raise ConfigError unless ``cert`` holds PEM certificates, ``private_key`` an
    unencrypted PEM private key of the first of them, and ``client_ca`` (if given) PEM
    certificates. ``section``: where the keys are ("server", "http")."""
    try:
        chain = x509.load_pem_x509_certificates(_read(cert, f"{section}.tls_cert", source))
    except ValueError:
        raise ConfigError(f"{cert} holds no PEM certificate", file=source,
                          key=f"{section}.tls_cert") from None
    if private_key is None:
        raise ConfigError("tls_cert is set without tls_key", file=source,
                          key=f"{section}.tls_key")
    where = f"{section}.tls_key"
    try:
        key = serialization.load_pem_private_key(_read(private_key, where, source),
                                                 password=None)
    except TypeError:  # cryptography's signal that the key is encrypted
        raise ConfigError(f"{private_key} is encrypted; give the daemon an unencrypted key "
                          f"(mode 0600)", file=source, key=where) from None
    except (ValueError, UnsupportedAlgorithm):
        raise ConfigError(f"{private_key} holds no PEM private key it can use", file=source,
                          key=where) from None
    spki = serialization.PublicFormat.SubjectPublicKeyInfo
    der = serialization.Encoding.DER
    if key.public_key().public_bytes(der, spki) != chain[0].public_key().public_bytes(der, spki):
        raise ConfigError(f"{private_key} is not the key of the certificate in {cert}",
                          file=source, key=where)
    if client_ca is not None:
        try:
            x509.load_pem_x509_certificates(_read(client_ca, f"{section}.client_ca", source))
        except ValueError:
            raise ConfigError(f"{client_ca} holds no PEM certificate", file=source,
                              key=f"{section}.client_ca") from None
