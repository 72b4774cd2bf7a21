"""The TLS files are checked before any listener sees them: each bad case is one ConfigError
naming the file and its key, with real certificates and keys from a throwaway CA."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.hazmat.primitives.serialization import (
    BestAvailableEncryption,
    Encoding,
    PrivateFormat,
    load_pem_private_key,
)

from appliance.errors import ConfigError
from appliance.server.tls import check_tls_files
from tests.certs import CA


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> tuple[CA, Path, Path]:
    ca = CA(tmp_path_factory.mktemp("pki"), "site-ca")
    cert, key = ca.issue("appliance", server=True)
    return ca, cert, key


def _check(cert: Path, key: Path | None, ca: Path | None = None) -> ConfigError:
    with pytest.raises(ConfigError) as err:
        check_tls_files(cert, key, ca, section="server", source="/etc/appliance.toml")
    return err.value


def test_a_matching_pair_and_a_ca_pass(pki: tuple[CA, Path, Path]) -> None:
    """The certificate, its key and a client CA load: no error."""
    ca, cert, key = pki
    check_tls_files(cert, key, ca.path, section="server", source=None)


def test_a_garbage_key_names_the_key_file(pki: tuple[CA, Path, Path], tmp_path: Path) -> None:
    """A key file that is no PEM key: server.tls_key, the path, nothing of the content."""
    _ca, cert, _key = pki
    garbage = tmp_path / "garbage.key"
    garbage.write_text("-----BEGIN PRIVATE KEY-----\nc2VjcmV0\n-----END PRIVATE KEY-----\n")
    err = _check(cert, garbage)
    assert ("server.tls_key", "/etc/appliance.toml") == (err.key, err.file)
    assert str(garbage) in err.message
    assert "c2VjcmV0" not in str(err)


def test_a_garbage_certificate_names_the_certificate_file(pki: tuple[CA, Path, Path],
                                                          tmp_path: Path) -> None:
    """A certificate file that holds no PEM certificate: server.tls_cert."""
    _ca, _cert, key = pki
    garbage = tmp_path / "garbage.pem"
    garbage.write_text("not a certificate\n")
    assert "server.tls_cert" == _check(garbage, key).key


def test_a_key_of_another_certificate_is_refused(pki: tuple[CA, Path, Path]) -> None:
    """The key must be the certificate's."""
    ca, cert, _key = pki
    _other_cert, other_key = ca.issue("other", server=True)
    err = _check(cert, other_key)
    assert "server.tls_key" == err.key
    assert "is not the key of the certificate" in err.message


def test_an_encrypted_key_is_refused(pki: tuple[CA, Path, Path], tmp_path: Path) -> None:
    """The daemon has no passphrase to give: an encrypted key is a config error."""
    _ca, cert, key = pki
    locked = tmp_path / "locked.key"
    private = load_pem_private_key(key.read_bytes(), password=None)
    locked.write_bytes(private.private_bytes(Encoding.PEM, PrivateFormat.PKCS8,
                                             BestAvailableEncryption(b"pass")))
    assert "is encrypted" in _check(cert, locked).message


def test_a_missing_file_and_a_bad_ca(pki: tuple[CA, Path, Path], tmp_path: Path) -> None:
    """An unreadable file names itself; a client CA that is no certificate: server.client_ca."""
    _ca, cert, key = pki
    missing = _check(cert, tmp_path / "missing.key")
    assert ("server.tls_key", True) == (missing.key, "missing.key" in missing.message)
    bad_ca = tmp_path / "ca.pem"
    bad_ca.write_text("nope")
    assert "server.client_ca" == _check(cert, key, bad_ca).key
