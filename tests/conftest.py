"""Shared fixtures: the real default model, assembled once, and one real daemon per session."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from appliance.client import Client
from appliance.engine.default_model import ensure_default_model
from tests.daemon import Daemon, write_config


@pytest.fixture(scope="session")
def model_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The embedded default GGUF (Gemma 3 270M Q4_K_M), assembled and SHA-256 verified."""
    path, _sha = ensure_default_model(tmp_path_factory.mktemp("models"))
    return path


@pytest.fixture(scope="session")
def embed_model_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """all-MiniLM-L6-v2 as GGUF, converted from its PyPI package by the real offline step
    (tools/embed_model/convert.py; make setup installs the package and gguf)."""
    out = tmp_path_factory.mktemp("embed-model")
    done = subprocess.run([sys.executable, "tools/embed_model/convert.py", str(out)],
                          capture_output=True, text=True, timeout=300, check=False,
                          cwd=Path(__file__).parent.parent)
    assert done.returncode == 0, done.stdout + done.stderr
    return out / "all-MiniLM-L6-v2-f16.gguf"


@pytest.fixture(scope="session")
def daemon(tmp_path_factory: pytest.TempPathFactory, model_path: Path,
           embed_model_path: Path) -> Iterator[Daemon]:
    """One real daemon for the session, on a free loopback port, serving the real model
    (and the real embedding model on its embedding tier)."""
    work = tmp_path_factory.mktemp("daemon")
    embed = f'path = "{embed_model_path}"\nn_threads = 2'
    d = Daemon(work, write_config(work / "appliance.toml", model_path,
                                  **{"models.embed": embed}))
    try:
        d.wait_for("ready")
        yield d
    finally:
        code = d.stop()
        assert code == 0, d.log_path.read_text()[-3000:]


@pytest.fixture
def client(daemon: Daemon) -> Iterator[Client]:
    assert daemon.address is not None
    with Client(daemon.address, timeout=120.0) as c:
        yield c


@pytest.fixture(scope="session")
def analyzer():
    """The real Presidio analyzer with the default policy and the real spaCy model."""
    from appliance.config import PiiConfig
    from appliance.privacy.analyzer import Analyzer

    return Analyzer(PiiConfig())


def pytest_unconfigure(config: pytest.Config) -> None:
    """llama_cpp._utils opens os.devnull twice at import and never closes it; with warnings
    as errors, interpreter exit then prints ResourceWarnings after pytest's summary line."""
    import sys

    utils = sys.modules.get("llama_cpp._utils")
    for name in ("outnull_file", "errnull_file"):
        f = getattr(utils, name, None)
        if f is not None:
            f.close()


@pytest.fixture(autouse=True)
def _logging_config_restored() -> Iterator[None]:
    """Each test gets structlog as the one before it had it: a test that runs the CLI in
    process configures logging onto pytest's captured stream, which is closed after it."""
    import structlog

    saved = structlog.get_config()
    yield
    structlog.configure(**saved)
