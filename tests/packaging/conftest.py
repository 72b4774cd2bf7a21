"""One .deb per test session, built by packaging/build-deb.sh into a scratch directory."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Deb:
    path: Path
    #: dpkg-deb --extract of the package (its file tree)
    root: Path
    #: dpkg-deb --control of the package (control, conffiles, scripts, md5sums)
    control: Path
    #: the scratch directory it was staged in (no file may still name it)
    build_dir: Path


@pytest.fixture(scope="session")
def deb(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deb]:
    for tool in ("dpkg-deb", "dpkg-shlibdeps"):
        if shutil.which(tool) is None:
            pytest.fail(f"{tool} is missing: run make deb-tools")
    work = tmp_path_factory.mktemp("deb")
    env = {**os.environ, "BUILD_DIR": str(work / "build"), "OUT": str(work / "out"),
           "HOST_PYTHON": sys.executable}
    built = subprocess.run([str(ROOT / "packaging/build-deb.sh")], env=env, cwd=ROOT,
                           capture_output=True, text=True, timeout=3600, check=False)
    assert 0 == built.returncode, built.stderr[-4000:]
    (path,) = (work / "out").glob("llm-appliance_*.deb")
    root, control = work / "root", work / "control"
    subprocess.run(["dpkg-deb", "--extract", str(path), str(root)], check=True, timeout=300)
    subprocess.run(["dpkg-deb", "--control", str(path), str(control)], check=True, timeout=60)
    yield Deb(path, root, control, work / "build")
    shutil.rmtree(work / "build", ignore_errors=True)
