"""One .deb per test session, built by packaging/build-deb.sh.

`make test` builds it before pytest starts, outside the per-test timeout, and names the
directory in APPLIANCE_TEST_DEB_DIR (``out/`` holds the .deb, ``build/`` the staging tree).
Run without it (plain pytest), the fixture builds the package itself; the tests that use it then
get DEB_BUILD_TIMEOUT instead of the global per-test timeout, because the first of them pays for
the build (several minutes; on a machine without the compiled llama.cpp wheel, ten or more).
"""

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
PREBUILT = "APPLIANCE_TEST_DEB_DIR"
DEB_BUILD_TIMEOUT = 3600


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
    prebuilt = os.environ.get(PREBUILT)
    work = tmp_path_factory.mktemp("deb")
    if prebuilt:
        built_in = Path(prebuilt)
    else:
        built_in = work
        env = {**os.environ, "BUILD_DIR": str(work / "build"), "OUT": str(work / "out"),
               "HOST_PYTHON": sys.executable}
        built = subprocess.run([str(ROOT / "packaging/build-deb.sh")], env=env, cwd=ROOT,
                               capture_output=True, text=True, timeout=DEB_BUILD_TIMEOUT,
                               check=False)
        assert 0 == built.returncode, built.stderr[-4000:]
    debs = list((built_in / "out").glob("llm-appliance_*.deb"))
    assert 1 == len(debs), f"expected one .deb in {built_in / 'out'}, found {debs}"
    (path,) = debs
    root, control = work / "root", work / "control"
    subprocess.run(["dpkg-deb", "--extract", str(path), str(root)], check=True, timeout=300)
    subprocess.run(["dpkg-deb", "--control", str(path), str(control)], check=True, timeout=60)
    yield Deb(path, root, control, built_in / "build")
    shutil.rmtree(built_in / "build", ignore_errors=True)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Without a prebuilt package, the tests that need it may wait for its build."""
    if os.environ.get(PREBUILT):
        return
    for item in items:
        if "deb" in getattr(item, "fixturenames", ()) and item.get_closest_marker("timeout") is None:
            item.add_marker(pytest.mark.timeout(DEB_BUILD_TIMEOUT))
